import { and, eq } from 'drizzle-orm'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { getDb } from '../db/client'
import { auditLog, linkClicks, promotionPolicies, stores, trackingLinks } from '../db/schema'
import * as detail from '../app/routes/campaigns.$campaignId._index'
import * as editLink from '../app/routes/campaigns.$campaignId.links.$linkId'
import * as create from '../app/routes/campaigns.new'
import * as redirectRoute from '../app/routes/r.$code'
import * as poster from '../app/routes/r.$code_.poster'
import * as qrPng from '../app/routes/r.$code_.qr[.]png'
import * as qrSvg from '../app/routes/r.$code_.qr[.]svg'
import { renderLinkQr } from '../app/services/link-qr.server'
import { CLICK_WINDOW_MS } from '../app/services/tracking-links.server'
import { hashIp } from '../app/utils/phone-hash.server'
import { forgetEnv } from '../app/utils/env.server'
import { planFields } from './campaign-fixtures'
import { createGroup, createStore, createUser, get, post, signIn, type Browser } from './factories'
import { anonymous, settle, withHeaders } from './http'

const args = (request: Request, params: Record<string, string> = {}) => ({ request, params, context: {} })

const CHROME = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.43 NetType/WIFI Language/zh_CN'
const BAIDU = 'Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)'
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

let storeA: string
let storeB: string
let specialist: Browser
let specialistB: Browser
let manager: Browser
let sales: Browser
let exec: Browser

/** A campaign with three placements: a portal ad, an outdoor poster and an "other" LED screen. */
async function createCampaign(browser: Browser, store = storeA) {
  const fields = planFields(store, {
    name: '途观L 金秋品鉴会',
    'placements[1].medium': 'outdoor',
    'placements[1].platform': '万达广场海报',
    'placements[1].purpose': 'promotion',
    'placements[1].nature': 'hard',
    'placements[1].costFen': '3000',
    'placements[2].medium': 'other',
    'placements[2].platform': 'Wanda LED screen',
    'placements[2].purpose': 'brand',
    'placements[2].nature': 'hard',
    'placements[2].costFen': '2000',
  })
  const res = await settle(() => create.action(args(post('/campaigns/new', fields, browser))))
  expect(res.status, JSON.stringify(res.data)).toBe(302)
  return res.headers.get('location')!.match(/campaigns\/([0-9a-f-]{36})/)![1]!
}

function ensure(browser: Browser, campaignId: string, destinationUrl = '') {
  return settle(() =>
    detail.action(args(post(`/campaigns/${campaignId}`, { intent: 'links.ensure', destinationUrl }, browser), { campaignId })),
  )
}

async function section(browser: Browser, campaignId: string) {
  const res = await settle(() => detail.loader(args(get(`/campaigns/${campaignId}`, browser), { campaignId })))
  expect(res.status).toBe(200)
  return res.data.trackingLinks as Awaited<ReturnType<typeof detail.loader>>['trackingLinks']
}

/** A scan from a phone: the client address as server.js passes it on. */
function scan(code: string, ua = CHROME, ip = '203.0.113.7', extra: Record<string, string> = {}) {
  const request = withHeaders(new Request(`http://localhost/r/${code}`), { 'user-agent': ua, 'x-roadshow-client-ip': ip, ...extra })
  return settle(() => redirectRoute.loader(args(request, { code })))
}

/**
 * Runs `scans` with a clock that moves on by the click window before each call of `later()`:
 * one address counts once a window per link.
 */
async function withClock<T>(scans: (later: () => void) => Promise<T>): Promise<T> {
  let now = Date.now()
  const clock = vi.spyOn(Date, 'now').mockImplementation(() => now)
  try {
    return await scans(() => {
      now += CLICK_WINDOW_MS
    })
  } finally {
    clock.mockRestore()
  }
}

async function clicksOf(linkId: string) {
  const db = await getDb()
  return db.select().from(linkClicks).where(eq(linkClicks.linkId, linkId))
}

function editFields(overrides: Record<string, string> = {}) {
  return {
    destinationUrl: 'https://www.example-4s.cn/event?from=poster&utm_source=old#form',
    utmSource: 'autohome',
    utmMedium: 'referral',
    utmCampaign: 'tiguan-autumn',
    utmContent: 'banner-1',
    active: 'on',
    ...overrides,
  }
}

const saveLink = (browser: Browser, campaignId: string, linkId: string, fields: Record<string, string>) =>
  settle(() => editLink.action(args(post(`/campaigns/${campaignId}/links/${linkId}`, fields, browser), { campaignId, linkId })))

