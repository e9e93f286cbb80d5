import { fileLiteral } from '../file-literal'
import type { AnalyticsConnection } from '../duckdb'
import { runStatement } from '../query'
import type { MarketMeasure, MarketRecord } from './market-record'

/**
 * The typed Parquet copy of a market-data import (SPEC §0 data architecture, §5): one
 * immutable file per import under DATA_DIR/imports/market/, written by DuckDB from the
 * import's staged rows and read by the `market_rows` / `market_units` views
 * (analytics/sync/market-views.ts). Market data names brands, models and places, never a
 * person: nothing in it is personal data.
 */

/** Column name → DuckDB type, in file order: the columns of the `market_rows` view. */
export const MARKET_ROW_COLUMNS = [
  ['store_id', 'VARCHAR'],
  ['import_id', 'VARCHAR'],
  /** when the import started: per store, measure and month, the latest import's rows count */
  ['imported_at', 'TIMESTAMPTZ'],
  ['row_number', 'INTEGER'],
  /** 'registrations' (上险数) or 'sales' (销量) */
  ['measure', 'VARCHAR'],
  /** the first day of the month */
  ['month', 'DATE'],
  ['province', 'VARCHAR'],
  ['city', 'VARCHAR'],
  ['brand', 'VARCHAR'],
  ['model', 'VARCHAR'],
  ['units', 'BIGINT'],
] as const

/** `store_id VARCHAR, import_id VARCHAR, …`: the view's columns when no file is registered yet. */
export const MARKET_ROW_COLUMNS_SQL = MARKET_ROW_COLUMNS.map(([name, type]) => `${name} ${type}`).join(', ')

/** The staged columns, in line order: the rows' own values (the import's constants are added by the COPY). */
const STAGED = [
  ['row_number', 'INTEGER'],
  ['month', 'DATE'],
  ['province', 'VARCHAR'],
  ['city', 'VARCHAR'],
  ['brand', 'VARCHAR'],
  ['model', 'VARCHAR'],
  ['units', 'BIGINT'],
] as const

const quoted = (s: string | null) => (s === null ? '' : `"${s.replace(/"/g, '""')}"`)

/**
 * A record as one line of the staged CSV (UTF-8): strings always quoted, NULL an empty field.
 * No staged string holds a line break or is empty (the validator's text is trimmed, its white
 * space one space), so DuckDB reads the file without ambiguity.
 */
export function stageMarketLine(rowNumber: number, r: MarketRecord) {
  return `${rowNumber},${r.month},${quoted(r.province)},${quoted(r.city)},${quoted(r.brand)},${quoted(r.model)},${r.units}\n`
}

export type MarketImportMeta = { storeId: string; importId: string; importedAt: string; measure: MarketMeasure }

/** Writes the staged rows as one typed Parquet file (zstd), in file order; the import's constants are bound parameters. */
export async function writeMarketParquet(c: AnalyticsConnection, staged: string, target: string, meta: MarketImportMeta) {
  const columns = STAGED.map(([name, type]) => `${name}: '${type}'`).join(', ')
  const select = MARKET_ROW_COLUMNS.map(([name, type]) => {
    if (name === 'store_id') return '$storeId::VARCHAR AS store_id'
    if (name === 'import_id') return '$importId::VARCHAR AS import_id'
    if (name === 'imported_at') return '$importedAt::TIMESTAMPTZ AS imported_at'
    if (name === 'measure') return '$measure::VARCHAR AS measure'
    return `CAST(${name} AS ${type}) AS ${name}`
  }).join(', ')
  // COPY and read_csv take no bound file names: paths go in as escaped literals (analytics/file-literal.ts)
  await runStatement(
    c,
    'market.parquet.write',
    `COPY (SELECT ${select} FROM read_csv(${fileLiteral(staged)}, header = false, auto_detect = false, delim = ',', quote = '"', escape = '"',
             new_line = '\\n', allow_quoted_nulls = false, columns = {${columns}}))
     TO ${fileLiteral(target)} (FORMAT parquet, COMPRESSION zstd)`,
    meta,
  )
}
