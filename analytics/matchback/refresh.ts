import { sqlList, type AnalyticsConnection } from '../duckdb'
import { COMPOUND_SURNAMES } from '../ingest/sales-values'
import { defineQuery, runQuery, runStatement } from '../query'

/**
 * Matchback (SPEC §4, docs/decisions/017-matchback.md): each current sale (`sales` view) is
 * matched to at most one lead of its store, computed set-based in DuckDB into two tables
 * that readers join:
 *
 *   sale_matches           one row per current sale: its lead (or none), rule, confidence,
 *                          status matched | review | unmatched, and the opportunity it fell in
 *   sale_match_campaigns   for each matched sale, the campaigns of the touches of that
 *                          opportunity up to the sale date ("any touch" credit)
 *
 * Candidates, best first:
 *   0 reviewed            a pair a person accepted (sale_match_reviews), whatever the window
 *   1 phone               the sale's keyed phone hash is the lead's
 *   2 masked_phone_name   the same masked phone (138****1234, one side or both known only
 *                          masked) and the same normalized name
 *   3 masked_phone_name   the same masked phone and only the surname agrees
 * A rejected pair is never a candidate. Rules 1–3 need the window: the first touch of the
 * lead's opportunity current at the sale date lies at most `matchback_window_days` (per store,
 * default 180) days before the sale date (invoice, else order, else delivery date), both in
 * the store's calendar. Of several leads at the best rule, the one whose opportunity began
 * last before the sale wins (then the smallest lead id), and the confidence is divided by
 * their number. Only `reviewed` and an unambiguous `phone` match count as matched; the rest
 * wait in the review list.
 *
 * Opportunities: a lead event of type 'opportunity' marks the moment a delivered or lost
 * person came back; a touch belongs to the opportunity begun last at or before it. A second
 * purchase is thus measured from the second opportunity's first touch, never the first's.
 */

/** Bumped when the tables' shape or the rules change: the copy recomputes them at the next sync. */
export const MATCHBACK_VERSION = '1'

export const DEFAULT_WINDOW_DAYS = 180

export const CONFIDENCE = { reviewed: 1, phone: 1, maskedExact: 0.8, maskedSurname: 0.5 } as const

/**
 * The sales a partial refresh recomputes, with the columns of `sales` it reads: a temporary
 * table of the sync's connection, filled by ./changes.ts.
 */
export const SCOPE_TABLE = '_matchback_scope'

/**
 * 'exact' | 'surname' | NULL for two name keys (columns or expressions, non-empty): the SQL of
 * compareNameKeys() in analytics/ingest/sales-values.ts — equal, or the shorter is a surname
 * (one Han character, or a compound surname of the bound list `$surnames`) the longer begins with.
 */
export function nameAgreementSql(a: string, b: string) {
  const longer = `CASE WHEN length(${a}) > length(${b}) THEN ${a} ELSE ${b} END`
  const shorter = `CASE WHEN length(${a}) > length(${b}) THEN ${b} ELSE ${a} END`
  return `CASE
    WHEN ${a} = ${b} THEN 'exact'
    WHEN length(${a}) <> length(${b})
     AND starts_with(${longer}, ${shorter})
     AND (regexp_full_match(${shorter}, '[\\x{3400}-\\x{9fff}\\x{f900}-\\x{faff}]')
          OR list_contains($surnames, ${shorter})) THEN 'surname'
  END`
}

/** The bound parameter `nameAgreementSql` reads. */
export const surnamesParam = () => sqlList([...COMPOUND_SURNAMES])

