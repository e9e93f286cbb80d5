import { and, asc, desc, eq, ilike, inArray, ne, or, sql } from 'drizzle-orm'
import { getDb } from '../../db/client'
import { containsPattern } from '../../db/sql'
import { loginAttempts, sessions, stores, userStores, users } from '../../db/schema'
import type { Role } from '../../db/schema/enums'
import type { Locale } from '../i18n'
import { UserCreateSchema, UserUpdateSchema, type UserListQuery } from '../schemas/users'
import { toFieldErrors, type FieldErrors } from '../utils/form'
import { beginLoginAttempt, normalizeEmail, passAttempt, type SessionUser } from '../utils/auth.server'
import { hashPassword, passwordProblem, verifyPassword } from '../utils/password.server'
import { readsAllGroupStores } from '../utils/permissions'
import { recordAudit } from './audit.server'

export async function recordLogin(userId: string, ip: string) {
  const db = await getDb()
  await recordAudit(db, { userId, action: 'login', entityType: 'user', entityId: userId, ip })
}

export async function setUserLocale(userId: string, locale: Locale) {
  const db = await getDb()
  await db.update(users).set({ locale }).where(eq(users.id, userId))
}

/**
 * Changes the password and signs out every session of the user. Wrong current passwords
 * count as failed sign-ins, so a borrowed session cannot be used to guess the password.
 */
export async function changePassword(
  user: SessionUser,
  current: string,
  next: string,
  ip: string,
): Promise<'changed' | 'wrong-password' | 'throttled'> {
  const db = await getDb()
  const attempt = await beginLoginAttempt(normalizeEmail(user.email), ip)
  if (attempt === null) return 'throttled'
  const [row] = await db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, user.id))
  if (!row || !(await verifyPassword(row.passwordHash, current))) return 'wrong-password'
  await passAttempt(attempt)
  const passwordHash = await hashPassword(next)
  await db.transaction(async (tx) => {
    await tx.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, user.id))
    await tx.delete(sessions).where(eq(sessions.userId, user.id))
    await recordAudit(tx, { userId: user.id, action: 'password.change', entityType: 'user', entityId: user.id, ip })
  })
  return 'changed'
}

export type UserRow = {
  id: string
  email: string
  name: string
  role: Role
  active: boolean
  storeIds: string[]
}


const SORT_COLUMNS = { name: users.name, email: users.email, role: users.role, active: users.active } as const

/**
 * Users the admin manages: those who share at least one store with the admin, the group's
 * executives, and group members without any store yet. Optionally searched, filtered and sorted.
 */
export async function listUsers(admin: SessionUser, query?: Partial<UserListQuery>): Promise<UserRow[]> {
  const db = await getDb()
  const q = query?.q?.trim()
  const pattern = q ? containsPattern(q) : undefined
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
  const scope = await adminScope(admin)
  return rows.filter((r) => scope.manages(r))
}

/**
 * What an admin may administer: a user all of whose stores are the admin's own. A user
 * with no store (an executive reads every store of the group) only by an admin who holds
 * every store of the group — otherwise an admin could reach beyond their stores by
 * creating an executive or resetting the password of someone who works elsewhere too.
 * An executive counts as storeless whatever their memberships: they read every store anyway.
 */
export async function adminScope(admin: SessionUser) {
  const mine = new Set(admin.stores.map((s) => s.id))
  const all = await groupStores(admin.groupId)
  const wholeGroup = all.every((s) => mine.has(s.id))
  return {
    wholeGroup,
    manages: ({ role, storeIds }: { role: Role; storeIds: readonly string[] }) =>
      !readsAllGroupStores(role) && storeIds.length ? storeIds.every((id) => mine.has(id)) : wholeGroup,
  }
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
 * Validates a user form: the zod schema, then the rules it cannot check on its own (the email is
 * free, stores are the admin's own, an admin keeps their own access). Returns the input or
 * field errors as i18n keys. `target` is the user being edited (absent on create).
 */
export async function validateUserForm(
  admin: SessionUser,
  raw: Record<string, unknown>,
  target?: Pick<UserRow, 'id' | 'role'>,
): Promise<{ input: UserInput; errors?: undefined } | { input?: undefined; errors: FieldErrors }> {
  const parsed = (target ? UserUpdateSchema : UserCreateSchema).safeParse(raw)
  const errors: FieldErrors = parsed.success ? {} : toFieldErrors(parsed.error)
  const mine = new Set(admin.stores.map((s) => s.id))
  const storeIds = Array.isArray(raw.storeIds) ? raw.storeIds : []
  // an admin grants access only to stores they manage themselves
  if (storeIds.some((id) => typeof id !== 'string' || !mine.has(id))) errors.storeIds = 'validation.choice'
  if ((raw.role === 'executive' || storeIds.length === 0) && !errors.storeIds && !(await adminScope(admin)).wholeGroup) {
    errors[raw.role === 'executive' ? 'role' : 'storeIds'] = raw.role === 'executive' ? 'users.executiveNeedsGroupAdmin' : 'validation.storeRequired'
  }
  if (target?.id === admin.id) {
    if (raw.active !== 'on') errors.active = 'users.cannotDeactivateSelf'
    if (raw.role !== target.role) errors.role = 'users.cannotChangeOwnRole'
  }
  // checked even when other fields are wrong, so that the user learns everything in one round
  const email = typeof raw.email === 'string' ? raw.email.trim() : ''
  if (!errors.email && email && (await emailTaken(email, target?.id))) errors.email = 'validation.emailTaken'
  if (!errors.password && typeof raw.password === 'string' && raw.password !== '') {
    const problem = await passwordProblem(raw.password, { email, name: typeof raw.name === 'string' ? raw.name : undefined })
    if (problem) errors.password = problem
  }
  if (!parsed.success || Object.keys(errors).length) return { errors }
  return { input: parsed.data }
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
