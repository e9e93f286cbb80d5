import fs from 'node:fs'
import { data, redirect } from '@remix-run/node'
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
import { cellText as readerCellText, type Cell, type TableEncoding } from '../../analytics/ingest/read-table'
import { formatBytes } from '../../analytics/ingest/sizes'
import { TableStreamError } from '../../analytics/ingest/stream-table'
import type { SeenAt } from '../../db/schema/enums'
import type { MessageKey } from '../i18n'
import type { SessionUser } from '../utils/auth.server'
import { readMutationForm } from '../utils/csrf.server'
import { clientIp } from '../utils/http.server'
import { badFields, badInput } from '../utils/input.server'
import { receiveUploadToDisk, UploadTooLargeError, type ReceivedFile } from '../utils/upload.server'
import { importFilePath, importsDir, keepReceivedUpload, requireOwnUpload, UploadRefused, type ImportUpload } from './import-files.server'
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

export type FormError = { key: MessageKey; params: Record<string, string | number> }

export const PREVIEW_ROWS = 10
const SAMPLES_PER_COLUMN = 3
const SEEN_AT_VALUES_SHOWN = 20

export type ObservationPreviewColumn = { index: number; header: string; field: ObservationField | null; unit: MoneyUnit; samples: string[] }

export type ObservationPreview = {
  uploadId: string
  fileName: string
  byteSize: number
  ext: ObservationImportExt
  encoding: TableEncoding | null
  delimiter: string | null
  sheetName: string | null
  headerRowNumber: number
  headerRecognised: boolean
  dataRows: number
  columns: ObservationPreviewColumn[]
  source: 'remembered' | 'guessed'
  sample: Array<{ rowNumber: number; cells: string[] }>
  skipped: { title: number; blank: number; total: number }
  /** the where-seen column's values and what each reads as (none when no column is offered for it) */
  seenAt: { header: string; values: Array<{ text: string; seenAt: SeenAt; known: boolean; rows: number }>; more: number } | null
  /** the same file was imported into this store before: confirming changes nothing */
  earlier: { id: string; createdAt: Date } | null
}

export type ObservationImportActionData =
  | { step: 'upload'; error: FormError; storeId: string }
  | { step: 'preview'; preview: ObservationPreview; storeId: string; error: FormError | null }

const fail = (status: number, body: ObservationImportActionData) => data(body, { status })

function knownError(error: unknown): FormError | null {
  if (error instanceof UploadRefused) return error.error
  if (error instanceof TableStreamError) {
    const e = sheetError(error)
    if (e.key === 'imports.error.tooLarge') return { key: e.key, params: { size: `> ${formatBytes(OBSERVATION_IMPORT_MAX_BYTES)}`, limit: formatBytes(OBSERVATION_IMPORT_MAX_BYTES) } }
    return e
  }
  if (error instanceof UploadTooLargeError) return { key: 'imports.error.tooLarge', params: { size: `> ${formatBytes(error.limit)}`, limit: formatBytes(error.limit) } }
  return null
}

