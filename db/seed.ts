import { and, count, eq, isNotNull } from 'drizzle-orm'
import type { DbOrTx, Db } from './client'
import { refreshLineActuals, syncPlanCostLines } from './plan-costs'
import {
  auditLog,
  budgetLines,
  campaignTasks,
  campaignTransitions,
  campaigns,
  dealerGroups,
  mediaPlacements,
  promotionPolicies,
  spendEntries,
  stores,
  userStores,
  users,
} from './schema'
import type { CampaignForm, CampaignPurpose, CampaignStatus, Medium, Role } from './schema/enums'
import { seedCapture, type CaptureSeedOptions, type SeedCampaign } from './seed-capture'
import { seedCompetitors } from './seed-competitors'
import { demoMarketExports } from './seed-market'

import { DEMO_PASSWORD } from './demo'

export { DEMO_PASSWORD }

type SeedOptions = {
  hashPassword: (password: string) => Promise<string>
  /** the app's keyed phone hash, so that seeded leads match like real ones */
  hashPhone: (phone: string) => string
  deriveUtm: CaptureSeedOptions['deriveUtm']
  today?: Date
}

const DAY = 86_400_000
function day(base: Date, offset: number) {
  return new Date(base.getTime() + offset * DAY).toISOString().slice(0, 10)
}

type PlanSeed = {
  name: string
  form: CampaignForm
  status: CampaignStatus
  store: 0 | 1
  offset: number // start relative to today, days
  length: number
  purposes: CampaignPurpose[]
  models: string[]
  theme: string
  media: Array<[Medium, string, number]> // medium, platform, cost yuan
  budget: Array<[string, string, number, number | null, number]> // category, item, planned, actual, subsidy (yuan)
  targets: [number, number, number, number, number, number, number] // leads visits tds orders deliveries revenue(万) gp(万)
  returnComment?: string
}

