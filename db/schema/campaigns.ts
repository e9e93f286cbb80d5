import {
  bigint,
  bigserial,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  uniqueIndex,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core'
import { stores, users } from './accounts'
import type { CampaignForm, CampaignPurpose, CampaignStatus, Medium, TaskStatus } from './enums'

const fen = (name: string) => bigint(name, { mode: 'number' })
const ts = (name: string) => timestamp(name, { withTimezone: true })

/**
 * A campaign plan (活动策划) with the single-valued parts of its ten parts:
 * background, purposes, theme, time, execution content and targets.
 * The list-valued parts (tasks, placements, promotions, budget lines) are child tables.
 * Calendar days of the plan are `date` (the store's local day); moments are timestamptz (UTC).
 */
export const campaigns = pgTable(
  'campaigns',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    storeId: uuid('store_id')
      .notNull()
      .references(() => stores.id),
    name: text('name').notNull(),
    // form and dates may be empty while the plan is a draft (planGaps names them before it is submitted)
    form: text('form').$type<CampaignForm>(),
    status: text('status').$type<CampaignStatus>().notNull().default('draft'),
    background: text('background').notNull().default(''),
    purposes: jsonb('purposes').$type<CampaignPurpose[]>().notNull().default([]),
    theme: text('theme').notNull().default(''),
    warmupStart: date('warmup_start'),
    startDate: date('start_date'),
    endDate: date('end_date'),
    executionContent: text('execution_content').notNull().default(''),
    models: jsonb('models').$type<string[]>().notNull().default([]),
    ownerId: uuid('owner_id').references(() => users.id),
    targetLeads: integer('target_leads'),
    targetVisits: integer('target_visits'),
    targetTestDrives: integer('target_test_drives'),
    targetOrders: integer('target_orders'),
    targetDeliveries: integer('target_deliveries'),
    targetRevenueFen: fen('target_revenue_fen'),
    targetGrossProfitFen: fen('target_gross_profit_fen'),
    // post-campaign evaluation (活动分析及总结), written by the specialist
    evaluationAnalysis: text('evaluation_analysis'),
    evaluationLessons: text('evaluation_lessons'),
    evaluationChecklist: jsonb('evaluation_checklist').$type<Record<string, boolean>>(),
    clonedFromId: uuid('cloned_from_id'),
    version: integer('version').notNull().default(1),
    createdById: uuid('created_by_id').references(() => users.id),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('campaigns_store_start_idx').on(t.storeId, t.startDate),
    index('campaigns_store_status_idx').on(t.storeId, t.status),
  ],
)

export const campaignTasks = pgTable(
  'campaign_tasks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    campaignId: uuid('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    title: text('title').notNull(),
    owner: text('owner').notNull(),
    dueDate: date('due_date'),
    status: text('status').$type<TaskStatus>().notNull().default('todo'),
    /** kept true by a trigger on every write (analytics sync, ADR 013) */
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [index('campaign_tasks_campaign_idx').on(t.campaignId)],
)

export const mediaPlacements = pgTable(
  'media_placements',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    campaignId: uuid('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    medium: text('medium').$type<Medium>().notNull(),
    platform: text('platform').notNull().default(''),
    purpose: text('purpose').notNull(),
    nature: text('nature').notNull(),
    audience: text('audience').notNull().default(''),
    startDate: date('start_date'),
    endDate: date('end_date'),
    costFen: fen('cost_fen').notNull().default(0),
    /** kept true by a trigger on every write (analytics sync, ADR 013) */
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [index('media_placements_campaign_idx').on(t.campaignId)],
)

export const promotionPolicies = pgTable(
  'promotion_policies',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    campaignId: uuid('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    kind: text('kind').notNull(),
    description: text('description').notNull(),
    unitCostFen: fen('unit_cost_fen').notNull().default(0),
    expectedUnits: integer('expected_units').notNull().default(0),
    /** kept true by a trigger on every write (analytics sync, ADR 013) */
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [index('promotion_policies_campaign_idx').on(t.campaignId)],
)

/**
 * The budget (ADR 023): a line per media placement and per promotion policy, kept by the plan's
 * save from their costs (never typed twice), and the lines typed for everything else (venue,
 * materials, gifts …). `actualFen` is the sum of the line's spend entries, kept by their writes;
 * `subsidyFen` is the manufacturer subsidy expected when planning.
 */
export const budgetLines = pgTable(
  'budget_lines',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    campaignId: uuid('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    category: text('category').notNull(),
    description: text('description').notNull().default(''),
    plannedFen: fen('planned_fen').notNull().default(0),
    actualFen: fen('actual_fen'),
    vendor: text('vendor').notNull().default(''),
    subsidyFen: fen('subsidy_fen').notNull().default(0),
    /** the placement whose cost this line is (category media), kept by the plan's save */
    placementId: uuid('placement_id').references(() => mediaPlacements.id, { onDelete: 'cascade' }),
    /** the promotion policy whose cost (unit cost × expected units) this line is (category promotion) */
    promotionId: uuid('promotion_id').references(() => promotionPolicies.id, { onDelete: 'cascade' }),
    /** kept true by a trigger on every write (analytics sync, ADR 013) */
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('budget_lines_campaign_idx').on(t.campaignId),
    uniqueIndex('budget_lines_placement_key').on(t.placementId),
    uniqueIndex('budget_lines_promotion_key').on(t.promotionId),
  ],
)

/**
 * Actual spend (SPEC §2, ADR 023): an amount paid against a budget line on a day, with the part
 * the manufacturer subsidises. Its line says the placement (so the medium and the channel) or
 * the category; its day says the month: cost splits by channel, medium and month.
 */
export const spendEntries = pgTable(
  'spend_entries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    campaignId: uuid('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    budgetLineId: uuid('budget_line_id')
      .notNull()
      .references(() => budgetLines.id, { onDelete: 'cascade' }),
    /** the store's calendar day the money was spent (invoice or payment day) */
    spentOn: date('spent_on').notNull(),
    amountFen: fen('amount_fen').notNull(),
    /** of the amount, what the manufacturer pays back (厂家支持) */
    subsidyFen: fen('subsidy_fen').notNull().default(0),
    vendor: text('vendor').notNull().default(''),
    note: text('note').notNull().default(''),
    createdById: uuid('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: ts('created_at').notNull().defaultNow(),
    /** kept true by a trigger on every write (analytics sync, ADR 013) */
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [index('spend_entries_campaign_idx').on(t.campaignId, t.spentOn), index('spend_entries_line_idx').on(t.budgetLineId)],
)

export const campaignTransitions = pgTable(
  'campaign_transitions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    campaignId: uuid('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    fromStatus: text('from_status').$type<CampaignStatus>(),
    toStatus: text('to_status').$type<CampaignStatus>().notNull(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    comment: text('comment').notNull().default(''),
    at: ts('at').notNull().defaultNow(),
    /** kept true by a trigger on every write (analytics sync, ADR 013) */
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [index('campaign_transitions_campaign_idx').on(t.campaignId, t.at)],
)
