import { describe, expect, it } from 'vitest'
import { translator } from '../../app/i18n'
import {
  DEMO_USERS,
  errorsOf,
  expectHeading,
  newPage,
  setupE2E,
  signIn,
  spawnServer,
  waitForExit,
  type E2ELocale,
} from './harness'

// The production build on a fresh embedded database, in a real Chromium.
const e2e = setupE2E()

const TEXT: Record<E2ELocale, { workbench: string; returned: string; notFound: string }> = {
  'zh-CN': { workbench: '工作台', returned: '被退回的方案', notFound: '页面不存在' },
  en: { workbench: 'Workbench', returned: 'Plans returned to you', notFound: 'Page not found' },
}

describe.each(['zh-CN', 'en'] as const)('in %s', (locale) => {
  it('a specialist signs in and lands on their workbench, the plan returned to them first', async () => {
    const page = await newPage(locale)
    await signIn(page, DEMO_USERS.specialist)
    expect(new URL(page.url()).pathname).toBe('/')
    expect(await page.locator('html').getAttribute('lang')).toBe(locale)
    await expectHeading(page, TEXT[locale].workbench)
    // the demo's 元旦媒体试驾会 was returned to them with the manager's comment
    const returned = page.getByTestId('todo-returned')
    expect(await returned.getByRole('heading').innerText()).toContain(TEXT[locale].returned)
    expect(await returned.innerText()).toContain('媒体名单请补充本地自媒体')
    expect(errorsOf(page)).toEqual([])
    // scripts run under a Content-Security-Policy with a fresh nonce per response; the page still hydrates
    const response = await page.goto('/campaigns')
    const csp = response?.headers()['content-security-policy'] ?? ''
    expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{24}'/)
    expect(csp).toContain("frame-ancestors 'none'")
    const blocked = await page.evaluate(() => {
      const s = document.createElement('script')
      s.textContent = 'window.__injected = true'
      document.body.appendChild(s)
      return (window as unknown as { __injected?: boolean }).__injected === true
    })
    expect(blocked).toBe(false)
    // a period is one tap: "last 90 days" fills both days and filters the list
    const t = translator(locale)
    await page.getByRole('link', { name: t('range.last90'), exact: true }).click()
    await page.waitForURL(/from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}/)
    const url = new URL(page.url())
    // the filter form is remade when the new list has rendered
    await expect.poll(() => page.locator('#cf-period-from').inputValue()).toBe(url.searchParams.get('from'))
    expect(await page.locator('#cf-period-to').inputValue()).toBe(url.searchParams.get('to'))
    expect(await page.getByRole('link', { name: t('range.last90'), exact: true }).getAttribute('aria-current')).toBe('true')
  })

  it('a page that does not exist shows the friendly error page with status 404', async () => {
    const page = await newPage(locale)
    const response = await page.goto('/no-such-page/anywhere')
    expect(response?.status()).toBe(404)
    const alert = page.getByRole('alert')
    await alert.waitFor({ state: 'visible' })
    await expectHeading(page, TEXT[locale].notFound)
    expect(await alert.getByRole('link').getAttribute('href')).toBe('/')
    // a page for people: no stack trace, no file paths
    const body = await page.locator('body').innerText()
    expect(body).not.toMatch(/\bat .+:\d+:\d+|node_modules|build\/index\.js|Error:/)
  })
})

describe('the demo on first run', () => {
  it('has imported each store’s sales export in the background: the sales page is filled', async () => {
    const page = await newPage('zh-CN')
    await signIn(page, DEMO_USERS.specialist)
    const rows = page.locator('table.sales-table tbody tr')
    // the import runs as a job after start: give it a few seconds
    for (let i = 0; i < 30 && !(await rows.count()); i++) {
      await page.goto('/sales')
      if (!(await rows.count())) await page.waitForTimeout(500)
    }
    expect(await rows.count()).toBeGreaterThan(5)
    expect(await page.getByText(/^共 [\d,]+ 台$/).innerText()).toMatch(/共 \d+ 台/)
    expect(errorsOf(page)).toEqual([])
  })
})

describe('the server', () => {
  it('answers the health check', async () => {
    const res = await fetch(`${e2e.server.url}/healthz`)
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.headers.get('x-request-id')).toBeTruthy()
    // up or down and nothing more: anyone may ask
    expect(await res.json()).toEqual({ status: 'ok' })
  })

  it('a second process on the same data directory refuses to start, and the first keeps serving', async () => {
    const second = await spawnServer({ dataDir: e2e.server.dataDir })
    const code = await waitForExit(second)
    expect(code).not.toBe(0)
    expect(second.output()).toContain('in use by another Roadshow process')
    expect(second.output()).toContain(`pid ${e2e.server.child.pid}`)
    const res = await fetch(`${e2e.server.url}/healthz`)
    expect(res.status).toBe(200)
  })
})
