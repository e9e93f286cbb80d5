import fs from 'node:fs'
import { data, redirect } from '@remix-run/node'
import { and, desc, eq } from 'drizzle-orm'
import { z } from 'zod'
import { getDb } from '../../db/client'
import { imports, importUploads } from '../../db/schema'
import { AnalyticsDb } from '../../analytics/duckdb'
import { readParquetTable } from '../../analytics/ingest/sales-parquet'
import { checkSalesMapping, guessSalesMapping, KNOWN_SALES_HEADERS, type SalesColumn } from '../../analytics/ingest/sales-headers'
import { MONEY_FIELDS, SALE_FIELDS, type SaleField } from '../../analytics/ingest/sales-record'
import { cellText, type Cell, type TableEncoding } from '../../analytics/ingest/read-table'
import { formatBytes } from '../../analytics/ingest/sizes'
import { previewTableFile, TableStreamError, type TableRow } from '../../analytics/ingest/stream-table'
import type { MessageKey } from '../i18n'
import { SALES_IMPORT_MAX_BYTES, SalesConfirmSchema, SalesUploadSchema } from '../schemas/sales'
import { requireStoreAccess, type SessionUser } from '../utils/auth.server'
import { readMutationForm } from '../utils/csrf.server'
import { forbidden } from '../utils/http.server'
import { badFields, badInput } from '../utils/input.server'
import { describeError, log } from '../utils/logger.server'
import { roleCan } from '../utils/permissions'
import { maskPhone, parsePhone } from '../utils/phone'
import { receiveUploadToDisk, UploadTooLargeError, type ReceivedFile } from '../utils/upload.server'
import { importFilePath, importsDir, keepReceivedUpload, requireOwnUpload, UploadRefused } from './import-files.server'
import { salesFileExt, startSalesImport, type SalesExt } from './sales-import-job.server'
import { rememberedSalesMapping } from './sales-mappings.server'

/**
 * The sales import page's two steps, without JavaScript (SPEC §4): the upload (multipart)
 * streams the file to disk — never into memory — keeps it content-addressed, records it as
 * this user's upload for the chosen store (ADR 012) and answers with a preview: the header
 * found, the first rows, and each column's field, from the store's remembered mapping or
 * the guess. The confirm (a plain form: the upload's id and the edited mapping) queues the
 * `sales_import` job and goes to its progress page.
 */

export type FormError = { key: MessageKey; params: Record<string, string | number> }

export const PREVIEW_ROWS = 10
const SAMPLES_PER_COLUMN = 3

export type SalesPreviewColumn = {
  index: number
  header: string
  field: SaleField | null
  scale: 1 | 10_000
  /** how sure the guess is (0–1); null for the store's remembered choice or an unmapped column */
  confidence: number | null
  samples: string[]
}

export type SalesPreview = {
  uploadId: string
  fileName: string
  byteSize: number
  ext: SalesExt
  encoding: TableEncoding | null
  delimiter: string | null
  sheetName: string | null
  headerRowNumber: number
  headerRecognised: boolean
  columns: SalesPreviewColumn[]
  /** where the offered mapping came from */
  source: 'remembered' | 'guessed'
  sample: Array<{ rowNumber: number; cells: string[] }>
  skipped: { title: number; blank: number; total: number }
  /** the same file was imported into this store before */
  earlier: { id: string; createdAt: Date } | null
}

export type SalesImportActionData =
  | { step: 'upload'; error: FormError; storeId: string }
  | { step: 'preview'; preview: SalesPreview; storeId: string; error: FormError | null }

const fail = (status: number, body: SalesImportActionData) => data(body, { status })

/** Who may bring sales data in: the marketing roles, into a store they write to. */
export function requireSalesImporter(user: SessionUser, storeId?: string) {
  if (!roleCan(user.role, 'sales:import')) forbidden(`Your role (${user.role}) may not import sales data.`)
  if (storeId) requireStoreAccess(user, storeId, 'write')
}

// ------------------------------------------------------------------ errors

