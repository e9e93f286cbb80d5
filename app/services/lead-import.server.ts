import crypto from 'node:crypto'
import { and, count, desc, eq, inArray, notInArray, sql } from 'drizzle-orm'
import { z } from 'zod'
import { parseMoment } from '../../analytics/ingest/dates'
import { cellText, readTable, TableReadError, type Cell, type Table } from '../../analytics/ingest/read-table'
import { getDb, type DbOrTx } from '../../db/client'
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
import { canReadStore, requireStoreAccess, type SessionUser } from '../utils/auth.server'
import { notFound } from '../utils/http.server'
import { roleCan } from '../utils/permissions'
import { maskPhone, parsePhone, type ParsedPhone } from '../utils/phone'
import { describeError, log } from '../utils/logger.server'
import { hashPhone } from '../utils/phone-hash.server'
import { recordAudit } from './audit.server'
import { keepImportFile, pruneUnconfirmedUploads, readImportFile, sha256, type ImportFileExt } from './import-files.server'
import { recordArrival } from './lead-intake.server'
import { placementsRunningOn } from './link-match.server'

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
    public readonly importId: string | null = null,
    /** the HTTP status a page answers with */
    public readonly status: 400 | 403 | 404 | 409 = 400,
  ) {
    super(message)
    this.name = 'ImportError'
  }
}

const TABLE_ERROR_KEYS: Record<TableReadError['code'], MessageKey> = {
  empty: 'imports.error.empty',
  tooLarge: 'imports.error.tooLarge',
  tooManyRows: 'imports.error.tooManyRows',
  unsupportedType: 'imports.error.unsupportedType',
  oldExcel: 'imports.error.oldExcel',
  binary: 'imports.error.binary',
  undecodable: 'imports.error.undecodable',
  malformed: 'imports.error.malformed',
  noHeader: 'imports.error.noHeader',
}

export type ReadLeadFile = { table: Table; ext: ImportFileExt; hash: string }

