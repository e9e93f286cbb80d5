import { Form, Link, useNavigation } from '@remix-run/react'
import { useState, type ReactNode } from 'react'
import { formatBytes } from '../../analytics/ingest/sizes'
import type { MessageKey } from '../i18n'
import { useI18n } from '../utils/use-root'
import { CsrfInput } from './csrf-input'

/**
 * The parts every import's preview-and-mapping step shares (DMS sales, market data, competitor
 * observations): the plain form that confirms an upload, the card that says what was read of
 * the file, the list of what the mapping still lacks, the column → field table with each
 * column's samples, the guess's confidence and a select per column, and the file's first rows.
 * Each kind's form passes its own field list, labels and checks; the markup stays the same.
 */

/** What the preview read of an uploaded file, as each kind's preview carries it. */
/** The format the preview names: how the reader found the file, else its kept kind (Parquet). */
export const shownFormat = (p: { ext: string; format?: string | null }) => (p.ext === 'parquet' || !p.format ? p.ext : p.format)

export type PreviewedFile = {
  fileName: string
  /** how the file was read: csv, xlsx, xls or html (a web-page table under an .xls name) */
  format?: string | null
  byteSize: number
  encoding: string | null
  delimiter: string | null
  sheetName: string | null
  headerRowNumber: number
  headerRecognised: boolean
  skipped: { title: number; blank: number; total: number }
}

/** A column of the file as the mapping table shows it; `confidence` only where the kind guesses with one. */
export type PreviewedColumn = { index: number; header: string; field: string | null; confidence?: number | null; samples: string[] }

const DELIMITERS: Record<string, MessageKey> = {
  ',': 'imports.delimiter.comma',
  '\t': 'imports.delimiter.tab',
  ';': 'imports.delimiter.semicolon',
  '|': 'imports.delimiter.pipe',
}

/** Below this confidence a guessed field is flagged for the user to look at. */
const DOUBTFUL_CONFIDENCE = 0.9

/** The field chosen for each column, as the user changes the selects (seeded with the offered mapping). */
export function useColumnFields(columns: ReadonlyArray<{ field: string | null }>) {
  const [fields, setFields] = useState<string[]>(() => columns.map((c) => c.field ?? ''))
  const setField = (i: number, field: string) => setFields((all) => all.map((f, j) => (j === i ? field : f)))
  return [fields, setField] as const
}

/**
 * The confirm form: the upload it is for, the sections it is given, and the buttons to start
 * the import or to upload another file. Without JavaScript the server checks the mapping.
 */
export function ImportMappingForm(props: { uploadId: string; storeId: string; startLabel: string; startOverTo: string; children: ReactNode }) {
  const { t } = useI18n()
  const busy = useNavigation().state === 'submitting'
  return (
    <Form method="post" className="sales-mapping">
      <CsrfInput />
      <input type="hidden" name="intent" value="confirm" />
      <input type="hidden" name="storeId" value={props.storeId} />
      <input type="hidden" name="uploadId" value={props.uploadId} />
      {props.children}
      <div className="form-actions form-sticky">
        <button type="submit" className="btn btn-primary btn-lg" disabled={busy}>
          {props.startLabel}
        </button>
        <Link to={props.startOverTo} reloadDocument className="btn btn-ghost">
          {t('imports.preview.startOver')}
        </Link>
      </div>
    </Form>
  )
}

/**
 * The preview's first card: the form's error, a note that the file came before, a warning when
 * the header row was guessed, and the file's facts. `dataRows`, when given, has its own line,
 * with the rows skipped above the header beside it rather than beside the header row.
 */
