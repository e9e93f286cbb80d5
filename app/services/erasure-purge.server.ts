import fs from 'node:fs'
import { sql } from 'drizzle-orm'
import { z } from 'zod'
import { rowsOf, type DbHandle } from '../../db/client'
import { readAnalyticsConfig, chunkRowsFor } from '../../analytics/config'
import { getAnalyticsDb, isOpenInThisProcess, resolveLiveFile } from '../../analytics/duckdb'
import { copyLiveRowsToNewGeneration } from '../../analytics/ingest/sales-erasure'
import { rebuildAnalytics } from '../../analytics/sync/rebuild'
import { pgSource } from '../../analytics/sync/source'
import { syncAnalyticsNow } from './analytics.server'

/**
 * The last step of an erasure (SPEC §8, PIPL; docs/decisions/008): a deleted or overwritten
 * row is gone for every query at once, but its bytes stay where the database kept them —
 * a dead row version in its table's pages and indexes, the planner's sample of the column,
 * the write-ahead log, and in DuckDB the blocks the old version was in. Each is found by
 * scanning the data directory byte by byte (test/erasure-data-dir.test.ts); what removes them:
 *
 * - The embedded database (PGlite, DATA_DIR/pg): the tables that held the person's name,
 *   number or notes about them are rewritten (VACUUM FULL: new files of the live rows, the
 *   old ones deleted; a plain VACUUM leaves the dead rows' bytes in the pages' free space),
 *   statistics that sampled them are taken again and their catalog rewritten, and the
 *   write-ahead log is moved on to new, zeroed segments while the old ones are deleted
 *   rather than recycled (a recycled segment keeps its old contents).
 * - A Postgres server: the same tables are vacuumed (dead versions and their index entries
 *   removed, their space free for reuse) and analysed. Their bytes stay in the server's free
 *   space and WAL until overwritten, and in its archives, replicas and backups: the server's
 *   files are not the app's to rewrite (a VACUUM FULL would lock the leads for every
 *   request); ADR 008 says what an operator does about them.
 * - The analytical copy (DuckDB): synced, then its live rows copied into a new generation
 *   file, the live name pointed at it and the old file deleted (DuckDB keeps freed blocks'
 *   contents, and has no statement that rewrites a file in place).
 */

/** Tables whose erased rows carried the person's name, number or free text about them. */
export const PERSONAL_TABLES = ['leads', 'lead_import_undo', 'lead_events', 'showroom_visits', 'audit_log'] as const
/**
 * The other tables an erasure deletes from or updates: their rows carry no name or number
 * by design (ids, pseudonymous visitor keys, page addresses, campaign parameters), and they
 * are the largest (touches, page views): vacuumed on a server, where a VACUUM holds no one.
 */
export const OTHER_TOUCHED_TABLES = ['touchpoints', 'visitors', 'web_events', 'import_rows', 'sale_match_reviews'] as const

export type DatabasePurge = 'rewritten' | 'vacuumed'
export type AnalyticsPurge = 'copied' | 'rebuilt' | 'none'
export type PurgeResult = { database: DatabasePurge; analytics: AnalyticsPurge }

const list = (tables: readonly string[]) => sql.raw(tables.map((t) => `"${t}"`).join(', '))

const StatsRow = z.object({ analysed: z.array(z.string()).nullable() })
const WalRow = z.object({ name: z.string() })
const CurrentWalRow = z.object({ name: z.string() })

/** WAL segment names: 24 hex digits (timeline, log, segment), which sort as they follow one another. */
const SEGMENT = /^[0-9A-F]{24}$/

async function analysedTables(handle: DbHandle, tables: readonly string[]) {
  const [row] = rowsOf<unknown>(
    await handle.db.execute(sql`
      select array_agg(distinct c.relname::text) as analysed
      from pg_statistic s join pg_class c on c.oid = s.starelid join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relname in (${sql.join(
        tables.map((t) => sql`${t}`),
        sql`, `,
      )})`),
  )
  return StatsRow.parse(row).analysed ?? []
}

/**
 * Moves the embedded database's WAL on to segments made after this call, zero-filled, and
 * deletes every earlier one: they hold the rows as they were written (the person's included),
 * and a segment Postgres recycles is renamed, not cleared. With `wal_recycle` off a
 * checkpoint deletes the segments before its redo point; segments recycled earlier for
 * later use are gone through one by one (a switch each) until the log is past them all.
 */
