import { and, asc, desc, eq, gte, ilike, inArray, isNull, lte, or, sql, type SQL } from 'drizzle-orm'
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core'
import { getDb, type Tx } from '../../db/client'
import { refreshLineActuals, syncPlanCostLines } from '../../db/plan-costs'
import { containsPattern } from '../../db/sql'
import {
  budgetLines,
  campaignTasks,
  campaignTransitions,
  campaigns,
  linkClicks,
  mediaPlacements,
  promotionPolicies,
  spendEntries,
  stores,
  touchpoints,
  trackingLinks,
  userStores,
  users,
} from '../../db/schema'
import type { CampaignStatus } from '../../db/schema/enums'
import { planGaps, type CampaignFilters, type CampaignPlanInput, type SpendEntryInput } from '../schemas/campaign'
import type { SessionUser } from '../utils/auth.server'
import { canReadStore, canWriteStore } from '../utils/auth.server'
import { forbidden, notFound } from '../utils/http.server'
import {
  CAMPAIGN_WORKFLOW,
  EXECUTION_EDITABLE,
  PLAN_EDITABLE,
  roleCan,
  type CampaignAction,
} from '../utils/permissions'
import { recordAudit } from './audit.server'
import { campaignMatchedSales } from './matchback.server'
import { NO_STORE } from '../utils/ids'

export const PAGE_SIZE = 20

const readableStoreIds = (user: SessionUser) => user.stores.map((s) => s.id)

// null when the plan has no budget lines yet: the list shows "—", not ¥0.00
const plannedTotal = sql<number | null>`(select sum(${budgetLines.plannedFen}) from ${budgetLines} where ${budgetLines.campaignId} = ${campaigns.id})`.mapWith((v) => (v == null ? null : Number(v)))
const actualTotal = sql<number | null>`(select sum(${budgetLines.actualFen}) from ${budgetLines} where ${budgetLines.campaignId} = ${campaigns.id})`.mapWith((v) => (v == null ? null : Number(v)))

function filterConditions(user: SessionUser, f: Partial<CampaignFilters>): SQL[] {
  const allowed = readableStoreIds(user)
  const conditions: SQL[] = [inArray(campaigns.storeId, allowed.length ? allowed : [NO_STORE])]
  if (f.store) conditions.push(eq(campaigns.storeId, f.store))
  if (f.status) conditions.push(eq(campaigns.status, f.status))
  if (f.form) conditions.push(eq(campaigns.form, f.form))
  if (f.owner) conditions.push(eq(campaigns.ownerId, f.owner))
  // a campaign is "in the period" when it overlaps it
  if (f.from) conditions.push(gte(campaigns.endDate, f.from))
  if (f.to) conditions.push(lte(campaigns.startDate, f.to))
  if (f.model) conditions.push(sql`${campaigns.models} @> ${JSON.stringify([f.model])}::jsonb`)
  if (f.q) {
    const like = containsPattern(f.q)
    conditions.push(
      or(ilike(campaigns.name, like), ilike(campaigns.theme, like), sql`${campaigns.models}::text ilike ${like}`)!,
    )
  }
  return conditions
}

export async function listCampaigns(user: SessionUser, f: CampaignFilters) {
  const db = await getDb()
  const where = and(...filterConditions(user, f))
  const order = {
    name: campaigns.name,
    startDate: campaigns.startDate,
    status: campaigns.status,
    planned: plannedTotal,
    store: stores.name,
  }[f.sort]
  const [totalRow] = await db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(campaigns).where(where)
  const rows = await db
    .select({
      id: campaigns.id,
      name: campaigns.name,
      form: campaigns.form,
      status: campaigns.status,
      startDate: campaigns.startDate,
      endDate: campaigns.endDate,
      models: campaigns.models,
      storeId: campaigns.storeId,
      storeName: stores.name,
      currency: stores.currency,
      ownerName: users.name,
      plannedFen: plannedTotal,
      actualFen: actualTotal,
    })
    .from(campaigns)
    .innerJoin(stores, eq(stores.id, campaigns.storeId))
    .leftJoin(users, eq(users.id, campaigns.ownerId))
    .where(where)
    // campaigns without a value (no budget yet) sort last either way
    .orderBy(f.dir === 'asc' ? sql`${order} asc nulls last` : sql`${order} desc nulls last`, desc(campaigns.createdAt))
    .limit(PAGE_SIZE)
    .offset((f.page - 1) * PAGE_SIZE)
  return { rows, total: totalRow?.n ?? 0 }
}

