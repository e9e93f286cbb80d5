import { eq, sql } from 'drizzle-orm'
import { v7 as uuidv7 } from 'uuid'
import { rowsOf, type Db, type DbOrTx } from '../../db/client'
import { importRows, imports } from '../../db/schema'
import type { Channel, LeadStatus } from '../../db/schema/enums'
import { reopensOnArrival } from '../utils/lead-lifecycle'

/**
 * The write half of a lead-platform import (ADR 019), set-based: the rows of one chunk are
 * matched to their leads with a few lookups and written with a few bulk statements, in one
 * short transaction (PGlite is one connection: a transaction as long as a whole import would
 * stall every request). The rules are recordArrival's (lead-intake.server.ts), applied to the
 * chunk in memory in file order, so the outcome is the one row-by-row intake would give:
 *
 * - a full phone finds the store's lead with its keyed hash (a merged lead's survivor), else
 *   a lead known only by the same masked phone and the same (or no) name, which it completes;
 * - a masked phone finds the one lead with that masked phone and name, else makes a new lead;
 * - a lead found gets what it did not know (name, city, model), never loses what it knew; a
 *   delivered or lost lead coming back after it closed starts a new opportunity;
 * - each row adds one touchpoint and one lead event, and moves the lead's first and last touch.
 *
 * Every change is recorded in lead_import_undo as it is made, so that an import that does
 * not finish (an error, a cancel, a killed process) is rolled back to nothing: rollbackLeadImport.
 */

/** A validated row, ready to apply. */
export type StagedRow = {
  rowNumber: number
  /** identifies the row within the store: the same row of a later export is a duplicate */
  rowKey: string
  platform: Channel
  at: Date
  name: string
  city: string
  model: string
  /** the normalized full number and its keyed hash, or null for a masked phone */
  phone: string | null
  phoneHash: string | null
  phoneMasked: string
  campaignId: string | null
  placementId: string | null
  detail: Record<string, unknown>
}

export type RowOutcome = {
  rowNumber: number
  outcome: 'imported' | 'merged' | 'duplicate' | 'skipped' | 'failed'
  column: string | null
  reason: string | null
  leadId: string | null
}

/** A lead as a chunk's lookup answers it: the row as JSON (snake_case, times as text). */
type LoadedJson = {
  id: string
  name: string
  city: string
  model_of_interest: string
  phone: string | null
  phone_hash: string | null
  phone_masked: string | null
  status: LeadStatus
  opportunity: number
  lost_reason: string | null
  lost_to_brand: string | null
  lost_to_model: string | null
  merged_into_id: string | null
  created_at: string
  first_touch_at: string | null
  first_channel: Channel | null
  first_campaign_id: string | null
  last_touch_at: string | null
  closed_at: string | null
}

/** A lead as the chunk sees it: what was loaded, and what the chunk's rows did to it. */
type LeadState = {
  id: string
  created: boolean
  /** as loaded (null for a lead the chunk creates): what a rollback restores */
  before: Record<string, unknown> | null
  name: string
  city: string
  model: string
  phone: string | null
  phoneHash: string | null
  phoneMasked: string | null
  status: LeadStatus
  mergedIntoId: string | null
  createdAt: number
  /** the moment of the lead's last close (for a delivered or lost lead) */
  closedAt: number | null
  reopen: { fromStatus: LeadStatus; at: Date } | null
  completesPhone: boolean
  firstAt: Date | null
  firstChannel: Channel | null
  firstCampaignId: string | null
  lastAt: Date | null
  /** the chunk's own first and last touch of this lead (an existing lead's summary moves by them) */
  touchFirst: { at: Date; channel: Channel; campaignId: string | null } | null
  touchLast: Date | null
  touched: boolean
}

const lockKey = (storeId: string) => `roadshow:lead-import:${storeId}`

/**
 * New leads of an import get time-ordered ids (UUID version 7, RFC 9562: Unix milliseconds
 * first, monotonic within a process). Their entries in the indexes led by the lead's id
 * (leads' primary key, touchpoints(lead_id, at), lead_events(lead_id, at)) then land at the
 * right edge of each index, on a few pages already in memory, instead of each on a random page
 * of a large index: on a Postgres server with 2M leads and 20M touchpoints those random pages
 * were read from disk and written whole to the WAL after each checkpoint (ADR 019).
 */
