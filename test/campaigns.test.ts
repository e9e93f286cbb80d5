import { count, eq } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { getDb } from '../db/client'
import { auditLog, campaigns, campaignTransitions, mediaPlacements } from '../db/schema'
import * as detail from '../app/routes/campaigns.$campaignId._index'
import * as edit from '../app/routes/campaigns.$campaignId.edit'
import * as evaluation from '../app/routes/campaigns.$campaignId.evaluation'
import * as print from '../app/routes/campaigns.$campaignId.print'
import * as list from '../app/routes/campaigns._index'
import * as create from '../app/routes/campaigns.new'
import * as timeline from '../app/routes/campaigns.timeline'
import * as root from '../app/root'
import { planFields } from './campaign-fixtures'
import { createGroup, createStore, createUser, get, post, signIn, type Browser } from './factories'
import { settle } from './http'
import { recordArrival } from '../app/services/lead-intake.server'

/** What a loader or action produced: status, data and the redirect target. */
async function outcome(fn: () => Promise<unknown>) {
  const r = await settle(fn)
  return { status: r.status, body: r.data, location: r.headers.get('location') }
}

const args = (request: Request, params: Record<string, string> = {}) => ({ request, params, context: {} })

let storeA: string
let storeB: string
let specialist: Browser
let specialistB: Browser
let manager: Browser
let sales: Browser
let exec: Browser

async function createCampaign(browser: Browser, overrides: Record<string, string | string[]> = {}, store = storeA) {
  const res = (await outcome(() => create.action(args(post('/campaigns/new', planFields(store, overrides), browser)))))
  expect(res.status, JSON.stringify(res.body?.errors)).toBe(302)
  return res.location!.match(/campaigns\/([0-9a-f-]{36})/)![1]!
}

async function step(browser: Browser, id: string, action: string, comment = '') {
  return (await outcome(() => detail.action(args(post(`/campaigns/${id}`, { intent: 'transition', action, comment }, browser), { campaignId: id }))))
}

async function loadDetail(browser: Browser, id: string) {
  return (await outcome(() => detail.loader(args(get(`/campaigns/${id}`, browser), { campaignId: id }))))
}

beforeAll(async () => {
  const group = await createGroup()
  storeA = (await createStore(group.id, '杭州店')).id
  storeB = (await createStore(group.id, '宁波店')).id
  specialist = await signIn((await createUser(group.id, 'specialist', [storeA])).id)
  specialistB = await signIn((await createUser(group.id, 'specialist', [storeB])).id)
  manager = await signIn((await createUser(group.id, 'manager', [storeA, storeB])).id)
  sales = await signIn((await createUser(group.id, 'sales', [storeA])).id)
  exec = await signIn((await createUser(group.id, 'executive', [])).id)
})