/** Campaigns overlapping [from, to] for the timeline. */
export async function listCampaignsInPeriod(user: SessionUser, from: string, to: string, storeId?: string) {
  const db = await getDb()
  const rows = await db
    .select({
      id: campaigns.id,
      name: campaigns.name,
      status: campaigns.status,
      form: campaigns.form,
      warmupStart: campaigns.warmupStart,
      startDate: campaigns.startDate,
      endDate: campaigns.endDate,
      storeName: stores.name,
    })
    .from(campaigns)
    .innerJoin(stores, eq(stores.id, campaigns.storeId))
    .where(and(...filterConditions(user, { from, to, store: storeId })))
    .orderBy(asc(campaigns.startDate), asc(campaigns.name))
    .limit(500)
  // a draft without dates overlaps no period (the filter above leaves it out)
  return rows.flatMap((r) => (r.startDate && r.endDate ? [{ ...r, startDate: r.startDate, endDate: r.endDate }] : []))
}

/** People who can own a campaign in the user's stores (specialists, managers, admins). */
export async function listOwners(user: SessionUser) {
  const db = await getDb()
  const storeIds = readableStoreIds(user)
  if (!storeIds.length) return []
  return db
    .selectDistinct({ id: users.id, name: users.name, role: users.role })
    .from(users)
    .innerJoin(userStores, eq(userStores.userId, users.id))
    .where(and(inArray(userStores.storeId, storeIds), inArray(users.role, ['specialist', 'manager', 'admin']), eq(users.active, true)))
    .orderBy(asc(users.name))
}

export async function getCampaign(user: SessionUser, id: string) {
  if (!/^[0-9a-f-]{36}$/i.test(id)) notFound()
  const db = await getDb()
  const [row] = await db
    .select({ campaign: campaigns, store: stores, ownerName: users.name })
    .from(campaigns)
    .innerJoin(stores, eq(stores.id, campaigns.storeId))
    .leftJoin(users, eq(users.id, campaigns.ownerId))
    .where(eq(campaigns.id, id))
  // another store's campaign is answered as "not found": its existence is not revealed
  if (!row || !canReadStore(user, row.campaign.storeId)) notFound()
  const byPosition = { orderBy: (t: { position: PgColumn }) => asc(t.position) }
  const [tasks, placements, promotions, budget, history, spend] = await Promise.all([
    db.select().from(campaignTasks).where(eq(campaignTasks.campaignId, id)).orderBy(byPosition.orderBy(campaignTasks)),
    db.select().from(mediaPlacements).where(eq(mediaPlacements.campaignId, id)).orderBy(byPosition.orderBy(mediaPlacements)),
    db.select().from(promotionPolicies).where(eq(promotionPolicies.campaignId, id)).orderBy(byPosition.orderBy(promotionPolicies)),
    // the placements' lines first, then the promotions', then the typed ones, each in plan order
    db
      .select()
      .from(budgetLines)
      .where(eq(budgetLines.campaignId, id))
      .orderBy(sql`${budgetLines.placementId} is null`, sql`${budgetLines.promotionId} is null`, asc(budgetLines.position)),
    db
      .select({
        id: campaignTransitions.id,
        fromStatus: campaignTransitions.fromStatus,
        toStatus: campaignTransitions.toStatus,
        comment: campaignTransitions.comment,
        at: campaignTransitions.at,
        userName: users.name,
      })
      .from(campaignTransitions)
      .leftJoin(users, eq(users.id, campaignTransitions.userId))
      .where(eq(campaignTransitions.campaignId, id))
      .orderBy(desc(campaignTransitions.at), desc(campaignTransitions.id)),
    db
      .select({
        id: spendEntries.id,
        budgetLineId: spendEntries.budgetLineId,
        spentOn: spendEntries.spentOn,
        amountFen: spendEntries.amountFen,
        subsidyFen: spendEntries.subsidyFen,
        vendor: spendEntries.vendor,
        note: spendEntries.note,
        createdBy: users.name,
      })
      .from(spendEntries)
      .leftJoin(users, eq(users.id, spendEntries.createdById))
      .where(eq(spendEntries.campaignId, id))
      .orderBy(desc(spendEntries.spentOn), desc(spendEntries.createdAt)),
  ])
  return { ...row.campaign, store: row.store, ownerName: row.ownerName, tasks, placements, promotions, budgetLines: budget, spendEntries: spend, history }
}