/** Date cells of an .xlsx carry the wall clock in their UTC fields. */
function cellString(cell: Cell | undefined) {
  if (cell instanceof Date) {
    const iso = new Date(Math.round(cell.getTime() / 1000) * 1000).toISOString()
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`
  }
  return readerCellText(cell)
}

/** What an import of the upload would read, and the mapping to offer (`mapping`: the user's own, when shown again). */
async function previewOf(upload: ImportUpload, sheet: ObservationSheet, mapping?: ObservationColumn[]): Promise<ObservationPreview> {
  const { head, rows, summary } = sheet
  const width = Math.max(head.headers.length, ...rows.slice(0, PREVIEW_ROWS).map((r) => r.cells.length))
  const headers = Array.from({ length: width }, (_, i) => head.headers[i] ?? '')
  const offered = mapping ? { columns: mapping, source: 'remembered' as const } : await offeredObservationMapping(upload.storeId, headers, columnValues(rows, width))
  const sample = rows.slice(0, PREVIEW_ROWS).map((r) => ({ rowNumber: r.rowNumber, cells: headers.map((_, i) => cellString(r.cells[i])) }))
  const columns = headers.map((header, index): ObservationPreviewColumn => {
    const chosen = offered.columns.find((c) => c.index === index)
    return {
      index,
      header,
      field: chosen?.field ?? null,
      unit: chosen?.unit ?? 'yuan',
      samples: sample.map((r) => r.cells[index] ?? '').filter(Boolean).slice(0, SAMPLES_PER_COLUMN),
    }
  })
  // the where-seen words of the whole file, most rows first
  const seenAtColumn = offered.columns.find((c) => c.field === 'seenAt')
  let seenAt: ObservationPreview['seenAt'] = null
  if (seenAtColumn) {
    const tally = new Map<string, number>()
    for (const r of rows) {
      const text = cellString(r.cells[seenAtColumn.index]).trim()
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
    encoding: head.format === 'xlsx' ? null : (summary.encoding ?? head.encoding),
    delimiter: head.delimiter,
    sheetName: head.sheetName,
    headerRowNumber: head.headerRowNumber,
    headerRecognised: head.headerRecognised,
    dataRows: summary.dataRows,
    columns,
    source: offered.source,
    sample,
    skipped: { title: summary.skippedCounts.title ?? 0, blank: summary.skippedCounts.blank ?? 0, total: summary.skippedCounts.total ?? 0 },
    seenAt,
    earlier: earlier ? { id: earlier.id, createdAt: earlier.createdAt } : null,
  }
}

// ------------------------------------------------------------------ the actions

export async function handleObservationImportAction(request: Request, user: SessionUser) {
  requireObservationImporter(user)
  const multipart = (request.headers.get('content-type') ?? '').startsWith('multipart/form-data')
  return multipart ? upload(request, user) : confirm(request, user)
}

const UploadSchema = z.object({ storeId: z.uuid({ error: 'validation.required' }) })

async function upload(request: Request, user: SessionUser) {
  let received: { form: FormData; file: ReceivedFile | null }
  try {
    // the store comes before the file: one the user may not import into is refused before the file is written
    received = await receiveUploadToDisk(request, {
      dir: importsDir(),
      maxBytes: OBSERVATION_IMPORT_MAX_BYTES,
      user,
      authorize: (fields) => {
        const storeId = fields.get('storeId')
        if (storeId && z.uuid().safeParse(storeId).success) requireObservationImporter(user, storeId)
      },
    })
  } catch (error) {
    const known = knownError(error)
    if (!known) throw error
    return fail(413, { step: 'upload', error: known, storeId: '' })
  }
  const { form, file } = received
  const drop = () => file && fs.rmSync(file.temp, { force: true })
  const parsed = UploadSchema.safeParse({ storeId: form.get('storeId') ?? undefined })
  if (!parsed.success) {
    drop()
    return fail(400, { step: 'upload', error: { key: 'competitors.import.error.noStore', params: {} }, storeId: '' })
  }
  const { storeId } = parsed.data
  try {
    requireObservationImporter(user, storeId)
  } catch (error) {
    drop()
    throw error
  }
  if (!file || file.size === 0) {
    drop()
    return fail(400, { step: 'upload', error: { key: file ? 'imports.error.empty' : 'imports.error.noFile', params: {} }, storeId })
  }
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
  const problems: Array<{ field: string; message: string }> = []
  const columns: ObservationColumn[] = []
  for (const [name, value] of form.entries()) {
    const m = /^map\.(\d{1,3})$/.exec(name)
    if (!m) continue
    const field = MappingFieldSchema.safeParse(value)
    if (!field.success) {
      problems.push({ field: name, message: 'validation.choice' })
      continue
    }
    if (!field.data) continue
    const index = Number(m[1])
    const unit = UnitSchema.safeParse(form.get(`unit.${index}`) ?? 'yuan')
    if (!unit.success) {
      problems.push({ field: `unit.${index}`, message: 'validation.choice' })
      continue
    }
    columns.push({ index, field: field.data, unit: isObservationMoneyField(field.data) ? unit.data : 'yuan' })
  }
  if (problems.length) badInput(request, problems, user)
  return columns.sort((a, b) => a.index - b.index)
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
