import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { and, eq, inArray, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { getDb, createPglite } from '../db/client'
import { auditLog, campaigns, importRows, imports, jobs, leadEvents, leadImportUndo, leads, mediaPlacements, stores, touchpoints } from '../db/schema'
import { analyticsSyncHeld } from '../app/services/analytics.server'
import { keepImportFile } from '../app/services/import-files.server'
import { recordArrival } from '../app/services/lead-intake.server'
import {
  detectPlatform,
  failInterruptedImports,
  guessMapping,
  ImportError,
  importLeadFile,
  INTERRUPTED_REASON,
  type LeadImportInput,
} from '../app/services/lead-import.server'
import { loader as listLoader } from '../app/routes/imports._index'
import { action as newAction } from '../app/routes/imports.new'
import * as detailModule from '../app/routes/imports.$importId'
import { loader as reportLoader } from '../app/routes/imports.$importId.report'
import { action as jobAction, loader as jobLoader } from '../app/routes/imports.jobs.$jobId'
import { JobRunner } from '../app/services/jobs-runner.server'
import { runJobs } from './run-jobs'
import { BASE, createGroup, createStore, createUser, get, post, signIn, type Browser } from './factories'
import { embeddedDatabase, runCli, startCli } from './cli'
import { settle } from './http'
import { serverUrl } from './setup/databases'

const detailLoader = detailModule.loader

/**
 * SPEC §3 (must 6): lead-platform exports — GBK, UTF-8 with BOM, UTF-16, .xlsx — import
 * with masked phones; every row has an outcome; the same file twice changes nothing; a
 * failure half-way leaves nothing; bad files are refused; store scope holds.
 * Hardening (must 7): an upload is confirmed only by its uploader, into its store; an import
 * killed half-way is marked failed when the server (or the next import) starts, and retried.
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
  importLeadFile({ storeId, userId: null, platform: 'auto', file: { bytes: fixture(name), fileName: name }, ...more })

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
    // new leads have time-ordered ids (UUID v7: their index entries land together, ADR 019), in the file's order
    const ids = ['张先生', '李女士', '王先生', '刘先生'].map((n) => byName[n]!.id)
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect([...ids].sort()).toEqual(ids)

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

  it('reads what people and Excel did to a 易车 export: a cut-short number, two numbers in a cell, an escaped mask, a spaced name; the 共N条 footer is no lead', async () => {
    const store = (await createStore(groupId)).id
    const result = await run(store, 'bitauto-leads-mangled-gbk.csv')
    expect(result).toMatchObject({ platform: 'bitauto', counts: { total: 6, imported: 3, merged: 0, failed: 2, skipped: 1 } })
    expect((await rowsOf(result.importId)).map((r) => [r.rowNumber, r.outcome, r.column, r.reason])).toEqual([
      // 1.38123E+10: Excel kept 6 of the 11 digits — said so, not "not a mobile number"
      [2, 'failed', '手机', 'sales.reason.phoneDamaged'],
      [3, 'imported', null, null],
      [4, 'imported', null, null],
      [5, 'imported', null, null],
      [6, 'failed', '手机', 'imports.reason.phoneInvalid'],
      // the platform's footer, under the rows: not a failed lead
      [7, 'skipped', null, 'imports.reason.totalRow'],
    ])
    const byName = Object.fromEntries((await leadsOf(store)).map((l) => [l.name, l]))
    // two numbers in one cell: the lead is kept by the first
    expect(byName['李女士']).toMatchObject({ phone: '13800001111', phoneMasked: '138****1111' })
    expect(byName['王先生']).toMatchObject({ phone: null, phoneMasked: '138****3333' })
    // 赵 敏 is 赵敏: the same person as a later masked row named 赵敏
    expect(byName['赵敏']).toMatchObject({ phone: '13700004444' })
    expect(Object.keys(byName).sort()).toEqual(['李女士', '王先生', '赵敏'].sort())

    // the preview masks every number of such a cell for a role without full phones
    const owner = await signIn((await createUser(groupId, 'specialist', [store])).id)
    const preview = await callAction(upload({ storeId: store, platform: 'auto' }, { name: 'yc.csv', bytes: fixture('bitauto-leads-mangled-gbk.csv') }, owner))
    expect(preview.data.preview.sample[1].cells[2]).toBe('138****1111/139****2222')
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

  it('imports a platform export that is a web page under an .xls name', async () => {
    const store = (await createStore(groupId)).id
    const result = await run(store, 'autohome-leads-web.xls')
    expect(result).toMatchObject({ reused: false, platform: 'autohome', counts: { total: 3, imported: 3, failed: 0 } })
    const db = await getDb()
    const [record] = await db.select().from(imports).where(eq(imports.id, result.importId))
    expect(record).toMatchObject({ status: 'done', encoding: 'utf-8', rowsImported: 3 })
    const byName = Object.fromEntries((await leadsOf(store)).map((l) => [l.name, l]))
    expect(byName['张先生']).toMatchObject({ phone: null, phoneMasked: '138****1234', modelOfInterest: '朗逸' })
    expect(byName['李女士']).toMatchObject({ phone: '13400005678', city: '杭州' })
    // the markup in a cell is the customer's text, kept as text
    expect(byName['王先生']).toMatchObject({ phone: '13900001111', city: '宁波' })
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
    const again = await run(store, 'autohome-leads-gbk.csv', { file: { bytes: fixture('autohome-leads-gbk.csv'), fileName: 'renamed.csv' }, platform: 'bitauto' })
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
    const next = await importLeadFile({ storeId: store, userId: null, platform: 'autohome', file: { bytes: Buffer.concat([text, gbkExtra]), fileName: 'next.csv' } })
    expect(next.counts).toMatchObject({ imported: 1, merged: 0, duplicate: 4, failed: 1, skipped: 1 })
    expect((await leadsOf(store)).length).toBe(5)
  })

  it('a role that sees phones masked is not told which rows joined a known lead', async () => {
    const store = (await createStore(groupId)).id
    const seer = await signIn((await createUser(groupId, 'manager', [store])).id)
    const masked = await signIn((await createUser(groupId, 'specialist', [store])).id)
    await run(store, 'bitauto-leads-utf8-bom.csv')
    // a later export: the first person again, at another time, among rows seen before
    const later = fixture('bitauto-leads-utf8-bom.csv').toString('utf8').replace('2026-10-06 10:00:00', '2026-10-09 09:00:00')
    const next = await importLeadFile({ storeId: store, userId: null, platform: 'auto', file: { bytes: Buffer.from(later, 'utf8'), fileName: 'later.csv' } })
    expect(next.counts.merged).toBe(1)
    const view = (browser: Browser) => settle(() => detailLoader({ request: get(`/imports/${next.importId}`, browser), params: { importId: next.importId }, context: {} }))
    expect((await view(seer)).data.import.counts).toMatchObject({ imported: 0, merged: 1 })
    expect((await view(masked)).data.import.counts).toMatchObject({ imported: 1, merged: 0 })
    const list = (browser: Browser) => settle(() => listLoader({ request: get(`/imports?store=${store}`, browser), params: {}, context: {} }))
    const listed = (await list(masked)).data.imports.find((i: { id: string }) => i.id === next.importId)
    expect(listed).toMatchObject({ rowsImported: 1, rowsMerged: 0 })
    const report = async (browser: Browser) =>
      String((await settle(() => reportLoader({ request: get(`/imports/${next.importId}/report.csv`, browser), params: { importId: next.importId }, context: {} }))).data)
    expect(await report(seer)).toContain('并入已有线索')
    expect(await report(masked)).not.toContain('并入已有线索')
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
        await importLeadFile({ storeId: store, userId: null, platform: 'auto', file: { bytes, fileName: name } })
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

describe('an import too large for one transaction', () => {
  /** A platform export of `n` new people, and the three known ones first. */
  const bigFile = (n: number, last = '') =>
    Buffer.from(
      [
        '姓名,手机,留资时间,所在城市',
        '王五,13900000001,2026-10-05 10:00,杭州',
        '李四,13900000002,2026-10-05 11:00,',
        '赵六,13800000001,2026-10-05 12:00,',
        ...Array.from({ length: n }, (_, i) => `客户${i},139${String(50000000 + i)},2026-10-0${1 + (i % 9)} 09:${String(i % 60).padStart(2, '0')},宁波`),
        ...(last ? [last] : []),
      ].join('\n'),
    )

  /** Three people the store knows: one without a name or city, one lost, one known only by a masked phone. */
  async function knownPeople(store: string) {
    const db = await getDb()
    const a = await recordArrival(db, { storeId: store, person: { phone: '13900000001' }, touch: { kind: 'call', channel: 'returning_customer', at: new Date('2026-09-01T02:00:00Z') } })
    const b = await recordArrival(db, { storeId: store, person: { name: '李四', phone: '13900000002' }, touch: { kind: 'walk_in', channel: 'passing_by', at: new Date('2026-09-01T03:00:00Z') } })
    await db.update(leads).set({ status: 'lost', lostReason: '价格' }).where(eq(leads.id, b.leadId))
    await db.insert(leadEvents).values({ leadId: b.leadId, type: 'status', fromStatus: 'new', toStatus: 'lost', at: new Date('2026-09-02T00:00:00Z') })
    const c = await recordArrival(db, { storeId: store, person: { name: '赵六', phone: '138****0001' }, touch: { kind: 'platform_lead', channel: 'autohome', at: new Date('2026-09-01T04:00:00Z') } })
    return [a.leadId, b.leadId, c.leadId]
  }

  async function snapshot(store: string) {
    const db = await getDb()
    const people = await db
      .select({ id: leads.id, name: leads.name, city: leads.city, phone: leads.phone, phoneHash: leads.phoneHash, phoneMasked: leads.phoneMasked, status: leads.status, opportunity: leads.opportunity, lostReason: leads.lostReason, firstTouchAt: leads.firstTouchAt, lastTouchAt: leads.lastTouchAt, firstChannel: leads.firstChannel })
      .from(leads)
      .where(eq(leads.storeId, store))
      .orderBy(leads.id)
    const touches = await db.select({ id: touchpoints.id }).from(touchpoints).where(eq(touchpoints.storeId, store)).orderBy(touchpoints.id)
    const events = await db.select({ id: leadEvents.id }).from(leadEvents).where(inArray(leadEvents.leadId, people.map((p) => p.id))).orderBy(leadEvents.id)
    return { people, touches, events }
  }

  it('is applied in many short transactions; a failure in a late one undoes all of them and gives known leads back what they were', async () => {
    const store = (await createStore(groupId)).id
    const known = await knownPeople(store)
    const before = await snapshot(store)
    const db = await getDb()
    await db.execute(sql`alter table leads add constraint test_refuse_liu check (name <> '刘先生') not valid`)
    let failure: ImportError | undefined
    try {
      await importLeadFile({ storeId: store, userId: null, platform: 'autohome', file: { bytes: bigFile(1500, '刘先生,13700000009,2026-10-09 10:00,'), fileName: 'big.csv' } }).catch((error) => (failure = error))
    } finally {
      await db.execute(sql`alter table leads drop constraint test_refuse_liu`)
    }
    expect(failure).toBeInstanceOf(ImportError)
    expect(failure!.params.detail).toMatch(/test_refuse_liu/)
    // the earlier chunks were written and committed (the rows before 刘先生 made leads) — and are gone again
    expect(await snapshot(store)).toEqual(before)
    expect(await rowsOf(failure!.importId!)).toEqual([])
    const [record] = await db.select().from(imports).where(eq(imports.id, failure!.importId!))
    expect(record).toMatchObject({ status: 'failed' })
    expect(await db.select().from(leadImportUndo).where(eq(leadImportUndo.importId, failure!.importId!))).toEqual([])
    expect(analyticsSyncHeld()).toBe(false)

    // the same file without the refused row imports whole: the known people are found, filled in, reopened, completed
    // the background sync waits while the import writes (the analytical store never holds half of it)
    const held = new Set<boolean>()
    const done = await importLeadFile(
      { storeId: store, userId: null, platform: 'autohome', file: { bytes: bigFile(1500), fileName: 'big.csv' } },
      { progress: (p) => (p.phase === 'saving' ? held.add(analyticsSyncHeld()) : undefined) },
    )
    expect([...held]).toEqual([true])
    expect(analyticsSyncHeld()).toBe(false)
    expect(done.counts).toMatchObject({ total: 1503, imported: 1500, merged: 3, failed: 0 })
    const after = await db.select().from(leads).where(inArray(leads.id, known)).orderBy(leads.phoneMasked)
    const byId = new Map(after.map((l) => [l.id, l]))
    expect(byId.get(known[0]!)).toMatchObject({ name: '王五', city: '杭州' })
    expect(byId.get(known[1]!)).toMatchObject({ status: 'new', opportunity: 2, lostReason: null })
    expect(byId.get(known[2]!)).toMatchObject({ phone: '13800000001', name: '赵六' })
    expect(await db.select().from(leadImportUndo).where(eq(leadImportUndo.importId, done.importId))).toEqual([])
  })

  it('a cancelled import job is undone whole', async () => {
    const store = (await createStore(groupId)).id
    const before = await snapshot(store)
    const owner = await signIn((await createUser(groupId, 'specialist', [store])).id)
    const preview = await callAction(upload({ storeId: store, platform: 'auto' }, { name: 'big.csv', bytes: bigFile(4000) }, owner))
    expect(preview.status).toBe(200)
    const queued = await callAction(post('/imports/new', confirmFields(preview.data.preview, store, 'autohome'), owner))
    const progress = queued.headers.get('location')!
    const jobId = progress.split('/')[3]!
    const runner = new JobRunner({ pollMs: 20, heartbeatMs: 100, progressEveryMs: 10 })
    await runner.start()
    try {
      const db = await getDb()
      // once some rows are saved, the user cancels on the progress page
      for (let i = 0; i < 2000; i++) {
        const [job] = await db.select().from(jobs).where(eq(jobs.id, jobId))
        if (job!.phase === 'saving' && job!.progressDone > 0) break
        await new Promise((r) => setTimeout(r, 10))
      }
      const cancel = await settle(() => jobAction({ request: post(progress, { intent: 'cancel' }, owner), params: { jobId }, context: {} }))
      expect(cancel.status).toBe(302)
      let job: typeof jobs.$inferSelect | undefined
      for (let i = 0; i < 2000 && job?.status !== 'failed'; i++) {
        ;[job] = await db.select().from(jobs).where(eq(jobs.id, jobId))
        await new Promise((r) => setTimeout(r, 10))
      }
      expect(job).toMatchObject({ status: 'failed', errorKey: 'jobs.error.cancelled' })
      const [record] = await db.select().from(imports).where(eq(imports.storeId, store))
      expect(record).toMatchObject({ status: 'failed', error: 'imports.error.cancelled' })
      expect(await snapshot(store)).toEqual(before)
      const page = await settle(() => jobLoader({ request: get(progress, owner), params: { jobId }, context: {} }))
      expect(page.data).toMatchObject({ job: { status: 'failed', error: { key: 'jobs.error.cancelled' } } })
    } finally {
      await runner.stop()
    }
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

/**
 * A confirm (or a retry) queues the import as a job and goes to its progress page; once the
 * job has run, that page goes on to the import's summary. Answers where it leads.
 */
async function afterJob(response: { status: number; headers: Headers }, browser: Browser) {
  expect(response.status).toBe(302)
  const progress = response.headers.get('location')!
  expect(progress).toMatch(/^\/imports\/jobs\/[0-9a-f-]{36}$/)
  const jobId = progress.split('/')[3]!
  const [job] = await runJobs([jobId])
  expect(job!.status).toBe('done')
  const page = await settle(() => jobLoader({ request: get(progress, browser), params: { jobId }, context: {} }))
  expect(page.status).toBe(302)
  return page.headers.get('location')!
}

/** The confirm form of a preview: its upload, the store, the platform and the mapping as shown. */
const confirmFields = (p: { uploadId: string; mapping: Array<string | null> }, storeId: string, platform = 'auto') => ({
  intent: 'confirm',
  storeId,
  platform,
  uploadId: p.uploadId,
  ...Object.fromEntries(p.mapping.map((f, i) => [`map.${i}`, f ?? ''])),
})

describe('the import pages', () => {
  let importId: string
  let uploadId: string

  it('upload shows a preview (encoding, mapping, first rows, phones masked for the specialist); confirm imports', async () => {
    const preview = await callAction(upload({ storeId: storeA, platform: 'auto' }, { name: 'autohome-leads-gbk.csv', bytes: fixture('autohome-leads-gbk.csv') }, specialist))
    expect(preview.status).toBe(200)
    const p = preview.data.preview
    expect(preview.data.step).toBe('preview')
    expect(p).toMatchObject({ encoding: 'gb18030', format: 'csv', headerRowNumber: 2, dataRows: 5, detectedPlatform: 'autohome', earlier: null })
    expect(p.uploadId).toMatch(/^[0-9a-f-]{36}$/)
    uploadId = p.uploadId
    expect(p.skipped).toEqual({ title: 1, blank: 1, total: 1 })
    expect(p.mapping).toEqual([null, 'name', 'phone', 'model', 'city', 'time', null, null])
    expect(p.sample[0]).toEqual({ rowNumber: 3, cells: ['1', '张先生', '138****1234', '朗逸', '杭州', '2026-10-01 12:30', '杭州西湖大众4S店', ''] })
    // a specialist may not see full numbers (lead:phone): the preview masks them
    expect(p.sample[2].cells[2]).toBe('139****1111')
    expect(keptFiles()).toContain(`${p.fileHash}.csv`)

    // confirm with the mapping as guessed: the 序号 column stays out, 备注 too
    const confirmed = await callAction(post('/imports/new', confirmFields(p, storeA, 'autohome'), specialist))
    const location = await afterJob(confirmed, specialist)
    expect(location).toMatch(/^\/imports\/[0-9a-f-]{36}\?notice=done$/)
    importId = location.split('/')[2]!.split('?')[0]!

    const again = await callAction(post('/imports/new', confirmFields(p, storeA, 'autohome'), specialist))
    expect(await afterJob(again, specialist)).toBe(`/imports/${importId}?notice=again`)
  })

  it('a confirm without the phone column goes back to the preview with the reason', async () => {
    const preview = await callAction(upload({ storeId: storeA, platform: 'auto' }, { name: 'b.csv', bytes: fixture('bitauto-leads-utf8-bom.csv') }, specialist))
    const p = preview.data.preview
    const refused = await callAction(post('/imports/new', confirmFields({ ...p, mapping: p.mapping.map((f: string | null) => (f === 'phone' ? null : f)) }, storeA), specialist))
    expect(refused.status).toBe(400)
    expect(refused.data).toMatchObject({ step: 'preview', error: { key: 'imports.error.missingColumn', params: { field: 'phone' } } })
    expect(refused.data.preview).toMatchObject({ uploadId: p.uploadId, fileName: 'b.csv' })
    expect(refused.data.preview.mapping[1]).toBeNull()
  })

  it('the summary lists the failed row with its row number, column and reason; the report downloads as CSV', async () => {
    const summary = await settle(() => detailLoader({ request: get(`/imports/${importId}`, specialist), params: { importId }, context: {} }))
    expect(summary.status).toBe(200)
    expect(summary.data.import).toMatchObject({ status: 'done', counts: { imported: 4, failed: 1, skipped: 1 } })
    expect(summary.data.canRetry).toBe(false)
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
    const confirm = await callAction(post('/imports/new', { storeId: storeA, platform: 'auto', uploadId }, specialistB))
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

describe('an upload is confirmed only by its uploader, into the store it was uploaded for', () => {
  const NINGBO_FILE = 'dongchedi-leads-utf16le.csv'
  let ningbo: { uploadId: string; fileHash: string; mapping: Array<string | null> }

  // the imports of a file into store A or B (other tests import the same fixtures into other stores)
  const importsOfFile = async (fileHash: string) =>
    (await getDb())
      .select()
      .from(imports)
      .where(and(eq(imports.fileHash, fileHash), inArray(imports.storeId, [storeA, storeB])))

  beforeAll(async () => {
    // the 宁波 (store B) specialist uploads an export for store B
    const preview = await callAction(upload({ storeId: storeB, platform: 'auto' }, { name: NINGBO_FILE, bytes: fixture(NINGBO_FILE) }, specialistB))
    expect(preview.status).toBe(200)
    ningbo = preview.data.preview
  })

  it('a 杭州 specialist cannot import a 宁波 upload into 杭州, by its id or by its file hash', async () => {
    const byId = await callAction(post('/imports/new', confirmFields(ningbo, storeA), specialist))
    expect(byId.status).toBe(403)
    expect(byId.data).toMatchObject({ step: 'upload', error: { key: 'imports.error.uploadNotYours' } })
    // nothing of the other store's file is shown either
    expect(byId.data.preview).toBeUndefined()
    // what used to work: naming the file by its sha256
    const byHash = await callAction(post('/imports/new', { storeId: storeA, platform: 'auto', fileHash: ningbo.fileHash, ext: 'csv', fileName: NINGBO_FILE }, specialist))
    expect(byHash.status).toBe(400)
    expect(await importsOfFile(ningbo.fileHash)).toEqual([])
    expect((await leadsOf(storeA)).map((l) => l.name)).not.toContain('Chen')
  })

  it('another user of the same store cannot confirm it, nor can its uploader into another of their stores', async () => {
    const managerB = await signIn((await createUser(groupId, 'manager', [storeB])).id)
    const otherUser = await callAction(post('/imports/new', confirmFields(ningbo, storeB), managerB))
    expect(otherUser.status).toBe(403)
    expect(otherUser.data).toMatchObject({ error: { key: 'imports.error.uploadNotYours' } })

    // a manager of both stores uploads for store A and confirms into store B
    const managerAB = await signIn((await createUser(groupId, 'manager', [storeA, storeB])).id)
    const mine = await callAction(upload({ storeId: storeA, platform: 'auto' }, { name: 'x.xlsx', bytes: fixture('dongchedi-leads.xlsx') }, managerAB))
    const otherStore = await callAction(post('/imports/new', confirmFields(mine.data.preview, storeB), managerAB))
    expect(otherStore.status).toBe(403)
    expect(otherStore.data).toMatchObject({ error: { key: 'imports.error.uploadNotYours' } })
    expect(await importsOfFile(ningbo.fileHash)).toEqual([])
    expect(await importsOfFile(mine.data.preview.fileHash)).toEqual([])
  })

  it('an unknown or expired upload is not found', async () => {
    const unknown = await callAction(post('/imports/new', confirmFields({ ...ningbo, uploadId: '00000000-0000-4000-8000-000000000000' }, storeB), specialistB))
    expect(unknown.status).toBe(404)
    expect(unknown.data).toMatchObject({ step: 'upload', error: { key: 'imports.error.uploadNotFound' } })
  })

  it('its uploader imports it into its store', async () => {
    const confirmed = await callAction(post('/imports/new', confirmFields(ningbo, storeB), specialistB))
    await afterJob(confirmed, specialistB)
    const [record] = await importsOfFile(ningbo.fileHash)
    expect(record).toMatchObject({ storeId: storeB, status: 'done', rowsImported: 2, platformChoice: 'auto' })
  })
})

// ------------------------------------------------------------------ interrupted imports

/**
 * What a process killed during an import leaves behind: the kept file and its import
 * 'pending' (导入中), nothing else — its transaction died with it.
 */
async function leftRunning(storeId: string, name: string, createdById: string | null) {
  const bytes = fixture(name)
  const kept = await keepImportFile(bytes, 'csv')
  const db = await getDb()
  const [row] = await db
    .insert(imports)
    .values({
      storeId,
      kind: 'leads',
      platform: 'autohome',
      platformChoice: 'autohome',
      fileName: name,
      fileHash: kept.hash,
      byteSize: bytes.length,
      encoding: 'gb18030',
      status: 'pending',
      mapping: { name: '客户姓名', phone: '手机号', model: '意向车型', city: '所在城市', time: '留资时间' },
      columnMapping: [null, 'name', 'phone', 'model', 'city', 'time', null, null],
      storedPath: kept.path,
      createdById,
      // its process stopped writing its heartbeat ten minutes ago
      heartbeatAt: new Date(Date.now() - 600_000),
    })
    .returning({ id: imports.id })
  return row!.id
}

describe('an import killed half-way', () => {
  const detailAction = (importId: string, browser: Browser) =>
    settle(() => detailModule.action({ request: post(`/imports/${importId}`, { intent: 'retry' }, browser), params: { importId }, context: {} }))
  const detail = (importId: string, browser: Browser) => settle(() => detailLoader({ request: get(`/imports/${importId}`, browser), params: { importId }, context: {} }))

  it('is marked failed by the start-up sweep, with the reason on its page; a retry imports it, once', async () => {
    const store = (await createStore(groupId)).id
    const userId = (await createUser(groupId, 'specialist', [store])).id
    const owner = await signIn(userId)
    const stuck = await leftRunning(store, 'autohome-leads-gbk.csv', userId)

    // what startup() runs before the server listens
    expect(await failInterruptedImports()).toContain(stuck)
    const db = await getDb()
    const [record] = await db.select().from(imports).where(eq(imports.id, stuck))
    expect(record).toMatchObject({ status: 'failed', error: INTERRUPTED_REASON })
    expect(record!.finishedAt).toBeInstanceOf(Date)
    expect(await failInterruptedImports()).toEqual([])

    const page = await detail(stuck, owner)
    expect(page.data).toMatchObject({ canRetry: true, import: { status: 'failed', error: 'imports.error.interrupted', laterImportId: null } })
    const list = await settle(() => listLoader({ request: get('/imports', owner), params: {}, context: {} }))
    expect(list.data.imports).toMatchObject([{ id: stuck, status: 'failed' }])

    // another store's specialist cannot retry it; an executive may not import at all
    expect((await detailAction(stuck, specialistB)).status).toBe(404)
    const exec = await signIn((await createUser(groupId, 'executive', [store])).id)
    expect((await detailAction(stuck, exec)).status).toBe(403)
    expect(await leadsOf(store)).toEqual([])

    // the retry runs the same file with the same mapping and platform
    const retried = await detailAction(stuck, owner)
    const location = await afterJob(retried, owner)
    expect(location).toMatch(/^\/imports\/[0-9a-f-]{36}\?notice=done$/)
    const retryId = location.split('/')[2]!.split('?')[0]!
    expect(retryId).not.toBe(stuck)
    const [rerun] = await db.select().from(imports).where(eq(imports.id, retryId))
    expect(rerun).toMatchObject({ status: 'done', platform: 'autohome', rowsImported: 4, rowsFailed: 1, createdById: userId, fileHash: record!.fileHash })
    expect((await leadsOf(store)).length).toBe(4)

    // the interrupted import stays failed, pointing at the run that imported its file; retrying again changes nothing
    const after = await detail(stuck, owner)
    expect(after.data).toMatchObject({ canRetry: false, import: { status: 'failed', laterImportId: retryId } })
    const again = await detailAction(stuck, owner)
    expect(await afterJob(again, owner)).toBe(`/imports/${retryId}?notice=again`)
    expect((await leadsOf(store)).length).toBe(4)
    // a finished import is not retried
    const done = await detailAction(retryId, owner)
    expect(done.status).toBe(409)
    expect(done.data).toMatchObject({ error: { key: 'imports.error.notRetryable' } })
  })

  it('the next import of the store fails what a dead process left running there, and only there', async () => {
    const store = (await createStore(groupId)).id
    const elsewhere = (await createStore(groupId)).id
    const stuck = await leftRunning(store, 'autohome-leads-gbk.csv', null)
    const other = await leftRunning(elsewhere, 'autohome-leads-gbk.csv', null)
    await run(store, 'bitauto-leads-utf8-bom.csv')
    const db = await getDb()
    const statuses = await db.select({ id: imports.id, status: imports.status }).from(imports).where(inArray(imports.id, [stuck, other]))
    expect(Object.fromEntries(statuses.map((r) => [r.id, r.status]))).toEqual({ [stuck]: 'failed', [other]: 'pending' })
    await failInterruptedImports({ storeIds: [elsewhere] })
  })

  it('a running import is left alone: its run ends done', async () => {
    const store = (await createStore(groupId)).id
    const rows = Array.from({ length: 150 }, (_, i) => `客户${i},139${String(60000000 + i)},2026-10-01 12:${String(i % 60).padStart(2, '0')}`)
    const running = importLeadFile({ storeId: store, userId: null, platform: 'other', file: { bytes: Buffer.from(['姓名,手机,留资时间', ...rows].join('\n')), fileName: 'live.csv' } })
    const db = await getDb()
    while (!(await db.select({ id: imports.id }).from(imports).where(eq(imports.storeId, store))).length) await new Promise((r) => setTimeout(r, 2))
    expect(await failInterruptedImports({ storeIds: [store] })).toEqual([])
    const result = await running
    expect(result.counts.imported).toBe(150)
    const [record] = await db.select().from(imports).where(eq(imports.id, result.importId))
    expect(record).toMatchObject({ status: 'done', error: null })
  })

  // on PGlite no other process can be running one (one process per data directory): this case exists only on a server
  if (serverUrl()) it('on a Postgres server, a pending import whose heartbeat is recent is alive; silent for a minute, it is rolled back', async () => {
    const store = (await createStore(groupId)).id
    const stuck = await leftRunning(store, 'autohome-leads-gbk.csv', null)
    const db = await getDb()
    // another process's import writes its heartbeat every few seconds
    await db.update(imports).set({ heartbeatAt: new Date() }).where(eq(imports.id, stuck))
    expect(await failInterruptedImports({ storeIds: [store] })).toEqual([])
    await db.update(imports).set({ heartbeatAt: new Date(Date.now() - 61_000) }).where(eq(imports.id, stuck))
    expect(await failInterruptedImports({ storeIds: [store] })).toEqual([stuck])
  })
})

// ------------------------------------------------------------------ the command line

describe('npm run import', () => {
  // it starts six processes: on a loaded two-core machine that can take minutes, never ten
  it('imports the GBK export into an embedded database, once; killed half-way it keeps nothing', { timeout: 10 * 60_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roadshow-cli-'))
    try {
      await embeddedDatabase(dir, { name: '杭州西湖大众4S店', city: '杭州' })
      const env = { ...process.env, DATA_DIR: dir, DATABASE_URL: '', SEED_DEMO: 'false', LOG_LEVEL: 'error' }
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

      // kill -9 half-way through a longer import (once it reports its first hundred rows, inside
      // its transaction): nothing of it is kept, so a re-run imports every row afresh
      const rows = Array.from({ length: 300 }, (_, i) => `客户${i},139${String(70000000 + i)},2026-10-01 12:${String(i % 60).padStart(2, '0')}`)
      const big = path.join(dir, 'big.csv')
      fs.writeFileSync(big, ['姓名,手机,留资时间', ...rows].join('\n'))
      const child = startCli(['leads', big, '--store', '杭州西湖大众4S店'], { ...env, LOG_LEVEL: 'debug' })
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
      let output = ''
      const halfWay = await new Promise<boolean>((resolve) => {
        child.stdout.on('data', (chunk) => {
          output += chunk
          if (output.includes('"msg":"lead import progress"')) resolve(true)
        })
        child.on('exit', () => resolve(false))
      })
      expect(halfWay, output).toBe(true)
      child.kill('SIGKILL')
      expect(await exited).toBeNull()
      const killedId = /"msg":"lead import started".*?"importId":"([0-9a-f-]{36})"/.exec(output)![1]!

      const rerun = await runCli(['leads', big, '--store', '杭州西湖大众4S店', '--json'], env)
      expect(rerun.code, rerun.stderr).toBe(0)
      const again = JSON.parse(rerun.stdout.trim().split('\n').at(-1)!)
      expect(again).toMatchObject({ reused: false, counts: { imported: 300, merged: 0, duplicate: 0 } })

      // the killed run no longer shows as running: the re-run's start marked it failed, with the reason
      const check = await createPglite({ dataDir: path.join(dir, 'pg') })
      try {
        const { rows: states } = await check.query<{ id: string; status: string; error: string | null }>('select id, status, error from imports where file_name = $1 order by created_at', ['big.csv'])
        expect(states).toEqual([
          { id: killedId, status: 'failed', error: INTERRUPTED_REASON },
          { id: again.importId, status: 'done', error: null },
        ])
      } finally {
        await check.close()
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
