import { z } from 'zod'
import {
  AD_NATURES,
  AD_PURPOSES,
  BUDGET_CATEGORIES,
  CAMPAIGN_FORMS,
  CAMPAIGN_PURPOSES,
  MEDIA,
  PROMOTION_KINDS,
  TASK_STATUSES,
} from '../../db/schema/enums'
import {
  choice,
  count,
  day,
  money,
  optionalCount,
  optionalDay,
  optionalMoney,
  queryChoice,
  queryDay,
  queryId,
  queryPage,
  queryText,
  requiredText,
  rowId,
  text,
} from './fields'

export const TaskSchema = z.object({
  id: rowId,
  title: requiredText(200),
  owner: requiredText(60),
  dueDate: optionalDay,
  status: choice(TASK_STATUSES).default('todo'),
})

export const PlacementSchema = z
  .object({
    id: rowId,
    medium: choice(MEDIA),
    platform: text(120),
    purpose: choice(AD_PURPOSES),
    nature: choice(AD_NATURES),
    audience: text(200),
    startDate: optionalDay,
    endDate: optionalDay,
    costFen: money,
  })
  .superRefine((v, ctx) => {
    if (v.startDate && v.endDate && v.endDate < v.startDate) {
      ctx.addIssue({ code: 'custom', path: ['endDate'], message: 'validation.endBeforeStart' })
    }
  })

export const PromotionSchema = z.object({
  id: rowId,
  kind: choice(PROMOTION_KINDS),
  description: requiredText(300),
  unitCostFen: money,
  expectedUnits: count,
})

export const BudgetLineSchema = z.object({
  id: rowId,
  category: choice(BUDGET_CATEGORIES),
  description: requiredText(200),
  plannedFen: money,
  vendor: text(120),
  subsidyFen: money,
})

const list = <T extends z.ZodTypeAny>(row: T) => z.array(row).max(200).default([])

const DATE_FIELDS = ['warmupStart', 'startDate', 'endDate']
const datesParsed = (issues: ReadonlyArray<{ path?: PropertyKey[] }>) =>
  !issues.some((i) => DATE_FIELDS.includes(String(i.path?.[0])))

/**
 * The ten parts of a campaign plan as the form submits them. A draft saves with only a
 * store and a name: what is typed must be valid, but the parts a plan needs before it
 * goes to approval (form, purposes, dates) may still be empty — `planGaps` names them,
 * and submitting refuses a plan that has any.
 */
export const CampaignPlanSchema = z
  .object({
    storeId: z.uuid('validation.choice'),
    name: requiredText(120),
    form: z
      .string()
      .optional()
      .transform((v) => (v ? v : null))
      .pipe(choice(CAMPAIGN_FORMS).nullable()),
    ownerId: z
      .string()
      .optional()
      .transform((v) => (v ? v : null))
      .pipe(z.uuid('validation.choice').nullable()),
    models: z
      .string()
      .max(300, 'validation.tooLong?max=300')
      .optional()
      .transform((v) =>
        [...new Set((v ?? '').split(/[,，、;；]/).map((m) => m.trim()).filter(Boolean))].slice(0, 20),
      ),
    background: text(5000),
    purposes: z.preprocess((v) => v ?? [], z.array(choice(CAMPAIGN_PURPOSES)).max(CAMPAIGN_PURPOSES.length)),
    theme: text(200),
    warmupStart: optionalDay,
    startDate: optionalDay,
    endDate: optionalDay,
    executionContent: text(10000),
    targetLeads: optionalCount,
    targetVisits: optionalCount,
    targetTestDrives: optionalCount,
    targetOrders: optionalCount,
    targetDeliveries: optionalCount,
    targetRevenueFen: optionalMoney,
    targetGrossProfitFen: optionalMoney,
    tasks: list(TaskSchema),
    placements: list(PlacementSchema),
    promotions: list(PromotionSchema),
    budgetLines: list(BudgetLineSchema),
  })
  // cross-field date checks run even when other fields have errors, so the user sees every problem at once
  .refine((v) => !(v.startDate && v.endDate && v.endDate < v.startDate), {
    path: ['endDate'],
    message: 'validation.endBeforeStart',
    when: (payload) => datesParsed(payload.issues),
  })
  .refine((v) => !(v.warmupStart && v.startDate && v.warmupStart > v.startDate), {
    path: ['warmupStart'],
    message: 'validation.warmupAfterStart',
    when: (payload) => datesParsed(payload.issues),
  })

