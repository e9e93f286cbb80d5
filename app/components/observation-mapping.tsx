import { Form, Link, useNavigation } from '@remix-run/react'
import { useState } from 'react'
import { isObservationMoneyField, MONEY_UNITS, OBSERVATION_FIELDS, OFFER_FIELDS, REQUIRED_OBSERVATION_FIELDS, type ObservationField } from '../../analytics/ingest/observation-headers'
import { formatBytes } from '../../analytics/ingest/sizes'
import type { MessageKey } from '../i18n'
import type { FormError, ObservationPreview } from '../services/observation-import-form.server'
import { useI18n } from '../utils/use-root'
import { CsrfInput } from './csrf-input'

type Serialized<T> = T extends Date ? string : T extends Array<infer U> ? Array<Serialized<U>> : T extends object ? { [K in keyof T]: Serialized<T[K]> } : T

const DELIMITERS: Record<string, MessageKey> = {
  ',': 'imports.delimiter.comma',
  '\t': 'imports.delimiter.tab',
  ';': 'imports.delimiter.semicolon',
  '|': 'imports.delimiter.pipe',
}

/**
 * The preview of a sheet of competitor observations and the mapping to confirm: one row per
 * column of the file (its header, a few values, the field it is, and for an amount its unit),
 * what a row needs checked as the mapping changes, how the where-seen words read, and the
 * file's first rows. A plain form: without JavaScript the server checks the mapping when sent.
 */
