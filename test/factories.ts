import crypto from 'node:crypto'
import { getDb } from '../db/client'
import { dealerGroups, stores, userStores, users } from '../db/schema'
import type { Role } from '../db/schema/enums'
import { createSession } from '../app/utils/auth.server'
import { hashPassword } from '../app/utils/password.server'

export const BASE = 'http://localhost'
export const TEST_PASSWORD = 'correct-horse-battery'

let passwordHash: Promise<string> | undefined
const uniq = () => crypto.randomBytes(4).toString('hex')

export async function createGroup(name = `Group ${uniq()}`) {
  const db = await getDb()
  const [group] = await db.insert(dealerGroups).values({ name }).returning()
  return group!
}

export async function createStore(groupId: string, name = `Store ${uniq()}`) {
  const db = await getDb()
  const [store] = await db.insert(stores).values({ groupId, name, brand: '大众', city: '杭州' }).returning()
  return store!
}

export async function createUser(groupId: string, role: Role, storeIds: string[], email = `${role}-${uniq()}@example.test`) {
  const db = await getDb()
  passwordHash ??= hashPassword(TEST_PASSWORD)
  const [user] = await db
    .insert(users)
    .values({ groupId, email, name: `${role} ${uniq()}`, role, passwordHash: await passwordHash })
    .returning()
  if (storeIds.length) await db.insert(userStores).values(storeIds.map((storeId) => ({ userId: user!.id, storeId })))
  return user!
}

/** A signed-in browser: the session cookie plus a CSRF cookie and the matching token. */
export async function signIn(userId: string) {
  const setCookie = await createSession(new Request(BASE), userId)
  const session = setCookie.split(';')[0]!
  const csrf = crypto.randomBytes(32).toString('base64url')
  return { cookie: `${session}; rs_csrf=${csrf}`, csrf }
}

export type Browser = { cookie: string; csrf: string }

export function get(path: string, browser?: Browser) {
  return new Request(BASE + path, { headers: browser ? { cookie: browser.cookie } : {} })
}

/** A form post as the browser sends it; `csrf: false` leaves the token out. */
export function post(path: string, fields: Record<string, string | string[]>, browser?: Browser, options: { csrf?: boolean } = {}) {
  const body = new URLSearchParams()
  if (browser && options.csrf !== false) body.append('csrf', browser.csrf)
  for (const [k, v] of Object.entries(fields)) for (const item of Array.isArray(v) ? v : [v]) body.append(k, item)
  return new Request(BASE + path, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(browser ? { cookie: browser.cookie } : {}) },
  })
}
