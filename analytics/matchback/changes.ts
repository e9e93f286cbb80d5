import { type AnalyticsConnection, type SqlList } from '../duckdb'
import { defineQuery, runQuery, runStatement } from '../query'
import { GROWN_TABLE, REFOLD_TABLE, REPAIR_TABLE, SCOPE_KEYS_TABLE, SCOPE_TABLE } from './refresh'

/**
 * Which sales a sync's changes can re-match (ADR 017), so that the sync recomputes those
 * only. A sale's candidate pairs (`sale_match_pairs`) read its own row, the leads of its store
 * with the same phone hash or masked phone (their keys, name and merge), and the reviews of the
 * sale; its match reads its pairs, their leads' touches and `opportunity` events, and its
 * store's window and time zone. The sync reports each page of rows it is about to apply (while
 * the old versions are still in the table) and each batch of deletions (before they are
 * applied), and this records, in a temporary table:
 *
 *   kind 'lead'     a lead whose pairs may have changed: the sales paired with it, and those
 *                   it has a review on, are paired again
 *   kind 'keys'     a lead's keys as they are now (store, phone hash, masked phone): the sales
 *                   with them are paired again (a lead's old keys need no entry: the sales that
 *                   paired with them are the lead's pairs)
 *   kind 'sale'     one sale, paired again (a review of it changed, or its current row: a sales
 *                   import added or superseded it, an erasure emptied its buyer's identifiers)
 *   kind 'touched'  a lead whose touches or opportunities changed: its touches are folded again
 *                   (`sale_match_touches`), and the sales paired with it are matched again
 *                   among the pairs they have
 *   kind 'grown'    a new touch of a lead (lead, moment, campaign): folded into the lead's rows
 *                   — no other touch of the lead changed — and its sales matched again likewise
 *   kind 'store'    a store whose window or time zone changed: its sales with pairs likewise
 *
 * from these changes:
 *
 *   leads               new, or another store, phone hash, masked phone, name key or merge: the
 *                       lead and its new keys. A status step or a new last touch re-matches
 *                       nothing, and is not recorded
 *   touchpoints         a new row with a lead: grown; a row with a lead (before or after) whose
 *                       lead, time, campaign, channel or placement changed (the last two for the
 *                       sales' journeys, ./journeys.ts): both leads, touched. Anonymous web
 *                       traffic (no lead on either side) re-matches nothing, however much of it
 *                       arrives
 *   lead_events         an `opportunity` event (before or after) that is new or changed: touched
 *   stores              new, or another time zone, matchback window or attribution lookback
 *                       window (the sales' journeys)
 *   sale_match_reviews  every change: the old and the new sale
 *   sales               the sales whose current row changed (analytics/sync/parquet-views.ts
 *                       compares them when the registered files change)
 *
 * and the same for deleted rows of these tables, read before the deletion: an erased lead's
 * matches go in the same commit as the lead. New touches of known leads — the collector's
 * and the front desk's daily traffic — thus reach their sales through `sale_match_pairs` by
 * lead id alone, and `sale_match_touches` by folding the new touches in, without reading every
 * sale, lead and touchpoint again.
 */

const DIRTY = '_matchback_dirty'
const STAGE = '_sync_stage'

/** Starts recording; call inside the sync's transaction, on its connection. */
export async function beginMatchbackChanges(c: AnalyticsConnection) {
  await runStatement(
    c,
    'matchback.changes.begin',
    `CREATE OR REPLACE TEMP TABLE ${DIRTY} (kind VARCHAR, store_id UUID, lead_id UUID, phone_hash VARCHAR, phone_masked VARCHAR, sale_key VARCHAR, "at" TIMESTAMPTZ, campaign_id UUID)`,
  )
}

const distinct = (...columns: string[]) => columns.map((col) => `s.${col} IS DISTINCT FROM o.${col}`).join(' OR ')
const leadOf = (kind: 'lead' | 'touched', column: string) => `'${kind}', NULL, ${column}, NULL, NULL, NULL, NULL, NULL`
const keyOf = (kind: 'keys' | 'sale' | 'store', store: string, more = 'NULL, NULL, NULL') => `'${kind}', ${store}, NULL, ${more}, NULL, NULL`

