import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { translator, type MessageKey } from '../../app/i18n'
import { DEMO_STORES, DEMO_USERS, errorsOf, expectHeading, newPage, setupE2E, signIn, type E2ELocale } from './harness'

// SPEC §2 end to end: a specialist plans a campaign with all ten parts and submits it;
// the manager returns it with a comment; the specialist edits and resubmits; the manager
// approves; the specialist sees it approved. Once in Chinese, once in English.
setupE2E()

/** A field in a plan table, named by its column header plus "row N" (aria-labelledby). */
function cell(page: Page, t: ReturnType<typeof translator>, column: MessageKey, row: number, role: 'textbox' | 'combobox' = 'textbox') {
  return page.getByRole(role, { name: `${t(column)} ${t('campaign.row', { n: row })}`, exact: true })
}

async function openCampaign(page: Page, name: string) {
  await page.goto(`/campaigns?q=${encodeURIComponent(name)}`)
  await page.getByRole('link', { name, exact: true }).click()
  await page.getByRole('heading', { level: 1, name: new RegExp(name) }).waitFor()
}

async function statusShown(page: Page, t: ReturnType<typeof translator>) {
  return page.locator('h1 .badge').innerText().then((s) => s.trim()).catch(() => t('common.none'))
}

describe.each(['zh-CN', 'en'] as const)('in %s', (locale: E2ELocale) => {
  const t = translator(locale)
  const name = locale === 'en' ? 'Tiguan L autumn test-drive day' : '途观L 金秋试驾日'

  it('plans, submits, is returned, resubmits and is approved', async () => {
    // the specialist plans the campaign with all ten parts
    const specialist = await newPage(locale)
    await signIn(specialist, DEMO_USERS.specialist)
    await specialist.getByRole('link', { name: `+ ${t('campaigns.new')}` }).click()
    await specialist.getByRole('heading', { level: 1, name: t('campaigns.new') }).waitFor()

    await specialist.getByLabel(t('campaign.field.name'), { exact: true }).fill(name)
    await specialist.getByLabel(t('campaign.field.store'), { exact: true }).selectOption({ label: DEMO_STORES.hangzhou })
    await specialist.getByLabel(t('campaign.field.form'), { exact: true }).selectOption({ label: t('form.in_store') })
    await specialist.getByLabel(t('campaign.field.models'), { exact: true }).fill('途观L, 探岳')
    await specialist.getByLabel(t('campaign.field.background'), { exact: true }).fill('上月到店 380 批次，竞品推出置换补贴。')
    await specialist.getByLabel(t('purpose.orders'), { exact: true }).check()
    await specialist.getByLabel(t('purpose.leads'), { exact: true }).check()
    await specialist.getByLabel(t('campaign.field.theme'), { exact: true }).fill('金秋礼遇')
    await specialist.getByLabel(t('campaign.field.warmupStart'), { exact: true }).fill('2027-09-20')
    await specialist.getByLabel(t('campaign.field.startDate'), { exact: true }).fill('2027-10-01')
    await specialist.getByLabel(t('campaign.field.endDate'), { exact: true }).fill('2027-10-03')
    await specialist.getByLabel(t('campaign.field.executionContent'), { exact: true }).fill('1. 预热 2. 试驾 3. 回访')

    await specialist.getByRole('button', { name: `+ ${t('campaign.addTask')}` }).click()
    await cell(specialist, t, 'campaign.field.taskTitle', 1).fill('场地布置')
    await cell(specialist, t, 'campaign.field.taskOwner', 1).fill('王主管')
    await cell(specialist, t, 'campaign.field.taskDue', 1).fill('2027-09-28')

    await specialist.getByLabel(t('campaign.field.targetLeads'), { exact: true }).fill('150')
    await specialist.getByLabel(t('campaign.field.targetOrders'), { exact: true }).fill('18')
    await specialist.getByLabel(t('campaign.field.targetGrossProfit'), { exact: true }).fill('360000')

    await specialist.getByRole('button', { name: `+ ${t('campaign.addPlacement')}` }).click()
    await cell(specialist, t, 'campaign.field.medium', 1, 'combobox').selectOption({ label: t('medium.autohome') })
    await cell(specialist, t, 'campaign.field.platform', 1).fill('本地商家页')
    await cell(specialist, t, 'campaign.field.cost', 1).fill('12000')
    // the media placement's eight fields fit their card on a laptop and on a phone: nothing to scroll sideways
    for (const viewport of [{ width: 1366, height: 800 }, { width: 390, height: 844 }]) {
      await specialist.setViewportSize(viewport)
      const fits = await specialist.getByTestId('placements-rows').evaluate((list) => {
        const card = list.closest('section')!.getBoundingClientRect()
        return [...list.querySelectorAll('input, select, button')].every((el) => {
          const box = el.getBoundingClientRect()
          return box.left >= card.left && box.right <= card.right
        })
      })
      expect(fits, `placements at ${viewport.width} px`).toBe(true)
    }
    await specialist.setViewportSize({ width: 1280, height: 800 })

    await specialist.getByRole('button', { name: `+ ${t('campaign.addPromotion')}` }).click()
    await cell(specialist, t, 'campaign.field.promotionDescription', 1).fill('到店礼')
    await cell(specialist, t, 'campaign.field.unitCost', 1).fill('50')
    await cell(specialist, t, 'campaign.field.expectedUnits', 1).fill('60')

    await specialist.getByRole('button', { name: `+ ${t('campaign.addBudgetLine')}` }).click()
    // the category is chosen, never defaulted
    await cell(specialist, t, 'campaign.field.category', 1, 'combobox').selectOption({ label: t('budgetCategory.venue') })
    await cell(specialist, t, 'campaign.field.budgetDescription', 1).fill('线上投放')
    await cell(specialist, t, 'campaign.field.planned', 1).fill('16500')

    await expect.poll(() => specialist.getByText(t('campaign.progress', { done: 10, total: 10 })).first().isVisible()).toBe(true)
    await specialist.getByRole('button', { name: t('campaign.create'), exact: true }).click()
    await specialist.getByRole('heading', { level: 1, name: new RegExp(name) }).waitFor()
    expect(await statusShown(specialist, t)).toBe(t('status.draft'))
    await specialist.getByText('场地布置').waitFor()
    await specialist.getByText('¥12,000.00').first().waitFor()

    await specialist.getByRole('button', { name: t('campaign.action.submit'), exact: true }).click()
    await specialist.getByText(t('campaign.actionDone.submit')).waitFor()
    expect(await statusShown(specialist, t)).toBe(t('status.submitted'))

    // the manager returns it with a comment
    const manager = await newPage(locale)
    await signIn(manager, DEMO_USERS.manager)
    await openCampaign(manager, name)
    await manager.getByLabel(t('campaign.commentLabel')).fill('场地费偏高，请再询价')
    await manager.getByRole('button', { name: t('campaign.action.return'), exact: true }).click()
    await manager.getByText(t('campaign.actionDone.return')).waitFor()
    expect(await statusShown(manager, t)).toBe(t('status.returned'))

    // the specialist sees why, edits and resubmits
    await openCampaign(specialist, name)
    await specialist.getByText('场地费偏高，请再询价').first().waitFor()
    await specialist.getByRole('link', { name: t('campaign.edit'), exact: true }).click()
    await cell(specialist, t, 'campaign.field.planned', 1).fill('14000')
    await specialist.getByRole('button', { name: t('campaign.saveDraft'), exact: true }).click()
    await specialist.getByText(t('campaign.updated')).waitFor()
    await specialist.getByText('¥14,000.00').first().waitFor()
    await specialist.getByRole('button', { name: t('campaign.action.submit'), exact: true }).click()
    await specialist.getByText(t('campaign.actionDone.submit')).waitFor()

    // the manager finds it on the workbench among the plans waiting, sees what changed since the return, and approves
    await manager.goto('/')
    await expectHeading(manager, t('workbench.title'))
    await manager.getByTestId('todo-approval').getByRole('link', { name: `${t('workbench.todo.review')}: ${name}` }).click()
    const facts = manager.getByTestId('approval-facts')
    await facts.waitFor()
    expect(await facts.getByTestId('plan-changes').innerText()).toContain(t('campaign.section.budget'))
    await manager.getByLabel(t('campaign.commentLabel')).fill('同意')
    await manager.getByRole('button', { name: t('campaign.action.approve'), exact: true }).click()
    await manager.getByText(t('campaign.actionDone.approve')).waitFor()
    // the comment box is empty again, and the notice leads on to the next plan waiting (the demo's 年终冲量 团购会)
    expect(await manager.locator('#wf-comment').inputValue()).toBe('')
    expect(await manager.getByRole('link', { name: t('campaign.approval.next', { name: '年终冲量 团购会' }) }).count()).toBe(1)
    // the queue link in the navigation shows its filter chosen on the list
    await manager.locator('nav a[href="/campaigns?status=submitted"]').click()
    await manager.waitForURL(/status=submitted/)
    expect(await manager.locator('#status').inputValue()).toBe('submitted')

    // the specialist sees it approved, with the whole history
    await openCampaign(specialist, name)
    expect(await statusShown(specialist, t)).toBe(t('status.approved'))
    const history = specialist.locator('.history li')
    expect(await history.count()).toBe(4)
    expect(errorsOf(specialist)).toEqual([])
    expect(errorsOf(manager)).toEqual([])
  })

  it('shows field errors next to the fields and keeps what was typed', async () => {
    const page = await newPage(locale)
    await signIn(page, DEMO_USERS.specialist)
    await page.goto('/campaigns/new')
    await page.getByLabel(t('campaign.field.name'), { exact: true }).fill('')
    await page.getByLabel(t('campaign.field.theme'), { exact: true }).fill('保留我输入的主题')
    await page.getByLabel(t('campaign.field.startDate'), { exact: true }).fill('2027-10-05')
    await page.getByLabel(t('campaign.field.endDate'), { exact: true }).fill('2027-10-01')
    await page.getByRole('button', { name: t('campaign.create'), exact: true }).click()
    const nameField = page.getByLabel(t('campaign.field.name'), { exact: true })
    await expect.poll(() => nameField.getAttribute('aria-invalid')).toBe('true')
    const described = await nameField.getAttribute('aria-describedby')
    expect(await page.locator(`#${described!.split(' ')[0]}`).innerText()).toBe(t('validation.required'))
    await page.getByText(t('validation.endBeforeStart'), { exact: true }).waitFor()
    // the summary above the form names each field and leads to it
    const summary = page.getByTestId('error-summary')
    expect(await summary.getByRole('link', { name: t('campaign.field.name'), exact: true }).getAttribute('href')).toBe('#f-name')
    expect(await summary.getByRole('link', { name: t('campaign.field.endDate'), exact: true }).getAttribute('href')).toBe('#f-endDate')
    // fixing a field takes it off the summary and off the field at once
    await nameField.fill('途观L 品鉴会')
    await nameField.blur()
    await expect.poll(() => summary.getByRole('link', { name: t('campaign.field.name'), exact: true }).count()).toBe(0)
    expect(await nameField.getAttribute('aria-invalid')).toBeNull()
    expect(await page.getByLabel(t('campaign.field.theme'), { exact: true }).inputValue()).toBe('保留我输入的主题')
  })

  it('saves a draft with only a name and names, beside submit, what the plan still needs', async () => {
    const draftName = locale === 'en' ? 'Idea: owners club picnic' : '想法：车主俱乐部野餐'
    const page = await newPage(locale)
    await signIn(page, DEMO_USERS.specialist)
    await page.goto('/campaigns/new')
    await page.getByLabel(t('campaign.field.name'), { exact: true }).fill(draftName)
    await page.getByRole('button', { name: t('campaign.create'), exact: true }).click()
    await page.getByRole('heading', { level: 1, name: new RegExp(draftName) }).waitFor()
    const gaps = page.getByTestId('plan-gaps')
    for (const field of ['campaign.field.form', 'campaign.field.purposes', 'campaign.field.startDate', 'campaign.field.endDate'] as const) {
      await gaps.getByRole('link', { name: t(field), exact: true }).waitFor()
    }
    // submitting anyway is refused and the plan stays a draft
    await page.getByRole('button', { name: t('campaign.action.submit'), exact: true }).click()
    await gaps.getByText(t('campaign.submitIncomplete')).waitFor()
    expect(await statusShown(page, t)).toBe(t('status.draft'))
    // each gap leads to its field in the form
    await gaps.getByRole('link', { name: t('campaign.field.startDate'), exact: true }).click()
    await page.waitForURL(/\/edit#f-startDate$/)
    await page.getByLabel(t('campaign.field.startDate'), { exact: true }).waitFor()
    expect(errorsOf(page)).toEqual([])
  })
})
