import { zoneFormatter } from '../../analytics/ingest/dates'

/**
 * Wall-clock times of a store (its time zone, default Asia/Shanghai) and the UTC moments
 * they stand for. `<input type="datetime-local">` sends the store's wall clock without a
 * zone; the database keeps UTC (ADR 001).
 */

function parts(at: Date, timeZone: string) {
  const fields = zoneFormatter(timeZone).formatToParts(at)
  const get = (type: string) => Number(fields.find((f) => f.type === type)?.value ?? 0)
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second') }
}

/** How far the zone's wall clock is ahead of UTC at that moment, in milliseconds. */
function offsetMs(at: Date, timeZone: string) {
  const p = parts(at, timeZone)
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second)
  return wall - Math.floor(at.getTime() / 1000) * 1000
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0')

/** `2026-10-01T09:30` (the zone's wall clock) → the UTC moment; null when it is not such a value. */
export function zonedLocalToUtc(local: string, timeZone: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local.trim())
  if (!m) return null
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as [number, number, number, number, number, number]
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return null
  const wall = Date.UTC(y, mo - 1, d, h, mi, s)
  const check = new Date(wall)
  if (check.getUTCDate() !== d || check.getUTCMonth() !== mo - 1) return null
  // the offset at the guessed moment, corrected once for a DST change in between
  let utc = wall - offsetMs(new Date(wall), timeZone)
  const second = offsetMs(new Date(utc), timeZone)
  if (wall - second !== utc) utc = wall - second
  return new Date(utc)
}

/** The moment as the zone's wall clock, in the form `<input type="datetime-local">` takes. */
export function utcToZonedLocal(at: Date, timeZone: string) {
  const p = parts(at, timeZone)
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}`
}

/** The calendar day (YYYY-MM-DD) the moment falls on in the zone. */
export function zonedDay(at: Date, timeZone: string) {
  return utcToZonedLocal(at, timeZone).slice(0, 10)
}

/** The UTC moments a calendar day of the zone starts and ends at: [start, end). */
export function zonedDayRange(day: string, timeZone: string): { start: Date; end: Date } | null {
  const start = zonedLocalToUtc(`${day}T00:00`, timeZone)
  if (!start) return null
  const [y, m, d] = day.split('-').map(Number) as [number, number, number]
  const next = new Date(Date.UTC(y, m - 1, d + 1))
  const end = zonedLocalToUtc(`${next.toISOString().slice(0, 10)}T00:00`, timeZone)
  return end ? { start, end } : null
}

/** Today in the calendar of the user's (first) store: the day a page's period presets count from. */
export const storeToday = (stores: ReadonlyArray<{ timeZone: string }>, now = new Date()) => zonedDay(now, stores[0]?.timeZone ?? 'Asia/Shanghai')
