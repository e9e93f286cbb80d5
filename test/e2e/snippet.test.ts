import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_USERS, errorsOf, expectHeading, newPage, setupE2E, signIn } from './harness'

/**
 * SPEC §3 in a real browser: a store's own website (a second HTTP server on another port,
 * so another origin) carries rs.js; a page view with UTM parameters becomes a touchpoint,
 * and the lead form on that site makes a lead linked to it — seen on the website's page in
 * Roadshow. The website is registered through the admin pages.
 */
const e2e = setupE2E()

// Chromium headless says "HeadlessChrome", which is a crawler to isbot: visitors need a real agent
const VISITOR_AGENT =
  'Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36'

let storeSite: http.Server
let storeOrigin = ''
let siteKey = ''
let sitePath = ''

function storePage(path: string) {
  const roadshow = e2e.server.url
  const consentRequired = path.startsWith('/consent')
  const tag = `<script async src="${roadshow}/rs.js" data-site="${siteKey}"${consentRequired ? ' data-consent="required"' : ''}></script>`
  const body = path.startsWith('/framed')
    ? `<h1>试驾预约</h1><iframe data-roadshow-frame src="${roadshow}/f/${siteKey}" title="留资表单" style="width:100%;height:640px;border:0"></iframe>`
    : `<h1>途观L 限时优惠</h1>
       <form data-roadshow-form method="post" action="${roadshow}/api/leads">
         <input type="hidden" name="siteKey" value="${siteKey}">
         <label>姓名 <input name="name"></label>
         <label>手机 <input name="phone" type="tel"></label>
         <label>车型 <input name="model"></label>
         <label><input type="checkbox" name="consent"> 同意联系</label>
         <button type="submit">提交</button>
         <p data-roadshow-status role="status"></p>
         <span data-roadshow-error="phone"></span>
       </form>`
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>杭州西湖大众</title>${tag}</head><body>${body}</body></html>`
}

beforeAll(async () => {
  storeSite = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
    res.end(storePage(req.url ?? '/'))
  })
  await new Promise<void>((resolve) => storeSite.listen(0, '127.0.0.1', resolve))
  storeOrigin = `http://127.0.0.1:${(storeSite.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise((resolve) => storeSite?.close(resolve))
})

