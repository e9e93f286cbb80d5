import { toHalfWidth } from './half-width'
import { parsePhone, quoteInReason } from './phone'
import { parseWallClock } from './dates'
import type { Cell } from './read-table'
import type { PaymentMethod } from './sales-record'
import { codesOf } from './sales-text-batch'

/**
 * Value parsers of DMS sales exports (SPEC §4): each takes a cell as a reader hands it over
 * (text from a CSV, text / number / Date / boolean from an .xlsx) and answers a value or a
 * reason (an i18n key under `sales.reason.*`). They run on every cell of million-row files,
 * so they use precompiled patterns, char-code loops and no exceptions.
 *
 * parsePhone is imported from app/utils/phone.ts, which is pure (no imports); STYLE keeps
 * analytics/ from importing app/, so it should move to a shared pure module (see the report).
 */

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: SalesReason; params?: Record<string, string | number> }

export type SalesReason =
  | 'sales.reason.dateInvalid'
  | 'sales.reason.dateImpossible'
  | 'sales.reason.dateOutOfRange'
  | 'sales.reason.amountInvalid'
  | 'sales.reason.amountNegative'
  | 'sales.reason.priceImplausible'
  | 'sales.reason.phoneInvalid'
  | 'sales.reason.phoneDamaged'
  | 'sales.reason.vinInvalid'
  | 'sales.reason.idDamaged'
  | 'sales.reason.tooLong'

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value })
const fail = (reason: SalesReason, params?: Record<string, string | number>): Parsed<never> => ({ ok: false, reason, params })

// ---------------------------------------------------------------- text

export { toHalfWidth }

const SPACES = /\s+/g

/** A string as it is shown: trimmed, full-width forms half-width, runs of spaces one space (most cells need nothing: returned as they are). */
export function cleanString(s: string): string {
  const n = s.length
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    const odd =
      c <= 32 ? c !== 32 || i === 0 || i === n - 1 || s.charCodeAt(i + 1) === 32 : c >= 0xff01 ? c <= 0xff5e : c === 0x3000 || c === 0xa0 || c === 0xfeff
    if (odd) return toHalfWidth(s).replace(SPACES, ' ').trim()
  }
  return s
}

/** A text cell as it is shown (cleanString); numbers as JavaScript writes them. */
export function cellString(cell: Cell | undefined): string {
  if (cell === null || cell === undefined) return ''
  if (typeof cell === 'string') return cleanString(cell)
  if (typeof cell === 'number') return Number.isFinite(cell) ? String(cell) : ''
  if (typeof cell === 'boolean') return cell ? 'TRUE' : 'FALSE'
  return Number.isNaN(cell.getTime()) ? '' : cell.toISOString()
}

/** Cells that DMS exports fill with a dash or a word meaning "none": read as empty. */
const NONE = new Set(['-', '--', '—', '——', '/', '\\', '无', 'N/A', 'n/a', 'NA', 'null', 'NULL', '#N/A'])
export const isNone = (s: string) => s === '' || NONE.has(s)

export function parseText(cell: Cell | undefined, max = 200): Parsed<string | null> {
  const s = cellString(cell)
  if (isNone(s)) return ok(null)
  if (s.length > max) return fail('sales.reason.tooLong', { max })
  return ok(s)
}

// ---------------------------------------------------------------- dates

/** Sales dates before this or after this year are typing errors (or an amount in a date column). */
export const MIN_SALE_YEAR = 2000
export const MAX_SALE_YEAR = 2100

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n))
export const daysIn = (year: number, month: number) =>
  month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31

function isoDay(year: number, month: number, day: number, raw: string): Parsed<string> {
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return fail('sales.reason.dateImpossible', { value: quoteInReason(raw) })
  if (year < MIN_SALE_YEAR || year > MAX_SALE_YEAR) return fail('sales.reason.dateOutOfRange', { value: quoteInReason(raw) })
  return ok(`${year}-${pad2(month)}-${pad2(day)}`)
}