const READER_ERRORS: Partial<Record<TableStreamError['code'], MessageKey>> = {
  empty: 'imports.error.empty',
  tooLarge: 'imports.error.tooLarge',
  tooManyRows: 'imports.error.tooManyRows',
  unsupportedType: 'imports.error.unsupportedType',
  oldExcel: 'imports.error.oldExcel',
  binary: 'imports.error.binary',
  undecodable: 'imports.error.undecodable',
  noHeader: 'sales.error.noHeader',
  noSheet: 'sales.error.noSheet',
  outOfMemory: 'sales.error.outOfMemory',
}

function readerError(error: unknown): FormError | null {
  if (error instanceof TableStreamError) {
    const key = READER_ERRORS[error.code] ?? 'sales.error.unreadable'
    return { key, params: key === 'imports.error.tooLarge' ? { size: `> ${formatBytes(SALES_IMPORT_MAX_BYTES)}`, limit: formatBytes(SALES_IMPORT_MAX_BYTES) } : error.params }
  }
  if (error instanceof UploadTooLargeError) {
    return { key: 'imports.error.tooLarge', params: { size: `> ${formatBytes(error.limit)}`, limit: formatBytes(error.limit) } }
  }
  return null
}

// ------------------------------------------------------------------ the upload, streamed to disk

/**
 * Reads the multipart form, the file part streamed to a temporary file beside the kept
 * files (hashed and size-capped as it arrives). The CSRF token and the store come before the
 * file in the form: a post without a valid token, or for a store the user may not import
 * into, is refused before any of its file is written.
 */
function receiveUpload(request: Request, user: SessionUser) {
  return receiveUploadToDisk(request, {
    dir: importsDir(),
    maxBytes: SALES_IMPORT_MAX_BYTES,
    user,
    authorize: (fields) => {
      const storeId = fields.get('storeId')
      if (storeId && z.uuid().safeParse(storeId).success) requireSalesImporter(user, storeId)
    },
  })
}

/** The received file under its content-addressed name, and the upload's record (ADR 012). */
const keepUpload = (user: SessionUser, storeId: string, file: ReceivedFile) => keepReceivedUpload(user.id, storeId, 'sales', file, salesFileExt(file.head))

// ------------------------------------------------------------------ the preview

