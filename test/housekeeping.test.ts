import { eq } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { getDb } from '../db/client'
import { loginAttempts, sessions } from '../db/schema'
import { pruneExpired } from '../app/services/housekeeping.server'
import { getUser } from '../app/utils/auth.server'
import { createGroup, createStore, createUser, get, signIn } from './factories'

let userId: string

beforeAll(async () => {
  const group = await createGroup()
  userId = (await createUser(group.id, 'sales', [(await createStore(group.id)).id])).id
})

describe('housekeeping', () => {
  it('removes expired sessions and sign-in attempts older than a day, and keeps the rest', async () => {
    const db = await getDb()
    const live = await signIn(userId)
    const hour = 3600_000
    await db.insert(sessions).values([
      { idHash: 'expired-session-a', userId, expiresAt: new Date(Date.now() - hour) },
      { idHash: 'expired-session-b', userId, expiresAt: new Date(Date.now() - 30 * 24 * hour) },
    ])
    await db.insert(loginAttempts).values([
      { email: 'old@example.test', ip: '203.0.113.1', success: false, at: new Date(Date.now() - 25 * hour) },
      { email: 'old@example.test', ip: '203.0.113.1', success: true, at: new Date(Date.now() - 90 * 24 * hour) },
      { email: 'recent@example.test', ip: '203.0.113.2', success: false, at: new Date(Date.now() - 10 * 60_000) },
    ])

    expect(await pruneExpired()).toEqual({ sessions: 2, loginAttempts: 2 })

    const left = await db.select({ id: sessions.idHash }).from(sessions).where(eq(sessions.userId, userId))
    expect(left).toHaveLength(1)
    expect((await getUser(get('/', live)))?.id).toBe(userId)
    const attempts = await db.select({ email: loginAttempts.email }).from(loginAttempts)
    expect(attempts.map((a) => a.email)).toEqual(['recent@example.test'])
    // nothing more to do the second time
    expect(await pruneExpired()).toEqual({ sessions: 0, loginAttempts: 0 })
  })
})
