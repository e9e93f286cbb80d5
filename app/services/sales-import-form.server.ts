import fs from 'node:fs'
import { redirect } from '@remix-run/node'
import { z } from 'zod'
import { importUploads } from '../../db/schema'
import { AnalyticsDb } from '../../analytics/duckdb'
import { readParquetTable } from '../../analytics/ingest/sales-parquet'
import { checkSalesMapping, guessSalesMapping, type SalesColumn } from '../../analytics/ingest/sales-headers'
import { MONEY_FIELDS, SALE_FIELDS, type SaleField } from '../../analytics/ingest/sales-record'
import type { Cell } from '../../analytics/ingest/read-table'
import { previewTableFile, TableStreamError, type TableRow } from '../../analytics/ingest/stream-table'
import type { MessageKey } from '../i18n'
import { SALES_IMPORT_MAX_BYTES, SalesConfirmSchema, SalesUploadSchema } from '../schemas/sales'
import { requireStoreAccess, type SessionUser } from '../utils/auth.server'
import { readMutationForm } from '../utils/csrf.server'
import { forbidden } from '../utils/http.server'
import { badFields } from '../utils/input.server'
import { describeError, log } from '../utils/logger.server'
import { roleCan } from '../utils/permissions'
import { maskPhone, parsePhone } from '../utils/phone'
import type { ReceivedFile } from '../utils/upload.server'
import { importFilePath, keepReceivedUpload, requireOwnUpload, UploadRefused } from './import-files.server'
import { columnSamples, failImport, fileFormError, findEarlierImport, isMultipart, PREVIEW_ROWS, previewCellText, readColumnMapping, receiveImportUpload, TABLE_READER_ERRORS, tableFacts, type FormError, type ImportActionData, type ImportPreview } from './import-form.server'
import { salesFileExt, startSalesImport, type SalesExt } from './sales-import-job.server'
import { findSalesTable, namesSaleColumns, SALES_KNOWN_HEADERS } from './sales-import.server'
import { rememberedSalesMapping } from './sales-mappings.server'

/**
 * The sales import page's two steps, without JavaScript (SPEC §4): the upload (multipart)
 * streams the file to disk — never into memory — keeps it content-addressed, records it as
 * this user's upload for the chosen store (ADR 012) and answers with a preview: the header
 * found, the first rows, and each column's field, from the store's remembered mapping or
 * the guess. The confirm (a plain form: the upload's id and the edited mapping) queues the
 * `sales_import` job and goes to its progress page.
 */

export type { FormError }
export { PREVIEW_ROWS }

export type SalesPreviewColumn = {
  index: number
  header: string
  field: SaleField | null
  scale: 1 | 10_000
  /** how sure the guess is (0–1); null for the store's remembered choice or an unmapped column */
  confidence: number | null
  samples: string[]
}

export type SalesPreview = ImportPreview<SalesExt, SalesPreviewColumn>

export type SalesImportActionData = ImportActionData<SalesPreview>

const fail = failImport<SalesPreview>

/** Who may bring sales data in: the marketing roles, into a store they write to. */
export function requireSalesImporter(user: SessionUser, storeId?: string) {
  if (!roleCan(user.role, 'sales:import')) forbidden(`Your role (${user.role}) may not import sales data.`)
  if (storeId) requireStoreAccess(user, storeId, 'write')
}

// ------------------------------------------------------------------ errors

const READER_ERRORS: Partial<Record<TableStreamError['code'], MessageKey>> = {
  ...TABLE_READER_ERRORS,
  noHeader: 'sales.error.noHeader',
  noSheet: 'sales.error.noSheet',
  outOfMemory: 'sales.error.outOfMemory',
}

const readerError = (error: unknown) =>
  fileFormError(error, { maxBytes: SALES_IMPORT_MAX_BYTES, tableError: (e) => ({ key: READER_ERRORS[e.code] ?? 'sales.error.unreadable', params: e.params }) })

// ------------------------------------------------------------------ the upload, streamed to disk

/** The received file under its content-addressed name, and the upload's record (ADR 012). */
const keepUpload = (user: SessionUser, storeId: string, file: ReceivedFile) => keepReceivedUpload(user.id, storeId, 'sales', file, salesFileExt(file.head))

// ------------------------------------------------------------------ the preview

type PreviewRead = Pick<SalesPreview, 'format' | 'encoding' | 'delimiter' | 'sheetName' | 'headerRowNumber' | 'headerRecognised' | 'skipped'> & { headers: string[]; rows: TableRow[] }

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
  const options = { knownHeaders: SALES_KNOWN_HEADERS, previewRows: PREVIEW_ROWS, maxBytes: SALES_IMPORT_MAX_BYTES }
  let preview = await previewTableFile(file, options)
  // a summary sheet first, or a line of group labels above the header: the table the import will read
  const place = namesSaleColumns(preview.head.headers) ? null : await findSalesTable(file, preview.head)
  if (place) preview = await previewTableFile(file, { ...options, ...place })
  return { ...tableFacts(preview.head, preview.summary), headers: preview.head.headers, rows: preview.rows.slice(0, PREVIEW_ROWS) }
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
    const text = previewCellText(cell)
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
      samples: columnSamples(sample, index),
    }
  })
  return {
    uploadId: upload.id,
    fileName: upload.fileName,
    byteSize: upload.byteSize,
    ext,
    format: read.format,
    encoding: read.encoding,
    delimiter: read.delimiter,
    sheetName: read.sheetName,
    headerRowNumber: read.headerRowNumber,
    headerRecognised: read.headerRecognised,
    columns,
    source: offered.source,
    sample,
    skipped: read.skipped,
    earlier: await findEarlierImport(upload.storeId, 'sales', upload.fileHash),
  }
}

/** An upload can be previewed again and confirmed only by whoever uploaded it, into its store (ADR 012). */
const requireUpload = (user: SessionUser, uploadId: string, storeId: string): Promise<UploadRow> => requireOwnUpload(user.id, uploadId, storeId, 'sales')

// ------------------------------------------------------------------ the actions

export async function handleSalesImportAction(request: Request, user: SessionUser) {
  requireSalesImporter(user)
  return isMultipart(request) ? upload(request, user) : confirm(request, user)
}

/**
 * The CSRF token and the store come before the file in the form: a post without a valid
 * token, or for a store the user may not import into, is refused before any of its file is
 * written.
 */
async function upload(request: Request, user: SessionUser) {
  const received = await receiveImportUpload(request, user, {
    maxBytes: SALES_IMPORT_MAX_BYTES,
    requireImporter: requireSalesImporter,
    uploadSchema: SalesUploadSchema,
    noStore: 'sales.import.error.noStore',
    fileError: readerError,
  })
  if ('status' in received) return fail(received.status, { step: 'upload', error: received.error, storeId: received.storeId })
  const { storeId, file } = received
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
  return readColumnMapping(request, user, form, MappingFieldSchema, (index, field): SalesColumn | { refused: string } => {
    const scale = ScaleSchema.safeParse(form.get(`scale.${index}`) ?? '1')
    if (!scale.success) return { refused: `scale.${index}` }
    const money = (MONEY_FIELDS as readonly string[]).includes(field)
    return { index, field, scale: money && scale.data === '10000' ? 10_000 : 1 }
  })
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
