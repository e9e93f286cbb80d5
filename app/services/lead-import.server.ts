import crypto from 'node:crypto'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { and, count, desc, eq, inArray, notInArray, sql } from 'drizzle-orm'
import { z } from 'zod'
import { parseMoment } from '../../analytics/ingest/dates'
import { toHalfWidth } from '../../analytics/ingest/half-width'
import { cellText, type Cell } from '../../analytics/ingest/read-table'
import { streamTable, TableStreamError, type TableHead, type TableRow, type TableSummary } from '../../analytics/ingest/stream-table'
import { getDb, getDbHandle, type DbOrTx } from '../../db/client'
import { importRows, imports, importUploads, stores, touchpoints, users } from '../../db/schema'
import { IMPORT_ROW_OUTCOMES } from '../../db/schema/enums'
import {
  LEAD_FIELDS,
  LEAD_IMPORT_MAX_BYTES,
  PLATFORM_CHOICES,
  REQUIRED_FIELDS,
  type ColumnMapping,
  type LeadField,
  type LeadPlatform,
  type PlatformChoice,
} from '../schemas/lead-import'
import type { MessageKey } from '../i18n'
import { TABLE_READER_ERRORS } from './reader-errors.server'
import { canReadStore, requireStoreAccess, type SessionUser } from '../utils/auth.server'
import { notFound } from '../utils/http.server'
import { roleCan } from '../utils/permissions'
import { maskPhone, maskPhonesInText, parsePhone, type ParsedPhone } from '../utils/phone'
import { requestsInFlight } from '../utils/foreground.server'
import { holdAnalyticsSync } from './analytics.server'
import { describeError, log } from '../utils/logger.server'
import { hashPhone } from '../utils/phone-hash.server'
import { recordAudit } from './audit.server'
import { importFilePath, keepImportFile, pruneUnconfirmedUploads, sha256, type ImportFileExt } from './import-files.server'
import { applyChunk, forgetUndo, recordOutcomes, rollbackLeadImport, type RowOutcome, type StagedRow } from './lead-import-apply.server'
import type { JobProgress } from './jobs.server'
import { placementsRunningOn } from './link-match.server'
import { previewText } from './import-form.server'

/**
 * Imports of lead-platform exports (SPEC §3): 汽车之家, 易车, 懂车帝 lists of people who left
 * their details, as CSV (UTF-8, GBK/GB18030, UTF-16) or .xlsx, phones often masked. Each
 * good row arrives through recordArrival like any other lead; each row's outcome is kept.
 * No Request here: the web pages and `npm run import` share it.
 */

export const LEAD_IMPORT_MAX_ROWS = 100_000
export { LEAD_FIELDS, LEAD_IMPORT_MAX_BYTES, PLATFORM_CHOICES, REQUIRED_FIELDS }
export type { ColumnMapping, LeadField, LeadPlatform, PlatformChoice }

export type ImportRowOutcome = (typeof IMPORT_ROW_OUTCOMES)[number]
/** 'pending' is shown as running (导入中) */
export type ImportStatus = 'pending' | 'done' | 'failed'

// ------------------------------------------------------------------ header mapping

/** Header texts of the platforms' exports, normalized (lower case, no spaces or punctuation). */
const FIELD_ALIASES: Record<LeadField, string[]> = {
  name: ['姓名', '客户姓名', '客户名称', '客户名', '联系人', '用户姓名', '用户名', '用户昵称', '称呼', '客户', 'name', 'customer', 'customername', 'fullname', 'contact'],
  phone: [
    '手机', '手机号', '手机号码', '电话', '联系电话', '电话号码', '联系方式', '联系手机', '客户电话', '客户手机', '客户手机号', '用户手机', '用户手机号', '手机号脱敏',
    'phone', 'mobile', 'tel', 'telephone', 'phonenumber', 'mobilephone', 'cellphone', 'mobileno', 'phoneno',
  ],
  model: ['意向车型', '车型', '车系', '意向车系', '关注车型', '询价车型', '报价车型', '车型名称', '车系名称', 'model', 'series', 'carmodel', 'vehicle', 'modelofinterest'],
  city: ['城市', '所在城市', '所在地', '客户城市', '用户城市', '地区', '区域', '省市', 'city', 'region', 'location'],
  time: [
    '留资时间', '线索时间', '提交时间', '创建时间', '下发时间', '分配时间', '报名时间', '询价时间', '线索创建时间', '时间', '日期',
    'time', 'date', 'createdat', 'createtime', 'created', 'submittime', 'submittedat', 'leadtime', 'datetime', 'timestamp',
  ],
  platform: ['平台', '来源', '渠道', '线索来源', '来源平台', '来源渠道', '媒体', 'platform', 'source', 'channel', 'leadsource', 'media'],
}

/** Columns about the dealer, not the person: never mapped, whatever else their header says. */
const DEALER_COLUMN = /经销商|门店|店铺|4s|dealer|store|shop|顾问|销售|跟进|负责人|备注|remark|note|id$|编号|序号/

const normalizeHeader = (text: string) =>
  text
    .toLowerCase()
    .replace(/[\s_\-()（）[\]【】:：*/\\.,，、]/g, '')
    .replace(/[\u3000]/g, '')

const NOT_CONTAINABLE = new Set(['客户', 'customer', 'contact', 'created'])
const containable = (alias: string) =>
  !NOT_CONTAINABLE.has(alias) && (/[^\x00-\x7f]/.test(alias) ? alias.length >= 2 : alias.length >= 4)

const ALIAS_LOOKUP = new Map<string, LeadField>()
for (const field of LEAD_FIELDS) for (const alias of FIELD_ALIASES[field]) ALIAS_LOOKUP.set(normalizeHeader(alias), field)

/** The field a header names: an exact alias, else a header containing one (手机号码(脱敏) → phone). */
export function matchLeadField(header: string): LeadField | null {
  const h = normalizeHeader(header)
  if (!h) return null
  const exact = ALIAS_LOOKUP.get(h)
  if (exact) return exact
  if (DEALER_COLUMN.test(h)) return null
  // a header that contains an alias (客户手机号码 → phone, Lead Created Time → time); the name last,
  // and never from a word that also prefixes other columns (客户手机 is a phone, Customer ID nothing)
  for (const field of ['phone', 'time', 'model', 'city', 'platform', 'name'] as const) {
    if (FIELD_ALIASES[field].some((alias) => containable(alias) && h.includes(normalizeHeader(alias)))) return field
  }
  return null
}

