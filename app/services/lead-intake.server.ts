import { and, asc, desc, eq, isNull, sql } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client'
import { leadEvents, leads, touchpoints, visitors } from '../../db/schema'
import type { Channel, TouchpointKind } from '../../db/schema/enums'
import { reopensOnArrival } from '../utils/lead-lifecycle'
import { parsePhone } from '../utils/phone'
import { hashPhone } from '../utils/phone-hash.server'
import { TOUCH_SUMMARY_SET, touchSummaryOf } from './touch-summary.server'

/**
 * Every way a lead arrives — web form, front desk, manual entry, platform import — ends
 * here (SPEC §3): one lead per phone per store, and one touchpoint per arrival.
 */
export type Arrival = {
  storeId: string
  person: { name?: string; phone?: string | null; city?: string; modelOfInterest?: string }
  touch: {
    kind: TouchpointKind
    channel: Channel
    at: Date
    campaignId?: string | null
    placementId?: string | null
    trackingLinkId?: string | null
    siteId?: string | null
    visitorKey?: string | null
    utmSource?: string | null
    utmMedium?: string | null
    utmCampaign?: string | null
    utmContent?: string | null
    importId?: string | null
    detail?: Record<string, unknown>
  }
  userId?: string | null
}

export type ArrivalResult = {
  leadId: string
  touchpointId: number
  /** how the person was recognised: by full phone, by masked phone and name, or not (a new lead) */
  matchedBy: 'phone' | 'masked' | 'new'
  created: boolean
  /** the new opportunity this arrival started on a delivered or lost lead, or null */
  reopened: number | null
}

type LeadRow = typeof leads.$inferSelect

/**
 * What every UPDATE of a lead sets besides its change (spread it into `.set()`): the next
 * version, so that an edit form opened before this write is refused as stale instead of
 * silently writing over it, and `updated_at` from the database's clock in the same
 * statement (the analytical copy syncs by it). Every write that changes a lead row — edit,
 * status, merge, consultant, a new touch — goes through here.
 */
export function leadChanged() {
  return { version: sql`${leads.version} + 1`, updatedAt: sql`now()` }
}

async function findByHash(db: DbOrTx, storeId: string, phoneHash: string) {
  const rows = await db.select().from(leads).where(and(eq(leads.storeId, storeId), eq(leads.phoneHash, phoneHash)))
  const open = rows.find((r) => !r.mergedIntoId)
  if (open) return open
  // a number whose lead was merged by hand belongs to the lead it was merged into
  const merged = rows.find((r) => r.mergedIntoId)
  if (!merged) return undefined
  const [survivor] = await db
    .select()
    .from(leads)
    .where(and(eq(leads.id, merged.mergedIntoId!), isNull(leads.mergedIntoId)))
  return survivor
}

/** A lead known only by the same masked phone (and the same name, when both have one). */
async function findByMask(db: DbOrTx, storeId: string, masked: string, name: string, onlyWithoutFullPhone: boolean) {
  const rows = await db
    .select()
    .from(leads)
    .where(
      and(
        eq(leads.storeId, storeId),
        eq(leads.phoneMasked, masked),
        isNull(leads.mergedIntoId),
        onlyWithoutFullPhone ? isNull(leads.phoneHash) : undefined,
      ),
    )
    .orderBy(asc(leads.createdAt))
  const named = name ? rows.filter((r) => r.name === name || r.name === '') : rows
  // a masked phone alone is a partial key: match only when it is unambiguous
  return named.length === 1 ? named[0] : undefined
}

/** Keeps the lead's first and last touch (time, channel, campaign) in step with its touchpoints. */
export async function refreshTouchSummary(db: DbOrTx, leadId: string) {
  await db.execute(sql`
    UPDATE leads l SET ${TOUCH_SUMMARY_SET}
    FROM (SELECT ${leadId}::uuid AS id) k
    LEFT JOIN LATERAL (${touchSummaryOf(sql`SELECT t.id, t.lead_id, t."at", t.channel, t.campaign_id FROM touchpoints t WHERE t.lead_id = k.id`)}) u ON true
    WHERE l.id = k.id`)
}

