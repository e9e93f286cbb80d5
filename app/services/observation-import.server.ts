import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { and, desc, eq, inArray, isNotNull, isNull, lt, ne, notInArray, or, sql } from 'drizzle-orm'
import { z } from 'zod'
import { getDbHandle } from '../../db/client'
import { competitorObservations, importRows, imports, jobs, stores } from '../../db/schema'
import {
  checkObservationMapping,
  guessMoneyUnit,
  guessObservationMapping,
  isObservationMoneyField,
  KNOWN_OBSERVATION_HEADERS,
  OBSERVATION_FIELDS,
  type ObservationColumn,
  type ObservationField,
} from '../../analytics/ingest/observation-headers'
import type { Cell } from '../../analytics/ingest/read-table'
import { normalizeSalesHeader } from '../../analytics/ingest/sales-headers'
import { streamTable, TableStreamError, type TableHead, type TableRow, type TableSummary } from '../../analytics/ingest/stream-table'
import type { MessageKey } from '../i18n'
import { TABLE_READER_ERRORS } from './reader-errors.server'
import { getEnv } from '../utils/env.server'
import { requestsInFlight } from '../utils/foreground.server'
import { log } from '../utils/logger.server'
import { recordAudit } from './audit.server'
import { checkObservationRows, type RowProblem } from './observation-rows.server'
import { findRememberedColumns, rememberImportMapping } from './import-mappings.server'
import { importFilePath, isFileHash } from './import-files.server'
import { JobError, type JobProgress } from './jobs.server'

/**
 * Bulk import of competitor observations (竞品信息, SPEC §5 through the §4 import path, ADR 028):
 * a specialist's sheet — CSV (UTF-8, GBK/GB18030, UTF-16) or .xlsx — read by the streaming
 * reader, each row checked by the rules of the observation form (checkObservationFacts), the
 * good rows inserted set-based in chunks tagged with the import, each bad row kept in
 * import_rows with its column and reason. Run by the `observation_import` job
 * (observation-import-job.server.ts) and by `npm run import -- observations`.
 *
 * All or nothing: the rows of an import count once it is marked done; a run that fails or is
 * cancelled deletes what it inserted, and one whose process died is found pending and undone
 * (failInterruptedObservationImports). The same file for the same store again adds nothing.
 */

export const OBSERVATION_IMPORT_KIND = 'observations'
export const OBSERVATION_IMPORT_EXTS = ['csv', 'xlsx'] as const
export type ObservationImportExt = (typeof OBSERVATION_IMPORT_EXTS)[number]
/** A specialist's sheet, not a data dump: larger files are refused with a message saying so. */
export const OBSERVATION_IMPORT_MAX_BYTES = 20 * 1024 * 1024
export const OBSERVATION_IMPORT_MAX_ROWS = 20_000

/** Rows per INSERT: one short statement each (PGlite is one connection: nothing long holds it). */
const INSERT_CHUNK = 1_000
/** Between two chunks the database is left to requests that queued behind them (ADR 019). */
const QUIET_MS = 4
const MAX_WAIT_MS = 25
const FAILED_KEPT_IN_RESULT = 10

/** The type of an upload, from its bytes: an .xlsx is a zip; anything else is read as CSV (the reader refuses what is neither). */
export function observationFileExt(head: Uint8Array): ObservationImportExt {
  return head[0] === 0x50 && head[1] === 0x4b ? 'xlsx' : 'csv'
}

// ------------------------------------------------------------------ reading

export type ObservationSheet = { head: TableHead; rows: TableRow[]; summary: TableSummary }

/** The whole sheet (at most OBSERVATION_IMPORT_MAX_ROWS rows), read in a worker thread: a file that is no table throws TableStreamError. */
export async function readObservationSheet(filePath: string, options: { signal?: AbortSignal; progress?: (bytesRead: number, totalBytes: number) => void } = {}): Promise<ObservationSheet> {
  let head: TableHead | undefined
  const rows: TableRow[] = []
  for await (const event of streamTable(filePath, {
    knownHeaders: KNOWN_OBSERVATION_HEADERS,
    maxBytes: OBSERVATION_IMPORT_MAX_BYTES,
    maxRows: OBSERVATION_IMPORT_MAX_ROWS,
    signal: options.signal,
  })) {
    if (event.type === 'head') head = event.head
    else if (event.type === 'rows') {
      rows.push(...event.rows)
      options.progress?.(event.bytesRead, event.totalBytes)
    } else return { head: head!, rows, summary: event.summary }
  }
  throw new TableStreamError('workerFailed', 'The file reader ended without a result.')
}