/** One column per field, the first that names it; the others are left out. */
export function guessMapping(headers: string[]): ColumnMapping {
  const taken = new Set<LeadField>()
  return headers.map((header) => {
    const field = matchLeadField(header)
    if (!field || taken.has(field)) return null
    taken.add(field)
    return field
  })
}

const PLATFORM_NAMES: Array<[RegExp, LeadPlatform]> = [
  [/汽车之家|之家|autohome|che168/i, 'autohome'],
  [/易车|bitauto|yiche/i, 'bitauto'],
  [/懂车帝|dongchedi/i, 'dongchedi'],
]

/** The platform a text names (a platform column's value, a title row, a file name). */
export function detectPlatform(text: string | null | undefined): LeadPlatform | null {
  if (!text) return null
  for (const [pattern, platform] of PLATFORM_NAMES) if (pattern.test(text)) return platform
  return null
}

// ------------------------------------------------------------------ refusals

/** A refusal the user can act on: an i18n key (imports.error.*) and its parameters; `message` in English. */
export class ImportError extends Error {
  constructor(
    public readonly key: MessageKey,
    message: string,
    public readonly params: Record<string, string | number> = {},
    public importId: string | null = null,
    /** the HTTP status a page answers with */
    public readonly status: 400 | 403 | 404 | 409 = 400,
  ) {
    super(message)
    this.name = 'ImportError'
  }
}

const TABLE_ERROR_KEYS: Record<TableStreamError['code'], MessageKey> = {
  ...TABLE_READER_ERRORS,
  malformed: 'imports.error.malformed',
  noHeader: 'imports.error.noHeader',
  noSheet: 'imports.error.noSheet',
  outOfMemory: 'imports.error.outOfMemory',
  workerFailed: 'imports.error.malformed',
  aborted: 'imports.error.cancelled',
}

/** A reader's refusal as one the user can act on. */
function readRefusal(error: unknown): unknown {
  if (!(error instanceof TableStreamError)) return error
  const params = { ...error.params }
  if (error.code === 'workerFailed' && params.detail === undefined) params.detail = error.message
  return new ImportError(TABLE_ERROR_KEYS[error.code], error.message, params)
}

/** Header texts the reader looks for to find the header row among the top rows. */
const KNOWN_HEADERS = LEAD_FIELDS.flatMap((field) => FIELD_ALIASES[field]).filter((alias) => !NOT_CONTAINABLE.has(alias))

/** The type of an upload, from its bytes: an .xlsx is a zip; anything else is read as CSV (the reader refuses what is neither). */
export function leadFileExt(bytes: Uint8Array): ImportFileExt {
  return bytes[0] === 0x50 && bytes[1] === 0x4b ? 'xlsx' : 'csv'
}

type LeadTableScan = {
  head: TableHead
  summary: TableSummary
  /** the first rows, for the preview */
  sample: TableRow[]
  /** rows per platform named in the (guessed or given) platform column */
  platformTally: Map<LeadPlatform, number>
}

/**
 * Reads an export streaming, off the event loop (stream-table.ts: a worker thread with a
 * capped heap), handing each batch of rows to `onRows` once the header is known. A file that
 * is not a readable table is refused with a clear message (ImportError).
 */
async function scanLeadTable(
  filePath: string,
  options: {
    signal?: AbortSignal
    /** the mapping to read the platform column by; guessed from the header when absent */
    mapping?: (head: TableHead) => ColumnMapping
    onHead?: (head: TableHead, mapping: ColumnMapping) => Promise<void> | void
    onRows?: (rows: TableRow[], bytesRead: number, totalBytes: number) => Promise<void> | void
    sampleRows?: number
  },
): Promise<LeadTableScan> {
  let head: TableHead | undefined
  let mapping: ColumnMapping = []
  const sample: TableRow[] = []
  const platformTally = new Map<LeadPlatform, number>()
  try {
    for await (const event of streamTable(filePath, { knownHeaders: KNOWN_HEADERS, maxBytes: LEAD_IMPORT_MAX_BYTES, maxRows: LEAD_IMPORT_MAX_ROWS, signal: options.signal })) {
      if (event.type === 'head') {
        head = event.head
        mapping = options.mapping ? options.mapping(head) : guessMapping(head.headers)
        await options.onHead?.(head, mapping)
      } else if (event.type === 'rows') {
        if (sample.length < (options.sampleRows ?? 0)) sample.push(...event.rows.slice(0, (options.sampleRows ?? 0) - sample.length))
        const column = mapping.indexOf('platform')
        if (column >= 0) {
          for (const row of event.rows) {
            const p = detectPlatform(CELL_TEXT(row.cells[column]))
            if (p) platformTally.set(p, (platformTally.get(p) ?? 0) + 1)
          }
        }
        await options.onRows?.(event.rows, event.bytesRead, event.totalBytes)
      } else {
        return { head: head!, summary: event.summary, sample, platformTally }
      }
    }
  } catch (error) {
    throw readRefusal(error)
  }
  throw new ImportError('imports.error.malformed', 'The file reader ended without a result.', { detail: 'no end' })
}

async function requireStore(db: DbOrTx, storeId: string) {
  const [store] = z.uuid().safeParse(storeId).success
    ? await db.select({ id: stores.id, name: stores.name, timeZone: stores.timeZone }).from(stores).where(eq(stores.id, storeId))
    : []
  if (!store) throw new ImportError('imports.error.storeNotFound', `No store ${storeId}.`)
  return store
}

async function findDoneImport(db: DbOrTx, storeId: string, fileHash: string) {
  const [row] = await db
    .select({ id: imports.id, createdAt: imports.createdAt })
    .from(imports)
    .where(and(eq(imports.storeId, storeId), eq(imports.kind, 'leads'), eq(imports.fileHash, fileHash), eq(imports.status, 'done')))
    .orderBy(desc(imports.createdAt))
    .limit(1)
  return row
}

// ------------------------------------------------------------------ preview

export type LeadPreview = {
  /** what the confirm step carries: only the user who uploaded the file can confirm it, into this store */
  uploadId: string
  fileHash: string
  ext: ImportFileExt
  fileName: string
  byteSize: number
  format: TableHead['format']
  encoding: TableSummary['encoding']
  delimiter: string | null
  sheetName: string | null
  headerRowNumber: number
  headerRecognised: boolean
  headers: string[]
  mapping: ColumnMapping
  /** the first data rows as text, each with its row number */
  sample: Array<{ rowNumber: number; cells: string[] }>
  dataRows: number
  skipped: { title: number; blank: number; total: number }
  detectedPlatform: LeadPlatform | null
  /** the same file was imported into this store before: confirming changes nothing */
  earlier: { id: string; createdAt: Date } | null
}

