import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { and, eq } from 'drizzle-orm'
import ExcelJS from 'exceljs'
import iconv from 'iconv-lite'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { getDb, getDbHandle } from '../db/client'
import { auditLog, importMappings, importRows, imports, importUploads } from '../db/schema'
import { openLive, setAnalyticsDbOpener, withAnalytics } from '../analytics/duckdb'
import { rebuildAnalytics } from '../analytics/sync/rebuild'
import { pgSource } from '../analytics/sync/source'
import { MarketRecordSchema } from '../analytics/ingest/market-record'
import { defineQuery, runQuery } from '../analytics/query'
import { action as importAction, loader as importLoader } from '../app/routes/competitors.market.import'
import { loader as jobLoader } from '../app/routes/competitors.market.jobs.$jobId'
import { loader as detailLoader } from '../app/routes/competitors.market.imports.$importId'
import { loader as rejectsLoader } from '../app/routes/competitors.market.imports.$importId.rejects[.]csv'
import { loader as marketLoader } from '../app/routes/competitors.market._index'
import { loader as importsListLoader } from '../app/routes/imports._index'
import { stopAnalyticsSync, syncAnalyticsNow } from '../app/services/analytics.server'
import { keepImportFile } from '../app/services/import-files.server'
import { marketFileExt } from '../app/services/market-import-job.server'
import { runMarketImport, type MarketImportInput } from '../app/services/market-import.server'
import { embeddedDatabase, runCli } from './cli'
import { BASE, createGroup, createStore, createUser, get, post, signIn, type Browser } from './factories'
import { settle } from './http'
import { runJobs } from './run-jobs'

/**
 * SPEC §5 "Market data import", with the guarantees of the §4 import path (ADR 028): regional
 * insurance registrations (上险数) or sales by brand, model, city and month, from a GB18030 CSV
 * or an .xlsx (a row per month, or a column per month), through the upload → preview → job
 * pages or the command line, into one Parquet file per import read by DuckDB's `market_units`;
 * every bad row reported with row, column and reason; the same file twice changes nothing; a
 * corrected file supersedes exactly its months; the mapping is remembered per store; only the
 * uploader, only the marketing roles. Real PGlite, a real DuckDB file, the real job runner,
 * real files made here.
 */

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roadshow 市场数据-'))
const NEXT_YEAR = new Date().getUTCFullYear() + 1

let storeA: string
let storeB: string
let specialist: Browser
let specialistId: string
let manager: Browser
let specialistB: Browser
let executive: Browser
let frontDesk: Browser

// ------------------------------------------------------------------ the files, made as stores get them

/** A market report as Excel on Chinese Windows saves it (GB18030): a title, blank rows, bad rows of every kind, a subtotal and a totals row. */
const REGISTRATIONS_CSV = [
  '2025年浙江省乘用车上险数（来源：交强险）', // 1 title
  '', // 2 blank
  '统计月份,省份,城市,品牌,车型,上险数', // 3 header
  '2025-01,浙江,杭州,大众,朗逸,"1,234"', // 4
  '2025/2,浙江,杭州,大众,朗逸,1100', // 5
  '2025年3月,浙江,杭州,大众,朗逸,1300台', // 6
  '202501,浙江,杭州,日产,轩逸,900', // 7
  '2025-02-01,浙江,杭州,日产,轩逸,950', // 8
  '45717,浙江,杭州,日产,轩逸,1000', // 9: an Excel serial day, 2025-03-01
  '2025-01,浙江,宁波,大众,朗逸,500', // 10
  '', // 11 blank between data rows
  '2025-02,浙江,宁波,大众,朗逸,520', // 12
  '2025-13,浙江,宁波,日产,轩逸,10', // 13 no such month
  ',浙江,宁波,日产,轩逸,10', // 14 no month
  `${NEXT_YEAR}-01,浙江,宁波,日产,轩逸,10`, // 15 future
  '2025-03,浙江,宁波,,轩逸,10', // 16 no brand
  '2025-03,浙江,宁波,日产,,10', // 17 no model
  '2025-03,浙江,,日产,轩逸,10', // 18 no city
  '2025-03,浙江,宁波,日产,轩逸,-5', // 19 negative
  '2025-03,浙江,宁波,日产,轩逸,12.5', // 20 fractional
  '2025-03,浙江,宁波,日产,轩逸,很多', // 21 not a number
  '2025-03,浙江,宁波,日产,轩逸,', // 22 no units
  '下个月,浙江,,日产,轩逸,abc', // 23 three problems
  '2025-03,浙江,小计,,,3000', // 24 a subtotal inside the data
  '合计,,,,,9999', // 25 totals
].join('\r\n')

