import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import iconv from 'iconv-lite'
import { getDb } from '../db/client'
import { leads, stores, touchpoints } from '../db/schema'
import { closeAnalyticsDb } from '../analytics/duckdb'
import { keepImportFile } from '../app/services/import-files.server'
import { runSalesImport } from '../app/services/sales-import.server'
import { salesFileExt } from '../app/services/sales-import-job.server'
import { hashPhone } from '../app/utils/phone-hash.server'
import { parsePhone } from '../app/utils/phone'
import { generate, type GenManifest } from '../scripts/gen'
import { isBuyer, makePlan } from '../scripts/gen/model'
import { createRandom } from '../scripts/gen/random'

/**
 * SPEC §7 / issue 7 must 6: `npm run gen` makes realistic, deterministic data — the database
 * part and the files a store hands over — whose sales partly come from the generated leads,
 * with the truth recorded apart. The files import cleanly through the real sales import.
 */

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roadshow-gen-'))
const ARGS = { seed: 11, stores: 2, leads: 400, touchpoints: 4_000, sales: 300, matched: 0.6, masked: 0.3, 'xlsx-rows': 60, 'platform-leads': 40, 'no-db': false, quiet: true }
let manifest: GenManifest

function truthRows(file: string) {
  const [, ...lines] = fs.readFileSync(file, 'utf8').trim().split('\n')
  return lines.map((l) => {
    const [saleKey, storeId, leadId] = l.split(',')
    return { saleKey: saleKey!, storeId: storeId!, leadId: leadId!.replace(/"/g, '') || null }
  })
}

beforeAll(async () => {
  vi.stubEnv('DATA_DIR', dataDir)
  manifest = await generate({ ...ARGS, out: path.join(dataDir, 'a') })
}, 120_000)

afterAll(async () => {
  await closeAnalyticsDb()
  vi.unstubAllEnvs()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

describe('npm run gen', () => {
  it('loads the group into the database: stores, leads with their journeys', async () => {
    expect(manifest.created).toMatchObject({ stores: 2, leads: 400, sales: 300, matchedSales: 180, platformLeads: 40 })
    expect(manifest.created.touchpoints).toBeGreaterThan(3_000)
    expect(manifest.created.touchpoints).toBeLessThan(5_000)
    const db = await getDb()
    const [{ n: storeCount }] = (await db.select({ n: sql<number>`count(*)::int` }).from(stores).where(eq(stores.groupId, manifest.group.id))) as [{ n: number }]
    expect(storeCount).toBe(2)
    const [counts] = await db
      .select({
        leads: sql<number>`count(*)::int`,
        hashed: sql<number>`count(${leads.phoneHash})::int`,
        masked: sql<number>`count(${leads.phoneMasked})::int`,
        consistent: sql<number>`count(*) filter (where ${leads.firstTouchAt} <= ${leads.lastTouchAt})::int`,
      })
      .from(leads)
      .where(sql`${leads.storeId} in (select id from stores where group_id = ${manifest.group.id})`)
    // every lead has its masked number; some (from lead platforms) only that
    expect(counts).toMatchObject({ leads: 400, masked: 400, consistent: 400 })
    expect(counts!.hashed).toBeGreaterThan(300)
    expect(counts!.hashed).toBeLessThan(400)
    // touchpoints carry a plausible channel mix, some without a lead (visits that never converted)
    const mix = await db.select({ channel: touchpoints.channel, n: sql<number>`count(*)::int` }).from(touchpoints).groupBy(touchpoints.channel)
    expect(mix.length).toBeGreaterThan(8)
    const [anonymous] = await db.select({ n: sql<number>`count(*)::int` }).from(touchpoints).where(sql`${touchpoints.leadId} is null`)
    expect(anonymous!.n).toBeGreaterThan(0)
    // actual spend as the app records it (ADR 023): entries on the lines, each line's actual their sum,
    // media lines tied to their placement
    const [spent] = await db.execute(sql`
      select (select count(*)::int from budget_lines where actual_fen is not null) as lines,
             (select count(*)::int from budget_lines b join media_placements p on p.id = b.placement_id where b.category = 'media') as tied,
             (select count(*)::int from spend_entries) as entries,
             (select count(*)::int from budget_lines b where b.actual_fen = (select sum(e.amount_fen) from spend_entries e where e.budget_line_id = b.id)) as agree`).then((r) => (r as unknown as { rows?: Array<{ lines: number; tied: number; entries: number; agree: number }> }).rows ?? (r as unknown as Array<{ lines: number; tied: number; entries: number; agree: number }>))
    expect(spent!.entries).toBeGreaterThan(spent!.lines)
    expect(spent!.agree).toBe(spent!.lines)
    expect(spent!.tied).toBeGreaterThan(0)
  })

  it('is deterministic: the same seed makes the same files', async () => {
    const again = await generate({ ...ARGS, 'no-db': true, out: path.join(dataDir, 'b') })
    for (const file of ['truth.csv', 'sales-all.csv', 'leads-platform.csv']) {
      expect(fs.readFileSync(path.join(dataDir, 'b', file)).equals(fs.readFileSync(path.join(dataDir, 'a', file)))).toBe(true)
    }
    expect(again.stores.map((s) => s.id)).toEqual(manifest.stores.map((s) => s.id))
  }, 120_000)

  it('writes sales exports that import cleanly (GB18030 CSV with title and totals rows, .xlsx, Parquet), whose matched buyers are the recorded leads', async () => {
    const store = manifest.stores[0]!
    const importFile = async (file: string, storeId: string) => {
      const bytes = fs.readFileSync(file)
      const ext = salesFileExt(bytes)
      const kept = await keepImportFile(bytes, ext)
      return runSalesImport({ storeId, fileHash: kept.hash, ext, fileName: path.basename(file), mapping: null, createdById: null })
    }
    const csv = await importFile(store.salesCsv, store.id)
    expect(csv).toMatchObject({ imported: store.sales, rejected: 0, skipped: { title: 1, total: 1 } })
    const parquet = await importFile(manifest.stores[1]!.salesParquet, manifest.stores[1]!.id)
    expect(parquet).toMatchObject({ imported: manifest.stores[1]!.sales, rejected: 0 })
    const xlsx = await importFile(manifest.files.salesXlsx, store.id)
    expect(xlsx).toMatchObject({ imported: 60, rejected: 0, skipped: { title: 1, total: 1 } })

    // the truth: a matched sale's phone (when the export shows it whole) is its lead's
    const truth = truthRows(manifest.files.truth)
    expect(truth).toHaveLength(300)
    expect(truth.filter((t) => t.leadId)).toHaveLength(180)
    const text = iconv.decode(fs.readFileSync(store.salesCsv), 'gb18030').split('\r\n')
    const header = text[1]!.split(',')
    const vinAt = header.indexOf('车架号')
    const phoneAt = header.indexOf('手机')
    const db = await getDb()
    let checked = 0
    for (const line of text.slice(2, 40)) {
      const cells = line.split(',')
      const t = truth.find((x) => x.saleKey === `vin:${cells[vinAt]}`)
      const phone = parsePhone(cells[phoneAt])
      if (!t?.leadId || phone?.kind !== 'full') continue
      const [lead] = await db.select({ phoneHash: leads.phoneHash, phoneMasked: leads.phoneMasked, storeId: leads.storeId }).from(leads).where(eq(leads.id, t.leadId))
      expect(lead!.storeId).toBe(store.id)
      expect(lead!.phoneMasked).toBe(phone.masked)
      if (lead!.phoneHash) expect(lead!.phoneHash).toBe(hashPhone(phone.phone))
      checked++
    }
    expect(checked).toBeGreaterThan(3)
  }, 120_000)

  it('refuses to load the same seed twice into one database', async () => {
    await expect(generate({ ...ARGS, out: path.join(dataDir, 'c') })).rejects.toThrow(/already in this database/)
  })
})

describe('the buyers among the generated leads', () => {
  it('are exactly the requested number and spread over every store, whatever the ratio of sales to leads', () => {
    // leads take turns by store; 0.3 buyers a lead once put every buyer into 6 of 20 stores
    for (const [stores, leads, sales, matched] of [[20, 20_000, 10_000, 0.6], [20, 20_000, 10_000, 0.5], [7, 7_000, 3_500, 0.4], [2, 400, 300, 0.6]] as const) {
      const plan = makePlan(createRandom(1), { seed: 1, stores, campaigns: stores * 5, leads, touchpoints: leads * 10, sales, matchedShare: matched, maskedShare: 0.3 })
      const perStore = Array.from({ length: stores }, () => 0)
      for (let i = 0; i < leads; i++) if (isBuyer(plan, i)) perStore[i % stores]!++
      expect(perStore.reduce((a, b) => a + b, 0)).toBe(plan.buyers)
      const expected = plan.buyers / stores
      for (const n of perStore) expect(Math.abs(n - expected)).toBeLessThan(expected * 0.2)
    }
  })
})
