import { eq } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { getDb } from '../db/client'
import { budgetLines, campaignTasks, campaignTransitions, campaigns, competitorObservations, mediaPlacements, spendEntries } from '../db/schema'
import { refreshLineActuals, syncPlanCostLines } from '../db/plan-costs'
import type { CampaignStatus } from '../db/schema/enums'
import { loader } from '../app/routes/_index'
import { workbench, workbenchPeriods } from '../app/services/workbench.server'
import { loadSessionUser, type SessionUser } from '../app/utils/auth.server'
import { arrive, syncNow, useAnalyticsDataDir } from './analytics-fixtures'
import { createGroup, createStore, createUser, get, signIn } from './factories'
import { anonymous, settle } from './http'

/**
 * The workbench (工作台, SPEC §6) of each role, on a story whose every figure is worked out by
 * hand below. "Now" is Wednesday 18 November 2026, noon in Shanghai: the week runs Monday 16 to
 * Sunday 22 November; the month so far is 1–18 November, against 1–18 October.
 */

const dataDir = useAnalyticsDataDir('workbench')
const NOW = new Date('2026-11-18T04:00:00Z')
/** 10:00 in Shanghai on a day of 2026 */
const at = (month: number, day: number, hour = 10) => new Date(Date.UTC(2026, month - 1, day, hour - 8))

let storeA: string
let storeB: string
let specialist: SessionUser
let otherSpecialist: SessionUser
let manager: SessionUser
let executive: SessionUser
const c: Record<string, string> = {}

async function campaign(key: string, status: CampaignStatus, ownerId: string, startDate: string | null, endDate: string | null, storeId = storeA, extra: Partial<typeof campaigns.$inferInsert> = {}) {
  const db = await getDb()
  const [row] = await db
    .insert(campaigns)
    .values({ storeId, name: key, form: 'in_store', status, startDate, endDate, ownerId, ...extra })
    .returning({ id: campaigns.id })
  c[key] = row!.id
  return row!.id
}

async function transition(campaignId: string, from: CampaignStatus, to: CampaignStatus, when: Date, comment = '') {
  const db = await getDb()
  await db.insert(campaignTransitions).values({ campaignId, fromStatus: from, toStatus: to, at: when, comment })
}

