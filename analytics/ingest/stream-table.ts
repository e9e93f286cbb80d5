import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { Cell, SkippedRow, TableEncoding, TableErrorCode, TableRow } from './read-table'

/**
 * Reads a spreadsheet file — CSV (UTF-8, UTF-8 with BOM, UTF-16 LE/BE, GBK/GB18030; comma,
 * tab, semicolon or bar) or .xlsx — streaming, in a worker thread, and hands its rows over
 * in batches. Whatever the file's size, memory stays bounded (a batch or two in flight,
 * the worker's heap capped by `resourceLimits`) and the server's event loop stays free.
 * The shape of what it reads is read-table.ts's: the header found among the top rows by
 * the caller's known column names, title / blank / totals rows skipped and reported, row
 * numbers as Excel shows them. See docs/decisions/014-background-jobs.md.
 *
 *   for await (const event of streamTable(file, { knownHeaders })) {
 *     if (event.type === 'head') …            // once, before any rows
 *     else if (event.type === 'rows') …       // batches of up to batchSize rows, with bytes read
 *     else …                                  // 'end': counts, skipped rows, complete
 *   }
 */

export type { Cell, SkippedRow, TableRow }

export type StreamTableOptions = {
  /** header texts the caller knows (sales and lead imports each pass theirs): the header is the first row naming two */
  knownHeaders: readonly string[]
  /** the header row the user confirmed on the preview; skips the search */
  headerRowNumber?: number
  /** a worksheet by name; default the first visible one with rows */
  sheetName?: string
  /** rows per batch (default 2,000: one hand-over costs the main thread a few ms, 20 columns included) */
  batchSize?: number
  /** stop after this many data rows (the mapping preview of a large file) */
  previewRows?: number
  /** refuse larger files (an .xlsx may unpack to 20× this) */
  maxBytes?: number
  /** refuse more data rows than this */
  maxRows?: number
  /** the worker's heap limit (old generation), MB; a file that needs more fails with 'outOfMemory' (default 192) */
  memoryLimitMb?: number
  /** batches the worker may read ahead of the consumer (default 2) */
  prefetch?: number
  /** a workbook with no byte read and no row made for this long is refused as damaged (default 15 s) */
  stallMs?: number
  /**
   * the reader handing over nothing for this long while the consumer waits is refused as
   * damaged and stopped (default 120 s): a file built to be slow to read (an .xls or web page
   * read whole, whose parse the worker's own watchdog cannot interrupt) holds a core no longer
   */
  silenceMs?: number
  signal?: AbortSignal
}

export type TableHead = {
  /** an .xls workbook or a web-page table under an .xls name is read whole (stream-worker.mjs, readWorkbook) */
  format: 'csv' | 'xlsx' | 'xls' | 'html'
  /** as far as known when the header was read: a file whose first non-ASCII byte comes later reads as utf-8 so far (the summary has the final word) */
  encoding: TableEncoding | null
  delimiter: string | null
  sheetName: string | null
  headerRowNumber: number
  headerRecognised: boolean
  headers: string[]
  totalBytes: number
}

export type TableSummary = {
  dataRows: number
  /** the CSV's encoding, decided at its first non-ASCII bytes; null for .xlsx */
  encoding: TableEncoding | null
  /** the first 1,000 skipped rows (counts has them all) */
  skipped: SkippedRow[]
  skippedCounts: Record<SkippedRow['why'], number>
  /** false when a preview stopped before the end of the file */
  complete: boolean
  bytesRead: number
  totalBytes: number
}

export type TableStreamEvent =
  | { type: 'head'; head: TableHead }
  | { type: 'rows'; rows: TableRow[]; bytesRead: number; totalBytes: number }
  | { type: 'end'; summary: TableSummary }

/**
 * The reader's refusals: read-table.ts's, and those of the worker alone — a cell, a row or a
 * header wider or longer than a table may hold (stream-worker.mjs, checkRow: 32,767 characters
 * a cell, 1,000 columns, 1 MiB a row; `row`, `column`, `count`, `length` and `max` say where
 * and what), no such sheet, the worker's memory, the worker failing, the caller's abort.
 */
export type TableStreamErrorCode = TableErrorCode | 'cellTooLong' | 'tooManyColumns' | 'rowTooLong' | 'noSheet' | 'outOfMemory' | 'workerFailed' | 'aborted'

/** A file that cannot be read as a table; `code` and `params` let the app say why in the user's language. */
export class TableStreamError extends Error {
  constructor(
    public readonly code: TableStreamErrorCode,
    message: string,
    public readonly params: Record<string, string | number> = {},
  ) {
    super(message)
    this.name = 'TableStreamError'
  }
}

export const DEFAULT_WORKER_MEMORY_MB = 192
/** how long the reader may hand over nothing while its consumer waits (StreamTableOptions.silenceMs) */
export const DEFAULT_SILENCE_MS = 120_000

/**
 * The worker is a plain .mjs file that Node loads by path. Next to this module when it runs
 * from source (tsx, vitest); from the project directory when it runs bundled into
 * build/index.js (the server starts in the project directory, as for db/migrations).
 */
export function streamWorkerPath() {
  const candidates = [
    fileURLToPath(new URL('./stream-worker.mjs', import.meta.url)),
    path.resolve('analytics/ingest/stream-worker.mjs'),
  ]
  const found = candidates.find((p) => fs.existsSync(p))
  if (!found) throw new Error(`The spreadsheet reader (stream-worker.mjs) is missing; looked in ${candidates.join(', ')}.`)
  return found
}

/** a batch as the worker sends it: one flat array of cells, each row's width and number beside it */
export type PackedRows = { rowNumbers: Int32Array; widths: Int32Array; cells: Cell[] }

