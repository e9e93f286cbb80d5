import crypto from 'node:crypto'
import { and, count, eq, sql } from 'drizzle-orm'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { getDb } from '../db/client'
import { leads, sites, touchpoints, visitors, webEvents } from '../db/schema'
import { EventCollector, getCollector, setCollector } from '../app/services/collector.server'
import { setWebIntakeLimits } from '../app/services/web-intake.server'
import * as collect from '../app/routes/api.collect'
import { createGroup, createStore, createUser, signIn, type Browser } from './factories'
import { createTestDatabase } from './setup/databases'

/**
 * POST /api/collect (SPEC §3, §8): what a store's website sends is stored once, exactly
 * when it is acknowledged, and everything else is refused with a clear answer.
 */
const ORIGIN = 'https://www.store.test'
const CHROME = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.40'
const ctx = { params: {}, context: {} }

let storeId: string
const hex = (n = 8) => crypto.randomBytes(n).toString('hex')

async function newSite(origins = [ORIGIN]) {
  const db = await getDb()
  const [site] = await db.insert(sites).values({ storeId, name: '官网', siteKey: `site_${hex()}`, origins }).returning()
  return site!
}

type Beacon = { origin?: string | null; ip?: string; ua?: string | null; contentType?: string | null; cookie?: string; method?: string }