/** Per table: what of a staged page (`s`, its old version `o`) is recorded. */
const STAGED: Record<string, string> = {
  leads: `
    WITH ch AS (
      SELECT s.id, s.store_id, s.phone_hash, s.phone_masked, s.merged_into_id FROM ${STAGE} s LEFT JOIN leads o ON o.id = s.id
      WHERE o.id IS NULL OR ${distinct('store_id', 'phone_hash', 'phone_masked', 'name_key', 'merged_into_id')}
    )
    INSERT INTO ${DIRTY}
    SELECT ${leadOf('lead', 'id')} FROM ch
    UNION ALL SELECT ${keyOf('keys', 'store_id', 'phone_hash, phone_masked, NULL')} FROM ch
    WHERE merged_into_id IS NULL AND (phone_hash IS NOT NULL OR phone_masked IS NOT NULL)`,
  touchpoints: `
    WITH ch AS (
      SELECT s.lead_id AS new_lead, o.lead_id AS old_lead, o.id IS NULL AS inserted, s."at", s.campaign_id
      FROM ${STAGE} s LEFT JOIN touchpoints o ON o.id = s.id
      WHERE (s.lead_id IS NOT NULL OR o.lead_id IS NOT NULL) AND (o.id IS NULL OR ${distinct('lead_id', '"at"', 'campaign_id', 'channel', 'placement_id')})
    )
    INSERT INTO ${DIRTY}
    SELECT 'grown', NULL, new_lead, NULL, NULL, NULL, "at", campaign_id FROM ch WHERE inserted
    UNION ALL SELECT ${leadOf('touched', 'new_lead')} FROM ch WHERE NOT inserted AND new_lead IS NOT NULL
    UNION ALL SELECT ${leadOf('touched', 'old_lead')} FROM ch WHERE old_lead IS NOT NULL`,
  lead_events: `
    WITH ch AS (
      SELECT s.lead_id AS new_lead, o.lead_id AS old_lead FROM ${STAGE} s LEFT JOIN lead_events o ON o.id = s.id
      WHERE (s.type = 'opportunity' OR o.type = 'opportunity') AND (o.id IS NULL OR ${distinct('lead_id', 'type', '"at"')})
    )
    INSERT INTO ${DIRTY}
    SELECT ${leadOf('touched', 'new_lead')} FROM ch WHERE new_lead IS NOT NULL
    UNION ALL SELECT ${leadOf('touched', 'old_lead')} FROM ch WHERE old_lead IS NOT NULL`,
  stores: `
    INSERT INTO ${DIRTY}
    SELECT ${keyOf('store', 's.id')} FROM ${STAGE} s LEFT JOIN stores o ON o.id = s.id
    WHERE o.id IS NULL OR ${distinct('time_zone', 'matchback_window_days', 'attribution_lookback_days')}`,
  sale_match_reviews: `
    INSERT INTO ${DIRTY}
    SELECT ${keyOf('sale', 's.store_id', 'NULL, NULL, s.sale_key')} FROM ${STAGE} s
    UNION ALL SELECT ${keyOf('sale', 'o.store_id', 'NULL, NULL, o.sale_key')} FROM ${STAGE} s JOIN sale_match_reviews o ON o.id = s.id`,
}

