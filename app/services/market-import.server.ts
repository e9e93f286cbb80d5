import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { and, eq, ne } from 'drizzle-orm'
import { z } from 'zod'
import { getDb } from '../../db/client'
import { importRows, imports, stores } from '../../db/schema'
import { AnalyticsDb } from '../../analytics/duckdb'
import {
  checkMarketMapping,
  guessMarketMapping,
  guessMarketMeasure,
  KNOWN_MARKET_HEADERS,
  MarketMappingSchema,
  type MarketColumn,
} from '../../analytics/ingest/market-headers'
import { stageMarketLine, writeMarketParquet } from '../../analytics/ingest/market-parquet'
import { MARKET_FIELDS, MARKET_MEASURES, type MarketField, type MarketMeasure } from '../../analytics/ingest/market-record'
import { createMarketValidator, currentMonthIn, type RejectedMarketRow } from '../../analytics/ingest/market-validate'
import { monthOfHeader } from '../../analytics/ingest/market-values'
import type { SkippedRow } from '../../analytics/ingest/read-table'
import { normalizeSalesHeader } from '../../analytics/ingest/sales-headers'
import { streamTable, TableStreamError } from '../../analytics/ingest/stream-table'
import type { MessageKey } from '../i18n'
import { TABLE_READER_ERRORS } from './reader-errors.server'
import { MARKET_IMPORT_MAX_BYTES, MARKET_IMPORT_MAX_ROWS } from '../schemas/market'
import { getEnv } from '../utils/env.server'
import { log } from '../utils/logger.server'
import { recordAudit } from './audit.server'
import { doneImportOf, filesIn, firstFailedRows, importFilePath, importTmpDir, isFileHash, removeStaleFiles } from './import-files.server'
import { findRememberedColumns, rememberImportMapping } from './import-mappings.server'
import { JobError, type JobProgress } from './jobs.server'

/**
 * The market-data import (SPEC §5 with the guarantees of the §4 import path; ADR 028), run by
 * the `market_import` job (market-import-job.server.ts) or inline by the command line. One
 * pass over the kept file, streamed by the reader's worker thread: each batch validated, good
 * rows staged as CSV under DATA_DIR/tmp, problems kept with their row, column and reason.
 * DuckDB (in memory, for this import) writes one typed Parquet file under
 * DATA_DIR/imports/market/ to a temporary name. Only then is Postgres written, in one short
 * transaction: the import registered as done, its rejected and skipped rows, its audit entry,
 * and the file renamed to its final name before the commit. A run killed before the commit
 * leaves nothing registered; the same file with the same mapping and measure changes nothing.
 */

export const MARKET_IMPORT_KIND = 'market'
export const MARKET_IMPORT_EXTS = ['csv', 'xlsx'] as const
export type MarketExt = (typeof MARKET_IMPORT_EXTS)[number]

export const MarketImportInputSchema = z.object({
  storeId: z.uuid(),
  fileHash: z.string().refine(isFileHash, 'not a sha256 file hash'),
  ext: z.enum(MARKET_IMPORT_EXTS),
  fileName: z.string().min(1).max(255),
  /** what the file counts; null: as its headers say (销量: sales), else registrations */
  measure: z.enum(MARKET_MEASURES).nullable(),
  /** the confirmed mapping; null: the store's remembered one, else the guess */
  mapping: MarketMappingSchema.nullable(),
  createdById: z.uuid().nullable(),
})
export type MarketImportInput = z.infer<typeof MarketImportInputSchema>

export type MarketImportResult = {
  importId: string
  /** the same file with the same mapping and measure was imported into the store before: nothing changed */
  reused: boolean
  measure: MarketMeasure
  layout: 'long' | 'wide'
  /** data rows read, rows imported (each gave one figure, or one per month in the wide layout), rows rejected */
  rows: number
  imported: number
  rejected: number
  /** figures written: a brand's model in a city in a month */
  figures: number
  /** the months the imported figures cover, `YYYY-MM`, in order */
  months: string[]
  skipped: { title: number; blank: number; total: number }
  /** the first rejected rows (all are in import_rows) */
  firstRejected: Array<{ rowNumber: number; column: string; reason: string }>
  parquetPath: string | null
}

