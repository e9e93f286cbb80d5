import type { Cell, SkippedRow, TableRow } from './read-table'
import type { SalesColumn } from './sales-headers'
import { ID_FIELDS, REQUIRED_DATE_FIELDS, type SaleField, type SaleRecord } from './sales-record'
import {
  cellString,
  isNone,
  MAX_PRICE_FEN,
  MIN_PRICE_FEN,
  nameKey,
  amountFen,
  cleanString,
  normalizeVin,
  parseOrderNo,
  parsePaymentMethod,
  parseSaleDate,
  parseSalePhone,
  parseTradeIn,
  vinWarning,
  type MoneyScale,
  type Parsed,
  type SalesReason,
} from './sales-values'

/**
 * Row validation of DMS sales exports (SPEC §4): each data row becomes a SaleRecord (maybe
 * with warnings) or is rejected with every problem it has — the column as the file names it
 * and the reason as an i18n key with its parameters — so that nothing is dropped silently.
 * Blank and totals rows (合计 / 总计 / 小计) are recognised and skipped with their row number.
 *
 * Built for the import of million-row files through a streaming reader: the mapping is
 * resolved once into column indexes, each row is read by straight-line code into one object,
 * parsers are precompiled, repeated date texts are cached, and the problem list is allocated
 * only for a bad row. The SaleRecordSchema (zod) describes the result; validating each row
 * with it would cost more than the rest of the import, so the tests prove the two agree.
 */

export type SalesWarning =
  | 'sales.warning.vinCheckDigit'
  | 'sales.warning.vinLettersIOQ'
  | 'sales.warning.phoneNotMobile'
  | 'sales.warning.paymentUnknown'
  | 'sales.warning.tradeInUnknown'
  | 'sales.warning.priceZero'

export type SalesRowReason =
  | SalesReason
  | 'sales.reason.idMissing'
  | 'sales.reason.dateMissing'
  | 'sales.reason.dateFuture'
  | 'sales.reason.duplicateVin'
  | 'sales.reason.duplicateOrderNo'

/** Every reason and warning a row can get: each is a key of the sales.* dictionaries. */
export const SALES_ROW_MESSAGE_KEYS: ReadonlyArray<SalesRowReason | SalesWarning> = [
  'sales.reason.dateInvalid',
  'sales.reason.dateImpossible',
  'sales.reason.dateOutOfRange',
  'sales.reason.amountInvalid',
  'sales.reason.amountNegative',
  'sales.reason.priceImplausible',
  'sales.reason.phoneInvalid',
  'sales.reason.phoneDamaged',
  'sales.reason.vinInvalid',
  'sales.reason.idDamaged',
  'sales.reason.tooLong',
  'sales.reason.idMissing',
  'sales.reason.dateMissing',
  'sales.reason.dateFuture',
  'sales.reason.duplicateVin',
  'sales.reason.duplicateOrderNo',
  'sales.warning.vinCheckDigit',
  'sales.warning.vinLettersIOQ',
  'sales.warning.phoneNotMobile',
  'sales.warning.paymentUnknown',
  'sales.warning.tradeInUnknown',
  'sales.warning.priceZero',
]

export type SaleRowProblem<R extends string = SalesRowReason> = {
  /** the header of the column as the file has it (#3 for a column without one) */
  column: string
  reason: R
  params?: Record<string, string | number>
}

export type AcceptedSale = { kind: 'sale'; rowNumber: number; record: SaleRecord; warnings: Array<SaleRowProblem<SalesWarning>> | null }
export type RejectedSale = { kind: 'rejected'; rowNumber: number; problems: SaleRowProblem[] }
export type SkippedSaleRow = { kind: 'skipped' } & SkippedRow
export type SalesRowOutcome = AcceptedSale | RejectedSale | SkippedSaleRow

export type SalesBatchResult = { sales: AcceptedSale[]; rejected: RejectedSale[]; skipped: SkippedSaleRow[] }

export type SalesValidatorOptions = {
  /** the file's header row, as read */
  headers: readonly string[]
  /** the confirmed (or guessed) mapping */
  columns: readonly SalesColumn[]
  /** the store's time zone: the day of a moment written with an offset */
  timeZone?: string
  /** the last acceptable date (`YYYY-MM-DD`, the store's today or tomorrow); later dates are refused */
  latestDate?: string
}

const TOTAL = /^(合\s*计|总\s*计|小\s*计|共\s*计|(grand\s*|sub\s*)?totals?\b|sum\b)/i
/** the first characters of the words of TOTAL: most cells are ruled out without the pattern */
const TOTAL_FIRST = new Set([...'合总小共GgSsTt'].map((c) => c.charCodeAt(0)))
const DATE_CACHE_LIMIT = 20_000