export const PREVIEW_ROWS = 10

const CELL_TEXT = (cell: Cell | undefined) => (cell instanceof Date ? formatCellDate(cell) : cellText(cell))

/** Date cells of an .xlsx carry the wall clock in their UTC fields. */
function formatCellDate(d: Date) {
  const iso = new Date(Math.round(d.getTime() / 1000) * 1000).toISOString()
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`
}

/** The platform of a whole file: the one most rows name, else the one its title rows or its name name. */
function fileLevelPlatform(scan: Pick<LeadTableScan, 'summary' | 'platformTally'>, fileName: string): LeadPlatform | null {
  const [top] = [...scan.platformTally.entries()].sort((a, b) => b[1] - a[1])
  if (top) return top[0]
  const titles = scan.summary.skipped.filter((s) => s.why === 'title').map((s) => s.text)
  return detectPlatform([...titles, fileName].join(' '))
}

/**
 * Where an import's file comes from: bytes in hand (the command line, a retry, the upload
 * step), or an earlier upload — which only the user who made it may use, and only for the
 * store it was made for. A kept file is never reachable by its hash alone.
 */
export type LeadFileSource = { bytes: Uint8Array; fileName: string } | { uploadId: string }

/** An upload can be previewed again and confirmed only by whoever uploaded it, into the store it was uploaded for. */
export async function requireUpload(db: DbOrTx, uploadId: string, who: { storeId: string; userId: string | null }) {
  const [upload] = z.uuid().safeParse(uploadId).success
    ? await db.select().from(importUploads).where(and(eq(importUploads.id, uploadId), eq(importUploads.kind, 'leads')))
    : []
  if (!upload) throw new ImportError('imports.error.uploadNotFound', 'No such upload (uploads are kept for a day): upload the file again.', {}, null, 404)
  if (upload.uploadedById !== who.userId || upload.storeId !== who.storeId) {
    log('warn', 'import of another upload refused', { uploadId: upload.id, userId: who.userId, storeId: who.storeId })
    throw new ImportError(
      'imports.error.uploadNotYours',
      'This file was uploaded by another user or for another store: only its uploader can import it, into that store. Upload the file yourself.',
      {},
      null,
      403,
    )
  }
  return upload
}

/** The kept file a source names: bytes in hand are kept first (content-addressed). */
export async function resolveFile(db: DbOrTx, source: LeadFileSource, who: { storeId: string; userId: string | null }): Promise<KeptLeadFile & { uploadId: string | null }> {
  if ('bytes' in source) {
    const ext = leadFileExt(source.bytes)
    const kept = await keepImportFile(source.bytes, ext)
    return { hash: kept.hash, ext, fileName: source.fileName.slice(0, 255), byteSize: source.bytes.length, uploadId: null }
  }
  const upload = await requireUpload(db, source.uploadId, who)
  if (!(await keptFileExists(upload.fileHash, upload.ext as ImportFileExt))) {
    throw new ImportError('imports.error.fileGone', 'The uploaded file is no longer kept: upload it again.')
  }
  return { hash: upload.fileHash, ext: upload.ext as ImportFileExt, fileName: upload.fileName, byteSize: upload.byteSize, uploadId: upload.id }
}

async function keptFileExists(hash: string, ext: ImportFileExt) {
  try {
    await fs.access(importFilePath(hash, ext))
    return true
  } catch {
    return false
  }
}

/**
 * The upload step: reads the file (streaming, in a worker), keeps it (content-addressed) once
 * it reads as a table, records who uploaded it for which store, and shows what an import
 * would read — encoding, header and its mapping, the first rows, how many rows. A file that
 * is not a table is refused and not kept. Given an upload instead of bytes, shows it again (to
 * its uploader only). `maskPhones` hides full numbers from roles that may not see them (SPEC §3).
 */
export async function previewLeadFile(input: { storeId: string; userId: string; file: LeadFileSource; maskPhones: boolean }): Promise<LeadPreview> {
  const db = await getDb()
  await requireStore(db, input.storeId)
  let filePath: string
  let temp: string | null = null
  let file: { hash: string; ext: ImportFileExt; fileName: string; byteSize: number; uploadId: string | null }
  if ('bytes' in input.file) {
    // read from a temporary copy: a file that is not a table is never kept
    const ext = leadFileExt(input.file.bytes)
    temp = path.join(os.tmpdir(), `roadshow-lead-preview-${crypto.randomBytes(8).toString('hex')}.${ext}`)
    await fs.writeFile(temp, input.file.bytes, { mode: 0o600 })
    filePath = temp
    file = { hash: sha256(input.file.bytes), ext, fileName: input.file.fileName.slice(0, 255), byteSize: input.file.bytes.length, uploadId: null }
  } else {
    file = await resolveFile(db, input.file, input)
    filePath = importFilePath(file.hash, file.ext)
  }
  let scan: LeadTableScan
  try {
    scan = await scanLeadTable(filePath, { sampleRows: PREVIEW_ROWS })
  } finally {
    if (temp) await fs.rm(temp, { force: true })
  }
  let uploadId = file.uploadId
  if (!uploadId && 'bytes' in input.file) {
    // the record first: from then on the pruning of day-old files leaves this one alone
    const [upload] = await db
      .insert(importUploads)
      .values({ storeId: input.storeId, uploadedById: input.userId, kind: 'leads', fileName: file.fileName, fileHash: file.hash, ext: file.ext, byteSize: file.byteSize })
      .returning({ id: importUploads.id })
    uploadId = upload!.id
    await keepImportFile(input.file.bytes, file.ext)
    await pruneUnconfirmedUploads().catch((error) => log('warn', 'could not prune old uploads', { error: describeError(error) }))
  }
  const { head, summary, sample } = scan
  const mapping = guessMapping(head.headers)
  const showCell = (cell: Cell | undefined) => {
    const text = previewText(CELL_TEXT(cell))
    if (!input.maskPhones) return text
    const phone = parsePhone(text)
    if (phone) return phone.kind === 'full' ? maskPhone(phone.phone) : text
    // a number among other text (13812341234/13900001111, a note's 客户手机13812341234): each masked
    const half = toHalfWidth(text)
    const masked = maskPhonesInText(half)
    return masked === half ? text : masked
  }
  const width = Math.max(head.headers.length, ...sample.map((r) => r.cells.length))
  const headers = Array.from({ length: width }, (_, i) => previewText(head.headers[i] ?? ''))
  return {
    uploadId: uploadId!,
    fileHash: file.hash,
    ext: file.ext,
    fileName: file.fileName,
    byteSize: file.byteSize,
    format: head.format,
    encoding: summary.encoding,
    delimiter: head.delimiter,
    sheetName: head.sheetName,
    headerRowNumber: head.headerRowNumber,
    headerRecognised: head.headerRecognised,
    headers,
    mapping: headers.map((_, i) => mapping[i] ?? null),
    sample: sample.map((r) => ({ rowNumber: r.rowNumber, cells: headers.map((_, i) => showCell(r.cells[i])) })),
    dataRows: summary.dataRows,
    skipped: { title: summary.skippedCounts.title ?? 0, blank: summary.skippedCounts.blank ?? 0, total: summary.skippedCounts.total ?? 0 },
    detectedPlatform: fileLevelPlatform(scan, file.fileName),
    earlier: (await findDoneImport(db, input.storeId, file.hash)) ?? null,
  }
}

// ------------------------------------------------------------------ rows

/** A cell as the text a person typed; dates of an .xlsx as their wall clock. */
const cellString = (cell: Cell | undefined) => CELL_TEXT(cell)

/** Excel's scientific notation of a number too long for its column (1.38123E+10): its last digits are gone. */
const SCIENTIFIC = /^[+-]?\d(\.\d+)?e\+?\d{1,2}$/i
/** A landline (0571-88886666, 010 8888 6666), perhaps with an extension: a phone, but not the mobile a lead is kept by. */
const FIXED_LINE = /^0\d{2,3}-?\d{7,8}(-\d{1,6})?$/
/** What people put between two numbers in one cell. */
const PHONE_SEPARATORS = /[/\\,，;；、|｜]+/

/**
 * The phone of a platform row, or why there is none a lead can be kept by: one number as
 * parsePhone reads it; several in one cell (13812341234/13900001111, 138****1234；0571-88886666),
 * the first mobile one (a full number before a masked one); a number Excel turned into
 * scientific notation and cut short is lost, and said so.
 */
export function leadPhone(raw: string): ParsedPhone | 'imports.reason.phoneInvalid' | 'sales.reason.phoneDamaged' {
  const one = parsePhone(raw)
  if (one) return one
  const text = raw.trim().replace(/^'/, '')
  if (SCIENTIFIC.test(text)) return 'sales.reason.phoneDamaged'
  let parts = text.split(PHONE_SEPARATORS).map((p) => p.trim()).filter(Boolean)
  if (parts.length < 2) parts = text.split(/\s+/).filter(Boolean)
  if (parts.length < 2 || parts.length > 5) return 'imports.reason.phoneInvalid'
  const parsed = parts.map((p) => parsePhone(p))
  // every part a phone (a landline among them is fine); else the cell is something else
  if (parsed.some((p, i) => !p && !FIXED_LINE.test(parts[i]!.replace(/[\s()]/g, '')))) return 'imports.reason.phoneInvalid'
  return parsed.find((p) => p?.kind === 'full') ?? parsed.find((p) => p?.kind === 'masked') ?? 'imports.reason.phoneInvalid'
}

/**
 * A name as the platform had it, without the spaces of typing: 张 三 is 张三 (a masked phone is
 * matched with the name, so the same person must not be two names); Li Lei keeps its one space.
 */
export function leadName(text: string): string {
  return text
    .replace(/[\s\u3000]+/g, ' ')
    .trim()
    .replace(/(?<=[\u3400-\u9fff]) (?=[\u3400-\u9fff])/g, '')
}

/** A footer under the rows of a platform's export (共 35 条, 共35条记录, 总条数：35): not a lead. */
const FOOTER_ROW = /^(共\s*[\d,]+\s*(条|行|项|个)|(总|合计)\s*(条数|记录数|行数)|记录数)/

/** A row whose first filled cell is such a footer, and that holds no phone. */
function isFooter(cells: Cell[], phone: Cell | undefined | null) {
  const first = cells.find((c) => cellString(c) !== '')
  return first !== undefined && FOOTER_ROW.test(toHalfWidth(cellString(first))) && !parsePhone(cellString(phone ?? null))
}

function leadRowSchema(timeZone: string, now: Date) {
  const text = (max: number) =>
    z
      .custom<Cell>()
      .transform((v) => cellString(v))
      .pipe(z.string().max(max, `imports.reason.tooLong?max=${max}`))
  // keys in the order their problems are reported: one reason per row, the first found
  return z.object({
    phone: z.custom<Cell>().transform((v, ctx): ParsedPhone & { raw: string } => {
      const raw = cellString(v)
      const parsed = raw ? leadPhone(raw) : 'imports.reason.phoneMissing'
      if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed })
      return typeof parsed === 'string' ? (z.NEVER as never) : { ...parsed, raw }
    }),
    time: z.custom<Cell>().transform((v, ctx): Date => {
      const raw = cellString(v)
      const at = raw ? parseMoment(v, timeZone) : null
      if (!at) ctx.addIssue({ code: 'custom', message: raw ? 'imports.reason.timeInvalid' : 'imports.reason.timeMissing' })
      else if (at.getTime() > now.getTime() + 86_400_000) ctx.addIssue({ code: 'custom', message: 'imports.reason.timeFuture' })
      return at ?? (z.NEVER as never)
    }),
    name: text(100).transform(leadName),
    model: text(100),
    city: text(50),
    platform: text(50),
  })
}

export type ImportCounts = { total: number; imported: number; merged: number; duplicate: number; skipped: number; failed: number }

export type LeadImportResult = { importId: string; reused: boolean; counts: ImportCounts; platform: LeadPlatform | null }

/** What identifies one platform row: the platform, the phone (or the masked phone and the name), the time. */
function rowKey(platform: LeadPlatform, phone: ParsedPhone, name: string, at: Date) {
  const who = phone.kind === 'full' ? `h:${hashPhone(phone.phone)}` : `m:${phone.masked}|${name}`
  return crypto.createHash('sha256').update(`lead-row|${platform}|${who}|${at.toISOString()}`).digest('hex').slice(0, 40)
}

/** A kept export: DATA_DIR/imports/<hash>.<ext>. */
export type KeptLeadFile = { hash: string; ext: ImportFileExt; fileName: string; byteSize: number }

export type LeadImportInput = {
  storeId: string
  /** who runs it; null for the command line and scheduled jobs */
  userId: string | null
  platform: PlatformChoice
  file: LeadFileSource
  /** the confirmed mapping; guessed from the header when absent */
  mapping?: ColumnMapping
  ip?: string | null
}

export type LeadImportHooks = {
  /** the background job running it (lead-import-job.server.ts) */
  jobId?: string | null
  signal?: AbortSignal
  progress?: (progress: JobProgress) => void
}

/**
 * Imports a lead export from bytes or an upload, in this process: the command line, the
 * benchmark and the tests. The pages queue the same work as a job (startLeadImport).
 */
export async function importLeadFile(input: LeadImportInput, hooks: LeadImportHooks = {}): Promise<LeadImportResult> {
  const db = await getDb()
  const store = await requireStore(db, input.storeId)
  const keptBefore = 'bytes' in input.file ? await keptFileExists(sha256(input.file.bytes), leadFileExt(input.file.bytes)) : true
  const file = await resolveFile(db, input.file, { storeId: store.id, userId: input.userId })
  try {
    return await runLeadImport({ storeId: store.id, userId: input.userId, platform: input.platform, file, mapping: input.mapping, ip: input.ip }, hooks)
  } catch (error) {
    // a file refused before any import of it began is not kept
    if (!keptBefore && !(error instanceof ImportError && error.importId)) await fs.rm(importFilePath(file.hash, file.ext), { force: true })
    throw error
  }
}

/** A running import's heartbeat interval; a pending import silent for STALE_AFTER_MS lost its process. */
const HEARTBEAT_MS = 5_000
const STALE_AFTER_MS = 60_000
/**
 * Each chunk's transaction aims at this long. On PGlite nothing else is served meanwhile, so a
 * request waits about this long at most; a chunk's fixed cost (the lock, two calls of functions
 * whose plans are kept per connection) is a few ms, so short chunks cost little throughput. On a
 * Postgres server other requests have their own connections and only the leads a chunk touches
 * are locked, so chunks can be longer and their round trips fewer.
 */
const CHUNK_TARGET_MS = { pglite: 50, postgres: 100 } as const
/** A chunk costs more in the running import than its statements alone: without this floor the time target shrank the chunks as the import went on, and the rate with them (ADR 019). */
const CHUNK_MIN = 120
/** Rows checked between two looks at the event loop (a slice takes a few ms). */
const YIELD_EVERY_ROWS = 250
const yieldToRequests = () => new Promise((resolve) => setImmediate(resolve))
const CHUNK_MAX = 2_000
/** How long the database must have been left alone before the next chunk (a page's queries follow one another within a few ms). */
const QUIET_MS = 4
/** …and the longest it waits for that between two chunks. */
const MAX_WAIT_MS = 25

/**
 * Runs a lead import (ADR 019). The file is read streaming in a worker and each row checked;
 * then the good rows are applied in chunks, each in one short transaction of set-based
 * statements (lead-import-apply.server.ts), so that the app keeps answering — on PGlite too,
 * where any open transaction stalls every request. The import is all or nothing all the same:
 * each change is logged for undo, and an import that fails, is cancelled or loses its process
 * is rolled back (rollbackLeadImport; a dead process's by failInterruptedImports). The same
 * file again (same sha256, store and kind) changes nothing and answers with the earlier import.
 */
export async function runLeadImport(
  input: { storeId: string; userId: string | null; platform: PlatformChoice; file: KeptLeadFile; mapping?: ColumnMapping | null; ip?: string | null },
  hooks: LeadImportHooks = {},
): Promise<LeadImportResult> {
  const handle = await getDbHandle()
  const db = handle.db
  const store = await requireStore(db, input.storeId)
  const { file } = input
  // an earlier run of this job died: what it wrote goes first
  if (hooks.jobId) await rollBackJobRuns(hooks.jobId)
  // the store's imports that a dead process left running are rolled back first (and can be retried)
  await failInterruptedImports({ storeIds: [store.id] })
  const earlier = await findDoneImport(db, store.id, file.hash)
  if (earlier) return { ...(await resultOf(db, earlier.id)), reused: true }
  if (!(await keptFileExists(file.hash, file.ext))) throw new ImportError('imports.error.fileGone', 'The file of this import is no longer kept: upload it again.')

  const now = new Date()
  const schema = leadRowSchema(store.timeZone, now)
  let importId: string | null = null
  let heartbeat: NodeJS.Timeout | undefined
  let releaseSync = () => {}
  let mapping: ColumnMapping = []
  let headers: string[] = []
  const header = (index: number) => headers[index] || `#${index + 1}`
  const column = (field: LeadField) => mapping.indexOf(field)
  type Checked = { rowNumber: number; time: Date; phone: ParsedPhone; name: string; model: string; city: string; platformText: string }
  const checked: Checked[] = []
  const failed: RowOutcome[] = []
  /** the platforms' footers (共 35 条) that the reader took for rows */
  const footers: RowOutcome[] = []
  try {
    const scan = await scanLeadTable(importFilePath(file.hash, file.ext), {
      signal: hooks.signal,
      mapping: (head) => {
        const width = head.headers.length
        return Array.from({ length: width }, (_, i) => (input.mapping ? (input.mapping[i] ?? null) : (guessMapping(head.headers)[i] ?? null)))
      },
      onHead: async (head, confirmed) => {
        headers = head.headers
        mapping = confirmed
        checkMapping(mapping)
        const [pending] = await db
          .insert(imports)
          .values({
            storeId: store.id,
            kind: 'leads',
            fileName: file.fileName,
            fileHash: file.hash,
            byteSize: file.byteSize,
            encoding: head.encoding ?? head.format,
            status: 'pending',
            mapping: Object.fromEntries(mapping.flatMap((field, i) => (field ? [[field, header(i)]] : []))),
            platformChoice: input.platform,
            columnMapping: mapping,
            storedPath: importFilePath(file.hash, file.ext),
            jobId: hooks.jobId ?? null,
            heartbeatAt: sql`now()`,
            createdById: input.userId,
          })
          .returning({ id: imports.id })
        importId = pending!.id
        runningHere.add(importId)
        // the background sync waits for the import's end (and then runs at once)
        releaseSync = holdAnalyticsSync()
        heartbeat = setInterval(() => {
          db.update(imports)
            .set({ heartbeatAt: sql`now()` })
            .where(eq(imports.id, importId!))
            .catch((error) => log('warn', 'lead import heartbeat failed', { importId, error: describeError(error) }))
        }, HEARTBEAT_MS)
        heartbeat.unref()
        log('info', 'lead import started', { importId, storeId: store.id })
      },
      onRows: async (rows, bytesRead, totalBytes) => {
        const fieldOf = (cells: Cell[], field: LeadField) => (column(field) >= 0 ? cells[column(field)] : null)
        for (const [index, row] of rows.entries()) {
          // the checks run on the server's thread: it answers other requests between slices
          if (index && index % YIELD_EVERY_ROWS === 0) await yieldToRequests()
          if (isFooter(row.cells, fieldOf(row.cells, 'phone'))) {
            footers.push({ rowNumber: row.rowNumber, outcome: 'skipped', column: null, reason: 'imports.reason.totalRow', leadId: null })
            continue
          }
          const parsed = schema.safeParse({
            phone: fieldOf(row.cells, 'phone'),
            time: fieldOf(row.cells, 'time'),
            name: fieldOf(row.cells, 'name'),
            model: fieldOf(row.cells, 'model'),
            city: fieldOf(row.cells, 'city'),
            platform: fieldOf(row.cells, 'platform'),
          })
          if (!parsed.success) {
            const issue = parsed.error.issues[0]!
            const field = issue.path[0] as LeadField
            failed.push({ rowNumber: row.rowNumber, outcome: 'failed', column: column(field) >= 0 ? header(column(field)) : field, reason: issue.message, leadId: null })
            continue
          }
          const r = parsed.data
          checked.push({ rowNumber: row.rowNumber, time: r.time, phone: r.phone, name: r.name, model: r.model, city: r.city, platformText: r.platform })
        }
        hooks.progress?.({ phase: 'reading', done: bytesRead, total: totalBytes, unit: 'bytes' })
      },
    })
    const id = importId!
    const filePlatform = input.platform === 'auto' ? fileLevelPlatform(scan, file.fileName) : input.platform
    await db.update(imports).set({ platform: filePlatform, encoding: scan.summary.encoding ?? scan.head.format }).where(eq(imports.id, id))

    // each row's platform, key and the campaign placement running on that platform at the time
    const runningOn = new Map<LeadPlatform, Awaited<ReturnType<typeof placementsRunningOn>>>()
    const staged: StagedRow[] = []
    for (const [index, r] of checked.entries()) {
      if (index && index % YIELD_EVERY_ROWS === 0) await yieldToRequests()
      const platform = input.platform === 'auto' ? (detectPlatform(r.platformText) ?? filePlatform ?? 'other') : input.platform
      if (!runningOn.has(platform)) runningOn.set(platform, await placementsRunningOn(db, store.id, platform, store.timeZone))
      const placement = runningOn.get(platform)!(r.time)
      const key = rowKey(platform, r.phone, r.name, r.time)
      staged.push({
        rowNumber: r.rowNumber,
        rowKey: key,
        platform,
        at: r.time,
        name: r.name,
        city: r.city,
        model: r.model,
        phone: r.phone.kind === 'full' ? r.phone.phone : null,
        phoneHash: r.phone.kind === 'full' ? hashPhone(r.phone.phone) : null,
        phoneMasked: r.phone.masked,
        campaignId: placement?.campaignId ?? null,
        placementId: placement?.placementId ?? null,
        detail: { rowKey: key, row: r.rowNumber, platform, ...(r.model ? { model: r.model } : {}), ...(r.city ? { city: r.city } : {}) },
      })
    }
    checked.length = 0

    // the rows that fail their checks, and the totals rows, are kept with their reasons first
    const skipped: RowOutcome[] = scan.summary.skipped
      .filter((s) => s.why === 'total')
      .map((s): RowOutcome => ({ rowNumber: s.rowNumber, outcome: 'skipped', column: null, reason: 'imports.reason.totalRow', leadId: null }))
      .concat(footers)
      .sort((a, b) => a.rowNumber - b.rowNumber)
    await recordOutcomes(db, id, [...failed, ...skipped])

    // then the good rows, in chunks sized to keep each transaction short
    const counts: ImportCounts = { total: staged.length + failed.length + skipped.length, imported: 0, merged: 0, duplicate: 0, skipped: skipped.length, failed: failed.length }
    const seen = new Map<string, string>()
    let size = CHUNK_MIN
    for (let at = 0; at < staged.length; ) {
      hooks.signal?.throwIfAborted()
      const chunk = staged.slice(at, at + size)
      const started = performance.now()
      const outcomes = await applyChunk(db, { importId: id, storeId: store.id, userId: input.userId, rows: chunk, seen })
      const took = performance.now() - started
      for (const o of outcomes) if (o.outcome === 'imported' || o.outcome === 'merged' || o.outcome === 'duplicate') counts[o.outcome]++
      at += chunk.length
      size = Math.max(CHUNK_MIN, Math.min(CHUNK_MAX, Math.round((size * CHUNK_TARGET_MS[handle.kind]) / Math.max(took, 1))))
      hooks.progress?.({ phase: 'saving', done: at, total: staged.length, unit: 'rows' })
      log('debug', 'lead import progress', { importId: id, rows: at, chunk: chunk.length, ms: Math.round(took) })
      // whatever queued behind the chunk (a page, a beacon) runs before the next one, all its
      // queries, as do requests on their way to the database; under steady traffic the import
      // still gets the connection two thirds of the time
      await handle.quiet(QUIET_MS, Math.min(took / 2, MAX_WAIT_MS), () => requestsInFlight() > 0)
    }

    hooks.signal?.throwIfAborted()
    await db.transaction(async (tx) => {
      await tx
        .update(imports)
        .set({
          status: 'done',
          // a sweep may have marked it failed meanwhile (it was not: this process ran it)
          error: null,
          rowsTotal: counts.total,
          rowsImported: counts.imported,
          rowsMerged: counts.merged,
          rowsSkipped: counts.duplicate + counts.skipped,
          rowsFailed: counts.failed,
          finishedAt: new Date(),
        })
        .where(eq(imports.id, id))
      await recordAudit(tx, {
        userId: input.userId,
        storeId: store.id,
        action: 'import.leads',
        entityType: 'import',
        entityId: id,
        after: { fileName: file.fileName, fileHash: file.hash, platform: filePlatform, ...counts },
        ip: input.ip ?? null,
      })
    })
    log('info', 'lead import done', { importId: id, storeId: store.id, rows: counts.total })
    // the undo log has served, and goes a batch at a time after the import is done (what is
    // left should this fail, or the process stop, housekeeping removes)
    await forgetUndo(db, id, () => handle.quiet(QUIET_MS, MAX_WAIT_MS, () => requestsInFlight() > 0)).catch((error) =>
      log('warn', 'lead import undo log not removed yet', { importId: id, error: describeError(error) }),
    )
    return { importId: id, reused: false, counts, platform: filePlatform }
  } catch (error) {
    if (!importId) throw error
    const id: string = importId
    const cancelled = hooks.signal?.aborted === true
    const known = error instanceof ImportError ? error : null
    const detail = cancelled ? 'imports.error.cancelled' : known && !Object.keys(known.params).length ? known.key : rootCause(error)
    await rollbackLeadImport(db, id, detail).catch((again) => log('error', 'lead import rollback failed', { importId: id, error: describeError(again) }))
    if (cancelled) throw error
    if (known) {
      known.importId = id
      throw known
    }
    log('error', 'lead import failed', { importId: id, error: describeError(error) })
    throw new ImportError('imports.error.failed', `The import failed and nothing was imported: ${detail}`, { detail: detail.slice(0, 300) }, id)
  } finally {
    clearInterval(heartbeat)
    if (importId) runningHere.delete(importId)
    releaseSync()
  }
}

