import { and, gte, inArray, isNotNull, lt, sql } from 'drizzle-orm'
import { sqlList, withAnalytics } from '../../analytics/duckdb'
import { runQuery } from '../../analytics/query'
import { leadTablesPresent, lostLeads, tradedIn } from '../../analytics/queries/conquest'
import { ourPricesByMonth } from '../../analytics/queries/price-position'
import { salesViewPresent } from '../../analytics/queries/sales-list'
import { marketCities, marketViewPresent, MODEL_SEPARATOR, segmentUnits } from '../../analytics/queries/market-share'
import type { AnalyticsConnection } from '../../analytics/duckdb'
import { MARKET_MEASURES, type MarketMeasure } from '../../analytics/ingest/market-record'
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
  /** our share of each segment in the store's city, before, during and after the campaign, from the market data */
  shareChanges: ShareChange[]
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
  const store = analysisStores(user, campaign.storeId)[0]
  const storeIds = store ? [store.id] : []
  const shareChanges = store ? await shareAroundCampaign(storeIds, store.city, segments, { start: campaign.startDate, end: campaign.endDate }) : []
  if (!pairs.length) return { segments: segments.map((s) => s.name), promotions: [], priceMoves: [], shareChanges }
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
  return { segments: segments.map((s) => s.name), promotions, priceMoves: moves, shareChanges }
}

// ------------------------------------------------------------------ market share (ADR 028)

export type MarketShareFilters = SegmentFilters & { city?: string; measure?: MarketMeasure }

export type ShareRow = { month: string; brand: string; model: string; ours: boolean; units: number; share: number }
export type OurShare = { month: string; units: number; total: number; share: number }

export type MarketShare = {
  /** false until the analytical store has the market views (the first sync after a start) */
  ready: boolean
  from: string
  to: string
  storeIds: string[]
  segments: Array<{ id: string; name: string }>
  segment: Segment | null
  measure: MarketMeasure
  /** the cities the stores' market data has (most units first); null city: all of them summed */
  cities: Array<{ city: string; months: number }>
  city: string | null
  /** each segment model's units and share of the segment, by month */
  rows: ShareRow[]
  /** our models' units and share of the segment, by month (months without data are absent) */
  ours: OurShare[]
}

/** The segment's models as the market-share query takes them. */
const segmentModelList = (segment: Segment) =>
  sqlList([
    ...segment.ours.map((m) => [m.brand, m.model, 'ours'].join(MODEL_SEPARATOR)),
    ...segment.theirs.map((m) => [m.brand, m.model, 'theirs'].join(MODEL_SEPARATOR)),
  ])

/** Each model's share of its month's segment units, and ours summed, from the query's rows. */
function shares(rows: Array<{ month: string; brand: string; model: string; ours: boolean; units: number }>) {
  const totals = new Map<string, { units: number; total: number }>()
  for (const r of rows) {
    const t = totals.get(r.month) ?? { units: 0, total: 0 }
    t.total += r.units
    if (r.ours) t.units += r.units
    totals.set(r.month, t)
  }
  return {
    rows: rows.map((r) => ({ month: r.month, brand: r.brand, model: r.model, ours: r.ours, units: r.units, share: totals.get(r.month)!.total ? r.units / totals.get(r.month)!.total : 0 })),
    ours: [...totals].filter(([, t]) => t.total > 0).map(([month, t]) => ({ month, units: t.units, total: t.total, share: t.units / t.total })),
  }
}

async function marketReady(c: AnalyticsConnection) {
  const [present] = await runQuery(c, marketViewPresent, {})
  return (present?.n ?? 0) > 0
}

/**
 * Market share trend: within a segment and a city (or all the cities of the stores' market data,
 * summed), each model's share of the segment's units by month — ours and the competitors' — from
 * the imported market data alone (ADR 028). Insurance registrations (上险数) unless the filters ask
 * for regional sales.
 */
