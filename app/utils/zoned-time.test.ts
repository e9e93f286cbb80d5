import { describe, expect, it } from 'vitest'
import { utcToZonedLocal, zonedDay, zonedDayRange, zonedLocalToUtc } from './zoned-time'

describe('store wall-clock times', () => {
  it('converts a datetime-local value in the store’s zone to UTC and back', () => {
    expect(zonedLocalToUtc('2026-10-01T09:30', 'Asia/Shanghai')?.toISOString()).toBe('2026-10-01T01:30:00.000Z')
    expect(utcToZonedLocal(new Date('2026-10-01T01:30:00Z'), 'Asia/Shanghai')).toBe('2026-10-01T09:30')
    expect(zonedLocalToUtc('2026-10-01T00:10', 'Asia/Urumqi')?.toISOString()).toBe('2026-09-30T18:10:00.000Z')
  })

  it('follows daylight saving where a zone has it', () => {
    expect(zonedLocalToUtc('2026-07-01T12:00', 'Europe/Berlin')?.toISOString()).toBe('2026-07-01T10:00:00.000Z')
    expect(zonedLocalToUtc('2026-01-01T12:00', 'Europe/Berlin')?.toISOString()).toBe('2026-01-01T11:00:00.000Z')
  })

  it('refuses what is not a moment', () => {
    expect(zonedLocalToUtc('2026-02-30T10:00', 'Asia/Shanghai')).toBeNull()
    expect(zonedLocalToUtc('yesterday', 'Asia/Shanghai')).toBeNull()
    expect(zonedLocalToUtc('2026-10-01T24:00', 'Asia/Shanghai')).toBeNull()
  })

  it('gives the store’s calendar day and its bounds', () => {
    // 17:00 UTC is already the next day in Shanghai
    expect(zonedDay(new Date('2026-10-01T17:00:00Z'), 'Asia/Shanghai')).toBe('2026-10-02')
    const range = zonedDayRange('2026-10-02', 'Asia/Shanghai')!
    expect(range.start.toISOString()).toBe('2026-10-01T16:00:00.000Z')
    expect(range.end.toISOString()).toBe('2026-10-02T16:00:00.000Z')
    expect(zonedDayRange('2026-12-31', 'Asia/Shanghai')!.end.toISOString()).toBe('2026-12-31T16:00:00.000Z')
  })
})
