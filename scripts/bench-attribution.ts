import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import postgres from 'postgres'
import type { AnalyticsDb } from '../analytics/duckdb'
import type { DbHandle } from '../db/client'
import { sampleRss, serverPeaks } from './lib/rss'

/**
 * Attribution and ROI at the group's scale (SPEC §7, "Attribution and ROI" must 9), on the data
 * the sales benchmark left: the generated group in Postgres, its DMS exports imported and
 * matched in the analytical store.
 *
 * 1. The questions of the attribution and ROI pages asked of both engines in the same SQL — the
 *    same text, parameters bound — DuckDB over the analytical store, Postgres over the app's own
 *    tables (the matched sales and their journeys copied in, since matchback lives in the
 *    analytical store; with the indexes a Postgres installation would give them, and in the
 *    same order): leads by first channel and month,
 *    orders' first- and last-touch credits, linear and position-based credits with gross profit,
 *    the top conversion paths, path length and time to convert, ROI per campaign, and spend
 *    against return per store and month. Each answer is held to the other engine's: the run
 *    fails when they differ. The ratio is Postgres' time over DuckDB's, the target ≥ 10× as a
 *    geometric mean.
 * 2. All eight models for one store's month and for the whole group's: the app's own code
 *    (`conversionPaths` and `attributePrepared`), paths read from the analytical store included.
 * 3. The pages, as a user asks them of the production server: the management ROI review of
 *    all stores, a store's channel page, the campaign list — the first request (computed) and
 *    100 more (warm), p95 against ≤ 150 ms; the server's resident memory throughout.
 */

export type BenchResult = { name: string; value: number; unit: string; target?: string; peer?: { name: string; value: number; unit: string }; ratio?: number; pass?: boolean }

type Manifest = { group: { id: string }; stores: Array<{ id: string; name: string; sales?: number }>; created: { touchpoints: number; leads: number; sales: number; campaigns: number } }

function say(text: string) {
  process.stderr.write(`${text}\n`)
}

/**
 * The quarter the questions ask about and the month of the models and pages, in UTC days: the
 * generated group makes leads until June 2026 and sells until October, so a month of spring
 * has both.
 */
export const BENCH_PERIOD = { from: '2026-01-01', to: '2026-04-01', month: '2026-03', monthFrom: '2026-03-01', monthTo: '2026-04-01' } as const

/**
 * A question and its SQL. Where it reads the orders' journeys (`ORDERS` in the text), DuckDB reads
 * them from the analytical store's `sale_journeys` (derived when the sales are matched:
 * analytics/matchback/journeys.ts) and Postgres works them out from its own tables — the
 * question the app would have to ask of it without the analytical store; and Postgres is also
 * asked the DuckDB text over a copy of the derived journeys, for comparison.
 */
type Question = { name: string; sql: string }

/** Where a question's text takes the orders' journeys (the `touches` CTE). */
const ORDERS = '/*orders*/'

// The matched sales as the questions read them: `bench_sales` (the sale's order day, gross profit,
// revenue) and `bench_sale_matches` (the lead each sale was matched to, in which opportunity),
// and `bench_sale_journeys` (each matched sale's order and delivery journeys, one row per touch,
// as the app reads them: the touches of the sale's opportunity in the store's lookback window
// before the end of its day in the store's time zone). In DuckDB views over the analytical
// store's tables; in Postgres tables loaded with the same rows (matchback lives in the analytical
// store).
const DERIVED_ORDERS = `
touches AS (
  -- an order no touch reached is one of the key 'direct' at its own moment, as the models read it
  SELECT j.store_id, j.sale_key, j.value AS gp, j.converted_at, coalesce(j.channel, 'direct') AS channel, j.campaign_id,
         coalesce(j.touched_at, j.converted_at) AS touched_at,
         greatest(j.touch_no, 1) AS first_n, greatest(j.touches - j.touch_no + 1, 1) AS last_n, greatest(j.touches, 1) AS n
  FROM bench_sale_journeys j
  WHERE j.kind = 'order' AND j.converted_at >= CAST($from AS TIMESTAMPTZ) AND j.converted_at < CAST($to AS TIMESTAMPTZ)
)`

