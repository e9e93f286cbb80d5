import { fileLiteral } from '../file-literal'
import crypto from 'node:crypto'
import fs from 'node:fs'
import type { AnalyticsConnection } from '../duckdb'
import { analyticsLog, defineQuery, runQuery, runStatement } from '../query'
import { MARKET_PARQUET_VIEW } from './market-views'
import { SALES_PARQUET_VIEW } from './sales-views'
import type { PgSource } from './source'
import { ident } from './tables'

/**
 * The seam for the imported files (ADR 001, 013): each entry becomes a DuckDB view over
 * content-addressed Parquet files under DATA_DIR, whose registry is in Postgres. The views
 * are made when the copy is created or rebuilt, and again by any sync that finds the
 * registry changed (an import completed, in this process, another, or the command line).
 *
 * What every query would otherwise recompute from the files — the latest row of each key, e.g.
 * the current row of each sale — is a table the sync keeps (`latest`): made anew with the
 * views, and brought up to date, key by key, when files are added.
 */
export type ParquetView = {
  /** the view's name in DuckDB, e.g. `sale_rows` */
  name: string
  /** the Parquet files the view reads now (absolute paths under DATA_DIR), read from the registry in Postgres */
  files: (source: PgSource) => Promise<string[]> | string[]
  /** the view's columns when there are no files yet, e.g. `vin VARCHAR, sold_at TIMESTAMPTZ` */
  emptyColumns: string
  /** views over this one (name → SELECT), made after it */
  derived?: ReadonlyArray<{ name: string; sql: string }>
  /** tables of the latest row of each key of this view, kept by the sync */
  latest?: ReadonlyArray<LatestTable>
}

/**
 * A table holding, per `key`, the row of the view that sorts first by `order`, with `columns`:
 * what a `QUALIFY row_number() OVER (PARTITION BY key ORDER BY order) = 1` view gives, without
 * each reader paying for the window over every row of every file (~1.7 s for a group's 1M
 * sales at each page of the sales list).
 */
export type LatestTable = { name: string; key: readonly string[]; order: string; columns: readonly string[] }

export const PARQUET_VIEWS: ParquetView[] = [SALES_PARQUET_VIEW, MARKET_PARQUET_VIEW]

export type ResolvedParquetView = { view: ParquetView; files: string[] }

// DuckDB takes no bound parameters in a view's definition: a path goes in as an escaped literal
const pathLiteral = (file: string) => fileLiteral(file, '.parquet')

/** Each view with its files as the registry has them now. */
export async function resolveParquetViews(source: PgSource, views: readonly ParquetView[] = PARQUET_VIEWS): Promise<ResolvedParquetView[]> {
  const resolved: ResolvedParquetView[] = []
  for (const view of views) {
    const files = [...(await view.files(source))]
    // a registered file that is not there (a data directory restored without it, a disk
    // cleaned by hand) must not take every analytical answer down: the view reads the rest
    const present = files.filter((f) => fs.existsSync(f))
    if (present.length < files.length) analyticsLog('warn', 'registered Parquet files are missing', { view: view.name, missing: files.length - present.length })
    resolved.push({ view, files: present })
  }
  return resolved
}

/**
 * Changes with the views' definitions (not their files): the sync then makes the views and
 * their tables anew. Version 2: `latest` tables instead of the window views.
 */
export function parquetViewsSignature(resolved: readonly ResolvedParquetView[]) {
  const shape = ['2', ...resolved.map((r) => [r.view.name, r.view.emptyColumns, r.view.derived ?? [], r.view.latest ?? []])]
  return crypto.createHash('sha256').update(JSON.stringify(shape)).digest('hex').slice(0, 16)
}

/** Each view's files, each with what tells a file rewritten in place (an erasure) from the one it was: size, time and inode. */
export type ParquetFiles = Record<string, Record<string, string>>

export function parquetFiles(resolved: readonly ResolvedParquetView[]): ParquetFiles {
  const out: ParquetFiles = {}
  for (const { view, files } of resolved) {
    const stamps: Record<string, string> = {}
    for (const file of files) {
      try {
        const s = fs.statSync(file)
        stamps[file] = `${s.size}:${s.mtimeMs}:${s.ino}`
      } catch {
        stamps[file] = 'gone' // removed since it was resolved: read as changed, the next sync sees it gone
      }
    }
    out[view.name] = stamps
  }
  return out
}

/**
 * The file list as a view's definition takes it, its columns matched by name: a column added
 * to the format later (e.g. the sales' trade-in brand and model) reads as NULL from the files
 * written before it. A zero-row table of the declared columns when there is no file, so queries still bind. */
async function createView(c: AnalyticsConnection, { view, files }: ResolvedParquetView) {
  if (files.length) {
    const list = files.map(pathLiteral).join(', ')
    await runStatement(c, `views.create.${view.name}`, `CREATE OR REPLACE VIEW ${ident(view.name)} AS SELECT * FROM read_parquet([${list}], union_by_name = true)`)
  } else {
    const empty = ident(`_empty_${view.name}`)
    await runStatement(c, `views.empty.${view.name}`, `CREATE OR REPLACE TABLE ${empty} (${view.emptyColumns})`)
    await runStatement(c, `views.create.${view.name}`, `CREATE OR REPLACE VIEW ${ident(view.name)} AS SELECT * FROM ${empty}`)
  }
  for (const derived of view.derived ?? []) {
    await runStatement(c, `views.create.${derived.name}`, `CREATE OR REPLACE VIEW ${ident(derived.name)} AS ${derived.sql}`)
  }
}

