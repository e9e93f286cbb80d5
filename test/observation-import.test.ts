import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { and, eq } from 'drizzle-orm'
import ExcelJS from 'exceljs'
import iconv from 'iconv-lite'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { getDb } from '../db/client'
import { auditLog, competitorObservations, importMappings, importRows, imports, importUploads, jobs } from '../db/schema'
import { action as importAction, loader as importLoader } from '../app/routes/competitors.import'
import { action as jobAction, loader as jobLoader } from '../app/routes/competitors.jobs.$jobId'
import { loader as summaryLoader } from '../app/routes/competitors.imports.$importId'
import { loader as rejectsLoader } from '../app/routes/competitors.imports.$importId.rejects[.]csv'
import { action as newObservation } from '../app/routes/competitors.new'
import { keepImportFile } from '../app/services/import-files.server'
import { failInterruptedObservationImports, runObservationImport } from '../app/services/observation-import.server'
import { guessMoneyUnit, guessObservationMapping, matchObservationField, readSeenAt } from '../analytics/ingest/observation-headers'
import { forgetEnv } from '../app/utils/env.server'
import { embeddedDatabase, runCli } from './cli'
import { BASE, createGroup, createStore, createUser, get, post, signIn, type Browser } from './factories'
import { settle } from './http'
import { runJobs } from './run-jobs'

/**
 * SPEC §5 through the §4 import path (issue "Competitor intelligence": imported in bulk through
 * the common import job — xlsx/csv, GBK or UTF-8, preview, row-level rejects, remembered mapping;
 * "import with bad rows of every kind"). Real PGlite, the real job runner, real files written here:
 * a GB18030 CSV as Excel on Chinese Windows saves it, and an .xlsx made with exceljs.
 */

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roadshow 竞品导入-'))
const args = (request: Request, params: Record<string, string> = {}) => ({ request, params, context: {} })

let storeA: string
let storeB: string
let specialistId: string
let specialist: Browser
let colleague: Browser
let specialistB: Browser
let executive: Browser
let frontDesk: Browser

const HEADER = ['品牌', '车型', '配置', '指导价(万元)', '成交价', '优惠', '促销政策', '活动开始', '活动结束', '信息来源', '地点', '日期', '采集人', '备注']
const row = (cells: Partial<Record<(typeof HEADER)[number], string>>) => HEADER.map((h) => cells[h] ?? '')
const LONG_TRIM = '豪华版'.repeat(27) // 81 characters

/** The rows of the GBK sheet, by the row number Excel shows (1: the title, 2: the header). */
const GBK_ROWS: string[][] = [
  ['2026年11月 竞品信息采集表（杭州）'],
  HEADER,
  /* 3 */ row({ 品牌: '日产', 车型: '轩逸', 配置: '1.6L CVT 舒享版', '指导价(万元)': '10.98', 优惠: '1.2万', 促销政策: '置换补贴8000元', 活动开始: '2026-11-01', 活动结束: '2026-11-30', 信息来源: '店内', 地点: '杭州东风日产西湖店', 日期: '2026-11-20', 采集人: '王芳' }),
  /* 4 */ row({ 品牌: '丰田', 车型: '卡罗拉', 配置: '1.2T 先锋版', '指导价(万元)': '12.98', 成交价: '119800', 促销政策: '0首付', 活动开始: '2026/11/5', 活动结束: '2026/11/25', 信息来源: '车展', 地点: '杭州车展', 日期: '2026年11月21日', 采集人: '李明', 备注: '周末人多' }),
  /* 5 */ row({}),
  /* 6 */ row({ 品牌: '本田', 车型: '思域', '指导价(万元)': '13.99', 成交价: '125800', 优惠: '14100', 信息来源: '汽车之家', 日期: '46348', 采集人: '王芳' }),
  /* 7 */ row({ 品牌: '比亚迪', 车型: '秦PLUS', 促销政策: '限时送充电桩', 信息来源: '朋友圈', 日期: '2026-11-23' }),
  /* 8 */ row({ 车型: '轩逸', '指导价(万元)': '10.98', 信息来源: '店内', 日期: '2026-11-20' }),
  /* 9 */ row({ 品牌: '日产', '指导价(万元)': '10.98', 信息来源: '店内', 日期: '2026-11-20' }),
  /* 10 */ row({ 品牌: '日产', 车型: '天籁', '指导价(万元)': '十八万', 信息来源: '店内', 日期: '2026-11-20' }),
  /* 11 */ row({ 品牌: '日产', 车型: '天籁', 成交价: '-120000', 信息来源: '店内', 日期: '2026-11-20' }),
  /* 12 */ row({ 品牌: '日产', 车型: '天籁', '指导价(万元)': '17.98', 成交价: '160000', 优惠: '5000', 信息来源: '店内', 日期: '2026-11-20' }),
  /* 13 */ row({ 品牌: '日产', 车型: '天籁', '指导价(万元)': '17.98', 信息来源: '店内', 日期: 'yesterday' }),
  /* 14 */ row({ 品牌: '日产', 车型: '天籁', '指导价(万元)': '17.98', 信息来源: '店内', 日期: '2099-01-01' }),
  /* 15 */ row({ 品牌: '日产', 车型: '天籁', 促销政策: '春节促销', 活动开始: '2026-11-20', 活动结束: '2026-11-10', 信息来源: '店内', 日期: '2026-11-20' }),
  /* 16 */ row({ 品牌: '日产', 车型: '天籁', 配置: LONG_TRIM, '指导价(万元)': '17.98', 信息来源: '店内', 日期: '2026-11-20' }),
  /* 17 */ row({ 品牌: '日产', 车型: '天籁', 成交价: '9', 信息来源: '店内', 日期: '2026-11-20' }),
  /* 18 */ HEADER.map(() => '   '),
  /* 19 */ row({ 品牌: '日产', 车型: '天籁', '指导价(万元)': '=1+2', 信息来源: '店内', 日期: '2026-11-20' }),
  /* 20 */ row({ 品牌: '合计', '指导价(万元)': '200.5' }),
]

