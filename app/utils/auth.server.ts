import crypto from 'node:crypto'
import { redirect } from '@remix-run/node'
import { and, eq, gt, sql } from 'drizzle-orm'
import { getDb } from '../../db/client'
import { loginAttempts, sessions, stores, userStores, users } from '../../db/schema'
import type { Role } from '../../db/schema/enums'
import { getEnv } from './env.server'
import { forbidden, isSecureRequest, readCookie, siteCookie } from './http.server'
import { readsAllGroupStores, roleCan, type Permission } from './permissions'
import { verifyPassword } from './password.server'

export type StoreSummary = { id: string; name: string; brand: string; city: string; timeZone: string; currency: string }

export type SessionUser = {
  id: string
  email: string
  name: string
  role: Role
  groupId: string
  locale: string | null
  /** the stores this user may read (all of the group for an executive) */
  stores: StoreSummary[]
}

function sessionCookieName(request: Request) {
  return isSecureRequest(request) ? '__Host-rs_session' : 'rs_session'
}

function readSessionToken(request: Request) {
  return readCookie(request, sessionCookieName(request))
}

const hashToken = (token: string) => crypto.createHash('sha256').update(token).digest('hex')

function sessionCookie(request: Request, token: string, maxAgeSeconds: number) {
  return siteCookie(request, sessionCookieName(request), token, { maxAgeSeconds })
}

export async function createSession(request: Request, userId: string) {
  const db = await getDb()
  const token = crypto.randomBytes(32).toString('base64url')
  const ttlSeconds = getEnv().SESSION_TTL_DAYS * 86400
  await db.insert(sessions).values({
    idHash: hashToken(token),
    userId,
    expiresAt: new Date(Date.now() + ttlSeconds * 1000),
  })
  return sessionCookie(request, token, ttlSeconds)
}

export async function destroySession(request: Request) {
  const token = readSessionToken(request)
  if (token) {
    const db = await getDb()
    await db.delete(sessions).where(eq(sessions.idHash, hashToken(token)))
  }
  return sessionCookie(request, '', 0)
}

export async function loadSessionUser(userId: string): Promise<SessionUser | null> {
  const db = await getDb()
  const [user] = await db.select().from(users).where(and(eq(users.id, userId), eq(users.active, true)))
  if (!user) return null
  const storeRows = readsAllGroupStores(user.role)
    ? await db.select().from(stores).where(eq(stores.groupId, user.groupId)).orderBy(stores.name)
    : await db
        .select({ store: stores })
        .from(userStores)
        .innerJoin(stores, eq(stores.id, userStores.storeId))
        .where(eq(userStores.userId, user.id))
        .orderBy(stores.name)
        .then((rows) => rows.map((r) => r.store))
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    groupId: user.groupId,
    locale: user.locale,
    stores: storeRows.map(({ id, name, brand, city, timeZone, currency }) => ({ id, name, brand, city, timeZone, currency })),
  }
}

// the root loader and the route's loader ask about the same request: look the session up once
const usersOfRequest = new WeakMap<Request, Promise<SessionUser | null>>()

export function getUser(request: Request): Promise<SessionUser | null> {
  let user = usersOfRequest.get(request)
  if (!user) {
    user = lookUpSessionUser(request)
    usersOfRequest.set(request, user)
  }
  return user
}

async function lookUpSessionUser(request: Request): Promise<SessionUser | null> {
  const token = readSessionToken(request)
  if (!token) return null
  const db = await getDb()
  const [session] = await db
    .select({ userId: sessions.userId })
    .from(sessions)
    .where(and(eq(sessions.idHash, hashToken(token)), gt(sessions.expiresAt, new Date())))
  if (!session) return null
  return loadSessionUser(session.userId)
}

export async function requireUser(request: Request): Promise<SessionUser> {
  const user = await getUser(request)
  if (!user) {
    const url = new URL(request.url)
    throw redirect(`/login?redirectTo=${encodeURIComponent(url.pathname + url.search)}`)
  }
  return user
}