// 2026-10-03, 2026/10/3, 2026.10.03, each with an optional time (which a sales date drops)
const YMD = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]+\d{1,2}:\d{1,2}(?::\d{1,2}(?:\.\d+)?)?)?$/
// 10/3/2026: Excel's M/D/YYYY (US locale), with an optional time
const MDY = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:[ T]+\d{1,2}:\d{1,2}(?::\d{1,2})?(?:\s*[AaPp][Mm])?)?$/
// 20261003, and 2026年10月3日 (with whatever time follows)
const COMPACT = /^(\d{4})(\d{2})(\d{2})$/
const CHINESE = /^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?/
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30)

/** An Excel serial day (46298 = 2026-10-03), as .xlsx cells without a date format and CSVs of them carry. */
function fromSerial(serial: number, raw: string): Parsed<string> {
  // serials 36526..73051 are 2000-01-01..2099-12-31; yyyymmdd written as a number is larger
  if (serial >= 19_000_101 && serial <= 21_991_231 && Number.isInteger(serial)) {
    return isoDay(Math.floor(serial / 10000), Math.floor(serial / 100) % 100, serial % 100, raw)
  }
  if (!(serial >= 1 && serial < 2_958_466)) return fail('sales.reason.dateInvalid', { value: quoteInReason(raw) })
  const d = new Date(EXCEL_EPOCH_MS + Math.floor(serial + 1e-9) * 86_400_000)
  return isoDay(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), raw)
}

const dayFormatters = new Map<string, Intl.DateTimeFormat>()
function dayIn(instant: Date, timeZone: string) {
  let f = dayFormatters.get(timeZone)
  if (!f) dayFormatters.set(timeZone, (f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })))
  return f.format(instant)
}

function parseDateText(s: string, timeZone: string): Parsed<string> {
  let m = YMD.exec(s)
  if (m) return isoDay(+m[1]!, +m[2]!, +m[3]!, s)
  m = MDY.exec(s)
  if (m) return isoDay(+m[3]!, +m[1]!, +m[2]!, s)
  m = COMPACT.exec(s) ?? CHINESE.exec(s)
  if (m) return isoDay(+m[1]!, +m[2]!, +m[3]!, s)
  if (/^\d+(\.\d+)?$/.test(s)) return fromSerial(Number(s), s)
  // the rarer forms the lead importer reads too: 下午 3:20, ISO with an offset, 2026年10月3日14时
  const w = parseWallClock(s)
  if (!w) return fail('sales.reason.dateInvalid', { value: quoteInReason(s) })
  if ('instant' in w) {
    const iso = dayIn(w.instant, timeZone)
    return isoDay(+iso.slice(0, 4), +iso.slice(5, 7), +iso.slice(8, 10), s)
  }
  return isoDay(w.year, w.month, w.day, s)
}

/**
 * A date cell as the store's calendar day (`YYYY-MM-DD`). An .xlsx date cell is a Date whose
 * UTC fields carry the wall clock (exceljs); a number is an Excel serial day (or yyyymmdd);
 * text is read in the usual Chinese and Excel forms. An instant with an offset
 * (2026-10-03T01:00:00+08:00) is the day it was in `timeZone`.
 */
export function parseSaleDate(cell: Cell | undefined, timeZone = 'Asia/Shanghai'): Parsed<string | null> {
  if (cell === null || cell === undefined) return ok(null)
  if (cell instanceof Date) {
    const t = cell.getTime()
    if (Number.isNaN(t)) return ok(null)
    // exceljs's serial-to-Date arithmetic lands a hair before midnight at times: the nearest second is meant
    const d = new Date(Math.round(t / 1000) * 1000)
    return isoDay(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), cell.toISOString())
  }
  if (typeof cell === 'number') return fromSerial(cell, String(cell))
  if (typeof cell === 'boolean') return fail('sales.reason.dateInvalid', { value: String(cell) })
  const s = cellString(cell)
  if (isNone(s)) return ok(null)
  return parseDateText(s, timeZone)
}

// ---------------------------------------------------------------- money

/** A column's unit: 元 (1) or 万元 (10,000), told by its header. */
export type MoneyScale = 1 | 10_000

