import { Link } from '@remix-run/react'
import { isObservationMoneyField, MONEY_UNITS, OBSERVATION_FIELDS, OFFER_FIELDS, REQUIRED_OBSERVATION_FIELDS, type ObservationField } from '../../analytics/ingest/observation-headers'
import type { FormError, ObservationPreview } from '../services/observation-import-form.server'
import type { Serialized } from '../utils/serialized'
import { useI18n } from '../utils/use-root'
import { ColumnMappingCard, ImportMappingForm, MappingCheck, PreviewFileCard, PreviewSampleCard, useColumnFields } from './import-mapping'

/**
 * The preview of a sheet of competitor observations and the mapping to confirm: one row per
 * column of the file (its header, a few values, the field it is, and for an amount its unit),
 * what a row needs checked as the mapping changes, how the where-seen words read, and the
 * file's first rows. A plain form: without JavaScript the server checks the mapping when sent.
 */
export function ObservationMappingForm(props: { preview: Serialized<ObservationPreview>; storeId: string; error: FormError | null; stores: Array<{ id: string; name: string; timeZone: string }> }) {
  const { t, num, moment } = useI18n()
  const p = props.preview
  const store = props.stores.find((s) => s.id === props.storeId)
  const [fields, setField] = useColumnFields(p.columns)
  const chosen = new Set(fields.filter(Boolean))
  const twice = OBSERVATION_FIELDS.filter((f) => fields.filter((x) => x === f).length > 1)
  const missing = REQUIRED_OBSERVATION_FIELDS.filter((f) => !chosen.has(f))
  const offers = OFFER_FIELDS.some((f) => chosen.has(f))
  const fieldName = (f: string) => ((OBSERVATION_FIELDS as readonly string[]).includes(f) ? t(`competitors.import.field.${f as ObservationField}`) : f)
  const columnName = (header: string, i: number) => header || t('imports.preview.column', { n: i + 1 })
  const errorParams = { ...props.error?.params }
  if (typeof errorParams.field === 'string') errorParams.field = fieldName(errorParams.field)
  return (
    <ImportMappingForm uploadId={p.uploadId} storeId={props.storeId} startLabel={t('competitors.import.start', { count: p.dataRows })} startOverTo="/competitors/import">
      <PreviewFileCard
        title={t('imports.preview.title')}
        error={props.error ? t(props.error.key, errorParams) : null}
        earlier={
          p.earlier ? (
            <>
              {t('competitors.import.earlier', { when: moment(p.earlier.createdAt, store?.timeZone) })}{' '}
              <Link to={`/competitors/imports/${p.earlier.id}`}>{t('competitors.import.seeEarlier')}</Link>
            </>
          ) : null
        }
        file={p}
        storeName={store?.name}
        format={t(p.format === 'xls' ? 'imports.format.xls' : p.format === 'html' ? 'imports.format.html' : p.ext === 'xlsx' ? 'imports.encoding.xlsx' : 'competitors.import.csv')}
        dataRows={p.dataRows}
      />

      <ColumnMappingCard
        title={t('imports.preview.mapping')}
        source={t(p.source === 'remembered' ? 'competitors.import.remembered' : 'competitors.import.guessed')}
        checksLabel={t('competitors.import.needs')}
        checks={
          <>
            {REQUIRED_OBSERVATION_FIELDS.map((f) => (
              <MappingCheck key={f} state={missing.includes(f) ? 'missing' : 'ok'}>
                {t('competitors.import.need', { field: fieldName(f) })}
              </MappingCheck>
            ))}
            <MappingCheck state={offers ? 'ok' : 'missing'}>{t('competitors.import.needOffer')}</MappingCheck>
            {twice.length ? <MappingCheck state="missing">{t('competitors.import.error.duplicateField', { field: twice.map(fieldName).join(', ') })}</MappingCheck> : null}
          </>
        }
        columns={p.columns}
        fields={fields}
        onFieldChange={setField}
        fieldOptions={OBSERVATION_FIELDS}
        optionLabel={fieldName}
        columnName={columnName}
        unitCell={(c, field, label) => {
          const money = isObservationMoneyField(field)
          return (
            <td className={money ? undefined : 'sales-no-unit'}>
              {/* without JavaScript every column sends a unit: the server keeps it for amounts only */}
              <select name={`unit.${c.index}`} defaultValue={c.unit} hidden={!money} aria-label={t('sales.preview.unitFor', { header: label })}>
                {MONEY_UNITS.map((u) => (
                  <option key={u} value={u}>
                    {t(`competitors.import.unit.${u}`)}
                  </option>
                ))}
              </select>
              {money ? null : <span className="muted">—</span>}
            </td>
          )
        }}
      />

      {p.seenAt ? (
        <section className="card" aria-labelledby="seen-at-title">
          <h2 id="seen-at-title">{t('competitors.import.seenAtTitle', { header: p.seenAt.header || t('competitors.import.field.seenAt') })}</h2>
          <p className="muted small">{t('competitors.import.seenAtHint')}</p>
          <div className="table-wrap" tabIndex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('competitors.import.seenAtValue')}</th>
                  <th scope="col">{t('competitors.import.seenAtReadAs')}</th>
                  <th scope="col" className="num">
                    {t('imports.preview.rows')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {p.seenAt.values.map((v) => (
                  <tr key={v.text}>
                    <td>{v.text || <span className="muted">{t('competitors.import.seenAtEmpty')}</span>}</td>
                    <td>
                      {t(`competitors.seenAt.${v.seenAt}`)}
                      {v.known ? null : <div className="small muted">{t('competitors.import.seenAtUnknown')}</div>}
                    </td>
                    <td className="num">{num(v.rows)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {p.seenAt.more ? <p className="muted small">{t('competitors.import.seenAtMore', { count: p.seenAt.more })}</p> : null}
        </section>
      ) : null}

      <PreviewSampleCard columns={p.columns} sample={p.sample} columnName={columnName} />
    </ImportMappingForm>
  )
}
