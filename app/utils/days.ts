/** Arithmetic on local days `YYYY-MM-DD` (the store's calendar: no time zone, no clock). */
const DAY = 86_400_000

/** The day `n` days after `day` (before, for a negative `n`). */
export const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10)

/** The first day of the month of `day`, `back` months earlier (later, for a negative `back`). */
export function monthStart(day: string, back = 0) {
  const [y, m] = day.split('-').map(Number) as [number, number]
  return new Date(Date.UTC(y, m - 1 - back, 1)).toISOString().slice(0, 10)
}

/** The Monday of the week of `day`. */
export const mondayOf = (day: string) => addDays(day, -((new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7))

/** How many days from `from` to `to` (negative when `to` comes first). */
export const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY)