const SHEET_ERRORS: Record<TableStreamError['code'], MessageKey> = {
  ...TABLE_READER_ERRORS,
  malformed: 'imports.error.malformed',
  noHeader: 'competitors.import.error.noHeader',
  noSheet: 'imports.error.noSheet',
  outOfMemory: 'imports.error.outOfMemory',
  workerFailed: 'imports.error.malformed',
  aborted: 'imports.error.cancelled',
}

/** A reader's refusal as a message the user can act on. */
export function sheetError(error: TableStreamError): { key: MessageKey; params: Record<string, string | number> } {
  const params = { ...error.params }
  if ((error.code === 'workerFailed' || error.code === 'malformed') && params.detail === undefined) params.detail = error.message.slice(0, 200)
  return { key: SHEET_ERRORS[error.code], params }
}

/** The first values of each column (for a money column's unit). */
export function columnValues(rows: readonly TableRow[], width: number, limit = 200): Cell[][] {
  const values: Cell[][] = Array.from({ length: width }, () => [])
  for (const row of rows.slice(0, limit)) for (let i = 0; i < width; i++) if (row.cells[i] !== null && row.cells[i] !== undefined && row.cells[i] !== '') values[i]!.push(row.cells[i]!)
  return values
}

// ------------------------------------------------------------------ the mapping a store remembers

export type OfferedObservationMapping = { columns: ObservationColumn[]; source: 'remembered' | 'guessed' }

/**
 * The mapping to offer for a sheet with these headers: the store's last confirmed one for the
 * columns whose headers read the same (a column it left out stays out), the guess for the rest.
 * A money column's unit comes from its header and values each time.
 */
export async function offeredObservationMapping(storeId: string, headers: readonly string[], values: readonly (readonly Cell[])[]): Promise<OfferedObservationMapping> {
  const guess: ObservationColumn[] = guessObservationMapping(headers, values).map(({ index, field, unit }) => ({ index, field, unit }))
  const remembered = await findRememberedColumns(storeId, OBSERVATION_IMPORT_KIND, headers, (h) => normalizeSalesHeader(h).key)
  if (!remembered.length) return { columns: guess, source: 'guessed' }
  const taken = new Set<number>()
  const fields = new Set<string>()
  const columns: ObservationColumn[] = []
  for (const r of remembered) {
    taken.add(r.index)
    const field = r.field as ObservationField | null
    if (!field || !(OBSERVATION_FIELDS as readonly string[]).includes(field) || fields.has(field)) continue
    fields.add(field)
    columns.push({ index: r.index, field, unit: isObservationMoneyField(field) ? guessMoneyUnit(headers[r.index] ?? '', field, values[r.index] ?? []) : 'yuan' })
  }
  for (const g of guess) if (!taken.has(g.index) && !fields.has(g.field)) columns.push(g)
  return { columns: columns.sort((a, b) => a.index - b.index), source: 'remembered' }
}

// ------------------------------------------------------------------ the run

export const ObservationImportInputSchema = z.object({
  storeId: z.uuid(),
  fileHash: z.string().refine(isFileHash, 'not a sha256 file hash'),
  ext: z.enum(OBSERVATION_IMPORT_EXTS),
  fileName: z.string().min(1).max(255),
  /** the confirmed mapping; null: the store's remembered one, else the guess */
  mapping: z
    .array(z.object({ index: z.number().int().min(0).max(999), field: z.enum(OBSERVATION_FIELDS), unit: z.enum(['yuan', 'wan', 'fen']) }))
    .max(OBSERVATION_FIELDS.length)
    .nullable(),
  createdById: z.uuid().nullable(),
  ip: z.string().max(100).nullable(),
})
export type ObservationImportInput = z.infer<typeof ObservationImportInputSchema>

