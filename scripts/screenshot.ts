import fs from 'node:fs'
import path from 'node:path'
import { DEMO_USERS, launchBrowser, signIn, startServer } from '../test/e2e/harness'

/**
 * `npm run docs:screenshot`: docs/screenshot.png for the README — the campaign list as the
 * market manager sees it in Chinese, 1280×800, from the production build on a fresh demo
 * database. Falls back to the sign-in page (and says so) while the list is not built yet.
 */
const OUT = path.resolve('docs/screenshot.png')

const server = await startServer()
const browser = await launchBrowser()
let code = 0
try {
  const context = await browser.newContext({
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    baseURL: server.url,
    viewport: { width: 1280, height: 800 },
  })
  const page = await context.newPage()
  fs.mkdirSync(path.dirname(OUT), { recursive: true })
  await signIn(page, DEMO_USERS.manager)
  const response = await page.goto('/campaigns', { waitUntil: 'networkidle' })
  const ready = response?.status() === 200 &&
    (await page.getByRole('heading', { level: 1, name: '活动策划', exact: true }).isVisible())
  if (ready) {
    await page.screenshot({ path: OUT })
    console.log(`wrote ${OUT} (campaign list, manager@roadshow.demo)`)
  } else {
    const signedOut = await browser.newContext({ locale: 'zh-CN', baseURL: server.url, viewport: { width: 1280, height: 800 } })
    const login = await signedOut.newPage()
    await login.goto('/login', { waitUntil: 'networkidle' })
    await login.screenshot({ path: OUT })
    console.warn(`/campaigns answered ${response?.status()}: wrote the sign-in page to ${OUT} instead; retake it once the list exists`)
    code = 2
  }
} finally {
  await browser.close()
  await server.stop()
}
process.exit(code)
