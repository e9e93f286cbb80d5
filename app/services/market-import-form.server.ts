import fs from 'node:fs'
import { data, redirect } from '@remix-run/node'
import { and, desc, eq } from 'drizzle-orm'
import { z } from 'zod'
import { getDb } from '../../db/client'
import { imports } from '../../db/schema'
import { checkMarketMapping, guessMarketMapping, guessMarketMeasure, KNOWN_MARKET_HEADERS, type MarketColumn } from '../../analytics/ingest/market-headers'
import { MARKET_FIELDS, type MarketField, type MarketMeasure } from '../../analytics/ingest/market-record'
import { monthOfHeader } from '../../analytics/ingest/market-values'
import { cellText, type Cell, type TableEncoding } from '../../analytics/ingest/read-table'
import { formatBytes } from '../../analytics/ingest/sizes'
import { previewTableFile, TableStreamError, type TableRow } from '../../analytics/ingest/stream-table'
import type { MessageKey } from '../i18n'
import { MARKET_IMPORT_MAX_BYTES, MarketConfirmSchema, MarketUploadSchema } from '../schemas/market'
import type { SessionUser } from '../utils/auth.server'
import { readMutationForm } from '../utils/csrf.server'
import { badFields, badInput } from '../utils/input.server'
import { receiveUploadToDisk, UploadTooLargeError, type ReceivedFile } from '../utils/upload.server'
import { importFilePath, importsDir, keepReceivedUpload, requireOwnUpload, UploadRefused, type ImportUpload } from './import-files.server'
import { marketFileExt, requireMarketImporter, startMarketImport } from './market-import-job.server'
import { MARKET_IMPORT_KIND, offeredMarketMapping, type MarketExt } from './market-import.server'

/**
 * The market-data import page's two steps, without JavaScript (SPEC §5, the §4 import path):
 * the upload (multipart) streams the file to disk — never into memory — keeps it
 * content-addressed, records it as this user's upload for the chosen store (ADR 012) and
 * answers with a preview: the header found, the first rows, each column's field from the
 * store's remembered mapping or the guess, and what the file counts (上险数 or 销量). The confirm
 * (a plain form: the upload's id, the measure and the edited mapping) queues the
 * `market_import` job and goes to its progress page.
 */

export type FormError = { key: MessageKey; params: Record<string, string | number> }

export const PREVIEW_ROWS = 10
const SAMPLES_PER_COLUMN = 3

export type MarketPreviewColumn = {
  index: number
  header: string
  field: MarketField | null
  /** how sure the guess is (0–1); null for the store's remembered choice or an unmapped column */
  confidence: number | null
  /** the month the header names (`YYYY-MM`), for a file with a column per month */
  month: string | null
  samples: string[]
}

export type MarketPreview = {
  uploadId: string
  fileName: string
  byteSize: number
  ext: MarketExt
  encoding: TableEncoding | null
  delimiter: string | null
  sheetName: string | null
  headerRowNumber: number
  headerRecognised: boolean
  columns: MarketPreviewColumn[]
  /** where the offered mapping came from */
  source: 'remembered' | 'guessed'
  /** what the file counts, as offered (the user's choice when the preview is shown again) */
  measure: MarketMeasure
  sample: Array<{ rowNumber: number; cells: string[] }>
  skipped: { title: number; blank: number; total: number }
  /** the same file was imported into this store before */
  earlier: { id: string; createdAt: Date } | null
}

export type MarketImportActionData =
  | { step: 'upload'; error: FormError; storeId: string }
  | { step: 'preview'; preview: MarketPreview; storeId: string; error: FormError | null }

const fail = (status: number, body: MarketImportActionData) => data(body, { status })

// ------------------------------------------------------------------ errors

const READER_ERRORS: Partial<Record<TableStreamError['code'], MessageKey>> = {
  empty: 'imports.error.empty',
  tooLarge: 'imports.error.tooLarge',
  tooManyRows: 'imports.error.tooManyRows',
  unsupportedType: 'imports.error.unsupportedType',
  oldExcel: 'imports.error.oldExcel',
  binary: 'imports.error.binary',
  undecodable: 'imports.error.undecodable',
  noHeader: 'market.error.noHeader',
  noSheet: 'sales.error.noSheet',
  outOfMemory: 'sales.error.outOfMemory',
}