/** Each refused row of the GBK sheet: its row number, the column (its header) and the reason. */
const EXPECTED_PROBLEMS = [
  [8, '品牌', 'validation.required'],
  [9, '车型', 'validation.required'],
  [10, '指导价(万元)', 'sales.reason.amountInvalid?value=%E5%8D%81%E5%85%AB%E4%B8%87'],
  [11, '成交价', 'sales.reason.amountNegative?value=-120000'],
  [12, '优惠', 'competitors.validation.discountMismatch'],
  [13, '日期', 'sales.reason.dateInvalid?value=yesterday'],
  [14, '日期', 'competitors.validation.seenInFuture'],
  [15, '活动结束', 'validation.endBeforeStart'],
  [16, '配置', 'validation.tooLong?max=80'],
  [17, '成交价', 'competitors.validation.priceImplausible?yuan=9'],
  [19, '指导价(万元)', 'sales.reason.amountInvalid?value=%3D1%2B2'],
]

const csv = (rows: string[][]) => rows.map((r) => r.map((c) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',')).join('\r\n') + '\r\n'
const fixtures = path.join(dataDir, 'fixtures')
const GBK_FILE = path.join(fixtures, '竞品信息-11月.csv')
const XLSX_FILE = path.join(fixtures, 'competitor-prices.xlsx')

async function writeXlsx() {
  const book = new ExcelJS.Workbook()
  const sheet = book.addWorksheet('Competitors')
  sheet.addRow(['Competitor prices — November 2026'])
  sheet.mergeCells('A1:N1')
  sheet.addRow(['Brand', 'Model', 'Trim', 'MSRP', 'Transaction price', 'Discount', 'Promotion', 'Start date', 'End date', 'Where seen', 'Place', 'Seen on', 'Seen by', 'Note'])
  const day = (d: number) => new Date(Date.UTC(2026, 10, d))
  sheet.addRow(['Nissan', 'Sylphy', '1.6L CVT', 109800, 97800, null, 'Trade-in bonus ¥8,000', day(1), day(30), 'Their showroom', 'Hangzhou Nissan', day(20), 'Wang Fang', ''])
  sheet.addRow(['Toyota', 'Corolla', '', '12.98万', null, 10000, '', null, null, 'Auto show', 'Hangzhou auto show', 46347, '', ''])
  sheet.addRow(['BYD', 'Qin PLUS', '', 79800, 79800, 5000, '', null, null, 'dongchedi', '', day(22), '', ''])
  sheet.addRow(['Total', '', '', 189600])
  await book.xlsx.writeFile(XLSX_FILE)
}

