import { toHalfWidth } from './half-width'
import type { Cell } from './read-table'

/**
 * Moments in exports, as Chinese offices write them: 2026-10-01 12:30, 2026/10/1 9:05,
 * 2026.10.01, 2026年10月1日 14时20分, 20261001, 下午 3:20, ISO with an offset, an Excel
 * serial number (46296.52), or a date cell of an .xlsx. Without an offset they are wall
 * clock times of the store, turned into UTC with the store's time zone.
 */
export type WallClock = { year: number; month: number; day: number; hour: number; minute: number; second: number }

/** Excel's day 0 is 1899-12-30 (its 1900 leap-year bug makes this right from 1900-03-01 on). */
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30)
const DAY_MS = 86_400_000

const pad = (n: number, width = 2) => String(n).padStart(width, '0')

function valid(w: WallClock): WallClock | null {
  if (w.year < 1900 || w.year > 2199 || w.month < 1 || w.month > 12 || w.day < 1) return null
  if (w.day > new Date(Date.UTC(w.year, w.month, 0)).getUTCDate()) return null
  if (w.hour > 23 || w.minute > 59 || w.second > 59) return null
  return w
}

/** A Date whose UTC fields carry a wall clock, as exceljs hands over date cells. */
function fromUtcFields(ms: number): WallClock {
  const d = new Date(Math.round(ms / 1000) * 1000)
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  }
}

export function excelSerialToWallClock(serial: number): WallClock | null {
  if (!Number.isFinite(serial) || serial < 1 || serial >= 2958466) return null
  return valid(fromUtcFields(EXCEL_EPOCH_MS + serial * DAY_MS))
}


const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})$/i
const DATE_TIME = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.\d+)?)?)?$/
const COMPACT = /^(\d{4})(\d{2})(\d{2})(?:[ T]?(\d{2}):?(\d{2})(?::?(\d{2}))?)?$/
const SERIAL = /^\d{5}(\.\d+)?$/
/** English month names, as Excel's d-mmm-yy and Oracle-based systems' DD-MON-YYYY write them */
const MONTHS: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 }
const MONTH_NAME = '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?'
/** 3-Oct-2026, 03-OCT-26, 3 Oct 2026 (then perhaps a time) */
const DAY_MONTH_YEAR = new RegExp(`^(\\d{1,2})[-\\s/.]${MONTH_NAME}[-\\s/.,]+(\\d{4}|\\d{2})(?![\\d])(.*)$`, 'i')
/** Oct 3, 2026 and October 3rd 2026 (then perhaps a time) */
const MONTH_DAY_YEAR = new RegExp(`^${MONTH_NAME}\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})(?![\\d])(.*)$`, 'i')
const WEEKDAY = /^(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+/i
const CHINESE_WEEKDAY = /[(]?\s*(?:星期|礼拜|周)[一二三四五六日天]\s*[)]?/g

/** A date written with an English month name as YYYY-MM-DD (the rest kept), else the text as it was. */
function monthNamed(s: string): string {
  const text = s.replace(WEEKDAY, '')
  const dmy = DAY_MONTH_YEAR.exec(text)
  const mdy = dmy ? null : MONTH_DAY_YEAR.exec(text)
  if (!dmy && !mdy) return s
  const [day, month, year, rest] = dmy ? [dmy[1]!, dmy[2]!, dmy[3]!, dmy[4]!] : [mdy![2]!, mdy![1]!, mdy![3]!, mdy![4]!]
  // a two-digit year is this century's (sales and leads are never from the 1900s)
  const y = year.length === 2 ? 2000 + Number(year) : Number(year)
  return `${y}-${MONTHS[month.slice(0, 3).toLowerCase()]}-${day}${rest}`
}

/** A moment as written, either a wall clock (no zone) or an instant (it named its offset). */
export function parseWallClock(value: Cell | undefined): WallClock | { instant: Date } | null {
  if (value === null || value === undefined || typeof value === 'boolean') return null
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : valid(fromUtcFields(value.getTime()))
  if (typeof value === 'number') return excelSerialToWallClock(value)
  let s = toHalfWidth(String(value)).trim()
  // a leading ' (Excel's mark of text, which some exports keep) and a weekday written with the
  // date (2026-10-03 星期六, 2026/10/3(周六)) say nothing more
  if (s.charCodeAt(0) === 39) s = s.slice(1).trim()
  if (/星期|礼拜|周/.test(s)) s = s.replace(CHINESE_WEEKDAY, ' ').trim()
  if (!s) return null
  if (ISO_WITH_OFFSET.test(s)) {
    const d = new Date(s.replace(' ', 'T').replace(/\s+/g, ''))
    return Number.isNaN(d.getTime()) ? null : { instant: d }
  }
  if (SERIAL.test(s)) return excelSerialToWallClock(Number(s))
  if (/[a-z]{3}/i.test(s)) s = monthNamed(s).trim()
  // 上午/下午 (a.m./p.m.) anywhere in the text
  const half: { is: 'am' | 'pm' | null } = { is: null }
  s = s.replace(/上午|凌晨|早上|\bam\b|\ba\.m\./i, () => ((half.is = 'am'), ' '))
  s = s.replace(/下午|晚上|中午|\bpm\b|\bp\.m\./i, () => ((half.is = 'pm'), ' '))
  s = s
    .replace(/\s*年\s*/g, '-')
    .replace(/\s*月\s*/g, '-')
    .replace(/\s*[日号]\s*/g, ' ')
    .replace(/\s*[时點点]\s*/g, ':')
    .replace(/\s*分\s*/g, ':')
    .replace(/\s*秒\s*/g, '')
    .replace(/:+\s*$/, '')
    .replace(/\s+/g, ' ')
    .trim()
  // "14:" (hour only, from 14时) becomes 14:00
  s = s.replace(/ (\d{1,2})$/, (whole, h: string) => (s.includes(':') ? whole : ` ${h}:00`))
  const m = DATE_TIME.exec(s) ?? COMPACT.exec(s)
  if (!m) return null
  let hour = m[4] ? Number(m[4]) : 0
  if (half.is === 'pm' && hour < 12) hour += 12
  if (half.is === 'am' && hour === 12) hour = 0
  return valid({
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour,
    minute: m[5] ? Number(m[5]) : 0,
    second: m[6] ? Number(m[6]) : 0,
  })
}

const formatters = new Map<string, Intl.DateTimeFormat>()

/** One formatter per time zone, of the wall clock's numeric parts: making one costs far more than using it. */
export function zoneFormatter(timeZone: string) {
  let f = formatters.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
    formatters.set(timeZone, f)
  }
  return f
}

