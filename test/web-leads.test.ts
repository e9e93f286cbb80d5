import crypto from 'node:crypto'
import { and, count, eq } from 'drizzle-orm'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { getDb } from '../db/client'
import { auditLog, campaigns, leads, mediaPlacements, sites, touchpoints, trackingLinks, visitors } from '../db/schema'
import { setWebIntakeLimits } from '../app/services/web-intake.server'
import * as collect from '../app/routes/api.collect'
import * as webLeads from '../app/routes/api.leads'
import * as formPage from '../app/routes/f.$siteKey'
import { createGroup, createStore } from './factories'
import { settle } from './http'

/** The web lead form (SPEC §3): a lead that keeps how the visitor found the store. */
const ORIGIN = 'https://www.store.test'
const CHROME = 'Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36'
const ctx = { params: {}, context: {} }
const hex = (n = 8) => crypto.randomBytes(n).toString('hex')

let storeId: string
let site: typeof sites.$inferSelect

type Opts = { origin?: string | null; ip?: string; contentType?: string; accept?: string; lang?: string; ua?: string }

function leadRequest(body: Record<string, unknown>, o: Opts = {}) {
  const form = o.contentType === 'application/x-www-form-urlencoded'
  const headers = new Headers({
    'content-type': o.contentType ?? 'text/plain;charset=UTF-8',
    'user-agent': o.ua ?? CHROME,
    'x-roadshow-client-ip': o.ip ?? `10.1.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`,
    'accept-language': o.lang ?? 'zh-CN,zh;q=0.9',
  })
  if (o.origin !== null) headers.set('origin', o.origin ?? ORIGIN)
  if (o.accept) headers.set('accept', o.accept)
  const payload = form ? new URLSearchParams(Object.entries(body).map(([k, v]) => [k, String(v)])).toString() : JSON.stringify(body)
  return new Request('http://localhost/api/leads', { method: 'POST', headers, body: payload })
}

const submit = (body: Record<string, unknown>, o?: Opts) => webLeads.action({ request: leadRequest(body, o), ...ctx })

const person = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  siteKey: site.siteKey,
  name: '张先生',
  phone: `139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`,
  model: '途观L',
  message: '周末想试驾',
  consent: true,
  page: `${ORIGIN}/offer`,
  referrer: '',
  ...overrides,
})

async function pageView(visitorId: string, url: string, referrer = '') {
  const request = new Request('http://localhost/api/collect', {
    method: 'POST',
    headers: { origin: ORIGIN, 'user-agent': CHROME, 'content-type': 'text/plain', 'x-roadshow-client-ip': '10.9.9.9' },
    body: JSON.stringify({ siteKey: site.siteKey, visitorId, eventId: `e${hex()}`, url, referrer }),
  })
  const res = await collect.action({ request, ...ctx })
  expect(res.status).toBe(200)
}

async function leadByPhone(phone: string) {
  const db = await getDb()
  const [lead] = await db.select().from(leads).where(and(eq(leads.storeId, storeId), eq(leads.phone, phone)))
  return lead
}

beforeAll(async () => {
  const group = await createGroup()
  storeId = (await createStore(group.id, '杭州西湖大众4S店')).id
  const db = await getDb()
  const [created] = await db.insert(sites).values({ storeId, name: '官网', siteKey: `site_${hex()}`, origins: [ORIGIN] }).returning()
  site = created!
})

afterEach(() => setWebIntakeLimits(undefined))