// ------------------------------------------------------------------ interrupted imports and retries

/** Imports this process runs, from their 'pending' row to their end. */
const runningHere = new Set<string>()

/** The reason an interrupted import shows (an i18n key). */
export const INTERRUPTED_REASON = 'imports.error.interrupted'

/**
 * Rolls back the imports that a dead process left 'pending' (导入中), and marks them failed:
 * called at the server's start, at each import's start and by the import pages. A running
 * import writes a heartbeat every few seconds; one silent for a minute lost its process. On
 * the embedded database no other process can be running one, so every pending import this
 * process is not running is dead. Nothing of such an import is left (rollbackLeadImport); it
 * can be retried.
 */
export async function failInterruptedImports(filter: { storeIds?: string[] } = {}): Promise<string[]> {
  if (filter.storeIds && !filter.storeIds.length) return []
  const handle = await getDbHandle()
  const db = handle.db
  const stuck = await db
    .select({ id: imports.id })
    .from(imports)
    .where(
      and(
        eq(imports.kind, 'leads'),
        eq(imports.status, 'pending'),
        filter.storeIds ? inArray(imports.storeId, filter.storeIds) : undefined,
        runningHere.size ? notInArray(imports.id, [...runningHere]) : undefined,
        handle.kind === 'pglite' ? undefined : sql`coalesce(${imports.heartbeatAt}, ${imports.createdAt}) < now() - make_interval(secs => ${STALE_AFTER_MS / 1000})`,
      ),
    )
  const failed: string[] = []
  for (const { id } of stuck) {
    if (runningHere.has(id)) continue
    await rollbackLeadImport(db, id, INTERRUPTED_REASON)
    failed.push(id)
  }
  if (failed.length) log('warn', 'interrupted imports rolled back', { imports: failed })
  return failed
}