export type CampaignDetail = Awaited<ReturnType<typeof getCampaign>>

/**
 * The campaign as the viewer may read it: a role without 'budget:read' (sales) gets the plan
 * without any money spent or to be spent on it — no placement costs, no promotion unit costs,
 * no budget lines, no spend entries. Hiding them on the page is not enough: the loader's data
 * travels with the HTML (and as `.data`) whatever the page shows. The cost fields are absent,
 * not zero; the type keeps them because the plan components read them only for those who see
 * the budget.
 */
export function campaignForViewer(user: SessionUser, campaign: CampaignDetail): CampaignDetail {
  if (roleCan(user.role, 'budget:read')) return campaign
  return {
    ...campaign,
    placements: campaign.placements.map(({ costFen: _cost, ...placement }) => placement),
    promotions: campaign.promotions.map(({ unitCostFen: _cost, ...promotion }) => promotion),
    budgetLines: [],
    spendEntries: [],
  } as unknown as CampaignDetail
}

/**
 * The budget at a glance: planned against actual (the spend entries), and the manufacturer
 * subsidy — received, from the entries, once spend is recorded; expected, from the plan, before.
 */
export function budgetSummary(
  lines: Array<{ plannedFen: number; actualFen: number | null; subsidyFen: number }>,
  entries: Array<{ amountFen: number; subsidyFen: number }> = [],
) {
  const planned = lines.reduce((s, l) => s + l.plannedFen, 0)
  const hasActual = lines.some((l) => l.actualFen != null)
  const actual = lines.reduce((s, l) => s + (l.actualFen ?? 0), 0)
  const subsidy = entries.length ? entries.reduce((s, e) => s + e.subsidyFen, 0) : lines.reduce((s, l) => s + l.subsidyFen, 0)
  return {
    planned,
    actual: hasActual ? actual : null,
    subsidy,
    netCost: (hasActual ? actual : planned) - subsidy,
    overBy: hasActual && actual > planned ? actual - planned : 0,
    usedShare: planned > 0 && hasActual ? actual / planned : null,
  }
}

/**
 * What every UPDATE of a campaign sets besides its change (spread it into `.set()`): the
 * next version, so that a plan, execution or evaluation form opened before this write is
 * refused as stale rather than silently writing over it, and `updated_at` from the
 * database's clock in the same statement. Every write that changes a campaign — plan,
 * workflow step, actual spend and task progress, evaluation — goes through here.
 */
export function campaignChanged() {
  return { version: sql`${campaigns.version} + 1`, updatedAt: sql`now()` }
}

function requireWrite(user: SessionUser, storeId: string) {
  if (!roleCan(user.role, 'campaign:write') || !canWriteStore(user, storeId)) forbidden('You may not change campaigns of this store.')
}

function planColumns(input: CampaignPlanInput) {
  return {
    storeId: input.storeId,
    name: input.name,
    form: input.form,
    ownerId: input.ownerId,
    models: input.models,
    background: input.background,
    purposes: input.purposes,
    theme: input.theme,
    warmupStart: input.warmupStart,
    startDate: input.startDate,
    endDate: input.endDate,
    executionContent: input.executionContent,
    targetLeads: input.targetLeads,
    targetVisits: input.targetVisits,
    targetTestDrives: input.targetTestDrives,
    targetOrders: input.targetOrders,
    targetDeliveries: input.targetDeliveries,
    targetRevenueFen: input.targetRevenueFen,
    targetGrossProfitFen: input.targetGrossProfitFen,
  }
}