describe('planning a campaign', () => {
  it('stores all ten parts, with amounts in fen', async () => {
    const id = await createCampaign(specialist)
    const { body } = await loadDetail(specialist, id)
    const c = body.campaign
    expect(c.status).toBe('draft')
    expect(c.models).toEqual(['途观L', '迈腾'])
    expect(c.purposes).toEqual(['orders', 'leads'])
    expect(c.warmupStart).toBe('2026-09-20')
    expect(c.targetRevenueFen).toBe(360_000_000)
    expect(c.targetGrossProfitFen).toBe(36_000_050)
    expect(c.tasks).toMatchObject([{ title: '场地布置', owner: '王主管', dueDate: '2026-09-28', status: 'todo' }])
    expect(c.placements).toMatchObject([{ medium: 'autohome', costFen: 1_200_000, nature: 'hard' }])
    expect(c.promotions).toMatchObject([{ kind: 'external', unitCostFen: 5000, expectedUnits: 60 }])
    // the placement's and the promotion's costs are budget lines of their own (never typed twice), then the typed line
    expect(c.budgetLines).toMatchObject([
      { category: 'media', placementId: c.placements[0].id, description: '汽车之家 本地商家页', plannedFen: 1_200_000, actualFen: null },
      { category: 'promotion', promotionId: c.promotions[0].id, description: '到店礼', plannedFen: 300_000, actualFen: null },
      { category: 'venue', placementId: null, promotionId: null, plannedFen: 1_650_000, actualFen: null, subsidyFen: 500_000 },
    ])
    expect(body.budget).toMatchObject({ planned: 3_150_000, actual: null, netCost: 2_650_000, overBy: 0 })
  })

  it('refuses invalid input with errors per field and stores nothing', async () => {
    const db = await getDb()
    const [before] = await db.select({ n: count() }).from(campaigns)
    const res = await outcome(() =>
      create.action(
        args(
          post(
            '/campaigns/new',
            planFields(storeA, {
              name: '  ',
              endDate: '2026-09-01',
              'purposes[]': [],
              'placements[0].costFen': '12,000.999',
              'tasks[0].owner': '',
              targetLeads: '-3',
            }),
            specialist,
          ),
        ),
      ),
    )
    expect(res.status).toBe(400)
    expect(res.body.errors).toMatchObject({
      name: 'validation.required',
      endDate: 'validation.endBeforeStart',
      'placements.0.costFen': 'validation.money',
      'tasks.0.owner': 'validation.required',
      targetLeads: 'validation.integer',
    })
    // what the user typed comes back to the page
    expect(res.body.values['placements'][0].costFen).toBe('12,000.999')
    const [after] = await db.select({ n: count() }).from(campaigns)
    expect(after!.n).toBe(before!.n)
  })

  it('saves a draft with only a name, and submits it only once form, purposes and dates are filled in', async () => {
    const created = await outcome(() =>
      create.action(args(post('/campaigns/new', { storeId: storeA, name: '只写了名字的草稿', form: '', startDate: '', endDate: '' }, specialist))),
    )
    expect(created.status, JSON.stringify(created.body?.errors)).toBe(302)
    const id = created.location!.match(/campaigns\/([0-9a-f-]{36})/)![1]!
    const db = await getDb()
    const [row] = await db.select().from(campaigns).where(eq(campaigns.id, id))
    expect(row).toMatchObject({ status: 'draft', form: null, startDate: null, endDate: null, purposes: [] })

    // the page names what is missing before it may go to approval, each linking into the form
    const page = await loadDetail(specialist, id)
    expect(page.body.gaps).toEqual({
      form: 'validation.required',
      purposes: 'validation.atLeastOnePurpose',
      startDate: 'validation.required',
      endDate: 'validation.required',
    })
    // the list, the timeline and the home page take a draft without dates in their stride
    const listed = await outcome(() => list.loader(args(get('/campaigns?q=只写了名字', specialist))))
    expect(listed.status).toBe(200)
    expect(listed.body.rows.map((r: { id: string }) => r.id)).toEqual([id])
    expect((await outcome(() => timeline.loader(args(get('/campaigns/timeline', specialist))))).status).toBe(200)

    // submitting is refused, naming the gaps, and the draft stays a draft
    const refused = await step(specialist, id, 'submit')
    expect(refused.status).toBe(400)
    expect(refused.body.workflowError).toEqual({ action: 'submit', message: 'campaign.submitIncomplete' })
    const [still] = await db.select({ status: campaigns.status }).from(campaigns).where(eq(campaigns.id, id))
    expect(still!.status).toBe('draft')

    // filled in, it goes
    const saved = await outcome(() =>
      edit.action(args(post(`/campaigns/${id}/edit`, { ...planFields(storeA, { name: '只写了名字的草稿' }), version: '1' }, specialist), { campaignId: id })),
    )
    expect(saved.status, JSON.stringify(saved.body?.errors)).toBe(302)
    expect((await loadDetail(specialist, id)).body.gaps).toEqual({})
    expect((await step(specialist, id, 'submit')).status).toBe(302)
  })

  it('adds and removes rows without JavaScript, saving nothing', async () => {
    const added = (await outcome(() => create.action(args(post('/campaigns/new', planFields(storeA, { intent: 'add:tasks' }), specialist)))))
    expect(added.status).toBe(200)
    expect(added.body.values.tasks).toHaveLength(2)
    expect(added.body.errors).toEqual({})
    const removed = (await outcome(() => create.action(args(post('/campaigns/new', planFields(storeA, { intent: 'remove:placements:0' }), specialist)))))
    expect(removed.body.values.placements).toHaveLength(0)
  })

  it('keeps script and SQL text as plain text', async () => {
    const name = `<script>alert(1)</script>'; drop table campaigns; --`
    const id = await createCampaign(specialist, { name })
    const { body } = await loadDetail(specialist, id)
    expect(body.campaign.name).toBe(name)
  })

  it('refuses a campaign for a store the user does not belong to', async () => {
    const res = (await outcome(() => create.action(args(post('/campaigns/new', planFields(storeB), specialist)))))
    expect(res.status).toBe(403)
  })
})

