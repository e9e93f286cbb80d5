import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { eq } from 'drizzle-orm'
import iconv from 'iconv-lite'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { getDb } from '../db/client'
import { importUploads, jobs } from '../db/schema'
import { openLive, setAnalyticsDbOpener } from '../analytics/duckdb'
import { action as importAction, loader as importLoader } from '../app/routes/sales.import'
import { action as jobAction, loader as jobLoader } from '../app/routes/sales.jobs.$jobId'
import { loader as detailLoader } from '../app/routes/sales.imports.$importId'
import { loader as rejectsLoader } from '../app/routes/sales.imports.$importId.rejects[.]csv'
import { loader as salesLoader } from '../app/routes/sales._index'
import { loader as importsListLoader } from '../app/routes/imports._index'
import { loader as leadImportLoader } from '../app/routes/imports.$importId'
import { stopAnalyticsSync } from '../app/services/analytics.server'
import { runJobs } from './run-jobs'
import { BASE, createGroup, createStore, createUser, get, post, signIn, type Browser } from './factories'
import { settle } from './http'

/**
 * SPEC §4 and §6, issue 7 (must 3, 5): the pages a market specialist uses to bring the DMS
 * sales export in — upload, preview with the guessed (or remembered) mapping, start, the
 * progress page, the import's summary with its rejected rows and their download — and the
 * sales list read from the analytical store. Real PGlite, a real DuckDB file, the real job
 * runner, the fixture files of test/fixtures/sales/.
 */

const FIXTURES = path.resolve('test/fixtures/sales')
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name))
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roadshow-sales-pages-'))

let storeA: string
let storeB: string
let specialist: Browser
let specialistId: string
let manager: Browser
let specialistB: Browser
let executive: Browser
let sales: Browser

function upload(fields: Record<string, string>, file: { name: string; bytes: Buffer } | null, browser: Browser, options: { csrf?: string } = {}) {
  const form = new FormData()
  form.append('csrf', options.csrf ?? browser.csrf)
  for (const [k, v] of Object.entries(fields)) form.append(k, v)
  if (file) form.append('file', new File([new Uint8Array(file.bytes)], file.name, { type: 'application/octet-stream' }))
  return new Request(`${BASE}/sales/import`, { method: 'POST', body: form, headers: { cookie: browser.cookie } })
}

const callImport = (request: Request) => settle(() => importAction({ request, params: {}, context: {} }))
const english = (b: Browser): Browser => ({ ...b, cookie: `${b.cookie}; rs_lang=en` })

type PreviewColumn = { index: number; header: string; field: string | null; scale: number; samples: string[] }

/** The confirm form as the preview renders it: the upload, the store, each column's field and unit. */
function confirmFields(preview: { uploadId: string; columns: PreviewColumn[] }, storeId: string, change: Record<number, string | null> = {}) {
  const fields: Record<string, string> = { intent: 'confirm', storeId, uploadId: preview.uploadId }
  for (const c of preview.columns) {
    const field = c.index in change ? change[c.index] : c.field
    fields[`map.${c.index}`] = field ?? ''
    fields[`scale.${c.index}`] = String(c.scale)
  }
  return fields
}

beforeAll(async () => {
  vi.stubEnv('DATA_DIR', dataDir)
  vi.stubEnv('ANALYTICS_SYNC_INTERVAL_S', '0')
  setAnalyticsDbOpener(() => openLive(path.join(dataDir, 'analytics', 'analytics.duckdb'), { memoryLimit: '256MB', threads: 2 }))
  const group = await createGroup()
  storeA = (await createStore(group.id, '杭州西湖大众4S店')).id
  storeB = (await createStore(group.id, '宁波鄞州大众4S店')).id
  specialistId = (await createUser(group.id, 'specialist', [storeA])).id
  specialist = await signIn(specialistId)
  manager = await signIn((await createUser(group.id, 'manager', [storeA])).id)
  specialistB = await signIn((await createUser(group.id, 'specialist', [storeB])).id)
  executive = await signIn((await createUser(group.id, 'executive', [])).id)
  sales = await signIn((await createUser(group.id, 'sales', [storeA])).id)
})

