import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { readTable, type Cell, type TableRow } from './read-table'
import { AnalyticsDb } from '../duckdb'
import { readParquetTable } from './sales-parquet'
import { checkSalesMapping, guessSalesMapping, isKnownSalesHeader } from './sales-headers'
import { SaleRecordSchema, saleKey, type SaleRecord } from './sales-record'
import { createSalesValidator, type SalesBatchResult } from './sales-validate'

/**
 * The sales fixtures (test/fixtures/make-sales-fixtures.ts) read as an import reads them:
 * readTable, the guessed mapping, the batch validator.
 */
const fixture = (name: string) => fs.readFileSync(path.resolve('test/fixtures/sales', name))

async function importFile(name: string) {
  const table = await readTable(fixture(name), { fileName: name, isKnownHeader: isKnownSalesHeader })
  const guess = guessSalesMapping(table.headers)
  expect(checkSalesMapping(guess.columns)).toEqual([])
  const result = createSalesValidator({ headers: table.headers, columns: guess.columns }).validateBatch(table.rows)
  // the hand-written validator and the zod schema agree on every record
  for (const sale of result.sales) expect(SaleRecordSchema.parse(sale.record)).toEqual(sale.record)
  return { table, guess, result }
}

const byRow = (result: SalesBatchResult) => new Map(result.sales.map((s) => [s.rowNumber, s.record]))
const EMPTY: SaleRecord = {
  vin: null, orderNo: null, invoiceDate: null, orderDate: null, deliveryDate: null, brand: null, series: null, model: null, trim: null, color: null,
  listPriceFen: null, transactionPriceFen: null, discountFen: null, grossProfitFen: null, accessoriesRevenueFen: null, financeIncomeFen: null,
  insuranceIncomeFen: null, warrantyIncomeFen: null, customerName: null, nameKey: null, phone: null, phoneMasked: null, consultant: null,
  paymentMethod: null, tradeIn: null, source: null, tradeInBrand: null, tradeInModel: null,
}

