import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { sqlList, type AnalyticsConnection, type AnalyticsDb } from '../duckdb'
import { analyticsLog, runQuery, runStatement, defineQuery } from '../query'
import { beginMatchbackChanges, noteChangedSales, noteDeletions, noteStagedChanges, scopeChangedSales } from '../matchback/changes'
import { refreshSaleMatches, saleMatchesCurrent } from '../matchback/refresh'
import { parquetFiles, parquetViewsSignature, registerParquetViews, resolveParquetViews, updateParquetViews, type ParquetFiles } from './parquet-views'
import type { PgSource } from './source'
import { ident, SYNCED_TABLE_NAMES, SYNCED_TABLES, type TableSpec } from './tables'

/**
 * Incremental sync of the operational tables from Postgres into DuckDB
 * (docs/decisions/013-analytics-sync.md).
 *
 * Postgres stamps every written row with its transaction id (`sync_xid`) and logs every
 * deleted row in `sync_deletions` with the deleting transaction's id. A sync first reads
 * `pg_snapshot_xmin(pg_current_snapshot())`: every transaction below it has ended, so its
 * rows are visible to every later statement; every transaction still running or yet to
 * come has an id at or above it. The sync then copies the rows and deletions stamped at or
 * above the previous sync's xmin, and records the new xmin as the next watermark. Rows of
 * transactions in flight are read again next time; nothing is missed whatever the order in
 * which transactions commit. DuckDB gets the changes idempotently (delete by key, insert),
 * deletions first, all of one sync in one DuckDB transaction together with its watermark.
 */

/** `sync_deletions` rows older than this are pruned; a copy last synced longer ago is rebuilt in place. */
export const DELETION_LOG_RETENTION_DAYS = 30
const STALE_AFTER_MS = (DELETION_LOG_RETENTION_DAYS - 2) * 86_400_000

export type SyncOptions = {
  chunkRows: number
  /** where the CSV chunks are written (deleted after loading) */
  tmpDir: string
  /** tests: called between chunks, when no Postgres transaction of the sync is open */
  afterChunk?: (info: { table: string; rows: number }) => Promise<void> | void
}

export type SyncReport = {
  full: boolean
  watermark: string
  rows: number
  deleted: number
  tables: Record<string, number>
  ms: number
  /** the sales whose matches were recomputed: all, or how many (0: none) */
  matchback: 'all' | number
  /** the imported files' views and tables: made anew, brought up to date for changed files, or unchanged */
  parquet: 'made' | 'updated' | 'unchanged'
}

/** Changes when a table's columns change: the copy is then rebuilt in place. */
export const SPEC_HASH = crypto.createHash('sha256').update(JSON.stringify(SYNCED_TABLES)).digest('hex').slice(0, 16)

const readMeta = defineQuery()({ name: 'sync.meta.read', sql: 'SELECT key, value FROM _roadshow_meta' })

function createTableSql(t: TableSpec, name = t.name) {
  const cols = [`id ${t.keyType} NOT NULL`, ...t.columns.map((c) => `${ident(c.name)} ${c.type}`)]
  return `CREATE TABLE ${ident(name)} (${cols.join(', ')})`
}

async function recreateTables(c: AnalyticsConnection) {
  for (const t of SYNCED_TABLES) {
    await runStatement(c, `sync.drop.${t.name}`, `DROP TABLE IF EXISTS ${ident(t.name)}`)
    await runStatement(c, `sync.create.${t.name}`, createTableSql(t))
  }
  await runStatement(c, 'sync.meta.reset', 'DELETE FROM _roadshow_meta')
  await runStatement(c, 'sync.meta.write', 'INSERT INTO _roadshow_meta VALUES ($key, $value)', { key: 'spec_hash', value: SPEC_HASH })
}

type Meta = {
  watermark: string | null
  syncedAt: Date | null
  specHash: string | null
  source: string | null
  parquetViews: string | null
  parquetFiles: ParquetFiles | null
}

