import { fileLiteral } from '../file-literal'
import crypto from 'node:crypto'
import fs from 'node:fs'
import type { AnalyticsConnection } from '../duckdb'
import { analyticsLog, runStatement } from '../query'
import { SALES_PARQUET_VIEW } from './sales-views'
import type { PgSource } from './source'
import { ident } from './tables'

/**
 * The seam for the imported files (ADR 001, 013): each entry becomes a DuckDB view over
 * content-addressed Parquet files under DATA_DIR, whose registry is in Postgres. The views
 * are made when the copy is created or rebuilt, and again by any sync that finds the
 * registry changed (an import completed, in this process, another, or the command line).
 */
export type ParquetView = {
  /** the view's name in DuckDB, e.g. `sale_rows` */
  name: string
  /** the Parquet files the view reads now (absolute paths under DATA_DIR), read from the registry in Postgres */
  files: (source: PgSource) => Promise<string[]> | string[]
  /** the view's columns when there are no files yet, e.g. `vin VARCHAR, sold_at TIMESTAMPTZ` */
  emptyColumns: string
  /** views over this one (name → SELECT), made after it, e.g. the current row of each sale */
  derived?: ReadonlyArray<{ name: string; sql: string }>
}

export const PARQUET_VIEWS: ParquetView[] = [SALES_PARQUET_VIEW]

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

/** Changes when a registered file is added or removed: the sync then makes the views again. */
export function parquetViewsSignature(resolved: readonly ResolvedParquetView[]) {
  const shape = resolved.map((r) => [r.view.name, r.view.emptyColumns, r.view.derived ?? [], r.files])
  return crypto.createHash('sha256').update(JSON.stringify(shape)).digest('hex').slice(0, 16)
}

/** (Re)creates every registered view; called when the copy is created or rebuilt, and when the registry changed. */
export async function registerParquetViews(c: AnalyticsConnection, resolved: readonly ResolvedParquetView[]) {
  for (const { view, files } of resolved) {
    if (files.length) {
      const list = files.map(pathLiteral).join(', ')
      await runStatement(c, `views.create.${view.name}`, `CREATE OR REPLACE VIEW ${ident(view.name)} AS SELECT * FROM read_parquet([${list}])`)
    } else {
      // no file yet: the view reads a zero-row table of the declared columns, so queries still bind
      const empty = ident(`_empty_${view.name}`)
      await runStatement(c, `views.empty.${view.name}`, `CREATE OR REPLACE TABLE ${empty} (${view.emptyColumns})`)
      await runStatement(c, `views.create.${view.name}`, `CREATE OR REPLACE VIEW ${ident(view.name)} AS SELECT * FROM ${empty}`)
    }
    for (const derived of view.derived ?? []) {
      await runStatement(c, `views.create.${derived.name}`, `CREATE OR REPLACE VIEW ${ident(derived.name)} AS ${derived.sql}`)
    }
  }
}