type ChildTable = PgTable & { id: PgColumn; campaignId: PgColumn }

/**
 * Saves a list-valued plan part: rows with a known id are updated in place (so that
 * what refers to them — tracking links on placements — survives), new rows are
 * inserted, rows no longer in the list are deleted.
 */
async function syncChildren<Row extends { id?: string }>(
  tx: Tx,
  table: ChildTable,
  campaignId: string,
  rows: Row[],
  values: (row: Row) => Record<string, unknown>,
  /** only the rows the list manages (the typed budget lines, not those kept for placements) */
  scope?: SQL,
) {
  const existing = await tx.select({ id: table.id }).from(table as PgTable).where(and(eq(table.campaignId, campaignId), scope))
  const known = new Set(existing.map((r) => r.id as string))
  const kept = new Set<string>()
  for (const [position, row] of rows.entries()) {
    const data = { ...values(row), position }
    if (row.id && known.has(row.id)) {
      kept.add(row.id)
      await tx.update(table).set(data).where(and(eq(table.id, row.id), eq(table.campaignId, campaignId)))
    } else {
      await tx.insert(table).values({ ...data, campaignId })
    }
  }
  const gone = [...known].filter((id) => !kept.has(id))
  if (gone.length) await tx.delete(table).where(and(eq(table.campaignId, campaignId), inArray(table.id, gone)))
}

async function saveChildren(tx: Tx, campaignId: string, input: CampaignPlanInput) {
  await syncChildren(tx, campaignTasks as unknown as ChildTable, campaignId, input.tasks, ({ id: _id, ...t }) => t)
  await syncChildren(tx, mediaPlacements as unknown as ChildTable, campaignId, input.placements, ({ id: _id, ...p }) => p)
  await syncChildren(tx, promotionPolicies as unknown as ChildTable, campaignId, input.promotions, ({ id: _id, ...p }) => p)
  await syncChildren(tx, budgetLines as unknown as ChildTable, campaignId, input.budgetLines, ({ id: _id, ...b }) => b, TYPED_LINE)
  await syncPlanCostLines(tx, campaignId)
}

/** The budget lines typed in the plan: neither a placement's nor a promotion's. */
const TYPED_LINE = and(isNull(budgetLines.placementId), isNull(budgetLines.promotionId))

async function checkOwner(tx: Tx, storeId: string, ownerId: string | null) {
  if (!ownerId) return true
  const [row] = await tx
    .select({ id: users.id })
    .from(users)
    .innerJoin(userStores, eq(userStores.userId, users.id))
    .where(and(eq(users.id, ownerId), eq(userStores.storeId, storeId)))
  return Boolean(row)
}

export type SaveResult =
  | { ok: true; id: string; version: number }
  | { ok: false; reason: 'stale'; version: number }
  | { ok: false; reason: 'not-editable'; status: CampaignStatus }
  | { ok: false; reason: 'field'; field: string; message: string }

export async function createCampaign(user: SessionUser, input: CampaignPlanInput, ip: string): Promise<SaveResult> {
  requireWrite(user, input.storeId)
  const db = await getDb()
  return db.transaction(async (tx) => {
    if (!(await checkOwner(tx, input.storeId, input.ownerId))) {
      return { ok: false, reason: 'field', field: 'ownerId', message: 'validation.choice' } as const
    }
    const [created] = await tx
      .insert(campaigns)
      .values({ ...planColumns(input), ownerId: input.ownerId ?? user.id, createdById: user.id })
      .returning({ id: campaigns.id })
    await saveChildren(tx, created!.id, input)
    await recordAudit(tx, {
      userId: user.id,
      storeId: input.storeId,
      action: 'campaign.create',
      entityType: 'campaign',
      entityId: created!.id,
      after: input,
      ip,
    })
    return { ok: true, id: created!.id, version: 1 } as const
  })
}

