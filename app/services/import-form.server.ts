import fs from 'node:fs'
import { data } from '@remix-run/node'
import { and, desc, eq } from 'drizzle-orm'
import { z } from 'zod'
import { getDb } from '../../db/client'
import { imports } from '../../db/schema'
import { cellText, type Cell, type TableEncoding } from '../../analytics/ingest/read-table'
import { formatBytes } from '../../analytics/ingest/sizes'
import { TableStreamError, type TableHead, type TableSummary } from '../../analytics/ingest/stream-table'
import type { MessageKey } from '../i18n'
import { canWriteStore, type SessionUser } from '../utils/auth.server'
import { badInput } from '../utils/input.server'
import { receiveUploadToDisk, UploadTooLargeError, type ReceivedFile } from '../utils/upload.server'
import { importsDir } from './import-files.server'

/**
 * What the upload-preview-confirm forms of the sales, market-data and competitor-observation
 * imports share: the shape of their errors and answers, the stores a user may upload for, the
 * multipart upload received up to a file for a store the user may import into, an unreadable
 * or oversized file as a form error, the first rows and samples of the preview, and the
 * `map.N` selects read back into the columns mapped. Each kind keeps its own reader, preview,
 * checks and job.
 */

export type FormError = { key: MessageKey; params: Record<string, string | number> }

/** An import page's action answers with the upload step again (and why) or with the preview to confirm. */
export type ImportActionData<Preview> =
  | { step: 'upload'; error: FormError; storeId: string }
  | { step: 'preview'; preview: Preview; storeId: string; error: FormError | null }

/** An action's answer with its status, for the page to show again. */
export const failImport = <Preview>(status: number, body: ImportActionData<Preview>) => data(body, { status })

/**
 * What every kind's preview says of the upload: the file, how it was read, the header found,
 * the columns with the mapping offered (`source`: the store's remembered one or the guess),
 * the first rows, the rows skipped above the header, and whether the same file was imported
 * into the store before.
 */
export type ImportPreview<Ext extends string, Column> = {
  uploadId: string
  fileName: string
  byteSize: number
  ext: Ext
  /** how the reader found the file (absent for Parquet, which DuckDB reads) */
  format?: TableHead['format']
  encoding: TableEncoding | null
  delimiter: string | null
  sheetName: string | null
  headerRowNumber: number
  headerRecognised: boolean
  columns: Column[]
  /** where the offered mapping came from */
  source: 'remembered' | 'guessed'
  sample: Array<{ rowNumber: number; cells: string[] }>
  skipped: { title: number; blank: number; total: number }
  /** the same file was imported into this store before */
  earlier: { id: string; createdAt: Date } | null
}

/** How a CSV or an .xlsx was read, as the preview shows it (an .xlsx has no encoding). */
export function tableFacts(head: TableHead, summary: TableSummary) {
  const counts = summary.skippedCounts
  return {
    format: head.format,
    encoding: head.format === 'xlsx' || head.format === 'xls' ? null : (summary.encoding ?? head.encoding),
    delimiter: head.delimiter,
    sheetName: head.sheetName,
    headerRowNumber: head.headerRowNumber,
    headerRecognised: head.headerRecognised,
    skipped: { title: counts.title ?? 0, blank: counts.blank ?? 0, total: counts.total ?? 0 },
  }
}

/** The last import of this kind that read the same file into the store to the end, if any. */
export async function findEarlierImport(storeId: string, kind: string, fileHash: string): Promise<{ id: string; createdAt: Date } | null> {
  const db = await getDb()
  const [earlier] = await db
    .select({ id: imports.id, createdAt: imports.createdAt })
    .from(imports)
    .where(and(eq(imports.storeId, storeId), eq(imports.kind, kind), eq(imports.fileHash, fileHash), eq(imports.status, 'done')))
    .orderBy(desc(imports.createdAt))
    .limit(1)
  return earlier ?? null
}

export const PREVIEW_ROWS = 10
const SAMPLES_PER_COLUMN = 3

/** The stores a user may upload a file for: those they write to. */
export function uploadStores(user: SessionUser) {
  return user.stores.filter((s) => canWriteStore(user, s.id)).map((s) => ({ id: s.id, name: s.name, timeZone: s.timeZone }))
}

/** The upload step posts a file (multipart); the confirm step a plain form. */
export const isMultipart = (request: Request) => (request.headers.get('content-type') ?? '').startsWith('multipart/form-data')

export const tooLargeError = (limit: number): FormError => ({ key: 'imports.error.tooLarge', params: { size: `> ${formatBytes(limit)}`, limit: formatBytes(limit) } })

export { TABLE_READER_ERRORS } from './reader-errors.server'

/**
 * A file that cannot be read or is too large, as the form shows it (null: another error, to
 * rethrow). `tableError` words the reader's error; a file over `maxBytes` names that limit;
 * an upload refused for its size names `uploadLimit` (the limit it broke, unless told).
 */
