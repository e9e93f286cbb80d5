import fs from 'node:fs'
import path from 'node:path'
import { BIGINT, BOOLEAN, DOUBLE, DuckDBConnection, DuckDBInstance, LIST, listValue, VARCHAR, type DuckDBType, type DuckDBValue } from '@duckdb/node-api'
import { readAnalyticsConfig } from './config'

/**
 * The only module that imports @duckdb/node-api (STYLE.md). One DuckDB instance per process
 * for the analytical file `DATA_DIR/analytics/analytics.duckdb` (docs/decisions/013-analytics-sync.md):
 * the background sync writes through one connection, every reader gets a connection of its
 * own, and DuckDB's MVCC lets those run side by side (a reader never waits for another
 * reader, nor for the writer). Time zone pinned to UTC: moments are stored and compared in
 * UTC; a question that needs a store's calendar converts explicitly.
 */

/** What a DuckDB query may be given: bound, never spliced into the SQL. */
export type SqlValue = string | number | bigint | boolean | null | SqlList
export type SqlList = { readonly kind: 'sql-list'; readonly items: readonly (string | number | bigint | boolean | null)[] }
export type SqlParams = Record<string, SqlValue>

/** A list bound as one parameter (`id IN (SELECT unnest($ids))`, `list_contains($ids, x)`). */
export function sqlList(items: readonly (string | number | bigint | boolean | null)[]): SqlList {
  return { kind: 'sql-list', items }
}

/** A connection handed to a reader or the sync; pass it to runQuery / runStatement (analytics/query.ts). */
export type AnalyticsConnection = { readonly conn: DuckDBConnection; readonly db: AnalyticsDb }

export type AnalyticsDbOptions = {
  /** a file path, or ':memory:' for tests of pure queries */
  path: string
  memoryLimit?: string
  threads?: number
}

/** Files this process has open: a second instance on one file would be a second writer. */
const openHere = new Set<string>()

export function isOpenInThisProcess(file: string) {
  return openHere.has(path.resolve(file))
}

// ---- generations: the live name is a link to the current file ------------------------
//
// DuckDB names its write-ahead log after the file it opened (`<file>.wal`) and replays
// whatever log it finds there on open, even one written for another file (checked with
// 1.5). A rebuild that renamed a new file over the old one could therefore get the old
// file's log replayed into it, had the server died before closing the old file. So every
// file is a generation with a name of its own (`analytics-<stamp>.duckdb`, its log
// `analytics-<stamp>.duckdb.wal`), and the live name `analytics.duckdb` is a symbolic link
// that a rebuild swaps with one atomic rename.

/** The file the live name points at now, or null when there is none yet. */
export function resolveLiveFile(live: string): string | null {
  try {
    return fs.realpathSync(live)
  } catch {
    return null
  }
}

export function newGenerationPath(live: string) {
  const stamp = `${Date.now().toString(36)}-${process.pid.toString(36)}`
  return path.join(path.dirname(live), `${path.basename(live, '.duckdb')}-${stamp}.duckdb`)
}

/** Points the live name at `target` atomically (a new link renamed over the old one). */
export function pointLiveAt(live: string, target: string) {
  const link = `${live}.link-${process.pid}`
  fs.rmSync(link, { force: true })
  fs.symlinkSync(path.basename(target), link)
  fs.renameSync(link, live)
}

/** Opens the file the live name points at, making a first generation when there is none. */
export async function openLive(live: string, options: Omit<AnalyticsDbOptions, 'path'> = {}): Promise<AnalyticsDb> {
  const current = resolveLiveFile(live)
  if (current) return AnalyticsDb.open({ ...options, path: current }, live)
  const first = newGenerationPath(live)
  const db = await AnalyticsDb.open({ ...options, path: first }, live)
  pointLiveAt(live, first)
  return db
}

export class AnalyticsDb {
  private active = 0
  private retired = false
  private closed = false
  private drainWaiters: Array<() => void> = []
  /** where an in-memory database spills; removed on close */
  private spillDir: string | null = null
  /** counts the commits that changed what this copy holds: a cached result names the one it was computed at */
  private version = 0

