import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { getDb, getDbHandle } from '../db/client'
import { campaigns, leads, stores, touchpoints } from '../db/schema'
import { readAnalyticsConfig } from '../analytics/config'
import { closeAnalyticsDb, getAnalyticsDb, openLive, setAnalyticsDbOpener, type AnalyticsDb } from '../analytics/duckdb'
import { defineQuery, runQuery } from '../analytics/query'
import { refreshSaleMatches } from '../analytics/matchback/refresh'
import { pgSource } from '../analytics/sync/source'
import { syncAnalytics } from '../analytics/sync/sync'
import { keepImportFile } from '../app/services/import-files.server'
import { recordArrival } from '../app/services/lead-intake.server'
import { mergeLeads, moveStatus } from '../app/services/leads.server'
import { decideMatch } from '../app/services/matchback.server'
import { runSalesImport } from '../app/services/sales-import.server'
import { loadSessionUser, type SessionUser } from '../app/utils/auth.server'
import { createGroup, createStore, createUser } from './factories'

/**
 * ADR 017: an incremental sync recomputes only what its changes concern, and keeps two tables
 * for itself to do so — the candidate pairs, and the paired leads' touches folded per
 * opportunity and campaign. After every kind of change, each sync's tables are held here to
 * what a refresh of every sale makes from the same data: the matches, the campaign credits,
 * the pairs, and the folded touches of the paired leads. A lead's folded touches must also
 * stay right while it is no candidate (new touches arrive), so that it is right again when a
 * sale pairs with it later.
 */

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roadshow-matchback-incremental-'))
let duck: AnalyticsDb
let storeId: string
let manager: SessionUser
let campaignId: string

const SOLD = '2026-09-01'
const day = (offset: number, hourUtc = 2) => new Date(Date.UTC(2026, 8, 1 + offset, hourUtc))

async function arrive(person: { name?: string; phone?: string | null }, at: Date, campaign: string | null = null) {
  const db = await getDb()
  return db.transaction((tx) => recordArrival(tx, { storeId, person, touch: { kind: 'manual', channel: 'direct', at, campaignId: campaign } }))
}

async function touch(leadId: string, at: Date, campaign: string | null = null) {
  const db = await getDb()
  const [row] = await db.insert(touchpoints).values({ storeId, leadId, kind: 'call', channel: 'returning_customer', at, campaignId: campaign }).returning({ id: touchpoints.id })
  return row!.id
}

const HEADER = '订单号,开票日期,客户姓名,手机'
async function importSales(lines: Array<[order: string, date: string, name: string, phone: string]>, name: string) {
  const bytes = Buffer.from([HEADER, ...lines.map((l) => l.join(','))].join('\r\n') + '\r\n', 'utf8')
  const kept = await keepImportFile(bytes, 'csv')
  const result = await runSalesImport({ storeId, fileHash: kept.hash, ext: 'csv', fileName: name, mapping: null, createdById: null })
  expect(result.rejected).toBe(0)
  return result
}

async function sync() {
  return syncAnalytics(duck, pgSource(await getDbHandle()), { chunkRows: 1000, tmpDir: path.join(dataDir, 'tmp') })
}

const snapshots = {
  matches: defineQuery()({
    name: 'test.inc.matches',
    sql: `SELECT store_id::VARCHAR AS store_id, sale_key, sale_date::VARCHAR AS sale_date, lead_id::VARCHAR AS lead_id, rule, confidence, status, name_agreement,
                 candidates, opportunity, first_touch_at, opportunity_ends_at FROM sale_matches ORDER BY ALL`,
  }),
  campaigns: defineQuery()({ name: 'test.inc.campaigns', sql: 'SELECT store_id::VARCHAR AS s, sale_key, lead_id::VARCHAR AS l, campaign_id::VARCHAR AS c FROM sale_match_campaigns ORDER BY ALL' }),
  pairs: defineQuery()({
    name: 'test.inc.pairs',
    sql: 'SELECT store_id::VARCHAR AS s, sale_key, lead_id::VARCHAR AS l, tier, name_agreement, sale_date::VARCHAR AS d FROM sale_match_pairs ORDER BY ALL',
  }),
  touches: defineQuery()({
    name: 'test.inc.touches',
    sql: `SELECT f.lead_id::VARCHAR AS l, f.opportunity, f.campaign_id::VARCHAR AS c, f.ends_at, f.first_at
          FROM sale_match_touches f SEMI JOIN sale_match_pairs p ON p.lead_id = f.lead_id ORDER BY ALL`,
  }),
  journeys: defineQuery()({
    name: 'test.inc.journeys',
    sql: `SELECT store_id::VARCHAR AS s, sale_key, kind, lead_id::VARCHAR AS l, converted_at, value, revenue, touch_id::VARCHAR AS t, touched_at, channel,
                 campaign_id::VARCHAR AS c, placement_id::VARCHAR AS p, touch_no, touches FROM sale_journeys ORDER BY ALL`,
  }),
  held: defineQuery<{ leadId: string }>()({
    name: 'test.inc.held',
    sql: `SELECT opportunity, campaign_id::VARCHAR AS c, ends_at, first_at FROM sale_match_touches WHERE lead_id = $leadId::UUID ORDER BY ALL`,
  }),
}
const tables = () =>
  duck.withConnection(async (c) => ({
    matches: await runQuery(c, snapshots.matches, {}),
    campaigns: await runQuery(c, snapshots.campaigns, {}),
    pairs: await runQuery(c, snapshots.pairs, {}),
    touches: await runQuery(c, snapshots.touches, {}),
    journeys: await runQuery(c, snapshots.journeys, {}),
  }))

