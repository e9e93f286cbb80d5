import path from 'node:path'
import { getDbHandle } from '../../db/client'
import { readAnalyticsConfig } from '../../analytics/config'
import { closeAnalyticsDb } from '../../analytics/duckdb'
import { setAnalyticsLogger } from '../../analytics/query'
import { createSyncScheduler, type SyncScheduler } from '../../analytics/sync/scheduler'
import { pgSource } from '../../analytics/sync/source'
import type { SyncReport } from '../../analytics/sync/sync'
import { describeError, log } from '../utils/logger.server'

/**
 * The analytical store in the server process (docs/decisions/013-analytics-sync.md): the
 * background sync from Postgres into DuckDB, started by `startup()` and stopped by
 * `shutdown()` in entry.server.tsx; `syncAnalyticsNow()` for a caller that needs what was
 * just written (an import's results, a report right after an erasure).
 */
let scheduler: SyncScheduler | undefined
/** work of this process that the timer's sync waits for (holdAnalyticsSync) */
let holds = 0

function getScheduler() {
  if (!scheduler) {
    const config = readAnalyticsConfig()
    setAnalyticsLogger(log)
    scheduler = createSyncScheduler({
      source: async () => pgSource(await getDbHandle()),
      intervalMs: config.syncIntervalMs,
      options: { chunkRows: config.chunkRows, tmpDir: path.join(config.dir, 'tmp') },
      deferWhile: analyticsSyncHeld,
    })
  }
  return scheduler
}

export function startAnalyticsSync() {
  getScheduler().start()
}

export async function stopAnalyticsSync() {
  if (!scheduler) return
  await scheduler.stop()
  scheduler = undefined
  await closeAnalyticsDb()
}

export function syncAnalyticsNow(): Promise<SyncReport> {
  return getScheduler().syncNow()
}

/**
 * Asks the running server's sync to run now, without waiting for it: an erasure reaches the
 * analytical copy within seconds rather than at the next tick (SPEC §8). Where no sync runs
 * (the command line, tests), there is no copy in this process to update and nothing happens.
 */
export function requestAnalyticsSync() {
  scheduler?.syncNow().catch((error: unknown) => log('warn', 'analytics sync after a change failed', { error: describeError(error) }))
}

/**
 * Has the background sync wait (at most DEFAULT_MAX_DEFER_MS since its last run) until the
 * returned release is called, which asks for a sync at once: a lead import holds it while it
 * writes (ADR 019). The analytical store then never holds half an import (which would vanish
 * again should the import roll back), and on the embedded database the sync's reading and
 * DuckDB's work stop competing for the one thread and the two cores with the import and the
 * requests it must keep answering within 200 ms (SPEC §7).
 */
export function holdAnalyticsSync(): () => void {
  holds++
  let released = false
  return () => {
    if (released) return
    released = true
    holds--
    if (holds === 0) requestAnalyticsSync()
  }
}

/** whether some work of this process holds the background sync (holdAnalyticsSync) */
export function analyticsSyncHeld() {
  return holds > 0
}
