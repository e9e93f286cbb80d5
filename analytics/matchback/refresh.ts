import { sqlList, type AnalyticsConnection } from '../duckdb'
import { COMPOUND_SURNAMES } from '../ingest/sales-values'
import { defineQuery, runQuery, runStatement } from '../query'
import { SALE_JOURNEYS, saleJourneysSql } from './journeys'

/**
 * Matchback (SPEC §4, docs/decisions/017-matchback.md): each current sale (`sales` table) is
 * matched to at most one lead of its store, computed set-based in DuckDB into two tables
 * that readers join, and a third that the refresh keeps for itself:
 *
 *   sale_matches           one row per current sale: its lead (or none), rule, confidence,
 *                          status matched | review | unmatched, and the opportunity it fell in
 *   sale_match_campaigns   for each matched sale, the campaigns of the touches of that
 *                          opportunity up to the sale date ("any touch" credit)
 *   sale_journeys          for each matched sale, the touches of its order's and its
 *                          delivery's journeys, as the attribution models read them
 *                          (./journeys.ts)
 *   sale_match_pairs       every candidate (sale, lead) pair with its best tier, before the
 *                          window: what the keys and reviews put forward, which changes only
 *                          with the sale, the leads' keys and names, and the reviews — so that
 *                          new touches re-place a sale among its candidates without looking
 *                          for them again among every sale and lead
 *   sale_match_touches     the touches of the paired leads, folded to one row per (lead,
 *                          opportunity, campaign) with the first moment: what matchback reads
 *                          of 20M touchpoints, kept so that new touches are folded in rather
 *                          than every touch of the candidates read again. Every lead with rows
 *                          here has all of them right; a lead that becomes a candidate gets
 *                          its rows then; a lead that stops being one keeps them (and they
 *                          are kept right)
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
export const MATCHBACK_VERSION = '3'

export const DEFAULT_WINDOW_DAYS = 180

export const CONFIDENCE = { reviewed: 1, phone: 1, maskedExact: 0.8, maskedSurname: 0.5 } as const

/**
 * What a partial refresh recomputes, as temporary tables of the sync's connection filled by
 * ./changes.ts, each of sale keys (store_id, sale_key):
 *
 *   _matchback_repair   the sales whose pairs are looked for again (the sale, a lead's keys or
 *                       name, or a review changed), a sale no longer there among them
 *   _matchback_scope    their current rows, with the columns of `sales` the pairing reads
 *   _matchback_keys     the sales whose matches are computed again: those, and the sales
 *                       paired with a lead whose touches or opportunities changed, or of a
 *                       store whose window or time zone did
 */
export const REPAIR_TABLE = '_matchback_repair'
export const SCOPE_TABLE = '_matchback_scope'
export const SCOPE_KEYS_TABLE = '_matchback_keys'

/**
 * And what changes `sale_match_touches`, also filled by ./changes.ts:
 *
 *   _matchback_refold   leads whose touches are folded again from touchpoints (a touch of
 *                       theirs changed or went, an `opportunity` event of theirs changed)
 *   _matchback_grown    new touches (lead_id, at, campaign_id) of other leads: folded into
 *                       their rows, the touches they have being unchanged
 * (for the leads that have rows in `sale_match_touches`; the others have none to keep right)
 */
export const REFOLD_TABLE = '_matchback_refold'
export const GROWN_TABLE = '_matchback_grown'

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

/*
 * The refresh, in steps that each read a big table once and carry on only the candidates'
 * share of it (ADR 017, Consequences):
 *
 *   sale_match_pairs    every (sale, lead) pair a review or a key puts forward, with its best
 *                       tier (rejected pairs left out): hash joins of the sales with the leads;
 *                       for the sales to repair only, in a partial refresh
 *   sale_match_touches  each touch of a paired lead given the opportunity begun last at or
 *                       before it (a hash join on the lead with the `opportunity` events'
 *                       intervals: an ASOF join would sort every touch) and folded to one row
 *                       per (lead, opportunity, campaign) with its first moment: the first
 *                       touch of an opportunity is the least of its rows, and a campaign
 *                       touched the opportunity by the sale date when its first touch in it
 *                       was on or before that day — all that the tables below need of
 *                       touchpoints; for the leads that changed only, in a partial refresh
 *   _matchback_pairs    the pairs of the sales whose matches are computed, and
 *   _matchback_touch    the folded touches of their leads
 *   sale_matches, sale_match_campaigns  from these
 */
