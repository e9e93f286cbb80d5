import { and, asc, eq, inArray, ne, sql } from 'drizzle-orm'
import { getDb } from '../../db/client'
import { sessions, stores, userStores, users } from '../../db/schema'
import type { Role } from '../../db/schema/enums'
import type { Locale } from '../i18n'
import type { SessionUser } from '../utils/auth.server'
import { hashPassword, verifyPassword } from '../utils/password.server'
import { recordAudit } from './audit.server'

export async function recordLogin(userId: string, ip: string) {
  const db = await getDb()
  await recordAudit(db, { userId, action: 'login', entityType: 'user', entityId: userId, ip })
}

export async function setUserLocale(userId: string, locale: Locale) {
  const db = await getDb()
  await db.update(users).set({ locale }).where(eq(users.id, userId))
}

/** Changes the password and signs out every other session of the user. */
export async function changePassword(user: SessionUser, current: string, next: string, ip: string) {
  const db = await getDb()
  const [row] = await db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, user.id))
  if (!row || !(await verifyPassword(row.passwordHash, current))) return false
  const passwordHash = await hashPassword(next)
  await db.transaction(async (tx) => {
    await tx.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, user.id))
    await tx.delete(sessions).where(eq(sessions.userId, user.id))
    await recordAudit(tx, { userId: user.id, action: 'password.change', entityType: 'user', entityId: user.id, ip })
  })
  return true
}

export type UserRow = {
  id: string
  email: string
  name: string
  role: Role
  active: boolean
  storeIds: string[]
}

/** Users who share at least one store with the admin, plus the group's executives. */
export async function listUsers(admin: SessionUser): Promise<UserRow[]> {
  const db = await getDb()
  const rows = await db
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      role: users.role,
      active: users.active,
      storeIds: sql<string[]>`coalesce(array_agg(${userStores.storeId}::text) filter (where ${userStores.storeId} is not null), '{}')`,
    })
    .from(users)
    .leftJoin(userStores, eq(userStores.userId, users.id))
    .where(eq(users.groupId, admin.groupId))
    .groupBy(users.id)
    .orderBy(asc(users.role), asc(users.email))
  const mine = new Set(admin.stores.map((s) => s.id))
  return rows.filter((r) => r.role === 'executive' || r.storeIds.length === 0 || r.storeIds.some((id) => mine.has(id)))
}

export async function getManagedUser(admin: SessionUser, userId: string) {
  return (await listUsers(admin)).find((u) => u.id === userId) ?? null
}

export async function emailTaken(email: string, exceptId?: string) {
  const db = await getDb()
  const [row] = await db
    .select({ id: users.id })
    .from(users)
    .where(and(sql`lower(${users.email}) = ${email.toLowerCase()}`, exceptId ? ne(users.id, exceptId) : undefined))
  return Boolean(row)
}

export type UserInput = {
  email: string
  name: string
  role: Role
  active: boolean
  storeIds: string[]
  password?: string
}

export async function createUser(admin: SessionUser, input: UserInput, ip: string) {
  const db = await getDb()
  const passwordHash = await hashPassword(input.password!)
  return db.transaction(async (tx) => {
    const [created] = await tx
      .insert(users)
      .values({ groupId: admin.groupId, email: input.email, name: input.name, role: input.role, active: input.active, passwordHash })
      .returning({ id: users.id })
    if (input.storeIds.length) {
      await tx.insert(userStores).values(input.storeIds.map((storeId) => ({ userId: created!.id, storeId })))
    }
    const { password: _omit, ...after } = input
    await recordAudit(tx, { userId: admin.id, action: 'user.create', entityType: 'user', entityId: created!.id, after, ip })
    return created!.id
  })
}

export async function updateUser(admin: SessionUser, before: UserRow, input: UserInput, ip: string) {
  const db = await getDb()
  const passwordHash = input.password ? await hashPassword(input.password) : undefined
  const adminStores = admin.stores.map((s) => s.id)
  await db.transaction(async (tx) => {
    await tx
      .update(users)
      .set({ email: input.email, name: input.name, role: input.role, active: input.active, updatedAt: new Date(), ...(passwordHash ? { passwordHash } : {}) })
      .where(eq(users.id, before.id))
    // the admin edits membership only of the stores they manage; other stores stay as they were
    await tx.delete(userStores).where(and(eq(userStores.userId, before.id), inArray(userStores.storeId, adminStores)))
    const keep = input.storeIds.filter((id) => adminStores.includes(id))
    if (keep.length) await tx.insert(userStores).values(keep.map((storeId) => ({ userId: before.id, storeId })))
    if (!input.active || passwordHash) await tx.delete(sessions).where(eq(sessions.userId, before.id))
    const { password: _omit, ...after } = input
    await recordAudit(tx, {
      userId: admin.id,
      action: 'user.update',
      entityType: 'user',
      entityId: before.id,
      before,
      after: { ...after, passwordChanged: Boolean(passwordHash) },
      ip,
    })
  })
}

export async function groupStores(groupId: string) {
  const db = await getDb()
  return db.select().from(stores).where(eq(stores.groupId, groupId)).orderBy(stores.name)
}