async function loadMeta(c: AnalyticsConnection): Promise<Meta> {
  await runStatement(c, 'sync.meta.create', 'CREATE TABLE IF NOT EXISTS _roadshow_meta (key VARCHAR PRIMARY KEY, value VARCHAR)')
  const rows = await runQuery(c, readMeta, {})
  const get = (k: string) => (rows.find((r) => r.key === k)?.value as string | undefined) ?? null
  const syncedAt = get('synced_at')
  const files = get('parquet_files')
  return {
    watermark: get('watermark'),
    syncedAt: syncedAt ? new Date(syncedAt) : null,
    specHash: get('spec_hash'),
    source: get('source'),
    parquetViews: get('parquet_views'),
    parquetFiles: files ? (JSON.parse(files) as ParquetFiles) : null,
  }
}

async function writeMeta(c: AnalyticsConnection, key: string, value: string) {
  await runStatement(c, 'sync.meta.write', 'INSERT OR REPLACE INTO _roadshow_meta VALUES ($key, $value)', { key, value })
}

/** The watermark and time of the last sync of this copy (null: never synced). */
export async function readSyncState(db: AnalyticsDb) {
  return db.withConnection(async (c) => {
    const meta = await loadMeta(c)
    return { watermark: meta.watermark, syncedAt: meta.syncedAt }
  })
}

function chunkSelect(t: TableSpec, first: boolean) {
  const cols = [...t.columns.map((c) => ident(c.name)), 'sync_xid', 'id'].join(', ')
  const keyCast = t.keyType === 'UUID' ? 'uuid' : 'bigint'
  const after = first
    ? ''
    : ` and (sync_xid, id) > (current_setting('roadshow.sync_after_xid')::xid8, current_setting('roadshow.sync_after_id')::${keyCast})`
  return (
    `select ${cols} from ${ident(t.name)} where sync_xid >= current_setting('roadshow.sync_from')::xid8${after} ` +
    `order by sync_xid, id limit current_setting('roadshow.sync_limit')::bigint`
  )
}

function readCsvSelect(t: TableSpec, cols: string) {
  const columns = [...t.columns.map((c) => `'${c.name}': '${c.type}'`), `'_sync_xid': 'UBIGINT'`, `'id': '${t.keyType}'`].join(', ')
  return (
    `SELECT ${cols} FROM read_csv($file, header = false, auto_detect = false, ` +
    `delim = ',', quote = '"', escape = '"', allow_quoted_nulls = false, columns = {${columns}})`
  )
}

/** The key of the chunk's last row: the last two fields of the file (numbers and uuids are never quoted). */
function lastKey(file: string): { xid: string; id: string } {
  const size = fs.statSync(file).size
  const fd = fs.openSync(file, 'r')
  try {
    const length = Math.min(size, 512)
    const buffer = Buffer.alloc(length)
    fs.readSync(fd, buffer, 0, length, size - length)
    const match = /,(\d+),([0-9a-fA-F-]+)\r?\n?$/.exec(buffer.toString('utf8'))
    if (!match) throw new Error('Cannot read the last key of a sync chunk')
    return { xid: match[1]!, id: match[2]! }
  } finally {
    fs.closeSync(fd)
  }
}

const countStage = defineQuery()({ name: 'sync.stage.count', sql: 'SELECT count(*)::BIGINT AS n FROM _sync_stage' })

/** Lines in the file: at least its number of records (a quoted field may hold a line break). */
function countLines(file: string) {
  const bytes = fs.readFileSync(file)
  let lines = 0
  for (let at = bytes.indexOf(10); at !== -1; at = bytes.indexOf(10, at + 1)) lines++
  return lines
}

type Fetched = { file: string; last: { xid: string; id: string } | null; full: boolean }

async function copyTable(c: AnalyticsConnection, source: PgSource, t: TableSpec, window: { from: string; to: string; fresh: boolean }, options: SyncOptions) {
  if (window.fresh && t.clusterBy) return copyTableClustered(c, source, t, window, options)
  return copyTableAs(c, source, t, t.name, window, options)
}

/**
 * A fresh copy of a table kept in an order (`clusterBy`): loaded as it comes into a scratch
 * table of the same shape, then written into the table in that order.
 */