/** Reads an export; a file that is not a readable table is refused with a clear message. */
export async function readLeadFile(bytes: Uint8Array, fileName: string): Promise<ReadLeadFile> {
  try {
    const table = await readTable(bytes, {
      fileName,
      maxBytes: LEAD_IMPORT_MAX_BYTES,
      maxRows: LEAD_IMPORT_MAX_ROWS,
      isKnownHeader: (text) => matchLeadField(text) !== null,
    })
    return { table, ext: table.format, hash: sha256(bytes) }
  } catch (error) {
    if (error instanceof TableReadError) throw new ImportError(TABLE_ERROR_KEYS[error.code], error.message, error.params)
    throw error
  }
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
  format: Table['format']
  encoding: Table['encoding']
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

function fileLevelPlatform(table: Table, mapping: ColumnMapping, fileName: string): LeadPlatform | null {
  const column = mapping.indexOf('platform')
  if (column >= 0) {
    const tally = new Map<LeadPlatform, number>()
    for (const row of table.rows) {
      const p = detectPlatform(CELL_TEXT(row.cells[column]))
      if (p) tally.set(p, (tally.get(p) ?? 0) + 1)
    }
    const [top] = [...tally.entries()].sort((a, b) => b[1] - a[1])
    if (top) return top[0]
  }
  const titles = table.skipped.filter((s) => s.why === 'title').map((s) => s.text)
  return detectPlatform([...titles, fileName].join(' '))
}

/**
 * Where an import's file comes from: bytes in hand (the command line, a retry, the upload
 * step), or an earlier upload — which only the user who made it may use, and only for the
 * store it was made for. A kept file is never reachable by its hash alone.
 */
export type LeadFileSource = { bytes: Uint8Array; fileName: string } | { uploadId: string }

/** An upload can be previewed again and confirmed only by whoever uploaded it, into the store it was uploaded for. */
async function requireUpload(db: DbOrTx, uploadId: string, who: { storeId: string; userId: string | null }) {
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

async function resolveFile(db: DbOrTx, source: LeadFileSource, who: { storeId: string; userId: string | null }) {
  if ('bytes' in source) return { bytes: source.bytes, fileName: source.fileName.slice(0, 255), uploadId: null }
  const upload = await requireUpload(db, source.uploadId, who)
  const bytes = await readImportFile(upload.fileHash, upload.ext as ImportFileExt)
  if (!bytes) throw new ImportError('imports.error.fileGone', 'The uploaded file is no longer kept: upload it again.')
  return { bytes, fileName: upload.fileName, uploadId: upload.id }
}

/**
 * The upload step: keeps the file (content-addressed), records who uploaded it for which
 * store, and shows what an import would read — encoding, header and its mapping, the first
 * rows. Given an upload instead of bytes, shows it again (to its uploader only).
 * `maskPhones` hides full numbers from roles that may not see them (SPEC §3).
 */
export async function previewLeadFile(input: { storeId: string; userId: string; file: LeadFileSource; maskPhones: boolean }): Promise<LeadPreview> {
  const db = await getDb()
  await requireStore(db, input.storeId)
  const resolved = await resolveFile(db, input.file, input)
  const { bytes, fileName } = resolved
  const { table, ext, hash } = await readLeadFile(bytes, fileName)
  let uploadId = resolved.uploadId
  if (!uploadId) {
    // the record first: from then on the pruning of day-old files leaves this one alone
    const [upload] = await db
      .insert(importUploads)
      .values({ storeId: input.storeId, uploadedById: input.userId, kind: 'leads', fileName, fileHash: hash, ext, byteSize: bytes.length })
      .returning({ id: importUploads.id })
    uploadId = upload!.id
    await keepImportFile(bytes, ext)
    await pruneUnconfirmedUploads().catch((error) => log('warn', 'could not prune old uploads', { error: describeError(error) }))
  }
  const mapping = guessMapping(table.headers)
  const showCell = (cell: Cell | undefined) => {
    const text = CELL_TEXT(cell)
    if (!input.maskPhones) return text
    const phone = parsePhone(text)
    return phone?.kind === 'full' ? maskPhone(phone.phone) : text
  }
  const width = Math.max(table.headers.length, ...table.rows.slice(0, PREVIEW_ROWS).map((r) => r.cells.length))
  const headers = Array.from({ length: width }, (_, i) => table.headers[i] ?? '')
  return {
    uploadId,
    fileHash: hash,
    ext,
    fileName,
    byteSize: bytes.length,
    format: table.format,
    encoding: table.encoding,
    delimiter: table.delimiter,
    sheetName: table.sheetName,
    headerRowNumber: table.headerRowNumber,
    headerRecognised: table.headerRecognised,
    headers,
    mapping: headers.map((_, i) => mapping[i] ?? null),
    sample: table.rows.slice(0, PREVIEW_ROWS).map((r) => ({ rowNumber: r.rowNumber, cells: headers.map((_, i) => showCell(r.cells[i])) })),
    dataRows: table.rows.length,
    skipped: {
      title: table.skipped.filter((s) => s.why === 'title').length,
      blank: table.skipped.filter((s) => s.why === 'blank').length,
      total: table.skipped.filter((s) => s.why === 'total').length,
    },
    detectedPlatform: fileLevelPlatform(table, mapping, fileName),
    earlier: (await findDoneImport(db, input.storeId, hash)) ?? null,
  }
}

// ------------------------------------------------------------------ rows

/** A cell as the text a person typed; dates of an .xlsx as their wall clock. */
const cellString = (cell: Cell | undefined) => CELL_TEXT(cell)

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
      const parsed = raw ? parsePhone(raw) : null
      if (!parsed) ctx.addIssue({ code: 'custom', message: raw ? 'imports.reason.phoneInvalid' : 'imports.reason.phoneMissing' })
      return parsed ? { ...parsed, raw } : (z.NEVER as never)
    }),
    time: z.custom<Cell>().transform((v, ctx): Date => {
      const raw = cellString(v)
      const at = raw ? parseMoment(v, timeZone) : null
      if (!at) ctx.addIssue({ code: 'custom', message: raw ? 'imports.reason.timeInvalid' : 'imports.reason.timeMissing' })
      else if (at.getTime() > now.getTime() + 86_400_000) ctx.addIssue({ code: 'custom', message: 'imports.reason.timeFuture' })
      return at ?? (z.NEVER as never)
    }),
    name: text(100),
    model: text(100),
    city: text(50),
    platform: text(50),
  })
}

