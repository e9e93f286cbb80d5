import { chunkRowsFor } from '../config'
import { getAnalyticsDb, reopenIfReplaced } from '../duckdb'
import { analyticsLog } from '../query'
import type { PgSource } from './source'
import { syncAnalytics, type SyncOptions, type SyncReport } from './sync'

export type SyncScheduler = {
  /** starts the background sync: one now, then every `intervalMs` */
  start(): void
  /** a sync that starts after this call (so it sees every write committed before it) */
  syncNow(): Promise<SyncReport>
  /** stops the timer and waits for a sync in progress */
  stop(): Promise<void>
}

/** The longest the timer's sync waits for deferWhile (a long lead import) since the last sync began. */
export const DEFAULT_MAX_DEFER_MS = 5 * 60_000

/**
 * The server's background sync (ADR 013): a timer, one sync at a time, errors logged and
 * retried at the next tick. `syncNow()` serves callers that need fresh data: it waits for a
 * sync in progress (which may have started before their write) and then runs one more,
 * shared by every caller who asked meanwhile.
 */
export function createSyncScheduler(config: {
  source: () => Promise<PgSource>
  intervalMs: number
  options: Omit<SyncOptions, 'afterChunk' | 'chunkRows'> & { chunkRows: number | null }
  /** the timer's sync waits while this says so (syncNow does not), but never longer than maxDeferMs since the last sync began */
  deferWhile?: () => boolean
  maxDeferMs?: number
}): SyncScheduler {
  let timer: NodeJS.Timeout | undefined
  let lastStarted = 0
  let running: Promise<SyncReport> | null = null
  let queued: Promise<SyncReport> | null = null
  let stopped = false

  async function runOnce(): Promise<SyncReport> {
    lastStarted = Date.now()
    // a rebuild may have swapped a new file in (npm run analytics:rebuild, on a Postgres server)
    if (await reopenIfReplaced()) analyticsLog('info', 'analytics store reopened after a rebuild')
    const source = await config.source()
    return syncAnalytics(await getAnalyticsDb(), source, { ...config.options, chunkRows: chunkRowsFor(source.kind, config.options.chunkRows) })
  }

  function run(): Promise<SyncReport> {
    if (running) {
      queued ??= running
        .catch(() => undefined)
        .then(() => {
          queued = null
          return run()
        })
      return queued
    }
    const current = runOnce().finally(() => {
      if (running === current) running = null
    })
    running = current
    return current
  }

  function tick() {
    if (stopped) return
    const deferred = config.deferWhile?.() === true && Date.now() - lastStarted < (config.maxDeferMs ?? DEFAULT_MAX_DEFER_MS)
    ;(deferred ? Promise.resolve() : run())
      .catch((error) => analyticsLog('error', 'analytics sync failed; retried at the next tick', { error: errorName(error) }))
      .finally(() => {
        if (!stopped && config.intervalMs > 0) {
          timer = setTimeout(tick, config.intervalMs)
          timer.unref()
        }
      })
  }

  return {
    start() {
      stopped = false
      if (config.intervalMs > 0) tick()
    },
    syncNow: () => run(),
    async stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      await Promise.allSettled([running, queued])
    },
  }
}

/** What a log line may say of a sync error: its kind and code, not its message (which may quote data). */
function errorName(error: unknown) {
  if (!(error instanceof Error)) return 'unknown'
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' ? `${error.name} ${code}` : error.name
}
