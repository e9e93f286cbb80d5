import type { Cell, SkippedRow, TableRow } from './read-table'
import { quoteInReason } from './phone'
import { isKnownSalesHeader, type SalesColumn } from './sales-headers'
import { ID_FIELDS, REQUIRED_DATE_FIELDS, type SaleField, type SaleRecord } from './sales-record'
import { SeenKeys } from './sales-keys'
import type { SalesStage } from './sales-stage'
import { cellText, codesOf, RepeatedTexts, textRow, type SalesTextBatch } from './sales-text-batch'
import {
  cellString,
  daysIn,
  isNone,
  isPlainHanName,
  isPlainIdAt,
  MAX_SALE_YEAR,
  MIN_SALE_YEAR,
  mobileShapeAt,
  toFen,
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
  vinWarningAt,
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
 *
 * A CSV import goes faster still (validateText): the reader hands over a batch as one string
 * and its cells' offsets, and each row is first tried on a fast path that reads the usual
 * forms — 17-character VINs, ISO dates, plain amounts, 11-digit or masked phones, clean
 * text — where they lie and writes the row straight into the staged file. The fast path only
 * ever accepts: a row with anything else in it — another form of a value, a problem, a
 * warning, a duplicate, a blank or totals row — is undone and given to validateRow as a
 * TableRow, so every reason, warning and value comes from the general code; the fast path
 * calls the same parsers for the forms it does not read itself, and a test holds its output
 * equal to the general path's, row for row.
 */

export type SalesWarning =
  | 'sales.warning.vinCheckDigit'
  | 'sales.warning.vinLettersIOQ'
  | 'sales.warning.phoneNotMobile'
  | 'sales.warning.phoneSeveral'
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
  'sales.warning.phoneSeveral',
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
/** TOTAL_FIRST by code unit, for the fast path's look at every row (a Set's lookup was 2% of it) */
const TOTAL_FIRST_CODE = new Uint8Array(0x10000)
for (const c of TOTAL_FIRST) TOTAL_FIRST_CODE[c] = 1
/** a line a report prints under its rows (制表人：王小明, 审核：, 打印时间：…), not a sale */
const FOOTER = /^(?:制表|制单|填表|填报|审核|审批|复核|经办|负责人|统计人|打印|导出|报表日期|数据截止|截止日期|截至|prepared\s*by|printed|print\s*date|exported)[^:：]{0,8}[:：]/i
/** a cell of the units line some exports put under the header (元, (万元), 单位：元, yyyy-mm-dd, (年-月-日)) */
const UNIT = /^[(（[【]?\s*(?:单位\s*[:：]?\s*)?(?:元|万元|万|人民币|rmb|cny|[¥￥]|台|辆|%|y{2,4}[-/.年]?m{1,2}[-/.月]?d{1,2}日?|年-月-日|年\/月\/日|年月日)\s*[)）\]】]?$/i
const DATE_CACHE_LIMIT = 20_000
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/
/** the first characters of the NONE words (isNone): a short cell starting otherwise is not one */
const NONE_FIRST = new Set([...'-—/\\无Nn#'].map((c) => c.charCodeAt(0)))

/** What validateText did with a batch: the good rows are staged already; the rest are for the caller to report. */
export type SalesTextResult = {
  /** rows staged (fast and general) */
  imported: number
  /** rows the general validator took (the rest went the fast way) */
  general: number
  rejected: RejectedSale[]
  /** staged rows with warnings */
  warned: AcceptedSale[]
  skipped: SkippedSaleRow[]
}

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
    tradeInBrand: ix('tradeInBrand'),
    tradeInModel: ix('tradeInModel'),
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

  const vinsSeen = new SeenKeys()
  const ordersSeen = new SeenKeys()
  const dateCache = new Map<string, Parsed<string | null>>()
  const cachedDate = (cell: string) => {
    let r = dateCache.get(cell)
    if (r === undefined) {
      r = parseSaleDate(cell, timeZone)
      if (dateCache.size >= DATE_CACHE_LIMIT) dateCache.clear()
      dateCache.set(cell, r)
    }
    return r
  }

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
    const r = typeof cell === 'string' ? cachedDate(cell) : parseSaleDate(cell, timeZone)
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

  /**
   * A row that is no sale but a line of the report around its rows: a footer (制表人：王小明 …),
   * the units line under the header (元 | 万元 | yyyy-mm-dd), or header names again (the
   * lower line of a two-line header: 指导价 | 成交价 | 毛利 under 价格信息; the header a
   * print-oriented export repeats on each page). Asked only of rows with problems.
   */
  const isLabelRow = (cells: Cell[]) => {
    let first: string | null = null
    let labels = 0
    for (let i = 0; i < cells.length; i++) {
      const c = cells[i]
      if (c === null || c === undefined) continue
      if (typeof c !== 'string') return false
      const s = cellString(c)
      if (isNone(s)) continue
      if (first === null) {
        first = s
        // a footer, whatever follows its label, unless the row has a VIN
        if (FOOTER.test(s)) return I.vin < 0 || typeof normalizeVin(cells[I.vin]) !== 'string'
      }
      if (!UNIT.test(s) && s !== headers[i] && !isKnownSalesHeader(s)) return false
      labels++
    }
    return labels >= 2 || (labels === 1 && UNIT.test(first!))
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
    if (invoiceDate === null && orderDate === null && deliveryDate === null && !hasCell(cells, I.invoiceDate) && !hasCell(cells, I.orderDate) && !hasCell(cells, I.deliveryDate)) {
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
      tradeInBrand: text(cells, I.tradeInBrand, 'tradeInBrand'),
      tradeInModel: text(cells, I.tradeInModel, 'tradeInModel'),
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
    if (problems) {
      if (isLabelRow(cells)) return { kind: 'skipped', rowNumber: row.rowNumber, why: 'title', text: rowText(cells) }
      return { kind: 'rejected', rowNumber: row.rowNumber, problems }
    }
    if (vin !== null) vinsSeen.put(vin, row.rowNumber)
    if (orderNo !== null) ordersSeen.put(orderNo, row.rowNumber)
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

  // ---------------------------------------------------------------- the fast path

  /** the latest date as yyyymmdd, for the fast path's ISO dates (null: not ISO, so those go the cached way) */
  const latestDay = latestDate === null ? Infinity : ISO_DAY.test(latestDate) ? Number(latestDate.replace(/-/g, '')) : null
  const MONEY: ReadonlyArray<[index: number, scale: MoneyScale, price: boolean]> = [
    [I.listPrice, S.listPrice, true],
    [I.transactionPrice, S.transactionPrice, true],
    [I.discount, S.discount, false],
    [I.grossProfit, S.grossProfit, false],
    [I.accessoriesRevenue, S.accessoriesRevenue, false],
    [I.financeIncome, S.financeIncome, false],
    [I.insuranceIncome, S.insuranceIncome, false],
    [I.warrantyIncome, S.warrantyIncome, false],
  ]
  const TEXTS_BEFORE_MONEY = [I.brand, I.series, I.model, I.trim, I.color]
  // MONEY taken apart, for a plain indexed loop per row (iterating and destructuring the tuples was 2% of the fast path)
  const MONEY_INDEX = Int32Array.from(MONEY.map(([i]) => i))
  const MONEY_SCALE = MONEY.map(([, scale]) => scale)
  const MONEY_PRICE = MONEY.map(([, , price]) => price)

  // the row being read: its batch, first cell and width
  let T: Uint16Array = new Uint16Array(0)
  /** the strings of the short cells that repeat down a column */
  const repeated = new RepeatedTexts()
  let starts: Int32Array = new Int32Array(0)
  let ends: Int32Array = new Int32Array(0)
  let first = 0
  let width = 0
  // the phone hashes the reader made for the batch, and the row's index in it
  let hashes: Int32Array | undefined
  let hashed: Uint8Array | undefined
  let rowIndex = 0
  /** the start of column i's cell in T, -1 when the row has none (unmapped, past its end, or empty) */
  const startOf = (i: number) => {
    if (i < 0 || i >= width) return -1
    const s = starts[first + i]!
    return s === ends[first + i]! ? -1 : s
  }
  const endOf = (i: number) => ends[first + i]!

  /** text(): a clean cell is written where it lies; false: the general way (too long) */
  const putText = (stage: SalesStage, i: number, max: number): boolean => {
    const s = startOf(i)
    if (s < 0) {
      stage.nil()
      return true
    }
    const e = endOf(i)
    // written where it lies unless cleanString would change it (cleanRange stops at the first
    // such character), it may be a word for none, or it is too long before cleaning
    if (e - s <= max && !(e - s <= 4 && NONE_FIRST.has(T[s]!))) {
      const mark = stage.mark()
      if (stage.cleanRange(T, s, e)) return true
      stage.reset(mark)
    }
    const v = cleanString(cellText(T, s, e))
    if (isNone(v)) stage.nil()
    else if (v.length > max) return false
    else stage.str(v)
    return true
  }

  /** date(): 0 nothing, 1 a day, -1 the general way (not a day, or later than the latest) */
  const putDate = (stage: SalesStage, i: number): number => {
    const s = startOf(i)
    if (s < 0) {
      stage.nil()
      return 0
    }
    const e = endOf(i)
    const n = e - s
    // YYYY-MM-DD, 2026/9/3, 2026.10.03 (YMD's forms without a time), read where they lie
    if (n >= 8 && n <= 10 && latestDay !== null && isDateSeparator(T[s + 4]!)) {
      const y = digits(T, s, 4)
      // the month: one or two digits, then a separator; the day: one or two digits to the end
      const twoDigitMonth = isDateSeparator(T[s + 7]!)
      const m = digits(T, s + 5, twoDigitMonth ? 2 : 1)
      const at = s + (twoDigitMonth ? 8 : 7)
      const d = e - at === 1 || e - at === 2 ? digits(T, at, e - at) : -1
      if (y >= 0 && m >= 0 && d >= 0 && (twoDigitMonth || isDateSeparator(T[s + 6]!))) {
        if (m < 1 || m > 12 || d < 1 || d > daysIn(y, m) || y < MIN_SALE_YEAR || y > MAX_SALE_YEAR) return -1
        if (y * 10_000 + m * 100 + d > latestDay) return -1
        // as isoDay writes it: an ISO cell is its own value
        if (n === 10 && T[s + 4] === 45 && T[s + 7] === 45) stage.range(T, s, e)
        else stage.isoDay(y, m, d)
        return 1
      }
    }
    const r = cachedDate(cellText(T, s, e))
    if (!r.ok) return -1
    if (r.value === null) {
      stage.nil()
      return 0
    }
    if (latestDate !== null && r.value > latestDate) return -1
    stage.str(r.value)
    return 1
  }

  /** money(): false for anything it would report or warn about */
  const putMoney = (stage: SalesStage, i: number, scale: MoneyScale, price: boolean): boolean => {
    const s = startOf(i)
    if (s < 0) {
      stage.nil()
      return true
    }
    const e = endOf(i)
    let fen = plainFen(T, s, e, scale)
    if (fen !== fen) {
      const f = amountFen(cellText(T, s, e), scale)
      if (f === null) {
        stage.nil()
        return true
      }
      fen = f
    }
    if (fen !== fen) return false
    if (price ? fen <= 0 || fen < MIN_PRICE_FEN || fen > MAX_PRICE_FEN : fen > MAX_PRICE_FEN || fen < -MAX_PRICE_FEN) return false
    stage.int(fen)
    return true
  }

  /** One row on the fast path, staged; false (nothing staged) when it must go the general way. */
  function fastRow(stage: SalesStage, rowNumber: number): boolean {
    // blank, or perhaps a totals row (a word in one of its first two filled cells)
    let filled = 0
    for (let j = 0; j < width && filled < 2; j++) {
      const s = starts[first + j]!
      if (s === ends[first + j]!) continue
      const c = T[s]!
      // a totals word, or a character cleanString would change (the cell may clean to one, or to nothing)
      if (TOTAL_FIRST_CODE[c] === 1 || c >= 0xff01 || c <= 32 || c === 0xa0 || c === 0x3000 || c === 0xfeff) return false
      filled++
    }
    if (!filled) return false
    stage.begin(rowNumber)

    // the VIN and the order number: where they lie when they are as they should be (a
    // string otherwise), and the slots that remember them once the row is taken
    let vinText = T
    let vinFrom = startOf(I.vin)
    let vinTo = vinFrom < 0 ? -1 : endOf(I.vin)
    let vinSlot = -1
    if (vinFrom >= 0) {
      if (vinTo - vinFrom !== 17 || !isVinAt(T, vinFrom)) {
        const v = normalizeVin(cellText(T, vinFrom, vinTo))
        if (v === false) return false
        if (v === null) vinFrom = -1
        else {
          vinText = codesOf(v)
          vinFrom = 0
          vinTo = 17
        }
      }
    }
    if (vinFrom >= 0) {
      if (vinWarningAt(vinText, vinFrom) !== null) return false
      vinSlot = vinsSeen.find(vinText, vinFrom, vinTo)
      if (vinsSeen.row(vinSlot) >= 0) return false
      stage.range(vinText, vinFrom, vinTo)
    } else stage.nil()
    let orderText = T
    let orderFrom = startOf(I.orderNo)
    let orderTo = orderFrom < 0 ? -1 : endOf(I.orderNo)
    let orderSlot = -1
    if (orderFrom >= 0 && !isPlainIdAt(T, orderFrom, orderTo)) {
      const r = parseOrderNo(cellText(T, orderFrom, orderTo))
      if (!r.ok) return false
      if (r.value === null) orderFrom = -1
      else {
        orderText = codesOf(r.value)
        orderFrom = 0
        orderTo = r.value.length
      }
    }
    if (orderFrom >= 0) {
      orderSlot = ordersSeen.find(orderText, orderFrom, orderTo)
      // a second sale with the order number but no VIN is a duplicate
      if (vinSlot < 0 && ordersSeen.row(orderSlot) >= 0) return false
      stage.range(orderText, orderFrom, orderTo)
    } else {
      if (vinSlot < 0) return false
      stage.nil()
    }

    const invoice = putDate(stage, I.invoiceDate)
    if (invoice < 0) return false
    const order = putDate(stage, I.orderDate)
    if (order < 0 || (invoice === 0 && order === 0)) return false
    if (putDate(stage, I.deliveryDate) < 0) return false

    for (let k = 0; k < TEXTS_BEFORE_MONEY.length; k++) if (!putText(stage, TEXTS_BEFORE_MONEY[k]!, 200)) return false
    for (let k = 0; k < MONEY_INDEX.length; k++) if (!putMoney(stage, MONEY_INDEX[k]!, MONEY_SCALE[k]!, MONEY_PRICE[k]!)) return false

    // the name key (the name itself is not kept)
    let s = startOf(I.customerName)
    if (s < 0) stage.nil()
    else {
      const e = endOf(I.customerName)
      if (isPlainHanName(T, s, e)) stage.range(T, s, e)
      else {
        const name = cleanString(cellText(T, s, e))
        if (isNone(name)) stage.nil()
        else if (name.length > 100) return false
        else stage.str(nameKey(name))
      }
    }

    // the phone: its hash and masked form (the number itself is not kept)
    s = startOf(I.phone)
    if (s < 0) {
      stage.nil()
      stage.nil()
    } else {
      const e = endOf(I.phone)
      const shape = e - s === 11 ? mobileShapeAt(T, s) : 0
      if (shape === 1) {
        if (hashed?.[rowIndex]) stage.hashWords(hashes!, rowIndex * 8)
        else stage.phoneHash(cellText(T, s, e), 0, 11)
        stage.masked(T, s)
      } else if (shape === 2) {
        stage.nil()
        stage.range(T, s, e)
      } else {
        const r = parseSalePhone(cellText(T, s, e))
        if (!r.ok || r.value?.warning) return false
        if (r.value?.phone) stage.phoneHash(r.value.phone, 0, r.value.phone.length)
        else stage.nil()
        stage.str(r.value?.masked ?? null)
      }
    }

    if (!putText(stage, I.consultant, 200)) return false
    s = startOf(I.paymentMethod)
    if (s < 0) stage.nil()
    else {
      const text = cleanString(repeated.text(T, s, endOf(I.paymentMethod)))
      if (isNone(text)) stage.nil()
      else {
        const method = text.length > 200 ? null : parsePaymentMethod(text)
        if (method === null) return false
        stage.str(method)
      }
    }
    s = startOf(I.tradeIn)
    if (s < 0) stage.bool(null)
    else {
      const t = parseTradeIn(repeated.text(T, s, endOf(I.tradeIn)))
      if (t === undefined) return false
      stage.bool(t)
    }
    if (!putText(stage, I.source, 200)) return false
    if (!putText(stage, I.tradeInBrand, 200)) return false
    if (!putText(stage, I.tradeInModel, 200)) return false
    stage.end()

    if (vinSlot >= 0) vinsSeen.add(vinSlot, vinText, vinFrom, vinTo, rowNumber)
    if (orderSlot >= 0 && ordersSeen.row(orderSlot) < 0) ordersSeen.add(orderSlot, orderText, orderFrom, orderTo, rowNumber)
    return true
  }

  /**
   * A batch as the CSV reader hands it over (sales-stream.ts): good rows are staged in file
   * order, on the fast path or, when it declines, by validateRow and SalesStage.record.
   */
  function validateText(batch: SalesTextBatch, stage: SalesStage): SalesTextResult {
    const result: SalesTextResult = { imported: 0, general: 0, rejected: [], warned: [], skipped: [] }
    T = batch.codes
    starts = batch.starts
    ends = batch.ends
    hashes = batch.hashes
    hashed = batch.hashed
    first = 0
    for (let r = 0; r < batch.rowNumbers.length; r++) {
      width = batch.widths[r]!
      rowIndex = r
      const rowNumber = batch.rowNumbers[r]!
      const mark = stage.mark()
      if (fastRow(stage, rowNumber)) {
        result.imported++
      } else {
        stage.reset(mark)
        result.general++
        const outcome = validateRow(textRow(batch, r, first))
        if (outcome.kind === 'sale') {
          stage.record(outcome.rowNumber, outcome.record)
          result.imported++
          if (outcome.warnings) result.warned.push(outcome)
        } else if (outcome.kind === 'rejected') result.rejected.push(outcome)
        else result.skipped.push(outcome)
      }
      first += width
    }
    return result
  }

  /** the file is read: the VINs and order numbers seen give their memory back (the validator is done) */
  function release() {
    vinsSeen.release()
    ordersSeen.release()
  }

  /** the file is expected to hold about this many rows: room for their keys is made at once */
  function expectRows(rows: number) {
    vinsSeen.reserve(rows)
    ordersSeen.reserve(rows)
  }

  return { validateRow, validateBatch, validateText, expectRows, release }
}

/** 17 upper-case letters and digits at text[at…): a VIN as normalizeVin leaves it */
function isVinAt(text: Uint16Array, at: number) {
  for (let i = at; i < at + 17; i++) {
    const c = text[i]!
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90))) return false
  }
  return true
}