// The same journeys worked out by Postgres from its own tables, as one would ask it there: each
// matched order of the period (the end of its day in the store's time zone) with the bounds of the
// opportunity it was matched in (from the lead's \`opportunity\` events), and for each the lead's
// touches in that opportunity and the store's lookback window — an index range of
// \`touchpoints(lead_id, at)\` per order — numbered. (Joining the orders to the touches as sets, or
// to the opportunities' intervals as a table, the planner, without an estimate for the time zone's
// expression, chose nested loops over all of them: minutes.)
const POSTGRES_ORDERS = `
orders AS (
  SELECT m.store_id, m.sale_key, m.lead_id, m.opportunity, coalesce(s.gross_profit_fen, 0) AS gp,
         ((s.order_day + 1)::timestamp AT TIME ZONE coalesce(st.time_zone, 'Asia/Shanghai')) - interval '1 millisecond' AS converted_at,
         make_interval(days => coalesce(st.attribution_lookback_days, 30)) AS lookback
  FROM bench_sale_matches m
  JOIN bench_sales s ON s.store_id = m.store_id AND s.sale_key = m.sale_key
  LEFT JOIN stores st ON st.id = m.store_id
  -- a day more on either side: a store's day ends at another UTC moment
  WHERE m.status = 'matched' AND s.order_day >= CAST($fromDay AS DATE) - 1 AND s.order_day < CAST($toDay AS DATE) + 1
),
bounded AS (
  -- the opportunity's interval: from its start (the k-th opportunity begins at the lead's
  -- (k−1)-th \`opportunity\` event; the first at the beginning) to the next one's
  SELECT o.*,
         CASE WHEN o.opportunity > 1 THEN (
           SELECT e."at" FROM lead_events e WHERE e.lead_id = o.lead_id AND e.type = 'opportunity' ORDER BY e."at", e.id OFFSET o.opportunity - 2 LIMIT 1
         ) ELSE '-infinity'::timestamptz END AS opened_at,
         coalesce((
           SELECT e."at" FROM lead_events e WHERE e.lead_id = o.lead_id AND e.type = 'opportunity' ORDER BY e."at", e.id OFFSET o.opportunity - 1 LIMIT 1
         ), 'infinity'::timestamptz) AS closed_at
  FROM orders o
  WHERE o.converted_at >= CAST($from AS TIMESTAMPTZ) AND o.converted_at < CAST($to AS TIMESTAMPTZ)
),
touches AS (
  SELECT o.store_id, o.sale_key, o.gp, o.converted_at, coalesce(t.channel, 'direct') AS channel, t.campaign_id, coalesce(t."at", o.converted_at) AS touched_at,
         row_number() OVER (PARTITION BY o.store_id, o.sale_key ORDER BY t."at", t.id) AS first_n,
         row_number() OVER (PARTITION BY o.store_id, o.sale_key ORDER BY t."at" DESC, t.id DESC) AS last_n,
         count(*) OVER (PARTITION BY o.store_id, o.sale_key) AS n
  FROM bounded o
  LEFT JOIN LATERAL (
    SELECT t.id, t."at", t.channel, t.campaign_id FROM touchpoints t
    -- the window and the opportunity's interval as one range of the index (moments are in microseconds)
    WHERE o.opportunity IS NOT NULL AND t.lead_id = o.lead_id AND t.store_id = o.store_id
      AND t."at" > greatest(o.converted_at - o.lookback, o.opened_at - interval '1 microsecond')
      AND t."at" < least(o.converted_at + interval '1 microsecond', o.closed_at)
  ) t ON true
)`

/** The question's text for an engine: the orders' journeys derived (DuckDB; Postgres over the copy) or worked out by Postgres. */
export function questionSql(q: Question, orders: 'derived' | 'postgres') {
  return q.sql.replace(ORDERS, orders === 'derived' ? DERIVED_ORDERS : POSTGRES_ORDERS)
}

