import { sql, type SQL } from 'drizzle-orm'

/**
 * What `leads` keeps of a lead's touches, for the list's order and the first-touch reports:
 * its first touch (the earliest by time, then id: its moment, channel and campaign) and the
 * moment of its last. Written in one place for both writers that move it: the collector's batch
 * (its new touches are not yet visible to its own statement, so it passes them alongside the
 * stored ones) and `refreshTouchSummary` (after a merge or a visitor becoming a lead).
 *
 * `touches`: rows of (id, lead_id, "at", channel, campaign_id). One row per lead that has any.
 */
export const touchSummaryOf = (touches: SQL) =>
  sql`SELECT DISTINCT ON (lead_id) lead_id, "at" AS first_at, channel, campaign_id, max("at") OVER (PARTITION BY lead_id) AS last_at
      FROM (${touches}) lead_touch ORDER BY lead_id, "at", id`

/**
 * The SET list of an `UPDATE leads l … FROM (touchSummaryOf(…)) u`: the summary, a lead without
 * touches back to none, and the lead's version moved on (an edit open on it since then is stale).
 */
export const TOUCH_SUMMARY_SET = sql.raw(
  `first_touch_at = u.first_at, first_channel = u.channel, first_campaign_id = u.campaign_id, last_touch_at = u.last_at, version = l.version + 1, updated_at = now()`,
)
