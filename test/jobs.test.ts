import { and, eq, sql } from 'drizzle-orm'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { getDb, openPostgres, type Db, type DbHandle } from '../db/client'
import { auditLog, jobs } from '../db/schema'
import { loader as jobJsonLoader } from '../app/routes/api.jobs.$jobId'
import { action as jobPageAction, loader as jobPageLoader } from '../app/routes/jobs.$jobId'
import { JobRunner } from '../app/services/jobs-runner.server'
import { loader as salesJobLoader, action as salesJobAction } from '../app/routes/sales.jobs.$jobId'
import { cancelJob, enqueueJob, getJob, JobError, registerJobHandler, retryJob, toJobView, unregisterJobHandler, type JobView } from '../app/services/jobs.server'
import { loadSessionUser } from '../app/utils/auth.server'
import { createGroup, createStore, createUser, get, post, signIn, type Browser } from './factories'

// Handlers that exist only in this test: the app registers its own (the sales import).
const gates = new Map<string, () => void>()
const runs: string[] = []

const CountInput = z.object({ rows: z.number().int(), gate: z.string().optional(), failWith: z.enum(['known', 'unexpected']).optional() })

// these kinds are seen by whoever reads leads of the job's store and acted on by whoever writes them
const testAccess = { view: 'lead:read', act: 'lead:write' } as const

registerJobHandler({
  kind: 'test-count',
  access: testAccess,
  input: CountInput,
  async run(input, ctx) {
    runs.push(ctx.jobId)
    ctx.progress({ phase: 'reading', done: Math.floor(input.rows / 2), total: input.rows, unit: 'rows' })
    if (input.gate) {
      await new Promise<void>((resolve, reject) => {
        gates.set(input.gate!, resolve)
        ctx.signal.addEventListener('abort', () => reject(new Error('aborted')))
      })
    }
    if (input.failWith === 'known') throw new JobError('jobs.error.badInput', { column: '车架号' })
    if (input.failWith === 'unexpected') throw new Error('boom')
    ctx.progress({ phase: 'saving', done: input.rows, total: input.rows, unit: 'rows' })
    return { imported: input.rows }
  },
})

registerJobHandler({
  kind: 'test-slow',
  access: testAccess,
  input: z.object({ ms: z.number() }),
  async run(input, ctx) {
    runs.push(ctx.jobId)
    await new Promise((resolve) => setTimeout(resolve, input.ms))
    return null
  },
})

afterAll(() => {
  unregisterJobHandler('test-count')
  unregisterJobHandler('test-slow')
})

