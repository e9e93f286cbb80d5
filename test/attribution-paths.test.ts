import { eq } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { getDb } from '../db/client'
import { budgetLines, campaigns, mediaPlacements, showroomVisits, spendEntries, stores, touchpoints } from '../db/schema'
import { refreshLineActuals, syncPlanCostLines } from '../db/plan-costs'
import { NO_CHANNEL, roiReport, type RoiParams, type RoiRow } from '../analytics/queries/roi'
import { NO_MEDIUM } from '../analytics/attribution/vocabulary'
import { withAnalytics } from '../analytics/duckdb'
import { attributeConversions, ATTRIBUTION_MODELS } from '../analytics/attribution'
import { CAMPAIGN_CHANNEL, conversionPaths, MEDIUM_CHANNEL, NO_CAMPAIGN, PATH_DIMENSIONS, type ConversionPathsParams, type KeyDimension } from '../analytics/queries/conversion-paths'
import { arrive, importSaleLines, setLeadStatus, syncNow, useAnalyticsDataDir } from './analytics-fixtures'
import { loader as channelsLoader } from '../app/routes/analysis.channels'
import { loader as evaluationLoader } from '../app/routes/campaigns.$campaignId.evaluation'
import { loader as dataLoader } from '../app/routes/analysis.channels_.data'
import { loader as reviewLoader } from '../app/routes/analysis.review'
import { bestAndWorst } from '../app/services/analysis.server'
import { tableFromIPC } from 'apache-arrow'
import fs from 'node:fs'
import path from 'node:path'
import { runQuery, defineQuery } from '../analytics/query'
import { fileLiteral } from '../analytics/file-literal'
import { createGroup, createStore, createUser, get, signIn, type Browser } from './factories'
import { settle } from './http'

/**
 * The conversion paths the attribution models read (ADR 022), from the app's own data: leads
 * through the intake, showroom visits, sales through the import and matchback, synced into a
 * real DuckDB file. Every path below is worked out by hand from the story in beforeAll.
 */

const dataDir = useAnalyticsDataDir('attribution-paths')
let storeA: string
let storeB: string
let campaignX: string
let specialist: Browser
let specialistB: Browser
let frontDesk: Browser
const lead: Record<string, string> = {}

// October 2026 in the store's calendar (Asia/Shanghai, UTC+8)
const FROM = '2026-09-30T16:00:00.000Z'
const TO = '2026-10-31T16:00:00.000Z'
/** 10:00 in Shanghai on the given day of 2026 */
const at = (month: number, day: number, hour = 10) => new Date(Date.UTC(2026, month - 1, day, hour - 8))
const ms = (month: number, day: number, hour = 10) => at(month, day, hour).getTime()
/** the last millisecond of a day in Shanghai */
const endOfDay = (month: number, day: number) => Date.UTC(2026, month - 1, day + 1, -8) - 1

async function webVisit(storeId: string, leadId: string | null, visitorKey: string, channel: 'douyin' | 'search' | 'wechat', when: Date, campaignId: string | null = null) {
  const db = await getDb()
  await db.insert(touchpoints).values({ storeId, leadId, visitorKey, kind: 'web_visit', channel, at: when, campaignId })
}

async function showroomVisit(storeId: string, leadId: string, when: Date, testDrive: boolean) {
  const db = await getDb()
  await db.insert(showroomVisits).values({ storeId, leadId, visitType: 'first', arrivedAt: when, testDrive })
}

const params = (p: Partial<ConversionPathsParams> & Pick<ConversionPathsParams, 'kind'>): ConversionPathsParams => ({
  storeIds: [storeA],
  from: FROM,
  to: TO,
  dimension: 'channel',
  ...p,
})
const paths = (p: Parameters<typeof params>[0]) => withAnalytics((c) => conversionPaths(c, params(p)))

beforeAll(async () => {
  const group = await createGroup()
  storeA = (await createStore(group.id, '杭州西湖大众4S店')).id
  storeB = (await createStore(group.id, '宁波大众4S店')).id
  const db = await getDb()
  const [x] = await db.insert(campaigns).values({ storeId: storeA, name: '国庆车展', form: 'auto_show', status: 'running', startDate: '2026-09-20', endDate: '2026-10-10' }).returning({ id: campaigns.id })
  campaignX = x!.id
  specialist = await signIn((await createUser(group.id, 'specialist', [storeA])).id)
  specialistB = await signIn((await createUser(group.id, 'specialist', [storeB])).id)
  frontDesk = await signIn((await createUser(group.id, 'sales', [storeA])).id)

  // 王芳: a platform lead in September, a web visit from 抖音 in the campaign, a walk-in with a
  // test drive, an order on 20 October
  lead.wang = (await arrive(storeA, { name: '王芳', phone: '13800000001' }, at(9, 10), { kind: 'platform_lead', channel: 'autohome' })).leadId
  await webVisit(storeA, lead.wang, 'v-wang', 'douyin', at(10, 5), campaignX)
  await arrive(storeA, { name: '王芳', phone: '13800000001' }, at(10, 8), { kind: 'walk_in', channel: 'direct', campaignId: campaignX })
  await showroomVisit(storeA, lead.wang, at(10, 8, 11), true)

  // 李强: a call in October after a 微信 article, no visit
  await webVisit(storeA, null, 'v-li', 'wechat', at(10, 11))
  lead.li = (await arrive(storeA, { name: '李强', phone: '13800000002' }, at(10, 12), { kind: 'call', channel: 'wechat' })).leadId
  // as the intake does for a visitor who leaves a number: the earlier visit becomes the lead's
  await db.update(touchpoints).set({ leadId: lead.li }).where(eq(touchpoints.visitorKey, 'v-li'))

  // 赵敏: bought in September (first opportunity: a radio listener), came back in October by 易车 —
  // a new opportunity, whose paths never reach back into the first
  lead.zhao = (await arrive(storeA, { name: '赵敏', phone: '13800000003' }, at(9, 25), { kind: 'call', channel: 'radio' })).leadId
  await setLeadStatus(lead.zhao, 'delivered', at(10, 2))
  await arrive(storeA, { name: '赵敏', phone: '13800000003' }, at(10, 15), { kind: 'platform_lead', channel: 'bitauto' })

  // an anonymous visitor who never left a number: 抖音 then 搜索
  await webVisit(storeA, null, 'v-anon', 'douyin', at(10, 3))
  await webVisit(storeA, null, 'v-anon', 'search', at(10, 4))

  // another store's lead: never in store A's paths
  await arrive(storeB, { name: '孙丽', phone: '13800000004' }, at(10, 6), { kind: 'walk_in', channel: 'passing_by' })

  await importSaleLines(storeA, [
    { vin: 'LFV2A21K0G3000001', order: 'A-1', date: '2026-10-20', name: '王芳', phone: '13800000001', price: 150000, profit: 3000 },
    { order: 'A-2', date: '2026-10-21', name: '陌生人', phone: '13900000009' },
  ])
  await syncNow(dataDir)
})

