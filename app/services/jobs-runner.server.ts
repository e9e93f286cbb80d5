import crypto from 'node:crypto'
import { and, eq, isNull, ne, or, sql } from 'drizzle-orm'
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core'
import { ZodError } from 'zod'
import { getDb, rowsOf, type Db } from '../../db/client'
import { jobs } from '../../db/schema'
import { describeError, log } from '../utils/logger.server'
import { getJobHandler, JobError, onJobQueued, registeredJobKinds, type Job, type JobContext, type JobProgress } from './jobs.server'

/**
 * Runs queued jobs in this process (docs/decisions/014-background-jobs.md).
 *
 * - Claim: one statement, `update … where id = (select … for update skip locked limit 1)`,
 *   so two runners — in this process or in several app processes on one Postgres server —
 *   never take the same job. Only kinds with a handler here are claimed.
 * - Every write of a run (progress, heartbeat, the outcome) is one short autocommitted
 *   statement fenced by `locked_by = <this runner>`: no transaction is held across a job
 *   (PGlite is one connection; an open transaction would stall every request).
 * - Heartbeat every `heartbeatMs`; a running job whose heartbeat is older than
 *   `staleAfterMs` belonged to a dead process: it is queued again while it has attempts
 *   left, else failed with `jobs.error.interrupted` (the user can retry it).
 */

export type JobRunnerOptions = {
  /** the database (default: the process-wide one) */
  db?: Db
  /** jobs run side by side in this process */
  concurrency?: number
  /** how often to look for queued jobs when idle */
  pollMs?: number
  heartbeatMs?: number
  /** a running job whose heartbeat is older than this is taken for dead */
  staleAfterMs?: number
  /** progress is written at most this often per job */
  progressEveryMs?: number
  /** on stop, how long running handlers get to notice the abort before the runner lets go */
  shutdownGraceMs?: number
  /** after start, how long before the first claim: the server's own start-up work goes first */
  startDelayMs?: number
}

type Running = { job: Job; controller: AbortController; settled: Promise<void> }

/** Why a run's signal was aborted. */
type AbortReason = 'cancel' | 'shutdown' | 'lost'

export class JobRunner {
  readonly id = `${process.pid}-${crypto.randomBytes(4).toString('hex')}`
  private readonly options: Required<Omit<JobRunnerOptions, 'db'>>
  private readonly dbOption: Db | undefined
  private readonly running = new Map<string, Running>()
  private stopped = true
  private ticking = false
  private tickAgain = false
  private pollTimer: NodeJS.Timeout | undefined
  private heartbeatTimer: NodeJS.Timeout | undefined
  private lastSweep = 0
  /** no claim before this time (startDelayMs after start) */
  private claimsFrom = 0
  private unlisten: (() => void) | undefined

  constructor(options: JobRunnerOptions = {}) {
    this.dbOption = options.db
    this.options = {
      concurrency: options.concurrency ?? 1,
      pollMs: options.pollMs ?? 1000,
      heartbeatMs: options.heartbeatMs ?? 5000,
      staleAfterMs: options.staleAfterMs ?? 30_000,
      progressEveryMs: options.progressEveryMs ?? 500,
      shutdownGraceMs: options.shutdownGraceMs ?? 10_000,
      startDelayMs: options.startDelayMs ?? 0,
    }
  }

  private db() {
    return this.dbOption ? Promise.resolve(this.dbOption) : getDb()
  }

