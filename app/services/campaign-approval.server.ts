import { and, asc, desc, eq, gt, inArray, lte, ne } from 'drizzle-orm'
import { getDb } from '../../db/client'
import { auditLog, campaignTransitions, campaigns } from '../../db/schema'
import { auditChanges } from '../utils/audit-diff'
import type { SessionUser } from '../utils/auth.server'

/**
 * What the manager needs beside the approve / return buttons (SPEC §2, §6): what changed in the
 * plan since it was last returned, and where the next plan waiting is once this one is decided.
 */

/** The plan's parts, in the order of the form, that a change is reported under. */
export const PLAN_PARTS = [
  'name',
  'form',
  'ownerId',
  'models',
  'background',
  'purposes',
  'theme',
  'warmupStart',
  'startDate',
  'endDate',
  'executionContent',
  'tasks',
  'targetLeads',
  'targetVisits',
  'targetTestDrives',
  'targetOrders',
  'targetDeliveries',
  'targetRevenueFen',
  'targetGrossProfitFen',
  'placements',
  'promotions',
  'budgetLines',
] as const
export type PlanPart = (typeof PLAN_PARTS)[number]

/** One part changed since the return: a value's before and after, or a list's length before and after. */
export type PlanChange = { part: PlanPart; before: string | number | null; after: string | number | null; list: boolean }

export type SinceReturn = {
  /** when the plan was last returned, and the comment it was returned with */
  returnedAt: string
  comment: string
  changes: PlanChange[]
}

const scalar = (v: unknown): string | number | null => {
  if (v == null || v === '') return null
  if (typeof v === 'number' || typeof v === 'string') return v
  if (Array.isArray(v)) return v.join('、')
  return JSON.stringify(v)
}

/**
 * The plan as it was when it was last returned against the plan now, part by part: from the
 * audit log, which keeps each save of the plan as the form sent it. Null when the plan was
 * never returned (a first submission: everything is new to the manager).
 */
export async function changesSinceReturn(campaignId: string): Promise<SinceReturn | null> {
  const db = await getDb()
  const [returned] = await db
    .select({ at: campaignTransitions.at, comment: campaignTransitions.comment })
    .from(campaignTransitions)
    .where(and(eq(campaignTransitions.campaignId, campaignId), eq(campaignTransitions.toStatus, 'returned')))
    .orderBy(desc(campaignTransitions.at), desc(campaignTransitions.id))
    .limit(1)
  if (!returned) return null
  const saves = and(eq(auditLog.entityType, 'campaign'), eq(auditLog.entityId, campaignId), inArray(auditLog.action, ['campaign.create', 'campaign.update']))
  // the last save at or before the return is the plan the manager returned; the last save of all is the plan now
  const [then] = await db
    .select({ after: auditLog.after })
    .from(auditLog)
    .where(and(saves, lte(auditLog.at, returned.at)))
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(1)
  const [now] = await db
    .select({ after: auditLog.after })
    .from(auditLog)
    .where(and(saves, gt(auditLog.at, returned.at)))
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(1)
  const base = { returnedAt: returned.at.toISOString(), comment: returned.comment }
  if (!now || !then) return { ...base, changes: [] }
  const changed = new Set(auditChanges(then.after, now.after).map((c) => c.key))
  const before = (then.after ?? {}) as Record<string, unknown>
  const after = (now.after ?? {}) as Record<string, unknown>
  return {
    ...base,
    changes: PLAN_PARTS.filter((part) => changed.has(part)).map((part) => {
      const list = Array.isArray(before[part]) && (part === 'tasks' || part === 'placements' || part === 'promotions' || part === 'budgetLines')
      return list
        ? { part, before: (before[part] as unknown[]).length, after: Array.isArray(after[part]) ? (after[part] as unknown[]).length : 0, list }
        : { part, before: scalar(before[part]), after: scalar(after[part]), list }
    }),
  }
}

/** The plan waiting longest for approval in the user's stores, other than this one (the queue goes on). */
export async function nextWaitingPlan(user: SessionUser, exceptId: string): Promise<{ id: string; name: string } | null> {
  const storeIds = user.stores.map((s) => s.id)
  if (!storeIds.length) return null
  const db = await getDb()
  const [next] = await db
    .select({ id: campaigns.id, name: campaigns.name })
    .from(campaigns)
    .where(and(inArray(campaigns.storeId, storeIds), eq(campaigns.status, 'submitted'), ne(campaigns.id, exceptId)))
    .orderBy(asc(campaigns.updatedAt), asc(campaigns.id))
    .limit(1)
  return next ?? null
}
