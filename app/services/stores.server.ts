import { and, asc, eq, sql } from 'drizzle-orm'
import { getDb } from '../../db/client'
import { stores, userStores } from '../../db/schema'
import type { StoreInput } from '../schemas/store'
import type { SessionUser } from '../utils/auth.server'
import { forbidden, notFound } from '../utils/http.server'
import { recordAudit } from './audit.server'
import { adminScope } from './users.server'

/** The group's stores, with how many people and campaigns each has; `managed` marks the admin's own. */
export async function listGroupStores(admin: SessionUser) {
  const db = await getDb()
  const mine = new Set(admin.stores.map((s) => s.id))
  const rows = await db
    .select({
      id: stores.id,
      name: stores.name,
      brand: stores.brand,
      city: stores.city,
      timeZone: stores.timeZone,
      currency: stores.currency,
      // qualified by hand: inside a subquery drizzle writes bare column names, and a bare "id" is
      // the campaign's own (every count was 0)
      people: sql<number>`(select count(*) from user_stores us where us.store_id = "stores"."id")`.mapWith(Number),
      campaigns: sql<number>`(select count(*) from campaigns c where c.store_id = "stores"."id")`.mapWith(Number),
    })
    .from(stores)
    .where(eq(stores.groupId, admin.groupId))
    .orderBy(asc(stores.name))
  return rows.map((r) => ({ ...r, managed: mine.has(r.id) }))
}

/** A store the admin belongs to; another store is "not found". */
export async function getManagedStore(admin: SessionUser, storeId: string) {
  if (!/^[0-9a-f-]{36}$/i.test(storeId) || !admin.stores.some((s) => s.id === storeId)) notFound()
  const db = await getDb()
  const [store] = await db.select().from(stores).where(and(eq(stores.id, storeId), eq(stores.groupId, admin.groupId)))
  if (!store) notFound()
  return store
}

export async function updateStore(admin: SessionUser, storeId: string, input: StoreInput, ip: string) {
  const before = await getManagedStore(admin, storeId)
  const db = await getDb()
  await db.transaction(async (tx) => {
    await tx.update(stores).set(input).where(eq(stores.id, storeId))
    const { id: _id, groupId: _g, createdAt: _c, ...was } = before
    await recordAudit(tx, { userId: admin.id, storeId, action: 'store.update', entityType: 'store', entityId: storeId, before: was, after: input, ip })
  })
}

/** A new store of the group; only an admin of every store may open one, and becomes its admin. */
export async function createStore(admin: SessionUser, input: StoreInput, ip: string) {
  if (!(await adminScope(admin)).wholeGroup) forbidden('Only an administrator of every store of the group can open a store.')
  const db = await getDb()
  return db.transaction(async (tx) => {
    const [created] = await tx.insert(stores).values({ ...input, groupId: admin.groupId }).returning({ id: stores.id })
    await tx.insert(userStores).values({ userId: admin.id, storeId: created!.id })
    await recordAudit(tx, { userId: admin.id, storeId: created!.id, action: 'store.create', entityType: 'store', entityId: created!.id, after: input, ip })
    return created!.id
  })
}
