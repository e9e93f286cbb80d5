import { ID_FIELDS, MONEY_FIELDS, REQUIRED_DATE_FIELDS, SALE_FIELDS, type SaleField } from '../../analytics/ingest/sales-record'
import type { FormError, SalesPreview } from '../services/sales-import-form.server'
import type { Serialized } from '../utils/serialized'
import { useI18n } from '../utils/use-root'
import { ColumnMappingCard, ImportMappingForm, MappingCheck, PreviewFileCard, PreviewSampleCard, shownFormat, useColumnFields } from './import-mapping'
import type { MessageKey } from '../i18n'

const isMoney = (field: string | null) => !!field && (MONEY_FIELDS as readonly string[]).includes(field)

/** Fields worth having though not required: matchback needs the phone (or the name), ROI the amounts. */
const RECOMMENDED: readonly SaleField[] = ['phone', 'customerName', 'transactionPrice', 'grossProfit', 'model', 'consultant']

/**
 * The preview of a sales export and the mapping to confirm: one row per column of the file
 * (its header, a few values, the field it is, and for money its unit), the fields a sale
 * needs checked as the user changes the mapping, and the file's first rows. A plain form:
 * without JavaScript the checks are made by the server when it is sent.
 */
export function SalesMappingForm(props: {
  preview: Serialized<SalesPreview>
  storeId: string
  error: FormError | null
  stores: Array<{ id: string; name: string; timeZone: string }>
}) {
  const { t, moment } = useI18n()
  const p = props.preview
  const store = props.stores.find((s) => s.id === props.storeId)
  const [fields, setField] = useColumnFields(p.columns)
  const chosen = new Set(fields.filter(Boolean))
  const twice = SALE_FIELDS.filter((f) => fields.filter((x) => x === f).length > 1)
  const hasId = ID_FIELDS.some((f) => chosen.has(f))
  const hasDate = REQUIRED_DATE_FIELDS.some((f) => chosen.has(f))
  const missingRecommended = RECOMMENDED.filter((f) => !chosen.has(f))
  const columnName = (header: string, i: number) => header || t('imports.preview.column', { n: i + 1 })
  const errorParams = { ...props.error?.params }
  if (typeof errorParams.field === 'string' && (SALE_FIELDS as readonly string[]).includes(errorParams.field)) {
    errorParams.field = t(`sales.field.${errorParams.field as SaleField}`)
  }
  return (
    <ImportMappingForm uploadId={p.uploadId} storeId={props.storeId} startLabel={t('sales.preview.start')} startOverTo="/sales/import">
      <PreviewFileCard
        title={t('sales.preview.title')}
        error={props.error ? t(props.error.key, errorParams) : null}
        earlier={p.earlier ? t('sales.preview.earlier', { when: moment(p.earlier.createdAt, store?.timeZone) }) : null}
        file={p}
        storeName={store?.name}
        format={t(`sales.format.${shownFormat(p)}` as MessageKey)}
      />
      <ColumnMappingCard
        title={t('sales.preview.mapping')}
        source={t(p.source === 'remembered' ? 'sales.preview.remembered' : 'sales.preview.guessed')}
        checksLabel={t('sales.preview.required')}
        checks={
          <>
            <MappingCheck state={hasId ? 'ok' : 'missing'}>{t('sales.preview.needId')}</MappingCheck>
            <MappingCheck state={hasDate ? 'ok' : 'missing'}>{t('sales.preview.needDate')}</MappingCheck>
            {twice.length ? <MappingCheck state="missing">{t('sales.error.duplicateField', { field: twice.map((f) => t(`sales.field.${f}`)).join(', ') })}</MappingCheck> : null}
            {missingRecommended.length ? (
              <MappingCheck state="optional">{t('sales.preview.recommended', { fields: missingRecommended.map((f) => t(`sales.field.${f}`)).join(', ') })}</MappingCheck>
            ) : null}
          </>
        }
        columns={p.columns}
        fields={fields}
        onFieldChange={setField}
        fieldOptions={SALE_FIELDS}
        optionLabel={(f) => t(`sales.field.${f as SaleField}`)}
        columnName={columnName}
        unitCell={(c, field, label) => (
          <td className={isMoney(field) ? undefined : 'sales-no-unit'}>
            {isMoney(field) ? (
              <select name={`scale.${c.index}`} defaultValue={String(c.scale)} aria-label={t('sales.preview.unitFor', { header: label })}>
                <option value="1">{t('sales.unit.yuan')}</option>
                <option value="10000">{t('sales.unit.wan')}</option>
              </select>
            ) : (
              <span className="muted">—</span>
            )}
          </td>
        )}
      />
      <PreviewSampleCard columns={p.columns} sample={p.sample} columnName={columnName} />
    </ImportMappingForm>
  )
}
