import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { eq, inArray, sql } from 'drizzle-orm'
import iconv from 'iconv-lite'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { currentDbHandle, getDb, getDbHandle, openDatabase, openPostgres, rowsOf, setDbOpener, type DbHandle } from '../db/client'
import { readDbConfig } from '../db/config'
import { jobs, leads } from '../db/schema'
import { getAnalyticsDb } from '../analytics/duckdb'
import { defineQuery, runQuery } from '../analytics/query'
import { startAnalyticsSync, stopAnalyticsSync, syncAnalyticsNow } from '../app/services/analytics.server'
import { OTHER_TOUCHED_TABLES, PERSONAL_TABLES } from '../app/services/erasure-purge.server'
import { keepImportFile } from '../app/services/import-files.server'
import { JobRunner } from '../app/services/jobs-runner.server'
import { ERASE_KEPT_FILES_JOB } from '../app/services/kept-file-erasure.server'
import { eraseLead, updateLead } from '../app/services/leads.server'
import { importLeadFile } from '../app/services/lead-import.server'
import { runSalesImport } from '../app/services/sales-import.server'
import { salesFileExt } from '../app/services/sales-import-job.server'
import { LeadUpdateSchema } from '../app/schemas/lead'
import { loadSessionUser, type SessionUser } from '../app/utils/auth.server'
import { forgetEnv } from '../app/utils/env.server'
import { hashPhone } from '../app/utils/phone-hash.server'
import { createGroup, createStore, createUser } from './factories'
import { serverUrl, TEMPLATE_DB } from './setup/databases'

/**
 * SPEC §8 (PIPL): an erasure reaches everything under the data directory. With the embedded
 * database in DATA_DIR/pg, the analytical copy synced into DATA_DIR/analytics, the kept
 * lead-platform and DMS exports (GB18030, the phone as the DMS writes it) and the sales
 * Parquet file, a person is erased through the app's own path — `eraseLead`, then the job it
 * queues, run by the job runner — and then every file under the data directory is read byte
 * by byte for the person's number (as stored, and as the DMS writes it), its masked form and
 * the name (UTF-8 and GB18030). None may be left: not in a kept file, not in a dead row version
 * of PGlite's tables, its indexes, planner statistics or write-ahead log, not in a freed
 * block of the DuckDB file.
 */

const PERSON = { name: '王建国', phone: '13900001111', dms: '139 0000 1111', masked: '139****1111' }
const OTHER = { name: '周杰', phone: '13700003333', masked: '137****3333' }

const NEEDLES: Record<string, Buffer> = {
  phone: Buffer.from(PERSON.phone, 'utf8'),
  'phone as the DMS writes it': Buffer.from(PERSON.dms, 'utf8'),
  'masked phone': Buffer.from(PERSON.masked, 'utf8'),
  'name (UTF-8)': Buffer.from(PERSON.name, 'utf8'),
  'name (GB18030)': iconv.encode(PERSON.name, 'gb18030'),
}

const gb18030 = (text: string) => iconv.encode(text, 'gb18030')

const leadCsv = gb18030(
  [
    '客户姓名,手机号,意向车型,所在城市,留资时间',
    `${PERSON.name},${PERSON.phone},帕萨特,杭州,2026-10-03 14:20`,
    `${OTHER.name},${OTHER.phone},迈腾,杭州,2026-10-04 09:00`,
  ].join('\r\n'),
)

const salesCsv = gb18030(
  [
    '车架号,订单号,开票日期,车型,指导价,成交价,毛利,客户姓名,手机,付款方式',
    `LSVAL6BR9N2054321,D-01,2026-10-20,帕萨特,239900,218800,8000,${PERSON.name},${PERSON.dms},贷款`,
    `LFV3A23CXP3000777,D-02,2026-10-21,迈腾,209900,186800,6500,${OTHER.name},137 0000 3333,全款`,
  ].join('\r\n'),
)

/** Every regular file under `dir` (the live name of the analytical copy is a link to one of them). */
function filesUnder(dir: string): string[] {
  const out: string[] = []
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) out.push(...filesUnder(full))
    else if (entry.isFile()) out.push(full)
  }
  return out
}

