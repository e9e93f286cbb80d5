import fs from 'node:fs'
import { createRequire } from 'node:module'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { DEMO_USERS, errorsOf, newPage, setupE2E, signIn, type E2ELocale } from './harness'

// SPEC §6 over every page, as each role sees it, in both languages: at 390 px no page scrolls
// sideways, and an automated accessibility audit (axe-core, WCAG 2.1 A/AA) finds no serious or
// critical violation — on a phone and on a laptop.
setupE2E()

const PHONE = { width: 390, height: 844 }
const LAPTOP = { width: 1366, height: 800 }
const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

type Finding = { page: string; problem: string }

/** Every finding in full on the console (the assertion's diff is cut short). */
function report(findings: Finding[]) {
  for (const f of findings) console.error(`[a11y] ${f.page}: ${f.problem}`)
}

/**
 * The first link on `listPath` whose address matches `pattern`: a real record to open. `waitMs`:
 * the record is made by a background job of the first start (the demo's market data), so the
 * list is asked again until it shows one, for at most that long.
 */
async function firstLink(page: Page, listPath: string, pattern: RegExp, waitMs = 0) {
  const until = Date.now() + waitMs
  for (;;) {
    await page.goto(listPath)
    const hrefs = await page.locator('main a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''))
    const href = hrefs.find((h) => pattern.test(h))
    if (href) return href
    if (Date.now() >= until) throw new Error(`no link like ${pattern} on ${listPath}`)
    await page.waitForTimeout(500)
  }
}

/** Width and accessibility of the page now shown; what is wrong, one line each. */
async function audit(page: Page, label: string, viewport: { width: number }): Promise<Finding[]> {
  const findings: Finding[] = []
  const width = await page.evaluate(() => document.documentElement.scrollWidth)
  if (width > viewport.width) {
    // name the widest element, so that the finding says where to look
    const culprit = await page.evaluate((max) => {
      const name = (el: Element) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : ''}`
      // the first element, in page order, that sticks out and is not inside a box that scrolls or clips it
      for (const el of Array.from(document.querySelectorAll('body *'))) {
        const r = el.getBoundingClientRect()
        if (r.right <= max + 1 || getComputedStyle(el).position === 'fixed') continue
        let clipped = false
        for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
          if (getComputedStyle(a).overflowX !== 'visible') clipped = true
        }
        if (clipped) continue
        const path: string[] = []
        for (let a: Element | null = el; a && a !== document.body && path.length < 4; a = a.parentElement) path.unshift(name(a))
        return `${path.join(' > ')} reaches ${Math.round(r.right)} px`
      }
      return 'no single element'
    }, viewport.width)
    findings.push({ page: label, problem: `scrolls sideways: ${width} px wide (${culprit})` })
  }
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource)
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: string[] }> }> }> } }).axe
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] })
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }))
  })
  for (const v of violations.filter((x) => x.impact === 'serious' || x.impact === 'critical')) {
    findings.push({ page: label, problem: `${v.impact} ${v.id} (${v.help}): ${v.targets.join(', ')}` })
  }
  return findings
}

async function visitAll(locale: E2ELocale, email: string, paths: (page: Page) => Promise<string[]>) {
  const page = await newPage(locale, { viewport: LAPTOP })
  await signIn(page, email)
  const list = await paths(page)
  const findings: Finding[] = []
  for (const viewport of [PHONE, LAPTOP]) {
    await page.setViewportSize(viewport)
    for (const path of list) {
      const response = await page.goto(path)
      expect(response?.status(), `${path} answers`).toBeLessThan(400)
      findings.push(...(await audit(page, `${path} at ${viewport.width} px`, viewport)))
    }
  }
  expect(errorsOf(page)).toEqual([])
  return findings
}

/** Every page of the product as the administrator reaches it, with a real record of each kind. */
async function adminPages(page: Page) {
      const campaign = await firstLink(page, '/campaigns?status=completed', /^\/campaigns\/[0-9a-f-]{36}$/)
  const draft = await firstLink(page, '/campaigns?status=draft', /^\/campaigns\/[0-9a-f-]{36}$/)
  const lead = await firstLink(page, '/leads', /^\/leads\/[0-9a-f-]{36}$/)
  const user = await firstLink(page, '/admin/users', /^\/admin\/users\/[0-9a-f-]{36}$/)
  const store = await firstLink(page, '/admin/stores', /^\/admin\/stores\/[0-9a-f-]{36}$/)
  const site = await firstLink(page, '/admin/sites', /^\/admin\/sites\/[0-9a-f-]{36}$/)
  const observation = await firstLink(page, '/competitors', /^\/competitors\/[0-9a-f-]{36}$/)
  const marketImport = await firstLink(page, '/competitors/market', /^\/competitors\/market\/imports\/[0-9a-f-]{36}$/, 60_000)
  await page.goto(campaign)
  const poster = (await page.locator('a[href$="/poster"]').first().getAttribute('href')) ?? ''
  return [
    '/',
    '/campaigns',
    '/campaigns/timeline',
    '/campaigns/new',
    campaign,
    `${campaign}/evaluation`,
    `${campaign}/print`,
    draft,
    `${draft}/edit`,
    ...(poster ? [poster] : []),
    '/leads',
    '/leads/new',
    lead,
    '/sales',
    '/sales/import',
    '/sales/matches',
    '/analysis/channels',
    '/analysis/review',
    '/competitors',
    '/competitors/new',
    observation,
    '/competitors/segments',
    '/competitors/price',
    '/competitors/promotions',
    '/competitors/conquest',
    '/competitors/share',
    '/competitors/import',
    '/competitors/market',
    '/competitors/market/import',
    marketImport,
    '/desk',
    '/desk/walk-in',
    '/desk/call',
    '/imports',
    '/imports/new',
    '/admin/users',
    '/admin/users/new',
    user,
    '/admin/stores',
    '/admin/stores/new',
    store,
    '/admin/sites',
    '/admin/sites/new',
    site,
    '/admin/audit',
    '/account',
  ]
}

describe.each(['zh-CN', 'en'] as const)('every page in %s', (locale) => {
  it('the administrator’s and the manager’s pages: no sideways scroll at 390 px, no serious accessibility violation', async () => {
    const findings = await visitAll(locale, DEMO_USERS.admin, adminPages)
    report(findings)
    expect(findings).toEqual([])
  })

  it('the executive’s and the front desk’s home pages, and the sign-in page', async () => {
    const findings = [
      ...(await visitAll(locale, DEMO_USERS.executive, async () => ['/', '/analysis/review', '/campaigns'])),
      ...(await visitAll(locale, DEMO_USERS.specialist, async () => ['/', '/campaigns'])),
      ...(await visitAll(locale, DEMO_USERS.sales, async () => ['/desk', '/leads', '/competitors/new'])),
    ]
    const anonymous = await newPage(locale, { viewport: PHONE })
    await anonymous.goto('/login')
    findings.push(...(await audit(anonymous, '/login at 390 px', PHONE)))
    report(findings)
    expect(findings).toEqual([])
  })
})

/**
 * What Tab cannot reach on the page now shown: every visible link, button and field (one radio
 * per group) is given a number, then Tab walks the page from the top until focus comes round
 * again; the numbers never focused are the findings.
 */
async function unreachable(page: Page, label: string): Promise<Finding[]> {
  const total = await page.evaluate(() => {
    const selector = 'a[href], button, input:not([type="hidden"]), select, textarea, summary, [tabindex]'
    let n = 0
    for (const el of Array.from(document.querySelectorAll<HTMLElement>(selector))) {
      el.removeAttribute('data-kb')
      const style = getComputedStyle(el)
      // inside a closed disclosure only its own summary is shown (the rest is there, but not rendered)
      const folded = el.closest('details:not([open])')
      const inFold = folded !== null && !(el.tagName === 'SUMMARY' && el.parentElement === folded)
      const shown = !inFold && el.getClientRects().length > 0 && style.visibility !== 'hidden' && el.checkVisibility({ visibilityProperty: true })
      const disabled = (el as HTMLButtonElement).disabled || el.closest('[aria-hidden="true"], [inert]') !== null
      if (!shown || disabled || el.getAttribute('tabindex') === '-1') continue
      // Tab stops at one radio of a group (arrows move within it): the checked one, else the first
      if (el instanceof HTMLInputElement && el.type === 'radio') {
        const group = Array.from(document.querySelectorAll<HTMLInputElement>(`input[type="radio"][name="${CSS.escape(el.name)}"]`))
        if (el !== (group.find((r) => r.checked) ?? group[0])) continue
      }
      el.setAttribute('data-kb', String(n++))
    }
    ;(document.activeElement as HTMLElement | null)?.blur()
    return n
  })
  const reached = new Set<string>()
  let first: string | null = null
  // a date field takes a Tab per part (year, month, day): room for that
  for (let presses = 0; presses < total * 4 + 20; presses++) {
    await page.keyboard.press('Tab')
    const at = await page.evaluate(() => document.activeElement?.closest('[data-kb]')?.getAttribute('data-kb') ?? null)
    if (at === null) continue
    if (first === null) first = at
    else if (at === first && reached.size > 1) break
    reached.add(at)
  }
  if (reached.size === total) return []
  const missing = await page.evaluate((seen) => {
    return Array.from(document.querySelectorAll<HTMLElement>('[data-kb]'))
      .filter((el) => !seen.includes(el.getAttribute('data-kb')!))
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''} "${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 40)}"`)
  }, [...reached])
  return [{ page: label, problem: `${total - reached.size} of ${total} not reachable by Tab: ${missing.join(', ')}` }]
}

describe('by keyboard alone', () => {
  it('reaches every link, button and field of every page with Tab, and opens the phone menu with the keyboard', async () => {
    const page = await newPage('zh-CN', { viewport: LAPTOP })
    await signIn(page, DEMO_USERS.admin)
    const findings: Finding[] = []
    for (const path of await adminPages(page)) {
      await page.goto(path)
      findings.push(...(await unreachable(page, path)))
    }
    // on a phone the navigation is folded: Tab reaches the menu, Space opens it, Tab goes on into it
    await page.setViewportSize(PHONE)
    await page.goto('/campaigns')
    const menu = page.locator('#nav-toggle')
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur())
    for (let i = 0; i < 10 && !(await menu.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab')
    expect(await menu.evaluate((el) => el === document.activeElement), 'the menu button takes focus').toBe(true)
    await page.keyboard.press('Space')
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.closest('nav') !== null && document.activeElement?.tagName === 'A'), 'Tab goes into the opened menu').toBe(true)
    report(findings)
    expect(findings).toEqual([])
    expect(errorsOf(page)).toEqual([])
  })
})
