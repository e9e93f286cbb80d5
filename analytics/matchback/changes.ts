import { type AnalyticsConnection, type SqlList } from '../duckdb'
import { defineQuery, runQuery, runStatement } from '../query'
import { SCOPE_TABLE } from './refresh'

/**
 * Which sales a sync's changes can re-match (ADR 017), so that the sync recomputes those
 * only. A sale's match reads its own row, its store's window and time zone, the leads that
 * pair with it — same store and same phone hash or masked phone, or a review — with their
 * touches and `opportunity` events, and the reviews of the sale. The sync reports each page
 * of rows it is about to apply (while the old versions are still in the table) and each batch
 * of deletions (before they are applied), and this records, in a temporary table:
 *
 *   kind 'lead'   a lead whose pairs may have changed: resolved at the end to its keys (store,
 *                 phone hash, masked phone) as they are now, to the sales it is matched to,
 *                 and to the sales it has a review on
 *   kind 'keys'   keys a lead had before this sync (changed or deleted since): the sales
 *                 that paired with them
 *   kind 'sale'   one sale (a review of it changed)
 *   kind 'store'  every sale of a store (its window or time zone changed)
 *
 * from these changes:
 *
 *   leads               new, or another store, phone hash, masked phone, name key or merge: the
 *                       lead, and its old keys. A status step or a new last touch re-matches
 *                       nothing, and is not recorded
 *   touchpoints         a row with a lead (before or after) that is new, or whose lead, time or
 *                       campaign changed: both leads. Anonymous web traffic (no lead on either
 *                       side) re-matches nothing, however much of it arrives
 *   lead_events         an `opportunity` event (before or after) that is new or changed
 *   stores              new, or another time zone or matchback window
 *   sale_match_reviews  every change: the old and the new sale
 *
 * and the same for deleted rows of these tables, read before the deletion: an erased lead's
 * matches go in the same commit as the lead.
 */

const DIRTY = '_matchback_dirty'
const STAGE = '_sync_stage'

/** Starts recording; call inside the sync's transaction, on its connection. */
export async function beginMatchbackChanges(c: AnalyticsConnection) {
  await runStatement(
    c,
    'matchback.changes.begin',
    `CREATE OR REPLACE TEMP TABLE ${DIRTY} (kind VARCHAR, store_id UUID, lead_id UUID, phone_hash VARCHAR, phone_masked VARCHAR, sale_key VARCHAR)`,
  )
}

const distinct = (...columns: string[]) => columns.map((col) => `s.${col} IS DISTINCT FROM o.${col}`).join(' OR ')
const leadOf = (column: string) => `'lead', NULL, ${column}, NULL, NULL, NULL`

/** Per table: what of a staged page (`s`, its old version `o`) is recorded. */
const STAGED: Record<string, string> = {
  leads: `
    WITH ch AS (
      SELECT s.id, o.id AS old_id, o.store_id, o.phone_hash, o.phone_masked FROM ${STAGE} s LEFT JOIN leads o ON o.id = s.id
      WHERE o.id IS NULL OR ${distinct('store_id', 'phone_hash', 'phone_masked', 'name_key', 'merged_into_id')}
    )
    INSERT INTO ${DIRTY}
    SELECT ${leadOf('id')} FROM ch
    UNION ALL SELECT 'keys', store_id, NULL, phone_hash, phone_masked, NULL FROM ch WHERE old_id IS NOT NULL`,
  touchpoints: `
    WITH ch AS (
      SELECT s.lead_id AS new_lead, o.lead_id AS old_lead FROM ${STAGE} s LEFT JOIN touchpoints o ON o.id = s.id
      WHERE (s.lead_id IS NOT NULL OR o.lead_id IS NOT NULL) AND (o.id IS NULL OR ${distinct('lead_id', '"at"', 'campaign_id')})
    )
    INSERT INTO ${DIRTY}
    SELECT ${leadOf('new_lead')} FROM ch WHERE new_lead IS NOT NULL
    UNION ALL SELECT ${leadOf('old_lead')} FROM ch WHERE old_lead IS NOT NULL`,
  lead_events: `
    WITH ch AS (
      SELECT s.lead_id AS new_lead, o.lead_id AS old_lead FROM ${STAGE} s LEFT JOIN lead_events o ON o.id = s.id
      WHERE (s.type = 'opportunity' OR o.type = 'opportunity') AND (o.id IS NULL OR ${distinct('lead_id', 'type', '"at"')})
    )
    INSERT INTO ${DIRTY}
    SELECT ${leadOf('new_lead')} FROM ch WHERE new_lead IS NOT NULL
    UNION ALL SELECT ${leadOf('old_lead')} FROM ch WHERE old_lead IS NOT NULL`,
  stores: `
    INSERT INTO ${DIRTY}
    SELECT 'store', s.id, NULL, NULL, NULL, NULL FROM ${STAGE} s LEFT JOIN stores o ON o.id = s.id
    WHERE o.id IS NULL OR ${distinct('time_zone', 'matchback_window_days')}`,
  sale_match_reviews: `
    INSERT INTO ${DIRTY}
    SELECT 'sale', s.store_id, NULL, NULL, NULL, s.sale_key FROM ${STAGE} s
    UNION ALL SELECT 'sale', o.store_id, NULL, NULL, NULL, o.sale_key FROM ${STAGE} s JOIN sale_match_reviews o ON o.id = s.id`,
}