describe('two people editing at once', () => {
  it('refuses the stale save, keeps the input, and keeps row identities on a good save', async () => {
    const id = await createCampaign(specialist)
    const db = await getDb()
    const [placement] = await db.select().from(mediaPlacements).where(eq(mediaPlacements.campaignId, id))
    const editFields = (name: string, version: string) =>
      planFields(storeA, { name, version, 'placements[0].id': placement!.id, 'placements[0].costFen': '15000' })

    // the manager saves first (version 1 → 2)
    const first = (await outcome(() => edit.action(args(post(`/campaigns/${id}/edit`, editFields('经理改的名字', '1'), manager), { campaignId: id }))))
    expect(first.status).toBe(302)
    // the specialist, still on version 1, is refused and sees their own input
    const stale = (await outcome(() => edit.action(args(post(`/campaigns/${id}/edit`, editFields('专员改的名字', '1'), specialist), { campaignId: id }))))
    expect(stale.status).toBe(409)
    expect(stale.body.stale).toBe(2)
    expect(stale.body.values.name).toBe('专员改的名字')
    const { body } = await loadDetail(specialist, id)
    expect(body.campaign.name).toBe('经理改的名字')
    expect(body.campaign.version).toBe(2)
    // the placement kept its id (tracking links will hang on it) and took the new cost
    expect(body.campaign.placements).toMatchObject([{ id: placement!.id, costFen: 1_500_000 }])
    // and its budget line followed the new cost: nobody types it twice (SPEC §2)
    expect(body.campaign.budgetLines[0]).toMatchObject({ placementId: placement!.id, category: 'media', plannedFen: 1_500_000 })
    expect(body.budget.planned).toBe(1_500_000 + 300_000 + 1_650_000)
    // saving again against the version shown now succeeds
    // the retry also drops the promotion: its budget line goes with it, the typed line stays
    const noPromotion = Object.fromEntries(['kind', 'description', 'unitCostFen', 'expectedUnits'].map((k) => [`promotions[0].${k}`, [] as string[]]))
    const retry = (await outcome(() =>
      edit.action(args(post(`/campaigns/${id}/edit`, { ...editFields('专员改的名字', '2'), ...noPromotion, 'budgetLines[0].id': body.campaign.budgetLines[2].id }, specialist), { campaignId: id })),
    ))
    expect(retry.status).toBe(302)
    const retried = (await loadDetail(specialist, id)).body
    expect(retried.campaign.budgetLines.map((b: { category: string; id: string }) => b.category)).toEqual(['media', 'venue'])
    expect(retried.campaign.budgetLines[1].id).toBe(body.campaign.budgetLines[2].id)
    const audit = await db.select().from(auditLog).where(eq(auditLog.entityId, id))
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['campaign.create', 'campaign.update']))
    const update = audit.find((a) => a.action === 'campaign.update')!
    expect((update.before as any).name).toBe('途观L 品鉴会')
    expect((update.after as any).name).toBe('经理改的名字')
  })
})

