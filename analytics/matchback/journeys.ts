import { DEFAULT_LOOKBACK_DAYS, opportunityJoin, SALE_JOURNEYS, saleConversionDay, saleConvertedAt, startsSql } from '../queries/conversion-paths'

/**
 * `sale_journeys` (ADR 029): for each matched sale and each of its two conversions — the order
 * and the delivery — the touches of its journey, one row per touch: the touches of the sale's
 * lead in the opportunity it was matched in, in the store's lookback window before the
 * conversion's moment (the end of its day in the store's time zone), numbered in the order
 * they happened (`touch_no` 1 … `touches`). A conversion no touch reached has one row with
 * no touch (`touch_id` null, `touch_no` 0). Exactly what `conversionPaths` (the attribution
 * models, ROI, the evaluation) would join for that sale from `touchpoints` at read time,
 * derived once when the sale is matched: a group's quarter of orders is then a range of this
 * table (kept in conversion order) instead of a join of its leads with millions of touches.
 *
 * Kept with `sale_matches` by the refresh (./refresh.ts): made whole with it, and in a partial
 * refresh for the sales matched again — which ./changes.ts puts in scope for every change this
 * reads (a touch of the lead, its moment, campaign, channel or placement; an `opportunity`
 * event; the sale's row; the store's time zone or lookback window).
 */
export { SALE_JOURNEYS }

/**
 * The journeys of the sales in `matches` (rows of `sale_matches`: store_id, sale_key, lead_id,
 * opportunity, status); with `ofStore`, only those of the store bound as `$store`, whose
 * touches are then read as a range of `touchpoints` (kept by store and time, so DuckDB's zone
 * maps skip the other stores' row groups): the full refresh builds the table store by store,
 * the working set of one store's sales instead of the group's.
 */
export const saleJourneysSql = (matches: string, ordered: boolean, ofStore = false) => `
WITH
matched AS (
  SELECT m.store_id, m.sale_key, m.lead_id, m.opportunity, s.order_date, s.invoice_date, s.delivery_date,
         coalesce(s.gross_profit_fen, 0)::BIGINT AS value, coalesce(s.transaction_price_fen, 0)::BIGINT AS revenue
  FROM ${matches} m
  JOIN sales s ON s.store_id = m.store_id AND s.sale_key = m.sale_key
  WHERE m.status = 'matched'${ofStore ? ' AND m.store_id = $store' : ''}
),
conv AS (
  SELECT c.store_id, c.sale_key, c.lead_id, c.opportunity, c.kind, c.value, c.revenue,
         ${saleConvertedAt('c.day')} AS converted_at,
         to_days(CAST(coalesce(st.attribution_lookback_days, ${DEFAULT_LOOKBACK_DAYS}) AS INTEGER)) AS lookback
  FROM (
    SELECT *, 'order' AS kind, ${saleConversionDay('order', 'matched')} AS day FROM matched
    UNION ALL
    SELECT *, 'delivery' AS kind, ${saleConversionDay('delivery', 'matched')} AS day FROM matched
  ) c
  LEFT JOIN stores st ON st.id = c.store_id
  WHERE c.day IS NOT NULL
),
journey_lead AS (SELECT DISTINCT lead_id FROM matched),
${startsSql('journey_lead l ON l.lead_id = e.lead_id')},
touch AS (
  SELECT t.id, t.store_id, t.lead_id, t."at", t.channel, t.campaign_id, t.placement_id, coalesce(o.opportunity, 1) AS opportunity
  FROM touchpoints t
  SEMI JOIN journey_lead l ON l.lead_id = t.lead_id
  ${opportunityJoin('t', '"at"')}${ofStore ? '\n  WHERE t.store_id = $store' : ''}
)
SELECT c.store_id, c.sale_key, c.kind, c.lead_id, c.converted_at, c.value, c.revenue,
       t.id AS touch_id, t."at" AS touched_at, t.channel, t.campaign_id, t.placement_id,
       CAST(CASE WHEN t.id IS NULL THEN 0 ELSE row_number() OVER (PARTITION BY c.store_id, c.sale_key, c.kind ORDER BY t."at", t.id) END AS INTEGER) AS touch_no,
       CAST(count(t.id) OVER (PARTITION BY c.store_id, c.sale_key, c.kind) AS INTEGER) AS touches
FROM conv c
LEFT JOIN touch t ON t.lead_id = c.lead_id AND t.opportunity = c.opportunity AND t.store_id = c.store_id
  AND t."at" <= c.converted_at AND t."at" > c.converted_at - c.lookback
${ordered ? 'ORDER BY c.kind, c.converted_at, c.store_id, c.sale_key, touch_no' : ''}`