/**
 * The time zone's offset from UTC at a moment, in ms (positive east of Greenwich). Asking Intl
 * costs tens of µs and an import asks twice per row, so offsets are kept per quarter hour (the
 * grain of every change of offset since 1970), each only once the quarter's start and end agree.
 */
const offsets = new Map<string, Map<number, number>>()
const QUARTER_MS = 900_000

function offsetAt(utcMs: number, timeZone: string) {
  let zone = offsets.get(timeZone)
  if (!zone) offsets.set(timeZone, (zone = new Map()))
  const quarter = Math.floor(utcMs / QUARTER_MS)
  const known = zone.get(quarter)
  if (known !== undefined) return known
  const start = offsetByIntl(quarter * QUARTER_MS, timeZone)
  if (start === offsetByIntl(quarter * QUARTER_MS + QUARTER_MS - 1000, timeZone)) {
    if (zone.size > 100_000) zone.clear()
    zone.set(quarter, start)
    return start
  }
  return offsetByIntl(utcMs, timeZone)
}

function offsetByIntl(utcMs: number, timeZone: string) {
  const parts = Object.fromEntries(zoneFormatter(timeZone).formatToParts(new Date(utcMs)).map((p) => [p.type, p.value]))
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second))
  return asUtc - Math.floor(utcMs / 1000) * 1000
}

/** The UTC instant of a wall clock in a time zone (a time skipped by a DST change moves forward). */
export function wallClockToUtc(w: WallClock, timeZone: string): Date {
  const naive = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second)
  const first = offsetAt(naive, timeZone)
  let utc = naive - first
  const second = offsetAt(utc, timeZone)
  if (second !== first) utc = naive - second
  return new Date(utc)
}

/** A cell as a moment in the store's time zone, or null when it is not a date. */
export function parseMoment(value: Cell | undefined, timeZone: string): Date | null {
  const parsed = parseWallClock(value)
  if (!parsed) return null
  if ('instant' in parsed) return parsed.instant
  return wallClockToUtc(parsed, timeZone)
}

export function formatWallClock(w: WallClock) {
  return `${w.year}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`
}