describe('the approval workflow', () => {
  it('shows the manager the budget, the targets and what changed since the return; after the decision, the next plan waiting', async () => {
    const id = await createCampaign(specialist, { name: '春季品鉴会' })
    expect((await step(specialist, id, 'submit')).status).toBe(302)
    const first = (await loadDetail(manager, id)).body
    // a first submission: the whole plan is new
    expect(first.approval.sinceReturn).toBeNull()
    expect(first.approval.budget.planned).toBe(first.budget.planned)
    expect(first.approval.budget.planned).toBeGreaterThan(0)
    // the specialist sees no approval facts: they cannot approve
    expect((await loadDetail(specialist, id)).body.approval).toBeNull()
    expect((await step(manager, id, 'return', '主题再聚焦一些，线索目标提高')).status).toBe(302)
    const version = String((await loadDetail(specialist, id)).body.campaign.version)
    const saved = await outcome(() =>
      edit.action(args(post(`/campaigns/${id}/edit`, planFields(storeA, { name: '春季品鉴会', theme: '春暖花开 途观L 品鉴日', targetLeads: '200', version }), specialist), { campaignId: id })),
    )
    expect(saved.status).toBe(302)
    expect((await step(specialist, id, 'submit')).status).toBe(302)
    // another plan waits behind this one
    const other = await createCampaign(specialist, { name: '五一车展' })
    expect((await step(specialist, other, 'submit')).status).toBe(302)
    const before = planFields(storeA, {})
    const seen = (await loadDetail(manager, id)).body
    expect(seen.approval.sinceReturn.comment).toBe('主题再聚焦一些，线索目标提高')
    expect(seen.approval.sinceReturn.changes).toEqual([
      { part: 'theme', before: before.theme, after: '春暖花开 途观L 品鉴日', list: false },
      { part: 'targetLeads', before: Number(before.targetLeads), after: 200, list: false },
    ])
    // approved: the notice leads to the plan waiting longest (another store's plans are not this manager's queue unless theirs)
    expect((await step(manager, id, 'approve', '同意')).status).toBe(302)
    const after = await outcome(() => detail.loader(args(get(`/campaigns/${id}?notice=approve`, manager), { campaignId: id })))
    expect(after.body.nextWaiting).not.toBeNull()
    expect(after.body.nextWaiting.id).not.toBe(id)
    const waiting = await getDb().then((db) => db.select({ id: campaigns.id }).from(campaigns).where(eq(campaigns.status, 'submitted')))
    expect(waiting.map((w) => w.id)).toContain(after.body.nextWaiting.id)
    expect(after.body.approval).toBeNull()
  })

  it('goes draft → submitted → returned → submitted → approved, by role, with history', async () => {
    const id = await createCampaign(specialist)
    expect((await step(specialist, id, 'approve')).status).toBe(403)
    expect((await step(specialist, id, 'submit')).status).toBe(302)
    expect((await step(sales, id, 'approve')).status).toBe(403)
    expect((await step(exec, id, 'approve')).status).toBe(403)
    const noComment = await step(manager, id, 'return')
    expect(noComment.status).toBe(400)
    expect(noComment.body.workflowError.message).toBe('campaign.commentRequired')
    expect((await step(manager, id, 'return', '预算偏高，请压缩场地费')).status).toBe(302)
    const returned = await loadDetail(specialist, id)
    expect(returned.body.campaign.status).toBe('returned')
    expect(returned.body.lastReturn.comment).toBe('预算偏高，请压缩场地费')
    expect(returned.body.canEditPlan).toBe(true)
    expect((await step(specialist, id, 'submit')).status).toBe(302)
    // the manager's navigation counts the plans waiting for them, the specialist's does not
    const rootData = async (browser: Browser) => (await outcome(() => root.loader(args(get('/campaigns', browser))))).body.user
    expect((await rootData(manager)).awaitingApproval).toBeGreaterThanOrEqual(1)
    expect((await rootData(specialist)).awaitingApproval).toBe(0)
    const waiting = (await rootData(manager)).awaitingApproval
    expect((await step(manager, id, 'approve')).status).toBe(302)
    expect((await rootData(manager)).awaitingApproval).toBe(waiting - 1)
    // approving twice is refused: the state moved on
    expect((await step(manager, id, 'approve')).status).toBe(409)
    const db = await getDb()
    const history = await db.select().from(campaignTransitions).where(eq(campaignTransitions.campaignId, id)).orderBy(campaignTransitions.id)
    expect(history.map((h) => `${h.fromStatus}>${h.toStatus}`)).toEqual([
      'draft>submitted',
      'submitted>returned',
      'returned>submitted',
      'submitted>approved',
    ])
    expect(history[1]!.comment).toBe('预算偏高，请压缩场地费')
    // an approved plan is no longer editable
    const editLoad = (await outcome(() => edit.loader(args(get(`/campaigns/${id}/edit`, specialist), { campaignId: id }))))
    expect(editLoad.status).toBe(302)
    expect(editLoad.location).toContain('not-editable')
  })

  it('runs, records actual spend, warns over budget, completes and is evaluated', async () => {
    const id = await createCampaign(specialist)
    for (const [who, action] of [[specialist, 'submit'], [manager, 'approve'], [specialist, 'start']] as const) {
      expect((await step(who, id, action)).status).toBe(302)
    }
    const c = (await loadDetail(specialist, id)).body.campaign
    const [placementLine, , venueLine] = c.budgetLines
    const spend = (fields: Record<string, string>, who = specialist) =>
      outcome(() => detail.action(args(post(`/campaigns/${id}`, { intent: 'spend.add', ...fields }, who), { campaignId: id })))
    // each payment on its day against its line, with the manufacturer's share
    expect((await spend({ budgetLineId: venueLine.id, spentOn: '2026-09-25', amountFen: '18,000', subsidyFen: '3000', vendor: '华美展览', note: '展厅布置尾款' })).status).toBe(302)
    expect((await spend({ budgetLineId: placementLine.id, spentOn: '2026-10-02', amountFen: '15000', subsidyFen: '' })).status).toBe(302)
    // refused with the reason on the field, nothing stored
    const zero = await spend({ budgetLineId: venueLine.id, spentOn: '2026-09-25', amountFen: '0' })
    expect(zero.status).toBe(400)
    expect(zero.body.errors.amountFen).toBe('campaign.spend.amountPositive')
    expect(zero.body.spendValues.amountFen).toBe('0')
    expect((await spend({ budgetLineId: venueLine.id, spentOn: '2026-09-25', amountFen: '100', subsidyFen: '200' })).body.errors.subsidyFen).toBe('campaign.spend.subsidyTooLarge')
    expect((await spend({ budgetLineId: venueLine.id, spentOn: '2026-02-30', amountFen: '100' })).body.errors.spentOn).toBe('validation.date')
    const other = await createCampaign(specialist)
    const otherLine = (await loadDetail(specialist, other)).body.campaign.budgetLines[0].id
    expect((await spend({ budgetLineId: otherLine, spentOn: '2026-09-25', amountFen: '100' })).body.errors.budgetLineId).toBe('campaign.spend.noLine')
    // a front-desk user may not record spend
    expect((await spend({ budgetLineId: venueLine.id, spentOn: '2026-09-25', amountFen: '100' }, sales)).status).toBe(403)
    const exec1 = await outcome(() =>
      detail.action(args(post(`/campaigns/${id}`, { intent: 'execution', version: String(c.version), 'tasks[0].id': c.tasks[0].id, 'tasks[0].status': 'done' }, specialist), { campaignId: id })),
    )
    expect(exec1.status).toBe(302)
    const after = (await loadDetail(manager, id)).body
    // 18,000 + 15,000 spent against 31,500 planned; 3,000 of it paid back by the manufacturer
    expect(after.budget).toMatchObject({ planned: 3_150_000, actual: 3_300_000, overBy: 150_000, subsidy: 300_000, netCost: 3_000_000 })
    expect(after.campaign.budgetLines.map((b: { actualFen: number | null }) => b.actualFen)).toEqual([1_500_000, null, 1_800_000])
    expect(after.campaign.spendEntries).toMatchObject([
      { budgetLineId: placementLine.id, spentOn: '2026-10-02', amountFen: 1_500_000, subsidyFen: 0 },
      { budgetLineId: venueLine.id, spentOn: '2026-09-25', amountFen: 1_800_000, subsidyFen: 300_000, vendor: '华美展览', note: '展厅布置尾款' },
    ])
    // an entry recorded by mistake is removed, and its line's actual follows
    const removed = await outcome(() => detail.action(args(post(`/campaigns/${id}`, { intent: 'spend.delete', entryId: after.campaign.spendEntries[0].id }, specialist), { campaignId: id })))
    expect(removed.status).toBe(302)
    const fixed = (await loadDetail(manager, id)).body
    expect(fixed.campaign.budgetLines.map((b: { actualFen: number | null }) => b.actualFen)).toEqual([null, null, 1_800_000])
    expect(fixed.budget).toMatchObject({ actual: 1_800_000, overBy: 0 })
    expect(after.campaign.tasks[0].status).toBe('done')
    // evaluation is not open while running
    const early = (await outcome(() => evaluation.action(args(post(`/campaigns/${id}/evaluation`, { version: String(after.campaign.version), analysis: 'x' }, specialist), { campaignId: id }))))
    expect(early.status).toBe(302)
    expect(early.location).toContain('not-editable')
    expect((await step(specialist, id, 'complete')).status).toBe(302)
    const v = (await loadDetail(specialist, id)).body.campaign.version
    const missing = (await outcome(() => evaluation.action(args(post(`/campaigns/${id}/evaluation`, { version: String(v), analysis: '' }, specialist), { campaignId: id }))))
    expect(missing.status).toBe(400)
    expect(missing.body.errors.analysis).toBe('validation.required')
    const saved = await outcome(() =>
      evaluation.action(
        args(post(`/campaigns/${id}/evaluation`, { version: String(v), analysis: '到店达标，订单略低', lessons: '提前邀约', 'checks[]': ['dutiesClear', 'handoffs'] }, specialist), { campaignId: id }),
      ),
    )
    expect(saved.status).toBe(302)
    const evaluated = (await outcome(() => evaluation.loader(args(get(`/campaigns/${id}/evaluation`, manager), { campaignId: id })))).body
    expect(evaluated.status).toBe('evaluated')
    expect(evaluated.analysis).toBe('到店达标，订单略低')
    expect(evaluated.checklist).toEqual({ dutiesClear: true, handoffs: true })
  })

  it('shows what the campaign has captured so far, once approved', async () => {
    const id = await createCampaign(specialist)
    expect((await loadDetail(specialist, id)).body.capture).toBeNull()
    for (const [who, action] of [[specialist, 'submit'], [manager, 'approve'], [specialist, 'start']] as const) {
      expect((await step(who, id, action)).status).toBe(302)
    }
    const db = await getDb()
    const at = new Date('2026-10-01T03:00:00Z')
    await recordArrival(db, { storeId: storeA, person: { name: '甲', phone: '13911110001' }, touch: { kind: 'walk_in', channel: 'autohome', at, campaignId: id } })
    await recordArrival(db, { storeId: storeA, person: { name: '甲', phone: '13911110001' }, touch: { kind: 'call', channel: 'autohome', at, campaignId: id } })
    await recordArrival(db, { storeId: storeA, person: { name: '乙', phone: '13911110002' }, touch: { kind: 'platform_lead', channel: 'autohome', at, campaignId: id } })
    await recordArrival(db, { storeId: storeA, person: { name: '丙', phone: '13911110003' }, touch: { kind: 'call', channel: 'direct', at } })
    expect((await loadDetail(manager, id)).body.capture).toEqual({ leads: 2, webVisits: 0, clicks: 0, forms: 1, walkIns: 1, calls: 1 })
  })

  it('cancels with a reason, from an open state only', async () => {
    const id = await createCampaign(specialist)
    expect((await step(specialist, id, 'cancel')).status).toBe(400)
    expect((await step(specialist, id, 'cancel', '与厂家活动冲突')).status).toBe(302)
    expect((await step(specialist, id, 'submit')).status).toBe(409)
    expect((await step(manager, id, 'reopen')).status).toBe(302)
    expect((await loadDetail(specialist, id)).body.campaign.status).toBe('draft')
  })
})