export async function marketShare(user: SessionUser, filters: MarketShareFilters, now = new Date()): Promise<MarketShare> {
  const { stores, base } = await analysisScope(user, filters, now, true)
  const measure = filters.measure ?? 'registrations'
  const { from, to, segment } = base
  const empty = { measure, cities: [], city: null, rows: [], ours: [] }
  if (!stores.length) return { ...base, ready: true, ...empty }
  const storeIds = sqlList(base.storeIds)
  const found = await withAnalytics(async (c) => {
    if (!(await marketReady(c))) return null
    const cities = await runQuery(c, marketCities, { storeIds, measure })
    const city = filters.city && cities.some((x) => x.city === filters.city) ? filters.city : null
    const rows = segment
      ? await runQuery(c, segmentUnits, {
          storeIds,
          measure,
          from: monthStart(from, 0),
          to,
          city: city ?? '',
          anyCity: city === null,
          byCity: false,
          models: segmentModelList(segment),
        })
      : []
    return { cities: cities.map(({ city, months }) => ({ city, months })), city, ...shares(rows) }
  })
  if (!found) return { ...base, ready: false, ...empty }
  return { ...base, ready: true, measure, ...found }
}

/** The market share's rows as the download holds them. */
export function marketShareTable(p: MarketShare, t: Translate): DataTable {
  return {
    columns: [
      { name: 'month', type: 'text' },
      { name: 'segment', type: 'text' },
      { name: 'city', type: 'text' },
      { name: 'brand', type: 'text' },
      { name: 'model', type: 'text' },
      { name: 'side', type: 'text' },
      { name: 'units', type: 'number' },
      { name: 'share', type: 'number' },
    ],
    rows: p.rows.map((r) => [
      r.month,
      p.segment?.name ?? '',
      p.city ?? t('competitors.share.allCities'),
      r.brand,
      r.model,
      r.ours ? t('competitors.price.ours') : t('competitors.price.theirs'),
      r.units,
      Math.round(r.share * 10_000) / 10_000,
    ]),
  }
}

export type ShareChange = {
  segment: string
  city: string
  measure: MarketMeasure
  /** our share of the segment over the months before the campaign, the campaign's months and the months after; null: no market data */
  before: number | null
  during: number | null
  after: number | null
  months: { before: [string, string]; during: [string, string]; after: [string, string] }
}

/**
 * The share change around a campaign (SPEC §5 where it meets campaigns): in the store's city, for
 * each segment of the campaign's models, our share of the segment's units over the campaign's
 * months against as many months before and after, from the market data (registrations, else
 * regional sales). Months are calendar months: market data comes by month.
 */
export async function shareAroundCampaign(
  storeIds: string[],
  city: string,
  segments: readonly Segment[],
  campaign: { start: string; end: string },
): Promise<ShareChange[]> {
  if (!segments.length || !storeIds.length) return []
  const first = monthStart(campaign.start, 0)
  const last = monthStart(campaign.end, 0)
  const span = (Number(last.slice(0, 4)) - Number(first.slice(0, 4))) * 12 + Number(last.slice(5, 7)) - Number(first.slice(5, 7)) + 1
  const windows = {
    before: [monthStart(first, span), first] as [string, string],
    during: [first, monthStart(last, -1)] as [string, string],
    after: [monthStart(last, -1), monthStart(last, -1 - span)] as [string, string],
  }
  return withAnalytics(async (c) => {
    if (!(await marketReady(c))) return []
    const ids = sqlList(storeIds)
    let measure: MarketMeasure | null = null
    for (const m of MARKET_MEASURES) {
      const cities = await runQuery(c, marketCities, { storeIds: ids, measure: m })
      if (cities.some((x) => x.city === city)) {
        measure = m
        break
      }
    }
    if (!measure) return []
    const out: ShareChange[] = []
    for (const segment of segments) {
      const rows = await runQuery(c, segmentUnits, {
        storeIds: ids,
        measure,
        from: windows.before[0],
        to: windows.after[1],
        city,
        anyCity: false,
        byCity: false,
        models: segmentModelList(segment),
      })
      const shareOf = ([from, to]: [string, string]) => {
        const inside = rows.filter((r) => r.month >= from.slice(0, 7) && r.month < to.slice(0, 7))
        const total = inside.reduce((s, r) => s + r.units, 0)
        return total ? inside.filter((r) => r.ours).reduce((s, r) => s + r.units, 0) / total : null
      }
      out.push({ segment: segment.name, city, measure, before: shareOf(windows.before), during: shareOf(windows.during), after: shareOf(windows.after), months: windows })
    }
    return out
  })
}