  /**
   * Recovers what dead processes left running, then starts claiming. `recoverAll`: every
   * running job is dead (the embedded database allows one process, so at start nothing
   * else can be running one).
   */
  async start({ recoverAll = false }: { recoverAll?: boolean } = {}) {
    if (!this.stopped) return
    this.stopped = false
    await this.recover({ all: recoverAll })
    this.unlisten = onJobQueued(() => void this.tick())
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.options.heartbeatMs)
    this.heartbeatTimer.unref()
    this.claimsFrom = Date.now() + this.options.startDelayMs
    void this.tick()
  }

  /** Stops claiming, asks running handlers to stop and waits for them (up to the grace period). Jobs stopped so are queued again. */
  async stop() {
    if (this.stopped) return
    this.stopped = true
    this.unlisten?.()
    clearTimeout(this.pollTimer)
    clearInterval(this.heartbeatTimer)
    const settled = [...this.running.values()].map((r) => {
      r.controller.abort('shutdown' satisfies AbortReason)
      return r.settled
    })
    let timer: NodeJS.Timeout | undefined
    await Promise.race([Promise.all(settled), new Promise((resolve) => (timer = setTimeout(resolve, this.options.shutdownGraceMs)))])
    clearTimeout(timer)
  }

  /** Jobs this runner is running now. */
  runningJobIds() {
    return [...this.running.keys()]
  }

  /** Waits until this runner has nothing running (tests). */
  async idle() {
    while (this.running.size || this.ticking) {
      await Promise.all([...this.running.values()].map((r) => r.settled))
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }

  /**
   * Jobs left running by a dead process (heartbeat older than staleAfterMs, or every one
   * when `all`) are queued again while they have attempts left, else failed as interrupted.
   */
  async recover({ all = false }: { all?: boolean } = {}) {
    const db = await this.db()
    this.lastSweep = Date.now()
    const again = sql`${jobs.attempts} < ${jobs.maxAttempts}`
    const rows = await db
      .update(jobs)
      .set({
        status: sql`case when ${again} then 'queued' else 'failed' end`,
        errorKey: sql`case when ${again} then null else 'jobs.error.interrupted' end`,
        errorParams: sql`case when ${again} then null else '{}'::jsonb end`,
        finishedAt: sql`case when ${again} then null else now() end`,
        lockedBy: null,
        updatedAt: sql`now()`,
      })
      .where(
        and(
          eq(jobs.status, 'running'),
          or(isNull(jobs.lockedBy), ne(jobs.lockedBy, this.id)),
          all ? undefined : sql`coalesce(${jobs.heartbeatAt}, ${jobs.updatedAt}) < now() - make_interval(secs => ${this.options.staleAfterMs / 1000})`,
        ),
      )
      .returning({ id: jobs.id, kind: jobs.kind, status: jobs.status })
    for (const row of rows) log('warn', 'job interrupted by a dead process', { jobId: row.id, kind: row.kind, now: row.status })
    const requeued = rows.filter((r) => r.status === 'queued').length
    return { requeued, failed: rows.length - requeued }
  }

  /** Claims and starts jobs while there is room; called on a timer, when a job is queued here and when one ends. */
  async tick() {
    if (this.stopped) return
    const wait = this.claimsFrom - Date.now()
    if (wait > 0) {
      clearTimeout(this.pollTimer)
      this.pollTimer = setTimeout(() => void this.tick(), wait)
      this.pollTimer.unref()
      return
    }
    if (this.ticking) {
      this.tickAgain = true
      return
    }
    this.ticking = true
    clearTimeout(this.pollTimer)
    try {
      do {
        this.tickAgain = false
        if (Date.now() - this.lastSweep > this.options.staleAfterMs) await this.recover()
        while (!this.stopped && this.running.size < this.options.concurrency) {
          const job = await this.claim()
          if (!job) break
          this.begin(job)
        }
      } while (this.tickAgain && !this.stopped)
    } catch (error) {
      log('warn', 'job runner could not claim', { error: describeError(error) })
    } finally {
      this.ticking = false
      if (!this.stopped) {
        this.pollTimer = setTimeout(() => void this.tick(), this.options.pollMs)
        this.pollTimer.unref()
      }
    }
  }

  private async claim(): Promise<Job | undefined> {
    const kinds = registeredJobKinds()
    if (!kinds.length) return undefined
    const db = await this.db()
    // The pick is a MATERIALIZED CTE, evaluated once: as a subquery in the WHERE clause,
    // Postgres may re-evaluate it (EvalPlanQual) when a concurrent claim changed the row it
    // found, and one statement could then claim two jobs.
    const result = await db.execute(sql`
      with next as materialized (
        select id from ${jobs}
        where status = 'queued' and kind in (${sql.join(
          kinds.map((k) => sql`${k}`),
          sql`, `,
        )})
        order by created_at
        limit 1
        for update skip locked
      )
      update ${jobs} set status = 'running', attempts = ${jobs.attempts} + 1, locked_by = ${this.id},
        heartbeat_at = now(), started_at = now(), updated_at = now()
      from next where ${jobs.id} = next.id
      returning ${jobs.id} as id`)
    const id = rowsOf<{ id: string }>(result)[0]?.id
    if (!id) return undefined
    const [job] = await db.select().from(jobs).where(eq(jobs.id, id))
    return job
  }

  private begin(job: Job) {
    const controller = new AbortController()
    const entry: Running = { job, controller, settled: Promise.resolve() }
    entry.settled = this.run(job, controller).finally(() => {
      this.running.delete(job.id)
      void this.tick()
    })
    this.running.set(job.id, entry)
  }

  /** A short write fenced by this runner's claim: a job taken over after a stall is not written by its old runner. */
  private async write(jobId: string, values: PgUpdateSetSource<typeof jobs>) {
    const db = await this.db()
    const rows = await db
      .update(jobs)
      .set({ ...values, updatedAt: sql`now()` })
      .where(and(eq(jobs.id, jobId), eq(jobs.lockedBy, this.id), eq(jobs.status, 'running')))
      .returning({ id: jobs.id })
    return rows.length > 0
  }

  private async run(job: Job, controller: AbortController) {
    const { signal } = controller
    const progress = new ProgressWriter(this.options.progressEveryMs, (p) =>
      this.write(job.id, { phase: p.phase ?? null, progressDone: p.done, progressTotal: p.total ?? null, progressUnit: p.unit ?? null, heartbeatAt: sql`now()` }),
    )
    const context: JobContext = { jobId: job.id, storeId: job.storeId, createdById: job.createdById, signal, progress: (p) => progress.set(p) }
    const handler = getJobHandler(job.kind)
    const started = Date.now()
    try {
      if (!handler) throw new JobError('jobs.error.unexpected')
      const input = handler.input.parse(job.input)
      const result = await handler.run(input, context)
      await progress.flush()
      if (signal.aborted) throw signal.reason
      const ok = await this.write(job.id, { status: 'done', result: (result ?? null), finishedAt: sql`now()`, lockedBy: null })
      log(ok ? 'info' : 'warn', ok ? 'job done' : 'job done but taken over meanwhile', { jobId: job.id, kind: job.kind, ms: Date.now() - started })
    } catch (error) {
      await progress.flush().catch(() => {})
      const reason = signal.aborted ? (signal.reason as AbortReason) : null
      if (reason === 'lost') {
        log('warn', 'job taken over by another runner', { jobId: job.id, kind: job.kind })
        return
      }
      if (reason === 'shutdown') {
        // not the job's fault: it runs again, from the start, without using up an attempt
        await this.write(job.id, { status: 'queued', attempts: sql`greatest(${jobs.attempts} - 1, 0)`, lockedBy: null }).catch(() => {})
        log('info', 'job stopped by shutdown, queued again', { jobId: job.id, kind: job.kind })
        return
      }
      const failure =
        reason === 'cancel'
          ? { key: 'jobs.error.cancelled', params: {} }
          : error instanceof JobError
            ? { key: error.key, params: error.params }
            : error instanceof ZodError
              ? { key: 'jobs.error.badInput', params: {} }
              : { key: 'jobs.error.unexpected', params: {} }
      if (failure.key === 'jobs.error.unexpected') log('error', 'job failed', { jobId: job.id, kind: job.kind, error: describeError(error) })
      else log('info', 'job failed', { jobId: job.id, kind: job.kind, reason: failure.key })
      await this.write(job.id, {
        status: 'failed',
        errorKey: failure.key,
        errorParams: failure.params,
        finishedAt: sql`now()`,
        lockedBy: null,
      }).catch((e) => log('error', 'job outcome not recorded', { jobId: job.id, error: describeError(e) }))
    }
  }

  /** Keeps this runner's jobs alive, and hears of cancel requests and of jobs taken over. */
  private async heartbeat() {
    const ids = [...this.running.keys()]
    if (!ids.length) return
    try {
      const db = await this.db()
      const rows = await db
        .update(jobs)
        .set({ heartbeatAt: sql`now()` })
        .where(and(sql`${jobs.id} in (${sql.join(ids.map((id) => sql`${id}::uuid`), sql`, `)})`, eq(jobs.lockedBy, this.id), eq(jobs.status, 'running')))
        .returning({ id: jobs.id, cancelRequestedAt: jobs.cancelRequestedAt })
      const alive = new Map(rows.map((r) => [r.id, r]))
      // only the jobs this heartbeat asked about: one claimed meanwhile is not in its answer
      for (const id of ids) {
        const r = this.running.get(id)
        const row = alive.get(id)
        if (!r) continue
        if (!row) r.controller.abort('lost' satisfies AbortReason)
        else if (row.cancelRequestedAt) r.controller.abort('cancel' satisfies AbortReason)
      }
    } catch (error) {
      log('warn', 'job heartbeat failed', { error: describeError(error) })
    }
  }
}

