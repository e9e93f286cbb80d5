import { z } from 'zod'
import { sqlList, type SqlParams } from '../duckdb'
import { defineQuery } from '../query'

/**
 * The imported sales of some stores (SPEC §4, §6): the current row of each sale (the
 * `sales` table the sync keeps: per store and sale key, the latest import's row — kept rather
 * than a view, so that a page does not sort every imported row again), filtered, sorted and
 * paged on the server. A sale's day is its invoice date, else its order date: both are DATE
 * columns, the store's own calendar days, so a month filter is a plain day range.
 *
 * Each sale carries its matchback status (matched / to review / unmatched) from the
 * `sale_matches` table the sync keeps (analytics/matchback, ADR 017): the list reads
 * `sales LEFT JOIN sale_matches`.
 */

export const SALES_SORTS = ['date', 'model', 'consultant', 'price', 'profit', 'store'] as const
export type SalesSort = (typeof SALES_SORTS)[number]

export type SalesListFilter = {
  storeIds: readonly string[]
  /** first day of the month and first day of the next, `YYYY-MM-DD` */
  from: string | null
  to: string | null
  /** a series or model name, exactly as the export writes it */
  model: string | null
  consultant: string | null
  /** matched / review / unmatched */
  match: string | null
}

export type SalesListParams = SalesListFilter & {
  sort: SalesSort
  dir: 'asc' | 'desc'
  limit: number
  offset: number
}

const ORDER: Record<SalesSort, string> = {
  date: 'sale_date',
  model: 'coalesce(series, model)',
  consultant: 'consultant',
  price: 'transaction_price_fen',
  profit: 'gross_profit_fen',
  store: 'store_id',
}

/*
 * The rows the list reads from: the current sales, each with its match (none: unmatched).
 * Joining every sale to its match before sorting or counting costs most of the query at a
 * group's million sales (~1.5 s, against ~0.2 s for the sales alone), and the values are bound
 * parameters: the plan cannot leave the join out when no match status is asked for. So each
 * query has two branches, of which the other's parameters empty one at the first filter:
 * `unfiltered` sorts or counts the sales alone (no status asked), `by_status` joins first and
 * keeps the status asked for; the page's matches are joined to its rows only.
 */
const MATCHES = '(SELECT store_id AS m_store, sale_key AS m_key, status, lead_id, rule, confidence FROM sale_matches)'
const MATCH_JOIN = (rows: string) => `LEFT JOIN ${MATCHES} m ON m.m_store = ${rows}.store_id AND m.m_key = ${rows}.sale_key`

const WHERE = [
  `list_contains($storeIds::UUID[], store_id)`,
  `($from::DATE IS NULL OR sale_date >= $from::DATE)`,
  `($to::DATE IS NULL OR sale_date < $to::DATE)`,
  `($model::VARCHAR IS NULL OR series = $model OR model = $model)`,
  `($consultant::VARCHAR IS NULL OR consultant = $consultant)`,
].join('\n      AND ')

const listed = `
  listed AS (SELECT s.*, coalesce(s.invoice_date, s.order_date, s.delivery_date) AS sale_date FROM sales s),
  with_status AS (
    SELECT l.*, coalesce(m.status, 'unmatched') AS match_status
    FROM listed l ${MATCH_JOIN('l')}
    WHERE $match::VARCHAR IS NOT NULL
  )`

const filterParams = (f: SalesListFilter): SqlParams => ({
  storeIds: sqlList(f.storeIds),
  from: f.from,
  to: f.to,
  model: f.model,
  consultant: f.consultant,
  match: f.match,
})

const day = z.preprocess((v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v), z.string().nullable())
const fen = z.preprocess((v) => (typeof v === 'bigint' ? Number(v) : v), z.number().int().nullable())

export const SaleListRowSchema = z.object({
  store_id: z.string(),
  import_id: z.string(),
  sale_key: z.string(),
  vin: z.string().nullable(),
  order_no: z.string().nullable(),
  invoice_date: day,
  order_date: day,
  delivery_date: day,
  brand: z.string().nullable(),
  series: z.string().nullable(),
  model: z.string().nullable(),
  trim: z.string().nullable(),
  color: z.string().nullable(),
  list_price_fen: fen,
  transaction_price_fen: fen,
  gross_profit_fen: fen,
  phone_masked: z.string().nullable(),
  consultant: z.string().nullable(),
  payment_method: z.string().nullable(),
  trade_in: z.boolean().nullable(),
  match_status: z.enum(['matched', 'review', 'unmatched']),
  match_lead_id: z.string().nullable(),
  match_rule: z.enum(['reviewed', 'phone', 'masked_phone_name']).nullable(),
  match_confidence: z.number().nullable(),
})
export type SaleListRow = z.infer<typeof SaleListRowSchema>

