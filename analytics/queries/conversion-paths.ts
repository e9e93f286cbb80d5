import { z } from 'zod'
import { sqlList, type AnalyticsConnection } from '../duckdb'
import { defineQuery, runQuery } from '../query'
import type { ConversionPath } from '../attribution/paths'
import { CONVERSION_KINDS, NO_CAMPAIGN, NO_MEDIUM, PATH_DIMENSIONS, type ConversionKind, type PathDimension } from '../attribution/vocabulary'

/**
 * The conversion paths of the attribution models (SPEC §4, docs/decisions/022-attribution-
 * definitions.md), read from the synced touchpoints and the matched sales in the analytical
 * store: for one or more stores and a period of moments [from, to), every conversion of one
 * kind that happened in it, with the touches of its journey in the lookback window before it,
 * and the journeys touched in the period that did not convert.
 *
 * A journey is one opportunity of one lead (a person who comes back after a purchase or a
 * loss starts a new one: ADR 017), or, for the lead conversion, an anonymous web visitor.
 * Touches are every touchpoint — web visits and link clicks, forms, walk-ins, calls, platform
 * leads, manual entries — keyed by their channel or their campaign.
 *
 * Conversions, one per journey of each kind (a sale is one per sale):
 *   lead        the opportunity's first touch that identified the person (a form, a walk-in,
 *               a call, a platform lead, a manual entry), at its moment
 *   visit       the opportunity's first showroom visit (到店), at its arrival
 *   test_drive  the opportunity's first showroom visit with a test drive
 *   order       each matched sale with an order (order date, else invoice, else delivery
 *               date), at the end of that day in the store's time zone
 *   delivery    each matched sale delivered (delivery date, else invoice date), likewise
 * Sales carry their gross profit (the value) and revenue (transaction price); the other
 * conversions carry none. A sale's touches are those of the opportunity it was matched in.
 * A conversion that no touch reached in the lookback window still counts, on the path of one
 * key: `direct` by channel, `NO_CAMPAIGN` by campaign (the person came by themselves).
 *
 * Journeys that did not convert: a lead's opportunity touched in the period with no
 * conversion of the kind, ever; for the lead conversion, an anonymous visitor touched in the
 * period. Each ends at its last touch in the period; its touches are those of the lookback
 * window before that. Aggregated, one row per distinct path.
 */

export { CONVERSION_KINDS, NO_CAMPAIGN, PATH_DIMENSIONS, type ConversionKind, type PathDimension }

export const DEFAULT_LOOKBACK_DAYS = 30

export type ConversionPathsParams = {
  storeIds: readonly string[]
  /** ISO instants, [from, to) */
  from: string
  to: string
  kind: ConversionKind
  dimension: KeyDimension
  /** touches at most this many days before the conversion count (default: each store's setting, 30 unless changed) */
  lookbackDays?: number | null
  /**
   * What to read: `paths` (default) the converted journeys with their touches and the journeys
   * that did not convert; `converted` without the latter (only the Markov chain reads them).
   */
  read?: 'paths' | 'converted'
}

/** A converted journey: its touches (key and moment, in order) and the conversion. */
export type ConvertedJourney = ConversionPath & {
  storeId: string
  leadId: string
  /** the sale, for order and delivery conversions */
  saleKey: string | null
  convertedAt: number
  touchedAt: readonly number[]
  /** gross profit in fen (sales; 0 otherwise) */
  value: number
  /** transaction price in fen (sales; 0 otherwise) */
  revenue: number
}

export type ConversionPathsResult = {
  /** one per conversion: `conversions` 1 */
  converted: ConvertedJourney[]
  /** one per store and distinct path of journeys that did not convert: `conversions` 0, `nulls` ≥ 1 */
  nulls: Array<ConversionPath & { storeId: string }>
}

/** The window before a conversion (or a journey's end) as an interval: the asked-for days, else the store's (`st`), else 30. */
const LOOKBACK = `to_days(CAST(coalesce(CAST($lookbackDays AS INTEGER), st.attribution_lookback_days, ${DEFAULT_LOOKBACK_DAYS}) AS INTEGER))`

