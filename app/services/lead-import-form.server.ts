import { data, redirect } from '@remix-run/node'
import type { MessageKey } from '../i18n'
import { requireStoreAccess, type SessionUser } from '../utils/auth.server'
import { readMutationForm } from '../utils/csrf.server'
import { clientIp } from '../utils/http.server'
import { roleCan } from '../utils/permissions'
import { readMutationUpload, UploadTooLargeError } from '../utils/upload.server'
import { formatBytes } from '../../analytics/ingest/sizes'
import {
  ColumnMappingSchema,
  ImportConfirmSchema,
  ImportUploadSchema,
  LEAD_IMPORT_MAX_BYTES,
  type ColumnMapping,
  type PlatformChoice,
} from '../schemas/lead-import'
import { checkMapping, ImportError, previewLeadFile, type LeadPreview } from './lead-import.server'
import { startLeadImport, startLeadImportRetry } from './lead-import-job.server'

/**
 * The two steps of the import page, without JavaScript: the upload (multipart) keeps the
 * file, records it as this user's upload for the chosen store and answers with a preview;
 * the confirm (a plain form carrying the upload's id and the edited mapping) queues the import
 * as a background job and goes to its progress page (/imports/jobs/:id), then its summary. Another user's upload, or one made for another store, is refused.
 */

export type FormError = { key: MessageKey; params: Record<string, string | number> }

export type ImportActionData =
  | { step: 'upload'; error: FormError; storeId: string; platform: PlatformChoice }
  | { step: 'preview'; preview: LeadPreview; storeId: string; platform: PlatformChoice; error: FormError | null }


const fail = (status: number, body: ImportActionData) => data(body, { status })

function errorOf(error: unknown): FormError | null {
  if (error instanceof ImportError) return { key: error.key, params: error.params }
  if (error instanceof UploadTooLargeError) {
    return { key: 'imports.error.tooLarge', params: { size: `> ${formatBytes(error.limit)}`, limit: formatBytes(error.limit) } }
  }
  return null
}

/** `map.0=name&map.1=phone&map.2=` → ['name', 'phone', null] */
function readMapping(form: FormData): ColumnMapping | null {
  const entries: Array<[number, string]> = []
  for (const [name, value] of form.entries()) {
    const m = /^map\.(\d{1,3})$/.exec(name)
    if (m && typeof value === 'string') entries.push([Number(m[1]), value])
  }
  if (!entries.length) return null
  const width = Math.max(...entries.map(([i]) => i)) + 1
  const mapping: Array<string | null> = Array.from({ length: width }, () => null)
  for (const [i, v] of entries) mapping[i] = v || null
  const parsed = ColumnMappingSchema.safeParse(mapping)
  return parsed.success ? parsed.data : null
}

export async function handleImportAction(request: Request, user: SessionUser) {
  const multipart = (request.headers.get('content-type') ?? '').startsWith('multipart/form-data')
  return multipart ? upload(request, user) : confirm(request, user)
}

async function upload(request: Request, user: SessionUser) {
  let form: FormData
  try {
    form = await readMutationUpload(request, { fileField: 'file', maxFileBytes: LEAD_IMPORT_MAX_BYTES })
  } catch (error) {
    const known = errorOf(error)
    if (!known) throw error
    return fail(413, { step: 'upload', error: known, storeId: '', platform: 'auto' })
  }
  const parsed = ImportUploadSchema.safeParse({ storeId: form.get('storeId'), platform: form.get('platform') })
  if (!parsed.success) {
    return fail(400, { step: 'upload', error: { key: 'imports.error.invalidForm', params: {} }, storeId: '', platform: 'auto' })
  }
  const { storeId, platform } = parsed.data
  requireStoreAccess(user, storeId, 'write')
  const file = form.get('file')
  if (!(file instanceof File) || file.size === 0) {
    return fail(400, { step: 'upload', error: { key: file instanceof File ? 'imports.error.empty' : 'imports.error.noFile', params: {} }, storeId, platform })
  }
  try {
    const preview = await previewLeadFile({
      storeId,
      userId: user.id,
      file: { bytes: new Uint8Array(await file.arrayBuffer()), fileName: (file.name || 'upload').slice(0, 255) },
      maskPhones: !roleCan(user.role, 'lead:phone'),
    })
    return { step: 'preview', preview, storeId, platform, error: null } satisfies ImportActionData
  } catch (error) {
    const known = errorOf(error)
    if (!known) throw error
    return fail(400, { step: 'upload', error: known, storeId, platform })
  }
}

async function confirm(request: Request, user: SessionUser) {
  const form = await readMutationForm(request)
  const parsed = ImportConfirmSchema.safeParse(Object.fromEntries([...form.entries()].filter(([, v]) => typeof v === 'string')))
  if (!parsed.success) {
    return fail(400, { step: 'upload', error: { key: 'imports.error.invalidForm', params: {} }, storeId: '', platform: 'auto' })
  }
  const { storeId, platform, uploadId } = parsed.data
  requireStoreAccess(user, storeId, 'write')
  const mapping = readMapping(form) ?? undefined
  const file = { uploadId }
  try {
    // the mapping is checked here, so that a refused one goes back to the preview at once
    if (mapping) checkMapping(mapping)
    const jobId = await startLeadImport(user, { storeId, uploadId, platform, mapping: mapping ?? null, ip: clientIp(request) })
    return redirect(`/imports/jobs/${jobId}`)
  } catch (error) {
    const known = errorOf(error)
    if (!known) throw error
    // someone else's upload, or one for another store (403), or none (404): nothing of it is shown
    if (error instanceof ImportError && error.status !== 400) return fail(error.status, { step: 'upload', error: known, storeId, platform })
    // a refused mapping goes back to the preview
    try {
      const preview = await previewLeadFile({ storeId, userId: user.id, file, maskPhones: !roleCan(user.role, 'lead:phone') })
      if (mapping) preview.mapping = preview.headers.map((_, i) => mapping[i] ?? null)
      return fail(400, { step: 'preview', preview, storeId, platform, error: known })
    } catch (again) {
      const reason = errorOf(again)
      if (!reason) throw again
      return fail(400, { step: 'upload', error: reason, storeId, platform })
    }
  }
}

/** The retry button of a failed import's page: queues it again and goes to the new run's progress. */
export async function handleRetryAction(request: Request, user: SessionUser, importId: string) {
  const form = await readMutationForm(request)
  if (form.get('intent') !== 'retry') return data({ error: { key: 'imports.error.invalidForm', params: {} } satisfies FormError }, { status: 400 })
  try {
    const jobId = await startLeadImportRetry(user, importId, clientIp(request))
    return redirect(`/imports/jobs/${jobId}`)
  } catch (error) {
    const known = errorOf(error)
    if (!known) throw error
    return data({ error: known }, { status: error instanceof ImportError ? error.status : 400 })
  }
}
