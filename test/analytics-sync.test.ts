import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { sql } from 'drizzle-orm'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getDb, getDbHandle } from '../db/client'
import { sites, touchpoints, visitors, webEvents } from '../db/schema'
import { AnalyticsDb, closeAnalyticsDb, getAnalyticsDb, openLive, setAnalyticsDbOpener } from '../analytics/duckdb'
import { defineQuery, runQuery, runStatement } from '../analytics/query'
import { touchpointsByChannel } from '../analytics/queries/touchpoints-by-channel'
import { rebuildAnalytics } from '../analytics/sync/rebuild'
import { createSyncScheduler } from '../analytics/sync/scheduler'
import { pgSource, type PgSource } from '../analytics/sync/source'
import { syncAnalytics, type SyncOptions } from '../analytics/sync/sync'
import { SYNCED_TABLES, ident } from '../analytics/sync/tables'
import { createCampaign, updateCampaign } from '../app/services/campaigns.server'
import { recordWalkIn } from '../app/services/front-desk.server'
import { changeStatus, createLeadManually, eraseLead, mergeLeads } from '../app/services/leads.server'
import { CampaignPlanSchema } from '../app/schemas/campaign'
import { ManualLeadSchema, StatusChangeSchema, WalkInSchema } from '../app/schemas/lead'
import { loadSessionUser, type SessionUser } from '../app/utils/auth.server'
import { serverUrl } from './setup/databases'
import { createGroup, createStore, createUser } from './factories'

// ADR 013: the analytical copy in DuckDB follows Postgres through inserts, updates, merges,
// erasures and removed plan rows; a rebuild and the incremental sync agree row for row.

let tmp: string
let source: PgSource
let copy: AnalyticsDb
let storeId: string
let manager: SessionUser
const IP = '127.0.0.1'
let phoneSeq = 0
const newPhone = () => `139${String(20_000_000 + phoneSeq++ * 7919).slice(-8)}`

/** small chunks, so that every table is read in several */
const options = (): SyncOptions => ({ chunkRows: 2, tmpDir: path.join(tmp, 'chunks') })

const allRows = (table: string) => defineQuery()({ name: `test.rows.${table}`, sql: `SELECT * FROM ${ident(table)} ORDER BY id` })

/** Every synced table's rows, as comparable JSON. */
async function contents(db: AnalyticsDb) {
  return db.withConnection(async (c) => {
    const out: Record<string, string[]> = {}
    for (const t of SYNCED_TABLES) {
      const rows = await runQuery(c, allRows(t.name), {})
      out[t.name] = rows.map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)))
    }
    return out
  })
}

async function ids(db: AnalyticsDb, table: string) {
  return db.withConnection(async (c) => (await runQuery(c, allRows(table), {})).map((r) => String(r.id)))
}

function plan(overrides: Record<string, unknown> = {}) {
  return CampaignPlanSchema.parse({
    storeId,
    name: '春季车展',
    form: 'auto_show',
    purposes: ['leads'],
    startDate: '2027-03-01',
    endDate: '2027-03-05',
    // a dozen tasks, so that removing them logs more deletions than fit one page, past id 10
    tasks: Array.from({ length: 12 }, (_, i) => ({ title: `任务 ${i + 1}`, owner: '王' })),
    placements: [
      { medium: 'autohome', purpose: 'product', nature: 'hard', costFen: '100000' },
      { medium: 'douyin', purpose: 'brand', nature: 'soft', costFen: '50000' },
    ],
    promotions: [{ kind: 'internal', description: '送保养', unitCostFen: '20000', expectedUnits: '10' }],
    budgetLines: [{ category: 'venue', description: '展位', plannedFen: '300000', subsidyFen: '0' }],
    ...overrides,
  })
}

async function newLead(extra: Record<string, string> = {}) {
  const result = await createLeadManually(
    manager,
    ManualLeadSchema.parse({ storeId, name: '李先生', phone: newPhone(), channel: 'autohome', ...extra }),
    IP,
  )
  if (!result.ok) throw new Error(`lead not created: ${JSON.stringify(result)}`)
  return (result as { leadId: string }).leadId
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'roadshow-analytics-'))
  source = pgSource(await getDbHandle())
  copy = await AnalyticsDb.open({ path: path.join(tmp, 'analytics.duckdb'), memoryLimit: '256MB', threads: 2 })
  const group = await createGroup()
  storeId = (await createStore(group.id)).id
  const user = await createUser(group.id, 'manager', [storeId])
  manager = (await loadSessionUser(user.id))!
})