const PAIRS = '_matchback_pairs'
const TOUCH = '_matchback_touch'
const MATCHES = '_matchback_matches'

const saleColumns = (from: string) => `
  SELECT store_id, sale_key, phone_hash, phone_masked, nullif(name_key, '') AS name_key,
         coalesce(invoice_date, order_date, delivery_date) AS sale_date
  FROM ${from}`

// The leads are read by the joins themselves (the smaller side hashed): a CTE of every live
// lead shared by the three joins is materialized whole, 2M rows, for a few thousand that pair.
const pairsSql = (from: string) => `
WITH
sl AS (${saleColumns(from)}),
by_review AS (
  SELECT r.store_id, r.sale_key, r.lead_id, 0 AS tier, CAST(NULL AS VARCHAR) AS name_agreement
  FROM sale_match_reviews r JOIN leads ld ON ld.id = r.lead_id AND ld.store_id = r.store_id
  WHERE r.decision = 'accepted' AND ld.merged_into_id IS NULL
),
by_phone AS (
  SELECT sl.store_id, sl.sale_key, ld.id AS lead_id, 1 AS tier, CAST(NULL AS VARCHAR) AS name_agreement
  FROM sl JOIN leads ld ON ld.store_id = sl.store_id AND ld.phone_hash = sl.phone_hash
  WHERE ld.merged_into_id IS NULL
),
masked AS (
  -- two full numbers that differ are two people, however alike their masks
  SELECT sl.store_id, sl.sale_key, ld.id AS lead_id, sl.name_key AS a, nullif(ld.name_key, '') AS b
  FROM sl JOIN leads ld ON ld.store_id = sl.store_id AND ld.phone_masked = sl.phone_masked
  WHERE ld.merged_into_id IS NULL AND (sl.phone_hash IS NULL OR ld.phone_hash IS NULL)
    AND sl.name_key IS NOT NULL AND nullif(ld.name_key, '') IS NOT NULL
),
masked_agreed AS (
  -- compareNameKeys() of analytics/ingest/sales-values.ts: equal, or the shorter is a surname the longer begins with
  SELECT store_id, sale_key, lead_id, ${nameAgreementSql('a', 'b')} AS name_agreement
  FROM masked
),
by_masked AS (
  SELECT store_id, sale_key, lead_id, CASE name_agreement WHEN 'exact' THEN 2 ELSE 3 END AS tier, name_agreement
  FROM masked_agreed WHERE name_agreement IS NOT NULL
)
SELECT p.store_id, p.sale_key, p.lead_id, p.tier, p.name_agreement, sl.sale_date
FROM (SELECT * FROM by_review UNION ALL SELECT * FROM by_phone UNION ALL SELECT * FROM by_masked) p
JOIN sl ON sl.store_id = p.store_id AND sl.sale_key = p.sale_key
ANTI JOIN (SELECT store_id, sale_key, lead_id FROM sale_match_reviews WHERE decision = 'rejected') r
  ON r.store_id = p.store_id AND r.sale_key = p.sale_key AND r.lead_id = p.lead_id
QUALIFY row_number() OVER (PARTITION BY p.store_id, p.sale_key, p.lead_id ORDER BY p.tier) = 1`