export function ObservationMappingForm(props: { preview: Serialized<ObservationPreview>; storeId: string; error: FormError | null; stores: Array<{ id: string; name: string; timeZone: string }> }) {
  const { t, num, moment } = useI18n()
  const p = props.preview
  const busy = useNavigation().state === 'submitting'
  const store = props.stores.find((s) => s.id === props.storeId)
  const [fields, setFields] = useState<string[]>(() => p.columns.map((c) => c.field ?? ''))
  const chosen = new Set(fields.filter(Boolean))
  const twice = OBSERVATION_FIELDS.filter((f) => fields.filter((x) => x === f).length > 1)
  const missing = REQUIRED_OBSERVATION_FIELDS.filter((f) => !chosen.has(f))
  const offers = OFFER_FIELDS.some((f) => chosen.has(f))
  const fieldName = (f: string) => ((OBSERVATION_FIELDS as readonly string[]).includes(f) ? t(`competitors.import.field.${f as ObservationField}`) : f)
  const columnName = (header: string, i: number) => header || t('imports.preview.column', { n: i + 1 })
  const errorParams = { ...props.error?.params }
  if (typeof errorParams.field === 'string') errorParams.field = fieldName(errorParams.field)
  return (
    <Form method="post" className="sales-mapping">
      <CsrfInput />
      <input type="hidden" name="intent" value="confirm" />
      <input type="hidden" name="storeId" value={props.storeId} />
      <input type="hidden" name="uploadId" value={p.uploadId} />
      <section className="card" aria-labelledby="preview-title">
        <h2 id="preview-title">{t('imports.preview.title')}</h2>
        {props.error ? (
          <div className="alert alert-danger" role="alert">
            {t(props.error.key, errorParams)}
          </div>
        ) : null}
        {p.earlier ? (
          <div className="alert alert-warning" role="status">
            {t('competitors.import.earlier', { when: moment(p.earlier.createdAt, store?.timeZone) })}{' '}
            <Link to={`/competitors/imports/${p.earlier.id}`}>{t('competitors.import.seeEarlier')}</Link>
          </div>
        ) : null}
        {!p.headerRecognised ? (
          <div className="alert alert-warning" role="status">
            {t('imports.preview.headerGuessed')}
          </div>
        ) : null}
        <dl className="props">
          <dt>{t('imports.preview.file')}</dt>
          <dd className="break-all">
            {p.fileName} <span className="muted small">({formatBytes(p.byteSize)})</span>
          </dd>
          <dt>{t('imports.upload.store')}</dt>
          <dd>{store?.name ?? '—'}</dd>
          <dt>{t('imports.preview.format')}</dt>
          <dd>
            {t(p.ext === 'xlsx' ? 'imports.encoding.xlsx' : 'competitors.import.csv')}
            {p.encoding ? ` · ${t(`imports.encoding.${p.encoding}`)}` : ''}
            {p.delimiter ? ` · ${DELIMITERS[p.delimiter] ? t(DELIMITERS[p.delimiter]!) : p.delimiter}` : ''}
          </dd>
          {p.sheetName ? (
            <>
              <dt>{t('imports.preview.sheet')}</dt>
              <dd>{p.sheetName}</dd>
            </>
          ) : null}
          <dt>{t('imports.preview.headerRow')}</dt>
          <dd>{num(p.headerRowNumber)}</dd>
          <dt>{t('imports.preview.rows')}</dt>
          <dd>
            {num(p.dataRows)}
            {p.skipped.title || p.skipped.blank || p.skipped.total ? (
              <span className="muted small"> {t('imports.preview.skipped', { title: p.skipped.title, blank: p.skipped.blank, total: p.skipped.total })}</span>
            ) : null}
          </dd>
        </dl>
      </section>

      <section className="card" aria-labelledby="mapping-title">
        <h2 id="mapping-title">{t('imports.preview.mapping')}</h2>
        <p className="muted small">{t(p.source === 'remembered' ? 'competitors.import.remembered' : 'competitors.import.guessed')}</p>
        <ul className="sales-checks" aria-label={t('competitors.import.needs')}>
          {REQUIRED_OBSERVATION_FIELDS.map((f) => (
            <li key={f} className={missing.includes(f) ? 'missing' : 'ok'}>
              <span aria-hidden="true">{missing.includes(f) ? '✗' : '✓'}</span> {t('competitors.import.need', { field: fieldName(f) })}
            </li>
          ))}
          <li className={offers ? 'ok' : 'missing'}>
            <span aria-hidden="true">{offers ? '✓' : '✗'}</span> {t('competitors.import.needOffer')}
          </li>
          {twice.length ? (
            <li className="missing">
              <span aria-hidden="true">✗</span> {t('competitors.import.error.duplicateField', { field: twice.map(fieldName).join(', ') })}
            </li>
          ) : null}
        </ul>
        <div className="table-wrap" tabIndex={0}>
          <table className="sales-mapping-table">
            <thead>
              <tr>
                <th scope="col">{t('sales.preview.column')}</th>
                <th scope="col">{t('sales.preview.values')}</th>
                <th scope="col">{t('sales.preview.field')}</th>
                <th scope="col">{t('sales.preview.unit')}</th>
              </tr>
            </thead>
            <tbody>
              {p.columns.map((c, i) => {
                const field = fields[i] ?? ''
                const label = columnName(c.header, c.index)
                const money = isObservationMoneyField(field)
                return (
                  <tr key={c.index} className={field ? 'mapped' : 'unmapped'}>
                    <th scope="row">{label}</th>
                    <td className="small muted sales-samples">{c.samples.length ? c.samples.join(' · ') : '—'}</td>
                    <td>
                      <select
                        name={`map.${c.index}`}
                        value={field}
                        onChange={(e) => setFields((all) => all.map((f, j) => (j === i ? e.target.value : f)))}
                        aria-label={t('imports.preview.mappingFor', { header: label })}
                      >
                        <option value="">{t('imports.preview.ignore')}</option>
                        {OBSERVATION_FIELDS.map((f) => (
                          <option key={f} value={f}>
                            {fieldName(f)}
                          </option>
                        ))}
                      </select>
                    </td>
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
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      </section>

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

      <section className="card" aria-labelledby="sample-title">
        <h2 id="sample-title">{t('sales.preview.sample', { count: p.sample.length })}</h2>
        {p.sample.length ? (
          <div className="table-wrap" tabIndex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col" className="num">
                    {t('imports.preview.row')}
                  </th>
                  {p.columns.map((c) => (
                    <th scope="col" key={c.index}>
                      {columnName(c.header, c.index)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {p.sample.map((row) => (
                  <tr key={row.rowNumber}>
                    <th scope="row" className="num">
                      {row.rowNumber}
                    </th>
                    {row.cells.map((cell, i) => (
                      <td key={i} className="nowrap">
                        {cell}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="muted">{t('sales.preview.noRows')}</p>
        )}
      </section>

      <div className="form-actions form-sticky">
        <button type="submit" className="btn btn-primary btn-lg" disabled={busy}>
          {t('competitors.import.start', { count: p.dataRows })}
        </button>
        <Link to="/competitors/import" reloadDocument className="btn btn-ghost">
          {t('imports.preview.startOver')}
        </Link>
      </div>
    </Form>
  )
}
