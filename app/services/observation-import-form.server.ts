import fs from 'node:fs'
import { redirect } from '@remix-run/node'
import { z } from 'zod'
import {
  checkObservationMapping,
  isObservationMoneyField,
  MONEY_UNITS,
  OBSERVATION_FIELDS,
  readSeenAt,
  type MoneyUnit,
  type ObservationColumn,
  type ObservationField,
} from '../../analytics/ingest/observation-headers'
import type { SeenAt } from '../../db/schema/enums'
import type { SessionUser } from '../utils/auth.server'
import { readMutationForm } from '../utils/csrf.server'
import { clientIp } from '../utils/http.server'
import { badFields } from '../utils/input.server'
import { importFilePath, keepReceivedUpload, requireOwnUpload, UploadRefused, type ImportUpload } from './import-files.server'
import { columnSamples, failImport, fileFormError, isMultipart, PREVIEW_ROWS, previewCellText, readColumnMapping, receiveImportUpload, tableFacts, type FormError, type ImportActionData, type ImportPreview } from './import-form.server'
import { requireObservationImporter, startObservationImport } from './observation-import-job.server'
import {
  columnValues,
  findDoneObservationImport,
  OBSERVATION_IMPORT_KIND,
  OBSERVATION_IMPORT_MAX_BYTES,
  observationFileExt,
  offeredObservationMapping,
  readObservationSheet,
  sheetError,
  type ObservationImportExt,
  type ObservationSheet,
} from './observation-import.server'

/**
 * The observation import page's two steps, without JavaScript (as the sales import's): the
 * upload (multipart) streams the file to disk, reads it, and only a file that reads as a sheet
 * is kept (content-addressed) and recorded as this user's upload for the chosen store (ADR
 * 012); the answer is the preview — the header found, the first rows, each column's field from
 * the store's remembered mapping or the guess, and how the where-seen words read. The confirm
 * (the upload's id and the edited mapping) queues the `observation_import` job and goes to its
 * progress page.
 */

export type { FormError }
export { PREVIEW_ROWS }
const SEEN_AT_VALUES_SHOWN = 20

export type ObservationPreviewColumn = { index: number; header: string; field: ObservationField | null; unit: MoneyUnit; samples: string[] }

export type ObservationPreview = ImportPreview<ObservationImportExt, ObservationPreviewColumn> & {
  dataRows: number
  /** the where-seen column's values and what each reads as (none when no column is offered for it) */
  seenAt: { header: string; values: Array<{ text: string; seenAt: SeenAt; known: boolean; rows: number }>; more: number } | null
}

export type ObservationImportActionData = ImportActionData<ObservationPreview>

const fail = failImport<ObservationPreview>

const knownError = (error: unknown): FormError | null =>
  error instanceof UploadRefused ? error.error : fileFormError(error, { maxBytes: OBSERVATION_IMPORT_MAX_BYTES, tableError: sheetError })

/** What an import of the upload would read, and the mapping to offer (`mapping`: the user's own, when shown again). */
async function previewOf(upload: ImportUpload, sheet: ObservationSheet, mapping?: ObservationColumn[]): Promise<ObservationPreview> {
  const { head, rows, summary } = sheet
  const width = Math.max(head.headers.length, ...rows.slice(0, PREVIEW_ROWS).map((r) => r.cells.length))
  const headers = Array.from({ length: width }, (_, i) => head.headers[i] ?? '')
  const offered = mapping ? { columns: mapping, source: 'remembered' as const } : await offeredObservationMapping(upload.storeId, headers, columnValues(rows, width))
  const sample = rows.slice(0, PREVIEW_ROWS).map((r) => ({ rowNumber: r.rowNumber, cells: headers.map((_, i) => previewCellText(r.cells[i])) }))
  const columns = headers.map((header, index): ObservationPreviewColumn => {
    const chosen = offered.columns.find((c) => c.index === index)
    return {
      index,
      header,
      field: chosen?.field ?? null,
      unit: chosen?.unit ?? 'yuan',
      samples: columnSamples(sample, index),
    }
  })
  // the where-seen words of the whole file, most rows first
  const seenAtColumn = offered.columns.find((c) => c.field === 'seenAt')
  let seenAt: ObservationPreview['seenAt'] = null
  if (seenAtColumn) {
    const tally = new Map<string, number>()
    for (const r of rows) {
      const text = previewCellText(r.cells[seenAtColumn.index]).trim()
      tally.set(text, (tally.get(text) ?? 0) + 1)
    }
    const values = [...tally.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0], 'zh-CN')).map(([text, n]) => ({ text, ...readSeenAt(text), rows: n }))
    seenAt = { header: headers[seenAtColumn.index] ?? '', values: values.slice(0, SEEN_AT_VALUES_SHOWN), more: Math.max(0, values.length - SEEN_AT_VALUES_SHOWN) }
  }
  const earlier = await findDoneObservationImport(upload.storeId, upload.fileHash)
  return {
    uploadId: upload.id,
    fileName: upload.fileName,
    byteSize: upload.byteSize,
    ext: upload.ext as ObservationImportExt,
    ...tableFacts(head, summary),
    dataRows: summary.dataRows,
    columns,
    source: offered.source,
    sample,
    seenAt,
    earlier: earlier ? { id: earlier.id, createdAt: earlier.createdAt } : null,
  }
}

