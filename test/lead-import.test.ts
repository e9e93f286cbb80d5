import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { and, eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { getDb } from '../db/client'
import { auditLog, campaigns, importRows, imports, leads, mediaPlacements, touchpoints } from '../db/schema'
import { recordArrival } from '../app/services/lead-intake.server'
import { detectPlatform, guessMapping, ImportError, importLeadFile, type LeadImportInput } from '../app/services/lead-import.server'
import { loader as listLoader } from '../app/routes/imports._index'
import { action as newAction } from '../app/routes/imports.new'
import { loader as detailLoader } from '../app/routes/imports.$importId'
import { loader as reportLoader } from '../app/routes/imports.$importId.report'
import { BASE, createGroup, createStore, createUser, get, post, signIn, type Browser } from './factories'
import { settle } from './http'

/**
 * SPEC §3 (must 6): lead-platform exports — GBK, UTF-8 with BOM, UTF-16, .xlsx — import
 * with masked phones; every row has an outcome; the same file twice changes nothing; a
 * failure half-way leaves nothing; bad files are refused; store scope holds.
 */

const FIXTURES = path.resolve('test/fixtures')
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name))
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roadshow-imports-'))

let groupId: string
let specialist: Browser
let specialistB: Browser
let storeA: string
let storeB: string

const run = (storeId: string, name: string, more: Partial<LeadImportInput> = {}) =>
  importLeadFile({ storeId, userId: null, platform: 'auto', fileName: name, file: { bytes: fixture(name) }, ...more })

async function leadsOf(storeId: string) {
  const db = await getDb()
  return db.select().from(leads).where(eq(leads.storeId, storeId)).orderBy(leads.createdAt)
}

async function rowsOf(importId: string) {
  const db = await getDb()
  return db.select().from(importRows).where(eq(importRows.importId, importId)).orderBy(importRows.rowNumber)
}

const keptFiles = () => (fs.existsSync(path.join(dataDir, 'imports')) ? fs.readdirSync(path.join(dataDir, 'imports')) : [])

beforeAll(async () => {
  vi.stubEnv('DATA_DIR', dataDir)
  const group = await createGroup()
  groupId = group.id
  storeA = (await createStore(group.id, '杭州西湖大众4S店')).id
  storeB = (await createStore(group.id)).id
  specialist = await signIn((await createUser(group.id, 'specialist', [storeA])).id)
  specialistB = await signIn((await createUser(group.id, 'specialist', [storeB])).id)
})