async function waitFor<T>(what: () => Promise<T | undefined | null | false>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const value = await what()
    if (value) return value
    if (Date.now() > until) throw new Error('timed out waiting')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

async function jobRow(id: string) {
  const db = await getDb()
  const [row] = await db.select().from(jobs).where(eq(jobs.id, id))
  return row!
}

const fast = { pollMs: 20, heartbeatMs: 50, progressEveryMs: 10, staleAfterMs: 60_000, shutdownGraceMs: 2000 }

let storeA: string
let storeB: string
let userA: string
let userB: string
let browserA: Browser
let browserB: Browser
let runner: JobRunner | undefined

beforeAll(async () => {
  const group = await createGroup()
  storeA = (await createStore(group.id, '杭州店')).id
  storeB = (await createStore(group.id, '宁波店')).id
  userA = (await createUser(group.id, 'specialist', [storeA])).id
  userB = (await createUser(group.id, 'specialist', [storeB])).id
  browserA = await signIn(userA)
  browserB = await signIn(userB)
})

afterEach(async () => {
  await runner?.stop()
  runner = undefined
})

describe('job runner', () => {
  it('runs a queued job to done, with its progress recorded on the way', async () => {
    const job = await enqueueJob({ kind: 'test-count', storeId: storeA, createdById: userA, input: { rows: 1000, gate: 'g1' } })
    expect(job.status).toBe('queued')
    runner = new JobRunner(fast)
    await runner.start()
    // while the handler waits at its gate, the progress it reported is in the database
    const midway = await waitFor(async () => {
      const row = await jobRow(job.id)
      return row.status === 'running' && row.progressDone === 500 ? row : null
    })
    expect(midway).toMatchObject({ phase: 'reading', progressTotal: 1000, progressUnit: 'rows', attempts: 1, lockedBy: runner.id })
    expect(toJobView(midway, (await loadSessionUser(userA))!).progress.percent).toBe(50)
    await waitFor(async () => gates.has('g1'))
    gates.get('g1')!()
    const done = await waitFor(async () => {
      const row = await jobRow(job.id)
      return row.status === 'done' ? row : null
    })
    expect(done).toMatchObject({ result: { imported: 1000 }, progressDone: 1000, errorKey: null, lockedBy: null })
    expect(done.finishedAt).toBeInstanceOf(Date)
  })

  it('with a start delay, claims nothing until it has passed, then runs what is queued', async () => {
    const job = await enqueueJob({ kind: 'test-count', storeId: storeA, createdById: userA, input: { rows: 10 } })
    runner = new JobRunner({ ...fast, startDelayMs: 400 })
    const started = Date.now()
    await runner.start()
    // a job queued during the delay waits too
    const second = await enqueueJob({ kind: 'test-count', storeId: storeA, createdById: userA, input: { rows: 10 } })
    await new Promise((resolve) => setTimeout(resolve, 150))
    expect((await jobRow(job.id)).status).toBe('queued')
    expect((await jobRow(second.id)).status).toBe('queued')
    const done = await waitFor(async () => {
      const row = await jobRow(second.id)
      return row.status === 'done' ? row : null
    })
    expect(done.startedAt!.getTime()).toBeGreaterThanOrEqual(started + 400 - 50)
    expect((await jobRow(job.id)).status).toBe('done')
  })

  it('a failing handler ends failed with its error as a message key and parameters', async () => {
    runner = new JobRunner(fast)
    await runner.start()
    const known = await enqueueJob({ kind: 'test-count', storeId: storeA, input: { rows: 10, failWith: 'known' } })
    const unexpected = await enqueueJob({ kind: 'test-count', storeId: storeA, input: { rows: 10, failWith: 'unexpected' } })
    const k = await waitFor(async () => ((await jobRow(known.id)).status === 'failed' ? jobRow(known.id) : null))
    expect(k).toMatchObject({ errorKey: 'jobs.error.badInput', errorParams: { column: '车架号' }, lockedBy: null })
    const u = await waitFor(async () => ((await jobRow(unexpected.id)).status === 'failed' ? jobRow(unexpected.id) : null))
    // the error's own words stay in the log; the user reads a message in their language
    expect(u).toMatchObject({ errorKey: 'jobs.error.unexpected' })
  })

  it('refuses input its handler cannot use when it is queued', async () => {
    await expect(enqueueJob({ kind: 'test-count', storeId: storeA, input: { rows: 'many' } })).rejects.toThrow()
    await expect(enqueueJob({ kind: 'no-such-kind', storeId: storeA, input: {} })).rejects.toThrow(/No job handler/)
  })

  it('at start, recovers jobs a dead process left running: queued again while attempts remain, else failed as interrupted', async () => {
    const db = await getDb()
    const old = sql`now() - interval '10 minutes'`
    const [again] = await db
      .insert(jobs)
      .values({ kind: 'test-count', storeId: storeA, input: { rows: 5 }, status: 'running', attempts: 1, maxAttempts: 2, lockedBy: 'dead-1', heartbeatAt: old, startedAt: old })
      .returning()
    const [spent] = await db
      .insert(jobs)
      .values({ kind: 'test-count', storeId: storeA, input: { rows: 5 }, status: 'running', attempts: 2, maxAttempts: 2, lockedBy: 'dead-1', heartbeatAt: old, startedAt: old })
      .returning()
    // a job another live process heartbeats is left alone
    const [alive] = await db
      .insert(jobs)
      .values({ kind: 'test-count', storeId: storeA, input: { rows: 5 }, status: 'running', attempts: 1, lockedBy: 'alive-1', heartbeatAt: sql`now()`, startedAt: sql`now()` })
      .returning()
    runner = new JobRunner({ ...fast, staleAfterMs: 30_000 })
    await runner.start()
    const rerun = await waitFor(async () => ((await jobRow(again!.id)).status === 'done' ? jobRow(again!.id) : null))
    expect(rerun.attempts).toBe(2)
    expect(await jobRow(spent!.id)).toMatchObject({ status: 'failed', errorKey: 'jobs.error.interrupted', lockedBy: null })
    expect(await jobRow(alive!.id)).toMatchObject({ status: 'running', lockedBy: 'alive-1' })
    await runner.stop()
    // the embedded database's start-up: every running job is dead, whatever its heartbeat
    runner = new JobRunner(fast)
    await runner.recover({ all: true })
    expect(await jobRow(alive!.id)).toMatchObject({ status: 'queued', lockedBy: null })
    await db.delete(jobs).where(eq(jobs.id, alive!.id))
  })

  it('a failed job can be run again by someone who may write to its store; a stop queues a running job again', async () => {
    const job = await enqueueJob({ kind: 'test-count', storeId: storeA, input: { rows: 10, failWith: 'known' } })
    runner = new JobRunner(fast)
    await runner.start()
    await waitFor(async () => (await jobRow(job.id)).status === 'failed')
    await runner.stop()
    const user = (await loadSessionUser(userA))!
    const other = (await loadSessionUser(userB))!
    await expect(retryJob(other, job.id, null)).rejects.toMatchObject({ status: 404 })
    const retried = await retryJob(user, job.id, null)
    expect(retried).toMatchObject({ status: 'queued', attempts: 0, errorKey: null, progressDone: 0 })

    // shutdown while it runs: not the job's fault, so it is queued again without spending an attempt
    const db = await getDb()
    await db.update(jobs).set({ input: { rows: 10, gate: 'g-stop' } }).where(eq(jobs.id, job.id))
    runner = new JobRunner(fast)
    await runner.start()
    await waitFor(async () => gates.has('g-stop'))
    await runner.stop()
    expect(await jobRow(job.id)).toMatchObject({ status: 'queued', attempts: 0, lockedBy: null })
    await db.delete(jobs).where(eq(jobs.id, job.id))
  })

  it('cancels: a queued job fails at once, a running one is aborted with its next heartbeat', async () => {
    const user = (await loadSessionUser(userA))!
    const queued = await enqueueJob({ kind: 'test-count', storeId: storeA, input: { rows: 1 } })
    expect(await cancelJob(user, queued.id, null)).toMatchObject({ status: 'failed', errorKey: 'jobs.error.cancelled' })
    const running = await enqueueJob({ kind: 'test-count', storeId: storeA, input: { rows: 1, gate: 'g-cancel' } })
    runner = new JobRunner(fast)
    await runner.start()
    await waitFor(async () => gates.has('g-cancel'))
    await cancelJob(user, running.id, null)
    const row = await waitFor(async () => ((await jobRow(running.id)).status === 'failed' ? jobRow(running.id) : null))
    expect(row.errorKey).toBe('jobs.error.cancelled')
  })
})

describe('several runners', () => {
  let second: DbHandle | undefined
  afterAll(async () => {
    await second?.close()
  })

  it('never run the same job twice (on a Postgres server: each runner on its own connection pool)', async () => {
    const db = await getDb()
    let otherDb: Db = db
    const url = process.env.TEST_DATABASE_URL
    if (url) {
      const result = (await db.execute(sql`select current_database() as name`)) as unknown as Array<{ name: string }>
      const u = new URL(url)
      u.pathname = `/${result[0]!.name}`
      second = openPostgres(u.toString(), { max: 3 })
      otherDb = second.db
    }
    runs.length = 0
    const queued = []
    for (let i = 0; i < 30; i++) queued.push(await enqueueJob({ kind: 'test-slow', storeId: storeA, input: { ms: 5 } }))
    const one = new JobRunner({ ...fast, db, concurrency: 2 })
    const two = new JobRunner({ ...fast, db: otherDb, concurrency: 2 })
    await Promise.all([one.start(), two.start()])
    try {
      await waitFor(async () => {
        const rows = await db.select({ status: jobs.status }).from(jobs).where(eq(jobs.kind, 'test-slow'))
        return rows.every((r) => r.status === 'done')
      }, 20_000)
    } finally {
      await Promise.all([one.stop(), two.stop()])
    }
    expect(runs.sort()).toEqual(queued.map((j) => j.id).sort())
    const attempts = await db.select({ attempts: jobs.attempts }).from(jobs).where(eq(jobs.kind, 'test-slow'))
    expect(attempts.every((r) => r.attempts === 1)).toBe(true)
  })
})

describe('progress for the browser', () => {
  it('the progress route answers the job as JSON to its store, 404 to another store', async () => {
    const job = await enqueueJob({ kind: 'test-count', storeId: storeA, createdById: userA, input: { rows: 3 } })
    const response = await jobJsonLoader({ request: get(`/api/jobs/${job.id}`, browserA), params: { jobId: job.id }, context: {} })
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const view = (await response.json()) as JobView
    expect(view).toMatchObject({ id: job.id, status: 'queued', progress: { done: 0, total: null, percent: null } })
    expect(view).not.toHaveProperty('input')

    const refused = await jobJsonLoader({ request: get(`/api/jobs/${job.id}`, browserB), params: { jobId: job.id }, context: {} }).catch((e) => e)
    expect(refused).toBeInstanceOf(Response)
    expect((refused as Response).status).toBe(404)
    const user = (await loadSessionUser(userB))!
    await expect(getJob(user, job.id)).rejects.toMatchObject({ status: 404 })
    await expect(getJob(user, 'not-a-uuid')).rejects.toMatchObject({ status: 404 })
    const page = await jobPageLoader({ request: get(`/jobs/${job.id}`, browserB), params: { jobId: job.id }, context: {} }).catch((e) => e)
    expect((page as Response).status).toBe(404)
  })

  it('the job page shows the job and lets its store cancel it', async () => {
    const job = await enqueueJob({ kind: 'test-count', storeId: storeA, createdById: userA, input: { rows: 3 } })
    const page = await jobPageLoader({ request: get(`/jobs/${job.id}`, browserA), params: { jobId: job.id }, context: {} })
    expect(page).toMatchObject({ job: { id: job.id, status: 'queued' }, canManage: true })
    const refused = await jobPageAction({ request: post(`/jobs/${job.id}`, { intent: 'cancel' }, browserB), params: { jobId: job.id }, context: {} }).catch((e) => e)
    expect((refused as Response).status).toBe(404)
    const done = (await jobPageAction({ request: post(`/jobs/${job.id}`, { intent: 'cancel' }, browserA), params: { jobId: job.id }, context: {} })) as Response
    expect(done.status).toBe(302)
    expect((await jobRow(job.id)).errorKey).toBe('jobs.error.cancelled')
  })
})

describe("a job's kind: who may see it and act on it", () => {
  let storeOf: string
  let people: Record<'specialist' | 'sales' | 'executive' | 'manager', { id: string; browser: Browser }>

  beforeAll(async () => {
    const group = await createGroup()
    const store = (await createStore(group.id, '温州店')).id
    storeOf = store
    const one = async (role: 'specialist' | 'sales' | 'executive' | 'manager') => {
      const id = (await createUser(group.id, role, [store])).id
      return { id, browser: await signIn(id) }
    }
    people = { specialist: await one('specialist'), sales: await one('sales'), executive: await one('executive'), manager: await one('manager') }
  })

  /** A job of the store made directly (no runner here claims these kinds): the question is who sees it. */
  async function storeJob(kind: string, values: Partial<typeof jobs.$inferInsert> = {}) {
    const db = await getDb()
    const [row] = await db
      .insert(jobs)
      .values({ kind, storeId: storeOf, createdById: people.specialist.id, input: { fileName: 'dms.csv' }, ...values })
      .returning()
    return row!
  }

  const openJson = (id: string, browser: Browser) => jobJsonLoader({ request: get(`/api/jobs/${id}`, browser), params: { jobId: id }, context: {} }).catch((e: unknown) => e as Response)
  const openPage = (id: string, browser: Browser) => jobPageLoader({ request: get(`/jobs/${id}`, browser), params: { jobId: id }, context: {} }).catch((e: unknown) => e as Response)
  const act = (id: string, intent: 'cancel' | 'retry', browser: Browser) =>
    jobPageAction({ request: post(`/jobs/${id}`, { intent }, browser), params: { jobId: id }, context: {} }).catch((e: unknown) => e as Response) as Promise<Response>
  const auditOf = async (id: string) => {
    const db = await getDb()
    return db.select().from(auditLog).where(and(eq(auditLog.entityType, 'job'), eq(auditLog.entityId, id))).orderBy(auditLog.id)
  }

  it("the front desk, who may not see sales imports, finds a sales import's job nowhere and cannot cancel it", async () => {
    const job = await storeJob('sales_import')
    expect((await openJson(job.id, people.sales.browser)).status).toBe(404)
    expect((await openPage(job.id, people.sales.browser)) as Response).toMatchObject({ status: 404 })
    expect((await act(job.id, 'cancel', people.sales.browser)).status).toBe(404)
    expect((await jobRow(job.id)).status).toBe('queued')
    // the sales page's own action asks the sales-import permission first
    const refused = await salesJobAction({ request: post(`/sales/jobs/${job.id}`, { intent: 'cancel' }, people.sales.browser), params: { jobId: job.id }, context: {} }).catch((e: unknown) => e as Response)
    expect((refused as Response).status).toBe(403)
    expect(await auditOf(job.id)).toEqual([])
  })

  it('an executive sees a sales import job without Cancel or Retry, and is refused both (403)', async () => {
    const job = await storeJob('sales_import')
    expect((await openJson(job.id, people.executive.browser)).status).toBe(200)
    expect(await openPage(job.id, people.executive.browser)).toMatchObject({ job: { id: job.id }, canManage: false })
    expect(await salesJobLoader({ request: get(`/sales/jobs/${job.id}`, people.executive.browser), params: { jobId: job.id }, context: {} })).toMatchObject({ canManage: false })
    expect((await act(job.id, 'cancel', people.executive.browser)).status).toBe(403)
    expect((await jobRow(job.id)).status).toBe('queued')
  })

  it('the front desk sees a market import job (competitor data) but may not cancel it: 403, no button', async () => {
    const job = await storeJob('market_import')
    expect(await openPage(job.id, people.sales.browser)).toMatchObject({ canManage: false })
    expect((await act(job.id, 'cancel', people.sales.browser)).status).toBe(403)
    expect((await jobRow(job.id)).status).toBe('queued')
  })

  it('a kind no permission names is seen by nobody', async () => {
    const job = await storeJob('no-such-kind', { status: 'done' })
    expect((await openJson(job.id, people.manager.browser)).status).toBe(404)
  })

  it('cancelling and running a job again are written to the audit log', async () => {
    const job = await storeJob('sales_import')
    const page = await openPage(job.id, people.specialist.browser)
    expect(page).toMatchObject({ canManage: true })
    expect((await act(job.id, 'cancel', people.specialist.browser)).status).toBe(302)
    expect((await jobRow(job.id)).errorKey).toBe('jobs.error.cancelled')
    expect((await act(job.id, 'retry', people.specialist.browser)).status).toBe(302)
    expect((await jobRow(job.id)).status).toBe('queued')
    const entries = await auditOf(job.id)
    expect(entries.map((e) => [e.action, e.userId, e.storeId])).toEqual([
      ['job.cancel', people.specialist.id, storeOf],
      ['job.retry', people.specialist.id, storeOf],
    ])
    expect(entries[0]).toMatchObject({ before: { kind: 'sales_import', status: 'queued' }, after: { status: 'failed' } })
    expect(entries[1]).toMatchObject({ before: { status: 'failed' }, after: { status: 'queued' } })
    // nothing to cancel or run again: nothing written
    await act(job.id, 'retry', people.specialist.browser)
    expect(await auditOf(job.id)).toHaveLength(2)
    const db = await getDb()
    await db.delete(jobs).where(eq(jobs.id, job.id))
  })

  it("a lead import's rows merged into existing leads count as imported for a viewer without phone access, in the job's JSON and page", async () => {
    const counts = { total: 4, imported: 2, merged: 2, duplicate: 0, skipped: 0, failed: 0 }
    const job = await storeJob('lead_import', { status: 'done', result: { importId: crypto.randomUUID(), reused: false, counts, platform: 'autohome' } })
    // the specialist sees phones masked: "merged" would tell which probe numbers are leads already
    const json = await openJson(job.id, people.specialist.browser)
    const text = await json.text()
    expect(text).not.toContain('merged')
    expect(JSON.parse(text).result.counts).toEqual({ total: 4, imported: 4, duplicate: 0, skipped: 0, failed: 0 })
    const page = await openPage(job.id, people.specialist.browser)
    expect(JSON.stringify(page)).not.toContain('merged')
    // the front desk and managers see full phones, and the rows merged
    const seen = (await (await openJson(job.id, people.sales.browser)).json()) as JobView
    expect(seen.result).toMatchObject({ counts })
    // executives do not import lead lists: not theirs to see
    expect((await openJson(job.id, people.executive.browser)).status).toBe(404)
  })

  it("a sales import's job shows its figures as the import's summary does, without the server's file path", async () => {
    const result = { importId: crypto.randomUUID(), reused: false, rows: 3, imported: 3, rejected: 0, superseded: 0, warnings: 0, skipped: { title: 0, blank: 0, total: 0 }, firstRejected: [], parquetPath: 'sales/x.parquet' }
    const job = await storeJob('sales_import', { status: 'done', result })
    const view = (await (await openJson(job.id, people.executive.browser)).json()) as JobView
    expect(view.result).toMatchObject({ rows: 3, imported: 3 })
    expect(view.result).not.toHaveProperty('parquetPath')
  })
})