function beacon(body: unknown, o: Beacon = {}) {
  const headers = new Headers()
  if (o.contentType !== null) headers.set('content-type', o.contentType ?? 'text/plain;charset=UTF-8')
  if (o.origin !== null) headers.set('origin', o.origin ?? ORIGIN)
  if (o.ua !== null) headers.set('user-agent', o.ua ?? CHROME)
  headers.set('x-roadshow-client-ip', o.ip ?? `10.0.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`)
  if (o.cookie) headers.set('cookie', o.cookie)
  return new Request('http://localhost/api/collect', {
    method: o.method ?? 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

const send = (body: unknown, o?: Beacon) => collect.action({ request: beacon(body, o), ...ctx })

function pageview(siteKey: string, overrides: Record<string, unknown> = {}) {
  return {
    siteKey,
    visitorId: `v${hex()}`,
    eventId: `e${hex()}`,
    type: 'pageview',
    url: `${ORIGIN}/models/tiguan?utm_source=douyin&utm_medium=social&utm_campaign=spring`,
    referrer: 'https://www.douyin.com/',
    ...overrides,
  }
}

async function stored(siteId: string) {
  const db = await getDb()
  const [events] = await db.select({ n: count() }).from(webEvents).where(eq(webEvents.siteId, siteId))
  const [touches] = await db.select({ n: count() }).from(touchpoints).where(eq(touchpoints.siteId, siteId))
  const [people] = await db.select({ n: count() }).from(visitors).where(eq(visitors.siteId, siteId))
  return { events: events!.n, touchpoints: touches!.n, visitors: people!.n }
}

const NOTHING = { events: 0, touchpoints: 0, visitors: 0 }

beforeAll(async () => {
  const group = await createGroup()
  storeId = (await createStore(group.id)).id
})

afterEach(() => {
  setWebIntakeLimits(undefined)
  setCollector(undefined)
})

describe('a page view', () => {
  it('is stored with its visitor and a web-visit touchpoint credited to its UTM source, then acknowledged with CORS for the site', async () => {
    const site = await newSite()
    const event = pageview(site.siteKey, { clickIds: { clickid: 'oe-123' }, utm: { source: 'douyin', medium: 'social', campaign: 'spring', term: 'suv' } })
    const res = await send(event)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ ok: true, stored: 1, duplicates: 0 })
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN)
    expect(res.headers.get('vary')).toContain('Origin')

    const db = await getDb()
    const [row] = await db.select().from(webEvents).where(eq(webEvents.siteId, site.id))
    expect(row).toMatchObject({
      storeId,
      clientEventId: event.eventId,
      visitorKey: event.visitorId,
      type: 'pageview',
      url: event.url,
      referrer: 'https://www.douyin.com/',
      utmSource: 'douyin',
      utmMedium: 'social',
      utmCampaign: 'spring',
      utmTerm: 'suv',
      clickIds: { clickid: 'oe-123' },
    })
    const [tp] = await db.select().from(touchpoints).where(eq(touchpoints.siteId, site.id))
    expect(tp).toMatchObject({
      storeId,
      kind: 'web_visit',
      channel: 'douyin',
      visitorKey: event.visitorId,
      utmSource: 'douyin',
      utmMedium: 'social',
      utmCampaign: 'spring',
      webEventId: row!.id,
      leadId: null,
    })
    const [visitor] = await db.select().from(visitors).where(eq(visitors.siteId, site.id))
    expect(visitor).toMatchObject({ storeId, visitorKey: event.visitorId, leadId: null })
  })

  it('takes its UTM parameters and click ids from the URL when the event does not list them', async () => {
    const site = await newSite()
    const res = await send(pageview(site.siteKey, { url: `${ORIGIN}/?bd_vid=abc123`, referrer: '' }))
    expect(res.status).toBe(200)
    const db = await getDb()
    const [row] = await db.select().from(webEvents).where(eq(webEvents.siteId, site.id))
    expect(row).toMatchObject({ utmSource: null, clickIds: { bd_vid: 'abc123' } })
    const [tp] = await db.select().from(touchpoints).where(eq(touchpoints.siteId, site.id))
    expect(tp!.channel).toBe('search') // a Baidu ad click
  })

  it('within the site (referrer on the same site, no campaign) is stored but is not a new touchpoint', async () => {
    const site = await newSite()
    const visitorId = `v${hex()}`
    await send(pageview(site.siteKey, { visitorId }))
    const res = await send(pageview(site.siteKey, { visitorId, url: `${ORIGIN}/models/passat`, referrer: `${ORIGIN}/models/tiguan` }))
    expect(res.status).toBe(200)
    expect(await stored(site.id)).toEqual({ events: 2, touchpoints: 1, visitors: 1 })
  })

  it('accepts a small batch, JSON content type, and form fields (sendBeacon with URLSearchParams)', async () => {
    const site = await newSite()
    const batch = [pageview(site.siteKey), pageview(site.siteKey), pageview(site.siteKey)]
    const res = await send(batch, { contentType: 'application/json' })
    expect(await res.json()).toEqual({ ok: true, stored: 3, duplicates: 0 })
    const form = new URLSearchParams({ siteKey: site.siteKey, visitorId: `v${hex()}`, eventId: `e${hex()}`, url: `${ORIGIN}/`, 'utm.source': 'wechat', ts: String(Date.now()) })
    const res2 = await send(form.toString(), { contentType: 'application/x-www-form-urlencoded' })
    expect(res2.status).toBe(200)
    expect((await stored(site.id)).events).toBe(4)
  })

  it('of a visitor who is already a lead joins that lead', async () => {
    const site = await newSite()
    const db = await getDb()
    const [lead] = await db.insert(leads).values({ storeId, name: '老客户' }).returning()
    const visitorId = `v${hex()}`
    await db.insert(visitors).values({ storeId, siteId: site.id, visitorKey: visitorId, leadId: lead!.id })
    await send(pageview(site.siteKey, { visitorId }))
    const [tp] = await db.select().from(touchpoints).where(eq(touchpoints.siteId, site.id))
    expect(tp!.leadId).toBe(lead!.id)
    const [after] = await db.select().from(leads).where(eq(leads.id, lead!.id))
    expect(after!.firstChannel).toBe('douyin')
    expect(after!.lastTouchAt).toEqual(tp!.at)
  })

  it('of a lead that comes back keeps the lead’s first touch and moves its last, for two visits in one batch too', async () => {
    const site = await newSite()
    const db = await getDb()
    const firstAt = new Date(Date.now() - 20 * 60_000)
    const [lead] = await db.insert(leads).values({ storeId, name: '回头客' }).returning()
    await db.insert(touchpoints).values({ storeId, leadId: lead!.id, kind: 'walk_in', channel: 'passing_by', at: firstAt })
    await db.update(leads).set({ firstTouchAt: firstAt, firstChannel: 'passing_by', lastTouchAt: firstAt }).where(eq(leads.id, lead!.id))
    const visitorId = `v${hex()}`
    await db.insert(visitors).values({ storeId, siteId: site.id, visitorKey: visitorId, leadId: lead!.id })
    const now = Date.now()
    const res = await send([
      pageview(site.siteKey, { visitorId, ts: now - 5 * 60_000 }),
      pageview(site.siteKey, { visitorId, ts: now - 60_000, url: `${ORIGIN}/offers?utm_source=baidu&utm_medium=cpc` }),
    ])
    expect(res.status).toBe(200)
    const [after] = await db.select().from(leads).where(eq(leads.id, lead!.id))
    expect(after).toMatchObject({ firstChannel: 'passing_by', firstTouchAt: firstAt, version: lead!.version + 1 })
    expect(after!.lastTouchAt).toEqual(new Date(now - 60_000))
    const visits = await db.select().from(touchpoints).where(and(eq(touchpoints.leadId, lead!.id), eq(touchpoints.kind, 'web_visit')))
    expect(visits.map((t) => t.channel).sort()).toEqual(['douyin', 'search'])
    expect(visits.every((t) => t.webEventId !== null && t.siteId === site.id)).toBe(true)
  })
})

