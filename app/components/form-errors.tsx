import type { MessageKey } from '../i18n'
import { splitMessage, type FieldErrors } from '../utils/form'
import { useI18n } from '../utils/use-root'

/** A field with an error as the summary lists it: its label and where it is on the page. */
export type ErrorLink = { key: string; href: string; label: string }

/**
 * Above a form: the form-level error (`_form`), if any, and "please correct the N highlighted
 * fields". Given `fields`, it names each field with its message and links to it (GOV.UK's error
 * summary); the fields show their own messages too.
 */
export function FormErrors({ errors, fields }: { errors: FieldErrors; fields?: ErrorLink[] }) {
  const { t } = useI18n()
  const count = Object.keys(errors).filter((k) => k !== '_form').length
  if (!count && !errors._form) return null
  const [key, vars] = errors._form ? splitMessage(errors._form) : ['', {}]
  const message = (raw: string) => {
    const [k, v] = splitMessage(raw)
    return k.includes('.') ? t(k as MessageKey, v) : k
  }
  return (
    <div className="alert alert-danger error-summary" role="alert" data-testid="error-summary">
      {errors._form ? <p style={{ margin: 0 }}>{t(key as MessageKey, vars)}</p> : null}
      {count ? <p style={{ margin: 0 }}>{t('common.formErrors', { count })}</p> : null}
      {fields?.length ? (
        <ul>
          {fields.map((f) => (
            <li key={f.key}>
              <a href={f.href}>{f.label}</a>: {message(errors[f.key] ?? '')}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  )
}