/** needle → the files (relative to `dir`) whose bytes hold it. */
function scan(dir: string, needles: Record<string, Buffer>) {
  const found: Record<string, string[]> = Object.fromEntries(Object.keys(needles).map((k) => [k, []]))
  for (const file of filesUnder(dir)) {
    let bytes: Buffer
    try {
      bytes = fs.readFileSync(file)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue // a temporary file gone meanwhile
      throw error
    }
    for (const [name, needle] of Object.entries(needles)) if (bytes.includes(needle)) found[name]!.push(path.relative(dir, file))
  }
  return found
}

/** Names PGlite's relation files (base/<db>/<filenode>) after their tables and indexes, for a readable failure. */
async function describeFiles(handle: DbHandle, found: Record<string, string[]>) {
  const nodes = [...new Set(Object.values(found).flat().map((f) => /^pg\/base\/\d+\/(\d+)/.exec(f)?.[1]).filter((n): n is string => !!n))]
  if (!nodes.length) return found
  const rows = rowsOf<{ node: string; name: string }>(
    await handle.db.execute(sql`select pg_relation_filenode(oid)::text as node, relname::text as name from pg_class where pg_relation_filenode(oid)::text in (${sql.join(nodes.map((n) => sql`${n}`), sql`, `)})`),
  )
  const names = new Map(rows.map((r) => [r.node, r.name]))
  return Object.fromEntries(
    Object.entries(found).map(([k, files]) => [k, files.map((f) => f.replace(/^(pg\/base\/\d+\/(\d+)\S*)$/, (all, _p, node: string) => `${all} (${names.get(node) ?? '?'})`))]),
  )
}

const countIn = (table: string) => defineQuery()({ name: `test.erasure.count.${table}`, sql: `SELECT count(*)::INTEGER AS n FROM ${table}` })
const maskedIn = defineQuery<{ masked: string }>()({ name: 'test.erasure.masked', sql: 'SELECT count(*)::INTEGER AS n FROM leads WHERE phone_masked = $masked' })

async function analyticalCounts() {
  const db = await getAnalyticsDb()
  return db.withConnection(async (c) => {
    const out: Record<string, number> = {}
    for (const table of ['leads', 'touchpoints', 'sales', 'sale_matches']) out[table] = Number(((await runQuery(c, countIn(table), {}))[0] as { n: number }).n)
    out.person = Number(((await runQuery(c, maskedIn, { masked: PERSON.masked }))[0] as { n: number }).n)
    return out
  })
}

async function runErasureJob() {
  const runner = new JobRunner({ pollMs: 20, heartbeatMs: 50, progressEveryMs: 10, staleAfterMs: 120_000, shutdownGraceMs: 2000 })
  await runner.start()
  try {
    const db = await getDb()
    const deadline = Date.now() + 240_000
    for (;;) {
      const open = await db.select({ status: jobs.status, result: jobs.result, errorKey: jobs.errorKey }).from(jobs).where(eq(jobs.kind, ERASE_KEPT_FILES_JOB))
      if (open.length && open.every((j) => j.status === 'done' || j.status === 'failed')) return open
      if (Date.now() > deadline) throw new Error('the erasure job did not finish')
      await new Promise((r) => setTimeout(r, 50))
    }
  } finally {
    await runner.stop()
  }
}

/**
 * One store, a manager, the person and another buyer brought in by a lead-platform export and
 * named by a DMS export; the lead edited once (a dead row version, audit entries); planner
 * statistics taken (as `npm run gen` does, and a server's autovacuum); the analytical copy synced.
 */