function readerError(error: unknown): FormError | null {
  const limit = formatBytes(MARKET_IMPORT_MAX_BYTES)
  if (error instanceof TableStreamError) {
    const key = READER_ERRORS[error.code] ?? 'sales.error.unreadable'
    return { key, params: key === 'imports.error.tooLarge' ? { size: `> ${limit}`, limit } : error.params }
  }
  if (error instanceof UploadTooLargeError) return { key: 'imports.error.tooLarge', params: { size: `> ${limit}`, limit } }
  return null
}

// ------------------------------------------------------------------ the upload, streamed to disk

/** The form's file, streamed to disk; a store the user may not import into is refused before any of the file is written. */
function receiveUpload(request: Request, user: SessionUser) {
  return receiveUploadToDisk(request, {
    dir: importsDir(),
    maxBytes: MARKET_IMPORT_MAX_BYTES,
    user,
    authorize: (fields) => {
      const storeId = fields.get('storeId')
      if (storeId && z.uuid().safeParse(storeId).success) requireMarketImporter(user, storeId)
    },
  })
}

const keepUpload = (user: SessionUser, storeId: string, file: ReceivedFile) => keepReceivedUpload(user.id, storeId, MARKET_IMPORT_KIND, file, marketFileExt(file.head))

// ------------------------------------------------------------------ the preview

/** A cell as the preview shows it: date cells of an .xlsx as their day (their UTC fields carry it). */
function previewCell(cell: Cell | undefined) {
  if (cell instanceof Date) return new Date(Math.round(cell.getTime() / 1000) * 1000).toISOString().slice(0, 10)
  return cellText(cell)
}

async function previewUpload(upload: ImportUpload, chosen?: { mapping: MarketColumn[]; measure: MarketMeasure }): Promise<MarketPreview> {
  const ext = upload.ext as MarketExt
  const file = importFilePath(upload.fileHash, ext)
  if (!fs.existsSync(file)) throw new UploadRefused(400, { key: 'imports.error.fileGone', params: {} })
  const read = await previewTableFile(file, { knownHeaders: KNOWN_MARKET_HEADERS, previewRows: PREVIEW_ROWS, maxBytes: MARKET_IMPORT_MAX_BYTES })
  const rows: TableRow[] = read.rows.slice(0, PREVIEW_ROWS)
  const width = Math.max(read.head.headers.length, ...rows.map((r) => r.cells.length))
  const headers = Array.from({ length: width }, (_, i) => read.head.headers[i] ?? '')
  const offered = chosen ? { columns: chosen.mapping, source: 'remembered' as const } : await offeredMarketMapping(upload.storeId, headers)
  const guess = new Map(guessMarketMapping(headers).map((g) => [g.index, g]))
  const sample = rows.map((r) => ({ rowNumber: r.rowNumber, cells: headers.map((_, i) => previewCell(r.cells[i])) }))
  const columns = headers.map((header, index): MarketPreviewColumn => {
    const mapped = offered.columns.find((c) => c.index === index)
    const guessed = guess.get(index)
    return {
      index,
      header,
      field: mapped?.field ?? null,
      confidence: mapped && guessed && guessed.field === mapped.field && offered.source === 'guessed' ? guessed.confidence : null,
      month: monthOfHeader(header)?.slice(0, 7) ?? null,
      samples: sample.map((r) => r.cells[index] ?? '').filter(Boolean).slice(0, SAMPLES_PER_COLUMN),
    }
  })
  const db = await getDb()
  const [earlier] = await db
    .select({ id: imports.id, createdAt: imports.createdAt })
    .from(imports)
    .where(and(eq(imports.storeId, upload.storeId), eq(imports.kind, MARKET_IMPORT_KIND), eq(imports.fileHash, upload.fileHash), eq(imports.status, 'done')))
    .orderBy(desc(imports.createdAt))
    .limit(1)
  const counts = read.summary.skippedCounts
  return {
    uploadId: upload.id,
    fileName: upload.fileName,
    byteSize: upload.byteSize,
    ext,
    encoding: read.head.format === 'xlsx' ? null : (read.summary.encoding ?? read.head.encoding),
    delimiter: read.head.delimiter,
    sheetName: read.head.sheetName,
    headerRowNumber: read.head.headerRowNumber,
    headerRecognised: read.head.headerRecognised,
    columns,
    source: offered.source,
    measure: chosen?.measure ?? guessMarketMeasure(headers, offered.columns),
    sample,
    skipped: { title: counts.title ?? 0, blank: counts.blank ?? 0, total: counts.total ?? 0 },
    earlier: earlier ?? null,
  }
}