/** What the `mapping` column of a market import keeps besides the counts the table has columns for. */
export type MarketImportDetails = {
  measure: MarketMeasure
  layout: 'long' | 'wide'
  months: string[]
  figures: number
  skipped: MarketImportResult['skipped']
  headers: string[]
}

export type MarketImportHooks = {
  jobId?: string | null
  signal?: AbortSignal
  progress?: (progress: JobProgress) => void
  /** tests: called after each validated batch (throw to simulate a crash half-way) */
  afterBatch?: (batches: number) => void | Promise<void>
  /** tests: called inside the registering transaction, before its commit (throw to simulate a crash there) */
  beforeCommit?: () => void | Promise<void>
}

const REJECTS_KEPT_IN_RESULT = 10
const INSERT_CHUNK = 1_000

/** `key?a=1&b=2`, the message format of import_rows.reason (app/utils/form splitMessage). */
function message(key: string, params?: Record<string, string | number>) {
  if (!params || !Object.keys(params).length) return key
  return `${key}?${new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString()}`
}

/** What "the same import" means besides the file: the measure and the columns in index order. */
export function marketMappingHash(measure: MarketMeasure, columns: readonly MarketColumn[]) {
  const canonical = [...columns].sort((a, b) => a.index - b.index).map((c) => [c.index, c.field])
  return crypto.createHash('sha256').update(JSON.stringify(['market', measure, canonical])).digest('hex')
}

export type OfferedMarketMapping = { columns: MarketColumn[]; source: 'remembered' | 'guessed' }

const headerKey = (h: string) => normalizeSalesHeader(h).key

/**
 * The mapping to offer for a file with these headers: the store's remembered columns found
 * again by header (a column it left out stays out), the guess for the fields they leave open
 * — and, in a file with a column per month, next month's new month columns.
 */
export async function offeredMarketMapping(storeId: string, headers: readonly string[]): Promise<OfferedMarketMapping> {
  const guess = guessMarketMapping(headers).map(({ index, field }) => ({ index, field }))
  const remembered = await findRememberedColumns(storeId, MARKET_IMPORT_KIND, headers, headerKey)
  if (!remembered.length) return { columns: guess, source: 'guessed' }
  const taken = new Set<number>()
  const fields = new Set<MarketField>()
  const columns: MarketColumn[] = []
  for (const r of remembered) {
    taken.add(r.index)
    const field = (MARKET_FIELDS as readonly string[]).includes(r.field ?? '') ? (r.field as MarketField) : null
    // several units columns only under month headers (the wide layout)
    if (!field || (fields.has(field) && !(field === 'units' && monthOfHeader(headers[r.index] ?? '')))) continue
    fields.add(field)
    columns.push({ index: r.index, field })
  }
  const wide = !fields.has('month')
  for (const g of guess) {
    if (taken.has(g.index)) continue
    const monthColumn = g.field === 'units' && wide && !!monthOfHeader(headers[g.index] ?? '')
    if (fields.has(g.field) && !monthColumn) continue
    fields.add(g.field)
    columns.push(g)
  }
  return { columns: columns.sort((a, b) => a.index - b.index), source: 'remembered' }
}

const READER_ERRORS: Partial<Record<TableStreamError['code'], MessageKey>> = {
  ...TABLE_READER_ERRORS,
  noHeader: 'market.error.noHeader',
  noSheet: 'sales.error.noSheet',
  outOfMemory: 'sales.error.outOfMemory',
}

function tableErrorKey(error: TableStreamError): MessageKey {
  return READER_ERRORS[error.code] ?? 'imports.error.malformed'
}

export function marketImportsDir() {
  return path.resolve(getEnv().DATA_DIR, 'imports', 'market')
}