function listSql(sort: SalesSort, dir: 'asc' | 'desc') {
  // the sort column comes from the fixed table above, never from the request
  const direction = dir === 'asc' ? 'ASC' : 'DESC'
  const order = `ORDER BY ${ORDER[sort]} ${direction} NULLS LAST, sale_key ${direction}, store_id`
  return `
    WITH ${listed},
    unfiltered AS (
      SELECT * FROM listed WHERE $match::VARCHAR IS NULL AND ${WHERE}
      ${order} LIMIT $limit OFFSET $offset
    ),
    by_status AS (
      SELECT * EXCLUDE (match_status) FROM with_status WHERE match_status = $match AND ${WHERE}
      ${order} LIMIT $limit OFFSET $offset
    ),
    page AS (SELECT * FROM unfiltered UNION ALL SELECT * FROM by_status)
    SELECT store_id::VARCHAR AS store_id, import_id::VARCHAR AS import_id, sale_key, vin, order_no,
           invoice_date, order_date, delivery_date, brand, series, model, trim, color,
           list_price_fen, transaction_price_fen, gross_profit_fen,
           phone_masked, consultant, payment_method, trade_in,
           coalesce(m.status, 'unmatched') AS match_status, m.lead_id::VARCHAR AS match_lead_id, m.rule AS match_rule, m.confidence AS match_confidence
    FROM page p ${MATCH_JOIN('p')}
    ${order}`
}

const listQueries = new Map<string, ReturnType<typeof makeListQuery>>()
function makeListQuery(sort: SalesSort, dir: 'asc' | 'desc') {
  return defineQuery<SqlParams>()({ name: `sales.list.${sort}.${dir}`, sql: listSql(sort, dir), row: SaleListRowSchema })
}

/** The page of sales: one named query per sort order. */
export function salesListQuery(sort: SalesSort, dir: 'asc' | 'desc') {
  const key = `${sort}.${dir}`
  let query = listQueries.get(key)
  if (!query) listQueries.set(key, (query = makeListQuery(sort, dir)))
  return query
}

export function salesListParams(p: SalesListParams): SqlParams {
  return { ...filterParams(p), limit: p.limit, offset: p.offset }
}

/** How many sales the filter finds, and their revenue and gross profit. */
export const salesListTotals = defineQuery<SqlParams>()({
  name: 'sales.list.totals',
  sql: `
    WITH ${listed},
    counted AS (
      SELECT count(*) AS sales, sum(transaction_price_fen) AS revenue_fen, sum(gross_profit_fen) AS profit_fen
      FROM listed WHERE $match::VARCHAR IS NULL AND ${WHERE}
      UNION ALL
      SELECT count(*), sum(transaction_price_fen), sum(gross_profit_fen)
      FROM with_status WHERE match_status = $match AND ${WHERE}
    )
    SELECT sum(sales)::BIGINT AS sales, sum(revenue_fen)::BIGINT AS revenue_fen, sum(profit_fen)::BIGINT AS profit_fen FROM counted`,
  row: z.object({ sales: fen.pipe(z.number()), revenue_fen: fen, profit_fen: fen }),
})

export function salesTotalsParams(f: SalesListFilter): SqlParams {
  return filterParams(f)
}

/** The filter's choices: series and models, and consultants, of the stores' sales (one pass over the table). */
export const salesListChoices = defineQuery<{ storeIds: ReturnType<typeof sqlList> }>()({
  name: 'sales.list.choices',
  sql: `
    SELECT CASE WHEN GROUPING(consultant) = 0 THEN 'consultant' ELSE 'model' END AS kind,
           coalesce(series, model, consultant) AS value,
           count(*)::BIGINT AS n
    FROM sales
    WHERE list_contains($storeIds::UUID[], store_id)
    GROUP BY GROUPING SETS ((series), (model), (consultant))
    HAVING coalesce(series, model, consultant) IS NOT NULL
    ORDER BY kind, n DESC, value
    LIMIT 600`,
  row: z.object({ kind: z.enum(['model', 'consultant']), value: z.string(), n: fen.pipe(z.number()) }),
})

/** Whether the `sales` table exists yet (the first sync after a start makes it; a copy made before it was a table has a view). */
export const salesViewPresent = defineQuery()({
  name: 'sales.view.present',
  sql: `SELECT CAST((SELECT count(*) FROM duckdb_tables() WHERE table_name = 'sales' AND schema_name = 'main' AND NOT temporary)
                  + (SELECT count(*) FROM duckdb_views() WHERE view_name = 'sales' AND NOT internal) AS INTEGER) AS n`,
  row: z.object({ n: z.number().int() }),
})

/** How many of the stores' sales wait for a person to confirm their suggested lead. */
export const salesToReview = defineQuery<{ storeIds: ReturnType<typeof sqlList> }>()({
  name: 'sales.list.to-review',
  sql: `SELECT count(*)::INTEGER AS n FROM sale_matches WHERE list_contains($storeIds::UUID[], store_id) AND status = 'review'`,
  row: z.object({ n: z.number().int() }),
})