// ¥ ￥ 元 RMB CNY 人民币 and spaces around a number; 万 / 万元 after it scales it
const SPACED_THOUSANDS = /^[-+]?\d{1,3}(?: \d{3})+(?:\.\d*)?$/
const SCIENTIFIC_AMOUNT = /^[-+]?\d+(?:\.\d+)?[eE][-+]?\d{1,2}$/
const AMOUNT = /^([-+]?)(?:[¥￥]|RMB|CNY|人民币)?\s*([-+]?)(\d{1,3}(?:,\d{3})+|\d*)(?:\.(\d*))?\s*(万元|万|元|RMB|CNY)?$/i

/**
 * An amount in fen. Numbers from an .xlsx are yuan (× the column's scale); text may carry
 * ¥ / ￥ / 元 / RMB, thousands separators (1,234,567.00; the Chinese full-width comma
 * too), a minus or accounting parentheses (1,200.00), and 万 (×10,000: "23.88万").
 * Rounded to the fen.
 */
export function parseAmountFen(cell: Cell | undefined, scale: MoneyScale = 1): Parsed<number | null> {
  const fen = amountFen(cell, scale)
  if (fen === null) return ok(null)
  if (Number.isNaN(fen)) return fail('sales.reason.amountInvalid', { value: quoteInReason(cell instanceof Date ? cell.toISOString() : cellString(cell)) })
  return ok(fen)
}

/** parseAmountFen without allocations, for the row validator: fen, null (empty), or NaN (not an amount). */
export function amountFen(cell: Cell | undefined, scale: MoneyScale = 1): number | null {
  if (cell === null || cell === undefined) return null
  if (typeof cell === 'number') return Number.isFinite(cell) ? toFen(cell * scale) : NaN
  if (typeof cell !== 'string') return NaN
  const plain = plainNumber(cell)
  if (plain === plain) return toFen(plain * scale) // not NaN: digits and a point, the common case
  let s = cellString(cell)
  if (isNone(s)) return null
  let negative = false
  // Excel's text mark; 元整 as a formal amount ends
  if (s.charCodeAt(0) === 39 /* ' */) s = s.slice(1).trim()
  if (s.endsWith('元整')) s = s.slice(0, -1)
  // a minus after the number, as SAP-based systems write it (1,200.00-)
  if (s.length > 1 && s.charCodeAt(s.length - 1) === 45 /* - */ && /\d/.test(s.charAt(s.length - 2))) {
    negative = true
    s = s.slice(0, -1)
  }
  if (s.charCodeAt(0) === 40 /* ( */ && s.charCodeAt(s.length - 1) === 41 /* ) */) {
    negative = !negative
    s = s.slice(1, -1).trim()
  }
  // thousands set apart by spaces (1 234 567.00), and scientific notation (1.2E+05)
  if (SPACED_THOUSANDS.test(s)) s = s.replace(/ /g, '')
  if (SCIENTIFIC_AMOUNT.test(s)) {
    const yuan = Number(s)
    return Number.isFinite(yuan) && Math.abs(yuan) < 1e15 ? toFen((negative ? -yuan : yuan) * scale) : NaN
  }
  if (s.indexOf('−') >= 0) s = s.replace('−', '-')
  const m = AMOUNT.exec(s)
  if (!m || (m[3] === '' && (m[4] === undefined || m[4] === ''))) return NaN
  if (m[1] && m[2]) return NaN
  if ((m[1] === '-') !== (m[2] === '-')) negative = !negative
  const whole = m[3]!.indexOf(',') >= 0 ? m[3]!.replace(/,/g, '') : m[3]!
  const yuan = Number(`${whole || '0'}.${m[4] || '0'}`)
  const unit = m[5]
  const factor = unit === '万' || unit === '万元' ? 10_000 : unit ? 1 : scale
  return toFen((negative ? -yuan : yuan) * factor)
}

/** A string of ASCII digits with at most one point and an optional leading minus, as a number; NaN for anything else. */
function plainNumber(s: string): number {
  const n = s.length
  if (n === 0 || n > 20) return NaN
  let i = s.charCodeAt(0) === 45 /* - */ ? 1 : 0
  if (i === n) return NaN
  let digits = 0
  let point = false
  for (; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c >= 48 && c <= 57) digits++
    else if (c === 46 && !point) point = true
    else return NaN
  }
  return digits ? Number(s) : NaN
}

