import path from 'node:path'
import { and, eq } from 'drizzle-orm'
import iconv from 'iconv-lite'
import { z } from 'zod'
import { getDb } from '../../db/client'
import { imports, importUploads } from '../../db/schema'
import { SalesMappingSchema, type SalesColumn } from '../../analytics/ingest/sales-headers'
import { requireStoreAccess, type SessionUser } from '../utils/auth.server'
import { describeError, log } from '../utils/logger.server'
import { roleCan } from '../utils/permissions'
import { syncAnalyticsNow } from './analytics.server'
import { isFileHash, keepImportFile } from './import-files.server'
import { enqueueJob, registerJobHandler } from './jobs.server'
import { runSalesImport, SALES_IMPORT_EXTS, SalesImportInputSchema, type SalesImportInput } from './sales-import.server'

/**
 * The `sales_import` job kind (ADR 014): registered when this module is imported (the
 * server imports it in entry.server.tsx), queued by `startSalesImport` for the import page.
 * After an import completes, the analytical copy is synced so the `sales` view shows it.
 */
export const SALES_IMPORT_JOB = 'sales_import'

registerJobHandler<SalesImportInput>({
  kind: SALES_IMPORT_JOB,
  input: SalesImportInputSchema,
  async run(input, context) {
    const result = await runSalesImport(input, { jobId: context.jobId, signal: context.signal, progress: context.progress })
    if (!result.reused) {
      // the sync finds the registry changed and makes the views again; a failure here is only a delay
      await syncAnalyticsNow().catch((error) => log('warn', 'analytics sync after a sales import failed', { error: describeError(error) }))
    }
    return result
  },
})

export type SalesExt = (typeof SALES_IMPORT_EXTS)[number]

/** The type of an upload, from its bytes: Parquet (PAR1), .xlsx (a zip), else CSV. */
export function salesFileExt(bytes: Uint8Array): SalesExt {
  const head = Buffer.from(bytes.subarray(0, 4)).toString('latin1')
  if (head === 'PAR1') return 'parquet'
  if (head.startsWith('PK')) return 'xlsx'
  return 'csv'
}

/** The upload step: keeps the file and records who uploaded it for which store (ADR 012). */
export async function keepSalesUpload(user: SessionUser, storeId: string, file: { bytes: Uint8Array; fileName: string }) {
  requireSalesImport(user, storeId)
  const ext = salesFileExt(file.bytes)
  const kept = await keepImportFile(file.bytes, ext)
  const db = await getDb()
  const [upload] = await db
    .insert(importUploads)
    .values({ storeId, uploadedById: user.id, kind: 'sales', fileName: path.basename(file.fileName).slice(0, 255), fileHash: kept.hash, ext, byteSize: file.bytes.length })
    .returning()
  return upload!
}

function requireSalesImport(user: SessionUser, storeId: string) {
  // the marketing roles bring sales data in; the front desk imports lead lists only
  if (!roleCan(user.role, 'sales:import')) throw new Response('Forbidden', { status: 403 })
  requireStoreAccess(user, storeId, 'write')
}

export const StartSalesImportSchema = z.object({
  storeId: z.uuid(),
  /** an upload of this user for this store; or a file this store already imported (a re-run) */
  uploadId: z.uuid().optional(),
  hash: z.string().refine(isFileHash).optional(),
  mapping: SalesMappingSchema.nullable(),
})

/**
 * Queues a sales import and returns the job's id. The file is named by the user's upload
 * (only its uploader, only into its store), or by the hash of a file the store imported
 * before: a hash alone carries no authority (ADR 012).
 */
export async function startSalesImport(user: SessionUser, request: { storeId: string; uploadId?: string; hash?: string; mapping: SalesColumn[] | null }): Promise<string> {
  const parsed = StartSalesImportSchema.parse(request)
  requireSalesImport(user, parsed.storeId)
  const db = await getDb()
  let file: { fileHash: string; ext: SalesExt; fileName: string }
  if (parsed.uploadId) {
    const [upload] = await db.select().from(importUploads).where(and(eq(importUploads.id, parsed.uploadId), eq(importUploads.kind, 'sales')))
    if (!upload) throw new Response('Not found', { status: 404 })
    if (upload.uploadedById !== user.id || upload.storeId !== parsed.storeId) throw new Response('Forbidden', { status: 403 })
    file = { fileHash: upload.fileHash, ext: upload.ext as SalesExt, fileName: upload.fileName }
  } else if (parsed.hash) {
    const [earlier] = await db
      .select({ fileName: imports.fileName, encoding: imports.encoding, storedPath: imports.storedPath })
      .from(imports)
      .where(and(eq(imports.storeId, parsed.storeId), eq(imports.kind, 'sales'), eq(imports.fileHash, parsed.hash)))
      .limit(1)
    if (!earlier) throw new Response('Not found', { status: 404 })
    const ext = (SALES_IMPORT_EXTS as readonly string[]).find((e) => earlier.storedPath?.endsWith(`.${e}`)) as SalesExt | undefined
    file = { fileHash: parsed.hash, ext: ext ?? 'csv', fileName: earlier.fileName }
  } else {
    throw new Response('Name the upload', { status: 400 })
  }
  const job = await enqueueJob({
    kind: SALES_IMPORT_JOB,
    storeId: parsed.storeId,
    createdById: user.id,
    input: { storeId: parsed.storeId, ...file, mapping: parsed.mapping, createdById: user.id } satisfies SalesImportInput,
  })
  return job.id
}

/**
 * The demo seed's sales exports (db/seed-sales.ts), kept as a store's DMS would hand them
 * over (GB18030 CSV) and imported by the job runner once the server runs: `npm start` on a
 * fresh clone then shows sales, some matched to the seeded leads.
 */
export async function queueSeedSalesImports(exports: ReadonlyArray<{ storeId: string; fileName: string; csv: string }>, createdById: string | null) {
  const jobIds: string[] = []
  for (const e of exports) {
    const kept = await keepImportFile(iconv.encode(e.csv, 'gb18030'), 'csv')
    const job = await enqueueJob({
      kind: SALES_IMPORT_JOB,
      storeId: e.storeId,
      createdById,
      input: { storeId: e.storeId, fileHash: kept.hash, ext: 'csv', fileName: e.fileName, mapping: null, createdById } satisfies SalesImportInput,
    })
    jobIds.push(job.id)
  }
  return jobIds
}
