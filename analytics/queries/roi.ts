import { z } from 'zod'
import { sqlList, type AnalyticsConnection } from '../duckdb'
import { defineQuery, runQuery, type AnalyticsQuery } from '../query'
import { cachedResult } from '../result-cache'
import { attributeModel, DEFAULT_DIRECT_CHANNEL, type AttributionModel, type AttributionOptions } from '../attribution'
import { bootstrapCredits, type Interval } from '../attribution/bootstrap'
import { type ConversionPath, preparePaths } from '../attribution/paths'
import { CONVERSION_KINDS, NO_CHANNEL, NO_MEDIUM, type ConversionKind, type PathDimension } from '../attribution/vocabulary'
import { CAMPAIGN_CHANNEL, MEDIUM_CHANNEL, conversionPaths, noCampaignPerStore, storeKeyMerged, conversionsByPlace, keyPart, type ConvertedJourney, type KeyDimension } from './conversion-paths'

/**
 * ROI per campaign, channel, store or month (SPEC §4, ADR 023) for stores and a period of the
 * store's calendar: actual cost (spend entries by their day; net of the manufacturer subsidy),
 * the funnel — leads, showroom visits, test drives, orders, deliveries — with the matched sales'
 * revenue and gross profit, cost per lead / visit / order, ROAS, ROI = (gross profit − cost) /
 * cost with its 90% interval (bootstrap over journeys), and lift against the period of the same
 * length just before. Per campaign and per channel the conversions are those the chosen
 * attribution model credits (every model's credits add up to the conversions, so the rows add
 * up to the store's totals); per store and per month they are counted where they happened.
 * Cost that is not a media placement's (venue, gifts …) has no channel: per channel it is the
 * row `NO_CHANNEL`.
 *
 * Filtered to one channel (`channel`), every figure is that channel's: its spend (the placements
 * of that medium), and the conversions the model credits to its touches — per campaign (or
 * medium) the credit of the campaign's touches on the channel, from paths keyed by campaign and
 * channel at once; per store the channel's credit when the model runs on that store's journeys
 * alone, as the store's own channel page shows it. By month it is not offered here: the caller
 * asks for each month by channel (a month's chain is its own, as per store).
 */

export const ROI_DIMENSIONS = ['campaign', 'channel', 'medium', 'store', 'month'] as const
export type RoiDimension = (typeof ROI_DIMENSIONS)[number]

export { NO_CHANNEL }

export type Funnel = { leads: number; visits: number; testDrives: number; orders: number; deliveries: number; revenue: number; grossProfit: number }

export type RoiRow = Funnel & {
  key: string
  /** actual spend in fen, and the manufacturer's part of it */
  cost: number
  subsidy: number
  netCost: number
  costPerLead: number | null
  costPerVisit: number | null
  costPerOrder: number | null
  /** revenue / cost */
  roas: number | null
  /** (gross profit − cost) / cost */
  roi: number | null
  roiInterval: Interval | null
  /** the same figures over the same length of time just before */
  prior: Funnel & { cost: number }
  /** per campaign: the plan's targets (SPEC §2), where set; attainment = actual ÷ target */
  targets: Partial<Funnel> | null
}

export type RoiReport = {
  by: RoiDimension
  model: AttributionModel
  rows: RoiRow[]
  totals: RoiRow
  /** when it was computed (ms since the epoch), and whether the analytical store has changed since (analytics/result-cache.ts) */
  asOf: number
  stale: boolean
}

export type RoiParams = {
  storeIds: readonly string[]
  /** the period as ISO instants [from, to) and as the store's local days [fromDay, toDay) */
  from: string
  to: string
  fromDay: string
  toDay: string
  by: RoiDimension
  model: AttributionModel
  /** the store's time zone, for the month of a conversion */
  timeZone: string
  replicates?: number
  /** the model's options (Markov order and nulls, time decay's half-life): those of the page's model comparison */
  options?: Pick<AttributionOptions, 'order' | 'includeNulls' | 'halfLifeDays'>
  /** only this channel's spend and credit (not by month) */
  channel?: string
  /** false: leave out the period before (its figures 0), for a caller that shows no lift */
  prior?: boolean
}

