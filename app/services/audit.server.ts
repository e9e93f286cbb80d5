import { and, count, desc, eq, inArray, isNull, not, or, sql, type SQL } from 'drizzle-orm'
import { alias } from 'drizzle-orm/pg-core'
import { getDb, type DbOrTx } from '../../db/client'
import { auditLog, stores, userStores, users } from '../../db/schema'
import type { SessionUser } from '../utils/auth.server'

export type AuditEntry = {
  userId: string | null
  storeId?: string | null
  action: string
  entityType: string
  entityId?: string | null
  before?: unknown
  after?: unknown
  ip?: string | null
}

/** Call inside the mutation's transaction so that the change and its record commit together. */
export async function recordAudit(db: DbOrTx, entry: AuditEntry) {
  await db.insert(auditLog).values({
    userId: entry.userId,
    storeId: entry.storeId ?? null,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId ?? null,
    before: entry.before ?? null,
    after: entry.after ?? null,
    ip: entry.ip ?? null,
  })
}

export const AUDIT_PAGE_SIZE = 50

export type AuditFilter = { entityType?: string; action?: string; page?: number }

export type AuditListEntry = {
  id: number
  at: Date
  action: string
  entityType: string
  entityId: string | null
  /** the user a `user` entry is about, when it still exists */
  entityName: string | null
  before: unknown
  after: unknown
  ip: string | null
  who: { id: string; name: string; email: string } | null
  store: { id: string; name: string; timeZone: string } | null
}

/**
 * What a viewer may read of the log: entries of the stores they can read, plus entries
 * without a store. Those about a user (sign-ins, password changes, user administration) are
 * scoped by that user's stores: the viewer reads them when the user belongs to one of the
 * viewer's stores, is the viewer, or when the viewer wrote the entry — not because the group
 * admin who created someone of another store also belongs to theirs. Other entries without a
 * store (model segments) follow whoever wrote them: the viewer or a user of one of their
 * stores. Other groups' entries are never reachable: every store a viewer can read belongs to
 * their own group.
 */
function visibleTo(viewer: SessionUser): SQL {
  const storeIds = viewer.stores.map((s) => s.id)
  const colleagues = sql`select ${userStores.userId} from ${userStores} where ${inArray(userStores.storeId, storeIds)}`
  // a user entry's entity id is the user's id as text
  const colleagueIds = sql`select ${userStores.userId}::text from ${userStores} where ${inArray(userStores.storeId, storeIds)}`
  const aboutUser = eq(auditLog.entityType, 'user')
  return or(
    inArray(auditLog.storeId, storeIds),
    and(isNull(auditLog.storeId), eq(auditLog.userId, viewer.id)),
    and(isNull(auditLog.storeId), aboutUser, or(eq(auditLog.entityId, viewer.id), sql`${auditLog.entityId} in (${colleagueIds})`)),
    and(isNull(auditLog.storeId), not(aboutUser), sql`${auditLog.userId} in (${colleagues})`),
  )!
}

/** Newest first, AUDIT_PAGE_SIZE a page; the page is clamped to the last one. */
export async function listAuditEntries(viewer: SessionUser, filter: AuditFilter = {}) {
  const db = await getDb()
  const where = and(
    visibleTo(viewer),
    filter.entityType ? eq(auditLog.entityType, filter.entityType) : undefined,
    filter.action ? eq(auditLog.action, filter.action) : undefined
  )
  const [{ total } = { total: 0 }] = await db.select({ total: count() }).from(auditLog).where(where)
  const pages = Math.max(1, Math.ceil(total / AUDIT_PAGE_SIZE))
  const page = Math.min(Math.max(1, Math.floor(filter.page ?? 1)), pages)
  const target = alias(users, 'target')
  const rows = await db
    .select({
      id: auditLog.id,
      at: auditLog.at,
      action: auditLog.action,
      entityType: auditLog.entityType,
      entityId: auditLog.entityId,
      before: auditLog.before,
      after: auditLog.after,
      ip: auditLog.ip,
      whoId: users.id,
      whoName: users.name,
      whoEmail: users.email,
      storeId: stores.id,
      storeName: stores.name,
      storeTimeZone: stores.timeZone,
      entityName: target.name,
    })
    .from(auditLog)
    .leftJoin(users, eq(users.id, auditLog.userId))
    .leftJoin(stores, eq(stores.id, auditLog.storeId))
    .leftJoin(target, and(eq(auditLog.entityType, 'user'), eq(auditLog.entityId, sql`${target.id}::text`)))
    .where(where)
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(AUDIT_PAGE_SIZE)
    .offset((page - 1) * AUDIT_PAGE_SIZE)
  const entries: AuditListEntry[] = rows.map((r) => ({
    id: r.id,
    at: r.at,
    action: r.action,
    entityType: r.entityType,
    entityId: r.entityId,
    entityName: r.entityName,
    before: r.before,
    after: r.after,
    ip: r.ip,
    who: r.whoId ? { id: r.whoId, name: r.whoName!, email: r.whoEmail! } : null,
    store: r.storeId ? { id: r.storeId, name: r.storeName!, timeZone: r.storeTimeZone! } : null,
  }))
  return { entries, total, page, pages }
}

/** The entity types and actions present in what the viewer may read, for the filter menus. */
export async function auditFacets(viewer: SessionUser) {
  const db = await getDb()
  const where = visibleTo(viewer)
  const [entityTypes, actions] = await Promise.all([
    db.selectDistinct({ value: auditLog.entityType }).from(auditLog).where(where).orderBy(auditLog.entityType),
    db.selectDistinct({ value: auditLog.action }).from(auditLog).where(where).orderBy(auditLog.action),
  ])
  return { entityTypes: entityTypes.map((r) => r.value), actions: actions.map((r) => r.value) }
}