// ------------------------------------------------------------------ the actions

export async function handleObservationImportAction(request: Request, user: SessionUser) {
  requireObservationImporter(user)
  return isMultipart(request) ? upload(request, user) : confirm(request, user)
}

const UploadSchema = z.object({ storeId: z.uuid({ error: 'validation.required' }) })

async function upload(request: Request, user: SessionUser) {
  // the store comes before the file: one the user may not import into is refused before the file is written
  const received = await receiveImportUpload(request, user, {
    maxBytes: OBSERVATION_IMPORT_MAX_BYTES,
    requireImporter: requireObservationImporter,
    uploadSchema: UploadSchema,
    noStore: 'competitors.import.error.noStore',
    fileError: knownError,
  })
  if ('status' in received) return fail(received.status, { step: 'upload', error: received.error, storeId: received.storeId })
  const { storeId, file } = received
  const drop = () => fs.rmSync(file.temp, { force: true })
  // read before it is kept: a file that is no sheet (or holds too many rows) is refused and not kept
  let sheet: ObservationSheet
  try {
    sheet = await readObservationSheet(file.temp)
  } catch (error) {
    drop()
    const known = knownError(error)
    if (!known) throw error
    return fail(400, { step: 'upload', error: known, storeId })
  }
  const kept = await keepReceivedUpload(user.id, storeId, OBSERVATION_IMPORT_KIND, file, observationFileExt(file.head))
  return { step: 'preview', preview: await previewOf(kept, sheet), storeId, error: null } satisfies ObservationImportActionData
}

const ConfirmSchema = z.object({
  intent: z.literal('confirm', { error: 'validation.invalid' }),
  storeId: z.uuid({ error: 'validation.invalid' }),
  uploadId: z.uuid({ error: 'validation.invalid' }),
})
const MappingFieldSchema = z.union([z.literal(''), z.enum(OBSERVATION_FIELDS)], { error: 'validation.choice' })
const UnitSchema = z.enum(MONEY_UNITS, { error: 'validation.choice' })

/** `map.0=brand&map.3=listPrice&unit.3=wan` → the columns mapped; a value no select offers answers 400 naming its field. */
function readMapping(request: Request, user: SessionUser, form: FormData): ObservationColumn[] {
  return readColumnMapping(request, user, form, MappingFieldSchema, (index, field): ObservationColumn | { refused: string } => {
    const unit = UnitSchema.safeParse(form.get(`unit.${index}`) ?? 'yuan')
    if (!unit.success) return { refused: `unit.${index}` }
    return { index, field, unit: isObservationMoneyField(field) ? unit.data : 'yuan' }
  })
}

async function confirm(request: Request, user: SessionUser) {
  const form = await readMutationForm(request)
  const parsed = ConfirmSchema.safeParse({ intent: form.get('intent') ?? undefined, storeId: form.get('storeId') ?? undefined, uploadId: form.get('uploadId') ?? undefined })
  if (!parsed.success) badFields(request, parsed.error, user)
  const { storeId, uploadId } = parsed.data
  requireObservationImporter(user, storeId)
  const mapping = readMapping(request, user, form)
  let upload: ImportUpload
  try {
    upload = await requireOwnUpload(user.id, uploadId, storeId, OBSERVATION_IMPORT_KIND)
  } catch (error) {
    // someone else's upload, or one for another store (403), or none (404): nothing of it is shown
    if (error instanceof UploadRefused) return fail(error.status, { step: 'upload', error: error.error, storeId })
    throw error
  }
  const [problem] = checkObservationMapping(mapping)
  if (problem) {
    // the preview again, with the user's mapping and what it lacks
    try {
      const file = importFilePath(upload.fileHash, upload.ext as ObservationImportExt)
      if (!fs.existsSync(file)) throw new UploadRefused(400, { key: 'imports.error.fileGone', params: {} })
      const preview = await previewOf(upload, await readObservationSheet(file), mapping)
      return fail(400, { step: 'preview', preview, storeId, error: { key: problem.key, params: problem.params } })
    } catch (error) {
      const known = knownError(error)
      if (!known) throw error
      return fail(400, { step: 'upload', error: known, storeId })
    }
  }
  const jobId = await startObservationImport(user, { storeId, uploadId: upload.id, mapping, ip: clientIp(request) })
  return redirect(`/competitors/jobs/${jobId}`)
}
