import { Form, Link, useNavigation } from '@remix-run/react'
import { useState } from 'react'
import { formatBytes } from '../../analytics/ingest/sizes'
import { ID_FIELDS, MONEY_FIELDS, REQUIRED_DATE_FIELDS, SALE_FIELDS, type SaleField } from '../../analytics/ingest/sales-record'
import type { MessageKey } from '../i18n'
import type { FormError, SalesPreview } from '../services/sales-import-form.server'
import { useI18n } from '../utils/use-root'
import { CsrfInput } from './csrf-input'

type Serialized<T> = T extends Date ? string : T extends Array<infer U> ? Array<Serialized<U>> : T extends object ? { [K in keyof T]: Serialized<T[K]> } : T

const isMoney = (field: string | null) => !!field && (MONEY_FIELDS as readonly string[]).includes(field)

/** Fields worth having though not required: matchback needs the phone (or the name), ROI the amounts. */
const RECOMMENDED: readonly SaleField[] = ['phone', 'customerName', 'transactionPrice', 'grossProfit', 'model', 'consultant']

const DELIMITERS: Record<string, MessageKey> = {
  ',': 'imports.delimiter.comma',
  '\t': 'imports.delimiter.tab',
  ';': 'imports.delimiter.semicolon',
  '|': 'imports.delimiter.pipe',
}

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
  const { t, num, moment } = useI18n()
  const p = props.preview
  const busy = useNavigation().state === 'submitting'
  const store = props.stores.find((s) => s.id === props.storeId)
  const [fields, setFields] = useState<Array<string>>(() => p.columns.map((c) => c.field ?? ''))
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
    <Form method="post" className="sales-mapping">
      <CsrfInput />
      <input type="hidden" name="intent" value="confirm" />
      <input type="hidden" name="storeId" value={props.storeId} />
      <input type="hidden" name="uploadId" value={p.uploadId} />
      <section className="card" aria-labelledby="preview-title">
        <h2 id="preview-title">{t('sales.preview.title')}</h2>
        {props.error ? (
          <div className="alert alert-danger" role="alert">
            {t(props.error.key, errorParams)}
          </div>
        ) : null}
        {p.earlier ? (
          <div className="alert alert-warning" role="status">
            {t('sales.preview.earlier', { when: moment(p.earlier.createdAt, store?.timeZone) })}
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
            {t(`sales.format.${p.ext}`)}
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

      <section className="card" aria-labelledby="mapping-title">
        <h2 id="mapping-title">{t('sales.preview.mapping')}</h2>
        <p className="muted small">{t(p.source === 'remembered' ? 'sales.preview.remembered' : 'sales.preview.guessed')}</p>
        <ul className="sales-checks" aria-label={t('sales.preview.required')}>
          <li className={hasId ? 'ok' : 'missing'}>
            <span aria-hidden="true">{hasId ? '✓' : '✗'}</span> {t('sales.preview.needId')}
          </li>
          <li className={hasDate ? 'ok' : 'missing'}>
            <span aria-hidden="true">{hasDate ? '✓' : '✗'}</span> {t('sales.preview.needDate')}
          </li>
          {twice.length ? (
            <li className="missing">
              <span aria-hidden="true">✗</span> {t('sales.error.duplicateField', { field: twice.map((f) => t(`sales.field.${f}`)).join(', ') })}
            </li>
          ) : null}
          {missingRecommended.length ? (
            <li className="optional">
              <span aria-hidden="true">·</span> {t('sales.preview.recommended', { fields: missingRecommended.map((f) => t(`sales.field.${f}`)).join(', ') })}
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
                        {SALE_FIELDS.map((f) => (
                          <option key={f} value={f}>
                            {t(`sales.field.${f}`)}
                          </option>
                        ))}
                      </select>
                    </td>
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
          {t('sales.preview.start')}
        </button>
        <Link to="/sales/import" reloadDocument className="btn btn-ghost">
          {t('imports.preview.startOver')}
        </Link>
      </div>
    </Form>
  )
}