/** A job runs again after its process died: the pending import of its earlier run is rolled back first. */
async function rollBackJobRuns(jobId: string) {
  const db = await getDb()
  const pending = await db
    .select({ id: imports.id })
    .from(imports)
    .where(and(eq(imports.kind, 'leads'), eq(imports.status, 'pending'), eq(imports.jobId, jobId)))
  for (const { id } of pending) if (!runningHere.has(id)) await rollbackLeadImport(db, id, INTERRUPTED_REASON)
}

/** What a retry runs: the same kept file, columns and platform choice of a failed import. */
export async function retryInput(user: SessionUser, importId: string) {
  const found = await getImport(user, importId)
  requireStoreAccess(user, found.storeId, 'write')
  if (found.status !== 'failed') throw new ImportError('imports.error.notRetryable', 'Only a failed import can be retried.', {}, null, 409)
  const db = await getDb()
  const [row] = await db
    .select({ fileHash: imports.fileHash, storedPath: imports.storedPath, encoding: imports.encoding, byteSize: imports.byteSize })
    .from(imports)
    .where(eq(imports.id, importId))
  // kept as <sha256>.<ext>; an .xlsx import records 'xlsx' as its encoding
  const ext: ImportFileExt = row!.storedPath?.endsWith('.xlsx') || row!.encoding === 'xlsx' ? 'xlsx' : 'csv'
  if (!(await keptFileExists(row!.fileHash, ext))) throw new ImportError('imports.error.fileGone', 'The file of this import is no longer kept: upload it again.')
  let mapping = found.columnMapping as ColumnMapping | null
  if (!mapping && found.mapping) {
    // imports made before the mapping was kept by column: find each field's column by its header
    const { head } = await scanLeadTable(importFilePath(row!.fileHash, ext), {})
    const header = (i: number) => head.headers[i] || `#${i + 1}`
    mapping = head.headers.map(() => null)
    for (const [field, text] of Object.entries(found.mapping)) {
      const at = head.headers.findIndex((_, i) => header(i) === text && !mapping![i])
      if (at >= 0) mapping[at] = field as LeadField
    }
  }
  return {
    storeId: found.storeId,
    platform: (found.platformChoice ?? found.platform ?? 'auto') as PlatformChoice,
    file: { hash: row!.fileHash, ext, fileName: found.fileName, byteSize: row!.byteSize } satisfies KeptLeadFile,
    mapping: mapping ?? null,
  }
}