afterAll(async () => {
  await stopAnalyticsSync()
  vi.unstubAllEnvs()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

describe('the sales import pages', () => {
  let gbkPreview: { uploadId: string; columns: PreviewColumn[] }
  let jobId: string
  let importId: string

  it('offers the stores the user imports into; refuses the front desk and executives', async () => {
    const page = await settle(() => importLoader({ request: get('/sales/import', specialist), params: {}, context: {} }))
    expect(page.status).toBe(200)
    expect(page.data.stores.map((s: { id: string }) => s.id)).toEqual([storeA])
    for (const who of [sales, executive]) {
      expect((await settle(() => importLoader({ request: get('/sales/import', who), params: {}, context: {} }))).status).toBe(403)
      expect((await callImport(upload({ storeId: storeA }, { name: 'x.csv', bytes: fixture('dms-sales-gbk.csv') }, who))).status).toBe(403)
    }
  })

  it('uploads the GBK CSV with Chinese headers and previews it: header, first rows, guessed mapping, phones masked', async () => {
    const res = await callImport(upload({ storeId: storeA }, { name: 'dms-sales-gbk.csv', bytes: fixture('dms-sales-gbk.csv') }, specialist))
    expect(res.status).toBe(200)
    expect(res.data.step).toBe('preview')
    const p = res.data.preview
    expect(p).toMatchObject({ ext: 'csv', encoding: 'gb18030', headerRowNumber: 1, headerRecognised: true, source: 'guessed', earlier: null, fileName: 'dms-sales-gbk.csv' })
    const byHeader = Object.fromEntries(p.columns.map((c: PreviewColumn) => [c.header, c.field]))
    expect(byHeader).toMatchObject({
      底盘号: 'vin',
      销售订单号: 'orderNo',
      销售日期: 'invoiceDate',
      下单日期: 'orderDate',
      车系名称: 'series',
      实际成交价: 'transactionPrice',
      综合毛利: 'grossProfit',
      购车人: 'customerName',
      联系电话: 'phone',
      顾问: 'consultant',
      备注: null,
    })
    // the first data rows as the file has them; a specialist sees no full phone number
    expect(p.sample[0].rowNumber).toBe(2)
    expect(p.sample[0].cells[0]).toBe('LFV3A23CXP3000777')
    const phoneAt = p.columns.findIndex((c: PreviewColumn) => c.field === 'phone')
    expect(p.sample[0].cells[phoneAt]).toBe('137****3333')
    expect(JSON.stringify(p)).not.toContain('13700003333')
    // the file is kept as this user's upload for store A
    const db = await getDb()
    const [kept] = await db.select().from(importUploads).where(eq(importUploads.id, p.uploadId))
    expect(kept).toMatchObject({ storeId: storeA, uploadedById: specialistId, kind: 'sales', ext: 'csv', fileName: 'dms-sales-gbk.csv' })
    expect(fs.existsSync(path.join(dataDir, 'imports', `${kept!.fileHash}.csv`))).toBe(true)
    expect(fs.readdirSync(path.join(dataDir, 'imports')).filter((f) => f.endsWith('.tmp'))).toEqual([])
    gbkPreview = p

    // a manager (who may see phones) sees the number
    const full = await callImport(upload({ storeId: storeA }, { name: 'dms-sales-gbk.csv', bytes: fixture('dms-sales-gbk.csv') }, manager))
    expect(full.data.preview.sample[0].cells[phoneAt]).toBe('137 0000 3333')
  })

  it('previews the .xlsx with a merged title row: the header below it, the 万元 column scaled', async () => {
    const res = await callImport(upload({ storeId: storeA }, { name: 'dms-sales.xlsx', bytes: fixture('dms-sales.xlsx') }, specialist))
    expect(res.status).toBe(200)
    const p = res.data.preview
    expect(p).toMatchObject({ ext: 'xlsx', headerRowNumber: 2, sheetName: '销售明细', skipped: { title: 1 } })
    const listPrice = p.columns.find((c: PreviewColumn) => c.field === 'listPrice')
    expect(listPrice).toMatchObject({ header: '指导价(万元)', scale: 10_000 })
    expect(p.columns.find((c: PreviewColumn) => c.header === '序号').field).toBeNull()
    expect(p.sample).toHaveLength(5)
    expect(p.sample[0]).toMatchObject({ rowNumber: 3 })
  })

  it('previews an old .xls and a web page saved as .xls, naming the format as read', async () => {
    const xls = (await callImport(upload({ storeId: storeA }, { name: 'dms-sales.xls', bytes: fixture('dms-sales.xls') }, specialist))).data.preview
    expect(xls).toMatchObject({ format: 'xls', encoding: null, headerRowNumber: 2, sheetName: '销售明细', skipped: { title: 1 } })
    expect(xls.columns.find((c: PreviewColumn) => c.field === 'listPrice')).toMatchObject({ header: '指导价(万元)', scale: 10_000 })
    expect(xls.sample).toHaveLength(5)
    const web = (await callImport(upload({ storeId: storeA }, { name: 'dms-sales-web.xls', bytes: fixture('dms-sales-web.xls') }, specialist))).data.preview
    expect(web).toMatchObject({ format: 'html', encoding: 'gb18030', headerRowNumber: 2, skipped: { title: 1 } })
    expect(web.sample[0]).toMatchObject({ rowNumber: 3 })
  })

  it('refuses bad input with 400 naming the field, and a mapping without an identifier with the reason on the preview', async () => {
    const noStore = await callImport(upload({}, { name: 'x.csv', bytes: fixture('dms-sales-gbk.csv') }, specialist))
    expect(noStore.status).toBe(400)
    expect(noStore.data).toMatchObject({ step: 'upload', error: { key: 'sales.import.error.noStore' } })
    const noFile = await callImport(upload({ storeId: storeA }, null, specialist))
    expect(noFile.data).toMatchObject({ step: 'upload', error: { key: 'imports.error.noFile' } })
    const garbage = await callImport(upload({ storeId: storeA }, { name: 'garbage.csv', bytes: fs.readFileSync('test/fixtures/garbage.csv') }, specialist))
    expect(garbage.status).toBe(400)
    expect(garbage.data.step).toBe('upload')

    const badField = await callImport(post('/sales/import', { ...confirmFields(gbkPreview, storeA), 'map.3': 'no_such_field' }, english(specialist)))
    expect(badField.status).toBe(400)
    expect(badField.data).toContain('map.3')
    const badScale = await callImport(post('/sales/import', { ...confirmFields(gbkPreview, storeA), 'scale.11': '7' }, english(specialist)))
    expect(badScale.status).toBe(400)
    expect(badScale.data).toContain('scale.11')
    const badId = await callImport(post('/sales/import', { ...confirmFields(gbkPreview, storeA), uploadId: 'not-a-uuid' }, english(specialist)))
    expect(badId.status).toBe(400)
    expect(badId.data).toContain('uploadId')

    const ids = gbkPreview.columns.filter((c) => c.field === 'vin' || c.field === 'orderNo').map((c) => c.index)
    const refused = await callImport(post('/sales/import', confirmFields(gbkPreview, storeA, Object.fromEntries(ids.map((i) => [i, null]))), specialist))
    expect(refused.status).toBe(400)
    expect(refused.data).toMatchObject({ step: 'preview', error: { key: 'sales.error.noIdColumn' } })
    expect(refused.data.preview.uploadId).toBe(gbkPreview.uploadId)
    // the preview comes back with the user's own choices
    expect(refused.data.preview.columns[ids[0]!].field).toBeNull()
  })

  it('another store’s user can neither confirm the upload nor see the job', async () => {
    const intoA = await callImport(post('/sales/import', confirmFields(gbkPreview, storeA), specialistB))
    expect(intoA.status).toBe(403)
    const intoB = await callImport(post('/sales/import', confirmFields(gbkPreview, storeB), specialistB))
    expect(intoB.status).toBe(403)
    expect(intoB.data).toMatchObject({ error: { key: 'imports.error.uploadNotYours' } })
  })

  it('confirming queues the import and shows its progress page; the job runs; the page then leads to the summary', async () => {
    const confirmed = await callImport(post('/sales/import', confirmFields(gbkPreview, storeA), specialist))
    expect(confirmed.status).toBe(302)
    const location = confirmed.headers.get('location')!
    expect(location).toMatch(/^\/sales\/jobs\/[0-9a-f-]{36}$/)
    jobId = location.split('/')[3]!

    const waiting = await settle(() => jobLoader({ request: get(location, specialist), params: { jobId }, context: {} }))
    expect(waiting.status).toBe(200)
    expect(waiting.data).toMatchObject({ fileName: 'dms-sales-gbk.csv', canManage: true, job: { status: 'queued', kind: 'sales_import' } })
    // the page of the running import is there after the tab was closed: the open imports list it
    const again = await settle(() => importLoader({ request: get('/sales/import', specialist), params: {}, context: {} }))
    expect(again.data.open.map((j: { job: { id: string } }) => j.job.id)).toContain(jobId)
    for (const who of [specialistB, sales]) {
      expect([403, 404]).toContain((await settle(() => jobLoader({ request: get(location, who), params: { jobId }, context: {} }))).status)
    }
    // the executive reads it, but may not cancel it
    expect((await settle(() => jobLoader({ request: get(location, executive), params: { jobId }, context: {} }))).data.canManage).toBe(false)
    expect((await settle(() => jobAction({ request: post(location, { intent: 'cancel' }, executive), params: { jobId }, context: {} }))).status).toBe(403)
    expect((await settle(() => jobAction({ request: post(location, { intent: 'nonsense' }, specialist), params: { jobId }, context: {} }))).status).toBe(400)

    const [job] = await runJobs([jobId])
    expect(job, JSON.stringify(job?.errorKey)).toMatchObject({ status: 'done' })
    const done = await settle(() => jobLoader({ request: get(location, specialist), params: { jobId }, context: {} }))
    expect(done.status).toBe(302)
    const summary = done.headers.get('location')!
    expect(summary).toMatch(/^\/sales\/imports\/[0-9a-f-]{36}\?notice=done$/)
    importId = summary.split('/')[3]!.split('?')[0]!
  })

  it('the summary shows the counts, who and when, and the mapping used', async () => {
    const res = await settle(() => detailLoader({ request: get(`/sales/imports/${importId}?notice=done`, specialist), params: { importId }, context: {} }))
    expect(res.status).toBe(200)
    expect(res.data.notice).toBe('done')
    expect(res.data.import).toMatchObject({ status: 'done', fileName: 'dms-sales-gbk.csv', encoding: 'gb18030', storeId: storeA })
    expect(res.data.import.counts).toMatchObject({ rows: 2, imported: 2, rejected: 0, skipped: { blank: 1, total: 1 } })
    expect(res.data.import.createdBy).toMatch(/^specialist /)
    expect(res.data.import.mapping.find((m: { field: string }) => m.field === 'vin')).toMatchObject({ header: '底盘号', scale: 1 })
    expect(res.data.rejected).toEqual([])
    // not another store's, not the front desk's
    expect((await settle(() => detailLoader({ request: get(`/sales/imports/${importId}`, specialistB), params: { importId }, context: {} }))).status).toBe(404)
    expect((await settle(() => detailLoader({ request: get(`/sales/imports/${importId}`, sales), params: { importId }, context: {} }))).status).toBe(403)
    expect((await settle(() => detailLoader({ request: get(`/sales/imports/${importId}`, executive), params: { importId }, context: {} }))).status).toBe(200)
    // the lead-import page sends a sales import to its own page
    const lead = await settle(() => leadImportLoader({ request: get(`/imports/${importId}`, specialist), params: { importId }, context: {} }))
    expect(lead.status).toBe(302)
    expect(lead.headers.get('location')).toBe(`/sales/imports/${importId}`)
  })

  it('the same file again changes nothing and says so', async () => {
    const res = await callImport(upload({ storeId: storeA }, { name: 'dms-sales-gbk.csv', bytes: fixture('dms-sales-gbk.csv') }, specialist))
    const p = res.data.preview
    expect(p.earlier).toMatchObject({ id: importId })
    // the store's confirmed mapping is offered for the next file
    expect(p.source).toBe('remembered')
    const confirmed = await callImport(post('/sales/import', confirmFields(p, storeA), specialist))
    const id = confirmed.headers.get('location')!.split('/')[3]!
    await runJobs([id])
    const done = await settle(() => jobLoader({ request: get(`/sales/jobs/${id}`, specialist), params: { jobId: id }, context: {} }))
    expect(done.headers.get('location')).toBe(`/sales/imports/${importId}?notice=again`)
  })

  it('a file with bad rows: each rejected row with row, column and translated reason; the download is formula-safe', async () => {
    // the bad-rows export, its 开票日期 column renamed to a formula (a header is shown as the row's column)
    const text = fixture('dms-sales-bad-rows.csv').toString('utf8').replace('开票日期', '"=HYPERLINK(""http://x"",""开票日期"")"')
    const res = await callImport(upload({ storeId: storeA }, { name: 'bad.csv', bytes: iconv.encode(text, 'gb18030') }, specialist))
    expect(res.status).toBe(200)
    const p = res.data.preview
    const dateAt = p.columns.findIndex((c: PreviewColumn) => c.header.startsWith('=HYPERLINK'))
    expect(dateAt).toBe(2)
    const confirmed = await callImport(post('/sales/import', confirmFields(p, storeA, { [dateAt]: 'invoiceDate' }), specialist))
    expect(confirmed.status).toBe(302)
    const id = confirmed.headers.get('location')!.split('/')[3]!
    const [job] = await runJobs([id])
    expect(job!.status).toBe('done')
    const badImportId = (job!.result as { importId: string }).importId

    const en = english(specialist)
    const detail = await settle(() => detailLoader({ request: get(`/sales/imports/${badImportId}`, en), params: { importId: badImportId }, context: {} }))
    expect(detail.data.import.counts).toMatchObject({ imported: 3, rejected: 12, superseded: 0, warnings: 1, skipped: { blank: 1, total: 2 } })
    expect(detail.data.rejected[0]).toEqual({ rowNumber: 3, column: '车架号 / 订单号', reason: 'sales.reason.idMissing' })
    expect(detail.data.rejected.map((r: { rowNumber: number }) => r.rowNumber)).toContain(13)
    expect(detail.data.warnings.length).toBeGreaterThan(0)

    const csv = await settle(() => rejectsLoader({ request: get(`/sales/imports/${badImportId}/rejects.csv`, en), params: { importId: badImportId }, context: {} }))
    expect(csv.status).toBe(200)
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="sales-import-[0-9a-f]{8}-rejects\.csv"/)
    const lines = (csv.data as string).replace(/^\uFEFF/, '').trim().split('\r\n')
    expect(lines[0]).toBe('Row,Outcome,Column,Reason')
    expect(lines).toContain('3,Rejected,车架号 / 订单号,No VIN and no order number.')
    // the formula header is neutralised with a leading apostrophe (and quoted for its comma and quotes)
    const dateRow = lines.find((l) => l.startsWith('4,'))!
    expect(dateRow).toContain(`"'=HYPERLINK(""http://x"",""开票日期"")"`)
    expect(lines.some((l) => /^\d+,=/.test(l) || l.includes(',=HYPERLINK'))).toBe(false)
    expect(lines.filter((l) => l.includes(',Rejected,'))).toHaveLength(14)
    expect(lines.some((l) => l.includes(',Imported with a warning,'))).toBe(true)
    // in Chinese the reasons are translated too
    const zh = await settle(() => rejectsLoader({ request: get(`/sales/imports/${badImportId}/rejects.csv`, specialist), params: { importId: badImportId }, context: {} }))
    expect(zh.data).toContain('3,拒收,车架号 / 订单号,')
    expect((await settle(() => rejectsLoader({ request: get(`/sales/imports/${badImportId}/rejects.csv`, specialistB), params: { importId: badImportId }, context: {} }))).status).toBe(404)
  })

  it('a failed import can be run again from its page', async () => {
    const text = Buffer.from('订单号,开票日期,成交价\nK-1,2026-10-01,100000\n')
    const res = await callImport(upload({ storeId: storeA }, { name: 'gone.csv', bytes: text }, specialist))
    const p = res.data.preview
    const confirmed = await callImport(post('/sales/import', confirmFields(p, storeA), specialist))
    const id = confirmed.headers.get('location')!.split('/')[3]!
    // the kept file disappears before the job runs: the job fails with the reason
    const db = await getDb()
    const [kept] = await db.select().from(importUploads).where(eq(importUploads.id, p.uploadId))
    fs.rmSync(path.join(dataDir, 'imports', `${kept!.fileHash}.csv`))
    const [job] = await runJobs([id])
    expect(job!.status).toBe('failed')
    const page = await settle(() => jobLoader({ request: get(`/sales/jobs/${id}`, specialist), params: { jobId: id }, context: {} }))
    expect(page.status).toBe(200)
    expect(page.data.job.error.key).toBe('imports.error.fileGone')
    const retried = await settle(() => jobAction({ request: post(`/sales/jobs/${id}`, { intent: 'retry' }, specialist), params: { jobId: id }, context: {} }))
    expect(retried.status).toBe(302)
    expect((await db.select().from(jobs).where(eq(jobs.id, id)))[0]!.status).toBe('queued')
    // a failed one stays listed for its store until it is run again
    const list = await settle(() => importLoader({ request: get('/sales/import', specialist), params: {}, context: {} }))
    expect(list.data.open.map((j: { job: { id: string } }) => j.job.id)).toContain(id)
    await runJobs([id])
  })

  it('the imports list shows both kinds, links a sales import to its page, and filters by kind', async () => {
    const all = await settle(() => importsListLoader({ request: get('/imports', specialist), params: {}, context: {} }))
    expect(all.status).toBe(200)
    expect(all.data.seesSales).toBe(true)
    expect(all.data.imports.map((i: { kind: string }) => i.kind)).toContain('sales')
    const onlySales = await settle(() => importsListLoader({ request: get('/imports?kind=sales', specialist), params: {}, context: {} }))
    expect(onlySales.data.imports.every((i: { kind: string }) => i.kind === 'sales')).toBe(true)
    const onlyLeads = await settle(() => importsListLoader({ request: get('/imports?kind=leads', specialist), params: {}, context: {} }))
    expect(onlyLeads.data.imports).toEqual([])
    // the front desk imports leads, and sees no sales imports
    const desk = await settle(() => importsListLoader({ request: get('/imports', sales), params: {}, context: {} }))
    expect(desk.data.seesSales).toBe(false)
    expect(desk.data.imports).toEqual([])
    expect((await settle(() => importsListLoader({ request: get('/imports?kind=bogus', specialist), params: {}, context: {} }))).status).toBe(400)
  })
})

describe('the sales list', () => {
  const list = (query: string, who: Browser = specialist) => settle(() => salesLoader({ request: get(`/sales${query}`, who), params: {}, context: {} }))

  it('lists the store’s current sales from the analytical store, with masked phones and amounts in fen', async () => {
    const res = await list('')
    expect(res.status).toBe(200)
    expect(res.data.ready).toBe(true)
    // the GBK file's 2 and the bad-rows file's 3
    expect(res.data.total).toBe(5)
    const ids = res.data.rows.map((r: { vin: string | null; order_no: string | null }) => r.vin ?? r.order_no)
    expect(ids).toContain('LFV3A23CXP3000777')
    const sale = res.data.rows.find((r: { vin: string }) => r.vin === 'LSVAX60E7R2111111')
    expect(sale).toMatchObject({ series: 'ID.4 CROZZ', transaction_price_fen: 15_990_000, phone_masked: '138****4444', invoice_date: '2026-10-15', consultant: '王强', storeName: '杭州西湖大众4S店' })
    expect(JSON.stringify(res.data)).not.toMatch(/1380000444|phone_hash|name_key/)
    // newest first by default
    const days = res.data.rows.map((r: { invoice_date: string | null; order_date: string | null }) => r.invoice_date ?? r.order_date)
    expect([...days].sort().reverse()).toEqual(days)
    expect(res.data.choices.consultants).toContain('王强')
    expect(res.data.choices.models).toContain('ID.4 CROZZ')
  })

  it('filters by period (days or a month), series or model, consultant and store; sorts; pages', async () => {
    expect((await list('?month=2026-10')).data.total).toBe(5)
    expect((await list('?month=2026-09')).data.total).toBe(0)
    // a range of days, both ends included: the sale invoiced on 15 October is in a one-day period of that day
    expect((await list('?from=2026-10-01&to=2026-10-31')).data.total).toBe(5)
    const oneDay = await list('?from=2026-10-15&to=2026-10-15')
    expect(oneDay.data.rows.map((r: { vin: string }) => r.vin)).toContain('LSVAX60E7R2111111')
    const dayOf = (r: { invoice_date: string | null; order_date: string | null }) => r.invoice_date ?? r.order_date
    expect(oneDay.data.rows.every((r: { invoice_date: string | null; order_date: string | null }) => dayOf(r) === '2026-10-15')).toBe(true)
    expect((await list('?from=2026-10-16&to=2026-10-14')).status).toBe(400)
    expect((await list('?model=ID.4%20CROZZ')).data.rows.map((r: { vin: string }) => r.vin)).toEqual(['LSVAX60E7R2111111'])
    expect((await list(`?consultant=${encodeURIComponent('王强')}`)).data.total).toBe(2)
    expect((await list(`?store=${storeB}`)).data.total).toBe(0)
    const cheap = await list('?sort=price&dir=asc')
    const prices = cheap.data.rows.map((r: { transaction_price_fen: number | null }) => r.transaction_price_fen).filter((p: number | null) => p !== null)
    expect(prices).toEqual([...prices].sort((a: number, b: number) => a - b))
    const page2 = await list('?page=2')
    expect(page2.data).toMatchObject({ page: 1, pages: 1 })
  })

  it('keeps to the user’s stores; bad filters answer 400 naming the field', async () => {
    expect((await list('', specialistB)).data.total).toBe(0)
    expect((await list('', executive)).data.total).toBe(5)
    expect((await list('', sales)).status).toBe(403)
    const bad = await list('?month=2026-13', english(specialist))
    expect(bad.status).toBe(400)
    expect(bad.data).toContain('month')
    expect((await list('?sort=password', english(specialist))).data).toContain('sort')
  })

  it('without sales says what to do: import, with a link (for those who may)', async () => {
    const res = await list('', specialistB)
    expect(res.data).toMatchObject({ rows: [], canImport: true, filtered: false })
    expect((await list('', executive)).data.canImport).toBe(false)
  })

  it('a corrected re-export replaces the earlier sale of the same VIN and says how many', async () => {
    const text = Buffer.from('车架号,开票日期,成交价\nLSVAX60E7R2111111,2026-10-15,158800\n')
    const res = await callImport(upload({ storeId: storeA }, { name: 'corrected.csv', bytes: text }, specialist))
    const confirmed = await callImport(post('/sales/import', confirmFields(res.data.preview, storeA), specialist))
    const id = confirmed.headers.get('location')!.split('/')[3]!
    const [job] = await runJobs([id])
    const correctedId = (job!.result as { importId: string }).importId
    const detail = await settle(() => detailLoader({ request: get(`/sales/imports/${correctedId}`, specialist), params: { importId: correctedId }, context: {} }))
    expect(detail.data.import.counts).toMatchObject({ imported: 1, superseded: 1 })
    const after = await list('')
    expect(after.data.total).toBe(5)
    expect(after.data.rows.find((r: { vin: string }) => r.vin === 'LSVAX60E7R2111111')).toMatchObject({ transaction_price_fen: 15_880_000, consultant: null })
  })
})
