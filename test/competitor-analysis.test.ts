import { describe, expect, it, beforeAll } from 'vitest'
import { getDb } from '../db/client'
import { campaigns, competitorObservations } from '../db/schema'
import * as price from '../app/routes/competitors.price'
import * as priceData from '../app/routes/competitors.price_.data'
import * as promotions from '../app/routes/competitors.promotions'
import * as segments from '../app/routes/competitors.segments'
import { eq } from 'drizzle-orm'
import { leads } from '../db/schema'
import * as conquestPage from '../app/routes/competitors.conquest'
import * as tradeInsData from '../app/routes/competitors.conquest_.trade-ins'
import { moveStatus } from '../app/services/leads.server'
import { competitorsDuring } from '../app/services/competitor-analysis.server'
import { loadSessionUser } from '../app/utils/auth.server'
import { arrive, importSaleLines, syncNow, useAnalyticsDataDir } from './analytics-fixtures'
import { createGroup, createStore, createUser, get, post, signIn, type Browser } from './factories'
import { settle } from './http'

// SPEC §5, issue "Competitor intelligence" must 4: the price position — our sales' median
// transaction price against the competitors' seen prices, by segment and month — on a small
// data set whose every figure is worked out by hand below.

const dataDir = useAnalyticsDataDir('competitor-analysis')
const args = (request: Request) => ({ request, params: {}, context: {} })

let storeA: string
let storeB: string
let specialist: Browser
let segmentId: string
let specialistId: string

async function observe(storeId: string, brand: string, model: string, seenOn: string, prices: { transaction?: number; list?: number; promotion?: string; from?: string; until?: string }) {
  const db = await getDb()
  await db.insert(competitorObservations).values({
    storeId,
    brand,
    model,
    seenOn,
    seenAt: 'store',
    transactionPriceFen: prices.transaction ?? null,
    listPriceFen: prices.list ?? null,
    promotion: prices.promotion ?? '',
    promotionStart: prices.from ?? null,
    promotionEnd: prices.until ?? null,
  })
}