afterAll(() => {
  vi.unstubAllEnvs()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

describe('header mapping', () => {
  it('maps the platforms’ Chinese and English headers, leaving dealer columns out', () => {
    expect(guessMapping(['序号', '客户姓名', '手机号码(已脱敏)', '意向车系', '所在城市', '线索创建时间', '线索来源', '经销商名称', '经销商所在城市', '销售顾问', '备注'])).toEqual([
      null, 'name', 'phone', 'model', 'city', 'time', 'platform', null, null, null, null,
    ])
    expect(guessMapping(['Customer Name', 'Customer Mobile', 'Car Model', 'City', 'Lead Created Time', 'Source', 'Dealer Name', 'Customer ID'])).toEqual([
      'name', 'phone', 'model', 'city', 'time', 'platform', null, null,
    ])
    // one column per field: the first wins
    expect(guessMapping(['电话', '联系电话', '时间', '提交时间'])).toEqual(['phone', null, 'time', null])
  })

  it('names the platform from a platform column, a title or a file name', () => {
    expect(['汽车之家', '易车网', '懂车帝', 'Autohome', 'yiche', 'dongchedi-leads.xlsx', '百度'].map(detectPlatform)).toEqual([
      'autohome', 'bitauto', 'dongchedi', 'autohome', 'bitauto', 'dongchedi', null,
    ])
  })
})

describe('importing lead-platform exports', () => {
  it('imports a GBK 汽车之家 export with masked phones; the bad row is reported with row, column and reason', async () => {
    const store = (await createStore(groupId)).id
    const result = await run(store, 'autohome-leads-gbk.csv')
    expect(result).toMatchObject({ reused: false, platform: 'autohome', counts: { total: 6, imported: 4, merged: 0, duplicate: 0, skipped: 1, failed: 1 } })

    const db = await getDb()
    const [record] = await db.select().from(imports).where(eq(imports.id, result.importId))
    expect(record).toMatchObject({ status: 'done', kind: 'leads', encoding: 'gb18030', rowsTotal: 6, rowsImported: 4, rowsFailed: 1, rowsSkipped: 1 })
    expect(record!.mapping).toEqual({ name: '客户姓名', phone: '手机号', model: '意向车型', city: '所在城市', time: '留资时间' })
    // kept as it came, content-addressed
    expect(record!.storedPath).toBe(path.join(dataDir, 'imports', `${record!.fileHash}.csv`))
    expect(fs.readFileSync(record!.storedPath!)).toEqual(fixture('autohome-leads-gbk.csv'))

    expect((await rowsOf(result.importId)).map((r) => [r.rowNumber, r.outcome, r.column, r.reason])).toEqual([
      [3, 'imported', null, null],
      [4, 'imported', null, null],
      [5, 'imported', null, null],
      [7, 'failed', '手机号', 'imports.reason.phoneMissing'],
      [8, 'imported', null, null],
      [9, 'skipped', null, 'imports.reason.totalRow'],
    ])

    const people = await leadsOf(store)
    const byName = Object.fromEntries(people.map((l) => [l.name, l]))
    // masked phones are a partial key: kept masked, never hashed
    expect(byName['张先生']).toMatchObject({ phone: null, phoneHash: null, phoneMasked: '138****1234', modelOfInterest: '朗逸', city: '杭州' })
    expect(byName['李女士']).toMatchObject({ phone: null, phoneHash: null, phoneMasked: '134****5678' })
    expect(byName['王先生']).toMatchObject({ phone: '13900001111', phoneMasked: '139****1111' })
    expect(byName['王先生']!.phoneHash).toMatch(/^[0-9a-f]{64}$/)
    expect(byName['刘先生']).toMatchObject({ phone: '13700002222' })
    expect(byName['赵女士']).toBeUndefined()

    // each lead arrived as a platform touchpoint at the row's time, in Asia/Shanghai
    const tps = await db.select().from(touchpoints).where(eq(touchpoints.importId, result.importId)).orderBy(touchpoints.at)
    expect(tps.map((t) => [t.kind, t.channel, t.at.toISOString()])).toEqual([
      ['platform_lead', 'autohome', '2026-10-01T04:30:00.000Z'],
      ['platform_lead', 'autohome', '2026-10-02T01:05:00.000Z'],
      ['platform_lead', 'autohome', '2026-10-03T06:20:00.000Z'],
      ['platform_lead', 'autohome', '2026-10-05T10:45:00.000Z'],
    ])
    expect(byName['张先生']).toMatchObject({ firstChannel: 'autohome', firstTouchAt: new Date('2026-10-01T04:30:00Z') })

    const [audit] = await db.select().from(auditLog).where(and(eq(auditLog.entityType, 'import'), eq(auditLog.entityId, result.importId)))
    expect(audit).toMatchObject({ action: 'import.leads', storeId: store })
  })

  it('credits each lead to the campaign placement on that platform running that day, when there is exactly one', async () => {
    const store = (await createStore(groupId)).id
    const db = await getDb()
    const plan = async (status: 'approved' | 'draft', medium: 'autohome' | 'douyin', from: string, to: string) => {
      const [c] = await db.insert(campaigns).values({ storeId: store, name: `${medium} ${from}`, form: 'online', status, startDate: from, endDate: to }).returning()
      const [p] = await db.insert(mediaPlacements).values({ campaignId: c!.id, position: 0, medium, purpose: 'promotion', nature: 'hard' }).returning()
      return { campaignId: c!.id, placementId: p!.id }
    }
    // the export's rows are on Oct 1, 2, 3 and 5 (Asia/Shanghai)
    const early = await plan('approved', 'autohome', '2026-10-01', '2026-10-02')
    await plan('approved', 'douyin', '2026-10-01', '2026-10-31') // another medium: not this platform's
    await plan('draft', 'autohome', '2026-10-01', '2026-10-31') // never ran
    const result = await run(store, 'autohome-leads-gbk.csv')
    const tps = await db.select().from(touchpoints).where(eq(touchpoints.importId, result.importId)).orderBy(touchpoints.at)
    expect(tps.map((t) => [t.at.toISOString().slice(0, 10), t.campaignId, t.placementId])).toEqual([
      ['2026-10-01', early.campaignId, early.placementId],
      ['2026-10-02', early.campaignId, early.placementId],
      ['2026-10-03', null, null],
      ['2026-10-05', null, null],
    ])
  })

  it('the same file twice changes nothing and answers with the earlier import', async () => {
    const store = (await createStore(groupId)).id
    const first = await run(store, 'autohome-leads-gbk.csv')
    const db = await getDb()
    const count = async () => {
      const [row] = await db
        .select({
          leads: sql<number>`(select count(*) from ${leads} where ${leads.storeId} = ${store})`.mapWith(Number),
          touchpoints: sql<number>`(select count(*) from ${touchpoints} where ${touchpoints.storeId} = ${store})`.mapWith(Number),
          imports: sql<number>`(select count(*) from ${imports} where ${imports.storeId} = ${store})`.mapWith(Number),
        })
        .from(sql`(select 1) as one`)
      return row
    }
    const before = await count()
    const again = await run(store, 'autohome-leads-gbk.csv', { fileName: 'renamed.csv', platform: 'bitauto' })
    expect(again).toMatchObject({ reused: true, importId: first.importId, counts: first.counts })
    expect(await count()).toEqual(before)
  })

  it('rows imported before are duplicates in a later export; new rows still import', async () => {
    const store = (await createStore(groupId)).id
    await run(store, 'autohome-leads-gbk.csv')
    // the next day's export: yesterday's rows again plus one new row
    const text = fs.readFileSync(path.join(FIXTURES, 'autohome-leads-gbk.csv'))
    const extra = Buffer.from('6,吴先生,18800009999,途观L,杭州,2026-10-06 08:00,杭州西湖大众4S店,\r\n', 'utf8')
    const gbkExtra = (await import('iconv-lite')).default.encode(extra.toString('utf8'), 'gbk')
    const next = await importLeadFile({ storeId: store, userId: null, platform: 'autohome', fileName: 'next.csv', file: { bytes: Buffer.concat([text, gbkExtra]) } })
    expect(next.counts).toMatchObject({ imported: 1, merged: 0, duplicate: 4, failed: 1, skipped: 1 })
    expect((await leadsOf(store)).length).toBe(5)
  })

  it('a later full phone with the same mask and name completes the masked lead (through recordArrival)', async () => {
    const store = (await createStore(groupId)).id
    await run(store, 'autohome-leads-gbk.csv')
    const masked = (await leadsOf(store)).find((l) => l.name === '张先生')!
    const later = await run(store, 'bitauto-leads-utf8-bom.csv')
    // 张先生 (138****1234 → 13812341234) and 王先生 (same number) join their leads; 周女士 and 孙先生 are new
    expect(later).toMatchObject({ platform: 'bitauto', counts: { imported: 2, merged: 2, failed: 0 } })
    const db = await getDb()
    const [completed] = await db.select().from(leads).where(eq(leads.id, masked.id))
    expect(completed).toMatchObject({ phone: '13812341234', phoneMasked: '138****1234' })
    expect(completed!.phoneHash).toMatch(/^[0-9a-f]{64}$/)
    const channels = await db.select({ channel: touchpoints.channel }).from(touchpoints).where(eq(touchpoints.leadId, masked.id))
    expect(channels.map((c) => c.channel).sort()).toEqual(['autohome', 'bitauto'])
    // a walk-in with the full number now finds the same lead by phone
    const walkIn = await recordArrival(db, { storeId: store, person: { phone: '138 1234 1234' }, touch: { kind: 'walk_in', channel: 'direct', at: new Date() } })
    expect(walkIn).toMatchObject({ leadId: masked.id, matchedBy: 'phone' })
    expect((await leadsOf(store)).length).toBe(6)
  })

  it('imports a UTF-16 LE tab-separated export and an .xlsx with a title row, a date cell and an Excel serial', async () => {
    const store = (await createStore(groupId)).id
    const utf16 = await run(store, 'dongchedi-leads-utf16le.csv')
    expect(utf16).toMatchObject({ platform: 'dongchedi', counts: { total: 3, imported: 2, skipped: 1, failed: 0 } })
    const xlsx = await run(store, 'dongchedi-leads.xlsx')
    expect(xlsx).toMatchObject({ platform: 'dongchedi', counts: { total: 3, imported: 2, skipped: 1, failed: 0 } })
    const db = await getDb()
    const [record] = await db.select().from(imports).where(eq(imports.id, xlsx.importId))
    expect(record).toMatchObject({ encoding: 'xlsx' })
    expect(record!.storedPath).toMatch(/\.xlsx$/)
    const people = await leadsOf(store)
    expect(people.map((l) => [l.name, l.phone, l.phoneMasked])).toEqual([
      ['Chen', '18600005555', '186****5555'],
      ['Wu', null, '186****6666'],
      ['钱先生', '13600007777', '136****7777'],
      ['孙女士', null, '135****8888'],
    ])
    const tps = await db.select().from(touchpoints).where(eq(touchpoints.importId, xlsx.importId)).orderBy(touchpoints.at)
    expect(tps.map((t) => [t.channel, t.at.toISOString()])).toEqual([
      ['dongchedi', '2026-10-09T02:30:00.000Z'],
      ['dongchedi', '2026-10-10T10:00:00.000Z'],
    ])
  })

  it('refuses garbage and wrong file types with a clear message, and stores nothing', async () => {
    const store = (await createStore(groupId)).id
    const files = keptFiles()
    const refusal = async (bytes: Buffer, name: string) => {
      try {
        await importLeadFile({ storeId: store, userId: null, platform: 'auto', fileName: name, file: { bytes } })
      } catch (error) {
        expect(error).toBeInstanceOf(ImportError)
        return error as ImportError
      }
      throw new Error('expected a refusal')
    }
    expect((await refusal(fixture('garbage.csv'), 'garbage.csv')).key).toBe('imports.error.binary')
    expect((await refusal(Buffer.from('%PDF-1.4 not a table'), 'leads.xlsx')).key).toBe('imports.error.unsupportedType')
    expect((await refusal(Buffer.alloc(21 * 1024 * 1024, 0x41), 'huge.csv')).key).toBe('imports.error.tooLarge')
    // a table without a phone or a time column cannot be imported
    const noPhone = await refusal(Buffer.from('姓名,城市,留资时间\n张三,杭州,2026-10-01\n'), 'no-phone.csv')
    expect(noPhone).toMatchObject({ key: 'imports.error.missingColumn', params: { field: 'phone' } })
    const db = await getDb()
    expect(await db.select().from(imports).where(eq(imports.storeId, store))).toEqual([])
    expect(await leadsOf(store)).toEqual([])
    expect(keptFiles()).toEqual(files)
  })

  it('an import that fails half-way (a constraint violation on the 4th lead) leaves no partial rows', async () => {
    const store = (await createStore(groupId)).id
    const db = await getDb()
    // a real failure inside the transaction: the database refuses one row's lead
    await db.execute(sql`alter table leads add constraint test_refuse_liu check (name <> '刘先生') not valid`)
    try {
      let failure: ImportError | undefined
      await run(store, 'autohome-leads-gbk.csv').catch((error) => (failure = error))
      expect(failure).toBeInstanceOf(ImportError)
      expect(failure!.key).toBe('imports.error.failed')
      expect(failure!.params.detail).toMatch(/test_refuse_liu/)
      // nothing of the three rows before it survived
      expect(await leadsOf(store)).toEqual([])
      expect(await db.select().from(touchpoints).where(eq(touchpoints.storeId, store))).toEqual([])
      expect(await rowsOf(failure!.importId!)).toEqual([])
      const [record] = await db.select().from(imports).where(eq(imports.id, failure!.importId!))
      expect(record).toMatchObject({ status: 'failed', rowsTotal: 0, rowsImported: 0 })
      expect(record!.error).toMatch(/test_refuse_liu/)
    } finally {
      await db.execute(sql`alter table leads drop constraint test_refuse_liu`)
    }
    // a failed import is not "the same file": once fixed, it imports
    expect((await run(store, 'autohome-leads-gbk.csv')).counts.imported).toBe(4)
  })
})

// ------------------------------------------------------------------ the pages

function upload(fields: Record<string, string>, file: { name: string; bytes: Buffer } | null, browser: Browser, options: { csrf?: string } = {}) {
  const form = new FormData()
  form.append('csrf', options.csrf ?? browser.csrf)
  for (const [k, v] of Object.entries(fields)) form.append(k, v)
  if (file) form.append('file', new File([new Uint8Array(file.bytes)], file.name, { type: 'text/csv' }))
  return new Request(`${BASE}/imports/new`, { method: 'POST', body: form, headers: { cookie: browser.cookie } })
}

const callAction = (request: Request) => settle(() => newAction({ request, params: {}, context: {} }))

describe('the import pages', () => {
  let importId: string

  it('upload shows a preview (encoding, mapping, first rows, phones masked for the specialist); confirm imports', async () => {
    const preview = await callAction(upload({ storeId: storeA, platform: 'auto' }, { name: 'autohome-leads-gbk.csv', bytes: fixture('autohome-leads-gbk.csv') }, specialist))
    expect(preview.status).toBe(200)
    const p = preview.data.preview
    expect(preview.data.step).toBe('preview')
    expect(p).toMatchObject({ encoding: 'gb18030', format: 'csv', headerRowNumber: 2, dataRows: 5, detectedPlatform: 'autohome', earlier: null })
    expect(p.skipped).toEqual({ title: 1, blank: 1, total: 1 })
    expect(p.mapping).toEqual([null, 'name', 'phone', 'model', 'city', 'time', null, null])
    expect(p.sample[0]).toEqual({ rowNumber: 3, cells: ['1', '张先生', '138****1234', '朗逸', '杭州', '2026-10-01 12:30', '杭州西湖大众4S店', ''] })
    // a specialist may not see full numbers (lead:phone): the preview masks them
    expect(p.sample[2].cells[2]).toBe('139****1111')
    expect(keptFiles()).toContain(`${p.fileHash}.csv`)

    // confirm with the mapping edited: the 序号 column stays out, 备注 too
    const map = Object.fromEntries(p.mapping.map((f: string | null, i: number) => [`map.${i}`, f ?? '']))
    const confirmed = await callAction(post('/imports/new', { intent: 'confirm', storeId: storeA, platform: 'autohome', fileHash: p.fileHash, ext: 'csv', fileName: p.fileName, ...map }, specialist))
    expect(confirmed.status).toBe(302)
    const location = confirmed.headers.get('location')!
    expect(location).toMatch(/^\/imports\/[0-9a-f-]{36}\?notice=done$/)
    importId = location.split('/')[2]!.split('?')[0]!

    const again = await callAction(post('/imports/new', { intent: 'confirm', storeId: storeA, platform: 'autohome', fileHash: p.fileHash, ext: 'csv', fileName: p.fileName, ...map }, specialist))
    expect(again.headers.get('location')).toBe(`/imports/${importId}?notice=again`)
  })

  it('a confirm without the phone column goes back to the preview with the reason', async () => {
    const preview = await callAction(upload({ storeId: storeA, platform: 'auto' }, { name: 'b.csv', bytes: fixture('bitauto-leads-utf8-bom.csv') }, specialist))
    const p = preview.data.preview
    const map = Object.fromEntries(p.mapping.map((f: string | null, i: number) => [`map.${i}`, f === 'phone' ? '' : (f ?? '')]))
    const refused = await callAction(post('/imports/new', { storeId: storeA, platform: 'auto', fileHash: p.fileHash, ext: 'csv', fileName: 'b.csv', ...map }, specialist))
    expect(refused.status).toBe(400)
    expect(refused.data).toMatchObject({ step: 'preview', error: { key: 'imports.error.missingColumn', params: { field: 'phone' } } })
    expect(refused.data.preview.mapping[1]).toBeNull()
  })

  it('the summary lists the failed row with its row number, column and reason; the report downloads as CSV', async () => {
    const summary = await settle(() => detailLoader({ request: get(`/imports/${importId}`, specialist), params: { importId }, context: {} }))
    expect(summary.status).toBe(200)
    expect(summary.data.import).toMatchObject({ status: 'done', counts: { imported: 4, failed: 1, skipped: 1 } })
    expect(summary.data.failed).toEqual([{ rowNumber: 7, outcome: 'failed', column: '手机号', reason: 'imports.reason.phoneMissing', leadId: null }])

    const en = { ...specialist, cookie: `${specialist.cookie}; rs_lang=en` }
    const report = await settle(() => reportLoader({ request: get(`/imports/${importId}/report`, en), params: { importId }, context: {} }))
    expect(report.status).toBe(200)
    expect(report.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(report.headers.get('content-disposition')).toMatch(/^attachment;/)
    const lines = (report.data as string).replace(/^\uFEFF/, '').trim().split('\r\n')
    expect(lines[0]).toBe('Row,Outcome,Column,Reason')
    expect(lines).toContain('7,Failed,手机号,No phone number.')
    expect(lines).toContain('9,Skipped,,Totals row.')
    expect(lines).toHaveLength(7)

    const list = await settle(() => listLoader({ request: get('/imports', specialist), params: {}, context: {} }))
    expect(list.data.imports[0]).toMatchObject({ id: importId, status: 'done', rowsImported: 4, rowsFailed: 1, fileName: 'autohome-leads-gbk.csv' })
  })

  it('keeps to the store: a store-B user can neither see nor run imports of store A', async () => {
    const detail = await settle(() => detailLoader({ request: get(`/imports/${importId}`, specialistB), params: { importId }, context: {} }))
    expect(detail.status).toBe(404)
    const report = await settle(() => reportLoader({ request: get(`/imports/${importId}/report`, specialistB), params: { importId }, context: {} }))
    expect(report.status).toBe(404)
    const list = await settle(() => listLoader({ request: get('/imports', specialistB), params: {}, context: {} }))
    expect(list.data.imports).toEqual([])
    const uploaded = await callAction(upload({ storeId: storeA, platform: 'auto' }, { name: 'x.csv', bytes: fixture('bitauto-leads-utf8-bom.csv') }, specialistB))
    expect(uploaded.status).toBe(403)
    const hash = (await getDb()).select({ h: imports.fileHash }).from(imports).where(eq(imports.id, importId))
    const confirm = await callAction(post('/imports/new', { storeId: storeA, platform: 'auto', fileHash: (await hash)[0]!.h, ext: 'csv', fileName: 'x.csv' }, specialistB))
    expect(confirm.status).toBe(403)
  })

  it('refuses an upload without the CSRF token before reading the file, and a garbage file with a clear message', async () => {
    const files = keptFiles()
    const forged = await callAction(upload({ storeId: storeA, platform: 'auto' }, { name: 'a.csv', bytes: fixture('bitauto-leads-utf8-bom.csv') }, specialist, { csrf: 'x'.repeat(43) }))
    expect(forged.status).toBe(403)
    const garbage = await callAction(upload({ storeId: storeA, platform: 'auto' }, { name: 'garbage.csv', bytes: fixture('garbage.csv') }, specialist))
    expect(garbage.status).toBe(400)
    expect(garbage.data).toMatchObject({ step: 'upload', error: { key: 'imports.error.binary' } })
    const none = await callAction(upload({ storeId: storeA, platform: 'auto' }, null, specialist))
    expect(none.data).toMatchObject({ step: 'upload', error: { key: 'imports.error.noFile' } })
    expect(keptFiles()).toEqual(files)
  })
})

// ------------------------------------------------------------------ the command line

function runCli(args: string[], env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/import.ts', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('npm run import', () => {
  it('imports the GBK export into a fresh embedded database, once', { timeout: 120_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roadshow-cli-'))
    try {
      const env = { ...process.env, DATA_DIR: dir, DATABASE_URL: '', SEED_DEMO: 'false', LOG_LEVEL: 'error' }
      // the command migrates the new database itself; a store is needed, so seed the demo group first
      const seeded = await new Promise<number | null>((resolve) =>
        spawn(process.execPath, ['--import', 'tsx', 'scripts/seed.ts'], { env, stdio: 'ignore' }).on('close', resolve),
      )
      expect(seeded).toBe(0)
      const file = path.join(FIXTURES, 'autohome-leads-gbk.csv')
      const first = await runCli(['leads', file, '--store', '杭州西湖大众4S店', '--platform', 'autohome', '--json'], env)
      expect(first.code, first.stderr).toBe(0)
      const result = JSON.parse(first.stdout.trim().split('\n').at(-1)!)
      expect(result).toMatchObject({ ok: true, reused: false, platform: 'autohome', counts: { imported: 4, failed: 1, skipped: 1 } })
      expect(result.failed).toEqual([{ rowNumber: 7, column: '手机号', reason: 'imports.reason.phoneMissing' }])

      const human = await runCli(['leads', file, '--store', '杭州西湖大众4S店'], env)
      expect(human.code).toBe(0)
      expect(human.stdout).toMatch(/was already imported into 杭州西湖大众4S店 \(import [0-9a-f-]{36}\): nothing changed/)
      expect(human.stdout).toContain('row 7, 手机号: No phone number.')

      const bad = await runCli(['leads', path.join(FIXTURES, 'garbage.csv'), '--store', '杭州西湖大众4S店'], env)
      expect(bad.code).toBe(1)
      expect(bad.stderr).toContain('This file is not text')
      const noStore = await runCli(['leads', file, '--store', 'Nowhere'], env)
      expect(noStore).toMatchObject({ code: 1 })
      expect(noStore.stderr).toContain('No store “Nowhere”')

      // kill -9 half-way through a longer import: nothing of it is kept, so a re-run imports every row afresh
      const rows = Array.from({ length: 300 }, (_, i) => `客户${i},139${String(70000000 + i)},2026-10-01 12:${String(i % 60).padStart(2, '0')}`)
      const big = path.join(dir, 'big.csv')
      fs.writeFileSync(big, ['姓名,手机,留资时间', ...rows].join('\n'))
      const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/import.ts', 'leads', big, '--store', '杭州西湖大众4S店'], { env, stdio: 'ignore' })
      const exited = new Promise((resolve) => child.on('exit', resolve))
      // the file is kept just before the transaction starts; give the transaction a moment to write rows
      const deadline = Date.now() + 60_000
      while (!(fs.existsSync(path.join(dir, 'imports')) && fs.readdirSync(path.join(dir, 'imports')).length >= 2) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      await new Promise((resolve) => setTimeout(resolve, 1500))
      child.kill('SIGKILL')
      await exited
      const rerun = await runCli(['leads', big, '--store', '杭州西湖大众4S店', '--json'], env)
      expect(rerun.code, rerun.stderr).toBe(0)
      expect(JSON.parse(rerun.stdout.trim().split('\n').at(-1)!)).toMatchObject({ reused: false, counts: { imported: 300, merged: 0, duplicate: 0 } })
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
