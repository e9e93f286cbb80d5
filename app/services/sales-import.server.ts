import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import readline from 'node:readline'
import { and, eq, isNull, lt, ne, or, sql } from 'drizzle-orm'
import { z } from 'zod'
import { getDb, getDbHandle } from '../../db/client'
import { importRows, imports, jobs, stores } from '../../db/schema'
import { AnalyticsDb } from '../../analytics/duckdb'
import { previewTableFile, TableStreamError, type TableHead } from '../../analytics/ingest/stream-table'
import { checkSalesMapping, guessSalesMapping, KNOWN_SALES_HEADERS, SalesMappingSchema, type SalesColumn } from '../../analytics/ingest/sales-headers'
import { countSuperseded, readParquetTable, writeSalesParquet } from '../../analytics/ingest/sales-parquet'
import { SalesStage } from '../../analytics/ingest/sales-stage'
import { streamSalesTable, type SalesTextBatch } from '../../analytics/ingest/sales-stream'
import { createSalesValidator, type AcceptedSale, type RejectedSale, type SkippedSaleRow } from '../../analytics/ingest/sales-validate'
import type { Cell, SkippedRow, TableRow } from '../../analytics/ingest/read-table'
import type { MessageKey } from '../i18n'
import { TABLE_READER_ERRORS } from './reader-errors.server'
import { getEnv } from '../utils/env.server'
import { log } from '../utils/logger.server'
import { phoneHashKey } from '../utils/phone-hash.server'
import { doneImportOf, filesIn, firstFailedRows, importFilePath, importTmpDir, isFileHash, removeStaleFiles, type KeptFileExt } from './import-files.server'
import { JobError, type JobProgress } from './jobs.server'
import { rememberSalesMapping } from './sales-mappings.server'

/**
 * The sales import (SPEC §4), run by the `sales_import` job (sales-import-job.server.ts) or
 * inline by the command line. One pass over the kept file: streamed (a worker thread for
 * CSV / .xlsx, DuckDB for Parquet), validated in batches, good rows staged as CSV
 * (sales-stage.ts: written byte by byte, the phone already hashed) and rejected rows as
 * NDJSON under DATA_DIR/tmp; DuckDB (in memory, for this import) writes one
 * typed Parquet file under DATA_DIR/imports/sales/ to a temporary name. Only then is Postgres
 * written: the import's row and its row outcomes (chunked, short transactions), the file
 * renamed to its final name, and the import marked done in one statement. Anything failing
 * before that last statement is undone (the import's row and rows deleted, the files
 * removed); a process killed half-way leaves at most a pending row that the retry deletes.
 */

export const SALES_IMPORT_EXTS = ['csv', 'xlsx', 'parquet'] as const satisfies readonly KeptFileExt[]

export const SalesImportInputSchema = z.object({
  storeId: z.uuid(),
  fileHash: z.string().refine(isFileHash, 'not a sha256 file hash'),
  ext: z.enum(SALES_IMPORT_EXTS),
  fileName: z.string().min(1).max(255),
  /** the confirmed mapping; null: the guessed one */
  mapping: SalesMappingSchema.nullable(),
  createdById: z.uuid().nullable(),
})
export type SalesImportInput = z.infer<typeof SalesImportInputSchema>

export type SalesImportResult = {
  importId: string
  /** the same file with the same mapping was imported into the store before: nothing changed */
  reused: boolean
  rows: number
  imported: number
  rejected: number
  /** earlier sales of the store that this import's rows replace (same VIN, else order number) */
  superseded: number
  warnings: number
  skipped: { title: number; blank: number; total: number }
  /** the first rejected rows (all are in import_rows) */
  firstRejected: Array<{ rowNumber: number; column: string; reason: string }>
  parquetPath: string | null
}

export type SalesImportHooks = {
  jobId?: string | null
  signal?: AbortSignal
  progress?: (progress: JobProgress) => void
  /** tests: called after each validated batch (throw to simulate a crash half-way) */
  afterBatch?: (batches: number) => void | Promise<void>
}

const REJECTS_KEPT_IN_RESULT = 10
const INSERT_CHUNK = 1_000

/** `key?a=1&b=2`, the message format of import_rows.reason (app/utils/form splitMessage). */
function message(key: string, params?: Record<string, string | number>) {
  if (!params || !Object.keys(params).length) return key
  return `${key}?${new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString()}`
}