/** Per table: what of the rows about to be deleted (`ids`, a subquery) is recorded. */
const DELETED: Record<string, (ids: string) => string> = {
  leads: (ids) => `INSERT INTO ${DIRTY} SELECT ${leadOf('lead', 'id')} FROM leads WHERE id IN (${ids})`,
  touchpoints: (ids) => `INSERT INTO ${DIRTY} SELECT ${leadOf('touched', 'lead_id')} FROM touchpoints WHERE lead_id IS NOT NULL AND id IN (${ids})`,
  lead_events: (ids) => `INSERT INTO ${DIRTY} SELECT ${leadOf('touched', 'lead_id')} FROM lead_events WHERE type = 'opportunity' AND id IN (${ids})`,
  stores: (ids) => `INSERT INTO ${DIRTY} SELECT ${keyOf('store', 'id')} FROM stores WHERE id IN (${ids})`,
  sale_match_reviews: (ids) => `INSERT INTO ${DIRTY} SELECT ${keyOf('sale', 'store_id', 'NULL, NULL, sale_key')} FROM sale_match_reviews WHERE id IN (${ids})`,
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

/** Records the sales listed in `keysTable` (store_id, sale_key): their current row changed. */
export async function noteChangedSales(c: AnalyticsConnection, keysTable: string) {
  await runStatement(c, 'matchback.changes.sales', `INSERT INTO ${DIRTY} SELECT ${keyOf('sale', 'store_id', 'NULL, NULL, sale_key')} FROM ${keysTable}`)
}

const recorded = defineQuery()({ name: 'matchback.changes.kinds', sql: `SELECT kind, count(*)::BIGINT AS n FROM ${DIRTY} GROUP BY kind` })
const countKeys = defineQuery()({ name: 'matchback.changes.count', sql: `SELECT count(*)::BIGINT AS n FROM ${SCOPE_KEYS_TABLE}` })

/**
 * Fills the refresh's scope (ADR 017; the tables of ./refresh.ts) from what was recorded, and
 * ends the recording: `_matchback_repair` the sales to pair again, `_matchback_scope` their
 * current rows, `_matchback_keys` every sale to match again (a sale no longer there among
 * them: its rows are only deleted), `_matchback_refold` and `_matchback_grown` what changes
 * the folded touches. Returns the number of sales to match again, and whether anything was
 * recorded at all (new touches of leads without sales change the folded touches alone).
 * `sales` and `leads` are read only for what asks for them — new keys, sales to pair again —
 * never for touches of known leads.
 */
export async function scopeChangedSales(c: AnalyticsConnection): Promise<{ sales: number; recorded: boolean }> {
  const kinds = new Map((await runQuery(c, recorded, {})).map((r) => [String(r.kind), Number(r.n)]))
  let sales = 0
  if (kinds.size > 0) {
    const repair = [
      ...(kinds.has('keys')
        ? [
            `keys AS (SELECT DISTINCT store_id, phone_hash, phone_masked FROM ${DIRTY} WHERE kind = 'keys')`,
            `SELECT s.store_id, s.sale_key FROM sales s SEMI JOIN keys k ON k.store_id = s.store_id AND k.phone_hash = s.phone_hash`,
            `SELECT s.store_id, s.sale_key FROM sales s SEMI JOIN keys k ON k.store_id = s.store_id AND k.phone_masked = s.phone_masked`,
          ]
        : []),
      ...(kinds.has('sale') ? [`SELECT store_id, sale_key FROM ${DIRTY} WHERE kind = 'sale'`] : []),
      ...(kinds.has('lead')
        ? [
            `lead_ids AS (SELECT DISTINCT lead_id FROM ${DIRTY} WHERE kind = 'lead')`,
            `SELECT p.store_id, p.sale_key FROM sale_match_pairs p SEMI JOIN lead_ids ON lead_ids.lead_id = p.lead_id`,
            `SELECT r.store_id, r.sale_key FROM sale_match_reviews r SEMI JOIN lead_ids ON lead_ids.lead_id = r.lead_id`,
          ]
        : []),
    ]
    const ctes = repair.filter((part) => !part.startsWith('SELECT'))
    const selects = repair.filter((part) => part.startsWith('SELECT'))
    await runStatement(
      c,
      'matchback.changes.repair',
      `CREATE OR REPLACE TEMP TABLE ${REPAIR_TABLE} AS
       ${ctes.length ? `WITH ${ctes.join(',\n')}` : ''}
       ${selects.length ? selects.join('\nUNION ') : 'SELECT store_id, sale_key FROM sales LIMIT 0'}`,
    )
    await runStatement(
      c,
      'matchback.changes.scope.rows',
      `CREATE OR REPLACE TEMP TABLE ${SCOPE_TABLE} AS
       SELECT s.store_id, s.sale_key, s.phone_hash, s.phone_masked, s.name_key, s.invoice_date, s.order_date, s.delivery_date
       FROM sales s ${selects.length ? `SEMI JOIN ${REPAIR_TABLE} x ON x.store_id = s.store_id AND x.sale_key = s.sale_key` : 'LIMIT 0'}`,
    )
    // the folded touches: leads to fold again from touchpoints, and new touches of the others
    await runStatement(c, 'matchback.changes.refold', `CREATE OR REPLACE TEMP TABLE ${REFOLD_TABLE} AS SELECT DISTINCT lead_id FROM ${DIRTY} WHERE kind = 'touched'`)
    await runStatement(
      c,
      'matchback.changes.grown',
      `CREATE OR REPLACE TEMP TABLE ${GROWN_TABLE} AS
       SELECT d.lead_id, d."at", d.campaign_id FROM ${DIRTY} d ANTI JOIN ${REFOLD_TABLE} x ON x.lead_id = d.lead_id WHERE d.kind = 'grown'`,
    )
    // what is matched again: the sales paired again, and those among whose pairs the touches or the window changed
    const rematch = [
      `SELECT store_id, sale_key FROM ${REPAIR_TABLE}`,
      ...(kinds.has('touched') || kinds.has('grown')
        ? [`SELECT p.store_id, p.sale_key FROM sale_match_pairs p SEMI JOIN (SELECT lead_id FROM ${DIRTY} WHERE kind IN ('touched', 'grown')) d ON d.lead_id = p.lead_id`]
        : []),
      ...(kinds.has('store') ? [`SELECT p.store_id, p.sale_key FROM sale_match_pairs p SEMI JOIN (SELECT store_id FROM ${DIRTY} WHERE kind = 'store') d ON d.store_id = p.store_id`] : []),
    ]
    await runStatement(c, 'matchback.changes.scope.keys', `CREATE OR REPLACE TEMP TABLE ${SCOPE_KEYS_TABLE} AS ${rematch.join('\nUNION ')}`)
    const [row] = await runQuery(c, countKeys, {})
    sales = Number(row?.n ?? 0)
  }
  await runStatement(c, 'matchback.changes.end', `DROP TABLE IF EXISTS ${DIRTY}`)
  return { sales, recorded: kinds.size > 0 }
}
