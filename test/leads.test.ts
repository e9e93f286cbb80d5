import { and, eq, sql } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { getDb, rowsOf } from '../db/client'
import { auditLog, campaigns, importRows, imports, leadEvents, leads, showroomVisits, sites, touchpoints, visitors, webEvents } from '../db/schema'
import * as detail from '../app/routes/leads.$leadId'
import * as exportCsv from '../app/routes/leads.export[.]csv'
import * as list from '../app/routes/leads._index'
import * as create from '../app/routes/leads.new'
import * as walkIn from '../app/routes/desk.walk-in'
import { createGroup, createStore, createUser, get, post, signIn, type Browser } from './factories'
import { settle } from './http'

// SPEC §3 leads: manual entry, the lifecycle, edits, merge, erasure, personal data by role, export.

const args = (request: Request, params: Record<string, string> = {}) => ({ request, params, context: {} })

let storeA: string
let storeB: string
let campaignA: string
let admin: Browser
let manager: Browser
let specialist: Browser
let sales: Browser
let salesId: string
let exec: Browser
let specialistB: Browser
let managerB: Browser

let seq = 0
/** A fresh mobile number for each lead of this file. */
const newPhone = () => `139${String(10_000_000 + seq++ * 7919).slice(-8)}`

async function manual(browser: Browser, fields: Record<string, string>) {
  return settle(() => create.action(args(post('/leads/new', { storeId: storeA, channel: 'autohome', ...fields }, browser))))
}

async function newLead(fields: Record<string, string> = {}, browser = sales) {
  const res = await manual(browser, { name: '李先生', phone: newPhone(), ...fields })
  expect(res.status, JSON.stringify(res.data)).toBe(302)
  return res.headers.get('location')!.match(/leads\/([0-9a-f-]{36})/)![1]!
}

const loadLead = (browser: Browser, id: string) => settle<any>(() => detail.loader(args(get(`/leads/${id}`, browser), { leadId: id })))
const leadAction = (browser: Browser, id: string, fields: Record<string, string>) =>
  settle<any>(() => detail.action(args(post(`/leads/${id}`, fields, browser), { leadId: id })))
const loadList = (browser: Browser, query = '') => settle<any>(() => list.loader(args(get(`/leads${query}`, browser))))

async function csvOf(browser: Browser, query = '') {
  const res = await exportCsv.loader(args(get(`/leads/export.csv${query}`, browser)))
  const bytes = new Uint8Array(await res.arrayBuffer())
  return { res, bytes, text: new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes) }
}

beforeAll(async () => {
  const group = await createGroup()
  storeA = (await createStore(group.id, '杭州店')).id
  storeB = (await createStore(group.id, '宁波店')).id
  admin = await signIn((await createUser(group.id, 'admin', [storeA])).id)
  manager = await signIn((await createUser(group.id, 'manager', [storeA])).id)
  specialist = await signIn((await createUser(group.id, 'specialist', [storeA])).id)
  salesId = (await createUser(group.id, 'sales', [storeA])).id
  sales = await signIn(salesId)
  exec = await signIn((await createUser(group.id, 'executive', [])).id)
  specialistB = await signIn((await createUser(group.id, 'specialist', [storeB])).id)
  managerB = await signIn((await createUser(group.id, 'manager', [storeB])).id)
  const db = await getDb()
  const [c] = await db
    .insert(campaigns)
    .values({ storeId: storeA, name: '金秋试驾日', form: 'in_store', status: 'running', startDate: '2026-10-01', endDate: '2026-10-03' })
    .returning()
  campaignA = c!.id
})

describe('manual entry', () => {
  it('creates one lead per phone: a second entry of the number adds a touchpoint, not a lead', async () => {
    const phone = newPhone()
    const first = await manual(sales, { name: '王女士', phone: `+86 ${phone.slice(0, 3)}-${phone.slice(3, 7)}-${phone.slice(7)}`, campaignId: campaignA, grade: 'A', consultantId: salesId, city: '杭州', modelOfInterest: '途观L' })
    expect(first.status).toBe(302)
    expect(first.headers.get('location')).toMatch(/notice=created$/)
    const id = first.headers.get('location')!.match(/leads\/([0-9a-f-]{36})/)![1]!
    const again = await manual(specialist, { name: '', phone, channel: 'wechat' })
    expect(again.status).toBe(302)
    expect(again.headers.get('location')).toBe(`/leads/${id}?notice=matched`)

    const db = await getDb()
    const rows = await db.select().from(leads).where(eq(leads.phone, phone))
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ name: '王女士', grade: 'A', consultantId: salesId, city: '杭州', modelOfInterest: '途观L', firstChannel: 'autohome', firstCampaignId: campaignA })
    const tps = await db.select().from(touchpoints).where(eq(touchpoints.leadId, id))
    expect(tps.map((t) => [t.kind, t.channel])).toEqual([
      ['manual', 'autohome'],
      ['manual', 'wechat'],
    ])
  })

  it('refuses invalid input with errors next to the fields and stores nothing', async () => {
    const db = await getDb()
    const [before] = await db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(leads)
    const res = await manual(sales, { name: 'x'.repeat(61), phone: '12345', channel: 'tiktok', campaignId: 'nope' })
    expect(res.status).toBe(400)
    expect(res.data.errors).toMatchObject({
      name: 'validation.tooLong?max=60',
      phone: 'leads.validation.phoneOrMasked',
      channel: 'validation.choice',
      campaignId: 'validation.choice',
    })
    // what the user typed comes back to the form
    expect(res.data.values.phone).toBe('12345')
    const otherStoreCampaign = await db
      .insert(campaigns)
      .values({ storeId: storeB, name: '宁波活动', form: 'in_store', status: 'running', startDate: '2026-10-01', endDate: '2026-10-02' })
      .returning()
    const wrongStore = await manual(sales, { phone: newPhone(), campaignId: otherStoreCampaign[0]!.id })
    expect(wrongStore.status).toBe(400)
    expect(wrongStore.data.errors).toEqual({ campaignId: 'validation.choice' })
    const [after] = await db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(leads)
    expect(after!.n).toBe(before!.n)
  })

  it('accepts a lead platform’s masked number as a partial key', async () => {
    const id = await newLead({ name: '赵先生', phone: '137****8821', channel: 'dongchedi' })
    const { data } = await loadLead(manager, id)
    expect(data.lead.phone).toBe('137****8821')
    expect(data.lead.phoneIsFull).toBe(false)
  })
})