/** The upload step as the browser sends it: multipart, the CSRF field and the store before the file. */
function upload(fields: Record<string, string>, file: { name: string; bytes: Buffer } | null, browser: Browser) {
  const form = new FormData()
  form.append('csrf', browser.csrf)
  for (const [k, v] of Object.entries(fields)) form.append(k, v)
  if (file) form.append('file', new File([new Uint8Array(file.bytes)], file.name, { type: 'application/octet-stream' }))
  return new Request(`${BASE}/competitors/import`, { method: 'POST', body: form, headers: { cookie: browser.cookie } })
}
const callImport = (request: Request) => settle(() => importAction(args(request)))
const uploadFile = (file: string, browser: Browser, storeId = storeA) => callImport(upload({ storeId }, { name: path.basename(file), bytes: fs.readFileSync(file) }, browser))

type PreviewColumn = { index: number; header: string; field: string | null; unit: string }

/** The confirm form as the preview renders it: the upload, the store, each column's field and unit. */
function confirmFields(preview: { uploadId: string; columns: PreviewColumn[] }, storeId: string, change: Record<number, string> = {}) {
  const fields: Record<string, string> = { intent: 'confirm', storeId, uploadId: preview.uploadId }
  for (const c of preview.columns) {
    fields[`map.${c.index}`] = c.index in change ? change[c.index]! : (c.field ?? '')
    fields[`unit.${c.index}`] = c.unit
  }
  return fields
}

/** Confirms, runs the queued job to its end and follows the job page to the import. */
async function confirmAndRun(fields: Record<string, string>, browser = specialist) {
  const res = await callImport(post('/competitors/import', fields, browser))
  expect(res.status, JSON.stringify(res.data)).toBe(302)
  const jobId = res.headers.get('location')!.split('/').at(-1)!
  const [job] = await runJobs([jobId])
  expect(job!.status, JSON.stringify(job!.errorKey)).toBe('done')
  const page = await settle(() => jobLoader(args(get(`/competitors/jobs/${jobId}`, browser), { jobId })))
  expect(page.status).toBe(302)
  const location = page.headers.get('location')!
  return { jobId, importId: location.split('/').at(-1)!.split('?')[0]!, location, result: job!.result as Record<string, unknown> }
}

async function observationsOf(importId: string) {
  const db = await getDb()
  return db.select().from(competitorObservations).where(eq(competitorObservations.importId, importId)).orderBy(competitorObservations.seenOn, competitorObservations.model)
}

beforeAll(async () => {
  vi.stubEnv('DATA_DIR', dataDir)
  forgetEnv()
  fs.mkdirSync(fixtures, { recursive: true })
  fs.writeFileSync(GBK_FILE, iconv.encode(csv(GBK_ROWS), 'gb18030'))
  await writeXlsx()
  const group = await createGroup()
  storeA = (await createStore(group.id, '杭州西湖大众4S店')).id
  storeB = (await createStore(group.id, '宁波鄞州大众4S店')).id
  specialistId = (await createUser(group.id, 'specialist', [storeA])).id
  specialist = await signIn(specialistId)
  colleague = await signIn((await createUser(group.id, 'manager', [storeA])).id)
  specialistB = await signIn((await createUser(group.id, 'specialist', [storeB])).id)
  executive = await signIn((await createUser(group.id, 'executive', [])).id)
  frontDesk = await signIn((await createUser(group.id, 'sales', [storeA])).id)
})