describe('idempotency', () => {
  it('the same event id twice is one web event and one touchpoint; the second answer is still 2xx', async () => {
    const site = await newSite()
    const event = pageview(site.siteKey)
    const first = await send(event)
    const again = await send(event)
    expect(first.status).toBe(200)
    expect(again.status).toBe(200)
    expect(await again.json()).toEqual({ ok: true, stored: 0, duplicates: 1 })
    expect(await stored(site.id)).toEqual({ events: 1, touchpoints: 1, visitors: 1 })
  })

  it('the same event id in concurrent requests (a retry racing the original) is stored once', async () => {
    const site = await newSite()
    const event = pageview(site.siteKey)
    const answers = await Promise.all([send(event), send(event), send([event, event])])
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200])
    const bodies = await Promise.all(answers.map((r) => r.json()))
    expect(bodies.reduce((n, b) => n + b.stored, 0)).toBe(1)
    expect(await stored(site.id)).toEqual({ events: 1, touchpoints: 1, visitors: 1 })
  })
})

describe('batching', () => {
  it('concurrent requests are written together in one transaction, and each is answered after it', async () => {
    const site = await newSite()
    await send(pageview(site.siteKey)) // the site is known
    setCollector(new EventCollector({ batchSize: 500, waitMs: 40, timeoutMs: 5000, queueMax: 1000 }))
    const events = Array.from({ length: 12 }, () => pageview(site.siteKey))
    const answers = await Promise.all(events.map((e) => send(e)))
    expect(answers.map((r) => r.status)).toEqual(Array(12).fill(200))
    const db = await getDb()
    // now() is the transaction's start: one value means one transaction
    const rows = await db
      .selectDistinct({ at: webEvents.receivedAt })
      .from(webEvents)
      .where(and(eq(webEvents.siteId, site.id), sql`${webEvents.clientEventId} in ${events.map((e) => e.eventId)}`))
    expect(rows).toHaveLength(1)
  })

  it('a full batch is written without waiting for the timer', async () => {
    const site = await newSite()
    await send(pageview(site.siteKey))
    setCollector(new EventCollector({ batchSize: 3, waitMs: 1000, timeoutMs: 5000, queueMax: 1000 }))
    const started = Date.now()
    const res = await send([pageview(site.siteKey), pageview(site.siteKey), pageview(site.siteKey)])
    expect(res.status).toBe(200)
    expect(Date.now() - started).toBeLessThan(900)
  })
})