describe('the lifecycle', () => {
  it('records each step as a timestamped event with from, to, user and note, in order', async () => {
    const id = await newLead()
    for (const [to, note] of [
      ['contacted', '电话邀约周六到店'],
      ['visited', ''],
      ['test_drive', '试驾途观L'],
      ['ordered', '交定金 5000'],
      ['delivered', ''],
    ] as const) {
      const res = await leadAction(sales, id, { intent: 'status', to, note })
      expect(res.status, JSON.stringify(res.data)).toBe(302)
    }
    const { data } = await loadLead(sales, id)
    expect(data.lead.status).toBe('delivered')
    const steps = data.lead.events.filter((e: any) => e.type === 'status')
    expect(steps.map((e: any) => [e.fromStatus, e.toStatus])).toEqual([
      ['new', 'contacted'],
      ['contacted', 'visited'],
      ['visited', 'test_drive'],
      ['test_drive', 'ordered'],
      ['ordered', 'delivered'],
    ])
    expect(steps[0].note).toBe('电话邀约周六到店')
    expect(steps.every((e: any) => e.userName && e.at instanceof Date)).toBe(true)
    const times = data.lead.events.map((e: any) => e.at.getTime())
    expect(times).toEqual([...times].sort((a, b) => a - b))
    expect(data.moves).toEqual([])
  })

  it('refuses a step backwards and a step that is not next', async () => {
    const id = await newLead()
    expect((await leadAction(sales, id, { intent: 'status', to: 'visited' })).status).toBe(302)
    const back = await leadAction(sales, id, { intent: 'status', to: 'contacted' })
    expect(back.status).toBe(409)
    expect(back.data.errors._form).toBe('leads.notice.notAllowed?status=visited')
  })

  it('a lead lost to a competitor keeps the brand and model; reopening makes it contacted', async () => {
    const id = await newLead()
    const noBrand = await leadAction(sales, id, { intent: 'status', to: 'lost', lostReason: 'competitor' })
    expect(noBrand.status).toBe(400)
    expect(noBrand.data.errors).toEqual({ lostToBrand: 'leads.validation.brandRequired' })
    const noReason = await leadAction(sales, id, { intent: 'status', to: 'lost' })
    expect(noReason.data.errors).toEqual({ lostReason: 'leads.validation.reasonRequired' })

    const lost = await leadAction(sales, id, { intent: 'status', to: 'lost', lostReason: 'competitor', lostToBrand: '丰田', lostToModel: 'RAV4荣放', note: '对方多给 8000 优惠' })
    expect(lost.status).toBe(302)
    const db = await getDb()
    const [row] = await db.select().from(leads).where(eq(leads.id, id))
    expect(row).toMatchObject({ status: 'lost', lostReason: 'competitor', lostToBrand: '丰田', lostToModel: 'RAV4荣放' })
    const [event] = await db.select().from(leadEvents).where(and(eq(leadEvents.leadId, id), eq(leadEvents.toStatus, 'lost')))
    expect(event).toMatchObject({ fromStatus: 'new', note: '对方多给 8000 优惠', detail: { lostReason: 'competitor', lostToBrand: '丰田', lostToModel: 'RAV4荣放' } })

    // a lost lead goes nowhere but back to contacted
    expect((await leadAction(sales, id, { intent: 'status', to: 'ordered' })).status).toBe(409)
    expect((await leadAction(sales, id, { intent: 'status', to: 'contacted' })).status).toBe(302)
    const [reopened] = await db.select().from(leads).where(eq(leads.id, id))
    expect(reopened).toMatchObject({ status: 'contacted', lostReason: null, lostToBrand: null, lostToModel: null })
  })

  it('another reason than a competitor keeps no brand', async () => {
    const id = await newLead()
    await leadAction(sales, id, { intent: 'status', to: 'lost', lostReason: 'price', lostToBrand: '丰田' })
    const db = await getDb()
    const [row] = await db.select().from(leads).where(eq(leads.id, id))
    expect(row).toMatchObject({ status: 'lost', lostReason: 'price', lostToBrand: null })
  })
})

describe('editing a lead', () => {
  it('saves name, city, model, grade, consultant and note, audited with masked phone only', async () => {
    const phone = newPhone()
    const id = await newLead({ phone })
    const { data } = await loadLead(sales, id)
    const res = await leadAction(sales, id, {
      intent: 'edit',
      version: String(data.lead.version),
      name: '李建国',
      city: '绍兴',
      modelOfInterest: '迈腾',
      grade: 'B',
      consultantId: salesId,
      note: `另一个号码 ${newPhone()}`,
    })
    expect(res.status).toBe(302)
    const db = await getDb()
    const [row] = await db.select().from(leads).where(eq(leads.id, id))
    expect(row).toMatchObject({ name: '李建国', city: '绍兴', modelOfInterest: '迈腾', grade: 'B', consultantId: salesId, version: data.lead.version + 1 })
    const entries = await db.select().from(auditLog).where(and(eq(auditLog.entityType, 'lead'), eq(auditLog.entityId, id)))
    expect(entries.map((e) => e.action).sort()).toEqual(['lead.create', 'lead.update'])
    const text = JSON.stringify(entries)
    expect(text).not.toMatch(/1[3-9]\d{9}/)
    expect(text).toContain(`${phone.slice(0, 3)}****${phone.slice(-4)}`)
  })

  it('refuses a stale save and keeps what the user typed', async () => {
    const id = await newLead()
    const { data } = await loadLead(sales, id)
    const version = String(data.lead.version)
    const mine = await leadAction(manager, id, { intent: 'edit', version, name: '经理改的', city: '', modelOfInterest: '', note: '' })
    expect(mine.status).toBe(302)
    const theirs = await leadAction(sales, id, { intent: 'edit', version, name: '顾问改的', city: '宁波', modelOfInterest: '探岳', note: '周末再来' })
    expect(theirs.status).toBe(409)
    expect(theirs.data.stale).toBe(Number(version) + 1)
    expect(theirs.data.values).toMatchObject({ name: '顾问改的', city: '宁波', modelOfInterest: '探岳', note: '周末再来' })
    const db = await getDb()
    const [row] = await db.select().from(leads).where(eq(leads.id, id))
    expect(row!.name).toBe('经理改的')
  })
})