/**
 * Runs a failed import again in this process — the same kept file, columns and platform —
 * for a user who may import into its store. The file's rows never import twice: after a later
 * import of the same file, a retry changes nothing and answers with that import.
 */
export async function retryImport(user: SessionUser, importId: string, ip: string | null = null): Promise<LeadImportResult> {
  const again = await retryInput(user, importId)
  return runLeadImport({ ...again, userId: user.id, ip })
}

/**
 * The database's own words for a failure (drizzle wraps them in "Failed query: … params: …",
 * which would carry the row's phone numbers to the summary page).
 */
function rootCause(error: unknown): string {
  let current: unknown = error
  while (current instanceof Error && current.cause instanceof Error) current = current.cause
  return current instanceof Error ? current.message : String(current)
}

export function checkMapping(mapping: ColumnMapping) {
  for (const field of REQUIRED_FIELDS) {
    if (!mapping.includes(field)) throw new ImportError('imports.error.missingColumn', `No column is mapped to ${field}.`, { field })
  }
  const seen = new Set<LeadField>()
  for (const field of mapping) {
    if (!field) continue
    if (seen.has(field)) throw new ImportError('imports.error.duplicateField', `Two columns are mapped to ${field}.`, { field })
    seen.add(field)
  }
}

function countOutcomes(records: Array<{ outcome: string }>): ImportCounts {
  const counts: ImportCounts = { total: records.length, imported: 0, merged: 0, duplicate: 0, skipped: 0, failed: 0 }
  for (const r of records) if (r.outcome in counts && r.outcome !== 'total') counts[r.outcome as Exclude<keyof ImportCounts, 'total'>]++
  return counts
}

