import type { MessageKey } from '../i18n'
import { fenToYuanInput } from './format'

/** The raw string shape of the plan form, as submitted and as re-rendered after an error. */
export type RowValues = Record<string, string | undefined>
export type PlanFormValues = {
  storeId?: string
  name?: string
  form?: string
  ownerId?: string
  models?: string
  background?: string
  purposes?: string[]
  theme?: string
  warmupStart?: string
  startDate?: string
  endDate?: string
  executionContent?: string
  targetLeads?: string
  targetVisits?: string
  targetTestDrives?: string
  targetOrders?: string
  targetDeliveries?: string
  targetRevenueFen?: string
  targetGrossProfitFen?: string
  tasks?: RowValues[]
  placements?: RowValues[]
  promotions?: RowValues[]
  budgetLines?: RowValues[]
}

export const ROW_LISTS = ['tasks', 'placements', 'promotions', 'budgetLines'] as const
export type RowList = (typeof ROW_LISTS)[number]

export const EMPTY_ROWS: Record<RowList, RowValues> = {
  tasks: { title: '', owner: '', dueDate: '', status: 'todo' },
  placements: { medium: 'autohome', platform: '', purpose: 'promotion', nature: 'hard', audience: '', startDate: '', endDate: '', costFen: '' },
  promotions: { kind: 'external', description: '', unitCostFen: '', expectedUnits: '' },
  // the category is chosen, not defaulted: an unchosen one is an error, not a silent 'venue'
  budgetLines: { category: '', description: '', plannedFen: '', vendor: '', subsidyFen: '' },
}

const str = (v: number | null | undefined) => (v == null ? '' : String(v))

type CampaignLike = {
  storeId: string
  name: string
  form: string | null
  ownerId: string | null
  models: string[]
  background: string
  purposes: string[]
  theme: string
  warmupStart: string | null
  startDate: string | null
  endDate: string | null
  executionContent: string
  targetLeads: number | null
  targetVisits: number | null
  targetTestDrives: number | null
  targetOrders: number | null
  targetDeliveries: number | null
  targetRevenueFen: number | null
  targetGrossProfitFen: number | null
  tasks: Array<{ id: string; title: string; owner: string; dueDate: string | null; status: string }>
  placements: Array<{ id: string; medium: string; platform: string; purpose: string; nature: string; audience: string; startDate: string | null; endDate: string | null; costFen: number }>
  promotions: Array<{ id: string; kind: string; description: string; unitCostFen: number; expectedUnits: number }>
  budgetLines: Array<{ id: string; category: string; description: string; plannedFen: number; vendor: string; subsidyFen: number; placementId: string | null; promotionId: string | null }>
}

export function campaignToFormValues(c: CampaignLike): PlanFormValues {
  return {
    storeId: c.storeId,
    name: c.name,
    form: c.form ?? '',
    ownerId: c.ownerId ?? '',
    models: c.models.join(', '),
    background: c.background,
    purposes: c.purposes,
    theme: c.theme,
    warmupStart: c.warmupStart ?? '',
    startDate: c.startDate ?? '',
    endDate: c.endDate ?? '',
    executionContent: c.executionContent,
    targetLeads: str(c.targetLeads),
    targetVisits: str(c.targetVisits),
    targetTestDrives: str(c.targetTestDrives),
    targetOrders: str(c.targetOrders),
    targetDeliveries: str(c.targetDeliveries),
    targetRevenueFen: fenToYuanInput(c.targetRevenueFen),
    targetGrossProfitFen: fenToYuanInput(c.targetGrossProfitFen),
    tasks: c.tasks.map((t) => ({ id: t.id, title: t.title, owner: t.owner, dueDate: t.dueDate ?? '', status: t.status })),
    placements: c.placements.map((p) => ({
      id: p.id,
      medium: p.medium,
      platform: p.platform,
      purpose: p.purpose,
      nature: p.nature,
      audience: p.audience,
      startDate: p.startDate ?? '',
      endDate: p.endDate ?? '',
      costFen: fenToYuanInput(p.costFen),
    })),
    promotions: c.promotions.map((p) => ({
      id: p.id,
      kind: p.kind,
      description: p.description,
      unitCostFen: fenToYuanInput(p.unitCostFen),
      expectedUnits: String(p.expectedUnits),
    })),
    // the typed lines only: the placements' and promotions' lines follow their costs (ADR 023)
    budgetLines: c.budgetLines
      .filter((b) => !b.placementId && !b.promotionId)
      .map((b) => ({
        id: b.id,
        category: b.category,
        description: b.description,
        plannedFen: fenToYuanInput(b.plannedFen),
        vendor: b.vendor,
        subsidyFen: fenToYuanInput(b.subsidyFen),
      })),
  }
}