afterAll(async () => {
  await copy?.close()
  fs.rmSync(tmp, { recursive: true, force: true })
})

describe('the analytical copy', () => {
  it('follows inserts, updates, merges, erasures and removed plan rows, and a rebuild agrees', async () => {
    const first = await syncAnalytics(copy, source, options())
    expect(first.full).toBe(true)

    // a campaign with its plan rows, and leads from it
    const created = await createCampaign(manager, plan(), IP)
    if (!created.ok) throw new Error('campaign not created')
    const campaignId = created.id
    const a = await newLead({ campaignId })
    const b = await newLead()
    const c = await newLead()
    expect((await syncAnalytics(copy, source, options())).full).toBe(false)
    expect(await ids(copy, 'leads')).toEqual(expect.arrayContaining([a, b, c]))
    expect((await ids(copy, 'media_placements')).length).toBe(2)

    // a walk-in (a visit and a touchpoint), a status step, a plan edit that removes a placement
    const walkIn = await recordWalkIn(manager, WalkInSchema.parse({ storeId, name: '李先生', channel: 'passing_by', partySize: '2' }), IP)
    expect(walkIn.ok).toBe(true)
    expect((await changeStatus(manager, b, StatusChangeSchema.parse({ to: 'contacted' }), IP)).ok).toBe(true)
    const db = await getDb()
    const placements = await db.execute<{ id: string }>(sql`select id from media_placements where campaign_id = ${campaignId} order by position`)
    const kept = (placements as unknown as { rows?: { id: string }[] }).rows ?? (placements as unknown as { id: string }[])
    const edited = await updateCampaign(
      manager,
      campaignId,
      plan({ placements: [{ id: kept[0]!.id, medium: 'autohome', purpose: 'product', nature: 'hard', costFen: '120000' }], budgetLines: [], tasks: [] }),
      1,
      IP,
    )
    expect(edited.ok).toBe(true)
    await syncAnalytics(copy, source, options())
    expect(await ids(copy, 'media_placements')).toEqual([kept[0]!.id])
    // the typed line is gone; what is left is the kept placement's own line (ADR 023), and the removed placement's went with it
    const lines = await source.query<{ id: string; placement_id: string | null }>('select id::text as id, placement_id::text as placement_id from budget_lines where campaign_id = $1', [campaignId])
    expect(lines.map((l) => l.placement_id).filter(Boolean)).toEqual([kept[0]!.id])
    expect((await ids(copy, 'budget_lines')).sort()).toEqual(lines.map((l) => l.id).sort())
    expect(await ids(copy, 'campaign_tasks')).toEqual([])

    // a merge (the duplicate stays as a tombstone; its touchpoints move over)
    expect((await mergeLeads(manager, a, b, IP)).ok).toBe(true)
    // web browsing of lead c, then c's erasure: lead, touchpoints, events, visitor, page views go
    const [site] = await db.insert(sites).values({ storeId, name: 'site', siteKey: `k${Date.now()}` }).returning()
    await db.insert(visitors).values({ storeId, siteId: site!.id, visitorKey: 'v-c', leadId: c })
    const [event] = await db
      .insert(webEvents)
      .values({ siteId: site!.id, storeId, clientEventId: 'e1', visitorKey: 'v-c', type: 'pageview', url: 'https://x.test/', occurredAt: new Date() })
      .returning()
    await db.insert(touchpoints).values({ storeId, siteId: site!.id, visitorKey: 'v-c', kind: 'web_visit', channel: 'direct', at: new Date(), webEventId: event!.id })
    await syncAnalytics(copy, source, options())
    expect(await ids(copy, 'web_events')).toEqual([String(event!.id)])
    await eraseLead(manager, c, IP)
    const report = await syncAnalytics(copy, source, options())
    expect(report.deleted).toBeGreaterThan(0)
    expect(await ids(copy, 'leads')).not.toContain(c)
    expect(await ids(copy, 'visitors')).toEqual([])
    expect(await ids(copy, 'web_events')).toEqual([])

    const merged = await copy.withConnection((conn) =>
      runQuery(conn, defineQuery<{ id: string }>()({ name: 'test.lead', sql: 'SELECT merged_into_id::VARCHAR AS m FROM leads WHERE id = $id::UUID' }), { id: b }),
    )
    expect(merged).toEqual([{ m: a }])

    // the copy holds what Postgres holds, table by table
    const pgCounts = await source.query<{ t: string; n: string }>(
      SYNCED_TABLES.map((t) => `select '${t.name}' as t, count(*)::text as n from ${ident(t.name)}`).join(' union all '),
    )
    const incremental = await contents(copy)
    for (const { t, n } of pgCounts) expect([t, incremental[t]!.length]).toEqual([t, Number(n)])

    // a rebuild from scratch gives the same rows
    const rebuiltFile = path.join(tmp, 'rebuilt', 'analytics.duckdb')
    await rebuildAnalytics(source, { file: rebuiltFile, chunkRows: 3, memoryLimit: '256MB' })
    const rebuilt = await openLive(rebuiltFile, { memoryLimit: '256MB' })
    try {
      expect(await contents(rebuilt)).toEqual(incremental)
    } finally {
      await rebuilt.close()
    }
  })

  it('answers the questions in analytics/queries from the copy', async () => {
    const rows = await copy.withConnection((c) =>
      runQuery(c, touchpointsByChannel, { storeId, from: '2000-01-01T00:00:00Z', to: new Date(Date.now() + 86_400_000).toISOString() }),
    )
    // lead a's autohome entry and b's merged into it, the walk-in; c's were erased
    expect(rows).toEqual([
      { channel: 'autohome', touchpoints: 2, leads: 1 },
      { channel: 'passing_by', touchpoints: 1, leads: 1 },
    ])
  })

  it('has Postgres stamp every write and log every deletion, whichever code makes it', async () => {
    const db = await getDb()
    const [tp] = await db.insert(touchpoints).values({ storeId, kind: 'call', channel: 'direct', at: new Date('2027-01-01T00:00:00Z') }).returning()
    const stamp = async () =>
      (await source.query<{ updated_at: Date; xid: string }>('select updated_at, sync_xid::text as xid from touchpoints where id = $1', [tp!.id]))[0]!
    const before = await stamp()
    await new Promise((resolve) => setTimeout(resolve, 5))
    // an update that does not mention updated_at (as a merge moving touchpoints does)
    await db.execute(sql`update touchpoints set channel = 'search' where id = ${tp!.id}`)
    const after = await stamp()
    expect(new Date(after.updated_at).getTime()).toBeGreaterThan(new Date(before.updated_at).getTime())
    expect(BigInt(after.xid)).toBeGreaterThan(BigInt(before.xid))
    await db.execute(sql`delete from touchpoints where id = ${tp!.id}`)
    const logged = await source.query<{ table_name: string }>('select table_name from sync_deletions where row_id = $1', [String(tp!.id)])
    expect(logged).toEqual([{ table_name: 'touchpoints' }])
  })

  it('starts over when the copy was made from another database', async () => {
    const setMeta = (key: string, value: string) =>
      copy.withConnection((c) => runStatement(c, 'test.meta', 'UPDATE _roadshow_meta SET value = $value WHERE key = $key', { key, value }))
    expect((await syncAnalytics(copy, source, options())).full).toBe(false)
    // a watermark ahead of every transaction id of this database (a restore elsewhere)
    await setMeta('watermark', '999999999999')
    expect((await syncAnalytics(copy, source, options())).full).toBe(true)
    await setMeta('source', 'another/1@db.example:5432')
    expect((await syncAnalytics(copy, source, options())).full).toBe(true)
    expect((await syncAnalytics(copy, source, options())).full).toBe(false)
  })

  it('keeps no personal data the analysis does not need', async () => {
    const columns = await copy.withConnection((c) =>
      runQuery(c, defineQuery()({ name: 'test.columns', sql: "SELECT column_name FROM information_schema.columns WHERE table_name = 'leads'" }), {}),
    )
    const names = columns.map((r) => r.column_name)
    expect(names).toEqual(expect.arrayContaining(['phone_hash', 'phone_masked']))
    expect(names).not.toContain('phone')
    expect(names).not.toContain('name')
    expect(names).not.toContain('note')
  })

  it('holds no Postgres transaction between chunks', async () => {
    const db = await getDb()
    for (let i = 0; i < 3; i++) await newLead()
    let chunks = 0
    await syncAnalytics(copy, source, {
      ...options(),
      chunkRows: 1,
      afterChunk: async () => {
        chunks++
        // on PGlite (one connection) an open transaction would make this wait forever
        const answered = await Promise.race([
          db.execute(sql`select 1`).then(() => true),
          new Promise((resolve) => setTimeout(() => resolve(false), 5000)),
        ])
        expect(answered).toBe(true)
        if (source.kind === 'postgres') {
          const open = await source.query<{ n: number }>(
            "select count(*)::int as n from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'",
          )
          expect(open[0]!.n).toBe(0)
        }
      },
    })
    expect(chunks).toBeGreaterThan(3)
  })

  it('syncs in the background one at a time, and reopens a file a rebuild swapped in', async () => {
    const live = path.join(tmp, 'live', 'analytics.duckdb')
    setAnalyticsDbOpener(() => openLive(live, { memoryLimit: '256MB' }))
    const scheduler = createSyncScheduler({ source: async () => source, intervalMs: 0, options: options() })
    try {
      // callers asking together share the syncs: never two at once
      const reports = await Promise.all([scheduler.syncNow(), scheduler.syncNow(), scheduler.syncNow()])
      expect(reports[0]!.full).toBe(true)
      expect(reports[1]).toBe(reports[2])
      const opened = await getAnalyticsDb()
      // npm run analytics:rebuild, while this process (the server) holds the live file
      const lead = await newLead()
      const rebuilt = await rebuildAnalytics(source, { file: live, chunkRows: 1000 })
      expect(rebuilt.previous).toBe('in-use')
      expect(fs.realpathSync(live)).toBe(rebuilt.target)
      await scheduler.syncNow()
      const reopened = await getAnalyticsDb()
      expect(reopened).not.toBe(opened)
      expect(await ids(reopened, 'leads')).toContain(lead)
      // the old file went with the old instance; only the new one and the live link remain
      expect(fs.readdirSync(path.dirname(live)).filter((f) => f.endsWith('.duckdb')).sort()).toEqual(['analytics.duckdb', path.basename(rebuilt.target)].sort())
    } finally {
      await scheduler.stop()
      await closeAnalyticsDb()
    }
  })

  it('lets the timer’s sync wait while it is held, never past its limit, and syncNow not at all', async () => {
    setAnalyticsDbOpener(() => openLive(path.join(tmp, 'deferred', 'analytics.duckdb'), { memoryLimit: '256MB' }))
    let held = false
    let syncs = 0
    const make = (maxDeferMs: number) =>
      createSyncScheduler({
        source: async () => {
          syncs++
          return source
        },
        intervalMs: 30,
        options: { chunkRows: 1000, tmpDir: path.join(tmp, 'chunks') },
        deferWhile: () => held,
        maxDeferMs,
      })
    const until = async (check: () => boolean) => {
      for (const deadline = Date.now() + 20_000; !check(); ) {
        if (Date.now() > deadline) throw new Error('timed out')
        await new Promise((r) => setTimeout(r, 20))
      }
    }
    const settle = () => new Promise((r) => setTimeout(r, 1000))
    let scheduler = make(60_000)
    try {
      scheduler.start()
      await until(() => syncs >= 2)
      // held: the ticks go by without a sync
      held = true
      await settle()
      const before = syncs
      await settle()
      expect(syncs).toBe(before)
      // a caller who needs fresh data is not held
      await scheduler.syncNow()
      expect(syncs).toBe(before + 1)
      // let go: the next tick syncs
      held = false
      await until(() => syncs >= before + 2)
    } finally {
      await scheduler.stop()
    }
    // held longer than the limit since the last sync began: the timer syncs all the same
    scheduler = make(100)
    try {
      held = true
      syncs = 0
      scheduler.start()
      await until(() => syncs >= 3)
    } finally {
      await scheduler.stop()
      await closeAnalyticsDb()
    }
  })

  // On PGlite (one connection, transactions one after the other) a late commit cannot happen.
  if (serverUrl()) {
    it('still copies a row whose transaction commits after a later one was copied', async () => {
      const [{ db: name }] = (await source.query<{ db: string }>('select current_database() as db')) as [{ db: string }]
      const url = new URL(serverUrl()!)
      url.pathname = `/${name}`
      const other = postgres(url.toString(), { max: 1, onnotice: () => {} })
      try {
        const slow = await other.reserve()
        await slow`begin`
        const [early] = await slow`insert into touchpoints (store_id, kind, channel, at) values (${storeId}, 'call', 'direct', now()) returning id`
        // a later transaction commits first and is copied
        const later = await newLead()
        await syncAnalytics(copy, source, options())
        expect(await ids(copy, 'leads')).toContain(later)
        expect(await ids(copy, 'touchpoints')).not.toContain(String(early!.id))
        await slow`commit`
        slow.release()
        await syncAnalytics(copy, source, options())
        expect(await ids(copy, 'touchpoints')).toContain(String(early!.id))
      } finally {
        await other.end()
      }
    })
  }
})