describe('a web form lead', () => {
  it('is linked to the visitor’s earlier UTM touchpoint, which becomes its first touch', async () => {
    const visitorId = `v${hex()}`
    await pageView(visitorId, `${ORIGIN}/?utm_source=douyin&utm_medium=social&utm_campaign=spring`, 'https://www.douyin.com/')
    await pageView(visitorId, `${ORIGIN}/offer`, `${ORIGIN}/?utm_source=douyin`)
    const p = person({ visitorId, phone: '+86 138-0013-8000' })
    const res = await submit(p)
    expect(res.status).toBe(201)
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN)
    expect(await res.json()).toEqual({ ok: true, message: '提交成功！我们会尽快与您联系。' })

    const lead = await leadByPhone('13800138000')
    expect(lead).toMatchObject({ name: '张先生', modelOfInterest: '途观L', firstChannel: 'douyin', status: 'new' })
    const db = await getDb()
    const tps = await db.select().from(touchpoints).where(eq(touchpoints.leadId, lead!.id))
    expect(tps.map((t) => [t.kind, t.channel, t.utmSource]).sort()).toEqual([
      ['web_form', 'direct', null],
      ['web_visit', 'douyin', 'douyin'],
    ])
    const form = tps.find((t) => t.kind === 'web_form')!
    expect(form).toMatchObject({ siteId: site.id, visitorKey: visitorId })
    expect(form.detail).toMatchObject({ url: `${ORIGIN}/offer`, message: '周末想试驾' })
    const [visitor] = await db.select().from(visitors).where(and(eq(visitors.siteId, site.id), eq(visitors.visitorKey, visitorId)))
    expect(visitor!.leadId).toBe(lead!.id)
    const [audit] = await db.select().from(auditLog).where(and(eq(auditLog.action, 'lead.web_form'), eq(auditLog.entityId, lead!.id)))
    expect(audit).toMatchObject({ userId: null, storeId, entityType: 'lead' })
    // the audit entry keeps no personal data
    expect(JSON.stringify(audit!.after)).not.toContain('13800138000')
  })

  it('from a page reached through a tracking link is credited to that link’s campaign and placement', async () => {
    const db = await getDb()
    const [campaign] = await db
      .insert(campaigns)
      .values({ storeId, name: '途观L 品鉴会', form: 'in_store', startDate: '2026-10-01', endDate: '2026-10-03' })
      .returning()
    const [placement] = await db
      .insert(mediaPlacements)
      .values({ campaignId: campaign!.id, position: 0, medium: 'douyin', purpose: 'promotion', nature: 'soft', costFen: 100 })
      .returning()
    const [link] = await db
      .insert(trackingLinks)
      .values({
        storeId,
        campaignId: campaign!.id,
        placementId: placement!.id,
        code: `T${hex(4)}`,
        destinationUrl: `${ORIGIN}/`,
        utmSource: 'douyin',
        utmMedium: 'social',
        utmCampaign: `campaign-${hex(4)}`,
        utmContent: `dy-${hex(4)}`,
      })
      .returning()
    const landing = `${ORIGIN}/?utm_source=douyin&utm_medium=social&utm_campaign=${link!.utmCampaign}&utm_content=${link!.utmContent}`
    const visitorId = `v${hex()}`
    await pageView(visitorId, landing, 'https://www.douyin.com/')
    const res = await submit(person({ visitorId, page: landing }))
    expect(res.status).toBe(201)
    const rows = await db.select().from(touchpoints).where(eq(touchpoints.visitorKey, visitorId))
    expect(rows.map((t) => [t.kind, t.campaignId, t.placementId, t.trackingLinkId]).sort()).toEqual(
      [
        ['web_form', campaign!.id, placement!.id, link!.id],
        ['web_visit', campaign!.id, placement!.id, link!.id],
      ].sort(),
    )
    const [lead] = await db.select().from(leads).where(eq(leads.id, rows[0]!.leadId!))
    expect(lead!.firstCampaignId).toBe(campaign!.id)
    // the same UTM values without the link's content are a channel, not this placement
    const other = `v${hex()}`
    await pageView(other, `${ORIGIN}/?utm_source=douyin&utm_campaign=${link!.utmCampaign}`)
    const [loose] = await db.select().from(touchpoints).where(eq(touchpoints.visitorKey, other))
    expect(loose).toMatchObject({ channel: 'douyin', campaignId: null, trackingLinkId: null })
  })

  it('takes its channel from the page’s UTM parameters or referrer, else direct', async () => {
    const db = await getDb()
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ page: `${ORIGIN}/offer?utm_source=autohome&utm_medium=referral` }, 'autohome'],
      [{ page: `${ORIGIN}/offer`, referrer: 'https://www.baidu.com/s?wd=tiguan' }, 'search'],
      [{ page: `${ORIGIN}/offer`, referrer: `${ORIGIN}/models` }, 'direct'],
      [{ page: undefined, referrer: undefined }, 'direct'],
    ]
    for (const [where, channel] of cases) {
      const p = person(where)
      expect((await submit(p)).status).toBe(201)
      const lead = await leadByPhone(p.phone as string)
      const [tp] = await db.select().from(touchpoints).where(eq(touchpoints.leadId, lead!.id))
      expect(tp!.channel, JSON.stringify(where)).toBe(channel)
    }
  })

  it('a page view that arrives after the form still joins the lead', async () => {
    const visitorId = `v${hex()}`
    const p = person({ visitorId })
    expect((await submit(p)).status).toBe(201)
    await pageView(visitorId, `${ORIGIN}/thanks?utm_source=wechat`)
    const lead = await leadByPhone(p.phone as string)
    const db = await getDb()
    const tps = await db.select().from(touchpoints).where(eq(touchpoints.leadId, lead!.id))
    expect(tps.map((t) => t.kind).sort()).toEqual(['web_form', 'web_visit'])
  })

  it('the same phone again is the same lead with a second touchpoint', async () => {
    const p = person()
    expect((await submit(p)).status).toBe(201)
    expect((await submit({ ...p, name: '张' })).status).toBe(201)
    const db = await getDb()
    const [{ n } = { n: 0 }] = await db.select({ n: count() }).from(leads).where(eq(leads.phone, p.phone as string))
    expect(n).toBe(1)
    const lead = await leadByPhone(p.phone as string)
    expect((await db.select().from(touchpoints).where(eq(touchpoints.leadId, lead!.id))).length).toBe(2)
  })

  it('from a plain HTML form (no script): form fields in, a redirect to the thank-you page out', async () => {
    const p = person({ consent: 'on', visitorId: `v${hex()}` })
    const res = await submit(p, { contentType: 'application/x-www-form-urlencoded', accept: 'text/html,application/xhtml+xml' })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`/f/${site.siteKey}?v=${p.visitorId}&sent=1`)
    expect(await leadByPhone(p.phone as string)).toBeTruthy()
    const bad = await submit(person({ phone: '12345', consent: '' }), { contentType: 'application/x-www-form-urlencoded', accept: 'text/html' })
    expect(bad.status).toBe(303)
    expect(bad.headers.get('location')).toBe(`/f/${site.siteKey}?error=phone%2Cconsent`)
  })

  it('from the form page on Roadshow itself (same origin)', async () => {
    const p = person()
    expect((await submit(p, { origin: 'http://localhost' })).status).toBe(201)
    expect(await leadByPhone(p.phone as string)).toBeTruthy()
  })
})

