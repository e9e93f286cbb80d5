import { z } from 'zod'
import { MARKET_FIELDS, type MarketField, type MarketMeasure } from './market-record'
import { createHeaderMatcher, type HeaderAlias } from './header-match'
import { monthOfHeader } from './market-values'

/**
 * Which column of a market-data file is which field (SPEC §5): headers in Chinese or English
 * as market reports and registration (上险数) exports write them. A file comes in one of two
 * layouts: *long*, a row per brand, model, city and month (a month column and a units
 * column), or *wide*, a row per brand, model and city with a column per month, each headed by
 * a full year and month (2026-01, 2026年1月). The guess carries a confidence per column; the
 * user confirms or edits it on the preview.
 */

/** Header texts as exports write them, with the confidence of an exact match (1 unless given; header-match.ts normalizes them). */
const ALIASES: Record<MarketField, readonly HeaderAlias[]> = {
  month: ['月份', '年月', '统计月份', '上险月份', '销售月份', '注册月份', '统计年月', '月度', '期间', ['日期', 0.7], ['时间', 0.6], 'month', 'yearmonth', 'period', ['date', 0.7]],
  province: ['省份', '省', '省份名称', '所在省份', '省区', '省/直辖市', 'province', 'state'],
  city: ['城市', '地市', '地区', '城市名称', '市', '所在城市', '地级市', '上险城市', '区域', 'city', ['region', 0.8], ['area', 0.8]],
  brand: ['品牌', '厂商', '品牌名称', '汽车品牌', '厂商品牌', '生产厂商', '制造商', 'brand', 'make', 'manufacturer', 'oem'],
  model: ['车型', '车系', '车型名称', '车系名称', '车型系列', '车型车系', 'model', 'modelname', 'series', 'vehiclemodel', 'carmodel'],
  units: [
    '上险数', '上险量', '交强险', '交强险数', '交强险数量', '注册量', '上牌量', '上牌数', '销量', '销售量', '终端销量', '零售量', '数量', '台数',
    'units', 'registrations', 'volume', 'sales', 'qty', 'quantity', ['count', 0.8],
  ],
}

/** Too general to find inside a longer header (一月销量 is a month column's header, 销售员 not a units column). */
const NOT_CONTAINABLE = ['市', '省', '省区', '日期', 'date', '时间', '期间', '数量', 'sales', 'count', 'area', 'region', 'model', 'series', 'make', 'oem', 'qty', 'state', '区域']
/** Headers that only look like a field: a share, a rank, a growth rate, a price. */
const NOT_A_FIELD = /占比|份额|排名|排行|同比|环比|增长|增速|share|rank|growth|yoy|mom|价格|price|编码|代码|code|id$/

const matcher = createHeaderMatcher(MARKET_FIELDS, ALIASES, { notContainable: NOT_CONTAINABLE, notAField: NOT_A_FIELD })

/** A month header of the wide layout is read exactly (2026年1月): nothing to doubt. */
const MONTH_HEADER_CONFIDENCE = 1

export type MarketHeaderMatch = { field: MarketField; confidence: number }

/** The field a header names: an exact alias, else the longest alias it contains (0.6), else null. */
export function matchMarketField(header: string): MarketHeaderMatch | null {
  const m = matcher.match(header)
  return m ? { field: m.field, confidence: m.confidence } : null
}

/** Every header text the guess knows exactly: the reader finds the header row by them. */
export const KNOWN_MARKET_HEADERS: readonly string[] = matcher.known

/** One column of a file mapped to a field. In the wide layout several columns are `units`, each under its month's header. */
export type MarketColumn = { index: number; field: MarketField }
export type MarketColumnGuess = MarketColumn & { header: string; confidence: number }

/**
 * The mapping of a file's header: columns headed by a full year and month are the units of
 * that month (the wide layout), unless the file also has a month column; every other field is
 * taken by the column that names it with the most confidence (the first of equals).
 */