type RowRecord = { rowNumber: number; outcome: ImportRowOutcome; column: string | null; reason: string | null; leadId: string | null }

export type ImportCounts = { total: number; imported: number; merged: number; duplicate: number; skipped: number; failed: number }

export type LeadImportResult = { importId: string; reused: boolean; counts: ImportCounts; platform: LeadPlatform | null }

/** What identifies one platform row: the platform, the phone (or the masked phone and the name), the time. */
function rowKey(platform: LeadPlatform, phone: ParsedPhone, name: string, at: Date) {
  const who = phone.kind === 'full' ? `h:${hashPhone(phone.phone)}` : `m:${phone.masked}|${name}`
  return crypto.createHash('sha256').update(`lead-row|${platform}|${who}|${at.toISOString()}`).digest('hex').slice(0, 40)
}

/** An advisory lock per store: imports of one store run one at a time (masked phones match by lookup, not by a unique index). */
const lockKey = (storeId: string) => `roadshow:lead-import:${storeId}`

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

/**
 * Imports a lead export into a store, all or nothing: the rows, their leads and touchpoints,
 * and the import's move from 'pending' to 'done' commit in one transaction; any unexpected
 * error rolls it all back and marks the import 'failed' (a killed process leaves it
 * 'pending' until failInterruptedImports finds it). The same file again (same sha256, store
 * and kind) changes nothing and answers with the earlier import.
 */
