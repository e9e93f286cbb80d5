import { and, asc, eq } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { getDb } from '../db/client'
import { auditLog, campaigns, leadEvents, leads, showroomVisits, touchpoints } from '../db/schema'
import * as call from '../app/routes/desk.call'
import * as desk from '../app/routes/desk._index'
import * as walkIn from '../app/routes/desk.walk-in'
import { utcToZonedLocal } from '../app/utils/zoned-time'
import { createGroup, createStore, createUser, get, post, signIn, type Browser } from './factories'
import { settle } from './http'

// SPEC §3, the front desk: 来店登记, 来电登记 and the day's 展厅客流量表.

const args = (request: Request, params: Record<string, string> = {}) => ({ request, params, context: {} })

let storeA: string
let storeB: string
let campaignA: string
let sales: Browser
let salesId: string
let salesBId: string
let specialist: Browser
let exec: Browser

let seq = 0
const newPhone = () => `158${String(20_000_000 + seq++ * 104_729).slice(-8)}`

const logWalkIn = (fields: Record<string, string>, browser = sales) =>
  settle<any>(() => walkIn.action(args(post('/desk/walk-in', { storeId: storeA, channel: 'passing_by', partySize: '1', ...fields }, browser))))
const logCall = (fields: Record<string, string>, browser = sales) =>
  settle<any>(() => call.action(args(post('/desk/call', { storeId: storeA, channel: 'autohome', ...fields }, browser))))
const leadIdOf = (location: string | null) => location!.match(/lead=([0-9a-f-]{36})/)![1]!
const sheet = (browser: Browser, query: string) => settle<any>(() => desk.loader(args(get(`/desk${query}`, browser))))

beforeAll(async () => {
  const group = await createGroup()
  storeA = (await createStore(group.id, '杭州店')).id
  storeB = (await createStore(group.id, '宁波店')).id
  salesId = (await createUser(group.id, 'sales', [storeA])).id
  sales = await signIn(salesId)
  salesBId = (await createUser(group.id, 'sales', [storeB])).id
  specialist = await signIn((await createUser(group.id, 'specialist', [storeA])).id)
  exec = await signIn((await createUser(group.id, 'executive', [])).id)
  const db = await getDb()
  const [c] = await db
    .insert(campaigns)
    .values({ storeId: storeA, name: '国庆车展', form: 'auto_show', status: 'running', startDate: '2026-10-01', endDate: '2026-10-05' })
    .returning()
  campaignA = c!.id
})