export function toFen(yuan: number): number {
  const fen = Math.round(yuan * 100)
  if (!Number.isSafeInteger(fen)) return NaN
  return fen === 0 ? 0 : fen // never -0
}

/**
 * A car's price between ¥10,000 and ¥20,000,000: outside it, the amount is in the wrong unit
 * (23.88 in a 元 column meant 23.88万; 238800 in a 万元 column meant 元) or mistyped.
 */
export const MIN_PRICE_FEN = 10_000 * 100
export const MAX_PRICE_FEN = 20_000_000 * 100

// ---------------------------------------------------------------- identifiers

/** The values of VIN characters for the check digit (ISO 3779 / FMVSS 115, also GB 16735). */
const VIN_VALUE = new Int8Array(128).fill(-1)
'0123456789'.split('').forEach((c, i) => (VIN_VALUE[c.charCodeAt(0)] = i))
const LETTERS: Array<[string, number]> = [
  ['ABCDEFGH', 1],
  ['JKLMN', 1],
  ['P', 7],
  ['R', 9],
  ['STUVWXYZ', 2],
]
for (const [letters, start] of LETTERS) letters.split('').forEach((c, i) => (VIN_VALUE[c.charCodeAt(0)] = start + i))
const VIN_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]

/** Whether position 9 of a well-formed VIN is its check digit. */
export function vinCheckDigitHolds(vin: string): boolean {
  return vin.length === 17 && vinCheckDigitHoldsAt(codesFor(vin), 0)
}

function vinCheckDigitHoldsAt(text: Uint16Array, at: number): boolean {
  let sum = 0
  for (let i = 0; i < 17; i++) {
    const v = VIN_VALUE[text[at + i]!] ?? -1
    if (v < 0) return false // I, O, Q
    sum += v * VIN_WEIGHTS[i]!
  }
  const r = sum % 11
  return text[at + 8] === (r === 10 ? 88 /* X */ : 48 + r)
}

/**
 * The fast path's checks below read a batch's code units where they lie (sales-text-batch.ts);
 * their string forms put the string's code units in this array first (never reentered).
 */
let scratch: Uint16Array = new Uint16Array(64)
const codesFor = (text: string) => (scratch = codesOf(text, scratch))

const VIN_LABEL = /^(?:'|(?:vin|车架号|车辆识别代号|底盘号)(?:码|号)?[:：.]?)/i

export type VinWarning = 'sales.warning.vinCheckDigit' | 'sales.warning.vinLettersIOQ'

/**
 * A VIN: upper case, spaces and dashes removed, full-width forms half-width; 17 letters and
 * digits. I, O and Q (which ISO 3779 leaves out because they look like 1 and 0) and a failing
 * check digit are flagged, not refused and not corrected: the DMS is the record the store
 * reconciles against, and its corrected re-export must find the same key.
 */
export function parseVin(cell: Cell | undefined): Parsed<{ vin: string; warning: VinWarning | null } | null> {
  const vin = normalizeVin(cell)
  if (vin === null) return ok(null)
  if (vin === false) return fail('sales.reason.vinInvalid', { value: quoteInReason(cellString(cell).toUpperCase().replace(/[\s\-_]/g, '')) })
  return ok({ vin, warning: vinWarning(vin) })
}

/** parseVin's VIN, null when empty, false when it is not 17 letters and digits. */
export function normalizeVin(cell: Cell | undefined): string | null | false {
  let s = cellString(cell)
  if (isNone(s)) return null
  if (s.length !== 17) s = s.replace(/[\s\-_]/g, '')
  // Excel's text mark, a label before it (VIN:, 车架号：)
  if (s.length !== 17) s = s.replace(VIN_LABEL, '')
  if (s.length !== 17) return false
  let lower = false
  for (let i = 0; i < 17; i++) {
    const c = s.charCodeAt(i)
    if (c >= 97 && c <= 122) lower = true
    else if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90))) return false
  }
  return lower ? s.toUpperCase() : s
}