/** The same report corrected for February only: 宁波 and 杭州's 朗逸 changed, 杭州's 轩逸 no longer listed. */
const CORRECTED_CSV = ['统计月份,省份,城市,品牌,车型,上险数', '2025-02,浙江,杭州,大众,朗逸,1111', '2025-02,浙江,宁波,大众,朗逸,555'].join('\r\n')

const gb = (text: string) => iconv.encode(text, 'gb18030')

/** A city's registrations with a column per month (one headed by an Excel date), a merged title, a totals column and row. */
async function wideWorkbook() {
  const wb = new ExcelJS.Workbook()
  const ws = wb.addWorksheet('上险数')
  ws.addRow(['2025年一季度 宁波市上险数'])
  ws.mergeCells('A1:H1')
  ws.addRow(['省份', '城市', '品牌', '车型', '2025-01', '2025年2月', new Date(Date.UTC(2025, 2, 1)), '合计']) // 2
  ws.addRow(['浙江', '宁波', '丰田', '卡罗拉', 700, 720, 760, 2180]) // 3
  ws.addRow(['浙江', '宁波', '本田', '思域', 300, null, 330, 630]) // 4: February not reported — a gap, not a zero
  ws.addRow(['浙江', '宁波', '本田', '雅阁', 200, 'abc', 210, 410]) // 5
  ws.addRow(['浙江', '宁波', '别克', '英朗', null, null, null, null]) // 6: nothing at all
  ws.addRow(['浙江', '宁波', '大众', '朗逸', 480, 490, -3, 967]) // 7
  ws.addRow(['合计', null, null, null, 1680, 1210, 1297, 4187]) // 8
  return Buffer.from(await wb.xlsx.writeBuffer())
}

// ------------------------------------------------------------------ helpers

function upload(fields: Record<string, string>, file: { name: string; bytes: Buffer } | null, browser: Browser) {
  const form = new FormData()
  form.append('csrf', browser.csrf)
  for (const [k, v] of Object.entries(fields)) form.append(k, v)
  if (file) form.append('file', new File([new Uint8Array(file.bytes)], file.name, { type: 'application/octet-stream' }))
  return new Request(`${BASE}/competitors/market/import`, { method: 'POST', body: form, headers: { cookie: browser.cookie } })
}
const callImport = (request: Request) => settle(() => importAction({ request, params: {}, context: {} }))

type PreviewColumn = { index: number; header: string; field: string | null; month: string | null }
type Preview = { uploadId: string; columns: PreviewColumn[]; measure: string }

/** The confirm form as the preview renders it: the upload, the store, the measure and each column's field. */
function confirmFields(preview: Preview, storeId: string, change: Record<number, string | null> = {}, measure = preview.measure) {
  const fields: Record<string, string> = { intent: 'confirm', storeId, uploadId: preview.uploadId, measure }
  for (const c of preview.columns) fields[`map.${c.index}`] = (c.index in change ? change[c.index] : c.field) ?? ''
  return fields
}

/** Upload → preview → confirm → the job run → the import's id, through the pages. */
async function importThroughPages(who: Browser, storeId: string, file: { name: string; bytes: Buffer }, change: Record<number, string | null> = {}) {
  const res = await callImport(upload({ storeId }, file, who))
  expect(res.status, JSON.stringify(res.data)).toBe(200)
  const preview = res.data.preview as Preview
  const confirmed = await callImport(post('/competitors/market/import', confirmFields(preview, storeId, change), who))
  expect(confirmed.status, JSON.stringify(confirmed.data)).toBe(302)
  const location = confirmed.headers.get('location')!
  expect(location).toMatch(/^\/competitors\/market\/jobs\/[0-9a-f-]{36}$/)
  const jobId = location.split('/')[4]!
  const [job] = await runJobs([jobId])
  expect(job, JSON.stringify([job?.errorKey, job?.errorParams])).toMatchObject({ status: 'done' })
  const done = await settle(() => jobLoader({ request: get(location, who), params: { jobId }, context: {} }))
  expect(done.status).toBe(302)
  const summary = done.headers.get('location')!
  return { preview, importId: summary.split('/')[4]!.split('?')[0]!, notice: summary.split('=')[1] }
}