export type CampaignPlanInput = z.output<typeof CampaignPlanSchema>

/** What a plan must have before it goes to approval, beyond what a draft needs. */
type PlanEssentials = {
  form: string | null
  purposes: readonly string[]
  startDate: string | null
  endDate: string | null
}

/**
 * The required parts a saved draft still lacks, as field errors (field → message key),
 * in the order the form shows them. Empty when the plan may be submitted.
 */
export function planGaps(plan: PlanEssentials): Record<string, string> {
  const gaps: Record<string, string> = {}
  if (!plan.form) gaps.form = 'validation.required'
  if (!plan.purposes.length) gaps.purposes = 'validation.atLeastOnePurpose'
  if (!plan.startDate) gaps.startDate = 'validation.required'
  if (!plan.endDate) gaps.endDate = 'validation.required'
  return gaps
}
export type CampaignPurposeValue = (typeof CAMPAIGN_PURPOSES)[number]

export const VersionSchema = z.coerce.number({ error: 'validation.invalid' }).int().min(1)

/** What may still change once a plan is approved: task progress (spend is recorded as entries). */
export const ExecutionUpdateSchema = z.object({
  version: VersionSchema,
  tasks: z.array(z.object({ id: z.uuid('validation.invalid'), status: choice(TASK_STATUSES) })).max(200).default([]),
})

/** Money spent against a budget line (ADR 023): the day, the amount, the manufacturer's part of it. */
export const SpendEntrySchema = z
  .object({
    budgetLineId: z.uuid('validation.required'),
    spentOn: day,
    amountFen: money.refine((v) => v > 0, 'campaign.spend.amountPositive'),
    subsidyFen: money,
    vendor: text(120),
    note: text(500),
  })
  .refine((v) => v.subsidyFen <= v.amountFen, { path: ['subsidyFen'], message: 'campaign.spend.subsidyTooLarge' })
export type SpendEntryInput = z.output<typeof SpendEntrySchema>

export const TransitionSchema = z.object({
  action: z.enum(['submit', 'approve', 'return', 'start', 'complete', 'cancel', 'reopen'], { error: 'validation.choice' }),
  comment: text(2000),
  version: VersionSchema.optional(),
})

export const EVALUATION_CHECKS = ['dutiesClear', 'stageGoals', 'handoffs', 'spendAsPlanned', 'effectEvaluated', 'summaryWritten'] as const

export const EvaluationSchema = z.object({
  version: VersionSchema,
  analysis: requiredText(10000),
  lessons: text(10000),
  checks: z.array(z.enum(EVALUATION_CHECKS)).default([]),
})

/** The campaign list's query string: an empty filter is no filter, a bad one answers 400 naming it. */
export const CampaignFiltersSchema = z.object({
  q: queryText(100),
  store: queryId,
  status: queryChoice(['draft', 'submitted', 'returned', 'approved', 'running', 'completed', 'evaluated', 'cancelled']),
  form: queryChoice(CAMPAIGN_FORMS),
  owner: queryId,
  model: queryText(60),
  from: queryDay,
  to: queryDay,
  sort: queryChoice(['name', 'startDate', 'status', 'planned', 'store']).transform((v) => v ?? 'startDate'),
  dir: queryChoice(['asc', 'desc']).transform((v) => v ?? 'desc'),
  page: queryPage(10_000),
})
export type CampaignFilters = z.output<typeof CampaignFiltersSchema>

/** The timeline's period and store. */
export const CampaignPeriodQuerySchema = z.object({ from: queryDay, to: queryDay, store: queryId })
