import { z } from 'zod'
import { requiredText, text } from './fields'

const TIME_ZONES = new Set(Intl.supportedValuesOf('timeZone'))
// Intl lists canonical zones; also accept the common alias UTC
TIME_ZONES.add('UTC')
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'))

export const MATCHBACK_WINDOW_MIN = 7
export const MATCHBACK_WINDOW_MAX = 730
export const LOOKBACK_MIN = 1
export const LOOKBACK_MAX = 365

/** A whole number of days in [min, max]; blank means the default. */
function days(min: number, max: number, fallback: number) {
  const range = `validation.range?min=${min}&max=${max}`
  return z.preprocess((v) => (v === undefined || v === '' ? undefined : v), z.coerce.number({ error: range }).int(range).min(min, range).max(max, range).default(fallback))
}

export const StoreSchema = z.object({
  name: requiredText(100),
  brand: requiredText(60),
  city: requiredText(60),
  /** printed on campaign posters: where the showroom is and the number customers call */
  address: text(200),
  hotline: text(40).refine((v) => !v || /^[0-9+()\- ]{5,40}$/.test(v), 'stores.badHotline'),
  timeZone: z
    .string({ error: 'validation.required' })
    .trim()
    .refine((v) => TIME_ZONES.has(v), 'stores.badTimeZone'),
  currency: z
    .string({ error: 'validation.required' })
    .trim()
    .toUpperCase()
    .refine((v) => CURRENCIES.has(v), 'stores.badCurrency'),
  /** matchback (SPEC §4, ADR 017): how many days before a sale a lead's first touch may lie */
  matchbackWindowDays: days(MATCHBACK_WINDOW_MIN, MATCHBACK_WINDOW_MAX, 180),
  /** attribution (SPEC §4, ADR 022): how many days before a conversion a touch still counts on its path */
  attributionLookbackDays: days(LOOKBACK_MIN, LOOKBACK_MAX, 30),
})

export type StoreInput = z.output<typeof StoreSchema>

/** Time zones offered first: where Chinese dealer groups have stores. */
export const COMMON_TIME_ZONES = ['Asia/Shanghai', 'Asia/Urumqi', 'Asia/Hong_Kong', 'Asia/Macau', 'Asia/Taipei'] as const
export const COMMON_CURRENCIES = ['CNY', 'HKD', 'MOP', 'TWD'] as const