/** `since`: the earliest touch a path of the period can hold (the longest window before `from`), a bound value so the scan filters before joining. */
type Params = { storeIds: ReturnType<typeof sqlList>; from: string; to: string; since: string; lookbackDays: number | null }

const longestWindow = defineQuery<{ storeIds: ReturnType<typeof sqlList> }>()({
  name: 'attribution.longest-window',
  sql: `SELECT CAST(max(coalesce(st.attribution_lookback_days, ${DEFAULT_LOOKBACK_DAYS})) AS INTEGER) AS days
        FROM (SELECT unnest($storeIds::UUID[]) AS id) wanted LEFT JOIN stores st ON st.id = wanted.id`,
  row: z.object({ days: z.number().nullable() }),
})

/**
 * Paths keyed by a first part and the channel at once, `first␟channel` (KEY_SEPARATOR between),
 * split by `keyPart`: by campaign and channel, read once where a report needs both (the same
 * touches in the same order as the two reads would give), and by campaign or medium and
 * channel where a report is filtered to one channel.
 */
export const CAMPAIGN_CHANNEL = 'campaignChannel'
export const MEDIUM_CHANNEL = 'mediumChannel'
export type CompositeDimension = typeof CAMPAIGN_CHANNEL | typeof MEDIUM_CHANNEL
export const KEY_SEPARATOR = '\u001f'
export type KeyDimension = PathDimension | CompositeDimension

/** The first part (campaign, medium or store: 0) or the channel (1) of a composite key. */
export function keyPart(key: string, part: 0 | 1) {
  const at = key.indexOf(KEY_SEPARATOR)
  return part === 0 ? key.slice(0, at) : key.slice(at + 1)
}

/** The composite key of a first part and a channel. */
export const compositeKey = (first: string, channel: string) => `${first}${KEY_SEPARATOR}${channel}`

// marks a store's own key for the touches without a campaign (not a character of a campaign id or a channel)
const STORE_MARK = '\u001e'
const NO_CAMPAIGN_IN_STORE = `${NO_CAMPAIGN}${STORE_MARK}`
const noCampaign = (key: string) => key === NO_CAMPAIGN || key.startsWith(`${NO_CAMPAIGN}${KEY_SEPARATOR}`)

/**
 * By campaign over several stores, the touches without a campaign keyed per store: one key for
 * all of them would be a state every store's journeys pass through, tying the stores' Markov
 * chains into one (and letting a journey walk from one store's campaigns into another's). Per
 * store, the chain falls apart into the stores' own (../attribution/absorption.ts);
 * `storeKeyMerged` takes the key back to NO_CAMPAIGN for the row.
 */
export function noCampaignPerStore<P extends ConversionPath & { storeId?: string }>(paths: readonly P[]): P[] {
  return paths.map((x) =>
    x.storeId === undefined || !x.channels.some(noCampaign)
      ? x
      : { ...x, channels: x.channels.map((k) => (noCampaign(k) ? `${NO_CAMPAIGN_IN_STORE}${x.storeId}${k.slice(NO_CAMPAIGN.length)}` : k)) },
  )
}

export function storeKeyMerged(key: string): string {
  if (!key.startsWith(NO_CAMPAIGN_IN_STORE)) return key
  const rest = key.indexOf(KEY_SEPARATOR)
  return rest < 0 ? NO_CAMPAIGN : `${NO_CAMPAIGN}${key.slice(rest)}`
}

const CAMPAIGN_KEY = `coalesce(CAST(t.campaign_id AS VARCHAR), '${NO_CAMPAIGN}')`
// a medium is a name the store typed: the separator cannot be part of it
const MEDIUM_KEY = `coalesce(replace(mp.medium, chr(31), ' '), '${NO_MEDIUM}')`
const keyOf = (dimension: KeyDimension) =>
  dimension === 'channel'
    ? 't.channel'
    : dimension === 'medium'
      ? MEDIUM_KEY
      : dimension === CAMPAIGN_CHANNEL
        ? `${CAMPAIGN_KEY} || chr(31) || t.channel`
        : dimension === MEDIUM_CHANNEL
          ? `${MEDIUM_KEY} || chr(31) || t.channel`
          : CAMPAIGN_KEY
