import { describe, expect, it } from 'vitest'
import { monthRange, queryPeriod } from './period'

describe('queryPeriod', () => {
  const today = '2026-11-30'
  it('reads first and last day as [from, last + 1)', () => {
    expect(queryPeriod({ from: '2026-10-01', to: '2026-10-31' }, today)).toEqual({ from: '2026-10-01', to: '2026-11-01' })
    expect(queryPeriod({ from: '2026-12-31', to: '2026-12-31' }, today)).toEqual({ from: '2026-12-31', to: '2027-01-01' })
  })
  it('fills an open end: to today, or 90 days back from the last day', () => {
    expect(queryPeriod({ from: '2026-11-01' }, today)).toEqual({ from: '2026-11-01', to: '2026-12-01' })
    expect(queryPeriod({ to: '2026-03-31' }, today)).toEqual({ from: '2026-01-01', to: '2026-04-01' })
    // a first day after today: that day alone
    expect(queryPeriod({ from: '2026-12-05' }, today)).toEqual({ from: '2026-12-05', to: '2026-12-06' })
  })
  it('takes a month as older links carry it, days first when both are given', () => {
    expect(queryPeriod({ month: '2026-12' }, today)).toEqual({ from: '2026-12-01', to: '2027-01-01' })
    expect(queryPeriod({ month: '2026-02', from: '2026-02-10', to: '2026-02-12' }, today)).toEqual({ from: '2026-02-10', to: '2026-02-13' })
    expect(queryPeriod({}, today)).toBeNull()
  })
  it('knows where months end', () => {
    expect(monthRange('2028-02')).toEqual(['2028-02-01', '2028-03-01'])
  })
})
