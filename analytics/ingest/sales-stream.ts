import path from 'node:path'
import { Worker } from 'node:worker_threads'
import type { TableRow } from './read-table'
import type { SalesTextBatch } from './sales-text-batch'
import {
  DEFAULT_WORKER_MEMORY_MB,
  streamWorkerPath,
  unpackRows,
  workerMessages,
  type PackedRows,
  type StreamTableOptions,
  type TableHead,
  type TableSummary,
  type WorkerFailureMessage,
} from './stream-table'

export { textRow, type SalesTextBatch } from './sales-text-batch'

/**
 * The sales import's reader: stream-table.ts's worker (stream-worker.mjs) in its 'text'
 * packing. A CSV batch reaches the main thread as its text's UTF-16 code units, in a buffer
 * transferred rather than copied, and the offsets of its cells, instead of an array of
 * strings: cloning a million rows' 23 million cell strings into the main thread, and
 * collecting them there, cost the import more than validating them; cloning one string a
 * batch still cost ~0.85 s of the main thread's time for the file
 * (docs/decisions/015-sales-import.md). The sales validator reads the cells where they lie
 * (sales-validate.ts, validateText). An .xlsx still comes as rows.
 *
 * The worker's rules are stream-table.ts's — header search, title / blank / totals rows,
 * encodings, limits, errors — and so is the handling of the worker (workerMessages: memory
 * limit, failures, abort); only the credits differ, counted in shared memory here.
 */

export type SalesStreamOptions = StreamTableOptions & {
  /** the key of the phone hash (app/utils/phone-hash.server.ts): the reader's thread hashes phones with it once told the column */
  phoneHashKey?: Buffer
}

export type SalesStream = AsyncGenerator<SalesStreamEvent> & {
  /** has the reader's thread hash the phones of this column (0-based) from now on */
  hashPhones(column: number): void
}

export type SalesStreamEvent =
  | { type: 'head'; head: TableHead }
  | { type: 'rows'; rows: TableRow[]; bytesRead: number; totalBytes: number }
  | { type: 'text'; batch: SalesTextBatch; bytesRead: number; totalBytes: number }
  | { type: 'end'; summary: TableSummary }

type WorkerMessage =
  | { type: 'head'; head: TableHead }
  | { type: 'end'; summary: TableSummary }
  | { type: 'rows'; packed: PackedRows; bytesRead: number; totalBytes: number }
  | { type: 'text'; packed: SalesTextBatch; bytesRead: number; totalBytes: number }
  | WorkerFailureMessage

export function streamSalesTable(filePath: string, options: SalesStreamOptions): SalesStream {
  let worker: Worker | null = null
  let column = -1
  const hashPhones = (index: number) => {
    column = index
    worker?.postMessage({ type: 'hashColumn', column })
  }
  const events = read(filePath, options, (w) => {
    worker = w
    if (column >= 0) w.postMessage({ type: 'hashColumn', column })
  })
  return Object.assign(events, { hashPhones })
}

async function* read(filePath: string, options: SalesStreamOptions, started: (worker: Worker) => void): AsyncGenerator<SalesStreamEvent> {
  const memoryLimitMb = options.memoryLimitMb ?? DEFAULT_WORKER_MEMORY_MB
  const { signal, memoryLimitMb: _m, phoneHashKey, silenceMs, ...rest } = options
  signal?.throwIfAborted()
  // credits in shared memory (see stream-worker.mjs, send): the worker may read ahead `prefetch` batches
  const credits = new Int32Array(new SharedArrayBuffer(4))
  credits[0] = options.prefetch ?? 2
  const worker = new Worker(streamWorkerPath(), {
    workerData: {
      path: path.resolve(filePath),
      // 4,000 rows a batch at most; a batch also ends with each 256 KB the worker decodes
      options: {
        batchSize: 4000,
        ...rest,
        knownHeaders: [...options.knownHeaders],
        prefetch: options.prefetch ?? 2,
        packing: 'text',
        credits: credits.buffer,
        // a key longer than a block would be hashed first (RFC 2104): such a key stays with the main thread
        phoneHashKey: phoneHashKey && phoneHashKey.length <= 64 ? new Uint8Array(phoneHashKey) : undefined,
      },
    },
    resourceLimits: { maxOldGenerationSizeMb: memoryLimitMb, maxYoungGenerationSizeMb: 16, stackSizeMb: 4 },
    stdout: false,
    stderr: false,
  })
  started(worker)
  for await (const item of workerMessages<WorkerMessage>(worker, { memoryLimitMb, signal, silenceMs })) {
    if (item.type === 'head' || item.type === 'end') {
      yield item
      continue
    }
    if (item.type === 'text') yield { type: 'text', batch: item.packed, bytesRead: item.bytesRead, totalBytes: item.totalBytes }
    else yield { type: 'rows', rows: unpackRows(item.packed), bytesRead: item.bytesRead, totalBytes: item.totalBytes }
    // the consumer asked for more: the worker may read another batch
    Atomics.add(credits, 0, 1)
    Atomics.notify(credits, 0)
  }
}
