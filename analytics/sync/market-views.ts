import path from 'node:path'
import { readDbConfig } from '../../db/config'
import { MARKET_ROW_COLUMNS_SQL } from '../ingest/market-parquet'
import type { ParquetView } from './parquet-views'
import type { PgSource } from './source'

/**
 * The imported market data in DuckDB (SPEC §5; ADR 028): `market_rows` reads every Parquet
 * file of a completed market import (immutable: a corrected file adds a file, it never
 * rewrites one); `market_units` is the rows that count — per store, measure and month, only
 * those of the latest import that has that month. So a corrected file supersedes exactly the
 * months it holds, and an earlier file's other months still count; re-importing a file already
 * imported registers nothing. Market data is small (thousands of rows a month): a view, not a
 * table the sync keeps. The registry is the `imports` table in Postgres.
 */

/** The kept files of completed market imports, oldest first (paths in the registry are relative to DATA_DIR). */
export async function registeredMarketFiles(source: PgSource, dataDir = readDbConfig().dataDir): Promise<string[]> {
  const rows = await source.query<{ parquet_path: string }>(
    `select parquet_path from imports where kind = 'market' and status = 'done' and parquet_path is not null order by created_at, id`,
  )
  return rows.map((r) => path.resolve(dataDir, r.parquet_path))
}

export const MARKET_PARQUET_VIEW: ParquetView = {
  name: 'market_rows',
  files: (source) => registeredMarketFiles(source),
  emptyColumns: MARKET_ROW_COLUMNS_SQL,
  derived: [
    {
      name: 'market_units',
      sql: `SELECT * FROM market_rows
            QUALIFY dense_rank() OVER (PARTITION BY store_id, measure, month ORDER BY imported_at DESC, import_id DESC) = 1`,
    },
  ],
}