  private constructor(
    readonly path: string,
    /** the live name this file was opened through (null: opened by its own name, or in memory) */
    readonly live: string | null,
    /** the file's inode when opened: a rebuild that swaps a new file in changes the live name's */
    readonly inode: number | null,
    private readonly instance: DuckDBInstance,
  ) {}

  static async open(options: AnalyticsDbOptions, live: string | null = null): Promise<AnalyticsDb> {
    const inMemory = options.path === ':memory:'
    const file = inMemory ? options.path : path.resolve(options.path)
    if (!inMemory) {
      if (openHere.has(file)) throw new Error('This process already has the analytical file open')
      fs.mkdirSync(path.dirname(file), { recursive: true })
    }
    const config: Record<string, string> = {}
    // an in-memory database spills to disk past its memory limit: under the data directory,
    // never into the working directory (DuckDB's default, `.tmp`)
    const spillDir = inMemory ? path.join(readAnalyticsConfig().dir, 'tmp', `spill-${process.pid}-${++spills}`) : null
    if (spillDir) {
      fs.mkdirSync(spillDir, { recursive: true })
      config.temp_directory = spillDir
    }
    if (options.memoryLimit) config.memory_limit = options.memoryLimit
    if (options.threads) config.threads = String(options.threads)
    // memory DuckDB has freed goes back to the system soon (jemalloc, its allocator on Linux, keeps
    // up to 128 MB a thread otherwise, and purges only when a thread allocates again): the server's
    // resident memory follows what it uses (ADR 025)
    config.allocator_background_threads = 'true'
    config.allocator_flush_threshold = '32MB'
    const instance = await DuckDBInstance.create(file, config)
    const inode = inMemory ? null : fs.statSync(file).ino
    if (!inMemory) openHere.add(file)
    const db = new AnalyticsDb(file, live, inode, instance)
    db.spillDir = spillDir
    // TimeZone needs icu, which is loaded after start, so it cannot go in the config above
    const first = await instance.connect()
    try {
      await first.run("SET GLOBAL TimeZone = 'UTC'")
    } finally {
      first.closeSync()
    }
    return db
  }

  /** What the copy holds, as a number that changes whenever it does (analytics/result-cache.ts). */
  get dataVersion() {
    return this.version
  }

  /** Called after a commit that changed the copy (the sync): results computed before are stale. */
  dataChanged() {
    this.version++
  }

  /** A connection of its own for the duration of `fn`: readers run concurrently. */
  async withConnection<T>(fn: (c: AnalyticsConnection) => Promise<T>): Promise<T> {
    if (this.closed || this.retired) throw new Error('The analytical database was closed')
    this.active++
    let conn: DuckDBConnection | undefined
    try {
      conn = await this.instance.connect()
      await conn.run("SET TimeZone = 'UTC'")
      return await fn({ conn, db: this })
    } finally {
      conn?.closeSync()
      this.active--
      if (this.active === 0) for (const wake of this.drainWaiters.splice(0)) wake()
    }
  }

  /** Stops handing out connections, waits for those in use, then closes (DuckDB checkpoints on close). */
  async close() {
    this.retired = true
    if (this.active > 0) await new Promise<void>((resolve) => this.drainWaiters.push(resolve))
    if (this.closed) return
    this.closed = true
    this.instance.closeSync()
    openHere.delete(this.path)
    if (this.spillDir) fs.rmSync(this.spillDir, { recursive: true, force: true })
  }
}

let spills = 0

export function toDuckValue(value: SqlValue): DuckDBValue {
  if (value !== null && typeof value === 'object') return listValue([...value.items])
  return value
}

/**
 * A list's type, which DuckDB cannot infer from an empty list: from its first non-null item,
 * VARCHAR when there is none (the SQL casts it where it matters: `$ids::VARCHAR[]`).
 */
