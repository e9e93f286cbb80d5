import { beforeAll, describe, expect, it } from 'vitest'
import * as segments from '../app/routes/competitors.segments'
import * as sharePage from '../app/routes/competitors.share'
import * as shareData from '../app/routes/competitors.share_.data'
import { competitorsDuring } from '../app/services/competitor-analysis.server'
import { keepImportFile } from '../app/services/import-files.server'
import { runMarketImport } from '../app/services/market-import.server'
import { loadSessionUser } from '../app/utils/auth.server'
import { syncNow, useAnalyticsDataDir } from './analytics-fixtures'
import { createGroup, createStore, createUser, get, post, signIn, type Browser } from './factories'
import { settle } from './http'

// SPEC §5, issue "Competitor intelligence" must 4 and 5: the market share trend — our models'
// share of their segment's units by month and city, from the imported market data alone — and
// the share change around a campaign, on a small data set whose every figure is worked out by
// hand below.

const dataDir = useAnalyticsDataDir('market-share')
const args = (request: Request) => ({ request, params: {}, context: {} })

let storeA: string
let storeB: string
let specialistId: string
let specialist: Browser
let manager: Browser
let segmentId: string

async function importMarket(storeId: string, lines: string[], name: string) {
  const kept = await keepImportFile(Buffer.from(['月份,城市,品牌,车型,上险数', ...lines].join('\r\n') + '\r\n', 'utf8'), 'csv')
  const result = await runMarketImport({ storeId, fileHash: kept.hash, ext: 'csv', fileName: name, measure: null, mapping: null, createdById: null })
  expect(result.rejected, 'every market row is accepted').toBe(0)
  return result
}

beforeAll(async () => {
  const group = await createGroup()
  storeA = (await createStore(group.id, '杭州西湖大众4S店')).id
  storeB = (await createStore(group.id, '杭州滨江大众4S店')).id
  specialistId = (await createUser(group.id, 'specialist', [storeA])).id
  specialist = await signIn(specialistId)
  manager = await signIn((await createUser(group.id, 'manager', [storeA, storeB])).id)
  const made = await settle(() => segments.action(args(post('/competitors/segments', { intent: 'save', name: '紧凑型轿车', ours: '大众 朗逸', theirs: '日产 轩逸\n丰田 卡罗拉' }, manager))))
  segmentId = made.headers.get('location')!.split('#segment-')[1]!

  // store A's registrations (上险数), the makers' names as market data writes them (上汽大众, 东风日产):
  //   2026-08 杭州 朗逸 300, 轩逸 500, 卡罗拉 200 (ours 30%); 宁波 朗逸 100, 轩逸 100 (50%)
  //   2026-09 杭州 朗逸 400, 轩逸 400, 卡罗拉 200 (40%); a 思域 outside the segment
  //   2026-10 杭州 朗逸 350, 轩逸 450, 卡罗拉 200 (35%) — corrected below to 500 / 300 / 200 (50%)
  await importMarket(
    storeA,
    [
      '2026-08,杭州,上汽大众,朗逸,300',
      '2026-08,杭州,东风日产,轩逸,500',
      '2026-08,杭州,一汽丰田,卡罗拉,200',
      '2026-08,宁波,上汽大众,朗逸,100',
      '2026-08,宁波,东风日产,轩逸,100',
      '2026-09,杭州,上汽大众,朗逸,400',
      '2026-09,杭州,东风日产,轩逸,400',
      '2026-09,杭州,一汽丰田,卡罗拉,200',
      '2026-09,杭州,东风本田,思域,999',
      '2026-10,杭州,上汽大众,朗逸,350',
      '2026-10,杭州,东风日产,轩逸,450',
      '2026-10,杭州,一汽丰田,卡罗拉,200',
    ],
    'registrations-q3.csv',
  )
  await importMarket(storeA, ['2026-10,杭州,上汽大众,朗逸,500', '2026-10,杭州,东风日产,轩逸,300', '2026-10,杭州,一汽丰田,卡罗拉,200'], 'registrations-oct-corrected.csv')
  // store B imported September for 杭州 later, with other figures: 朗逸 100 of 1,000 (10%)
  await importMarket(storeB, ['2026-09,杭州,上汽大众,朗逸,100', '2026-09,杭州,东风日产,轩逸,900'], 'registrations-sep-b.csv')
  await syncNow(dataDir)
})