beforeAll(async () => {
  const group = await createGroup()
  storeA = (await createStore(group.id, '杭州西湖大众4S店')).id
  storeB = (await createStore(group.id, '宁波鄞州大众4S店')).id
  specialistId = (await createUser(group.id, 'specialist', [storeA])).id
  specialist = await signIn(specialistId)
  const manager = await signIn((await createUser(group.id, 'manager', [storeA, storeB])).id)
  const made = await settle(() => segments.action(args(post('/competitors/segments', { intent: 'save', name: '紧凑型轿车', ours: '大众 朗逸', theirs: '日产 轩逸\n丰田 卡罗拉' }, manager))))
  segmentId = made.headers.get('location')!.split('#segment-')[1]!

  // our sales in store A: October 100,000 / 104,000 / 110,000 (median 104,000); November
  // 98,000 / 102,000 (median 100,000); a 速腾 (not in the segment) and store B's 朗逸 do not count
  // trade-ins (置换品牌 / 置换车型), as DMS exports write them: a 轩逸 with its year, a 卡罗拉 with the
  // brand in the model column, a 东风日产 轩逸, our own brand's 宝来 (loyalty, not conquest), a 思域
  // (outside the segment); one before the period, one of store B
  await importSaleLines(storeA, [
    { order: 'A-1', date: '2026-10-05', model: '朗逸', price: 100000, tradeIn: { brand: '日产', model: '轩逸 2018款' } },
    { order: 'A-2', date: '2026-10-20', model: '朗逸', price: 104000, tradeIn: { model: '丰田卡罗拉' } },
    { order: 'A-3', date: '2026-10-25', model: '朗逸', price: 110000, tradeIn: { brand: '大众', model: '宝来' } },
    { order: 'A-4', date: '2026-11-03', model: '朗逸', price: 98000, tradeIn: { brand: '本田', model: '思域' } },
    { order: 'A-5', date: '2026-11-10', model: '朗逸', price: 102000, tradeIn: { brand: '东风日产', model: '轩逸' } },
    { order: 'A-6', date: '2026-10-10', model: '速腾', price: 150000 },
    { order: 'A-7', date: '2026-09-28', model: '朗逸', price: 90000, tradeIn: { brand: '日产', model: '轩逸' } },
  ])
  await importSaleLines(storeB, [{ order: 'B-1', date: '2026-10-06', model: '朗逸', price: 50000, tradeIn: { brand: '日产', model: '轩逸' } }])
  // leads lost (战败): to 轩逸 twice and 卡罗拉 once in the period, to 思域 (outside the segment),
  // for price and for budget without a competitor; one before the period, one that came back,
  // one of store B
  let n = 0
  const lose = async (storeId: string, at: string, lost: { reason: string; brand?: string; model?: string }, cameBack?: string) => {
    const { leadId } = await arrive(storeId, { name: `客户${++n}`, phone: `1390000${String(n).padStart(4, '0')}` }, new Date('2026-09-01T02:00:00Z'))
    const db = await getDb()
    await db.transaction(async (tx) => {
      const [lead] = await tx.select().from(leads).where(eq(leads.id, leadId))
      await moveStatus(tx, lead!, 'lost', { userId: null, at: new Date(`${at}T04:00:00Z`), lost: { brand: '', model: '', ...lost } })
      if (cameBack) await moveStatus(tx, { id: leadId, status: 'lost' }, 'contacted', { userId: null, at: new Date(`${cameBack}T04:00:00Z`) })
    })
  }
  await lose(storeA, '2026-10-10', { reason: 'competitor', brand: '日产', model: '轩逸' })
  await lose(storeA, '2026-10-11', { reason: 'competitor', brand: '日产', model: '轩逸' })
  await lose(storeA, '2026-11-03', { reason: 'competitor', brand: '丰田', model: '卡罗拉' })
  await lose(storeA, '2026-10-15', { reason: 'competitor', brand: '本田', model: '思域' })
  await lose(storeA, '2026-10-12', { reason: 'price' })
  await lose(storeA, '2026-10-20', { reason: 'no_budget' })
  await lose(storeA, '2026-09-20', { reason: 'competitor', brand: '日产', model: '轩逸' })
  await lose(storeA, '2026-10-05', { reason: 'competitor', brand: '日产', model: '轩逸' }, '2026-10-06')
  await lose(storeB, '2026-10-10', { reason: 'competitor', brand: '日产', model: '轩逸' })
  await syncNow(dataDir)

  // what was seen: 轩逸 in October 99,800 and 95,800 (median 97,800); 卡罗拉 in November 107,800;
  // a promotion without a price, a model outside the segment and store B's sighting do not count
  await observe(storeA, '日产', '轩逸', '2026-10-08', { transaction: 9_980_000 })
  await observe(storeA, '日产', '轩逸', '2026-10-22', { transaction: 9_580_000 })
  await observe(storeA, '丰田', '卡罗拉', '2026-11-02', { transaction: 10_780_000, list: 11_980_000 })
  await observe(storeA, '日产', '轩逸', '2026-11-05', { promotion: '置换补贴 8000 元' })
  await observe(storeA, '本田', '思域', '2026-10-12', { transaction: 12_000_000 })
  await observe(storeB, '日产', '轩逸', '2026-10-09', { transaction: 8_000_000 })
  // promotions: 卡罗拉's 0 首付 for the second half of October, seen twice; 思域's outside the segment;
  // store B's not store A's
  await observe(storeA, '丰田', '卡罗拉', '2026-10-16', { promotion: '0 首付', from: '2026-10-15', until: '2026-10-31' })
  await observe(storeA, '丰田', '卡罗拉', '2026-10-20', { promotion: '0 首付', from: '2026-10-15', until: '2026-10-31' })
  await observe(storeA, '本田', '思域', '2026-10-10', { promotion: '送保养' })
  await observe(storeB, '日产', '轩逸', '2026-10-11', { promotion: '宁波专享' })
  // our campaigns: one promoting 朗逸, one store-wide, one of 迈腾 (outside the segment), a draft
  const db = await getDb()
  await db.insert(campaigns).values([
    { storeId: storeA, name: '金秋试驾', form: 'in_store', status: 'approved', startDate: '2026-10-18', endDate: '2026-10-20', models: ['朗逸'] },
    { storeId: storeA, name: '店庆', form: 'in_store', status: 'completed', startDate: '2026-11-01', endDate: '2026-11-02', models: [] },
    { storeId: storeA, name: '迈腾品鉴', form: 'in_store', status: 'running', startDate: '2026-10-05', endDate: '2026-10-06', models: ['迈腾'] },
    { storeId: storeA, name: '还在草稿', form: 'in_store', status: 'draft', startDate: '2026-10-10', endDate: '2026-10-12', models: [] },
  ])
})