describe('conversion paths from the analytical store', () => {
  it('a lead converts at the touch that identified the person; an opportunity begun again is a new journey', async () => {
    const { converted, nulls } = await paths({ kind: 'lead' })
    // 王芳 became a lead in September: not a conversion of October
    expect(converted.map((p) => [p.leadId, p.channels, p.touchedAt, p.convertedAt])).toEqual([
      [lead.li, ['wechat', 'wechat'], [ms(10, 11), ms(10, 12)], ms(10, 12)],
      // the radio call of 25 September is inside 30 days but belongs to the first opportunity
      [lead.zhao, ['bitauto'], [ms(10, 15)], ms(10, 15)],
    ])
    expect(converted.every((p) => p.conversions === 1 && p.value === 0 && p.storeId === storeA)).toBe(true)
    // journeys touched in October that never became a lead: the anonymous visitor
    expect(nulls).toEqual([{ channels: ['douyin', 'search'], storeId: storeA, conversions: 0, nulls: 1 }])
  })

  it('a showroom visit and a test drive convert at the first visit of the opportunity, with its touches of the last 30 days', async () => {
    const visit = await paths({ kind: 'visit' })
    expect(visit.converted.map((p) => [p.leadId, p.channels, p.convertedAt])).toEqual([[lead.wang, ['autohome', 'douyin', 'direct'], ms(10, 8, 11)]])
    // touched in October, never visited: 李强, 赵敏's second opportunity and the anonymous visitor
    expect(visit.nulls).toEqual([
      { channels: ['bitauto'], storeId: storeA, conversions: 0, nulls: 1 },
      { channels: ['douyin', 'search'], storeId: storeA, conversions: 0, nulls: 1 },
      { channels: ['wechat', 'wechat'], storeId: storeA, conversions: 0, nulls: 1 },
    ])
    const drive = await paths({ kind: 'test_drive' })
    expect(drive.converted.map((p) => p.leadId)).toEqual([lead.wang])

    // a lookback of 10 days leaves out September's platform lead
    const short = await paths({ kind: 'visit', lookbackDays: 10 })
    expect(short.converted[0]!.channels).toEqual(['douyin', 'direct'])
  })

  it('an order converts at the end of its day with the matched sale’s gross profit and revenue; unmatched sales are not conversions', async () => {
    const { converted } = await paths({ kind: 'order' })
    expect(converted).toEqual([
      expect.objectContaining({
        leadId: lead.wang,
        saleKey: 'vin:LFV2A21K0G3000001',
        // 30 days before the end of 20 October reach back into 21 September: the platform lead of the 10th is out
        channels: ['douyin', 'direct'],
        convertedAt: endOfDay(10, 20),
        value: 300_000,
        revenue: 15_000_000,
      }),
    ])
    const delivered = await paths({ kind: 'delivery' })
    expect(delivered.converted.map((p) => p.saleKey)).toEqual(['vin:LFV2A21K0G3000001'])
    // a period that ends before the order has none
    expect((await paths({ kind: 'order', to: '2026-10-19T16:00:00.000Z' })).converted).toEqual([])
  })

  it('a sale’s journey derived when it was matched is the one joined from the touches at read time, by every key', async () => {
    // with the window given, the paths join the touches; without, they read the sales' journeys (ADR 029)
    for (const kind of ['order', 'delivery'] as const) {
      for (const dimension of [...PATH_DIMENSIONS, CAMPAIGN_CHANNEL, MEDIUM_CHANNEL] as KeyDimension[]) {
        for (const storeIds of [[storeA], [storeA, storeB]]) {
          const derived = await paths({ kind, dimension, storeIds, read: 'converted' })
          const joined = await paths({ kind, dimension, storeIds, read: 'converted', lookbackDays: 30 })
          expect(derived.converted.length, `${kind} ${dimension}`).toBeGreaterThan(0)
          expect(derived, `${kind} ${dimension}`).toEqual(joined)
        }
      }
    }
  })

  it('an order no touch reached in the window still counts, as one that came by itself', async () => {
    // a week before 20 October: her last touch was the walk-in of the 8th
    const week = await paths({ kind: 'order', lookbackDays: 7 })
    expect(week.converted).toEqual([expect.objectContaining({ saleKey: 'vin:LFV2A21K0G3000001', channels: ['direct'], touchedAt: [endOfDay(10, 20)], value: 300_000 })])
    const byCampaign = await paths({ kind: 'order', lookbackDays: 7, dimension: 'campaign' })
    expect(byCampaign.converted.map((p) => p.channels)).toEqual([[NO_CAMPAIGN]])
    // every model credits it, so the funnel's count is every order of the period
    const credited = attributeConversions([...week.converted, ...week.nulls])
    for (const model of ATTRIBUTION_MODELS) expect(credited.credits[model].get('direct')).toEqual({ conversions: 1, value: 300_000 })
  })

  it('keyed by campaign, touches without one share one key', async () => {
    const { converted } = await paths({ kind: 'visit', dimension: 'campaign' })
    expect(converted[0]!.channels).toEqual([NO_CAMPAIGN, campaignX, campaignX])
  })

  it('only the stores asked for', async () => {
    const b = await paths({ kind: 'lead', storeIds: [storeB] })
    expect(b.converted.map((p) => p.channels)).toEqual([['passing_by']])
    const both = await paths({ kind: 'lead', storeIds: [storeA, storeB] })
    expect(both.converted).toHaveLength(3)
  })

  it('every model credits exactly the conversions and the value of the paths', async () => {
    const { converted, nulls } = await paths({ kind: 'order' })
    const result = attributeConversions([...converted, ...nulls])
    for (const model of ATTRIBUTION_MODELS) {
      const credits = [...result.credits[model].values()]
      expect(credits.reduce((s, c) => s + c.conversions, 0), model).toBeCloseTo(1, 9)
      expect(credits.reduce((s, c) => s + c.value, 0), model).toBeCloseTo(300_000, 3)
    }
    expect(result.credits.lastNonDirect.get('douyin')).toEqual({ conversions: 1, value: 300_000 })
    expect(result.credits.firstTouch.get('douyin')).toEqual({ conversions: 1, value: 300_000 })
  })
})

