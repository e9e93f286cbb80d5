import type { Cell, SkippedRow, TableRow } from './read-table'
import { TOTAL_ROW } from './read-table'
import type { MarketColumn, MarketLayout } from './market-headers'
import { headerLabel, MARKET_TEXT_MAX, type MarketField, type MarketRecord } from './market-record'
import { parseMarketMonth, parseMarketText, parseUnits, type MarketParsed, type MarketReason } from './market-values'

/**
 * Row validation of market-data files (SPEC §5, with the guarantees of the §4 import path):
 * each data row becomes one record (long layout) or one per month with a number (wide
 * layout), or is rejected with every problem it has — the column as the file names it and
 * the reason as an i18n key with its parameters — so that nothing is dropped silently.
 * A row whose city, brand or model cell reads 合计 / 小计 / 总计 is a subtotal: skipped and
 * reported as a totals row, like the totals rows the reader finds itself.
 *
 * Rows of the same month, city, brand and model are kept, each: a file broken down further
 * (by district, fuel or body type, in columns not mapped) adds up to the city's figure.
 */

export type MarketRowProblem = { column: string; reason: MarketReason; params?: Record<string, string | number> }
export type RejectedMarketRow = { rowNumber: number; problems: MarketRowProblem[] }
export type AcceptedMarketRecord = { rowNumber: number; record: MarketRecord }

export type MarketValidatorOptions = {
  headers: readonly string[]
  columns: readonly MarketColumn[]
  layout: MarketLayout
  /** the store's current month (`YYYY-MM-01`): later months are refused as future */
  currentMonth: string
  timeZone?: string
}

export type MarketBatchResult = { records: AcceptedMarketRecord[]; rejected: RejectedMarketRow[]; skipped: SkippedRow[] }

const MISSING: Partial<Record<MarketField, MarketReason>> = {
  month: 'market.reason.monthMissing',
  city: 'market.reason.cityMissing',
  brand: 'market.reason.brandMissing',
  model: 'market.reason.modelMissing',
  units: 'market.reason.unitsMissing',
}

export function createMarketValidator(options: MarketValidatorOptions) {
  const { headers, columns, layout, currentMonth } = options
  const timeZone = options.timeZone ?? 'Asia/Shanghai'
  const at: Partial<Record<MarketField, number>> = {}
  for (const c of columns) if (layout.kind === 'long' || c.field !== 'units') at[c.field] = c.index
  const headerOf = (index: number) => headers[index] || `#${index + 1}`
  const months = layout.kind === 'wide' ? layout.months.map((m) => ({ ...m, column: headerLabel(headerOf(m.index)) })) : []

  function validateRow(row: TableRow, out: MarketBatchResult) {
    const problems: MarketRowProblem[] = []
    const cell = (field: MarketField): Cell | undefined => (at[field] === undefined ? undefined : row.cells[at[field]!])
    const take = <T>(field: MarketField, parsed: MarketParsed<T | null>, column = headerOf(at[field] ?? -1)): T | null => {
      if (!parsed.ok) {
        problems.push({ column, reason: parsed.reason, ...(parsed.params ? { params: parsed.params } : {}) })
        return null
      }
      if (parsed.value === null && MISSING[field]) problems.push({ column, reason: MISSING[field]! })
      return parsed.value
    }
    // in the order of the usual columns: month, province, city, brand, model, units
    let month: string | null = null
    if (layout.kind === 'long') {
      month = take('month', parseMarketMonth(cell('month'), timeZone))
      if (month !== null && month > currentMonth) problems.push({ column: headerOf(at.month!), reason: 'market.reason.monthFuture', params: { value: month.slice(0, 7) } })
    }
    const texts = {
      province: at.province === undefined ? null : take('province', parseMarketText(cell('province'), MARKET_TEXT_MAX)),
      city: take('city', parseMarketText(cell('city'), MARKET_TEXT_MAX)),
      brand: take('brand', parseMarketText(cell('brand'), MARKET_TEXT_MAX)),
      model: take('model', parseMarketText(cell('model'), MARKET_TEXT_MAX)),
    }
    // a subtotal row inside the data (浙江省 | 小计 | …): skipped as a totals row
    if ([texts.province, texts.city, texts.brand, texts.model].some((t) => t !== null && TOTAL_ROW.test(t))) {
      out.skipped.push({ rowNumber: row.rowNumber, why: 'total', text: row.cells.map((c) => (c === null ? '' : String(c))).filter(Boolean).join(' ').slice(0, 200) })
      return
    }
    const base = { province: texts.province, city: texts.city!, brand: texts.brand!, model: texts.model! }
    if (layout.kind === 'long') {
      const units = take('units', parseUnits(cell('units')))
      if (problems.length) out.rejected.push({ rowNumber: row.rowNumber, problems })
      else out.records.push({ rowNumber: row.rowNumber, record: { month: month!, ...base, units: units! } })
      return
    }
    // the wide layout: a record per month with a number; an empty month is a gap, not a zero
    const found: Array<{ month: string; units: number }> = []
    let empty = 0
    for (const m of months) {
      const units = parseUnits(row.cells[m.index])
      if (!units.ok) problems.push({ column: m.column, reason: units.reason, ...(units.params ? { params: units.params } : {}) })
      else if (units.value === null) empty++
      else if (m.month > currentMonth) problems.push({ column: m.column, reason: 'market.reason.monthFuture', params: { value: m.month.slice(0, 7) } })
      else found.push({ month: m.month, units: units.value })
    }
    if (empty === months.length) problems.push({ column: months.map((m) => m.column).join(' / '), reason: 'market.reason.unitsMissing' })
    if (problems.length) out.rejected.push({ rowNumber: row.rowNumber, problems })
    else for (const f of found) out.records.push({ rowNumber: row.rowNumber, record: { month: f.month, ...base, units: f.units } })
  }

  return {
    validateBatch(rows: readonly TableRow[]): MarketBatchResult {
      const out: MarketBatchResult = { records: [], rejected: [], skipped: [] }
      for (const row of rows) validateRow(row, out)
      return out
    },
  }
}

/** The store's current month, `YYYY-MM-01`, in its time zone. */
export function currentMonthIn(timeZone: string, now = new Date()) {
  const day = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now)
  return `${day.slice(0, 7)}-01`
}