const saleMatchesSql = (partial: boolean) => `
WITH
sl AS (
  SELECT store_id, sale_key, phone_hash, phone_masked, nullif(name_key, '') AS name_key,
         coalesce(invoice_date, order_date, delivery_date) AS sale_date
  FROM ${partial ? SCOPE_TABLE : 'sales'}
),
ld AS (
  SELECT id AS lead_id, store_id, phone_hash, phone_masked, nullif(name_key, '') AS name_key
  FROM leads WHERE merged_into_id IS NULL
),
by_review AS (
  SELECT r.store_id, r.sale_key, r.lead_id, 0 AS tier, CAST(NULL AS VARCHAR) AS name_agreement
  FROM sale_match_reviews r JOIN ld ON ld.lead_id = r.lead_id AND ld.store_id = r.store_id
  WHERE r.decision = 'accepted'
),
by_phone AS (
  SELECT sl.store_id, sl.sale_key, ld.lead_id, 1 AS tier, CAST(NULL AS VARCHAR) AS name_agreement
  FROM sl JOIN ld ON ld.store_id = sl.store_id AND ld.phone_hash = sl.phone_hash
),
masked AS (
  -- two full numbers that differ are two people, however alike their masks
  SELECT sl.store_id, sl.sale_key, ld.lead_id, sl.name_key AS a, ld.name_key AS b
  FROM sl JOIN ld ON ld.store_id = sl.store_id AND ld.phone_masked = sl.phone_masked
  WHERE (sl.phone_hash IS NULL OR ld.phone_hash IS NULL) AND sl.name_key IS NOT NULL AND ld.name_key IS NOT NULL
),
masked_agreed AS (
  -- compareNameKeys() of analytics/ingest/sales-values.ts: equal, or the shorter is a surname the longer begins with
  SELECT store_id, sale_key, lead_id, ${nameAgreementSql('a', 'b')} AS name_agreement
  FROM masked
),
by_masked AS (
  SELECT store_id, sale_key, lead_id, CASE name_agreement WHEN 'exact' THEN 2 ELSE 3 END AS tier, name_agreement
  FROM masked_agreed WHERE name_agreement IS NOT NULL
),
pairs AS (
  SELECT p.*, sl.sale_date
  FROM (SELECT * FROM by_review UNION ALL SELECT * FROM by_phone UNION ALL SELECT * FROM by_masked) p
  JOIN sl ON sl.store_id = p.store_id AND sl.sale_key = p.sale_key
  ANTI JOIN (SELECT store_id, sale_key, lead_id FROM sale_match_reviews WHERE decision = 'rejected') r
    ON r.store_id = p.store_id AND r.sale_key = p.sale_key AND r.lead_id = p.lead_id
  QUALIFY row_number() OVER (PARTITION BY p.store_id, p.sale_key, p.lead_id ORDER BY p.tier) = 1
),
cand AS (SELECT DISTINCT lead_id FROM pairs),
starts AS (
  SELECT e.lead_id, e."at" AS started_at,
         1 + row_number() OVER w AS opportunity, lead(e."at") OVER w AS ends_at
  FROM lead_events e SEMI JOIN cand ON cand.lead_id = e.lead_id
  WHERE e.type = 'opportunity'
  WINDOW w AS (PARTITION BY e.lead_id ORDER BY e."at", e.id)
),
first_ends AS (SELECT lead_id, min(started_at) AS ends_at FROM starts GROUP BY lead_id),
touch AS (
  SELECT t.lead_id, t."at" FROM touchpoints t SEMI JOIN cand ON cand.lead_id = t.lead_id
),
touch_opp AS (
  SELECT t.lead_id, t."at", coalesce(o.opportunity, 1) AS opportunity,
         CASE WHEN o.lead_id IS NULL THEN fe.ends_at ELSE o.ends_at END AS ends_at
  FROM touch t
  ASOF LEFT JOIN starts o ON o.lead_id = t.lead_id AND t."at" >= o.started_at
  LEFT JOIN first_ends fe ON fe.lead_id = t.lead_id
),
opp AS (
  -- each opportunity's first touch, and its day in the store's calendar (computed here, so
  -- that the join below is a hash join on the lead with a plain comparison)
  SELECT o.lead_id, o.opportunity, o.ends_at, o.first_touch_at,
         CAST(timezone(coalesce(st.time_zone, 'Asia/Shanghai'), o.first_touch_at) AS DATE) AS first_touch_day
  FROM (SELECT lead_id, opportunity, any_value(ends_at) AS ends_at, min("at") AS first_touch_at FROM touch_opp GROUP BY lead_id, opportunity) o
  JOIN ld ON ld.lead_id = o.lead_id
  LEFT JOIN stores st ON st.id = ld.store_id
),
placed AS (
  -- each pair with the lead's opportunity current at the sale date: the last one begun by then
  SELECT p.*, o.opportunity, o.first_touch_at, o.ends_at,
         p.sale_date - o.first_touch_day AS days_before,
         coalesce(st.matchback_window_days, ${DEFAULT_WINDOW_DAYS}) AS window_days
  FROM pairs p
  LEFT JOIN opp o ON o.lead_id = p.lead_id AND o.first_touch_day <= p.sale_date
  LEFT JOIN stores st ON st.id = p.store_id
  QUALIFY row_number() OVER (PARTITION BY p.store_id, p.sale_key, p.lead_id ORDER BY o.first_touch_at DESC NULLS LAST) = 1
),
eligible AS (
  SELECT * FROM placed WHERE tier = 0 OR (days_before IS NOT NULL AND days_before <= window_days)
),
ranked AS (
  -- the picked row has the best tier: same_tier counts the leads that qualified at it
  SELECT *,
         row_number() OVER (PARTITION BY store_id, sale_key ORDER BY tier, first_touch_at DESC NULLS LAST, lead_id) AS pick,
         count(*) OVER (PARTITION BY store_id, sale_key, tier) AS candidates
  FROM eligible
),
chosen AS (
  SELECT store_id, sale_key, lead_id, tier, name_agreement, candidates, opportunity, first_touch_at, ends_at
  FROM ranked WHERE pick = 1
)
SELECT sl.store_id, sl.sale_key, sl.sale_date, c.lead_id,
       CASE c.tier WHEN 0 THEN 'reviewed' WHEN 1 THEN 'phone' WHEN 2 THEN 'masked_phone_name' WHEN 3 THEN 'masked_phone_name' END AS rule,
       CAST(round(CASE c.tier
         WHEN 0 THEN ${CONFIDENCE.reviewed}
         WHEN 1 THEN ${CONFIDENCE.phone} / c.candidates
         WHEN 2 THEN ${CONFIDENCE.maskedExact} / c.candidates
         WHEN 3 THEN ${CONFIDENCE.maskedSurname} / c.candidates END, 2) AS DOUBLE) AS confidence,
       CASE WHEN c.lead_id IS NULL THEN 'unmatched'
            WHEN c.tier = 0 OR (c.tier = 1 AND c.candidates = 1) THEN 'matched'
            ELSE 'review' END AS status,
       c.name_agreement,
       CAST(coalesce(c.candidates, 0) AS INTEGER) AS candidates,
       CAST(c.opportunity AS INTEGER) AS opportunity,
       c.first_touch_at,
       c.ends_at AS opportunity_ends_at
FROM sl LEFT JOIN chosen c ON c.store_id = sl.store_id AND c.sale_key = sl.sale_key`

