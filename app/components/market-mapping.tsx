import { Form, Link, useNavigation } from '@remix-run/react'
import { useState } from 'react'
import { formatBytes } from '../../analytics/ingest/sizes'
import { headerLabel, MARKET_FIELDS, MARKET_MEASURES, type MarketField } from '../../analytics/ingest/market-record'
import type { MessageKey } from '../i18n'
import type { FormError, MarketPreview } from '../services/market-import-form.server'
import { useI18n } from '../utils/use-root'
import { CsrfInput } from './csrf-input'

type Serialized<T> = T extends Date ? string : T extends Array<infer U> ? Array<Serialized<U>> : T extends object ? { [K in keyof T]: Serialized<T[K]> } : T

const DELIMITERS: Record<string, MessageKey> = {
  ',': 'imports.delimiter.comma',
  '\t': 'imports.delimiter.tab',
  ';': 'imports.delimiter.semicolon',
  '|': 'imports.delimiter.pipe',
}

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
  const { t, num, moment } = useI18n()
  const p = props.preview
  const busy = useNavigation().state === 'submitting'
  const store = props.stores.find((s) => s.id === props.storeId)
  const [fields, setFields] = useState<string[]>(() => p.columns.map((c) => c.field ?? ''))
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
    <Form method="post" className="sales-mapping">
      <CsrfInput />
      <input type="hidden" name="intent" value="confirm" />
      <input type="hidden" name="storeId" value={props.storeId} />
      <input type="hidden" name="uploadId" value={p.uploadId} />
      <section className="card" aria-labelledby="preview-title">
        <h2 id="preview-title">{t('market.preview.title')}</h2>
        {props.error ? (
          <div className="alert alert-danger" role="alert">
            {t(props.error.key, errorParams)}
          </div>
        ) : null}
        {p.earlier ? (
          <div className="alert alert-warning" role="status">
            {t('market.preview.earlier', { when: moment(p.earlier.createdAt, store?.timeZone) })}
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
            {t(`market.format.${p.ext}`)}
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
          <dd>
            {num(p.headerRowNumber)}
            {p.skipped.title || p.skipped.blank || p.skipped.total ? (
              <span className="muted small"> {t('sales.preview.skippedAbove', { title: p.skipped.title, blank: p.skipped.blank, total: p.skipped.total })}</span>
            ) : null}
          </dd>
        </dl>
      </section>

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

      <section className="card" aria-labelledby="mapping-title">
        <h2 id="mapping-title">{t('market.preview.mapping')}</h2>
        <p className="muted small">{t(p.source === 'remembered' ? 'market.preview.remembered' : 'market.preview.guessed')}</p>
        <ul className="sales-checks" aria-label={t('market.preview.required')}>
          {checks.map(([met, label]) => (
            <li key={label} className={met ? 'ok' : 'missing'}>
              <span aria-hidden="true">{met ? '✓' : '✗'}</span> {label}
            </li>
          ))}
          {twice.length ? (
            <li className="missing">
              <span aria-hidden="true">✗</span> {t('market.error.duplicateField', { field: twice.map((f) => t(`market.field.${f}`)).join(', ') })}
            </li>
          ) : null}
          {wide ? (
            <li className="optional">
              <span aria-hidden="true">·</span> {t('market.preview.wide', { months: unitsColumns.map((c) => c.month).join(', ') })}
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
              </tr>
            </thead>
            <tbody>
              {p.columns.map((c, i) => {
                const field = fields[i] ?? ''
                const label = columnName(c.header, c.index)
                return (
                  <tr key={c.index} className={field ? 'mapped' : 'unmapped'}>
                    <th scope="row">
                      {label}
                      {c.confidence !== null && c.confidence < 0.9 && field === c.field ? (
                        <div className="small muted">{t('sales.mapping.confidence', { percent: Math.round(c.confidence * 100) })}</div>
                      ) : null}
                    </th>
                    <td className="small muted sales-samples">{c.samples.length ? c.samples.join(' · ') : '—'}</td>
                    <td>
                      <select
                        name={`map.${c.index}`}
                        value={field}
                        onChange={(e) => setFields((all) => all.map((f, j) => (j === i ? e.target.value : f)))}
                        aria-label={t('imports.preview.mappingFor', { header: label })}
                      >
                        <option value="">{t('imports.preview.ignore')}</option>
                        {MARKET_FIELDS.map((f) => (
                          <option key={f} value={f}>
                            {f === 'units' && c.month ? t('market.field.unitsOf', { month: c.month }) : t(`market.field.${f}`)}
                          </option>
                        ))}
                      </select>
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      </section>

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
          {t('market.preview.start')}
        </button>
        <Link to="/competitors/market/import" reloadDocument className="btn btn-ghost">
          {t('imports.preview.startOver')}
        </Link>
      </div>
    </Form>
  )
}