describe('who sees what', () => {
  it('hides another store’s campaign and refuses changes to it', async () => {
    const id = await createCampaign(specialist)
    expect((await loadDetail(specialistB, id)).status).toBe(404)
    expect((await step(specialistB, id, 'submit')).status).toBe(404)
    const listB = (await outcome(() => list.loader(args(get('/campaigns', specialistB))))).body
    expect(listB.rows.map((r: { id: string }) => r.id)).not.toContain(id)
  })

  it('lets an executive read every store but change nothing', async () => {
    const id = await createCampaign(specialistB, {}, storeB)
    expect((await loadDetail(exec, id)).status).toBe(200)
    expect((await loadDetail(exec, id)).body.actions).toEqual([])
    expect((await outcome(() => create.action(args(post('/campaigns/new', planFields(storeB), exec))))).status).toBe(403)
    expect((await outcome(() => detail.action(args(post(`/campaigns/${id}`, { intent: 'clone' }, exec), { campaignId: id })))).status).toBe(403)
  })

  it('shows sales the plan but not its budget', async () => {
    const id = await createCampaign(specialist)
    const seen = (await loadDetail(sales, id)).body
    expect(seen.budget).toBeNull()
    expect(seen.campaign.budgetLines).toEqual([])
    const printed = (await outcome(() => print.loader(args(get(`/campaigns/${id}/print`, sales), { campaignId: id })))).body
    expect(printed.budget).toBeNull()
    expect(printed.campaign.name).toBe('途观L 品鉴会')
  })

  it('leaves every cost out of the route data sales get, on the page and the printable plan', async () => {
    const id = await createCampaign(specialist)
    const costs = /costFen|unitCostFen|plannedFen|actualFen|subsidyFen|amountFen/
    for (const load of [
      () => detail.loader(args(get(`/campaigns/${id}`, sales), { campaignId: id })),
      () => print.loader(args(get(`/campaigns/${id}/print`, sales), { campaignId: id })),
    ]) {
      const { status, body } = await outcome(load)
      expect(status).toBe(200)
      // the plan itself is there: the placement and the promotion, without what they cost
      expect(body.campaign.placements).toHaveLength(1)
      expect(body.campaign.placements[0]).toMatchObject({ platform: '汽车之家 本地商家页' })
      expect(body.campaign.promotions[0]).toMatchObject({ description: '到店礼', expectedUnits: 60 })
      expect(JSON.stringify(body)).not.toMatch(costs)
    }
    // those who read budgets still get the amounts
    const planned = (await loadDetail(specialist, id)).body.campaign
    expect(planned.placements[0].costFen).toBe(1_200_000)
    expect(planned.promotions[0].unitCostFen).toBe(5_000)
  })

  it('refuses a mutation without the CSRF token', async () => {
    const res = (await outcome(() => create.action(args(post('/campaigns/new', planFields(storeA), specialist, { csrf: false })))))
    expect(res.status).toBe(403)
  })
})