beforeAll(async () => {
  const group = await createGroup()
  storeA = (await createStore(group.id, '杭州店')).id
  storeB = (await createStore(group.id, '宁波店')).id
  const db = await getDb()
  await db.update(stores).set({ websiteUrl: 'https://www.hz-vw-4s.cn/' }).where(eq(stores.id, storeA))
  specialist = await signIn((await createUser(group.id, 'specialist', [storeA])).id)
  specialistB = await signIn((await createUser(group.id, 'specialist', [storeB])).id)
  manager = await signIn((await createUser(group.id, 'manager', [storeA])).id)
  sales = await signIn((await createUser(group.id, 'sales', [storeA])).id)
  exec = await signIn((await createUser(group.id, 'executive', [])).id)
})

describe('creating the links of a campaign', () => {
  it('gives each placement one link with derived UTM parameters, and is idempotent', async () => {
    const id = await createCampaign(specialist)
    const before = await section(specialist, id)
    expect(before.missing).toBe(3)
    expect(before.canManage).toBe(true)
    expect(before.defaultDestination).toBe('https://www.hz-vw-4s.cn/')

    const res = await ensure(specialist, id)
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe(`/campaigns/${id}?notice=links#tracking-links`)

    const after = await section(specialist, id)
    expect(after.missing).toBe(0)
    expect(after.rows).toHaveLength(3)
    const links = after.rows.map((r) => r.link!)
    expect(new Set(links.map((l) => l.code)).size).toBe(3)
    for (const link of links) {
      expect(link.code).toMatch(/^[0-9A-Za-z]{8}$/)
      expect(link.shortUrl).toBe(`http://localhost/r/${link.code}`)
      // the store's website, as no landing page was typed
      expect(link.destinationUrl).toBe('https://www.hz-vw-4s.cn/')
      // a Chinese campaign name falls back to the campaign id
      expect(link.utmCampaign).toBe(`campaign-${id.replace(/-/g, '').slice(0, 8)}`)
    }
    expect(links.map((l) => [l.utmSource, l.utmMedium])).toEqual([
      ['autohome', 'referral'],
      ['outdoor', 'offline'],
      ['wanda-led-screen', 'offline'],
    ])
    expect(links[2]!.utmContent).toMatch(/^wanda-led-screen-[0-9a-f]{8}$/)
    expect(links[0]!.fullUrl).toBe(
      `https://www.hz-vw-4s.cn/?utm_source=autohome&utm_medium=referral&utm_campaign=${links[0]!.utmCampaign}&utm_content=${links[0]!.utmContent}`,
    )

    // again: nothing new, codes unchanged
    expect((await ensure(specialist, id)).status).toBe(302)
    const again = await section(specialist, id)
    expect(again.rows.map((r) => r.link!.code)).toEqual(links.map((l) => l.code))
    const db = await getDb()
    const created = await db.select().from(auditLog).where(and(eq(auditLog.action, 'link.create'), eq(auditLog.storeId, storeA)))
    expect(created.filter((e) => links.some((l) => l.id === e.entityId))).toHaveLength(3)
  })

  it('are made when the manager approves the plan', async () => {
    const id = await createCampaign(specialist)
    const step = (browser: Browser, action: string) =>
      settle(() => detail.action(args(post(`/campaigns/${id}`, { intent: 'transition', action }, browser), { campaignId: id })))
    expect((await step(specialist, 'submit')).status).toBe(302)
    expect((await section(specialist, id)).missing).toBe(3)
    expect((await step(manager, 'approve')).status).toBe(302)
    const after = await section(specialist, id)
    expect(after.missing).toBe(0)
    expect(after.rows.every((r) => r.link?.destinationUrl === 'https://www.hz-vw-4s.cn/')).toBe(true)
  })

  it('uses the landing page typed in, and refuses a missing or unsafe one with a field error', async () => {
    const id = await createCampaign(specialistB, storeB) // store B has no website on record
    const missing = await ensure(specialistB, id)
    expect(missing.status).toBe(400)
    expect(missing.data.errors).toEqual({ destinationUrl: 'links.destinationRequired' })
    const unsafe = await ensure(specialistB, id, 'javascript:alert(1)')
    expect(unsafe.status).toBe(400)
    expect(unsafe.data.errors).toEqual({ destinationUrl: 'links.badUrl' })
    expect(unsafe.data.linksValues).toEqual({ destinationUrl: 'javascript:alert(1)' })
    expect((await section(specialistB, id)).missing).toBe(3)

    expect((await ensure(specialistB, id, 'https://nb-vw.example.cn/autumn?ref=ad')).status).toBe(302)
    const rows = (await section(specialistB, id)).rows
    expect(rows.map((r) => r.link!.destinationUrl)).toEqual(Array(3).fill('https://nb-vw.example.cn/autumn?ref=ad'))
  })

  it('is for market staff of the store: sales and executives are refused, another store gets 404', async () => {
    const id = await createCampaign(specialist)
    expect((await ensure(sales, id)).status).toBe(403)
    expect((await ensure(exec, id)).status).toBe(403)
    expect((await ensure(specialistB, id)).status).toBe(404)
    expect((await ensure(specialistB, id, 'javascript:alert(1)')).status).toBe(404)
    expect((await section(sales, id)).canManage).toBe(false)
    expect((await section(exec, id)).canManage).toBe(false)
    expect((await section(specialist, id)).missing).toBe(3)
    expect((await settle(() => detail.loader(args(get(`/campaigns/${id}`, specialistB), { campaignId: id })))).status).toBe(404)
  })
})