export function guessMarketMapping(headers: readonly string[]): MarketColumnGuess[] {
  const monthColumns: MarketColumnGuess[] = []
  headers.forEach((header, index) => {
    if (header && monthOfHeader(header)) monthColumns.push({ index, header, field: 'units', confidence: MONTH_HEADER_CONFIDENCE })
  })
  const named = matcher
    .guess(headers.map((h) => (h && monthOfHeader(h) ? '' : h)))
    .map(({ index, header, field, confidence }): MarketColumnGuess => ({ index, header, field, confidence }))
  // a month column and a units column: the long layout, whatever else is headed by a month
  const long = named.some((c) => c.field === 'month') && named.some((c) => c.field === 'units')
  const columns = named.filter((c) => long || (c.field !== 'month' && (monthColumns.length === 0 || c.field !== 'units')))
  if (!long) columns.push(...monthColumns)
  return columns.sort((a, b) => a.index - b.index)
}

/** A mapping as the user confirms it on the preview (and as the job carries it). */
export const MarketMappingSchema = z
  .array(z.object({ index: z.number().int().min(0).max(999), field: z.enum(MARKET_FIELDS) }))
  .max(1000)

export type MarketLayout = { kind: 'long' } | { kind: 'wide'; months: Array<{ index: number; month: string }> }

export type MarketMappingProblem = {
  key: 'market.error.missingField' | 'market.error.duplicateField' | 'market.error.duplicateColumn' | 'market.error.unitsNotMonth' | 'market.error.duplicateMonth'
  params: Record<string, string>
}

/**
 * What a mapping lacks before rows can be read, and the layout it describes: brand, model and
 * city each once; then either a month column and one units column (long), or no month column
 * and units columns each headed by a different month (wide).
 */
export function checkMarketMapping(columns: readonly MarketColumn[], headers: readonly string[]): { layout: MarketLayout | null; problems: MarketMappingProblem[] } {
  const problems: MarketMappingProblem[] = []
  const count = new Map<MarketField, number>()
  const indexes = new Set<number>()
  for (const c of columns) {
    if (indexes.has(c.index)) problems.push({ key: 'market.error.duplicateColumn', params: { column: String(c.index + 1) } })
    indexes.add(c.index)
    count.set(c.field, (count.get(c.field) ?? 0) + 1)
  }
  for (const field of ['province', 'city', 'brand', 'model', 'month'] as const) {
    if ((count.get(field) ?? 0) > 1) problems.push({ key: 'market.error.duplicateField', params: { field } })
  }
  for (const field of ['brand', 'model', 'city'] as const) {
    if (!count.get(field)) problems.push({ key: 'market.error.missingField', params: { field } })
  }
  const units = columns.filter((c) => c.field === 'units')
  if (!units.length) problems.push({ key: 'market.error.missingField', params: { field: 'units' } })
  let layout: MarketLayout | null = null
  if (count.get('month')) {
    if (units.length > 1) problems.push({ key: 'market.error.duplicateField', params: { field: 'units' } })
    layout = { kind: 'long' }
  } else if (units.length) {
    const months: Array<{ index: number; month: string }> = []
    const seen = new Set<string>()
    for (const c of units) {
      const header = headers[c.index] ?? ''
      const month = monthOfHeader(header)
      if (!month) {
        // one units column without a month column: the month column is what is missing
        problems.push(units.length === 1 ? { key: 'market.error.missingField', params: { field: 'month' } } : { key: 'market.error.unitsNotMonth', params: { header: header || `#${c.index + 1}` } })
        continue
      }
      if (seen.has(month)) problems.push({ key: 'market.error.duplicateMonth', params: { month: month.slice(0, 7) } })
      seen.add(month)
      months.push({ index: c.index, month })
    }
    layout = { kind: 'wide', months }
  }
  return { layout: problems.length ? null : layout, problems }
}

const SALES_WORDS = /销量|销售|零售|批发|sales|retail/i

/** What a file counts, as its units headers say it: regional sales (销量), else insurance registrations (上险数, the usual market report). */
export function guessMarketMeasure(headers: readonly string[], columns: readonly MarketColumn[]): MarketMeasure {
  const units = columns.filter((c) => c.field === 'units').map((c) => headers[c.index] ?? '')
  return units.some((h) => SALES_WORDS.test(h)) ? 'sales' : 'registrations'
}
