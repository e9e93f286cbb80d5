import path from 'node:path'
import { readDbConfig } from '../../db/config'
import { SALE_ROW_COLUMNS, SALE_ROW_COLUMNS_SQL } from '../ingest/sales-parquet'
import type { ParquetView } from './parquet-views'
import type { PgSource } from './source'

/**
 * The imported sales in DuckDB (SPEC §4): `sale_rows` reads every Parquet file of a completed
 * sales import (files are immutable: a corrected re-export adds a file, it never rewrites
 * one); `sales` is the current row of each sale — per store and sale key (VIN, else order
 * number), the row of the latest import. The registry is the `imports` table in Postgres.
 */

/** The kept files of completed sales imports, oldest first (paths in the registry are relative to DATA_DIR). */
export async function registeredSalesFiles(source: PgSource, dataDir = readDbConfig().dataDir): Promise<string[]> {
  const rows = await source.query<{ parquet_path: string }>(
    `select parquet_path from imports where kind = 'sales' and status = 'done' and parquet_path is not null order by created_at, id`,
  )
  return rows.map((r) => path.resolve(dataDir, r.parquet_path))
}

const columns = SALE_ROW_COLUMNS.map(([name]) => name).join(', ')

export const SALES_PARQUET_VIEW: ParquetView = {
  name: 'sale_rows',
  files: (source) => registeredSalesFiles(source),
  emptyColumns: SALE_ROW_COLUMNS_SQL,
  derived: [
    {
      name: 'sales',
      sql: `SELECT ${columns} FROM sale_rows
            QUALIFY row_number() OVER (PARTITION BY store_id, sale_key ORDER BY imported_at DESC, import_id DESC) = 1`,
    },
  ],
}