beforeAll(async () => {
  const group = await createGroup()
  storeA = (await createStore(group.id, '杭州西湖大众4S店')).id
  storeB = (await createStore(group.id, '宁波大众4S店')).id
  const s1 = await createUser(group.id, 'specialist', [storeA])
  const s2 = await createUser(group.id, 'specialist', [storeA])
  const m = await createUser(group.id, 'manager', [storeA])
  const e = await createUser(group.id, 'executive', [])
  specialist = (await loadSessionUser(s1.id))!
  otherSpecialist = (await loadSessionUser(s2.id))!
  manager = (await loadSessionUser(m.id))!
  executive = (await loadSessionUser(e.id))!
  const db = await getDb()

  // the specialist's plans
  await campaign('春季试驾会', 'returned', s1.id, '2026-12-01', '2026-12-03')
  await transition(c['春季试驾会']!, 'draft', 'submitted', at(11, 9))
  await transition(c['春季试驾会']!, 'submitted', 'returned', at(11, 10), '场地费过高，请压缩后再提交')
  await campaign('元旦车展', 'draft', s1.id, '2026-12-20', '2027-01-03')
  await campaign('小区外展', 'draft', s1.id, '2026-12-05', '2026-12-06')
  // a draft saved with only its name (ADR 027)
  await campaign('车主野餐（想法）', 'draft', s1.id, null, null, storeA, { form: null })
  await campaign('冬季保养季', 'submitted', s1.id, '2026-12-10', '2026-12-31')
  await transition(c['冬季保养季']!, 'draft', 'submitted', at(11, 12))
  await campaign('双十一直播', 'running', s1.id, '2026-11-10', '2026-11-30')
  await campaign('抖音团购', 'running', s1.id, '2026-11-01', '2026-11-30', storeA, { targetLeads: 10 })
  await campaign('国庆车展', 'completed', s1.id, '2026-10-15', '2026-11-05')
  await campaign('中秋团购', 'evaluated', s1.id, '2026-09-01', '2026-09-30')
  // the other specialist's, in the same store
  await campaign('新车上市', 'draft', s2.id, '2026-12-01', '2026-12-02')
  await campaign('车友会', 'submitted', s2.id, '2026-12-12', '2026-12-13')
  await transition(c['车友会']!, 'draft', 'submitted', at(11, 15))
  // another store's, which the manager of the first does not see
  await campaign('宁波车展', 'submitted', s2.id, '2026-12-12', '2026-12-13', storeB)

  // tasks of the running campaign without spend: overdue, due Friday, done, due next week; and of a draft
  await db.insert(campaignTasks).values([
    { campaignId: c['双十一直播']!, position: 0, title: '直播脚本定稿', owner: '李娜', dueDate: '2026-11-10', status: 'todo' },
    { campaignId: c['双十一直播']!, position: 1, title: '主播试播', owner: '王强', dueDate: '2026-11-20', status: 'doing' },
    { campaignId: c['双十一直播']!, position: 2, title: '场地布置', owner: '王强', dueDate: '2026-11-19', status: 'done' },
    { campaignId: c['双十一直播']!, position: 3, title: '复盘会', owner: '李娜', dueDate: '2026-11-23', status: 'todo' },
    { campaignId: c['元旦车展']!, position: 0, title: '展位预订', owner: '李娜', dueDate: '2026-11-17', status: 'todo' },
  ])

  // spend: the Douyin placement of 抖音团购 (planned ¥5,000), spent ¥1,000 on 5 Nov, ¥500 on 10 Oct, ¥700 on 25 Oct
  await db.insert(mediaPlacements).values({ campaignId: c['抖音团购']!, position: 0, medium: 'douyin', platform: '本地推', purpose: 'promotion', nature: 'soft', costFen: 500_000 })
  await syncPlanCostLines(db, c['抖音团购']!)
  const [line] = await db.select().from(budgetLines).where(eq(budgetLines.campaignId, c['抖音团购']!))
  await db.insert(spendEntries).values([
    { campaignId: c['抖音团购']!, budgetLineId: line!.id, spentOn: '2026-11-05', amountFen: 100_000, subsidyFen: 0 },
    { campaignId: c['抖音团购']!, budgetLineId: line!.id, spentOn: '2026-10-10', amountFen: 50_000, subsidyFen: 0 },
    { campaignId: c['抖音团购']!, budgetLineId: line!.id, spentOn: '2026-10-25', amountFen: 70_000, subsidyFen: 0 },
  ])
  await refreshLineActuals(db, { campaignId: c['抖音团购']! })
  // 国庆车展 (ended 5 Nov): a venue line, planned ¥3,000, ¥2,800 spent
  await db.insert(budgetLines).values({ campaignId: c['国庆车展']!, position: 0, category: 'venue', description: '展位', plannedFen: 300_000, actualFen: 280_000 })

  // leads: two from Douyin in the campaign and one from 汽车之家 in November; one from Douyin on 8 October, one on 25 October
  await arrive(storeA, { name: '王一', phone: '13800000001' }, at(11, 3), { kind: 'web_form', channel: 'douyin', campaignId: c['抖音团购']! })
  await arrive(storeA, { name: '王二', phone: '13800000002' }, at(11, 10), { kind: 'web_form', channel: 'douyin', campaignId: c['抖音团购']! })
  await arrive(storeA, { name: '王三', phone: '13800000003' }, at(11, 12), { kind: 'platform_lead', channel: 'autohome' })
  await arrive(storeA, { name: '王四', phone: '13800000004' }, at(10, 8), { kind: 'web_form', channel: 'douyin' })
  await arrive(storeA, { name: '王五', phone: '13800000005' }, at(10, 25), { kind: 'web_form', channel: 'douyin' })
  await syncNow(dataDir)
})