/**
 * A validator for one file: it remembers the VINs and order numbers it has seen, so a sale
 * listed twice in the file is refused the second time (naming the first row).
 */
export function createSalesValidator(options: SalesValidatorOptions) {
  const { headers, columns } = options
  const timeZone = options.timeZone ?? 'Asia/Shanghai'
  const latestDate = options.latestDate ?? null
  const at: Record<SaleField, number> = Object.create(null)
  const scaleOf: Record<SaleField, MoneyScale> = Object.create(null)
  const headerOf = (index: number) => headers[index] || `#${index + 1}`
  const columnName: Record<SaleField, string> = Object.create(null)
  for (const c of columns) {
    at[c.field] = c.index
    scaleOf[c.field] = c.scale
    columnName[c.field] = headerOf(c.index)
  }
  const ix = (field: SaleField) => at[field] ?? -1
  const name = (field: SaleField) => columnName[field] ?? field
  const groupName = (fields: readonly SaleField[]) =>
    fields
      .filter((f) => ix(f) >= 0)
      .map(name)
      .join(' / ') || fields.join(' / ')
  const idColumns = groupName(ID_FIELDS)
  const dateColumns = groupName(REQUIRED_DATE_FIELDS)
  const idIndexes = ID_FIELDS.map(ix).filter((i) => i >= 0)

  const I = {
    vin: ix('vin'),
    orderNo: ix('orderNo'),
    invoiceDate: ix('invoiceDate'),
    orderDate: ix('orderDate'),
    deliveryDate: ix('deliveryDate'),
    brand: ix('brand'),
    series: ix('series'),
    model: ix('model'),
    trim: ix('trim'),
    color: ix('color'),
    listPrice: ix('listPrice'),
    transactionPrice: ix('transactionPrice'),
    discount: ix('discount'),
    grossProfit: ix('grossProfit'),
    accessoriesRevenue: ix('accessoriesRevenue'),
    financeIncome: ix('financeIncome'),
    insuranceIncome: ix('insuranceIncome'),
    warrantyIncome: ix('warrantyIncome'),
    customerName: ix('customerName'),
    phone: ix('phone'),
    consultant: ix('consultant'),
    paymentMethod: ix('paymentMethod'),
    tradeIn: ix('tradeIn'),
    source: ix('source'),
  }

  const scale = (field: SaleField): MoneyScale => scaleOf[field] ?? 1
  const S = {
    listPrice: scale('listPrice'),
    transactionPrice: scale('transactionPrice'),
    discount: scale('discount'),
    grossProfit: scale('grossProfit'),
    accessoriesRevenue: scale('accessoriesRevenue'),
    financeIncome: scale('financeIncome'),
    insuranceIncome: scale('insuranceIncome'),
    warrantyIncome: scale('warrantyIncome'),
  }

  const vinsSeen = new Map<string, number>()
  const ordersSeen = new Map<string, number>()
  const dateCache = new Map<string, Parsed<string | null>>()

  // per row: the problems and warnings found so far (null until the first)
  let problems: SaleRowProblem[] | null = null
  let warnings: Array<SaleRowProblem<SalesWarning>> | null = null
  const problem = (field: SaleField | string, reason: SalesRowReason, params?: Record<string, string | number>) => {
    const p: SaleRowProblem = { column: field in at ? name(field as SaleField) : field, reason }
    if (params) p.params = params
    ;(problems ??= []).push(p)
  }
  const warn = (field: SaleField, reason: SalesWarning, params?: Record<string, string | number>) => {
    const w: SaleRowProblem<SalesWarning> = { column: name(field), reason }
    if (params) w.params = params
    ;(warnings ??= []).push(w)
  }

  const text = (cells: Cell[], i: number, field: SaleField, max = 200): string | null => {
    if (i < 0) return null
    const cell = cells[i]
    if (cell === null || cell === undefined) return null
    const s = typeof cell === 'string' ? cleanString(cell) : cellString(cell)
    if (isNone(s)) return null
    if (s.length > max) {
      problem(field, 'sales.reason.tooLong', { max })
      return null
    }
    return s
  }

  const date = (cells: Cell[], i: number, field: SaleField): string | null => {
    if (i < 0) return null
    const cell = cells[i]
    if (cell === null || cell === undefined) return null
    let r: Parsed<string | null> | undefined
    if (typeof cell === 'string') {
      r = dateCache.get(cell)
      if (r === undefined) {
        r = parseSaleDate(cell, timeZone)
        if (dateCache.size >= DATE_CACHE_LIMIT) dateCache.clear()
        dateCache.set(cell, r)
      }
    } else {
      r = parseSaleDate(cell, timeZone)
    }
    if (!r.ok) {
      problem(field, r.reason, r.params)
      return null
    }
    if (latestDate !== null && r.value !== null && r.value > latestDate) problem(field, 'sales.reason.dateFuture', { value: r.value })
    return r.value
  }

  /** kind: 'price' is a car's price (positive, plausible); 'amount' any sum of money of a sale */
  const money = (cells: Cell[], i: number, field: SaleField, scale: MoneyScale, kind: 'price' | 'amount'): number | null => {
    if (i < 0) return null
    const cell = cells[i]
    if (cell === null || cell === undefined) return null
    const fen = amountFen(cell, scale)
    if (fen === null) return null
    if (fen !== fen) {
      problem(field, 'sales.reason.amountInvalid', { value: quoted(cell) })
      return null
    }
    if (kind === 'price') {
      if (fen < 0) {
        problem(field, 'sales.reason.amountNegative', { value: quoted(cell) })
        return null
      }
      if (fen === 0) {
        warn(field, 'sales.warning.priceZero')
        return null
      }
      if (fen < MIN_PRICE_FEN || fen > MAX_PRICE_FEN) {
        problem(field, 'sales.reason.priceImplausible', { value: quoted(cell), yuan: fen / 100 })
        return null
      }
    } else if (fen > MAX_PRICE_FEN || fen < -MAX_PRICE_FEN) {
      problem(field, 'sales.reason.priceImplausible', { value: quoted(cell), yuan: fen / 100 })
      return null
    }
    return fen
  }

  const isBlank = (cells: Cell[]) => {
    for (let i = 0; i < cells.length; i++) {
      const c = cells[i]
      if (c !== null && c !== undefined && (typeof c !== 'string' || cellString(c) !== '')) return false
    }
    return true
  }

  /** A totals row: 合计 / 总计 / 小计 / Total in one of its first two filled cells, and no VIN or order number. */
  const isTotal = (cells: Cell[]) => {
    let seen = 0
    let word = false
    for (let i = 0; i < cells.length && seen < 2; i++) {
      const c = cells[i]
      if (c === null || c === undefined) continue
      if (typeof c === 'string') {
        const s = cellString(c)
        if (s === '') continue
        if (TOTAL_FIRST.has(s.charCodeAt(0)) && TOTAL.test(s)) {
          word = true
          break
        }
      }
      seen++
    }
    if (!word) return false
    for (const i of idIndexes) {
      const c = cells[i]
      if (c !== null && c !== undefined && !isNone(cellString(c)) && !TOTAL.test(cellString(c))) return false
    }
    return true
  }

  const rowText = (cells: Cell[]) =>
    cells
      .map(cellString)
      .filter((s) => s)
      .join(' ')
      .slice(0, 200)

  /** One data row: a sale, a rejected row with its problems, or a blank or totals row skipped. */
  function validateRow(row: TableRow): SalesRowOutcome {
    const cells = row.cells
    if (isBlank(cells)) return { kind: 'skipped', rowNumber: row.rowNumber, why: 'blank', text: '' }
    if (isTotal(cells)) return { kind: 'skipped', rowNumber: row.rowNumber, why: 'total', text: rowText(cells) }
    problems = null
    warnings = null

    let vin: string | null = null
    if (I.vin >= 0) {
      const v = normalizeVin(cells[I.vin])
      if (v === false) problem('vin', 'sales.reason.vinInvalid', { value: quoted(cells[I.vin]) })
      else if (v !== null) {
        vin = v
        const warning = vinWarning(v)
        if (warning) warn('vin', warning)
      }
    }
    let orderNo: string | null = null
    if (I.orderNo >= 0) {
      const r = parseOrderNo(cells[I.orderNo])
      if (!r.ok) problem('orderNo', r.reason, r.params)
      else orderNo = r.value
    }
    // missing only when neither was there at all (a malformed one has its own reason)
    if (vin === null && orderNo === null && !problems) problem(idColumns, 'sales.reason.idMissing')

    const invoiceDate = date(cells, I.invoiceDate, 'invoiceDate')
    const orderDate = date(cells, I.orderDate, 'orderDate')
    const deliveryDate = date(cells, I.deliveryDate, 'deliveryDate')
    if (invoiceDate === null && orderDate === null && !hasCell(cells, I.invoiceDate) && !hasCell(cells, I.orderDate)) {
      problem(dateColumns, 'sales.reason.dateMissing')
    }

    const customerName = text(cells, I.customerName, 'customerName', 100)
    let phone: string | null = null
    let phoneMasked: string | null = null
    if (I.phone >= 0) {
      const r = parseSalePhone(cells[I.phone])
      if (!r.ok) problem('phone', r.reason, r.params)
      else if (r.value) {
        phone = r.value.phone
        phoneMasked = r.value.masked
        if (r.value.warning) warn('phone', r.value.warning)
      }
    }

    const paymentText = text(cells, I.paymentMethod, 'paymentMethod')
    const paymentMethod = paymentText === null ? null : parsePaymentMethod(paymentText)
    if (paymentText !== null && paymentMethod === null) warn('paymentMethod', 'sales.warning.paymentUnknown', { value: paymentText.slice(0, 40) })
    let tradeIn: boolean | null = null
    if (I.tradeIn >= 0) {
      const t = parseTradeIn(cells[I.tradeIn])
      if (t === undefined) warn('tradeIn', 'sales.warning.tradeInUnknown', { value: cellString(cells[I.tradeIn]).slice(0, 40) })
      else tradeIn = t
    }

    const record: SaleRecord = {
      vin,
      orderNo,
      invoiceDate,
      orderDate,
      deliveryDate,
      brand: text(cells, I.brand, 'brand'),
      series: text(cells, I.series, 'series'),
      model: text(cells, I.model, 'model'),
      trim: text(cells, I.trim, 'trim'),
      color: text(cells, I.color, 'color'),
      listPriceFen: money(cells, I.listPrice, 'listPrice', S.listPrice, 'price'),
      transactionPriceFen: money(cells, I.transactionPrice, 'transactionPrice', S.transactionPrice, 'price'),
      discountFen: money(cells, I.discount, 'discount', S.discount, 'amount'),
      grossProfitFen: money(cells, I.grossProfit, 'grossProfit', S.grossProfit, 'amount'),
      accessoriesRevenueFen: money(cells, I.accessoriesRevenue, 'accessoriesRevenue', S.accessoriesRevenue, 'amount'),
      financeIncomeFen: money(cells, I.financeIncome, 'financeIncome', S.financeIncome, 'amount'),
      insuranceIncomeFen: money(cells, I.insuranceIncome, 'insuranceIncome', S.insuranceIncome, 'amount'),
      warrantyIncomeFen: money(cells, I.warrantyIncome, 'warrantyIncome', S.warrantyIncome, 'amount'),
      customerName,
      nameKey: nameKey(customerName),
      phone,
      phoneMasked,
      consultant: text(cells, I.consultant, 'consultant'),
      paymentMethod,
      tradeIn,
      source: text(cells, I.source, 'source'),
    }

    // the same sale twice in one file: the second is refused, naming the first
    if (!problems) {
      if (vin !== null) {
        const first = vinsSeen.get(vin)
        if (first !== undefined) problem('vin', 'sales.reason.duplicateVin', { row: first })
      } else if (orderNo !== null) {
        const first = ordersSeen.get(orderNo)
        if (first !== undefined) problem('orderNo', 'sales.reason.duplicateOrderNo', { row: first })
      }
    }
    if (problems) return { kind: 'rejected', rowNumber: row.rowNumber, problems }
    if (vin !== null) vinsSeen.set(vin, row.rowNumber)
    if (orderNo !== null && !ordersSeen.has(orderNo)) ordersSeen.set(orderNo, row.rowNumber)
    return { kind: 'sale', rowNumber: row.rowNumber, record, warnings }
  }

  /** A batch of rows as a streaming reader yields them, sorted into sales, rejected rows and skipped rows. */
  function validateBatch(rows: readonly TableRow[], into: SalesBatchResult = { sales: [], rejected: [], skipped: [] }): SalesBatchResult {
    for (let i = 0; i < rows.length; i++) {
      const outcome = validateRow(rows[i]!)
      if (outcome.kind === 'sale') into.sales.push(outcome)
      else if (outcome.kind === 'rejected') into.rejected.push(outcome)
      else into.skipped.push(outcome)
    }
    return into
  }

  return { validateRow, validateBatch }
}

/** A cell quoted in a reason: short, and one line. */
function quoted(cell: Cell | undefined) {
  const s = cellString(cell)
  return (s.length > 40 ? `${s.slice(0, 40)}…` : s).replace(/[\r\n\t]+/g, ' ')
}

function hasCell(cells: Cell[], i: number) {
  if (i < 0) return false
  const c = cells[i]
  return c !== null && c !== undefined && !(typeof c === 'string' && isNone(cellString(c)))
}

export type SalesValidator = ReturnType<typeof createSalesValidator>