/** Per table: what of the rows about to be deleted (`ids`, a subquery) is recorded. */
const DELETED: Record<string, (ids: string) => string> = {
  leads: (ids) => `
    INSERT INTO ${DIRTY}
    SELECT 'keys', store_id, NULL, phone_hash, phone_masked, NULL FROM leads WHERE id IN (${ids})
    UNION ALL SELECT ${leadOf('id')} FROM leads WHERE id IN (${ids})`,
  touchpoints: (ids) => `INSERT INTO ${DIRTY} SELECT ${leadOf('lead_id')} FROM touchpoints WHERE lead_id IS NOT NULL AND id IN (${ids})`,
  lead_events: (ids) => `INSERT INTO ${DIRTY} SELECT ${leadOf('lead_id')} FROM lead_events WHERE type = 'opportunity' AND id IN (${ids})`,
  stores: (ids) => `INSERT INTO ${DIRTY} SELECT 'store', id, NULL, NULL, NULL, NULL FROM stores WHERE id IN (${ids})`,
  sale_match_reviews: (ids) => `INSERT INTO ${DIRTY} SELECT 'sale', store_id, NULL, NULL, NULL, sale_key FROM sale_match_reviews WHERE id IN (${ids})`,
}

/** Records what the page staged in `_sync_stage` for `table` changes; before it replaces the old rows. */
export async function noteStagedChanges(c: AnalyticsConnection, table: string) {
  const sql = STAGED[table]
  if (sql) await runStatement(c, `matchback.changes.${table}`, sql)
}

/** Records what deleting the rows of `table` selected by `idsSql` (a subquery over the bound `$ids`) changes; before the deletion. */
export async function noteDeletions(c: AnalyticsConnection, table: string, idsSql: string, ids: SqlList) {
  const sql = DELETED[table]
  if (sql) await runStatement(c, `matchback.changes.deleted.${table}`, sql(idsSql), { ids })
}

const counts = Object.fromEntries(
  [DIRTY, SCOPE_TABLE].map((t) => [t, defineQuery()({ name: `matchback.changes.count${t}`, sql: `SELECT count(*)::BIGINT AS n FROM ${t}` })]),
)
async function count(c: AnalyticsConnection, table: string) {
  const [row] = await runQuery(c, counts[table]!, {})
  return Number(row?.n ?? 0)
}

/**
 * Fills the refresh's scope (`_matchback_scope`) with the current sales the recorded changes
 * can re-match, and ends the recording. Returns their number (0: nothing to recompute). The
 * `sales` view is read once, and only when something was recorded.
 */
export async function scopeChangedSales(c: AnalyticsConnection): Promise<number> {
  let scoped = 0
  if ((await count(c, DIRTY)) > 0) {
    await runStatement(
      c,
      'matchback.changes.scope',
      `CREATE OR REPLACE TEMP TABLE ${SCOPE_TABLE} AS
       WITH
       d AS (SELECT * FROM ${DIRTY}),
       lead_ids AS (SELECT DISTINCT lead_id FROM d WHERE kind = 'lead'),
       keys AS (
         SELECT DISTINCT store_id, phone_hash, phone_masked FROM (
           SELECT store_id, phone_hash, phone_masked FROM d WHERE kind = 'keys'
           UNION ALL SELECT l.store_id, l.phone_hash, l.phone_masked FROM leads l SEMI JOIN lead_ids ON lead_ids.lead_id = l.id
         )
       ),
       whole AS (SELECT DISTINCT store_id FROM d WHERE kind = 'store'),
       s AS MATERIALIZED (
         SELECT store_id, sale_key, phone_hash, phone_masked, name_key, invoice_date, order_date, delivery_date FROM sales
       ),
       picked AS (
         SELECT s.store_id, s.sale_key FROM s SEMI JOIN keys k ON k.store_id = s.store_id AND k.phone_hash = s.phone_hash
         UNION SELECT s.store_id, s.sale_key FROM s SEMI JOIN keys k ON k.store_id = s.store_id AND k.phone_masked = s.phone_masked
         UNION SELECT s.store_id, s.sale_key FROM s SEMI JOIN whole w ON w.store_id = s.store_id
         UNION SELECT store_id, sale_key FROM d WHERE kind = 'sale'
         UNION SELECT m.store_id, m.sale_key FROM sale_matches m SEMI JOIN lead_ids ON lead_ids.lead_id = m.lead_id
         UNION SELECT r.store_id, r.sale_key FROM sale_match_reviews r SEMI JOIN lead_ids ON lead_ids.lead_id = r.lead_id
       )
       SELECT s.* FROM s SEMI JOIN picked p ON p.store_id = s.store_id AND p.sale_key = s.sale_key`,
    )
    scoped = await count(c, SCOPE_TABLE)
  }
  await runStatement(c, 'matchback.changes.end', `DROP TABLE IF EXISTS ${DIRTY}`)
  return scoped
}