/** - / . between a date's parts (YMD) */
const isDateSeparator = (c: number) => c === 45 || c === 47 || c === 46

/** `count` ASCII digits at text[at…) as a number, -1 when one is not a digit. */
function digits(text: Uint16Array, at: number, count: number) {
  let n = 0
  for (let i = at; i < at + count; i++) {
    const c = text[i]! - 48
    if (c < 0 || c > 9) return -1
    n = n * 10 + c
  }
  return n
}

/**
 * amountFen's common case — ASCII digits with at most one point and a leading minus — read
 * where it lies; NaN for anything else (amountFen then reads it). m / 10^k is the number
 * Number() reads from the same text: both are the double nearest the decimal (IEEE division
 * rounds correctly, and m and 10^k are exact below 2^53 and 10^22).
 */
function plainFen(text: Uint16Array, s: number, e: number, scale: MoneyScale): number {
  const n = e - s
  if (n === 0 || n > 20) return NaN
  const negative = text[s] === 45
  let i = negative ? s + 1 : s
  if (i === e) return NaN
  let m = 0
  let count = 0
  let fraction = 0
  let point = false
  for (; i < e; i++) {
    const c = text[i]!
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48)
      count++
      if (point) fraction++
    } else if (c === 46 && !point) point = true
    else return NaN
  }
  if (!count) return NaN
  if (count <= 15) {
    // at most two decimals (six in a 万元 column): the fen in integers, m · 10^shift. It is the
    // number the division below gives once rounded, as long as it stays under 2^50 (the three
    // roundings of the division's way are then less than half a fen off), far above any price
    const shift = (scale === 1 ? 2 : 6) - fraction
    if (shift >= 0) {
      const fen = m * POWERS_OF_TEN[shift]!
      if (fen <= 2 ** 50) return negative && fen !== 0 ? -fen : fen
    }
  }
  const yuan = count > 15 ? Number(cellText(text, s, e)) : (negative ? -m : m) / POWERS_OF_TEN[fraction]!
  return toFen(yuan * scale)
}
/** 10^0 … 10^20, each exact (written out, not computed by a power function) */
const POWERS_OF_TEN = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20]

/** A cell quoted in a reason: short, and one line. */
function quoted(cell: Cell | undefined) {
  return quoteInReason(cellString(cell))
}

function hasCell(cells: Cell[], i: number) {
  if (i < 0) return false
  const c = cells[i]
  return c !== null && c !== undefined && !(typeof c === 'string' && isNone(cellString(c)))
}

export type SalesValidator = ReturnType<typeof createSalesValidator>