const PLANS: PlanSeed[] = [
  {
    name: '途观L 金秋品鉴会', form: 'in_store', status: 'evaluated', store: 0, offset: -75, length: 3,
    purposes: ['orders', 'leads'], models: ['途观L'], theme: '金秋礼遇 途观L 品鉴日',
    media: [['autohome', '汽车之家 本地商家页', 12000], ['wechat', '服务号推文', 3000], ['sms', '保客短信', 1500]],
    budget: [['media', '线上投放', 16500, 15800, 5000], ['venue', '展厅布置', 8000, 8600, 0], ['gifts', '到店礼', 6000, 5400, 0]],
    targets: [150, 60, 35, 18, 15, 360, 36],
  },
  {
    name: '国庆车展', form: 'auto_show', status: 'completed', store: 0, offset: -52, length: 5,
    purposes: ['orders', 'reputation'], models: ['迈腾', '途观L', 'ID.4 CROZZ'], theme: '国庆购车节 · 钜惠五天',
    media: [['outdoor', '会展中心 户外展位', 45000], ['douyin', '本地生活 直播', 15000], ['newspaper', '都市快报 半版', 18000]],
    budget: [['venue', '展位费', 60000, 62000, 20000], ['media', '广告投放', 33000, 35500, 10000], ['staff', '车模及礼仪', 12000, 12000, 0], ['materials', '展台物料', 15000, 13800, 0]],
    targets: [400, 180, 90, 45, 30, 900, 80],
  },
  {
    name: '阳光小区外展', form: 'community', status: 'completed', store: 1, offset: -40, length: 2,
    purposes: ['leads', 'reputation'], models: ['探岳'], theme: '家门口的试驾日',
    media: [['outdoor', '小区电梯海报', 6000], ['wechat', '业主群', 0]],
    budget: [['venue', '小区场地', 3000, 3000, 0], ['materials', '帐篷及易拉宝', 4000, 5200, 0], ['gifts', '留资礼品', 3000, 3600, 0]],
    targets: [80, 25, 20, 6, 4, 120, 10],
  },
  {
    name: 'ID.4 CROZZ 上市发布会', form: 'launch', status: 'running', store: 0, offset: -3, length: 10,
    purposes: ['influence', 'leads', 'orders'], models: ['ID.4 CROZZ'], theme: '电动新生 即刻启程',
    media: [['dongchedi', '懂车帝 新车频道', 20000], ['douyin', '达人探店', 25000], ['autohome', '汽车之家 询价', 18000], ['radio', '交通广播 口播', 9000]],
    budget: [['media', '媒体投放', 72000, 51000, 30000], ['venue', '发布会场地', 20000, 20000, 0], ['materials', '发布会物料', 10000, 7600, 0]],
    targets: [300, 120, 80, 30, 20, 660, 45],
  },
  {
    name: '老客户回馈 车友会自驾游', form: 'owners_club', status: 'running', store: 1, offset: -1, length: 4,
    purposes: ['retention', 'reputation'], models: [], theme: '一路同行 感恩有你',
    media: [['wechat', '车友会群', 0], ['sms', '保客短信', 800]],
    budget: [['other', '自驾游路线及保险', 15000, 9000, 0], ['gifts', '纪念品', 5000, 5000, 0]],
    targets: [40, 30, 10, 5, 5, 100, 8],
  },
  {
    name: '双十一线上团购', form: 'online', status: 'approved', store: 0, offset: 6, length: 7,
    purposes: ['leads', 'orders'], models: ['迈腾', '速腾'], theme: '线上团购 限时钜惠',
    media: [['autohome', '汽车之家 团购', 15000], ['bitauto', '易车 询价包', 12000], ['dongchedi', '懂车帝 线索包', 12000]],
    budget: [['media', '平台线索费', 39000, null, 10000], ['staff', '客服加班', 3000, null, 0]],
    targets: [500, 100, 50, 25, 20, 450, 30],
  },
  {
    name: '冬季关怀 店头试驾周', form: 'in_store', status: 'approved', store: 1, offset: 14, length: 7,
    purposes: ['leads', 'orders'], models: ['探岳', '途观L'], theme: '暖冬试驾 好礼相送',
    media: [['wechat', '服务号', 2000], ['newspaper', '宁波晚报', 9000]],
    budget: [['media', '广告', 11000, null, 3000], ['gifts', '试驾礼', 6000, null, 0]],
    targets: [120, 60, 40, 12, 10, 240, 20],
  },
  {
    name: '年终冲量 团购会', form: 'event_marketing', status: 'submitted', store: 0, offset: 21, length: 2,
    purposes: ['orders'], models: ['迈腾', '途观L', '速腾'], theme: '年终团购 一价到底',
    media: [['douyin', '本地推广', 18000], ['sms', '潜客短信', 2000]],
    budget: [['media', '推广', 20000, null, 8000], ['venue', '场地', 10000, null, 0], ['gifts', '成交礼', 12000, null, 0]],
    targets: [200, 90, 50, 40, 30, 800, 60],
  },
  {
    name: '元旦媒体试驾会', form: 'media_event', status: 'returned', store: 0, offset: 35, length: 1,
    purposes: ['influence'], models: ['ID.4 CROZZ'], theme: '新年新能源',
    media: [['pcauto', '太平洋汽车 编辑试驾', 10000]],
    budget: [['media', '媒体车马费', 10000, null, 0], ['venue', '试驾场地', 8000, null, 0]],
    targets: [50, 20, 15, 3, 2, 60, 4],
    returnComment: '媒体名单请补充本地自媒体；预算里场地费偏高，请再询价。',
  },
  {
    name: '春节前置换专场', form: 'in_store', status: 'draft', store: 0, offset: 50, length: 3,
    purposes: ['orders', 'retention'], models: ['途观L', '迈腾'], theme: '旧车换新 过个好年',
    media: [['autohome', '汽车之家 置换专题', 8000]],
    budget: [['media', '线上', 8000, null, 0]],
    targets: [100, 40, 20, 15, 12, 300, 25],
  },
  {
    name: '春季小区巡展', form: 'community', status: 'draft', store: 1, offset: 90, length: 14,
    purposes: ['leads'], models: ['探岳'], theme: '',
    media: [],
    budget: [],
    targets: [0, 0, 0, 0, 0, 0, 0],
  },
  {
    name: '夏日音乐节赞助', form: 'event_marketing', status: 'cancelled', store: 1, offset: -20, length: 2,
    purposes: ['influence', 'reputation'], models: [], theme: '音乐节 大众同行',
    media: [['outdoor', '音乐节场地广告', 30000]],
    budget: [['other', '赞助费', 50000, null, 0]],
    targets: [60, 10, 5, 2, 2, 40, 3],
  },
]