/** What "the same mapping" means: the columns in index order, nothing else. */
export function salesMappingHash(columns: readonly SalesColumn[]) {
  const canonical = [...columns].sort((a, b) => a.index - b.index).map((c) => [c.index, c.field, c.scale])
  return crypto.createHash('sha256').update(JSON.stringify(canonical)).digest('hex')
}

/** The store's calendar day after today: dates later than that are refused as future. */
function tomorrowIn(timeZone: string) {
  const d = new Date(Date.now() + 86_400_000)
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d)
}

const READER_ERRORS: Partial<Record<TableStreamError['code'], MessageKey>> = {
  ...TABLE_READER_ERRORS,
  // a sales file's missing header names the sales columns, not the lead platforms'
  noHeader: 'sales.error.noHeader',
  noSheet: 'imports.error.noSheet',
  outOfMemory: 'imports.error.outOfMemory',
}

function tableErrorKey(error: TableStreamError): MessageKey {
  return READER_ERRORS[error.code] ?? 'imports.error.malformed'
}

export function salesImportsDir() {
  return path.resolve(getEnv().DATA_DIR, 'imports', 'sales')
}


// ------------------------------------------------------------------ where the table is

/** Where a file's sales table is when it is not where the reader looks first (its first visible sheet, the first row naming two known columns). */
export type SalesTablePlace = { sheetName?: string; headerRowNumber?: number }

/** Header texts the reader looks for (the header is the first row naming two of them). */
export const SALES_KNOWN_HEADERS = KNOWN_SALES_HEADERS.map((h) => h.header)

/** Does a header row name the columns a sale needs (an identifier and a date), by the guess? */
export const namesSaleColumns = (headers: readonly string[]) => checkSalesMapping(guessSalesMapping(headers).columns).length === 0

const headerText = (cell: Cell | undefined) => (typeof cell === 'string' ? cell.trim().replace(/\s+/g, ' ') : '')
/** the sheet names are read from the workbook's directory (SheetJS reads the file whole): not for larger workbooks */
const MAX_SHEET_LIST_BYTES = 64 * 1024 * 1024

/** The visible sheets of an .xlsx, in order. */
async function visibleSheets(file: string): Promise<string[]> {
  if (fs.statSync(file).size > MAX_SHEET_LIST_BYTES) return []
  const XLSX = await import('@e965/xlsx')
  const book = XLSX.read(await fs.promises.readFile(file), { type: 'buffer', bookSheets: true })
  const sheets = book.Workbook?.Sheets ?? []
  return book.SheetNames.filter((_, i) => !sheets[i]?.Hidden)
}

/**
 * The sales table of a file whose first header (`head`, as the reader found it) does not name
 * an identifier and a date column: a row just below it that does — the header under a line of
 * group labels (车辆信息 | 客户信息 | 价格信息), which the reader takes for the header — else
 * the first other visible sheet of a workbook that has one, when the first is a summary
 * (汇总). Null when there is none: the first guess stands, and its mapping says what it lacks.
 * The preview and the import both ask it, so a mapping confirmed on the preview is the import's.
 */
export async function findSalesTable(file: string, head: TableHead): Promise<SalesTablePlace | null> {
  if (namesSaleColumns(head.headers)) return null
  const inSheet = async (sheetName: string | undefined): Promise<SalesTablePlace | null> => {
    const preview = await previewTableFile(file, { knownHeaders: SALES_KNOWN_HEADERS, previewRows: 10, maxBytes: 1024 * 1024 * 1024, sheetName })
    if (namesSaleColumns(preview.head.headers)) return { sheetName }
    const below = preview.rows.find((row) => namesSaleColumns(row.cells.map(headerText)))
    return below ? { sheetName, headerRowNumber: below.rowNumber } : null
  }
  const here = await inSheet(head.sheetName ?? undefined)
  if (here?.headerRowNumber) return here
  // another sheet: of a workbook (.xlsx, or an old .xls), not of a CSV or a web page
  if (head.format !== 'xlsx' && head.format !== 'xls') return null
  for (const name of await visibleSheets(file)) {
    if (name === head.sheetName) continue
    const there = await inSheet(name)
    if (there) return there
  }
  return null
}

type StagedReject = { r: number; c: string | null; m: string; o: 'failed' | 'imported' | 'skipped' }

const existingImport = (storeId: string, fileHash: string, mappingHash: string) => doneImportOf('sales', storeId, fileHash, mappingHash)

