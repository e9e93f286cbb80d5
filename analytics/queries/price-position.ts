import { z } from 'zod'
import type { SqlList } from '../duckdb'
import { defineQuery } from '../query'

/**
 * Our side of the price position (SPEC §5): the transaction prices of our own sales, from the
 * imported DMS exports (`sales`, the current row of each sale), by month and by the segment
 * model each sale is of. A sale is of a model when its series is the model's name (the DMS
 * writes 朗逸 in 车系) or, failing that, its model is; the sale's day is its invoice date, else
 * its order date, else its delivery date — the store's own calendar days. Sales without a
 * transaction price are left out. The median, not the mean: one fleet deal at cost does not move it.
 */
export const ourPricesByMonth = defineQuery<{ storeIds: SqlList; models: SqlList; from: string; to: string }>()({
  name: 'competitors.ourPricesByMonth',
  sql: `
WITH ours AS (
  SELECT CASE WHEN list_contains($models::VARCHAR[], series) THEN series ELSE model END AS segment_model,
         coalesce(invoice_date, order_date, delivery_date) AS sale_day,
         transaction_price_fen AS price
  FROM sales
  WHERE list_contains($storeIds::UUID[], store_id)
    AND transaction_price_fen > 0
    AND (list_contains($models::VARCHAR[], series) OR list_contains($models::VARCHAR[], model))
)
SELECT segment_model AS model,
       strftime(date_trunc('month', sale_day), '%Y-%m') AS month,
       CAST(round(median(price)) AS BIGINT) AS median_fen,
       CAST(count(*) AS INTEGER) AS n
FROM ours
WHERE sale_day >= CAST($from AS DATE) AND sale_day < CAST($to AS DATE)
GROUP BY 1, 2
ORDER BY 1, 2`,
  row: z.object({ model: z.string(), month: z.string(), median_fen: z.coerce.number(), n: z.number() }),
})
