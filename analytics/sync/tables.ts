/**
 * What the analytical copy holds of each Postgres table (docs/decisions/013-analytics-sync.md):
 * the columns attribution, ROI and matchback read, in DuckDB types. Personal data stays
 * out where analysis does not need it (PIPL): no full phone, no names, no free-text notes,
 * no page URLs or user agents; a lead carries its keyed phone hash and masked phone.
 * Every table is keyed by `id`; Postgres stamps each row with the transaction that last
 * wrote it (`sync_xid`) and logs deletions in `sync_deletions`. The large tables (touches,
 * web events, clicks, leads and their events, showroom visits) leave out their row
 * bookkeeping times (`created_at`, `updated_at`): no analysis reads them, and at 20M touches
 * they were a sixth of what a rebuild copies.
 */
export type ColumnSpec = {
  name: string
  /** DuckDB type of the column */
  type: string
}

export type TableSpec = {
  name: string
  keyType: 'UUID' | 'BIGINT'
  /** every column but the key */
  columns: ColumnSpec[]
  /**
   * The order a fresh copy is written in (the columns of an ORDER BY). DuckDB keeps each row
   * group's minimum and maximum per column, so a table in this order lets a question about a
   * month skip the row groups of every other month. Rows synced later are appended, and new
   * touches are recent ones: the order mostly holds until the next rebuild.
   */
  clusterBy?: string
}

const c = (name: string, type: string): ColumnSpec => ({ name, type })
const ts = (name: string) => c(name, 'TIMESTAMPTZ')
const text = (name: string) => c(name, 'VARCHAR')
const uuid = (name: string) => c(name, 'UUID')
const int = (name: string) => c(name, 'INTEGER')
const big = (name: string) => c(name, 'BIGINT')
const date = (name: string) => c(name, 'DATE')
const bool = (name: string) => c(name, 'BOOLEAN')
const json = (name: string) => c(name, 'JSON')