async function importBytes(storeId: string, bytes: Buffer, fileName: string, more: Partial<MarketImportInput> = {}, hooks = {}) {
  const ext = marketFileExt(bytes)
  const kept = await keepImportFile(bytes, ext)
  return runMarketImport({ storeId, fileHash: kept.hash, ext, fileName, measure: null, mapping: null, createdById: null, ...more }, hooks)
}

async function rowsOf(importId: string) {
  const db = await getDb()
  return db.select().from(importRows).where(eq(importRows.importId, importId)).orderBy(importRows.rowNumber, importRows.id)
}

const unitsByMonth = defineQuery<{ storeId: string; measure: string }>()({
  name: 'test.market.by-month',
  sql: `SELECT strftime(month, '%Y-%m') AS month, sum(units)::INTEGER AS units, count(*)::INTEGER AS n
        FROM market_units WHERE store_id = $storeId AND measure = $measure GROUP BY ALL ORDER BY month`,
})
const unitsRows = defineQuery<{ storeId: string }>()({
  name: 'test.market.units',
  sql: `SELECT measure, strftime(month, '%Y-%m') AS month, province, city, brand, model, units, row_number, import_id
        FROM market_units WHERE store_id = $storeId ORDER BY measure, month, city, brand, model`,
})
const allRows = defineQuery<{ storeId: string }>()({ name: 'test.market.rows', sql: `SELECT count(*)::INTEGER AS n FROM market_rows WHERE store_id = $storeId` })

/** Per month of a store and measure: the units that count and how many figures. */
async function byMonth(storeId: string, measure = 'registrations') {
  const rows = await withAnalytics((c) => runQuery(c, unitsByMonth, { storeId, measure }))
  return Object.fromEntries(rows.map((r) => [r.month as string, [r.units as number, r.n as number]]))
}

const marketFiles = () => (fs.existsSync(path.join(dataDir, 'imports', 'market')) ? fs.readdirSync(path.join(dataDir, 'imports', 'market')).sort() : [])

async function marketImportsOf(storeId: string) {
  const db = await getDb()
  return db.select().from(imports).where(and(eq(imports.storeId, storeId), eq(imports.kind, 'market')))
}

beforeAll(async () => {
  vi.stubEnv('DATA_DIR', dataDir)
  vi.stubEnv('ANALYTICS_SYNC_INTERVAL_S', '0')
  setAnalyticsDbOpener(() => openLive(path.join(dataDir, 'analytics', 'analytics.duckdb'), { memoryLimit: '256MB', threads: 2 }))
  const group = await createGroup()
  storeA = (await createStore(group.id, '杭州西湖大众4S店')).id
  storeB = (await createStore(group.id, '宁波鄞州大众4S店')).id
  specialistId = (await createUser(group.id, 'specialist', [storeA, storeB])).id
  specialist = await signIn(specialistId)
  manager = await signIn((await createUser(group.id, 'manager', [storeA])).id)
  specialistB = await signIn((await createUser(group.id, 'specialist', [storeB])).id)
  executive = await signIn((await createUser(group.id, 'executive', [])).id)
  frontDesk = await signIn((await createUser(group.id, 'sales', [storeA])).id)
})