/** Which of the ten parts are filled in, for the progress shown beside the form. */
export function planProgress(v: PlanFormValues) {
  const filled = (s?: string) => Boolean(s && s.trim())
  const parts = {
    background: filled(v.background),
    purposes: (v.purposes ?? []).length > 0,
    theme: filled(v.theme),
    time: filled(v.startDate) && filled(v.endDate),
    execution: filled(v.executionContent),
    tasks: (v.tasks ?? []).length > 0,
    targets: [v.targetLeads, v.targetVisits, v.targetTestDrives, v.targetOrders, v.targetDeliveries, v.targetRevenueFen, v.targetGrossProfitFen].some(filled),
    media: (v.placements ?? []).length > 0,
    promotions: (v.promotions ?? []).length > 0,
    budget: (v.budgetLines ?? []).length > 0,
  }
  return { parts, done: Object.values(parts).filter(Boolean).length, total: 10 }
}

/** The no-JavaScript path for "add row" and "remove row" buttons: `add:tasks`, `remove:tasks:2`. */
export function applyRowIntent(values: PlanFormValues, intent: string): PlanFormValues | null {
  const [verb, list, index] = intent.split(':')
  if (!(ROW_LISTS as readonly string[]).includes(list ?? '')) return null
  const key = list as RowList
  const rows = [...(values[key] ?? [])]
  if (verb === 'add') rows.push({ ...EMPTY_ROWS[key] })
  else if (verb === 'remove' && index !== undefined) rows.splice(Number(index), 1)
  else return null
  return { ...values, [key]: rows }
}

/**
 * The budget lines the plan's placements and promotions make (ADR 023), as the form stands:
 * shown above the typed lines so that nobody types a media cost twice.
 */
export function planCostLines(v: PlanFormValues): Array<{ kind: 'media' | 'promotion'; medium?: string; text: string; yuan: number }> {
  const yuan = (s: string | undefined) => {
    const n = Number((s ?? '').replace(/[,，\s¥￥]/g, ''))
    return Number.isFinite(n) ? n : 0
  }
  return [
    ...(v.placements ?? []).map((p) => ({ kind: 'media' as const, medium: p.medium, text: p.platform ?? '', yuan: yuan(p.costFen) })),
    ...(v.promotions ?? []).map((p) => ({ kind: 'promotion' as const, text: p.description ?? '', yuan: yuan(p.unitCostFen) * yuan(p.expectedUnits) })),
  ]
}

/** The plan's top-level fields as the form labels them (the error summary, what changed since a return). */
export const FIELD_LABELS: Record<string, MessageKey> = {
  name: 'campaign.field.name',
  storeId: 'campaign.field.store',
  form: 'campaign.field.form',
  ownerId: 'campaign.field.owner',
  models: 'campaign.field.models',
  background: 'campaign.field.background',
  purposes: 'campaign.field.purposes',
  theme: 'campaign.field.theme',
  warmupStart: 'campaign.field.warmupStart',
  startDate: 'campaign.field.startDate',
  endDate: 'campaign.field.endDate',
  executionContent: 'campaign.field.executionContent',
  targetLeads: 'campaign.field.targetLeads',
  targetVisits: 'campaign.field.targetVisits',
  targetTestDrives: 'campaign.field.targetTestDrives',
  targetOrders: 'campaign.field.targetOrders',
  targetDeliveries: 'campaign.field.targetDeliveries',
  targetRevenueFen: 'campaign.field.targetRevenue',
  targetGrossProfitFen: 'campaign.field.targetGrossProfit',
}
/** The plan's row lists, named by their sections. */
export const LIST_LABELS: Record<RowList, MessageKey> = {
  tasks: 'campaign.section.tasks',
  placements: 'campaign.section.media',
  promotions: 'campaign.section.promotions',
  budgetLines: 'campaign.section.budget',
}