describe('personal data by role', () => {
  let id: string
  const phone = '13812345678'

  beforeAll(async () => {
    id = await newLead({ name: '=HYPERLINK("http://evil.test","点我")', phone, city: '+杭州', modelOfInterest: '@途观L', note: `回电 ${phone}` })
  })

  it('a sales user sees the full phone in the list and the lead', async () => {
    const listed = await loadList(sales, `?q=${phone}`)
    expect(listed.data.rows.map((r: any) => r.phone)).toEqual([phone])
    const { data } = await loadLead(sales, id)
    expect(data.lead.phone).toBe(phone)
    expect(data.lead.note).toContain(phone)
  })

  it.each([['specialist'], ['executive']])('a %s sees masked phones in the list and the lead, and cannot search by full number', async (role) => {
    const browser = role === 'specialist' ? specialist : exec
    const listed = await loadList(browser, `?q=5678`)
    expect(listed.data.rows.map((r: any) => r.phone)).toEqual(['138****5678'])
    expect(JSON.stringify(listed.data)).not.toContain(phone)
    // the full number is not a search key for a role that may not see it
    expect((await loadList(browser, `?q=${phone}`)).data.rows).toEqual([])
    const { data } = await loadLead(browser, id)
    expect(data.lead.phone).toBe('138****5678')
    expect(JSON.stringify(data)).not.toContain(phone)
    expect(data.lead.note).toBe('回电 138****5678')
  })

  it.each([['sales'], ['specialist'], ['executive'], ['manager']])('the export is masked for %s too, UTF-8 with BOM and formula-safe', async (role) => {
    const browser = { sales, specialist, executive: exec, manager }[role]!
    const { res, bytes, text } = await csvOf(browser, `?q=5678`)
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(res.headers.get('content-disposition')).toContain('attachment;')
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    expect(text).not.toContain(phone)
    expect(text).toContain('138****5678')
    const lines = text.slice(1).split('\r\n')
    expect(lines[0]).toContain('手机号')
    // every cell that would be a formula starts with an apostrophe
    expect(lines[1]).toContain(`"'=HYPERLINK(""http://evil.test"",""点我"")"`)
    expect(lines[1]).toContain(",'+杭州,")
    expect(lines[1]).toContain(",'@途观L,")
    expect(lines[1]).not.toMatch(/(^|,)[=+@-]/)
  })

  it('a specialist saving the lead does not overwrite the numbers they saw masked', async () => {
    const { data } = await loadLead(specialist, id)
    expect(data.lead.note).toBe('回电 138****5678')
    const res = await leadAction(specialist, id, {
      intent: 'edit',
      version: String(data.lead.version),
      name: data.lead.name,
      city: '杭州',
      modelOfInterest: data.lead.modelOfInterest,
      note: data.lead.note,
    })
    expect(res.status).toBe(302)
    const db = await getDb()
    const [row] = await db.select().from(leads).where(eq(leads.id, id))
    expect(row).toMatchObject({ note: `回电 ${phone}`, city: '杭州' })
  })

  it('the export follows the filters', async () => {
    const { text } = await csvOf(sales, `?q=no-such-person`)
    expect(text.slice(1).split('\r\n').filter(Boolean)).toHaveLength(1)
  })

  it('a number typed into the model or the city is masked like the name: on the page and in the list for roles without phone access, in every export', async () => {
    // what a visitor types into a web form's 意向车型 and 城市 fields
    const typedId = await newLead({ name: '留言客户甲', modelOfInterest: '途观 18612345671', city: '杭州 137-0000-1111' })
    const model = '途观 186****5671'
    const city = '杭州 137****1111'
    for (const browser of [specialist, exec]) {
      const { data } = await loadLead(browser, typedId)
      expect(data.lead).toMatchObject({ modelOfInterest: model, city })
      const listed = await loadList(browser, `?q=${encodeURIComponent('留言客户甲')}`)
      expect(listed.data.rows).toHaveLength(1)
      expect(listed.data.rows[0]).toMatchObject({ modelOfInterest: model, city })
      expect(JSON.stringify([data, listed.data])).not.toMatch(/18612345671|0000-1111/)
    }
    // a role with phone access sees what was typed
    expect((await loadLead(sales, typedId)).data.lead).toMatchObject({ modelOfInterest: '途观 18612345671', city: '杭州 137-0000-1111' })
    for (const browser of [sales, manager, specialist]) {
      const { text } = await csvOf(browser, `?q=${encodeURIComponent('留言客户甲')}`)
      expect(text).toContain(model)
      expect(text).toContain(city)
      expect(text).not.toMatch(/18612345671|0000-1111/)
    }
    // a specialist's save keeps the numbers they saw masked
    const { data } = await loadLead(specialist, typedId)
    const saved = await leadAction(specialist, typedId, {
      intent: 'edit',
      version: String(data.lead.version),
      name: data.lead.name,
      city: data.lead.city,
      modelOfInterest: data.lead.modelOfInterest,
      note: data.lead.note,
    })
    expect(saved.status).toBe(302)
    const [row] = await (await getDb()).select().from(leads).where(eq(leads.id, typedId))
    expect(row).toMatchObject({ modelOfInterest: '途观 18612345671', city: '杭州 137-0000-1111' })
  })
})

describe('the list', () => {
  it('filters by status, channel, campaign, consultant, grade and first-touch period, and sorts', async () => {
    const a = await newLead({ name: '筛选甲', channel: 'douyin', campaignId: campaignA, grade: 'A', consultantId: salesId, at: '2026-03-05T10:00' })
    const b = await newLead({ name: '筛选乙', channel: 'sms', grade: 'C', at: '2026-03-06T23:30' })
    await leadAction(sales, b, { intent: 'status', to: 'contacted' })
    const names = async (query: string) => (await loadList(sales, query)).data.rows.map((r: any) => r.name)
    expect(await names('?q=筛选&channel=douyin')).toEqual(['筛选甲'])
    expect(await names(`?q=筛选&campaign=${campaignA}`)).toEqual(['筛选甲'])
    expect(await names(`?q=筛选&consultant=${salesId}`)).toEqual(['筛选甲'])
    expect(await names('?q=筛选&grade=C')).toEqual(['筛选乙'])
    expect(await names('?q=筛选&status=contacted')).toEqual(['筛选乙'])
    // the period is the store's calendar: 23:30 on 6 March in Shanghai is 6 March
    expect(await names('?q=筛选&from=2026-03-06&to=2026-03-06')).toEqual(['筛选乙'])
    expect(await names('?q=筛选&from=2026-03-01&to=2026-03-05')).toEqual(['筛选甲'])
    expect(await names('?q=筛选&sort=firstTouchAt&dir=asc')).toEqual(['筛选甲', '筛选乙'])
    expect(await names('?q=筛选&sort=firstTouchAt&dir=desc')).toEqual(['筛选乙', '筛选甲'])
    const row = (await loadList(sales, '?q=筛选甲')).data.rows[0]
    expect(row).toMatchObject({ firstChannel: 'douyin', campaignName: '金秋试驾日', consultantName: expect.any(String), visits: 0 })
    void a
  })

  it('says what to do when there is nothing to show', async () => {
    const empty = await loadList(specialistB)
    expect(empty.data).toMatchObject({ rows: [], total: 0, filtered: false, canCreate: true })
    const none = await loadList(exec, '?q=nobody-by-this-name')
    expect(none.data).toMatchObject({ rows: [], filtered: true, canCreate: false })
  })
})

