import fs from 'node:fs'
import { describe, expect, it } from 'vitest'
import { translator } from '../../app/i18n'
import { DEMO_USERS, errorsOf, expectHeading, newPage, setupE2E, signIn } from './harness'

// Issue "Competitor intelligence" must 7 end to end: a consultant at a rival's showroom records
// what it asks on a phone, with a photo of the price board; a specialist on a laptop finds that
// price in the segment's price position, in the chart, the table and the download.
setupE2E()

const t = translator('zh-CN')
const PHONE = { width: 390, height: 844 }
// a real 1×1 PNG: a phone's picture of the price board
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64')

describe('competitor intelligence (zh-CN)', () => {
  it('recorded on a phone, seen in the price position on a laptop', async () => {
    const phone = await newPage('zh-CN', { viewport: PHONE })
    await signIn(phone, DEMO_USERS.sales)
    await phone.goto('/competitors')
    await phone.getByRole('link', { name: `+ ${t('competitors.newShort')}` }).click()
    await expectHeading(phone, t('competitors.new'))
    await phone.getByLabel(t('competitors.field.brand'), { exact: true }).fill('日产')
    await phone.getByLabel(t('competitors.field.model'), { exact: true }).fill('轩逸')
    // optional fields carry “(optional)” after their label
    await phone.getByLabel(t('competitors.field.listPrice')).fill('109800')
    await phone.getByLabel(t('competitors.field.discount')).fill('21000')
    await phone.getByLabel(t('competitors.field.promotion')).fill('限时一口价')
    await phone.getByLabel(t('competitors.field.place')).fill('东风日产西湖店')
    await phone.getByLabel(t('competitors.field.photo')).setInputFiles({ name: 'board.png', mimeType: 'image/png', buffer: PNG })
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width)
    await phone.getByRole('button', { name: t('competitors.record'), exact: true }).click()
    await phone.getByText(t('competitors.created')).waitFor()
    // the list, as cards on the phone: the transaction price worked out from list price and discount
    const row = phone.getByTestId('observations').locator('tbody tr', { hasText: '限时一口价' }).first()
    expect(await row.innerText()).toContain('¥88,800.00')
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width)
    // the photo is kept and shown with the observation
    await row.getByRole('link', { name: '日产 轩逸' }).click()
    const img = phone.locator('figure.obs-photo img')
    await img.waitFor()
    expect(await img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBe(1)
    expect(errorsOf(phone)).toEqual([])

    const laptop = await newPage('zh-CN')
    await signIn(laptop, DEMO_USERS.specialist)
    await laptop.goto('/competitors/price')
    await laptop.getByRole('link', { name: t('competitors.tab.price') }).waitFor()
    await laptop.locator('#segment').selectOption({ label: '紧凑型轿车' })
    await laptop.getByRole('button', { name: t('common.filter'), exact: true }).click()
    await laptop.getByRole('heading', { name: t('competitors.price.title', { segment: '紧凑型轿车' }) }).waitFor()
    expect(await laptop.locator('figure.chart svg').count()).toBe(1)
    expect(await laptop.locator('figure.chart').innerHTML()).toContain('轩逸')
    // this month's 轩逸 is in the table (the median of this month's sightings, ours among them)
    const month = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 7)
    const table = laptop.getByTestId('price-table')
    const col = (await table.locator('thead th').allInnerTexts()).indexOf(month)
    expect(col, `a column for ${month}`).toBeGreaterThan(0)
    const cell = await table.locator('tbody tr', { hasText: '日产 轩逸' }).locator('td').nth(col - 1).innerText()
    expect(cell).toMatch(/^¥[\d,]+\.\d\d$/)
    // and in the download
    const [download] = await Promise.all([laptop.waitForEvent('download'), laptop.locator('a[data-format="csv"]').click()])
    const csv = fs.readFileSync((await download.path())!, 'utf8')
    expect(csv).toMatch(new RegExp(`${month},紧凑型轿车,日产,轩逸,竞品,\\d+,\\d+`))
    expect(errorsOf(laptop)).toEqual([])
  })
})