const latestSql = (view: string, t: LatestTable, keysTable?: string) => {
  const on = t.key.map((k) => `x.${ident(k)} = v.${ident(k)}`).join(' AND ')
  return `SELECT ${t.columns.map(ident).join(', ')} FROM ${ident(view)} v${keysTable ? ` SEMI JOIN ${keysTable} x ON ${on}` : ''}
          QUALIFY row_number() OVER (PARTITION BY ${t.key.map((k) => `v.${ident(k)}`).join(', ')} ORDER BY ${t.order}) = 1`
}

const viewNamed = defineQuery<{ name: string }>()({
  name: 'views.is-view',
  sql: `SELECT count(*)::INTEGER AS n FROM duckdb_views() WHERE view_name = $name AND schema_name = 'main' AND NOT temporary`,
})

/** (Re)creates every registered view and its tables; called when the copy is created or rebuilt, and when the definitions changed. */
export async function registerParquetViews(c: AnalyticsConnection, resolved: readonly ResolvedParquetView[]) {
  for (const r of resolved) {
    await createView(c, r)
    for (const t of r.view.latest ?? []) {
      // a copy made before the table was kept has a view of that name (DROP TABLE would refuse it)
      const [row] = await runQuery(c, viewNamed, { name: t.name })
      if (Number(row?.n ?? 0) > 0) await runStatement(c, `views.drop.${t.name}`, `DROP VIEW ${ident(t.name)}`)
      await runStatement(c, `views.latest.${t.name}`, `CREATE OR REPLACE TABLE ${ident(t.name)} AS ${latestSql(r.view.name, t)}`)
    }
  }
}

/**
 * Brings the views up to date with a changed registry, inside the sync's transaction: the views
 * read the files listed now, and each `latest` table changes only the rows of keys whose latest
 * row changed; `onChanged` is given the table's name and a temporary table of those keys, for
 * what depends on the rows (matchback re-matches those sales).
 * When files were only added, the keys to look at are those of the new files: a key in no new
 * file keeps its rows, so its latest one. A file removed, or rewritten in place (an erasure
 * empties a buyer's identifiers), may have held any key's latest row: then every key is looked
 * at, and still only the rows that differ are replaced.
 */
export async function updateParquetViews(
  c: AnalyticsConnection,
  resolved: readonly ResolvedParquetView[],
  before: ParquetFiles,
  onChanged?: (table: string, keysTable: string) => Promise<void> | void,
): Promise<ParquetFiles> {
  const now = parquetFiles(resolved)
  for (const r of resolved) {
    const was = before[r.view.name] ?? {}
    const is = now[r.view.name] ?? {}
    const added = Object.keys(is).filter((f) => !(f in was))
    const replaced = Object.keys(was).some((f) => was[f] !== is[f])
    await createView(c, r)
    for (const t of r.view.latest ?? []) {
      const changed = '_latest_changed'
      const keys = t.key.map(ident).join(', ')
      const on = (a: string, b: string) => t.key.map((k) => `${a}.${ident(k)} = ${b}.${ident(k)}`).join(' AND ')
      let scope: string | undefined
      if (!replaced) {
        scope = '_latest_keys'
        const list = added.length ? `read_parquet([${added.map(pathLiteral).join(', ')}], union_by_name = true)` : `(SELECT ${keys} FROM ${ident(t.name)} LIMIT 0)`
        await runStatement(c, 'views.latest.keys', `CREATE OR REPLACE TEMP TABLE ${scope} AS SELECT DISTINCT ${keys} FROM ${list}`)
      }
      // the rows as they are now and as the table has them, for the keys looked at; what differs changed
      await runStatement(c, 'views.latest.rows', `CREATE OR REPLACE TEMP TABLE _latest_rows AS ${latestSql(r.view.name, t, scope)}`)
      const old = scope ? `(SELECT o.* FROM ${ident(t.name)} o SEMI JOIN ${scope} x ON ${on('x', 'o')})` : ident(t.name)
      await runStatement(
        c,
        'views.latest.changed',
        `CREATE OR REPLACE TEMP TABLE ${changed} AS
         SELECT DISTINCT ${keys} FROM ((SELECT * FROM _latest_rows EXCEPT SELECT * FROM ${old}) UNION ALL (SELECT * FROM ${old} EXCEPT SELECT * FROM _latest_rows))`,
      )
      await runStatement(c, `views.latest.delete.${t.name}`, `DELETE FROM ${ident(t.name)} o USING ${changed} x WHERE ${on('x', 'o')}`)
      await runStatement(c, `views.latest.insert.${t.name}`, `INSERT INTO ${ident(t.name)} SELECT n.* FROM _latest_rows n SEMI JOIN ${changed} x ON ${on('x', 'n')}`)
      await onChanged?.(t.name, changed)
      for (const temp of ['_latest_rows', changed, scope]) if (temp) await runStatement(c, 'views.latest.drop', `DROP TABLE IF EXISTS ${temp}`)
    }
  }
  return now
}
