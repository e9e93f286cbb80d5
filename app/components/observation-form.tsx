import { Form, Link, useNavigation } from '@remix-run/react'
import { SEEN_AT } from '../../db/schema/enums'
import type { FieldErrors } from '../utils/form'
import { useI18n } from '../utils/use-root'
import { CsrfInput } from './csrf-input'
import { FormErrors } from './form-errors'
import { FormField, SelectField, TextAreaField, TextField } from './lead-fields'

export type ObservationValues = Record<string, string | undefined>

/**
 * What a competitor offers, on one form that works on a phone at their showroom: which car, its
 * price and offer, where and when it was seen, and a photo of the price board. Without
 * JavaScript too (a multipart form; the CSRF field comes before the photo).
 */
export function ObservationForm({
  values,
  errors,
  stores,
  suggestions,
  version,
  photo,
  submitLabel,
  cancelHref,
}: {
  values: ObservationValues
  errors: FieldErrors
  stores: Array<{ id: string; name: string }>
  suggestions: { brands: string[]; models: string[] }
  version?: number
  /** the photo kept, on the edit form */
  photo?: { src: string; alt: string } | null
  submitLabel: string
  cancelHref: string
}) {
  const { t } = useI18n()
  const busy = useNavigation().state === 'submitting'
  return (
    <Form method="post" encType="multipart/form-data" noValidate className="observation-form">
      <CsrfInput />
      {version ? <input type="hidden" name="version" value={version} /> : null}
      <FormErrors errors={errors} />
      <section className="card section" aria-labelledby="obs-what-h">
        <h2 id="obs-what-h">{t('competitors.section.what')}</h2>
        <div className="grid grid-3">
          <TextField name="brand" label={t('competitors.field.brand')} values={values} errors={errors} required maxLength={40} list="obs-brands" hint={t('competitors.field.brandHint')} />
          <TextField name="model" label={t('competitors.field.model')} values={values} errors={errors} required list="obs-models" />
          <TextField name="trim" label={t('competitors.field.trim')} values={values} errors={errors} optional maxLength={80} />
        </div>
        <datalist id="obs-brands">
          {suggestions.brands.map((b) => (
            <option key={b} value={b} />
          ))}
        </datalist>
        <datalist id="obs-models">
          {suggestions.models.map((m) => (
            <option key={m} value={m} />
          ))}
        </datalist>
      </section>
      <section className="card section" aria-labelledby="obs-price-h">
        <h2 id="obs-price-h">{t('competitors.section.price')}</h2>
        <p className="muted small">{t('competitors.field.priceHint')}</p>
        <div className="grid grid-3">
          <TextField name="listPriceFen" label={t('competitors.field.listPrice')} values={values} errors={errors} optional inputMode="decimal" maxLength={20} />
          <TextField name="transactionPriceFen" label={t('competitors.field.transactionPrice')} values={values} errors={errors} optional inputMode="decimal" maxLength={20} />
          <TextField name="discountFen" label={t('competitors.field.discount')} values={values} errors={errors} optional inputMode="decimal" maxLength={20} />
        </div>
        <TextField name="promotion" label={t('competitors.field.promotion')} values={values} errors={errors} optional maxLength={500} hint={t('competitors.field.promotionHint')} />
        <div className="grid grid-2">
          <TextField name="promotionStart" type="date" label={t('competitors.field.promotionStart')} values={values} errors={errors} optional />
          <TextField name="promotionEnd" type="date" label={t('competitors.field.promotionEnd')} values={values} errors={errors} optional />
        </div>
      </section>
      <section className="card section" aria-labelledby="obs-where-h">
        <h2 id="obs-where-h">{t('competitors.section.where')}</h2>
        <div className="grid grid-3">
          {stores.length > 1 ? (
            <SelectField name="storeId" label={t('competitors.field.store')} values={values} errors={errors} options={stores.map((s) => ({ value: s.id, label: s.name }))} />
          ) : (
            <input type="hidden" name="storeId" value={values.storeId ?? stores[0]?.id ?? ''} />
          )}
          <SelectField
            name="seenAt"
            label={t('competitors.field.seenAt')}
            values={values}
            errors={errors}
            options={SEEN_AT.map((s) => ({ value: s, label: t(`competitors.seenAt.${s}`) }))}
          />
          <TextField name="place" label={t('competitors.field.place')} values={values} errors={errors} optional maxLength={120} hint={t('competitors.field.placeHint')} />
          <TextField name="seenOn" type="date" label={t('competitors.field.seenOn')} values={values} errors={errors} required />
        </div>
        <TextAreaField name="note" label={t('competitors.field.note')} values={values} errors={errors} optional />
        {photo ? (
          <figure className="obs-photo">
            <img src={photo.src} alt={photo.alt} loading="lazy" />
            <label className="check">
              <input type="checkbox" name="removePhoto" value="yes" /> {t('competitors.field.removePhoto')}
            </label>
          </figure>
        ) : null}
        <FormField name="photo" label={t('competitors.field.photo')} errors={errors} optional hint={t('competitors.field.photoHint')}>
          {(p) => <input {...p} type="file" accept="image/jpeg,image/png,image/webp" />}
        </FormField>
      </section>
      <div className="form-actions form-sticky">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {submitLabel}
        </button>
        <Link to={cancelHref} className="btn btn-ghost">
          {t('common.cancel')}
        </Link>
      </div>
    </Form>
  )
}
