import type { ReactNode } from 'react'
import { formatBytes } from '../../analytics/ingest/sizes'
import type { MessageKey } from '../i18n'
import { useI18n } from '../utils/use-root'
import { SalesImportRowsTable } from './sales-import-rows'

/**
 * The parts of an import's summary page that the sales, market-data and competitor-observation
 * imports share: the notice after the job (done, or the same file again), the outcome counts
 * with the rows skipped above the header, the facts of the file, the mapping it was read with,
 * and the rejected rows (the first of them, with a note when there are more). Each kind passes
 * its own words and the counts it keeps.
 */

type SkippedRows = { title: number; blank: number; total: number }

/** Rows skipped above the header: title lines, blank lines and total lines. */
export const skippedRows = (skipped: SkippedRows) => skipped.title + skipped.blank + skipped.total

/** What the job page sends here with: `done` (the import ran) or `again` (the same file was imported before). */
export function ImportNotice(props: { notice: string | null; done: string; again: string }) {
  if (props.notice === 'done') {
    return (
      <div className="alert alert-success" role="status">
        {props.done}
      </div>
    )
  }
  if (props.notice === 'again') {
    return (
      <div className="alert alert-info" role="status">
        {props.again}
      </div>
    )
  }
  return null
}

/** The outcome counts, the rows skipped above the header when any, then what the kind adds. */
export function ImportOutcomes(props: { stats: Array<[MessageKey, number]>; skipped: SkippedRows; children?: ReactNode }) {
  const { t, num } = useI18n()
  const c = props.skipped
  return (
    <section aria-labelledby="outcomes" className="card">
      <h2 id="outcomes">{t('imports.detail.outcomes')}</h2>
      <dl className="grid sales-stats">
        {props.stats.map(([key, n]) => (
          <div key={key} className="stat">
            <dt>{t(key)}</dt>
            <dd>{num(n)}</dd>
          </div>
        ))}
      </dl>
      {skippedRows(c) ? <p className="small muted">{t('imports.preview.skipped', { title: c.title, blank: c.blank, total: c.total })}</p> : null}
      {props.children}
    </section>
  )
}

type ImportFacts = { storeName: string; fileName: string; byteSize: number; createdBy: string | null; createdAt: Date | string; finishedAt?: Date | string | null; timeZone: string }

/**
 * The facts card: what the kind puts first (`children`), the store, the file and its size, how
 * it was read (`encoding`, worded by the kind), who imported it and when, and — unless
 * `finished` is false — when the import finished.
 */
export function ImportFactsCard(props: { title: string; facts: ImportFacts; encoding: string; finished?: boolean; children?: ReactNode }) {
  const { t, moment } = useI18n()
  const i = props.facts
  return (
    <section className="card" aria-labelledby="facts">
      <h2 id="facts">{props.title}</h2>
      <dl className="props">
        {props.children}
        <dt>{t('imports.detail.store')}</dt>
        <dd>{i.storeName}</dd>
        <dt>{t('imports.preview.file')}</dt>
        <dd className="break-all">
          {i.fileName} <span className="muted small">({formatBytes(i.byteSize)})</span>
        </dd>
        <dt>{t('imports.detail.encoding')}</dt>
        <dd>{props.encoding}</dd>
        <dt>{t('imports.detail.by')}</dt>
        <dd>{i.createdBy ?? t('imports.detail.system')}</dd>
        <dt>{t('imports.detail.when')}</dt>
        <dd>{moment(i.createdAt, i.timeZone)}</dd>
        {props.finished === false ? null : (
          <>
            <dt>{t('imports.detail.finished')}</dt>
            <dd>{moment(i.finishedAt, i.timeZone)}</dd>
          </>
        )}
      </dl>
    </section>
  )
}

/** The mapping card: each mapped column as its field (`field`) and its header (`column`), after the kind's note. */
export function ImportMappingCard<M extends { index: number; field: string | null }>(props: {
  title: string
  note?: ReactNode
  mapping: readonly M[]
  field: (m: M) => string
  column: (m: M) => ReactNode
}) {
  return (
    <section className="card" aria-labelledby="mapping">
      <h2 id="mapping">{props.title}</h2>
      {props.note}
      <dl className="props">
        {props.mapping
          .filter((m) => m.field)
          .map((m) => (
            <div key={m.index} style={{ display: 'contents' }}>
              <dt>{props.field(m)}</dt>
              <dd>{props.column(m)}</dd>
            </div>
          ))}
      </dl>
    </section>
  )
}

/**
 * A section of rows the import refused or warned about: the kind's hint, the first of the rows
 * (`more`, the note that there are more, when there are), or the kind's words for none.
 * `id` labels the section; `column` words a row's column (its header as is, unless given).
 */
export function ImportRowsSection(props: {
  id: string
  title: string
  hint?: string
  more: string | null
  empty?: string
  rows: ReadonlyArray<{ rowNumber: number; column: string | null; reason: string | null }>
  column?: (column: string | null) => ReactNode
}) {
  return (
    <section aria-labelledby={props.id}>
      <h2 id={props.id}>{props.title}</h2>
      {props.hint ? <p className="muted small">{props.hint}</p> : null}
      {props.rows.length ? (
        <>
          {props.more !== null ? <p className="muted small">{props.more}</p> : null}
          <SalesImportRowsTable rows={props.rows} column={props.column} />
        </>
      ) : props.empty !== undefined ? (
        <p className="muted">{props.empty}</p>
      ) : null}
    </section>
  )
}

/** How an import's file was read, in the user's language: `special` words some encodings its own way; an unknown one is shown as is. */
export function encodingLabel(encoding: string | null, t: (key: MessageKey) => string, special: Partial<Record<string, MessageKey>> = {}) {
  if (!encoding) return '—'
  const own = special[encoding]
  if (own) return t(own)
  const key = `imports.encoding.${encoding}` as MessageKey
  const text = t(key)
  return text === key ? encoding : text
}