function listType(list: SqlList): DuckDBType {
  const first = list.items.find((item) => item !== null)
  if (typeof first === 'bigint') return LIST(BIGINT)
  if (typeof first === 'number') return LIST(DOUBLE)
  if (typeof first === 'boolean') return LIST(BOOLEAN)
  return LIST(VARCHAR)
}

function bound(params: SqlParams): { values?: Record<string, DuckDBValue>; types?: Record<string, DuckDBType | undefined> } {
  const entries = Object.entries(params)
  if (!entries.length) return {}
  const values: Record<string, DuckDBValue> = {}
  const types: Record<string, DuckDBType | undefined> = {}
  for (const [k, v] of entries) {
    values[k] = toDuckValue(v)
    types[k] = v !== null && typeof v === 'object' ? listType(v) : undefined
  }
  return { values, types }
}

/**
 * Runs one statement with bound parameters; the rows as plain JS values (BIGINT as bigint,
 * timestamps as Date). For analytics/query.ts only: everything else goes through its
 * runQuery / runStatement, which name, time and log each query.
 */
export async function execute(c: AnalyticsConnection, sql: string, params: SqlParams = {}) {
  const { values, types } = bound(params)
  const reader = await c.conn.runAndReadAll(sql, values, types)
  return { rows: reader.getRowObjectsJS() as Record<string, unknown>[], rowsChanged: reader.rowsChanged }
}

/**
 * Runs a query and yields its rows in DuckDB's chunks (2,048 rows), as plain JS values, so a
 * large result (a million-row Parquet file being imported) is never held whole. For
 * analytics/query.ts only (streamQuery).
 */
export async function* executeStream(c: AnalyticsConnection, sql: string, params: SqlParams = {}): AsyncGenerator<{ columns: string[]; rows: unknown[][] }> {
  const { values, types } = bound(params)
  const result = await c.conn.stream(sql, values, types)
  const columns = result.columnNames()
  for await (const rows of result.yieldRowsJs()) yield { columns, rows: rows as unknown[][] }
}

// ---- the process-wide database -------------------------------------------------------

let current: Promise<AnalyticsDb> | undefined
let opener: () => Promise<AnalyticsDb> = () => {
  const config = readAnalyticsConfig()
  return openLive(config.file, { memoryLimit: config.memoryLimit, threads: config.threads })
}

/** The process's analytical database, opened on first use. */
export function getAnalyticsDb(): Promise<AnalyticsDb> {
  current ??= opener().catch((error) => {
    current = undefined
    throw error
  })
  return current
}

/** Tests point the process at a temporary file or an in-memory database. */
export function setAnalyticsDbOpener(open: () => Promise<AnalyticsDb>) {
  opener = open
  current = undefined
}

/** A reader's connection on the process's database. */
export async function withAnalytics<T>(fn: (c: AnalyticsConnection) => Promise<T>): Promise<T> {
  return (await getAnalyticsDb()).withConnection(fn)
}

/**
 * `npm run analytics:rebuild` points the live name at a new file (on a Postgres server, with
 * the app running): when the live name no longer leads to the file this process opened,
 * the old instance is closed once its readers are done (DuckDB checkpoints it and removes
 * its log), the old file is deleted and the new one opened. Called by the sync before each
 * run. Returns true when it reopened.
 */
export async function reopenIfReplaced(): Promise<boolean> {
  if (!current) return false
  const db = await current
  if (db.inode === null || db.live === null) return false
  let inode: number
  try {
    inode = fs.statSync(db.live).ino
  } catch {
    return false // nothing there: keep what we have
  }
  if (inode === db.inode) return false
  const reopened = (async () => {
    await db.close()
    if (resolveLiveFile(db.live!) !== db.path) {
      fs.rmSync(db.path, { force: true })
      fs.rmSync(`${db.path}.wal`, { force: true })
    }
    return opener()
  })()
  current = reopened
  await reopened
  return true
}

export async function closeAnalyticsDb() {
  const db = current
  current = undefined
  if (db) await (await db).close()
}
