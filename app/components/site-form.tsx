import { Form, Link, useNavigation } from '@remix-run/react'
import { useI18n } from '../utils/use-root'
import { CsrfInput } from './csrf-input'
import { FieldError } from './field-error'
import { FormErrors } from './form-errors'

export type SiteFormValues = { storeId?: string; name?: string; origins?: string; active?: boolean }

/**
 * Register or edit a store website: name, allowed origins (one per line), active. The
 * store is chosen when registering (`stores` given) and fixed afterwards.
 */
export function SiteForm({
  values,
  errors,
  submitLabel,
  stores,
}: {
  values: SiteFormValues
  errors: Record<string, string>
  submitLabel: string
  stores?: Array<{ id: string; name: string }>
}) {
  const { t } = useI18n()
  const busy = useNavigation().state === 'submitting'
  const invalid = (name: string, hint = false) => ({
    'aria-invalid': errors[name] ? (true as const) : undefined,
    'aria-describedby': [hint ? `${name}-hint` : '', errors[name] ? `${name}-error` : ''].filter(Boolean).join(' ') || undefined,
  })
  return (
    <Form method="post" noValidate className="card">
      <CsrfInput />
      <FormErrors errors={errors} />
      <div className="grid grid-2">
        {stores ? (
          <div className="field">
            <label htmlFor="storeId">{t('sites.store')}</label>
            <select id="storeId" name="storeId" defaultValue={values.storeId ?? stores[0]?.id} {...invalid('storeId')}>
              {stores.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
            <FieldError id="storeId-error" message={errors.storeId} />
          </div>
        ) : null}
        <div className="field">
          <label htmlFor="name">{t('sites.name')}</label>
          <input id="name" name="name" type="text" defaultValue={values.name} maxLength={100} {...invalid('name', true)} />
          <span className="hint" id="name-hint">
            {t('sites.nameHint')}
          </span>
          <FieldError id="name-error" message={errors.name} />
        </div>
      </div>
      <div className="field">
        <label htmlFor="origins">{t('sites.origins')}</label>
        <textarea
          id="origins"
          name="origins"
          rows={3}
          defaultValue={values.origins}
          spellCheck={false}
          autoCapitalize="off"
          placeholder="https://www.example-4s.cn"
          {...invalid('origins', true)}
        />
        <span className="hint" id="origins-hint">
          {t('sites.originsHint')}
        </span>
        <FieldError id="origins-error" message={errors.origins} />
      </div>
      <div className="field">
        <label className="check">
          <input id="active" name="active" type="checkbox" defaultChecked={values.active ?? true} aria-describedby="active-hint" />
          {t('sites.active')}
        </label>
        <span className="hint" id="active-hint">
          {t('sites.activeHint')}
        </span>
      </div>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {submitLabel}
        </button>
        <Link to="/admin/sites" className="btn btn-ghost">
          {t('common.cancel')}
        </Link>
      </div>
    </Form>
  )
}