export const timeOrderedUuid = (): string => uuidv7()

/** Thrown inside a chunk's transaction when a concurrent arrival took a phone the chunk was about to give a new lead: the chunk runs again. */
class ChunkRace extends Error {}

/**
 * Applies one chunk in one transaction under the store's import lock. `seen` carries the row
 * keys of the import's earlier chunks (and takes this chunk's): a row repeated within the file
 * is a duplicate of its first occurrence. Returns each row's outcome, in the chunk's order.
 */
export async function applyChunk(
  db: Db,
  input: { importId: string; storeId: string; userId: string | null; rows: StagedRow[]; seen: Map<string, string> },
): Promise<RowOutcome[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      const added = new Map<string, string>()
      const outcomes = await db.transaction((tx) => applyInTransaction(tx, input, added))
      for (const [key, leadId] of added) input.seen.set(key, leadId)
      return outcomes
    } catch (error) {
      if (!(error instanceof ChunkRace || isRace(error)) || attempt >= 3) throw error
    }
  }
}

/**
 * A write refused because a concurrent arrival got there first, however the driver wrapped it:
 * a unique index (23505: the phone completed on a lead another path just created) or a
 * foreign key (23503: a touchpoint of a new lead whose insert gave way to that other lead).
 */
function isRace(error: unknown) {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: string }).code
    if (code === '23505' || code === '23503') return true
  }
  return false
}