export const QUESTIONS: Question[] = [
  {
    name: 'new leads by the channel of their first touch and month',
    // the lead's first touch, its channel and campaign are kept on the lead (for lists and filters)
    sql: `
SELECT CAST(CAST(date_trunc('month', l.first_touch_at) AS DATE) AS VARCHAR) AS month, l.first_channel AS channel, CAST(count(*) AS FLOAT8) AS leads
FROM leads l
WHERE l.merged_into_id IS NULL AND l.first_touch_at >= CAST($from AS TIMESTAMPTZ) AND l.first_touch_at < CAST($to AS TIMESTAMPTZ)
GROUP BY 1, 2 ORDER BY 1, 2`,
  },
  {
    name: 'orders: first- and last-touch credits by channel',
    sql: `
WITH ${ORDERS}
SELECT channel, CAST(count(*) FILTER (WHERE first_n = 1) AS FLOAT8) AS first_touch, CAST(count(*) FILTER (WHERE last_n = 1) AS FLOAT8) AS last_touch,
       CAST(sum(gp) FILTER (WHERE last_n = 1) AS FLOAT8) AS last_touch_gp
FROM touches GROUP BY channel ORDER BY channel`,
  },
  {
    name: 'orders: linear and position-based credits by channel, with gross profit',
    sql: `
WITH ${ORDERS},
weighted AS (
  SELECT channel, gp, CAST(1 AS FLOAT8) / n AS linear,
         CASE WHEN n = 1 THEN CAST(1 AS FLOAT8) WHEN n = 2 THEN 0.5 WHEN first_n = 1 OR last_n = 1 THEN 0.4 ELSE CAST(0.2 AS FLOAT8) / (n - 2) END AS position
  FROM touches
)
SELECT channel, CAST(sum(linear) AS FLOAT8) AS linear, CAST(sum(linear * gp) AS FLOAT8) AS linear_gp,
       CAST(sum(position) AS FLOAT8) AS position_based, CAST(sum(position * gp) AS FLOAT8) AS position_based_gp
FROM weighted GROUP BY channel ORDER BY channel`,
  },
  {
    name: 'orders: the twenty most common conversion paths',
    sql: `
WITH ${ORDERS},
paths AS (SELECT string_agg(channel, ' > ' ORDER BY first_n) AS path FROM touches GROUP BY store_id, sale_key)
SELECT path, CAST(count(*) AS FLOAT8) AS conversions FROM paths GROUP BY path ORDER BY count(*) DESC, path LIMIT 20`,
  },
  {
    name: 'orders: path length and days to convert',
    sql: `
WITH ${ORDERS},
paths AS (SELECT max(n) AS touches, CAST(max(converted_at) AS DATE) - CAST(min(touched_at) AS DATE) AS days FROM touches GROUP BY store_id, sale_key)
SELECT CAST(least(touches, 8) AS FLOAT8) AS touches, CAST(least(days, 31) AS FLOAT8) AS days, CAST(count(*) AS FLOAT8) AS conversions
FROM paths GROUP BY 1, 2 ORDER BY 1, 2`,
  },
  {
    name: 'ROI per campaign (last touch): spend, orders, gross profit',
    sql: `
WITH ${ORDERS},
spend AS (
  SELECT e.campaign_id, sum(e.amount_fen) AS cost, sum(e.subsidy_fen) AS subsidy FROM spend_entries e
  WHERE e.spent_on >= CAST($fromDay AS DATE) AND e.spent_on < CAST($toDay AS DATE) GROUP BY e.campaign_id
),
returned AS (SELECT campaign_id, count(*) AS orders, sum(gp) AS gp FROM touches WHERE last_n = 1 AND campaign_id IS NOT NULL GROUP BY campaign_id)
SELECT CAST(coalesce(s.campaign_id, r.campaign_id) AS VARCHAR) AS campaign, CAST(coalesce(s.cost, 0) AS FLOAT8) AS cost,
       CAST(coalesce(s.subsidy, 0) AS FLOAT8) AS subsidy, CAST(coalesce(r.orders, 0) AS FLOAT8) AS orders, CAST(coalesce(r.gp, 0) AS FLOAT8) AS gp,
       CAST(coalesce(r.gp, 0) - s.cost AS FLOAT8) / CAST(nullif(s.cost, 0) AS FLOAT8) AS roi
FROM spend s FULL JOIN returned r ON r.campaign_id = s.campaign_id ORDER BY 1`,
  },
  {
    name: 'spend against return per store and month: leads, visits, test drives, orders, gross profit',
    sql: `
WITH spend AS (
  SELECT c.store_id, CAST(date_trunc('month', e.spent_on) AS DATE) AS month, sum(e.amount_fen) AS cost
  FROM spend_entries e JOIN campaigns c ON c.id = e.campaign_id
  WHERE e.spent_on >= CAST($fromDay AS DATE) AND e.spent_on < CAST($toDay AS DATE) GROUP BY 1, 2
),
lead_months AS (
  SELECT store_id, CAST(date_trunc('month', first_touch_at) AS DATE) AS month, count(*) AS leads FROM leads
  WHERE first_touch_at >= CAST($from AS TIMESTAMPTZ) AND first_touch_at < CAST($to AS TIMESTAMPTZ) GROUP BY 1, 2
),
visit_months AS (
  SELECT store_id, CAST(date_trunc('month', arrived_at) AS DATE) AS month, count(*) AS visits, count(*) FILTER (WHERE test_drive) AS test_drives
  FROM showroom_visits WHERE arrived_at >= CAST($from AS TIMESTAMPTZ) AND arrived_at < CAST($to AS TIMESTAMPTZ) GROUP BY 1, 2
),
sold AS (
  SELECT s.store_id, CAST(date_trunc('month', s.order_day) AS DATE) AS month, count(*) AS orders, sum(s.gross_profit_fen) AS gp
  FROM bench_sales s JOIN bench_sale_matches m ON m.store_id = s.store_id AND m.sale_key = s.sale_key
  WHERE m.status = 'matched' AND s.order_day >= CAST($fromDay AS DATE) AND s.order_day < CAST($toDay AS DATE) GROUP BY 1, 2
),
store_months AS (SELECT store_id, month FROM spend UNION SELECT store_id, month FROM lead_months UNION SELECT store_id, month FROM visit_months UNION SELECT store_id, month FROM sold)
SELECT CAST(k.store_id AS VARCHAR) AS store, CAST(k.month AS VARCHAR) AS month, CAST(coalesce(sp.cost, 0) AS FLOAT8) AS cost,
       CAST(coalesce(l.leads, 0) AS FLOAT8) AS leads, CAST(coalesce(v.visits, 0) AS FLOAT8) AS visits, CAST(coalesce(v.test_drives, 0) AS FLOAT8) AS test_drives,
       CAST(coalesce(so.orders, 0) AS FLOAT8) AS orders, CAST(coalesce(so.gp, 0) AS FLOAT8) AS gp
FROM store_months k
LEFT JOIN spend sp ON sp.store_id = k.store_id AND sp.month = k.month
LEFT JOIN lead_months l ON l.store_id = k.store_id AND l.month = k.month
LEFT JOIN visit_months v ON v.store_id = k.store_id AND v.month = k.month
LEFT JOIN sold so ON so.store_id = k.store_id AND so.month = k.month
ORDER BY 1, 2`,
  },
]

