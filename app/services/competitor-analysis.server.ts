import { and, gte, inArray, isNotNull, lt, sql } from 'drizzle-orm'
import { sqlList, withAnalytics } from '../../analytics/duckdb'
import { runQuery } from '../../analytics/query'
import { leadTablesPresent, lostLeads, tradedIn } from '../../analytics/queries/conquest'
import { ourPricesByMonth } from '../../analytics/queries/price-position'
import { salesViewPresent } from '../../analytics/queries/sales-list'
import type { DataTable } from '../../analytics/export/data-table'
import { getDb } from '../../db/client'
import { campaigns, competitorObservations } from '../../db/schema'
import { LOST_REASONS } from '../../db/schema/enums'

type LostReason = (typeof LOST_REASONS)[number]
import type { Translate } from '../i18n'
import type { SessionUser } from '../utils/auth.server'
import { addDays, monthStart } from '../utils/days'
import { queryPeriod, type PeriodQuery } from '../utils/period'
import { storeToday, zonedDayRange } from '../utils/zoned-time'
import { analysisStores } from './analysis.server'
import { listSegments, type Segment } from './competitors.server'

/**
 * The analyses of competitor intelligence (SPEC §5, ADR 028), for the stores the user reads and
 * one model segment of the group. Our side comes from the analytical store (the imported DMS
 * sales), the competitors' from the observations in Postgres (a store records a few a week).
 */

export type SegmentFilters = PeriodQuery & { store?: string; segment?: string }

/**
 * What an analysis reads: the stores (the one asked for, if the user reads it, else all they
 * read), the period asked for — else the twelve months up to today in the stores' calendar,
 * [from, to) — and the segment asked for. Without one, `firstSegment` takes the group's first
 * (the price position compares within one segment); otherwise every competitor counts.
 */
async function analysisScope(user: SessionUser, filters: SegmentFilters, now: Date, firstSegment: boolean) {
  const stores = analysisStores(user, filters.store)
  const today = storeToday(stores.length ? stores : user.stores, now)
  const { from, to } = queryPeriod(filters, today) ?? { from: monthStart(today, 11), to: addDays(today, 1) }
  const all = await listSegments(user)
  const segment = all.find((s) => s.id === filters.segment) ?? (firstSegment ? (all[0] ?? null) : null)
  return { stores, allSegments: all, base: { from, to, storeIds: stores.map((s) => s.id), segments: all.map(({ id, name }) => ({ id, name })), segment } }
}

/** "brand model" of each model: how the analyses match observations and lost leads to a segment. */
const pairsOf = (models: ReadonlyArray<{ brand: string; model: string }>) => models.map((m) => `${m.brand} ${m.model}`)

/** The observation's "brand model" is one of these (none: no row; an empty IN list is not SQL). */
const observedAs = (pairs: readonly string[]) => inArray(sql`${competitorObservations.brand} || ' ' || ${competitorObservations.model}`, pairs.length ? [...pairs] : [''])

export type PricePoint = { month: string; brand: string; model: string; ours: boolean; medianFen: number; n: number }

export type PricePosition = {
  /** false until the analytical store has the imported sales (the first sync after a start) */
  ready: boolean
  from: string
  to: string
  storeIds: string[]
  segments: Array<{ id: string; name: string }>
  segment: Segment | null
  points: PricePoint[]
}

/**
 * Price position: per month, the median transaction price of each of the segment's models — ours
 * from our sales, the competitors' from what was seen (an observation without a transaction
 * price, only a promotion, is not a price point).
 */