describe('store scope', () => {
  it('store-B users get 404 for a store-A lead, read or write', async () => {
    const id = await newLead()
    expect((await loadLead(specialistB, id)).status).toBe(404)
    const attempts: Array<Record<string, string>> = [
      { intent: 'status', to: 'contacted' },
      { intent: 'edit', version: '1', name: 'x' },
      { intent: 'erase', confirm: 'yes' },
    ]
    for (const fields of attempts) {
      expect((await leadAction(managerB, id, fields)).status).toBe(404)
    }
    expect((await loadList(specialistB)).data.rows.map((r: any) => r.id)).not.toContain(id)
    const { text } = await csvOf(specialistB)
    expect(text).not.toContain(id)
  })

  it('an executive reads but may not change', async () => {
    const id = await newLead()
    expect((await loadLead(exec, id)).status).toBe(200)
    expect((await leadAction(exec, id, { intent: 'status', to: 'contacted' })).status).toBe(403)
  })
})

describe('merging leads by hand', () => {
  it('moves touchpoints, visits, events, visitors and import rows into the survivor and leaves one lead', async () => {
    const db = await getDb()
    const survivorPhone = newPhone()
    const survivor = await newLead({ name: '', phone: survivorPhone, channel: 'autohome', at: '2026-05-02T10:00' })
    // the same person's second number, seen first at the showroom
    const dupPhone = newPhone()
    const walk = await settle(() =>
      walkIn.action(
        args(
          post('/desk/walk-in', { storeId: storeA, name: '孙先生', phone: dupPhone, channel: 'passing_by', arrivedAt: '2026-05-01T15:00', partySize: '2', testDrive: 'on' }, sales),
        ),
      ),
    )
    expect(walk.status).toBe(302)
    const duplicate = walk.headers.get('location')!.match(/lead=([0-9a-f-]{36})/)![1]!
    const opened = (await loadLead(sales, duplicate)).data.lead.version
    const edited = await leadAction(sales, duplicate, { intent: 'edit', version: String(opened), name: '孙先生', city: '杭州', modelOfInterest: '途岳', grade: 'A', note: '带家人来' })
    expect(edited.status).toBe(302)
    const [site] = await db.insert(sites).values({ storeId: storeA, name: '官网', siteKey: `merge-${seq}` }).returning()
    await db.insert(visitors).values({ storeId: storeA, siteId: site!.id, visitorKey: 'v-merge', leadId: duplicate })
    const [imp] = await db.insert(imports).values({ storeId: storeA, kind: 'leads', fileName: 'x.csv', fileHash: 'h', byteSize: 1 }).returning()
    await db.insert(importRows).values({ importId: imp!.id, rowNumber: 2, outcome: 'imported', leadId: duplicate })

    // only managers merge
    expect((await leadAction(sales, survivor, { intent: 'merge', duplicateId: duplicate })).status).toBe(403)
    const res = await leadAction(manager, survivor, { intent: 'merge', duplicateId: duplicate })
    expect(res.status, JSON.stringify(res.data)).toBe(302)

    const [kept] = await db.select().from(leads).where(eq(leads.id, survivor))
    // the survivor keeps its phone and takes what it did not know
    expect(kept).toMatchObject({ phone: survivorPhone, name: '孙先生', city: '杭州', modelOfInterest: '途岳', grade: 'A', note: '带家人来', status: 'test_drive', firstChannel: 'passing_by' })
    expect(kept!.firstTouchAt).toEqual(new Date('2026-05-01T07:00:00Z'))
    const [tomb] = await db.select().from(leads).where(eq(leads.id, duplicate))
    expect(tomb).toMatchObject({ mergedIntoId: survivor, name: '', phone: null, phoneMasked: null, city: '', note: '', grade: null })
    // only the keyed hash of the duplicate's number stays, so that the number still finds the person
    expect(tomb!.phoneHash).toMatch(/^[0-9a-f]{64}$/)
    expect(await db.select().from(touchpoints).where(eq(touchpoints.leadId, duplicate))).toEqual([])
    expect((await db.select().from(touchpoints).where(eq(touchpoints.leadId, survivor))).map((t) => t.kind).sort()).toEqual(['manual', 'walk_in'])
    expect((await db.select().from(showroomVisits).where(eq(showroomVisits.leadId, survivor))).map((v) => v.partySize)).toEqual([2])
    expect(await db.select().from(leadEvents).where(eq(leadEvents.leadId, duplicate))).toEqual([])
    expect((await db.select().from(leadEvents).where(eq(leadEvents.leadId, survivor))).map((e) => e.type)).toContain('merged')
    expect((await db.select().from(visitors).where(eq(visitors.visitorKey, 'v-merge')))[0]!.leadId).toBe(survivor)
    expect((await db.select().from(importRows).where(eq(importRows.importId, imp!.id)))[0]!.leadId).toBe(survivor)

    // one lead in the list; the old address leads to the survivor
    const listed = await loadList(manager, `?q=孙先生`)
    expect(listed.data.rows.map((r: any) => r.id)).toEqual([survivor])
    const old = await loadLead(manager, duplicate)
    expect(old.status).toBe(302)
    expect(old.headers.get('location')).toBe(`/leads/${survivor}`)
    // a later arrival of the duplicate's number now finds the survivor
    const again = await manual(sales, { phone: dupPhone })
    expect(again.headers.get('location')).toBe(`/leads/${survivor}?notice=matched`)

    const [entry] = await db.select().from(auditLog).where(and(eq(auditLog.action, 'lead.merge'), eq(auditLog.entityId, survivor)))
    expect(JSON.stringify(entry)).not.toMatch(/1[3-9]\d{9}/)
  })

  it('offers candidates of the same store by name or phone, and refuses merging a lead into itself', async () => {
    const a = await newLead({ name: '候选周' })
    const b = await newLead({ name: '候选周' })
    const { data } = await settle<any>(() => detail.loader(args(get(`/leads/${a}?mergeQ=候选周&mergeWith=${b}`, manager), { leadId: a })))
    expect(data.merge.candidates.map((c: any) => c.id)).toEqual([b])
    expect(data.merge.target.id).toBe(b)
    expect((await leadAction(manager, a, { intent: 'merge', duplicateId: a })).status).toBe(409)
  })
})

