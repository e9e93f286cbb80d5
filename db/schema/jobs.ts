import { sql } from 'drizzle-orm'
import { bigint, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import { stores, users } from './accounts'

const ts = (name: string) => timestamp(name, { withTimezone: true })

/**
 * A background job (docs/decisions/014-background-jobs.md): long work such as an import
 * runs here, claimed by one app process at a time, never inside a request. Progress and
 * heartbeats are short single-row updates, so no transaction is held across a job.
 */
export const jobs = pgTable(
  'jobs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** which registered handler runs it, e.g. 'sales-import' */
    kind: text('kind').notNull(),
    /** whose job it is: users see the jobs of their stores only */
    storeId: uuid('store_id')
      .notNull()
      .references(() => stores.id, { onDelete: 'cascade' }),
    createdById: uuid('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    /** queued → running → done | failed (a failed job can be queued again: retry) */
    status: text('status').notNull().default('queued'),
    /** what the job is doing now, an i18n key suffix chosen by its handler (e.g. 'reading') */
    phase: text('phase'),
    /** how far it is: done of total, in rows or bytes; total null while unknown */
    progressDone: bigint('progress_done', { mode: 'number' }).notNull().default(0),
    progressTotal: bigint('progress_total', { mode: 'number' }),
    progressUnit: text('progress_unit'),
    input: jsonb('input').$type<unknown>().notNull(),
    result: jsonb('result').$type<unknown>(),
    /** why it failed: an i18n key and its parameters */
    errorKey: text('error_key'),
    errorParams: jsonb('error_params').$type<Record<string, string | number>>(),
    /** runs started (claims); a job interrupted by a dead process is queued again while attempts < max_attempts */
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(2),
    /** the runner (process) that holds it while running: every write of a run is fenced by it */
    lockedBy: text('locked_by'),
    heartbeatAt: ts('heartbeat_at'),
    cancelRequestedAt: ts('cancel_requested_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
    startedAt: ts('started_at'),
    finishedAt: ts('finished_at'),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    // the runners' claim query: the oldest queued job
    index('jobs_queued_idx').on(t.createdAt).where(sql`${t.status} = 'queued'`),
    // the recovery sweep: running jobs by heartbeat
    index('jobs_running_idx').on(t.heartbeatAt).where(sql`${t.status} = 'running'`),
    index('jobs_store_idx').on(t.storeId, t.createdAt),
  ],
)