async function visitorContext(): Promise<BrowserContext> {
  return e2e.browser.newContext({ userAgent: VISITOR_AGENT, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
}

/** Reloads the website's page in Roadshow until `check` passes (beacons land within milliseconds, but asynchronously). */
async function eventually(page: Page, check: () => Promise<void>, ms = 15_000) {
  const deadline = Date.now() + ms
  for (;;) {
    try {
      await check()
      return
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((r) => setTimeout(r, 300))
      await page.reload()
    }
  }
}

describe('the tracking snippet on a store’s website', () => {
  let admin: Page

  it('a manager registers the website and gets its snippet tag', async () => {
    admin = await newPage('zh-CN')
    await signIn(admin, DEMO_USERS.manager)
    await admin.getByRole('link', { name: '网站', exact: true }).click()
    await expectHeading(admin, '网站')
    await admin.getByRole('link', { name: '+ 登记网站' }).click()
    await expectHeading(admin, '登记网站')
    await admin.getByLabel('名称').fill('E2E 官网')
    await admin.getByLabel('允许的来源').fill(`${storeOrigin}/`)
    await Promise.all([admin.waitForURL(/\/admin\/sites\/[0-9a-f-]{36}/), admin.getByRole('button', { name: '登记网站' }).click()])
    await expectHeading(admin, 'E2E 官网')
    const snippet = await admin.locator('pre.code').first().innerText()
    expect(snippet).toContain(`src="${e2e.server.url}/rs.js"`)
    siteKey = /data-site="([A-Za-z0-9_-]+)"/.exec(snippet)![1]!
    sitePath = new URL(admin.url()).pathname
    expect(await admin.getByText('暂无数据').isVisible()).toBe(true)
    expect(errorsOf(admin)).toEqual([])
  })

  it('a visit from a Douyin ad becomes a touchpoint, and the lead form makes a lead linked to it', async () => {
    const context = await visitorContext()
    const page = await context.newPage()
    const beacons: string[] = []
    page.on('request', (r) => r.url().endsWith('/api/collect') && beacons.push(r.postData() ?? ''))
    await page.goto(`${storeOrigin}/landing?utm_source=douyin&utm_medium=social&utm_campaign=x`)
    await page.waitForFunction(() => typeof (window as { roadshow?: { visitorId?: unknown } }).roadshow?.visitorId === 'function')
    const visitorId = await page.evaluate(() => (window as unknown as { roadshow: { visitorId(): string } }).roadshow.visitorId())
    expect(visitorId).toMatch(/^[0-9a-f]{32}$/)

    // first-party only: the id lives in the store site's localStorage and its own cookie
    expect(await page.evaluate(() => localStorage.getItem('rs_vid'))).toBe(visitorId)
    const cookies = await context.cookies()
    expect(cookies.map((c) => [c.name, c.domain, c.sameSite])).toEqual([['rs_vid', '127.0.0.1', 'Lax']])

    await eventually(admin, async () => {
      const row = admin.getByRole('table', { name: '最近的访问和留资' }).getByRole('row').filter({ hasText: '抖音' })
      expect(await row.count()).toBe(1)
      // the tracking parameters sit in the row's disclosure
      expect(await row.textContent()).toContain('douyin / social / x')
      expect(await row.innerText()).toContain(visitorId.slice(0, 8))
    })
    expect(beacons).toHaveLength(1)
    expect(JSON.parse(beacons[0]!)).toMatchObject({ siteKey, visitorId, type: 'pageview', utm: { source: 'douyin', medium: 'social', campaign: 'x' } })

    // the lead form on the store's page: a wrong phone first, then the right one
    await page.getByLabel('姓名').fill('E2E 张三')
    await page.getByLabel('手机').fill('138****5678')
    await page.getByLabel('车型').fill('途观L')
    await page.getByLabel('同意联系').check()
    await page.getByRole('button', { name: '提交' }).click()
    await expect.poll(() => page.locator('[data-roadshow-error="phone"]').innerText()).toBe('请输入完整的手机号码，不要带 *。')
    await page.getByLabel('手机').fill('139 1234 5678')
    await page.getByRole('button', { name: '提交' }).click()
    await expect.poll(() => page.getByRole('status').innerText()).toBe('提交成功！我们会尽快与您联系。')
    expect(await page.locator('form').getAttribute('data-roadshow-state')).toBe('sent')
    expect(errorsOf(page)).toEqual([])

    await admin.reload()
    const table = admin.getByRole('table', { name: '最近的访问和留资' })
    const visit = table.getByRole('row').filter({ hasText: '网站访问' })
    const form = table.getByRole('row').filter({ hasText: '网站留资' })
    expect(await visit.innerText()).toContain('抖音')
    expect(await visit.innerText()).toContain('E2E 张三')
    expect(await form.innerText()).toContain('E2E 张三')
    expect(await form.innerText()).toContain('抖音') // the form's own page carried the same UTM
    await context.close()
  })

  it('a page view the server did not acknowledge waits in the outbox, is sent again, and is stored once', async () => {
    const context = await visitorContext()
    const page = await context.newPage()
    let refused = 0
    // the first beacon meets a Roadshow that cannot write (503), as during a database restart
    await page.route('**/api/collect', async (route) => {
      if (refused === 0) {
        refused++
        return route.fulfill({ status: 503, headers: { 'Retry-After': '5', 'Access-Control-Allow-Origin': storeOrigin }, body: '{}' })
      }
      return route.continue()
    })
    await page.goto(`${storeOrigin}/retry?utm_source=wechat&utm_medium=social&utm_campaign=retry-test`)
    await expect.poll(() => refused).toBe(1)
    await expect.poll(() => page.evaluate(() => JSON.parse(localStorage.getItem('rs_outbox') ?? '[]').length)).toBe(1)
    // the next page sends it again along with its own page view; acknowledged, the outbox empties
    await page.goto(`${storeOrigin}/next`)
    await expect.poll(() => page.evaluate(() => localStorage.getItem('rs_outbox'))).toBeNull()
    await eventually(admin, async () => {
      const rows = admin.getByRole('table', { name: '最近的访问和留资' }).getByRole('row').filter({ hasText: 'retry-test' })
      expect(await rows.count()).toBe(1)
    })
    expect(errorsOf(page)).toEqual([])
    await context.close()
  })

  it('the embedded form page in an iframe posts a lead with the visitor id', async () => {
    const context = await visitorContext()
    const page = await context.newPage()
    await page.goto(`${storeOrigin}/framed?utm_source=autohome`)
    const frameEl = page.locator('iframe[data-roadshow-frame]')
    await expect.poll(() => frameEl.getAttribute('src')).toMatch(/[?&]v=[0-9a-f]{32}$/)
    const visitorId = await page.evaluate(() => (window as unknown as { roadshow: { visitorId(): string } }).roadshow.visitorId())
    const frame = page.frameLocator('iframe[data-roadshow-frame]')
    await frame.getByRole('heading', { name: '询价 · 预约试驾' }).waitFor()
    await frame.getByLabel('您的称呼').fill('E2E 李四')
    await frame.getByLabel('手机号码').fill('13700001111')
    await frame.getByLabel('意向车型').fill('ID.4')
    await frame.getByRole('checkbox').check()
    await frame.getByRole('button', { name: '提交' }).click()
    await frame.getByRole('status').filter({ hasText: '提交成功' }).waitFor()

    await eventually(admin, async () => {
      const table = admin.getByRole('table', { name: '最近的访问和留资' })
      const rows = table.getByRole('row').filter({ hasText: 'E2E 李四' })
      expect(await rows.count()).toBe(2) // the visit from Autohome and the form
      expect(await rows.filter({ hasText: '汽车之家' }).filter({ hasText: '网站访问' }).count()).toBe(1)
      expect(await rows.filter({ hasText: '网站留资' }).innerText()).toContain(visitorId.slice(0, 8))
    })
    expect(errorsOf(page)).toEqual([])
    await context.close()
  })

  it('with data-consent="required", nothing is stored or sent until the page gives consent', async () => {
    const context = await visitorContext()
    const page = await context.newPage()
    const beacons: string[] = []
    page.on('request', (r) => r.url().endsWith('/api/collect') && beacons.push(r.postData() ?? ''))
    await admin.goto(sitePath)
    const eventsBefore = Number(await admin.getByTestId('total-events').innerText())
    await page.goto(`${storeOrigin}/consent?utm_source=wechat`)
    await page.waitForFunction(() => Boolean((window as { roadshow?: { loaded?: boolean } }).roadshow?.loaded))
    await page.waitForTimeout(500)
    expect(beacons).toEqual([])
    expect(await context.cookies()).toEqual([])
    expect(await page.evaluate(() => localStorage.length)).toBe(0)
    expect(await page.evaluate(() => (window as unknown as { roadshow: { visitorId(): string | null } }).roadshow.visitorId())).toBeNull()

    await page.evaluate(() => (window as unknown as { roadshow: (c: string, v: boolean) => void }).roadshow('consent', true))
    await expect.poll(() => beacons.length).toBe(1)
    expect((await context.cookies()).map((c) => c.name)).toEqual(['rs_vid'])
    await eventually(admin, async () => {
      expect(Number(await admin.getByTestId('total-events').innerText())).toBe(eventsBefore + 1)
    })

    // withdrawing consent forgets the id
    await page.evaluate(() => (window as unknown as { roadshow: (c: string, v: boolean) => void }).roadshow('consent', false))
    expect(await context.cookies()).toEqual([])
    expect(await page.evaluate(() => localStorage.getItem('rs_vid'))).toBeNull()
    await context.close()
  })

  it('another website that copies the tag is refused, and nothing it sends is stored', async () => {
    const before = await admin.goto(sitePath).then(() => admin.getByTestId('total-events').innerText())
    const rogue = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
      res.end(`<!doctype html><html><head><script src="${e2e.server.url}/rs.js" data-site="${siteKey}"></script></head><body>copy</body></html>`)
    })
    await new Promise<void>((resolve) => rogue.listen(0, '127.0.0.1', resolve))
    try {
      const context = await visitorContext()
      const page = await context.newPage()
      // Roadshow answers 403 without CORS headers, so the browser may report the fetch as failed
      const answered = Promise.race([
        page.waitForResponse((r) => r.url().endsWith('/api/collect')).then((r) => r.status()),
        page.waitForEvent('requestfailed', (r) => r.url().endsWith('/api/collect')).then(() => 'blocked'),
      ])
      await page.goto(`http://127.0.0.1:${(rogue.address() as AddressInfo).port}/`)
      expect([403, 'blocked']).toContain(await answered)
      await context.close()
    } finally {
      await new Promise((resolve) => rogue.close(resolve))
    }
    await admin.reload()
    expect(await admin.getByTestId('total-events').innerText()).toBe(before)
  })
})