const withMedium = (dimension: KeyDimension) => dimension === 'medium' || dimension === MEDIUM_CHANNEL

/**
 * The rows of `col` (a store id) in the stores `$storeIds`. The range is implied by the list, but
 * DuckDB skips a table's row groups by their min and max only for a comparison, not for
 * `list_contains`: with it, a question of one store reads the rows of that store alone where the
 * table is kept in store order (touchpoints), not every row of the group (a group's journeys that
 * did not convert are read store by store).
 */
const inStores = (col: string) =>
  `list_contains($storeIds::UUID[], ${col}) AND ${col} BETWEEN list_min($storeIds::UUID[]) AND list_max($storeIds::UUID[])`

/**
 * Where each lead's opportunities begin (a restart after a purchase or a loss: ADR 017),
 * numbered from 2, and where each ends (the next restart), for the leads `leads` (the rest of a
 * SEMI JOIN with the events `e`). A touch, visit or identifying touch
 * belongs to the opportunity whose interval holds it, else (before any restart) to the first:
 * `opportunityJoin`. A hash join on the lead with a range check, as matchback's fold does: an
 * ASOF join sorts every touch of the period (half a second for a group's month).
 */
export const startsSql = (leads: string) => `starts AS (
  SELECT e.lead_id, e."at" AS started_at, 1 + row_number() OVER w AS opportunity,
         coalesce(lead(e."at") OVER w, CAST('infinity' AS TIMESTAMPTZ)) AS ends_at
  FROM (SELECT id, lead_id, "at" FROM lead_events WHERE type = 'opportunity') e
  SEMI JOIN ${leads}
  WINDOW w AS (PARTITION BY e.lead_id ORDER BY e."at", e.id)
)`
const STARTS = startsSql(`leads l ON l.id = e.lead_id AND ${inStores('l.store_id')}`)

/** The opportunity (`o.opportunity`, null for the first) of a row of `alias` with a lead and a moment. */
export const opportunityJoin = (alias: string, at: string) =>
  `LEFT JOIN starts o ON o.lead_id = ${alias}.lead_id AND ${alias}.${at} >= o.started_at AND ${alias}.${at} < o.ends_at`

/** The key of a conversion that no touch reached in the window: it came by itself. */
const noTouchKey = (dimension: KeyDimension) =>
  dimension === 'channel'
    ? `'direct'`
    : dimension === 'medium'
      ? `'${NO_MEDIUM}'`
      : dimension === CAMPAIGN_CHANNEL
        ? `'${NO_CAMPAIGN}' || chr(31) || 'direct'`
        : dimension === MEDIUM_CHANNEL
          ? `'${NO_MEDIUM}' || chr(31) || 'direct'`
          : `'${NO_CAMPAIGN}'`

/** Identifying touches: the ones that make a lead (SPEC §3). */
const IDENTIFYING = `('web_form', 'walk_in', 'call', 'platform_lead', 'manual')`

/**
 * The stores' touches that a path of the period can hold — from the longest window before the
 * period's start to its end — each with the opportunity of its lead it belongs to (1 before any
 * restart). Reading only these keeps a month's question from reading every touch of the years.
 */
const touchesSql = (dimension: KeyDimension) => `
${STARTS},
touch AS (
  SELECT t.id, t.store_id, t.lead_id, t.site_id, t.visitor_key, t.kind, t."at", ${keyOf(dimension)} AS key,
         coalesce(o.opportunity, 1) AS opportunity
  FROM touchpoints t
  ${opportunityJoin('t', '"at"')}${withMedium(dimension) ? ' LEFT JOIN media_placements mp ON mp.id = t.placement_id' : ''}
  WHERE ${inStores('t.store_id')} AND t."at" < $to::TIMESTAMPTZ AND t."at" >= $since::TIMESTAMPTZ
)`

