import { z } from 'zod'
import { getDb } from '../../db/client'
import { ColumnMappingSchema, PLATFORM_CHOICES } from '../schemas/lead-import'
import { requireStoreAccess, type SessionUser } from '../utils/auth.server'
import { notFound } from '../utils/http.server'
import { isFileHash } from './import-files.server'
import { ImportError, resolveFile, retryInput, runLeadImport } from './lead-import.server'
import { describeImportJob, enqueueJob, getJob, JobError, jobCreatorName, listOpenJobs, registerJobHandler, type ImportJob, type Job } from './jobs.server'

/**
 * The `lead_import` job kind (ADR 014, ADR 019): a lead-platform export confirmed on the
 * import page runs here, in the background, with its progress on /imports/jobs/:id — the user
 * may close the tab. Registered when this module is imported (entry.server.tsx imports it).
 */
export const LEAD_IMPORT_JOB = 'lead_import'

export const LeadImportJobInputSchema = z.object({
  storeId: z.uuid(),
  fileHash: z.string().refine(isFileHash),
  ext: z.enum(['csv', 'xlsx']),
  fileName: z.string().max(255),
  byteSize: z.number().int().nonnegative(),
  platform: z.enum(PLATFORM_CHOICES),
  mapping: ColumnMappingSchema.nullable(),
  createdById: z.uuid().nullable(),
  ip: z.string().max(100).nullable(),
})
export type LeadImportJobInput = z.infer<typeof LeadImportJobInputSchema>

registerJobHandler<LeadImportJobInput>({
  kind: LEAD_IMPORT_JOB,
  input: LeadImportJobInputSchema,
  async run(input, context) {
    try {
      return await runLeadImport(
        {
          storeId: input.storeId,
          userId: input.createdById,
          platform: input.platform,
          file: { hash: input.fileHash, ext: input.ext, fileName: input.fileName, byteSize: input.byteSize },
          mapping: input.mapping,
          ip: input.ip,
        },
        { jobId: context.jobId, signal: context.signal, progress: context.progress },
      )
    } catch (error) {
      // a reason the user can act on; the failed import (if one began) has its own page
      if (error instanceof ImportError) throw new JobError(error.key, { ...error.params, ...(error.importId ? { importId: error.importId } : {}) }, error.message)
      throw error
    }
  },
})

/**
 * Queues the import of an upload the user made for a store (only its uploader, only into that
 * store: ADR 012) with the mapping confirmed on the preview. Returns the job's id.
 */
export async function startLeadImport(
  user: SessionUser,
  request: { storeId: string; uploadId: string; platform: LeadImportJobInput['platform']; mapping: LeadImportJobInput['mapping']; ip: string | null },
): Promise<string> {
  requireStoreAccess(user, request.storeId, 'write')
  const db = await getDb()
  // only its uploader, into its store, and only while the file is kept
  const upload = await resolveFile(db, { uploadId: request.uploadId }, { storeId: request.storeId, userId: user.id })
  const job = await enqueueJob({
    kind: LEAD_IMPORT_JOB,
    storeId: request.storeId,
    createdById: user.id,
    input: {
      storeId: request.storeId,
      fileHash: upload.hash,
      ext: upload.ext,
      fileName: upload.fileName,
      byteSize: upload.byteSize,
      platform: request.platform,
      mapping: request.mapping,
      createdById: user.id,
      ip: request.ip,
    } satisfies LeadImportJobInput,
  })
  return job.id
}

/** Queues a failed import again — the same kept file, columns and platform — and returns the job's id. */
export async function startLeadImportRetry(user: SessionUser, importId: string, ip: string | null): Promise<string> {
  const again = await retryInput(user, importId)
  const job = await enqueueJob({
    kind: LEAD_IMPORT_JOB,
    storeId: again.storeId,
    createdById: user.id,
    input: {
      storeId: again.storeId,
      fileHash: again.file.hash,
      ext: again.file.ext,
      fileName: again.file.fileName,
      byteSize: again.file.byteSize,
      platform: again.platform,
      mapping: again.mapping,
      createdById: user.id,
      ip,
    } satisfies LeadImportJobInput,
  })
  return job.id
}

export type LeadImportJob = ImportJob & {
  /** a failed run's import, whose page shows the reason and its rows */
  failedImportId: string | null
}

function describe(job: Job, user: SessionUser, createdBy: string | null): LeadImportJob {
  const failedImportId = job.status === 'failed' && typeof job.errorParams?.importId === 'string' ? job.errorParams.importId : null
  return { ...describeImportJob(job, user, createdBy), failedImportId }
}

/** A lead import job of one of the user's stores; any other job is "not found". */
export async function getLeadImportJob(user: SessionUser, jobId: string): Promise<LeadImportJob> {
  const job = await getJob(user, jobId)
  if (job.kind !== LEAD_IMPORT_JOB) notFound('No such job.')
  return describe(job, user, await jobCreatorName(job))
}

/** The lead imports still running, and those that failed in the last week, of the user's stores. */
export async function listOpenLeadImportJobs(user: SessionUser, limit = 10): Promise<LeadImportJob[]> {
  const rows = await listOpenJobs(user, [LEAD_IMPORT_JOB], limit)
  return rows.map((r) => describe(r.job, user, r.createdBy))
}
