import { eq, sql } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { getDb } from '../db/client'
import { imports, leadImportUndo, loginAttempts, sessions } from '../db/schema'
import { FORGET_UNDO_BATCH } from '../app/services/lead-import-apply.server'
import { pruneExpired } from '../app/services/housekeeping.server'
import { getUser } from '../app/utils/auth.server'
import { createGroup, createStore, createUser, get, signIn } from './factories'

let userId: string
let storeId: string

beforeAll(async () => {
  const group = await createGroup()
  storeId = (await createStore(group.id)).id
  userId = (await createUser(group.id, 'sales', [storeId])).id
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

    expect(await pruneExpired()).toEqual({ sessions: 2, loginAttempts: 2, leadImportUndo: 0 })

    const left = await db.select({ id: sessions.idHash }).from(sessions).where(eq(sessions.userId, userId))
    expect(left).toHaveLength(1)
    expect((await getUser(get('/', live)))?.id).toBe(userId)
    const attempts = await db.select({ email: loginAttempts.email }).from(loginAttempts)
    expect(attempts.map((a) => a.email)).toEqual(['recent@example.test'])
    // nothing more to do the second time
    expect(await pruneExpired()).toEqual({ sessions: 0, loginAttempts: 0, leadImportUndo: 0 })
  })

  it('removes the undo log a finished lead import left behind (its process stopped before it could), never a running one’s', async () => {
    const db = await getDb()
    const importOf = async (status: string) => {
      const [row] = await db
        .insert(imports)
        .values({ storeId, kind: 'leads', fileName: 'leads.csv', fileHash: `${status}-${Math.random()}`, byteSize: 1, status })
        .returning({ id: imports.id })
      return row!.id
    }
    const done = await importOf('done')
    const running = await importOf('pending')
    // more than one batch of the done import's, with the leads as they were (personal data)
    const undoRows = (importId: string, n: number) =>
      db.execute(
        sql`insert into lead_import_undo (import_id, lead_id, created, before) select ${importId}::uuid, gen_random_uuid(), false, jsonb_build_object('name', '张伟') from generate_series(1, ${n})`,
      )
    await undoRows(done, FORGET_UNDO_BATCH * 2 + 7)
    await undoRows(running, 3)

    const removed = await pruneExpired()
    expect(removed.leadImportUndo).toBe(FORGET_UNDO_BATCH * 2 + 7)
    expect(await db.$count(leadImportUndo, eq(leadImportUndo.importId, done))).toBe(0)
    // a running import's log is what rolls it back should it fail
    expect(await db.$count(leadImportUndo, eq(leadImportUndo.importId, running))).toBe(3)
    expect((await pruneExpired()).leadImportUndo).toBe(0)
  })
})