/** The fold of `touches` (lead_id, at, campaign_id), for the leads of `leads` (a subquery of lead_id), or every lead. */
const foldSql = (touches: string, leads: string | null) => `
WITH
starts AS (
  -- the type first: a few hundred of millions of events (the join first read every one)
  SELECT e.lead_id, e."at" AS started_at,
         1 + row_number() OVER w AS opportunity, lead(e."at") OVER w AS ends_at
  FROM (SELECT id, lead_id, "at" FROM lead_events WHERE type = 'opportunity') e${leads ? ` SEMI JOIN (${leads}) l ON l.lead_id = e.lead_id` : ''}
  WINDOW w AS (PARTITION BY e.lead_id ORDER BY e."at", e.id)
),
first_ends AS (SELECT lead_id, min(started_at) AS ends_at FROM starts GROUP BY lead_id),
touch_opp AS (
  -- before the first restart a touch is the first opportunity's, which ends there
  SELECT t.lead_id, t."at", t.campaign_id, coalesce(o.opportunity, 1) AS opportunity,
         CASE WHEN o.lead_id IS NULL THEN fe.ends_at ELSE o.ends_at END AS ends_at
  FROM (${touches}) t
  LEFT JOIN first_ends fe ON fe.lead_id = t.lead_id
  LEFT JOIN starts o ON o.lead_id = t.lead_id AND t."at" >= o.started_at AND (o.ends_at IS NULL OR t."at" < o.ends_at)
)
SELECT lead_id, opportunity, campaign_id, any_value(ends_at) AS ends_at, min("at") AS first_at
FROM touch_opp GROUP BY lead_id, opportunity, campaign_id`

const touchesOf = (leads: string) => `SELECT t.lead_id, t."at", t.campaign_id FROM touchpoints t SEMI JOIN (${leads}) l ON l.lead_id = t.lead_id`

