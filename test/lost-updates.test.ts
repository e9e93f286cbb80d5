import crypto from 'node:crypto'
import { eq } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { getDb } from '../db/client'
import { budgetLines, campaigns, leads, sites } from '../db/schema'
import * as campaignPage from '../app/routes/campaigns.$campaignId._index'
import * as campaignEdit from '../app/routes/campaigns.$campaignId.edit'
import * as evaluation from '../app/routes/campaigns.$campaignId.evaluation'
import * as newCampaign from '../app/routes/campaigns.new'
import * as call from '../app/routes/desk.call'
import * as walkIn from '../app/routes/desk.walk-in'
import * as webLeads from '../app/routes/api.leads'
import * as detail from '../app/routes/leads.$leadId'
import * as create from '../app/routes/leads.new'
import { translator } from '../app/i18n'
import { planFields } from './campaign-fixtures'
import { createGroup, createStore, createUser, get, post, signIn, type Browser } from './factories'
import { settle } from './http'

// SPEC §2/§8 "concurrent edits": every write that changes a lead or a campaign outside its
// edit form moves its version, so a form opened before that write is refused with the
// conflict message and keeps what the user typed, instead of silently writing over it; and
// every such write moves updated_at.

const args = (request: Request, params: Record<string, string> = {}) => ({ request, params, context: {} })
const LONG_AGO = new Date('2001-01-01T00:00:00Z')

let storeA: string
let manager: Browser
let specialist: Browser
let sales: Browser
let salesId: string
let siteKey: string

let seq = 0
const newPhone = () => `136${String(40_000_000 + seq++ * 48_611).slice(-8)}`
const idIn = (location: string | null, pattern = /(?:lead=|leads\/)([0-9a-f-]{36})/) => location!.match(pattern)![1]!

// ---------------------------------------------------------------------------------------
// leads

const loadLead = (browser: Browser, id: string) => settle<any>(() => detail.loader(args(get(`/leads/${id}`, browser), { leadId: id })))
const leadAction = (browser: Browser, id: string, fields: Record<string, string>) =>
  settle<any>(() => detail.action(args(post(`/leads/${id}`, fields, browser), { leadId: id })))
const logWalkIn = (fields: Record<string, string>) =>
  settle<any>(() => walkIn.action(args(post('/desk/walk-in', { storeId: storeA, channel: 'passing_by', partySize: '1', ...fields }, sales))))
const logCall = (fields: Record<string, string>) => settle<any>(() => call.action(args(post('/desk/call', { storeId: storeA, channel: 'autohome', ...fields }, sales))))
const enterLead = (fields: Record<string, string>, browser = sales) =>
  settle<any>(() => create.action(args(post('/leads/new', { storeId: storeA, channel: 'autohome', ...fields }, browser))))

async function leadRow(id: string) {
  const db = await getDb()
  const [row] = await db.select().from(leads).where(eq(leads.id, id))
  return row!
}

/** The lead's edit form as the user opened it: the version it carries and the facts it shows. */
async function openLeadForm(browser: Browser, id: string) {
  const { data } = await loadLead(browser, id)
  const lead = data.lead
  const fields = {
    intent: 'edit',
    version: String(lead.version),
    name: lead.name,
    city: lead.city,
    modelOfInterest: lead.modelOfInterest,
    grade: lead.grade ?? '',
    consultantId: lead.consultant?.id ?? '',
    note: lead.note,
  }
  // so that the other write must move it (and a clock tick cannot hide that it did not)
  const db = await getDb()
  await db.update(leads).set({ updatedAt: LONG_AGO }).where(eq(leads.id, id))
  return fields
}

/** Saves the form opened earlier with the user's changes: refused as stale, their input kept. */
async function expectStaleLeadSave(browser: Browser, id: string, opened: Record<string, string>, typed: Record<string, string>) {
  const res = await leadAction(browser, id, { ...opened, ...typed })
  expect(res.status, JSON.stringify(res.data)).toBe(409)
  const row = await leadRow(id)
  expect(res.data.stale).toBe(row.version)
  expect(row.version).toBeGreaterThan(Number(opened.version))
  expect(res.data.values).toMatchObject(typed)
  return row
}