/** Syncs; the tables it leaves are those a refresh of every sale makes. Returns the sync's report and the tables. */
async function syncAndCompare() {
  const report = await sync()
  const incremental = await tables()
  await duck.withConnection((c) => refreshSaleMatches(c, 'all'))
  expect(await tables()).toEqual(incremental)
  return { report, tables: incremental }
}

const matchOf = (t: Awaited<ReturnType<typeof tables>>, saleKey: string) => t.matches.find((m) => m.sale_key === saleKey)

beforeAll(async () => {
  vi.stubEnv('DATA_DIR', dataDir)
  const group = await createGroup()
  storeId = (await createStore(group.id, '温州大众4S店')).id
  manager = (await loadSessionUser((await createUser(group.id, 'manager', [storeId])).id))!
  const db = await getDb()
  const [c] = await db.insert(campaigns).values({ storeId, name: '中秋试驾会', form: 'in_store', status: 'running', startDate: '2026-01-01', endDate: '2026-12-31' }).returning({ id: campaigns.id })
  campaignId = c!.id
  // the live file under DATA_DIR: the review decisions read the matches from it
  const live = readAnalyticsConfig().file
  setAnalyticsDbOpener(() => openLive(live, { memoryLimit: '256MB', threads: 2 }))
  duck = await getAnalyticsDb()
})