afterAll(() => {
  vi.unstubAllEnvs()
  forgetEnv()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

describe('importing competitor observations', () => {
  let preview: { uploadId: string; columns: PreviewColumn[] } & Record<string, any>
  let importId: string

  it('guesses each field from Chinese and English headers, and leaves 落地价 (taxes included) out', () => {
    const headers = ['厂商', '车系', '版本', '厂商指导价', '落地价', '实际成交价', '终端优惠', '活动内容', '促销开始', '促销结束', '渠道', '门店', '采集日期', '调研人', 'Note']
    expect(Object.fromEntries(guessObservationMapping(headers).map((g) => [g.header, g.field]))).toEqual({
      厂商: 'brand',
      车系: 'model',
      版本: 'trim',
      厂商指导价: 'listPrice',
      实际成交价: 'transactionPrice',
      终端优惠: 'discount',
      活动内容: 'promotion',
      促销开始: 'promotionStart',
      促销结束: 'promotionEnd',
      渠道: 'seenAt',
      门店: 'place',
      采集日期: 'seenOn',
      调研人: 'seenBy',
      Note: 'note',
    })
    expect(matchObservationField('落地价（万元）')).toBeNull()
    expect(matchObservationField('List price')?.field).toBe('listPrice')
    expect(guessMoneyUnit('成交价（万元）', 'transactionPrice')).toBe('wan')
    expect(guessMoneyUnit('指导价(分)', 'listPrice')).toBe('fen')
    expect(guessMoneyUnit('指导价', 'listPrice', [12.98, '15.5'])).toBe('wan')
    expect(guessMoneyUnit('指导价', 'listPrice', [129800, '15.5'])).toBe('yuan')
  })

  it('reads the where-seen words onto the closed list', () => {
    expect(['店内', '展厅', '4S店', '车展', '官网', '网站', '汽车之家', '懂车帝', '易车', '平台', 'Car platform', 'auto_show', '', '朋友圈'].map((w) => readSeenAt(w))).toEqual([
      { seenAt: 'store', known: true },
      { seenAt: 'store', known: true },
      { seenAt: 'store', known: true },
      { seenAt: 'auto_show', known: true },
      { seenAt: 'website', known: true },
      { seenAt: 'website', known: true },
      { seenAt: 'platform', known: true },
      { seenAt: 'platform', known: true },
      { seenAt: 'platform', known: true },
      { seenAt: 'platform', known: true },
      { seenAt: 'platform', known: true },
      { seenAt: 'auto_show', known: true },
      { seenAt: 'other', known: true },
      { seenAt: 'other', known: false },
    ])
  })

  it('offers the stores a user records for; refuses executives', async () => {
    const page = await settle(() => importLoader(args(get('/competitors/import', specialist))))
    expect(page.status).toBe(200)
    expect(page.data.stores.map((s: { id: string }) => s.id)).toEqual([storeA])
    expect((await settle(() => importLoader(args(get('/competitors/import', frontDesk))))).status).toBe(200)
    expect((await settle(() => importLoader(args(get('/competitors/import', executive))))).status).toBe(403)
    expect((await uploadFile(GBK_FILE, executive)).status).toBe(403)
  })

  it('refuses an upload into a store the user cannot write, before keeping anything', async () => {
    const res = await uploadFile(GBK_FILE, specialistB, storeA)
    expect(res.status).toBe(403)
    const db = await getDb()
    expect(await db.select().from(importUploads).where(eq(importUploads.storeId, storeA))).toEqual([])
    const kept = fs.existsSync(path.join(dataDir, 'imports')) ? fs.readdirSync(path.join(dataDir, 'imports')) : []
    expect(kept.filter((f) => !fs.statSync(path.join(dataDir, 'imports', f)).isDirectory())).toEqual([])
  })

  it('previews the GBK sheet: header below the title, rows left out, each column guessed, the where-seen words read', async () => {
    const res = await uploadFile(GBK_FILE, specialist)
    expect(res.status, JSON.stringify(res.data)).toBe(200)
    expect(res.data.step).toBe('preview')
    preview = res.data.preview
    expect(preview).toMatchObject({ ext: 'csv', encoding: 'gb18030', headerRowNumber: 2, headerRecognised: true, source: 'guessed', earlier: null, dataRows: 15 })
    expect(preview.skipped).toEqual({ title: 1, blank: 2, total: 1 })
    expect(Object.fromEntries(preview.columns.map((c) => [c.header, [c.field, c.unit]]))).toEqual({
      品牌: ['brand', 'yuan'],
      车型: ['model', 'yuan'],
      配置: ['trim', 'yuan'],
      '指导价(万元)': ['listPrice', 'wan'],
      成交价: ['transactionPrice', 'yuan'],
      优惠: ['discount', 'yuan'],
      促销政策: ['promotion', 'yuan'],
      活动开始: ['promotionStart', 'yuan'],
      活动结束: ['promotionEnd', 'yuan'],
      信息来源: ['seenAt', 'yuan'],
      地点: ['place', 'yuan'],
      日期: ['seenOn', 'yuan'],
      采集人: ['seenBy', 'yuan'],
      备注: ['note', 'yuan'],
    })
    expect(preview.sample[0]).toMatchObject({ rowNumber: 3 })
    expect(preview.sample[0].cells.slice(0, 2)).toEqual(['日产', '轩逸'])
    expect(preview.seenAt.values).toEqual(
      expect.arrayContaining([
        { text: '店内', seenAt: 'store', known: true, rows: 12 },
        { text: '车展', seenAt: 'auto_show', known: true, rows: 1 },
        { text: '汽车之家', seenAt: 'platform', known: true, rows: 1 },
        { text: '朋友圈', seenAt: 'other', known: false, rows: 1 },
      ]),
    )
    // kept content-addressed as this user's upload for store A
    const db = await getDb()
    const [kept] = await db.select().from(importUploads).where(eq(importUploads.id, preview.uploadId))
    expect(kept).toMatchObject({ storeId: storeA, uploadedById: specialistId, kind: 'observations', ext: 'csv', fileName: '竞品信息-11月.csv' })
    expect(fs.existsSync(path.join(dataDir, 'imports', `${kept!.fileHash}.csv`))).toBe(true)
    expect(fs.readdirSync(path.join(dataDir, 'imports')).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  it('lets only the uploader confirm, only into the upload’s store', async () => {
    const db = await getDb()
    const jobsBefore = (await db.select().from(jobs)).length
    const other = await callImport(post('/competitors/import', confirmFields(preview, storeA), colleague))
    expect(other.status).toBe(403)
    expect(other.data.error.key).toBe('imports.error.uploadNotYours')
    const elsewhere = await callImport(post('/competitors/import', confirmFields(preview, storeB), specialist))
    expect(elsewhere.status).toBe(403)
    const executiveTry = await callImport(post('/competitors/import', confirmFields(preview, storeA), executive))
    expect(executiveTry.status).toBe(403)
    expect((await db.select().from(jobs)).length).toBe(jobsBefore)
  })

  it('sends a mapping without the day seen back to the preview, saying what it lacks', async () => {
    const res = await callImport(post('/competitors/import', confirmFields(preview, storeA, { 11: '' }), specialist))
    expect(res.status).toBe(400)
    expect(res.data.step).toBe('preview')
    expect(res.data.error).toEqual({ key: 'competitors.import.error.missingField', params: { field: 'seenOn' } })
    const bad = await callImport(post('/competitors/import', { ...confirmFields(preview, storeA), 'map.2': 'colour' }, specialist))
    expect(bad.status).toBe(400)
    expect(bad.data).toContain('map.2')
  })

  it('imports the good rows in fen through the job and reports every bad row with its row, column and reason', async () => {
    // the user leaves the note column out: remembered for next time
    const run = await confirmAndRun(confirmFields(preview, storeA, { 13: '' }))
    importId = run.importId
    expect(run.location).toBe(`/competitors/imports/${importId}?notice=done`)
    expect(run.result).toMatchObject({ reused: false, rows: 15, imported: 4, failed: 11, skipped: { title: 1, blank: 2, total: 1 } })

    const db = await getDb()
    const [done] = await db.select().from(imports).where(eq(imports.id, importId))
    expect(done).toMatchObject({ kind: 'observations', storeId: storeA, status: 'done', rowsTotal: 15, rowsImported: 4, rowsFailed: 11, rowsSkipped: 4 })
    const problems = await db
      .select({ rowNumber: importRows.rowNumber, column: importRows.column, reason: importRows.reason })
      .from(importRows)
      .where(and(eq(importRows.importId, importId), eq(importRows.outcome, 'failed')))
      .orderBy(importRows.rowNumber)
    expect(problems.map((p) => [p.rowNumber, p.column, p.reason])).toEqual(EXPECTED_PROBLEMS)
    const skipped = await db.select().from(importRows).where(and(eq(importRows.importId, importId), eq(importRows.outcome, 'skipped'))).orderBy(importRows.rowNumber)
    expect(skipped.map((s) => [s.rowNumber, s.reason])).toEqual([
      [1, 'sales.skipped.title'],
      [5, 'sales.skipped.blank'],
      [18, 'sales.skipped.blank'],
      [20, 'sales.skipped.total'],
    ])

    const stored = await observationsOf(importId)
    expect(stored.map((o) => [o.brand, o.model])).toEqual([
      ['日产', '轩逸'],
      ['丰田', '卡罗拉'],
      ['本田', '思域'],
      ['比亚迪', '秦PLUS'],
    ])
    expect(stored[0]).toMatchObject({
      storeId: storeA,
      trim: '1.6L CVT 舒享版',
      listPriceFen: 10_980_000,
      discountFen: 1_200_000,
      transactionPriceFen: 9_780_000,
      promotion: '置换补贴8000元',
      promotionStart: '2026-11-01',
      promotionEnd: '2026-11-30',
      seenAt: 'store',
      place: '杭州东风日产西湖店',
      seenOn: '2026-11-20',
      seenByName: '王芳',
      seenById: null,
      createdById: specialistId,
    })
    expect(stored[1]).toMatchObject({ listPriceFen: 12_980_000, transactionPriceFen: 11_980_000, discountFen: 1_000_000, seenAt: 'auto_show', promotionStart: '2026-11-05', promotionEnd: '2026-11-25', seenOn: '2026-11-21', note: '' })
    // an Excel serial day in a CSV
    expect(stored[2]).toMatchObject({ listPriceFen: 13_990_000, transactionPriceFen: 12_580_000, discountFen: 1_410_000, seenAt: 'platform', seenOn: '2026-11-22' })
    // a where-seen word none of the list names: elsewhere, its text kept as the place
    expect(stored[3]).toMatchObject({ seenAt: 'other', place: '朋友圈', promotion: '限时送充电桩', listPriceFen: null, transactionPriceFen: null })

    const [audit] = await db.select().from(auditLog).where(and(eq(auditLog.action, 'competitor.import'), eq(auditLog.entityId, importId)))
    expect(audit).toMatchObject({ storeId: storeA, entityType: 'import' })
    expect(audit!.after).toMatchObject({ imported: 4, failed: 11 })
  })

  it('shows the summary and serves the refused rows as a formula-safe CSV in the user’s language', async () => {
    const page = await settle(() => summaryLoader(args(get(`/competitors/imports/${importId}?notice=done`, specialist), { importId })))
    expect(page.status).toBe(200)
    expect(page.data.import.counts).toMatchObject({ rows: 15, imported: 4, failed: 11 })
    expect(page.data.problems).toHaveLength(11)
    expect(page.data.notice).toBe('done')
    // another store's user is told there is no such import
    expect((await settle(() => summaryLoader(args(get(`/competitors/imports/${importId}`, specialistB), { importId })))).status).toBe(404)

    const english = { ...specialist, cookie: `${specialist.cookie}; rs_lang=en` }
    const res = (await rejectsLoader(args(get(`/competitors/imports/${importId}/rejects.csv`, english), { importId }))) as Response
    expect(res.headers.get('content-type')).toContain('text/csv')
    const bytes = Buffer.from(await res.arrayBuffer())
    // UTF-8 with a byte-order mark: Excel on Chinese Windows reads it as UTF-8
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    const text = bytes.subarray(3).toString('utf8')
    expect(text.startsWith('Row,Column,Reason\r\n'), text.slice(0, 200)).toBe(true)
    const lines = text.trim().split('\r\n').slice(1)
    expect(lines).toHaveLength(11)
    expect(lines[0]).toBe('8,品牌,Required.')
    expect(lines).toContain('14,日期,A sighting cannot be dated after today.')
    // no cell opens as a formula in Excel
    for (const line of lines) for (const cell of line.split(',')) expect(cell).not.toMatch(/^[=+\-@]/)
    expect(lines.find((l) => l.startsWith('19,'))).toContain('=1+2')
  })

  it('adds nothing when the same file is imported into the same store again, and says so before', async () => {
    const res = await uploadFile(GBK_FILE, specialist)
    expect(res.status).toBe(200)
    expect(res.data.preview.earlier).toMatchObject({ id: importId })
    const db = await getDb()
    const before = (await db.select().from(competitorObservations).where(eq(competitorObservations.storeId, storeA))).length
    const run = await confirmAndRun(confirmFields(res.data.preview, storeA))
    expect(run.result).toMatchObject({ reused: true, importId })
    expect(run.location).toBe(`/competitors/imports/${importId}?notice=again`)
    expect((await db.select().from(competitorObservations).where(eq(competitorObservations.storeId, storeA))).length).toBe(before)
  })

  it('offers the store’s remembered mapping on the next preview', async () => {
    const db = await getDb()
    const [remembered] = await db.select().from(importMappings).where(and(eq(importMappings.storeId, storeA), eq(importMappings.kind, 'observations')))
    expect(remembered!.columns).toContainEqual({ header: '备注', field: null })
    // next month's sheet: the same headers, other rows
    const next = path.join(fixtures, '竞品信息-12月.csv')
    fs.writeFileSync(next, iconv.encode(csv([HEADER, row({ 品牌: '日产', 车型: '轩逸', '指导价(万元)': '10.98', 信息来源: '展厅', 日期: '2026-11-28', 备注: '下月再看' })]), 'gb18030'))
    const res = await uploadFile(next, specialist)
    expect(res.status).toBe(200)
    expect(res.data.preview.source).toBe('remembered')
    const byHeader = Object.fromEntries(res.data.preview.columns.map((c: PreviewColumn) => [c.header, c.field]))
    expect(byHeader).toMatchObject({ 品牌: 'brand', 日期: 'seenOn', 备注: null })
    // another store remembers nothing of it
    const other = await uploadFile(next, specialistB, storeB)
    expect(other.data.preview.source).toBe('guessed')
    expect(Object.fromEntries(other.data.preview.columns.map((c: PreviewColumn) => [c.header, c.field]))).toMatchObject({ 备注: 'note' })
  })

  it('imports an .xlsx with English headers, numbers, 万 amounts, date cells and serial days', async () => {
    const res = await uploadFile(XLSX_FILE, frontDesk)
    expect(res.status, JSON.stringify(res.data)).toBe(200)
    const p = res.data.preview
    expect(p).toMatchObject({ ext: 'xlsx', encoding: null, headerRowNumber: 2, dataRows: 3, skipped: { title: 1, blank: 0, total: 1 } })
    expect(Object.fromEntries(p.columns.map((c: PreviewColumn) => [c.header, c.field]))).toMatchObject({
      Brand: 'brand',
      MSRP: 'listPrice',
      'Transaction price': 'transactionPrice',
      'Where seen': 'seenAt',
      'Seen on': 'seenOn',
      'Seen by': 'seenBy',
      'Start date': 'promotionStart',
      'End date': 'promotionEnd',
    })
    const run = await confirmAndRun(confirmFields(p, storeA), frontDesk)
    expect(run.result).toMatchObject({ imported: 2, failed: 1 })
    const stored = await observationsOf(run.importId)
    expect(stored[0]).toMatchObject({ brand: 'Nissan', listPriceFen: 10_980_000, transactionPriceFen: 9_780_000, discountFen: 1_200_000, seenAt: 'store', promotionStart: '2026-11-01', promotionEnd: '2026-11-30', seenOn: '2026-11-20', seenByName: 'Wang Fang' })
    expect(stored[1]).toMatchObject({ brand: 'Toyota', listPriceFen: 12_980_000, discountFen: 1_000_000, transactionPriceFen: 11_980_000, seenAt: 'auto_show', seenOn: '2026-11-21' })
    const db = await getDb()
    const [problem] = await db.select().from(importRows).where(and(eq(importRows.importId, run.importId), eq(importRows.outcome, 'failed')))
    expect(problem).toMatchObject({ rowNumber: 5, column: 'Discount', reason: 'competitors.validation.discountMismatch' })
  })

  it('refuses a sheet of more than 20,000 rows with a clear message, keeping nothing', async () => {
    const big = path.join(fixtures, 'too-many.csv')
    const lines = ['品牌,车型,成交价,日期']
    for (let i = 0; i < 20_001; i++) lines.push(`日产,轩逸,99800,2026-11-20`)
    fs.writeFileSync(big, lines.join('\n'))
    const db = await getDb()
    const uploads = (await db.select().from(importUploads)).length
    const res = await uploadFile(big, specialist)
    expect(res.status).toBe(400)
    expect(res.data.error).toEqual({ key: 'imports.error.tooManyRows', params: { max: 20_000 } })
    expect((await db.select().from(importUploads)).length).toBe(uploads)
  })

  it('holds the form to the same rules: an implausible price is refused there too', async () => {
    const form = new FormData()
    form.append('csrf', specialist.csrf)
    const fields = { storeId: storeA, brand: '日产', model: '天籁', transactionPriceFen: '9', seenAt: 'store', seenOn: '2026-11-20' }
    for (const [k, v] of Object.entries(fields)) form.append(k, v)
    const res = await settle(() => newObservation(args(new Request(`${BASE}/competitors/new`, { method: 'POST', body: form, headers: { cookie: specialist.cookie } }))))
    expect(res.status).toBe(400)
    expect(res.data.errors).toEqual({ transactionPriceFen: 'competitors.validation.priceImplausible?yuan=9' })
  })
})

describe('an import that does not finish leaves nothing', () => {
  const many = () => {
    const lines = ['品牌,车型,成交价,日期,信息来源']
    for (let i = 0; i < 1_500; i++) lines.push(`日产,轩逸 ${i},${99_800 + i},2026-11-20,店内`)
    return Buffer.from(lines.join('\n'))
  }

  it('takes back the rows a cancelled run had saved', async () => {
    const bytes = many()
    const kept = await keepImportFile(bytes, 'csv')
    const db = await getDb()
    const before = (await db.select().from(competitorObservations)).length
    const stop = new AbortController()
    let saved = 0
    const run = runObservationImport(
      { storeId: storeB, fileHash: kept.hash, ext: 'csv', fileName: 'many.csv', mapping: null, createdById: null, ip: null },
      {
        signal: stop.signal,
        progress: (p) => {
          if (p.phase === 'saving') {
            saved = p.done
            stop.abort()
          }
        },
      },
    )
    await expect(run).rejects.toThrow()
    expect(saved).toBe(1_000)
    expect((await db.select().from(competitorObservations)).length).toBe(before)
    expect(await db.select().from(imports).where(eq(imports.fileHash, kept.hash))).toEqual([])

    // the same file then imports whole
    const again = await runObservationImport({ storeId: storeB, fileHash: kept.hash, ext: 'csv', fileName: 'many.csv', mapping: null, createdById: null, ip: null })
    expect(again).toMatchObject({ reused: false, imported: 1_500, failed: 0 })
    expect(await observationsOf(again.importId)).toHaveLength(1_500)
  })

  it('undoes what a killed process left pending, and marks it failed', async () => {
    const db = await getDb()
    // a run whose process died: its job ended without finishing it (on a Postgres server another
    // process's import is told from a dead one that way; the embedded database has one process)
    const [ended] = await db.insert(jobs).values({ kind: 'observation_import', storeId: storeB, input: { fileName: 'killed.csv' }, status: 'failed' }).returning({ id: jobs.id })
    const [pending] = await db
      .insert(imports)
      .values({ storeId: storeB, kind: 'observations', fileName: 'killed.csv', fileHash: 'a'.repeat(64), byteSize: 10, status: 'pending', rowsImported: 2, jobId: ended!.id })
      .returning({ id: imports.id })
    await db.insert(competitorObservations).values(
      ['雅阁', '凯美瑞'].map((model) => ({ storeId: storeB, brand: '本田', model, transactionPriceFen: 17_980_000, seenAt: 'store' as const, seenOn: '2026-11-20', importId: pending!.id })),
    )
    expect(await failInterruptedObservationImports({ storeIds: [storeB] })).toEqual([pending!.id])
    expect(await observationsOf(pending!.id)).toEqual([])
    const [row] = await db.select().from(imports).where(eq(imports.id, pending!.id))
    expect(row).toMatchObject({ status: 'failed', error: 'imports.error.interrupted', rowsImported: 0 })
  })

  it('lets the store’s writers cancel or retry a job, and nobody else', async () => {
    const db = await getDb()
    const [job] = await db.insert(jobs).values({ kind: 'observation_import', storeId: storeA, input: { fileName: 'x.csv' } }).returning({ id: jobs.id })
    const jobId = job!.id
    expect((await settle(() => jobAction(args(post(`/competitors/jobs/${jobId}`, { intent: 'cancel' }, specialistB), { jobId })))).status).toBe(404)
    expect((await settle(() => jobAction(args(post(`/competitors/jobs/${jobId}`, { intent: 'cancel' }, executive), { jobId })))).status).toBe(403)
    const cancelled = await settle(() => jobAction(args(post(`/competitors/jobs/${jobId}`, { intent: 'cancel' }, specialist), { jobId })))
    expect(cancelled.status).toBe(302)
    const [row] = await db.select().from(jobs).where(eq(jobs.id, jobId))
    expect(row).toMatchObject({ status: 'failed', errorKey: 'jobs.error.cancelled' })
  })
})

describe('npm run import -- observations', () => {
  it('runs the same import from the command line, once per file', { timeout: 240_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roadshow-obs-cli-'))
    try {
      await embeddedDatabase(dir, { name: '宁波大众4S店', city: '宁波' })
      const env = { ...process.env, DATA_DIR: dir, DATABASE_URL: '', SEED_DEMO: 'false', LOG_LEVEL: 'error' }
      const first = await runCli(['observations', GBK_FILE, '--store', '宁波大众4S店', '--json'], env)
      expect(first.code, first.stderr).toBe(0)
      expect(JSON.parse(first.stdout.trim().split('\n').at(-1)!)).toMatchObject({ ok: true, reused: false, rows: 15, imported: 4, failed: 11 })
      const human = await runCli(['observations', GBK_FILE, '--store', '宁波大众4S店'], env)
      expect(human.code, human.stderr).toBe(0)
      expect(human.stdout).toContain('was already imported into 宁波大众4S店')
      expect(human.stdout).toContain('row 8, 品牌: Required.')
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