afterAll(async () => {
  await stopAnalyticsSync()
  vi.unstubAllEnvs()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

// ------------------------------------------------------------------ the tests

describe('the market-data import', () => {
  let firstImportId: string
  let firstPreview: Preview

  it('gives market_rows and market_units their columns before anything is imported', async () => {
    await syncAnalyticsNow()
    const columnsOf = (view: string) => withAnalytics((c) => runQuery(c, defineQuery()({ name: 'test.describe', sql: `DESCRIBE ${view}` }), {}))
    const expected = [
      ['store_id', 'VARCHAR'],
      ['import_id', 'VARCHAR'],
      ['imported_at', 'TIMESTAMP WITH TIME ZONE'],
      ['row_number', 'INTEGER'],
      ['measure', 'VARCHAR'],
      ['month', 'DATE'],
      ['province', 'VARCHAR'],
      ['city', 'VARCHAR'],
      ['brand', 'VARCHAR'],
      ['model', 'VARCHAR'],
      ['units', 'BIGINT'],
    ]
    for (const view of ['market_rows', 'market_units']) {
      expect((await columnsOf(view)).map((c) => [c.column_name, c.column_type])).toEqual(expected)
    }
    expect(await byMonth(storeA)).toEqual({})
  })

  it('refuses executives and the front desk; another store’s upload cannot be made', async () => {
    for (const who of [executive, frontDesk]) {
      expect((await settle(() => importLoader({ request: get('/competitors/market/import', who), params: {}, context: {} }))).status).toBe(403)
      expect((await callImport(upload({ storeId: storeA }, { name: 'x.csv', bytes: gb(REGISTRATIONS_CSV) }, who))).status).toBe(403)
    }
    // a store-B specialist may not upload for store A: refused before the file is kept
    expect((await callImport(upload({ storeId: storeA }, { name: 'x.csv', bytes: gb(REGISTRATIONS_CSV) }, specialistB))).status).toBe(403)
    const page = await settle(() => importLoader({ request: get('/competitors/market/import', specialist), params: {}, context: {} }))
    expect(page.data.stores.map((s: { id: string }) => s.id).sort()).toEqual([storeA, storeB].sort())
  })

  it('previews the GB18030 CSV: its header below the title, the columns guessed, the measure 上险数', async () => {
    const res = await callImport(upload({ storeId: storeA }, { name: '浙江上险数2025Q1.csv', bytes: gb(REGISTRATIONS_CSV) }, specialist))
    expect(res.status).toBe(200)
    const p = res.data.preview
    expect(p).toMatchObject({ ext: 'csv', encoding: 'gb18030', headerRowNumber: 3, headerRecognised: true, source: 'guessed', measure: 'registrations', earlier: null })
    expect(Object.fromEntries(p.columns.map((c: PreviewColumn) => [c.header, c.field]))).toEqual({
      统计月份: 'month',
      省份: 'province',
      城市: 'city',
      品牌: 'brand',
      车型: 'model',
      上险数: 'units',
    })
    expect(p.sample[0]).toMatchObject({ rowNumber: 4, cells: ['2025-01', '浙江', '杭州', '大众', '朗逸', '1,234'] })
    const db = await getDb()
    const [kept] = await db.select().from(importUploads).where(eq(importUploads.id, p.uploadId))
    expect(kept).toMatchObject({ storeId: storeA, kind: 'market', ext: 'csv', uploadedById: specialistId })
    firstPreview = p
  })

  it('refuses a mapping without a city, an unknown field and a bad measure, with the reason', async () => {
    const noCity = await callImport(post('/competitors/market/import', confirmFields(firstPreview, storeA, { 2: null }), specialist))
    expect(noCity.status).toBe(400)
    expect(noCity.data).toMatchObject({ step: 'preview', error: { key: 'market.error.missingField', params: { field: 'city' } } })
    expect(noCity.data.preview.columns[2].field).toBeNull()
    const badField = await callImport(post('/competitors/market/import', { ...confirmFields(firstPreview, storeA), 'map.1': 'no_such_field' }, specialist))
    expect(badField.status).toBe(400)
    const badMeasure = await callImport(post('/competitors/market/import', confirmFields(firstPreview, storeA, {}, 'guesses'), specialist))
    expect(badMeasure.status).toBe(400)
    const badId = await callImport(post('/competitors/market/import', { ...confirmFields(firstPreview, storeA), uploadId: 'not-a-uuid' }, specialist))
    expect(badId.status).toBe(400)
  })

  it('refuses another user’s upload (403), of the same store or another', async () => {
    const mine = await callImport(post('/competitors/market/import', confirmFields(firstPreview, storeA), manager))
    expect(mine.status).toBe(403)
    expect(mine.data).toMatchObject({ error: { key: 'imports.error.uploadNotYours' } })
    expect((await callImport(post('/competitors/market/import', confirmFields(firstPreview, storeB), specialistB))).status).toBe(403)
    expect((await callImport(post('/competitors/market/import', confirmFields(firstPreview, storeA), specialistB))).status).toBe(403)
  })

  it('imports the good rows and reports every bad one by row number, column and reason', async () => {
    // the user leaves the province out: the choice is the store's from now on
    const confirmed = await callImport(post('/competitors/market/import', confirmFields(firstPreview, storeA, { 1: null }), specialist))
    expect(confirmed.status).toBe(302)
    const location = confirmed.headers.get('location')!
    const jobId = location.split('/')[4]!
    const waiting = await settle(() => jobLoader({ request: get(location, specialist), params: { jobId }, context: {} }))
    expect(waiting.data).toMatchObject({ canManage: true, job: { kind: 'market_import', status: 'queued' } })
    const [job] = await runJobs([jobId])
    expect(job, JSON.stringify(job?.errorKey)).toMatchObject({ status: 'done' })
    const done = await settle(() => jobLoader({ request: get(location, specialist), params: { jobId }, context: {} }))
    expect(done.headers.get('location')).toMatch(/^\/competitors\/market\/imports\/[0-9a-f-]{36}\?notice=done$/)
    firstImportId = done.headers.get('location')!.split('/')[4]!.split('?')[0]!

    const summary = await settle(() => detailLoader({ request: get(`/competitors/market/imports/${firstImportId}`, specialist), params: { importId: firstImportId }, context: {} }))
    expect(summary.status).toBe(200)
    expect(summary.data.import).toMatchObject({
      status: 'done',
      measure: 'registrations',
      layout: 'long',
      encoding: 'gb18030',
      months: ['2025-01', '2025-02', '2025-03'],
      counts: { rows: 19, imported: 8, rejected: 11, figures: 8, skipped: { title: 1, blank: 2, total: 2 } },
    })
    const failed = (await rowsOf(firstImportId)).filter((r) => r.outcome === 'failed').map((r) => [r.rowNumber, r.column, r.reason])
    expect(failed).toEqual([
      [13, '统计月份', 'market.reason.monthInvalid?value=2025-13'],
      [14, '统计月份', 'market.reason.monthMissing'],
      [15, '统计月份', `market.reason.monthFuture?value=${NEXT_YEAR}-01`],
      [16, '品牌', 'market.reason.brandMissing'],
      [17, '车型', 'market.reason.modelMissing'],
      [18, '城市', 'market.reason.cityMissing'],
      [19, '上险数', 'market.reason.unitsNegative?value=-5'],
      [20, '上险数', 'market.reason.unitsFractional?value=12.5'],
      [21, '上险数', 'market.reason.unitsInvalid?value=%E5%BE%88%E5%A4%9A'],
      [22, '上险数', 'market.reason.unitsMissing'],
      [23, '统计月份', 'market.reason.monthInvalid?value=%E4%B8%8B%E4%B8%AA%E6%9C%88'],
      [23, '城市', 'market.reason.cityMissing'],
      [23, '上险数', 'market.reason.unitsInvalid?value=abc'],
    ])
    const skipped = (await rowsOf(firstImportId)).filter((r) => r.outcome === 'skipped').map((r) => [r.rowNumber, r.reason])
    expect(skipped.sort((a, b) => (a[0] as number) - (b[0] as number))).toEqual([
      [1, 'sales.skipped.title'],
      [2, 'sales.skipped.blank'],
      [11, 'sales.skipped.blank'],
      [24, 'sales.skipped.total'],
      [25, 'sales.skipped.total'],
    ])
    // the page shows the rejected rows; the import has its audit entry
    expect(summary.data.rejected[0]).toMatchObject({ rowNumber: 13, column: '统计月份' })
    const db = await getDb()
    const [audit] = await db.select().from(auditLog).where(and(eq(auditLog.entityId, firstImportId), eq(auditLog.action, 'import.market')))
    expect(audit).toMatchObject({ storeId: storeA, entityType: 'import' })

    // DuckDB: the good rows, exactly, after the sync the job asked for
    const rows = await withAnalytics((c) => runQuery(c, unitsRows, { storeId: storeA }))
    expect(rows.map((r) => [r.month, r.city, r.brand, r.model, Number(r.units), r.row_number, r.province])).toEqual([
      ['2025-01', '宁波', '大众', '朗逸', 500, 10, null],
      ['2025-01', '杭州', '大众', '朗逸', 1234, 4, null],
      ['2025-01', '杭州', '日产', '轩逸', 900, 7, null],
      ['2025-02', '宁波', '大众', '朗逸', 520, 12, null],
      ['2025-02', '杭州', '大众', '朗逸', 1100, 5, null],
      ['2025-02', '杭州', '日产', '轩逸', 950, 8, null],
      ['2025-03', '杭州', '大众', '朗逸', 1300, 6, null],
      ['2025-03', '杭州', '日产', '轩逸', 1000, 9, null],
    ])
    expect(rows.every((r) => r.import_id === firstImportId && r.measure === 'registrations')).toBe(true)
    for (const r of rows) expect(MarketRecordSchema.safeParse({ month: `${r.month}-01`, province: r.province, city: r.city, brand: r.brand, model: r.model, units: Number(r.units) }).success).toBe(true)
    expect(await byMonth(storeA)).toEqual({ '2025-01': [2634, 3], '2025-02': [2570, 3], '2025-03': [2300, 2] })
    expect(marketFiles()).toHaveLength(1)
  })

  it('downloads the rejected rows as formula-safe CSV: row, column, reason in the user’s language', async () => {
    const res = await rejectsLoader({ request: get(`/competitors/market/imports/${firstImportId}/rejects.csv`, { ...specialist, cookie: `${specialist.cookie}; rs_lang=en` }), params: { importId: firstImportId }, context: {} })
    expect(res.headers.get('content-type')).toContain('text/csv')
    const text = (await res.text()).replace(/^\uFEFF/, '')
    const lines = text.trim().split('\r\n')
    expect(lines[0]).toBe('Row,Column,Reason')
    expect(lines.find((l) => l.startsWith('13,'))).toBe('13,统计月份,"“2025-13” is not a month (e.g. 2026-03, 2026/3, 2026年3月, 202603)."')
    expect(lines.find((l) => l.startsWith('19,'))).toBe('19,上险数,A number of cars cannot be negative (-5).')
    expect(lines.find((l) => l.startsWith('15,'))).toBe(`15,统计月份,${NEXT_YEAR}-01 is in the future.`)
    expect(lines).toHaveLength(1 + 13)
    // a column named like a formula is written as text
    const formula = CORRECTED_CSV.replace('车型', '=车型').replace('2025-02,浙江,宁波,大众,朗逸,555', '2025-02,浙江,宁波,大众,,555')
    const groupC = await createGroup()
    const storeC = (await createStore(groupC.id)).id
    const result = await importBytes(storeC, Buffer.from(formula, 'utf8'), 'formula.csv')
    expect(result).toMatchObject({ imported: 1, rejected: 1 })
    const admin = await signIn((await createUser(groupC.id, 'admin', [storeC])).id)
    const csv = await (await rejectsLoader({ request: get(`/competitors/market/imports/${result.importId}/rejects.csv`, admin), params: { importId: result.importId }, context: {} })).text()
    expect(csv).toContain("3,'=车型,")
    expect(csv).not.toMatch(/(^|\n|,)=车型/)
  })

  it('importing the same file twice changes nothing', async () => {
    const before = { imports: (await marketImportsOf(storeA)).length, files: marketFiles(), units: await byMonth(storeA) }
    // through the pages: the earlier import is named on the preview, and the job answers with it
    const again = await importThroughPages(specialist, storeA, { name: '浙江上险数2025Q1.csv', bytes: gb(REGISTRATIONS_CSV) })
    expect(again.preview).toMatchObject({ source: 'remembered' })
    expect((again.preview as unknown as { earlier: { id: string } }).earlier.id).toBe(firstImportId)
    expect(again).toMatchObject({ importId: firstImportId, notice: 'again' })
    // on the command line's path too (the store's remembered mapping, the measure its headers say)
    const direct = await importBytes(storeA, gb(REGISTRATIONS_CSV), 'again.csv')
    expect(direct).toMatchObject({ reused: true, importId: firstImportId, imported: 8, rejected: 11, months: ['2025-01', '2025-02', '2025-03'] })
    await syncAnalyticsNow()
    expect((await marketImportsOf(storeA)).length).toBe(before.imports)
    expect(marketFiles()).toEqual(before.files)
    expect(await byMonth(storeA)).toEqual(before.units)
  })

  it('offers the remembered mapping on the next preview; a corrected file supersedes exactly its months', async () => {
    const filesBefore = marketFiles()
    const res = await callImport(upload({ storeId: storeA }, { name: '浙江上险数2025-02更正.csv', bytes: gb(CORRECTED_CSV) }, specialist))
    const p = res.data.preview
    // the province the user left out stays out; the rest as confirmed
    expect(p.source).toBe('remembered')
    expect(p.columns.map((c: PreviewColumn) => c.field)).toEqual(['month', null, 'city', 'brand', 'model', 'units'])
    // the upload is the specialist's: a colleague cannot confirm it
    expect((await callImport(post('/competitors/market/import', confirmFields(p, storeA), manager))).status).toBe(403)
    const confirmed = await callImport(post('/competitors/market/import', confirmFields(p, storeA), specialist))
    const jobId = confirmed.headers.get('location')!.split('/')[4]!
    expect((await runJobs([jobId]))[0]).toMatchObject({ status: 'done' })

    // February is the corrected file's alone (杭州's 轩逸 no longer counts); January and March still the first file's
    expect(await byMonth(storeA)).toEqual({ '2025-01': [2634, 3], '2025-02': [1666, 2], '2025-03': [2300, 2] })
    const rows = await withAnalytics((c) => runQuery(c, unitsRows, { storeId: storeA }))
    expect(rows.filter((r) => r.month === '2025-02').map((r) => [r.city, r.model, Number(r.units)])).toEqual([
      ['宁波', '朗逸', 555],
      ['杭州', '朗逸', 1111],
    ])
    expect(rows.filter((r) => r.month !== '2025-02').every((r) => r.import_id === firstImportId)).toBe(true)
    // every file still read: market_rows has both imports' rows
    const [all] = await withAnalytics((c) => runQuery(c, allRows, { storeId: storeA }))
    expect(all!.n).toBe(10)
    expect(marketFiles()).toHaveLength(filesBefore.length + 1)

    // regional sales are another measure: they supersede no registrations
    const sales = await importBytes(storeA, gb(CORRECTED_CSV), 'sales.csv', { measure: 'sales' })
    expect(sales).toMatchObject({ reused: false, measure: 'sales', months: ['2025-02'] })
    await syncAnalyticsNow()
    expect(await byMonth(storeA, 'sales')).toEqual({ '2025-02': [1666, 2] })
    expect(await byMonth(storeA)).toEqual({ '2025-01': [2634, 3], '2025-02': [1666, 2], '2025-03': [2300, 2] })
  })

  it('imports an .xlsx with a column per month: gaps stay gaps, bad cells reject their row', async () => {
    const { importId } = await importThroughPages(specialist, storeB, { name: '宁波上险数.xlsx', bytes: await wideWorkbook() })
    const summary = await settle(() => detailLoader({ request: get(`/competitors/market/imports/${importId}`, specialist), params: { importId }, context: {} }))
    expect(summary.data.import).toMatchObject({
      layout: 'wide',
      measure: 'registrations',
      months: ['2025-01', '2025-02', '2025-03'],
      counts: { rows: 5, imported: 2, rejected: 3, figures: 5, skipped: { title: 1, total: 1 } },
    })
    const failed = (await rowsOf(importId)).filter((r) => r.outcome === 'failed').map((r) => [r.rowNumber, r.column, r.reason])
    expect(failed).toEqual([
      [5, '2025年2月', 'market.reason.unitsInvalid?value=abc'],
      [6, '2025-01 / 2025年2月 / 2025-03-01', 'market.reason.unitsMissing'],
      [7, '2025-03-01', 'market.reason.unitsNegative?value=-3'],
    ])
    expect(await byMonth(storeB)).toEqual({ '2025-01': [1000, 2], '2025-02': [720, 1], '2025-03': [1090, 2] })
    const rows = await withAnalytics((c) => runQuery(c, unitsRows, { storeId: storeB }))
    expect(rows.find((r) => r.model === '卡罗拉' && r.month === '2025-03')).toMatchObject({ province: '浙江', city: '宁波', brand: '丰田', row_number: 3 })
  })

  it('lists the imports on the market page and among all imports; the executive reads, never imports', async () => {
    const page = await settle(() => marketLoader({ request: get('/competitors/market', specialist), params: {}, context: {} }))
    expect(page.status).toBe(200)
    expect(page.data.canImport).toBe(true)
    expect(page.data.imports.find((i: { id: string }) => i.id === firstImportId)).toMatchObject({ measure: 'registrations', months: ['2025-01', '2025-02', '2025-03'], rowsImported: 8, rowsFailed: 11 })
    const exec = await settle(() => marketLoader({ request: get('/competitors/market', executive), params: {}, context: {} }))
    expect(exec.status).toBe(200)
    expect(exec.data.canImport).toBe(false)
    expect(exec.data.imports.length).toBeGreaterThanOrEqual(4)
    expect((await settle(() => detailLoader({ request: get(`/competitors/market/imports/${firstImportId}`, executive), params: { importId: firstImportId }, context: {} }))).status).toBe(200)
    expect((await settle(() => detailLoader({ request: get(`/competitors/market/imports/${firstImportId}`, specialistB), params: { importId: firstImportId }, context: {} }))).status).toBe(404)
    const list = await settle(() => importsListLoader({ request: get('/imports?kind=market', specialist), params: {}, context: {} }))
    expect(list.status).toBe(200)
    expect(list.data.imports.length).toBeGreaterThanOrEqual(3)
    expect(list.data.imports.every((i: { kind: string }) => i.kind === 'market')).toBe(true)
  })

  it('a rebuild of the analytical store makes the same market_units from the registered files', async () => {
    await syncAnalyticsNow()
    const live = await withAnalytics((c) => runQuery(c, unitsRows, { storeId: storeA }))
    const file = path.join(dataDir, 'rebuilt', 'analytics.duckdb')
    await rebuildAnalytics(pgSource(await getDbHandle()), { file, chunkRows: 1000, memoryLimit: '256MB' })
    const rebuilt = await openLive(file, { memoryLimit: '256MB' })
    try {
      expect(await rebuilt.withConnection((c) => runQuery(c, unitsRows, { storeId: storeA }))).toEqual(live)
    } finally {
      await rebuilt.close()
    }
    expect(live.length).toBe(9) // 7 registrations that count, 2 sales
  })

  it('a run killed half-way registers nothing and leaves no file', async () => {
    const storeD = (await createStore((await createGroup()).id)).id
    const files = marketFiles()
    const text = CORRECTED_CSV.replace(/2025-02/g, '2025-04')
    await expect(importBytes(storeD, gb(text), 'kill.csv', {}, { afterBatch: () => Promise.reject(new Error('killed')) })).rejects.toThrow('killed')
    await expect(importBytes(storeD, gb(text), 'kill.csv', {}, { beforeCommit: () => Promise.reject(new Error('killed at commit')) })).rejects.toThrow('killed at commit')
    expect(await marketImportsOf(storeD)).toEqual([])
    expect(marketFiles()).toEqual(files)
    expect(fs.readdirSync(path.join(dataDir, 'tmp')).filter((f) => f.startsWith('market-'))).toEqual([])
    // and the next run imports it
    expect(await importBytes(storeD, gb(text), 'kill.csv')).toMatchObject({ reused: false, imported: 2, months: ['2025-04'] })
    const db = await getDb()
    expect((await db.select().from(importMappings).where(eq(importMappings.storeId, storeD))).length).toBe(1)
  })
})

// ------------------------------------------------------------------ the command line

describe('npm run import -- market', () => {
  it('imports a file (exit 0), says nothing changed the second time, refuses a bad measure', { timeout: 10 * 60_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roadshow-market-cli-'))
    try {
      await embeddedDatabase(dir, { name: '宁波大众4S店', city: '宁波' })
      const env = { ...process.env, DATA_DIR: dir, DATABASE_URL: '', SEED_DEMO: 'false', LOG_LEVEL: 'error' }
      const file = path.join(dir, '宁波销量.csv')
      fs.writeFileSync(file, gb(REGISTRATIONS_CSV.replace('车型,上险数', '车型,销量')))
      const first = await runCli(['market', file, '--store', '宁波大众4S店', '--json'], env)
      expect(first.code, first.stderr).toBe(0)
      expect(JSON.parse(first.stdout.trim().split('\n').at(-1)!)).toMatchObject({ ok: true, reused: false, measure: 'sales', imported: 8, rejected: 11 })
      const human = await runCli(['market', file, '--store', '宁波大众4S店'], env)
      expect(human.code, human.stderr).toBe(0)
      expect(human.stdout).toContain('was already imported into 宁波大众4S店')
      expect(human.stdout).toContain('row 13, 统计月份: “2025-13” is not a month')
      expect(human.stdout).toContain('row 19, 销量: A number of cars cannot be negative (-5).')
      const bad = await runCli(['market', file, '--store', '宁波大众4S店', '--measure', 'guesses'], env)
      expect(bad.code).toBe(1)
      expect(bad.stderr).toContain('--measure must be one of registrations, sales')
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