describe('erasing a person on request', () => {
  it('removes the lead, its touchpoints, visits and events, and leaves an audit entry without name or phone', async () => {
    const db = await getDb()
    const phone = '13700001234'
    const name = '钱多多'
    const walk = await settle(() =>
      walkIn.action(args(post('/desk/walk-in', { storeId: storeA, name, phone, channel: 'douyin', partySize: '1', consultantId: salesId }, sales))),
    )
    const id = walk.headers.get('location')!.match(/lead=([0-9a-f-]{36})/)![1]!
    await leadAction(sales, id, { intent: 'status', to: 'lost', lostReason: 'postponed', note: `${name} 明年再买` })
    const [site] = await db.insert(sites).values({ storeId: storeA, name: '官网', siteKey: 'erase-site' }).returning()
    await db.insert(visitors).values({ storeId: storeA, siteId: site!.id, visitorKey: 'v-erase', leadId: id })
    await db.insert(webEvents).values({
      siteId: site!.id,
      storeId: storeA,
      clientEventId: 'e-erase',
      visitorKey: 'v-erase',
      type: 'pageview',
      url: 'https://www.store.test/offer',
      occurredAt: new Date(),
    })
    await db.insert(visitors).values({ storeId: storeA, siteId: site!.id, visitorKey: 'v-someone-else' })

    // a confirm step first: without it nothing happens
    const unconfirmed = await leadAction(admin, id, { intent: 'erase' })
    expect(unconfirmed.status).toBe(400)
    expect(unconfirmed.data.errors).toEqual({ confirm: 'leads.validation.confirmErase' })
    expect((await leadAction(specialist, id, { intent: 'erase', confirm: 'yes' })).status).toBe(403)

    const res = await leadAction(admin, id, { intent: 'erase', confirm: 'yes' })
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe('/leads?notice=erased')
    expect(await db.select().from(leads).where(eq(leads.id, id))).toEqual([])
    expect(await db.select().from(touchpoints).where(eq(touchpoints.leadId, id))).toEqual([])
    expect(await db.select().from(showroomVisits).where(eq(showroomVisits.leadId, id))).toEqual([])
    expect(await db.select().from(leadEvents).where(eq(leadEvents.leadId, id))).toEqual([])
    // their browsing goes too; other visitors stay
    expect(await db.select().from(visitors).where(eq(visitors.visitorKey, 'v-erase'))).toEqual([])
    expect(await db.select().from(webEvents).where(eq(webEvents.visitorKey, 'v-erase'))).toEqual([])
    expect(await db.select().from(visitors).where(eq(visitors.visitorKey, 'v-someone-else'))).toHaveLength(1)
    expect((await loadLead(admin, id)).status).toBe(404)

    const entries = await db.select().from(auditLog).where(eq(auditLog.entityId, id))
    const erasure = entries.find((e) => e.action === 'lead.erase')!
    expect(erasure).toMatchObject({ storeId: storeA, entityType: 'lead', userId: expect.any(String) })
    expect(erasure.at).toBeInstanceOf(Date)
    // nothing of the person is left in the log: not the name, not the number, not its masked form
    const everything = JSON.stringify(await db.select().from(auditLog))
    expect(everything).not.toContain(name)
    expect(everything).not.toContain(phone)
    expect(everything).not.toContain('137****1234')
  })
})

// ADR 032: search and paging as the list answers them at 2M leads. Each block has stores of its own, so
// that counts and orders are exactly what it made. The same file runs on PGlite and on the Postgres
// server (TEST_DATABASE_URL), with and without the trigram indexes: the answers must not depend on them.
describe('searching the list', () => {
  let storeS: string
  let storeT: string
  let salesS: Browser
  let specialistS: Browser
  let salesT: Browser
  let execST: Browser
  const ids: Record<string, string> = {}

  beforeAll(async () => {
    const group = await createGroup()
    storeS = (await createStore(group.id, '搜索店')).id
    storeT = (await createStore(group.id, '别家店')).id
    salesS = await signIn((await createUser(group.id, 'sales', [storeS])).id)
    specialistS = await signIn((await createUser(group.id, 'specialist', [storeS])).id)
    salesT = await signIn((await createUser(group.id, 'sales', [storeT])).id)
    execST = await signIn((await createUser(group.id, 'executive', [storeS, storeT])).id)
    const db = await getDb()
    const people: Array<{ key: string; storeId: string; name: string; phone?: string; masked?: string }> = [
      { key: 'ouyang', storeId: storeS, name: '欧阳娜娜', phone: '13812345678' },
      { key: 'wangZhihong', storeId: storeS, name: '王志宏', phone: '13900001111' },
      { key: 'wangWei', storeId: storeS, name: '王伟', phone: '15055556666' },
      { key: 'zhangWei', storeId: storeS, name: '张伟', phone: '18677778888' },
      { key: 'tom', storeId: storeS, name: 'Tom Lee', phone: '13622223333' },
      // known only by the platform's masked number
      { key: 'maskedZhao', storeId: storeS, name: '赵先生', masked: '137****8821' },
      // another store's person with the same surname and the same last 4 digits
      { key: 'otherWang', storeId: storeT, name: '王志宏', phone: '13700008821' },
    ]
    for (const p of people) {
      const masked = p.masked ?? `${p.phone!.slice(0, 3)}****${p.phone!.slice(-4)}`
      const [row] = await db
        .insert(leads)
        .values({ storeId: p.storeId, name: p.name, phone: p.phone ?? null, phoneHash: p.phone ? `hash-${p.phone}` : null, phoneMasked: masked, lastTouchAt: new Date(), firstTouchAt: new Date() })
        .returning()
      ids[p.key] = row!.id
    }
  })

  const found = async (browser: Browser, q: string) => {
    const res = await loadList(browser, `?q=${encodeURIComponent(q)}`)
    expect(res.status, JSON.stringify(res.data)).toBe(200)
    return (res.data.rows as Array<{ id: string }>).map((r) => r.id).sort()
  }
  const idsOf = (...keys: string[]) => keys.map((k) => ids[k]!).sort()

  it('finds any part of a Chinese name of three characters or more, and a Latin name in any case', async () => {
    expect(await found(salesS, '阳娜娜')).toEqual(idsOf('ouyang'))
    expect(await found(salesS, '欧阳娜娜')).toEqual(idsOf('ouyang'))
    expect(await found(salesS, '王志宏')).toEqual(idsOf('wangZhihong'))
    expect(await found(specialistS, '志宏')).toEqual([]) // two characters: the start of a name only
    expect(await found(salesS, 'tom')).toEqual(idsOf('tom'))
    expect(await found(salesS, 'LEE')).toEqual(idsOf('tom'))
  })

  it('one or two characters find the names that start with them: a surname, or a two-character name whole', async () => {
    expect(await found(salesS, '王')).toEqual(idsOf('wangZhihong', 'wangWei'))
    expect(await found(specialistS, '王伟')).toEqual(idsOf('wangWei'))
    expect(await found(salesS, '欧阳')).toEqual(idsOf('ouyang'))
    expect(await found(salesS, 't')).toEqual(idsOf('tom'))
    // a name's mask of digits is no key: 1 or 2 digits find no name and say how many digits a phone takes
    const short = await loadList(salesS, '?q=13')
    expect(short.data.rows).toEqual([])
    expect(short.data.shortPhoneQuery).toBe(true)
    expect((await loadList(salesS, '?q=138')).data.shortPhoneQuery).toBe(true)
    expect((await loadList(salesS, '?q=王')).data.shortPhoneQuery).toBe(false)
  })

  it('a role with phone access finds 4 or more digits anywhere in the number, typed as people type them', async () => {
    expect(await found(salesS, '2345')).toEqual(idsOf('ouyang'))
    expect(await found(salesS, '8123456')).toEqual(idsOf('ouyang'))
    expect(await found(salesS, '138-1234-5678')).toEqual(idsOf('ouyang'))
    expect(await found(salesS, '+86 138 1234 5678')).toEqual(idsOf('ouyang'))
    // three digits match a number in thirty: no phone search
    expect(await found(salesS, '555')).toEqual([])
  })

  it('the last 4 digits find full and masked numbers, for every role, within the user’s stores', async () => {
    expect(await found(salesS, '8821')).toEqual(idsOf('maskedZhao'))
    expect(await found(specialistS, '8821')).toEqual(idsOf('maskedZhao'))
    expect(await found(specialistS, '5678')).toEqual(idsOf('ouyang'))
    expect(await found(salesT, '8821')).toEqual(idsOf('otherWang'))
    expect(await found(execST, '8821')).toEqual(idsOf('maskedZhao', 'otherWang'))
  })

  it('a masked-only lead is found by its masked form, and by a full number that masks to it for roles with phone access', async () => {
    expect(await found(salesS, '137****8821')).toEqual(idsOf('maskedZhao'))
    expect(await found(specialistS, '137xxxx8821')).toEqual(idsOf('maskedZhao'))
    expect(await found(salesS, '13712348821')).toEqual(idsOf('maskedZhao'))
    // a role without phone access learns nothing from a full number (SPEC §8)
    expect(await found(specialistS, '13712348821')).toEqual([])
    expect(await found(specialistS, '13812345678')).toEqual([])
    // the list shows it masked to everyone
    const row = (await loadList(salesS, '?q=8821')).data.rows[0]
    expect(row.phone).toBe('137****8821')
  })

  it('keeps every search inside the user’s stores', async () => {
    expect(await found(salesT, '王志宏')).toEqual(idsOf('otherWang'))
    expect(await found(salesT, '王')).toEqual(idsOf('otherWang'))
    expect(await found(salesT, '欧阳娜娜')).toEqual([])
    expect(await found(salesT, '2345')).toEqual([])
    expect(await found(execST, '王志宏')).toEqual(idsOf('wangZhihong', 'otherWang'))
    // a store outside the user's own is no way in
    expect((await loadList(salesT, `?store=${storeS}&q=${encodeURIComponent('欧阳娜娜')}`)).data.rows).toEqual([])
  })
})

