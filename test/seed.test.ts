import { sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
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

describe('the demo seed', () => {
  it('fills every part of the product once, and only into an empty database', async () => {
    const db = await getDb()
    const first = await seedDemoIfEmpty(db, { hashPassword, hashPhone, deriveUtm, today: new Date('2026-11-23T04:00:00Z') })
    expect(first).toMatchObject({ stores: 2, users: 6, campaigns: 12 })
    expect((await list(sql`select distinct status from campaigns order by 1`)).sort()).toEqual(
      ['approved', 'cancelled', 'completed', 'draft', 'evaluated', 'returned', 'running', 'submitted'].sort(),
    )
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
    expect(await seedDemoIfEmpty(db, { hashPassword, hashPhone, deriveUtm })).toBeNull()
  })
})