/** Saves the plan if nobody else saved it since `expectedVersion` was loaded. */
export async function updateCampaign(
  user: SessionUser,
  id: string,
  input: CampaignPlanInput,
  expectedVersion: number,
  ip: string,
): Promise<SaveResult> {
  const before = await getCampaign(user, id)
  requireWrite(user, before.storeId)
  requireWrite(user, input.storeId)
  if (!PLAN_EDITABLE.includes(before.status)) return { ok: false, reason: 'not-editable', status: before.status }
  const db = await getDb()
  return db.transaction(async (tx) => {
    if (!(await checkOwner(tx, input.storeId, input.ownerId))) {
      return { ok: false, reason: 'field', field: 'ownerId', message: 'validation.choice' } as const
    }
    const updated = await tx
      .update(campaigns)
      .set({ ...planColumns(input), ...campaignChanged() })
      .where(and(eq(campaigns.id, id), eq(campaigns.version, expectedVersion), inArray(campaigns.status, [...PLAN_EDITABLE])))
      .returning({ version: campaigns.version })
    if (!updated.length) {
      const [current] = await tx.select({ version: campaigns.version, status: campaigns.status }).from(campaigns).where(eq(campaigns.id, id))
      if (current && !PLAN_EDITABLE.includes(current.status)) return { ok: false, reason: 'not-editable', status: current.status } as const
      return { ok: false, reason: 'stale', version: current?.version ?? expectedVersion } as const
    }
    await saveChildren(tx, id, input)
    const { history: _h, store: _s, ...beforePlan } = before
    await recordAudit(tx, {
      userId: user.id,
      storeId: input.storeId,
      action: 'campaign.update',
      entityType: 'campaign',
      entityId: id,
      before: beforePlan,
      after: input,
      ip,
    })
    return { ok: true, id, version: updated[0]!.version } as const
  })
}

export type TransitionResult =
  | { ok: true; status: CampaignStatus }
  | { ok: false; reason: 'not-allowed'; status: CampaignStatus }
  | { ok: false; reason: 'comment-required' }
  | { ok: false; reason: 'incomplete'; gaps: Record<string, string> }

/** A plan goes to approval only with what a draft may leave empty filled in (planGaps). */
const PLAN_COMPLETE = sql`${campaigns.form} is not null and ${campaigns.startDate} is not null and ${campaigns.endDate} is not null and jsonb_array_length(${campaigns.purposes}) > 0`

export async function transitionCampaign(
  user: SessionUser,
  id: string,
  action: CampaignAction,
  comment: string,
  ip: string,
): Promise<TransitionResult> {
  const campaign = await getCampaign(user, id)
  const rule = CAMPAIGN_WORKFLOW[action]
  if (!roleCan(user.role, rule.permission) || !canWriteStore(user, campaign.storeId)) {
    forbidden('Your role may not take this step.')
  }
  if (rule.commentRequired && !comment.trim()) return { ok: false, reason: 'comment-required' }
  const gaps = action === 'submit' ? planGaps(campaign) : {}
  if (Object.keys(gaps).length) return { ok: false, reason: 'incomplete', gaps }
  const db = await getDb()
  return db.transaction(async (tx) => {
    // the state check and the change are one statement: two clicks cannot both win, and a
    // draft emptied by a save a moment ago is not submitted on what this request read
    const moved = await tx
      .update(campaigns)
      .set({ status: rule.to, ...campaignChanged() })
      .where(and(eq(campaigns.id, id), inArray(campaigns.status, [...rule.from]), action === 'submit' ? PLAN_COMPLETE : undefined))
      .returning({ status: campaigns.status })
    if (!moved.length) {
      const [current] = await tx
        .select({ status: campaigns.status, form: campaigns.form, purposes: campaigns.purposes, startDate: campaigns.startDate, endDate: campaigns.endDate })
        .from(campaigns)
        .where(eq(campaigns.id, id))
      const lacking = action === 'submit' && current && rule.from.includes(current.status) ? planGaps(current) : {}
      if (Object.keys(lacking).length) return { ok: false, reason: 'incomplete', gaps: lacking } as const
      return { ok: false, reason: 'not-allowed', status: current?.status ?? campaign.status } as const
    }
    await tx.insert(campaignTransitions).values({ campaignId: id, fromStatus: campaign.status, toStatus: rule.to, userId: user.id, comment: comment.trim() })
    await recordAudit(tx, {
      userId: user.id,
      storeId: campaign.storeId,
      action: `campaign.${action}`,
      entityType: 'campaign',
      entityId: id,
      before: { status: campaign.status },
      after: { status: rule.to, comment: comment.trim() || undefined },
      ip,
    })
    return { ok: true, status: rule.to } as const
  })
}