describe('refusals store nothing', () => {
  it('malformed JSON: 400 saying what is wrong', async () => {
    const site = await newSite()
    const res = await send(`{"siteKey":"${site.siteKey}","url":`)
    expect(res.status).toBe(400)
    const body = await res.json()
    expect(body.error).toBe('invalid_json')
    expect(body.message).toMatch(/not valid JSON/)
    expect(await stored(site.id)).toEqual(NOTHING)
  })

  it('an invalid event: 400 naming each field and where it is', async () => {
    const site = await newSite()
    const res = await send([pageview(site.siteKey), pageview(site.siteKey, { url: 'javascript:alert(1)', visitorId: 'x' })])
    expect(res.status).toBe(400)
    const body = await res.json()
    expect(body.error).toBe('invalid_event')
    expect(body.issues).toEqual(expect.arrayContaining([expect.stringMatching(/^\[1\]\.url: must be an absolute http\(s\) URL/), expect.stringMatching(/^\[1\]\.visitorId: /)]))
    expect(body.message).toContain('[1].url')
    // the valid first event of the batch was not stored either: a request is all or nothing
    expect(await stored(site.id)).toEqual(NOTHING)
  })

  it('a body that is not an event at all, an empty body, too many events, another content type', async () => {
    const site = await newSite()
    const notEvent = await send('"hello"')
    expect(notEvent.status).toBe(400)
    expect((await notEvent.json()).issues[0]).toMatch(/^\(body\): /)
    expect((await send('')).status).toBe(400)
    const many = await send(Array.from({ length: 21 }, () => pageview(site.siteKey)))
    expect(many.status).toBe(400)
    expect((await many.json()).message).toMatch(/at most 20 events/)
    const xml = await send('<event/>', { contentType: 'application/xml' })
    expect(xml.status).toBe(415)
    expect(await stored(site.id)).toEqual(NOTHING)
  })

  it('a body over the cap: 413, whether or not it declares its length', async () => {
    const site = await newSite()
    const big = pageview(site.siteKey, { url: `${ORIGIN}/?q=${'x'.repeat(20_000)}` })
    const declared = await send(big)
    expect(declared.status).toBe(413)
    expect((await declared.json()).error).toBe('body_too_large')
    // streamed without a Content-Length: the cap is counted while reading
    const bytes = new TextEncoder().encode(JSON.stringify(big))
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 1000) controller.enqueue(bytes.slice(i, i + 1000))
        controller.close()
      },
    })
    const request = new Request('http://localhost/api/collect', {
      method: 'POST',
      body: stream,
      headers: { origin: ORIGIN, 'user-agent': CHROME, 'content-type': 'text/plain' },
      duplex: 'half',
    } as RequestInit)
    expect(request.headers.get('content-length')).toBeNull()
    const streamed = await collect.action({ request, ...ctx })
    expect(streamed.status).toBe(413)
    expect(await stored(site.id)).toEqual(NOTHING)
  })

  it('another origin: 403 without CORS headers', async () => {
    const site = await newSite()
    const res = await send(pageview(site.siteKey), { origin: 'https://evil.test' })
    expect(res.status).toBe(403)
    expect((await res.json()).error).toBe('origin_not_allowed')
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
    const sameHostOtherScheme = await send(pageview(site.siteKey), { origin: 'http://www.store.test' })
    expect(sameHostOtherScheme.status).toBe(403)
    expect(await stored(site.id)).toEqual(NOTHING)
  })

  it('without an Origin (not a browser page) only events of pages on the site’s origins are taken', async () => {
    const site = await newSite()
    const foreign = await send(pageview(site.siteKey, { url: 'https://evil.test/' }), { origin: null })
    expect(foreign.status).toBe(403)
    expect(await stored(site.id)).toEqual(NOTHING)
    const own = await send(pageview(site.siteKey), { origin: null })
    expect(own.status).toBe(200)
  })

  it('made-up site keys count against the client’s allowance', async () => {
    setWebIntakeLimits({ collectIp: [0.001, 3] })
    const ip = '203.0.113.77'
    const statuses = []
    for (let i = 0; i < 5; i++) statuses.push((await send(pageview(`guess_${hex()}`), { ip })).status)
    expect(statuses).toEqual([403, 403, 403, 429, 429])
  })

  it('an unknown or deactivated site key: 403', async () => {
    const site = await newSite()
    expect((await send(pageview('no-such-site-key'))).status).toBe(403)
    const db = await getDb()
    const off = await newSite()
    await db.update(sites).set({ active: false }).where(eq(sites.id, off.id))
    expect((await send(pageview(off.siteKey))).status).toBe(403)
    expect(await stored(off.id)).toEqual(NOTHING)
    expect(await stored(site.id)).toEqual(NOTHING)
  })

  it('crawlers (isbot and China’s: Baiduspider, Bytespider, …) and requests without a user agent: 204, nothing stored', async () => {
    const site = await newSite()
    const agents = [
      'Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)',
      'Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)',
      'Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)',
      'Mozilla/5.0 (compatible; YisouSpider/5.0)',
      '360Spider',
      'Mozilla/5.0 (compatible;PetalBot;+https://webmaster.petalsearch.com/site/petalbot)',
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0 Safari/537.36',
    ]
    for (const ua of agents) {
      const res = await send(pageview(site.siteKey), { ua })
      expect(res.status, ua).toBe(204)
    }
    expect((await send(pageview(site.siteKey), { ua: null })).status).toBe(204)
    expect(await stored(site.id)).toEqual(NOTHING)
  })
})

