import { describe, expect, it } from 'vitest'
import { timelineWeeks } from './timeline'

describe('the timeline by week (a phone)', () => {
  it('lists each week, Monday first, with the campaigns running or warming up in it; empty weeks left out', () => {
    const rows = [
      { id: 'a', startDate: '2026-11-05', endDate: '2026-11-06', warmupStart: '2026-10-29' },
      { id: 'b', startDate: '2026-11-20', endDate: '2026-11-24', warmupStart: null },
    ]
    const weeks = timelineWeeks(rows, '2026-11-01', '2026-11-30')
    expect(weeks.map((w) => [w.start, w.end, w.rows.map((r) => r.id)])).toEqual([
      // 1 November is a Sunday: its week began on Monday 26 October, when a was warming up
      ['2026-10-26', '2026-11-01', ['a']],
      ['2026-11-02', '2026-11-08', ['a']],
      ['2026-11-16', '2026-11-22', ['b']],
      ['2026-11-23', '2026-11-29', ['b']],
    ])
  })
})