const TASK_TEMPLATES = [
  ['活动方案及预算审批', '市场专员'],
  ['媒体投放及物料设计', '市场专员'],
  ['场地布置', '行政主管'],
  ['邀约及客户接待', '销售经理'],
  ['试驾车辆准备', '展厅经理'],
] as const

/** the workflow step (app/utils/permissions.ts) that leads to a status, as the audit log names it */
const TRANSITION_ACTION: Record<CampaignStatus, string> = {
  draft: 'reopen',
  submitted: 'submit',
  returned: 'return',
  approved: 'approve',
  running: 'start',
  completed: 'complete',
  evaluated: 'evaluate',
  cancelled: 'cancel',
}

const ORDER: CampaignStatus[] = ['draft', 'submitted', 'approved', 'running', 'completed', 'evaluated']

/**
 * The demo dealer group: two stores of one brand, a user per role, a dozen campaigns
 * in every status. Runs only on an empty database; returns null when data exists.
 */
export async function seedDemoIfEmpty(db: Db, options: SeedOptions) {
  const [existing] = await db.select({ n: count() }).from(dealerGroups)
  if ((existing?.n ?? 0) > 0) return null
  return db.transaction((tx) => seedDemo(tx, options))
}

export async function seedDemo(tx: DbOrTx, { hashPassword, hashPhone, deriveUtm, today = new Date() }: SeedOptions) {
  const base = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()))
  const [group] = await tx.insert(dealerGroups).values({ name: '浙东汽车集团' }).returning()
  const storeRows = await tx
    .insert(stores)
    .values([
      { groupId: group!.id, name: '杭州西湖大众4S店', brand: '大众', city: '杭州', websiteUrl: 'https://www.hz-vw.example/', address: '杭州市西湖区天目山路 398 号', hotline: '0571-8521 6666' },
      { groupId: group!.id, name: '宁波鄞州大众4S店', brand: '大众', city: '宁波', websiteUrl: 'https://www.nb-vw.example/', address: '宁波市鄞州区首南中路 1088 号', hotline: '0574-8788 9999' },
    ])
    .returning()
  const [hz, nb] = storeRows as [typeof storeRows[number], typeof storeRows[number]]
  const passwordHash = await hashPassword(DEMO_PASSWORD)
  const people: Array<[string, string, Role, string[]]> = [
    ['admin@roadshow.demo', '系统管理员', 'admin', [hz.id, nb.id]],
    ['manager@roadshow.demo', '王经理', 'manager', [hz.id, nb.id]],
    ['specialist@roadshow.demo', '李专员', 'specialist', [hz.id]],
    ['specialist.nb@roadshow.demo', '陈专员', 'specialist', [nb.id]],
    ['sales@roadshow.demo', '张顾问', 'sales', [hz.id]],
    ['exec@roadshow.demo', '赵总', 'executive', []],
  ]
  const userRows = await tx
    .insert(users)
    .values(people.map(([email, name, role]) => ({ groupId: group!.id, email, name, role, passwordHash })))
    .returning()
  const byEmail = new Map(userRows.map((u) => [u.email, u]))
  await tx.insert(userStores).values(
    people.flatMap(([email, , , storeIds]) => storeIds.map((storeId) => ({ userId: byEmail.get(email)!.id, storeId }))),
  )
  const manager = byEmail.get('manager@roadshow.demo')!
  const specialists = [byEmail.get('specialist@roadshow.demo')!, byEmail.get('specialist.nb@roadshow.demo')!]
  const seeded: SeedCampaign[] = []
  // the history the audit log shows (SPEC §8): what each person did, on the day they did it
  const admin = byEmail.get('admin@roadshow.demo')!
  const history: Array<typeof auditLog.$inferInsert> = [
    ...storeRows.map((st) => ({ at: new Date(base.getTime() - 120 * DAY), userId: admin.id, storeId: st.id, action: 'store.create', entityType: 'store', entityId: st.id, after: { name: st.name, brand: st.brand, city: st.city } })),
    ...people.map(([email, name, role, storeIds], i) => ({
      at: new Date(base.getTime() - 119 * DAY + i * 60_000),
      userId: admin.id,
      action: 'user.create',
      entityType: 'user',
      entityId: byEmail.get(email)!.id,
      after: { email, name, role, storeIds },
    })),
  ]

  for (const plan of PLANS) {
    const storeId = plan.store === 0 ? hz.id : nb.id
    const owner = specialists[plan.store]!
    const start = day(base, plan.offset)
    const end = day(base, plan.offset + plan.length - 1)
    const [t0, t1, t2, t3, t4, t5, t6] = plan.targets
    // planned a month ahead, and never later than a week ago: the demo's history is in the past
    const created = new Date(base.getTime() + Math.min(plan.offset - 30, -8) * DAY + 2 * 3_600_000)
    const [campaign] = await tx
      .insert(campaigns)
      .values({
        storeId,
        name: plan.name,
        form: plan.form,
        status: plan.status,
        background: plan.theme
          ? `上月展厅客流 ${420 + plan.offset * -1} 批次，线索 ${300 + plan.length * 10} 条，订单 ${60 + plan.length} 台；竞品同期推出置换补贴，需要以活动拉动到店。`
          : '',
        purposes: plan.purposes,
        theme: plan.theme,
        warmupStart: plan.theme ? day(base, plan.offset - 7) : null,
        startDate: start,
        endDate: end,
        executionContent: plan.theme
          ? '1. 预热期：线上投放与老客户邀约；\n2. 活动当天：签到、产品讲解、试乘试驾、限时优惠；\n3. 活动后：三日内回访全部留资客户。'
          : '',
        models: plan.models,
        ownerId: owner.id,
        targetLeads: t0 || null,
        targetVisits: t1 || null,
        targetTestDrives: t2 || null,
        targetOrders: t3 || null,
        targetDeliveries: t4 || null,
        targetRevenueFen: t5 ? t5 * 10_000 * 100 : null,
        targetGrossProfitFen: t6 ? t6 * 10_000 * 100 : null,
        evaluationAnalysis: plan.status === 'evaluated' ? '到店目标完成，订单略低于目标；汽车之家线索质量最好。' : null,
        evaluationLessons: plan.status === 'evaluated' ? '到店礼的吸引力不足，下次提前一周做老客户邀约。' : null,
        createdById: owner.id,
        createdAt: created,
        updatedAt: created,
      })
      .returning()
    const campaignId = campaign!.id
    history.push({ at: created, userId: owner.id, storeId, action: 'campaign.create', entityType: 'campaign', entityId: campaignId, after: { name: plan.name, form: plan.form, startDate: start, endDate: end } })
    if (plan.theme) {
      await tx.insert(campaignTasks).values(
        TASK_TEMPLATES.map(([title, who], i) => ({
          campaignId,
          position: i,
          title,
          owner: who === '市场专员' ? owner.name : who,
          dueDate: day(base, plan.offset - 10 + i * 2),
          status: ORDER.indexOf(plan.status) >= 3 || plan.status === 'evaluated' ? ('done' as const) : i === 0 && plan.status !== 'draft' ? ('done' as const) : ('todo' as const),
        })),
      )
      await tx.insert(promotionPolicies).values([
        { campaignId, position: 0, kind: 'external', description: '到店即送精美礼品一份', unitCostFen: 5000, expectedUnits: t1 || 20 },
        { campaignId, position: 1, kind: 'internal', description: '活动期间每成交一台奖励销售顾问 300 元', unitCostFen: 30000, expectedUnits: t3 || 5 },
      ])
    }
    let placements: SeedCampaign['placements'] = []
    if (plan.media.length) {
      placements = await tx.insert(mediaPlacements).values(
        plan.media.map(([medium, platform, cost], i) => ({
          campaignId,
          position: i,
          medium,
          platform,
          purpose: 'promotion',
          nature: medium === 'wechat' || medium === 'douyin' ? 'soft' : 'hard',
          audience: '本地意向购车客户',
          startDate: day(base, plan.offset - 7),
          endDate: end,
          costFen: cost * 100,
        })),
      ).returning({ id: mediaPlacements.id, medium: mediaPlacements.medium, platform: mediaPlacements.platform })
    }
    seeded.push({ id: campaignId, name: plan.name, storeId, status: plan.status, warmupStart: plan.theme ? day(base, plan.offset - 7) : null, startDate: start, endDate: end, placements })
    // the placements' and promotions' costs are budget lines of their own (ADR 023): the plan's
    // media budget is theirs, the other categories are typed
    await syncPlanCostLines(tx, campaignId)
    const typed = plan.budget.filter(([category]) => category !== 'media')
    const typedLines = typed.length
      ? await tx
          .insert(budgetLines)
          .values(typed.map(([category, description, planned, , subsidy], i) => ({ campaignId, position: i, category, description, plannedFen: planned * 100, vendor: '', subsidyFen: subsidy * 100 })))
          .returning({ id: budgetLines.id })
      : []
    // actual spend as a specialist records it: each payment on its day, the media spend spread
    // over the placements by their cost, paid when they started
    const spentOn = end < day(base, 0) ? end : day(base, 0)
    const spend: Array<typeof spendEntries.$inferInsert> = []
    typed.forEach(([, , , actual, subsidy], i) => {
      if (actual) spend.push({ campaignId, budgetLineId: typedLines[i]!.id, spentOn, amountFen: actual * 100, subsidyFen: Math.min(subsidy, actual) * 100, createdById: owner.id })
    })
    const media = plan.budget.find(([category]) => category === 'media')
    if (media?.[3] && placements.length) {
      const lines = await tx.select({ id: budgetLines.id, planned: budgetLines.plannedFen }).from(budgetLines).where(and(eq(budgetLines.campaignId, campaignId), isNotNull(budgetLines.placementId)))
      const planned = lines.reduce((sum, l) => sum + l.planned, 0)
      for (const line of lines) {
        const share = planned > 0 ? line.planned / planned : 1 / lines.length
        const amount = Math.round(media[3] * 100 * share)
        if (amount > 0) spend.push({ campaignId, budgetLineId: line.id, spentOn: day(base, plan.offset - 7) < spentOn ? day(base, plan.offset - 7) : spentOn, amountFen: amount, subsidyFen: Math.min(amount, Math.round(media[4] * 100 * share)), createdById: owner.id })
      }
    }
    if (spend.length) {
      const entries = await tx.insert(spendEntries).values(spend).returning({ id: spendEntries.id })
      spend.forEach((e, i) =>
        history.push({
          // recorded the morning of the day it was paid (Shanghai), never after now
          at: new Date(Math.min(Date.parse(`${e.spentOn}T02:00:00Z`), today.getTime())),
          userId: owner.id,
          storeId,
          action: 'campaign.spend.add',
          entityType: 'campaign',
          entityId: campaignId,
          after: { entryId: entries[i]!.id, budgetLineId: e.budgetLineId, spentOn: e.spentOn, amountFen: e.amountFen, subsidyFen: e.subsidyFen },
        }),
      )
      await refreshLineActuals(tx, { campaignId })
    }
    // the workflow history that leads to the seeded status
    const steps: Array<[CampaignStatus | null, CampaignStatus, string, string]> = []
    // submitted the day after it was written, decided the day after that, started on its first
    // day, completed the day after its last, evaluated a week later: never after today
    const dayOf = (d: string, hour: number) => new Date(Date.parse(`${d}T00:00:00Z`) + hour * 3_600_000)
    const stepAt: Record<CampaignStatus, Date> = {
      draft: created,
      submitted: new Date(created.getTime() + DAY),
      returned: new Date(created.getTime() + 2 * DAY),
      approved: new Date(created.getTime() + 2 * DAY),
      cancelled: new Date(created.getTime() + 2 * DAY),
      running: new Date(Math.max(created.getTime() + 3 * DAY, dayOf(start, 1).getTime())),
      completed: dayOf(day(new Date(Date.parse(`${end}T00:00:00Z`)), 1), 2),
      evaluated: new Date(Math.min(dayOf(end, 7 * 24 + 3).getTime(), base.getTime() - 3_600_000)),
    }
    const at = (status: CampaignStatus) => stepAt[status]
    if (plan.status !== 'draft') {
      steps.push(['draft', 'submitted', owner.id, ''])
      if (plan.status === 'returned') steps.push(['submitted', 'returned', manager.id, plan.returnComment ?? ''])
      else if (plan.status === 'cancelled') steps.push(['submitted', 'cancelled', manager.id, '与厂家活动冲突，取消。'])
      else if (plan.status !== 'submitted') {
        steps.push(['submitted', 'approved', manager.id, '同意，注意控制物料费用。'])
        const reached = ORDER.indexOf(plan.status)
        if (reached >= 3) steps.push(['approved', 'running', owner.id, ''])
        if (reached >= 4) steps.push(['running', 'completed', owner.id, ''])
        if (reached >= 5) steps.push(['completed', 'evaluated', owner.id, ''])
      }
    }
    if (steps.length) {
      await tx.insert(campaignTransitions).values(
        steps.map(([fromStatus, toStatus, userId, comment]) => ({ campaignId, fromStatus, toStatus, userId, comment, at: at(toStatus) })),
      )
      steps.forEach(([fromStatus, toStatus, userId, comment]) =>
        history.push({
          at: at(toStatus),
          userId,
          storeId,
          action: `campaign.${TRANSITION_ACTION[toStatus]}`,
          entityType: 'campaign',
          entityId: campaignId,
          before: { status: fromStatus },
          after: { status: toStatus, comment: comment || undefined },
        }),
      )
    }
  }
  await tx.insert(auditLog).values(history)
  const capture = await seedCapture(tx, {
    stores: [
      { id: hz.id, name: hz.name, host: 'www.hz-vw.example', consultantIds: [byEmail.get('sales@roadshow.demo')!.id] },
      { id: nb.id, name: nb.name, host: 'www.nb-vw.example', consultantIds: [] },
    ],
    campaigns: seeded,
    hashPhone,
    deriveUtm,
    now: today,
  })
  const competitors = await seedCompetitors(tx, {
    groupId: group!.id,
    storeIds: [hz.id, nb.id],
    observerIds: [byEmail.get('specialist@roadshow.demo')!.id, byEmail.get('sales@roadshow.demo')!.id, byEmail.get('specialist.nb@roadshow.demo')!.id],
    today: base,
  })
  return {
    stores: storeRows.length,
    users: userRows.length,
    campaigns: PLANS.length,
    ...capture,
    competitorObservations: competitors.observations,
    // a year of the region's registrations, imported into each store on first run
    marketExports: demoMarketExports([hz, nb], base),
    specialistId: byEmail.get('specialist@roadshow.demo')!.id,
  }
}