describe('sales fixtures', () => {
  it('reads the .xlsx: merged title row, Excel dates and text dates, numbers and ¥ text, a 万元 column, a totals row', async () => {
    const { table, guess, result } = await importFile('dms-sales.xlsx')
    expect(table.headerRowNumber).toBe(2)
    expect(table.skipped.map((s) => [s.rowNumber, s.why])).toEqual([[1, 'title'], [8, 'total']])
    expect(guess.columns.find((c) => c.field === 'listPrice')).toMatchObject({ header: '指导价(万元)', scale: 10_000 })
    expect(guess.unmapped).toEqual([{ index: 0, header: '序号' }])
    expect(result.rejected).toEqual([])
    const sales = byRow(result)
    expect([...sales.keys()]).toEqual([3, 4, 5, 6, 7])
    expect(sales.get(3)).toEqual({
      ...EMPTY,
      vin: 'LFV2A21K0G3012345', orderNo: 'SO2026100001', invoiceDate: '2026-10-03', series: '朗逸', model: '2026款 1.5L 自动舒适版', color: '白色',
      listPriceFen: 12_090_000, transactionPriceFen: 10_680_000, grossProfitFen: 350_000, customerName: '张伟', nameKey: '张伟',
      phone: '13812341234', phoneMasked: '138****1234', consultant: '李娜', paymentMethod: 'full', tradeIn: false, source: '汽车之家',
    })
    expect(sales.get(4)).toMatchObject({ invoiceDate: '2026-10-05', transactionPriceFen: 14_880_000, grossProfitFen: -120_000, phone: null, phoneMasked: '138****5678', paymentMethod: 'loan', tradeIn: true })
    expect(sales.get(5)).toMatchObject({ invoiceDate: '2026-10-08', transactionPriceFen: 23_880_000, nameKey: '赵磊', phone: null, phoneMasked: null })
    expect(result.sales.find((s) => s.rowNumber === 5)!.warnings).toEqual([{ column: '手机', reason: 'sales.warning.phoneNotMobile' }])
    expect(sales.get(6)).toMatchObject({ invoiceDate: '2026-10-16', listPriceFen: 26_580_000, transactionPriceFen: 23_880_000, grossProfitFen: 520_050, tradeIn: true })
    expect(sales.get(7)).toMatchObject({ vin: null, orderNo: 'SO2026100005', invoiceDate: '2026-10-20', transactionPriceFen: 16_880_000, paymentMethod: 'lease' })
    expect(result.sales.map((s) => saleKey(s.record))).toEqual([
      'vin:LFV2A21K0G3012345', 'vin:LFV2A21K2G3012346', 'vin:LSVAL6BR9N2054321', 'vin:LSVAL6BR0N2054322', 'order:SO2026100005',
    ])
  })

  it('reads the GB18030 CSV with other Chinese headers and every value-added column', async () => {
    const { table, guess, result } = await importFile('dms-sales-gbk.csv')
    expect(table.encoding).toBe('gb18030')
    expect(guess.columns).toHaveLength(26)
    expect(guess.unmapped.map((u) => u.header)).toEqual(['备注'])
    expect(table.skipped.map((s) => [s.rowNumber, s.why])).toEqual([[3, 'blank'], [5, 'total']])
    expect(result.rejected).toEqual([])
    expect(byRow(result).get(2)).toEqual({
      vin: 'LFV3A23CXP3000777', orderNo: 'HT-2026-0101', invoiceDate: '2026-10-11', orderDate: '2026-10-01', deliveryDate: '2026-10-12',
      brand: '大众', series: '迈腾', model: '迈腾 2026款', trim: '330TSI 领先型', color: '白色',
      listPriceFen: 20_990_000, transactionPriceFen: 18_680_000, discountFen: 2_310_000, grossProfitFen: 650_000,
      accessoriesRevenueFen: 380_000, financeIncomeFen: 200_000, insuranceIncomeFen: 150_000, warrantyIncomeFen: 80_000,
      customerName: '周杰', nameKey: '周杰', phone: '13700003333', phoneMasked: '137****3333', consultant: '王强',
      paymentMethod: 'loan', tradeIn: true, source: '抖音直播', tradeInBrand: '本田', tradeInModel: '雅阁 2019款',
    })
    expect(byRow(result).get(4)).toMatchObject({ vin: 'LSVAX60E7R2111111', invoiceDate: '2026-10-15', grossProfitFen: -300_000, accessoriesRevenueFen: 0, warrantyIncomeFen: null })
  })

  it('reads the UTF-16 LE tab-separated export', async () => {
    const { table, result } = await importFile('dms-sales-utf16le.csv')
    expect(table).toMatchObject({ encoding: 'utf-16le', delimiter: '\t' })
    expect(result.rejected).toEqual([])
    expect(result.sales.map((s) => [s.rowNumber, s.record.invoiceDate, s.record.transactionPriceFen, s.record.nameKey, s.record.phone, s.record.phoneMasked, s.record.tradeIn])).toEqual([
      [2, '2026-10-21', 14_980_000, '李', null, '136****7777', false],
      [3, '2026-10-22', 9_980_000, '钱多多', '13600008888', '136****8888', true],
    ])
  })

  it('reads the UTF-8 BOM export with English headers, M/D/YYYY dates and accounting negatives', async () => {
    const { table, result } = await importFile('dms-sales-en-utf8-bom.csv')
    expect(table.encoding).toBe('utf-8-bom')
    expect(table.skipped).toEqual([{ rowNumber: 4, why: 'total', text: 'Total 345,600.00' }])
    expect(result.rejected).toEqual([])
    const [first, second] = result.sales
    expect(first!.record).toMatchObject({ vin: 'LFV2A21K0G3012349', invoiceDate: '2026-10-03', orderDate: '2026-09-28', transactionPriceFen: 23_880_000, grossProfitFen: -150_000, nameKey: 'johnsmith', phone: '13900005555', paymentMethod: 'loan', tradeIn: true })
    expect(first!.warnings).toEqual([{ column: 'VIN', reason: 'sales.warning.vinCheckDigit' }])
    expect(second!.record).toMatchObject({ vin: null, orderNo: 'SO-EN-2', invoiceDate: '2026-10-31', transactionPriceFen: 10_680_000, paymentMethod: 'full', tradeIn: false })
  })

  it('reports each bad row with its row number, column and reason', async () => {
    const { table, result } = await importFile('dms-sales-bad-rows.csv')
    expect(result.sales.map((s) => s.rowNumber)).toEqual([2, 14, 17])
    expect(result.rejected.map(({ kind: _, ...r }) => r)).toEqual([
      { rowNumber: 3, problems: [{ column: '车架号 / 订单号', reason: 'sales.reason.idMissing' }] },
      { rowNumber: 4, problems: [{ column: '开票日期', reason: 'sales.reason.dateImpossible', params: { value: '2026-02-30' } }] },
      { rowNumber: 5, problems: [{ column: '成交价', reason: 'sales.reason.amountNegative', params: { value: '-238800' } }] },
      { rowNumber: 6, problems: [{ column: '毛利', reason: 'sales.reason.amountInvalid', params: { value: '待定' } }] },
      { rowNumber: 7, problems: [{ column: '成交价', reason: 'sales.reason.priceImplausible', params: { value: '23.88', yuan: 23.88 } }] },
      { rowNumber: 8, problems: [{ column: '手机', reason: 'sales.reason.phoneInvalid' }] },
      { rowNumber: 9, problems: [{ column: '车架号', reason: 'sales.reason.duplicateVin', params: { row: 2 } }] },
      { rowNumber: 10, problems: [{ column: '车架号', reason: 'sales.reason.vinInvalid', params: { value: 'LFV2A21K7G301234' } }] },
      { rowNumber: 11, problems: [{ column: '开票日期', reason: 'sales.reason.dateMissing' }] },
      { rowNumber: 12, problems: [{ column: '手机', reason: 'sales.reason.phoneDamaged' }] },
      {
        rowNumber: 13,
        problems: [
          { column: '开票日期', reason: 'sales.reason.dateInvalid', params: { value: 'next week' } },
          { column: '成交价', reason: 'sales.reason.priceImplausible', params: { value: '¥16.88', yuan: 16.88 } },
          { column: '毛利', reason: 'sales.reason.amountInvalid', params: { value: 'abc' } },
        ],
      },
      { rowNumber: 18, problems: [{ column: '订单号', reason: 'sales.reason.duplicateOrderNo', params: { row: 17 } }] },
    ])
    // a row that is only doubtful is imported, its doubts kept
    expect(result.sales.find((s) => s.rowNumber === 14)!.warnings!.map((w) => w.reason)).toEqual([
      'sales.warning.vinCheckDigit', 'sales.warning.phoneNotMobile', 'sales.warning.paymentUnknown', 'sales.warning.tradeInUnknown',
    ])
    // nothing dropped silently: every row below the header is a sale, a rejected row or a skipped one
    const accounted = [...result.sales.map((s) => s.rowNumber), ...result.rejected.map((r) => r.rowNumber), ...table.skipped.map((s) => s.rowNumber)]
    expect(accounted.sort((a, b) => a - b)).toEqual(Array.from({ length: 18 }, (_, i) => i + 2))
    expect(table.skipped.map((s) => [s.rowNumber, s.why])).toEqual([[15, 'blank'], [16, 'total'], [19, 'total']])
  })

  it('recognises blank and totals rows itself, for readers that do not skip them', () => {
    const headers = ['序号', '车架号', '开票日期', '成交价']
    const guess = guessSalesMapping(headers)
    const validator = createSalesValidator({ headers, columns: guess.columns })
    const rows: TableRow[] = [
      { rowNumber: 2, cells: ['1', 'LFV2A21K0G3012345', '2026-10-03', '106800'] },
      { rowNumber: 3, cells: [null, ' ', '', null] },
      { rowNumber: 4, cells: [null, '合计', null, '106800'] },
      { rowNumber: 5, cells: ['Subtotal', null, null, 106800] },
    ]
    const result = validator.validateBatch(rows)
    expect(result.sales.map((s) => s.rowNumber)).toEqual([2])
    expect(result.skipped).toEqual([
      { kind: 'skipped', rowNumber: 3, why: 'blank', text: '' },
      { kind: 'skipped', rowNumber: 4, why: 'total', text: '合计 106800' },
      { kind: 'skipped', rowNumber: 5, why: 'total', text: 'Subtotal 106800' },
    ])
  })

  it('skips the lines a report prints around its rows: a units line, header names again, a footer; not a sale without an identifier', () => {
    const headers = ['车架号', '开票日期', '价格信息', '', '客户名称', '联系电话']
    const validator = createSalesValidator({ headers, columns: guessSalesMapping(headers).columns })
    const result = validator.validateBatch([
      // the lower line of a two-line header (指导价 | 成交价 under 价格信息), and a units line
      { rowNumber: 3, cells: [null, null, '指导价', '成交价', null, null] },
      { rowNumber: 4, cells: [null, '(年-月-日)', '元', '万元', null, null] },
      { rowNumber: 5, cells: ['LFV2A21K0G3012345', '2026-10-03', 159900, 148800, '张伟', '13812341234'] },
      // the header a print-oriented export repeats on each page
      { rowNumber: 6, cells: ['车架号', '开票日期', '价格信息', null, '客户名称', '联系电话'] },
      // footers, one written into the VIN column
      { rowNumber: 7, cells: ['制表人：王小明', null, '审核人：', null, '打印时间：2026-11-01 09:00', null] },
      { rowNumber: 8, cells: [null, null, null, null, '制表日期: 2026-11-01', null] },
      // still refused: a row with a sale's values and no VIN, and text that is no label
      { rowNumber: 9, cells: [null, '2026-10-04', 159900, 148800, '王芳', '13900001111'] },
      { rowNumber: 10, cells: ['待定', null, '元', null, null, null] },
    ])
    expect(result.sales.map((s) => s.rowNumber)).toEqual([5])
    expect(result.skipped.map((s) => [s.rowNumber, s.why])).toEqual([[3, 'title'], [4, 'title'], [6, 'title'], [7, 'title'], [8, 'title']])
    expect(result.rejected.map((r) => r.rowNumber)).toEqual([9, 10])
  })

  it('takes a delivery date as the sale’s date when the export has no other (a DMS’s delivery report)', () => {
    const headers = ['VIN码', '交车日期', '实际成交价']
    const guess = guessSalesMapping(headers)
    expect(checkSalesMapping(guess.columns)).toEqual([])
    const result = createSalesValidator({ headers, columns: guess.columns }).validateBatch([
      { rowNumber: 2, cells: ['LFV2A21K0G3012345', '2026/10/7', '148800'] },
      { rowNumber: 3, cells: ['LFV2A21K2G3012346', null, '148800'] },
    ])
    expect(result.sales.map((s) => [s.rowNumber, s.record.deliveryDate])).toEqual([[2, '2026-10-07']])
    for (const sale of result.sales) expect(SaleRecordSchema.parse(sale.record)).toEqual(sale.record)
    expect(result.rejected).toEqual([{ kind: 'rejected', rowNumber: 3, problems: [{ column: '交车日期', reason: 'sales.reason.dateMissing' }] }])
  })

  it('refuses dates after the latest the caller allows', () => {
    const headers = ['订单号', '订单日期']
    const validator = createSalesValidator({ headers, columns: guessSalesMapping(headers).columns, latestDate: '2026-11-29' })
    const result = validator.validateBatch([
      { rowNumber: 2, cells: ['A1', '2026-11-29'] },
      { rowNumber: 3, cells: ['A2', '2027-11-29'] },
    ])
    expect(result.sales.map((s) => s.rowNumber)).toEqual([2])
    expect(result.rejected).toEqual([{ kind: 'rejected', rowNumber: 3, problems: [{ column: '订单日期', reason: 'sales.reason.dateFuture', params: { value: '2027-11-29' } }] }])
  })

  it('reads the Parquet file’s typed columns (DATE, DECIMAL, BOOLEAN) through the same mapping and validation', async () => {
    // read the way the import reads a Parquet upload: analytics/duckdb.ts and readParquetTable
    const db = await AnalyticsDb.open({ path: ':memory:' })
    try {
      let headers: string[] = []
      const rows: TableRow[] = []
      await db.withConnection(async (c) => {
        for await (const part of readParquetTable(c, path.resolve('test/fixtures/sales/dms-sales.parquet'))) {
          if (part.type === 'head') headers = part.headers
          else rows.push(...part.rows)
        }
      })
      const guess = guessSalesMapping(headers)
      expect(guess.columns.map((c) => c.field)).toEqual(['vin', 'orderNo', 'invoiceDate', 'model', 'listPrice', 'transactionPrice', 'grossProfit', 'customerName', 'phone', 'paymentMethod', 'tradeIn'])
      const result = createSalesValidator({ headers, columns: guess.columns }).validateBatch(rows)
      expect(result.rejected).toEqual([])
      expect(result.sales.map((s) => [s.record.invoiceDate, s.record.transactionPriceFen, s.record.grossProfitFen, s.record.tradeIn, s.record.phoneMasked])).toEqual([
        ['2026-10-03', 10_680_000, 350_000, true, '138****1234'],
        ['2026-10-05', 14_880_000, -120_000, false, '138****5678'],
      ])
    } finally {
      await db.close()
    }
  })
})