async function applyInTransaction(
  tx: DbOrTx,
  input: { importId: string; storeId: string; userId: string | null; rows: StagedRow[]; seen: Map<string, string> },
  added: Map<string, string>,
): Promise<RowOutcome[]> {
  const { importId, storeId, userId, rows } = input
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${lockKey(storeId)}))`)

  // ---- what the store already has, in one call (roadshow_lead_import_lookup, migrations 0009, 0010, 0013: its
  // plan is made once per connection and pinned to index lookups): rows imported before, the
  // leads with these numbers (a merged lead's survivor in its place), the leads with these masked
  // numbers, and when each delivered or lost one closed (a later arrival starts a new opportunity)
  const keys = [...new Set(rows.map((r) => r.rowKey))]
  const hashes = [...new Set(rows.flatMap((r) => (r.phoneHash ? [r.phoneHash] : [])))]
  // a masked row may join any lead with its masked number; a row with a full number only one that
  // has no number yet (findByMask below): for those the lookup leaves out the leads with a number,
  // most of a store's leads, each a row read from disk at scale (ADR 019)
  const masks = [...new Set(rows.flatMap((r) => (r.phoneHash ? [] : [r.phoneMasked])))]
  const anyMask = new Set(masks)
  const unnumberedMasks = [...new Set(rows.flatMap((r) => (r.phoneHash && !anyMask.has(r.phoneMasked) ? [r.phoneMasked] : [])))]
  // a lead as JSON (snake_case columns), with when a delivered or lost one closed
  const [found] = rowsOf<{ result: { dups: Array<{ key: string; leadId: string | null }>; byHash: Array<{ hash: string; direct: boolean; lead: LoadedJson }>; byMask: LoadedJson[] } }>(
    await tx.execute(
      sql`select roadshow_lead_import_lookup(${storeId}::uuid, ${JSON.stringify(keys)}::jsonb, ${JSON.stringify(hashes)}::jsonb, ${JSON.stringify(masks)}::jsonb, ${JSON.stringify(unnumberedMasks)}::jsonb) as result`,
    ),
  ).map((r) => r.result)
  const known = new Map<string, string | null>(found!.dups.map((d) => [d.key, d.leadId]))

  const states = new Map<string, LeadState>()
  const stateOf = (row: LoadedJson): LeadState => {
    let state = states.get(row.id)
    if (state) return state
    state = {
      id: row.id,
      created: false,
      before: {
        name: row.name,
        city: row.city,
        model_of_interest: row.model_of_interest,
        phone: row.phone,
        phone_hash: row.phone_hash,
        status: row.status,
        opportunity: row.opportunity,
        lost_reason: row.lost_reason,
        lost_to_brand: row.lost_to_brand,
        lost_to_model: row.lost_to_model,
      },
      name: row.name,
      city: row.city,
      model: row.model_of_interest,
      phone: row.phone,
      phoneHash: row.phone_hash,
      phoneMasked: row.phone_masked,
      status: row.status,
      mergedIntoId: row.merged_into_id,
      createdAt: new Date(row.created_at).getTime(),
      closedAt: row.closed_at ? new Date(row.closed_at).getTime() : null,
      reopen: null,
      completesPhone: false,
      firstAt: row.first_touch_at ? new Date(row.first_touch_at) : null,
      firstChannel: row.first_channel,
      firstCampaignId: row.first_campaign_id,
      lastAt: row.last_touch_at ? new Date(row.last_touch_at) : null,
      touchFirst: null,
      touchLast: null,
      touched: false,
    }
    states.set(row.id, state)
    return state
  }
  const byHash = new Map<string, LeadState>()
  // a number's own open lead first; else the lead its merged lead was merged into
  for (const h of found!.byHash) if (h.direct) byHash.set(h.hash, stateOf(h.lead))
  for (const h of found!.byHash) if (!h.direct && !byHash.has(h.hash)) byHash.set(h.hash, stateOf(h.lead))
  const byMask = new Map<string, LeadState[]>()
  for (const row of found!.byMask) {
    const list = byMask.get(row.phone_masked!) ?? []
    list.push(stateOf(row))
    byMask.set(row.phone_masked!, list)
  }

  // ---- the rows, in file order, against the leads as earlier rows left them
  const findByMask = (masked: string, name: string, onlyWithoutFullPhone: boolean) => {
    const list = (byMask.get(masked) ?? []).filter((s) => !s.mergedIntoId && (!onlyWithoutFullPhone || !s.phoneHash))
    const named = name ? list.filter((s) => s.name === name || s.name === '') : list
    // a masked phone alone is a partial key: match only when it is unambiguous
    return named.length === 1 ? named[0] : undefined
  }
  type Arrival = { row: StagedRow; lead: LeadState; created: boolean; matchedBy: 'phone' | 'masked' | 'new'; reopened: boolean }
  const arrivals: Arrival[] = []
  const outcomes: RowOutcome[] = []
  for (const row of rows) {
    const earlier = known.has(row.rowKey) ? known.get(row.rowKey)! : (added.get(row.rowKey) ?? input.seen.get(row.rowKey))
    if (earlier !== undefined) {
      outcomes.push({ rowNumber: row.rowNumber, outcome: 'duplicate', column: null, reason: 'imports.reason.duplicate', leadId: earlier })
      continue
    }
    let lead: LeadState | undefined
    let matchedBy: Arrival['matchedBy'] = 'new'
    if (row.phoneHash) {
      lead = byHash.get(row.phoneHash)
      if (lead) matchedBy = 'phone'
      else {
        // a lead first known by a masked phone: the full number completes it
        lead = findByMask(row.phoneMasked, row.name, true)
        if (lead) {
          matchedBy = 'masked'
          lead.phone = row.phone
          lead.phoneHash = row.phoneHash
          if (!lead.created) lead.completesPhone = true
          byHash.set(row.phoneHash, lead)
        }
      }
    } else {
      lead = findByMask(row.phoneMasked, row.name, false)
      if (lead) matchedBy = 'masked'
    }
    let created = false
    let reopened = false
    if (!lead) {
      created = true
      lead = {
        id: timeOrderedUuid(),
        created: true,
        before: null,
        name: row.name,
        city: row.city,
        model: row.model,
        phone: row.phone,
        phoneHash: row.phoneHash,
        phoneMasked: row.phoneMasked,
        status: 'new',
        mergedIntoId: null,
        createdAt: Date.now(),
        closedAt: null,
        reopen: null,
        completesPhone: false,
        firstAt: null,
        firstChannel: null,
        firstCampaignId: null,
        lastAt: null,
        touchFirst: null,
        touchLast: null,
        touched: false,
      }
      states.set(lead.id, lead)
      if (row.phoneHash) byHash.set(row.phoneHash, lead)
      const list = byMask.get(row.phoneMasked) ?? []
      list.push(lead)
      byMask.set(row.phoneMasked, list)
    } else {
      // fill in what the lead did not know yet; never overwrite what it knew
      if (!lead.name && row.name) lead.name = row.name
      if (!lead.city && row.city) lead.city = row.city
      if (!lead.model && row.model) lead.model = row.model
      if (!lead.created && !lead.reopen && reopensOnArrival(lead.status) && !(lead.closedAt !== null && row.at.getTime() <= lead.closedAt)) {
        lead.reopen = { fromStatus: lead.status, at: row.at }
        lead.status = 'new'
        reopened = true
      }
    }
    lead.touched = true
    if (!lead.touchFirst || row.at < lead.touchFirst.at) lead.touchFirst = { at: row.at, channel: row.platform, campaignId: row.campaignId }
    if (!lead.touchLast || row.at > lead.touchLast) lead.touchLast = row.at
    added.set(row.rowKey, lead.id)
    arrivals.push({ row, lead, created, matchedBy, reopened })
    outcomes.push({ rowNumber: row.rowNumber, outcome: created ? 'imported' : 'merged', column: null, reason: null, leadId: lead.id })
  }

  const touchedLeads = [...states.values()].filter((s) => s.touched)
  const newLeads = touchedLeads.filter((s) => s.created)
  const oldLeads = touchedLeads.filter((s) => !s.created)

  // ---- the writes, in one call (roadshow_lead_import_write, migration 0009): new leads; the changes
  // to known ones (relative to the row as it is now, like recordArrival's); the undo log;
  // touchpoints; lead events; the rows' outcomes
  const payload = {
    created: newLeads.map((s) => ({
      id: s.id,
      name: s.name,
      phone: s.phone,
      phone_hash: s.phoneHash,
      phone_masked: s.phoneMasked,
      city: s.city,
      model: s.model,
      first_at: s.touchFirst!.at.toISOString(),
      first_channel: s.touchFirst!.channel,
      first_campaign_id: s.touchFirst!.campaignId,
      last_at: s.touchLast!.toISOString(),
    })),
    changed: oldLeads.map((s) => ({
      id: s.id,
      name: s.name,
      city: s.city,
      model: s.model,
      phone: s.completesPhone ? s.phone : null,
      phone_hash: s.completesPhone ? s.phoneHash : null,
      reopen_from: s.reopen?.fromStatus ?? null,
      first_at: s.touchFirst!.at.toISOString(),
      first_channel: s.touchFirst!.channel,
      first_campaign_id: s.touchFirst!.campaignId,
      last_at: s.touchLast!.toISOString(),
    })),
    // the first change of a lead by this import keeps the lead as it was
    undo: touchedLeads.map((s) => ({ lead_id: s.id, created: s.created, before: s.before })),
    touches: arrivals.map((a) => ({
      row: a.row.rowNumber,
      lead_id: a.lead.id,
      channel: a.row.platform,
      at: a.row.at.toISOString(),
      campaign_id: a.row.campaignId,
      placement_id: a.row.placementId,
      detail: a.row.detail,
      event: a.created ? 'created' : 'touch',
      matched_by: a.matchedBy,
      reopen_from: a.reopened ? a.lead.reopen!.fromStatus : null,
    })),
    outcomes: outcomes.map((o) => ({ row_number: o.rowNumber, outcome: o.outcome, column: o.column, reason: o.reason, lead_id: o.leadId })),
  }
  const [written] = rowsOf<{ created: number | string }>(
    await tx.execute(sql`select roadshow_lead_import_write(${storeId}::uuid, ${importId}::uuid, ${userId}::uuid, ${JSON.stringify(payload)}::jsonb) as created`),
  )
  // an arrival by another path took one of these phones since the lookup: look again
  if (Number(written!.created) !== newLeads.length) throw new ChunkRace()
  return outcomes
}

/** Keeps the outcome of rows (failed, skipped, applied) in import_rows, in one statement per thousand. */
export async function recordOutcomes(db: DbOrTx, importId: string, outcomes: RowOutcome[]) {
  for (let i = 0; i < outcomes.length; i += 1000) {
    await db.insert(importRows).values(outcomes.slice(i, i + 1000).map((r) => ({ importId, ...r })))
  }
}

/**
 * Undoes what an import that did not finish wrote, in one transaction: its touchpoints and
 * lead events go; the leads it created go unless someone has since given them something of
 * their own; the leads it changed get back what they were — unless someone edited them since
 * (their version moved on), whose edit stays; each lead's first and last touch are counted
 * again from the touchpoints left. The import is marked failed with `reason`.
 */
export async function rollbackLeadImport(db: Db, importId: string, reason: string) {
  await db.transaction(async (tx) => {
    const [row] = await tx.select({ storeId: imports.storeId, status: imports.status }).from(imports).where(eq(imports.id, importId))
    if (!row || row.status !== 'pending') return
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${lockKey(row.storeId)}))`)
    const id = sql`${importId}::uuid`
    await tx.execute(sql`
      delete from lead_events e using lead_import_undo u
      where u.import_id = ${id} and e.lead_id = u.lead_id and e.detail->>'importId' = ${importId}`)
    await tx.execute(sql`delete from touchpoints where import_id = ${id}`)
    await tx.execute(sql`
      update leads l set
        name = u.before->>'name',
        city = u.before->>'city',
        model_of_interest = u.before->>'model_of_interest',
        phone = u.before->>'phone',
        phone_hash = u.before->>'phone_hash',
        status = u.before->>'status',
        opportunity = (u.before->>'opportunity')::integer,
        lost_reason = u.before->>'lost_reason',
        lost_to_brand = u.before->>'lost_to_brand',
        lost_to_model = u.before->>'lost_to_model',
        version = l.version + 1,
        updated_at = now()
      from lead_import_undo u
      where u.import_id = ${id} and not u.created and l.id = u.lead_id and l.version = u.version_after`)
    await tx.execute(sql`
      update leads l set
        first_touch_at = f.at, first_channel = f.channel, first_campaign_id = f.campaign_id, last_touch_at = f.last_at,
        version = l.version + 1, updated_at = now()
      from (
        select u.lead_id, t.at, t.channel, t.campaign_id, t.last_at
        from lead_import_undo u
        left join lateral (
          select t.at, t.channel, t.campaign_id, max(t.at) over () as last_at
          from touchpoints t where t.lead_id = u.lead_id order by t.at, t.id limit 1
        ) t on true
        where u.import_id = ${id}
      ) f
      where l.id = f.lead_id`)
    await tx.execute(sql`
      delete from leads l using lead_import_undo u
      where u.import_id = ${id} and u.created and l.id = u.lead_id
        and not exists (select 1 from touchpoints t where t.lead_id = l.id)
        and not exists (select 1 from lead_events e where e.lead_id = l.id)
        and not exists (select 1 from showroom_visits v where v.lead_id = l.id)`)
    await tx.delete(importRows).where(eq(importRows.importId, importId))
    await tx.execute(sql`delete from lead_import_undo where import_id = ${id}`)
    await tx.update(imports).set({ status: 'failed', error: reason.slice(0, 2000), finishedAt: new Date() }).where(eq(imports.id, importId))
  })
}

