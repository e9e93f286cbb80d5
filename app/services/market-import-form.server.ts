import fs from 'node:fs'
import { redirect } from '@remix-run/node'
import { z } from 'zod'
import { checkMarketMapping, guessMarketMapping, guessMarketMeasure, KNOWN_MARKET_HEADERS, type MarketColumn } from '../../analytics/ingest/market-headers'
import { MARKET_FIELDS, type MarketField, type MarketMeasure } from '../../analytics/ingest/market-record'
import { monthOfHeader } from '../../analytics/ingest/market-values'
import { cellText, type Cell } from '../../analytics/ingest/read-table'
import { previewTableFile, TableStreamError, type TableRow } from '../../analytics/ingest/stream-table'
import type { MessageKey } from '../i18n'
import { MARKET_IMPORT_MAX_BYTES, MarketConfirmSchema, MarketUploadSchema } from '../schemas/market'
import type { SessionUser } from '../utils/auth.server'
import { readMutationForm } from '../utils/csrf.server'
import { badFields } from '../utils/input.server'
import type { ReceivedFile } from '../utils/upload.server'
import { importFilePath, keepReceivedUpload, requireOwnUpload, UploadRefused, type ImportUpload } from './import-files.server'
import { columnSamples, failImport, previewText, fileFormError, findEarlierImport, isMultipart, PREVIEW_ROWS, readColumnMapping, receiveImportUpload, TABLE_READER_ERRORS, tableFacts, type FormError, type ImportActionData, type ImportPreview } from './import-form.server'
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

export type { FormError }
export { PREVIEW_ROWS }

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

export type MarketPreview = ImportPreview<MarketExt, MarketPreviewColumn> & {
  /** what the file counts, as offered (the user's choice when the preview is shown again) */
  measure: MarketMeasure
}

export type MarketImportActionData = ImportActionData<MarketPreview>

const fail = failImport<MarketPreview>

// ------------------------------------------------------------------ errors

const READER_ERRORS: Partial<Record<TableStreamError['code'], MessageKey>> = {
  ...TABLE_READER_ERRORS,
  noHeader: 'market.error.noHeader',
  noSheet: 'sales.error.noSheet',
  outOfMemory: 'sales.error.outOfMemory',
}

/** An upload refused for its size names the file limit, whatever limit it broke. */
const readerError = (error: unknown): FormError | null =>
  fileFormError(error, {
    maxBytes: MARKET_IMPORT_MAX_BYTES,
    tableError: (e) => ({ key: READER_ERRORS[e.code] ?? 'sales.error.unreadable', params: e.params }),
    uploadLimit: () => MARKET_IMPORT_MAX_BYTES,
  })

// ------------------------------------------------------------------ the upload, streamed to disk

const keepUpload = (user: SessionUser, storeId: string, file: ReceivedFile) => keepReceivedUpload(user.id, storeId, MARKET_IMPORT_KIND, file, marketFileExt(file.head))

// ------------------------------------------------------------------ the preview

/** A cell as the preview shows it: date cells of an .xlsx as their day (their UTC fields carry it). */
function previewCell(cell: Cell | undefined) {
  if (cell instanceof Date) return new Date(Math.round(cell.getTime() / 1000) * 1000).toISOString().slice(0, 10)
  return previewText(cellText(cell))
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
      samples: columnSamples(sample, index),
    }
  })
  return {
    uploadId: upload.id,
    fileName: upload.fileName,
    byteSize: upload.byteSize,
    ext,
    ...tableFacts(read.head, read.summary),
    columns,
    source: offered.source,
    measure: chosen?.measure ?? guessMarketMeasure(headers, offered.columns),
    sample,
    earlier: await findEarlierImport(upload.storeId, MARKET_IMPORT_KIND, upload.fileHash),
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
  return isMultipart(request) ? upload(request, user) : confirm(request, user)
}

/** The form's file, streamed to disk; a store the user may not import into is refused before any of the file is written. */
async function upload(request: Request, user: SessionUser) {
  const received = await receiveImportUpload(request, user, {
    maxBytes: MARKET_IMPORT_MAX_BYTES,
    requireImporter: requireMarketImporter,
    uploadSchema: MarketUploadSchema,
    noStore: 'market.import.error.noStore',
    fileError: readerError,
  })
  if ('status' in received) return fail(received.status, { step: 'upload', error: received.error, storeId: received.storeId })
  const { storeId, file } = received
  const kept = await keepUpload(user, storeId, file)
  const shown = await previewOrError(kept)
  if (shown.error) return fail(400, { step: 'upload', error: shown.error, storeId })
  return { step: 'preview', preview: shown.preview!, storeId, error: null } satisfies MarketImportActionData
}

const MappingFieldSchema = z.union([z.literal(''), z.enum(MARKET_FIELDS)], { error: 'validation.choice' })

/** `map.0=brand&map.3=units` → the columns mapped; a value no select offers answers 400 naming its field. */
function readMapping(request: Request, user: SessionUser, form: FormData): MarketColumn[] {
  return readColumnMapping(request, user, form, MappingFieldSchema, (index, field): MarketColumn => ({ index, field }))
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