async function copyTableClustered(c: AnalyticsConnection, source: PgSource, t: TableSpec, window: { from: string; to: string; fresh: boolean }, options: SyncOptions) {
  const scratch = `_sync_fresh_${t.name}`
  await runStatement(c, `sync.scratch.${t.name}`, `DROP TABLE IF EXISTS ${ident(scratch)}`)
  await runStatement(c, `sync.scratch.${t.name}`, createTableSql(t, scratch))
  const rows = await copyTableAs(c, source, t, scratch, window, options)
  await runStatement(c, `sync.cluster.${t.name}`, `INSERT INTO ${ident(t.name)} SELECT * FROM ${ident(scratch)} ORDER BY ${t.clusterBy}`)
  await runStatement(c, `sync.scratch.${t.name}`, `DROP TABLE ${ident(scratch)}`)
  return rows
}

async function copyTableAs(c: AnalyticsConnection, source: PgSource, t: TableSpec, into: string, window: { from: string; to: string; fresh: boolean }, options: SyncOptions) {
  const cols = ['id', ...t.columns.map((col) => ident(col.name))].join(', ')
  const fetch = async (chunk: number, after: { xid: string; id: string } | null): Promise<Fetched> => {
    const file = path.join(options.tmpDir, `sync-${process.pid}-${t.name}-${chunk}.csv`)
    const settings: Record<string, string> = {
      TimeZone: 'UTC',
      DateStyle: 'ISO, YMD',
      'roadshow.sync_from': window.from,
      'roadshow.sync_limit': String(options.chunkRows),
    }
    if (after) Object.assign(settings, { 'roadshow.sync_after_xid': after.xid, 'roadshow.sync_after_id': after.id })
    try {
      await source.copyToFile(chunkSelect(t, !after), settings, file)
      const empty = fs.statSync(file).size === 0
      return { file, last: empty ? null : lastKey(file), full: !empty && countLines(file) >= options.chunkRows }
    } catch (error) {
      fs.rmSync(file, { force: true })
      throw error
    }
  }
  let total = 0
  let next: Promise<Fetched> | null = fetch(0, null)
  for (let chunk = 0; next; chunk++) {
    const { file, last, full }: Fetched = await next
    // the next page is read from Postgres while DuckDB loads this one
    next = full && last ? fetch(chunk + 1, last) : null
    let rows = 0
    try {
      if (last && window.fresh && BigInt(last.xid) < BigInt(window.to)) {
        // a fresh table, and rows of transactions that had ended when the sync began: each
        // row comes exactly once (a later version would carry a later xid), so straight in
        rows = await runStatement(c, `sync.load.${t.name}`, `INSERT INTO ${ident(into)} (${cols}) ${readCsvSelect(t, cols)}`, { file })
      } else if (last) {
        await runStatement(c, `sync.stage.${t.name}`, `CREATE OR REPLACE TEMP TABLE _sync_stage AS ${readCsvSelect(t, '*')}`, { file })
        const [{ n }] = (await runQuery(c, countStage, {})) as [{ n: bigint }]
        rows = Number(n)
        // before the old versions are replaced: what of this page can change a match
        if (!window.fresh) await noteStagedChanges(c, t.name)
        await runStatement(c, `sync.replace.${t.name}`, `DELETE FROM ${ident(into)} WHERE id IN (SELECT id FROM _sync_stage)`)
        await runStatement(c, `sync.insert.${t.name}`, `INSERT INTO ${ident(into)} (${cols}) SELECT ${cols} FROM _sync_stage`)
      }
    } catch (error) {
      // let the page being read finish, and clean its file up, before giving up
      await next?.then((f) => fs.rmSync(f.file, { force: true })).catch(() => {})
      throw error
    } finally {
      fs.rmSync(file, { force: true })
    }
    total += rows
    if (options.afterChunk) {
      await next?.catch(() => {}) // no Postgres transaction of the sync is open while the hook runs
      await options.afterChunk({ table: t.name, rows })
    }
  }
  await runStatement(c, 'sync.stage.drop', 'DROP TABLE IF EXISTS _sync_stage')
  return total
}