const saleMatchCampaignsSql = (partial: boolean) => `
SELECT DISTINCT m.store_id, m.sale_key, m.lead_id, t.campaign_id
FROM sale_matches m
JOIN stores st ON st.id = m.store_id
JOIN touchpoints t ON t.lead_id = m.lead_id
 AND t."at" >= m.first_touch_at
 AND (m.opportunity_ends_at IS NULL OR t."at" < m.opportunity_ends_at)
WHERE m.status = 'matched' AND t.campaign_id IS NOT NULL
  AND CAST(timezone(coalesce(st.time_zone, 'Asia/Shanghai'), t."at") AS DATE) <= m.sale_date${partial ? ` AND EXISTS (SELECT 1 FROM ${SCOPE_TABLE} x WHERE x.store_id = m.store_id AND x.sale_key = m.sale_key)` : ''}`

const readVersion = defineQuery()({
  name: 'matchback.version.read',
  sql: `SELECT value FROM _roadshow_meta WHERE key = 'matchback_version'`,
})

/** True when the copy's match tables were computed by this version of the rules. */
export async function saleMatchesCurrent(c: AnalyticsConnection): Promise<boolean> {
  const [row] = await runQuery(c, readVersion, {})
  return row?.value === MATCHBACK_VERSION
}

/**
 * Recomputes `sale_matches` and `sale_match_campaigns` from the synced tables, the `sales`
 * view and the reviews: for every sale (`'all'`: the tables are made anew), or for the sales
 * in `_matchback_scope` only (`'scoped'`: their rows deleted and inserted again, every other
 * row kept). A sale's match reads only its own row, its store's row of `stores`, the leads
 * that pair with it (same phone hash, same masked phone, or a review) with their touches and
 * `opportunity` events, and the reviews of the sale; ./changes.ts puts every sale one of
 * these changed for into the scope, so a scoped refresh gives the same tables as a full one.
 * Runs inside the sync's transaction (analytics/sync/sync.ts): readers see the matches
 * change together with the leads and sales they come from.
 */
export async function refreshSaleMatches(c: AnalyticsConnection, scope: 'all' | 'scoped' = 'all'): Promise<{ sales: number }> {
  const surnames = surnamesParam()
  let sales: number
  if (scope === 'all') {
    sales = await runStatement(c, 'matchback.sale_matches', `CREATE OR REPLACE TABLE sale_matches AS ${saleMatchesSql(false)}`, { surnames })
    await runStatement(c, 'matchback.sale_match_campaigns', `CREATE OR REPLACE TABLE sale_match_campaigns AS ${saleMatchCampaignsSql(false)}`)
  } else {
    const inScope = (t: string) => `USING ${SCOPE_TABLE} x WHERE x.store_id = ${t}.store_id AND x.sale_key = ${t}.sale_key`
    await runStatement(c, 'matchback.sale_matches.clear', `DELETE FROM sale_matches ${inScope('sale_matches')}`)
    sales = await runStatement(c, 'matchback.sale_matches.scoped', `INSERT INTO sale_matches ${saleMatchesSql(true)}`, { surnames })
    await runStatement(c, 'matchback.sale_match_campaigns.clear', `DELETE FROM sale_match_campaigns ${inScope('sale_match_campaigns')}`)
    await runStatement(c, 'matchback.sale_match_campaigns.scoped', `INSERT INTO sale_match_campaigns ${saleMatchCampaignsSql(true)}`)
    await runStatement(c, 'matchback.scope.drop', `DROP TABLE IF EXISTS ${SCOPE_TABLE}`)
  }
  await runStatement(c, 'matchback.version.write', `INSERT OR REPLACE INTO _roadshow_meta VALUES ('matchback_version', $version)`, { version: MATCHBACK_VERSION })
  return { sales }
}