function expectMoved(updatedAt: Date) {
  expect(updatedAt.getTime()).toBeGreaterThan(LONG_AGO.getTime())
  expect(Math.abs(updatedAt.getTime() - Date.now())).toBeLessThan(5 * 60_000)
}

beforeAll(async () => {
  const group = await createGroup()
  storeA = (await createStore(group.id, '杭州店')).id
  manager = await signIn((await createUser(group.id, 'manager', [storeA])).id)
  specialist = await signIn((await createUser(group.id, 'specialist', [storeA])).id)
  salesId = (await createUser(group.id, 'sales', [storeA])).id
  sales = await signIn(salesId)
  const db = await getDb()
  siteKey = `site_${crypto.randomBytes(6).toString('hex')}`
  await db.insert(sites).values({ storeId: storeA, name: '官网', siteKey, origins: ['https://www.store.test'] })
})

describe('a lead’s edit form opened before another write', () => {
  it('is refused after the front desk assigns a consultant, which is kept', async () => {
    const phone = newPhone()
    const id = idIn((await logWalkIn({ name: '周先生', phone, arrivedAt: '2026-10-02T10:00' })).headers.get('location'))
    const opened = await openLeadForm(manager, id)
    expect(opened.consultantId).toBe('')
    // the visitor comes back and the desk hands them to a consultant (the status stays 到店)
    expect((await logWalkIn({ phone, consultantId: salesId, arrivedAt: '2026-10-03T10:00' })).status).toBe(302)
    const row = await expectStaleLeadSave(manager, id, opened, { city: '宁波', consultantId: '' })
    expect(row).toMatchObject({ consultantId: salesId, city: '', status: 'visited' })
    expectMoved(row.updatedAt)
    // the conflict message the form shows says what happened in the reader's words (no version number)
    expect(translator('en')('leads.detail.stale')).toContain('Someone else changed this lead')
    // saving again against the version shown now is deliberate, and goes through
    const again = await leadAction(manager, id, { ...opened, version: String(row.version), city: '宁波', consultantId: salesId })
    expect(again.status).toBe(302)
  })

  it('is refused after a call fills in the name and model, which are kept', async () => {
    const phone = newPhone()
    const id = idIn((await logCall({ phone })).headers.get('location'))
    const opened = await openLeadForm(sales, id)
    expect((await logCall({ phone, name: '钱女士', modelOfInterest: '探岳' })).status).toBe(302)
    const row = await expectStaleLeadSave(sales, id, opened, { city: '杭州', note: '周末来' })
    expect(row).toMatchObject({ name: '钱女士', modelOfInterest: '探岳', city: '' })
    expectMoved(row.updatedAt)
  })

  it('is refused after a manual entry of the number fills in city, grade and note', async () => {
    const phone = newPhone()
    const id = idIn((await logCall({ phone, name: '孙先生' })).headers.get('location'))
    const opened = await openLeadForm(sales, id)
    const entry = await enterLead({ phone, city: '绍兴', grade: 'A', note: '名片' }, specialist)
    expect(entry.status).toBe(302)
    const row = await expectStaleLeadSave(sales, id, opened, { modelOfInterest: '迈腾' })
    expect(row).toMatchObject({ city: '绍兴', grade: 'A', note: '名片', modelOfInterest: '' })
    expectMoved(row.updatedAt)
  })

  it('is refused after the web form fills in the model, which is kept', async () => {
    const phone = newPhone()
    const id = idIn((await logCall({ phone, name: '吴女士' })).headers.get('location'))
    const opened = await openLeadForm(sales, id)
    const request = new Request('http://localhost/api/leads', {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8', origin: 'https://www.store.test', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0', 'x-roadshow-client-ip': '10.7.7.7' },
      body: JSON.stringify({ siteKey, name: '吴女士', phone, model: 'ID.4', consent: true, page: 'https://www.store.test/offer', referrer: '' }),
    })
    const web = await webLeads.action({ request, params: {}, context: {} })
    expect(web.status).toBeLessThan(300)
    const row = await expectStaleLeadSave(sales, id, opened, { city: '湖州' })
    expect(row).toMatchObject({ modelOfInterest: 'ID.4', city: '' })
    expectMoved(row.updatedAt)
  })

  it('is refused after a full number completes a lead known by its masked number', async () => {
    const phone = newPhone()
    const masked = `${phone.slice(0, 3)}****${phone.slice(-4)}`
    const id = idIn((await enterLead({ name: '冯先生', phone: masked })).headers.get('location'))
    const opened = await openLeadForm(sales, id)
    expect((await logCall({ name: '冯先生', phone })).status).toBe(302)
    const row = await expectStaleLeadSave(sales, id, opened, { city: '嘉兴' })
    expect(row).toMatchObject({ phone, phoneMasked: masked })
    expectMoved(row.updatedAt)
  })

  it('is refused after a new touch of the person, even one that adds no facts', async () => {
    const phone = newPhone()
    const id = idIn((await enterLead({ name: '郑先生', phone, city: '杭州', modelOfInterest: '途观L' })).headers.get('location'))
    const opened = await openLeadForm(sales, id)
    expect((await logCall({ phone, at: '2026-10-04T09:00' })).status).toBe(302)
    const row = await expectStaleLeadSave(sales, id, opened, { note: '改约下周' })
    expect(row.lastTouchAt).not.toBeNull()
    expectMoved(row.updatedAt)
  })

  it('is refused after a status change, which is kept', async () => {
    const id = idIn((await enterLead({ name: '王先生', phone: newPhone() })).headers.get('location'))
    const opened = await openLeadForm(specialist, id)
    expect((await leadAction(sales, id, { intent: 'status', to: 'contacted', note: '已电话联系' })).status).toBe(302)
    const row = await expectStaleLeadSave(specialist, id, opened, { grade: 'B' })
    expect(row).toMatchObject({ status: 'contacted', grade: null })
    expectMoved(row.updatedAt)
  })

  it('is refused after a walk-in moves the status, which is kept', async () => {
    const phone = newPhone()
    const id = idIn((await enterLead({ name: '陈女士', phone })).headers.get('location'))
    const opened = await openLeadForm(specialist, id)
    expect((await logWalkIn({ phone, testDrive: 'on' })).status).toBe(302)
    const row = await expectStaleLeadSave(specialist, id, opened, { grade: 'C' })
    expect(row.status).toBe('test_drive')
    expectMoved(row.updatedAt)
  })

  it('is refused after another lead is merged into it, whose facts are kept', async () => {
    const survivor = idIn((await enterLead({ name: '', phone: newPhone() })).headers.get('location'))
    const duplicate = idIn((await enterLead({ name: '林先生', phone: newPhone(), city: '温州' })).headers.get('location'))
    const opened = await openLeadForm(sales, survivor)
    const db = await getDb()
    await db.update(leads).set({ updatedAt: LONG_AGO }).where(eq(leads.id, duplicate))
    expect((await leadAction(manager, survivor, { intent: 'merge', duplicateId: duplicate })).status).toBe(302)
    const row = await expectStaleLeadSave(sales, survivor, opened, { note: '合并前写的' })
    expect(row).toMatchObject({ name: '林先生', city: '温州' })
    expectMoved(row.updatedAt)
    expectMoved((await leadRow(duplicate)).updatedAt)
  })
})