type DeletionRow = { seq: string; table_name: string; row_id: string }

async function applyDeletions(c: AnalyticsConnection, source: PgSource, from: string, options: SyncOptions) {
  let last = '0'
  let total = 0
  for (;;) {
    const rows = await source.query<DeletionRow>(
      // ordered by the bigint id (an output column named id, as text, would sort "10" before "2")
      'select d.id::text as seq, d.table_name, d.row_id from sync_deletions d where d.xid >= $1::xid8 and d.id > $2::bigint order by d.id limit $3',
      [from, last, options.chunkRows],
    )
    const byTable = new Map<string, string[]>()
    for (const r of rows) {
      if (!SYNCED_TABLE_NAMES.has(r.table_name)) continue
      const list = byTable.get(r.table_name)
      if (list) list.push(r.row_id)
      else byTable.set(r.table_name, [r.row_id])
    }
    for (const t of SYNCED_TABLES) {
      const ids = byTable.get(t.name)
      if (!ids?.length) continue
      const selected = `SELECT CAST(x AS ${t.keyType}) FROM (SELECT unnest($ids) AS x)`
      await noteDeletions(c, t.name, selected, sqlList(ids))
      total += await runStatement(c, `sync.delete.${t.name}`, `DELETE FROM ${ident(t.name)} WHERE id IN (${selected})`, { ids: sqlList(ids) })
    }
    if (rows.length < options.chunkRows) break
    last = rows[rows.length - 1]!.seq
  }
  return total
}

/** The same files, each unchanged. */
function sameFiles(a: ParquetFiles, b: ParquetFiles) {
  const flat = (f: ParquetFiles) => JSON.stringify(Object.keys(f).sort().map((view) => [view, Object.entries(f[view]!).sort()]))
  return flat(a) === flat(b)
}

/** The synced tables with a row written at or after `from`. */
async function tablesChangedSince(source: PgSource, from: string) {
  const probes = SYNCED_TABLES.map((t) => `select '${t.name}' as t where exists (select 1 from ${ident(t.name)} where sync_xid >= $1::xid8)`)
  const rows = await source.query<{ t: string }>(probes.join(' union all '), [from])
  return new Set(rows.map((r) => r.t))
}

/** Chunk files a killed process left behind (a running sync deletes its own as it goes). */
function removeLeftovers(dir: string) {
  const cutoff = Date.now() - 3_600_000
  for (const name of fs.readdirSync(dir)) {
    if (!/^sync-\d+-.*\.csv$/.test(name)) continue
    const file = path.join(dir, name)
    try {
      if (fs.statSync(file).mtimeMs < cutoff) fs.rmSync(file, { force: true })
    } catch {
      // gone meanwhile
    }
  }
}

/**
 * Brings the copy up to date with Postgres. One sync at a time per copy (the scheduler in
 * ./scheduler.ts sees to that); readers keep reading meanwhile and see the whole sync at
 * once when it commits.
 */