/** The day a sale converts on, of a row `alias` of `sales`: the order (order date, else invoice, else delivery date) or the delivery (delivery date, else invoice date). */
export const saleConversionDay = (kind: 'order' | 'delivery', alias: string) =>
  kind === 'order' ? `coalesce(${alias}.order_date, ${alias}.invoice_date, ${alias}.delivery_date)` : `coalesce(${alias}.delivery_date, ${alias}.invoice_date)`

/** A sale's conversion moment: the end of its day in the store's time zone (a row `st` of `stores`). */
export const saleConvertedAt = (day: string) => `timezone(coalesce(st.time_zone, 'Asia/Shanghai'), CAST(${day} + 1 AS TIMESTAMP)) - INTERVAL 1 MILLISECOND`

/** The sales' journeys derived when they are matched (analytics/matchback/journeys.ts). */
export const SALE_JOURNEYS = 'sale_journeys'

/** (store_id, lead_id, opportunity, sale_key, converted_at, value, revenue) of each conversion of the kind, in the period. */
function conversionsSql(kind: ConversionKind) {
  if (kind === 'lead') {
    // the first identifying touch of each opportunity, of all time (a lead made before the period
    // and touched again in it did not convert again)
    return `
-- only the leads touched in the period can convert in it or be one of its open journeys: their
-- identifying touches are numbered by opportunity, not the millions of every other lead
period_lead AS (
  SELECT DISTINCT t.lead_id FROM touchpoints t
  WHERE ${inStores('t.store_id')} AND t.lead_id IS NOT NULL AND t."at" >= $from::TIMESTAMPTZ AND t."at" < $to::TIMESTAMPTZ
),
ident AS (
  SELECT t.store_id, t.lead_id, t."at", coalesce(o.opportunity, 1) AS opportunity
  FROM touchpoints t SEMI JOIN period_lead p ON p.lead_id = t.lead_id
  ${opportunityJoin('t', '"at"')}
  WHERE ${inStores('t.store_id')} AND t.lead_id IS NOT NULL AND t.kind IN ${IDENTIFYING} AND t."at" < $to::TIMESTAMPTZ
),
conv AS (
  SELECT store_id, lead_id, opportunity, NULL::VARCHAR AS sale_key, min("at") AS converted_at, 0::BIGINT AS value, 0::BIGINT AS revenue
  FROM ident GROUP BY store_id, lead_id, opportunity
)`
  }
  if (kind === 'visit' || kind === 'test_drive') {
    return `
visit_opp AS (
  SELECT v.store_id, v.lead_id, v.arrived_at, coalesce(o.opportunity, 1) AS opportunity
  FROM showroom_visits v
  ${opportunityJoin('v', 'arrived_at')}
  WHERE ${inStores('v.store_id')} AND v.lead_id IS NOT NULL${kind === 'test_drive' ? ' AND v.test_drive' : ''}
),
conv AS (
  SELECT store_id, lead_id, opportunity, NULL::VARCHAR AS sale_key, min(arrived_at) AS converted_at, 0::BIGINT AS value, 0::BIGINT AS revenue
  FROM visit_opp GROUP BY store_id, lead_id, opportunity
)`
  }
  const day = saleConversionDay(kind, 's')
  return `
conv AS (
  SELECT m.store_id, m.lead_id, m.opportunity, m.sale_key,
         ${saleConvertedAt(day)} AS converted_at,
         coalesce(s.gross_profit_fen, 0)::BIGINT AS value, coalesce(s.transaction_price_fen, 0)::BIGINT AS revenue
  FROM sale_matches m
  JOIN sales s ON s.store_id = m.store_id AND s.sale_key = m.sale_key
  LEFT JOIN stores st ON st.id = m.store_id
  WHERE ${inStores('m.store_id')} AND ${inStores('s.store_id')} AND m.status = 'matched' AND ${day} IS NOT NULL
)`
}