describe('paging and sorting the list', () => {
  let storeP: string
  let salesP: Browser
  let specialistP: Browser
  type Made = { id: string; name: string; lastTouchAt: Date | null; createdAt: Date; status: string; firstTouchAt: Date | null }
  const made: Made[] = []

  beforeAll(async () => {
    const group = await createGroup()
    storeP = (await createStore(group.id, '翻页店')).id
    salesP = await signIn((await createUser(group.id, 'sales', [storeP])).id)
    specialistP = await signIn((await createUser(group.id, 'specialist', [storeP])).id)
    const db = await getDb()
    const names = ['王伟', '李娜', '张伟', '王伟', 'alice', 'Bob', '刘洋', '陈静', '王伟', '139****0107']
    const statuses = ['new', 'contacted', 'visited', 'lost'] as const
    const base = Date.UTC(2026, 0, 1)
    // 47 leads: several share a last touch (ties broken by creation, then id), one was never touched
    const rows = Array.from({ length: 47 }, (_, i) => ({
      storeId: storeP,
      name: names[i % names.length]!,
      status: statuses[i % statuses.length]!,
      lastTouchAt: i === 5 ? null : new Date(base + Math.floor(i / 3) * 3_600_000),
      firstTouchAt: new Date(base - i * 60_000),
      createdAt: new Date(base - (i % 4) * 1000),
    }))
    const inserted = await db.insert(leads).values(rows).returning()
    made.push(...inserted.map((r) => ({ id: r.id, name: r.name, lastTouchAt: r.lastTouchAt, createdAt: r.createdAt, status: r.status, firstTouchAt: r.firstTouchAt })))
    // a merged duplicate is never listed
    await db.insert(leads).values({ storeId: storeP, name: '王伟', mergedIntoId: inserted[0]!.id, lastTouchAt: new Date(base) })
  })

  const time = (d: Date | null) => (d ? d.getTime() : null)
  const byId = (a: Made, b: Made) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  /** newest touch first, never touched last, then the newest lead, then the id: the default order */
  const recent = (a: Made, b: Made) => {
    const ta = time(a.lastTouchAt)
    const tb = time(b.lastTouchAt)
    if (ta !== tb) return ta === null ? 1 : tb === null ? -1 : tb - ta
    return b.createdAt.getTime() - a.createdAt.getTime() || -byId(a, b)
  }
  const nameKey = (s: string) => Buffer.from(s.toLowerCase().replace(/[0-9０-９]/g, ''))

  async function walk(browser: Browser, query: string) {
    const seen: string[] = []
    const first = await loadList(browser, `?${query}`)
    expect(first.data).toMatchObject({ total: 47, more: false, pages: 3 })
    for (let page = 1; page <= first.data.pages; page++) {
      const { data } = await loadList(browser, `?${query}&page=${page}`)
      expect(data.page).toBe(page)
      seen.push(...data.rows.map((r: { id: string }) => r.id))
    }
    return seen
  }

  it('pages through every lead once, in the default order: last touch first, ties by creation and id', async () => {
    const seen = await walk(salesP, 'sort=lastTouchAt&dir=desc')
    expect(new Set(seen).size).toBe(47)
    expect(seen).toEqual([...made].sort(recent).map((m) => m.id))
    expect((await loadList(salesP)).data.rows.map((r: { id: string }) => r.id)).toEqual(seen.slice(0, 20))
  })

  it('ascending is the exact reverse of descending', async () => {
    const down = await walk(salesP, 'sort=lastTouchAt&dir=desc')
    const up = await walk(salesP, 'sort=lastTouchAt&dir=asc')
    expect(up).toEqual([...down].reverse())
  })

  it.each([
    ['sales', 'asc'],
    ['sales', 'desc'],
    ['specialist', 'asc'],
  ] as const)('sorts by name for %s (%s), case and digits aside, equal names by last touch', async (role, dir) => {
    const seen = await walk(role === 'sales' ? salesP : specialistP, `sort=name&dir=${dir}`)
    const sign = dir === 'asc' ? 1 : -1
    expect(seen).toEqual([...made].sort((a, b) => sign * Buffer.compare(nameKey(a.name), nameKey(b.name)) || recent(a, b)).map((m) => m.id))
  })

  it('sorts by status and by first touch, every lead once', async () => {
    const status = await walk(salesP, 'sort=status&dir=asc')
    expect(status).toEqual([...made].sort((a, b) => (a.status < b.status ? -1 : a.status > b.status ? 1 : recent(a, b))).map((m) => m.id))
    const first = await walk(salesP, 'sort=firstTouchAt&dir=desc')
    expect(first).toEqual([...made].sort((a, b) => time(b.firstTouchAt)! - time(a.firstTouchAt)! || recent(a, b)).map((m) => m.id))
  })

  it('a page past the last shows the last page', async () => {
    const res = await loadList(salesP, '?page=9')
    expect(res.status).toBe(200)
    expect(res.data.page).toBe(3)
    expect(res.data.rows.map((r: { id: string }) => r.id)).toEqual([...made].sort(recent).slice(40).map((m) => m.id))
  })
})

