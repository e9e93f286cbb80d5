import { z } from 'zod'
import type { SqlList } from '../duckdb'
import { defineQuery } from '../query'

/**
 * Conquest (SPEC §5): the leads of some stores lost in a period, by the competitor's brand and
 * model they went to and the reason given. A lead counts once, when it was last marked lost
 * (`lead_events`, the lifecycle step to 'lost'), and only while it is still lost (a lead that
 * came back is not a loss). `$pairs` narrows to a segment's competitors ("brand model"); an
 * empty list means every competitor. Leads lost for another reason (price, budget) without a
 * competitor are counted apart, by reason, with brand and model empty.
 */
export const lostLeads = defineQuery<{ storeIds: SqlList; from: string; to: string; pairs: SqlList; anyPair: boolean }>()({
  name: 'competitors.lostLeads',
  sql: `
WITH lost_at AS (
  SELECT e.lead_id, max(e."at") AS at FROM lead_events e
  WHERE e.to_status = 'lost' AND e."at" >= CAST($from AS TIMESTAMPTZ) AND e."at" < CAST($to AS TIMESTAMPTZ)
  GROUP BY e.lead_id
)
SELECT coalesce(nullif(trim(l.lost_to_brand), ''), '') AS brand,
       coalesce(nullif(trim(l.lost_to_model), ''), '') AS model,
       coalesce(l.lost_reason, 'other') AS reason,
       CAST(count(*) AS INTEGER) AS leads
FROM lost_at a JOIN leads l ON l.id = a.lead_id
WHERE list_contains($storeIds::UUID[], l.store_id) AND l.status = 'lost' AND l.merged_into_id IS NULL
  AND ($anyPair OR list_contains($pairs::VARCHAR[], trim(l.lost_to_brand) || ' ' || trim(l.lost_to_model)))
GROUP BY 1, 2, 3
ORDER BY leads DESC, brand, model, reason`,
  row: z.object({ brand: z.string(), model: z.string(), reason: z.string(), leads: z.number() }),
})

/**
 * Conquest's other half (SPEC §5, "buyers who came from a competitor brand"): our sales in a
 * period whose buyer traded in a car, by the traded-in brand and model as the DMS export names
 * them (置换品牌 / 置换车型; either may be missing, and some exports write both in the model
 * column). The current row of each sale (`sales`), dated by its invoice, else its order.
 */
export const tradedIn = defineQuery<{ storeIds: SqlList; from: string; to: string }>()({
  name: 'competitors.tradedIn',
  sql: `
SELECT coalesce(nullif(trim(s.trade_in_brand), ''), '') AS brand,
       coalesce(nullif(trim(s.trade_in_model), ''), '') AS model,
       CAST(count(*) AS INTEGER) AS buyers
FROM sales s
WHERE list_contains($storeIds::UUID[], s.store_id)
  AND coalesce(s.invoice_date, s.order_date, s.delivery_date) >= CAST($from AS DATE) AND coalesce(s.invoice_date, s.order_date, s.delivery_date) < CAST($to AS DATE)
  AND (nullif(trim(s.trade_in_brand), '') IS NOT NULL OR nullif(trim(s.trade_in_model), '') IS NOT NULL)
GROUP BY 1, 2
ORDER BY buyers DESC, brand, model`,
  row: z.object({ brand: z.string(), model: z.string(), buyers: z.number() }),
})

/** Whether the sync has made the lead tables yet (the first sync after a start). */
export const leadTablesPresent = defineQuery()({
  name: 'competitors.leadTablesPresent',
  sql: `SELECT CAST(count(*) AS INTEGER) AS n FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary AND table_name IN ('leads', 'lead_events')`,
  row: z.object({ n: z.number() }),
})
