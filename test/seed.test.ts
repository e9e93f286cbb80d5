import { sql } from 'drizzle-orm'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import iconv from 'iconv-lite'
import { describe, expect, it, vi } from 'vitest'
import { closeAnalyticsDb } from '../analytics/duckdb'
import { keepImportFile } from '../app/services/import-files.server'
import { runSalesImport } from '../app/services/sales-import.server'
import { runMarketImport } from '../app/services/market-import.server'
import { parsePhone } from '../app/utils/phone'
import { getDb } from '../db/client'
import { seedDemoIfEmpty } from '../db/seed'
import { hashPassword } from '../app/utils/password.server'
import { hashPhone } from '../app/utils/phone-hash.server'
import { deriveUtm } from '../app/utils/utm'

const list = async (query: ReturnType<typeof sql>) => {
  const db = await getDb()
  const result = (await db.execute(query)) as unknown as { rows?: Array<Record<string, unknown>> } | Array<Record<string, unknown>>
  return (Array.isArray(result) ? result : result.rows ?? []).map((r) => Object.values(r)[0])
}

const SEEDED_AT = '2026-11-23T04:00:00Z'

describe('the demo seed', () => {
  it('fills every part of the product once, and only into an empty database', async () => {
    const db = await getDb()
    const first = await seedDemoIfEmpty(db, { hashPassword, hashPhone, deriveUtm, today: new Date(SEEDED_AT) })
    expect(first).toMatchObject({ stores: 2, users: 6, campaigns: 12 })
    expect((await list(sql`select distinct status from campaigns order by 1`)).sort()).toEqual(
      ['approved', 'cancelled', 'completed', 'draft', 'evaluated', 'returned', 'running', 'submitted'].sort(),
    )
    // the demo's history is in the past and in the audit log: every campaign written, every step of its workflow, the spend
    expect((await list(sql`select count(*)::int from audit_log where at > ${SEEDED_AT}::timestamptz`))[0]).toBe(0)
    expect((await list(sql`select count(*)::int from campaign_transitions where at > ${SEEDED_AT}::timestamptz`))[0]).toBe(0)
    expect((await list(sql`select count(*)::int from campaigns where created_at > ${SEEDED_AT}::timestamptz`))[0]).toBe(0)
    expect((await list(sql`select count(distinct entity_id)::int from audit_log where action = 'campaign.create'`))[0]).toBe(12)
    expect((await list(sql`select count(*)::int from campaign_transitions t where not exists (
      select 1 from audit_log a where a.entity_id = t.campaign_id::text and a.at = t.at and a.after->>'status' = t.to_status)`))[0]).toBe(0)
    expect((await list(sql`select count(*)::int from spend_entries e where not exists (
      select 1 from audit_log a where a.action = 'campaign.spend.add' and a.after->>'entryId' = e.id::text)`))[0]).toBe(0)
    // each step after the one before it, a campaign started no earlier than its first day
    expect((await list(sql`select count(*)::int from campaign_transitions t join campaigns c on c.id = t.campaign_id
      where t.at < c.created_at or (t.to_status = 'running' and t.at < c.start_date::timestamptz - interval '8 hours')`))[0]).toBe(0)
    expect((await list(sql`select distinct status from leads`)).sort()).toEqual(
      ['contacted', 'delivered', 'lost', 'new', 'ordered', 'test_drive', 'visited'].sort(),
    )
    expect(await list(sql`select distinct kind from touchpoints`)).toEqual(
      expect.arrayContaining(['web_visit', 'web_form', 'platform_lead', 'call', 'walk_in']),
    )
    expect((await list(sql`select count(distinct channel)::int from touchpoints`))[0]).toBeGreaterThan(6)
    expect((await list(sql`select distinct visit_type from showroom_visits`)).sort()).toEqual(['first', 'return'])
    expect((await list(sql`select count(*)::int from leads where lost_reason = 'competitor' and lost_to_brand is not null`))[0]).toBeGreaterThan(0)
    // masked-only platform leads have no phone and no hash; full phones carry the keyed hash
    expect((await list(sql`select count(*)::int from leads where phone is null and phone_hash is null and phone_masked is not null`))[0]).toBeGreaterThan(0)
    expect((await list(sql`select count(*)::int from leads where phone is not null and phone_hash is null`))[0]).toBe(0)
    // every lead's first touch agrees with its touchpoints
    expect(
      (await list(sql`select count(*)::int from leads l where l.first_touch_at <> (select min(t.at) from touchpoints t where t.lead_id = l.id)`))[0],
    ).toBe(0)
    // every showroom visit is recorded by the lead's walk-in touchpoint, and nobody leaves in the future
    expect(
      (await list(sql`select count(*)::int from showroom_visits v left join touchpoints t on t.id = v.touchpoint_id
        where t.id is null or t.kind <> 'walk_in' or t.lead_id <> v.lead_id or t.at <> v.arrived_at`))[0],
    ).toBe(0)
    expect((await list(sql`select count(*)::int from showroom_visits where left_at > now() or left_at < arrived_at`))[0]).toBe(0)
    // every placement of a campaign that has run has its tracking link; visits through it carry its UTM and were counted
    expect(
      (await list(sql`select count(*)::int from media_placements p join campaigns c on c.id = p.campaign_id
        where c.status in ('approved', 'running', 'completed', 'evaluated')
        and not exists (select 1 from tracking_links l where l.placement_id = p.id)`))[0],
    ).toBe(0)
    expect(
      (await list(sql`select count(*)::int from touchpoints t join tracking_links l on l.id = t.tracking_link_id
        where t.utm_source is distinct from l.utm_source or t.utm_campaign is distinct from l.utm_campaign`))[0],
    ).toBe(0)
    expect((await list(sql`select count(*)::int from link_clicks`))[0]).toBeGreaterThan(0)
    // competitor intelligence: the segments of the demo brand, and a year of observations, none in the future
    expect((await list(sql`select name from model_segments`)).sort()).toEqual(['中型SUV', '中型轿车', '纯电SUV', '紧凑型轿车'].sort())
    expect((await list(sql`select count(*)::int from segment_models where ours and brand = '大众'`))[0]).toBeGreaterThan(5)
    expect((await list(sql`select count(*)::int from competitor_observations where seen_on > now()::date or transaction_price_fen <> list_price_fen - discount_fen`))[0]).toBe(0)
    expect((await list(sql`select count(distinct store_id)::int from competitor_observations`))[0]).toBe(2)
    expect((await list(sql`select (max(seen_on) - min(seen_on))::int from competitor_observations`))[0]).toBeGreaterThan(300)
    expect(await seedDemoIfEmpty(db, { hashPassword, hashPhone, deriveUtm })).toBeNull()

    // each store's DMS sales export: it imports without a rejected row, and its buyers are partly the seeded leads
    expect(first!.salesExports).toHaveLength(2)
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roadshow-seed-sales-'))
    vi.stubEnv('DATA_DIR', dataDir)
    try {
      for (const e of first!.salesExports) {
        const kept = await keepImportFile(iconv.encode(e.csv, 'gb18030'), 'csv')
        const result = await runSalesImport({ storeId: e.storeId, fileHash: kept.hash, ext: 'csv', fileName: e.fileName, mapping: null, createdById: null })
        expect(result).toMatchObject({ rejected: 0, skipped: { title: 1, total: 1 } })
        expect(result.imported).toBeGreaterThan(8)
        const phones = e.csv.split('\r\n').slice(2, -2).map((line) => parsePhone(line.split(',')[12]!))
        const full = phones.filter((p) => p?.kind === 'full').map((p) => hashPhone((p as { phone: string }).phone))
        const known = await list(sql`select count(*)::int from leads where store_id = ${e.storeId} and phone_hash in (select jsonb_array_elements_text(${JSON.stringify(full)}::jsonb))`)
        expect(known[0]).toBeGreaterThan(2)
        expect(known[0]).toBeLessThan(full.length)
      }
      // the region's market data: a year of registrations for both cities, every row imported,
      // every model of the demo segments in it
      expect(first!.marketExports).toHaveLength(2)
      for (const e of first!.marketExports) {
        const kept = await keepImportFile(iconv.encode(e.csv, 'gb18030'), 'csv')
        const result = await runMarketImport({ storeId: e.storeId, fileHash: kept.hash, ext: 'csv', fileName: e.fileName, measure: null, mapping: null, createdById: null })
        expect(result).toMatchObject({ rejected: 0, measure: 'registrations', skipped: { title: 1, total: 1 } })
        expect(result.months).toEqual(['2025-11', '2025-12', ...Array.from({ length: 10 }, (_, i) => `2026-${String(i + 1).padStart(2, '0')}`)])
        const segmentModels = await list(sql`select model from segment_models`)
        for (const model of segmentModels) expect(e.csv, String(model)).toContain(`,${model},`)
      }
    } finally {
      await closeAnalyticsDb()
      vi.unstubAllEnvs()
      fs.rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