export async function pricePosition(user: SessionUser, filters: SegmentFilters, now = new Date()): Promise<PricePosition> {
  const { stores, base } = await analysisScope(user, filters, now, true)
  const { from, to, segment } = base
  if (!segment || !stores.length) return { ...base, ready: true, points: [] }

  const db = await getDb()
  const theirs = await db
    .select({
      month: sql<string>`to_char(${competitorObservations.seenOn}, 'YYYY-MM')`,
      brand: competitorObservations.brand,
      model: competitorObservations.model,
      medianFen: sql<number>`round(percentile_cont(0.5) within group (order by ${competitorObservations.transactionPriceFen}))`.mapWith(Number),
      n: sql<number>`count(*)`.mapWith(Number),
    })
    .from(competitorObservations)
    .where(
      and(
        inArray(competitorObservations.storeId, base.storeIds),
        gte(competitorObservations.seenOn, from),
        lt(competitorObservations.seenOn, to),
        isNotNull(competitorObservations.transactionPriceFen),
        observedAs(pairsOf(segment.theirs)),
      ),
    )
    .groupBy(sql`1`, competitorObservations.brand, competitorObservations.model)

  // our models by name: a segment lists them with our brand, the DMS export by series or model alone
  const brandOf = new Map(segment.ours.map((m) => [m.model, m.brand]))
  const ours = await withAnalytics(async (c) => {
    const [present] = await runQuery(c, salesViewPresent, {})
    if (!present?.n) return null
    return runQuery(c, ourPricesByMonth, { storeIds: sqlList(base.storeIds), models: sqlList(segment.ours.map((m) => m.model)), from, to })
  })
  const points: PricePoint[] = [
    ...(ours ?? []).map((r) => ({ month: r.month, brand: brandOf.get(r.model) ?? '', model: r.model, ours: true, medianFen: r.median_fen, n: r.n })),
    ...theirs.map((r) => ({ ...r, ours: false })),
  ].sort((a, b) => (a.month < b.month ? -1 : a.month > b.month ? 1 : Number(b.ours) - Number(a.ours) || (a.model < b.model ? -1 : 1)))
  return { ...base, ready: ours !== null, points }
}

/** The price position's rows as the chart draws them and the download holds them. */
export function pricePositionTable(p: PricePosition, t: Translate): DataTable {
  return {
    columns: [
      { name: 'month', type: 'text' },
      { name: 'segment', type: 'text' },
      { name: 'brand', type: 'text' },
      { name: 'model', type: 'text' },
      { name: 'side', type: 'text' },
      { name: 'median_transaction_price_fen', type: 'number' },
      { name: 'observations', type: 'number' },
    ],
    rows: p.points.map((x) => [x.month, p.segment?.name ?? '', x.brand, x.model, t(x.ours ? 'competitors.price.ours' : 'competitors.price.theirs'), x.medianFen, x.n]),
  }
}

export type CompetitorPromotion = { brand: string; model: string; promotion: string; start: string; end: string; sightings: number; firstSeen: string }
export type OurCampaign = { id: string; name: string; start: string; end: string; status: string; models: string[] }

export type PromotionTimeline = {
  from: string
  to: string
  storeIds: string[]
  segments: Array<{ id: string; name: string }>
  /** null: every competitor and every campaign */
  segment: Segment | null
  promotions: CompetitorPromotion[]
  campaigns: OurCampaign[]
}

/**
 * The promotions seen at the stores that overlap [from, to): one row per model, promotion and
 * period, with how often and first when it was seen; a sighting without a period counts for its
 * day. `pairs` narrows to those models ("brand model"); null: every competitor.
 */
async function competitorPromotions(storeIds: string[], from: string, to: string, pairs: string[] | null): Promise<CompetitorPromotion[]> {
  const db = await getDb()
  const o = competitorObservations
  const start = sql<string>`coalesce(${o.promotionStart}, ${o.seenOn})`
  const end = sql<string>`coalesce(${o.promotionEnd}, ${o.promotionStart}, ${o.seenOn})`
  return db
    .select({
      brand: o.brand,
      model: o.model,
      promotion: o.promotion,
      start: sql<string>`(${start})::text`,
      end: sql<string>`(${end})::text`,
      sightings: sql<number>`count(*)`.mapWith(Number),
      firstSeen: sql<string>`min(${o.seenOn})::text`,
    })
    .from(o)
    .where(and(inArray(o.storeId, storeIds), sql`${o.promotion} <> ''`, sql`${end} >= ${from}::date`, sql`${start} < ${to}::date`, pairs ? observedAs(pairs) : undefined))
    .groupBy(o.brand, o.model, o.promotion, sql`4`, sql`5`)
    .orderBy(sql`4`, o.brand, o.model)
    .limit(300)
}