/** Records the progress of each work item on an approved, running or completed campaign. */
export async function updateExecution(
  user: SessionUser,
  id: string,
  input: { version: number; tasks: Array<{ id: string; status: 'todo' | 'doing' | 'done' }> },
  ip: string,
): Promise<SaveResult> {
  const before = await getCampaign(user, id)
  requireWrite(user, before.storeId)
  if (!EXECUTION_EDITABLE.includes(before.status)) return { ok: false, reason: 'not-editable', status: before.status }
  const db = await getDb()
  return db.transaction(async (tx) => {
    const updated = await tx
      .update(campaigns)
      .set(campaignChanged())
      .where(and(eq(campaigns.id, id), eq(campaigns.version, input.version)))
      .returning({ version: campaigns.version })
    if (!updated.length) {
      const [current] = await tx.select({ version: campaigns.version }).from(campaigns).where(eq(campaigns.id, id))
      return { ok: false, reason: 'stale', version: current?.version ?? input.version } as const
    }
    for (const task of input.tasks) {
      await tx.update(campaignTasks).set({ status: task.status }).where(and(eq(campaignTasks.id, task.id), eq(campaignTasks.campaignId, id)))
    }
    await recordAudit(tx, {
      userId: user.id,
      storeId: before.storeId,
      action: 'campaign.execution',
      entityType: 'campaign',
      entityId: id,
      before: { tasks: before.tasks.map((t) => ({ id: t.id, status: t.status })) },
      after: { tasks: input.tasks },
      ip,
    })
    return { ok: true, id, version: updated[0]!.version } as const
  })
}

export type SpendResult = { ok: true } | { ok: false; reason: 'not-editable'; status: CampaignStatus } | { ok: false; reason: 'no-line' }

/**
 * Records money spent against a budget line of an approved, running or completed campaign
 * (SPEC §2, ADR 023): its day and amount, and what the manufacturer pays back of it. Entries
 * are added, not edited in place, so two people recording spend at once never overwrite each
 * other: no version check.
 */
export async function addSpendEntry(user: SessionUser, id: string, input: SpendEntryInput, ip: string): Promise<SpendResult> {
  const campaign = await getCampaign(user, id)
  requireWrite(user, campaign.storeId)
  if (!EXECUTION_EDITABLE.includes(campaign.status)) return { ok: false, reason: 'not-editable', status: campaign.status }
  if (!campaign.budgetLines.some((b) => b.id === input.budgetLineId)) return { ok: false, reason: 'no-line' }
  const db = await getDb()
  return db.transaction(async (tx) => {
    const [entry] = await tx
      .insert(spendEntries)
      .values({ campaignId: id, budgetLineId: input.budgetLineId, spentOn: input.spentOn, amountFen: input.amountFen, subsidyFen: input.subsidyFen, vendor: input.vendor, note: input.note, createdById: user.id })
      .returning({ id: spendEntries.id })
    await refreshLineActuals(tx, { lineId: input.budgetLineId })
    await recordAudit(tx, { userId: user.id, storeId: campaign.storeId, action: 'campaign.spend.add', entityType: 'campaign', entityId: id, after: { entryId: entry!.id, ...input }, ip })
    return { ok: true } as const
  })
}