describe('the channel page (渠道与媒体分析)', () => {
  const page = (query: string, who: Browser = specialist) => settle(() => channelsLoader({ request: get(`/analysis/channels${query}`, who), params: {}, context: {} }))

  it('shows every model’s credits with intervals, the top paths and the charts for the stores the user reads', async () => {
    const res = await page('?month=2026-10&conversion=order&model=lastNonDirect')
    expect(res.status).toBe(200)
    const { analysis, charts } = res.data
    expect(analysis).toMatchObject({ ready: true, storeIds: [storeA], from: '2026-10-01', to: '2026-11-01', conversion: 'order', by: 'channel', model: 'lastNonDirect' })
    const r = analysis.report
    expect(r.totals).toEqual({ conversions: 1, value: 300_000, revenue: 15_000_000, nulls: 3 })
    expect(r.credits.lastNonDirect.douyin).toMatchObject({ conversions: 1, value: 300_000, revenue: 15_000_000 })
    expect(r.credits.linear.direct).toMatchObject({ conversions: 0.5, value: 150_000, revenue: 7_500_000 })
    // one order: nothing can be concluded, and the page says so
    expect(r.tooFew).toBe(true)
    expect(r.topPaths).toEqual([{ keys: ['douyin', 'direct'], conversions: 1, value: 300_000 }])
    expect(r.pathLengths[1]).toEqual({ touches: 2, conversions: 1 })
    // 5 October to the end of 20 October: 15 days and more
    expect(r.timeToConvert.find((b: { conversions: number }) => b.conversions === 1)).toEqual({ bucket: '15-30', conversions: 1 })
    expect(charts.credits).toContain('<svg')
    expect(charts.credits).toContain('抖音')
  })

  it('takes a period of days as well as a month: the same October gives the same credits', async () => {
    const byMonth = (await page('?month=2026-10&conversion=order&model=lastNonDirect')).data.analysis
    const byDays = (await page('?from=2026-10-01&to=2026-10-31&conversion=order&model=lastNonDirect')).data.analysis
    expect(byDays).toMatchObject({ from: '2026-10-01', to: '2026-11-01' })
    expect(byDays.report.credits).toEqual(byMonth.report.credits)
    // the order of 20 October falls outside the first half of the month
    const firstHalf = (await page('?from=2026-10-01&to=2026-10-15&conversion=order')).data.analysis
    expect(firstHalf).toMatchObject({ from: '2026-10-01', to: '2026-10-16' })
    expect(firstHalf.report.totals.conversions).toBe(0)
  })

  it('keyed by campaign, names the campaigns', async () => {
    const res = await page('?month=2026-10&conversion=visit&by=campaign')
    expect(res.data.analysis.campaignNames).toEqual({ [campaignX]: '国庆车展' })
    expect(res.data.analysis.report.keys).toEqual([NO_CAMPAIGN, campaignX].sort())
  })

  it('reads only the user’s stores, whatever the query asks', async () => {
    const res = await page(`?month=2026-10&store=${storeA}`, specialistB)
    expect(res.data.analysis.storeIds).toEqual([])
    const own = await page('?month=2026-10', specialistB)
    expect(own.data.analysis.report.totals.conversions).toBe(1)
  })

  it('refuses the front desk, and a bad filter with 400 naming it', async () => {
    expect((await page('?month=2026-10', frontDesk)).status).toBe(403)
    const bad = await page('?model=bestGuess')
    expect(bad.status).toBe(400)
    expect(String(bad.data)).toContain('model')
    expect((await page('?month=2026-13')).status).toBe(400)
    const backwards = await page('?from=2026-10-31&to=2026-10-01')
    expect(backwards.status).toBe(400)
    expect(String(backwards.data)).toContain('to')
    // a decade of journeys is refused, not computed
    const decade = await page('?from=2016-01-01&to=2026-10-31')
    expect(decade.status).toBe(400)
    expect(String(decade.data)).toContain('from')
    const halfLife = await page('?halfLife=0')
    expect(halfLife.status).toBe(400)
    expect(String(halfLife.data)).toContain('halfLife')
  })

  it('runs the Markov chain with or without the journeys that did not convert, and time decay with the half-life asked for', async () => {
    const withNulls = (await page('?month=2026-10&conversion=visit')).data.analysis
    expect(withNulls).toMatchObject({ includeNulls: true, halfLifeDays: 7 })
    const without = (await page('?month=2026-10&conversion=visit&nulls=without&halfLife=1')).data.analysis
    expect(without).toMatchObject({ includeNulls: false, halfLifeDays: 1 })
    expect(without.report.totals.conversions).toBe(withNulls.report.totals.conversions)
    // the same paths, as the engine credits them with these options
    const visits = await paths({ kind: 'visit' })
    const expected = attributeConversions([...visits.converted, ...visits.nulls], { includeNulls: false, halfLifeDays: 1 })
    for (const key of without.report.keys) {
      expect(without.report.credits.markov[key].conversions).toBeCloseTo(expected.credits.markov.get(key)!.conversions, 9)
      expect(without.report.credits.timeDecay[key].conversions).toBeCloseTo(expected.credits.timeDecay.get(key)!.conversions, 9)
    }
    // a one-day half-life leans on the touch nearest the visit more than a week's does
    const last = visits.converted[0]!.channels.at(-1)!
    expect(without.report.credits.timeDecay[last].conversions).toBeGreaterThan(withNulls.report.credits.timeDecay[last].conversions)
  })

  it('uses each store’s own lookback window, and the page follows the change at the next sync', async () => {
    const db = await getDb()
    const topPath = async () => (await page('?month=2026-10&conversion=visit')).data.analysis.report.topPaths[0].keys
    // the page's report is kept while the analytical store is unchanged (ADR 024) …
    const before = await topPath()
    expect(await topPath()).toEqual(before)
    await db.update(stores).set({ attributionLookbackDays: 10 }).where(eq(stores.id, storeA))
    await syncNow(dataDir)
    try {
      const visit = await paths({ kind: 'visit' })
      expect(visit.converted[0]!.channels).toEqual(['douyin', 'direct'])
      // … and computed again once a sync changed it
      expect(await topPath()).toEqual(['douyin', 'direct'])
      expect(before).not.toEqual(['douyin', 'direct'])
    } finally {
      await db.update(stores).set({ attributionLookbackDays: 30 }).where(eq(stores.id, storeA))
      await syncNow(dataDir)
    }
  })
})

