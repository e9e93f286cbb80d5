import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { and, eq, inArray } from 'drizzle-orm'
import iconv from 'iconv-lite'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { getDb, getDbHandle } from '../db/client'
import { importRows, imports, jobs } from '../db/schema'
import { AnalyticsDb, openLive, setAnalyticsDbOpener, closeAnalyticsDb } from '../analytics/duckdb'
import { defineQuery, runQuery, runStatement } from '../analytics/query'
import { pgSource } from '../analytics/sync/source'
import { syncAnalytics } from '../analytics/sync/sync'
import { rebuildAnalytics } from '../analytics/sync/rebuild'
import { keepImportFile } from '../app/services/import-files.server'
import { JobRunner } from '../app/services/jobs-runner.server'
import { failInterruptedSalesImports, findSalesTable, runSalesImport, type SalesImportInput } from '../app/services/sales-import.server'
import { keepSalesUpload, salesFileExt, startSalesImport } from '../app/services/sales-import-job.server'
import { rememberedSalesMapping } from '../app/services/sales-mappings.server'
import { loadSessionUser, type SessionUser } from '../app/utils/auth.server'
import { hashPhone } from '../app/utils/phone-hash.server'
import { eraseFromSalesFile } from '../analytics/ingest/sales-erasure'
import { previewTableFile } from '../analytics/ingest/stream-table'
import { vinCheckDigitHolds } from '../analytics/ingest/sales-values'
import { createGroup, createStore, createUser } from './factories'
import { embeddedDatabase, runCli } from './cli'

/**
 * SPEC §4 (must 2/3, "Sales data in"): DMS exports import through the sales_import job into
 * one typed Parquet file per import, registered in Postgres and read by DuckDB's `sales`
 * view; bad rows are reported with row, column and reason; the same file twice changes
 * nothing; a corrected re-export supersedes by VIN / order number; a run killed half-way
 * leaves nothing; the command line runs the same handler.
 */

const FIXTURES = path.resolve('test/fixtures/sales')
// a data directory as a Chinese office names one: spaces and Chinese characters in the path
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roadshow 销售数据-'))
let storeA: string
let storeB: string
let specialist: SessionUser
let outsider: SessionUser
let frontDesk: SessionUser
let duck: AnalyticsDb

async function keep(bytes: Buffer) {
  const ext = salesFileExt(bytes)
  return { ...(await keepImportFile(bytes, ext)), ext }
}

async function importBytes(storeId: string, bytes: Buffer, fileName: string, more: Partial<SalesImportInput> = {}, hooks = {}) {
  const kept = await keep(bytes)
  return runSalesImport({ storeId, fileHash: kept.hash, ext: kept.ext, fileName, mapping: null, createdById: null, ...more }, hooks)
}
const importFixture = (storeId: string, name: string) => importBytes(storeId, fs.readFileSync(path.join(FIXTURES, name)), name)

async function rowsOf(importId: string) {
  const db = await getDb()
  return db.select().from(importRows).where(eq(importRows.importId, importId)).orderBy(importRows.rowNumber, importRows.id)
}

/** The analytical copy brought up to date (the server does this after each import and every 30 s). */
async function sync() {
  return syncAnalytics(duck, pgSource(await getDbHandle()), { chunkRows: 1000, tmpDir: path.join(dataDir, 'analytics', 'tmp') })
}

const salesOf = defineQuery<{ storeId: string }>()({
  name: 'test.sales',
  sql: `SELECT * FROM sales WHERE store_id = $storeId::UUID ORDER BY sale_key`,
})
const allRowsOf = defineQuery<{ storeId: string }>()({ name: 'test.sale_rows', sql: `SELECT * FROM sale_rows WHERE store_id = $storeId::UUID ORDER BY imported_at, row_number` })
const currentSales = async (storeId: string) => duck.withConnection((c) => runQuery(c, salesOf, { storeId }))

const salesFiles = () => (fs.existsSync(path.join(dataDir, 'imports', 'sales')) ? fs.readdirSync(path.join(dataDir, 'imports', 'sales')) : [])

