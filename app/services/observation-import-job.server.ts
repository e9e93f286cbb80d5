import { and, eq } from 'drizzle-orm'
import { z } from 'zod'
import { getDb } from '../../db/client'
import { importRows, imports, stores, users } from '../../db/schema'
import type { ObservationColumn } from '../../analytics/ingest/observation-headers'
import { requireStoreAccess, canReadStore, type SessionUser } from '../utils/auth.server'
import { forbidden, notFound } from '../utils/http.server'
import { roleCan } from '../utils/permissions'
import { requireOwnUpload } from './import-files.server'
import { describeImportJob, enqueueJob, getJob, jobCreatorName, listOpenJobs, registerJobHandler, type ImportJob } from './jobs.server'
import {
  failInterruptedObservationImports,
  OBSERVATION_IMPORT_KIND,
  ObservationImportInputSchema,
  runObservationImport,
  type ObservationImportExt,
  type ObservationImportInput,
} from './observation-import.server'

/**
 * The `observation_import` job kind (ADR 014, ADR 028): a sheet of competitor observations
 * confirmed on /competitors/import runs here, in the background, its progress on
 * /competitors/jobs/:id. Registered when this module is imported (entry.server.tsx imports it).
 */
export const OBSERVATION_IMPORT_JOB = 'observation_import'

registerJobHandler<ObservationImportInput>({
  kind: OBSERVATION_IMPORT_JOB,
  input: ObservationImportInputSchema,
  run: (input, context) => runObservationImport(input, { jobId: context.jobId, signal: context.signal, progress: context.progress }),
})

/** Who may import observations: whoever records them (every role of the store but the executive), into a store they write to. */
export function requireObservationImporter(user: SessionUser, storeId?: string) {
  if (!roleCan(user.role, 'competitor:write')) forbidden(`Your role (${user.role}) may not record competitor observations.`)
  if (storeId) requireStoreAccess(user, storeId, 'write')
}

/**
 * Queues the import of an upload with the mapping confirmed on the preview and returns the
 * job's id. Only the upload's uploader, only into its store (ADR 012): anyone else's upload
 * answers UploadRefused (403), an unknown one 404.
 */
export async function startObservationImport(
  user: SessionUser,
  request: { storeId: string; uploadId: string; mapping: ObservationColumn[]; ip: string | null },
): Promise<string> {
  requireObservationImporter(user, request.storeId)
  const upload = await requireOwnUpload(user.id, request.uploadId, request.storeId, OBSERVATION_IMPORT_KIND)
  const job = await enqueueJob({
    kind: OBSERVATION_IMPORT_JOB,
    storeId: request.storeId,
    createdById: user.id,
    input: {
      storeId: request.storeId,
      fileHash: upload.fileHash,
      ext: upload.ext as ObservationImportExt,
      fileName: upload.fileName,
      mapping: request.mapping,
      createdById: user.id,
      ip: request.ip,
    } satisfies ObservationImportInput,
  })
  return job.id
}

/** An observation import job of one of the user's stores; any other job is "not found". */
export async function getObservationImportJob(user: SessionUser, jobId: string): Promise<ImportJob> {
  const job = await getJob(user, jobId)
  if (job.kind !== OBSERVATION_IMPORT_JOB) notFound('No such job.')
  return describeImportJob(job, user, await jobCreatorName(job))
}

/** The observation imports still running, and those that failed in the last week, of the user's stores. */
export async function listOpenObservationImportJobs(user: SessionUser, limit = 10): Promise<ImportJob[]> {
  const rows = await listOpenJobs(user, [OBSERVATION_IMPORT_JOB], limit)
  return rows.map((r) => describeImportJob(r.job, user, r.createdBy))
}

// ------------------------------------------------------------------ an import's summary

export type ObservationImportMappingColumn = { index: number; header: string; field: string | null; unit: string | null }

/** An observation import of a store the user reads; any other (or another kind's) is "not found". */
export async function getObservationImport(user: SessionUser, importId: string) {
  if (!z.uuid().safeParse(importId).success) notFound()
  const db = await getDb()
  const read = () =>
    db
      .select({ import: imports, storeName: stores.name, timeZone: stores.timeZone, createdBy: users.name })
      .from(imports)
      .innerJoin(stores, eq(stores.id, imports.storeId))
      .leftJoin(users, eq(users.id, imports.createdById))
      .where(and(eq(imports.id, importId), eq(imports.kind, OBSERVATION_IMPORT_KIND)))
  let [row] = await read()
  if (!row || !canReadStore(user, row.import.storeId)) notFound()
  // one a dead process left pending shows as failed (and undone), not 导入中 for ever
  if (row.import.status === 'pending' && (await failInterruptedObservationImports({ storeIds: [row.import.storeId] })).includes(importId)) [row] = await read()
  const i = row!.import
  const extra = (i.mapping ?? {}) as { headers?: string[]; units?: Record<string, string>; skipped?: { title: number; blank: number; total: number } }
  const mapping: ObservationImportMappingColumn[] = (i.columnMapping ?? []).map((field, index) => ({
    index,
    header: extra.headers?.[index] ?? '',
    field: field ?? null,
    unit: extra.units?.[String(index)] ?? null,
  }))
  return {
    id: i.id,
    storeId: i.storeId,
    storeName: row!.storeName,
    timeZone: row!.timeZone,
    fileName: i.fileName,
    byteSize: i.byteSize,
    encoding: i.encoding,
    status: i.status as 'pending' | 'done' | 'failed',
    error: i.error,
    createdBy: row!.createdBy,
    createdAt: i.createdAt,
    finishedAt: i.finishedAt,
    counts: { rows: i.rowsTotal, imported: i.rowsImported, failed: i.rowsFailed, skipped: extra.skipped ?? { title: 0, blank: 0, total: 0 } },
    mapping,
  }
}

export const FAILED_ROWS_SHOWN = 500

/** The problems of an import's refused rows, in file order (at most `limit`). */
export async function listObservationImportProblems(importId: string, limit?: number) {
  const db = await getDb()
  const query = db
    .select({ rowNumber: importRows.rowNumber, column: importRows.column, reason: importRows.reason })
    .from(importRows)
    .where(and(eq(importRows.importId, importId), eq(importRows.outcome, 'failed')))
    .orderBy(importRows.rowNumber, importRows.id)
  return limit ? query.limit(limit) : query
}