export function unpackRows({ rowNumbers, widths, cells }: PackedRows): TableRow[] {
  const rows = new Array<TableRow>(rowNumbers.length)
  let at = 0
  for (let i = 0; i < rows.length; i++) {
    const width = widths[i]!
    rows[i] = { rowNumber: rowNumbers[i]!, cells: cells.slice(at, at + width) }
    at += width
  }
  return rows
}

/** what the worker reports besides its batches: a file it cannot read, with the reason */
export type WorkerFailureMessage = { type: 'error'; code: TableStreamErrorCode; message: string; params: Record<string, string | number> }

type WorkerMessage =
  | Exclude<TableStreamEvent, { type: 'rows' }>
  | { type: 'rows'; packed: PackedRows; bytesRead: number; totalBytes: number }
  | WorkerFailureMessage

/**
 * The messages of a reader worker (stream-worker.mjs) in order, up to and including its
 * 'end'. Whatever stops the reading becomes a TableStreamError: the file's own error as the
 * worker reports it, the worker running out of its memory, dying, or the signal's abort. The
 * worker is terminated when the caller stops asking, however it stops.
 */
export async function* workerMessages<M extends { type: string }>(
  worker: Worker,
  { memoryLimitMb, signal, silenceMs = DEFAULT_SILENCE_MS }: { memoryLimitMb: number; signal?: AbortSignal; silenceMs?: number },
): AsyncGenerator<Exclude<M, { type: 'error' }>> {
  const queue: Array<M | WorkerFailureMessage | { type: 'failure'; error: TableStreamError }> = []
  let wake: (() => void) | null = null
  const push = (item: (typeof queue)[number]) => {
    queue.push(item)
    wake?.()
  }
  let finished = false
  worker.on('message', (message: M) => push(message))
  worker.on('error', (error: Error & { code?: string }) => {
    push({
      type: 'failure',
      error:
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new TableStreamError('outOfMemory', `Reading the file needs more than the ${memoryLimitMb} MB it may use. Split it into smaller files.`, { limit: `${memoryLimitMb} MB` })
          : new TableStreamError('workerFailed', `The file could not be read: ${error.message}`, { detail: error.message }),
    })
  })
  worker.on('exit', (code) => {
    if (!finished) push({ type: 'failure', error: new TableStreamError('workerFailed', `The file reader stopped unexpectedly (exit ${code}).`, { detail: `exit ${code}` }) })
  })
  const onAbort = () => push({ type: 'failure', error: new TableStreamError('aborted', 'Reading the file was stopped.') })
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    for (;;) {
      // the consumer is waiting on the reader: it must hand something over within silenceMs
      while (!queue.length) {
        let timer: NodeJS.Timeout | undefined
        const silent = await new Promise<boolean>((resolve) => {
          wake = () => resolve(false)
          timer = setTimeout(() => resolve(true), silenceMs)
        })
        clearTimeout(timer)
        if (silent && !queue.length) {
          const seconds = Math.round(silenceMs / 100) / 10
          push({ type: 'failure', error: new TableStreamError('malformed', `The file could not be read: the reader made no progress for ${seconds} s.`, { detail: `no progress for ${seconds} s` }) })
        }
      }
      wake = null
      const item = queue.shift()!
      if (item.type === 'failure') throw (item as { error: TableStreamError }).error
      if (item.type === 'error') {
        const failure = item as WorkerFailureMessage
        throw new TableStreamError(failure.code, failure.message, failure.params)
      }
      if (item.type === 'end') finished = true
      yield item as Exclude<M, { type: 'error' }>
      if (item.type === 'end') return
    }
  } finally {
    finished = true
    signal?.removeEventListener('abort', onAbort)
    await worker.terminate()
  }
}

export async function* streamTable(filePath: string, options: StreamTableOptions): AsyncGenerator<TableStreamEvent> {
  const memoryLimitMb = options.memoryLimitMb ?? DEFAULT_WORKER_MEMORY_MB
  const { signal, memoryLimitMb: _m, silenceMs, ...rest } = options
  signal?.throwIfAborted()
  const worker = new Worker(streamWorkerPath(), {
    workerData: { path: path.resolve(filePath), options: { ...rest, knownHeaders: [...options.knownHeaders], prefetch: options.prefetch ?? 2 } },
    resourceLimits: { maxOldGenerationSizeMb: memoryLimitMb, maxYoungGenerationSizeMb: 16, stackSizeMb: 4 },
    stdout: false,
    stderr: false,
  })
  for await (const item of workerMessages<WorkerMessage>(worker, { memoryLimitMb, signal, silenceMs })) {
    if (item.type !== 'rows') {
      yield item
      continue
    }
    yield { type: 'rows', rows: unpackRows(item.packed), bytesRead: item.bytesRead, totalBytes: item.totalBytes }
    // the consumer asked for more: the worker may read another batch
    worker.postMessage({ type: 'credit' })
  }
}

export type TablePreview = { head: TableHead; rows: TableRow[]; summary: TableSummary }

/** The header and the first rows of a file, for the mapping preview: a large file is not read to its end. */
export async function previewTableFile(filePath: string, options: StreamTableOptions & { previewRows: number }): Promise<TablePreview> {
  let head: TableHead | undefined
  const rows: TableRow[] = []
  for await (const event of streamTable(filePath, options)) {
    if (event.type === 'head') head = event.head
    else if (event.type === 'rows') rows.push(...event.rows)
    else return { head: head!, rows, summary: event.summary }
  }
  throw new TableStreamError('workerFailed', 'The file reader ended without a result.')
}