describe('market share (市场份额)', () => {
  const load = (q: string, who: Browser = specialist) => settle(() => sharePage.loader(args(get(`/competitors/share${q}`, who))))
  const byMonth = (ours: Array<{ month: string; share: number }>) => ours.map((o) => [o.month, Math.round(o.share * 10_000) / 10_000])

  it('gives our share of the segment by month, all cities summed, the corrected October counting', async () => {
    const res = await load(`?segment=${segmentId}&from=2026-08-01&to=2026-10-31`)
    expect(res.status).toBe(200)
    const p = res.data.share
    expect(p).toMatchObject({ ready: true, measure: 'registrations', city: null })
    // August: 朗逸 300 + 100 of 1,200 (轩逸 600, 卡罗拉 200); September 400 of 1,000; October 500 of 1,000
    expect(byMonth(p.ours)).toEqual([
      ['2026-08', 0.3333],
      ['2026-09', 0.4],
      ['2026-10', 0.5],
    ])
    expect(p.ours[0]).toMatchObject({ units: 400, total: 1200 })
    expect(p.rows.filter((r: { month: string }) => r.month === '2026-10').map((r: { model: string; units: number; share: number }) => [r.model, r.units, r.share])).toEqual([
      ['朗逸', 500, 0.5],
      ['轩逸', 300, 0.3],
      ['卡罗拉', 200, 0.2],
    ])
    expect(p.cities).toEqual([
      { city: '杭州', months: 3 },
      { city: '宁波', months: 1 },
    ])
    expect(res.data.svg).toContain('朗逸')
  })

  it('within one city; a city without data for a month leaves a gap, not a zero', async () => {
    const hz = (await load(`?segment=${segmentId}&city=${encodeURIComponent('杭州')}&from=2026-08-01&to=2026-10-31`)).data.share
    expect(byMonth(hz.ours)).toEqual([
      ['2026-08', 0.3],
      ['2026-09', 0.4],
      ['2026-10', 0.5],
    ])
    const nb = (await load(`?segment=${segmentId}&city=${encodeURIComponent('宁波')}&from=2026-08-01&to=2026-10-31`)).data.share
    expect(byMonth(nb.ours)).toEqual([['2026-08', 0.5]])
  })

  it('counts a city once across stores: per month and city the latest import among the stores read', async () => {
    const hz = (await load(`?segment=${segmentId}&city=${encodeURIComponent('杭州')}&from=2026-08-01&to=2026-10-31`, manager)).data.share
    // store B's September (100 of 1,000) is the later import of 杭州's September; August and October are store A's
    expect(byMonth(hz.ours)).toEqual([
      ['2026-08', 0.3],
      ['2026-09', 0.1],
      ['2026-10', 0.5],
    ])
    // the specialist of store A does not read store B's import
    expect(byMonth((await load(`?segment=${segmentId}&city=${encodeURIComponent('杭州')}&from=2026-09-01&to=2026-09-30`)).data.share.ours)).toEqual([['2026-09', 0.4]])
  })

  it('downloads the same rows; regional sales are not mixed with registrations; a bad filter is a 400', async () => {
    const csv = await settle(() => shareData.loader(args(get(`/competitors/share/data?segment=${segmentId}&city=${encodeURIComponent('杭州')}&from=2026-10-01&to=2026-10-31&format=csv`, specialist))))
    expect(csv.status).toBe(200)
    const lines = String(csv.data).replace(/^\uFEFF/, '').trim().split('\r\n')
    expect(lines).toEqual([
      'month,segment,city,brand,model,side,units,share',
      '2026-10,紧凑型轿车,杭州,大众,朗逸,本品,500,0.5',
      '2026-10,紧凑型轿车,杭州,日产,轩逸,竞品,300,0.3',
      '2026-10,紧凑型轿车,杭州,丰田,卡罗拉,竞品,200,0.2',
    ])
    const sales = (await load(`?segment=${segmentId}&measure=sales&from=2026-08-01&to=2026-10-31`)).data.share
    expect(sales).toMatchObject({ measure: 'sales', rows: [], ours: [], cities: [] })
    expect((await load('?measure=everything')).status).toBe(400)
  })
})

describe('the share change around a campaign', () => {
  it('sets our share in the store’s city over the campaign’s months against as many months before and after', async () => {
    const user = (await loadSessionUser(specialistId))!
    const during = await competitorsDuring(user, { storeId: storeA, warmupStart: null, startDate: '2026-09-10', endDate: '2026-09-20', models: ['朗逸'] })
    expect(during!.shareChanges).toEqual([
      {
        segment: '紧凑型轿车',
        city: '杭州',
        measure: 'registrations',
        before: 0.3,
        during: 0.4,
        after: 0.5,
        months: { before: ['2026-08-01', '2026-09-01'], during: ['2026-09-01', '2026-10-01'], after: ['2026-10-01', '2026-11-01'] },
      },
    ])
    // a campaign over two months: August and September (700 of 2,000) against June and July (no data) and October and November
    const longer = await competitorsDuring(user, { storeId: storeA, warmupStart: null, startDate: '2026-08-20', endDate: '2026-09-05', models: ['朗逸'] })
    expect(longer!.shareChanges[0]).toMatchObject({ before: null, during: 0.35, after: 0.5 })
  })
})
