import fs from 'node:fs'
import path from 'node:path'
import { AnalyticsDb, isOpenInThisProcess, newGenerationPath, pointLiveAt, resolveLiveFile } from '../duckdb'
import { runStatement } from '../query'
import type { PgSource } from './source'
import { syncAnalytics, type SyncReport } from './sync'

export type RebuildOptions = {
  /** the live name, DATA_DIR/analytics/analytics.duckdb */
  file: string
  chunkRows: number
  memoryLimit?: string
  threads?: number
}

export type RebuildResult = SyncReport & {
  /** the new file the live name now points at */
  target: string
  /** what became of the file it pointed at before: deleted, or left to the server holding it */
  previous: 'none' | 'deleted' | 'in-use'
}

function removeWithWal(file: string) {
  fs.rmSync(file, { force: true })
  fs.rmSync(`${file}.wal`, { force: true })
}

/** True when another process (a running server) holds the file; otherwise it is opened and closed, which folds its log into it. */
async function heldElsewhere(file: string) {
  if (isOpenInThisProcess(file)) return true
  try {
    await (await AnalyticsDb.open({ path: file, memoryLimit: '64MB', threads: 1 })).close()
    return false
  } catch (error) {
    if (/lock/i.test(String((error as Error).message))) return true
    throw error
  }
}

/**
 * Recreates the analytical copy from Postgres (and the registered Parquet files) into a new
 * generation file, then points the live name at it with one atomic rename (ADR 013). A
 * running server notices at its next sync, closes the old file, deletes it and opens the
 * new one; when no process holds the old file, it is deleted here.
 */
export async function rebuildAnalytics(source: PgSource, options: RebuildOptions): Promise<RebuildResult> {
  fs.mkdirSync(path.dirname(options.file), { recursive: true })
  const target = newGenerationPath(options.file)
  // built under a name no server opens or cleans up, renamed once complete and closed
  const building = `${target}.building`
  const tmpDir = path.join(path.dirname(options.file), 'tmp')
  let report: SyncReport
  try {
    const db = await AnalyticsDb.open({ path: building, memoryLimit: options.memoryLimit, threads: options.threads })
    try {
      report = await syncAnalytics(db, source, { chunkRows: options.chunkRows, tmpDir })
      await db.withConnection((c) => runStatement(c, 'rebuild.checkpoint', 'CHECKPOINT'))
    } finally {
      await db.close()
    }
    fs.rmSync(`${building}.wal`, { force: true }) // closed after a checkpoint: nothing in it
    fs.renameSync(building, target)
  } catch (error) {
    removeWithWal(building)
    throw error
  }
  const old = resolveLiveFile(options.file)
  const oldInUse = old ? await heldElsewhere(old) : false
  pointLiveAt(options.file, target)
  let previous: RebuildResult['previous'] = 'none'
  if (old) {
    previous = oldInUse ? 'in-use' : 'deleted'
    if (!oldInUse) removeWithWal(old)
  }
  return { ...report, target, previous }
}
