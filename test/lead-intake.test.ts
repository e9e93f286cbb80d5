import { eq } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { getDb } from '../db/client'
import { leadEvents, leads, sites, touchpoints, visitors } from '../db/schema'
import { recordArrival, type Arrival } from '../app/services/lead-intake.server'
import { createGroup, createStore } from './factories'

let storeA: string
let storeB: string

const at = (iso: string) => new Date(iso)
const arrival = (storeId: string, phone: string | null, name: string, touch: Partial<Arrival['touch']> = {}): Arrival => ({
  storeId,
  person: { name, phone },
  touch: { kind: 'manual', channel: 'direct', at: at('2026-10-01T02:00:00Z'), ...touch },
})

beforeAll(async () => {
  const group = await createGroup()
  storeA = (await createStore(group.id)).id
  storeB = (await createStore(group.id)).id
})

describe('recordArrival', () => {
  it('makes one lead per phone per store; a new arrival adds a touchpoint', async () => {
    const db = await getDb()
    const first = await recordArrival(db, arrival(storeA, '+86 139-0000-1111', '李先生', { kind: 'call', channel: 'autohome', at: at('2026-10-02T01:00:00Z') }))
    const again = await recordArrival(db, arrival(storeA, '13900001111', '', { kind: 'walk_in', channel: 'word_of_mouth', at: at('2026-10-01T01:00:00Z') }))
    const otherStore = await recordArrival(db, arrival(storeB, '13900001111', '李先生'))
    expect(first).toMatchObject({ created: true, matchedBy: 'new' })
    expect(again).toMatchObject({ created: false, matchedBy: 'phone', leadId: first.leadId })
    expect(otherStore.leadId).not.toBe(first.leadId)
    const [lead] = await db.select().from(leads).where(eq(leads.id, first.leadId))
    expect(lead).toMatchObject({ name: '李先生', phone: '13900001111', phoneMasked: '139****1111', status: 'new' })
    expect(lead!.phoneHash).toMatch(/^[0-9a-f]{64}$/)
    // the earliest touch is the first touch, whatever order they arrived in
    expect(lead).toMatchObject({ firstChannel: 'word_of_mouth', firstTouchAt: at('2026-10-01T01:00:00Z'), lastTouchAt: at('2026-10-02T01:00:00Z') })
    const tps = await db.select().from(touchpoints).where(eq(touchpoints.leadId, first.leadId))
    expect(tps.map((t) => t.kind).sort()).toEqual(['call', 'walk_in'])
    const events = await db.select().from(leadEvents).where(eq(leadEvents.leadId, first.leadId))
    expect(events.map((e) => e.type).sort()).toEqual(['created', 'touch'])
  })

  it('keeps a masked phone as a partial key, completed when the full number arrives', async () => {
    const db = await getDb()
    const masked = await recordArrival(db, arrival(storeA, '137****2222', '王女士', { kind: 'platform_lead', channel: 'autohome' }))
    expect(masked).toMatchObject({ created: true })
    const sameMask = await recordArrival(db, arrival(storeA, '137xxxx2222', '王女士', { kind: 'platform_lead', channel: 'bitauto' }))
    expect(sameMask).toMatchObject({ created: false, matchedBy: 'masked', leadId: masked.leadId })
    const otherName = await recordArrival(db, arrival(storeA, '137****2222', '赵先生', { kind: 'platform_lead', channel: 'bitauto' }))
    expect(otherName.leadId).not.toBe(masked.leadId)
    const full = await recordArrival(db, arrival(storeA, '13711112222', '王女士', { kind: 'walk_in', channel: 'autohome' }))
    expect(full).toMatchObject({ matchedBy: 'masked', leadId: masked.leadId })
    const [lead] = await db.select().from(leads).where(eq(leads.id, masked.leadId))
    expect(lead!.phone).toBe('13711112222')
  })

  it('links a web visitor’s earlier visits to the lead their form creates', async () => {
    const db = await getDb()
    const [site] = await db.insert(sites).values({ storeId: storeA, name: '官网', siteKey: 'site-intake-test', origins: ['https://www.store.test'] }).returning()
    await db.insert(visitors).values({ storeId: storeA, siteId: site!.id, visitorKey: 'v-123' })
    await db.insert(touchpoints).values({
      storeId: storeA,
      siteId: site!.id,
      visitorKey: 'v-123',
      kind: 'web_visit',
      channel: 'douyin',
      utmSource: 'douyin',
      at: at('2026-09-20T03:00:00Z'),
    })
    const res = await recordArrival(db, arrival(storeA, '13600003333', '周先生', { kind: 'web_form', channel: 'direct', siteId: site!.id, visitorKey: 'v-123', at: at('2026-09-21T03:00:00Z') }))
    const tps = await db.select().from(touchpoints).where(eq(touchpoints.leadId, res.leadId))
    expect(tps.map((t) => [t.kind, t.channel]).sort()).toEqual([['web_form', 'direct'], ['web_visit', 'douyin']])
    const [lead] = await db.select().from(leads).where(eq(leads.id, res.leadId))
    expect(lead!.firstChannel).toBe('douyin')
    const [visitor] = await db.select().from(visitors).where(eq(visitors.visitorKey, 'v-123'))
    expect(visitor!.leadId).toBe(res.leadId)
  })

  it('two arrivals of one new phone at the same moment make one lead', async () => {
    const db = await getDb()
    const results = await Promise.all([1, 2, 3].map(() => db.transaction((tx) => recordArrival(tx, arrival(storeA, '13500004444', '并发')))))
    expect(new Set(results.map((r) => r.leadId)).size).toBe(1)
  })
})