describe('finding campaigns', () => {
  it('filters by status, form, model, period and text, and sorts', async () => {
    const a = await createCampaign(manager, { name: '春季车展', form: 'auto_show', models: '探岳', startDate: '2027-03-01', endDate: '2027-03-05', warmupStart: '' })
    const b = await createCampaign(manager, { name: '夏季外展', form: 'community', models: 'ID.4', startDate: '2027-06-01', endDate: '2027-06-02', warmupStart: '' }, storeB)
    const find = async (query: string) =>
      ((await outcome(() => list.loader(args(get(`/campaigns?${query}`, manager))))).body.rows as Array<{ id: string }>).map((r) => r.id)
    expect(await find('form=auto_show')).toContain(a)
    expect(await find('form=auto_show')).not.toContain(b)
    expect(await find('model=ID.4')).toEqual([b])
    expect(await find(`q=${encodeURIComponent('车展')}`)).toContain(a)
    expect(await find('from=2027-05-01&to=2027-07-01')).toEqual([b])
    expect(await find(`store=${storeB}&from=2027-01-01`)).toEqual([b])
    expect(await find('status=draft&sort=startDate&dir=desc').then((ids) => ids.slice(0, 2))).toEqual([b, a])
    // a plan without budget lines has no planned total ("—") and sorts last, in either direction
    const bare = await createCampaign(manager, {
      name: '无预算',
      startDate: '2027-03-02',
      endDate: '2027-03-03',
      warmupStart: '',
      'budgetLines[0].category': [],
      'budgetLines[0].description': [],
      'budgetLines[0].plannedFen': [],
      'budgetLines[0].vendor': [],
      'budgetLines[0].subsidyFen': [],
      ...Object.fromEntries(['medium', 'platform', 'purpose', 'nature', 'audience', 'startDate', 'endDate', 'costFen'].map((k) => [`placements[0].${k}`, []])),
      ...Object.fromEntries(['kind', 'description', 'unitCostFen', 'expectedUnits'].map((k) => [`promotions[0].${k}`, []])),
    })
    for (const dir of ['asc', 'desc']) {
      const rows = (await outcome(() => list.loader(args(get(`/campaigns?from=2027-03-01&to=2027-03-31&sort=planned&dir=${dir}`, manager))))).body.rows as Array<{ id: string; plannedFen: number | null }>
      expect(rows.map((r) => r.id)).toEqual([a, bare])
      expect(rows[1]!.plannedFen).toBeNull()
    }
    // a bad filter value is refused with 400 naming it (SPEC §8), an empty one is no filter
    const bad = await outcome(() => list.loader(args(get('/campaigns?status=nonsense&page=-4&from=2026-02-30&to=', manager))))
    expect(bad.status).toBe(400)
    expect(bad.body).toContain('status')
    expect(bad.body).toContain('page')
    expect(bad.body).toContain('from')
    expect(bad.body).not.toMatch(/^to/m)
    expect((await find('status=&store=&from=')).length).toBeGreaterThan(0)
  })

  it('draws the timeline with the campaigns of the period', async () => {
    const id = await createCampaign(specialist, { name: '时间轴测试活动', startDate: '2027-09-01', endDate: '2027-09-03', warmupStart: '2027-08-25' })
    const res = (await outcome(() => timeline.loader(args(get('/campaigns/timeline?from=2027-08-01&to=2027-10-01', specialist))))).body
    expect(res.rows.map((r: { id: string }) => r.id)).toEqual([id])
    expect(res.svg).toContain('<svg')
    expect(res.svg).toContain('时间轴测试活动')
  })

  it('clones a plan as a new draft without actual spend', async () => {
    const id = await createCampaign(specialist)
    const res = (await outcome(() => detail.action(args(post(`/campaigns/${id}`, { intent: 'clone' }, specialist), { campaignId: id }))))
    expect(res.status).toBe(302)
    const copyId = res.location!.match(/campaigns\/([0-9a-f-]{36})/)![1]!
    const copy = (await loadDetail(specialist, copyId)).body.campaign
    expect(copy.status).toBe('draft')
    expect(copy.name).toContain('途观L 品鉴会')
    expect(copy.placements).toHaveLength(1)
    // the copy's placement and promotion have their own budget lines; the typed line comes along; no spend
    expect(copy.budgetLines).toMatchObject([
      { placementId: copy.placements[0].id, plannedFen: 1_200_000, actualFen: null },
      { promotionId: copy.promotions[0].id, plannedFen: 300_000, actualFen: null },
      { category: 'venue', plannedFen: 1_650_000, actualFen: null },
    ])
    expect(copy.spendEntries).toEqual([])
  })
})

