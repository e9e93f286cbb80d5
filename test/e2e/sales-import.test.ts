import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { translator } from '../../app/i18n'
import { DEMO_USERS, errorsOf, expectHeading, newPage, REPO_ROOT, setupE2E, signIn } from './harness'

// Issue 7 (must 3, 5, 7) end to end: the demo specialist brings a DMS sales export in — upload,
// check the guessed mapping, start — watches the progress bar until the import is done, reads
// the summary and downloads the rejected rows; the sales list then shows the sales. The preview
// and the list are checked at a phone's width too.
setupE2E()

const t = translator('zh-CN')
const PHONE = { width: 390, height: 844 }

/** The bad-rows fixture (a rejected row of every kind) with enough good rows after it that the progress bar is seen moving. */
function salesExport() {
  const lines = fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures/sales/dms-sales-bad-rows.csv'), 'utf8').split(/\r?\n/)
  const head = lines.slice(0, 14)
  const more: string[] = []
  for (let i = 0; i < 40_000; i++) {
    more.push(`,E2E-${String(i).padStart(6, '0')},2026-09-${String(1 + (i % 28)).padStart(2, '0')},朗逸,120900,${100_000 + (i % 5000)},3500,客户${i},139${String(10_000_000 + i)},全款,否`)
  }
  return Buffer.from([...head, ...more, ''].join('\n'), 'utf8')
}

describe('importing a DMS sales export (zh-CN)', () => {
  it('uploads, confirms the mapping, watches the progress, downloads the rejected rows, sees the sales', async () => {
    const page = await newPage('zh-CN')
    await signIn(page, DEMO_USERS.specialist)
    await page.getByRole('link', { name: t('sales.nav'), exact: true }).click()
    await expectHeading(page, t('sales.title'))
    await page.getByRole('link', { name: `+ ${t('sales.import.title')}` }).first().click()
    await expectHeading(page, t('sales.import.title'))

    // step 1: the file
    await page.getByLabel(t('sales.import.file'), { exact: true }).setInputFiles({ name: '10月销售明细.csv', mimeType: 'text/csv', buffer: salesExport() })
    await page.getByRole('button', { name: t('imports.upload.submit'), exact: true }).click()

    // step 2: the preview with the guessed mapping and the first rows
    await page.getByRole('heading', { name: t('sales.preview.title') }).waitFor()
    const vin = page.getByLabel(t('imports.preview.mappingFor', { header: '车架号' }), { exact: true })
    expect(await vin.inputValue()).toBe('vin')
    expect(await page.getByLabel(t('imports.preview.mappingFor', { header: '开票日期' }), { exact: true }).inputValue()).toBe('invoiceDate')
    expect(await page.getByLabel(t('imports.preview.mappingFor', { header: '手机' }), { exact: true }).inputValue()).toBe('phone')
    await page.getByRole('heading', { name: t('sales.preview.sample', { count: 10 }) }).waitFor()
    // the specialist sees no full phone number in the preview
    expect(await page.locator('main').innerText()).not.toContain('13812341234')
    expect(await page.locator('main').innerText()).toContain('138****1234')
    // what a sale needs is checked as the mapping changes
    await vin.selectOption('')
    await expect.poll(() => page.locator('.sales-checks .missing').count()).toBe(0)
    const orderNo = page.getByLabel(t('imports.preview.mappingFor', { header: '订单号' }), { exact: true })
    await orderNo.selectOption('')
    await page.locator('.sales-checks li.missing', { hasText: t('sales.preview.needId') }).waitFor()
    await vin.selectOption('vin')
    await orderNo.selectOption('orderNo')
    // at a phone's width the mapping is a list, and nothing scrolls sideways
    await page.setViewportSize(PHONE)
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width)
    await page.setViewportSize({ width: 1280, height: 800 })

    // start: the progress page, its bar, then the summary
    const seen: string[] = []
    await Promise.all([page.waitForURL(/\/sales\/jobs\/[0-9a-f-]{36}$/), page.getByRole('button', { name: t('sales.preview.start'), exact: true }).click()])
    const bar = page.getByRole('progressbar', { name: t('jobs.progress.label') })
    while (!/\/sales\/imports\//.test(page.url())) {
      if (await bar.isVisible().catch(() => false)) seen.push((await bar.getAttribute('value', { timeout: 500 }).catch(() => null)) ?? 'indeterminate')
      await page.waitForTimeout(100)
      if (seen.length > 1_200) throw new Error('the import did not finish')
    }
    expect(seen.length).toBeGreaterThan(0)
    await page.waitForURL(/\/sales\/imports\/[0-9a-f-]{36}\?notice=done$/)
    await expectHeading(page, t('sales.detail.heading', { file: '10月销售明细.csv' }))
    const main = page.locator('main')
    await main.getByText(t('sales.notice.done', { imported: '40,002', rejected: '11' })).waitFor()
    const stat = (label: string) => main.locator('.stat').filter({ has: page.getByText(label, { exact: true }) }).locator('dd')
    expect(await stat(t('sales.detail.imported')).innerText()).toBe('40,002')
    expect(await stat(t('sales.detail.rejected')).innerText()).toBe('11')
    const rejected = page.getByRole('heading', { name: t('sales.detail.rejectedRows') })
    await rejected.waitFor()
    await main.getByRole('cell', { name: t('sales.reason.idMissing') }).waitFor()

    // the rejected rows download as CSV, in Chinese, one line per problem
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: t('sales.detail.download') }).click()])
    expect(download.suggestedFilename()).toMatch(/拒收行\.csv$/)
    const csv = fs.readFileSync((await download.path())!, 'utf8').replace(/^\uFEFF/, '')
    const lines = csv.trim().split('\r\n')
    expect(lines[0]).toBe([t('imports.report.row'), t('imports.report.outcome'), t('imports.report.column'), t('imports.report.reason')].join(','))
    expect(lines).toContain(`3,${t('sales.outcome.rejected')},车架号 / 订单号,${t('sales.reason.idMissing')}`)
    expect(lines.filter((l) => l.includes(`,${t('sales.outcome.rejected')},`)).length).toBe(13)

    // the sales list: filtered to September, the masked phone, the amount in yuan
    await page.getByRole('link', { name: t('sales.detail.seeSales') }).click()
    await expectHeading(page, t('sales.title'))
    const period = page.getByRole('group', { name: t('sales.filter.period') })
    await period.getByLabel(t('common.from'), { exact: true }).fill('2026-09-01')
    await period.getByLabel(t('common.to'), { exact: true }).fill('2026-09-30')
    await page.getByRole('button', { name: t('common.filter'), exact: true }).click()
    await page.waitForURL(/from=2026-09-01&to=2026-09-30/)
    // the demo store may have sales of its own: at least the 40,000 of this file
    const count = await page.getByText(/^共 [\d,]+ 台$/).innerText()
    expect(Number(count.replace(/\D/g, ''))).toBeGreaterThanOrEqual(40_000)
    // the file's sales are there (the demo's own exports sell other models)
    await page.locator('table.sales-table tbody tr', { hasText: '朗逸' }).first().waitFor()
    await page.setViewportSize(PHONE)
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width)
    expect(errorsOf(page)).toEqual([])
  })
})