describe('price position (价格定位)', () => {
  it('sets our median transaction price against the competitors’, by month, within the segment and the user’s stores', async () => {
    const res = await settle(() => price.loader(args(get(`/competitors/price?segment=${segmentId}&from=2026-10-01&to=2026-11-30`, specialist))))
    expect(res.status).toBe(200)
    const p = res.data.price
    expect(p).toMatchObject({ ready: true, from: '2026-10-01', to: '2026-12-01', storeIds: [storeA] })
    expect(p.points).toEqual([
      { month: '2026-10', brand: '大众', model: '朗逸', ours: true, medianFen: 10_400_000, n: 3 },
      { month: '2026-10', brand: '日产', model: '轩逸', ours: false, medianFen: 9_780_000, n: 2 },
      { month: '2026-11', brand: '大众', model: '朗逸', ours: true, medianFen: 10_000_000, n: 2 },
      { month: '2026-11', brand: '丰田', model: '卡罗拉', ours: false, medianFen: 10_780_000, n: 1 },
    ])
    expect(res.data.svg).toContain('<svg')
    expect(res.data.svg).toContain('轩逸')
  })

  it('downloads the same rows as CSV, safe to open in Excel', async () => {
    const res = await settle(() => priceData.loader(args(get(`/competitors/price/data?segment=${segmentId}&from=2026-10-01&to=2026-11-30&format=csv`, specialist))))
    expect(res.status).toBe(200)
    const lines = String(res.data).replace(/^\uFEFF/, '').trim().split('\r\n')
    expect(lines[0]).toBe('month,segment,brand,model,side,median_transaction_price_fen,observations')
    expect(lines.slice(1)).toEqual(['2026-10,紧凑型轿车,大众,朗逸,本品,10400000,3', '2026-10,紧凑型轿车,日产,轩逸,竞品,9780000,2', '2026-11,紧凑型轿车,大众,朗逸,本品,10000000,2', '2026-11,紧凑型轿车,丰田,卡罗拉,竞品,10780000,1'])
    const arrow = await settle(() => priceData.loader(args(get(`/competitors/price/data?segment=${segmentId}&from=2026-10-01&to=2026-11-30&format=arrow`, specialist))))
    expect(arrow.headers.get('content-type')).toBe('application/vnd.apache.arrow.file')
  })

  it('answers a bad filter with 400 naming it', async () => {
    const bad = await settle(() => price.loader(args(get('/competitors/price?segment=not-an-id', specialist))))
    expect(bad.status).toBe(400)
    expect(String(bad.data)).toContain('segment')
    const backwards = await settle(() => price.loader(args(get('/competitors/price?from=2026-11-30&to=2026-10-01', specialist))))
    expect(backwards.status).toBe(400)
  })
})

describe('promotion timeline (促销时间线)', () => {
  const load = (q: string) => settle(() => promotions.loader(args(get(`/competitors/promotions${q}`, specialist))))

  it('sets the segment’s competitors’ promotions, each with its period and sightings, against our campaigns for its models', async () => {
    const res = await load(`?segment=${segmentId}&from=2026-10-01&to=2026-11-30`)
    expect(res.status).toBe(200)
    const p = res.data.timeline
    expect(p.promotions).toEqual([
      { brand: '丰田', model: '卡罗拉', promotion: '0 首付', start: '2026-10-15', end: '2026-10-31', sightings: 2, firstSeen: '2026-10-16' },
      // seen without a period: its day
      { brand: '日产', model: '轩逸', promotion: '置换补贴 8000 元', start: '2026-11-05', end: '2026-11-05', sightings: 1, firstSeen: '2026-11-05' },
    ])
    expect(p.campaigns.map((c: { name: string }) => c.name)).toEqual(['金秋试驾', '店庆'])
    expect(res.data.svg).toContain('卡罗拉')
  })

  it('without a segment shows every competitor and every campaign that ran', async () => {
    const p = (await load('?from=2026-10-01&to=2026-11-30')).data.timeline
    expect(p.promotions.map((x: { model: string }) => x.model)).toEqual(['思域', '卡罗拉', '轩逸'])
    expect(p.campaigns.map((c: { name: string }) => c.name)).toEqual(['迈腾品鉴', '金秋试驾', '店庆'])
    // a period that ends before the promotion starts leaves it out
    const early = (await load('?from=2026-10-01&to=2026-10-12')).data.timeline
    expect(early.promotions.map((x: { model: string }) => x.model)).toEqual(['思域'])
  })
})

