import { fileLiteral } from '../file-literal'
import type { AnalyticsConnection } from '../duckdb'
import { runQuery, runStatement, streamQuery, defineQuery } from '../query'
import type { Cell, TableRow } from './read-table'
import { STAGED_COLUMNS } from './sales-stage'

/**
 * The typed Parquet copy of a sales import (SPEC §0 data architecture, §4): one immutable
 * file per import under DATA_DIR/imports/sales/, written by DuckDB from the import's staged
 * rows and read by the `sale_rows` / `sales` views (analytics/sync/sales-views.ts).
 *
 * Personal data (PIPL): the file keeps the keyed phone hash, the masked phone and the name
 * key matchback compares — never the full phone or the full name. Erasure of a customer must
 * still reach these files: an erasure writes the affected files again with the buyer's
 * identifiers emptied (sales-erasure.ts, docs/decisions/008).
 */

/** Column name → DuckDB type, in file order. */
export const SALE_ROW_COLUMNS = [
  ['store_id', 'UUID'],
  ['import_id', 'UUID'],
  /** when the import started: the latest import's row of a sale is the current one */
  ['imported_at', 'TIMESTAMPTZ'],
  STAGED_COLUMNS[0],
  ['sale_key', 'VARCHAR'],
  // the rest as the import stages them
  ...STAGED_COLUMNS.slice(1),
] as const

export type SaleRowColumn = (typeof SALE_ROW_COLUMNS)[number][0]

/** `store_id UUID, import_id UUID, …`: the views' columns when no file is registered yet. */
export const SALE_ROW_COLUMNS_SQL = SALE_ROW_COLUMNS.map(([name, type]) => `${name} ${type}`).join(', ')

// COPY and read_csv take no bound file names: paths go in as escaped literals (analytics/file-literal.ts)
export { fileLiteral }

/** What every row of one import shares: added by the COPY, not staged. */
export type SalesImportMeta = { storeId: string; importId: string; importedAt: string }

/**
 * Writes the staged rows (sales-stage.ts: CSV, in file row order) as one typed Parquet file
 * (zstd). DuckDB reads and encodes the CSV on the connection's threads, each writing the row
 * groups it made as they are done: the file's rows are in blocks of the staged order, not in
 * that order, and nothing sorts them (a sort of a million rows was a third of this step, and
 * its memory; the row number stays with each row). The store, the import and its time are
 * bound parameters; the sale key is made here as saleKey() makes it (VIN, else order number). Row groups of 61,440 rows,
 * half DuckDB's default: each of its two threads holds one while it writes, and with the
 * default a million-row import's writing step alone added 300–420 MB to the process
 * (measured; ~210 MB with these), for a file 2% larger. zstd at level 1, not its default 3: on a
 * million staged rows a file of the same size (53 against 54 MiB), written in 1.2 s instead of 1.4
 * (snappy 1.2 s for 94 MiB).
 */
/**
 * read_csv's buffer: 4 MiB instead of its default of 32 MiB (16 × max_line_size). A staged
 * line is a few hundred bytes (no staged text is longer than 200 characters). Measured on a
 * million staged rows, one thread: the COPY's memory +86–97 MB instead of +143–164 MB, and
 * 3.2–4.0 CPU-s instead of 4.3–4.7.
 */
const CSV_BUFFER_BYTES = 4 * 2 ** 20

