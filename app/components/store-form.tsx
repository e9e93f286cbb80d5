import { Form, Link, useNavigation } from '@remix-run/react'
import type { MessageKey } from '../i18n'
import { LOOKBACK_MAX, LOOKBACK_MIN, MATCHBACK_WINDOW_MAX, MATCHBACK_WINDOW_MIN } from '../schemas/store'
import { useI18n } from '../utils/use-root'
import { CsrfInput } from './csrf-input'
import { FieldError } from './field-error'
import { FormErrors } from './form-errors'

export type StoreFormValues = { name?: string; brand?: string; city?: string; address?: string; hotline?: string; timeZone?: string; currency?: string; matchbackWindowDays?: string; attributionLookbackDays?: string }

const FIELDS: Array<[keyof StoreFormValues, MessageKey]> = [
  ['name', 'stores.name'],
  ['brand', 'stores.brand'],
  ['city', 'stores.city'],
]

/** Create or edit a store: name, brand, city, time zone, currency and the matchback window. */
export function StoreForm({
  values,
  errors,
  submitLabel,
  choices,
}: {
  values: StoreFormValues
  errors: Record<string, string>
  submitLabel: string
  /** the time zones and currencies, named on the server (app/utils/store-choices.server.ts) */
  choices: { zones: Array<{ value: string; label: string }>; currencies: Array<{ value: string; label: string }> }
}) {
  const { t } = useI18n()
  const busy = useNavigation().state === 'submitting'
  const invalid = (name: string) => (errors[name] ? { 'aria-invalid': true as const, 'aria-describedby': `${name}-error` } : {})
  return (
    <Form method="post" noValidate className="card">
      <CsrfInput />
      <FormErrors errors={errors} />
      <div className="grid grid-3">
        {FIELDS.map(([name, label]) => (
          <div className="field" key={name}>
            <label htmlFor={name}>{t(label)}</label>
            <input id={name} name={name} type="text" defaultValue={values[name]} {...invalid(name)} />
            <FieldError id={`${name}-error`} message={errors[name]} />
          </div>
        ))}
      </div>
      <div className="grid grid-2">
        <div className="field">
          <label htmlFor="address">{t('stores.address')}</label>
          <input id="address" name="address" type="text" autoComplete="street-address" defaultValue={values.address} aria-describedby={`address-hint${errors.address ? ' address-error' : ''}`} aria-invalid={errors.address ? true : undefined} />
          <span className="hint" id="address-hint">
            {t('stores.addressHint')}
          </span>
          <FieldError id="address-error" message={errors.address} />
        </div>
        <div className="field">
          <label htmlFor="hotline">{t('stores.hotline')}</label>
          <input id="hotline" name="hotline" type="tel" inputMode="tel" defaultValue={values.hotline} {...invalid('hotline')} />
          <FieldError id="hotline-error" message={errors.hotline} />
        </div>
      </div>
      <div className="grid grid-2">
        <div className="field">
          <label htmlFor="timeZone">{t('stores.timeZone')}</label>
          <select
            id="timeZone"
            name="timeZone"
            defaultValue={values.timeZone ?? 'Asia/Shanghai'}
            aria-invalid={errors.timeZone ? true : undefined}
            aria-describedby={`timeZone-hint${errors.timeZone ? ' timeZone-error' : ''}`}
          >
            {choices.zones.map((z) => (
              <option key={z.value} value={z.value}>
                {z.label}
              </option>
            ))}
          </select>
          <span className="hint" id="timeZone-hint">
            {t('stores.timeZoneHint')}
          </span>
          <FieldError id="timeZone-error" message={errors.timeZone} />
        </div>
        <div className="field">
          <label htmlFor="currency">{t('stores.currency')}</label>
          <select id="currency" name="currency" defaultValue={(values.currency ?? 'CNY').toUpperCase()} {...invalid('currency')}>
            {choices.currencies.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
          <FieldError id="currency-error" message={errors.currency} />
        </div>
        <DaysField name="matchbackWindowDays" label={t('matchback.store.window')} hint={t('matchback.store.windowHint')} min={MATCHBACK_WINDOW_MIN} max={MATCHBACK_WINDOW_MAX} value={values.matchbackWindowDays ?? '180'} error={errors.matchbackWindowDays} />
        <DaysField name="attributionLookbackDays" label={t('analysis.store.lookback')} hint={t('analysis.store.lookbackHint')} min={LOOKBACK_MIN} max={LOOKBACK_MAX} value={values.attributionLookbackDays ?? '30'} error={errors.attributionLookbackDays} />
      </div>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {submitLabel}
        </button>
        <Link to="/admin/stores" className="btn btn-ghost">
          {t('common.cancel')}
        </Link>
      </div>
    </Form>
  )
}

function DaysField(p: { name: string; label: string; hint: string; min: number; max: number; value: string; error?: string }) {
  return (
    <div className="field">
      <label htmlFor={p.name}>{p.label}</label>
      <input
        id={p.name}
        name={p.name}
        type="number"
        inputMode="numeric"
        min={p.min}
        max={p.max}
        defaultValue={p.value}
        aria-invalid={p.error ? true : undefined}
        aria-describedby={`${p.name}-hint${p.error ? ` ${p.name}-error` : ''}`}
      />
      <span className="hint" id={`${p.name}-hint`}>
        {p.hint}
      </span>
      <FieldError id={`${p.name}-error`} message={p.error} />
    </div>
  )
}