export type ObservationImportResult = {
  importId: string
  /** the same file was imported into the store before: nothing changed */
  reused: boolean
  rows: number
  imported: number
  failed: number
  skipped: { title: number; blank: number; total: number }
  /** the first problems (all are in import_rows) */
  firstFailed: RowProblem[]
}

export type ObservationImportHooks = { jobId?: string | null; signal?: AbortSignal; progress?: (progress: JobProgress) => void }

type ImportRow = typeof imports.$inferSelect

export async function findDoneObservationImport(storeId: string, fileHash: string) {
  const { db } = await getDbHandle()
  const [row] = await db
    .select()
    .from(imports)
    .where(and(eq(imports.storeId, storeId), eq(imports.kind, OBSERVATION_IMPORT_KIND), eq(imports.fileHash, fileHash), eq(imports.status, 'done')))
    .orderBy(desc(imports.createdAt))
    .limit(1)
  return row ?? null
}

async function resultOf(row: ImportRow, reused: boolean): Promise<ObservationImportResult> {
  const { db } = await getDbHandle()
  const first = await db
    .select({ rowNumber: importRows.rowNumber, column: importRows.column, reason: importRows.reason })
    .from(importRows)
    .where(and(eq(importRows.importId, row.id), eq(importRows.outcome, 'failed')))
    .orderBy(importRows.rowNumber, importRows.id)
    .limit(FAILED_KEPT_IN_RESULT)
  const skipped = (row.mapping as { skipped?: ObservationImportResult['skipped'] } | null)?.skipped ?? { title: 0, blank: 0, total: 0 }
  return {
    importId: row.id,
    reused,
    rows: row.rowsTotal,
    imported: row.rowsImported,
    failed: row.rowsFailed,
    skipped,
    firstFailed: first.map((f) => ({ rowNumber: f.rowNumber, column: f.column ?? '', reason: f.reason ?? '' })),
  }
}

/** Imports this process is running, from their pending row to their end. */
const runningHere = new Set<string>()