describe('rate limits', () => {
  it('per client address: 429 with Retry-After past the burst, and nothing past the limit is stored', async () => {
    setWebIntakeLimits({ collectIp: [0.001, 5] })
    const site = await newSite()
    const ip = '203.0.113.7'
    const answers = []
    for (let i = 0; i < 8; i++) answers.push(await send(pageview(site.siteKey), { ip }))
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429, 429, 429])
    expect(Number(answers[5]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    // refused before the site is known: no CORS headers for an origin not yet checked
    expect(answers[5]!.headers.get('access-control-allow-origin')).toBeNull()
    expect((await stored(site.id)).events).toBe(5)
    // another address is not held back
    expect((await send(pageview(site.siteKey), { ip: '203.0.113.8' })).status).toBe(200)
  })

  it('a batch costs one token per event, and one over the limit is refused whole', async () => {
    setWebIntakeLimits({ collectIp: [0.001, 5] })
    const site = await newSite()
    const ip = '203.0.113.9'
    expect((await send([pageview(site.siteKey), pageview(site.siteKey), pageview(site.siteKey)], { ip })).status).toBe(200)
    expect((await send([pageview(site.siteKey), pageview(site.siteKey), pageview(site.siteKey)], { ip })).status).toBe(429)
    expect((await send([pageview(site.siteKey), pageview(site.siteKey)], { ip })).status).toBe(200)
    expect((await stored(site.id)).events).toBe(5)
  })

  it('per site: a flood from many addresses is held to the site’s limit; other sites are not affected', async () => {
    setWebIntakeLimits({ collectSite: [0.001, 12] })
    const site = await newSite()
    const other = await newSite()
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => send(pageview(site.siteKey), { ip: `198.51.100.${i}` })))
    const statuses = answers.map((r) => r.status)
    expect(statuses.filter((s) => s === 200)).toHaveLength(12)
    expect(statuses.filter((s) => s === 429)).toHaveLength(8)
    // refused after the site and its origin were checked: the page may read the answer
    expect(answers.find((r) => r.status === 429)!.headers.get('access-control-allow-origin')).toBe(ORIGIN)
    expect((await stored(site.id)).events).toBe(12)
    expect((await send(pageview(other.siteKey))).status).toBe(200)
  })
})

