import { z } from 'zod'

/**
 * One row of regional market data (SPEC §5: sales or insurance registrations 上险数 by brand,
 * model, city and month), after validation. Pure data: no database, no files. The month is the
 * first day of the month as `YYYY-MM-01`; units are a whole number of cars.
 *
 * What a file counts is said once for the whole file, on the preview (its measure): insurance
 * registrations (上险数, the default: what the market reports sell) or regional sales (销量).
 */

/** The fields a column of a market-data file can be mapped to, in the order the mapping lists them. */
export const MARKET_FIELDS = ['month', 'province', 'city', 'brand', 'model', 'units'] as const
export type MarketField = (typeof MARKET_FIELDS)[number]

/** A row needs each of these (the month and the units in a column, or the units under month headers). */
export const REQUIRED_MARKET_FIELDS = ['month', 'city', 'brand', 'model', 'units'] as const satisfies readonly MarketField[]

export const MARKET_MEASURES = ['registrations', 'sales'] as const
export type MarketMeasure = (typeof MARKET_MEASURES)[number]
export const DEFAULT_MARKET_MEASURE: MarketMeasure = 'registrations'

/** Text cells longer than this are refused (a whole paragraph in a brand column is not a brand). */
export const MARKET_TEXT_MAX = 100

const text = z.string().min(1).max(MARKET_TEXT_MAX)

export const MarketRecordSchema = z.object({
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-01$/),
  /** 省份: optional; many city files leave it out */
  province: text.nullable(),
  city: text,
  brand: text,
  model: text,
  /** 上险数 or 销量: a whole number of cars, never negative */
  units: z.number().int().nonnegative().safe(),
})
export type MarketRecord = z.infer<typeof MarketRecordSchema>

/**
 * A header as pages and reports name it: an .xlsx date cell heading a month column reaches the
 * app as an instant (2026-03-01T00:00:00.000Z) and is named by its day, as Excel shows it.
 */
export function headerLabel(header: string) {
  return header.replace(/^(\d{4}-\d{2}-\d{2})T00:00:00(?:\.000)?Z$/, '$1')
}