export async function writeSalesParquet(c: AnalyticsConnection, staged: string, target: string, meta: SalesImportMeta) {
  const columns = STAGED_COLUMNS.map(([name, type]) => `${name}: '${type}'`).join(', ')
  const select = SALE_ROW_COLUMNS.map(([name]) => {
    if (name === 'store_id') return '$storeId::UUID AS store_id'
    if (name === 'import_id') return '$importId::UUID AS import_id'
    if (name === 'imported_at') return '$importedAt::TIMESTAMPTZ AS imported_at'
    if (name === 'sale_key') return "CASE WHEN vin IS NOT NULL THEN 'vin:' || vin ELSE 'order:' || order_no END AS sale_key"
    return name
  }).join(', ')
  // rows in no set order: each thread writes the row groups it encoded as they are done. A sale
  // key is in an import once (the validator rejects a second), the staged row number stays with
  // its row, and every reader orders what it shows; keeping the file's order made two threads
  // slower than one (3.1 s against 2.9 s for a million rows; 1.6–1.9 s without it)
  // (a setting of the whole database: put back after the write, so that the connection's later
  // reads keep their order)
  await runStatement(c, 'sales.parquet.unordered', 'SET preserve_insertion_order = false')
  try {
    await runStatement(
      c,
      'sales.parquet.write',
      `COPY (SELECT ${select} FROM read_csv(${fileLiteral(staged)}, header = false, auto_detect = false, delim = ',', quote = '"', escape = '"',
               new_line = '\\n', allow_quoted_nulls = false, buffer_size = ${CSV_BUFFER_BYTES}, columns = {${columns}}))
       TO ${fileLiteral(target)} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE 61440)`,
      meta,
    )
  } finally {
    await runStatement(c, 'sales.parquet.ordered', 'RESET preserve_insertion_order')
  }
}

const countSupersededQuery = (fresh: string, earlier: string[]) =>
  defineQuery<{ storeId: string }>()({
    name: 'sales.superseded.count',
    sql: `SELECT count(DISTINCT n.sale_key)::INTEGER AS n FROM read_parquet(${fileLiteral(fresh)}) n
          WHERE n.sale_key IN (SELECT sale_key FROM read_parquet([${earlier.map((f) => fileLiteral(f)).join(', ')}], union_by_name = true) WHERE store_id = $storeId::UUID)`,
  })

/** How many sales of the store, in earlier imports' files, the new file's rows supersede (same key). */
export async function countSuperseded(c: AnalyticsConnection, fresh: string, earlier: string[], storeId: string): Promise<number> {
  if (!earlier.length) return 0
  const [row] = await runQuery(c, countSupersededQuery(fresh, earlier), { storeId })
  return Number(row?.n ?? 0)
}

/** A cell as the validator takes it: DuckDB's BIGINT and DECIMAL become numbers, DATE / TIMESTAMP Dates. */
function toCell(v: unknown): Cell {
  if (v === null || v === undefined) return null
  if (typeof v === 'bigint') return Number(v)
  if (v instanceof Date || typeof v !== 'object') return v as Cell
  return String(v)
}

/** A Parquet export's rows (the header is its column names; rows numbered from 2 as a spreadsheet would show them). */
export async function* readParquetTable(
  c: AnalyticsConnection,
  file: string,
  batchSize = 2_000,
): AsyncGenerator<{ type: 'head'; headers: string[]; totalRows: number } | { type: 'rows'; rows: TableRow[] }> {
  const [count] = await runQuery(c, defineQuery()({ name: 'sales.parquet.count', sql: `SELECT count(*)::BIGINT AS n FROM read_parquet(${fileLiteral(file)})` }), {})
  let headers: string[] | null = null
  let next = 2
  let batch: TableRow[] = []
  for await (const chunk of streamQuery(c, 'sales.parquet.read', `SELECT * FROM read_parquet(${fileLiteral(file)})`)) {
    if (!headers) {
      headers = chunk.columns
      yield { type: 'head', headers, totalRows: Number(count?.n ?? 0) }
    }
    for (const cells of chunk.rows) {
      batch.push({ rowNumber: next++, cells: cells.map(toCell) })
      if (batch.length >= batchSize) {
        yield { type: 'rows', rows: batch }
        batch = []
      }
    }
  }
  if (!headers) {
    const [described] = [await runQuery(c, defineQuery()({ name: 'sales.parquet.describe', sql: `DESCRIBE SELECT * FROM read_parquet(${fileLiteral(file)})` }), {})]
    yield { type: 'head', headers: described.map((r) => String(r.column_name)), totalRows: 0 }
  }
  if (batch.length) yield { type: 'rows', rows: batch }
}
