import { describe, expect, it } from 'vitest'
import { translator } from '../../app/i18n'
import { DEMO_USERS, errorsOf, expectHeading, newPage, setupE2E, signIn } from './harness'

// SPEC §3 end to end at a phone's width: the front desk logs a walk-in in Chinese, the
// number is recognised on the second visit, and the lead shows in the leads list with
// its channel and visits.
setupE2E()

const PHONE = { width: 390, height: 844 }
const t = translator('zh-CN')

describe('the front desk on a phone (zh-CN)', () => {
  it('logs a walk-in, recognises the returning visitor, and the lead appears in the list', async () => {
    const page = await newPage('zh-CN', { viewport: PHONE })
    // the front desk lands on 前台登记
    await signIn(page, DEMO_USERS.sales)
    expect(new URL(page.url()).pathname).toBe('/desk')
    await expectHeading(page, t('desk.title'))

    const phone = `177${String(Date.now()).slice(-8)}`
    await page.getByRole('link', { name: t('desk.walkIn'), exact: true }).click()
    await expectHeading(page, t('desk.walkIn'))
    // nothing wider than the phone's screen, and touch targets a thumb can hit
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width)
    const save = page.getByRole('button', { name: t('desk.submitWalkIn'), exact: true })
    expect((await save.boundingBox())!.height).toBeGreaterThanOrEqual(44)

    await page.getByLabel(t('leads.field.name'), { exact: true }).fill('陈先生')
    await page.getByLabel(t('leads.field.phone')).fill(phone)
    await page.getByLabel(t('desk.field.channel'), { exact: true }).selectOption({ label: t('leads.channel.douyin') })
    await page.getByLabel(t('desk.field.partySize'), { exact: true }).fill('2')
    await page.getByLabel(t('leads.field.consultant')).selectOption({ label: '张顾问' })
    await page.getByLabel(t('leads.field.model')).fill('途观L')
    await page.getByLabel(t('desk.field.testDrive'), { exact: true }).check()
    await Promise.all([page.waitForURL(/\/desk\?.*notice=walk-in/), save.click()])
    await page.getByText(t('desk.savedWalkIn', { type: t('leads.visitType.first') })).waitFor()
    await page.getByRole('link', { name: '陈先生', exact: true }).waitFor()

    // the same number a second time: the form sees a returning visitor as soon as it is typed
    await page.getByRole('link', { name: t('desk.walkIn'), exact: true }).click()
    await expectHeading(page, t('desk.walkIn'))
    await page.getByLabel(t('leads.field.phone')).fill(phone)
    await page.getByLabel(t('leads.field.phone')).press('Tab')
    await page.getByText(t('desk.known', { name: '陈先生', visits: 1 })).waitFor()
    expect(await page.getByLabel(t('desk.field.visitType'), { exact: true }).inputValue()).toBe('return')
    await page.getByLabel(t('desk.field.channel'), { exact: true }).selectOption({ label: t('leads.channel.passing_by') })
    await Promise.all([page.waitForURL(/\/desk\?.*notice=walk-in/), page.getByRole('button', { name: t('desk.submitWalkIn'), exact: true }).click()])
    await page.getByText(t('desk.savedWalkIn', { type: t('leads.visitType.return') })).waitFor()

    // the leads list: one lead, first channel Douyin, two visits, the last a return visit
    await page.goto(`/leads?q=${phone}`)
    await expectHeading(page, t('leads.title'))
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: '陈先生', exact: true }) })
    expect(await row.count()).toBe(1)
    const text = await row.innerText()
    expect(text).toContain(phone)
    expect(text).toContain(t('leads.channel.douyin'))
    expect(text).toContain(t('leads.status.test_drive'))
    expect(text).toContain(t('leads.lastVisit', { type: t('leads.visitType.return') }))
    expect(text).toMatch(/\b2\b/)

    // and its page lists both visits and both touchpoints
    await row.getByRole('link', { name: '陈先生', exact: true }).click()
    await expectHeading(page, `陈先生 ${t('leads.status.test_drive')}`)
    await page.getByRole('heading', { name: `${t('leads.detail.visits')} (2)` }).waitFor()
    await page.getByRole('heading', { name: `${t('leads.detail.touchpoints')} (2)` }).waitFor()
    expect(errorsOf(page)).toEqual([])
  })
})
