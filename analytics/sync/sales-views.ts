import path from 'node:path'
import { readDbConfig } from '../../db/config'
import { SALE_ROW_COLUMNS, SALE_ROW_COLUMNS_SQL } from '../ingest/sales-parquet'
import type { ParquetView } from './parquet-views'
import type { PgSource } from './source'

/**
 * The imported sales in DuckDB (SPEC §4): `sale_rows` reads every Parquet file of a completed
 * sales import (files are immutable: a corrected re-export adds a file, it never rewrites
 * one — only an erasure does, emptying a buyer's identifiers); `sales` is the current row of
 * each sale — per store and sale key (VIN, else order number), the row of the latest import.
 * `sales` is a table the sync keeps (./parquet-views.ts): every reader of the sales list,
 * matchback and the review list reads it instead of sorting every file's rows again. The
 * registry is the `imports` table in Postgres.
 */

/** The kept files of completed sales imports, oldest first (paths in the registry are relative to DATA_DIR). */
export async function registeredSalesFiles(source: PgSource, dataDir = readDbConfig().dataDir): Promise<string[]> {
  const rows = await source.query<{ parquet_path: string }>(
    `select parquet_path from imports where kind = 'sales' and status = 'done' and parquet_path is not null order by created_at, id`,
  )
  return rows.map((r) => path.resolve(dataDir, r.parquet_path))
}

export const SALES_PARQUET_VIEW: ParquetView = {
  name: 'sale_rows',
  files: (source) => registeredSalesFiles(source),
  emptyColumns: SALE_ROW_COLUMNS_SQL,
  latest: [{ name: 'sales', key: ['store_id', 'sale_key'], order: 'imported_at DESC, import_id DESC', columns: SALE_ROW_COLUMNS.map(([name]) => name) }],
}