describe('来店登记 (walk-in)', () => {
  it('records a showroom visit with first/return, times, party size and consultant, and moves the status', async () => {
    const phone = newPhone()
    const res = await logWalkIn({
      name: '周先生',
      phone,
      channel: 'douyin',
      campaignId: campaignA,
      arrivedAt: '2026-10-02T10:15',
      partySize: '3',
      consultantId: salesId,
      modelOfInterest: '途观L',
      testDrive: 'on',
      note: '带孩子',
    })
    expect(res.status, JSON.stringify(res.data)).toBe(302)
    expect(res.headers.get('location')).toMatch(new RegExp(`^/desk\\?store=${storeA}&notice=walk-in&type=first&lead=`))
    const leadId = leadIdOf(res.headers.get('location'))
    const db = await getDb()
    const [lead] = await db.select().from(leads).where(eq(leads.id, leadId))
    expect(lead).toMatchObject({ name: '周先生', phone, status: 'test_drive', consultantId: salesId, modelOfInterest: '途观L', firstChannel: 'douyin', firstCampaignId: campaignA })
    const [visit] = await db.select().from(showroomVisits).where(eq(showroomVisits.leadId, leadId))
    expect(visit).toMatchObject({ storeId: storeA, visitType: 'first', partySize: 3, consultantId: salesId, testDrive: true, note: '带孩子', leftAt: null })
    // 10:15 in Shanghai
    expect(visit!.arrivedAt).toEqual(new Date('2026-10-02T02:15:00Z'))
    const [tp] = await db.select().from(touchpoints).where(eq(touchpoints.id, visit!.touchpointId!))
    expect(tp).toMatchObject({ kind: 'walk_in', channel: 'douyin', campaignId: campaignA, leadId })
    const events = await db.select().from(leadEvents).where(eq(leadEvents.leadId, leadId)).orderBy(asc(leadEvents.at), asc(leadEvents.id))
    expect(events.map((e) => [e.type, e.fromStatus, e.toStatus])).toEqual([
      ['created', null, 'new'],
      ['status', 'new', 'test_drive'],
    ])
    expect(events[1]!.at).toEqual(new Date('2026-10-02T02:15:00Z'))
    const [entry] = await db.select().from(auditLog).where(and(eq(auditLog.action, 'lead.walk_in'), eq(auditLog.entityId, leadId)))
    expect(JSON.stringify(entry)).not.toContain(phone)
  })

  it('a second visit of the same phone is a return visit of the same lead, and the status never goes back', async () => {
    const phone = newPhone()
    const first = await logWalkIn({ name: '吴女士', phone, arrivedAt: '2026-10-03T09:00' })
    const leadId = leadIdOf(first.headers.get('location'))
    const db = await getDb()
    expect((await db.select().from(leads).where(eq(leads.id, leadId)))[0]!.status).toBe('visited')
    await db.update(leads).set({ status: 'ordered' }).where(eq(leads.id, leadId))

    // the form suggests 再次到店 when it sees the number
    const suggestion = await settle<any>(() => walkIn.loader(args(get(`/desk/walk-in?store=${storeA}&phone=${phone}`, sales))))
    expect(suggestion.data.lookup).toMatchObject({ kind: 'known', visits: 1, suggestion: 'return', name: '吴女士' })
    const check = await logWalkIn({ phone, intent: 'check' })
    expect(check.status).toBe(200)
    expect(check.data.values.visitType).toBe('return')

    // left on "decide by phone", the server decides the same
    const again = await logWalkIn({ phone, channel: 'wechat', arrivedAt: '2026-10-04T14:00' })
    expect(again.headers.get('location')).toContain('type=return')
    expect(leadIdOf(again.headers.get('location'))).toBe(leadId)
    expect(await db.select().from(leads).where(eq(leads.phone, phone))).toHaveLength(1)
    const visits = await db.select().from(showroomVisits).where(eq(showroomVisits.leadId, leadId)).orderBy(asc(showroomVisits.arrivedAt))
    expect(visits.map((v) => v.visitType)).toEqual(['first', 'return'])
    const tps = await db.select().from(touchpoints).where(eq(touchpoints.leadId, leadId))
    expect(tps.map((t) => t.channel).sort()).toEqual(['passing_by', 'wechat'])
    expect((await db.select().from(leads).where(eq(leads.id, leadId)))[0]!.status).toBe('ordered')
  })

  it('takes a visitor who declines to leave a number', async () => {
    const res = await logWalkIn({ name: '', phone: '', partySize: '2' })
    expect(res.status).toBe(302)
    const db = await getDb()
    const [lead] = await db.select().from(leads).where(eq(leads.id, leadIdOf(res.headers.get('location'))))
    expect(lead).toMatchObject({ phone: null, phoneHash: null, status: 'visited' })
  })

  it('refuses invalid input next to the fields and keeps it', async () => {
    const res = await logWalkIn({ phone: '1234', channel: '', partySize: '0', arrivedAt: 'soon', consultantId: salesBId })
    expect(res.status).toBe(400)
    expect(res.data.errors).toMatchObject({
      phone: 'leads.validation.phone',
      channel: 'validation.choice',
      partySize: 'leads.validation.partySize',
      arrivedAt: 'leads.validation.dateTime',
    })
    expect(res.data.values).toMatchObject({ phone: '1234', partySize: '0' })
    // a consultant of another store is not a choice
    const other = await logWalkIn({ phone: newPhone(), consultantId: salesBId })
    expect(other.data.errors).toEqual({ consultantId: 'validation.choice' })
    const future = await logWalkIn({ phone: newPhone(), arrivedAt: '2099-01-01T10:00' })
    expect(future.data.errors).toEqual({ arrivedAt: 'leads.validation.notFuture' })
  })

  it('is refused for another store and for read-only roles', async () => {
    expect((await logWalkIn({ storeId: storeB, phone: newPhone() })).status).toBe(403)
    expect((await logWalkIn({ phone: newPhone() }, exec)).status).toBe(403)
  })
})

describe('来电登记 (call)', () => {
  it('adds a call touchpoint to the one lead of the phone', async () => {
    const phone = newPhone()
    const res = await logCall({ name: '郑先生', phone, campaignId: campaignA, modelOfInterest: '迈腾', at: '2026-10-05T16:40', durationMinutes: '6', note: '问置换政策' })
    expect(res.status, JSON.stringify(res.data)).toBe(302)
    const leadId = leadIdOf(res.headers.get('location'))
    const again = await logCall({ phone, channel: 'search' })
    expect(leadIdOf(again.headers.get('location'))).toBe(leadId)
    const walk = await logWalkIn({ phone })
    expect(leadIdOf(walk.headers.get('location'))).toBe(leadId)
    const db = await getDb()
    expect(await db.select().from(leads).where(eq(leads.phone, phone))).toHaveLength(1)
    const tps = await db.select().from(touchpoints).where(eq(touchpoints.leadId, leadId)).orderBy(asc(touchpoints.at))
    expect(tps.map((t) => t.kind)).toEqual(['call', 'call', 'walk_in'])
    expect(tps[0]).toMatchObject({ channel: 'autohome', campaignId: campaignA, detail: { durationMinutes: 6, note: '问置换政策' } })
    expect(tps[0]!.at).toEqual(new Date('2026-10-05T08:40:00Z'))
  })

  it('requires a phone', async () => {
    const res = await logCall({ name: '无号码' })
    expect(res.status).toBe(400)
    expect(res.data.errors).toEqual({ phone: 'validation.required' })
    expect((await logCall({ phone: '138****0000' })).data.errors).toEqual({ phone: 'leads.validation.phone' })
  })
})