export function PreviewFileCard(props: { title: string; error: string | null; earlier: ReactNode; file: PreviewedFile; storeName: string | undefined; format: string; dataRows?: number }) {
  const { t, num } = useI18n()
  const p = props.file
  const skipped =
    p.skipped.title || p.skipped.blank || p.skipped.total ? (
      <span className="muted small"> {t(props.dataRows === undefined ? 'sales.preview.skippedAbove' : 'imports.preview.skipped', { title: p.skipped.title, blank: p.skipped.blank, total: p.skipped.total })}</span>
    ) : null
  return (
    <section className="card" aria-labelledby="preview-title">
      <h2 id="preview-title">{props.title}</h2>
      {props.error !== null ? (
        <div className="alert alert-danger" role="alert">
          {props.error}
        </div>
      ) : null}
      {props.earlier ? (
        <div className="alert alert-warning" role="status">
          {props.earlier}
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
        <dd>{props.storeName ?? '—'}</dd>
        <dt>{t('imports.preview.format')}</dt>
        <dd>
          {props.format}
          {p.encoding ? ` · ${t(`imports.encoding.${p.encoding}` as MessageKey)}` : ''}
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
          {props.dataRows === undefined ? skipped : null}
        </dd>
        {props.dataRows !== undefined ? (
          <>
            <dt>{t('imports.preview.rows')}</dt>
            <dd>
              {num(props.dataRows)}
              {skipped}
            </dd>
          </>
        ) : null}
      </dl>
    </section>
  )
}

const CHECK_MARKS = { ok: '✓', missing: '✗', optional: '·' } as const

/** One line of what the mapping has or lacks: met (✓), missing (✗) or merely worth having (·). */
export function MappingCheck(props: { state: keyof typeof CHECK_MARKS; children: ReactNode }) {
  return (
    <li className={props.state}>
      <span aria-hidden="true">{CHECK_MARKS[props.state]}</span> {props.children}
    </li>
  )
}

/**
 * The mapping's card: where the offered mapping came from, the checks (`checks`, a list of
 * MappingCheck), and a row per column of the file — its header (with the guess's confidence
 * when doubtful and unchanged), a few values, the select of fields, and, when `unitCell` is
 * given, a last cell for the column's unit.
 */
export function ColumnMappingCard<C extends PreviewedColumn>(props: {
  title: string
  source: string
  checksLabel: string
  checks: ReactNode
  columns: readonly C[]
  fields: readonly string[]
  onFieldChange: (i: number, field: string) => void
  fieldOptions: readonly string[]
  optionLabel: (field: string, column: C) => string
  columnName: (header: string, index: number) => string
  unitCell?: (column: C, field: string, label: string) => ReactNode
}) {
  const { t } = useI18n()
  return (
    <section className="card" aria-labelledby="mapping-title">
      <h2 id="mapping-title">{props.title}</h2>
      <p className="muted small">{props.source}</p>
      <ul className="sales-checks" aria-label={props.checksLabel}>
        {props.checks}
      </ul>
      <div className="table-wrap" tabIndex={0}>
        <table className="sales-mapping-table">
          <thead>
            <tr>
              <th scope="col">{t('sales.preview.column')}</th>
              <th scope="col">{t('sales.preview.values')}</th>
              <th scope="col">{t('sales.preview.field')}</th>
              {props.unitCell ? <th scope="col">{t('sales.preview.unit')}</th> : null}
            </tr>
          </thead>
          <tbody>
            {props.columns.map((c, i) => {
              const field = props.fields[i] ?? ''
              const label = props.columnName(c.header, c.index)
              return (
                <tr key={c.index} className={field ? 'mapped' : 'unmapped'}>
                  <th scope="row">
                    {label}
                    {c.confidence != null && c.confidence < DOUBTFUL_CONFIDENCE && field === c.field ? (
                      <div className="small muted">{t('sales.mapping.confidence', { percent: Math.round(c.confidence * 100) })}</div>
                    ) : null}
                  </th>
                  <td className="small muted sales-samples">{c.samples.length ? c.samples.join(' · ') : '—'}</td>
                  <td>
                    <select name={`map.${c.index}`} value={field} onChange={(e) => props.onFieldChange(i, e.target.value)} aria-label={t('imports.preview.mappingFor', { header: label })}>
                      <option value="">{t('imports.preview.ignore')}</option>
                      {props.fieldOptions.map((f) => (
                        <option key={f} value={f}>
                          {props.optionLabel(f, c)}
                        </option>
                      ))}
                    </select>
                  </td>
                  {props.unitCell ? props.unitCell(c, field, label) : null}
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
    </section>
  )
}

/** The file's first rows as read, under the columns' names. */
export function PreviewSampleCard(props: { columns: ReadonlyArray<{ index: number; header: string }>; sample: ReadonlyArray<{ rowNumber: number; cells: string[] }>; columnName: (header: string, index: number) => string }) {
  const { t } = useI18n()
  return (
    <section className="card" aria-labelledby="sample-title">
      <h2 id="sample-title">{t('sales.preview.sample', { count: props.sample.length })}</h2>
      {props.sample.length ? (
        <div className="table-wrap" tabIndex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col" className="num">
                  {t('imports.preview.row')}
                </th>
                {props.columns.map((c) => (
                  <th scope="col" key={c.index}>
                    {props.columnName(c.header, c.index)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {props.sample.map((row) => (
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
  )
}