describe('ROI per channel, campaign, store and month', () => {
  beforeAll(async () => {
    // the campaign's 抖音 placement and a typed venue line, and what was spent on them
    const db = await getDb()
    await db.insert(mediaPlacements).values({ campaignId: campaignX, position: 0, medium: 'douyin', platform: '本地推', purpose: 'promotion', nature: 'soft', costFen: 500_000 })
    await syncPlanCostLines(db, campaignX)
    const [venue] = await db.insert(budgetLines).values({ campaignId: campaignX, position: 0, category: 'venue', description: '展位', plannedFen: 200_000 }).returning()
    const placementLine = (await db.select().from(budgetLines).where(eq(budgetLines.campaignId, campaignX))).find((b) => b.placementId)!
    await db.insert(spendEntries).values([
      { campaignId: campaignX, budgetLineId: placementLine.id, spentOn: '2026-10-03', amountFen: 200_000, subsidyFen: 50_000 },
      { campaignId: campaignX, budgetLineId: venue!.id, spentOn: '2026-10-09', amountFen: 100_000 },
      // September: the period before
      { campaignId: campaignX, budgetLineId: venue!.id, spentOn: '2026-09-20', amountFen: 40_000 },
    ])
    await refreshLineActuals(db, { campaignId: campaignX })
    await syncNow(dataDir)
  })

  const roi = (p: Partial<RoiParams>) =>
    withAnalytics((c) =>
      roiReport(c, { storeIds: [storeA], from: FROM, to: TO, fromDay: '2026-10-01', toDay: '2026-11-01', by: 'channel', model: 'lastNonDirect', timeZone: 'Asia/Shanghai', replicates: 100, ...p }),
    )

  it('per channel: the model’s credits against the spend of each placement’s medium, worked out by hand', async () => {
    const r = await roi({})
    const douyin = r.rows.find((x) => x.key === 'douyin')!
    // the visit, the test drive, the order and the delivery all go to 抖音 under last non-direct
    expect(douyin).toMatchObject({ leads: 0, visits: 1, testDrives: 1, orders: 1, deliveries: 1, revenue: 15_000_000, grossProfit: 300_000, cost: 200_000, subsidy: 50_000, netCost: 150_000 })
    expect(douyin.roi).toBeCloseTo((300_000 - 200_000) / 200_000, 12)
    expect(douyin.roas).toBeCloseTo(15_000_000 / 200_000, 12)
    expect(douyin.costPerVisit).toBe(200_000)
    expect(douyin.costPerOrder).toBe(200_000)
    expect(douyin.costPerLead).toBeNull()
    // one order: the interval says it could as well have lost money
    expect(douyin.roiInterval!.low).toBe(-1)
    expect(douyin.roiInterval!.high).toBeGreaterThan(douyin.roi!)
    // the venue has no channel: its cost stands apart, earning nothing
    expect(r.rows.find((x) => x.key === NO_CHANNEL)).toMatchObject({ cost: 100_000, orders: 0, roi: -1 })
    expect(r.rows.find((x) => x.key === 'wechat')).toMatchObject({ leads: 1, cost: 0, roi: null })
    // the rows add up to the store's totals
    expect(r.totals).toMatchObject({ leads: 2, visits: 1, testDrives: 1, orders: 1, deliveries: 1, grossProfit: 300_000, cost: 300_000, subsidy: 50_000, netCost: 250_000 })
    expect(r.totals.roi).toBeCloseTo(0, 12)
    // September, the same length of time before: two leads (王芳's platform lead and 赵敏's radio call), 400 spent
    expect(r.totals.prior).toMatchObject({ leads: 2, orders: 0, cost: 40_000 })
    expect(r.rows.find((x) => x.key === 'autohome')!.prior.leads).toBe(1)
  })

  it('per campaign, per store and per month', async () => {
    const byCampaign = await roi({ by: 'campaign' })
    expect(byCampaign.rows.find((x) => x.key === campaignX)).toMatchObject({ orders: 1, grossProfit: 300_000, cost: 300_000, visits: 1 })
    expect(byCampaign.rows.find((x) => x.key === campaignX)!.roi).toBeCloseTo(0, 12)
    // no targets set yet: none to attain
    expect(byCampaign.rows.find((x) => x.key === campaignX)!.targets).toBeNull()
    const byStore = await roi({ by: 'store' })
    expect(byStore.rows).toEqual([expect.objectContaining({ key: storeA, leads: 2, orders: 1, cost: 300_000, grossProfit: 300_000 })])
    const byMonth = await roi({ by: 'month' })
    expect(byMonth.rows).toEqual([expect.objectContaining({ key: '2026-10', leads: 2, visits: 1, orders: 1, cost: 300_000 })])
  })

  it('per medium: only the touches that came through a placement count for its medium; the rest and the non-media cost are one row', async () => {
    const db = await getDb()
    const [placement] = await db.select().from(mediaPlacements).where(eq(mediaPlacements.campaignId, campaignX))
    // before any touch names the placement, 抖音 by medium has its cost and no conversions
    const unplaced = await roi({ by: 'medium' })
    expect(unplaced.rows.find((x) => x.key === 'douyin')).toMatchObject({ cost: 200_000, visits: 0, orders: 0 })
    await db.update(touchpoints).set({ placementId: placement!.id }).where(eq(touchpoints.visitorKey, 'v-wang'))
    await syncNow(dataDir)
    try {
      const r = await roi({ by: 'medium' })
      expect(r.rows.map((x) => x.key).sort()).toEqual([NO_MEDIUM, 'douyin'])
      expect(r.rows.find((x) => x.key === 'douyin')).toMatchObject({ visits: 1, orders: 1, grossProfit: 300_000, cost: 200_000 })
      expect(r.rows.find((x) => x.key === NO_MEDIUM)).toMatchObject({ leads: 2, orders: 0, cost: 100_000 })
      // the same totals as every other dimension
      expect(r.totals).toMatchObject({ leads: 2, visits: 1, orders: 1, cost: 300_000 })
    } finally {
      await db.update(touchpoints).set({ placementId: null }).where(eq(touchpoints.visitorKey, 'v-wang'))
      await syncNow(dataDir)
    }
  })

  it('per campaign, the plan’s targets beside the figures, once the next sync brought them', async () => {
    const db = await getDb()
    await db.update(campaigns).set({ targetLeads: 4, targetOrders: 2, targetGrossProfitFen: 600_000 }).where(eq(campaigns.id, campaignX))
    await syncNow(dataDir)
    try {
      const row = (await roi({ by: 'campaign' })).rows.find((x) => x.key === campaignX)!
      expect(row.targets).toEqual({ leads: 4, orders: 2, grossProfit: 600_000 })
      expect(row.orders / row.targets!.orders!).toBe(0.5)
      // the rows without a campaign have none
      expect((await roi({ by: 'campaign' })).rows.find((x) => x.key === NO_CAMPAIGN)?.targets ?? null).toBeNull()
    } finally {
      await db.update(campaigns).set({ targetLeads: null, targetOrders: null, targetGrossProfitFen: null }).where(eq(campaigns.id, campaignX))
      await syncNow(dataDir)
    }
  })

  it('by campaign over several stores: the touches without a campaign are one row, the Markov chain by store', async () => {
    for (const model of ['markov', 'linear'] as const) {
      const r = await roi({ by: 'campaign', storeIds: [storeA, storeB], model })
      const keys = r.rows.map((x) => x.key)
      expect(new Set(keys).size).toBe(keys.length)
      expect(keys).toContain(NO_CAMPAIGN)
      // store B's walk-in carried no campaign: its lead is in that row
      expect(r.rows.find((x) => x.key === NO_CAMPAIGN)!.leads).toBeGreaterThanOrEqual(1)
      expect(r.rows.reduce((sum, x) => sum + x.leads, 0)).toBeCloseTo(3, 9)
      expect(r.totals.leads).toBe(3)
    }
  })

  it('every model gives the same totals; only the split between channels changes', async () => {
    const first = await roi({ model: 'firstTouch' })
    expect(first.totals).toMatchObject({ leads: 2, orders: 1, grossProfit: 300_000 })
    // first touch gives the order to 抖音 too (the first touch in the 30 days before it), the visit to 汽车之家
    expect(first.rows.find((x) => x.key === 'autohome')).toMatchObject({ visits: 1, orders: 0 })
  })
})

