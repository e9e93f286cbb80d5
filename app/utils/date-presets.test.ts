import { describe, expect, it } from 'vitest'
import { presetRange } from './date-presets'

describe('the period presets of a date range', () => {
  it('gives whole calendar periods as of the store’s day', () => {
    expect(presetRange('thisMonth', '2026-11-30')).toEqual({ from: '2026-11-01', to: '2026-11-30' })
    expect(presetRange('lastMonth', '2026-03-31')).toEqual({ from: '2026-02-01', to: '2026-02-28' })
    expect(presetRange('lastMonth', '2026-01-15')).toEqual({ from: '2025-12-01', to: '2025-12-31' })
    expect(presetRange('thisQuarter', '2026-11-30')).toEqual({ from: '2026-10-01', to: '2026-12-31' })
    expect(presetRange('last90', '2026-11-30')).toEqual({ from: '2026-09-02', to: '2026-11-30' })
  })
})
