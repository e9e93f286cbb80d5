import { and, asc, eq, gte, isNull, lt, sql } from 'drizzle-orm'
import { getDb } from '../../db/client'
import { campaigns, leads, showroomVisits, touchpoints, users } from '../../db/schema'
import type { Channel, LeadStatus } from '../../db/schema/enums'
import type { CallInput, WalkInInput } from '../schemas/lead'
import type { SessionUser } from '../utils/auth.server'
import { canWriteStore } from '../utils/auth.server'
import { forbidden, notFound } from '../utils/http.server'
import { atLeast } from '../utils/lead-lifecycle'
import { roleCan } from '../utils/permissions'
import { displayPhone, parsePhone } from '../utils/phone'
import { hashPhone } from '../utils/phone-hash.server'
import { zonedDayRange, zonedLocalToUtc } from '../utils/zoned-time'
import { recordAudit } from './audit.server'
import { leadChanged, recordArrival } from './lead-intake.server'
import { phoneRecordAllowance, takePhoneLookup, type Throttled } from './phone-lookups.server'
import {
  canSeeFullPhone,
  checkStoreChoices,
  leadAuditView,
  listConsultants,
  listLeadCampaigns,
  maskPhonesInText,
  momentInStore,
  moveStatus,
  OUTER_LEAD_ID,
  storeOf,
  type FieldFailure,
} from './leads.server'

// The front desk (前台): 来店登记, 来电登记 and the day's 展厅客流量表 (SPEC §3).

function requireDeskWrite(user: SessionUser, storeId: string) {
  if (!roleCan(user.role, 'lead:write') || !canWriteStore(user, storeId)) forbidden('You may not log visitors of this store.')
}

/** The stores whose desk this user keeps: those they may write to (read-only roles see the sheet). */
export function deskStores(user: SessionUser, mode: 'read' | 'write') {
  return user.stores.filter((s) => (mode === 'read' ? true : roleCan(user.role, 'lead:write') && canWriteStore(user, s.id)))
}

/** What the desk forms offer for a store: its approved and running campaigns, its consultants. */
export async function deskChoices(storeId: string) {
  const [campaignRows, consultants] = await Promise.all([listLeadCampaigns([storeId], ['approved', 'running']), listConsultants([storeId])])
  return {
    campaigns: campaignRows.map((c) => ({ value: c.id, label: c.name })),
    consultants: consultants.map((c) => ({ value: c.id, label: c.name })),
  }
}

/** What the walk-in form learns about a typed number. */
export type VisitorLookup =
  /** a lead of this store: a return visit when it has visited before */
  | { kind: 'known'; leadId: string; name: string; status: LeadStatus; visits: number; suggestion: 'first' | 'return' }
  /** no lead of this store has the number: a first visit */
  | { kind: 'new'; suggestion: 'first' }
  /** the user's role sees phones masked: it is not told whether a number is known (SPEC §8) */
  | { kind: 'hidden' }
  /** too many look-ups: ask again in `retryAfter` seconds */
  | { kind: 'throttled'; retryAfter: number }

/**
 * Is this phone already a lead of the store, and has it visited? The walk-in form
 * suggests 再次到店 (return visit) when it has. Only roles that may see full phones are
 * told: for everyone else the answer is the same whatever the number, so that the form
 * cannot be used to test whether a number they see as 139****0107 is 13912340107. Every
 * look-up is counted against the user's allowance (phone-lookups.server.ts), for every
 * role alike. Null when there is no full number to look up.
 */
