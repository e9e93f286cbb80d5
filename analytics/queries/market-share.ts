import { z } from 'zod'
import type { SqlList } from '../duckdb'
import { defineQuery } from '../query'

/**
 * Market share (SPEC §5, ADR 028) from the imported market data alone (`market_units`: per store,
 * measure and month, the rows of the latest import that has that month). Several stores of the
 * group may import the same region's figures: per month and city, only the rows of the latest
 * import among the stores asked about count, so a city is never counted twice.
 *
 * `$models` lists the segment's models as `brand<US>model<US>ours|theirs` (US: the unit
 * separator, U+001F). A row of the market data is a segment model when its model reads the same
 * (case and spaces aside) and its brand is the same or one holds the other (一汽-大众 and 大众,
 * 东风日产 and 日产): market data names the maker's joint venture, the segment the brand. Months
 * and cities without data are absent, never zeros.
 */
export const MODEL_SEPARATOR = '\u001f'

const marketScope = `
scope AS (
  SELECT month, city, brand, model, units FROM market_units
  WHERE list_contains($storeIds::VARCHAR[], store_id) AND measure = $measure
    AND month >= CAST($from AS DATE) AND month < CAST($to AS DATE)
    AND ($anyCity OR city = $city)
  QUALIFY dense_rank() OVER (PARTITION BY month, city ORDER BY imported_at DESC, import_id DESC) = 1
),
seg AS (
  SELECT split_part(m, chr(31), 1) AS seg_brand, split_part(m, chr(31), 2) AS seg_model, split_part(m, chr(31), 3) = 'ours' AS ours,
         lower(replace(split_part(m, chr(31), 1), ' ', '')) AS b, lower(replace(split_part(m, chr(31), 2), ' ', '')) AS k
  FROM (SELECT unnest($models::VARCHAR[]) AS m)
)`

export type MarketShareParams = { storeIds: SqlList; measure: string; from: string; to: string; city: string; anyCity: boolean; models: SqlList }

/** Units of each of the segment's models by month (and city, when `$byCity`), from the market data. */
export const segmentUnits = defineQuery<MarketShareParams & { byCity: boolean }>()({
  name: 'competitors.marketShare.units',
  sql: `
WITH ${marketScope},
matched AS (
  SELECT r.month, r.city, s.seg_brand, s.seg_model, s.ours, r.units
  FROM scope r JOIN seg s
    ON lower(replace(r.model, ' ', '')) = s.k
   AND (lower(replace(r.brand, ' ', '')) = s.b OR contains(lower(replace(r.brand, ' ', '')), s.b) OR contains(s.b, lower(replace(r.brand, ' ', ''))))
)
SELECT strftime(month, '%Y-%m') AS month, CASE WHEN $byCity THEN city ELSE '' END AS city,
       seg_brand AS brand, seg_model AS model, ours, CAST(sum(units) AS BIGINT) AS units
FROM matched
GROUP BY ALL
ORDER BY month, city, ours DESC, units DESC, brand, model`,
  row: z.object({ month: z.string(), city: z.string(), brand: z.string(), model: z.string(), ours: z.boolean(), units: z.coerce.number() }),
})

/** The cities the market data of these stores has, with the months it covers (for the city filter). */
export const marketCities = defineQuery<{ storeIds: SqlList; measure: string }>()({
  name: 'competitors.marketShare.cities',
  sql: `
SELECT city, CAST(count(DISTINCT month) AS INTEGER) AS months, CAST(sum(units) AS BIGINT) AS units
FROM market_units WHERE list_contains($storeIds::VARCHAR[], store_id) AND measure = $measure
GROUP BY city ORDER BY units DESC, city`,
  row: z.object({ city: z.string(), months: z.number(), units: z.coerce.number() }),
})

/** Whether the market views exist yet (the first sync after a start makes them). */
export const marketViewPresent = defineQuery()({
  name: 'competitors.marketShare.present',
  sql: `SELECT CAST(count(*) AS INTEGER) AS n FROM duckdb_views() WHERE view_name = 'market_units' AND schema_name = 'main' AND NOT internal`,
  row: z.object({ n: z.number() }),
})