/** Removes a spend entry recorded by mistake; the audit log keeps what it was. */
export async function deleteSpendEntry(user: SessionUser, id: string, entryId: string, ip: string): Promise<SpendResult> {
  const campaign = await getCampaign(user, id)
  requireWrite(user, campaign.storeId)
  if (!EXECUTION_EDITABLE.includes(campaign.status)) return { ok: false, reason: 'not-editable', status: campaign.status }
  const db = await getDb()
  return db.transaction(async (tx) => {
    const [gone] = await tx.delete(spendEntries).where(and(eq(spendEntries.id, entryId), eq(spendEntries.campaignId, id))).returning()
    if (!gone) return { ok: true } as const
    await refreshLineActuals(tx, { lineId: gone.budgetLineId })
    await recordAudit(tx, {
      userId: user.id,
      storeId: campaign.storeId,
      action: 'campaign.spend.delete',
      entityType: 'campaign',
      entityId: id,
      before: { entryId, budgetLineId: gone.budgetLineId, spentOn: gone.spentOn, amountFen: gone.amountFen, subsidyFen: gone.subsidyFen, vendor: gone.vendor, note: gone.note },
      ip,
    })
    return { ok: true } as const
  })
}

/** Saves the written evaluation; the first save of a completed campaign moves it to evaluated. */
export async function saveEvaluation(
  user: SessionUser,
  id: string,
  input: { version: number; analysis: string; lessons: string; checks: string[] },
  ip: string,
): Promise<SaveResult> {
  const before = await getCampaign(user, id)
  requireWrite(user, before.storeId)
  if (before.status !== 'completed' && before.status !== 'evaluated') {
    return { ok: false, reason: 'not-editable', status: before.status }
  }
  const db = await getDb()
  return db.transaction(async (tx) => {
    const checklist = Object.fromEntries(input.checks.map((c) => [c, true]))
    const updated = await tx
      .update(campaigns)
      .set({
        evaluationAnalysis: input.analysis,
        evaluationLessons: input.lessons,
        evaluationChecklist: checklist,
        status: 'evaluated',
        ...campaignChanged(),
      })
      .where(and(eq(campaigns.id, id), eq(campaigns.version, input.version), inArray(campaigns.status, ['completed', 'evaluated'])))
      .returning({ version: campaigns.version })
    if (!updated.length) {
      const [current] = await tx.select({ version: campaigns.version }).from(campaigns).where(eq(campaigns.id, id))
      return { ok: false, reason: 'stale', version: current?.version ?? input.version } as const
    }
    if (before.status === 'completed') {
      await tx.insert(campaignTransitions).values({ campaignId: id, fromStatus: 'completed', toStatus: 'evaluated', userId: user.id, comment: '' })
    }
    await recordAudit(tx, {
      userId: user.id,
      storeId: before.storeId,
      action: 'campaign.evaluate',
      entityType: 'campaign',
      entityId: id,
      before: { status: before.status, analysis: before.evaluationAnalysis, lessons: before.evaluationLessons, checklist: before.evaluationChecklist },
      after: { status: 'evaluated', analysis: input.analysis, lessons: input.lessons, checklist },
      ip,
    })
    return { ok: true, id, version: updated[0]!.version } as const
  })
}