// ---------------------------------------------------------------------------------------
// campaigns

async function outcome(fn: () => Promise<unknown>) {
  const r = await settle<any>(fn)
  return { status: r.status, body: r.data, location: r.headers.get('location') }
}

async function newPlan() {
  const res = await outcome(() => newCampaign.action(args(post('/campaigns/new', planFields(storeA), specialist))))
  expect(res.status, JSON.stringify(res.body?.errors)).toBe(302)
  return res.location!.match(/campaigns\/([0-9a-f-]{36})/)![1]!
}

async function step(browser: Browser, id: string, action: string, comment = '') {
  const res = await outcome(() => campaignPage.action(args(post(`/campaigns/${id}`, { intent: 'transition', action, comment }, browser), { campaignId: id })))
  expect(res.status, JSON.stringify(res.body)).toBe(302)
}

async function campaignRow(id: string) {
  const db = await getDb()
  const [row] = await db.select().from(campaigns).where(eq(campaigns.id, id))
  return row!
}

async function backdateCampaign(id: string) {
  const db = await getDb()
  await db.update(campaigns).set({ updatedAt: LONG_AGO }).where(eq(campaigns.id, id))
}

const loadCampaign = async (browser: Browser, id: string) =>
  (await outcome(() => campaignPage.loader(args(get(`/campaigns/${id}`, browser), { campaignId: id })))).body.campaign