/**
 * Promotion timeline: what competitors ran — each promotion seen, with its period (a sighting
 * without one counts for its day) — against our campaigns that were approved or ran, over the
 * period; within a segment, only its competitors' models and the campaigns that promote one of
 * its models of ours or no model in particular.
 */
export async function promotionTimeline(user: SessionUser, filters: SegmentFilters, now = new Date()): Promise<PromotionTimeline> {
  const { stores, base } = await analysisScope(user, filters, now, false)
  const { from, to, segment } = base
  if (!stores.length) return { ...base, promotions: [], campaigns: [] }
  const promotions = await competitorPromotions(base.storeIds, from, to, segment ? pairsOf(segment.theirs) : null)
  const db = await getDb()
  const ours = segment ? segment.ours.map((m) => m.model) : null
  const ran = await db
    .select({ id: campaigns.id, name: campaigns.name, start: sql<string>`${campaigns.startDate}::text`, end: sql<string>`${campaigns.endDate}::text`, status: campaigns.status, models: campaigns.models })
    .from(campaigns)
    .where(
      and(
        inArray(campaigns.storeId, base.storeIds),
        inArray(campaigns.status, ['approved', 'running', 'completed', 'evaluated']),
        gte(campaigns.endDate, from),
        lt(campaigns.startDate, to),
        ours ? sql`(jsonb_array_length(${campaigns.models}) = 0 or ${campaigns.models} ?| ${sql.raw('array')}[${sql.join(ours.length ? ours.map((m) => sql`${m}`) : [sql`''`], sql`, `)}]::text[])` : undefined,
      ),
    )
    .orderBy(campaigns.startDate, campaigns.name)
    .limit(200)
  return { ...base, promotions, campaigns: ran.map((c) => ({ ...c, start: c.start!, end: c.end! })) }
}

/** The promotion timeline's rows as the download holds them. */
export function promotionTimelineTable(p: PromotionTimeline, t: Translate): DataTable {
  const text = (name: string) => ({ name, type: 'text' as const })
  return {
    columns: [text('side'), text('brand'), text('model'), text('name'), text('start'), text('end'), { name: 'sightings', type: 'number' }],
    rows: [
      ...p.campaigns.map((c) => [t('competitors.promotions.ours'), '', c.models.join('、'), c.name, c.start, c.end, null] as Array<string | number | null>),
      ...p.promotions.map((x) => [t('competitors.promotions.theirs'), x.brand, x.model, x.promotion, x.start, x.end, x.sightings]),
    ],
  }
}

export type LostRow = { brand: string; model: string; reason: string; leads: number }

export type Conquest = {
  ready: boolean
  from: string
  to: string
  storeIds: string[]
  segments: Array<{ id: string; name: string }>
  segment: Segment | null
  /** lost to a named competitor, by brand, model and reason, most first */
  toCompetitors: LostRow[]
  /** lost without a competitor named, by reason */
  otherwise: Array<{ reason: string; leads: number }>
  total: number
  /** false until the analytical store has the imported sales */
  salesReady: boolean
  /** our buyers in the period who traded in a competitor's car (the segment's, when one is chosen), by that car, most first */
  tradeIns: TradeInRow[]
  /** all of them */
  tradeInTotal: number
}

export type TradeInRow = { brand: string; model: string; buyers: number }

const carKey = (text: string) => text.replace(/\s+/g, '').toLowerCase()

/** Two brand names for one brand: the same, or one inside the other (东风日产 and 日产). */
const sameBrand = (a: string, b: string) => Boolean(a && b) && (a === b || a.includes(b) || b.includes(a))

/**
 * Whether a traded-in car, as a DMS export names it, is this brand and model: the brand when
 * the export gives one (else perhaps written before the model: 本田雅阁), and a model that
 * begins with the model's name (雅阁 2019款 is a 雅阁).
 */