/** `$name` → `$1 …` for Postgres, with the values in that order. */
export function positional(sql: string, params: Record<string, string>): { text: string; values: string[] } {
  const names: string[] = []
  const text = sql.replace(/\$([a-zA-Z]+)/g, (_, name: string) => {
    if (!(name in params)) throw new Error(`no value for $${name}`)
    let i = names.indexOf(name)
    if (i < 0) i = names.push(name) - 1
    return `$${i + 1}`
  })
  return { text, values: names.map((n) => params[n]!) }
}

/** Rows as comparable text: numbers to 9 significant digits, every value by column name. */
export function canonical(rows: ReadonlyArray<Record<string, unknown>>): string[] {
  return rows.map((row) =>
    JSON.stringify(
      Object.keys(row)
        .sort()
        .map((k) => {
          const v = row[k]
          if (v === null || v === undefined) return null
          if (typeof v === 'number' || typeof v === 'bigint') return Number(Number(v).toPrecision(9))
          return String(v)
        }),
    ),
  )
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

/**
 * Times `run`: once to warm up (its answer kept), then again until three timings or 30 s,
 * the median taken. A run over 30 s on its own is timed once.
 */
async function timeRuns<T>(run: () => Promise<T>): Promise<{ seconds: number; runs: number; value: T }> {
  let started = performance.now()
  const value = await run()
  const first = (performance.now() - started) / 1000
  if (first > 30) return { seconds: first, runs: 1, value }
  const times: number[] = []
  const budget = performance.now() + 30_000
  while (times.length < 3 && (times.length === 0 || performance.now() < budget)) {
    started = performance.now()
    await run()
    times.push((performance.now() - started) / 1000)
  }
  return { seconds: median(times), runs: times.length, value }
}

const JOURNEY_COLUMNS = 'store_id, sale_key, kind, lead_id, converted_at, value, revenue, touch_id, touched_at, channel, campaign_id, placement_id, touch_no, touches'

async function copyMatchedSalesToPostgres(live: AnalyticsDb, sql: postgres.Sql, dir: string) {
  const { runStatement } = await import('../analytics/query')
  const { fileLiteral } = await import('../analytics/file-literal')
  const files = { sales: path.join(dir, 'bench-sales.csv'), matches: path.join(dir, 'bench-sale-matches.csv'), journeys: path.join(dir, 'bench-sale-journeys.csv') }
  await live.withConnection(async (c) => {
    await runStatement(
      c,
      'bench.export.sales',
      `COPY (SELECT store_id, sale_key, coalesce(order_date, invoice_date, delivery_date) AS order_day, gross_profit_fen, transaction_price_fen FROM sales) TO ${fileLiteral(files.sales, '.csv')} (FORMAT csv, HEADER false)`,
    )
    await runStatement(c, 'bench.export.matches', `COPY (SELECT store_id, sale_key, lead_id, status, opportunity FROM sale_matches) TO ${fileLiteral(files.matches, '.csv')} (FORMAT csv, HEADER false)`)
    // in the order the analytical store keeps them (by kind and moment; a scan keeps the order rows were
    // written in): the same physical order in both
    await runStatement(c, 'bench.export.journeys', `COPY (SELECT ${JOURNEY_COLUMNS} FROM sale_journeys) TO ${fileLiteral(files.journeys, '.csv')} (FORMAT csv, HEADER false)`)
  })
  await sql.unsafe(`drop table if exists bench_sales, bench_sale_matches, bench_sale_journeys`)
  await sql.unsafe(
    `create table bench_sale_journeys (store_id uuid not null, sale_key text not null, kind text not null, lead_id uuid not null, converted_at timestamptz not null,
      value bigint not null, revenue bigint not null, touch_id bigint, touched_at timestamptz, channel text, campaign_id uuid, placement_id uuid, touch_no int not null, touches int not null)`,
  )
  await sql.unsafe(`create table bench_sales (store_id uuid not null, sale_key text not null, order_day date, gross_profit_fen bigint, transaction_price_fen bigint, primary key (store_id, sale_key))`)
  await sql.unsafe(`create table bench_sale_matches (store_id uuid not null, sale_key text not null, lead_id uuid, status text not null, opportunity int, primary key (store_id, sale_key))`)
  for (const [table, file] of [
    ['bench_sales', files.sales],
    ['bench_sale_matches', files.matches],
    ['bench_sale_journeys', files.journeys],
  ] as const) {
    const writable = await sql.unsafe(`copy ${table} from stdin with (format csv)`).writable()
    const { pipeline } = await import('node:stream/promises')
    await pipeline(fs.createReadStream(file), writable)
    fs.rmSync(file)
  }
  await sql.unsafe(`create index bench_sale_matches_lead_idx on bench_sale_matches (lead_id)`)
  await sql.unsafe(`create index bench_sales_day_idx on bench_sales (order_day)`)
  // the keys and the range the questions read, as the analytical store's order gives DuckDB its zone maps
  await sql.unsafe(`alter table bench_sale_journeys add primary key (store_id, sale_key, kind, touch_no)`)
  await sql.unsafe(`create index bench_sale_journeys_moment_idx on bench_sale_journeys (kind, converted_at)`)
  await sql.unsafe(`vacuum analyze bench_sales, bench_sale_matches, bench_sale_journeys`)
}

/**
 * The store of the single-store measurements: the one with the most sales, leaving out the first
 * two (the sales benchmark imports the whole group's file into the first and a sample into the
 * second, so theirs are not one store's own).
 */
function benchStore(manifest: Manifest): string {
  const candidates = manifest.stores.length > 2 ? manifest.stores.slice(2) : manifest.stores
  return [...candidates].sort((a, b) => (b.sales ?? 0) - (a.sales ?? 0))[0]!.id
}

/** The steps of the attribution part, each of which `npm run bench -- --reuse --only STEP` runs alone. */
export const ATTRIBUTION_PARTS = ['questions', 'models', 'pages'] as const
export type AttributionPart = (typeof ATTRIBUTION_PARTS)[number]

export async function benchAttribution(input: { manifest: Manifest; handle: DbHandle; live: AnalyticsDb; databaseUrl: string; dataDir: string; only?: AttributionPart }): Promise<BenchResult[]> {
  const { manifest, live, databaseUrl, dataDir } = input
  const part = (name: AttributionPart) => input.only === undefined || input.only === name
  const { defineQuery, runQuery, runStatement } = await import('../analytics/query')
  const results: BenchResult[] = []
  const n = (x: number) => x.toLocaleString('en')
  const p = BENCH_PERIOD
  const params = { from: `${p.from}T00:00:00Z`, to: `${p.to}T00:00:00Z`, fromDay: p.from, toDay: p.to }

  // ---- 1. the same questions of both engines ------------------------------------------------
  if (part('questions')) results.push(...(await benchQuestions(live, databaseUrl, dataDir)))
  if (part('models')) results.push(...(await benchModels(manifest, live)))
  // ---- 3. the pages, warm, on the production server ----------------------------------------
  if (part('pages')) results.push(...(await benchPages({ manifest, live, databaseUrl, dataDir })))
  return results
}

async function benchQuestions(live: AnalyticsDb, databaseUrl: string, dataDir: string): Promise<BenchResult[]> {
  const { defineQuery, runQuery, runStatement } = await import('../analytics/query')
  const results: BenchResult[] = []
  const n = (x: number) => x.toLocaleString('en')
  const p = BENCH_PERIOD
  const params = { from: `${p.from}T00:00:00Z`, to: `${p.to}T00:00:00Z`, fromDay: p.from, toDay: p.to }
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} })
  const ratios: number[] = []
  const derivedRatios: number[] = []
  const derived: BenchResult[] = []
  try {
    await sql.unsafe(`set time zone 'UTC'`)
    // what an analytics session on the server would have: memory for its sorts and hashes
    await sql.unsafe(`set work_mem = '256MB'`)
    await copyMatchedSalesToPostgres(live, sql, dataDir)
    await live.withConnection(async (c) => {
      await runStatement(c, 'bench.view.sales', `CREATE OR REPLACE TEMP VIEW bench_sales AS SELECT store_id, sale_key, coalesce(order_date, invoice_date, delivery_date) AS order_day, gross_profit_fen, transaction_price_fen FROM sales`)
      await runStatement(c, 'bench.view.matches', `CREATE OR REPLACE TEMP VIEW bench_sale_matches AS SELECT store_id, sale_key, lead_id, status, opportunity FROM sale_matches`)
      await runStatement(c, 'bench.view.journeys', `CREATE OR REPLACE TEMP VIEW bench_sale_journeys AS SELECT ${JOURNEY_COLUMNS} FROM sale_journeys`)
      const askPostgres = (named: string) => {
        const { text, values } = positional(named, params)
        return timeRuns(async () => (await sql.unsafe(text, values)) as unknown as Array<Record<string, unknown>>)
      }
      const same = (what: string, a: string[], b: string[]) => {
        if (a.join('\n') === b.join('\n')) return
        const at = a.findIndex((row, i) => row !== b[i])
        throw new Error(`${what} differently (${a.length} and ${b.length} rows; first difference at row ${at}: ${a[at]} / ${b[at]})`)
      }
      for (const q of QUESTIONS) {
        const duckSql = questionSql(q, 'derived')
        const query = defineQuery<Record<string, string>>()({ name: `bench.question.${q.name}`, sql: duckSql })
        // DuckDB refuses a value the statement does not use
        const used = Object.fromEntries(Object.entries(params).filter(([k]) => new RegExp(`\\$${k}\\b`).test(duckSql)))
        const duck = await timeRuns(() => runQuery(c, query, used))
        const a = canonical(duck.value as Array<Record<string, unknown>>)
        if (!a.length) throw new Error(`The question "${q.name}" has no answer on the generated data`)
        const pg = await askPostgres(questionSql(q, 'postgres'))
        same(`DuckDB and Postgres answer "${q.name}"`, a, canonical(pg.value))
        const ratio = pg.seconds / duck.seconds
        ratios.push(ratio)
        const journeys = q.sql.includes(ORDERS)
        say(`  ${q.name}: DuckDB ${(duck.seconds * 1000).toFixed(0)} ms, Postgres ${(pg.seconds * 1000).toFixed(0)} ms (${ratio.toFixed(1)}×), ${a.length} rows alike`)
        results.push({
          name: `Question: ${q.name} (the group, ${p.from} – ${p.to}; ${n(a.length)} rows, the same from both)`,
          value: Math.round(duck.seconds * 1000),
          unit: 'ms',
          peer: { name: `Postgres, ${journeys ? "the journeys worked out from its own tables" : 'the same SQL'}${pg.runs === 1 ? ' (one run)' : ''}`, value: Math.round(pg.seconds * 1000), unit: 'ms' },
          ratio,
        })
        if (!journeys) continue
        // for comparison: Postgres given the analytical store's derived journeys, the DuckDB text
        const copy = await askPostgres(duckSql)
        same(`DuckDB and Postgres over the derived journeys answer "${q.name}"`, a, canonical(copy.value))
        derivedRatios.push(copy.seconds / duck.seconds)
        say(`    Postgres over a copy of the derived journeys: ${(copy.seconds * 1000).toFixed(0)} ms (${(copy.seconds / duck.seconds).toFixed(1)}×)`)
        derived.push({
          name: `For comparison — Question: ${q.name}, Postgres reading a copy of the journeys DuckDB derived (the same SQL)`,
          value: Math.round(duck.seconds * 1000),
          unit: 'ms',
          peer: { name: `Postgres, the same SQL over the copy${copy.runs === 1 ? ' (one run)' : ''}`, value: Math.round(copy.seconds * 1000), unit: 'ms' },
          ratio: copy.seconds / duck.seconds,
        })
      }
    })
    await sql.unsafe(`drop table if exists bench_sales, bench_sale_matches, bench_sale_journeys`)
  } finally {
    await sql.end({ timeout: 5 })
  }
  const geo = (rs: number[]) => Math.exp(rs.reduce((s, r) => s + Math.log(r), 0) / rs.length)
  results.push({
    name: `Attribution and ROI questions: DuckDB over the analytical store against Postgres over its own tables, the same answers, geometric mean of the ${ratios.length} ratios above`,
    value: Math.round(geo(ratios) * 10) / 10,
    unit: '×',
    target: '≥ 10×',
    pass: geo(ratios) >= 10,
  })
  results.push(...derived)
  results.push({
    name: `For comparison: the ${derivedRatios.length} order questions with Postgres reading a copy of the derived journeys, geometric mean`,
    value: Math.round(geo(derivedRatios) * 10) / 10,
    unit: '×',
  })

  return results
}