const pathsSql = (kind: ConversionKind, dimension: KeyDimension) => `
WITH ${touchesSql(dimension)}, ${conversionsSql(kind)},
in_period AS (
  SELECT * FROM conv WHERE converted_at >= $from::TIMESTAMPTZ AND converted_at < $to::TIMESTAMPTZ
)
-- each row a ConvertedJourney as it is: the names and types the app reads, no copy made of it there
SELECT CAST(c.store_id AS VARCHAR) AS "storeId", CAST(c.lead_id AS VARCHAR) AS "leadId", c.sale_key AS "saleKey",
       CAST(epoch_ms(c.converted_at) AS DOUBLE) AS "convertedAt", CAST(1 AS DOUBLE) AS conversions,
       CAST(c.value AS DOUBLE) AS value, CAST(c.revenue AS DOUBLE) AS revenue,
       -- a conversion no touch reached in the window still counts: it came by itself
       coalesce(list(t.key ORDER BY t."at", t.id) FILTER (WHERE t.id IS NOT NULL), [${noTouchKey(dimension)}]) AS channels,
       coalesce(list(CAST(epoch_ms(t."at") AS DOUBLE) ORDER BY t."at", t.id) FILTER (WHERE t.id IS NOT NULL), [CAST(epoch_ms(any_value(c.converted_at)) AS DOUBLE)]) AS "touchedAt"
FROM in_period c
LEFT JOIN stores st ON st.id = c.store_id
LEFT JOIN touch t ON t.lead_id = c.lead_id AND t.opportunity = c.opportunity
  AND t."at" <= c.converted_at AND t."at" > c.converted_at - ${LOOKBACK}
GROUP BY ALL
ORDER BY "convertedAt", "leadId", "saleKey"`

/**
 * The converted journeys of sales (order, delivery) as `pathsSql` gives them, read from the
 * journeys derived when the sales were matched (`sale_journeys`: the same touches in the same
 * windows, for the stores' own lookback): the period's conversions are a range of that table.
 */
const saleJourneysPathsSql = (kind: 'order' | 'delivery', dimension: KeyDimension) => `
SELECT CAST(t.store_id AS VARCHAR) AS "storeId", CAST(t.lead_id AS VARCHAR) AS "leadId", t.sale_key AS "saleKey",
       CAST(epoch_ms(t.converted_at) AS DOUBLE) AS "convertedAt", CAST(1 AS DOUBLE) AS conversions,
       CAST(t.value AS DOUBLE) AS value, CAST(t.revenue AS DOUBLE) AS revenue,
       coalesce(list(${keyOf(dimension)} ORDER BY t.touch_no) FILTER (WHERE t.touch_id IS NOT NULL), [${noTouchKey(dimension)}]) AS channels,
       coalesce(list(CAST(epoch_ms(t.touched_at) AS DOUBLE) ORDER BY t.touch_no) FILTER (WHERE t.touch_id IS NOT NULL), [CAST(epoch_ms(any_value(t.converted_at)) AS DOUBLE)]) AS "touchedAt"
FROM ${SALE_JOURNEYS} t${withMedium(dimension) ? ' LEFT JOIN media_placements mp ON mp.id = t.placement_id' : ''}
WHERE t.kind = '${kind}' AND ${inStores('t.store_id')} AND t.converted_at >= $from::TIMESTAMPTZ AND t.converted_at < $to::TIMESTAMPTZ
GROUP BY ALL
ORDER BY "convertedAt", "leadId", "saleKey"`

/**
 * The conversions of the period counted where or when they happened (`conversionsByPlace`): for
 * ROI by store and by month, which read no touches. Sales (order, delivery) come per store day
 * (their moment is the end of the day) with their value and revenue summed; the others per key
 * alone. Added up here, not in the app: a group's half year is over half a million leads.
 */