/** Keeps the latest progress and writes it at most every `everyMs`, one write at a time. */
class ProgressWriter {
  private latest: JobProgress | undefined
  private writing: Promise<unknown> = Promise.resolve()
  private lastWrite = 0
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly everyMs: number,
    private readonly save: (p: JobProgress) => Promise<unknown>,
  ) {}

  set(progress: JobProgress) {
    this.latest = progress
    if (this.timer) return
    const wait = Math.max(0, this.lastWrite + this.everyMs - Date.now())
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.write()
    }, wait)
    this.timer.unref()
  }

  private write() {
    const p = this.latest
    if (!p) return this.writing
    this.latest = undefined
    this.lastWrite = Date.now()
    this.writing = this.writing.then(() => this.save(p)).catch((error) => log('warn', 'job progress not recorded', { error: describeError(error) }))
    return this.writing
  }

  /** Writes what is pending now and waits for it. */
  async flush() {
    clearTimeout(this.timer)
    this.timer = undefined
    await this.write()
  }
}


let current: JobRunner | undefined

/**
 * The server's runner (app/entry.server.tsx calls this at start-up). On the embedded
 * database every job still marked running at start was left by this data directory's
 * previous process, the only one that could run it.
 */
export async function startJobRunner(options: JobRunnerOptions & { recoverAll?: boolean } = {}) {
  current ??= new JobRunner(options)
  await current.start({ recoverAll: options.recoverAll })
  return current
}

export async function stopJobRunner() {
  const runner = current
  current = undefined
  await runner?.stop()
}