export async function lookupVisitor(user: SessionUser, storeId: string, phone: string): Promise<VisitorLookup | null> {
  requireDeskWrite(user, storeId)
  const wait = await takePhoneLookup(user.id)
  if (wait) return { kind: 'throttled', retryAfter: wait }
  // decided before the number is even read: nothing about it can change the answer
  if (!canSeeFullPhone(user)) return { kind: 'hidden' }
  const parsed = parsePhone(phone)
  if (parsed?.kind !== 'full') return null
  const db = await getDb()
  const [lead] = await db
    .select({
      id: leads.id,
      name: leads.name,
      status: leads.status,
      visits: sql<number>`(select count(*) from ${showroomVisits} where ${showroomVisits.leadId} = ${OUTER_LEAD_ID})`.mapWith(Number),
    })
    .from(leads)
    .where(and(eq(leads.storeId, storeId), eq(leads.phoneHash, hashPhone(parsed.phone)), isNull(leads.mergedIntoId)))
  if (!lead) return { kind: 'new', suggestion: 'first' }
  return { kind: 'known', leadId: lead.id, name: lead.name, status: lead.status, visits: lead.visits, suggestion: lead.visits > 0 ? 'return' : 'first' }
}

export type DeskResult = { ok: true; leadId: string; created: boolean; visitId?: string; visitType?: string } | FieldFailure | Throttled

/**
 * 来店登记: the arrival (a walk-in touchpoint on the one lead of this phone), the showroom
 * visit (first or return, times, party size, consultant, test drive), and the lead moved to
 * at least 到店, or 试乘试驾 when the visitor test-drove.
 */
export async function recordWalkIn(user: SessionUser, input: WalkInInput, ip: string, now = new Date()): Promise<DeskResult> {
  requireDeskWrite(user, input.storeId)
  const store = storeOf(user, input.storeId)
  const arrivedAt = momentInStore(input.arrivedAt, store.timeZone, now)
  if (!arrivedAt) return { ok: false, reason: 'field', field: 'arrivedAt', message: 'leads.validation.notFuture' }
  const throttled = await phoneRecordAllowance(user, input.phone)
  if (throttled) return throttled
  const db = await getDb()
  return db.transaction(async (tx) => {
    const failure = await checkStoreChoices(tx, input.storeId, input)
    if (failure) return failure
    const arrival = await recordArrival(tx, {
      storeId: input.storeId,
      person: { name: input.name, phone: input.phone, modelOfInterest: input.modelOfInterest },
      touch: {
        kind: 'walk_in',
        channel: input.channel,
        at: arrivedAt,
        campaignId: input.campaignId,
        detail: { partySize: input.partySize, testDrive: input.testDrive },
      },
      userId: user.id,
    })
    const [lead] = await tx.select().from(leads).where(eq(leads.id, arrival.leadId))
    const [{ earlier } = { earlier: 0 }] = await tx
      .select({ earlier: sql<number>`count(*)`.mapWith(Number) })
      .from(showroomVisits)
      .where(eq(showroomVisits.leadId, lead!.id))
    const visitType = input.visitType ?? (earlier > 0 ? 'return' : 'first')
    const [visit] = await tx
      .insert(showroomVisits)
      .values({
        storeId: input.storeId,
        leadId: lead!.id,
        touchpointId: arrival.touchpointId,
        visitType,
        arrivedAt,
        partySize: input.partySize,
        consultantId: input.consultantId,
        testDrive: input.testDrive,
        note: input.note,
        createdById: user.id,
      })
      .returning({ id: showroomVisits.id })
    await tx
      .update(touchpoints)
      .set({ detail: { partySize: input.partySize, testDrive: input.testDrive, visitType, ...(input.note ? { note: input.note } : {}) } })
      .where(eq(touchpoints.id, arrival.touchpointId))
    if (input.consultantId && !lead!.consultantId) {
      await tx
        .update(leads)
        .set({ consultantId: input.consultantId, ...leadChanged() })
        .where(eq(leads.id, lead!.id))
    }
    const target = atLeast(lead!.status, input.testDrive ? 'test_drive' : 'visited')
    if (target !== lead!.status) {
      await moveStatus(tx, lead!, target, { userId: user.id, at: arrivedAt, detail: { visitType, visitId: visit!.id } })
    }
    await recordAudit(tx, {
      userId: user.id,
      storeId: input.storeId,
      action: 'lead.walk_in',
      entityType: 'lead',
      entityId: lead!.id,
      before: arrival.created ? null : { status: lead!.status },
      after: {
        ...leadAuditView({ ...lead!, status: target }),
        visit: { id: visit!.id, visitType, arrivedAt, partySize: input.partySize, consultantId: input.consultantId, testDrive: input.testDrive },
        touch: { kind: 'walk_in', channel: input.channel, campaignId: input.campaignId },
      },
      ip,
    })
    return { ok: true, leadId: lead!.id, created: arrival.created, visitId: visit!.id, visitType } as const
  })
}