describe('ROI filtered to one channel', () => {
  const roi = (p: Partial<RoiParams>) =>
    withAnalytics((c) =>
      roiReport(c, { storeIds: [storeA], from: FROM, to: TO, fromDay: '2026-10-01', toDay: '2026-11-01', by: 'channel', model: 'lastNonDirect', timeZone: 'Asia/Shanghai', replicates: 100, channel: 'douyin', ...p }),
    )

  beforeAll(async () => {
    // the 抖音 placement's spend and the venue's, as in the unfiltered report
    const db = await getDb()
    if ((await db.select().from(spendEntries).where(eq(spendEntries.campaignId, campaignX))).length) return
    await db.insert(mediaPlacements).values({ campaignId: campaignX, position: 0, medium: 'douyin', platform: '本地推', purpose: 'promotion', nature: 'soft', costFen: 500_000 })
    await syncPlanCostLines(db, campaignX)
    const placementLine = (await db.select().from(budgetLines).where(eq(budgetLines.campaignId, campaignX))).find((b) => b.placementId)!
    await db.insert(spendEntries).values({ campaignId: campaignX, budgetLineId: placementLine.id, spentOn: '2026-10-03', amountFen: 200_000, subsidyFen: 50_000 })
    await refreshLineActuals(db, { campaignId: campaignX })
    await syncNow(dataDir)
  })

  it('by channel: only the channel’s row, its spend and its credit, and the totals are its own', async () => {
    const r = await roi({})
    expect(r.rows.map((x) => x.key)).toEqual(['douyin'])
    expect(r.rows[0]).toMatchObject({ leads: 0, visits: 1, testDrives: 1, orders: 1, deliveries: 1, grossProfit: 300_000, cost: 200_000, subsidy: 50_000 })
    expect(r.totals).toMatchObject({ visits: 1, orders: 1, grossProfit: 300_000, cost: 200_000 })
    expect(r.totals.roiInterval).toEqual(r.rows[0]!.roiInterval)
    // a channel with no spend and no credit in the period: nothing to show
    expect((await roi({ channel: 'radio' })).rows).toEqual([])
  })

  it('by campaign: each campaign’s credit through the channel, against its spend on that medium only', async () => {
    const r = await roi({ by: 'campaign' })
    // 王芳's visit and order: last non-direct passes over the campaign's walk-in (direct) to its 抖音 visit
    expect(r.rows).toEqual([expect.objectContaining({ key: campaignX, visits: 1, orders: 1, grossProfit: 300_000, cost: 200_000 })])
    // the venue (no medium) is not 抖音's cost
    expect(r.totals.cost).toBe(200_000)
    // through 微信 the campaign earned nothing and spent nothing: no row
    expect((await roi({ by: 'campaign', channel: 'wechat' })).rows.find((x) => x.key === campaignX)).toBeUndefined()
  })

  it('by store: the channel’s credit when each store’s journeys are credited on their own', async () => {
    for (const model of ['lastNonDirect', 'markov', 'shapley'] as const) {
      const r = await roi({ by: 'store', storeIds: [storeA, storeB], model })
      expect(r.rows).toEqual([expect.objectContaining({ key: storeA, cost: 200_000 })])
      expect(r.rows[0]!.orders).toBeGreaterThan(0)
      expect(r.rows[0]!.orders).toBeLessThanOrEqual(1)
    }
    // as the store's own channel row says, the Markov chain of its journeys alone included
    for (const model of ['lastNonDirect', 'markov'] as const) {
      const own = (await roi({ by: 'channel', storeIds: [storeA], model })).rows[0]!
      const row = (await roi({ by: 'store', storeIds: [storeA, storeB], model })).rows[0]!
      for (const field of ['leads', 'visits', 'testDrives', 'orders', 'grossProfit'] as const) expect(row[field]).toBeCloseTo(own[field], 9)
    }
  })

  it('by month it refuses: each month is asked for by channel', async () => {
    await expect(roi({ by: 'month' })).rejects.toThrow(/by month/)
  })
})