// ---- 2. all eight models, the app's own code ---------------------------------------------
async function benchModels(manifest: Manifest, live: AnalyticsDb): Promise<BenchResult[]> {
  const results: BenchResult[] = []
  const n = (x: number) => x.toLocaleString('en')
  const p = BENCH_PERIOD
  const { conversionPaths } = await import('../analytics/queries/conversion-paths')
  const { attributePrepared, preparePaths, ATTRIBUTION_MODELS } = await import('../analytics/attribution')
  const storeA = benchStore(manifest)
  const month = { from: `${p.monthFrom}T00:00:00Z`, to: `${p.monthTo}T00:00:00Z` }
  for (const [scope, storeIds, target] of [
    ['one store', [storeA], 1],
    [`the group (${manifest.stores.length} stores)`, manifest.stores.map((s) => s.id), 10],
  ] as const) {
    for (const kind of ['lead', 'order'] as const) {
      let paths = 0
      let conversions = 0
      let nulls = 0
      const timed = await timeRuns(() =>
        live.withConnection(async (c) => {
          const read = await conversionPaths(c, { storeIds, from: month.from, to: month.to, kind, dimension: 'channel' })
          const prepared = preparePaths([...read.converted, ...read.nulls])
          const all = attributePrepared(prepared, { order: 1 })
          if (ATTRIBUTION_MODELS.some((m) => !all.credits[m])) throw new Error('a model gave no credits')
          paths = prepared.paths.length
          conversions = prepared.totals.conversions
          nulls = prepared.totals.nulls
          return all
        }),
      )
      say(`  eight models, ${scope}, ${kind}: ${timed.seconds.toFixed(2)} s (${n(conversions)} conversions, ${n(nulls)} journeys without, ${n(paths)} distinct paths)`)
      results.push({
        name: `All eight models, ${scope}, ${p.month}, ${kind === 'lead' ? 'lead' : 'order'} conversions (${n(conversions)}, and ${n(nulls)} journeys that did not convert; ${n(paths)} distinct paths): paths read from the analytical store and credited`,
        value: Math.round(timed.seconds * 100) / 100,
        unit: 's',
        target: `≤ ${target} s`,
        pass: timed.seconds <= target,
      })
    }
  }

  return results
}