export const SYNCED_TABLES: readonly TableSpec[] = [
  {
    name: 'stores',
    keyType: 'UUID',
    columns: [
      uuid('group_id'), text('name'), text('brand'), text('city'), text('time_zone'), text('currency'), int('matchback_window_days'), int('attribution_lookback_days'),
      ts('created_at'), ts('updated_at'),
    ],
  },
  {
    name: 'sites',
    keyType: 'UUID',
    columns: [uuid('store_id'), text('name'), bool('active'), ts('created_at'), ts('updated_at')],
  },
  {
    name: 'campaigns',
    keyType: 'UUID',
    columns: [
      uuid('store_id'), text('name'), text('form'), text('status'), json('purposes'), text('theme'),
      date('warmup_start'), date('start_date'), date('end_date'), json('models'), uuid('owner_id'),
      int('target_leads'), int('target_visits'), int('target_test_drives'), int('target_orders'), int('target_deliveries'),
      big('target_revenue_fen'), big('target_gross_profit_fen'), uuid('cloned_from_id'), int('version'),
      ts('created_at'), ts('updated_at'),
    ],
  },
  {
    name: 'campaign_tasks',
    keyType: 'UUID',
    columns: [uuid('campaign_id'), int('position'), text('title'), text('owner'), date('due_date'), text('status'), ts('updated_at')],
  },
  {
    name: 'media_placements',
    keyType: 'UUID',
    columns: [
      uuid('campaign_id'), int('position'), text('medium'), text('platform'), text('purpose'), text('nature'), text('audience'),
      date('start_date'), date('end_date'), big('cost_fen'), ts('updated_at'),
    ],
  },
  {
    name: 'promotion_policies',
    keyType: 'UUID',
    columns: [uuid('campaign_id'), int('position'), text('kind'), text('description'), big('unit_cost_fen'), int('expected_units'), ts('updated_at')],
  },
  {
    name: 'budget_lines',
    keyType: 'UUID',
    columns: [
      uuid('campaign_id'), int('position'), text('category'), text('description'), big('planned_fen'), big('actual_fen'), text('vendor'),
      big('subsidy_fen'), uuid('placement_id'), uuid('promotion_id'), ts('updated_at'),
    ],
  },
  {
    // actual spend by day and budget line (ADR 023): cost by channel, medium and month
    name: 'spend_entries',
    keyType: 'UUID',
    columns: [uuid('campaign_id'), uuid('budget_line_id'), date('spent_on'), big('amount_fen'), big('subsidy_fen'), ts('updated_at')],
  },
  {
    name: 'campaign_transitions',
    keyType: 'BIGINT',
    columns: [uuid('campaign_id'), text('from_status'), text('to_status'), uuid('user_id'), ts('at'), ts('updated_at')],
  },
  {
    name: 'tracking_links',
    keyType: 'UUID',
    columns: [
      uuid('store_id'), uuid('campaign_id'), uuid('placement_id'), text('code'), text('utm_source'), text('utm_medium'), text('utm_campaign'),
      text('utm_content'), bool('active'), ts('created_at'), ts('updated_at'),
    ],
  },
  {
    name: 'link_clicks',
    keyType: 'BIGINT',
    columns: [uuid('link_id'), ts('at'), text('ip_hash')],
  },
  {
    name: 'visitors',
    keyType: 'UUID',
    columns: [uuid('store_id'), uuid('site_id'), text('visitor_key'), uuid('lead_id'), ts('first_seen_at'), ts('last_seen_at'), ts('updated_at')],
  },
  {
    name: 'web_events',
    keyType: 'BIGINT',
    columns: [
      uuid('site_id'), uuid('store_id'), text('visitor_key'), text('type'), text('utm_source'), text('utm_medium'), text('utm_campaign'),
      text('utm_content'), text('utm_term'), json('click_ids'), ts('occurred_at'), ts('received_at'),
    ],
  },
  {
    name: 'leads',
    keyType: 'UUID',
    columns: [
      // name_key, never the name: the normalized form matchback compares (ADR 017)
      uuid('store_id'), text('phone_hash'), text('phone_masked'), text('name_key'), int('opportunity'), text('city'), text('model_of_interest'), text('grade'), text('status'),
      text('lost_reason'), text('lost_to_brand'), text('lost_to_model'), uuid('consultant_id'), text('first_channel'),
      uuid('first_campaign_id'), ts('first_touch_at'), ts('last_touch_at'), uuid('merged_into_id'),
    ],
  },
  {
    name: 'touchpoints',
    keyType: 'BIGINT',
    clusterBy: '"store_id", "at", id',
    columns: [
      uuid('store_id'), uuid('lead_id'), uuid('site_id'), text('visitor_key'), text('kind'), text('channel'), text('utm_source'),
      text('utm_medium'), text('utm_campaign'), text('utm_content'), uuid('campaign_id'), uuid('placement_id'), uuid('tracking_link_id'),
      big('web_event_id'), uuid('import_id'), ts('at'),
    ],
  },
  {
    name: 'lead_events',
    keyType: 'BIGINT',
    columns: [uuid('lead_id'), text('type'), text('from_status'), text('to_status'), uuid('user_id'), ts('at')],
  },
  {
    name: 'showroom_visits',
    keyType: 'UUID',
    columns: [
      uuid('store_id'), uuid('lead_id'), big('touchpoint_id'), text('visit_type'), ts('arrived_at'), ts('left_at'), int('party_size'),
      uuid('consultant_id'), bool('test_drive'),
    ],
  },
  {
    // people's decisions on suggested matches (ADR 017): matchback reads them in DuckDB
    name: 'sale_match_reviews',
    keyType: 'UUID',
    columns: [uuid('store_id'), text('sale_key'), uuid('lead_id'), text('decision'), ts('decided_at'), ts('updated_at')],
  },
]

export const SYNCED_TABLE_NAMES = new Set(SYNCED_TABLES.map((t) => t.name))

/** Quotes a name from the specs above (never user input) as a SQL identifier. */
export function ident(name: string) {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`Not a plain identifier: ${name}`)
  return `"${name}"`
}