/** What looks wrong in a well-formed VIN: I, O or Q, or a failing check digit. */
export function vinWarning(vin: string): VinWarning | null {
  if (vin.length !== 17) return 'sales.warning.vinCheckDigit'
  return vinWarningAt(codesFor(vin), 0)
}

/** vinWarning of the well-formed VIN at text[at…at+17) (the row validator's fast path reads cells where they lie) */
export function vinWarningAt(text: Uint16Array, at: number): VinWarning | null {
  for (let i = at; i < at + 17; i++) {
    const c = text[i]!
    if (c === 73 || c === 79 || c === 81) return 'sales.warning.vinLettersIOQ'
  }
  return vinCheckDigitHoldsAt(text, at) ? null : 'sales.warning.vinCheckDigit'
}

/** Upper-case letters, digits and dashes, not ending in .0: an order number as it should be (most are). */
export function isPlainId(s: string) {
  return s.length > 0 && s.length <= 64 && isPlainIdAt(codesFor(s), 0, s.length)
}

/** isPlainId of text[from…to) */
export function isPlainIdAt(text: Uint16Array, from: number, to: number) {
  const n = to - from
  if (n === 0 || n > 64) return false
  for (let i = from; i < to; i++) {
    const c = text[i]!
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || c === 45 || c === 95 || c === 47)) return false
  }
  const last = text[to - 1]!
  return !(n > 1 && last === 48 && text[to - 2] === 46) && !(n === 1 && (last === 45 || last === 47))
}

const SCIENTIFIC = /^\d(\.\d+)?E\+?\d+$/i

/**
 * An order or contract number (订单号 / 合同号): upper case, no spaces. A long number that
 * Excel turned into 2.0261E+17 has lost its digits: refused, so the user exports it as text.
 */
