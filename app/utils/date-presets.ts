import { addDays, monthStart } from './days'

export const RANGE_PRESETS = ['thisMonth', 'lastMonth', 'thisQuarter', 'last90'] as const
export type RangePreset = (typeof RANGE_PRESETS)[number]

/** The inclusive days [from, to] of a preset period, as of the store's `today`. */
export function presetRange(preset: RangePreset, today: string): { from: string; to: string } {
  switch (preset) {
    case 'thisMonth':
      return { from: monthStart(today), to: addDays(monthStart(today, -1), -1) }
    case 'lastMonth':
      return { from: monthStart(today, 1), to: addDays(monthStart(today), -1) }
    case 'thisQuarter': {
      const [y, m] = today.split('-').map(Number) as [number, number]
      const q = Math.floor((m - 1) / 3) * 3
      return { from: new Date(Date.UTC(y, q, 1)).toISOString().slice(0, 10), to: new Date(Date.UTC(y, q + 3, 0)).toISOString().slice(0, 10) }
    }
    case 'last90':
      return { from: addDays(today, -89), to: today }
  }
}
