import type { AnalyticsConnection } from '../duckdb'
import { runStatement } from '../query'
import { ident } from './tables'

/**
 * The seam for the imported files (ADR 001, 013): each entry becomes a DuckDB view over
 * content-addressed Parquet files under DATA_DIR, made when the copy is created or
 * rebuilt. The sales import registers its views here (empty until then).
 */
export type ParquetView = {
  /** the view's name in DuckDB, e.g. `sale_records` */
  name: string
  /** the Parquet files the view reads now (absolute paths under DATA_DIR, named by their sha256) */
  files: () => Promise<string[]> | string[]
  /** the view's columns when there are no files yet, e.g. `vin VARCHAR, sold_at TIMESTAMPTZ` */
  emptyColumns: string
}

export const PARQUET_VIEWS: ParquetView[] = []

// DuckDB takes no bound parameters in a view's definition: a path is spliced in as a
// literal, so only paths made by the app (content hashes under DATA_DIR) are accepted
const SAFE_PATH = /^[A-Za-z0-9_./-]+\.parquet$/

function pathLiteral(file: string) {
  if (!SAFE_PATH.test(file)) throw new Error('Not an app-made Parquet path')
  return `'${file}'`
}

/** (Re)creates every registered view; called when the copy is created or rebuilt, and by the import when it adds a file. */
export async function registerParquetViews(c: AnalyticsConnection, views: readonly ParquetView[] = PARQUET_VIEWS) {
  for (const view of views) {
    const files = await view.files()
    if (files.length) {
      const list = files.map(pathLiteral).join(', ')
      await runStatement(c, `views.create.${view.name}`, `CREATE OR REPLACE VIEW ${ident(view.name)} AS SELECT * FROM read_parquet([${list}])`)
      continue
    }
    // no file yet: the view reads a zero-row table of the declared columns, so queries still bind
    const empty = ident(`_empty_${view.name}`)
    await runStatement(c, `views.empty.${view.name}`, `CREATE OR REPLACE TABLE ${empty} (${view.emptyColumns})`)
    await runStatement(c, `views.create.${view.name}`, `CREATE OR REPLACE VIEW ${ident(view.name)} AS SELECT * FROM ${empty}`)
  }
}