async function benchPages(input: { manifest: Manifest; live: AnalyticsDb; databaseUrl: string; dataDir: string }): Promise<BenchResult[]> {
  const { manifest, databaseUrl, dataDir } = input
  const { ensureBuild } = await import('./bench-lead-import')
  const { spawnServer } = await import('../test/e2e/harness')
  const { getDb } = await import('../db/client')
  const { users } = await import('../db/schema')
  const { createSession } = await import('../app/utils/auth.server')
  const { hashPassword } = await import('../app/utils/password.server')
  const crypto = await import('node:crypto')
  ensureBuild()
  const db = await getDb()
  const [executive] = await db
    .insert(users)
    .values({ groupId: manifest.group.id, email: `bench.executive.${Date.now()}@roadshow.bench`, name: '集团总经理', role: 'executive', passwordHash: await hashPassword(crypto.randomBytes(16).toString('hex')) })
    .returning({ id: users.id })
  const setCookie = await createSession(new Request('http://127.0.0.1/'), executive!.id)
  const cookie = setCookie.split(';')[0]!
  // the server opens the analytical store this process has open: one process per file
  await input.live.close()
  const server = await spawnServer({ dataDir, env: { DATABASE_URL: databaseUrl, SEED_DEMO: 'false', LOG_LEVEL: 'warn' } })
  const results: BenchResult[] = []
  const rss = sampleRss(server.child.pid)
  let peakRss = 0
  try {
    const ask = async (url: string) => {
      const started = performance.now()
      let res: { status: number; body: string }
      try {
        res = await httpGet(`${server.url}${url}`, { cookie, 'accept-language': 'zh-CN' }, 600_000)
      } catch (error) {
        // say whether the server went away (a crash) or only took too long
        const state = server.child.exitCode !== null || server.child.signalCode !== null ? `exited (${server.child.exitCode ?? server.child.signalCode})` : 'still running'
        throw new Error(`GET ${url} failed: ${(error as Error).message}; the server is ${state}\n${server.output().slice(-3000)}`)
      }
      const ms = performance.now() - started
      if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${res.body.slice(0, 300)}\n${server.output().slice(-3000)}`)
      return { ms, body: res.body }
    }
    const deadline = Date.now() + 10 * 60_000
    for (;;) {
      try {
        if ((await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(2000) })).ok) break
      } catch {
        // not yet
      }
      if (server.child.exitCode !== null || Date.now() > deadline) throw new Error(`the server did not start:\n${server.output().slice(-3000)}`)
      await new Promise((r) => setTimeout(r, 200))
    }
    const storeA = benchStore(manifest)
    const pages = [
      { name: `Management ROI review, all ${manifest.stores.length} stores (/analysis/review), ${BENCH_PERIOD.month}`, url: `/analysis/review?month=${BENCH_PERIOD.month}`, expect: 'data-testid="drill-store"' },
      {
        name: `Management ROI review, all ${manifest.stores.length} stores, the Markov model (/analysis/review?model=markov), ${BENCH_PERIOD.month}`,
        url: `/analysis/review?month=${BENCH_PERIOD.month}&model=markov`,
        expect: 'data-testid="drill-store"',
      },
      {
        name: `Management ROI review, all ${manifest.stores.length} stores, one channel (/analysis/review?channel=autohome), ${BENCH_PERIOD.month}`,
        url: `/analysis/review?month=${BENCH_PERIOD.month}&channel=autohome`,
        expect: 'data-testid="channel-only"',
      },
      { name: `Channel and media page of one store, orders (/analysis/channels), ${BENCH_PERIOD.month}`, url: `/analysis/channels?store=${storeA}&month=${BENCH_PERIOD.month}&conversion=order`, expect: 'data-testid="model-comparison"' },
      { name: `Campaign list (/campaigns), ${manifest.created.campaigns.toLocaleString('en')} campaigns`, url: '/campaigns', expect: '/campaigns/' },
      { name: `Workbench (/), group management`, url: '/', expect: 'data-testid="workbench' },
      { name: `Leads list, all ${manifest.stores.length} stores (/leads), ${manifest.created.leads.toLocaleString('en')} leads, latest touch first`, url: '/leads', expect: 'href="/leads/' },
      { name: `Leads list of one store (/leads?store=…)`, url: `/leads?store=${storeA}`, expect: 'href="/leads/' },
      { name: `Leads list, all stores, by name (/leads?sort=name)`, url: '/leads?sort=name&dir=asc', expect: 'href="/leads/' },
      { name: `Leads list, all stores, by store (/leads?sort=store)`, url: '/leads?sort=store&dir=asc', expect: 'href="/leads/' },
      { name: `Leads list, all stores, touched by one channel (/leads?channel=autohome)`, url: '/leads?channel=autohome', expect: 'href="/leads/' },
      { name: `Leads search by a surname, all stores (/leads?q=王)`, url: `/leads?q=${encodeURIComponent('王')}`, expect: 'href="/leads/' },
      { name: `Leads search by a name's start, all stores (/leads?q=王伟)`, url: `/leads?q=${encodeURIComponent('王伟')}`, expect: 'href="/leads/' },
      { name: `Leads search by a phone's last four digits, all stores (/leads?q=1234)`, url: '/leads?q=1234', expect: 'href="/leads/' },
      { name: `Leads search by phone digits in one store (/leads?store=…&q=1380)`, url: `/leads?store=${storeA}&q=1380`, expect: 'href="/leads/' },
    ]
    for (const page of pages) {
      // the first request computes (and waits for the analytical store's first sync, when it has not run yet)
      const first = await ask(page.url)
      if (!first.body.includes(page.expect)) throw new Error(`GET ${page.url} did not show what it should (${page.expect})`)
      const times: number[] = []
      for (let i = 0; i < 100; i++) times.push((await ask(page.url)).ms)
      times.sort((a, b) => a - b)
      const p95 = times[94]!
      say(`  ${page.url}: first ${first.ms.toFixed(0)} ms, then p50 ${times[49]!.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms`)
      results.push({
        name: `${page.name}: p95 of 100 requests after the first (p50 ${Math.round(times[49]!)} ms; the first, computing the page: ${Math.round(first.ms).toLocaleString('en')} ms)`,
        value: Math.round(p95),
        unit: 'ms',
        target: '≤ 150 ms',
        pass: p95 <= 150,
      })
    }
  } finally {
    peakRss = rss.stop()
    server.child.kill('SIGTERM')
    await server.exited
  }
  serverPeaks.push({ step: 'the page measurements', bytes: peakRss })
  results.push({
    name: 'The server\'s peak resident memory through the page measurements (analytical store open, reports computed)',
    value: Math.round(peakRss / 2 ** 20),
    unit: 'MiB',
    target: '< 1,024 MiB',
    pass: peakRss < 2 ** 30,
  })
  return results
}

/**
 * A GET that waits as long as `timeoutMs` for the answer: fetch gives up after 300 s without
 * response headers, and a page's first computation at full scale may take longer on a loaded
 * machine. Redirects are not followed.
 */
function httpGet(url: string, headers: Record<string, string>, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }))
      response.on('error', reject)
    })
    request.setTimeout(timeoutMs, () => request.destroy(new Error(`no answer in ${timeoutMs / 1000} s`)))
    request.on('error', reject)
  })
}
