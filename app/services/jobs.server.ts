import { and, desc, eq, gt, inArray, or, sql } from 'drizzle-orm'
import { z } from 'zod'
import { getDb, type DbOrTx } from '../../db/client'
import { jobs, users } from '../../db/schema'
import type { MessageKey } from '../i18n'
import { canReadStore, canWriteStore, type SessionUser } from '../utils/auth.server'
import { forbidden, notFound } from '../utils/http.server'
import { roleCan, type Permission } from '../utils/permissions'
import { recordAudit } from './audit.server'
import { countsFor, type ImportCounts } from './lead-import.server'

/**
 * Background jobs (docs/decisions/014-background-jobs.md): long work — an import — is
 * queued here by a request and run by the job runner of some app process
 * (jobs-runner.server.ts), so it survives the user closing the tab and never holds a
 * request or a transaction open. Handlers plug in by kind: `registerJobHandler`.
 */

export const JOB_STATUSES = ['queued', 'running', 'done', 'failed'] as const
export type JobStatus = (typeof JOB_STATUSES)[number]
export type ProgressUnit = 'rows' | 'bytes'

/** How a job fails for a reason the user can read: an i18n key and its parameters. */
export class JobError extends Error {
  constructor(
    public readonly key: MessageKey,
    public readonly params: Record<string, string | number> = {},
    message: string = key,
  ) {
    super(message)
    this.name = 'JobError'
  }
}

export type JobProgress = {
  /** what the job is doing now: a key under jobs.phase.* (e.g. 'reading') */
  phase?: string
  done: number
  /** null or left out while unknown */
  total?: number | null
  unit?: ProgressUnit
}

export type JobContext = {
  jobId: string
  storeId: string
  createdById: string | null
  /** aborted when the job is cancelled, the process shuts down or the job was taken over */
  signal: AbortSignal
  /** records progress; throttled, written in a short statement of its own (never waits for a transaction) */
  progress: (progress: JobProgress) => void
}

/** Who may see a kind of job (its page, its progress) and who may cancel it or run it again. */
export type JobAccess = { view: Permission; act: Permission }

/**
 * The app's kinds, with the permissions their own pages ask (ADR 003): a job is seen by whoever
 * may see what it makes, and acted on by whoever may make it — the generic /jobs/:id and
 * /api/jobs/:id as much as the kind's page. A kind named neither here nor by its handler is
 * seen by nobody.
 */
const JOB_ACCESS: Record<string, JobAccess> = {
  // the DMS's sales data: the marketing roles and executives read it, the marketing roles import it (ADR 015)
  sales_import: { view: 'sales:read', act: 'sales:import' },
  // a lead-platform export (ADR 019): those who import lead lists
  lead_import: { view: 'import:run', act: 'import:run' },
  // market data is read by every competitor reader and brought in by the sales importers (ADR 028)
  market_import: { view: 'competitor:read', act: 'sales:import' },
  observation_import: { view: 'competitor:read', act: 'competitor:write' },
  // an erasure's follow-up (ADR 008): those who erase
  erase_kept_files: { view: 'lead:manage', act: 'lead:manage' },
}

export type JobHandler<Input> = {
  kind: string
  /** who may see and act on jobs of this kind, when the kind is not one of JOB_ACCESS's */
  access?: JobAccess
  /** the job's input is checked when it is queued and again when it runs */
  input: z.ZodType<Input>
  /**
   * Runs a job was given, counting re-runs after the process running it died (default 2:
   * one automatic re-run, so a restart does not need the user; a file that kills the
   * process twice is failed, not run on every start). Handlers must therefore be
   * idempotent — imports are: the same file twice changes nothing.
   */
  maxAttempts?: number
  /** returns the job's result (JSON); throws JobError for a reason to show the user */
  run: (input: Input, context: JobContext) => Promise<unknown>
}

const handlers = new Map<string, JobHandler<unknown>>()

/** Plugs a kind of job in; the sales import and, later, the lead-platform imports register themselves. */
export function registerJobHandler<Input>(handler: JobHandler<Input>) {
  if (handlers.has(handler.kind)) throw new Error(`A job handler for '${handler.kind}' is already registered.`)
  handlers.set(handler.kind, handler as JobHandler<unknown>)
}

/** Tests register their own handlers; this removes one again. */
export function unregisterJobHandler(kind: string) {
  handlers.delete(kind)
}

export function getJobHandler(kind: string) {
  return handlers.get(kind)
}

export function registeredJobKinds() {
  return [...handlers.keys()]
}

export type Job = typeof jobs.$inferSelect

function jobAccess(kind: string): JobAccess | null {
  return JOB_ACCESS[kind] ?? handlers.get(kind)?.access ?? null
}

/** Whether the user may see this job: a kind their role may see, of a store they read. */
export function canViewJob(user: SessionUser, job: Pick<Job, 'kind' | 'storeId'>) {
  const access = jobAccess(job.kind)
  return access !== null && roleCan(user.role, access.view) && canReadStore(user, job.storeId)
}