/** A new draft with the same plan: dates, people and amounts kept, actual spend and history not. */
export async function cloneCampaign(user: SessionUser, id: string, newName: string, ip: string) {
  const source = await getCampaign(user, id)
  requireWrite(user, source.storeId)
  const db = await getDb()
  return db.transaction(async (tx) => {
    const [created] = await tx
      .insert(campaigns)
      .values({
        storeId: source.storeId,
        name: newName,
        form: source.form,
        background: source.background,
        purposes: source.purposes,
        theme: source.theme,
        warmupStart: source.warmupStart,
        startDate: source.startDate,
        endDate: source.endDate,
        executionContent: source.executionContent,
        models: source.models,
        ownerId: user.role === 'specialist' ? user.id : source.ownerId,
        targetLeads: source.targetLeads,
        targetVisits: source.targetVisits,
        targetTestDrives: source.targetTestDrives,
        targetOrders: source.targetOrders,
        targetDeliveries: source.targetDeliveries,
        targetRevenueFen: source.targetRevenueFen,
        targetGrossProfitFen: source.targetGrossProfitFen,
        clonedFromId: source.id,
        createdById: user.id,
      })
      .returning({ id: campaigns.id })
    const campaignId = created!.id
    const strip = <T extends { id: string; campaignId: string }>({ id: _i, campaignId: _c, ...rest }: T) => ({ ...rest, campaignId })
    if (source.tasks.length) await tx.insert(campaignTasks).values(source.tasks.map((t) => ({ ...strip(t), status: 'todo' as const })))
    if (source.placements.length) await tx.insert(mediaPlacements).values(source.placements.map(strip))
    if (source.promotions.length) await tx.insert(promotionPolicies).values(source.promotions.map(strip))
    const typed = source.budgetLines.filter((b) => !b.placementId && !b.promotionId)
    if (typed.length) await tx.insert(budgetLines).values(typed.map((b) => ({ ...strip(b), actualFen: null })))
    await syncPlanCostLines(tx, campaignId)
    await recordAudit(tx, {
      userId: user.id,
      storeId: source.storeId,
      action: 'campaign.clone',
      entityType: 'campaign',
      entityId: campaignId,
      after: { clonedFrom: source.id, name: newName },
      ip,
    })
    return campaignId
  })
}

/**
 * What the campaign has brought in so far, counted from the touchpoints credited to it
 * (SPEC §3): distinct leads, web visits, tracking-link clicks, walk-ins and calls. These
 * are captures, not attribution: SPEC §4's models decide how much each campaign earned.
 */
export async function captureSummary(campaignId: string) {
  const db = await getDb()
  const [row] = await db
    .select({
      leads: sql<number>`count(distinct ${touchpoints.leadId})`.mapWith(Number),
      webVisits: sql<number>`count(*) filter (where ${touchpoints.kind} = 'web_visit')`.mapWith(Number),
      forms: sql<number>`count(*) filter (where ${touchpoints.kind} in ('web_form', 'platform_lead'))`.mapWith(Number),
      walkIns: sql<number>`count(*) filter (where ${touchpoints.kind} = 'walk_in')`.mapWith(Number),
      calls: sql<number>`count(*) filter (where ${touchpoints.kind} = 'call')`.mapWith(Number),
    })
    .from(touchpoints)
    .where(eq(touchpoints.campaignId, campaignId))
  const [clicks] = await db
    .select({ n: sql<number>`count(*)`.mapWith(Number) })
    .from(linkClicks)
    .innerJoin(trackingLinks, eq(trackingLinks.id, linkClicks.linkId))
    .where(eq(trackingLinks.campaignId, campaignId))
  // and what its leads bought: the matched sales of the DMS export (matchback, ADR 017)
  const [store] = await db
    .select({ storeId: campaigns.storeId, currency: stores.currency })
    .from(campaigns)
    .innerJoin(stores, eq(stores.id, campaigns.storeId))
    .where(eq(campaigns.id, campaignId))
  const sales = store ? await campaignMatchedSales({ id: campaignId, storeId: store.storeId }) : null
  // absent (not null) while unknown: the captures alone are what they were
  return { ...row!, clicks: clicks?.n ?? 0, ...(sales ? { sales: { ...sales, currency: store!.currency } } : {}) }
}

/** How many plans of the user's stores wait for approval: shown to those who approve. */
export async function countAwaitingApproval(user: SessionUser) {
  if (!roleCan(user.role, 'campaign:approve')) return 0
  const ids = user.stores.filter((s) => canWriteStore(user, s.id)).map((s) => s.id)
  if (!ids.length) return 0
  const db = await getDb()
  const [row] = await db
    .select({ n: sql<number>`count(*)`.mapWith(Number) })
    .from(campaigns)
    .where(and(inArray(campaigns.storeId, ids), eq(campaigns.status, 'submitted')))
  return row?.n ?? 0
}
