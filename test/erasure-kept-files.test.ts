import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { eq } from 'drizzle-orm'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { getDb } from '../db/client'
import { imports, jobs, leads } from '../db/schema'
import { AnalyticsDb, closeAnalyticsDb } from '../analytics/duckdb'
import { defineQuery, runQuery } from '../analytics/query'
import { keepImportFile } from '../app/services/import-files.server'
import { JobRunner } from '../app/services/jobs-runner.server'
import { ERASE_KEPT_FILES_JOB, eraseKeptFiles } from '../app/services/kept-file-erasure.server'
import { eraseLead } from '../app/services/leads.server'
import { importLeadFile } from '../app/services/lead-import.server'
import { runSalesImport } from '../app/services/sales-import.server'
import { salesFileExt } from '../app/services/sales-import-job.server'
import { loadSessionUser, type SessionUser } from '../app/utils/auth.server'
import { hashPhone } from '../app/utils/phone-hash.server'
import { createGroup, createStore, createUser } from './factories'
import { serverUrl } from './setup/databases'

/**
 * SPEC §8 (PIPL): erasing a person reaches the files kept under the data directory — the
 * lead-platform export that brought them in is deleted, and every sales import's Parquet
 * file is rewritten without their identifiers (the sale itself still counts), its original
 * upload deleted. No copy of the phone or the name is left in the kept files.
 */

const PERSON = { name: '王建国', phone: '13900001111' }
const OTHER = { name: '周杰', phone: '13700003333' }

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roadshow-erasure-files-'))
let storeId: string
let otherStoreId: string
let manager: SessionUser
let runner: JobRunner | undefined

const leadCsv = [
  '客户姓名,手机号,意向车型,所在城市,留资时间',
  `${PERSON.name},${PERSON.phone},帕萨特,杭州,2026-10-03 14:20`,
  `${OTHER.name},${OTHER.phone},迈腾,杭州,2026-10-04 09:00`,
].join('\n')

const salesCsv = [
  '车架号,订单号,开票日期,车型,指导价,成交价,毛利,客户姓名,手机,付款方式',
  `LSVAL6BR9N2054321,D-01,2026-10-20,帕萨特,239900,218800,8000,${PERSON.name},${PERSON.phone},贷款`,
  `LFV3A23CXP3000777,D-02,2026-10-21,迈腾,209900,186800,6500,${OTHER.name},${OTHER.phone},全款`,
].join('\n')

async function importSales(storeIdFor: string, text: string, fileName: string) {
  const bytes = Buffer.from(text, 'utf8')
  const ext = salesFileExt(bytes)
  const kept = await keepImportFile(bytes, ext)
  const result = await runSalesImport({ storeId: storeIdFor, fileHash: kept.hash, ext, fileName, mapping: null, createdById: null })
  return { ...result, raw: kept.path }
}

const parquetRows = defineQuery<Record<string, never>>()
async function rowsOf(file: string) {
  const duck = await AnalyticsDb.open({ path: ':memory:', memoryLimit: '128MB', threads: 1 })
  try {
    return await duck.withConnection((c) =>
      runQuery(
        c,
        parquetRows({
          name: 'test.erasure.parquet',
          sql: `SELECT vin, transaction_price_fen, gross_profit_fen, phone_hash, phone_masked, name_key FROM read_parquet('${file.replace(/'/g, "''")}') ORDER BY row_number`,
        }),
        {},
      ),
    )
  } finally {
    await duck.close()
  }
}

/** Every file under the directory, but the database's own (PGlite keeps its pages there). */
function keptFiles(dir: string): string[] {
  const out: string[] = []
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) out.push(...keptFiles(full))
    else out.push(full)
  }
  return out
}

/** Does any kept file hold this text, as UTF-8 or GBK-free ASCII digits? (our files are UTF-8 CSV and Parquet) */
function filesHolding(text: string) {
  const needle = Buffer.from(text, 'utf8')
  return keptFiles(dataDir).filter((f) => fs.readFileSync(f).includes(needle))
}

async function runJobs() {
  runner = new JobRunner({ pollMs: 20, heartbeatMs: 50, progressEveryMs: 10, staleAfterMs: 60_000, shutdownGraceMs: 2000 })
  await runner.start()
  const db = await getDb()
  const deadline = Date.now() + 60_000
  for (;;) {
    const open = await db.select({ id: jobs.id, status: jobs.status }).from(jobs).where(eq(jobs.kind, ERASE_KEPT_FILES_JOB))
    if (open.length && open.every((j) => j.status === 'done' || j.status === 'failed')) return open
    if (Date.now() > deadline) throw new Error('the erasure job did not finish')
    await new Promise((r) => setTimeout(r, 50))
  }
}