export function tradedInCarIs(car: { brand: string; model: string }, target: { brand: string; model: string }): boolean {
  const brand = carKey(car.brand)
  let model = carKey(car.model)
  const targetBrand = carKey(target.brand)
  const targetModel = carKey(target.model)
  if (!targetModel) return false
  if (brand) {
    if (!sameBrand(brand, targetBrand)) return false
  } else if (targetBrand && model.startsWith(targetBrand)) model = model.slice(targetBrand.length)
  return model.startsWith(targetModel)
}

/** Whether a traded-in car is one of ours: a brand of the stores or of our side of a segment, or one of our segment models. */
function tradedInOurs(car: { brand: string; model: string }, ourBrands: readonly string[], ourModels: ReadonlyArray<{ brand: string; model: string }>) {
  const brand = carKey(car.brand)
  const model = carKey(car.model)
  if (ourBrands.some((b) => (brand ? sameBrand(brand, b) : model.startsWith(b)))) return true
  return ourModels.some((m) => tradedInCarIs(car, m))
}

/**
 * Conquest: which competitors took our leads in the period, and why — from the consultants'
 * lost-lead records (战败: brand, model and reason), in the analytical store.
 */
export async function conquest(user: SessionUser, filters: SegmentFilters, now = new Date()): Promise<Conquest> {
  const { stores, allSegments, base } = await analysisScope(user, filters, now, false)
  const { from, to, segment } = base
  const timeZone = stores[0]?.timeZone ?? 'Asia/Shanghai'
  const empty = { toCompetitors: [], otherwise: [], total: 0, salesReady: true, tradeIns: [], tradeInTotal: 0 }
  if (!stores.length) return { ...base, ready: true, ...empty }
  const found = await withAnalytics(async (c) => {
    const [leadTables] = await runQuery(c, leadTablesPresent, {})
    const [salesTable] = await runQuery(c, salesViewPresent, {})
    const lost =
      (leadTables?.n ?? 0) < 2
        ? null
        : await runQuery(c, lostLeads, {
            storeIds: sqlList(base.storeIds),
            from: zonedDayRange(from, timeZone)!.start.toISOString(),
            to: zonedDayRange(to, timeZone)!.start.toISOString(),
            pairs: sqlList(segment ? pairsOf(segment.theirs) : []),
            anyPair: !segment,
          })
    // sales are dated by their store's calendar day, as the period is
    const traded = (salesTable?.n ?? 0) > 0 ? await runQuery(c, tradedIn, { storeIds: sqlList(base.storeIds), from, to }) : null
    return { lost, traded }
  })
  const rows = found.lost ?? []
  const named = rows.filter((r) => r.brand || r.model)
  const otherwise = new Map<string, number>()
  for (const r of rows.filter((x) => !x.brand && !x.model)) otherwise.set(r.reason, (otherwise.get(r.reason) ?? 0) + r.leads)
  // a trade-in of our own brand is loyalty, not conquest; with a segment, only its competitors' cars
  const ourBrands = [...new Set([...stores.map((s) => s.brand), ...allSegments.flatMap((x) => x.ours.map((m) => m.brand))].map(carKey).filter(Boolean))]
  const ourModels = segment ? segment.ours : []
  const theirs = (found.traded ?? []).filter((car) => !tradedInOurs(car, ourBrands, ourModels))
  // within a segment, each car counts for the segment's model it is (轩逸 2018款 and 东风日产 轩逸 are both 日产 轩逸)
  const tradeIns: TradeInRow[] = segment
    ? segment.theirs
        .map((m) => ({ brand: m.brand, model: m.model, buyers: theirs.filter((car) => tradedInCarIs(car, m)).reduce((n, car) => n + car.buyers, 0) }))
        .filter((r) => r.buyers > 0)
        .sort((a, b) => b.buyers - a.buyers)
    : theirs
  return {
    ...base,
    ready: found.lost !== null,
    toCompetitors: named,
    otherwise: [...otherwise].map(([reason, leads]) => ({ reason, leads })).sort((a, b) => b.leads - a.leads),
    total: rows.reduce((s, r) => s + r.leads, 0),
    salesReady: found.traded !== null,
    tradeIns,
    tradeInTotal: tradeIns.reduce((s, r) => s + r.buyers, 0),
  }
}