describe('the post-campaign evaluation fills itself', () => {
  it('shows what the campaign brought against its targets, its cost and ROI, and a chart', async () => {
    const db = await getDb()
    await db.update(campaigns).set({ targetOrders: 2, targetVisits: 1, targetGrossProfitFen: 600_000 }).where(eq(campaigns.id, campaignX))
    const res = await settle(() => evaluationLoader({ request: get(`/campaigns/${campaignX}/evaluation`, specialist), params: { campaignId: campaignX }, context: {} }))
    expect(res.status).toBe(200)
    const { results, chart, suggested } = res.data
    // a month before its start (20 September) to a month after its end (10 October)
    expect(results).toMatchObject({ ready: true, from: '2026-08-21', to: '2026-11-10', model: 'positionBased' })
    // its order (both touches of the path carried it) and all its spend; of the visit (and test
    // drive) position-based gives it the last 40% and the middle 20%: the first touch, September's
    // platform lead, carried no campaign
    expect(results.row).toMatchObject({ orders: 1, grossProfit: 300_000, revenue: 15_000_000, cost: 340_000 })
    expect(results.row.visits).toBeCloseTo(0.6, 12)
    expect(results.row.testDrives).toBeCloseTo(0.6, 12)
    expect(results.row.roi).toBeCloseTo((300_000 - 340_000) / 340_000, 12)
    expect(chart).toContain('<svg')
    // targets: visits at 60%, orders and gross profit at half: the stage goals were not all reached
    expect(suggested.stageGoals).toBe(false)
    // the front desk sees the results but not the cost
    const desk = await settle(() => evaluationLoader({ request: get(`/campaigns/${campaignX}/evaluation`, frontDesk), params: { campaignId: campaignX }, context: {} }))
    expect(desk.data.results.row).toMatchObject({ orders: 1, cost: 0, roi: null })
    expect(desk.data.budget).toBeNull()
  })
})