const existingImport = (storeId: string, fileHash: string, mappingHash: string) => doneImportOf(MARKET_IMPORT_KIND, storeId, fileHash, mappingHash)

async function resultOf(row: typeof imports.$inferSelect, reused: boolean): Promise<MarketImportResult> {
  const first = await firstFailedRows(row.id, REJECTS_KEPT_IN_RESULT)
  const details = row.mapping as unknown as Partial<MarketImportDetails> | null
  return {
    importId: row.id,
    reused,
    measure: details?.measure ?? 'registrations',
    layout: details?.layout ?? 'long',
    rows: row.rowsTotal,
    imported: row.rowsImported,
    rejected: row.rowsFailed,
    figures: details?.figures ?? 0,
    months: details?.months ?? [],
    skipped: details?.skipped ?? { title: 0, blank: 0, total: 0 },
    firstRejected: first.map((f) => ({ rowNumber: f.rowNumber, column: f.column ?? '', reason: f.reason ?? '' })),
    parquetPath: row.parquetPath,
  }
}

type Outcome = { rowNumber: number; outcome: 'failed' | 'skipped'; column: string | null; reason: string }

/** Runs one market-data import to its end; idempotent (the same file, mapping and measure twice: the first import is answered). */
export async function runMarketImport(input: MarketImportInput, hooks: MarketImportHooks = {}): Promise<MarketImportResult> {
  const db = await getDb()
  const [store] = await db.select({ id: stores.id, timeZone: stores.timeZone }).from(stores).where(eq(stores.id, input.storeId))
  if (!store) throw new JobError('imports.error.storeNotFound')
  const source = importFilePath(input.fileHash, input.ext)
  if (!fs.existsSync(source)) throw new JobError('imports.error.fileGone')
  const totalBytes = fs.statSync(source).size

  const importId = crypto.randomUUID()
  const importedAt = new Date()
  fs.mkdirSync(importTmpDir(), { recursive: true })
  removeLeftovers()
  const staged = path.join(importTmpDir(), `market-${importId}.csv`)
  let tempPath: string | null = null
  let renamedTo: string | null = null
  try {
    // ---- read, validate, stage ---------------------------------------------------------
    let headers: string[] = []
    let columns: MarketColumn[] = []
    let measure: MarketMeasure = input.measure ?? 'registrations'
    let layoutKind: 'long' | 'wide' = 'long'
    let mappingHash = ''
    let validator: ReturnType<typeof createMarketValidator> | null = null
    let reused: typeof imports.$inferSelect | null = null
    let encoding: string | null = null
    let format = 'xlsx'
    const counts = { rows: 0, imported: 0, rejected: 0, figures: 0, skipped: { title: 0, blank: 0, total: 0 } }
    const months = new Set<string>()
    const outcomes: Outcome[] = []
    const firstRejected: MarketImportResult['firstRejected'] = []
    const out = fs.createWriteStream(staged)
    const write = (data: string) => new Promise<void>((resolve, reject) => out.write(data, (error) => (error ? reject(error) : resolve())))
    const skip = (s: SkippedRow) => {
      counts.skipped[s.why]++
      outcomes.push({ rowNumber: s.rowNumber, outcome: 'skipped', column: null, reason: `sales.skipped.${s.why}` })
    }
    const reject = (r: RejectedMarketRow) => {
      counts.rejected++
      for (const p of r.problems) {
        const m = message(p.reason, p.params)
        if (firstRejected.length < REJECTS_KEPT_IN_RESULT) firstRejected.push({ rowNumber: r.rowNumber, column: p.column, reason: m })
        outcomes.push({ rowNumber: r.rowNumber, outcome: 'failed', column: p.column, reason: m })
      }
    }
    let batches = 0
    try {
      const stream = streamTable(source, {
        knownHeaders: KNOWN_MARKET_HEADERS,
        signal: hooks.signal,
        maxBytes: MARKET_IMPORT_MAX_BYTES,
        maxRows: MARKET_IMPORT_MAX_ROWS,
      })
      for await (const event of stream) {
        if (event.type === 'head') {
          format = event.head.format
          headers = event.head.headers
          columns = input.mapping ?? (await offeredMarketMapping(input.storeId, headers)).columns
          const { layout, problems } = checkMarketMapping(columns, headers)
          if (!layout) throw new JobError(problems[0]!.key, problems[0]!.params)
          layoutKind = layout.kind
          measure = input.measure ?? guessMarketMeasure(headers, columns)
          mappingHash = marketMappingHash(measure, columns)
          reused = await existingImport(input.storeId, input.fileHash, mappingHash)
          if (reused) break
          validator = createMarketValidator({ headers, columns, layout, currentMonth: currentMonthIn(store.timeZone), timeZone: store.timeZone })
          hooks.progress?.({ phase: 'reading', done: 0, total: event.head.totalBytes, unit: 'bytes' })
        } else if (event.type === 'rows') {
          hooks.signal?.throwIfAborted()
          const result = validator!.validateBatch(event.rows)
          counts.rows += event.rows.length - result.skipped.length
          let lines = ''
          let lastRow = -1
          for (const { rowNumber, record } of result.records) {
            lines += stageMarketLine(rowNumber, record)
            months.add(record.month.slice(0, 7))
            counts.figures++
            if (rowNumber !== lastRow) counts.imported++
            lastRow = rowNumber
          }
          for (const r of result.rejected) reject(r)
          for (const s of result.skipped) skip(s)
          if (lines) await write(lines)
          batches++
          await hooks.afterBatch?.(batches)
          hooks.progress?.({ phase: 'reading', done: event.bytesRead, total: event.totalBytes, unit: 'bytes' })
        } else {
          // a workbook has no encoding: its kind (xlsx, xls) is recorded instead
          encoding = event.summary.encoding ?? format
          // the rows the reader skipped itself (title, blank, totals); beyond the first 1,000 it keeps only counts
          const listed = { title: 0, blank: 0, total: 0 }
          for (const s of event.summary.skipped) {
            listed[s.why]++
            skip(s)
          }
          for (const why of ['title', 'blank', 'total'] as const) counts.skipped[why] += Math.max(0, (event.summary.skippedCounts[why] ?? 0) - listed[why])
        }
      }
    } catch (error) {
      if (error instanceof TableStreamError) {
        if (error.code === 'aborted') throw error
        throw new JobError(tableErrorKey(error), error.params)
      }
      throw error
    } finally {
      await new Promise<void>((resolve) => out.end(resolve))
    }
    if (reused) return resultOf(reused, true)
    if (!validator) throw new JobError('market.error.noHeader')
    hooks.signal?.throwIfAborted()

    // ---- the Parquet file, under a temporary name --------------------------------------
    hooks.progress?.({ phase: 'saving', done: totalBytes, total: totalBytes, unit: 'bytes' })
    const dataDir = path.resolve(getEnv().DATA_DIR)
    let finalPath: string | null = null
    if (counts.figures) {
      const dir = marketImportsDir()
      fs.mkdirSync(dir, { recursive: true })
      const name = crypto.createHash('sha256').update(`${input.fileHash}:${input.storeId}:${mappingHash}`).digest('hex')
      finalPath = path.join(dir, `${name}.parquet`)
      tempPath = path.join(dir, `${name}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp.parquet`)
      const duck = await AnalyticsDb.open({ path: ':memory:', memoryLimit: '128MB', threads: 1 })
      try {
        await duck.withConnection((c) => writeMarketParquet(c, staged, tempPath!, { storeId: input.storeId, importId, importedAt: importedAt.toISOString(), measure }))
      } finally {
        await duck.close()
      }
    }
    hooks.signal?.throwIfAborted()

    // ---- Postgres: one short transaction; the file takes its name before the commit ----
    const sortedMonths = [...months].sort()
    const details: MarketImportDetails = { measure, layout: layoutKind, months: sortedMonths, figures: counts.figures, skipped: counts.skipped, headers }
    const registered = await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(imports)
        .values({
          id: importId,
          storeId: input.storeId,
          kind: MARKET_IMPORT_KIND,
          fileName: input.fileName,
          fileHash: input.fileHash,
          byteSize: totalBytes,
          encoding: encoding ?? input.ext,
          status: 'done',
          rowsTotal: counts.rows,
          rowsImported: counts.imported,
          rowsSkipped: counts.skipped.title + counts.skipped.blank + counts.skipped.total,
          rowsFailed: counts.rejected,
          mapping: details as never,
          columnMapping: headers.map((_, i) => columns.find((col) => col.index === i)?.field ?? null),
          storedPath: path.relative(dataDir, source),
          mappingHash,
          parquetPath: finalPath ? path.relative(dataDir, finalPath) : null,
          jobId: hooks.jobId ?? null,
          createdById: input.createdById,
          createdAt: importedAt,
          finishedAt: new Date(),
        })
        // another run of the same file, mapping and measure finished meanwhile (imports_sales_done_key)
        .onConflictDoNothing()
        .returning({ id: imports.id })
      if (!row) return false
      for (let i = 0; i < outcomes.length; i += INSERT_CHUNK) {
        await tx.insert(importRows).values(outcomes.slice(i, i + INSERT_CHUNK).map((o) => ({ importId, ...o })))
      }
      await recordAudit(tx, {
        userId: input.createdById,
        storeId: input.storeId,
        action: 'import.market',
        entityType: 'import',
        entityId: importId,
        after: { fileName: input.fileName, fileHash: input.fileHash, measure, months: sortedMonths, rows: counts.rows, imported: counts.imported, rejected: counts.rejected },
      })
      await hooks.beforeCommit?.()
      if (tempPath && finalPath) {
        fs.renameSync(tempPath, finalPath)
        renamedTo = finalPath
        tempPath = null
      }
      return true
    })
    if (!registered) {
      const finished = await existingImport(input.storeId, input.fileHash, mappingHash)
      if (finished) return resultOf(finished, true)
      throw new Error('The market import could not be registered.')
    }
    renamedTo = null // committed: the file is the import's
    await rememberImportMapping(
      input.storeId,
      MARKET_IMPORT_KIND,
      headers.map((header, i) => ({ header, field: columns.find((col) => col.index === i)?.field ?? null })),
      input.createdById,
    )
    log('info', 'market import done', { importId, storeId: input.storeId, rows: counts.rows, imported: counts.imported, rejected: counts.rejected, months: sortedMonths.length })
    return {
      importId,
      reused: false,
      measure,
      layout: layoutKind,
      rows: counts.rows,
      imported: counts.imported,
      rejected: counts.rejected,
      figures: counts.figures,
      months: sortedMonths,
      skipped: counts.skipped,
      firstRejected,
      parquetPath: finalPath ? path.relative(dataDir, finalPath) : null,
    }
  } catch (error) {
    // the transaction rolled back after the file took its final name: the name goes too, unless a done import holds it
    if (renamedTo) {
      const relative = path.relative(path.resolve(getEnv().DATA_DIR), renamedTo)
      const held = await db
        .select({ id: imports.id })
        .from(imports)
        .where(and(eq(imports.parquetPath, relative), eq(imports.status, 'done'), ne(imports.id, importId)))
        .catch(() => [{ id: 'unknown' }])
      if (!held.length) fs.rmSync(renamedTo, { force: true })
    }
    throw error
  } finally {
    fs.rmSync(staged, { force: true })
    if (tempPath) fs.rmSync(tempPath, { force: true })
  }
}

/**
 * What killed processes left (a run removes its own): temporary Parquet files and staged rows,
 * once an hour old — a live run writes or renames its files sooner.
 */
function removeLeftovers() {
  const leftovers = [
    ...filesIn(marketImportsDir(), (name) => name.endsWith('.tmp.parquet')),
    ...filesIn(importTmpDir(), (name) => name.startsWith('market-') && name.endsWith('.csv')),
  ]
  removeStaleFiles(leftovers)
}