export function parseOrderNo(cell: Cell | undefined): Parsed<string | null> {
  if (typeof cell === 'number') {
    if (!Number.isSafeInteger(cell)) return fail('sales.reason.idDamaged', { value: String(cell) })
    return ok(String(cell))
  }
  if (typeof cell === 'string' && isPlainId(cell)) return ok(cell)
  let s = cellString(cell)
  if (isNone(s)) return ok(null)
  if (SCIENTIFIC.test(s)) return fail('sales.reason.idDamaged', { value: quoteInReason(s) })
  s = s.replace(/^'/, '').replace(/\s+/g, '').toUpperCase()
  if (s.endsWith('.0') && /^\d+\.0$/.test(s)) s = s.slice(0, -2)
  if (s.length > 64) return fail('sales.reason.tooLong', { max: 64 })
  return ok(s)
}

// ---------------------------------------------------------------- phones

/** 1: eleven digits of a China mobile; 2: its masked form 138****1234; 0: neither (or not sure). */
function mobileShape(s: string): 0 | 1 | 2 {
  return s.length === 11 ? mobileShapeAt(codesFor(s), 0) : 0
}

/** mobileShape of the 11 characters at text[at…at+11) (the row validator's fast path reads cells where they lie) */
export function mobileShapeAt(text: Uint16Array, at: number): 0 | 1 | 2 {
  if (text[at] !== 49 /* 1 */) return 0
  const second = text[at + 1]!
  if (second < 51 || second > 57) return 0
  let stars = 0
  for (let i = 2; i < 11; i++) {
    const c = text[at + i]!
    if (c === 42 && i >= 3 && i <= 6) stars++
    else if (c < 48 || c > 57) return 0
  }
  return stars === 0 ? 1 : stars === 4 ? 2 : 0
}

export type SalePhone = { phone: string | null; masked: string | null; warning: 'sales.warning.phoneNotMobile' | 'sales.warning.phoneSeveral' | null }

// a fixed line: area code 0xx(x) and 7–8 digits, maybe an extension; or its number in two
// groups (0571-8888-6666); or a local number without its area code (88886666), or a company's
// service number (400-800-8888): phones, but not a mobile's
const FIXED_LINE = /^(?:0\d{2,3}-?\d{7,8}(-\d{1,6})?|0\d{2,3}-\d{3,4}-\d{4}|[2-9]\d{6,7}|[48]00-?\d{3}-?\d{4})$/

/**
 * A customer's phone. Excel damage is undone first: full-width digits, a leading ', a
 * trailing .0, and scientific notation when it kept every digit (1.3812341234E+10); when it
 * did not (1.38123E+10) the number is lost and the row is refused. A fixed line (a company
 * buyer's 0571-88888888) is a phone but not a mobile: kept out, flagged, not refused.
 */
export function parseSalePhone(cell: Cell | undefined): Parsed<SalePhone | null> {
  if (typeof cell === 'string' && cell.length === 11) {
    // the common cases without the general parser: 13812341234 and 138****1234
    const kind = mobileShape(cell)
    if (kind === 1) return ok({ phone: cell, masked: `${cell.slice(0, 3)}****${cell.slice(7)}`, warning: null })
    if (kind === 2) return ok({ phone: null, masked: cell, warning: null })
  }
  let s: string
  if (typeof cell === 'number') {
    if (!Number.isSafeInteger(cell)) return fail('sales.reason.phoneInvalid')
    s = String(cell)
  } else {
    s = cellString(cell)
    if (isNone(s)) return ok(null)
    if (s.charCodeAt(0) === 39 /* ' */) s = s.slice(1)
    if (s.endsWith('.0')) s = s.slice(0, -2)
    if (SCIENTIFIC.test(s)) {
      const n = Number(s)
      const mantissa = s.slice(0, s.search(/e/i)).replace('.', '')
      if (!Number.isSafeInteger(n) || mantissa.length < 11) return fail('sales.reason.phoneDamaged')
      s = String(n)
    }
  }
  const parsed = parsePhone(s)
  if (parsed) return ok(parsed.kind === 'full' ? { phone: parsed.phone, masked: parsed.masked, warning: null } : { phone: null, masked: parsed.masked, warning: null })
  if (isFixedLine(s)) return ok({ phone: null, masked: null, warning: 'sales.warning.phoneNotMobile' })
  return severalPhones(s) ?? fail('sales.reason.phoneInvalid')
}

const isFixedLine = (s: string) => FIXED_LINE.test(s.replace(/[\s()]/g, ''))

/** what DMS users put between two numbers in one cell */
const PHONE_SEPARATORS = /[/\\,，;；、|｜]+/

/**
 * Several numbers in one cell (13812341234/0571-88886666, 13812341234，13900001111): the sale
 * is kept, matched by the first mobile number in it (else the first masked one), with a
 * warning; only landlines: as a landline. Null when the parts are not phones either.
 */
function severalPhones(s: string): Parsed<SalePhone> | null {
  let parts = s.split(PHONE_SEPARATORS).map((p) => p.trim()).filter(Boolean)
  if (parts.length < 2) parts = s.trim().split(/\s+/)
  if (parts.length < 2 || parts.length > 5) return null
  const parsed = parts.map((p) => parsePhone(p))
  if (parsed.some((p, i) => !p && !isFixedLine(parts[i]!))) return null
  const full = parsed.find((p) => p?.kind === 'full')
  if (full?.kind === 'full') return ok({ phone: full.phone, masked: full.masked, warning: 'sales.warning.phoneSeveral' })
  const masked = parsed.find((p) => p?.kind === 'masked')
  if (masked) return ok({ phone: null, masked: masked.masked, warning: 'sales.warning.phoneSeveral' })
  return ok({ phone: null, masked: null, warning: 'sales.warning.phoneNotMobile' })
}

// ---------------------------------------------------------------- names

/** Forms of address that lead platforms put in place of a given name (张先生, 李女士). */
const HONORIFIC = /(先生|女士|小姐|太太|夫人|老师|师傅|总)$/
const BRACKETED = /[([（【［][^)\]）】］]*[)\]）】］]/g
const NAME_NOISE = /[\s·•.．・_\-'"]/g

/**
 * A customer name as matchback compares it: full-width forms half-width, a note in brackets
 * dropped (张伟（老客户）), spaces and middle dots removed (买买提·艾力), Latin letters lower
 * case, and a trailing form of address dropped — so a lead's 张先生 keys as 张, which
 * compareNameKeys matches to the sale's 张伟 as a surname only. Null when nothing is left.
 */
export function nameKey(name: string | null | undefined): string | null {
  if (!name) return null
  if (name.length >= 2 && name.length <= 4 && isPlainHanName(codesFor(name), 0, name.length)) return name
  let s = toHalfWidth(name)
  if (s.indexOf('(') >= 0 || s.indexOf('[') >= 0 || s.indexOf('（') >= 0 || s.indexOf('【') >= 0) s = s.replace(BRACKETED, '')
  s = s.replace(NAME_NOISE, '').toLowerCase()
  // a name that is only a form of address (先生) is no name
  const stripped = s.replace(HONORIFIC, '')
  return stripped || null
}

/** Two to four Han characters (text[from…to)), not ending in a character that a form of address ends in: already its own key. */
export function isPlainHanName(text: Uint16Array, from: number, to: number) {
  const n = to - from
  if (n < 2 || n > 4) return false
  for (let i = from; i < to; i++) {
    const c = text[i]!
    if (c < 0x4e00 || c > 0x9fff) return false
  }
  return !HONORIFIC_ENDS.has(text[to - 1]!)
}
const HONORIFIC_ENDS = new Set(['生', '士', '姐', '太', '人', '师', '傅', '总'].map((c) => c.charCodeAt(0)))

const HAN_CHAR = /^[\u3400-\u9fff\uf900-\ufaff]$/
export const COMPOUND_SURNAMES = new Set(
  '欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 钟离 端木 独孤 南宫 西门 百里 呼延 澹台 万俟 闻人 赫连 申屠 太史 东郭 公羊'.split(' '),
)
const isSurname = (key: string) => HAN_CHAR.test(key) || COMPOUND_SURNAMES.has(key)

/**
 * How two name keys agree: the same name ('exact'), or one is a surname the other begins
 * with ('surname': 张 and 张伟, 欧阳 and 欧阳修), or not at all (null).
 */
export function compareNameKeys(a: string | null, b: string | null): 'exact' | 'surname' | null {
  if (!a || !b) return null
  if (a === b) return 'exact'
  const [short, long] = a.length < b.length ? [a, b] : [b, a]
  return isSurname(short) && long.length > short.length && long.startsWith(short) ? 'surname' : null
}

// ---------------------------------------------------------------- small vocabularies

const PAYMENT: Array<[RegExp, PaymentMethod]> = [
  [/融资租赁|租赁|lease|leasing/i, 'lease'],
  [/贷款|按揭|分期|金融|信贷|loan|financ|installment|mortgage|credit/i, 'loan'],
  [/全款|全额|一次性|现金|现款|cash|full/i, 'full'],
]
const paymentCache = new Map<string, PaymentMethod | null>()

/** 付款方式: 全款 → full, 贷款 / 按揭 / 分期 → loan, 融资租赁 → lease; other words → null (flagged by the caller). */
export function parsePaymentMethod(text: string): PaymentMethod | null {
  let v = paymentCache.get(text)
  if (v === undefined) {
    v = PAYMENT.find(([pattern]) => pattern.test(text))?.[1] ?? null
    if (paymentCache.size < 1000) paymentCache.set(text, v)
  }
  return v
}

const YES = new Set(['是', '有', 'y', 'yes', 'true', '1', '√', '✓', '✔', '置换', '二手车置换', '是(置换)', '有置换', '已置换'])
const NO = new Set(['否', '无', '没有', 'n', 'no', 'false', '0', '×', '✗', '非置换', '不置换', '新购', '首购', '无置换', '未置换', '没有置换'])

/** 置换 (trade-in): 是/否, Y/N, 有/无, √/×, 1/0, TRUE/FALSE; other words → undefined (flagged by the caller). */
export function parseTradeIn(cell: Cell | undefined): boolean | null | undefined {
  if (typeof cell === 'string') {
    if (YES.has(cell)) return true
    if (NO.has(cell)) return false
  }
  if (typeof cell === 'boolean') return cell
  if (typeof cell === 'number') return cell === 1 ? true : cell === 0 ? false : undefined
  const s = cellString(cell).toLowerCase()
  if (s === '') return null
  if (YES.has(s)) return true
  if (NO.has(s)) return false
  return undefined
}