const placedSql = (kind: ConversionKind, by: 'store' | 'month') => `
WITH ${kind === 'lead' || kind === 'visit' || kind === 'test_drive' ? `${STARTS}, ` : ''}${conversionsSql(kind)}
SELECT ${by === 'store' ? 'CAST(c.store_id AS VARCHAR)' : `strftime(timezone($timeZone, c.converted_at), '%Y-%m')`} AS key,
       ${kind === 'order' || kind === 'delivery' ? 'CAST(epoch_ms(c.converted_at) AS DOUBLE)' : 'CAST(NULL AS DOUBLE)'} AS converted_at,
       CAST(count(*) AS DOUBLE) AS conversions, CAST(sum(c.value) AS DOUBLE) AS value, CAST(sum(c.revenue) AS DOUBLE) AS revenue
FROM conv c
WHERE c.converted_at >= $from::TIMESTAMPTZ AND c.converted_at < $to::TIMESTAMPTZ
GROUP BY ALL
ORDER BY key, converted_at`

/**
 * The journeys of the period that did not convert, aggregated by path. A journey with a
 * conversion of the kind at any time is not one of them (it converted, in or out of the period).
 */
const nullsSql = (kind: ConversionKind, dimension: KeyDimension) => `
WITH ${touchesSql(dimension)}, ${conversionsSql(kind)},
journey AS (
  -- each journey touched in the period, and its last touch there
  SELECT store_id, lead_id, opportunity, CASE WHEN lead_id IS NULL THEN site_id END AS site_id,
         CASE WHEN lead_id IS NULL THEN visitor_key END AS visitor_key, max("at") AS ended_at
  FROM touch
  WHERE "at" >= $from::TIMESTAMPTZ AND "at" < $to::TIMESTAMPTZ AND (lead_id IS NOT NULL OR visitor_key IS NOT NULL)
  GROUP BY ALL
),
open_journey AS (
  SELECT j.* FROM journey j ANTI JOIN conv c ON c.lead_id = j.lead_id AND c.opportunity = j.opportunity
),
-- a person's journey by their lead, an anonymous visitor's by site and visitor key: two equi-joins
paths AS (
  SELECT j.store_id, list(t.key ORDER BY t."at", t.id) AS keys
  FROM open_journey j
  LEFT JOIN stores st ON st.id = j.store_id
  JOIN touch t ON t.lead_id = j.lead_id AND t.opportunity = j.opportunity
    AND t."at" <= j.ended_at AND t."at" > j.ended_at - ${LOOKBACK}
  WHERE j.lead_id IS NOT NULL
  GROUP BY j.store_id, j.lead_id, j.opportunity
  UNION ALL
  SELECT j.store_id, list(t.key ORDER BY t."at", t.id) AS keys
  FROM open_journey j
  LEFT JOIN stores st ON st.id = j.store_id
  JOIN touch t ON t.lead_id IS NULL AND t.site_id IS NOT DISTINCT FROM j.site_id AND t.visitor_key = j.visitor_key
    AND t."at" <= j.ended_at AND t."at" > j.ended_at - ${LOOKBACK}
  WHERE j.lead_id IS NULL
  GROUP BY j.store_id, j.site_id, j.visitor_key
)
SELECT keys, CAST(store_id AS VARCHAR) AS "storeId", CAST(count(*) AS DOUBLE) AS nulls FROM paths GROUP BY keys, store_id ORDER BY keys, "storeId"`

const convertedRow: z.ZodType<ConvertedJourney> = z.object({
  storeId: z.string(),
  leadId: z.string(),
  saleKey: z.string().nullable(),
  convertedAt: z.number(),
  conversions: z.number(),
  value: z.number(),
  revenue: z.number(),
  channels: z.array(z.string()),
  touchedAt: z.array(z.number()),
})
const nullRow = z.object({ keys: z.array(z.string()), storeId: z.string(), nulls: z.number() })