export async function importLeadFile(input: LeadImportInput): Promise<LeadImportResult> {
  const db = await getDb()
  const store = await requireStore(db, input.storeId)
  const { bytes, fileName } = await resolveFile(db, input.file, { storeId: store.id, userId: input.userId })
  // the store's imports that a dead process left running are failed first (and can be retried)
  await failInterruptedImports({ storeIds: [store.id] })
  const hash = sha256(bytes)
  const earlier = await findDoneImport(db, store.id, hash)
  if (earlier) return { ...(await resultOf(db, earlier.id)), reused: true }

  const { table, ext } = await readLeadFile(bytes, fileName)
  const width = Math.max(table.headers.length, ...table.rows.map((r) => r.cells.length))
  const mapping: ColumnMapping = Array.from({ length: width }, (_, i) => (input.mapping ? (input.mapping[i] ?? null) : (guessMapping(table.headers)[i] ?? null)))
  checkMapping(mapping)
  const kept = await keepImportFile(bytes, ext)
  const column = (field: LeadField) => mapping.indexOf(field)
  const header = (index: number) => table.headers[index] || `#${index + 1}`
  const filePlatform = input.platform === 'auto' ? fileLevelPlatform(table, mapping, fileName) : input.platform

  const [pending] = await db
    .insert(imports)
    .values({
      storeId: store.id,
      kind: 'leads',
      platform: filePlatform,
      fileName,
      fileHash: hash,
      byteSize: bytes.length,
      encoding: table.encoding ?? table.format,
      status: 'pending',
      mapping: Object.fromEntries(mapping.flatMap((field, i) => (field ? [[field, header(i)]] : []))),
      platformChoice: input.platform,
      columnMapping: mapping,
      storedPath: kept.path,
      createdById: input.userId,
    })
    .returning({ id: imports.id })
  const importId = pending!.id
  runningHere.add(importId)
  log('debug', 'lead import started', { importId, storeId: store.id, rows: table.rows.length })

  try {
    const outcome = await db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${lockKey(store.id)}))`)
      // another run of the same file may have finished while this one waited for the lock
      const done = await findDoneImport(tx, store.id, hash)
      if (done) return { reusedId: done.id }

      const schema = leadRowSchema(store.timeZone, new Date())
      const records: RowRecord[] = []
      const fieldOf = (row: Cell[], field: LeadField) => (column(field) >= 0 ? row[column(field)] : null)
      const runningOn = new Map<string, Awaited<ReturnType<typeof placementsRunningOn>>>()
      for (const [index, row] of table.rows.entries()) {
        if (index && index % 100 === 0) log('debug', 'lead import progress', { importId, rows: index })
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
          records.push({ rowNumber: row.rowNumber, outcome: 'failed', column: column(field) >= 0 ? header(column(field)) : field, reason: issue.message, leadId: null })
          continue
        }
        const r = parsed.data
        const platform = input.platform === 'auto' ? (detectPlatform(r.platform) ?? filePlatform ?? 'other') : input.platform
        const key = rowKey(platform, r.phone, r.name, r.time)
        const [seen] = await tx
          .select({ leadId: touchpoints.leadId })
          .from(touchpoints)
          .where(
            and(
              eq(touchpoints.storeId, store.id),
              eq(touchpoints.at, r.time),
              eq(touchpoints.kind, 'platform_lead'),
              sql`${touchpoints.detail}->>'rowKey' = ${key}`,
            ),
          )
          .limit(1)
        if (seen) {
          records.push({ rowNumber: row.rowNumber, outcome: 'duplicate', column: null, reason: 'imports.reason.duplicate', leadId: seen.leadId })
          continue
        }
        // the store's campaign placement on this platform at the time, if exactly one was running
        if (!runningOn.has(platform)) runningOn.set(platform, await placementsRunningOn(tx, store.id, platform, store.timeZone))
        const placement = runningOn.get(platform)!(r.time)
        const arrival = await recordArrival(tx, {
          storeId: store.id,
          person: { name: r.name, phone: r.phone.raw, city: r.city, modelOfInterest: r.model },
          touch: {
            kind: 'platform_lead',
            channel: platform,
            at: r.time,
            ...placement,
            importId,
            detail: { rowKey: key, row: row.rowNumber, platform, ...(r.model ? { model: r.model } : {}), ...(r.city ? { city: r.city } : {}) },
          },
          userId: input.userId,
        })
        records.push({ rowNumber: row.rowNumber, outcome: arrival.created ? 'imported' : 'merged', column: null, reason: null, leadId: arrival.leadId })
      }
      for (const s of table.skipped) {
        if (s.why === 'total') records.push({ rowNumber: s.rowNumber, outcome: 'skipped', column: null, reason: 'imports.reason.totalRow', leadId: null })
      }
      records.sort((a, b) => a.rowNumber - b.rowNumber)
      for (let i = 0; i < records.length; i += 1000) {
        await tx.insert(importRows).values(records.slice(i, i + 1000).map((r) => ({ importId, ...r })))
      }
      const counts = countOutcomes(records)
      await tx
        .update(imports)
        .set({
          status: 'done',
          // a sweep that ran before this transaction took the lock may have marked it failed
          error: null,
          rowsTotal: counts.total,
          rowsImported: counts.imported,
          rowsMerged: counts.merged,
          rowsSkipped: counts.duplicate + counts.skipped,
          rowsFailed: counts.failed,
          finishedAt: new Date(),
        })
        .where(eq(imports.id, importId))
      await recordAudit(tx, {
        userId: input.userId,
        storeId: store.id,
        action: 'import.leads',
        entityType: 'import',
        entityId: importId,
        after: { fileName, fileHash: hash, platform: filePlatform, ...counts },
        ip: input.ip ?? null,
      })
      return { counts }
    })
    if ('reusedId' in outcome) {
      await db.delete(imports).where(eq(imports.id, importId))
      return { ...(await resultOf(db, outcome.reusedId!)), reused: true }
    }
    return { importId, reused: false, counts: outcome.counts!, platform: filePlatform }
  } catch (error) {
    const detail = rootCause(error)
    await db
      .update(imports)
      .set({ status: 'failed', error: detail.slice(0, 2000), finishedAt: new Date() })
      .where(eq(imports.id, importId))
      .catch(() => {})
    throw new ImportError('imports.error.failed', `The import failed and nothing was imported: ${detail}`, { detail: detail.slice(0, 300) }, importId)
  } finally {
    runningHere.delete(importId)
  }
}

// ------------------------------------------------------------------ interrupted imports and retries

/** Imports this process runs, from their 'pending' row to the end of their transaction. */
const runningHere = new Set<string>()

/** The reason an interrupted import shows (an i18n key). */
export const INTERRUPTED_REASON = 'imports.error.interrupted'

/**
 * Marks failed the imports that a dead process left 'pending' (导入中): called at the server's
 * start, at each import's start and by the import pages. A running import holds its store's
 * advisory lock for its whole transaction (and one waiting for its turn queues on that lock),
 * so a pending import of a store whose lock is free, and that this process is not about to
 * run, lost its process: its transaction died with it and nothing of it was kept. It can be
 * retried (retryImport).
 */
export async function failInterruptedImports(filter: { storeIds?: string[] } = {}): Promise<string[]> {
  if (filter.storeIds && !filter.storeIds.length) return []
  const db = await getDb()
  const stuck = await db
    .selectDistinct({ storeId: imports.storeId })
    .from(imports)
    .where(and(eq(imports.kind, 'leads'), eq(imports.status, 'pending'), filter.storeIds ? inArray(imports.storeId, filter.storeIds) : undefined))
  const failed: string[] = []
  for (const { storeId } of stuck) {
    // one statement: the lock is tried, and held while the rows are marked, in its own transaction
    const rows = await db
      .update(imports)
      .set({ status: 'failed', error: INTERRUPTED_REASON, finishedAt: new Date() })
      .where(
        and(
          eq(imports.storeId, storeId),
          // sales imports run as jobs and undo their own pending row (sales-import.server.ts)
          eq(imports.kind, 'leads'),
          eq(imports.status, 'pending'),
          runningHere.size ? notInArray(imports.id, [...runningHere]) : undefined,
          sql`pg_try_advisory_xact_lock(hashtext(${lockKey(storeId)}))`,
        ),
      )
      .returning({ id: imports.id })
    failed.push(...rows.map((r) => r.id))
  }
  if (failed.length) log('warn', 'interrupted imports marked failed', { imports: failed })
  return failed
}

/**
 * Runs a failed import again — the same kept file, columns and platform choice — for a user
 * who may import into its store. The file's rows never import twice: after a later import
 * of the same file, a retry changes nothing and answers with that import.
 */
export async function retryImport(user: SessionUser, importId: string, ip: string | null = null): Promise<LeadImportResult> {
  const found = await getImport(user, importId)
  requireStoreAccess(user, found.storeId, 'write')
  if (found.status !== 'failed') throw new ImportError('imports.error.notRetryable', 'Only a failed import can be retried.', {}, null, 409)
  const db = await getDb()
  const [row] = await db
    .select({ fileHash: imports.fileHash, storedPath: imports.storedPath, encoding: imports.encoding })
    .from(imports)
    .where(eq(imports.id, importId))
  // kept as <sha256>.<ext>; an .xlsx import records 'xlsx' as its encoding
  const ext: ImportFileExt = row!.storedPath?.endsWith('.xlsx') || row!.encoding === 'xlsx' ? 'xlsx' : 'csv'
  const bytes = await readImportFile(row!.fileHash, ext)
  if (!bytes) throw new ImportError('imports.error.fileGone', 'The file of this import is no longer kept: upload it again.')
  let mapping = found.columnMapping as ColumnMapping | null
  if (!mapping && found.mapping) {
    // imports made before the mapping was kept by column: find each field's column by its header
    const { table } = await readLeadFile(bytes, found.fileName)
    const header = (i: number) => table.headers[i] || `#${i + 1}`
    mapping = table.headers.map(() => null)
    for (const [field, text] of Object.entries(found.mapping)) {
      const at = table.headers.findIndex((_, i) => header(i) === text && !mapping![i])
      if (at >= 0) mapping[at] = field as LeadField
    }
  }
  const platform = (found.platformChoice ?? found.platform ?? 'auto') as PlatformChoice
  return importLeadFile({ storeId: found.storeId, userId: user.id, platform, file: { bytes, fileName: found.fileName }, mapping: mapping ?? undefined, ip })
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