async function populate(dataDir: string) {
  const group = await createGroup()
  const storeId = (await createStore(group.id, '杭州西湖大众4S店')).id
  const manager = (await loadSessionUser((await createUser(group.id, 'manager', [storeId])).id))!
  const imported = await importLeadFile({ storeId, userId: manager.id, platform: 'autohome', file: { bytes: leadCsv, fileName: '汽车之家线索.csv' }, ip: null })
  expect(imported.counts.imported).toBe(2)
  const ext = salesFileExt(salesCsv)
  const kept = await keepImportFile(salesCsv, ext)
  const sales = await runSalesImport({ storeId, fileHash: kept.hash, ext, fileName: 'DMS销售明细.csv', mapping: null, createdById: manager.id })
  expect(sales.imported).toBe(2)
  const db = await getDb()
  const [lead] = await db.select().from(leads).where(eq(leads.phoneHash, hashPhone(PERSON.phone)))
  const edited = await updateLead(
    manager,
    lead!.id,
    LeadUpdateSchema.parse({ version: String(lead!.version), name: PERSON.name, city: '杭州', modelOfInterest: '帕萨特', grade: '', consultantId: '', note: `${PERSON.name}周末来店试驾` }),
    '127.0.0.1',
  )
  expect(edited.ok).toBe(true)
  await db.execute(sql`analyze`)
  startAnalyticsSync()
  await syncAnalyticsNow()
  expect((await analyticalCounts()).person).toBe(1)
  // the scan sees where the app keeps data: before the erasure each form of the person is found, inside the databases too
  const before = scan(dataDir, NEEDLES)
  for (const [name, files] of Object.entries(before)) expect(files.length, `${name} before the erasure`).toBeGreaterThan(0)
  expect(before['masked phone']!.some((f) => f.startsWith('analytics/')), 'the analytical copy holds the person').toBe(true)
  return { manager, leadId: lead!.id }
}

async function eraseAndScan(dataDir: string, expectedPurge: { database: string; analytics: string }, beforeErasure?: (handle: DbHandle) => Promise<void>) {
  const { manager, leadId } = await populate(dataDir)
  await beforeErasure?.((await currentDbHandle())!)
  const countsBefore = await analyticalCounts()

  await eraseLead(manager, leadId, '127.0.0.1')
  const [job] = await runErasureJob()
  expect(job!.status, String(job!.errorKey)).toBe('done')
  expect(job!.result).toMatchObject({ rawFilesDeleted: 2, salesFilesRewritten: 1, salesRowsCleared: 1, purged: expectedPurge })

  // byte by byte, with the app still running: nothing of the person anywhere under the data directory
  const handle = (await currentDbHandle())!
  const after = await describeFiles(handle, scan(dataDir, NEEDLES))
  expect(after).toEqual(Object.fromEntries(Object.keys(NEEDLES).map((k) => [k, []])))

  // the others stay, in the databases as in the files; the sale stays, without a buyer
  const others = scan(dataDir, { masked: Buffer.from(OTHER.masked), name: Buffer.from(OTHER.name) })
  expect(others.masked!.some((f) => f.startsWith('analytics/'))).toBe(true)
  expect(others.name!.some((f) => f.startsWith('imports/sales/'))).toBe(true)
  const countsAfter = await analyticalCounts()
  expect(countsAfter).toEqual({ ...countsBefore, leads: countsBefore.leads! - 1, touchpoints: countsBefore.touchpoints! - 1, person: 0 })
  expect(countsAfter.sales).toBe(2)
  return { handle }
}

async function closeApp() {
  await stopAnalyticsSync()
  await (await currentDbHandle())?.close()
  setDbOpener(() => Promise.reject(new Error('closed')))
}

