import fs from 'node:fs'
import path from 'node:path'
import { and, eq, inArray, isNotNull } from 'drizzle-orm'
import { z } from 'zod'
import { getDb, getDbHandle, type DbOrTx } from '../../db/client'
import { imports } from '../../db/schema'
import { AnalyticsDb } from '../../analytics/duckdb'
import { eraseFromSalesFile, salesFilesHolding } from '../../analytics/ingest/sales-erasure'
import { getEnv } from '../utils/env.server'
import { requestAnalyticsSync } from './analytics.server'
import { purgeAnalytics, purgeDatabase, type PurgeResult } from './erasure-purge.server'
import { importFilePath, isFileHash, type KeptFileExt } from './import-files.server'
import { enqueueJob, registerJobHandler } from './jobs.server'

/**
 * Erasure reaching the kept import files (SPEC §8, PIPL; docs/decisions/008): queued by
 * `eraseLead` in the erasure's own transaction, so it exists exactly when the erasure
 * committed, and run by the job runner — retried after a crash like any job.
 *
 * - A lead-platform export that brought the person in is deleted: its rows hold the full
 *   phone and name. The import's record and row outcomes stay (they hold neither); a retry
 *   of that import then says the file is no longer kept.
 * - A sales import's Parquet file holding the person (by keyed phone hash, or by a sale
 *   matchback tied to them) is rewritten with the person's identifiers emptied
 *   (analytics/ingest/sales-erasure.ts), and the original upload it was read from —
 *   which holds the full phone and name — is deleted.
 * - Then what the databases keep of deleted rows is removed: dead row versions, the
 *   write-ahead log, the analytical copy's freed blocks (erasure-purge.server.ts).
 */
export const ERASE_KEPT_FILES_JOB = 'erase_kept_files'

export const EraseKeptFilesSchema = z.object({
  storeId: z.uuid(),
  phoneHashes: z.array(z.string().min(1).max(200)).max(1_000),
  saleKeys: z.array(z.string().min(1).max(100)).max(10_000),
  /** imports whose rows pointed at the person */
  importIds: z.array(z.uuid()).max(10_000),
})
export type EraseKeptFiles = z.infer<typeof EraseKeptFilesSchema>

export type EraseKeptFilesResult = { rawFilesDeleted: number; salesFilesRewritten: number; salesRowsCleared: number }
export type ErasureJobResult = EraseKeptFilesResult & { purged: PurgeResult }

const KEPT_EXTS: readonly KeptFileExt[] = ['csv', 'xlsx', 'parquet']

/** Deletes the kept upload of a file hash, whatever its extension; true when one was there. */
function deleteKeptUpload(fileHash: string): boolean {
  if (!isFileHash(fileHash)) return false
  let deleted = false
  for (const ext of KEPT_EXTS) {
    const file = importFilePath(fileHash, ext)
    if (fs.existsSync(file)) {
      fs.rmSync(file, { force: true })
      deleted = true
    }
  }
  return deleted
}

export async function eraseKeptFiles(input: EraseKeptFiles): Promise<EraseKeptFilesResult> {
  const db = await getDb()
  const result: EraseKeptFilesResult = { rawFilesDeleted: 0, salesFilesRewritten: 0, salesRowsCleared: 0 }
  const rawHashes = new Set<string>()

  if (input.importIds.length) {
    const brought = await db
      .select({ fileHash: imports.fileHash })
      .from(imports)
      .where(and(eq(imports.storeId, input.storeId), inArray(imports.id, input.importIds)))
    for (const row of brought) rawHashes.add(row.fileHash)
  }

  const sales = await db
    .select({ fileHash: imports.fileHash, parquetPath: imports.parquetPath })
    .from(imports)
    .where(and(eq(imports.storeId, input.storeId), eq(imports.kind, 'sales'), isNotNull(imports.parquetPath)))
  if (sales.length && (input.phoneHashes.length || input.saleKeys.length)) {
    const dataDir = path.resolve(getEnv().DATA_DIR)
    const byFile = new Map<string, string[]>()
    for (const s of sales) {
      const file = path.resolve(dataDir, s.parquetPath!)
      byFile.set(file, [...(byFile.get(file) ?? []), s.fileHash])
    }
    const duck = await AnalyticsDb.open({ path: ':memory:', memoryLimit: '256MB', threads: 1 })
    try {
      await duck.withConnection(async (c) => {
        const keys = { phoneHashes: input.phoneHashes, saleKeys: input.saleKeys }
        const holding = await salesFilesHolding(c, [...byFile.keys()], input.storeId, keys)
        for (const file of holding) {
          result.salesRowsCleared += await eraseFromSalesFile(c, file, input.storeId, keys)
          result.salesFilesRewritten++
          for (const hash of byFile.get(file) ?? []) rawHashes.add(hash)
        }
      })
    } finally {
      await duck.close()
    }
  }

  for (const hash of rawHashes) if (deleteKeptUpload(hash)) result.rawFilesDeleted++
  // the views read the files at each query; the sync refreshes what is derived from them
  if (result.salesFilesRewritten) requestAnalyticsSync()
  return result
}

registerJobHandler<EraseKeptFiles>({
  kind: ERASE_KEPT_FILES_JOB,
  input: EraseKeptFilesSchema,
  // rewriting a file twice, or vacuuming twice, changes nothing: safe to run again after a crash, several times
  maxAttempts: 5,
  run: (input) => runErasureJob(input),
})

/** The job: the kept files first, then the databases' remains of the rows the erasure deleted. */
export async function runErasureJob(input: EraseKeptFiles): Promise<ErasureJobResult> {
  const files = await eraseKeptFiles(input)
  const handle = await getDbHandle()
  const database = await purgeDatabase(handle)
  const analytics = await purgeAnalytics(handle)
  return { ...files, purged: { database, analytics } }
}

/** Queues the kept files' erasure in the caller's transaction (the erasure's own). */
export async function queueKeptFileErasure(tx: DbOrTx, job: EraseKeptFiles & { createdById: string }) {
  const { createdById, ...input } = job
  return enqueueJob({ kind: ERASE_KEPT_FILES_JOB, storeId: input.storeId, createdById, input }, tx)
}
