import type { Cell } from './read-table'
import { quoteInReason } from './phone'
import { amountFen, cleanString, isNone, MAX_SALE_YEAR, MIN_SALE_YEAR, parseSaleDate, toHalfWidth } from './sales-values'

/**
 * Value parsers of regional market data (SPEC §5): a month and a number of cars, as market
 * reports and insurance-registration (上险数) exports write them. Built on the sales import's
 * parsers (sales-values.ts): full dates, Excel serials and date cells are read by
 * parseSaleDate, numbers with thousands separators or 万 by amountFen; only the forms of a
 * month without a day (2026-03, 2026年3月, 202603) are read here.
 */

export type MarketReason =
  | 'market.reason.monthMissing'
  | 'market.reason.monthInvalid'
  | 'market.reason.monthFuture'
  | 'market.reason.cityMissing'
  | 'market.reason.brandMissing'
  | 'market.reason.modelMissing'
  | 'market.reason.unitsMissing'
  | 'market.reason.unitsInvalid'
  | 'market.reason.unitsNegative'
  | 'market.reason.unitsFractional'
  | 'market.reason.tooLong'

export type MarketParsed<T> = { ok: true; value: T } | { ok: false; reason: MarketReason; params?: Record<string, string | number> }

const ok = <T>(value: T): MarketParsed<T> => ({ ok: true, value })
const fail = (reason: MarketReason, params?: Record<string, string | number>): MarketParsed<never> => ({ ok: false, reason, params })

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n))

function yearMonth(year: number, month: number): string | null {
  if (month < 1 || month > 12 || year < MIN_SALE_YEAR || year > MAX_SALE_YEAR) return null
  return `${year}-${pad2(month)}-01`
}

// 2026-03, 2026/3, 2026.3, 2026年3月, 2026年03月份
const YEAR_MONTH = /^(\d{4})\s*(?:[-/.]\s*(\d{1,2})|年\s*(\d{1,2})\s*月份?)$/
// 202603
const COMPACT = /^(\d{4})(\d{2})$/
// a month header of the wide layout may carry the measure after it: 2026年1月上险数, 2026-01 销量
const HEADER_MONTH = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:月份?)?\s*(?:上险数|上险量|上险|交强险|注册量|上牌量|销量|台数|数量|units|sales|registrations)?$/i
// an .xlsx date cell as the reader hands a header over (read-table cellText)
const ISO_MIDNIGHT = /^(\d{4})-(\d{2})-01T00:00:00(?:\.000)?Z$/

function monthOfText(s: string): string | null | undefined {
  const m = YEAR_MONTH.exec(s)
  if (m) return yearMonth(Number(m[1]), Number(m[2] ?? m[3]))
  const c = COMPACT.exec(s)
  if (c) return yearMonth(Number(c[1]), Number(c[2]))
  return undefined
}

/**
 * A month cell as the first day of its month (`YYYY-MM-01`): 2026-03, 2026/3, 2026年3月,
 * 202603, a full date (2026-03-01, 2026/3/15, 2026年3月1日: its month), an Excel date cell or
 * serial number. Null when the cell is empty.
 */
export function parseMarketMonth(cell: Cell | undefined, timeZone = 'Asia/Shanghai'): MarketParsed<string | null> {
  if (cell === null || cell === undefined) return ok(null)
  if (typeof cell === 'boolean') return fail('market.reason.monthInvalid', { value: String(cell) })
  if (typeof cell === 'number' && Number.isInteger(cell) && cell >= 100_000 && cell <= 999_999) {
    const month = yearMonth(Math.floor(cell / 100), cell % 100)
    return month ? ok(month) : fail('market.reason.monthInvalid', { value: String(cell) })
  }
  let raw = ''
  if (typeof cell === 'string') {
    raw = toHalfWidth(cleanString(cell))
    if (isNone(raw)) return ok(null)
    const month = monthOfText(raw)
    if (month) return ok(month)
    if (month === null) return fail('market.reason.monthInvalid', { value: quoteInReason(raw) })
  }
  const day = parseSaleDate(cell, timeZone)
  if (!day.ok || !day.value) return fail('market.reason.monthInvalid', { value: quoteInReason(raw || (cell instanceof Date ? cell.toISOString() : String(cell))) })
  return ok(`${day.value.slice(0, 7)}-01`)
}

/**
 * The month a header names, for files with a column per month (the wide layout): only a full
 * year and month (2026-01, 2026年1月, 202601, 2026-01-01, an .xlsx date), never a bare
 * 1月 — its year would be a guess.
 */
export function monthOfHeader(header: string): string | null {
  const s = toHalfWidth(cleanString(header))
  if (!s) return null
  const iso = ISO_MIDNIGHT.exec(s)
  if (iso) return yearMonth(Number(iso[1]), Number(iso[2]))
  const m = HEADER_MONTH.exec(s)
  if (m) return yearMonth(Number(m[1]), Number(m[2]))
  const c = COMPACT.exec(s)
  if (c) return yearMonth(Number(c[1]), Number(c[2]))
  const day = /^\d{4}[-/.]\d{1,2}[-/.]1$|^\d{4}[-/.]\d{1,2}[-/.]01$/.test(s) ? parseSaleDate(s) : null
  return day?.ok && day.value ? `${day.value.slice(0, 7)}-01` : null
}

const UNIT_WORD = /\s*[台辆]$/

/**
 * A number of cars: a whole number, never negative; thousands separators (1,234 and
 * 1，234), full-width digits, 台 / 辆 after it and 万 (1.2万 = 12,000) are read. Null when
 * the cell is empty or says "none" (-, 无).
 */
export function parseUnits(cell: Cell | undefined): MarketParsed<number | null> {
  if (cell === null || cell === undefined) return ok(null)
  if (typeof cell === 'boolean' || cell instanceof Date) return fail('market.reason.unitsInvalid', { value: quoteInReason(cell instanceof Date ? cell.toISOString() : String(cell)) })
  let value: Cell = cell
  let shown = String(cell)
  if (typeof cell === 'string') {
    shown = cleanString(cell)
    if (isNone(shown)) return ok(null)
    value = toHalfWidth(shown).replace(/，/g, ',').replace(UNIT_WORD, '')
  }
  // amounts are read in hundredths: a whole number of cars is a multiple of 100
  const hundredths = amountFen(value, 1)
  if (hundredths === null) return ok(null)
  if (Number.isNaN(hundredths)) return fail('market.reason.unitsInvalid', { value: quoteInReason(shown) })
  if (hundredths < 0) return fail('market.reason.unitsNegative', { value: quoteInReason(shown) })
  if (hundredths % 100 !== 0) return fail('market.reason.unitsFractional', { value: quoteInReason(shown) })
  return ok(hundredths / 100)
}

/** A text cell as it is shown (trimmed, half-width, one space between words); null when empty or "none". */
export function parseMarketText(cell: Cell | undefined, max: number): MarketParsed<string | null> {
  if (cell === null || cell === undefined) return ok(null)
  const s = cell instanceof Date ? cell.toISOString().slice(0, 10) : toHalfWidth(cleanString(String(cell)))
  if (isNone(s)) return ok(null)
  if (s.length > max) return fail('market.reason.tooLong', { max })
  return ok(s)
}