/** The trade-ins' rows as their download holds them. */
export function tradeInTable(p: Conquest): DataTable {
  return {
    columns: [{ name: 'traded_in_brand', type: 'text' }, { name: 'traded_in_model', type: 'text' }, { name: 'buyers', type: 'number' }],
    rows: p.tradeIns.map((r) => [r.brand, r.model, r.buyers]),
  }
}

/** Conquest's rows as the download holds them. */
export function conquestTable(p: Conquest, t: Translate): DataTable {
  const text = (name: string) => ({ name, type: 'text' as const })
  const reason = (r: string) => (LOST_REASONS.includes(r as LostReason) ? t(`leads.lostReason.${r as LostReason}`) : r)
  return {
    columns: [text('brand'), text('model'), text('reason_key'), text('reason'), { name: 'leads', type: 'number' }],
    rows: [...p.toCompetitors.map((r) => [r.brand, r.model, r.reason, reason(r.reason), r.leads]), ...p.otherwise.map((r) => ['', '', r.reason, reason(r.reason), r.leads])],
  }
}

export type PriceMove = { brand: string; model: string; beforeFen: number | null; duringFen: number | null; sightings: number }

export type CompetitorsDuring = {
  /** the segments of the campaign's models (every segment when it promotes no model in particular) */
  segments: string[]
  promotions: CompetitorPromotion[]
  /** each competitor model's median seen transaction price in the 30 days before the campaign and during it */
  priceMoves: PriceMove[]
}

/**
 * What competitors did while a campaign ran (SPEC §5 where it meets campaigns): the promotions
 * seen at the campaign's store that overlapped it, and the price moves of the competitor models in
 * the segments of the models it promoted — their median seen transaction price in the 30 days
 * before against during. Null when the campaign has no dates yet.
 */
export async function competitorsDuring(
  user: SessionUser,
  campaign: { storeId: string; warmupStart: string | null; startDate: string | null; endDate: string | null; models: string[] },
): Promise<CompetitorsDuring | null> {
  if (!campaign.startDate || !campaign.endDate) return null
  const start = campaign.warmupStart && campaign.warmupStart < campaign.startDate ? campaign.warmupStart : campaign.startDate
  const all = await listSegments(user)
  const segments = campaign.models.length ? all.filter((s) => s.ours.some((m) => campaign.models.includes(m.model))) : all
  const pairs = [...new Set(segments.flatMap((s) => pairsOf(s.theirs)))]
  if (!pairs.length) return { segments: segments.map((s) => s.name), promotions: [], priceMoves: [] }
  const storeIds = analysisStores(user, campaign.storeId).map((s) => s.id)
  const promotions = await competitorPromotions(storeIds, start, addDays(campaign.endDate, 1), pairs)
  const db = await getDb()
  const o = competitorObservations
  const before = addDays(start, -30)
  const median = (from: string, to: string) =>
    sql<number | null>`round(percentile_cont(0.5) within group (order by ${o.transactionPriceFen}) filter (where ${o.seenOn} >= ${from}::date and ${o.seenOn} < ${to}::date))`.mapWith((v) =>
      v === null ? null : Number(v),
    )
  const moves = await db
    .select({ brand: o.brand, model: o.model, beforeFen: median(before, start), duringFen: median(start, addDays(campaign.endDate, 1)), sightings: sql<number>`count(*)`.mapWith(Number) })
    .from(o)
    .where(
      and(
        inArray(o.storeId, storeIds),
        isNotNull(o.transactionPriceFen),
        gte(o.seenOn, before),
        sql`${o.seenOn} <= ${campaign.endDate}::date`,
        observedAs(pairs),
      ),
    )
    .groupBy(o.brand, o.model)
    .orderBy(o.brand, o.model)
  return { segments: segments.map((s) => s.name), promotions, priceMoves: moves }
}
