import { addDays, mondayOf } from './days'

/** The weeks (Monday first) of [from, to] with the campaigns running or warming up in each: the timeline as a phone reads it. */
export function timelineWeeks<R extends { startDate: string; endDate: string; warmupStart: string | null }>(rows: readonly R[], from: string, to: string) {
  const weeks: Array<{ start: string; end: string; rows: R[] }> = []
  for (let start = mondayOf(from); start <= to && weeks.length < 60; start = addDays(start, 7)) {
    const end = addDays(start, 6)
    const inWeek = rows.filter((r) => (r.warmupStart ?? r.startDate) <= end && r.endDate >= start)
    if (inWeek.length) weeks.push({ start, end, rows: inWeek })
  }
  return weeks
}

