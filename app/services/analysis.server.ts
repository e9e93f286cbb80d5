import { and, gte, inArray, lt, sql } from 'drizzle-orm'
import { getDb } from '../../db/client'
import { campaigns } from '../../db/schema'
import { attributionReport, type AttributionReport } from '../../analytics/queries/attribution-report'
import { roiReport, roiReports, roiRow, sumFunnels, type RoiParams, type RoiReport, type RoiRow } from '../../analytics/queries/roi'
import type { AnalyticsConnection } from '../../analytics/duckdb'
import { NO_CAMPAIGN, type ConversionKind, type PathDimension } from '../../analytics/attribution/vocabulary'
import type { AttributionModel } from '../../analytics/attribution/vocabulary'
import { DEFAULT_HALF_LIFE_DAYS, type MarkovOrder } from '../../analytics/attribution'
import { DEFAULT_MODEL, type ChannelAnalysisFilters, type ReviewFilters } from '../schemas/analysis'
import type { SessionUser } from '../utils/auth.server'
import { zonedDay, zonedDayRange } from '../utils/zoned-time'
import { readMatches } from './matchback.server'
import { addDays } from '../utils/days'
import { queryPeriod, type PeriodQuery } from '../utils/period'

/**
 * What the analysis pages read (SPEC §4, ADR 022): the model comparison of the channel page,
 * computed in the analytical store for the stores the user reads, over a month or the last 90
 * days in the store's calendar. Routes never reach DuckDB themselves.
 */

export type ChannelAnalysis = {
  /** false until the analytical store has its matched sales (the first sync after a start) */
  ready: boolean
  storeIds: string[]
  /** the local days of the period, [from, to) */
  from: string
  to: string
  conversion: ConversionKind
  by: PathDimension
  /** only this channel (the page's filter), or every one */
  channel: string | null
  model: AttributionModel
  order: MarkovOrder
  /** whether the Markov chain counts the journeys that did not convert */
  includeNulls: boolean
  /** time decay's half-life in days */
  halfLifeDays: number
  report: AttributionReport | null
  /** cost, funnel and ROI per channel or campaign under the chosen model */
  roi: RoiReport | null
  /** campaign id → name, for paths keyed by campaign */
  campaignNames: Record<string, string>
}

const DAY = 86_400_000

/** The stores of the page: the one chosen (when the user reads it), else all the user reads. */
export function analysisStores(user: SessionUser, store: string | undefined) {
  return user.stores.filter((s) => !store || s.id === store)
}

/** The local days [from, to) the filters ask for (first and last day, or a month), else the 90 days up to and including today. */
export function analysisPeriod(filters: PeriodQuery, timeZone: string, now = new Date()): { from: string; to: string } {
  const today = zonedDay(now, timeZone)
  return queryPeriod(filters, today) ?? { from: addDays(today, -89), to: addDays(today, 1) }
}

export async function channelAnalysis(user: SessionUser, filters: ChannelAnalysisFilters, now = new Date()): Promise<ChannelAnalysis> {
  const stores = analysisStores(user, filters.store)
  const timeZone = stores[0]?.timeZone ?? 'Asia/Shanghai'
  const { from, to } = analysisPeriod(filters, timeZone, now)
  const base = {
    storeIds: stores.map((s) => s.id),
    from,
    to,
    conversion: filters.conversion ?? 'lead',
    by: filters.by ?? 'channel',
    channel: filters.channel ?? null,
    model: filters.model ?? DEFAULT_MODEL,
    order: Number(filters.order ?? '1') as MarkovOrder,
    includeNulls: filters.nulls !== 'without',
    halfLifeDays: filters.halfLife ?? DEFAULT_HALF_LIFE_DAYS,
    campaignNames: {},
  } satisfies Omit<ChannelAnalysis, 'ready' | 'report' | 'roi'>
  if (!stores.length) return { ...base, ready: true, report: null, roi: null }
  const start = zonedDayRange(from, timeZone)!.start
  const end = zonedDayRange(to, timeZone)!.start
  const { ready, value } = await readMatches<{ report: AttributionReport; roi: RoiReport } | null>(null, async (c) => ({
    report: await attributionReport(c, {
      storeIds: base.storeIds,
      from: start.toISOString(),
      to: end.toISOString(),
      kind: base.conversion,
      dimension: base.by,
      order: base.order,
      includeNulls: base.includeNulls,
      halfLifeDays: base.halfLifeDays,
      ...(base.channel ? { channel: base.channel } : {}),
    }),
    roi: await roiReport(c, {
      storeIds: base.storeIds,
      from: start.toISOString(),
      to: end.toISOString(),
      fromDay: from,
      toDay: to,
      by: base.by,
      model: base.model,
      timeZone,
      options: { order: base.order, includeNulls: base.includeNulls, halfLifeDays: base.halfLifeDays },
      ...(base.channel ? { channel: base.channel } : {}),
    }),
  }))
  const report = value?.report ?? null
  const roi = value?.roi ?? null
  let campaignNames: Record<string, string> = {}
  if (report && base.by === 'campaign') {
    const ids = [...new Set([...report.keys, ...(roi?.rows.map((r) => r.key) ?? [])])].filter((k) => k !== NO_CAMPAIGN)
    if (ids.length) {
      const db = await getDb()
      const rows = await db.select({ id: campaigns.id, name: campaigns.name }).from(campaigns).where(inArray(campaigns.id, ids))
      campaignNames = Object.fromEntries(rows.map((r) => [r.id, r.name]))
    }
  }
  return { ...base, ready, report, roi, campaignNames }
}