async function outcomeCounts(db: DbOrTx, importId: string): Promise<ImportCounts> {
  const rows = await db
    .select({ outcome: importRows.outcome, n: count() })
    .from(importRows)
    .where(eq(importRows.importId, importId))
    .groupBy(importRows.outcome)
  const counts = countOutcomes([])
  for (const r of rows) {
    if (r.outcome in counts && r.outcome !== 'total') counts[r.outcome as Exclude<keyof ImportCounts, 'total'>] = r.n
    counts.total += r.n
  }
  return counts
}

async function resultOf(db: DbOrTx, importId: string): Promise<Omit<LeadImportResult, 'reused'>> {
  const [row] = await db.select({ platform: imports.platform }).from(imports).where(eq(imports.id, importId))
  return { importId, counts: await outcomeCounts(db, importId), platform: (row?.platform as LeadPlatform | null) ?? null }
}

// ------------------------------------------------------------------ reading

export const IMPORTS_PAGE_SIZE = 50

export async function listImports(user: SessionUser, filter: { storeId?: string; page?: number; kinds?: readonly string[] } = {}) {
  const storeIds = user.stores.map((s) => s.id).filter((id) => !filter.storeId || id === filter.storeId)
  if (!storeIds.length || filter.kinds?.length === 0) return { imports: [], total: 0, page: 1, pages: 1 }
  await failInterruptedImports({ storeIds })
  const db = await getDb()
  const where = and(inArray(imports.storeId, storeIds), filter.kinds ? inArray(imports.kind, [...filter.kinds]) : undefined)
  const [{ total } = { total: 0 }] = await db.select({ total: count() }).from(imports).where(where)
  const pages = Math.max(1, Math.ceil(total / IMPORTS_PAGE_SIZE))
  const page = Math.min(Math.max(1, Math.floor(filter.page ?? 1)), pages)
  const rows = await db
    .select({
      id: imports.id,
      kind: imports.kind,
      platform: imports.platform,
      fileName: imports.fileName,
      status: imports.status,
      rowsTotal: imports.rowsTotal,
      rowsImported: imports.rowsImported,
      rowsMerged: imports.rowsMerged,
      rowsSkipped: imports.rowsSkipped,
      rowsFailed: imports.rowsFailed,
      createdAt: imports.createdAt,
      storeId: stores.id,
      storeName: stores.name,
      timeZone: stores.timeZone,
      createdBy: users.name,
    })
    .from(imports)
    .innerJoin(stores, eq(stores.id, imports.storeId))
    .leftJoin(users, eq(users.id, imports.createdById))
    .where(where)
    .orderBy(desc(imports.createdAt), desc(imports.id))
    .limit(IMPORTS_PAGE_SIZE)
    .offset((page - 1) * IMPORTS_PAGE_SIZE)
  const known = seesWhetherKnown(user)
  return {
    imports: rows.map((r) => ({
      ...r,
      status: r.status as ImportStatus,
      ...(known ? {} : { rowsImported: (r.rowsImported ?? 0) + (r.rowsMerged ?? 0), rowsMerged: 0 }),
    })),
    total,
    page,
    pages,
  }
}