describe('erasure on the embedded database: nothing of the person is left under DATA_DIR', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roadshow-erasure-dir-'))

  beforeAll(async () => {
    vi.stubEnv('DATA_DIR', dataDir)
    vi.stubEnv('DATABASE_URL', '')
    // the background tick is far away: the syncs are the ones the test and the erasure ask for
    vi.stubEnv('ANALYTICS_SYNC_INTERVAL_S', '3600')
    vi.stubEnv('ANALYTICS_THREADS', '1')
    forgetEnv()
    // the app's own way of opening the embedded database, in DATA_DIR/pg, migrated
    setDbOpener(async () => {
      const handle = await openDatabase(readDbConfig())
      await handle.migrate()
      return handle
    })
    expect((await getDbHandle()).kind).toBe('pglite')
  })

  afterAll(async () => {
    await closeApp()
    vi.unstubAllEnvs()
    forgetEnv()
    fs.rmSync(dataDir, { recursive: true, force: true })
  })

  it('erases through eraseLead and its job: no phone, DMS phone, masked phone or name (UTF-8, GB18030) in any file', async () => {
    await eraseAndScan(dataDir, { database: 'rewritten', analytics: 'copied' }, async (handle) => {
      // the log has moved on, as it does in a day's work: the segments that hold the person were
      // checkpointed away and recycled — renamed, contents and all, to be written again later
      await handle.db.execute(sql`checkpoint`)
      await handle.db.execute(sql`select pg_switch_wal()`)
      await handle.db.execute(sql`checkpoint`)
      const [row] = rowsOf<{ name: string }>(await handle.db.execute(sql`select pg_walfile_name(pg_current_wal_lsn()) as name`))
      const ahead = filesUnder(path.join(dataDir, 'pg', 'pg_wal')).filter((f) => /^[0-9A-F]{24}$/.test(path.basename(f)) && path.basename(f) > row!.name)
      expect(ahead.filter((f) => fs.readFileSync(f).includes(NEEDLES['masked phone']!)), 'a recycled segment ahead of the log holds the person').not.toEqual([])
    })
    // and at rest, once the app has closed both databases
    await closeApp()
    expect(scan(dataDir, NEEDLES)).toEqual(Object.fromEntries(Object.keys(NEEDLES).map((k) => [k, []])))
    expect(fs.readdirSync(path.join(dataDir, 'analytics')).filter((n) => n.endsWith('.duckdb'))).toHaveLength(2) // the live name and one generation
  }, 300_000)
})

if (serverUrl()) {
  describe('erasure on a Postgres server: nothing of the person under DATA_DIR, no row version left in the tables', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roadshow-erasure-dir-server-'))
    const name = `roadshow_test_${crypto.randomBytes(5).toString('hex')}`
    const url = new URL(serverUrl()!)

    beforeAll(async () => {
      const admin = postgres(serverUrl()!, { max: 1, onnotice: () => {} })
      try {
        await admin.unsafe(`create database ${name} template ${TEMPLATE_DB}`)
      } finally {
        await admin.end()
      }
      url.pathname = `/${name}`
      vi.stubEnv('DATA_DIR', dataDir)
      vi.stubEnv('ANALYTICS_SYNC_INTERVAL_S', '3600')
      vi.stubEnv('ANALYTICS_THREADS', '1')
      forgetEnv()
      setDbOpener(async () => openPostgres(url.toString(), { max: 4 }))
    })

    afterAll(async () => {
      await closeApp()
      const admin = postgres(serverUrl()!, { max: 1, onnotice: () => {} })
      try {
        await admin.unsafe(`drop database if exists ${name} with (force)`)
      } finally {
        await admin.end()
      }
      vi.unstubAllEnvs()
      forgetEnv()
      fs.rmSync(dataDir, { recursive: true, force: true })
    })

    it('erases the kept files and the analytical copy byte by byte, and vacuums what the erasure touched', async () => {
      const { handle } = await eraseAndScan(dataDir, { database: 'vacuumed', analytics: 'copied' })
      // the server's own files are not under DATA_DIR: what the erasure asks of it is a vacuum of every table it touched
      const touched = [...PERSONAL_TABLES, ...OTHER_TOUCHED_TABLES]
      const stats = rowsOf<{ relname: string; vacuumed: boolean; dead: string }>(
        await handle.db.execute(sql`select relname::text as relname, last_vacuum is not null as vacuumed, n_dead_tup::text as dead from pg_stat_user_tables where relname in (${sql.join(touched.map((t) => sql`${t}`), sql`, `)}) order by 1`),
      )
      expect(stats.map((s) => s.relname)).toEqual([...touched].sort())
      expect(stats.filter((s) => !s.vacuumed)).toEqual([])
      const db = await getDb()
      expect(await db.select({ id: leads.id }).from(leads).where(inArray(leads.phoneMasked, [PERSON.masked]))).toEqual([])
    }, 300_000)
  })
}
