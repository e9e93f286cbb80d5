import fs from 'node:fs'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { DEMO_USERS, launchBrowser, signIn, startServer } from '../test/e2e/harness'

/**
 * `npm run docs:screenshot`: docs/screenshots/ for the README and the docs — the workbench, a
 * campaign page, its post-campaign evaluation and the management ROI review, each at laptop
 * (1366×800) and phone (390×844) size, in Chinese, from the production build on a fresh demo
 * database. The demo's sales exports import and the analytical store syncs after start: the
 * figures are waited for, and a page that still has none is named and the script fails.
 */
const OUT = path.resolve('docs/screenshots')
const SIZES = { laptop: { width: 1366, height: 800 }, phone: { width: 390, height: 844 } } as const

const server = await startServer()
const browser = await launchBrowser()
let code = 0

/** Reloads until `ready` holds (the sales import and the sync finish a few seconds after start). */
async function waitFor(page: Page, ready: () => Promise<boolean>, what: string) {
  for (let i = 0; i < 60; i++) {
    if (await ready()) return true
    await page.waitForTimeout(1000)
    await page.reload({ waitUntil: 'networkidle' })
  }
  console.error(`${what}: no figures after a minute`)
  code = 2
  return false
}

try {
  fs.mkdirSync(OUT, { recursive: true })
  const shots: Array<{ name: string; user: string; path: (page: Page) => Promise<string>; ready: (page: Page) => Promise<boolean> }> = [
    { name: 'workbench', user: DEMO_USERS.manager, path: async () => '/', ready: async (p) => (await p.getByTestId('workbench-channels').count()) > 0 },
    {
      name: 'campaign',
      user: DEMO_USERS.specialist,
      path: async (p) => {
        await p.goto('/campaigns?status=running')
        return (await p.locator('main table a[href^="/campaigns/"]').first().getAttribute('href')) ?? '/campaigns'
      },
      ready: async (p) => (await p.getByTestId('key-figures').count()) > 0,
    },
    {
      name: 'evaluation',
      user: DEMO_USERS.specialist,
      path: async (p) => {
        await p.goto('/campaigns?status=completed')
        const href = await p.locator('main table a[href^="/campaigns/"]').first().getAttribute('href')
        return `${href}/evaluation`
      },
      ready: async (p) => (await p.getByTestId('roi').count()) > 0,
    },
    { name: 'roi-review', user: DEMO_USERS.executive, path: async () => '/analysis/review', ready: async (p) => (await p.locator('figure.chart').count()) > 0 },
  ]
  for (const [size, viewport] of Object.entries(SIZES)) {
    for (const shot of shots) {
      const context = await browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai', baseURL: server.url, viewport })
      const page = await context.newPage()
      await signIn(page, shot.user)
      const target = await shot.path(page)
      await page.goto(target, { waitUntil: 'networkidle' })
      await waitFor(page, () => shot.ready(page), `${shot.name} (${target})`)
      const file = path.join(OUT, `${shot.name}-${size}.png`)
      // the phone shows the page as one scrolls it: the first two screens
      await page.screenshot({ path: file, fullPage: size === 'phone', clip: size === 'phone' ? { x: 0, y: 0, width: viewport.width, height: viewport.height * 2 } : undefined })
      console.log(`wrote ${path.relative(process.cwd(), file)} (${shot.user}, ${target})`)
      await context.close()
    }
  }
} finally {
  await browser.close()
  await server.stop()
}
process.exit(code)