/** 来电登记: an incoming call is a touchpoint of the caller's one lead. */
export async function recordCall(user: SessionUser, input: CallInput, ip: string, now = new Date()): Promise<DeskResult> {
  requireDeskWrite(user, input.storeId)
  const store = storeOf(user, input.storeId)
  const at = momentInStore(input.at, store.timeZone, now)
  if (!at) return { ok: false, reason: 'field', field: 'at', message: 'leads.validation.notFuture' }
  const throttled = await phoneRecordAllowance(user, input.phone)
  if (throttled) return throttled
  const db = await getDb()
  return db.transaction(async (tx) => {
    const failure = await checkStoreChoices(tx, input.storeId, input)
    if (failure) return failure
    const detail: Record<string, unknown> = {}
    if (input.durationMinutes != null) detail.durationMinutes = input.durationMinutes
    if (input.note) detail.note = input.note
    const arrival = await recordArrival(tx, {
      storeId: input.storeId,
      person: { name: input.name, phone: input.phone, modelOfInterest: input.modelOfInterest },
      touch: { kind: 'call', channel: input.channel, at, campaignId: input.campaignId, detail },
      userId: user.id,
    })
    const [lead] = await tx.select().from(leads).where(eq(leads.id, arrival.leadId))
    await recordAudit(tx, {
      userId: user.id,
      storeId: input.storeId,
      action: 'lead.call',
      entityType: 'lead',
      entityId: lead!.id,
      after: {
        ...leadAuditView(lead!),
        touch: { kind: 'call', channel: input.channel, campaignId: input.campaignId, at, durationMinutes: input.durationMinutes, note: maskPhonesInText(input.note) },
      },
      ip,
    })
    return { ok: true, leadId: lead!.id, created: arrival.created } as const
  })
}

export type LeftAtResult = { ok: true } | FieldFailure

/** The visitor's leaving time, recorded later from the desk's list. */
export async function setVisitLeftAt(user: SessionUser, visitId: string, leftLocal: string, ip: string, now = new Date()): Promise<LeftAtResult> {
  const db = await getDb()
  const [visit] = await db.select().from(showroomVisits).where(eq(showroomVisits.id, visitId))
  if (!visit || !user.stores.some((s) => s.id === visit.storeId)) notFound()
  requireDeskWrite(user, visit.storeId)
  const store = storeOf(user, visit.storeId)
  const leftAt = zonedLocalToUtc(leftLocal, store.timeZone)
  if (!leftAt || leftAt.getTime() > now.getTime() + 5 * 60_000) return { ok: false, reason: 'field', field: 'leftAt', message: 'leads.validation.notFuture' }
  if (leftAt < visit.arrivedAt) return { ok: false, reason: 'field', field: 'leftAt', message: 'leads.validation.leftBeforeArrived' }
  return db.transaction(async (tx) => {
    await tx.update(showroomVisits).set({ leftAt }).where(eq(showroomVisits.id, visitId))
    await recordAudit(tx, {
      userId: user.id,
      storeId: visit.storeId,
      action: 'lead.visit_left',
      entityType: 'lead',
      entityId: visit.leadId,
      before: { visitId, leftAt: visit.leftAt },
      after: { visitId, leftAt },
      ip,
    })
    return { ok: true } as const
  })
}


/**
 * 展厅客流量表: the day's walk-ins and calls of one store, in its time zone, with the
 * counts the sheet shows — batches and people, first and return visits, test drives,
 * and arrivals by channel.
 */