/** Whether the user may cancel the job or run it again: a kind their role may act on, of a store they write to. */
export function canActOnJob(user: SessionUser, job: Pick<Job, 'kind' | 'storeId'>) {
  const access = jobAccess(job.kind)
  return access !== null && canViewJob(user, job) && roleCan(user.role, access.act) && canWriteStore(user, job.storeId)
}

/** What a page and the progress route show of a job: no input (it may name files), the result and error. */
export type JobView = {
  id: string
  kind: string
  storeId: string
  status: JobStatus
  phase: string | null
  progress: { done: number; total: number | null; unit: ProgressUnit | null; percent: number | null }
  error: { key: string; params: Record<string, string | number> } | null
  result: unknown
  attempts: number
  createdAt: string
  startedAt: string | null
  finishedAt: string | null
  updatedAt: string
}

/**
 * A job's result as its kind's own pages would show it to the viewer: a lead import's rows
 * merged into an existing lead count as imported for a role that sees phones masked (ADR 008:
 * otherwise a file of probe numbers tells which are leads already), and no "merged" is left
 * in the figures at all; a sales import's figures as its summary shows them, without the
 * server's file path.
 */
function resultFor(job: Job, viewer: SessionUser): unknown {
  const result = job.result ?? null
  if (result === null || typeof result !== 'object' || Array.isArray(result)) return result
  if (job.kind === 'lead_import') {
    const { counts, ...rest } = result as { counts?: ImportCounts }
    if (!counts) return rest
    const shown = countsFor(viewer, counts)
    if (roleCan(viewer.role, 'lead:phone')) return { ...rest, counts: shown }
    // folded into imported: the field is left out rather than shown as 0 to this viewer
    const { merged: _folded, ...folded } = shown
    return { ...rest, counts: folded }
  }
  if (job.kind === 'sales_import') {
    const { parquetPath: _path, ...rest } = result as { parquetPath?: unknown }
    return rest
  }
  return result
}

/** The job as the viewer may see it (they were let see it: `getJob`). */
export function toJobView(job: Job, viewer: SessionUser): JobView {
  const total = job.progressTotal ?? null
  const done = job.status === 'done' && total !== null ? total : job.progressDone
  return {
    id: job.id,
    kind: job.kind,
    storeId: job.storeId,
    status: job.status as JobStatus,
    phase: job.phase,
    progress: {
      done,
      total,
      unit: (job.progressUnit as ProgressUnit | null) ?? null,
      percent: total ? Math.min(100, Math.floor((done / total) * 100)) : job.status === 'done' ? 100 : null,
    },
    error: job.errorKey ? { key: job.errorKey, params: job.errorParams ?? {} } : null,
    result: resultFor(job, viewer),
    attempts: job.attempts,
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
    updatedAt: job.updatedAt.toISOString(),
  }
}

export type EnqueueJob = { kind: string; storeId: string; createdById?: string | null; input: unknown }

/**
 * Queues a job and returns it; a runner (this process's or another's) picks it up within
 * its poll interval, at once when this process runs one (`onJobQueued`).
 * `db` may be a transaction: the job then exists only if the caller's work commits.
 */
export async function enqueueJob(job: EnqueueJob, db?: DbOrTx): Promise<Job> {
  const handler = handlers.get(job.kind)
  if (!handler) throw new Error(`No job handler for '${job.kind}'.`)
  const input = handler.input.parse(job.input)
  const conn = db ?? (await getDb())
  const [row] = await conn
    .insert(jobs)
    .values({
      kind: job.kind,
      storeId: job.storeId,
      createdById: job.createdById ?? null,
      input,
      maxAttempts: handler.maxAttempts ?? 2,
    })
    .returning()
  for (const listener of queuedListeners) listener()
  return row!
}

const queuedListeners = new Set<() => void>()

/** The runner listens here so that a job queued in this process starts without waiting for the next poll. */
export function onJobQueued(listener: () => void) {
  queuedListeners.add(listener)
  return () => queuedListeners.delete(listener)
}

const JobIdSchema = z.uuid()

/**
 * A job the user may see: of one of their stores, of a kind their role may see. Any other (or
 * none) is 404, so that its existence is not confirmed.
 */
export async function getJob(user: SessionUser, jobId: string): Promise<Job> {
  if (!JobIdSchema.safeParse(jobId).success) notFound('No such job.')
  const db = await getDb()
  const [job] = await db.select().from(jobs).where(eq(jobs.id, jobId))
  if (!job || !canViewJob(user, job)) notFound('No such job.')
  return job
}

function requireJobActor(user: SessionUser, job: Job) {
  if (!canActOnJob(user, job)) forbidden(`Your role (${user.role}) may not cancel or run this job.`)
}

/** What the audit log keeps of a job: its kind and where it stood (never its input, which may name files). */
const audited = (job: Job) => ({ kind: job.kind, status: job.status, cancelRequested: job.cancelRequestedAt !== null })

/**
 * Runs a failed job again from its input (same id, progress and error cleared). Only who may
 * act on its kind in a store they write to; recorded in the audit log.
 */