export async function syncAnalytics(db: AnalyticsDb, source: PgSource, options: SyncOptions): Promise<SyncReport> {
  const started = performance.now()
  fs.mkdirSync(options.tmpDir, { recursive: true })
  removeLeftovers(options.tmpDir)
  const report = await db.withConnection(async (c) => {
    // which database this is: a copy made from another one (DATABASE_URL changed, the
    // database restored elsewhere) is rebuilt rather than continued
    const [{ xmin, identity }] = (await source.query<{ xmin: string; identity: string }>(
      `select pg_snapshot_xmin(pg_current_snapshot())::text as xmin,
              current_database() || '/' || (select oid from pg_database where datname = current_database())::text
                || '@' || coalesce(host(inet_server_addr()), 'local') || ':' || coalesce(inet_server_port()::text, '') as identity`,
    )) as [{ xmin: string; identity: string }]
    await runStatement(c, 'sync.begin', 'BEGIN TRANSACTION')
    try {
      const meta = await loadMeta(c)
      const stale = meta.syncedAt !== null && Date.now() - meta.syncedAt.getTime() > STALE_AFTER_MS
      // transaction ids only grow in one database: a watermark ahead of them means another one
      const rewound = meta.watermark !== null && BigInt(xmin) < BigInt(meta.watermark)
      const full = meta.watermark === null || meta.specHash !== SPEC_HASH || meta.source !== identity || stale || rewound
      if (full) await recreateTables(c)
      const from = full ? '0' : meta.watermark!
      if (!full) await beginMatchbackChanges(c)
      // deletions first: a row deleted and written again since (ids are never reused, but
      // should one be) is then copied back by the rows that follow
      const deleted = full ? 0 : await applyDeletions(c, source, from, options)
      // one cheap look (an index probe per table) instead of a COPY per table when little changed
      const changed = full ? null : await tablesChangedSince(source, from)
      const tables: Record<string, number> = {}
      let rows = 0
      for (const t of SYNCED_TABLES) {
        if (changed && !changed.has(t.name)) {
          tables[t.name] = 0
          continue
        }
        tables[t.name] = await copyTable(c, source, t, { from, to: xmin, fresh: full }, options)
        rows += tables[t.name]!
      }
      // the imported files' views and tables: made afresh with the copy or new definitions; when
      // the registry changed (an import completed here, in another process or on the command
      // line) or a file was rewritten (an erasure), the views read the files listed now and the
      // `sales` table changes the sales whose current row did, which matchback then re-matches
      const views = await resolveParquetViews(source)
      const signature = parquetViewsSignature(views)
      const files = parquetFiles(views)
      let parquet: SyncReport['parquet'] = 'unchanged'
      if (full || meta.parquetViews !== signature || !meta.parquetFiles) {
        await registerParquetViews(c, views)
        await writeMeta(c, 'parquet_views', signature)
        await writeMeta(c, 'parquet_files', JSON.stringify(files))
        parquet = 'made'
      } else if (!sameFiles(meta.parquetFiles, files)) {
        const now = await updateParquetViews(c, views, meta.parquetFiles, (table, keys) => (table === 'sales' ? noteChangedSales(c, keys) : undefined))
        await writeMeta(c, 'parquet_files', JSON.stringify(now))
        parquet = 'updated'
      }
      // the matches follow the leads, touches, reviews and sales in the same commit (ADR 017):
      // every sale's when the copy or the `sales` table is new (or the rules changed), else
      // those of the sales this sync's changes can re-match (analytics/matchback/changes.ts)
      let matchback: SyncReport['matchback'] = 'all'
      if (full || parquet === 'made' || !(await saleMatchesCurrent(c))) await refreshSaleMatches(c, 'all')
      else {
        const scope = await scopeChangedSales(c)
        matchback = scope.sales
        if (scope.recorded) await refreshSaleMatches(c, 'scoped')
      }
      await writeMeta(c, 'watermark', xmin)
      await writeMeta(c, 'source', identity)
      await writeMeta(c, 'synced_at', new Date().toISOString())
      await runStatement(c, 'sync.commit', 'COMMIT')
      return { full, watermark: xmin, rows, deleted, tables, matchback, parquet }
    } catch (error) {
      await runStatement(c, 'sync.rollback', 'ROLLBACK').catch(() => {})
      throw error
    }
  })
  // the deletion log needs keeping only as long as a copy may lag; best effort
  await source
    .query(`delete from sync_deletions where at < now() - make_interval(days => $1::int)`, [DELETION_LOG_RETENTION_DAYS])
    .catch((error) => analyticsLog('warn', 'analytics sync: pruning the deletion log failed', { error: (error as Error).name }))
  if (report.full || report.rows || report.deleted || report.parquet !== 'unchanged' || report.matchback) db.dataChanged()
  const ms = Math.round(performance.now() - started)
  analyticsLog(report.full ? 'info' : 'debug', 'analytics sync', { full: report.full, rows: report.rows, deleted: report.deleted, ms })
  return { ...report, ms }
}