/** The execution form's fields as the user fills them: actual spend of the first line, first task's progress. */
function executionFields(c: any, version: number, actual: string, task: string) {
  return {
    intent: 'execution',
    version: String(version),
    'budgetLines[0].id': c.budgetLines[0].id,
    'budgetLines[0].actualFen': actual,
    'tasks[0].id': c.tasks[0].id,
    'tasks[0].status': task,
  }
}

describe('a campaign form opened before another write', () => {
  it('the plan, after it was submitted and returned', async () => {
    const id = await newPlan()
    const opened = (await outcome(() => campaignEdit.loader(args(get(`/campaigns/${id}/edit`, specialist), { campaignId: id })))).body
    await step(specialist, id, 'submit')
    await step(manager, id, 'return', '请补充预算明细')
    await backdateCampaign(id)
    await step(specialist, id, 'submit')
    await step(manager, id, 'return', '再补充一次')
    const row = await campaignRow(id)
    expectMoved(row.updatedAt)
    const stale = await outcome(() =>
      campaignEdit.action(args(post(`/campaigns/${id}/edit`, planFields(storeA, { name: '旧表单里改的名字', version: String(opened.version) }), specialist), { campaignId: id })),
    )
    expect(stale.status).toBe(409)
    expect(stale.body.stale).toBe(row.version)
    expect(stale.body.values.name).toBe('旧表单里改的名字')
    expect((await campaignRow(id)).name).toBe('途观L 品鉴会')
  })

  it('the actual spend, after the campaign was completed', async () => {
    const id = await newPlan()
    await step(specialist, id, 'submit')
    await step(manager, id, 'approve')
    await step(specialist, id, 'start')
    const c = await loadCampaign(specialist, id)
    await backdateCampaign(id)
    await step(manager, id, 'complete')
    const row = await campaignRow(id)
    expectMoved(row.updatedAt)
    const stale = await outcome(() => campaignPage.action(args(post(`/campaigns/${id}`, executionFields(c, c.version, '17500', 'done'), specialist), { campaignId: id })))
    expect(stale.status).toBe(409)
    expect(stale.body.errors._form).toBe(`campaign.stale?version=${row.version}`)
    // what the user typed comes back to the form
    expect(stale.body.executionValues).toMatchObject({ budgetLines: [{ id: c.budgetLines[0].id, actualFen: '17500' }], tasks: [{ id: c.tasks[0].id, status: 'done' }] })
    const db = await getDb()
    expect((await db.select().from(budgetLines).where(eq(budgetLines.campaignId, id)))[0]!.actualFen).toBeNull()
  })

  it('the evaluation, after actual spend was recorded', async () => {
    const id = await newPlan()
    for (const [who, action] of [[specialist, 'submit'], [manager, 'approve'], [specialist, 'start'], [specialist, 'complete']] as const) await step(who, id, action)
    const opened = (await outcome(() => evaluation.loader(args(get(`/campaigns/${id}/evaluation`, specialist), { campaignId: id })))).body
    const c = await loadCampaign(manager, id)
    await backdateCampaign(id)
    const spent = await outcome(() => campaignPage.action(args(post(`/campaigns/${id}`, executionFields(c, c.version, '18000', 'done'), manager), { campaignId: id })))
    expect(spent.status).toBe(302)
    const row = await campaignRow(id)
    expectMoved(row.updatedAt)
    const stale = await outcome(() =>
      evaluation.action(args(post(`/campaigns/${id}/evaluation`, { version: String(opened.version), analysis: '到店达标', lessons: '提前邀约' }, specialist), { campaignId: id })),
    )
    expect(stale.status).toBe(409)
    expect(stale.body.stale).toBe(row.version)
    expect(stale.body.values).toMatchObject({ analysis: '到店达标', lessons: '提前邀约' })
    expect((await campaignRow(id)).status).toBe('completed')
  })

  it('the evaluation, after someone else saved it', async () => {
    const id = await newPlan()
    for (const [who, action] of [[specialist, 'submit'], [manager, 'approve'], [specialist, 'start'], [specialist, 'complete']] as const) await step(who, id, action)
    const opened = (await outcome(() => evaluation.loader(args(get(`/campaigns/${id}/evaluation`, specialist), { campaignId: id })))).body
    await backdateCampaign(id)
    const first = await outcome(() =>
      evaluation.action(args(post(`/campaigns/${id}/evaluation`, { version: String(opened.version), analysis: '经理的分析' }, manager), { campaignId: id })),
    )
    expect(first.status).toBe(302)
    const row = await campaignRow(id)
    expectMoved(row.updatedAt)
    const stale = await outcome(() =>
      evaluation.action(args(post(`/campaigns/${id}/evaluation`, { version: String(opened.version), analysis: '专员的分析' }, specialist), { campaignId: id })),
    )
    expect(stale.status).toBe(409)
    expect(stale.body.values.analysis).toBe('专员的分析')
    expect((await campaignRow(id)).evaluationAnalysis).toBe('经理的分析')
  })

  it('a clone leaves its source as it was: forms open on the source stay good', async () => {
    const id = await newPlan()
    const before = await campaignRow(id)
    const res = await outcome(() => campaignPage.action(args(post(`/campaigns/${id}`, { intent: 'clone' }, specialist), { campaignId: id })))
    expect(res.status).toBe(302)
    const cloneId = res.location!.match(/campaigns\/([0-9a-f-]{36})/)![1]!
    expect(await campaignRow(id)).toMatchObject({ version: before.version, updatedAt: before.updatedAt })
    expect((await campaignRow(cloneId)).version).toBe(1)
  })
})