describe('conquest (战败分析)', () => {
  const load = (q: string) => settle(() => conquestPage.loader(args(get(`/competitors/conquest${q}`, specialist))))

  it('counts the leads still lost in the period by the competitor model they went to', async () => {
    const res = await load(`?segment=${segmentId}&from=2026-10-01&to=2026-11-30`)
    expect(res.status).toBe(200)
    const p = res.data.conquest
    expect(p).toMatchObject({ ready: true, total: 3, otherwise: [] })
    expect(p.toCompetitors).toEqual([
      { brand: '日产', model: '轩逸', reason: 'competitor', leads: 2 },
      { brand: '丰田', model: '卡罗拉', reason: 'competitor', leads: 1 },
    ])
    expect(res.data.svg).toContain('轩逸')
  })

  it('without a segment: every competitor, and the losses without one by reason', async () => {
    const p = (await load('?from=2026-10-01&to=2026-11-30')).data.conquest
    expect(p.toCompetitors.map((r: { model: string; leads: number }) => [r.model, r.leads])).toEqual([
      ['轩逸', 2],
      ['卡罗拉', 1],
      ['思域', 1],
    ])
    expect(p.otherwise).toEqual([
      { reason: 'no_budget', leads: 1 },
      { reason: 'price', leads: 1 },
    ])
    expect(p.total).toBe(6)
  })

  it('counts our buyers who traded in a competitor’s car, by the segment’s model it is', async () => {
    const res = await load(`?segment=${segmentId}&from=2026-10-01&to=2026-11-30`)
    const p = res.data.conquest
    // 轩逸 2018款 and 东风日产 轩逸 are both the segment's 日产 轩逸; 丰田卡罗拉 its 丰田 卡罗拉; the 宝来 is
    // ours, the 思域 outside the segment, A-7 before the period, B-1 another store's
    expect(p.salesReady).toBe(true)
    expect(p.tradeIns).toEqual([
      { brand: '日产', model: '轩逸', buyers: 2 },
      { brand: '丰田', model: '卡罗拉', buyers: 1 },
    ])
    expect(p.tradeInTotal).toBe(3)
    expect(res.data.tradeInSvg).toContain('卡罗拉')
  })

  it('without a segment: every competitor car traded in, as the exports name it, and its download', async () => {
    const p = (await load('?from=2026-10-01&to=2026-11-30')).data.conquest
    expect(p.tradeIns).toEqual([
      { brand: '', model: '丰田卡罗拉', buyers: 1 },
      { brand: '东风日产', model: '轩逸', buyers: 1 },
      { brand: '日产', model: '轩逸 2018款', buyers: 1 },
      { brand: '本田', model: '思域', buyers: 1 },
    ])
    const csv = await settle(() => tradeInsData.loader(args(get('/competitors/conquest/trade-ins?from=2026-10-01&to=2026-11-30&format=csv', specialist))))
    expect(csv.status).toBe(200)
    const lines = String(csv.data).replace(/^\uFEFF/, '').trim().split('\r\n')
    expect(lines).toEqual(['traded_in_brand,traded_in_model,buyers', ',丰田卡罗拉,1', '东风日产,轩逸,1', '日产,轩逸 2018款,1', '本田,思域,1'])
  })
})

describe('what competitors did while a campaign ran', () => {
  it('lists the promotions that overlapped it and each rival model’s price before against during, within the segments of its models', async () => {
    const user = (await loadSessionUser(specialistId))!
    const during = await competitorsDuring(user, { storeId: storeA, warmupStart: null, startDate: '2026-10-15', endDate: '2026-11-05', models: ['朗逸'] })
    expect(during!.segments).toEqual(['紧凑型轿车'])
    expect(during!.promotions.map((p) => [p.model, p.promotion, p.start, p.end])).toEqual([
      ['卡罗拉', '0 首付', '2026-10-15', '2026-10-31'],
      ['轩逸', '置换补贴 8000 元', '2026-11-05', '2026-11-05'],
    ])
    // 轩逸: 99,800 on 8 October (before), 95,800 on 22 October (during); 卡罗拉 only during
    const moves = [...during!.priceMoves].sort((a, b) => a.model.localeCompare(b.model))
    expect(moves).toEqual(
      [
        { brand: '日产', model: '轩逸', beforeFen: 9_980_000, duringFen: 9_580_000, sightings: 2 },
        { brand: '丰田', model: '卡罗拉', beforeFen: null, duringFen: 10_780_000, sightings: 1 },
      ].sort((a, b) => a.model.localeCompare(b.model)),
    )
    // a campaign of a model in no segment: nothing to compare, and it says so
    const other = await competitorsDuring(user, { storeId: storeA, warmupStart: null, startDate: '2026-10-15', endDate: '2026-11-05', models: ['途昂'] })
    expect(other).toEqual({ segments: [], promotions: [], priceMoves: [], shareChanges: [] })
    // a draft without dates: nothing at all
    expect(await competitorsDuring(user, { storeId: storeA, warmupStart: null, startDate: null, endDate: null, models: [] })).toBeNull()
  })
})
