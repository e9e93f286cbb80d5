import { headerLabel, MARKET_FIELDS, MARKET_MEASURES, type MarketField } from '../../analytics/ingest/market-record'
import type { FormError, MarketPreview } from '../services/market-import-form.server'
import type { Serialized } from '../utils/serialized'
import { useI18n } from '../utils/use-root'
import { ColumnMappingCard, ImportMappingForm, MappingCheck, PreviewFileCard, PreviewSampleCard, shownFormat, useColumnFields } from './import-mapping'
import type { MessageKey } from '../i18n'

const isField = (s: unknown): s is MarketField => typeof s === 'string' && (MARKET_FIELDS as readonly string[]).includes(s)

/**
 * The preview of a market-data file and the mapping to confirm: what the file counts (上险数 or
 * 销量), one row per column of the file (its header, a few values, the field it is), the fields
 * a row needs checked as the user changes the mapping — a month column and a units column, or
 * a units column per month header — and the file's first rows. A plain form: without
 * JavaScript the checks are made by the server when it is sent.
 */
export function MarketMappingForm(props: {
  preview: Serialized<MarketPreview>
  storeId: string
  error: FormError | null
  stores: Array<{ id: string; name: string; timeZone: string }>
}) {
  const { t, moment } = useI18n()
  const p = props.preview
  const store = props.stores.find((s) => s.id === props.storeId)
  const [fields, setField] = useColumnFields(p.columns)
  const chosen = (field: MarketField) => fields.filter((f) => f === field).length
  const unitsColumns = p.columns.filter((_, i) => fields[i] === 'units')
  const wide = !chosen('month') && unitsColumns.length > 0 && unitsColumns.every((c) => c.month)
  const hasTime = chosen('month') === 1 ? unitsColumns.length === 1 : wide
  const twice = (['month', 'province', 'city', 'brand', 'model'] as const).filter((f) => chosen(f) > 1)
  const columnName = (header: string, i: number) => headerLabel(header) || t('imports.preview.column', { n: i + 1 })
  const errorParams = { ...props.error?.params }
  if (isField(errorParams.field)) errorParams.field = t(`market.field.${errorParams.field}`)
  const checks: Array<[boolean, string]> = [
    [chosen('brand') === 1, t('market.preview.needField', { field: t('market.field.brand') })],
    [chosen('model') === 1, t('market.preview.needField', { field: t('market.field.model') })],
    [chosen('city') === 1, t('market.preview.needField', { field: t('market.field.city') })],
    [hasTime, t('market.preview.needTime')],
  ]
  return (
    <ImportMappingForm uploadId={p.uploadId} storeId={props.storeId} startLabel={t('market.preview.start')} startOverTo="/competitors/market/import">
      <PreviewFileCard
        title={t('market.preview.title')}
        error={props.error ? t(props.error.key, errorParams) : null}
        earlier={p.earlier ? t('market.preview.earlier', { when: moment(p.earlier.createdAt, store?.timeZone) }) : null}
        file={p}
        storeName={store?.name}
        format={t(`market.format.${shownFormat(p)}` as MessageKey)}
      />

      <fieldset className="card">
        <legend>{t('market.measure.label')}</legend>
        <p className="muted small">{t('market.measure.hint')}</p>
        <div style={{ display: 'flex', flexWrap: 'wrap', gap: 'var(--s2) var(--s4)' }}>
          {MARKET_MEASURES.map((m) => (
            <label key={m} className="check">
              <input type="radio" name="measure" value={m} defaultChecked={p.measure === m} required /> {t(`market.measure.${m}`)}
            </label>
          ))}
        </div>
      </fieldset>

      <ColumnMappingCard
        title={t('market.preview.mapping')}
        source={t(p.source === 'remembered' ? 'market.preview.remembered' : 'market.preview.guessed')}
        checksLabel={t('market.preview.required')}
        checks={
          <>
            {checks.map(([met, label]) => (
              <MappingCheck key={label} state={met ? 'ok' : 'missing'}>
                {label}
              </MappingCheck>
            ))}
            {twice.length ? <MappingCheck state="missing">{t('market.error.duplicateField', { field: twice.map((f) => t(`market.field.${f}`)).join(', ') })}</MappingCheck> : null}
            {wide ? <MappingCheck state="optional">{t('market.preview.wide', { months: unitsColumns.map((c) => c.month).join(', ') })}</MappingCheck> : null}
          </>
        }
        columns={p.columns}
        fields={fields}
        onFieldChange={setField}
        fieldOptions={MARKET_FIELDS}
        optionLabel={(f, c) => (f === 'units' && c.month ? t('market.field.unitsOf', { month: c.month }) : t(`market.field.${f as MarketField}`))}
        columnName={columnName}
      />
      <PreviewSampleCard columns={p.columns} sample={p.sample} columnName={columnName} />
    </ImportMappingForm>
  )
}