export async function recordArrival(db: DbOrTx, arrival: Arrival): Promise<ArrivalResult> {
  const { storeId, person, touch } = arrival
  const name = (person.name ?? '').trim()
  const parsed = parsePhone(person.phone)
  let lead: LeadRow | undefined
  let matchedBy: ArrivalResult['matchedBy'] = 'new'

  if (parsed?.kind === 'full') {
    const phoneHash = hashPhone(parsed.phone)
    lead = await findByHash(db, storeId, phoneHash)
    if (lead) matchedBy = 'phone'
    else {
      // a lead first known by a masked phone: the full number completes it
      lead = await findByMask(db, storeId, parsed.masked, name, true)
      if (lead) {
        matchedBy = 'masked'
        await db
          .update(leads)
          .set({ phone: parsed.phone, phoneHash, ...leadChanged() })
          .where(eq(leads.id, lead.id))
      }
    }
    if (!lead) {
      // two arrivals of one new phone at once: the unique index lets one insert win
      const [inserted] = await db
        .insert(leads)
        .values({
          storeId,
          name,
          phone: parsed.phone,
          phoneHash,
          phoneMasked: parsed.masked,
          city: person.city ?? '',
          modelOfInterest: person.modelOfInterest ?? '',
          createdById: arrival.userId ?? null,
        })
        .onConflictDoNothing()
        .returning()
      lead = inserted ?? (await findByHash(db, storeId, phoneHash))
      if (!inserted) matchedBy = 'phone'
    }
  } else if (parsed?.kind === 'masked') {
    lead = await findByMask(db, storeId, parsed.masked, name, false)
    if (lead) matchedBy = 'masked'
  }

  let created = false
  if (!lead) {
    const [inserted] = await db
      .insert(leads)
      .values({
        storeId,
        name,
        phoneMasked: parsed?.kind === 'masked' ? parsed.masked : null,
        city: person.city ?? '',
        modelOfInterest: person.modelOfInterest ?? '',
        createdById: arrival.userId ?? null,
      })
      .returning()
    lead = inserted!
    created = true
  } else if (matchedBy === 'new') {
    created = true
  } else {
    // fill in what the lead did not know yet; never overwrite what it knew
    const patch: Partial<LeadRow> = {}
    if (!lead.name && name) patch.name = name
    if (!lead.city && person.city) patch.city = person.city
    if (!lead.modelOfInterest && person.modelOfInterest) patch.modelOfInterest = person.modelOfInterest
    if (Object.keys(patch).length) await db.update(leads).set({ ...patch, ...leadChanged() }).where(eq(leads.id, lead.id))
  }

  const reopened = created ? null : await reopenIfClosed(db, lead, touch, arrival.userId ?? null)

  const [tp] = await db
    .insert(touchpoints)
    .values({
      storeId,
      leadId: lead.id,
      kind: touch.kind,
      channel: touch.channel,
      at: touch.at,
      campaignId: touch.campaignId ?? null,
      placementId: touch.placementId ?? null,
      trackingLinkId: touch.trackingLinkId ?? null,
      siteId: touch.siteId ?? null,
      visitorKey: touch.visitorKey ?? null,
      utmSource: touch.utmSource ?? null,
      utmMedium: touch.utmMedium ?? null,
      utmCampaign: touch.utmCampaign ?? null,
      utmContent: touch.utmContent ?? null,
      importId: touch.importId ?? null,
      detail: touch.detail ?? null,
      createdById: arrival.userId ?? null,
    })
    .returning({ id: touchpoints.id })

  // the visitor's earlier web visits become this lead's touchpoints: how it found us
  if (touch.siteId && touch.visitorKey) {
    await db
      .update(visitors)
      .set({ leadId: lead.id })
      .where(and(eq(visitors.siteId, touch.siteId), eq(visitors.visitorKey, touch.visitorKey)))
    await db
      .update(touchpoints)
      .set({ leadId: lead.id })
      .where(and(eq(touchpoints.siteId, touch.siteId), eq(touchpoints.visitorKey, touch.visitorKey), isNull(touchpoints.leadId)))
  }

  await db.insert(leadEvents).values({
    leadId: lead.id,
    type: created ? 'created' : 'touch',
    toStatus: created ? 'new' : null,
    userId: arrival.userId ?? null,
    at: touch.at,
    detail: { kind: touch.kind, channel: touch.channel, touchpointId: tp!.id, matchedBy },
  })
  if (touch.siteId && touch.visitorKey) {
    // earlier visits may just have joined the lead: recount from all its touchpoints
    await refreshTouchSummary(db, lead.id)
  } else {
    // one touch was added: it becomes the first touch if it is earlier, the last if later
    // (in an UPDATE every expression reads the row as it was, so the order of SETs is moot)
    // a moment goes in as ISO text with a cast: the postgres driver takes no Date inside sql``
    const at = sql`${touch.at.toISOString()}::timestamptz`
    const earlier = sql`(${leads.firstTouchAt} is null or ${at} < ${leads.firstTouchAt})`
    await db
      .update(leads)
      .set({
        firstChannel: sql`case when ${earlier} then ${touch.channel} else ${leads.firstChannel} end`,
        firstCampaignId: sql`case when ${earlier} then ${touch.campaignId ?? null}::uuid else ${leads.firstCampaignId} end`,
        firstTouchAt: sql`case when ${earlier} then ${at} else ${leads.firstTouchAt} end`,
        lastTouchAt: sql`greatest(coalesce(${leads.lastTouchAt}, ${at}), ${at})`,
        ...leadChanged(),
      })
      .where(eq(leads.id, lead.id))
  }
  return { leadId: lead.id, touchpointId: tp!.id, matchedBy, created, reopened }
}

/**
 * A delivered or lost lead who arrives after it was closed starts a new opportunity: the
 * status restarts at new, the opportunity counter goes up, and a lead event 'opportunity'
 * marks the moment — matchback measures later sales from it (ADR 017). An arrival dated
 * before the close (an old row of a platform export) belongs to the closed opportunity.
 * Returns the new opportunity's number, or null.
 */
async function reopenIfClosed(db: DbOrTx, lead: LeadRow, touch: Arrival['touch'], userId: string | null): Promise<number | null> {
  if (!reopensOnArrival(lead.status)) return null
  const [closing] = await db
    .select({ at: leadEvents.at })
    .from(leadEvents)
    .where(and(eq(leadEvents.leadId, lead.id), eq(leadEvents.toStatus, lead.status)))
    .orderBy(desc(leadEvents.at))
    .limit(1)
  if (closing && touch.at <= closing.at) return null
  const [row] = await db
    .update(leads)
    .set({ status: 'new', opportunity: sql`${leads.opportunity} + 1`, lostReason: null, lostToBrand: null, lostToModel: null, ...leadChanged() })
    // the state check and the change are one statement, like every status move
    .where(and(eq(leads.id, lead.id), eq(leads.status, lead.status)))
    .returning({ opportunity: leads.opportunity })
  if (!row) return null
  await db.insert(leadEvents).values({
    leadId: lead.id,
    type: 'opportunity',
    fromStatus: lead.status,
    toStatus: 'new',
    userId,
    at: touch.at,
    detail: { opportunity: row.opportunity, kind: touch.kind, channel: touch.channel },
  })
  return row.opportunity
}