describe('the workbench periods', () => {
  it('runs the week from Monday and compares the month so far with the same days of last month', () => {
    expect(workbenchPeriods('2026-11-18')).toEqual({
      weekStart: '2026-11-16',
      weekEnd: '2026-11-23',
      month: { from: '2026-11-01', to: '2026-11-19', lastFrom: '2026-10-01', lastTo: '2026-10-19' },
    })
    // a Sunday belongs to the week that began on Monday
    expect(workbenchPeriods('2026-11-22').weekStart).toBe('2026-11-16')
    // 31 March against February: never past February's end
    expect(workbenchPeriods('2026-03-31').month).toEqual({ from: '2026-03-01', to: '2026-04-01', lastFrom: '2026-02-01', lastTo: '2026-03-01' })
  })
})

describe("the specialist's workbench", () => {
  it('lists their own plans waiting on them, each kind in the order it is best done', async () => {
    const wb = await workbench(specialist, NOW)
    expect(wb.today).toBe('2026-11-18')
    expect(wb.own).toBe(true)
    const names = Object.fromEntries(wb.todos.map((x) => [x.kind, [x.count, x.items.map((i) => i.name)]]))
    expect(names).toEqual({
      returned: [1, ['春季试驾会']],
      // the soonest first, a draft without dates last; the other specialist's draft is not theirs
      draft: [3, ['小区外展', '元旦车展', '车主野餐（想法）']],
      // running with no actual spend: 抖音团购 has spend recorded
      noSpend: [1, ['双十一直播']],
      evaluate: [1, ['国庆车展']],
    })
    // the manager's reason comes with the returned plan
    expect(wb.todos.find((x) => x.kind === 'returned')!.items[0]!.comment).toBe('场地费过高，请压缩后再提交')
    // the tasks of their approved and running campaigns due by Sunday, overdue first; done, next week's and a draft's left out
    expect(wb.tasks.count).toBe(2)
    expect(wb.tasks.items.map((x) => [x.title, x.dueDate, x.overdue])).toEqual([
      ['直播脚本定稿', '2026-11-10', true],
      ['主播试播', '2026-11-20', false],
    ])
    // a specialist approves nothing and has no budget card
    expect(wb.budget).toBeNull()
  })

  it("shows their campaigns' results over the last 90 days with the lead target's attainment", async () => {
    const wb = await workbench(specialist, NOW)
    expect(wb.ready).toBe(true)
    const rows = wb.campaignKpis!.rows
    // only 抖音团购 has leads or spend; touches without a campaign are nobody's
    expect(rows.map((r) => [wb.campaignKpis!.names[r.key], r.leads, r.cost, r.costPerLead, r.targets?.leads])).toEqual([['抖音团购', 2, 220_000, 110_000, 10]])
    // the other specialist owns none of it
    expect((await workbench(otherSpecialist, NOW)).campaignKpis!.rows).toEqual([])
  })
})

describe("the manager's workbench", () => {
  it('puts the approvals waiting first, the longest waiting first, with budget and owner', async () => {
    const wb = await workbench(manager, NOW)
    expect(wb.own).toBe(false)
    expect(wb.todos.map((x) => x.kind)).toEqual(['approval', 'returned', 'noSpend', 'evaluate'])
    const approvals = wb.todos[0]!
    // the other store's plan is not this manager's
    expect(approvals.count).toBe(2)
    expect(approvals.items.map((i) => [i.name, i.since])).toEqual([
      ['冬季保养季', at(11, 12).toISOString()],
      ['车友会', at(11, 15).toISOString()],
    ])
    expect(approvals.items[0]!.ownerName).toBe(specialist.name)
    expect(wb.tasks.count).toBe(2)
  })

  it("shows the month's budget: spend this month and on last month's same days, the plans running this month", async () => {
    const wb = await workbench(manager, NOW)
    // ¥1,000 on 5 Nov; ¥500 on 10 Oct (25 Oct is past the 18th); 抖音团购 ¥5,000 / ¥2,200 and 国庆车展 ¥3,000 / ¥2,800 (双十一直播 has no line)
    expect(wb.budget).toEqual({ spentMonth: 100_000, spentLast: 50_000, planned: 800_000, actual: 500_000, campaigns: 3 })
  })

  it('compares leads, cost per lead and orders by channel with the same days of last month', async () => {
    const wb = await workbench(manager, NOW)
    const ch = wb.channels!
    expect(ch.rows.map((r) => [r.channel, r.leads, r.last.leads, r.cost, r.last.cost, r.costPerLead, r.last.costPerLead])).toEqual([
      ['douyin', 2, 1, 100_000, 50_000, 50_000, 50_000],
      ['autohome', 1, 0, 0, 0, null, null],
    ])
    expect([ch.total.leads, ch.total.last.leads, ch.total.cost]).toEqual([3, 1, 100_000])
  })
})