describe('展厅客流量表 (the day’s traffic sheet)', () => {
  it('counts the day’s walk-ins and calls in the store’s time zone, by first/return and channel', async () => {
    const day = '2026-09-15'
    const returning = newPhone()
    await logWalkIn({ phone: returning, arrivedAt: '2026-09-10T11:00' })
    // 23:50 the evening before belongs to the day before
    await logWalkIn({ phone: newPhone(), arrivedAt: '2026-09-14T23:50' })
    await logWalkIn({ name: '甲', phone: newPhone(), channel: 'autohome', arrivedAt: `${day}T00:05`, partySize: '2' })
    await logWalkIn({ name: '乙', phone: returning, channel: 'passing_by', arrivedAt: `${day}T15:30`, partySize: '3', testDrive: 'on' })
    await logCall({ name: '丙', phone: newPhone(), channel: 'autohome', at: `${day}T23:59`, durationMinutes: '4' })
    await logCall({ phone: newPhone(), at: '2026-09-16T00:00' })

    const { data } = await sheet(sales, `?store=${storeA}&day=${day}`)
    expect(data.sheet.counts).toEqual({ batches: 2, people: 5, first: 1, return: 1, testDrives: 1, stillHere: 2, calls: 1 })
    expect(data.sheet.walkIns.map((w: any) => w.name)).toEqual(['甲', '乙'])
    expect(data.sheet.calls.map((c: any) => [c.name, c.durationMinutes])).toEqual([['丙', 4]])
    expect(data.sheet.byChannel).toEqual([
      { channel: 'autohome', walkIns: 1, calls: 1 },
      { channel: 'passing_by', walkIns: 1, calls: 0 },
    ])
    // the sales user sees full numbers, a specialist masked ones
    expect(data.sheet.walkIns[1].phone).toBe(returning)
    const masked = await sheet(specialist, `?store=${storeA}&day=${day}`)
    expect(masked.data.sheet.walkIns[1].phone).toBe(`${returning.slice(0, 3)}****${returning.slice(-4)}`)
  })

  it('shows today by default, and records a leaving time later from the list', async () => {
    const now = new Date()
    const arrived = utcToZonedLocal(new Date(now.getTime() - 60 * 60_000), 'Asia/Shanghai')
    const res = await logWalkIn({ name: '今天来的', phone: newPhone(), arrivedAt: arrived })
    const leadId = leadIdOf(res.headers.get('location'))
    const { data } = await sheet(sales, '')
    // an hour ago may be yesterday just after midnight; then the sheet of today is rightly empty of it
    const visit = data.sheet.walkIns.find((w: any) => w.leadId === leadId)
    if (arrived.slice(0, 10) === data.today) expect(visit).toBeTruthy()
    expect(data.canWrite).toBe(true)

    const db = await getDb()
    const [row] = await db.select().from(showroomVisits).where(eq(showroomVisits.leadId, leadId))
    const early = await settle<any>(() =>
      desk.action(args(post('/desk?index', { visitId: row!.id, leftAt: utcToZonedLocal(new Date(now.getTime() - 2 * 60 * 60_000), 'Asia/Shanghai') }, sales))),
    )
    expect(early.status).toBe(400)
    expect(early.data.errors).toEqual({ leftAt: 'leads.validation.leftBeforeArrived' })
    const left = utcToZonedLocal(now, 'Asia/Shanghai')
    const ok = await settle(() => desk.action(args(post(`/desk?store=${storeA}&index`, { visitId: row!.id, leftAt: left }, sales))))
    expect(ok.status).toBe(302)
    expect(ok.headers.get('location')).toBe(`/desk?store=${storeA}&notice=left`)
    const [after] = await db.select().from(showroomVisits).where(eq(showroomVisits.id, row!.id))
    expect(utcToZonedLocal(after!.leftAt!, 'Asia/Shanghai')).toBe(left)
    // read-only roles see the sheet but record nothing
    expect((await settle(() => desk.action(args(post('/desk?index', { visitId: row!.id, leftAt: left }, exec))))).status).toBe(403)
  })
})
