import { fileLiteral } from '../file-literal'
import type { AnalyticsConnection } from '../duckdb'
import { runQuery, runStatement, streamQuery, defineQuery } from '../query'
import type { Cell, TableRow } from './read-table'
import type { SaleRecord } from './sales-record'

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
  ['row_number', 'INTEGER'],
  ['sale_key', 'VARCHAR'],
  ['vin', 'VARCHAR'],
  ['order_no', 'VARCHAR'],
  ['invoice_date', 'DATE'],
  ['order_date', 'DATE'],
  ['delivery_date', 'DATE'],
  ['brand', 'VARCHAR'],
  ['series', 'VARCHAR'],
  ['model', 'VARCHAR'],
  ['trim', 'VARCHAR'],
  ['color', 'VARCHAR'],
  ['list_price_fen', 'BIGINT'],
  ['transaction_price_fen', 'BIGINT'],
  ['discount_fen', 'BIGINT'],
  ['gross_profit_fen', 'BIGINT'],
  ['accessories_revenue_fen', 'BIGINT'],
  ['finance_income_fen', 'BIGINT'],
  ['insurance_income_fen', 'BIGINT'],
  ['warranty_income_fen', 'BIGINT'],
  ['name_key', 'VARCHAR'],
  ['phone_hash', 'VARCHAR'],
  ['phone_masked', 'VARCHAR'],
  ['consultant', 'VARCHAR'],
  ['payment_method', 'VARCHAR'],
  ['trade_in', 'BOOLEAN'],
  ['source', 'VARCHAR'],
] as const

export type SaleRowColumn = (typeof SALE_ROW_COLUMNS)[number][0]

/** `store_id UUID, import_id UUID, …`: the views' columns when no file is registered yet. */
export const SALE_ROW_COLUMNS_SQL = SALE_ROW_COLUMNS.map(([name, type]) => `${name} ${type}`).join(', ')

/** One staged line (NDJSON) of the Parquet file: the record without the full phone and name. */
export function saleRowLine(
  meta: { storeId: string; importId: string; importedAt: string; rowNumber: number; saleKey: string; phoneHash: string | null },
  r: SaleRecord,
): string {
  return JSON.stringify({
    store_id: meta.storeId,
    import_id: meta.importId,
    imported_at: meta.importedAt,
    row_number: meta.rowNumber,
    sale_key: meta.saleKey,
    vin: r.vin,
    order_no: r.orderNo,
    invoice_date: r.invoiceDate,
    order_date: r.orderDate,
    delivery_date: r.deliveryDate,
    brand: r.brand,
    series: r.series,
    model: r.model,
    trim: r.trim,
    color: r.color,
    list_price_fen: r.listPriceFen,
    transaction_price_fen: r.transactionPriceFen,
    discount_fen: r.discountFen,
    gross_profit_fen: r.grossProfitFen,
    accessories_revenue_fen: r.accessoriesRevenueFen,
    finance_income_fen: r.financeIncomeFen,
    insurance_income_fen: r.insuranceIncomeFen,
    warranty_income_fen: r.warrantyIncomeFen,
    name_key: r.nameKey,
    phone_hash: meta.phoneHash,
    phone_masked: r.phoneMasked,
    consultant: r.consultant,
    payment_method: r.paymentMethod,
    trade_in: r.tradeIn,
    source: r.source,
  })
}

// COPY and read_json take no bound file names: paths go in as escaped literals (analytics/file-literal.ts)
export { fileLiteral }

/** Writes the staged NDJSON rows as one typed Parquet file (zstd), in file row order. */
export async function writeSalesParquet(c: AnalyticsConnection, staged: string, target: string) {
  const columns = SALE_ROW_COLUMNS.map(([name, type]) => `${name}: '${type}'`).join(', ')
  const select = SALE_ROW_COLUMNS.map(([name]) => name).join(', ')
  await runStatement(
    c,
    'sales.parquet.write',
    `COPY (SELECT ${select} FROM read_json(${fileLiteral(staged)}, format = 'newline_delimited', columns = {${columns}}) ORDER BY row_number)
     TO ${fileLiteral(target)} (FORMAT parquet, COMPRESSION zstd)`,
  )
}

const countSupersededQuery = (fresh: string, earlier: string[]) =>
  defineQuery<{ storeId: string }>()({
    name: 'sales.superseded.count',
    sql: `SELECT count(DISTINCT n.sale_key)::INTEGER AS n FROM read_parquet(${fileLiteral(fresh)}) n
          WHERE n.sale_key IN (SELECT sale_key FROM read_parquet([${earlier.map((f) => fileLiteral(f)).join(', ')}]) WHERE store_id = $storeId::UUID)`,
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