describe("the executive's workbench", () => {
  it("sums the group's month by store against the same length of time before", async () => {
    const wb = await workbench(executive, NOW)
    expect(wb.todos).toEqual([])
    const g = wb.group!
    expect(g.names[storeA]).toBe('杭州西湖大众4S店')
    const a = g.report.rows.find((r) => r.key === storeA)!
    expect([a.leads, a.cost]).toEqual([3, 100_000])
    // 13–31 October: 王五 on the 25th and ¥700 spent that day
    expect([g.report.totals.leads, g.report.totals.prior.leads, g.report.totals.prior.cost]).toEqual([3, 1, 70_000])
    expect(g.report.rows.find((r) => r.key === storeB)?.leads ?? 0).toBe(0)
  })
})

describe('the home page', () => {
  it('sends the front desk to 前台登记 and a visitor to sign in; others get their workbench', async () => {
    const group = await createGroup()
    const store = await createStore(group.id)
    const desk = await signIn((await createUser(group.id, 'sales', [store.id])).id)
    const toDesk = await settle(() => loader({ request: get('/', desk), params: {}, context: {} }))
    expect([toDesk.status, toDesk.headers.get('location')]).toEqual([302, '/desk'])
    const out = await settle(() => loader({ request: get('/', anonymous()), params: {}, context: {} }))
    expect([out.status, out.headers.get('location')]).toEqual([302, '/login'])
    const mgr = await signIn((await createUser(group.id, 'manager', [store.id])).id)
    const home = await settle(() => loader({ request: get('/', mgr), params: {}, context: {} }))
    expect(home.status).toBe(200)
    expect(home.data.wb.role).toBe('manager')
    expect(home.data.wb.todos.every((x: { count: number }) => x.count === 0)).toBe(true)
  })
})

describe('competitors’ promotions running now', () => {
  it('shows the specialist and the manager what rivals run today at their stores, newest sighting first', async () => {
    const db = await getDb()
    const seen = (storeId: string, model: string, promotion: string, seenOn: string, from: string | null, until: string | null) => ({
      storeId, brand: '日产', model, promotion, seenOn, promotionStart: from, promotionEnd: until, seenAt: 'store' as const,
    })
    await db.insert(competitorObservations).values([
      // today is 18 November
      seen(storeA, '轩逸', '置换补贴 8000 元', '2026-11-10', '2026-11-01', '2026-11-30'),
      seen(storeA, '天籁', '0 首付', '2026-11-16', null, null),
      seen(storeA, '奇骏', '送保养', '2026-10-20', null, null),
      seen(storeA, '逍客', '国庆特惠', '2026-10-01', '2026-10-01', '2026-10-07'),
      seen(storeA, '骐达', '双十二预售', '2026-11-17', '2026-12-01', '2026-12-12'),
      seen(storeB, '楼兰', '宁波专享', '2026-11-17', null, null),
    ])
    const wb = await workbench(specialist, NOW)
    expect(wb.rivalPromotions).toEqual([
      { brand: '日产', model: '天籁', promotion: '0 首付', until: null, lastSeen: '2026-11-16' },
      { brand: '日产', model: '轩逸', promotion: '置换补贴 8000 元', until: '2026-11-30', lastSeen: '2026-11-10' },
    ])
    expect((await workbench(manager, NOW)).rivalPromotions.map((p) => p.model)).toEqual(['天籁', '轩逸'])
    expect((await workbench(executive, NOW)).rivalPromotions).toEqual([])
  })
})
