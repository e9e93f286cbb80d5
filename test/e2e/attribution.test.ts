import { describe, expect, it } from 'vitest'
import { translator } from '../../app/i18n'
import { DEMO_USERS, errorsOf, expectHeading, newPage, setupE2E, signIn } from './harness'

// Issue 8 (must 5, 6, 10) end to end on a fresh demo: the specialist opens the evaluation of the
// finished 国庆车展 and sees it measured — actual orders against the target, its ROI with an
// interval, the attainment chart; then compares models on the channel page and switches the one
// the chart shows; the page fits a phone.
setupE2E()

const t = translator('zh-CN')
const PHONE = { width: 390, height: 844 }

describe('attribution and ROI (zh-CN)', () => {
  it('the evaluation of a finished campaign is filled from the data; the channel page switches models', async () => {
    const page = await newPage('zh-CN')
    await signIn(page, DEMO_USERS.specialist)
    await page.goto('/campaigns?status=completed')
    await page.getByRole('link', { name: '国庆车展' }).first().click()
    await page.getByRole('link', { name: t('campaign.evaluation') }).first().click()
    // the heading carries the status badge too
    await page.getByRole('heading', { level: 1 }).filter({ hasText: t('evaluation.title') }).waitFor()

    // the seeded sales import and the sync run after start: the figures come with them
    const roi = page.getByTestId('roi')
    for (let i = 0; i < 60 && !(await roi.count()); i++) {
      await page.waitForTimeout(500)
      await page.reload()
    }
    expect(await roi.innerText()).toMatch(/-?\d+%.*\(.*%.*–.*%\)/)
    expect(await page.getByTestId('actual-orders').innerText()).toMatch(/^\d+(\.\d)?$/)
    expect(await page.locator('figure.chart svg').count()).toBe(1)
    // the report prints on one A4 page, what competitors did meanwhile included
    await page.getByTestId('competitors-during').waitFor()
    const pdf = (await page.pdf({ format: 'A4', printBackground: true })).toString('latin1')
    expect(pdf.match(/\/Type\s*\/Page[^s]/g)?.length, 'pages of the printed evaluation').toBe(1)

    // the channel page: every model side by side, the chart showing the chosen one
    await page.goto('/analysis/channels?conversion=order')
    await expectHeading(page, t('analysis.channels.title'))
    const comparison = page.getByTestId('model-comparison')
    await comparison.waitFor()
    expect(await comparison.locator('th[aria-current="true"]').innerText()).toBe(t('analysis.model.positionBased'))
    await page.locator('#af-model').selectOption('markov')
    await page.getByRole('button', { name: t('common.filter') }).click()
    await page.waitForURL(/model=markov/)
    await page.getByTestId('model-comparison').locator('th[aria-current="true"]', { hasText: t('analysis.model.markov') }).waitFor({ timeout: 15_000 })
    expect(await page.locator('figure.chart').first().getAttribute('aria-label')).toContain(t('analysis.model.markov'))
    // the ROI table reads the same model, with a total row
    expect(await page.getByTestId('roi-table').locator('tfoot th').innerText()).toBe(t('analysis.roi.total'))

    // a chart's data downloads as the browser saves it
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('a[data-chart="credits"][data-format="csv"]').click()])
    expect(download.suggestedFilename()).toMatch(/^roadshow-credits-order-\d{4}-\d{2}-\d{2}\.csv$/)
    const csv = await download.createReadStream().then(async (stream) => {
      const chunks: Buffer[] = []
      for await (const chunk of stream) chunks.push(chunk as Buffer)
      return Buffer.concat(chunks).toString('utf8')
    })
    expect(csv.replace(/^\uFEFF/, '').split('\r\n')[0]).toBe('key,label,model,conversions,conversions_low,conversions_high,gross_profit_fen,revenue_fen')

    await page.setViewportSize(PHONE)
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width)
    expect(errorsOf(page)).toEqual([])
  })

  it('an executive opens the ROI review of every store and drills down to a store and a campaign', async () => {
    const page = await newPage('zh-CN')
    await signIn(page, DEMO_USERS.executive)
    await page.goto('/analysis/review')
    await expectHeading(page, t('analysis.review.title'))
    // the seeded sales import and the sync run after start
    const best = page.getByTestId('best-campaigns').locator('li')
    for (let i = 0; i < 60 && !(await best.count()); i++) {
      await page.waitForTimeout(500)
      await page.reload()
    }
    expect(await best.count()).toBeGreaterThan(0)
    expect(await page.getByTestId('stores-table').locator('tbody tr').count()).toBe(2)
    // one channel only: 汽车之家's spend and return, its one row in the channel table
    await page.locator('#rf-channel').selectOption('autohome')
    await page.getByRole('button', { name: t('common.filter') }).click()
    await page.waitForURL(/channel=autohome/)
    await page.getByTestId('channel-only').waitFor({ timeout: 30_000 })
    expect(await page.getByTestId('channels-table').locator('tbody tr').allInnerTexts()).toEqual([expect.stringContaining(t('leads.channel.autohome'))])
    // down to a store's channels, still 汽车之家 only …
    await page.getByTestId('drill-store').first().click()
    await expectHeading(page, t('analysis.channels.title'))
    expect(page.url()).toMatch(/channel=autohome/)
    await page.goBack()
    await page.locator('#rf-channel').selectOption('')
    await page.getByRole('button', { name: t('common.filter') }).click()
    await page.waitForURL((url) => !url.search.includes('channel=autohome'))
    // down to a store's channels …
    await page.getByTestId('drill-store').first().click()
    await expectHeading(page, t('analysis.channels.title'))
    expect(page.url()).toMatch(/store=[0-9a-f-]{36}/)
    // … and back, down to the best campaign
    await page.goBack()
    await page.getByTestId('best-campaigns').locator('li a').first().click()
    await page.waitForURL(/\/campaigns\/[0-9a-f-]{36}$/)
    expect(errorsOf(page)).toEqual([])
  })
})