/** The preview, or why the upload cannot be shown: a refused upload or an unreadable file. */
async function previewOrError(upload: ImportUpload, chosen?: { mapping: MarketColumn[]; measure: MarketMeasure }) {
  try {
    return { preview: await previewUpload(upload, chosen) }
  } catch (error) {
    const known = error instanceof UploadRefused ? error.error : readerError(error)
    if (!known) throw error
    return { error: known }
  }
}

// ------------------------------------------------------------------ the actions

export async function handleMarketImportAction(request: Request, user: SessionUser) {
  requireMarketImporter(user)
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
  const parsed = MarketUploadSchema.safeParse({ storeId: form.get('storeId') ?? undefined })
  if (!parsed.success) {
    if (file) fs.rmSync(file.temp, { force: true })
    return fail(400, { step: 'upload', error: { key: 'market.import.error.noStore', params: {} }, storeId: '' })
  }
  const { storeId } = parsed.data
  try {
    requireMarketImporter(user, storeId)
  } catch (error) {
    if (file) fs.rmSync(file.temp, { force: true })
    throw error
  }
  if (!file || file.size === 0) {
    if (file) fs.rmSync(file.temp, { force: true })
    return fail(400, { step: 'upload', error: { key: file ? 'imports.error.empty' : 'imports.error.noFile', params: {} }, storeId })
  }
  const kept = await keepUpload(user, storeId, file)
  const shown = await previewOrError(kept)
  if (shown.error) return fail(400, { step: 'upload', error: shown.error, storeId })
  return { step: 'preview', preview: shown.preview!, storeId, error: null } satisfies MarketImportActionData
}

const MappingFieldSchema = z.union([z.literal(''), z.enum(MARKET_FIELDS)], { error: 'validation.choice' })

/** `map.0=brand&map.3=units` → the columns mapped; a value no select offers answers 400 naming its field. */
function readMapping(request: Request, user: SessionUser, form: FormData): MarketColumn[] {
  const problems: Array<{ field: string; message: string }> = []
  const columns: MarketColumn[] = []
  for (const [name, value] of form.entries()) {
    const m = /^map\.(\d{1,3})$/.exec(name)
    if (!m) continue
    const field = MappingFieldSchema.safeParse(value)
    if (!field.success) {
      problems.push({ field: name, message: 'validation.choice' })
      continue
    }
    if (field.data) columns.push({ index: Number(m[1]), field: field.data })
  }
  if (problems.length) badInput(request, problems, user)
  return columns.sort((a, b) => a.index - b.index)
}

async function confirm(request: Request, user: SessionUser) {
  const form = await readMutationForm(request)
  const parsed = MarketConfirmSchema.safeParse({
    intent: form.get('intent') ?? undefined,
    storeId: form.get('storeId') ?? undefined,
    uploadId: form.get('uploadId') ?? undefined,
    measure: form.get('measure') ?? undefined,
  })
  if (!parsed.success) badFields(request, parsed.error, user)
  const { storeId, uploadId, measure } = parsed.data
  requireMarketImporter(user, storeId)
  const mapping = readMapping(request, user, form)
  let upload: ImportUpload
  try {
    upload = await requireOwnUpload(user.id, uploadId, storeId, MARKET_IMPORT_KIND)
  } catch (error) {
    if (error instanceof UploadRefused) return fail(error.status, { step: 'upload', error: error.error, storeId })
    throw error
  }
  // the mapping is checked against the file's header: a column per month needs month headers
  const shown = await previewOrError(upload, { mapping, measure })
  if (shown.error) return fail(400, { step: 'upload', error: shown.error, storeId })
  const headers = shown.preview!.columns.map((c) => c.header)
  const { problems } = checkMarketMapping(mapping, headers)
  if (problems.length) {
    const [first] = problems
    return fail(400, { step: 'preview', preview: shown.preview!, storeId, error: { key: first!.key, params: first!.params } })
  }
  const jobId = await startMarketImport(user, { storeId, uploadId: upload.id, measure, mapping })
  return redirect(`/competitors/market/jobs/${jobId}`)
}