const costRow = z.object({ key: z.string(), cost: z.number(), subsidy: z.number() })

// a medium is a name the store typed: the separator of composite keys cannot be part of it (conversion-paths.ts)
const MEDIUM_OF_COST = `coalesce(replace(p.medium, chr(31), ' '), '${NO_CHANNEL}')`

const costKey: Record<RoiDimension, string> = {
  campaign: 'CAST(e.campaign_id AS VARCHAR)',
  channel: MEDIUM_OF_COST,
  medium: MEDIUM_OF_COST,
  store: 'CAST(c.store_id AS VARCHAR)',
  month: `strftime(e.spent_on, '%Y-%m')`,
}

type CostParams = { storeIds: ReturnType<typeof sqlList>; fromDay: string; toDay: string; channel?: string }

const costQuery = (by: RoiDimension, filtered: boolean) =>
  defineQuery<CostParams>()({
    name: `roi.cost.${by}${filtered ? '.channel' : ''}`,
    sql: `
      SELECT ${costKey[by]} AS key, CAST(sum(e.amount_fen) AS DOUBLE) AS cost, CAST(sum(e.subsidy_fen) AS DOUBLE) AS subsidy
      FROM spend_entries e
      JOIN campaigns c ON c.id = e.campaign_id
      LEFT JOIN budget_lines b ON b.id = e.budget_line_id
      LEFT JOIN media_placements p ON p.id = b.placement_id
      WHERE list_contains($storeIds::UUID[], c.store_id) AND e.spent_on >= CAST($fromDay AS DATE) AND e.spent_on < CAST($toDay AS DATE)
        ${filtered ? `AND ${MEDIUM_OF_COST} = $channel` : ''}
      GROUP BY ALL`,
    row: costRow,
  })

const costQueries = Object.fromEntries(ROI_DIMENSIONS.map((by) => [by, { all: costQuery(by, false), channel: costQuery(by, true) }])) as Record<
  RoiDimension,
  Record<'all' | 'channel', AnalyticsQuery<CostParams, z.output<typeof costRow>>>
>

const targetRow = z.object({
  key: z.string(),
  leads: z.number().nullable(),
  visits: z.number().nullable(),
  testDrives: z.number().nullable(),
  orders: z.number().nullable(),
  deliveries: z.number().nullable(),
  revenue: z.number().nullable(),
  grossProfit: z.number().nullable(),
})

/** The campaigns' targets, for the campaign rows' attainment. */
const targetsQuery = defineQuery<{ ids: ReturnType<typeof sqlList> }>()({
  name: 'roi.targets',
  sql: `
    SELECT CAST(id AS VARCHAR) AS key, CAST(target_leads AS DOUBLE) AS leads, CAST(target_visits AS DOUBLE) AS visits,
           CAST(target_test_drives AS DOUBLE) AS "testDrives", CAST(target_orders AS DOUBLE) AS orders,
           CAST(target_deliveries AS DOUBLE) AS deliveries, CAST(target_revenue_fen AS DOUBLE) AS revenue,
           CAST(target_gross_profit_fen AS DOUBLE) AS "grossProfit"
    FROM campaigns WHERE list_contains(CAST($ids AS UUID[]), id)`,
  row: targetRow,
})

const FUNNEL_FIELD: Record<ConversionKind, keyof Funnel> = { lead: 'leads', visit: 'visits', test_drive: 'testDrives', order: 'orders', delivery: 'deliveries' }

const emptyFunnel = (): Funnel => ({ leads: 0, visits: 0, testDrives: 0, orders: 0, deliveries: 0, revenue: 0, grossProfit: 0 })