beforeAll(async () => {
  vi.stubEnv('DATA_DIR', dataDir)
  const group = await createGroup()
  storeId = (await createStore(group.id, '杭州西湖大众4S店')).id
  otherStoreId = (await createStore(group.id, '宁波鄞州大众4S店')).id
  manager = (await loadSessionUser((await createUser(group.id, 'manager', [storeId])).id))!
})

afterEach(async () => {
  await runner?.stop()
  runner = undefined
})

afterAll(async () => {
  await closeAnalyticsDb()
  vi.unstubAllEnvs()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

describe('erasure reaching the kept import files', () => {
  it('deletes the lead export that brought the person, rewrites the sales files without them, and leaves no copy of phone or name', async () => {
    const leadImport = await importLeadFile({
      storeId,
      userId: manager.id,
      platform: 'autohome',
      file: { bytes: Buffer.from(leadCsv, 'utf8'), fileName: '汽车之家线索.csv' },
      ip: null,
    })
    expect(leadImport.counts.imported).toBe(2)
    const sales = await importSales(storeId, salesCsv, 'DMS销售明细.csv')
    expect(sales.imported).toBe(2)
    // the same buyer in another store's export is that store's record: it stays
    const elsewhere = await importSales(otherStoreId, salesCsv.replace('D-01', 'N-01').replace('D-02', 'N-02'), '宁波销售.csv')
    const parquet = path.join(dataDir, sales.parquetPath!)
    const parquetElsewhere = path.join(dataDir, elsewhere.parquetPath!)
    expect(filesHolding(PERSON.phone).length).toBeGreaterThanOrEqual(2)
    expect((await rowsOf(parquet)).map((r) => r.phone_hash)).toEqual([hashPhone(PERSON.phone), hashPhone(OTHER.phone)])

    const db = await getDb()
    const [lead] = await db.select({ id: leads.id }).from(leads).where(eq(leads.phoneHash, hashPhone(PERSON.phone)))
    await eraseLead(manager, lead!.id, '127.0.0.1')

    // the job was queued with the erasure itself, and runs like any job
    const done = await runJobs()
    expect(done.map((j) => j.status)).toEqual(['done'])
    const [job] = await db.select({ result: jobs.result }).from(jobs).where(eq(jobs.kind, ERASE_KEPT_FILES_JOB))
    // then the databases' remains of the deleted rows (test/erasure-data-dir.test.ts reads them byte by byte); no analytical copy was made here
    expect(job!.result).toEqual({ rawFilesDeleted: 2, salesFilesRewritten: 1, salesRowsCleared: 1, purged: { database: serverUrl() ? 'vacuumed' : 'rewritten', analytics: 'none' } })

    // the sale stays, the buyer's identifiers are gone; the other buyer is untouched
    const after = await rowsOf(parquet)
    expect(after).toHaveLength(2)
    expect(after[0]).toMatchObject({ vin: 'LSVAL6BR9N2054321', transaction_price_fen: 21_880_000n, gross_profit_fen: 800_000n, phone_hash: null, phone_masked: null, name_key: null })
    expect(after[1]).toMatchObject({ vin: 'LFV3A23CXP3000777', phone_hash: hashPhone(OTHER.phone), name_key: OTHER.name })
    // the other store's files are not this erasure's business
    expect((await rowsOf(parquetElsewhere)).map((r) => r.phone_hash)).toEqual([hashPhone(PERSON.phone), hashPhone(OTHER.phone)])

    // nothing under the data directory of this store holds the person: not the phone, its masked form, its hash or the name
    const leftovers = [PERSON.phone, PERSON.name, `${PERSON.phone.slice(0, 3)}****${PERSON.phone.slice(-4)}`, hashPhone(PERSON.phone)].flatMap(filesHolding)
    expect(leftovers.filter((f) => f !== parquetElsewhere && f !== elsewhere.raw)).toEqual([])
    expect(fs.existsSync(elsewhere.raw)).toBe(true)
    // the other buyer's data is still where it was
    expect(filesHolding(hashPhone(OTHER.phone))).toContain(parquet)

    // the imports' records stay; retrying the lead import now says the file is gone
    const kept = await db.select({ id: imports.id, status: imports.status }).from(imports).where(eq(imports.storeId, storeId))
    expect(kept.map((k) => k.status).sort()).toEqual(['done', 'done'])
  })

  it('is safe to run again (after a crash the job re-runs): nothing more changes', async () => {
    const db = await getDb()
    const [sale] = await db.select({ parquetPath: imports.parquetPath }).from(imports).where(eq(imports.kind, 'sales')).limit(1)
    const file = path.join(dataDir, sale!.parquetPath!)
    const before = fs.readFileSync(file)
    const again = await eraseKeptFiles({ storeId, phoneHashes: [hashPhone(PERSON.phone)], saleKeys: [], importIds: [] })
    expect(again).toEqual({ rawFilesDeleted: 0, salesFilesRewritten: 0, salesRowsCleared: 0 })
    expect(fs.readFileSync(file).equals(before)).toBe(true)
  })
})