describe('chart data downloads', () => {
  const download = async (query: string, who: Browser = specialist) => {
    try {
      return (await dataLoader({ request: get(`/analysis/channels/data${query}`, who), params: {}, context: {} })) as Response
    } catch (thrown) {
      if (thrown instanceof Response) return thrown
      throw thrown
    }
  }
  const query = '?month=2026-10&conversion=order&model=lastNonDirect'

  it('as CSV that Excel opens safely, with the keys beside the labels and money in fen', async () => {
    const res = await download(`${query}&chart=credits&format=csv`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(res.headers.get('content-disposition')).toContain('roadshow-credits-order-2026-10-01.csv')
    const bytes = new Uint8Array(await res.arrayBuffer())
    // the byte-order mark that makes Excel on Windows read UTF-8 Chinese
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    const lines = new TextDecoder().decode(bytes).trim().split('\r\n')
    expect(lines[0]).toBe('key,label,model,conversions,conversions_low,conversions_high,gross_profit_fen,revenue_fen')
    expect(lines.find((l) => l.startsWith('douyin,'))).toMatch(/^douyin,抖音,lastNonDirect,1,0,[\d.]+,300000,15000000$/)
    // the ROI table's data too; a cell Excel would read as a formula ("-…") is written as text
    const roi = (await (await download(`${query}&chart=roi&format=csv`)).text()).split('\r\n')
    expect(roi.find((l) => l.startsWith("'-,"))).toContain('非媒体费用')
    expect(roi.find((l) => l.startsWith('douyin,'))).toMatch(/^douyin,抖音,200000,50000,0,1,1,1,1,15000000,300000,,200000,200000,75,0\.5,/)
  })

  it('as Arrow IPC and Parquet with the same rows', async () => {
    const arrow = await download(`${query}&chart=credits&format=arrow`)
    expect(arrow.headers.get('content-type')).toBe('application/vnd.apache.arrow.file')
    const table = tableFromIPC(new Uint8Array(await arrow.arrayBuffer()))
    const rows = table.toArray().map((r) => r.toJSON())
    expect(rows.find((r) => r.key === 'douyin')).toMatchObject({ label: '抖音', conversions: 1, gross_profit_fen: 300_000 })
    expect(table.schema.fields.map((f) => f.name)).toEqual(['key', 'label', 'model', 'conversions', 'conversions_low', 'conversions_high', 'gross_profit_fen', 'revenue_fen'])

    const parquet = await download(`${query}&chart=comparison&format=parquet`)
    expect(parquet.headers.get('content-type')).toBe('application/vnd.apache.parquet')
    const file = path.join(dataDir, 'downloaded.parquet')
    fs.writeFileSync(file, new Uint8Array(await parquet.arrayBuffer()))
    const read = defineQuery()({ name: 'test.read-parquet', sql: `SELECT key, label, firstTouch, lastNonDirect FROM read_parquet(${fileLiteral(file, '.parquet')}) ORDER BY key` })
    const back = await withAnalytics((c) => runQuery(c, read, {}))
    expect(back.find((r) => r.key === 'douyin')).toEqual({ key: 'douyin', label: '抖音', firstTouch: 1, lastNonDirect: 1 })
    expect(back).toHaveLength(table.numRows)
  })

  it('refuses an unknown chart or format with 400, and the front desk with 403', async () => {
    expect((await download(`${query}&chart=everything&format=csv`)).status).toBe(400)
    expect((await download(`${query}&chart=credits&format=xlsx`)).status).toBe(400)
    expect((await download(`${query}&chart=credits&format=csv`, frontDesk)).status).toBe(403)
  })
})

describe('the management ROI review', () => {
  it('shows every store the user reads, the campaigns ranked by ROI, the month trend and budget against actual', async () => {
    const group = await getDb().then((db) => db.select({ groupId: stores.groupId }).from(stores).where(eq(stores.id, storeA)))
    const executive = await signIn((await createUser(group[0]!.groupId, 'executive', [])).id)
    const res = await settle(() => reviewLoader({ request: get('/analysis/review?month=2026-10&model=lastNonDirect', executive), params: {}, context: {} }))
    expect(res.status).toBe(200)
    const { review, trend } = res.data
    expect(review.storeIds.sort()).toEqual([storeA, storeB].sort())
    // store A spent 3,000 and sold one car; store B neither
    expect(review.byStore.rows.find((r: { key: string }) => r.key === storeA)).toMatchObject({ cost: 300_000, orders: 1, grossProfit: 300_000 })
    expect(review.byStore.totals).toMatchObject({ cost: 300_000, leads: 3, orders: 1 })
    expect(review.best.find((r: { key: string }) => r.key === campaignX)).toMatchObject({ cost: 300_000, orders: 1 })
    // the only campaign with spend is the best, and not also the worst
    expect(review.worst).toEqual([])
    expect(review.campaigns[campaignX]).toEqual({ name: '国庆车展', storeId: storeA })
    // the six months to October, September's 400 in it
    expect(review.byMonth.rows.map((r: { key: string; cost: number }) => [r.key, r.cost])).toEqual([
      ['2026-09', 40_000],
      ['2026-10', 300_000],
    ])
    expect(trend).toContain('<svg')
    // the campaign ran in October: its budget against what was spent on it
    expect(review.budgets.find((b: { storeId: string }) => b.storeId === storeA)).toEqual({ storeId: storeA, planned: 700_000, actual: 340_000 })
    // a store-B specialist sees store B only
    const own = await settle(() => reviewLoader({ request: get('/analysis/review?month=2026-10', specialistB), params: {}, context: {} }))
    expect(own.data.review.storeIds).toEqual([storeB])
    // … and asking for store A changes nothing for them: no store they read is that one
    const other = await settle(() => reviewLoader({ request: get(`/analysis/review?month=2026-10&store=${storeA}`, specialistB), params: {}, context: {} }))
    expect(other.data.review.storeIds).toEqual([])
    expect(other.data.review.byStore).toBeNull()
    // the executive narrows the page to one store
    const one = await settle(() => reviewLoader({ request: get(`/analysis/review?month=2026-10&store=${storeB}`, executive), params: {}, context: {} }))
    expect(one.data.review.storeIds).toEqual([storeB])
    expect(one.data.review.byStore.totals).toMatchObject({ cost: 0, orders: 0 })
    expect((await settle(() => reviewLoader({ request: get('/analysis/review?store=nope', executive), params: {}, context: {} }))).status).toBe(400)
    expect((await settle(() => reviewLoader({ request: get('/analysis/review', frontDesk), params: {}, context: {} }))).status).toBe(403)
  })
})

describe('the management ROI review filtered to one channel', () => {
  it('shows that channel’s spend and return per store, its campaigns, its months and its placements’ budget', async () => {
    const group = await getDb().then((db) => db.select({ groupId: stores.groupId }).from(stores).where(eq(stores.id, storeA)))
    const executive = await signIn((await createUser(group[0]!.groupId, 'executive', [])).id)
    const res = await settle(() => reviewLoader({ request: get('/analysis/review?month=2026-10&model=lastNonDirect&channel=douyin', executive), params: {}, context: {} }))
    expect(res.status).toBe(200)
    const { review, trend } = res.data
    expect(review.channel).toBe('douyin')
    // store A: the 抖音 placement's 2,000 against the visit, the order and its 3,000 of gross profit
    expect(review.byStore.rows).toEqual([expect.objectContaining({ key: storeA, cost: 200_000, visits: 1, orders: 1, grossProfit: 300_000 })])
    expect(review.byChannel.rows.map((r: { key: string }) => r.key)).toEqual(['douyin'])
    expect(review.best).toEqual([expect.objectContaining({ key: campaignX, cost: 200_000, orders: 1 })])
    // September had no 抖音 spend and no 抖音 credit: October alone
    expect(review.byMonth.rows.map((r: { key: string; cost: number; grossProfit: number }) => [r.key, r.cost, r.grossProfit])).toEqual([['2026-10', 200_000, 300_000]])
    expect(trend).toContain('<svg')
    // the budget of the 抖音 placement only (not the venue)
    expect(review.budgets.find((b: { storeId: string }) => b.storeId === storeA)).toEqual({ storeId: storeA, planned: 500_000, actual: 200_000 })
    // a channel with nothing in the period: empty rows, no error
    const radio = await settle(() => reviewLoader({ request: get('/analysis/review?month=2026-10&channel=radio', executive), params: {}, context: {} }))
    expect(radio.status).toBe(200)
    expect(radio.data.review.byStore.rows).toEqual([])
    expect(radio.data.review.budgets.find((b: { storeId: string }) => b.storeId === storeA)).toEqual({ storeId: storeA, planned: 0, actual: 0 })
    // a channel that does not exist is a bad request naming the field
    const bad = await settle(() => reviewLoader({ request: get('/analysis/review?channel=%3Cscript%3E', executive), params: {}, context: {} }))
    expect(bad.status).toBe(400)
  })

  it('the channel page by campaign over several stores: the touches without a campaign one row, every model adding up', async () => {
    const group = await getDb().then((db) => db.select({ groupId: stores.groupId }).from(stores).where(eq(stores.id, storeA)))
    const executive = await signIn((await createUser(group[0]!.groupId, 'executive', [])).id)
    const res = await settle(() => channelsLoader({ request: get('/analysis/channels?month=2026-10&conversion=lead&by=campaign&model=markov', executive), params: {}, context: {} }))
    const report = res.data.analysis.report
    expect(report.keys.filter((k: string) => k === NO_CAMPAIGN)).toHaveLength(1)
    expect(report.keys.some((k: string) => k.includes('\u001e'))).toBe(false)
    for (const model of ATTRIBUTION_MODELS) {
      const credited = Object.values(report.credits[model] as Record<string, { conversions: number }>).reduce((sum, c) => sum + c.conversions, 0)
      expect(credited).toBeCloseTo(report.totals.conversions, 9)
    }
    // store B's walk-in had no campaign: its lead is the row's
    expect(report.credits.markov[NO_CAMPAIGN].conversions).toBeGreaterThanOrEqual(1)
  })

  it('the channel page filtered to one channel: its row, the campaigns’ credit through it and the paths that touched it', async () => {
    const page = (q: string) => settle(() => channelsLoader({ request: get(`/analysis/channels?month=2026-10&model=lastNonDirect&${q}`, specialist), params: {}, context: {} }))
    const byChannel = (await page('conversion=order&channel=douyin')).data.analysis
    expect(byChannel.report.keys).toEqual(['douyin'])
    expect(byChannel.report.credits.lastNonDirect.douyin.conversions).toBe(1)
    expect(byChannel.report.topPaths).toEqual([{ keys: ['douyin', 'direct'], conversions: 1, value: 300_000 }])
    expect(byChannel.roi.rows.map((r: { key: string }) => r.key)).toEqual(['douyin'])
    const byCampaign = (await page('conversion=order&by=campaign&channel=douyin')).data.analysis
    // the campaign, and the 抖音 touches that carried none (the anonymous visitor's)
    expect(byCampaign.report.keys.sort()).toEqual([NO_CAMPAIGN, campaignX].sort())
    expect(byCampaign.report.credits.lastNonDirect[NO_CAMPAIGN].conversions).toBe(0)
    expect(byCampaign.report.credits.lastNonDirect[campaignX].conversions).toBe(1)
    // the path by campaign: the 抖音 visit and the walk-in, both the campaign's
    expect(byCampaign.report.topPaths[0].keys).toEqual([campaignX, campaignX])
    expect(byCampaign.campaignNames[campaignX]).toBe('国庆车展')
    // by medium: the 抖音 touches came through no placement of the store
    const byMedium = (await page('conversion=order&by=medium&channel=douyin')).data.analysis
    expect(byMedium.report.keys).toEqual([NO_MEDIUM])
    expect(byMedium.roi.rows.find((r: { key: string }) => r.key === 'douyin')).toMatchObject({ cost: 200_000, orders: 0 })
    // leads through 微信: 李强's, whose path never touched 抖音
    const wechat = (await page('conversion=lead&channel=wechat')).data.analysis
    expect(wechat.report.totals.conversions).toBe(1)
    expect((await page('conversion=lead&channel=douyin')).data.analysis.report.totals.conversions).toBe(0)
    expect((await page('channel=nope')).status).toBe(400)
  })
})

describe("the review's best and worst campaigns", () => {
  const row = (key: string, cost: number, roi: number | null) => ({ key, cost, roi }) as unknown as RoiRow
  it('lists the five best and the five worst by ROI, never one campaign in both, and leaves out those without spend', () => {
    const rows = Array.from({ length: 12 }, (_, i) => row(`c${String(i).padStart(2, '0')}`, 1000, i / 10))
    const twelve = bestAndWorst([...rows, row('free', 0, null), row(NO_CAMPAIGN, 500, 9)])
    expect(twelve.best.map((r) => r.key)).toEqual(['c11', 'c10', 'c09', 'c08', 'c07'])
    expect(twelve.worst.map((r) => r.key)).toEqual(['c00', 'c01', 'c02', 'c03', 'c04'])
    // five campaigns: the upper three are the best, the lower two the worst
    const five = bestAndWorst(rows.slice(0, 5))
    expect(five.best.map((r) => r.key)).toEqual(['c04', 'c03', 'c02'])
    expect(five.worst.map((r) => r.key)).toEqual(['c00', 'c01'])
    expect(bestAndWorst([row('only', 1000, -0.5)])).toEqual({ best: [row('only', 1000, -0.5)], worst: [] })
  })
})