describe('the short redirect /r/<code>', () => {
  let campaignId: string
  let link: { id: string; code: string }

  beforeAll(async () => {
    campaignId = await createCampaign(specialist)
    await ensure(specialist, campaignId)
    link = (await section(specialist, campaignId)).rows[0]!.link!
    const saved = await saveLink(manager, campaignId, link.id, editFields())
    expect(saved.status).toBe(302)
  })

  it('redirects 302 with all four UTM parameters, keeping the destination’s own query and hash', async () => {
    const res = await scan(link.code)
    expect(res.status).toBe(302)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.headers.get('referrer-policy')).toBe('no-referrer-when-downgrade')
    const location = new URL(res.headers.get('location')!)
    expect(location.origin + location.pathname).toBe('https://www.example-4s.cn/event')
    expect(location.hash).toBe('#form')
    expect(location.searchParams.get('from')).toBe('poster')
    // the destination's own utm_source gives way to the link's
    expect(location.searchParams.getAll('utm_source')).toEqual(['autohome'])
    expect(location.searchParams.get('utm_medium')).toBe('referral')
    expect(location.searchParams.get('utm_campaign')).toBe('tiguan-autumn')
    expect(location.searchParams.get('utm_content')).toBe('banner-1')
    expect(location.search.startsWith('?from=poster&')).toBe(true)
  })

  it('stores the click with a hash of the address, never the address itself', async () => {
    const before = (await clicksOf(link.id)).length
    await scan(link.code, CHROME, '198.51.100.23', { referer: 'https://mp.weixin.qq.com/s/abc' })
    const rows = await clicksOf(link.id)
    expect(rows).toHaveLength(before + 1)
    const click = rows.find((r) => r.ipHash === hashIp('198.51.100.23'))!
    expect(click).toBeDefined()
    expect(click.referrer).toBe('https://mp.weixin.qq.com/s/abc')
    expect(click.userAgent).toBe(CHROME)
    expect(click.at).toBeInstanceOf(Date)
    expect(JSON.stringify(rows)).not.toContain('198.51.100.23')
  })

  it('redirects crawlers (Baiduspider, Googlebot), prefetches and HEAD requests without counting them', async () => {
    const before = (await clicksOf(link.id)).length
    for (const ua of [BAIDU, GOOGLEBOT, 'Mozilla/5.0 (compatible; Bytespider; spider-feedback@bytedance.com)']) {
      const res = await scan(link.code, ua)
      expect(res.status).toBe(302)
      expect(res.headers.get('location')).toContain('utm_source=autohome')
    }
    expect((await scan(link.code, CHROME, '203.0.113.9', { 'sec-purpose': 'prefetch' })).status).toBe(302)
    const head = withHeaders(new Request(`http://localhost/r/${link.code}`, { method: 'HEAD' }), { 'user-agent': CHROME })
    expect((await settle(() => redirectRoute.loader(args(head, { code: link.code })))).status).toBe(302)
    expect(await clicksOf(link.id)).toHaveLength(before)
  })

  it('counts clicks and distinct visitors on the campaign page', async () => {
    const id = await createCampaign(specialist)
    await ensure(specialist, id)
    const { code, id: linkId } = (await section(specialist, id)).rows[1]!.link!
    // three phones at an auto show, all on the venue's Wi-Fi (one address), a minute or more
    // apart; the first scans twice
    await withClock(async (later) => {
      const first = await scan(code, CHROME, '203.0.113.1')
      const cookie = first.headers.get('set-cookie')!
      expect(cookie).toMatch(/^rs_lv=[A-Za-z0-9_-]{22}; Path=\/r; Max-Age=\d+; HttpOnly; SameSite=Lax$/)
      later()
      const again = await scan(code, CHROME, '203.0.113.1', { cookie: cookie.split(';')[0]! })
      // a browser that already has its id is not given another
      expect(again.headers.get('set-cookie')).toBeNull()
      later()
      await scan(code, CHROME, '203.0.113.1')
      later()
      await scan(code, CHROME, '203.0.113.1')
      later()
      // a made-up id is not taken: the browser gets a fresh one
      expect((await scan(code, CHROME, '203.0.113.1', { cookie: 'rs_lv=../../etc' })).headers.get('set-cookie')).toMatch(/^rs_lv=/)
      await scan(code, BAIDU, '203.0.113.3')
    })
    // a click recorded before browsers had ids counts by its address
    const db = await getDb()
    await db.insert(linkClicks).values({ linkId, ipHash: hashIp('203.0.113.7') })
    const row = (await section(sales, id)).rows.find((r) => r.link?.id === linkId)!
    expect(row).toMatchObject({ clicks: 6, visitors: 5 })
  })

  it('counts one click per address and link a minute, however often it asks, and redirects every request', async () => {
    const id = await createCampaign(specialist)
    await ensure(specialist, id)
    const [one, other] = (await section(specialist, id)).rows.map((r) => r.link!)
    await withClock(async (later) => {
      // 300 requests from one address, each as a new browser (no cookie, another user agent)
      for (let i = 0; i < 300; i++) {
        const res = await scan(one!.code, `${CHROME} r${i}`, '198.51.100.50')
        expect(res.status).toBe(302)
        expect(res.headers.get('location')).toContain('utm_source=')
      }
      expect(await clicksOf(one!.id)).toHaveLength(1)
      // the same address on another link, and another address on this one, count
      await scan(other!.code, CHROME, '198.51.100.50')
      await scan(one!.code, CHROME, '198.51.100.51')
      expect(await clicksOf(other!.id)).toHaveLength(1)
      expect(await clicksOf(one!.id)).toHaveLength(2)
      // a minute on, the address counts again
      later()
      await scan(one!.code, CHROME, '198.51.100.50')
      expect(await clicksOf(one!.id)).toHaveLength(3)
    })
    const row = (await section(specialist, id)).rows.find((r) => r.link?.id === one!.id)!
    expect(row).toMatchObject({ clicks: 3, visitors: 3 })
  })

  it('answers an unknown, malformed or switched-off code with a friendly 404 page', async () => {
    for (const code of ['zzzzzzzz', 'no/such', "x' or 1=1--"]) {
      const res = await scan(code)
      expect(res.status).toBe(404)
      expect(res.headers.get('content-type')).toContain('text/html')
      expect(res.data).toContain('此链接已失效')
      expect(res.data).not.toMatch(/at .*\.ts:\d+/)
    }
    const english = await scan('zzzzzzzz', CHROME, '203.0.113.7', { 'accept-language': 'en-US,en;q=0.9' })
    expect(english.data).toContain('This link is no longer valid')

    const id = await createCampaign(specialist)
    await ensure(specialist, id)
    const off = (await section(specialist, id)).rows[0]!.link!
    expect((await saveLink(specialist, id, off.id, editFields({ active: '' }))).status).toBe(302)
    const before = (await clicksOf(off.id)).length
    expect((await scan(off.code)).status).toBe(404)
    expect(await clicksOf(off.id)).toHaveLength(before)
  })
})