describe('refused', () => {
  it('a masked, a short or no phone, no name, no consent: 400 with each field’s message in the visitor’s language', async () => {
    const db = await getDb()
    const [before] = await db.select({ n: count() }).from(leads).where(eq(leads.storeId, storeId))
    const masked = await submit(person({ phone: '138****1234' }), { lang: 'en' })
    expect(masked.status).toBe(400)
    expect(await masked.json()).toMatchObject({ error: 'invalid_form', errors: { phone: 'Enter your full mobile number, without asterisks.' } })
    const zh = await submit(person({ phone: '12345', name: '', consent: false }))
    const body = await zh.json()
    expect(body.errors).toEqual({ phone: '请输入 11 位中国大陆手机号码。', name: '此项必填。', consent: '请勾选同意，以便我们与您联系。' })
    expect(zh.headers.get('access-control-allow-origin')).toBe(ORIGIN)
    const [after] = await db.select({ n: count() }).from(leads).where(eq(leads.storeId, storeId))
    expect(after!.n).toBe(before!.n)
  })

  it('another origin, an unknown site: 403; a crawler: 204; the hidden field filled: thanked, nothing kept', async () => {
    const p = person()
    expect((await submit(p, { origin: 'https://evil.test' })).status).toBe(403)
    expect((await submit({ ...p, siteKey: 'unknown-site' })).status).toBe(403)
    expect((await submit(p, { ua: 'Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)' })).status).toBe(204)
    const trap = await submit({ ...p, website: 'http://spam.test' })
    expect(trap.status).toBe(200)
    expect(await leadByPhone(p.phone as string)).toBeUndefined()
  })

  it('too many posts from one address: 429 with Retry-After', async () => {
    setWebIntakeLimits({ leadsIp: [0.001, 2] })
    const ip = '203.0.113.50'
    const statuses = []
    for (let i = 0; i < 3; i++) statuses.push((await submit(person(), { ip })).status)
    expect(statuses).toEqual([201, 201, 429])
  })

  it('a crowd on one venue Wi-Fi: forty visitors from one address all get through; each visitor and each site has its own limit', async () => {
    const ip = '203.0.113.60'
    const crowd = []
    for (let i = 0; i < 40; i++) crowd.push((await submit(person({ visitorId: `vcrowd${String(i).padStart(6, '0')}` }), { ip })).status)
    expect(crowd.every((s) => s === 201)).toBe(true)
    // one visitor sending again and again is held to their own five
    const again = []
    for (let i = 0; i < 6; i++) again.push((await submit(person({ visitorId: 'vrepeat000001' }), { ip: '203.0.113.61' })).status)
    expect(again).toEqual([201, 201, 201, 201, 201, 429])
    // the site's own ceiling holds across addresses and visitors
    setWebIntakeLimits({ leadsSite: [0.001, 2] })
    const spread = []
    for (let i = 0; i < 3; i++) spread.push((await submit(person({ visitorId: `vspread00000${i}` }), { ip: `198.51.100.${70 + i}` })).status)
    expect(spread).toEqual([201, 201, 429])
  })

  it('a body over the cap: 413', async () => {
    const res = await submit(person({ message: 'x'.repeat(20_000) }))
    expect(res.status).toBe(413)
  })
})