async function resultOf(row: typeof imports.$inferSelect, reused: boolean): Promise<SalesImportResult> {
  const first = await firstFailedRows(row.id, REJECTS_KEPT_IN_RESULT)
  const skipped = (row.mapping as { skipped?: SalesImportResult['skipped'] } | null)?.skipped ?? { title: 0, blank: 0, total: 0 }
  const warnings = (row.mapping as { warnings?: number } | null)?.warnings ?? 0
  return {
    importId: row.id,
    reused,
    rows: row.rowsTotal,
    imported: row.rowsImported,
    rejected: row.rowsFailed,
    superseded: row.rowsSuperseded,
    warnings,
    skipped,
    firstRejected: first.map((f) => ({ rowNumber: f.rowNumber, column: f.column ?? '', reason: f.reason ?? '' })),
    parquetPath: row.parquetPath,
  }
}

/** Runs one sales import to its end; idempotent (the same file and mapping twice: the first import is answered). */
export async function runSalesImport(input: SalesImportInput, hooks: SalesImportHooks = {}): Promise<SalesImportResult> {
  const db = await getDb()
  const [store] = await db.select({ id: stores.id, timeZone: stores.timeZone }).from(stores).where(eq(stores.id, input.storeId))
  if (!store) throw new JobError('imports.error.storeNotFound')
  const source = importFilePath(input.fileHash, input.ext)
  if (!fs.existsSync(source)) throw new JobError('imports.error.fileGone')
  const totalBytes = fs.statSync(source).size

  const importId = crypto.randomUUID()
  const importedAt = new Date()
  fs.mkdirSync(importTmpDir(), { recursive: true })
  const staged = path.join(importTmpDir(), `sales-${importId}.csv`)
  const rejects = path.join(importTmpDir(), `sales-${importId}.rows.ndjson`)
  // two threads: the Parquet write reads the staged CSV and encodes row groups on both cores
  // (in no set order: writeSalesParquet), 1.6–1.9 s instead of 2.9 s for a million rows
  const duck = await AnalyticsDb.open({ path: ':memory:', memoryLimit: '256MB', threads: 2 })
  let registered = false
  let renamedTo: string | null = null
  let tempPath: string | null = null
  removeLeftovers()
  try {
    return await duck.withConnection(async (c) => {
      // ---- read, validate, stage -------------------------------------------------------
      const out = fs.createWriteStream(staged)
      const rowsOut = fs.createWriteStream(rejects)
      const write = (stream: fs.WriteStream, data: string | Buffer) =>
        new Promise<void>((resolve, reject) => stream.write(data, (error) => (error ? reject(error) : resolve())))
      const stage = new SalesStage(phoneHashKey())
      let columns: SalesColumn[] | null = null
      let mappingHash = ''
      let validator: ReturnType<typeof createSalesValidator> | null = null
      let headers: string[] = []
      const counts = { rows: 0, imported: 0, rejected: 0, warnings: 0, skipped: { title: 0, blank: 0, total: 0 } }
      const firstRejected: SalesImportResult['firstRejected'] = []
      let batches = 0
      let encoding: string | null = null
      let format = 'xlsx'

      /** the CSV reader, told the phone column once the mapping is known (its thread hashes the phones) */
      let reader: ReturnType<typeof streamSalesTable> | null = null
      const onHead = async (fileHeaders: string[]) => {
        headers = fileHeaders
        columns = input.mapping ?? guessSalesMapping(headers).columns.map(({ index, field, scale }) => ({ index, field, scale }))
        const problems = checkSalesMapping(columns)
        if (problems.length) throw new JobError(problems[0]!.key, problems[0]!.params)
        mappingHash = salesMappingHash(columns)
        validator = createSalesValidator({ headers, columns, timeZone: store.timeZone, latestDate: tomorrowIn(store.timeZone) })
        const phone = columns.find((col) => col.field === 'phone')
        if (phone) reader?.hashPhones(phone.index)
        return existingImport(input.storeId, input.fileHash, mappingHash)
      }

      /** a validated batch's good rows are staged; its rejected, warned and skipped rows become outcomes */
      const afterValidation = async (rows: number, imported: number, rejected: RejectedSale[], warned: AcceptedSale[], skipped: SkippedSaleRow[]) => {
        counts.rows += rows
        counts.imported += imported
        let outcomes = ''
        for (const rej of rejected) {
          counts.rejected++
          for (const p of rej.problems) {
            const m = message(p.reason, p.params)
            if (firstRejected.length < REJECTS_KEPT_IN_RESULT) firstRejected.push({ rowNumber: rej.rowNumber, column: p.column, reason: m })
            outcomes += JSON.stringify({ r: rej.rowNumber, c: p.column, m, o: 'failed' } satisfies StagedReject) + '\n'
          }
        }
        for (const sale of warned) {
          if (!sale.warnings) continue
          counts.warnings++
          for (const w of sale.warnings) outcomes += JSON.stringify({ r: sale.rowNumber, c: w.column, m: message(w.reason, w.params), o: 'imported' } satisfies StagedReject) + '\n'
        }
        for (const s of skipped) outcomes += skippedLine(s, counts)
        if (stage.rows) await write(out, stage.take())
        if (outcomes) await write(rowsOut, outcomes)
        batches++
        await hooks.afterBatch?.(batches)
      }

      /** rows as values (.xlsx, Parquet): the general validator */
      const onRows = async (rows: TableRow[]) => {
        const result = validator!.validateBatch(rows)
        for (const sale of result.sales) stage.record(sale.rowNumber, sale.record)
        await afterValidation(rows.length, result.sales.length, result.rejected, result.sales, result.skipped)
      }

      /** CSV rows as one string and offsets: the fast path, the general validator where it declines */
      const onText = async (batch: SalesTextBatch, bytesRead: number, totalBytes: number) => {
        // the first batch tells the rows a byte: the rest of the file is expected alike
        if (counts.rows === 0 && bytesRead > 0) validator!.expectRows(Math.ceil(((batch.rowNumbers.length * totalBytes) / bytesRead) * 1.05))
        const result = validator!.validateText(batch, stage)
        await afterValidation(batch.rowNumbers.length, result.imported, result.rejected, result.warned, result.skipped)
      }

      let reused: typeof imports.$inferSelect | null = null
      try {
        if (input.ext === 'parquet') {
          let total = 0
          for await (const event of readParquetTable(c, source)) {
            hooks.signal?.throwIfAborted()
            if (event.type === 'head') {
              total = event.totalRows
              reused = await onHead(event.headers)
              if (reused) break
              validator!.expectRows(total)
              hooks.progress?.({ phase: 'reading', done: 0, total, unit: 'rows' })
            } else {
              await onRows(event.rows)
              hooks.progress?.({ phase: 'reading', done: counts.rows, total, unit: 'rows' })
            }
          }
        } else {
          // where the reader looks first, else where findSalesTable finds the table (read again from there)
          let place: SalesTablePlace | null = null
          for (let attempt = 0; attempt < 2; attempt++) {
            let moved = false
            const stream = (reader = streamSalesTable(source, {
              knownHeaders: SALES_KNOWN_HEADERS,
              signal: hooks.signal,
              maxBytes: 1024 * 1024 * 1024,
              maxRows: 5_000_000,
              phoneHashKey: phoneHashKey(),
              ...place,
            }))
            for await (const event of stream) {
              if (event.type === 'head') {
                if (!place && !namesSaleColumns(event.head.headers)) {
                  place = await findSalesTable(source, event.head)
                  if (place) {
                    moved = true
                    break
                  }
                }
                format = event.head.format
                reused = await onHead(event.head.headers)
                if (reused) break
                hooks.progress?.({ phase: 'reading', done: 0, total: event.head.totalBytes, unit: 'bytes' })
              } else if (event.type === 'text') {
                await onText(event.batch, event.bytesRead, event.totalBytes)
                hooks.progress?.({ phase: 'reading', done: event.bytesRead, total: event.totalBytes, unit: 'bytes' })
              } else if (event.type === 'rows') {
                await onRows(event.rows)
                hooks.progress?.({ phase: 'reading', done: event.bytesRead, total: event.totalBytes, unit: 'bytes' })
              } else {
                // a workbook has no encoding: its kind (xlsx, xls) is recorded instead
                encoding = event.summary.encoding ?? format
                // the rows the reader skipped itself (title, blank, totals), counted and kept as outcomes
                let outcomes = ''
                for (const s of event.summary.skipped) outcomes += skippedLine(s, counts)
                // beyond the first 1,000 the reader keeps only counts
                for (const why of ['title', 'blank', 'total'] as const) counts.skipped[why] = Math.max(counts.skipped[why], event.summary.skippedCounts[why] ?? 0)
                if (outcomes) await write(rowsOut, outcomes)
              }
            }
            if (!moved) break
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
        await new Promise<void>((resolve) => rowsOut.end(resolve))
      }
      // the VINs and order numbers seen (~85 MB for a million rows) are not needed for the Parquet file
      // (assigned in onHead, which TypeScript does not follow)
      ;(validator as ReturnType<typeof createSalesValidator> | null)?.release()
      validator = null
      if (reused) return resultOf(reused, true)
      if (!columns) throw new JobError('sales.error.noHeader')
      hooks.signal?.throwIfAborted()

      // ---- the Parquet file, under a temporary name ------------------------------------
      hooks.progress?.({ phase: 'saving', done: totalBytes, total: totalBytes, unit: 'bytes' })
      const dir = salesImportsDir()
      fs.mkdirSync(dir, { recursive: true })
      const name = crypto.createHash('sha256').update(`${input.fileHash}:${input.storeId}:${mappingHash}`).digest('hex')
      const finalPath = path.join(dir, `${name}.parquet`)
      tempPath = path.join(dir, `${name}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp.parquet`)
      await writeSalesParquet(c, staged, tempPath, { storeId: input.storeId, importId, importedAt: importedAt.toISOString() })
      const earlier = await db
        .select({ parquetPath: imports.parquetPath })
        .from(imports)
        .where(and(eq(imports.storeId, input.storeId), eq(imports.kind, 'sales'), eq(imports.status, 'done')))
      const dataDir = path.resolve(getEnv().DATA_DIR)
      // a kept file lost from the data directory (a restore without it, a disk cleaned by hand)
      // counts as gone: the views skip it too (parquet-views.ts), so the import goes on
      const earlierFiles = earlier
        .filter((e) => e.parquetPath)
        .map((e) => path.resolve(dataDir, e.parquetPath!))
        .filter((file) => fs.existsSync(file))
      const superseded = await countSuperseded(c, tempPath, earlierFiles, input.storeId)

      // ---- Postgres: short statements; the import counts only once marked done ---------
      // a run of the same file that died half-way left a pending row: it goes first
      await db
        .delete(imports)
        .where(and(eq(imports.storeId, input.storeId), eq(imports.kind, 'sales'), eq(imports.fileHash, input.fileHash), eq(imports.mappingHash, mappingHash), ne(imports.status, 'done')))
      const relative = path.relative(dataDir, finalPath)
      await db.insert(imports).values({
        id: importId,
        storeId: input.storeId,
        kind: 'sales',
        fileName: input.fileName,
        fileHash: input.fileHash,
        byteSize: totalBytes,
        encoding: encoding ?? input.ext,
        status: 'pending',
        rowsTotal: counts.rows,
        rowsImported: counts.imported,
        rowsSkipped: counts.skipped.title + counts.skipped.blank + counts.skipped.total,
        rowsFailed: counts.rejected,
        rowsSuperseded: superseded,
        // the counts the table has no column for, and the headers the mapping was made for
        mapping: { skipped: counts.skipped, warnings: counts.warnings, headers } as never,
        columnMapping: headers.map((_, i) => columns!.find((col) => col.index === i)?.field ?? null),
        storedPath: path.relative(dataDir, source),
        mappingHash,
        parquetPath: relative,
        jobId: hooks.jobId ?? null,
        createdById: input.createdById,
        createdAt: importedAt,
      })
      registered = true
      await insertRowOutcomes(importId, rejects, hooks.signal)
      hooks.signal?.throwIfAborted()
      // another run of the same file and mapping (a second process) finished meanwhile: answer with it
      const finished = await existingImport(input.storeId, input.fileHash, mappingHash)
      if (finished) {
        await db.delete(imports).where(eq(imports.id, importId))
        registered = false
        return resultOf(finished, true)
      }
      fs.renameSync(tempPath, finalPath)
      renamedTo = finalPath
      const done = await db
        .update(imports)
        .set({ status: 'done', finishedAt: new Date() })
        .where(and(eq(imports.id, importId), eq(imports.status, 'pending')))
        .returning({ id: imports.id })
      if (!done.length) throw new Error('The import was removed while it ran.')
      registered = false // done: nothing to undo
      renamedTo = null
      await rememberSalesMapping(input.storeId, headers, columns, input.createdById)
      log('info', 'sales import done', { importId, storeId: input.storeId, rows: counts.rows, imported: counts.imported, rejected: counts.rejected, superseded })
      return {
        importId,
        reused: false,
        rows: counts.rows,
        imported: counts.imported,
        rejected: counts.rejected,
        superseded,
        warnings: counts.warnings,
        skipped: counts.skipped,
        firstRejected,
        parquetPath: relative,
      }
    })
  } catch (error) {
    // undo what this run wrote: the import's row (its rows go with it) and a renamed file
    if (registered) await db.delete(imports).where(and(eq(imports.id, importId), ne(imports.status, 'done'))).catch(() => {})
    if (renamedTo) {
      const stillDone = await db.select({ id: imports.id }).from(imports).where(and(eq(imports.parquetPath, path.relative(path.resolve(getEnv().DATA_DIR), renamedTo)), eq(imports.status, 'done'))).catch(() => [])
      if (!stillDone.length) fs.rmSync(renamedTo, { force: true })
    }
    throw error
  } finally {
    await duck.close()
    fs.rmSync(staged, { force: true })
    fs.rmSync(rejects, { force: true })
    if (tempPath) fs.rmSync(tempPath, { force: true })
  }
}

function skippedLine(s: SkippedRow, counts: { skipped: Record<SkippedRow['why'], number> }) {
  counts.skipped[s.why]++
  const m = `sales.skipped.${s.why}`
  return JSON.stringify({ r: s.rowNumber, c: null, m, o: 'skipped' } satisfies StagedReject) + '\n'
}

/**
 * What killed processes left (a run removes its own): temporary Parquet files and the staged
 * rows under DATA_DIR/tmp, once an hour old — a live run writes or renames its files sooner.
 */
function removeLeftovers() {
  const leftovers = [
    ...filesIn(salesImportsDir(), (name) => name.endsWith('.tmp.parquet')),
    ...filesIn(importTmpDir(), (name) => name.startsWith('sales-') && (name.endsWith('.ndjson') || name.endsWith('.csv'))),
  ]
  removeStaleFiles(leftovers)
}

/** The staged row outcomes into import_rows: one multi-row insert per chunk, each its own short statement. */
async function insertRowOutcomes(importId: string, file: string, signal?: AbortSignal) {
  const db = await getDb()
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity })
  let chunk: Array<typeof importRows.$inferInsert> = []
  const flush = async () => {
    if (!chunk.length) return
    signal?.throwIfAborted()
    await db.insert(importRows).values(chunk)
    chunk = []
  }
  for await (const line of lines) {
    if (!line) continue
    const s = JSON.parse(line) as StagedReject
    chunk.push({ importId, rowNumber: s.r, outcome: s.o, column: s.c, reason: s.m })
    if (chunk.length >= INSERT_CHUNK) await flush()
  }
  await flush()
}