/** The month (YYYY-MM) a moment falls in, in the time zone. */
function monthOf(ms: number, timeZone: string) {
  let format = monthFormats.get(timeZone)
  // made once per time zone: a formatter costs far more to make than to use
  if (!format) monthFormats.set(timeZone, (format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit' })))
  const parts = format.formatToParts(new Date(ms))
  return `${parts.find((p) => p.type === 'year')!.value}-${parts.find((p) => p.type === 'month')!.value}`
}
const monthFormats = new Map<string, Intl.DateTimeFormat>()

/**
 * The paths the model credits for one kind of conversion: by campaign or channel as the
 * touches say; by store or month, one touch standing for where the conversion happened.
 */
function pathsFor(by: RoiDimension, converted: readonly ConvertedJourney[], nulls: ReadonlyArray<ConversionPath & { storeId: string }>, timeZone: string, part: 0 | 1 | null, filtered: boolean): KeyedPaths {
  if (filtered || by === 'campaign' || by === 'channel' || by === 'medium') {
    if (part === null) return [...converted, ...nulls.map((x) => ({ ...x, revenue: 0 }))]
    // paths keyed by campaign and channel at once: this dimension's part of each key
    const keys = (channels: readonly string[]) => channels.map((k) => keyPart(k, part))
    return [...converted.map((x) => ({ ...x, channels: keys(x.channels) })), ...nulls.map((x) => ({ ...x, channels: keys(x.channels), revenue: 0 }))]
  }
  return converted.map((p) => {
    const key = by === 'store' ? p.storeId : monthOf(p.convertedAt, timeZone)
    return { channels: [key], touchedAt: [p.convertedAt], convertedAt: p.convertedAt, conversions: 1, value: p.value, revenue: p.revenue }
  })
}

type PeriodFunnels = { funnels: Map<string, Funnel>; grossProfit: Map<string, Interval> | null; totalGrossProfit: Interval | null }

const TOTAL = '*'

/**
 * Last non-direct by medium passes over the touches that came through no placement; filtered to
 * a channel, by campaign it passes over the campaign's direct touches (so the campaigns' rows of a
 * channel add up to the channel's own row, as the models that credit touch by touch give it).
 */
function optionsFor(by: RoiDimension, channel: string | undefined, shared: AttributionOptions): AttributionOptions {
  if (by === 'medium') return channel === undefined ? { ...shared, directChannel: NO_MEDIUM } : { ...shared, isDirect: (key) => keyPart(key, 0) === NO_MEDIUM }
  if (by === 'campaign' && channel !== undefined) return { ...shared, isDirect: (key) => keyPart(key, 1) === DEFAULT_DIRECT_CHANNEL }
  return shared
}

/**
 * Which keyed paths a dimension reads: filtered to a channel, its key and the channel's at once
 * (by campaign, channel and store all one read, keyed by campaign and channel).
 */
function readDimension(by: RoiDimension, split: boolean, channel: string | undefined): KeyDimension {
  if (channel !== undefined) return by === 'medium' ? MEDIUM_CHANNEL : CAMPAIGN_CHANNEL
  return by === 'medium' ? 'medium' : split ? CAMPAIGN_CHANNEL : by === 'campaign' ? 'campaign' : 'channel'
}

/** Which part of a composite key a dimension credits: the first (campaign), the channel, or the whole key (filtered: the rows pick their part). */
function partFor(by: RoiDimension, dimension: KeyDimension, channel: string | undefined): 0 | 1 | null {
  if (channel !== undefined) return by === 'channel' || by === 'store' ? 1 : null
  return dimension === CAMPAIGN_CHANNEL ? (by === 'campaign' ? 0 : 1) : null
}

type KeyedPaths = Array<ConversionPath & { revenue: number; storeId?: string }>


/**
 * The groups the model runs on, and which of its keys become which row: one group and every
 * key as it is, or, filtered to a channel, only that channel's keys — per store one group of
 * the store's journeys each, keyed by channel alone.
 */
function creditGroups(by: RoiDimension, paths: KeyedPaths, channel: string | undefined): Array<{ paths: KeyedPaths; row: (key: string) => string | null }> {
  if (channel === undefined) return [{ paths, row: (key) => key }]
  if (by === 'channel') return [{ paths, row: (key) => (key === channel ? key : null) }]
  if (by !== 'store') return [{ paths, row: (key) => (keyPart(key, 1) === channel ? keyPart(key, 0) : null) }]
  const byStore = new Map<string, KeyedPaths>()
  for (const path of paths) {
    let group = byStore.get(path.storeId!)
    if (!group) byStore.set(path.storeId!, (group = []))
    group.push(path)
  }
  return [...byStore].sort((x, y) => (x[0] < y[0] ? -1 : 1)).map(([store, group]) => ({ paths: group, row: (key) => (key === channel ? store : null) }))
}

/**
 * The funnel of each key of each dimension asked for, over [from, to): the paths are read once
 * per kind of conversion and key (campaign, or channel — which the store and month rows also
 * use) and credited by the one model asked for.
 */
async function funnels<D extends RoiDimension>(c: AnalyticsConnection, p: Omit<RoiParams, 'by'>, dims: readonly D[], from: string, to: string, withIntervals: boolean): Promise<Map<D, PeriodFunnels>> {
  const out = new Map<D, PeriodFunnels>(dims.map((d) => [d, { funnels: new Map(), grossProfit: null, totalGrossProfit: null }]))
  const shared = { order: 1 as const, ...p.options }
  const channel = p.channel
  if (channel !== undefined && dims.includes('month' as D)) throw new RangeError('ROI by month is not filtered by channel: ask for each month by channel')
  // only the Markov chain reads the journeys that did not convert; store and month rows read no touches
  const withNulls = p.model === 'markov' && p.options?.includeNulls !== false
  const touched = channel !== undefined || dims.some((by) => by !== 'store' && by !== 'month')
  const split = dims.includes('campaign' as D) && dims.includes('channel' as D)
  for (const kind of CONVERSION_KINDS) {
    const read = new Map<KeyDimension, Awaited<ReturnType<typeof conversionPaths>>>()
    for (const by of dims) {
      // the paths the model credits (each with its revenue), and every conversion on one key for the whole period's interval
      let paths: KeyedPaths
      let whole: ConversionPath[]
      if (!touched) {
        // store and month rows alone read no touches: the conversions counted where and when they happened
        const placed = await conversionsByPlace(c, { storeIds: p.storeIds, from, to, kind, by: by as 'store' | 'month', timeZone: p.timeZone })
        paths = placed.map((r) =>
          r.convertedAt === null
            ? { channels: [r.key], conversions: r.conversions, value: r.value, revenue: r.revenue }
            : { channels: [r.key], touchedAt: [r.convertedAt], convertedAt: r.convertedAt, conversions: r.conversions, value: r.value, revenue: r.revenue },
        )
        whole = placed.map((r) => ({ channels: [TOTAL], conversions: r.conversions, value: r.value }))
      } else {
        // by campaign and by channel both: one read keyed by the two, split here
        const dimension = readDimension(by, split, channel)
        let result = read.get(dimension) ?? (channel === undefined && (by === 'store' || by === 'month') ? read.values().next().value : undefined)
        if (!result) read.set(dimension, (result = await conversionPaths(c, { storeIds: p.storeIds, from, to, kind, dimension, read: withNulls ? 'paths' : 'converted' })))
        paths = pathsFor(by, result.converted, result.nulls, p.timeZone, partFor(by, dimension, channel), channel !== undefined)
        if (by === 'campaign' && p.storeIds.length > 1) paths = noCampaignPerStore(paths)
        whole = result.converted.map((x) => ({ channels: [TOTAL], conversions: 1, value: x.value }))
      }
      if (!paths.some((x) => x.conversions > 0)) continue
      const target = out.get(by)!
      const at = (key: string) => {
        let f = target.funnels.get(key)
        if (!f) target.funnels.set(key, (f = emptyFunnel()))
        return f
      }
      // by medium, last non-direct passes over the touches that came through no placement
      const options = optionsFor(by, channel, shared)
      const intervals = new Map<string, Interval>()
      for (const group of creditGroups(by, paths, channel)) {
        if (!group.paths.some((x) => x.conversions > 0)) continue
        const prepared = preparePaths(group.paths)
        const credits = attributeModel(prepared, p.model, options)
        for (const [key, credit] of credits) {
          const row = group.row(storeKeyMerged(key))
          if (row !== null) at(row)[FUNNEL_FIELD[kind]] += credit.conversions
        }
        if (kind !== 'order') continue
        for (const [key, credit] of credits) {
          const row = group.row(storeKeyMerged(key))
          if (row !== null) at(row).grossProfit += credit.value
        }
        // revenue is credited as gross profit is: the same paths, valued by revenue
        const byRevenue = attributeModel(preparePaths(group.paths.map((x) => ({ ...x, value: x.revenue }))), p.model, options)
        for (const [key, credit] of byRevenue) {
          const row = group.row(storeKeyMerged(key))
          if (row !== null) at(row).revenue += credit.value
        }
        if (withIntervals) {
          for (const [key, i] of bootstrapCredits(prepared, { ...options, replicates: p.replicates, models: [p.model], groupBy: storeKeyMerged })[p.model]) {
            const row = group.row(key)
            if (row !== null) intervals.set(row, i.value)
          }
        }
      }
      if (kind === 'order' && withIntervals) {
        target.grossProfit = intervals
        // the whole period's: every conversion on one key, resampled the same way; filtered to a channel, its row's (one row) or none
        if (channel === undefined) target.totalGrossProfit = bootstrapCredits(preparePaths(whole), { replicates: p.replicates, models: ['firstTouch'] }).firstTouch.get(TOTAL)!.value
        else if (by === 'channel') target.totalGrossProfit = intervals.get(channel) ?? null
      }
    }
  }
  return out
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : null)

/** ROI by one dimension (kept until the analytical store changes: analytics/result-cache.ts). */
export async function roiReport(c: AnalyticsConnection, p: RoiParams): Promise<RoiReport> {
  const { by, ...rest } = p
  return (await roiReports(c, rest, [by]))[by]
}

/** ROI by several dimensions of the same stores, period and model, the paths read once for all. */
export async function roiReports<D extends RoiDimension>(c: AnalyticsConnection, p: Omit<RoiParams, 'by'>, dims: readonly D[]): Promise<Record<D, RoiReport>> {
  const { value, asOf, stale } = await cachedResult(c, 'roi', { ...p, dims }, (own) => computeRoiReports(own, p, dims))
  return Object.fromEntries(Object.entries(value).map(([by, report]) => [by, { ...(report as RoiReport), asOf, stale }])) as Record<D, RoiReport>
}

async function computeRoiReports<D extends RoiDimension>(c: AnalyticsConnection, p: Omit<RoiParams, 'by'>, dims: readonly D[]): Promise<Record<D, RoiReport>> {
  const span = Date.parse(p.to) - Date.parse(p.from)
  const priorFrom = new Date(Date.parse(p.from) - span).toISOString()
  const daySpan = Date.parse(`${p.toDay}T00:00:00Z`) - Date.parse(`${p.fromDay}T00:00:00Z`)
  const priorFromDay = new Date(Date.parse(`${p.fromDay}T00:00:00Z`) - daySpan).toISOString().slice(0, 10)
  const storeIds = sqlList([...p.storeIds])
  const current = await funnels(c, p, dims, p.from, p.to, true)
  const noPrior = (): PeriodFunnels => ({ funnels: new Map(), grossProfit: null, totalGrossProfit: null })
  const prior = p.prior === false ? new Map(dims.map((d) => [d, noPrior()])) : await funnels(c, p, dims, priorFrom, p.from, false)
  const out = {} as Record<D, RoiReport>
  for (const by of dims) {
    const costs = costQueries[by][p.channel === undefined ? 'all' : 'channel']
    const bound = (fromDay: string, toDay: string): CostParams => (p.channel === undefined ? { storeIds, fromDay, toDay } : { storeIds, fromDay, toDay, channel: p.channel })
    const cost = await runQuery(c, costs, bound(p.fromDay, p.toDay))
    const priorCost = p.prior === false ? [] : await runQuery(c, costs, bound(priorFromDay, p.fromDay))
    const report = roiRows(by, p.model, cost, priorCost, current.get(by)!, prior.get(by)!)
    if (by === 'campaign') {
      const ids = report.rows.map((r) => r.key).filter((k) => /^[0-9a-f-]{36}$/.test(k))
      const targets = ids.length ? await runQuery(c, targetsQuery, { ids: sqlList(ids) }) : []
      const byKey = new Map(targets.map(({ key, ...t }) => [key, Object.fromEntries(Object.entries(t).filter(([, v]) => v != null && v > 0)) as Partial<Funnel>]))
      for (const row of report.rows) {
        const t = byKey.get(row.key)
        row.targets = t && Object.keys(t).length ? t : null
      }
    }
    out[by] = report
  }
  return out
}

/** One row's figures from its funnel and spend (and the gross profit's interval, when there is one). */
export function roiRow(key: string, f: Funnel, spent: { cost: number; subsidy: number }, gpInterval: Interval | null, priorFunnel: Funnel, priorSpent: number): RoiRow {
  return {
    key,
    ...f,
    cost: spent.cost,
    subsidy: spent.subsidy,
    netCost: spent.cost - spent.subsidy,
    costPerLead: f.leads > 0 && spent.cost > 0 ? spent.cost / f.leads : null,
    costPerVisit: f.visits > 0 && spent.cost > 0 ? spent.cost / f.visits : null,
    costPerOrder: f.orders > 0 && spent.cost > 0 ? spent.cost / f.orders : null,
    roas: ratio(f.revenue, spent.cost),
    roi: spent.cost > 0 ? (f.grossProfit - spent.cost) / spent.cost : null,
    roiInterval: spent.cost > 0 && gpInterval ? { low: (gpInterval.low - spent.cost) / spent.cost, high: (gpInterval.high - spent.cost) / spent.cost } : null,
    prior: { ...priorFunnel, cost: priorSpent },
    targets: null,
  }
}

export const sumFunnels = (rs: readonly Funnel[]): Funnel =>
  rs.reduce((a, f) => ({ leads: a.leads + f.leads, visits: a.visits + f.visits, testDrives: a.testDrives + f.testDrives, orders: a.orders + f.orders, deliveries: a.deliveries + f.deliveries, revenue: a.revenue + f.revenue, grossProfit: a.grossProfit + f.grossProfit }), emptyFunnel())

function roiRows(by: RoiDimension, model: AttributionModel, cost: Array<z.output<typeof costRow>>, priorCost: Array<z.output<typeof costRow>>, current: PeriodFunnels, prior: PeriodFunnels): RoiReport {
  const costs = new Map(cost.map((r) => [r.key, r]))
  const priorCosts = new Map(priorCost.map((r) => [r.key, r.cost]))
  // touches without a campaign are the key NO_CAMPAIGN; cost that is no placement's, per channel, NO_CHANNEL
  const keys = [...new Set([...costs.keys(), ...current.funnels.keys()])].sort()
  const rows = keys.map((key) =>
    roiRow(key, current.funnels.get(key) ?? emptyFunnel(), costs.get(key) ?? { cost: 0, subsidy: 0 }, current.grossProfit?.get(key) ?? null, prior.funnels.get(key) ?? emptyFunnel(), priorCosts.get(key) ?? 0),
  )
  const totalSpent = { cost: cost.reduce((s, r) => s + r.cost, 0), subsidy: cost.reduce((s, r) => s + r.subsidy, 0) }
  const totals = roiRow('', sumFunnels([...current.funnels.values()]), totalSpent, current.totalGrossProfit, sumFunnels([...prior.funnels.values()]), priorCost.reduce((s, r) => s + r.cost, 0))
  return { by, model, rows, totals, asOf: Date.now(), stale: false }
}