describe('the form page /f/<siteKey>', () => {
  it('may be framed by the site’s origins only, and carries the visitor id and the page around it', async () => {
    const url = `/f/${site.siteKey}?v=vabcdef12345&page=${encodeURIComponent(`${ORIGIN}/offer?utm_source=douyin`)}`
    const res = await settle(() => formPage.loader({ request: new Request(`http://localhost${url}`), params: { siteKey: site.siteKey }, context: {} }))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-security-policy')).toBe(`frame-ancestors 'self' ${ORIGIN}`)
    expect(res.data).toMatchObject({ siteKey: site.siteKey, storeName: '杭州西湖大众4S店', visitorId: 'vabcdef12345', page: `${ORIGIN}/offer?utm_source=douyin` })
    const bad = await settle(() =>
      formPage.loader({ request: new Request(`http://localhost/f/${site.siteKey}?v=<script>&page=javascript:alert(1)`), params: { siteKey: site.siteKey }, context: {} }),
    )
    expect(bad.data).toMatchObject({ visitorId: '', page: '' })
  })

  it('is not found for an unknown or deactivated site', async () => {
    const unknown = await settle(() => formPage.loader({ request: new Request('http://localhost/f/nope-nope-nope'), params: { siteKey: 'nope-nope-nope' }, context: {} }))
    expect(unknown.status).toBe(404)
  })
})