describe('QR codes and the poster', () => {
  let campaignId: string
  let codes: string[]

  beforeAll(async () => {
    campaignId = await createCampaign(specialist)
    await ensure(specialist, campaignId)
    codes = (await section(specialist, campaignId)).rows.map((r) => r.link!.code)
  })

  const qr = (route: typeof qrPng | typeof qrSvg, code: string, browser?: Browser, query = '', origin = 'http://localhost') => {
    const request = new Request(`${origin}/r/${code}/qr.${route === qrPng ? 'png' : 'svg'}${query}`, { headers: browser ? { cookie: browser.cookie } : {} })
    return route.loader(args(request, { code }))
  }

  it('renders the absolute short URL as PNG', async () => {
    const res = await qr(qrPng, codes[0]!, sales)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('image/png')
    expect(res.headers.get('content-disposition')).toBeNull()
    const bytes = new Uint8Array(await res.arrayBuffer())
    expect([...bytes.slice(0, 8)]).toEqual(PNG_SIGNATURE)
    expect(bytes).toEqual(await renderLinkQr(`http://localhost/r/${codes[0]}`, 'png'))
  })

  it('renders the absolute short URL as SVG, one per code, at the origin the request came in on', async () => {
    const svgs = await Promise.all(codes.map(async (code) => (await qr(qrSvg, code, specialist)).text()))
    for (const [i, svg] of svgs.entries()) {
      expect(svg).toContain('<svg')
      expect(svg).toBe(await renderLinkQr(`http://localhost/r/${codes[i]}`, 'svg'))
    }
    expect(new Set(svgs).size).toBe(codes.length)
    // behind a proxy with TRUST_PROXY the request URL is the public https origin
    const overHttps = { ...specialist, cookie: specialist.cookie.replace('rs_session=', '__Host-rs_session=') }
    const proxied = await qr(qrSvg, codes[0]!, overHttps, '', 'https://roadshow.example.cn')
    expect(proxied.headers.get('content-type')).toContain('image/svg+xml')
    expect(await proxied.text()).toBe(await renderLinkQr(`https://roadshow.example.cn/r/${codes[0]}`, 'svg'))
  })

  it('uses PUBLIC_URL when set: a QR code printed from a laptop on the LAN still opens on a customer’s phone', async () => {
    vi.stubEnv('PUBLIC_URL', 'https://roadshow.example.cn/')
    forgetEnv()
    try {
      const lan = await qr(qrSvg, codes[0]!, specialist, '', 'http://192.168.1.20:3000')
      expect(await lan.text()).toBe(await renderLinkQr(`https://roadshow.example.cn/r/${codes[0]}`, 'svg'))
      const printed = await settle(() => poster.loader(args(new Request(`http://192.168.1.20:3000/r/${codes[0]}/poster`, { headers: { cookie: specialist.cookie } }), { code: codes[0]! })))
      expect(printed.data.shortUrl).toBe(`https://roadshow.example.cn/r/${codes[0]}`)
      const listed = await section(specialist, campaignId)
      expect(listed.rows[0]!.link!.shortUrl).toBe(`https://roadshow.example.cn/r/${codes[0]}`)
    } finally {
      vi.unstubAllEnvs()
      forgetEnv()
    }
  })

  it('downloads as a file named after the campaign and medium', async () => {
    const png = await qr(qrPng, codes[1]!, exec, '?download=1')
    const disposition = png.headers.get('content-disposition')!
    expect(disposition).toMatch(/^attachment; filename="campaign-[0-9a-f]{8}-outdoor-[0-9A-Za-z]{8}\.png"; filename\*=UTF-8''/)
    expect(decodeURIComponent(disposition.split("UTF-8''")[1]!)).toBe('途观L 金秋品鉴会-outdoor.png')
    const svg = await qr(qrSvg, codes[0]!, specialist, '?download=1')
    expect(svg.headers.get('content-disposition')).toContain(`filename*=UTF-8''${encodeURIComponent('途观L 金秋品鉴会-autohome.svg')}`)
  })

  it('is not found for another store, and asks a stranger to sign in', async () => {
    for (const route of [qrPng, qrSvg]) {
      expect((await settle(() => qr(route, codes[0]!, specialistB))).status).toBe(404)
      expect((await settle(() => qr(route, 'zzzzzzzz', specialist))).status).toBe(404)
      const stranger = await settle(() => qr(route, codes[0]!, anonymous()))
      expect(stranger.status).toBe(302)
      expect(stranger.headers.get('location')).toMatch(/^\/login\?redirectTo=/)
    }
    const posterB = await settle(() => poster.loader(args(get(`/r/${codes[0]}/poster`, specialistB), { code: codes[0]! })))
    expect(posterB.status).toBe(404)
  })

  it('prints a poster with the campaign, its dates and offers, the QR code, the short URL and how to reach the showroom', async () => {
    const db = await getDb()
    const get1 = () => settle(() => poster.loader(args(get(`/r/${codes[1]}/poster`, sales), { code: codes[1]! })))
    // before the store has an address and hotline, the poster has none to print
    expect((await get1()).data.store).toEqual({ name: '杭州店', address: '', hotline: '' })
    await db.update(stores).set({ address: '杭州市西湖区文三路 88 号', hotline: '0571-8888 6666' }).where(eq(stores.id, storeA))
    await db.insert(promotionPolicies).values({ campaignId, position: 5, kind: 'internal', description: '每成交一台奖励顾问 300 元', unitCostFen: 30_000, expectedUnits: 5 })
    const res = await get1()
    expect(res.status).toBe(200)
    expect(res.data).toEqual({
      code: codes[1],
      active: true,
      campaign: { id: campaignId, name: '途观L 金秋品鉴会', theme: '金秋礼遇', startDate: '2026-10-01', endDate: '2026-10-03' },
      // the offers to customers (外促), never the consultants' incentives (内促)
      offers: ['到店礼'],
      store: { name: '杭州店', address: '杭州市西湖区文三路 88 号', hotline: '0571-8888 6666' },
      placement: { medium: 'outdoor', platform: '万达广场海报' },
      shortUrl: `http://localhost/r/${codes[1]}`,
    })
  })
})