// `sales`: the sales whose rows are made (store_id, sale_key, sale_date), each once; `pairs`:
// theirs; `touch`: their leads' folded touches
const saleMatchesSql = (sales: string, pairs: string, touch: string) => `
WITH
sl AS (${sales}),
pairs AS (SELECT * FROM ${pairs}),
opp AS (
  -- each opportunity's first touch, and its day in the store's calendar (computed here, so
  -- that the join below is a hash join on the lead with a plain comparison); a pair's store
  -- is its lead's
  SELECT o.lead_id, o.opportunity, o.ends_at, o.first_touch_at,
         CAST(timezone(coalesce(st.time_zone, 'Asia/Shanghai'), o.first_touch_at) AS DATE) AS first_touch_day
  FROM (SELECT lead_id, opportunity, any_value(ends_at) AS ends_at, min(first_at) AS first_touch_at FROM ${touch} GROUP BY lead_id, opportunity) o
  JOIN (SELECT DISTINCT lead_id, store_id FROM pairs) c ON c.lead_id = o.lead_id
  LEFT JOIN stores st ON st.id = c.store_id
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

// A campaign counts for a matched sale when a touch of the sale's opportunity carried it on or
// before the sale date: its first touch in that opportunity did (the touch rows are folded so).
const saleMatchCampaignsSql = (matches: string, touch: string) => `
SELECT DISTINCT m.store_id, m.sale_key, m.lead_id, t.campaign_id
FROM ${matches} m
JOIN stores st ON st.id = m.store_id
JOIN ${touch} t ON t.lead_id = m.lead_id AND t.opportunity = m.opportunity
WHERE m.status = 'matched' AND t.campaign_id IS NOT NULL
  AND CAST(timezone(coalesce(st.time_zone, 'Asia/Shanghai'), t.first_at) AS DATE) <= m.sale_date`

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
 * Recomputes `sale_matches`, `sale_match_campaigns` and `sale_match_pairs` from the synced
 * tables, the `sales` table and the reviews: for every sale (`'all'`: the tables are made
 * anew), or for the sales of `_matchback_keys` only (`'scoped'`: their rows deleted and made
 * again, every other row kept; the pairs of `_matchback_repair` looked for again first). A
 * sale's pairs read only its own row, the leads of its store with the same phone hash or
 * masked phone, and the reviews of the sale; its match, its pairs, their leads' touches and
 * `opportunity` events, and its store's window and time zone. ./changes.ts puts every sale one
 * of these changed for into the scope, so a scoped refresh gives the same tables as a full
 * one. Runs inside the sync's transaction (analytics/sync/sync.ts): readers see the matches
 * change together with the leads and sales they come from.
 */
export async function refreshSaleMatches(c: AnalyticsConnection, scope: 'all' | 'scoped' = 'all'): Promise<{ sales: number }> {
  let sales = 0
  if (scope === 'all') {
    await runStatement(c, 'matchback.pairs', `CREATE OR REPLACE TABLE sale_match_pairs AS ${pairsSql('sales')}`, { surnames: surnamesParam() })
    const paired = 'SELECT DISTINCT lead_id FROM sale_match_pairs'
    await runStatement(c, 'matchback.touches', `CREATE OR REPLACE TABLE sale_match_touches AS ${foldSql(touchesOf(paired), paired)}`)
    sales = await buildSaleMatches(c)
    await buildSaleJourneys(c)
  } else {
    const keyed = (t: string, keys: string) => `USING ${keys} x WHERE x.store_id = ${t}.store_id AND x.sale_key = ${t}.sale_key`
    // the pairs of the sales to repair, looked for again; a sale no longer there keeps none
    if (await someRows(c, REPAIR_TABLE)) {
      await runStatement(c, 'matchback.pairs.clear', `DELETE FROM sale_match_pairs ${keyed('sale_match_pairs', REPAIR_TABLE)}`)
      await runStatement(c, 'matchback.pairs.scoped', `INSERT INTO sale_match_pairs ${pairsSql(SCOPE_TABLE)}`, { surnames: surnamesParam() })
    }
    await runStatement(
      c,
      'matchback.pairs.of-scope',
      `CREATE OR REPLACE TEMP TABLE ${PAIRS} AS SELECT p.* FROM sale_match_pairs p SEMI JOIN ${SCOPE_KEYS_TABLE} x ON x.store_id = p.store_id AND x.sale_key = p.sale_key`,
    )
    await refoldTouches(c)
    if (await someRows(c, SCOPE_KEYS_TABLE)) {
      // a sale with pairs has its day in them (set when it was last paired: a change of its row
      // repairs it); a repaired sale without any has it in its row
      const scoped = `SELECT store_id, sale_key, coalesce(invoice_date, order_date, delivery_date) AS sale_date FROM ${SCOPE_TABLE}
                      UNION SELECT DISTINCT store_id, sale_key, sale_date FROM ${PAIRS}`
      await runStatement(c, 'matchback.sale_matches.scoped', `CREATE OR REPLACE TEMP TABLE ${MATCHES} AS ${saleMatchesSql(scoped, PAIRS, TOUCH)}`)
      await runStatement(c, 'matchback.sale_matches.clear', `DELETE FROM sale_matches ${keyed('sale_matches', SCOPE_KEYS_TABLE)}`)
      sales = await runStatement(c, 'matchback.sale_matches.insert', `INSERT INTO sale_matches SELECT * FROM ${MATCHES}`)
      await runStatement(c, 'matchback.sale_match_campaigns.clear', `DELETE FROM sale_match_campaigns ${keyed('sale_match_campaigns', SCOPE_KEYS_TABLE)}`)
      await runStatement(c, 'matchback.sale_match_campaigns.scoped', `INSERT INTO sale_match_campaigns ${saleMatchCampaignsSql(MATCHES, TOUCH)}`)
      await runStatement(c, 'matchback.sale_journeys.clear', `DELETE FROM ${SALE_JOURNEYS} ${keyed(SALE_JOURNEYS, SCOPE_KEYS_TABLE)}`)
      await runStatement(c, 'matchback.sale_journeys.scoped', `INSERT INTO ${SALE_JOURNEYS} ${saleJourneysSql(MATCHES, false)}`)
    }
  }
  for (const t of [PAIRS, TOUCH, MATCHES, REPAIR_TABLE, SCOPE_TABLE, SCOPE_KEYS_TABLE, REFOLD_TABLE, GROWN_TABLE, ...FOLD_TEMP]) {
    await runStatement(c, 'matchback.temp.drop', `DROP TABLE IF EXISTS ${t}`)
  }
  await runStatement(c, 'matchback.version.write', `INSERT OR REPLACE INTO _roadshow_meta VALUES ('matchback_version', $version)`, { version: MATCHBACK_VERSION })
  return { sales }
}

/**
 * Tables made whole, store by store (a sale is matched to leads of its own store only): a
 * group's million sales at once held every pair, opportunity, journey row and ranking partition
 * in memory (more than a 256 MB analytical store has); one store's are a twentieth. Each table
 * is created empty first, from its own statement run for no store, so its columns are the
 * statement's whatever the data; then each store of `stores` is inserted in turn, every table
 * for that store before the next store (a later table may read an earlier one's rows of the
 * store). Answers the rows inserted into the first table.
 */
async function buildByStore(
  c: AnalyticsConnection,
  stores: typeof STORES_SOLD,
  tables: Array<{ table: string; step: string; sql: (forStore: boolean) => string }>,
): Promise<number> {
  for (const t of tables) await runStatement(c, t.step, `CREATE OR REPLACE TABLE ${t.table} AS ${t.sql(false)}`, { store: NO_STORE })
  let rows = 0
  for (const { store_id: store } of await runQuery(c, stores, {})) {
    for (const [i, t] of tables.entries()) {
      const inserted = await runStatement(c, `${t.step}.store`, `INSERT INTO ${t.table} ${t.sql(true)}`, { store })
      if (i === 0) rows += inserted
    }
  }
  return rows
}

/** A store id no store has: the statements run for it to create their tables empty. */
const NO_STORE = '00000000-0000-0000-0000-000000000000'

/** `sale_matches` and `sale_match_campaigns`, store by store. Answers the sales matched. */
function buildSaleMatches(c: AnalyticsConnection): Promise<number> {
  const ofStore = (ok: boolean) => ({
    sales: `SELECT store_id, sale_key, coalesce(invoice_date, order_date, delivery_date) AS sale_date FROM sales WHERE ${ok ? 'store_id = $store' : 'false'}`,
    pairs: `(SELECT * FROM sale_match_pairs WHERE store_id = $store)`,
    touch: `(SELECT t.* FROM sale_match_touches t SEMI JOIN (SELECT lead_id FROM sale_match_pairs WHERE store_id = $store) p ON p.lead_id = t.lead_id)`,
    matches: `(SELECT * FROM sale_matches WHERE ${ok ? 'store_id = $store' : 'false'})`,
  })
  return buildByStore(c, STORES_SOLD, [
    { table: 'sale_matches', step: 'matchback.sale_matches', sql: (ok) => saleMatchesSql(ofStore(ok).sales, ofStore(ok).pairs, ofStore(ok).touch) },
    { table: 'sale_match_campaigns', step: 'matchback.sale_match_campaigns', sql: (ok) => saleMatchCampaignsSql(ofStore(ok).matches, ofStore(ok).touch) },
  ])
}

const STORES_SOLD = defineQuery()<{ store_id: string }>({
  name: 'matchback.stores-sold',
  sql: `SELECT DISTINCT CAST(store_id AS VARCHAR) AS store_id FROM sales ORDER BY 1`,
})

/**
 * `sale_journeys`, store by store: each store's rows are kept in conversion order (kind,
 * moment), so a period is still a narrow range of every store's row groups.
 */
async function buildSaleJourneys(c: AnalyticsConnection) {
  await buildByStore(c, STORES_MATCHED, [{ table: SALE_JOURNEYS, step: 'matchback.sale_journeys', sql: (ok) => saleJourneysSql('sale_matches', ok, true) }])
}

const STORES_MATCHED = defineQuery()<{ store_id: string }>({
  name: 'matchback.stores-matched',
  sql: `SELECT DISTINCT CAST(store_id AS VARCHAR) AS store_id FROM sale_matches WHERE status = 'matched' ORDER BY 1`,
})

const FOLD_TEMP = ['_matchback_targets', '_matchback_held', '_matchback_refolding', '_matchback_growing', '_matchback_folded'] as const

/**
 * Brings `sale_match_touches` up to date for the leads it holds that changed, and gives the
 * scope's leads their rows in `_matchback_touch`, reading the table once (with the rows' ids,
 * so that the rows replaced are deleted without reading it again). Folded again from their
 * touchpoints — the one pass over that table, only when there are any: the held leads of
 * `_matchback_refold`, and the scope's leads it does not hold yet (candidates since this
 * sync). The new touches of `_matchback_grown` of the other held leads are folded on their
 * own, then with the lead's rows: the earliest moment of each row wins.
 */
async function refoldTouches(c: AnalyticsConnection) {
  const [targets, held, refolding, growing, folded] = FOLD_TEMP
  await runStatement(
    c,
    'matchback.touches.targets',
    `CREATE OR REPLACE TEMP TABLE ${targets} AS
     SELECT lead_id FROM ${PAIRS} UNION SELECT lead_id FROM ${GROWN_TABLE} UNION SELECT lead_id FROM ${REFOLD_TABLE}`,
  )
  await runStatement(c, 'matchback.touches.held', `CREATE OR REPLACE TEMP TABLE ${held} AS SELECT f.rowid AS rid, f.* FROM sale_match_touches f SEMI JOIN ${targets} t ON t.lead_id = f.lead_id`)
  const heldLeads = `(SELECT DISTINCT lead_id FROM ${held})`
  await runStatement(
    c,
    'matchback.touches.refolding',
    `CREATE OR REPLACE TEMP TABLE ${refolding} AS
     SELECT lead_id FROM ${REFOLD_TABLE} SEMI JOIN ${heldLeads} h USING (lead_id)
     UNION SELECT lead_id FROM ${PAIRS} ANTI JOIN ${heldLeads} h USING (lead_id)`,
  )
  await runStatement(
    c,
    'matchback.touches.growing',
    `CREATE OR REPLACE TEMP TABLE ${growing} AS
     SELECT g.lead_id, g."at", g.campaign_id FROM ${GROWN_TABLE} g SEMI JOIN ${heldLeads} h USING (lead_id) ANTI JOIN ${refolding} r USING (lead_id)`,
  )
  const growingLeads = `SELECT DISTINCT lead_id FROM ${growing}`
  const parts = [
    ...((await someRows(c, refolding)) ? [foldSql(touchesOf(`SELECT lead_id FROM ${refolding}`), `SELECT lead_id FROM ${refolding}`)] : []),
    ...((await someRows(c, growing))
      ? [
          `SELECT lead_id, opportunity, campaign_id, any_value(ends_at) AS ends_at, min(first_at) AS first_at
           FROM (SELECT lead_id, opportunity, campaign_id, ends_at, first_at FROM ${held} SEMI JOIN (${growingLeads}) g USING (lead_id)
                 UNION ALL (${foldSql(`SELECT lead_id, "at", campaign_id FROM ${growing}`, growingLeads)}))
           GROUP BY lead_id, opportunity, campaign_id`,
        ]
      : []),
  ]
  if (parts.length) {
    await runStatement(c, 'matchback.touches.folded', `CREATE OR REPLACE TEMP TABLE ${folded} AS ${parts.map((p) => `(${p})`).join(' UNION ALL ')}`)
    const replaced = `SELECT lead_id FROM ${refolding} UNION SELECT lead_id FROM ${growing}`
    await runStatement(c, 'matchback.touches.clear', `DELETE FROM sale_match_touches WHERE rowid IN (SELECT h.rid FROM ${held} h SEMI JOIN (${replaced}) r USING (lead_id))`)
    await runStatement(c, 'matchback.touches.insert', `INSERT INTO sale_match_touches SELECT * FROM ${folded}`)
    await runStatement(
      c,
      'matchback.touch.of-scope',
      `CREATE OR REPLACE TEMP TABLE ${TOUCH} AS
       SELECT lead_id, opportunity, campaign_id, ends_at, first_at FROM ${held} ANTI JOIN (${replaced}) r USING (lead_id)
       UNION ALL SELECT * FROM ${folded}`,
    )
  } else {
    await runStatement(c, 'matchback.touch.of-scope', `CREATE OR REPLACE TEMP TABLE ${TOUCH} AS SELECT lead_id, opportunity, campaign_id, ends_at, first_at FROM ${held}`)
  }
}

const anyRow = Object.fromEntries(
  [REPAIR_TABLE, SCOPE_KEYS_TABLE, FOLD_TEMP[2], FOLD_TEMP[3]].map((t) => [t, defineQuery()({ name: `matchback.any${t}`, sql: `SELECT EXISTS (SELECT 1 FROM ${t}) AS some` })]),
)
async function someRows(c: AnalyticsConnection, table: string) {
  const [row] = await runQuery(c, anyRow[table]!, {})
  return row?.some === true
}
