import path from 'node:path'
import { and, eq } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { getDb, getDbHandle } from '../db/client'
import { auditLog, jobs, leadEvents, leads, saleMatchReviews, stores, touchpoints } from '../db/schema'
import { AnalyticsDb, getAnalyticsDb } from '../analytics/duckdb'
import { defineQuery, runQuery } from '../analytics/query'
import { SALE_ROW_COLUMNS } from '../analytics/ingest/sales-parquet'
import { refreshSaleMatches } from '../analytics/matchback/refresh'
import { rebuildAnalytics } from '../analytics/sync/rebuild'
import { pgSource } from '../analytics/sync/source'
import { ERASE_KEPT_FILES_JOB, eraseKeptFiles, type EraseKeptFiles } from '../app/services/kept-file-erasure.server'
import { eraseLead, getLead } from '../app/services/leads.server'
import { campaignMatchedSales, decideMatch, listMatchReviews, matchedSalesOfLead, saleMatchStatuses } from '../app/services/matchback.server'
import { listSales } from '../app/services/sales.server'
import { SalesListFiltersSchema } from '../app/schemas/sales'
import { loadSessionUser, type SessionUser } from '../app/utils/auth.server'
import * as storePage from '../app/routes/admin.stores.$storeId'
import * as reviewPage from '../app/routes/sales.matches'
import { createGroup, createStore, createUser, get, post, signIn } from './factories'
import { settle } from './http'
import { arrive, importSaleLines, setLeadStatus, syncNow, useAnalyticsDataDir, type SaleLine } from './analytics-fixtures'

/**
 * SPEC §4 matchback (ADR 017), end to end on the app's database (PGlite, or the Postgres
 * server with TEST_DATABASE_URL) and a real DuckDB file: leads arrive through the app's
 * intake, sales through the sales import, the sync computes the matches, people decide.
 */

const dataDir = useAnalyticsDataDir('matchback')
let groupId: string
let storeA: string
let storeB: string
let specialist: SessionUser
let manager: SessionUser
let salesUser: SessionUser
let outsider: SessionUser
let campaignX: string
let campaignY: string

/** A moment `days` before the local day `day` (YYYY-MM-DD) at 10:00 in Shanghai (02:00 UTC). */
function daysBefore(day: string, days: number, hourUtc = 2) {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number]
  return new Date(Date.UTC(y, m - 1, d - days, hourUtc))
}

const sync = () => syncNow(dataDir)

type MatchRow = {
  sale_key: string
  status: string
  lead_id: string | null
  rule: string | null
  confidence: number | null
  name_agreement: string | null
  candidates: number
  opportunity: number | null
}
const matchQuery = defineQuery<{ storeId: string; saleKey: string }>()({
  name: 'test.sale_match',
  sql: `SELECT sale_key, status, lead_id::VARCHAR AS lead_id, rule, confidence, name_agreement, candidates, opportunity
        FROM sale_matches WHERE store_id = $storeId::UUID AND sale_key = $saleKey`,
})
async function matchOf(storeId: string, saleKey: string, db?: AnalyticsDb): Promise<MatchRow> {
  const duck = db ?? (await getAnalyticsDb())
  const [row] = await duck.withConnection((c) => runQuery(c, matchQuery, { storeId, saleKey }))
  expect(row, `a sale_matches row for ${saleKey}`).toBeDefined()
  return row as MatchRow
}

beforeAll(async () => {
  const group = await createGroup()
  groupId = group.id
  storeA = (await createStore(groupId, '杭州西湖大众4S店')).id
  storeB = (await createStore(groupId, '宁波大众4S店')).id
  specialist = (await loadSessionUser((await createUser(groupId, 'specialist', [storeA, storeB])).id))!
  manager = (await loadSessionUser((await createUser(groupId, 'manager', [storeA, storeB])).id))!
  salesUser = (await loadSessionUser((await createUser(groupId, 'sales', [storeA])).id))!
  outsider = (await loadSessionUser((await createUser(groupId, 'specialist', [storeB])).id))!
  const db = await getDb()
  const { campaigns } = await import('../db/schema')
  const [x] = await db.insert(campaigns).values({ storeId: storeA, name: '国庆车展', form: 'auto_show', status: 'running', startDate: '2026-01-01', endDate: '2026-12-31' }).returning({ id: campaigns.id })
  const [y] = await db.insert(campaigns).values({ storeId: storeA, name: '老客户回馈', form: 'in_store', status: 'running', startDate: '2026-01-01', endDate: '2026-12-31' }).returning({ id: campaigns.id })
  campaignX = x!.id
  campaignY = y!.id
})