export async function requireUserWithPermission(request: Request, permission: Permission) {
  const user = await requireUser(request)
  if (!roleCan(user.role, permission)) forbidden(`Your role (${user.role}) may not do this.`)
  return user
}

export function canReadStore(user: SessionUser, storeId: string) {
  return user.stores.some((s) => s.id === storeId)
}

export function canWriteStore(user: SessionUser, storeId: string) {
  return user.role !== 'executive' && canReadStore(user, storeId)
}

export function requireStoreAccess(user: SessionUser, storeId: string, mode: 'read' | 'write') {
  const ok = mode === 'read' ? canReadStore(user, storeId) : canWriteStore(user, storeId)
  // 404 rather than 403 on reads: do not confirm that another store's record exists
  if (!ok) throw new Response('Not found', { status: mode === 'read' ? 404 : 403 })
}

// Sign-in throttling: failures are counted in Postgres so that every app process sees them.
const WINDOW_MINUTES = 15
const MAX_FAILURES_PER_EMAIL = 5
const MAX_FAILURES_PER_IP = 30
// advisory lock classes, so that an account's lock and an address's lock never collide
const EMAIL_LOCK = 7101
const IP_LOCK = 7102

/**
 * Starts a sign-in attempt (a password check) or refuses it when the account or the client
 * address has failed too often. Counting and recording are one step, serialised per account
 * and per address by transaction-scoped advisory locks: parallel guesses cannot all pass the
 * check before any of them is counted. The attempt is recorded as a failure up front and
 * turned into a success by `passAttempt`, so a check that never finishes still counts.
 * The transaction holds only the count and the insert, never the password hashing.
 * Returns the attempt's id, or null when throttled.
 */
export async function beginLoginAttempt(email: string, ip: string): Promise<number | null> {
  const db = await getDb()
  const since = new Date(Date.now() - WINDOW_MINUTES * 60_000).toISOString()
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${EMAIL_LOCK}::int, hashtext(${email}))`)
    await tx.execute(sql`select pg_advisory_xact_lock(${IP_LOCK}::int, hashtext(${ip}))`)
    // two counts, each answered by its own (email, at) / (ip, at) index
    const failures = (column: typeof loginAttempts.email | typeof loginAttempts.ip, value: string) =>
      sql<number>`(select count(*) from ${loginAttempts} where ${column} = ${value} and ${loginAttempts.at} > ${since}::timestamptz and not ${loginAttempts.success})`.mapWith(Number)
    const [counts] = await tx.select({ byEmail: failures(loginAttempts.email, email), byIp: failures(loginAttempts.ip, ip) }).from(sql`(select 1) as one`)
    if ((counts?.byEmail ?? 0) >= MAX_FAILURES_PER_EMAIL || (counts?.byIp ?? 0) >= MAX_FAILURES_PER_IP) return null
    const [attempt] = await tx.insert(loginAttempts).values({ email, ip, success: false }).returning({ id: loginAttempts.id })
    return attempt!.id
  })
}

/** The attempt's password was right: it no longer counts as a failure. */
export async function passAttempt(attemptId: number) {
  const db = await getDb()
  await db.update(loginAttempts).set({ success: true }).where(eq(loginAttempts.id, attemptId))
}

/**
 * Checks an email and password within a started attempt (`beginLoginAttempt`); returns the
 * user's id when they match an active account.
 */
export async function verifyLogin(email: string, password: string, attemptId: number) {
  const db = await getDb()
  const normalized = normalizeEmail(email)
  const [user] = await db
    .select({ id: users.id, passwordHash: users.passwordHash, active: users.active })
    .from(users)
    .where(sql`lower(${users.email}) = ${normalized}`)
  // verify against a dummy hash when the user is unknown so that timing does not reveal accounts
  const ok = user
    ? (await verifyPassword(user.passwordHash, password)) && user.active
    : (await verifyPassword(DUMMY_HASH, password), false)
  if (!ok || !user) return null
  await passAttempt(attemptId)
  return user.id
}

export const normalizeEmail = (email: string) => email.trim().toLowerCase()

const DUMMY_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0x4M5d1bd1OB2wXw6Jg1nq8hKx7DugVhyBZ3IxX0Ew8'