export async function retryJob(user: SessionUser, jobId: string, ip: string | null): Promise<Job> {
  const job = await getJob(user, jobId)
  requireJobActor(user, job)
  const db = await getDb()
  const row = await db.transaction(async (tx) => {
    const [retried] = await tx
      .update(jobs)
      .set({
        status: 'queued',
        attempts: 0,
        phase: null,
        progressDone: 0,
        progressTotal: null,
        progressUnit: null,
        result: null,
        errorKey: null,
        errorParams: null,
        lockedBy: null,
        heartbeatAt: null,
        cancelRequestedAt: null,
        startedAt: null,
        finishedAt: null,
        updatedAt: sql`now()`,
      })
      .where(and(eq(jobs.id, job.id), eq(jobs.status, 'failed')))
      .returning()
    if (retried) await recordAudit(tx, { userId: user.id, storeId: job.storeId, action: 'job.retry', entityType: 'job', entityId: job.id, before: audited(job), after: audited(retried), ip })
    return retried
  })
  if (!row) return job
  for (const listener of queuedListeners) listener()
  return row
}

/**
 * Cancels a job: a queued one fails at once; a running one is told to stop (its runner
 * sees the request with its next heartbeat and aborts the handler's signal). Only who may
 * act on its kind in a store they write to; recorded in the audit log.
 */
export async function cancelJob(user: SessionUser, jobId: string, ip: string | null): Promise<Job> {
  const job = await getJob(user, jobId)
  requireJobActor(user, job)
  const db = await getDb()
  const row = await db.transaction(async (tx) => {
    const [queued] = await tx
      .update(jobs)
      .set({ status: 'failed', errorKey: 'jobs.error.cancelled', errorParams: {}, finishedAt: sql`now()`, updatedAt: sql`now()` })
      .where(and(eq(jobs.id, job.id), eq(jobs.status, 'queued')))
      .returning()
    const [running] = queued
      ? []
      : await tx
          .update(jobs)
          .set({ cancelRequestedAt: sql`now()`, updatedAt: sql`now()` })
          .where(and(eq(jobs.id, job.id), inArray(jobs.status, ['running'])))
          .returning()
    const cancelled = queued ?? running
    if (cancelled) await recordAudit(tx, { userId: user.id, storeId: job.storeId, action: 'job.cancel', entityType: 'job', entityId: job.id, before: audited(job), after: audited(cancelled), ip })
    return cancelled
  })
  return row ?? job
}

const RECENT_FAILURES_MS = 7 * 86_400_000

/**
 * Jobs of these kinds still queued or running, and those that failed in the last week, of the
 * user's stores, newest first: so that someone who closed the tab finds their import again.
 */
export async function listOpenJobs(user: SessionUser, kinds: string[], limit = 10): Promise<Array<{ job: Job; createdBy: string | null }>> {
  const storeIds = user.stores.map((s) => s.id)
  // only kinds the user's role may see, whichever page asks
  const seen = kinds.filter((kind) => {
    const access = jobAccess(kind)
    return access !== null && roleCan(user.role, access.view)
  })
  if (!storeIds.length || !seen.length) return []
  const db = await getDb()
  return db
    .select({ job: jobs, createdBy: users.name })
    .from(jobs)
    .leftJoin(users, eq(users.id, jobs.createdById))
    .where(
      and(
        inArray(jobs.kind, seen),
        inArray(jobs.storeId, storeIds),
        or(inArray(jobs.status, ['queued', 'running']), and(eq(jobs.status, 'failed'), gt(jobs.updatedAt, new Date(Date.now() - RECENT_FAILURES_MS)))),
      ),
    )
    .orderBy(desc(jobs.createdAt))
    .limit(limit)
}

/** The name of whoever queued a job, or null (the system, or a user since removed). */
export async function jobCreatorName(job: Pick<Job, 'createdById'>): Promise<string | null> {
  if (!job.createdById) return null
  const db = await getDb()
  const [who] = await db.select({ name: users.name }).from(users).where(eq(users.id, job.createdById))
  return who?.name ?? null
}

/** What an import job's pages show of it: the job, its file and store, who queued it, and once done the import it made. */
export type ImportJob = {
  job: JobView
  fileName: string
  storeName: string
  timeZone: string
  createdBy: string | null
  /** the import it made (or found already made), once done */
  importId: string | null
  reused: boolean
}

/** An import job (sales or lead-platform) as its pages show it; its input names the file, its result the import. */
export function describeImportJob(job: Job, user: SessionUser, createdBy: string | null): ImportJob {
  const input = job.input as { fileName?: unknown }
  const result = job.result as { importId?: unknown; reused?: unknown } | null
  const store = user.stores.find((s) => s.id === job.storeId)
  return {
    job: toJobView(job, user),
    fileName: typeof input?.fileName === 'string' ? input.fileName : '',
    storeName: store?.name ?? '',
    timeZone: store?.timeZone ?? 'Asia/Shanghai',
    createdBy,
    importId: job.status === 'done' && typeof result?.importId === 'string' ? result.importId : null,
    reused: result?.reused === true,
  }
}