export function fileFormError(
  error: unknown,
  options: { maxBytes: number; tableError: (error: TableStreamError) => FormError; uploadLimit?: (error: UploadTooLargeError) => number },
): FormError | null {
  if (error instanceof TableStreamError) {
    const known = options.tableError(error)
    return known.key === 'imports.error.tooLarge' ? tooLargeError(options.maxBytes) : known
  }
  if (error instanceof UploadTooLargeError) return tooLargeError(options.uploadLimit ? options.uploadLimit(error) : error.limit)
  return null
}

/**
 * The upload step's form read up to a file for a store: the file part streamed to disk (the
 * store checked before any of it is written), then the store and the file checked. Anything
 * amiss answers the upload step again with its status; the temporary file is removed then.
 */
export async function receiveImportUpload(
  request: Request,
  user: SessionUser,
  options: {
    maxBytes: number
    requireImporter: (user: SessionUser, storeId?: string) => void
    uploadSchema: z.ZodType<{ storeId: string }>
    noStore: MessageKey
    fileError: (error: unknown) => FormError | null
  },
): Promise<{ storeId: string; file: ReceivedFile } | { status: number; error: FormError; storeId: string }> {
  let received: { form: FormData; file: ReceivedFile | null }
  try {
    received = await receiveUploadToDisk(request, {
      dir: importsDir(),
      maxBytes: options.maxBytes,
      user,
      authorize: (fields) => {
        const storeId = fields.get('storeId')
        if (storeId && z.uuid().safeParse(storeId).success) options.requireImporter(user, storeId)
      },
    })
  } catch (error) {
    const known = options.fileError(error)
    if (!known) throw error
    return { status: 413, error: known, storeId: '' }
  }
  const { form, file } = received
  const drop = () => file && fs.rmSync(file.temp, { force: true })
  const parsed = options.uploadSchema.safeParse({ storeId: form.get('storeId') ?? undefined })
  if (!parsed.success) {
    drop()
    return { status: 400, error: { key: options.noStore, params: {} }, storeId: '' }
  }
  const { storeId } = parsed.data
  try {
    options.requireImporter(user, storeId)
  } catch (error) {
    drop()
    throw error
  }
  if (!file || file.size === 0) {
    drop()
    return { status: 400, error: { key: file ? 'imports.error.empty' : 'imports.error.noFile', params: {} }, storeId }
  }
  return { storeId, file }
}

/**
 * The characters of a cell the preview shows; a longer one is cut there, with an ellipsis.
 * The reader refuses a cell over 32,767 characters and a row over 1 MiB (stream-worker.mjs),
 * but ten such rows would still make a page of megabytes, each cell written twice (the rows
 * and the column's samples).
 */
export const PREVIEW_CELL_CHARS = 200

/** A text of the preview as it shows it: at most PREVIEW_CELL_CHARS characters, a longer one cut with an ellipsis. */
export function previewText(text: string) {
  if (text.length <= PREVIEW_CELL_CHARS) return text
  // not in the middle of a character outside the BMP
  const cut = text.slice(0, PREVIEW_CELL_CHARS)
  const last = cut.charCodeAt(cut.length - 1)
  return `${last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut}…`
}

/** A cell as the preview shows it: date cells of an .xlsx carry the wall clock in their UTC fields; a long text is cut (previewText). */
export function previewCellText(cell: Cell | undefined) {
  if (cell instanceof Date) {
    const iso = new Date(Math.round(cell.getTime() / 1000) * 1000).toISOString()
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`
  }
  return previewText(cellText(cell))
}

/** A column's first few non-empty values in the preview's rows, each cut as a preview cell is. */
export const columnSamples = (sample: ReadonlyArray<{ cells: readonly string[] }>, index: number) =>
  sample
    .map((r) => r.cells[index] ?? '')
    .filter(Boolean)
    .slice(0, SAMPLES_PER_COLUMN)
    .map(previewText)

/**
 * The confirm form's `map.N` selects (N the column's index) → the columns mapped, by index: a
 * value `fieldSchema` refuses is a problem named by its select; an empty one leaves the column
 * out; `column` makes the rest (reading the column's other selects, `scale.N` or `unit.N`) or
 * names the select it refuses. Any problem answers 400 naming its fields.
 */
export function readColumnMapping<F extends string, C extends { index: number }>(
  request: Request,
  user: SessionUser,
  form: FormData,
  fieldSchema: z.ZodType<F | ''>,
  column: (index: number, field: F) => C | { refused: string },
): C[] {
  const problems: Array<{ field: string; message: string }> = []
  const columns: C[] = []
  for (const [name, value] of form.entries()) {
    const m = /^map\.(\d{1,3})$/.exec(name)
    if (!m) continue
    const field = fieldSchema.safeParse(value)
    if (!field.success) {
      problems.push({ field: name, message: 'validation.choice' })
      continue
    }
    if (!field.data) continue
    const made = column(Number(m[1]), field.data)
    if ('refused' in made) problems.push({ field: made.refused, message: 'validation.choice' })
    else columns.push(made)
  }
  if (problems.length) badInput(request, problems, user)
  return columns.sort((a, b) => a.index - b.index)
}