beforeAll(async () => {
  vi.stubEnv('DATA_DIR', dataDir)
  const group = await createGroup()
  storeA = (await createStore(group.id, '杭州西湖大众4S店')).id
  storeB = (await createStore(group.id)).id
  specialist = (await loadSessionUser((await createUser(group.id, 'specialist', [storeA])).id))!
  outsider = (await loadSessionUser((await createUser(group.id, 'specialist', [storeB])).id))!
  frontDesk = (await loadSessionUser((await createUser(group.id, 'sales', [storeA])).id))!
  duck = await AnalyticsDb.open({ path: path.join(dataDir, 'analytics', 'test.duckdb'), memoryLimit: '256MB', threads: 2 })
})

afterAll(async () => {
  await duck?.close()
  await closeAnalyticsDb()
  vi.unstubAllEnvs()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

describe('the sales import', () => {
  it('gives the views their columns before anything is imported', async () => {
    await sync()
    const rows = await currentSales(storeA)
    expect(rows).toEqual([])
    const cols = await duck.withConnection((c) => runQuery(c, defineQuery()({ name: 'test.describe', sql: 'DESCRIBE sales' }), {}))
    expect(cols.map((c) => [c.column_name, c.column_type])).toContainEqual(['transaction_price_fen', 'BIGINT'])
    expect(cols.map((c) => [c.column_name, c.column_type])).toContainEqual(['invoice_date', 'DATE'])
  })

  it('imports the .xlsx (title and totals rows skipped) into one registered Parquet file, typed, without phone or name', async () => {
    const result = await importFixture(storeA, 'dms-sales.xlsx')
    expect(result).toMatchObject({ reused: false, imported: 5, rejected: 0, superseded: 0, skipped: { title: 1, blank: 0, total: 1 } })
    const db = await getDb()
    const [row] = await db.select().from(imports).where(eq(imports.id, result.importId))
    expect(row).toMatchObject({ kind: 'sales', status: 'done', rowsImported: 5, rowsFailed: 0, parquetPath: result.parquetPath })
    const parquet = path.join(dataDir, result.parquetPath!)
    expect(fs.existsSync(parquet)).toBe(true)
    // the skipped rows are accounted for
    expect((await rowsOf(result.importId)).filter((r) => r.outcome === 'skipped').map((r) => [r.rowNumber, r.reason])).toEqual([
      [1, 'sales.skipped.title'],
      [8, 'sales.skipped.total'],
    ])

    await sync()
    const sales = await currentSales(storeA)
    expect(sales).toHaveLength(5)
    const first = sales.find((s) => s.vin === 'LFV2A21K0G3012345')!
    expect(first).toMatchObject({
      import_id: result.importId,
      row_number: 3,
      sale_key: 'vin:LFV2A21K0G3012345',
      order_no: 'SO2026100001',
      list_price_fen: 12_090_000n,
      transaction_price_fen: 10_680_000n,
      gross_profit_fen: 350_000n,
      name_key: '张伟',
      phone_masked: '138****1234',
      phone_hash: hashPhone('13812341234'),
      payment_method: 'full',
      trade_in: false,
    })
    expect(first.invoice_date).toEqual(new Date('2026-10-03T00:00:00Z'))
    expect(sales.find((s) => s.sale_key === 'order:SO2026100005')).toMatchObject({ vin: null, transaction_price_fen: 16_880_000n, payment_method: 'lease' })

    // PIPL: the kept file holds no full phone number and no customer name
    const bytes = fs.readFileSync(parquet)
    expect(bytes.includes(Buffer.from('13812341234'))).toBe(false)
    const columns = await duck.withConnection((c) =>
      runQuery(c, defineQuery()({ name: 'test.parquet.columns', sql: `DESCRIBE SELECT * FROM read_parquet('${parquet}')` }), {}),
    )
    const names = columns.map((c) => c.column_name)
    expect(names).not.toContain('phone')
    expect(names).not.toContain('customer_name')
    const text = await duck.withConnection((c) =>
      runQuery(c, defineQuery()({ name: 'test.parquet.text', sql: `SELECT string_agg(CAST(COLUMNS(*) AS VARCHAR), '|') AS t FROM read_parquet('${parquet}')` }), {}),
    )
    expect(JSON.stringify(text)).not.toMatch(/138\d{8}|13812341234/)
  })

  it('imports the GB18030, UTF-16 and UTF-8 BOM CSVs and the Parquet export with the expected counts', async () => {
    expect(await importFixture(storeB, 'dms-sales-gbk.csv')).toMatchObject({ imported: 2, rejected: 0, skipped: { blank: 1, total: 1 } })
    expect(await importFixture(storeB, 'dms-sales-utf16le.csv')).toMatchObject({ imported: 2, rejected: 0 })
    expect(await importFixture(storeB, 'dms-sales-en-utf8-bom.csv')).toMatchObject({ imported: 2, rejected: 0, warnings: 1, skipped: { total: 1 } })
    const parquet = await importFixture(storeB, 'dms-sales.parquet')
    expect(parquet).toMatchObject({ imported: 2, rejected: 0 })
    await sync()
    const sales = await currentSales(storeB)
    const gbk = sales.find((s) => s.vin === 'LFV3A23CXP3000777')!
    expect(gbk).toMatchObject({ order_no: 'HT-2026-0101', accessories_revenue_fen: 380_000n, warranty_income_fen: 80_000n, trade_in: true })
    expect(gbk.delivery_date).toEqual(new Date('2026-10-12T00:00:00Z'))
    const fromParquet = sales.filter((s) => s.import_id === parquet.importId)
    expect(fromParquet.map((s) => s.transaction_price_fen)).toEqual(expect.arrayContaining([10_680_000n, 14_880_000n]))
  })

  it('keeps every row of a file the reader hands over in many batches, as written', async () => {
    // 12,000 rows (~850 KB of GB18030): the reader’s 256 KB pieces and 4,000-row batches, the
    // stage's buffers taken in turn — each row's values must come out in its own row
    const store = (await createStore((await createGroup()).id)).id
    const payments = ['全款', '贷款', '融资租赁', '按揭']
    const expected = new Map<string, { row: number; day: string; fen: bigint; payment: string; tradeIn: boolean; color: string }>()
    const lines = ['某某汽车 销售明细', '车架号,订单号,开票日期,成交价,付款方式,是否置换,颜色,客户姓名']
    for (let i = 0; i < 12_000; i++) {
      const vin = vinFor(i)
      const month = 1 + (i % 12)
      const day = 1 + (i % 28)
      const fen = BigInt(100_000_00 + i * 1_37)
      const payment = payments[i % payments.length]!
      const color = i % 3 === 0 ? '珍珠白' : i % 3 === 1 ? '𠮷色' : '曜石黑'
      // the forms a DMS writes its days in: 2026-03-07, 2026/3/7, 2026.3.7
      const dayText = i % 3 === 0 ? `2025-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}` : i % 3 === 1 ? `2025/${month}/${day}` : `2025.${month}.${day}`
      lines.push(`${vin},SO${i},${dayText},${(Number(fen) / 100).toFixed(2)},${payment},${i % 2 ? '是' : '否'},${color},客户${i}`)
      expected.set(vin, { row: i + 3, day: `2025-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`, fen, payment, tradeIn: i % 2 === 1, color })
    }
    const bytes = iconv.encode(lines.join('\r\n') + '\r\n', 'gb18030')
    expect(bytes.length).toBeGreaterThan(3 * 256 * 1024)
    expect(await importBytes(store, bytes, 'many-batches.csv')).toMatchObject({ imported: 12_000, rejected: 0 })
    await sync()
    const sales = await currentSales(store)
    expect(sales).toHaveLength(12_000)
    const method: Record<string, string> = { 全款: 'full', 贷款: 'loan', 融资租赁: 'lease', 按揭: 'loan' }
    const wrong = sales.filter((s) => {
      const e = expected.get(s.vin as string)
      return (
        !e ||
        s.row_number !== e.row ||
        (s.invoice_date as Date).toISOString().slice(0, 10) !== e.day ||
        s.transaction_price_fen !== e.fen ||
        s.payment_method !== method[e.payment] ||
        s.trade_in !== e.tradeIn ||
        s.color !== e.color ||
        s.order_no !== `SO${e.row - 3}`
      )
    })
    expect(wrong).toEqual([])
  })

  it('imports an old Excel .xls and a web page saved as .xls (GB2312) as it imports the .xlsx of the same rows', async () => {
    for (const name of ['dms-sales.xls', 'dms-sales-web.xls']) {
      const store = (await createStore((await createGroup()).id)).id
      const result = await importFixture(store, name)
      expect(result, name).toMatchObject({ reused: false, imported: 5, rejected: 0, skipped: { title: 1, blank: 0, total: 1 } })
      await sync()
      const sales = await currentSales(store)
      expect(sales.map((s) => s.sale_key).sort(), name).toEqual(['order:SO2026100005', 'vin:LFV2A21K0G3012345', 'vin:LFV2A21K2G3012346', 'vin:LSVAL6BR0N2054322', 'vin:LSVAL6BR9N2054321'])
      const first = sales.find((s) => s.vin === 'LFV2A21K0G3012345')!
      expect(first, name).toMatchObject({ row_number: 3, list_price_fen: 12_090_000n, transaction_price_fen: 10_680_000n, gross_profit_fen: 350_000n, name_key: '张伟', phone_masked: '138****1234', phone_hash: hashPhone('13812341234'), payment_method: 'full', trade_in: false })
      expect(first.invoice_date, name).toEqual(new Date('2026-10-03T00:00:00Z'))
      expect(sales.find((s) => s.vin === 'LFV2A21K2G3012346'), name).toMatchObject({ transaction_price_fen: 14_880_000n, gross_profit_fen: -120_000n, payment_method: 'loan', trade_in: true })
      expect(sales.find((s) => s.sale_key === 'order:SO2026100005'), name).toMatchObject({ transaction_price_fen: 16_880_000n, payment_method: 'lease' })
    }
  })

  it('rejects each bad row with its row number, column and reason, and keeps its warnings', async () => {
    const store = (await createStore((await createGroup()).id)).id
    const result = await importFixture(store, 'dms-sales-bad-rows.csv')
    expect(result).toMatchObject({ imported: 3, rejected: 12, skipped: { blank: 1, total: 2 } })
    const rows = await rowsOf(result.importId)
    const failed = rows.filter((r) => r.outcome === 'failed').map((r) => [r.rowNumber, r.column, r.reason])
    expect(failed).toEqual([
      [3, '车架号 / 订单号', 'sales.reason.idMissing'],
      [4, '开票日期', 'sales.reason.dateImpossible?value=2026-02-30'],
      [5, '成交价', 'sales.reason.amountNegative?value=-238800'],
      [6, '毛利', 'sales.reason.amountInvalid?value=%E5%BE%85%E5%AE%9A'],
      [7, '成交价', 'sales.reason.priceImplausible?value=23.88&yuan=23.88'],
      [8, '手机', 'sales.reason.phoneInvalid'],
      [9, '车架号', 'sales.reason.duplicateVin?row=2'],
      [10, '车架号', 'sales.reason.vinInvalid?value=LFV2A21K7G301234'],
      [11, '开票日期', 'sales.reason.dateMissing'],
      [12, '手机', 'sales.reason.phoneDamaged'],
      [13, '开票日期', 'sales.reason.dateInvalid?value=next+week'],
      [13, '成交价', 'sales.reason.priceImplausible?value=%C2%A516.88&yuan=16.88'],
      [13, '毛利', 'sales.reason.amountInvalid?value=abc'],
      [18, '订单号', 'sales.reason.duplicateOrderNo?row=17'],
    ])
    expect(result.firstRejected[0]).toEqual({ rowNumber: 3, column: '车架号 / 订单号', reason: 'sales.reason.idMissing' })
    // a doubtful row is imported with its warnings
    expect(rows.filter((r) => r.outcome === 'imported' && r.rowNumber === 14).map((r) => r.reason)).toEqual([
      'sales.warning.vinCheckDigit',
      'sales.warning.phoneNotMobile',
      expect.stringMatching(/^sales\.warning\.paymentUnknown/),
      expect.stringMatching(/^sales\.warning\.tradeInUnknown/),
    ])
  })

  it('changes nothing when the same file comes again; remembers the mapping', async () => {
    const before = salesFiles()
    const db = await getDb()
    const count = async () => (await db.select().from(imports).where(eq(imports.storeId, storeA))).length
    const n = await count()
    const again = await importFixture(storeA, 'dms-sales.xlsx')
    expect(again).toMatchObject({ reused: true, imported: 5, superseded: 0 })
    expect(await count()).toBe(n)
    expect(salesFiles()).toEqual(before)

    const offered = await rememberedSalesMapping(storeA, ['手机', '车架号', '开票日期', 'Something'])
    expect(offered.source).toBe('remembered')
    expect(offered.columns.map((c) => [c.index, c.field])).toEqual([
      [0, 'phone'],
      [1, 'vin'],
      [2, 'invoiceDate'],
    ])
    expect((await rememberedSalesMapping((await createStore((await createGroup()).id)).id, ['车架号', '开票日期'])).source).toBe('guessed')
  })

  it('reads a workbook laid out for print: the detail sheet after a summary, the header under group labels; units line and footer skipped', async () => {
    const store = (await createStore((await createGroup()).id)).id
    const file = path.join(FIXTURES, 'dms-sales-print-layout.xlsx')
    const result = await importFixture(store, 'dms-sales-print-layout.xlsx')
    expect(result).toMatchObject({ reused: false, imported: 2, rejected: 0, warnings: 1 })
    const outcomes = (await rowsOf(result.importId)).map((r) => [r.rowNumber, r.outcome, r.reason])
    expect(outcomes).toEqual([
      [1, 'skipped', 'sales.skipped.title'],
      [2, 'skipped', 'sales.skipped.title'],
      [4, 'skipped', 'sales.skipped.title'],
      [6, 'skipped', 'sales.skipped.blank'],
      [7, 'imported', 'sales.warning.phoneNotMobile'],
      [8, 'skipped', 'sales.skipped.total'],
      [9, 'skipped', 'sales.skipped.blank'],
      [10, 'skipped', 'sales.skipped.title'],
    ])
    await sync()
    const sales = await currentSales(store)
    expect(sales.map((s) => [s.row_number, s.vin, s.transaction_price_fen, s.gross_profit_fen, s.trade_in])).toEqual([
      [5, 'LFV2A21K0G3012345', 14_880_000n, 350_000n, true],
      [7, 'LFV2A21K2G3012346', 14_880_000n, -120_000n, false],
    ])
    expect(sales.map((s) => s.invoice_date)).toEqual([new Date('2026-10-03T00:00:00Z'), new Date('2026-10-05T00:00:00Z')])
    // the preview shows the table the import read
    const first = await previewTableFile(file, { knownHeaders: ['车架号', '开票日期', '成交价', '车系'], previewRows: 5 })
    expect(first.head.sheetName).toBe('汇总')
    expect(await findSalesTable(file, first.head)).toEqual({ sheetName: '销售明细', headerRowNumber: 3 })
  })

  it('supersedes earlier sales by VIN and by order number with a corrected re-export, old files untouched', async () => {
    const store = (await createStore((await createGroup()).id)).id
    const header = '车架号,订单号,开票日期,成交价,客户姓名,手机'
    const first = await importBytes(
      store,
      Buffer.from([header, 'LFV2A21K0G3012345,SO-1,2026-10-03,106800,张伟,13812341234', ',SO-2,2026-10-04,148800,王芳,', 'LSVAL6BR9N2054321,SO-3,2026-10-05,238800,赵磊,'].join('\n')),
      'october.csv',
    )
    expect(first).toMatchObject({ imported: 3, superseded: 0 })
    const firstFile = path.join(dataDir, first.parquetPath!)
    const firstBytes = fs.readFileSync(firstFile)
    const corrected = await importBytes(
      store,
      Buffer.from([header, 'LFV2A21K0G3012345,SO-1,2026-10-03,105800,张伟,13812341234', ',SO-2,2026-10-04,147800,王芳,', 'LSVAL6BR0N2054322,SO-4,2026-10-06,99800,钱多,'].join('\n')),
      'october-corrected.csv',
    )
    expect(corrected).toMatchObject({ imported: 3, superseded: 2 })
    expect(fs.readFileSync(firstFile).equals(firstBytes)).toBe(true)
    await sync()
    const sales = await currentSales(store)
    expect(sales.map((s) => [s.sale_key, s.transaction_price_fen, s.import_id === corrected.importId])).toEqual([
      ['order:SO-2', 14_780_000n, true],
      ['vin:LFV2A21K0G3012345', 10_580_000n, true],
      ['vin:LSVAL6BR0N2054322', 9_980_000n, true],
      ['vin:LSVAL6BR9N2054321', 23_880_000n, false],
    ])
    const all = await duck.withConnection((c) => runQuery(c, allRowsOf, { storeId: store }))
    expect(all).toHaveLength(6)

    // a rebuild reads the registry from Postgres and makes the same views
    const live = path.join(dataDir, 'rebuilt', 'analytics.duckdb')
    const rebuilt = await rebuildAnalytics(pgSource(await getDbHandle()), { file: live, chunkRows: 1000 })
    const copy = await AnalyticsDb.open({ path: rebuilt.target, memoryLimit: '128MB', threads: 1 })
    try {
      const again = await copy.withConnection((c) => runQuery(c, salesOf, { storeId: store }))
      expect(again.map((s) => [s.sale_key, s.transaction_price_fen])).toEqual(sales.map((s) => [s.sale_key, s.transaction_price_fen]))
    } finally {
      await copy.close()
    }
  })

  it('goes on when an earlier import\'s kept file is missing from the data directory', async () => {
    const store = (await createStore((await createGroup()).id)).id
    const header = '车架号,订单号,开票日期,成交价'
    const first = await importBytes(store, Buffer.from([header, 'LFV2A21K0G3012345,SO-1,2026-10-03,106800'].join('\n')), 'lost.csv')
    expect(first).toMatchObject({ imported: 1 })
    fs.rmSync(path.join(dataDir, first.parquetPath!))
    const next = await importBytes(
      store,
      Buffer.from([header, 'LFV2A21K0G3012345,SO-1,2026-10-03,105800', 'LSVAL6BR9N2054321,SO-3,2026-10-05,238800'].join('\n')),
      'after-loss.csv',
    )
    expect(next).toMatchObject({ imported: 2, rejected: 0, superseded: 0 })
    await sync()
    expect((await currentSales(store)).map((s) => [s.sale_key, s.transaction_price_fen])).toEqual([
      ['vin:LFV2A21K0G3012345', 10_580_000n],
      ['vin:LSVAL6BR9N2054321', 23_880_000n],
    ])
  })

  it('reads a file written before the trade-in car columns: matched by name, its trade-ins empty; superseded and erased as any other', async () => {
    const store = (await createStore((await createGroup()).id)).id
    const first = await importBytes(
      store,
      Buffer.from(['车架号,订单号,开票日期,成交价,客户姓名,手机', 'LFV2A21K0G3012345,SO-1,2026-10-03,106800,张伟,13812341234', ',SO-2,2026-10-04,148800,王芳,13900001111'].join('\n')),
      'october-old.csv',
    )
    // the file as the format before 置换品牌 / 置换车型 wrote it
    const oldFile = path.join(dataDir, first.parquetPath!)
    await duck.withConnection(async (c) => {
      const temp = `${oldFile}.old.parquet`
      await runStatement(c, "test.old-format", `COPY (SELECT * EXCLUDE (trade_in_brand, trade_in_model) FROM read_parquet('${oldFile.replaceAll("'", "''")}')) TO '${temp.replaceAll("'", "''")}' (FORMAT parquet)`)
      fs.renameSync(temp, oldFile)
    })
    const describe = (file: string) =>
      duck.withConnection((c) => runQuery(c, defineQuery()({ name: 'test.describe.file', sql: `DESCRIBE SELECT * FROM read_parquet('${file.replaceAll("'", "''")}')` }), {}))
    expect((await describe(oldFile)).map((r) => r.column_name)).not.toContain('trade_in_model')
    const second = await importBytes(
      store,
      Buffer.from(['车架号,订单号,开票日期,成交价,置换品牌,置换车型', ',SO-2,2026-10-04,147800,日产,轩逸', 'LSVAL6BR0N2054322,SO-4,2026-10-06,99800,本田,思域'].join('\n')),
      'october-corrected.csv',
    )
    expect(second).toMatchObject({ imported: 2, superseded: 1 })
    await sync()
    expect((await currentSales(store)).map((s) => [s.sale_key, s.trade_in_brand, s.trade_in_model])).toEqual([
      ['order:SO-2', '日产', '轩逸'],
      ['vin:LFV2A21K0G3012345', null, null],
      ['vin:LSVAL6BR0N2054322', '本田', '思域'],
    ])
    // an erasure writes the old file again with its own columns
    const changed = await duck.withConnection((c) => eraseFromSalesFile(c, oldFile, store, { phoneHashes: [hashPhone('13812341234')], saleKeys: [] }))
    expect(changed).toBe(1)
    expect((await describe(oldFile)).map((r) => r.column_name)).not.toContain('trade_in_model')
    await sync()
    const [erased] = (await currentSales(store)).filter((s) => s.sale_key === 'vin:LFV2A21K0G3012345')
    expect(erased).toMatchObject({ phone_hash: null, name_key: null, trade_in_model: null })
  })

  it('killed half-way it registers nothing and keeps no file; a retry succeeds', async () => {
    const store = (await createStore((await createGroup()).id)).id
    const lines = ['车架号,开票日期,成交价,手机']
    for (let i = 0; i < 5000; i++) lines.push(`,2026-10-0${1 + (i % 9)},${100000 + i},139${String(10000000 + i)}`)
    // order numbers: a 5,000-row file read in batches of 2,000
    const csv = Buffer.from(['订单号,开票日期,成交价,手机', ...lines.slice(1).map((l, i) => `K-${i}${l}`)].join('\n'))
    const before = salesFiles()
    await expect(
      importBytes(store, csv, 'big.csv', {}, {
        afterBatch: (n: number) => {
          if (n === 2) throw new Error('killed')
        },
      }),
    ).rejects.toThrow('killed')
    const db = await getDb()
    expect(await db.select().from(imports).where(eq(imports.storeId, store))).toEqual([])
    expect(salesFiles()).toEqual(before)
    expect(fs.readdirSync(path.join(dataDir, 'tmp')).filter((f) => f.startsWith('sales-'))).toEqual([])

    // killed while registering (after its row and before "done"): undone the same way
    const kept = await keep(csv)
    const abort = new AbortController()
    let calls = 0
    await expect(
      runSalesImport(
        { storeId: store, fileHash: kept.hash, ext: kept.ext, fileName: 'big.csv', mapping: null, createdById: null },
        {
          signal: abort.signal,
          progress: (p) => {
            if (p.phase === 'saving' && ++calls === 1) abort.abort()
          },
        },
      ),
    ).rejects.toThrow()
    expect(await db.select().from(imports).where(eq(imports.storeId, store))).toEqual([])
    expect(salesFiles()).toEqual(before)

    const retry = await importBytes(store, csv, 'big.csv')
    expect(retry).toMatchObject({ reused: false, imported: 5000, rejected: 0 })
    const [row] = await db.select().from(imports).where(and(eq(imports.storeId, store), eq(imports.status, 'done')))
    expect(row!.id).toBe(retry.importId)
    expect(salesFiles()).toHaveLength(before.length + 1)
  })

  it('runs as a sales_import job queued by startSalesImport, within the user’s stores', async () => {
    const upload = await keepSalesUpload(specialist, storeA, { bytes: fs.readFileSync(path.join(FIXTURES, 'dms-sales-utf16le.csv')), fileName: 'dms-sales-utf16le.csv' })
    await expect(startSalesImport(outsider, { storeId: storeA, uploadId: upload.id, mapping: null })).rejects.toMatchObject({ status: 403 })
    await expect(startSalesImport(outsider, { storeId: storeB, uploadId: upload.id, mapping: null })).rejects.toMatchObject({ status: 403 })
    // the front desk imports lead lists, not the store's sales
    await expect(startSalesImport(frontDesk, { storeId: storeA, uploadId: upload.id, mapping: null })).rejects.toMatchObject({ status: 403 })
    await expect(keepSalesUpload(frontDesk, storeA, { bytes: Buffer.from('x'), fileName: 'x.csv' })).rejects.toMatchObject({ status: 403 })
    const live = path.join(dataDir, 'analytics-live', 'analytics.duckdb')
    setAnalyticsDbOpener(() => openLive(live, { memoryLimit: '256MB' }))
    const jobId = await startSalesImport(specialist, { storeId: storeA, uploadId: upload.id, mapping: null })
    const runner = new JobRunner({ pollMs: 50, heartbeatMs: 1000, progressEveryMs: 10 })
    await runner.start()
    try {
      const db = await getDb()
      let job: typeof jobs.$inferSelect | undefined
      for (let i = 0; i < 400; i++) {
        ;[job] = await db.select().from(jobs).where(eq(jobs.id, jobId))
        if (job!.status === 'done' || job!.status === 'failed') break
        await new Promise((r) => setTimeout(r, 50))
      }
      expect(job, JSON.stringify(job)).toMatchObject({ status: 'done', kind: 'sales_import' })
      expect(job!.result).toMatchObject({ imported: 2, rejected: 0, reused: false })
    } finally {
      await runner.stop()
    }
  })
})

describe('sales imports a dead process left pending', () => {
  const pendingRow = async (storeId: string, more: Partial<typeof imports.$inferInsert> = {}) => {
    const db = await getDb()
    const [row] = await db
      .insert(imports)
      .values({ storeId, kind: 'sales', fileName: 'dms.csv', fileHash: 'f'.repeat(64), byteSize: 1, status: 'pending', mappingHash: crypto.randomUUID(), ...more })
      .returning()
    return row!.id
  }
  const statusOf = async (id: string) => {
    const db = await getDb()
    const [row] = await db.select({ status: imports.status, error: imports.error }).from(imports).where(eq(imports.id, id))
    return row
  }

  it('are marked failed (never 导入中 for ever) once their job ended, or after a day without a job; live ones stay', async () => {
    const db = await getDb()
    const [dead] = await db.insert(jobs).values({ kind: 'sales_import', storeId: storeA, status: 'failed', input: {} }).returning()
    const [live] = await db.insert(jobs).values({ kind: 'sales_import', storeId: storeA, status: 'running', input: {} }).returning()
    const ofDeadJob = await pendingRow(storeA, { jobId: dead!.id })
    const ofLiveJob = await pendingRow(storeA, { jobId: live!.id })
    const oldCli = await pendingRow(storeA, { createdAt: new Date(Date.now() - 25 * 3_600_000) })
    const freshCli = await pendingRow(storeA)
    const failed = await failInterruptedSalesImports()
    expect(failed.sort()).toEqual([ofDeadJob, oldCli].sort())
    expect(await statusOf(ofDeadJob)).toEqual({ status: 'failed', error: 'imports.error.interrupted' })
    expect((await statusOf(ofLiveJob))!.status).toBe('pending')
    expect((await statusOf(freshCli))!.status).toBe('pending')
    // a server starting on the embedded database is the only process: whatever is pending is dead
    const handle = await getDbHandle()
    const atStart = await failInterruptedSalesImports({ atStart: true })
    if (handle.kind === 'pglite') expect(atStart.sort()).toEqual([ofLiveJob, freshCli].sort())
    else expect(atStart).toEqual([])
    await db.delete(imports).where(inArray(imports.id, [ofDeadJob, ofLiveJob, oldCli, freshCli]))
  })
})

// ------------------------------------------------------------------ the command line

describe('npm run import -- sales', () => {
  it('imports a fixture (exit 0), says nothing changed the second time, exits 1 on garbage', { timeout: 10 * 60_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roadshow-sales-cli-'))
    try {
      await embeddedDatabase(dir, { name: '宁波大众4S店', city: '宁波' })
      const env = { ...process.env, DATA_DIR: dir, DATABASE_URL: '', SEED_DEMO: 'false', LOG_LEVEL: 'error' }
      const file = path.join(FIXTURES, 'dms-sales-bad-rows.csv')
      const first = await runCli(['sales', file, '--store', '宁波大众4S店', '--json'], env)
      expect(first.code, first.stderr).toBe(0)
      const result = JSON.parse(first.stdout.trim().split('\n').at(-1)!)
      expect(result).toMatchObject({ ok: true, reused: false, imported: 3, rejected: 12 })

      const human = await runCli(['sales', file, '--store', '宁波大众4S店'], env)
      expect(human.code, human.stderr).toBe(0)
      expect(human.stdout).toContain('was already imported into 宁波大众4S店')
      expect(human.stdout).toContain('row 3, 车架号 / 订单号: No VIN and no order number.')

      const garbage = path.join(dir, 'garbage.csv')
      fs.writeFileSync(garbage, Buffer.from([0, 1, 2, 3, 255, 254, 0, 0, 7, 8, 9].concat(Array(200).fill(0))))
      const bad = await runCli(['sales', garbage, '--store', '宁波大众4S店'], env)
      expect(bad.code).toBe(1)
      const nothing = path.join(dir, 'nothing.csv')
      fs.writeFileSync(nothing, '姓名,备注\n张三,x\n')
      const unmapped = await runCli(['sales', nothing, '--store', '宁波大众4S店'], env)
      expect(unmapped.code).toBe(1)
      expect(unmapped.stderr).toMatch(/VIN|header/)
      // a file with no header names the sales columns it expected, not the lead platforms'
      const headless = path.join(dir, 'headless.csv')
      fs.writeFileSync(headless, '{\n  "name": "x"\n}\n')
      const noHeader = await runCli(['sales', headless, '--store', '宁波大众4S店'], env)
      expect(noHeader.code).toBe(1)
      expect(noHeader.stderr).toContain('车架号')
      expect(noHeader.stderr).not.toContain('留资时间')
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})

/** a well-formed VIN with a true check digit, different for each i */
function vinFor(i: number) {
  const tail = String(i).padStart(6, '0')
  for (const c of '0123456789X') {
    const vin = `LFV2A21K${c}S3${tail}`
    if (vinCheckDigitHolds(vin)) return vin
  }
  throw new Error('no check digit')
}