/** An import of a store the user can read; any other is "not found". */
export async function getImport(user: SessionUser, importId: string) {
  if (!z.uuid().safeParse(importId).success) notFound()
  const db = await getDb()
  const read = () =>
    db
      .select({ import: imports, storeName: stores.name, timeZone: stores.timeZone, createdBy: users.name })
      .from(imports)
      .innerJoin(stores, eq(stores.id, imports.storeId))
      .leftJoin(users, eq(users.id, imports.createdById))
      .where(eq(imports.id, importId))
  let [row] = await read()
  if (!row || !canReadStore(user, row.import.storeId)) notFound()
  if (row.import.status === 'pending' && (await failInterruptedImports({ storeIds: [row.import.storeId] })).includes(importId)) [row] = await read()
  const { storedPath: _path, fileHash, ...rest } = row!.import
  // a failed import whose file was imported since: the page links there instead of offering a retry
  const later = rest.status === 'failed' ? ((await findDoneImport(db, rest.storeId, fileHash)) ?? null) : null
  return {
    ...rest,
    status: rest.status as ImportStatus,
    storeName: row!.storeName,
    timeZone: row!.timeZone,
    createdBy: row!.createdBy,
    counts: countsFor(user, await outcomeCounts(db, importId)),
    laterImportId: later?.id ?? null,
  }
}

export const FAILED_ROWS_SHOWN = 500

export async function listImportRows(user: SessionUser, importId: string, options: { outcome?: ImportRowOutcome; limit?: number } = {}) {
  await getImport(user, importId)
  const db = await getDb()
  const query = db
    .select({ rowNumber: importRows.rowNumber, outcome: importRows.outcome, column: importRows.column, reason: importRows.reason, leadId: importRows.leadId })
    .from(importRows)
    .where(and(eq(importRows.importId, importId), options.outcome ? eq(importRows.outcome, options.outcome) : undefined))
    .orderBy(importRows.rowNumber, importRows.id)
  const rows = await (options.limit ? query.limit(options.limit) : query)
  return seesWhetherKnown(user) ? rows : rows.map((r) => (r.outcome === 'merged' ? { ...r, outcome: 'imported', leadId: null } : r))
}

/**
 * Whether a row joined a lead that was there or made a new one says whether its phone was
 * known: a role that sees phones masked is told "imported" either way (docs/decisions/008).
 */
const seesWhetherKnown = (user: SessionUser) => roleCan(user.role, 'lead:phone')

export function countsFor(user: SessionUser, counts: ImportCounts): ImportCounts {
  return seesWhetherKnown(user) ? counts : { ...counts, imported: counts.imported + counts.merged, merged: 0 }
}