describe('every write of a lead or a campaign', () => {
  it('goes through leadChanged() / campaignChanged(), so none forgets the version or updated_at', async () => {
    const { readdir, readFile } = await import('node:fs/promises')
    const path = await import('node:path')
    const files: string[] = []
    const walk = async (dir: string) => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name)
        if (entry.isDirectory()) {
          if (!['node_modules', 'migrations', 'build'].includes(entry.name)) await walk(full)
        } else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) files.push(full)
      }
    }
    for (const dir of ['app', 'db', 'scripts', 'analytics']) await walk(path.resolve(dir)).catch(() => undefined)
    const offenders: string[] = []
    for (const file of files) {
      const text = await readFile(file, 'utf8')
      for (const m of text.matchAll(/\.update\((leads|campaigns)\)([\s\S]*?)\.where\(/g)) {
        const helper = m[1] === 'leads' ? 'leadChanged()' : 'campaignChanged()'
        if (!m[2]!.includes(helper)) offenders.push(`${path.relative(process.cwd(), file)}: .update(${m[1]}) without ${helper}`)
      }
      // raw SQL that updates them would bypass the helpers
      for (const m of text.matchAll(/update\s+(?:"?(?:leads|campaigns)"?|\$\{(?:leads|campaigns)\})\s+set/gi)) offenders.push(`${path.relative(process.cwd(), file)}: raw ${m[0]}`)
    }
    expect(offenders).toEqual([])
    expect(files.length).toBeGreaterThan(20)
  })
})