// ------------------------------------------------------------------ imports a dead process left

/** Pending longer than this without a job, an import's process is long gone (its Postgres phase takes minutes). */
const ORPHAN_AFTER_MS = 24 * 3_600_000

/**
 * Marks failed the sales imports a dead process left 'pending' (导入中 for ever otherwise):
 * those whose job ended without finishing them (its attempts used up), those of the command
 * line pending for a day, and — at the start of a server on the embedded database, which no
 * other process can hold — every one. Nothing of such an import counts: it was never marked
 * done, and a run of the same file removes its row (runSalesImport). Returns their ids.
 */
export async function failInterruptedSalesImports(options: { atStart?: boolean } = {}): Promise<string[]> {
  const handle = await getDbHandle()
  const everyPending = options.atStart && handle.kind === 'pglite'
  const rows = await handle.db
    .update(imports)
    .set({ status: 'failed', error: 'imports.error.interrupted', finishedAt: new Date() })
    .where(
      and(
        eq(imports.kind, 'sales'),
        eq(imports.status, 'pending'),
        everyPending
          ? undefined
          : or(
              sql`exists (select 1 from ${jobs} where ${jobs.id} = ${imports.jobId} and ${jobs.status} in ('failed', 'done'))`,
              and(isNull(imports.jobId), lt(imports.createdAt, new Date(Date.now() - ORPHAN_AFTER_MS))),
            ),
      ),
    )
    .returning({ id: imports.id })
  if (rows.length) log('warn', 'interrupted sales imports marked failed', { imports: rows.map((r) => r.id) })
  return rows.map((r) => r.id)
}