afterAll(async () => {
  await closeAnalyticsDb()
  vi.unstubAllEnvs()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

describe('an incremental sync keeps the matches, pairs, folded touches and journeys a full refresh makes', () => {
  it('through new touches, moved and deleted touches, new opportunities, merges, reviews, windows and imports', async () => {
    const db = await getDb()
    // a lead with touches and no sale yet: nothing of it is kept
    const late = await arrive({ name: '陈晨', phone: '13900000010' }, day(-50))
    const buyer = await arrive({ name: '周敏', phone: '13900000020' }, day(-40), campaignId)
    const masked = await arrive({ name: '周先生', phone: '139****0020' }, day(-30))
    await syncAndCompare()
    expect(await duck.withConnection((c) => runQuery(c, snapshots.held, { leadId: late.leadId }))).toEqual([])

    // the first sales: the buyer's by phone, a masked one, one for nobody
    await importSales([['S-1', SOLD, '周敏', '13900000020'], ['S-2', SOLD, '周敏', '139****0020'], ['S-3', SOLD, '路人', '13700000099']], 'first.csv')
    let step = await syncAndCompare()
    expect(step.report.matchback).toBe(3)
    expect(matchOf(step.tables, 'order:S-1')).toMatchObject({ status: 'matched', lead_id: buyer.leadId, rule: 'phone' })

    // a lead arriving after its sale, and a lead whose name comes to agree with a masked sale's
    const stranger = await arrive({ name: '吴刚', phone: '13700000099' }, day(-3))
    step = await syncAndCompare()
    expect(step.report.matchback).toBe(1)
    expect(matchOf(step.tables, 'order:S-3')).toMatchObject({ status: 'matched', lead_id: stranger.leadId })
    const renamed = await arrive({ name: '王五', phone: '13900000030' }, day(-8))
    await importSales([['S-6', SOLD, '郑爽', '139****0030']], 'masked.csv')
    step = await syncAndCompare()
    expect(matchOf(step.tables, 'order:S-6')).toMatchObject({ status: 'unmatched' })
    await db.update(leads).set({ name: '郑爽' }).where(eq(leads.id, renamed.leadId))
    step = await syncAndCompare()
    expect(matchOf(step.tables, 'order:S-6')).toMatchObject({ status: 'review', lead_id: renamed.leadId, name_agreement: 'exact' })

    // new touches of a lead without sales: folded nowhere, and no sale matched again
    await touch(late.leadId, day(-45))
    step = await syncAndCompare()
    expect(step.report.matchback).toBe(0)

    // a sale now pairs with it: its touches are folded from touchpoints, the new one among them
    await importSales([['S-4', SOLD, '陈晨', '13900000010']], 'late.csv')
    step = await syncAndCompare()
    expect(step.report.matchback).toBe(1)
    expect(matchOf(step.tables, 'order:S-4')).toMatchObject({ status: 'matched', lead_id: late.leadId, first_touch_at: day(-50) })

    // a new touch before the first, with a campaign: folded into the lead's rows
    await touch(buyer.leadId, day(-60), campaignId)
    step = await syncAndCompare()
    expect(step.report.matchback).toBe(2) // S-1 by phone, S-2 by the masked number
    expect(matchOf(step.tables, 'order:S-1')).toMatchObject({ first_touch_at: day(-60) })

    // a touch moved in time, and one deleted: the lead's touches folded again
    const moving = await touch(late.leadId, day(-70))
    await sync()
    await db.update(touchpoints).set({ at: day(-20) }).where(eq(touchpoints.id, moving))
    step = await syncAndCompare()
    expect(matchOf(step.tables, 'order:S-4')).toMatchObject({ first_touch_at: day(-50) })
    await db.delete(touchpoints).where(eq(touchpoints.id, moving))
    await syncAndCompare()

    // delivered, then back: a new opportunity, and the later sale is measured from it
    await db.transaction(async (tx) => {
      const [row] = await tx.select().from(leads).where(eq(leads.id, buyer.leadId))
      await moveStatus(tx, row!, 'delivered', { userId: null, at: day(1) })
    })
    await arrive({ name: '周敏', phone: '13900000020' }, day(5))
    await importSales([['S-5', '2026-09-20', '周敏', '13900000020']], 'again.csv')
    step = await syncAndCompare()
    expect(matchOf(step.tables, 'order:S-5')).toMatchObject({ status: 'matched', lead_id: buyer.leadId, opportunity: 2, first_touch_at: day(5) })
    expect(matchOf(step.tables, 'order:S-1')).toMatchObject({ opportunity: 1 })

    // the store's window narrowed: its paired sales matched again; a first touch 45 days back is out
    await db.update(stores).set({ matchbackWindowDays: 21 }).where(eq(stores.id, storeId))
    step = await syncAndCompare()
    expect(matchOf(step.tables, 'order:S-4')).toMatchObject({ status: 'unmatched' })
    await db.update(stores).set({ matchbackWindowDays: 180 }).where(eq(stores.id, storeId))
    await syncAndCompare()

    // a rejection of the masked sale's suggestion (the buyer), then the other candidate merged into the buyer
    expect(await decideMatch(manager, { intent: 'reject', storeId, saleKey: 'order:S-2', leadId: buyer.leadId }, '127.0.0.1')).toEqual({ ok: true, decision: 'rejected' })
    step = await syncAndCompare()
    expect(matchOf(step.tables, 'order:S-2')).toMatchObject({ status: 'review', lead_id: masked.leadId, name_agreement: 'surname' })
    expect(await mergeLeads(manager, buyer.leadId, masked.leadId, '127.0.0.1')).toMatchObject({ ok: true })
    step = await syncAndCompare()
    expect(matchOf(step.tables, 'order:S-2')).toMatchObject({ status: 'unmatched', lead_id: null })

    // the sale stops pairing with the late lead (a corrected export), the lead is touched meanwhile, then pairs again
    await importSales([['S-4', SOLD, '陈晨', '13700000077']], 'corrected.csv')
    step = await syncAndCompare()
    expect(matchOf(step.tables, 'order:S-4')).toMatchObject({ status: 'unmatched' })
    await touch(late.leadId, day(-55), campaignId)
    await syncAndCompare()
    await importSales([['S-4', '2026-09-02', '陈晨', '13900000010']], 'corrected-again.csv')
    step = await syncAndCompare()
    expect(matchOf(step.tables, 'order:S-4')).toMatchObject({ status: 'matched', lead_id: late.leadId, first_touch_at: day(-55) })
    expect(step.tables.campaigns).toContainEqual({ s: storeId, sale_key: 'order:S-4', l: late.leadId, c: campaignId })

    // the sales' journeys, as the attribution models read them: the store's lookback widened to
    // take in the late lead's three touches before S-4, then one touch's channel corrected
    const journeyOf = (t: typeof step.tables, saleKey: string, kind: string) =>
      t.journeys.filter((j) => j.sale_key === saleKey && j.kind === kind).sort((a, b) => Number(a.touch_no) - Number(b.touch_no)).map((j) => [j.touch_no, j.touches, j.channel, j.c])
    expect(journeyOf(step.tables, 'order:S-4', 'order')).toEqual([[0, 0, null, null]])
    await db.update(stores).set({ attributionLookbackDays: 90 }).where(eq(stores.id, storeId))
    step = await syncAndCompare()
    expect(journeyOf(step.tables, 'order:S-4', 'order')).toEqual([
      [1, 3, 'returning_customer', campaignId],
      [2, 3, 'direct', null],
      [3, 3, 'returning_customer', null],
    ])
    // no delivery date: delivered on the invoice day, the same journey
    expect(journeyOf(step.tables, 'order:S-4', 'delivery')).toEqual(journeyOf(step.tables, 'order:S-4', 'order'))
    await db.update(touchpoints).set({ channel: 'autohome' }).where(and(eq(touchpoints.leadId, late.leadId), eq(touchpoints.kind, 'manual')))
    step = await syncAndCompare()
    expect(journeyOf(step.tables, 'order:S-4', 'order').map((j) => j[2])).toEqual(['returning_customer', 'autohome', 'returning_customer'])
  })
})