export async function trafficSheet(user: SessionUser, storeId: string, day: string) {
  const store = storeOf(user, storeId)
  const range = zonedDayRange(day, store.timeZone)
  if (!range) notFound()
  const db = await getDb()
  const full = canSeeFullPhone(user)
  const [walkIns, calls] = await Promise.all([
    db
      .select({
        id: showroomVisits.id,
        leadId: showroomVisits.leadId,
        visitType: showroomVisits.visitType,
        arrivedAt: showroomVisits.arrivedAt,
        leftAt: showroomVisits.leftAt,
        partySize: showroomVisits.partySize,
        testDrive: showroomVisits.testDrive,
        consultantName: users.name,
        name: leads.name,
        phone: leads.phone,
        phoneMasked: leads.phoneMasked,
        modelOfInterest: leads.modelOfInterest,
        channel: touchpoints.channel,
        campaignName: campaigns.name,
      })
      .from(showroomVisits)
      .leftJoin(leads, eq(leads.id, showroomVisits.leadId))
      .leftJoin(users, eq(users.id, showroomVisits.consultantId))
      .leftJoin(touchpoints, eq(touchpoints.id, showroomVisits.touchpointId))
      .leftJoin(campaigns, eq(campaigns.id, touchpoints.campaignId))
      .where(and(eq(showroomVisits.storeId, storeId), gte(showroomVisits.arrivedAt, range.start), lt(showroomVisits.arrivedAt, range.end)))
      .orderBy(asc(showroomVisits.arrivedAt), asc(showroomVisits.createdAt)),
    db
      .select({
        id: touchpoints.id,
        leadId: touchpoints.leadId,
        at: touchpoints.at,
        channel: touchpoints.channel,
        detail: touchpoints.detail,
        campaignName: campaigns.name,
        name: leads.name,
        phone: leads.phone,
        phoneMasked: leads.phoneMasked,
        modelOfInterest: leads.modelOfInterest,
      })
      .from(touchpoints)
      .leftJoin(leads, eq(leads.id, touchpoints.leadId))
      .leftJoin(campaigns, eq(campaigns.id, touchpoints.campaignId))
      .where(and(eq(touchpoints.storeId, storeId), eq(touchpoints.kind, 'call'), gte(touchpoints.at, range.start), lt(touchpoints.at, range.end)))
      .orderBy(asc(touchpoints.at)),
  ])
  const shown = (r: { phone: string | null; phoneMasked: string | null }) => displayPhone(r, full)
  // a number typed into the name field is masked like the phone column for roles without phone access
  const nameShown = (name: string | null) => (name && !full ? maskPhonesInText(name) : name)
  const byChannel = new Map<Channel, { channel: Channel; walkIns: number; calls: number }>()
  const bump = (channel: Channel | null, key: 'walkIns' | 'calls') => {
    if (!channel) return
    const row = byChannel.get(channel) ?? { channel, walkIns: 0, calls: 0 }
    row[key] += 1
    byChannel.set(channel, row)
  }
  walkIns.forEach((w) => bump(w.channel, 'walkIns'))
  calls.forEach((c) => bump(c.channel, 'calls'))
  return {
    store: { id: store.id, name: store.name, timeZone: store.timeZone },
    day,
    walkIns: walkIns.map(({ phone, phoneMasked, ...w }) => ({ ...w, name: nameShown(w.name), phone: shown({ phone, phoneMasked }) })),
    calls: calls.map(({ phone, phoneMasked, detail, ...c }) => ({
      ...c,
      name: nameShown(c.name),
      phone: shown({ phone, phoneMasked }),
      durationMinutes: typeof detail?.durationMinutes === 'number' ? detail.durationMinutes : null,
      note: typeof detail?.note === 'string' ? (full ? detail.note : maskPhonesInText(detail.note)) : '',
    })),
    counts: {
      batches: walkIns.length,
      people: walkIns.reduce((n, w) => n + w.partySize, 0),
      first: walkIns.filter((w) => w.visitType === 'first').length,
      return: walkIns.filter((w) => w.visitType === 'return').length,
      testDrives: walkIns.filter((w) => w.testDrive).length,
      stillHere: walkIns.filter((w) => !w.leftAt).length,
      calls: calls.length,
    },
    byChannel: [...byChannel.values()].sort((a, b) => b.walkIns + b.calls - (a.walkIns + a.calls)),
  }
}