function pathsQuery(kind: ConversionKind, dimension: KeyDimension) {
  return defineQuery<Params>()({ name: `attribution.paths.${kind}.${dimension}`, sql: pathsSql(kind, dimension), row: convertedRow, check: 'first' })
}
const placedRow = z.object({ key: z.string(), converted_at: z.number().nullable(), conversions: z.number(), value: z.number(), revenue: z.number() })
type PlacedParams = { storeIds: ReturnType<typeof sqlList>; from: string; to: string; timeZone?: string }
type JourneyParams = { storeIds: ReturnType<typeof sqlList>; from: string; to: string }
function saleJourneysQuery(kind: 'order' | 'delivery', dimension: KeyDimension) {
  return defineQuery<JourneyParams>()({ name: `attribution.journeys.${kind}.${dimension}`, sql: saleJourneysPathsSql(kind, dimension), row: convertedRow, check: 'first' })
}
function placedQuery(kind: ConversionKind, by: 'store' | 'month') {
  return defineQuery<PlacedParams>()({ name: `attribution.placed.${kind}.${by}`, sql: placedSql(kind, by), row: placedRow })
}
function nullsQuery(kind: ConversionKind, dimension: KeyDimension) {
  return defineQuery<Params>()({ name: `attribution.nulls.${kind}.${dimension}`, sql: nullsSql(kind, dimension), row: nullRow, check: 'first' })
}

/** The converted journeys and the aggregated journeys that did not convert, for the models of ../attribution. */
export async function conversionPaths(c: AnalyticsConnection, params: ConversionPathsParams): Promise<ConversionPathsResult> {
  const storeIds = sqlList([...params.storeIds])
  const read = params.read ?? 'paths'
  const days = params.lookbackDays ?? (await runQuery(c, longestWindow, { storeIds }))[0]?.days ?? DEFAULT_LOOKBACK_DAYS
  const bound: Params = {
    storeIds,
    from: params.from,
    to: params.to,
    since: new Date(Date.parse(params.from) - days * 86_400_000).toISOString(),
    lookbackDays: params.lookbackDays ?? null,
  }
  // a sale's journey in the stores' own windows was derived when it was matched; another window is joined here
  const convertedRows =
    (params.kind === 'order' || params.kind === 'delivery') && params.lookbackDays == null
      ? await runQuery(c, saleJourneysQuery(params.kind, params.dimension), { storeIds, from: params.from, to: params.to })
      : await runQuery(c, pathsQuery(params.kind, params.dimension), bound)
  // store by store: a journey is one store's, and a group's month of them at once is the largest
  // working set of the analytical store (lists of keys per journey, in an aggregate that does not
  // spill); the paths are added up whatever their order (../attribution/paths.ts)
  const nullRows = []
  if (read === 'paths') for (const storeId of params.storeIds) nullRows.push(...(await runQuery(c, nullsQuery(params.kind, params.dimension), { ...bound, storeIds: sqlList([storeId]) })))
  return {
    converted: convertedRows,
    nulls: nullRows.map((r) => ({ channels: r.keys, storeId: r.storeId, conversions: 0, nulls: r.nulls })),
  }
}

/** Conversions of one kind counted by store or by month (in `timeZone`), with their value and revenue. */
export type PlacedConversions = {
  key: string
  /** for sales, the end of the store day they fell on (ms): one row per key and day; otherwise null, one row per key */
  convertedAt: number | null
  conversions: number
  /** gross profit and revenue in fen (sales; 0 otherwise) */
  value: number
  revenue: number
}

export async function conversionsByPlace(
  c: AnalyticsConnection,
  params: { storeIds: readonly string[]; from: string; to: string; kind: ConversionKind; by: 'store' | 'month'; timeZone: string },
): Promise<PlacedConversions[]> {
  const bound: PlacedParams = { storeIds: sqlList([...params.storeIds]), from: params.from, to: params.to }
  if (params.by === 'month') bound.timeZone = params.timeZone
  const rows = await runQuery(c, placedQuery(params.kind, params.by), bound)
  return rows.map((r) => ({ key: r.key, convertedAt: r.converted_at, conversions: r.conversions, value: r.value, revenue: r.revenue }))
}
