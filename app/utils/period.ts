import { addDays, monthStart } from './days'

/** A period as a query string asks for it: first and last day (inclusive), or a month as older links carry it. */
export type PeriodQuery = { from?: string; to?: string; month?: string }

/** The days a period of the analysis pages may span: three years (a longer one is refused, not computed). */
export const MAX_PERIOD_DAYS = 3 * 366

/** The first day of a month `YYYY-MM`, and of the month after: [from, to). */
export function monthRange(month: string): [string, string] {
  const first = `${month}-01`
  return [first, monthStart(first, -1)]
}

/**
 * The local days [from, to) a query asks for, in the store's calendar (`today`): from and to as
 * given (either alone: to today, or 90 days back from the last day); else the month; else null
 * (no period chosen — the page's default applies).
 */
export function queryPeriod(q: PeriodQuery, today: string): { from: string; to: string } | null {
  if (q.from || q.to) {
    const last = q.to ?? (q.from! > today ? q.from! : today)
    const first = q.from ?? addDays(last, -89)
    return { from: first, to: addDays(last, 1) }
  }
  if (q.month) {
    const [from, to] = monthRange(q.month)
    return { from, to }
  }
  return null
}