describe('the channel filter’s count', () => {
  it('counts each lead a channel touched once, with the other filters, within the stores in view', async () => {
    const group = await createGroup()
    const p = (await createStore(group.id, '渠道P店')).id
    const q = (await createStore(group.id, '渠道Q店')).id
    const both = await signIn((await createUser(group.id, 'manager', [p, q])).id)
    const onlyP = await signIn((await createUser(group.id, 'manager', [p])).id)
    const db = await getDb()
    const at = new Date(Date.UTC(2026, 2, 1))
    const made = await db
      .insert(leads)
      .values([
        { storeId: p, name: '渠道一', status: 'new' as const, lastTouchAt: at },
        { storeId: p, name: '渠道二', status: 'contacted' as const, lastTouchAt: at },
        { storeId: p, name: '渠道三', status: 'new' as const, lastTouchAt: at },
        { storeId: q, name: '渠道四', status: 'new' as const, lastTouchAt: at },
      ])
      .returning({ id: leads.id })
    const [l1, l2, l3, l4] = made.map((r) => r.id)
    // a duplicate merged into the first: its own touch is not a lead of the list
    const [merged] = await db.insert(leads).values({ storeId: p, name: '渠道一', mergedIntoId: l1, lastTouchAt: at }).returning({ id: leads.id })
    const touch = (storeId: string, leadId: string, channel: 'radio' | 'tv') => ({ storeId, leadId, kind: 'manual' as const, channel, at })
    await db.insert(touchpoints).values([
      touch(p, l1!, 'radio'),
      touch(p, l1!, 'radio'),
      touch(p, l2!, 'radio'),
      touch(p, l2!, 'tv'),
      touch(p, l3!, 'tv'),
      touch(q, l4!, 'radio'),
      touch(p, merged!.id, 'radio'),
    ])
    const listed = async (browser: Browser, query: string) => {
      const { data } = await loadList(browser, query)
      return { total: data.total, ids: data.rows.map((r: { id: string }) => r.id).sort() }
    }
    const sorted = (...ids: Array<string | undefined>) => ids.map((id) => id!).sort()
    expect(await listed(both, '?channel=radio')).toEqual({ total: 3, ids: sorted(l1, l2, l4) })
    expect(await listed(both, `?channel=radio&store=${p}`)).toEqual({ total: 2, ids: sorted(l1, l2) })
    expect(await listed(onlyP, '?channel=radio')).toEqual({ total: 2, ids: sorted(l1, l2) })
    expect(await listed(both, '?channel=radio&status=contacted')).toEqual({ total: 1, ids: sorted(l2) })
    expect(await listed(both, '?channel=tv')).toEqual({ total: 2, ids: sorted(l2, l3) })
    expect(await listed(both, `?channel=tv&q=${encodeURIComponent('渠道三')}`)).toEqual({ total: 1, ids: sorted(l3) })
  })
})

describe('sorting by store for a role with several stores', () => {
  let manager: Browser
  type Made = { id: string; store: string; lastTouchAt: Date | null; createdAt: Date }
  const made: Made[] = []
  const storeNames = new Map<string, string>()

  beforeAll(async () => {
    const group = await createGroup()
    // the stores' names out of the order they are made in; 47 leads between them, one never touched
    const made3 = [await createStore(group.id, 'B店'), await createStore(group.id, 'A店'), await createStore(group.id, 'C店')]
    for (const s of made3) storeNames.set(s.id, s.name)
    manager = await signIn((await createUser(group.id, 'manager', made3.map((s) => s.id))).id)
    const base = Date.UTC(2026, 0, 1)
    const rows = Array.from({ length: 47 }, (_, i) => ({
      storeId: made3[i % 3]!.id,
      name: `客户${i}`,
      lastTouchAt: i === 7 ? null : new Date(base + Math.floor(i / 4) * 3_600_000),
      createdAt: new Date(base - (i % 5) * 1000),
    }))
    const inserted = await (await getDb()).insert(leads).values(rows).returning()
    made.push(...inserted.map((r) => ({ id: r.id, store: r.storeId, lastTouchAt: r.lastTouchAt, createdAt: r.createdAt })))
  })

  const recent = (a: Made, b: Made) => {
    const ta = a.lastTouchAt?.getTime() ?? null
    const tb = b.lastTouchAt?.getTime() ?? null
    if (ta !== tb) return ta === null ? 1 : tb === null ? -1 : tb - ta
    return b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1)
  }

  it.each(['asc', 'desc'] as const)('pages through every lead once, store by store (%s), each store’s newest touch first', async (dir) => {
    const seen: string[] = []
    for (let page = 1; page <= 3; page++) {
      const { data } = await loadList(manager, `?sort=store&dir=${dir}&page=${page}`)
      expect(data).toMatchObject({ total: 47, pages: 3, page })
      seen.push(...data.rows.map((r: { id: string }) => r.id))
    }
    const sign = dir === 'asc' ? 1 : -1
    const expected = [...made].sort((a, b) => sign * storeNames.get(a.store)!.localeCompare(storeNames.get(b.store)!) || recent(a, b))
    expect(seen).toEqual(expected.map((m) => m.id))
    // one store of the three, chosen in the filter: its own leads only, in the same order
    const [a] = [...storeNames].find(([, name]) => name === 'A店')!
    const { data } = await loadList(manager, `?sort=store&dir=${dir}&store=${a}`)
    expect(data.rows.map((r: { id: string }) => r.id)).toEqual(expected.filter((m) => m.store === a).map((m) => m.id))
  })
})

