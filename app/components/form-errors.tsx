import type { MessageKey } from '../i18n'
import { splitMessage, type FieldErrors } from '../utils/form'
import { useI18n } from '../utils/use-root'

/**
 * Above a form: the form-level error (`_form`), if any, and "please correct the N
 * highlighted fields" when fields have errors. The fields show their own messages.
 */
export function FormErrors({ errors }: { errors: FieldErrors }) {
  const { t } = useI18n()
  const count = Object.keys(errors).filter((k) => k !== '_form').length
  if (!count && !errors._form) return null
  const [key, vars] = errors._form ? splitMessage(errors._form) : ['', {}]
  return (
    <div className="alert alert-danger" role="alert">
      {errors._form ? <p style={{ margin: 0 }}>{t(key as MessageKey, vars)}</p> : null}
      {count ? <p style={{ margin: 0 }}>{t('common.formErrors', { count })}</p> : null}
    </div>
  )
}
