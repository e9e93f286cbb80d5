import iconv from 'iconv-lite'
import { and, eq } from 'drizzle-orm'
import { z } from 'zod'
import { getDb } from '../../db/client'
import { importUploads } from '../../db/schema'
import { MarketMappingSchema, type MarketColumn } from '../../analytics/ingest/market-headers'
import { MARKET_MEASURES, type MarketMeasure } from '../../analytics/ingest/market-record'
import { requireStoreAccess, type SessionUser } from '../utils/auth.server'
import { forbidden, notFound } from '../utils/http.server'
import { describeError, log } from '../utils/logger.server'
import { roleCan } from '../utils/permissions'
import { syncAnalyticsNow } from './analytics.server'
import { keepImportFile } from './import-files.server'
import { enqueueJob, registerJobHandler } from './jobs.server'
import { MARKET_IMPORT_KIND, MarketImportInputSchema, runMarketImport, type MarketExt, type MarketImportInput } from './market-import.server'

/**
 * The `market_import` job kind (ADR 014): registered when this module is imported (the server
 * imports it in entry.server.tsx), queued by `startMarketImport` for the import page. After an
 * import completes, the analytical copy is synced so that `market_units` shows it.
 */
export const MARKET_IMPORT_JOB = 'market_import'

registerJobHandler<MarketImportInput>({
  kind: MARKET_IMPORT_JOB,
  input: MarketImportInputSchema,
  async run(input, context) {
    const result = await runMarketImport(input, { jobId: context.jobId, signal: context.signal, progress: context.progress })
    if (!result.reused) {
      // the sync finds the registry changed and makes the views again; a failure here is only a delay
      await syncAnalyticsNow().catch((error) => log('warn', 'analytics sync after a market import failed', { error: describeError(error) }))
    }
    return result
  },
})

/** Who may bring market data in: the marketing roles (those who import sales data), into a store they write to. */
export function requireMarketImporter(user: SessionUser, storeId?: string) {
  if (!roleCan(user.role, 'sales:import')) forbidden(`Your role (${user.role}) may not import market data.`)
  if (storeId) requireStoreAccess(user, storeId, 'write')
}

/** The type of an upload, from its bytes: .xlsx (a zip), else CSV (the reader refuses what is neither). */
export function marketFileExt(bytes: Uint8Array): MarketExt {
  return Buffer.from(bytes.subarray(0, 2)).toString('latin1') === 'PK' ? 'xlsx' : 'csv'
}

export const StartMarketImportSchema = z.object({
  storeId: z.uuid(),
  uploadId: z.uuid(),
  measure: z.enum(MARKET_MEASURES),
  mapping: MarketMappingSchema,
})

/** Queues a market-data import of the user's own upload into its store (ADR 012) and returns the job's id. */
export async function startMarketImport(user: SessionUser, request: { storeId: string; uploadId: string; measure: MarketMeasure; mapping: MarketColumn[] }): Promise<string> {
  const parsed = StartMarketImportSchema.parse(request)
  requireMarketImporter(user, parsed.storeId)
  const db = await getDb()
  const [upload] = await db.select().from(importUploads).where(and(eq(importUploads.id, parsed.uploadId), eq(importUploads.kind, MARKET_IMPORT_KIND)))
  if (!upload) notFound('No such upload.')
  if (upload.uploadedById !== user.id || upload.storeId !== parsed.storeId) forbidden('This upload is not yours.')
  const job = await enqueueJob({
    kind: MARKET_IMPORT_JOB,
    storeId: parsed.storeId,
    createdById: user.id,
    input: {
      storeId: parsed.storeId,
      fileHash: upload.fileHash,
      ext: upload.ext as MarketExt,
      fileName: upload.fileName,
      measure: parsed.measure,
      mapping: parsed.mapping,
      createdById: user.id,
    } satisfies MarketImportInput,
  })
  return job.id
}

/** Queues the demo stores' market data (db/seed-market.ts), as a specialist would import it; returns the jobs' ids. */
export async function queueSeedMarketImports(exports: ReadonlyArray<{ storeId: string; fileName: string; csv: string }>, createdById: string | null) {
  const jobIds: string[] = []
  for (const e of exports) {
    const kept = await keepImportFile(iconv.encode(e.csv, 'gb18030'), 'csv')
    const job = await enqueueJob({
      kind: MARKET_IMPORT_JOB,
      storeId: e.storeId,
      createdById,
      input: { storeId: e.storeId, fileHash: kept.hash, ext: 'csv', fileName: e.fileName, measure: 'registrations', mapping: null, createdById } satisfies MarketImportInput,
    })
    jobIds.push(job.id)
  }
  return jobIds
}