async function renewPgliteWal(handle: DbHandle) {
  const db = handle.db
  const segments = async () =>
    rowsOf<unknown>(await db.execute(sql`select name from pg_ls_waldir()`))
      .map((r) => WalRow.parse(r).name)
      .filter((n) => SEGMENT.test(n))
      .sort()
  const current = async () => CurrentWalRow.parse(rowsOf<unknown>(await db.execute(sql`select pg_walfile_name(pg_current_wal_lsn()) as name`))[0]).name
  await db.execute(sql`set wal_recycle = off`)
  try {
    // listed once nothing is recycled any more: a segment named after these is a new file
    const before = await segments()
    const last = before.at(-1) ?? ''
    for (let i = 0; i <= before.length + 1 && (await current()) <= last; i++) {
      // a checkpoint writes a record, so the switch always has something to close
      await db.execute(sql`checkpoint`)
      await db.execute(sql`select pg_switch_wal()`)
    }
    await db.execute(sql`checkpoint`)
    const left = (await segments()).filter((s) => s <= last)
    if (left.length) throw new Error(`The write-ahead log kept ${left.length} segments written before the erasure`)
  } finally {
    await db.execute(sql`reset wal_recycle`)
  }
}

/** Removes the erased rows' remains from the database (see above). Safe to run again. */
export async function purgeDatabase(handle: DbHandle): Promise<DatabasePurge> {
  const db = handle.db
  // planner statistics sample column values (npm run gen, a server's autovacuum take them):
  // taken again, the sample holds only rows that exist
  const analysed = await analysedTables(handle, PERSONAL_TABLES)
  if (handle.kind === 'pglite') {
    // PGlite is one connection: whatever runs here holds every request meanwhile, so the large
    // tables whose rows hold no name or number are left to reuse their pages (ADR 008)
    await db.execute(sql`vacuum full ${list(PERSONAL_TABLES)}`)
    if (analysed.length) {
      await db.execute(sql`analyze ${list(analysed)}`)
      await db.execute(sql`vacuum full pg_catalog.pg_statistic`)
    }
    await renewPgliteWal(handle)
    return 'rewritten'
  }
  // index_cleanup on: a VACUUM that finds few dead rows may otherwise leave their index entries (the masked number's among them)
  await db.execute(sql`vacuum (index_cleanup on) ${list([...PERSONAL_TABLES, ...OTHER_TOUCHED_TABLES])}`)
  if (analysed.length) {
    await db.execute(sql`analyze ${list(analysed)}`)
    // the catalog's owner (a superuser) may vacuum it; another role gets a warning, not an error
    await db.execute(sql`vacuum pg_catalog.pg_statistic`)
  }
  return 'vacuumed'
}

/**
 * The analytical copy drops the person at its next sync; their bytes stay in the file's freed
 * blocks until the file is replaced. When this process holds the copy (the server: the job
 * runner and the sync run side by side), it is synced, its live rows copied into a new
 * generation file, and the sync reopens on that one and deletes the old. When the copy is
 * not open here, it is rebuilt from Postgres (a process holding it switches to the new one
 * at its next sync and deletes the old). No copy, nothing to do.
 */
export async function purgeAnalytics(handle: DbHandle): Promise<AnalyticsPurge> {
  const config = readAnalyticsConfig()
  const current = resolveLiveFile(config.file)
  if (!current || !fs.existsSync(current)) return 'none'
  if (isOpenInThisProcess(current)) {
    await syncAnalyticsNow()
    await copyLiveRowsToNewGeneration(await getAnalyticsDb(), config.file)
    // the sync reopens on the new file before it runs, and deletes the old one
    await syncAnalyticsNow()
    // still there: this process did not open it through the live name and will not let go (the job fails, and is retried)
    if (fs.existsSync(current)) throw new Error('The analytical copy made before the erasure is still in use')
    return 'copied'
  }
  await rebuildAnalytics(pgSource(handle), {
    file: config.file,
    chunkRows: chunkRowsFor(handle.kind, config.chunkRows),
    memoryLimit: config.memoryLimit,
    threads: config.threads,
  })
  return 'rebuilt'
}