describe('editing a link', () => {
  let campaignId: string
  let linkId: string

  beforeAll(async () => {
    campaignId = await createCampaign(specialist)
    await ensure(specialist, campaignId)
    linkId = (await section(specialist, campaignId)).rows[0]!.link!.id
  })

  it('loads the form with the link’s values', async () => {
    const res = await settle(() => editLink.loader(args(get(`/campaigns/${campaignId}/links/${linkId}`, specialist), { campaignId, linkId })))
    expect(res.status).toBe(200)
    expect(res.data.values).toMatchObject({ destinationUrl: 'https://www.hz-vw-4s.cn/', utmSource: 'autohome', active: 'on' })
  })

  it('refuses javascript: URLs and garbage with a field error, changing nothing', async () => {
    const db = await getDb()
    const [before] = await db.select().from(trackingLinks).where(eq(trackingLinks.id, linkId))
    for (const bad of ['javascript:alert(1)', 'JAVASCRIPT:alert(document.cookie)', 'not a url', 'www.example.cn', 'http://', 'ftp://files.example.cn/a', 'https://user:pw@example.cn/', 'data:text/html,<script>alert(1)</script>']) {
      const res = await saveLink(specialist, campaignId, linkId, editFields({ destinationUrl: bad }))
      expect(res.status, bad).toBe(400)
      expect(res.data.errors, bad).toEqual({ destinationUrl: 'links.badUrl' })
      expect(res.data.values.destinationUrl).toBe(bad)
    }
    const empty = await saveLink(specialist, campaignId, linkId, editFields({ destinationUrl: '', utmSource: ' ' }))
    expect(empty.data.errors).toEqual({ destinationUrl: 'validation.required', utmSource: 'validation.required' })
    const [after] = await db.select().from(trackingLinks).where(eq(trackingLinks.id, linkId))
    expect(after).toEqual(before)
  })

  it('saves a valid change with an audit entry of before and after', async () => {
    const res = await saveLink(specialist, campaignId, linkId, editFields({ utmContent: '' }))
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe(`/campaigns/${campaignId}?notice=link#tracking-links`)
    const db = await getDb()
    const [link] = await db.select().from(trackingLinks).where(eq(trackingLinks.id, linkId))
    expect(link).toMatchObject({ destinationUrl: editFields().destinationUrl, utmCampaign: 'tiguan-autumn', utmContent: '', active: true })
    const [entry] = await db.select().from(auditLog).where(and(eq(auditLog.action, 'link.update'), eq(auditLog.entityId, linkId)))
    expect(entry).toMatchObject({ entityType: 'tracking_link', storeId: storeA })
    expect(entry!.before).toMatchObject({ destinationUrl: 'https://www.hz-vw-4s.cn/', utmSource: 'autohome', active: true })
    expect(entry!.after).toMatchObject({ destinationUrl: editFields().destinationUrl, utmContent: '', active: true })
  })

  it('is refused to sales (403), another store (404) and through another campaign’s address (404)', async () => {
    expect((await saveLink(sales, campaignId, linkId, editFields())).status).toBe(403)
    expect((await saveLink(specialistB, campaignId, linkId, editFields())).status).toBe(404)
    expect((await saveLink(specialistB, campaignId, linkId, editFields({ destinationUrl: 'javascript:1' }))).status).toBe(404)
    const other = await createCampaign(specialist)
    expect((await saveLink(specialist, other, linkId, editFields())).status).toBe(404)
    const load = await settle(() => editLink.loader(args(get(`/campaigns/${campaignId}/links/${linkId}`, specialistB), { campaignId, linkId })))
    expect(load.status).toBe(404)
  })
})