describe('CORS preflight and other methods', () => {
  it('answers OPTIONS for a registered origin, refuses another', async () => {
    await newSite()
    const preflight = (origin: string) =>
      new Request('http://localhost/api/collect', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      })
    const ok = await collect.loader({ request: preflight(ORIGIN), ...ctx })
    expect(ok.status).toBe(204)
    expect(ok.headers.get('access-control-allow-origin')).toBe(ORIGIN)
    expect(ok.headers.get('access-control-allow-methods')).toContain('POST')
    expect(ok.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type')
    expect(ok.headers.get('vary')).toContain('Origin')
    const refused = await collect.loader({ request: preflight('https://evil.test'), ...ctx })
    expect(refused.status).toBe(403)
    expect(refused.headers.get('access-control-allow-origin')).toBeNull()
    const get = await collect.loader({ request: new Request('http://localhost/api/collect'), ...ctx })
    expect(get.status).toBe(405)
    expect(get.headers.get('allow')).toBe('POST, OPTIONS')
  })

  it('a session plays no part: every role and an anonymous browser get the same 200', async () => {
    const site = await newSite()
    const group = await createGroup()
    const store = await createStore(group.id)
    const browsers: Array<Browser | undefined> = [undefined]
    for (const role of ['admin', 'manager', 'specialist', 'sales', 'executive'] as const) {
      browsers.push(await signIn((await createUser(group.id, role, role === 'executive' ? [] : [store.id])).id))
    }
    for (const browser of browsers) {
      const res = await send(pageview(site.siteKey), { cookie: browser?.cookie })
      expect(res.status).toBe(200)
    }
    expect((await stored(site.id)).events).toBe(browsers.length)
  })
})

describe('when the database cannot take the write', () => {
  it('a closed database: 503 with Retry-After, nothing acknowledged or stored', async () => {
    const site = await newSite()
    await send(pageview(site.siteKey)) // the site is now known without asking the database
    const closed = await createTestDatabase()
    await closed.close()
    setCollector(new EventCollector({ batchSize: 100, waitMs: 2, timeoutMs: 2000, queueMax: 1000, db: async () => closed.db }))
    const answers = await Promise.all([send(pageview(site.siteKey)), send(pageview(site.siteKey)), send([pageview(site.siteKey), pageview(site.siteKey)])])
    for (const res of answers) {
      expect(res.status).toBe(503)
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
      expect((await res.json()).error).toBe('unavailable')
    }
    expect((await stored(site.id)).events).toBe(1)
  })

  it('a write that does not commit in time: 503; a retry of the same events then stores each exactly once', async () => {
    const site = await newSite()
    await send(pageview(site.siteKey))
    setCollector(new EventCollector({ batchSize: 100, waitMs: 2, timeoutMs: 300, queueMax: 1000 }))
    const db = await getDb()
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    let locked!: () => void
    const isLocked = new Promise<void>((resolve) => (locked = resolve))
    // another transaction holds web_events: the collector's insert has to wait for it
    const holder = db.transaction(async (tx) => {
      await tx.execute(sql`lock table web_events in exclusive mode`)
      locked()
      await held
    })
    await isLocked
    const event = pageview(site.siteKey)
    const started = Date.now()
    const res = await send(event)
    expect(res.status).toBe(503)
    expect(Date.now() - started).toBeLessThan(2000)
    release()
    await holder
    await getCollector().drain()
    const retry = await send(event)
    expect(retry.status).toBe(200)
    const dbNow = await getDb()
    const rows = await dbNow.select({ n: count() }).from(webEvents).where(and(eq(webEvents.siteId, site.id), eq(webEvents.clientEventId, event.eventId)))
    expect(rows[0]!.n).toBe(1)
    const tps = await dbNow.select({ n: count() }).from(touchpoints).where(eq(touchpoints.visitorKey, event.visitorId))
    expect(tps[0]!.n).toBe(1)
  })

  it('a queue that is full refuses at once rather than waiting', async () => {
    const site = await newSite()
    await send(pageview(site.siteKey))
    setCollector(new EventCollector({ batchSize: 100, waitMs: 50, timeoutMs: 2000, queueMax: 2 }))
    const [a, b] = await Promise.all([send([pageview(site.siteKey), pageview(site.siteKey)]), send(pageview(site.siteKey))])
    expect(a.status).toBe(200)
    expect(b.status).toBe(503)
  })
})