export type CampaignResults = {
  ready: boolean
  /** the local days [from, to) the results were counted over */
  from: string
  to: string
  model: AttributionModel
  row: RoiRow | null
}

/**
 * What a campaign brought, for its post-campaign evaluation (SPEC §2, §4, ADR 022): the
 * conversions the default model credits to it and the spend recorded on it, counted from a month
 * before its warm-up (media paid ahead) to a month after its end (orders follow the event), and
 * never past today.
 */
export async function campaignResults(
  campaign: { id: string; storeId: string; warmupStart: string | null; startDate: string; endDate: string; store: { timeZone: string } },
  now = new Date(),
): Promise<CampaignResults> {
  const timeZone = campaign.store.timeZone
  const shift = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10)
  const from = shift(campaign.warmupStart && campaign.warmupStart < campaign.startDate ? campaign.warmupStart : campaign.startDate, -30)
  const tomorrow = shift(zonedDay(now, timeZone), 1)
  const end = shift(campaign.endDate, 31)
  const to = end < tomorrow ? end : tomorrow
  const model = DEFAULT_MODEL
  if (to <= from) return { ready: true, from, to, model, row: null }
  const start = zonedDayRange(from, timeZone)!.start
  const stop = zonedDayRange(to, timeZone)!.start
  const { ready, value } = await readMatches(null, (c) =>
    roiReport(c, { storeIds: [campaign.storeId], from: start.toISOString(), to: stop.toISOString(), fromDay: from, toDay: to, by: 'campaign', model, timeZone }),
  )
  return { ready, from, to, model, row: value?.rows.find((r) => r.key === campaign.id) ?? null }
}

/** How many of the best and of the worst campaigns the review lists. */
export const REVIEW_CAMPAIGNS = 5

/**
 * The review's best and worst campaigns by ROI (those with spend), best first and worst first.
 * Never the same campaign in both: with fewer than twice the places, the upper half is the best
 * and the rest the worst (one campaign alone is only the best).
 */
export function bestAndWorst(rows: readonly RoiRow[], places = REVIEW_CAMPAIGNS): { best: RoiRow[]; worst: RoiRow[] } {
  const ranked = rows.filter((x) => x.key !== NO_CAMPAIGN && x.cost > 0 && x.roi != null).sort((a, b) => b.roi! - a.roi! || (a.key < b.key ? -1 : 1))
  const best = ranked.slice(0, Math.min(places, Math.ceil(ranked.length / 2)))
  return { best, worst: ranked.slice(best.length).slice(-places).reverse() }
}

export type ManagementReview = {
  ready: boolean
  storeIds: string[]
  from: string
  to: string
  model: AttributionModel
  /** only this channel (the page's filter), or every one */
  channel: string | null
  byStore: RoiReport | null
  byChannel: RoiReport | null
  /** the campaigns with spend and an ROI, best first, and worst first: at most REVIEW_CAMPAIGNS each (a group runs thousands), none in both */
  best: RoiRow[]
  worst: RoiRow[]
  /** the six months up to the period's end (filtered to a channel, each month credited on its own) */
  byMonth: RoiReport | null
  campaigns: Record<string, { name: string; storeId: string }>
  /** per store, the budget of the campaigns that ran in the period: planned against actual */
  budgets: Array<{ storeId: string; planned: number; actual: number }>
}

/**
 * The management ROI review (SPEC §4): every store the user reads on one page — spend against
 * return per store and per channel, the best and worst campaigns, the month trend, budget
 * against actual — each row leading down to the store's channel page or the campaign.
 */