describe('matchback', () => {
  it('matches a sale to the lead with the same phone, and a masked phone with an agreeing name goes to review', async () => {
    const sold = '2026-10-01'
    const exact = await arrive(storeA, { name: '王芳', phone: '13800000001' }, daysBefore(sold, 30), { campaignId: campaignX })
    // a platform lead known only by its masked number
    const masked = await arrive(storeA, { name: '张三', phone: '139****0002' }, daysBefore(sold, 20))
    const surname = await arrive(storeA, { name: '李先生', phone: '137****0003' }, daysBefore(sold, 20))
    // the same mask but another full number: two people, however alike
    await arrive(storeA, { name: '赵六', phone: '13600000004' }, daysBefore(sold, 20))
    await importSaleLines(storeA, [
      { vin: 'LFV2A21K0G3000001', order: 'A-1', date: sold, name: '王芳', phone: '13800000001' },
      { order: 'A-2', date: sold, name: '张三', phone: '13900000002' },
      { order: 'A-3', date: sold, name: '李四', phone: '13700000003' },
      { order: 'A-4', date: sold, name: '赵六', phone: '13611110004' },
      { order: 'A-5', date: sold, name: '陌生人', phone: '13500000005' },
    ])
    await sync()
    expect(await matchOf(storeA, 'vin:LFV2A21K0G3000001')).toMatchObject({ status: 'matched', lead_id: exact.leadId, rule: 'phone', confidence: 1, opportunity: 1 })
    expect(await matchOf(storeA, 'order:A-2')).toMatchObject({ status: 'review', lead_id: masked.leadId, rule: 'masked_phone_name', confidence: 0.8, name_agreement: 'exact' })
    expect(await matchOf(storeA, 'order:A-3')).toMatchObject({ status: 'review', lead_id: surname.leadId, rule: 'masked_phone_name', confidence: 0.5, name_agreement: 'surname' })
    expect(await matchOf(storeA, 'order:A-4')).toMatchObject({ status: 'unmatched', lead_id: null })
    expect(await matchOf(storeA, 'order:A-5')).toMatchObject({ status: 'unmatched', lead_id: null, rule: null })

    // where users see it: the lead page, the campaign's capture summary, the sales list's status
    const sales = await matchedSalesOfLead({ id: exact.leadId, storeId: storeA })
    expect(sales).toEqual([expect.objectContaining({ sale_key: 'vin:LFV2A21K0G3000001', status: 'matched', rule: 'phone', transaction_price_fen: 15_000_000, gross_profit_fen: 300_000 })])
    expect(await campaignMatchedSales({ id: campaignX, storeId: storeA })).toEqual({ orders: 1, deliveries: 1, revenueFen: 15_000_000, grossProfitFen: 300_000 })
    const statuses = await saleMatchStatuses(specialist, storeA, ['vin:LFV2A21K0G3000001', 'order:A-2', 'order:A-5'])
    expect([...statuses.values()].map((s) => [s.sale_key, s.status]).sort()).toEqual([
      ['order:A-2', 'review'],
      ['order:A-5', 'unmatched'],
      ['vin:LFV2A21K0G3000001', 'matched'],
    ])
    // the sales list: each sale with its status, filterable; the count waiting for review
    const all = await listSales(specialist, SalesListFiltersSchema.parse({ store: storeA }))
    expect(all.toReview).toBe(2)
    const byKey = new Map(all.rows.map((r) => [r.sale_key, r]))
    expect(byKey.get('vin:LFV2A21K0G3000001')).toMatchObject({ match_status: 'matched', match_lead_id: exact.leadId, match_rule: 'phone', match_confidence: 1 })
    expect(byKey.get('order:A-2')).toMatchObject({ match_status: 'review', match_lead_id: masked.leadId })
    expect(byKey.get('order:A-5')).toMatchObject({ match_status: 'unmatched', match_lead_id: null })
    const toReview = await listSales(specialist, SalesListFiltersSchema.parse({ store: storeA, match: 'review' }))
    expect(toReview.rows.map((r) => r.sale_key).sort()).toEqual(['order:A-2', 'order:A-3'])
    const unmatched = await listSales(specialist, SalesListFiltersSchema.parse({ store: storeA, match: 'unmatched' }))
    expect(unmatched.rows.map((r) => r.sale_key).sort()).toEqual(['order:A-4', 'order:A-5'])
  })

  it('shows the review list with names masked for roles without phone access', async () => {
    const forSpecialist = await listMatchReviews(specialist, { page: 1, store: storeA, notice: undefined })
    expect(forSpecialist.ready).toBe(true)
    const item = forSpecialist.items.find((i) => i.saleKey === 'order:A-2')!
    expect(item).toMatchObject({ salePhone: '139****0002', leadPhone: '139****0002', saleName: '张*', leadName: '张*', nameAgreement: 'exact', canDecide: true })
    expect(forSpecialist.items.map((i) => i.saleKey).sort()).toEqual(['order:A-2', 'order:A-3'])
    const forManager = await listMatchReviews(manager, { page: 1, store: storeA, notice: undefined })
    expect(forManager.items.find((i) => i.saleKey === 'order:A-3')).toMatchObject({ saleName: '李四', leadName: '李先生', nameAgreement: 'surname' })
    // another store's user sees none of it
    expect((await listMatchReviews(outsider, { page: 1, store: undefined, notice: undefined })).items).toEqual([])
  })

  it('only specialists, managers and admins of the store decide; the decision is audited', async () => {
    const [masked] = await (await getDb()).select({ id: leads.id }).from(leads).where(and(eq(leads.storeId, storeA), eq(leads.phoneMasked, '139****0002')))
    const input = { intent: 'accept' as const, storeId: storeA, saleKey: 'order:A-2', leadId: masked!.id }
    await expect(decideMatch(salesUser, input, '127.0.0.1')).rejects.toMatchObject({ status: 403 })
    await expect(decideMatch(outsider, input, '127.0.0.1')).rejects.toMatchObject({ status: 404 })
    expect(await decideMatch(specialist, { ...input, saleKey: 'order:A-5' }, '127.0.0.1')).toEqual({ ok: false, reason: 'gone' })
    expect(await decideMatch(specialist, input, '127.0.0.1')).toEqual({ ok: true, decision: 'accepted' })
    const [entry] = await (await getDb()).select().from(auditLog).where(and(eq(auditLog.action, 'sale_match.accept'), eq(auditLog.entityId, masked!.id)))
    expect(entry).toMatchObject({ userId: specialist.id, storeId: storeA, entityType: 'lead', after: { saleKey: 'order:A-2', decision: 'accepted', rule: 'masked_phone_name' } })
    // until the next sync the list shows the decision taken
    const list = await listMatchReviews(specialist, { page: 1, store: storeA, notice: undefined })
    expect(list.items.find((i) => i.saleKey === 'order:A-2')?.decided).toBe('accepted')
  })

  it('an accepted match is matched by rule reviewed, through re-imports of the same and a corrected file and a full rebuild', async () => {
    await sync()
    const [masked] = await (await getDb()).select({ id: leads.id }).from(leads).where(and(eq(leads.storeId, storeA), eq(leads.phoneMasked, '139****0002')))
    expect(await matchOf(storeA, 'order:A-2')).toMatchObject({ status: 'matched', lead_id: masked!.id, rule: 'reviewed', confidence: 1 })
    // reject the surname-only one
    const [surname] = await (await getDb()).select({ id: leads.id }).from(leads).where(and(eq(leads.storeId, storeA), eq(leads.phoneMasked, '137****0003')))
    expect(await decideMatch(manager, { intent: 'reject', storeId: storeA, saleKey: 'order:A-3', leadId: surname!.id }, '127.0.0.1')).toEqual({ ok: true, decision: 'rejected' })
    await sync()
    expect(await matchOf(storeA, 'order:A-3')).toMatchObject({ status: 'unmatched', lead_id: null })

    // the corrected re-export (other prices, and the masked buyer's phone now masked in the export too)
    const sold = '2026-10-01'
    const corrected = await importSaleLines(
      storeA,
      [
        { vin: 'LFV2A21K0G3000001', order: 'A-1', date: sold, name: '王芳', phone: '13800000001', price: 149000 },
        { order: 'A-2', date: sold, name: '张三', phone: '139****0002', price: 149000 },
        { order: 'A-3', date: sold, name: '李四', phone: '13700000003', price: 149000 },
        { order: 'A-4', date: sold, name: '赵六', phone: '13611110004' },
        { order: 'A-5', date: sold, name: '陌生人', phone: '13500000005' },
      ],
      'sales-corrected.csv',
    )
    expect(corrected.superseded).toBe(5)
    await sync()
    expect(await matchOf(storeA, 'order:A-2')).toMatchObject({ status: 'matched', lead_id: masked!.id, rule: 'reviewed' })
    expect(await matchOf(storeA, 'order:A-3')).toMatchObject({ status: 'unmatched' })
    // a rejected pair stays rejected when the lead comes back into the window
    await arrive(storeA, { name: '李先生', phone: '137****0003' }, daysBefore(sold, 5))
    await sync()
    expect(await matchOf(storeA, 'order:A-3')).toMatchObject({ status: 'unmatched' })

    // the first file imported again changes nothing
    const again = await importSaleLines(storeA, [
      { vin: 'LFV2A21K0G3000001', order: 'A-1', date: sold, name: '王芳', phone: '13800000001', price: 149000 },
      { order: 'A-2', date: sold, name: '张三', phone: '139****0002', price: 149000 },
      { order: 'A-3', date: sold, name: '李四', phone: '13700000003', price: 149000 },
      { order: 'A-4', date: sold, name: '赵六', phone: '13611110004' },
      { order: 'A-5', date: sold, name: '陌生人', phone: '13500000005' },
    ], 'sales-corrected.csv')
    expect(again.reused).toBe(true)
    await sync()
    expect(await matchOf(storeA, 'order:A-2')).toMatchObject({ status: 'matched', rule: 'reviewed' })

    // a full rebuild from Postgres and the Parquet files comes to the same matches
    const rebuilt = await rebuildAnalytics(pgSource(await getDbHandle()), { file: path.join(dataDir, 'rebuild', 'analytics.duckdb'), chunkRows: 1000, memoryLimit: '256MB' })
    const fresh = await AnalyticsDb.open({ path: rebuilt.target, memoryLimit: '256MB' })
    try {
      expect(await matchOf(storeA, 'order:A-2', fresh)).toMatchObject({ status: 'matched', lead_id: masked!.id, rule: 'reviewed' })
      expect(await matchOf(storeA, 'order:A-3', fresh)).toMatchObject({ status: 'unmatched' })
      expect(await matchOf(storeA, 'vin:LFV2A21K0G3000001', fresh)).toMatchObject({ status: 'matched', rule: 'phone' })
      const all = defineQuery()({ name: 'test.all_matches', sql: 'SELECT store_id, sale_key, status, lead_id, rule, confidence FROM sale_matches ORDER BY store_id, sale_key' })
      const incremental = await (await getAnalyticsDb()).withConnection((c) => runQuery(c, all, {}))
      expect(await fresh.withConnection((c) => runQuery(c, all, {}))).toEqual(incremental)
    } finally {
      await fresh.close()
    }
  })

  it('counts a sale for a lead whose first touch lies within the window: 179 and 180 days match, 181 do not', async () => {
    const sold = '2026-09-15'
    const at179 = await arrive(storeA, { name: '周一', phone: '13300000179' }, daysBefore(sold, 179))
    const at180 = await arrive(storeA, { name: '周二', phone: '13300000180' }, daysBefore(sold, 180))
    await arrive(storeA, { name: '周三', phone: '13300000181' }, daysBefore(sold, 181))
    // a first touch after the sale never counts for it
    await arrive(storeA, { name: '周四', phone: '13300000999' }, daysBefore(sold, -1))
    await importSaleLines(storeA, [
      { order: 'W-179', date: sold, phone: '13300000179' },
      { order: 'W-180', date: sold, phone: '13300000180' },
      { order: 'W-181', date: sold, phone: '13300000181' },
      { order: 'W-AFTER', date: sold, phone: '13300000999' },
    ], 'window.csv')
    await sync()
    expect(await matchOf(storeA, 'order:W-179')).toMatchObject({ status: 'matched', lead_id: at179.leadId })
    expect(await matchOf(storeA, 'order:W-180')).toMatchObject({ status: 'matched', lead_id: at180.leadId })
    expect(await matchOf(storeA, 'order:W-181')).toMatchObject({ status: 'unmatched' })
    expect(await matchOf(storeA, 'order:W-AFTER')).toMatchObject({ status: 'unmatched' })
  })

  it('respects the store’s own window', async () => {
    const db = await getDb()
    await db.update(stores).set({ matchbackWindowDays: 30 }).where(eq(stores.id, storeB))
    const sold = '2026-09-15'
    const lead = await arrive(storeB, { name: '吴一', phone: '13200000060' }, daysBefore(sold, 60))
    // the same phone in store A is another store's lead: never matched across stores
    await arrive(storeA, { name: '吴一', phone: '13200000060' }, daysBefore(sold, 10))
    await importSaleLines(storeB, [{ order: 'B-1', date: sold, phone: '13200000060' }], 'store-b.csv')
    await sync()
    expect(await matchOf(storeB, 'order:B-1')).toMatchObject({ status: 'unmatched' })
    await db.update(stores).set({ matchbackWindowDays: 90 }).where(eq(stores.id, storeB))
    await sync()
    expect(await matchOf(storeB, 'order:B-1')).toMatchObject({ status: 'matched', lead_id: lead.leadId })
  })

  it('a customer who comes back after a delivery starts a new opportunity: the second sale is not the first one’s touches', async () => {
    const first = await arrive(storeA, { name: '孙丽', phone: '13100000001' }, new Date('2026-03-01T02:00:00Z'), { campaignId: campaignX })
    await setLeadStatus(first.leadId, 'delivered', new Date('2026-03-21T08:00:00Z'))
    // months later, from another campaign: the history stays, the funnel restarts
    const back = await arrive(storeA, { name: '孙丽', phone: '13100000001' }, new Date('2026-05-01T02:00:00Z'), { campaignId: campaignY })
    expect(back).toMatchObject({ leadId: first.leadId, created: false, reopened: 2 })
    const db = await getDb()
    const [row] = await db.select().from(leads).where(eq(leads.id, first.leadId))
    expect(row).toMatchObject({ status: 'new', opportunity: 2 })
    const events = await db.select().from(leadEvents).where(and(eq(leadEvents.leadId, first.leadId), eq(leadEvents.type, 'opportunity')))
    expect(events).toEqual([expect.objectContaining({ fromStatus: 'delivered', toStatus: 'new', at: new Date('2026-05-01T02:00:00Z') })])
    expect((await getLead(manager, first.leadId)).opportunity).toBe(2)
    // an arrival dated before the close belongs to the closed opportunity: no reopening
    const other = await arrive(storeA, { name: '钱七', phone: '13100000002' }, new Date('2026-03-01T02:00:00Z'))
    await setLeadStatus(other.leadId, 'lost', new Date('2026-03-10T02:00:00Z'))
    expect((await arrive(storeA, { phone: '13100000002' }, new Date('2026-03-05T02:00:00Z'))).reopened).toBeNull()

    await importSaleLines(storeA, [
      { order: 'R-1', date: '2026-03-20', phone: '13100000001', price: 120000, profit: 2000 },
      { order: 'R-2', date: '2026-06-10', phone: '13100000001', price: 200000, profit: 9000 },
    ], 'repeat.csv')
    await sync()
    expect(await matchOf(storeA, 'order:R-1')).toMatchObject({ status: 'matched', lead_id: first.leadId, opportunity: 1 })
    expect(await matchOf(storeA, 'order:R-2')).toMatchObject({ status: 'matched', lead_id: first.leadId, opportunity: 2 })
    // campaign X brought the first purchase only, campaign Y the second only (plus what earlier tests matched to X)
    const x = await campaignMatchedSales({ id: campaignX, storeId: storeA })
    const y = await campaignMatchedSales({ id: campaignY, storeId: storeA })
    expect(y).toEqual({ orders: 1, deliveries: 1, revenueFen: 20_000_000, grossProfitFen: 900_000 })
    expect(x).toEqual({ orders: 2, deliveries: 2, revenueFen: 14_900_000 + 12_000_000, grossProfitFen: 300_000 + 200_000 })
    const ofLead = await matchedSalesOfLead({ id: first.leadId, storeId: storeA })
    expect(ofLead?.map((s) => [s.sale_key, s.opportunity])).toEqual([
      ['order:R-2', 2],
      ['order:R-1', 1],
    ])
  })

  it('reads phones as Excel mangles them in a sales export', async () => {
    const sold = '2026-10-01'
    const ids: string[] = []
    for (const phone of ['13800000009', '13800000010', '13800000011', '13800000012', '13800000013']) {
      ids.push((await arrive(storeA, { name: '郑', phone }, daysBefore(sold, 10))).leadId)
    }
    await importSaleLines(storeA, [
      { order: 'X-1', date: sold, phone: '１３８０００００００９' },
      { order: 'X-2', date: sold, phone: "'13800000010" },
      { order: 'X-3', date: sold, phone: '13800000011.0' },
      { order: 'X-4', date: sold, phone: '1.3800000012E+10' },
      { order: 'X-5', date: sold, phone: '+86 138-0000-0013' },
    ], 'excel.csv')
    await sync()
    for (const [i, key] of ['order:X-1', 'order:X-2', 'order:X-3', 'order:X-4', 'order:X-5'].entries()) {
      expect(await matchOf(storeA, key), key).toMatchObject({ status: 'matched', rule: 'phone', lead_id: ids[i] })
    }
  })

  it('erasing a lead removes its matches and the decisions about it', async () => {
    const [masked] = await (await getDb()).select({ id: leads.id }).from(leads).where(and(eq(leads.storeId, storeA), eq(leads.phoneMasked, '139****0002')))
    await eraseLead(manager, masked!.id, '127.0.0.1')
    expect(await (await getDb()).select().from(saleMatchReviews).where(eq(saleMatchReviews.leadId, masked!.id))).toEqual([])
    await sync()
    expect(await matchOf(storeA, 'order:A-2')).toMatchObject({ status: 'unmatched', lead_id: null })
    const leftovers = defineQuery<{ leadId: string }>()({
      name: 'test.erased',
      sql: `SELECT (SELECT count(*) FROM sale_matches WHERE lead_id = $leadId::UUID) + (SELECT count(*) FROM sale_match_campaigns WHERE lead_id = $leadId::UUID)
              + (SELECT count(*) FROM sale_match_reviews WHERE lead_id = $leadId::UUID) + (SELECT count(*) FROM leads WHERE id = $leadId::UUID) AS n`,
    })
    const [row] = await (await getAnalyticsDb()).withConnection((c) => runQuery(c, leftovers, { leadId: masked!.id }))
    expect(Number(row!.n)).toBe(0)

    // the kept sales files: the sale matched to the person (by masked phone and name, confirmed
    // by a person — its full number is not the lead's) is emptied of their identifiers too
    const [job] = await (await getDb()).select().from(jobs).where(and(eq(jobs.kind, ERASE_KEPT_FILES_JOB), eq(jobs.storeId, storeA)))
    expect((job!.input as EraseKeptFiles).saleKeys).toEqual(['order:A-2'])
    const result = await eraseKeptFiles(job!.input as EraseKeptFiles)
    expect(result.salesRowsCleared).toBeGreaterThan(0)
    const identifiers = defineQuery<{ storeId: string }>()({
      name: 'test.erased.sale',
      sql: `SELECT count(*) FILTER (WHERE phone_hash IS NOT NULL OR phone_masked IS NOT NULL OR name_key IS NOT NULL) AS named, count(*) AS n
            FROM sale_rows WHERE store_id = $storeId::UUID AND sale_key = 'order:A-2'`,
    })
    const [sale] = await (await getAnalyticsDb()).withConnection((c) => runQuery(c, identifiers, { storeId: storeA }))
    expect({ named: Number(sale!.named), rows: Number(sale!.n) > 0 }).toEqual({ named: 0, rows: true })
    // the `sales` table the sync keeps follows the rewritten file at the next sync, for the rows that changed only
    const current = defineQuery<{ storeId: string }>()({
      name: 'test.erased.current',
      sql: `SELECT count(*) FILTER (WHERE phone_hash IS NOT NULL OR phone_masked IS NOT NULL OR name_key IS NOT NULL) AS named, count(*) AS n
            FROM sales WHERE store_id = $storeId::UUID AND sale_key = 'order:A-2'`,
    })
    const synced = await sync()
    expect(synced.parquet).toBe('updated')
    expect(synced.matchback).toBe(1)
    const [now] = await (await getAnalyticsDb()).withConnection((c) => runQuery(c, current, { storeId: storeA }))
    expect({ named: Number(now!.named), rows: Number(now!.n) }).toEqual({ named: 0, rows: 1 })
    expect(await matchOf(storeA, 'order:A-2')).toMatchObject({ status: 'unmatched', lead_id: null })
  })

  it('the review page lists, accepts with a CSRF-checked form, and the store page sets the window', async () => {
    const sold = '2026-10-01'
    const lead = await arrive(storeB, { name: '冯晓', phone: '158****0077' }, daysBefore(sold, 15))
    await importSaleLines(storeB, [{ order: 'P-1', date: sold, name: '冯晓', phone: '15800000077' }], 'page.csv')
    await sync()
    const browser = await signIn(specialist.id)
    const page = await settle(() => reviewPage.loader({ request: get(`/sales/matches?store=${storeB}`, browser), params: {}, context: {} }))
    expect(page.status).toBe(200)
    expect(page.data.list.items).toEqual([expect.objectContaining({ saleKey: 'order:P-1', leadId: lead.leadId, salePhone: '158****0077', canDecide: true })])
    const fields = { intent: 'accept', storeId: storeB, saleKey: 'order:P-1', leadId: lead.leadId }
    const forged = await settle(() => reviewPage.action({ request: post(`/sales/matches?store=${storeB}`, fields, browser, { csrf: false }), params: {}, context: {} }))
    expect(forged.status).toBe(403)
    const done = await settle(() => reviewPage.action({ request: post(`/sales/matches?store=${storeB}`, fields, browser), params: {}, context: {} }))
    expect(done.status, String(done.data)).toBe(302)
    expect(done.headers.get('location')).toBe(`/sales/matches?store=${storeB}&notice=accepted`)
    await sync()
    expect(await matchOf(storeB, 'order:P-1')).toMatchObject({ status: 'matched', rule: 'reviewed', lead_id: lead.leadId })

    const admin = await signIn((await createUser(groupId, 'admin', [storeA, storeB])).id)
    const storeFields = (days: string) => ({ name: '宁波大众4S店', brand: '大众', city: '宁波', timeZone: 'Asia/Shanghai', currency: 'CNY', matchbackWindowDays: days })
    const bad = await settle(() => storePage.action({ request: post(`/admin/stores/${storeB}`, storeFields('5'), admin), params: { storeId: storeB }, context: {} }))
    expect(bad.status).toBe(400)
    expect(bad.data.errors.matchbackWindowDays).toBe('validation.range?min=7&max=730')
    const saved = await settle(() => storePage.action({ request: post(`/admin/stores/${storeB}`, storeFields('45'), admin), params: { storeId: storeB }, context: {} }))
    expect(saved.status).toBe(302)
    const shown = await settle(() => storePage.loader({ request: get(`/admin/stores/${storeB}`, admin), params: { storeId: storeB }, context: {} }))
    expect(shown.data.values.matchbackWindowDays).toBe('45')
  })
  it('an incremental sync re-matches only the sales its changes concern, and comes to what a full refresh makes', async () => {
    const duck = await getAnalyticsDb()
    const snapshot = defineQuery()({
      name: 'test.matches.snapshot',
      sql: `SELECT store_id::VARCHAR AS store_id, sale_key, lead_id::VARCHAR AS lead_id, rule, confidence, status, name_agreement, candidates, opportunity,
                   first_touch_at, opportunity_ends_at FROM sale_matches ORDER BY ALL`,
    })
    const credits = defineQuery()({
      name: 'test.matches.campaigns',
      sql: 'SELECT store_id::VARCHAR AS store_id, sale_key, lead_id::VARCHAR AS lead_id, campaign_id::VARCHAR AS campaign_id FROM sale_match_campaigns ORDER BY ALL',
    })
    const tables = () => duck.withConnection(async (c) => ({ matches: await runQuery(c, snapshot, {}), campaigns: await runQuery(c, credits, {}) }))
    /** the copy's tables as they are, and as a refresh of every sale makes them from the same inputs */
    const agreesWithFull = async () => {
      const incremental = await tables()
      await duck.withConnection((c) => refreshSaleMatches(c, 'all'))
      expect(await tables()).toEqual(incremental)
      return incremental
    }
    await sync()
    const db = await getDb()
    const sold = '2026-08-20'
    const lead = await arrive(storeA, { name: '韩梅', phone: '13900001234' }, daysBefore(sold, 40), { campaignId: campaignX })
    const platform = await arrive(storeA, { name: '韩先生', phone: '139****1234' }, daysBefore(sold, 30))
    await importSaleLines(storeA, [
      { order: 'I-1', date: sold, name: '韩梅', phone: '13900001234' },
      { order: 'I-2', date: sold, name: '韩梅', phone: '139****1234' },
    ], 'incremental.csv')
    // the import's two sales (the new leads pair with them only)
    expect((await sync()).matchback).toBe(2)
    expect(await matchOf(storeA, 'order:I-1')).toMatchObject({ status: 'matched', lead_id: lead.leadId, rule: 'phone' })
    expect(await matchOf(storeA, 'order:I-2')).toMatchObject({ status: 'review', lead_id: lead.leadId, name_agreement: 'exact', candidates: 1 })

    // anonymous web traffic and a status step re-match nothing
    await db.insert(touchpoints).values(Array.from({ length: 20 }, (_, i) => ({ storeId: storeA, kind: 'web_visit' as const, channel: 'search' as const, visitorKey: `anon-${i}`, at: new Date() })))
    await setLeadStatus(platform.leadId, 'lost', daysBefore(sold, 25))
    expect((await sync()).matchback).toBe(0)

    // a lead's new touch, before the first one: its sales (and theirs that share its keys) only
    await db.insert(touchpoints).values({ storeId: storeA, leadId: lead.leadId, kind: 'call', channel: 'returning_customer', at: daysBefore(sold, 60), campaignId: campaignY })
    const touched = await sync()
    expect(touched.matchback).toEqual(expect.any(Number))
    expect(touched.matchback).toBeGreaterThan(0)
    expect(touched.matchback).toBeLessThan(5)
    expect(await matchOf(storeA, 'order:I-1')).toMatchObject({ status: 'matched', lead_id: lead.leadId })
    await agreesWithFull()

    // a lead's name changed (its name key with it): the masked sale goes to the other lead, by surname
    await db.update(leads).set({ name: '韩雪' }).where(eq(leads.id, lead.leadId))
    const renamed = await sync()
    expect(renamed.matchback).toBeGreaterThan(0)
    expect(await matchOf(storeA, 'order:I-2')).toMatchObject({ status: 'review', lead_id: platform.leadId, name_agreement: 'surname' })
    await agreesWithFull()

    // a rejection, then the lead erased: what is left, in the same commit as the change
    expect(await decideMatch(manager, { intent: 'reject', storeId: storeA, saleKey: 'order:I-2', leadId: platform.leadId }, '127.0.0.1')).toEqual({ ok: true, decision: 'rejected' })
    await sync()
    expect(await matchOf(storeA, 'order:I-2')).toMatchObject({ status: 'unmatched' })
    await eraseLead(manager, lead.leadId, '127.0.0.1')
    await sync()
    // the phone sale falls back to the masked lead whose surname agrees
    expect(await matchOf(storeA, 'order:I-1')).toMatchObject({ status: 'review', lead_id: platform.leadId, name_agreement: 'surname' })
    const final = await agreesWithFull()
    expect(final.campaigns.some((r) => r.lead_id === lead.leadId)).toBe(false)
  })

  it('a sales import re-matches the sales it added or superseded, not those of earlier files, and comes to what a full refresh makes', async () => {
    const duck = await getAnalyticsDb()
    const storeC = (await createStore(groupId, '绍兴大众4S店')).id
    const sold = '2026-07-10'
    const buyer = await arrive(storeC, { name: '林一', phone: '13500000101' }, daysBefore(sold, 20))
    const other = await arrive(storeC, { name: '林二', phone: '13500000102' }, daysBefore(sold, 20))
    expect((await sync()).matchback).toBe(0)

    const firstFile: SaleLine[] = [
      { order: 'F1-0', date: sold, name: '林一', phone: '13500000101' },
      { order: 'F1-1', date: sold, name: '林二', phone: '13500000102' },
      ...Array.from({ length: 4 }, (_, i) => ({ order: `F1-${i + 2}`, date: sold, name: '路人', phone: `1360000020${i}` })),
    ]
    await importSaleLines(storeC, firstFile, 'first.csv')
    const first = await sync()
    expect(first).toMatchObject({ parquet: 'updated', matchback: 6 })
    expect(await matchOf(storeC, 'order:F1-0')).toMatchObject({ status: 'matched', lead_id: buyer.leadId })
    expect(await matchOf(storeC, 'order:F1-1')).toMatchObject({ status: 'matched', lead_id: other.leadId })

    // the second file: three new sales, and F1-1 again with another buyer's number
    const second = await importSaleLines(storeC, [
      { order: 'F2-0', date: sold, name: '林一', phone: '13500000101' },
      { order: 'F2-1', date: sold, name: '路人', phone: '13600000300' },
      { order: 'F2-2', date: sold, name: '路人', phone: '13600000301' },
      { order: 'F1-1', date: sold, name: '路人', phone: '13600000302' },
    ], 'second.csv')
    expect(second.superseded).toBe(1)
    const next = await sync()
    expect(next).toMatchObject({ parquet: 'updated', matchback: 4 })
    expect(await matchOf(storeC, 'order:F2-0')).toMatchObject({ status: 'matched', lead_id: buyer.leadId })
    expect(await matchOf(storeC, 'order:F1-1')).toMatchObject({ status: 'unmatched', lead_id: null })
    expect(await matchOf(storeC, 'order:F1-0')).toMatchObject({ status: 'matched', lead_id: buyer.leadId })

    // the same file again changes nothing, so nothing is matched again
    expect((await importSaleLines(storeC, firstFile, 'first.csv')).reused).toBe(true)
    expect(await sync()).toMatchObject({ parquet: 'unchanged', matchback: 0 })

    // the kept `sales` table is the latest import's row of each sale, as the files say
    const columns = SALE_ROW_COLUMNS.map(([name]) => `"${name}"`).join(', ')
    const differences = defineQuery()({
      name: 'test.sales.kept',
      sql: `WITH fresh AS (SELECT ${columns} FROM sale_rows QUALIFY row_number() OVER (PARTITION BY store_id, sale_key ORDER BY imported_at DESC, import_id DESC) = 1)
            SELECT count(*)::INTEGER AS n FROM ((SELECT * FROM sales EXCEPT SELECT * FROM fresh) UNION ALL (SELECT * FROM fresh EXCEPT SELECT * FROM sales))`,
    })
    const [kept] = await duck.withConnection((c) => runQuery(c, differences, {}))
    expect(kept).toEqual({ n: 0 })
    const snapshot = defineQuery()({
      name: 'test.imports.snapshot',
      sql: `SELECT store_id::VARCHAR AS store_id, sale_key, lead_id::VARCHAR AS lead_id, rule, confidence, status, name_agreement, candidates, opportunity,
                   first_touch_at, opportunity_ends_at FROM sale_matches ORDER BY ALL`,
    })
    const credits = defineQuery()({
      name: 'test.imports.campaigns',
      sql: 'SELECT store_id::VARCHAR AS store_id, sale_key, lead_id::VARCHAR AS lead_id, campaign_id::VARCHAR AS campaign_id FROM sale_match_campaigns ORDER BY ALL',
    })
    const tables = () => duck.withConnection(async (c) => ({ matches: await runQuery(c, snapshot, {}), campaigns: await runQuery(c, credits, {}) }))
    const incremental = await tables()
    await duck.withConnection((c) => refreshSaleMatches(c, 'all'))
    expect(await tables()).toEqual(incremental)
  })
})