/** Undo rows deleted per statement by forgetUndo: a few ms each on PGlite. */
export const FORGET_UNDO_BATCH = 1_000

/**
 * Once an import is done its undo log has served (a rollback reads only a pending import's):
 * deleted a batch per statement, `between()` awaited between two, since deleting a large
 * import's log in one statement held PGlite's one connection for over half a second (every
 * request waited). Returns how many rows went.
 */
export async function forgetUndo(db: DbOrTx, importId: string, between: () => Promise<unknown> = async () => {}) {
  let total = 0
  for (;;) {
    const [deleted] = rowsOf<{ n: number | string }>(
      await db.execute(sql`
        with gone as (
          delete from lead_import_undo where import_id = ${importId}::uuid and lead_id in (
            select lead_id from lead_import_undo where import_id = ${importId}::uuid limit ${FORGET_UNDO_BATCH}
          ) returning 1
        )
        select count(*) as n from gone`),
    )
    const n = Number(deleted?.n ?? 0)
    total += n
    if (n < FORGET_UNDO_BATCH) return total
    await between()
  }
}

/** The undo logs that outlived their imports (a process stopped between an import's end and forgetUndo): removed by housekeeping. */
export async function forgetFinishedUndo(db: DbOrTx) {
  const finished = rowsOf<{ import_id: string }>(
    await db.execute(sql`select distinct u.import_id from lead_import_undo u join imports i on i.id = u.import_id where i.status <> 'pending'`),
  )
  let total = 0
  for (const { import_id } of finished) total += await forgetUndo(db, import_id)
  return total
}