export async function managementReview(user: SessionUser, filters: ReviewFilters, now = new Date()): Promise<ManagementReview> {
  // one store of those the user reads, or all of them
  const stores = analysisStores(user, filters.store)
  const timeZone = stores[0]?.timeZone ?? 'Asia/Shanghai'
  const { from, to } = analysisPeriod(filters, timeZone, now)
  const model = filters.model ?? DEFAULT_MODEL
  const channel = filters.channel ?? null
  const storeIds = stores.map((s) => s.id)
  const empty = { storeIds, from, to, model, channel, byStore: null, byChannel: null, best: [], worst: [], byMonth: null, campaigns: {}, budgets: [] }
  if (!stores.length) return { ...empty, ready: true }
  const instant = (day: string) => zonedDayRange(day, timeZone)!.start.toISOString()
  const monthStart = (day: string, back: number) => {
    const [y, m] = day.split('-').map(Number) as [number, number]
    return new Date(Date.UTC(y, m - 1 - back, 1)).toISOString().slice(0, 10)
  }
  const trendFrom = monthStart(new Date(Date.parse(`${to}T00:00:00Z`) - DAY).toISOString().slice(0, 10), 5)
  const base = { storeIds, from: instant(from), to: instant(to), fromDay: from, toDay: to, model, timeZone }
  const only = channel ? { channel } : {}
  const { ready, value } = await readMatches(null, async (c) => {
    const { store, channel: byChannel, campaign } = await roiReports(c, { ...base, ...only }, ['store', 'channel', 'campaign'])
    const byMonth = channel
      ? await channelMonths(c, base, channel, trendFrom, to, (day) => instant(day))
      : await roiReport(c, { ...base, from: instant(trendFrom), fromDay: trendFrom, by: 'month' })
    return { byStore: store, byChannel, byCampaign: campaign, byMonth }
  })
  const db = await getDb()
  // filtered to a channel: the budget lines of that medium's placements
  const line = channel
    ? sql`b.campaign_id = "campaigns"."id" and b.placement_id in (select p.id from media_placements p where p.campaign_id = "campaigns"."id" and p.medium = ${channel})`
    : sql`b.campaign_id = "campaigns"."id"`
  const ran = await db
    .select({
      id: campaigns.id,
      name: campaigns.name,
      storeId: campaigns.storeId,
      // qualified by hand: inside a subquery drizzle writes bare column names, and "id" would be the line's
      planned: sql<number>`coalesce((select sum(b.planned_fen) from budget_lines b where ${line}), 0)`.mapWith(Number),
      actual: sql<number>`coalesce((select sum(b.actual_fen) from budget_lines b where ${line}), 0)`.mapWith(Number),
    })
    .from(campaigns)
    .where(and(inArray(campaigns.storeId, storeIds), lt(campaigns.startDate, to), gte(campaigns.endDate, from), inArray(campaigns.status, ['approved', 'running', 'completed', 'evaluated'])))
  const budgets = storeIds.map((storeId) => {
    const mine = ran.filter((r) => r.storeId === storeId)
    return { storeId, planned: mine.reduce((s, r) => s + r.planned, 0), actual: mine.reduce((s, r) => s + r.actual, 0) }
  })
  // the page shows the best and the worst campaigns by ROI: only those travel to it (a group runs thousands)
  const { best, worst } = bestAndWorst(value?.byCampaign.rows ?? [])
  const ids = [...best, ...worst].map((r) => r.key)
  const named = ids.length ? await db.select({ id: campaigns.id, name: campaigns.name, storeId: campaigns.storeId }).from(campaigns).where(inArray(campaigns.id, ids)) : []
  const rest = value ? { byStore: value.byStore, byChannel: value.byChannel, byMonth: value.byMonth } : {}
  return {
    ...empty,
    ready,
    ...rest,
    best,
    worst,
    campaigns: Object.fromEntries(named.map((c) => [c.id, { name: c.name, storeId: c.storeId }])),
    budgets,
  }
}

/**
 * One channel's month trend: each month of [fromDay, toDay) on its own, by channel and filtered
 * to it — a month's journeys credited alone, as the channel page shows that month — one row per
 * month, keyed by the month.
 */
async function channelMonths(
  c: AnalyticsConnection,
  base: Omit<RoiParams, 'by' | 'channel'>,
  channel: string,
  fromDay: string,
  toDay: string,
  instant: (day: string) => string,
): Promise<RoiReport> {
  const rows: RoiRow[] = []
  const reports: RoiReport[] = []
  for (let day = fromDay; day < toDay; ) {
    const [y, m] = day.split('-').map(Number) as [number, number]
    const next = new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10)
    const end = next < toDay ? next : toDay
    // the trend shows no lift: the month before each is not read
    const report = await roiReport(c, { ...base, from: instant(day), to: instant(end), fromDay: day, toDay: end, by: 'channel', channel, prior: false })
    reports.push(report)
    const row = report.rows.find((r) => r.key === channel)
    if (row) rows.push({ ...row, key: day.slice(0, 7) })
    day = next
  }
  // the months were credited apart: no one interval covers their sum
  const totals = roiRow('', sumFunnels(rows), { cost: rows.reduce((t, r) => t + r.cost, 0), subsidy: rows.reduce((t, r) => t + r.subsidy, 0) }, null, reports[0]!.totals.prior, reports[0]!.totals.prior.cost)
  return {
    by: 'month',
    model: base.model,
    rows,
    totals,
    asOf: Math.min(...reports.map((r) => r.asOf)),
    stale: reports.some((r) => r.stale),
  }
}