/** Date cells of an .xlsx carry the wall clock in their UTC fields. */
function cellString(cell: Cell | undefined) {
  if (cell instanceof Date) {
    const iso = new Date(Math.round(cell.getTime() / 1000) * 1000).toISOString()
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`
  }
  return cellText(cell)
}

type PreviewRead = {
  encoding: TableEncoding | null
  delimiter: string | null
  sheetName: string | null
  headerRowNumber: number
  headerRecognised: boolean
  headers: string[]
  rows: TableRow[]
  skipped: SalesPreview['skipped']
}

async function readPreview(file: string, ext: SalesExt): Promise<PreviewRead> {
  if (ext === 'parquet') {
    const duck = await AnalyticsDb.open({ path: ':memory:', memoryLimit: '128MB', threads: 1 })
    try {
      return await duck.withConnection(async (c) => {
        let headers: string[] = []
        const rows: TableRow[] = []
        for await (const event of readParquetTable(c, file, PREVIEW_ROWS)) {
          if (event.type === 'head') headers = event.headers
          else {
            rows.push(...event.rows.slice(0, PREVIEW_ROWS))
            break
          }
        }
        return { encoding: null, delimiter: null, sheetName: null, headerRowNumber: 1, headerRecognised: true, headers, rows, skipped: { title: 0, blank: 0, total: 0 } }
      })
    } catch (error) {
      log('warn', 'a Parquet upload could not be read', { error: describeError(error) })
      throw new TableStreamError('malformed', 'The Parquet file could not be read.')
    } finally {
      await duck.close()
    }
  }
  const preview = await previewTableFile(file, {
    knownHeaders: KNOWN_SALES_HEADERS.map((h) => h.header),
    previewRows: PREVIEW_ROWS,
    maxBytes: SALES_IMPORT_MAX_BYTES,
  })
  const counts = preview.summary.skippedCounts
  return {
    encoding: preview.head.format === 'xlsx' ? null : (preview.summary.encoding ?? preview.head.encoding),
    delimiter: preview.head.delimiter,
    sheetName: preview.head.sheetName,
    headerRowNumber: preview.head.headerRowNumber,
    headerRecognised: preview.head.headerRecognised,
    headers: preview.head.headers,
    rows: preview.rows.slice(0, PREVIEW_ROWS),
    skipped: { title: counts.title ?? 0, blank: counts.blank ?? 0, total: counts.total ?? 0 },
  }
}

type UploadRow = typeof importUploads.$inferSelect

/** What an import of the upload would read, and the mapping to offer (`mapping`: the user's own, when re-shown). */
async function previewUpload(user: SessionUser, upload: UploadRow, mapping?: SalesColumn[]): Promise<SalesPreview> {
  const ext = upload.ext as SalesExt
  const file = importFilePath(upload.fileHash, ext)
  if (!fs.existsSync(file)) throw new UploadRefused(400, { key: 'imports.error.fileGone', params: {} })
  const read = await readPreview(file, ext)
  const width = Math.max(read.headers.length, ...read.rows.map((r) => r.cells.length))
  const headers = Array.from({ length: width }, (_, i) => read.headers[i] ?? '')
  const offered = mapping ? { columns: mapping, source: 'remembered' as const } : await rememberedSalesMapping(upload.storeId, headers)
  const guess = new Map(guessSalesMapping(headers).columns.map((g) => [g.index, g]))
  const masks = !roleCan(user.role, 'lead:phone')
  const show = (cell: Cell | undefined) => {
    const text = cellString(cell)
    if (!masks || !text) return text
    const phone = parsePhone(text)
    return phone?.kind === 'full' ? maskPhone(phone.phone) : text
  }
  const sample = read.rows.map((r) => ({ rowNumber: r.rowNumber, cells: headers.map((_, i) => show(r.cells[i])) }))
  const columns = headers.map((header, index): SalesPreviewColumn => {
    const chosen = offered.columns.find((c) => c.index === index)
    const guessed = guess.get(index)
    return {
      index,
      header,
      field: chosen?.field ?? null,
      scale: chosen?.scale ?? 1,
      confidence: chosen && guessed && guessed.field === chosen.field && offered.source === 'guessed' ? guessed.confidence : null,
      samples: sample.map((r) => r.cells[index] ?? '').filter(Boolean).slice(0, SAMPLES_PER_COLUMN),
    }
  })
  const db = await getDb()
  const [earlier] = await db
    .select({ id: imports.id, createdAt: imports.createdAt })
    .from(imports)
    .where(and(eq(imports.storeId, upload.storeId), eq(imports.kind, 'sales'), eq(imports.fileHash, upload.fileHash), eq(imports.status, 'done')))
    .orderBy(desc(imports.createdAt))
    .limit(1)
  return {
    uploadId: upload.id,
    fileName: upload.fileName,
    byteSize: upload.byteSize,
    ext,
    encoding: read.encoding,
    delimiter: read.delimiter,
    sheetName: read.sheetName,
    headerRowNumber: read.headerRowNumber,
    headerRecognised: read.headerRecognised,
    columns,
    source: offered.source,
    sample,
    skipped: read.skipped,
    earlier: earlier ?? null,
  }
}

/** An upload can be previewed again and confirmed only by whoever uploaded it, into its store (ADR 012). */
const requireUpload = (user: SessionUser, uploadId: string, storeId: string): Promise<UploadRow> => requireOwnUpload(user.id, uploadId, storeId, 'sales')

// ------------------------------------------------------------------ the actions

export async function handleSalesImportAction(request: Request, user: SessionUser) {
  requireSalesImporter(user)
  const multipart = (request.headers.get('content-type') ?? '').startsWith('multipart/form-data')
  return multipart ? upload(request, user) : confirm(request, user)
}

async function upload(request: Request, user: SessionUser) {
  let received: Awaited<ReturnType<typeof receiveUpload>>
  try {
    received = await receiveUpload(request, user)
  } catch (error) {
    const known = readerError(error)
    if (!known) throw error
    return fail(413, { step: 'upload', error: known, storeId: '' })
  }
  const { form, file } = received
  const parsed = SalesUploadSchema.safeParse({ storeId: form.get('storeId') ?? undefined })
  if (!parsed.success) {
    if (file) fs.rmSync(file.temp, { force: true })
    return fail(400, { step: 'upload', error: { key: 'sales.import.error.noStore', params: {} }, storeId: '' })
  }
  const { storeId } = parsed.data
  try {
    requireSalesImporter(user, storeId)
  } catch (error) {
    if (file) fs.rmSync(file.temp, { force: true })
    throw error
  }
  if (!file || file.size === 0) {
    if (file) fs.rmSync(file.temp, { force: true })
    return fail(400, { step: 'upload', error: { key: file ? 'imports.error.empty' : 'imports.error.noFile', params: {} }, storeId })
  }
  const kept = await keepUpload(user, storeId, file)
  try {
    const preview = await previewUpload(user, kept)
    return { step: 'preview', preview, storeId, error: null } satisfies SalesImportActionData
  } catch (error) {
    const known = error instanceof UploadRefused ? error.error : readerError(error)
    if (!known) throw error
    return fail(400, { step: 'upload', error: known, storeId })
  }
}

const MappingFieldSchema = z.union([z.literal(''), z.enum(SALE_FIELDS)], { error: 'validation.choice' })
const ScaleSchema = z.union([z.literal('1'), z.literal('10000')], { error: 'validation.choice' })

/**
 * `map.0=vin&scale.0=1&map.3=transactionPrice&scale.3=10000` → the columns mapped; a value no
 * select offers answers 400 naming its field.
 */
function readMapping(request: Request, user: SessionUser, form: FormData): SalesColumn[] {
  const problems: Array<{ field: string; message: string }> = []
  const columns: SalesColumn[] = []
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
    const rawScale = form.get(`scale.${index}`) ?? '1'
    const scale = ScaleSchema.safeParse(rawScale)
    if (!scale.success) {
      problems.push({ field: `scale.${index}`, message: 'validation.choice' })
      continue
    }
    const money = (MONEY_FIELDS as readonly string[]).includes(field.data)
    columns.push({ index, field: field.data, scale: money && scale.data === '10000' ? 10_000 : 1 })
  }
  if (problems.length) badInput(request, problems, user)
  return columns.sort((a, b) => a.index - b.index)
}

async function confirm(request: Request, user: SessionUser) {
  const form = await readMutationForm(request)
  const parsed = SalesConfirmSchema.safeParse({ intent: form.get('intent') ?? undefined, storeId: form.get('storeId') ?? undefined, uploadId: form.get('uploadId') ?? undefined })
  if (!parsed.success) badFields(request, parsed.error, user)
  const { storeId, uploadId } = parsed.data
  requireSalesImporter(user, storeId)
  const mapping = readMapping(request, user, form)
  let upload: UploadRow
  try {
    upload = await requireUpload(user, uploadId, storeId)
  } catch (error) {
    if (error instanceof UploadRefused) return fail(error.status, { step: 'upload', error: error.error, storeId })
    throw error
  }
  const problems = checkSalesMapping(mapping)
  if (problems.length) {
    // the preview again, with the user's mapping and what it lacks
    try {
      const preview = await previewUpload(user, upload, mapping)
      const [first] = problems
      return fail(400, { step: 'preview', preview, storeId, error: { key: first!.key, params: first!.params } })
    } catch (error) {
      const known = error instanceof UploadRefused ? error.error : readerError(error)
      if (!known) throw error
      return fail(400, { step: 'upload', error: known, storeId })
    }
  }
  const jobId = await startSalesImport(user, { storeId, uploadId: upload.id, mapping })
  return redirect(`/sales/jobs/${jobId}`)
}