/** Runs one import to its end; idempotent (the same file into the same store again answers with the first import). */
export async function runObservationImport(input: ObservationImportInput, hooks: ObservationImportHooks = {}): Promise<ObservationImportResult> {
  const handle = await getDbHandle()
  const db = handle.db
  const [store] = await db.select({ id: stores.id, timeZone: stores.timeZone }).from(stores).where(eq(stores.id, input.storeId))
  if (!store) throw new JobError('imports.error.storeNotFound')
  const source = importFilePath(input.fileHash, input.ext)
  if (!fs.existsSync(source)) throw new JobError('imports.error.fileGone')
  // what an earlier run of this job left, and the store's imports whose process died, go first
  if (hooks.jobId) await undoJobRuns(hooks.jobId)
  await failInterruptedObservationImports({ storeIds: [store.id] })
  const earlier = await findDoneObservationImport(store.id, input.fileHash)
  if (earlier) return resultOf(earlier, true)

  let sheet: ObservationSheet
  try {
    sheet = await readObservationSheet(source, {
      signal: hooks.signal,
      progress: (done, total) => hooks.progress?.({ phase: 'reading', done, total, unit: 'bytes' }),
    })
  } catch (error) {
    if (error instanceof TableStreamError && error.code !== 'aborted') {
      const { key, params } = sheetError(error)
      throw new JobError(key, params, error.message)
    }
    throw error
  }
  const headers = sheet.head.headers
  const columns = input.mapping ?? (await offeredObservationMapping(store.id, headers, columnValues(sheet.rows, headers.length))).columns
  const [problem] = checkObservationMapping(columns)
  if (problem) throw new JobError(problem.key, problem.params)
  hooks.progress?.({ phase: 'checking', done: 0, total: sheet.rows.length, unit: 'rows' })
  const checked = await checkObservationRows(sheet.rows, { headers, columns, timeZone: store.timeZone })
  const counts = sheet.summary.skippedCounts
  const skipped = { title: counts.title ?? 0, blank: counts.blank ?? 0, total: counts.total ?? 0 }
  hooks.signal?.throwIfAborted()

  const importId = crypto.randomUUID()
  runningHere.add(importId)
  let registered = false
  try {
    await db.insert(imports).values({
      id: importId,
      storeId: store.id,
      kind: OBSERVATION_IMPORT_KIND,
      fileName: input.fileName,
      fileHash: input.fileHash,
      byteSize: sheet.summary.totalBytes,
      encoding: sheet.summary.encoding ?? sheet.head.format,
      status: 'pending',
      rowsTotal: sheet.rows.length,
      rowsImported: checked.good.length,
      rowsSkipped: skipped.title + skipped.blank + skipped.total,
      rowsFailed: checked.failedRows,
      // the headers the mapping was made for, each money column's unit, the rows left out
      mapping: { headers, units: Object.fromEntries(columns.filter((c) => isObservationMoneyField(c.field)).map((c) => [c.index, c.unit])), skipped } as never,
      columnMapping: headers.map((_, i) => columns.find((c) => c.index === i)?.field ?? null),
      storedPath: path.relative(path.resolve(getEnv().DATA_DIR), source),
      jobId: hooks.jobId ?? null,
      createdById: input.createdById,
    })
    registered = true

    // each bad row's problems and the rows the reader left out, then the good rows: one INSERT per chunk
    const outcomes: Array<typeof importRows.$inferInsert> = [
      ...checked.problems.map((p) => ({ importId, rowNumber: p.rowNumber, outcome: 'failed', column: p.column, reason: p.reason })),
      ...sheet.summary.skipped.map((s) => ({ importId, rowNumber: s.rowNumber, outcome: 'skipped', column: null, reason: `sales.skipped.${s.why}` })),
    ]
    for (let at = 0; at < outcomes.length; at += INSERT_CHUNK) await db.insert(importRows).values(outcomes.slice(at, at + INSERT_CHUNK))
    for (let at = 0; at < checked.good.length; at += INSERT_CHUNK) {
      hooks.signal?.throwIfAborted()
      const started = performance.now()
      await db.insert(competitorObservations).values(
        checked.good.slice(at, at + INSERT_CHUNK).map(({ rowNumber: _r, ...o }) => ({ ...o, storeId: store.id, importId, createdById: input.createdById })),
      )
      hooks.progress?.({ phase: 'saving', done: Math.min(at + INSERT_CHUNK, checked.good.length), total: checked.good.length, unit: 'rows' })
      await handle.quiet(QUIET_MS, Math.min((performance.now() - started) / 2, MAX_WAIT_MS), () => requestsInFlight() > 0)
    }
    hooks.signal?.throwIfAborted()

    // done in one short transaction, unless another run of the same file finished first
    const finished = await db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`roadshow:observation-import:${store.id}`}))`)
      const [other] = await tx
        .select({ id: imports.id })
        .from(imports)
        .where(and(eq(imports.storeId, store.id), eq(imports.kind, OBSERVATION_IMPORT_KIND), eq(imports.fileHash, input.fileHash), eq(imports.status, 'done')))
        .limit(1)
      if (other) return other.id
      const done = await tx
        .update(imports)
        .set({ status: 'done', error: null, finishedAt: new Date() })
        .where(and(eq(imports.id, importId), eq(imports.status, 'pending')))
        .returning({ id: imports.id })
      if (!done.length) throw new Error('The import was marked failed while it ran.')
      await recordAudit(tx, {
        userId: input.createdById,
        storeId: store.id,
        action: 'competitor.import',
        entityType: 'import',
        entityId: importId,
        after: { fileName: input.fileName, fileHash: input.fileHash, rows: sheet.rows.length, imported: checked.good.length, failed: checked.failedRows, skipped },
        ip: input.ip,
      })
      return null
    })
    if (finished) {
      await undoImport(importId, null)
      registered = false
      const [other] = await db.select().from(imports).where(eq(imports.id, finished))
      return resultOf(other!, true)
    }
    registered = false
    await rememberImportMapping(
      store.id,
      OBSERVATION_IMPORT_KIND,
      headers.map((header, i) => ({ header, field: columns.find((c) => c.index === i)?.field ?? null })),
      input.createdById,
    )
    log('info', 'observation import done', { importId, storeId: store.id, rows: sheet.rows.length, imported: checked.good.length, failed: checked.failedRows })
    return {
      importId,
      reused: false,
      rows: sheet.rows.length,
      imported: checked.good.length,
      failed: checked.failedRows,
      skipped,
      firstFailed: checked.problems.slice(0, FAILED_KEPT_IN_RESULT),
    }
  } catch (error) {
    // nothing of a run that did not finish stays: its observations, its row outcomes, its import
    if (registered) await undoImport(importId, null).catch((again) => log('error', 'observation import undo failed', { importId, error: String(again) }))
    throw error
  } finally {
    runningHere.delete(importId)
  }
}

/**
 * Takes back an unfinished import in one transaction: its observations go; the import is
 * deleted (its row outcomes with it), or — given a reason — kept as failed with that reason.
 */
async function undoImport(importId: string, reason: string | null) {
  const { db } = await getDbHandle()
  await db.transaction(async (tx) => {
    await tx.delete(competitorObservations).where(eq(competitorObservations.importId, importId))
    if (reason) {
      await tx.delete(importRows).where(eq(importRows.importId, importId))
      await tx
        .update(imports)
        .set({ status: 'failed', error: reason, rowsImported: 0, finishedAt: new Date() })
        .where(and(eq(imports.id, importId), ne(imports.status, 'done')))
    } else await tx.delete(imports).where(and(eq(imports.id, importId), ne(imports.status, 'done')))
  })
}

// ------------------------------------------------------------------ imports a dead process left

export const INTERRUPTED_REASON = 'imports.error.interrupted'
/** Pending this long without a job, a command line's import lost its process (it takes seconds). */
const ORPHAN_AFTER_MS = 24 * 3_600_000

/**
 * Undoes the observation imports a dead process left pending, and marks them failed: on the
 * embedded database every pending import this process is not running (one process per data
 * directory); on a Postgres server those whose job ended without finishing them (its attempts
 * used up, or cancelled) and those of the command line pending for a day. Called at the
 * server's start, at the start of each import of the store and by the import pages.
 */
export async function failInterruptedObservationImports(filter: { storeIds?: string[] } = {}): Promise<string[]> {
  if (filter.storeIds && !filter.storeIds.length) return []
  const handle = await getDbHandle()
  const stuck = await handle.db
    .select({ id: imports.id })
    .from(imports)
    .where(
      and(
        eq(imports.kind, OBSERVATION_IMPORT_KIND),
        eq(imports.status, 'pending'),
        filter.storeIds ? inArray(imports.storeId, filter.storeIds) : undefined,
        runningHere.size ? notInArray(imports.id, [...runningHere]) : undefined,
        handle.kind === 'pglite'
          ? undefined
          : or(
              and(isNotNull(imports.jobId), sql`not exists (select 1 from ${jobs} where ${jobs.id} = ${imports.jobId} and ${jobs.status} in ('queued', 'running'))`),
              and(isNull(imports.jobId), lt(imports.createdAt, new Date(Date.now() - ORPHAN_AFTER_MS))),
            ),
      ),
    )
  const undone: string[] = []
  for (const { id } of stuck) {
    if (runningHere.has(id)) continue
    await undoImport(id, INTERRUPTED_REASON)
    undone.push(id)
  }
  if (undone.length) log('warn', 'interrupted observation imports undone', { imports: undone })
  return undone
}

/** A job runs again after its process died: what its earlier run left goes first. */
async function undoJobRuns(jobId: string) {
  const { db } = await getDbHandle()
  const pending = await db
    .select({ id: imports.id })
    .from(imports)
    .where(and(eq(imports.kind, OBSERVATION_IMPORT_KIND), eq(imports.status, 'pending'), eq(imports.jobId, jobId)))
  for (const { id } of pending) if (!runningHere.has(id)) await undoImport(id, INTERRUPTED_REASON)
}
