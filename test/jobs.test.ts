import { eq, sql } from 'drizzle-orm'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { getDb, openPostgres, type Db, type DbHandle } from '../db/client'
import { jobs } from '../db/schema'
import { loader as jobJsonLoader } from '../app/routes/api.jobs.$jobId'
import { action as jobPageAction, loader as jobPageLoader } from '../app/routes/jobs.$jobId'
import { JobRunner } from '../app/services/jobs-runner.server'
import { cancelJob, enqueueJob, getJob, JobError, registerJobHandler, retryJob, toJobView, unregisterJobHandler, type JobView } from '../app/services/jobs.server'
import { loadSessionUser } from '../app/utils/auth.server'
import { createGroup, createStore, createUser, get, post, signIn, type Browser } from './factories'

// Handlers that exist only in this test: the app registers its own (the sales import).
const gates = new Map<string, () => void>()
const runs: string[] = []

const CountInput = z.object({ rows: z.number().int(), gate: z.string().optional(), failWith: z.enum(['known', 'unexpected']).optional() })

registerJobHandler({
  kind: 'test-count',
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
    expect(toJobView(midway).progress.percent).toBe(50)
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
    await expect(retryJob(other, job.id)).rejects.toMatchObject({ status: 404 })
    const retried = await retryJob(user, job.id)
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
    expect(await cancelJob(user, queued.id)).toMatchObject({ status: 'failed', errorKey: 'jobs.error.cancelled' })
    const running = await enqueueJob({ kind: 'test-count', storeId: storeA, input: { rows: 1, gate: 'g-cancel' } })
    runner = new JobRunner(fast)
    await runner.start()
    await waitFor(async () => gates.has('g-cancel'))
    await cancelJob(user, running.id)
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
