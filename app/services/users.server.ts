import { and, asc, desc, eq, ilike, inArray, ne, or, sql } from 'drizzle-orm'
import { getDb } from '../../db/client'
import { sessions, stores, userStores, users } from '../../db/schema'
import type { Role } from '../../db/schema/enums'
import type { Locale } from '../i18n'
import type { UserListQuery } from '../schemas/users'
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

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`)

const SORT_COLUMNS = { name: users.name, email: users.email, role: users.role, active: users.active } as const

/**
 * Users the admin manages: those who share at least one store with the admin, the group's
 * executives, and group members without any store yet. Optionally searched, filtered and sorted.
 */
export async function listUsers(admin: SessionUser, query?: Partial<UserListQuery>): Promise<UserRow[]> {
  const db = await getDb()
  const q = query?.q?.trim()
  const pattern = q ? `%${escapeLike(q)}%` : undefined
  const column = SORT_COLUMNS[query?.sort ?? 'name']
  const order = query?.dir === 'desc' ? desc(column) : asc(column)
  const rows = await db
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      role: users.role,
      active: users.active,
      storeIds: sql<string[]>`coalesce(array_agg(${userStores.storeId}::text order by ${userStores.storeId}::text) filter (where ${userStores.storeId} is not null), '{}')`,
    })
    .from(users)
    .leftJoin(userStores, eq(userStores.userId, users.id))
    .where(
      and(
        eq(users.groupId, admin.groupId),
        query?.role ? eq(users.role, query.role) : undefined,
        pattern ? or(ilike(users.name, pattern), ilike(users.email, pattern)) : undefined,
      ),
    )
    .groupBy(users.id)
    .orderBy(order, asc(users.email))
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

/** Postgres unique_violation, however the driver wraps it. */
export function isUniqueViolation(error: unknown): boolean {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
    if (e.code === '23505') return true
    e = e.cause as typeof e
  }
  return false
}

export type UserInput = {
  email: string
  name: string
  role: Role
  active: boolean
  storeIds: string[]
  password?: string
}

/**
 * The rules a form cannot check on its own; returns field errors (i18n keys) or null.
 * `target` is the user being edited (absent on create).
 */
export async function checkUserInput(
  admin: SessionUser,
  input: UserInput,
  target?: Pick<UserRow, 'id' | 'role'>,
): Promise<Record<string, string> | null> {
  const errors: Record<string, string> = {}
  const mine = new Set(admin.stores.map((s) => s.id))
  // an admin grants access only to stores they manage themselves
  if (input.storeIds.some((id) => !mine.has(id))) errors.storeIds = 'validation.choice'
  if (target?.id === admin.id) {
    if (!input.active) errors.active = 'users.cannotDeactivateSelf'
    if (input.role !== target.role) errors.role = 'users.cannotChangeOwnRole'
  }
  if (await emailTaken(input.email, target?.id)) errors.email = 'validation.emailTaken'
  return Object.keys(errors).length ? errors : null
}

export async function createUser(admin: SessionUser, input: UserInput, ip: string) {
  const db = await getDb()
  const passwordHash = await hashPassword(input.password!)
  return db.transaction(async (tx) => {
    const [created] = await tx
      .insert(users)
      .values({ groupId: admin.groupId, email: input.email, name: input.name, role: input.role, active: input.active, passwordHash })
      .returning({ id: users.id })
    const adminStores = new Set(admin.stores.map((s) => s.id))
    const storeIds = input.storeIds.filter((id) => adminStores.has(id))
    if (storeIds.length) {
      await tx.insert(userStores).values(storeIds.map((storeId) => ({ userId: created!.id, storeId })))
    }
    const { password: _omit, ...rest } = input
    const after = { ...rest, storeIds }
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
    const storeIds = [...before.storeIds.filter((id) => !adminStores.includes(id)), ...keep].sort()
    await recordAudit(tx, {
      userId: admin.id,
      action: 'user.update',
      entityType: 'user',
      entityId: before.id,
      before,
      // the password never enters the log, only the fact that it was reset
      after: { ...after, storeIds, ...(passwordHash ? { passwordChanged: true } : {}) },
      ip,
    })
  })
}

export async function groupStores(groupId: string) {
  const db = await getDb()
  return db.select().from(stores).where(eq(stores.groupId, groupId)).orderBy(stores.name)
}
