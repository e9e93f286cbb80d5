import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { getAnalyticsDb } from '../analytics/duckdb'
import { defineQuery, runQuery } from '../analytics/query'
import { startAnalyticsSync, stopAnalyticsSync, syncAnalyticsNow } from '../app/services/analytics.server'
import { createLeadManually, eraseLead } from '../app/services/leads.server'
import { ManualLeadSchema } from '../app/schemas/lead'
import { loadSessionUser, type SessionUser } from '../app/utils/auth.server'
import { createGroup, createStore, createUser } from './factories'

// SPEC §8: erasure reaches the analytical store — at once, not at the server's next sync tick.
let tmp: string
let storeId: string
let manager: SessionUser

const leadRows = defineQuery<{ id: string }>()({ name: 'test.erasure.lead', sql: 'SELECT count(*)::INTEGER AS n FROM leads WHERE id = $id' })
const touchRows = defineQuery<{ id: string }>()({ name: 'test.erasure.touches', sql: 'SELECT count(*)::INTEGER AS n FROM touchpoints WHERE lead_id = $id' })

async function inCopy(id: string) {
  const db = await getAnalyticsDb()
  return db.withConnection(async (c) => {
    const [lead] = await runQuery(c, leadRows, { id })
    const [touches] = await runQuery(c, touchRows, { id })
    return { lead: Number((lead as { n: number }).n), touches: Number((touches as { n: number }).n) }
  })
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'roadshow-erasure-'))
  vi.stubEnv('DATA_DIR', tmp)
  // the background tick is an hour away: only the erasure's own request can bring the change
  vi.stubEnv('ANALYTICS_SYNC_INTERVAL_S', '3600')
  const group = await createGroup()
  storeId = (await createStore(group.id)).id
  manager = (await loadSessionUser((await createUser(group.id, 'manager', [storeId])).id))!
  startAnalyticsSync()
})

afterAll(async () => {
  await stopAnalyticsSync()
  vi.unstubAllEnvs()
  fs.rmSync(tmp, { recursive: true, force: true })
})

describe('erasure', () => {
  it('removes the person from the analytical copy within seconds, without waiting for the next sync', async () => {
    const created = await createLeadManually(manager, ManualLeadSchema.parse({ storeId, name: '钱先生', phone: '13700001111', channel: 'autohome' }), '127.0.0.1')
    if (!created.ok) throw new Error('lead not created')
    const id = (created as { leadId: string }).leadId
    await syncAnalyticsNow()
    expect(await inCopy(id)).toEqual({ lead: 1, touches: 1 })

    await eraseLead(manager, id, '127.0.0.1')
    const deadline = Date.now() + 20_000
    let now = await inCopy(id)
    while (now.lead && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100))
      now = await inCopy(id)
    }
    expect(now).toEqual({ lead: 0, touches: 0 })
  })
})