describe('a store with more leads than the list pages through', () => {
  let salesBig: Browser

  beforeAll(async () => {
    const group = await createGroup()
    const store = (await createStore(group.id, '大店')).id
    salesBig = await signIn((await createUser(group.id, 'sales', [store])).id)
    const db = await getDb()
    // one statement: 10,050 leads with a last touch a minute apart, 王 every tenth
    await db.execute(sql`insert into ${leads} (store_id, name, last_touch_at, first_touch_at)
      select ${store}::uuid, case when i % 10 = 0 then '王' || i else '李' || i end, timestamptz '2026-01-01' + i * interval '1 minute', timestamptz '2026-01-01'
      from generate_series(1, 10050) as g(i)`)
  }, 120_000)

  it('counts to 10,000 and says there are more; the last page it reaches is the 500th, deep pages stay in order', async () => {
    const first = await loadList(salesBig)
    expect(first.data).toMatchObject({ total: 10_000, more: true, pages: 500, pagedMax: 10_000 })
    expect(first.data.rows.map((r: { name: string }) => r.name).slice(0, 3)).toEqual(['王10050', '李10049', '李10048'])
    const deep = await loadList(salesBig, '?page=500')
    expect(deep.data.page).toBe(500)
    expect(deep.data.rows.map((r: { name: string }) => r.name)).toEqual(Array.from({ length: 20 }, (_, k) => 10050 - 9980 - k).map((i) => (i % 10 === 0 ? `王${i}` : `李${i}`)))
    // beyond what the list pages through: the 500th page, not an empty one
    expect((await loadList(salesBig, '?page=600')).data.page).toBe(500)
    // a filter under the cap is counted exactly
    const wang = await loadList(salesBig, `?q=${encodeURIComponent('王')}`)
    expect(wang.data).toMatchObject({ total: 1005, more: false, pages: 51 })
  })
})

describe('a search by a surname in a store of many leads', () => {
  let store: string
  let salesMany: Browser
  let specialistMany: Browser

  beforeAll(async () => {
    const group = await createGroup()
    store = (await createStore(group.id, '多线索店')).id
    salesMany = await signIn((await createUser(group.id, 'sales', [store])).id)
    specialistMany = await signIn((await createUser(group.id, 'specialist', [store])).id)
    const db = await getDb()
    // one statement: 10,030 leads a minute apart, 王 every tenth (some contacted), several sharing a last touch;
    // 欧阳 three times among the latest 10,000 and thirty times before all of them, once never touched
    await db.execute(sql`insert into ${leads} (store_id, name, status, last_touch_at, first_touch_at)
      select ${store}::uuid, case when i % 10 = 0 then '王' || i else '李' || i end, case when i % 30 = 0 then 'contacted' else 'new' end,
             timestamptz '2026-01-01' + (i / 2) * interval '1 minute', timestamptz '2026-01-01'
      from generate_series(1, 10030) as g(i)
      union all
      select ${store}::uuid, '欧阳' || i, 'new', timestamptz '2026-01-01' + (4000 + i) * interval '1 minute', timestamptz '2026-01-01' from generate_series(1, 3) as g(i)
      union all
      select ${store}::uuid, '欧阳' || i, 'new', timestamptz '2025-06-01' + i * interval '1 minute', timestamptz '2025-06-01' from generate_series(4, 33) as g(i)
      union all
      select ${store}::uuid, '欧阳34', 'new', null, null`)
    // a merged duplicate among the latest is never listed
    const [survivor] = await db.select({ id: leads.id }).from(leads).where(and(eq(leads.storeId, store), eq(leads.name, '王10030')))
    await db.insert(leads).values({ storeId: store, name: '王合并', mergedIntoId: survivor!.id, lastTouchAt: new Date('2027-01-01T00:00:00Z') })
  }, 120_000)

  /** the list's default order over the store's matching leads, asked of the database directly */
  const expected = async (prefix: string, status?: string) => {
    const db = await getDb()
    const rows = await db.execute(sql`select id from ${leads} where store_id = ${store}::uuid and merged_into_id is null and name like ${`${prefix}%`}
      ${status ? sql`and status = ${status}` : sql``} order by last_touch_at desc nulls last, created_at desc, id desc`)
    return rowsOf<{ id: string }>(rows).map((r) => r.id)
  }
  const pageOf = async (browser: Browser, query: string) => {
    const res = await loadList(browser, query)
    expect(res.status, JSON.stringify(res.data)).toBe(200)
    return res.data as { rows: Array<{ id: string }>; total: number; more: boolean; page: number }
  }

  it('a common surname: every page in the list’s order, the first ones and the deeper ones alike', async () => {
    const all = await expected('王')
    expect(all).toHaveLength(1003)
    for (const page of [1, 2, 9, 10, 11, 12, 51]) {
      const data = await pageOf(salesMany, `?q=${encodeURIComponent('王')}&page=${page}`)
      expect(data).toMatchObject({ total: 1003, more: false, page })
      expect(data.rows.map((r) => r.id)).toEqual(all.slice((page - 1) * 20, page * 20))
    }
    // with another filter, for a role that sees phones masked
    const contacted = await expected('王', 'contacted')
    expect(contacted.length).toBeGreaterThan(300)
    for (const page of [1, 3, 10]) {
      const data = await pageOf(specialistMany, `?q=${encodeURIComponent('王')}&status=contacted&page=${page}`)
      expect(data.rows.map((r) => r.id)).toEqual(contacted.slice((page - 1) * 20, page * 20))
    }
  })

  it('a rare surname, mostly among the oldest leads: found all the same, never-touched last', async () => {
    const all = await expected('欧')
    expect(all).toHaveLength(34)
    const first = await pageOf(salesMany, `?q=${encodeURIComponent('欧')}`)
    expect(first.total).toBe(34)
    expect(first.rows.map((r) => r.id)).toEqual(all.slice(0, 20))
    const second = await pageOf(salesMany, `?q=${encodeURIComponent('欧')}&page=2`)
    expect(second.rows.map((r) => r.id)).toEqual(all.slice(20))
  })
})
