import { and, asc, count, desc, eq, gte, ilike, inArray, lt, or, sql, type SQL } from 'drizzle-orm'
import { getDb } from '../../db/client'
import { containsPattern } from '../../db/sql'
import { competitorObservations, modelSegments, segmentModels, stores, users } from '../../db/schema'
import type { ObservationFilters, ObservationInput, SegmentInput } from '../schemas/competitor'
import { requireStoreAccess, type SessionUser } from '../utils/auth.server'
import { notFound } from '../utils/http.server'
import { addDays } from '../utils/days'
import { queryPeriod } from '../utils/period'
import { storeToday } from '../utils/zoned-time'
import { recordAudit } from './audit.server'
import { keepPhoto, photoTypeOf, type PhotoType } from './photos.server'
import { isUuid, NO_STORE } from '../utils/ids'

/**
 * Competitor intelligence (竞品信息, SPEC §5, ADR 028): what competitors offer as specialists
 * and consultants saw it, scoped to the stores the user belongs to; and the group's model
 * segments, which say which of the competitors' models compete with which of ours.
 */

export const OBSERVATIONS_PAGE_SIZE = 30


function observationConditions(user: SessionUser, f: Partial<ObservationFilters>): SQL[] {
  const readable = user.stores.map((s) => s.id)
  const conditions: SQL[] = [inArray(competitorObservations.storeId, readable.length ? readable : [NO_STORE])]
  if (f.store) conditions.push(eq(competitorObservations.storeId, f.store))
  const period = queryPeriod(f, storeToday(user.stores))
  if (period) conditions.push(gte(competitorObservations.seenOn, period.from), lt(competitorObservations.seenOn, period.to))
  if (f.brand) conditions.push(eq(competitorObservations.brand, f.brand))
  if (f.seenAt) conditions.push(eq(competitorObservations.seenAt, f.seenAt))
  if (f.q) {
    const like = containsPattern(f.q)
    conditions.push(
      or(
        ilike(competitorObservations.model, like),
        ilike(competitorObservations.trim, like),
        ilike(competitorObservations.promotion, like),
        ilike(competitorObservations.place, like),
        ilike(competitorObservations.brand, like),
      )!,
    )
  }
  return conditions
}

const SORT_COLUMNS: Record<ObservationFilters['sort'], SQL> = {
  seenOn: sql`${competitorObservations.seenOn}`,
  car: sql`${competitorObservations.brand} || ' ' || ${competitorObservations.model}`,
  price: sql`${competitorObservations.transactionPriceFen}`,
  discount: sql`${competitorObservations.discountFen}`,
}

export async function listObservations(user: SessionUser, f: ObservationFilters) {
  const db = await getDb()
  const where = and(...observationConditions(user, f))
  const [total] = await db.select({ n: count() }).from(competitorObservations).where(where)
  const pages = Math.max(1, Math.ceil((total?.n ?? 0) / OBSERVATIONS_PAGE_SIZE))
  const page = Math.min(f.page, pages)
  const rows = await db
    .select({
      id: competitorObservations.id,
      storeId: competitorObservations.storeId,
      storeName: stores.name,
      currency: stores.currency,
      brand: competitorObservations.brand,
      model: competitorObservations.model,
      trim: competitorObservations.trim,
      listPriceFen: competitorObservations.listPriceFen,
      transactionPriceFen: competitorObservations.transactionPriceFen,
      discountFen: competitorObservations.discountFen,
      promotion: competitorObservations.promotion,
      promotionStart: competitorObservations.promotionStart,
      promotionEnd: competitorObservations.promotionEnd,
      seenAt: competitorObservations.seenAt,
      place: competitorObservations.place,
      seenOn: competitorObservations.seenOn,
      seenBy: sql<string>`coalesce(${users.name}, ${competitorObservations.seenByName})`,
      hasPhoto: sql<boolean>`${competitorObservations.photoSha256} is not null`,
    })
    .from(competitorObservations)
    .innerJoin(stores, eq(stores.id, competitorObservations.storeId))
    .leftJoin(users, eq(users.id, competitorObservations.seenById))
    .where(where)
    // without a value (no price seen) last either way; then the newest sighting
    .orderBy(sql`${SORT_COLUMNS[f.sort]} ${sql.raw(f.dir === 'asc' ? 'asc' : 'desc')} nulls last`, desc(competitorObservations.seenOn), desc(competitorObservations.createdAt))
    .limit(OBSERVATIONS_PAGE_SIZE)
    .offset((page - 1) * OBSERVATIONS_PAGE_SIZE)
  return { rows, total: total?.n ?? 0, page, pages }
}

/** The brands seen in the user's stores and those of the group's segments: the brand filter's and the form's suggestions. */
export async function knownBrandsAndModels(user: SessionUser) {
  const db = await getDb()
  const readable = user.stores.map((s) => s.id)
  const seen = readable.length
    ? await db
        .selectDistinct({ brand: competitorObservations.brand, model: competitorObservations.model })
        .from(competitorObservations)
        .where(inArray(competitorObservations.storeId, readable))
        .limit(500)
    : []
  const segmented = await db
    .selectDistinct({ brand: segmentModels.brand, model: segmentModels.model })
    .from(segmentModels)
    .innerJoin(modelSegments, eq(modelSegments.id, segmentModels.segmentId))
    .where(and(eq(modelSegments.groupId, user.groupId), eq(segmentModels.ours, false)))
  const all = [...seen, ...segmented]
  const brands = [...new Set(all.map((r) => r.brand))].sort((a, b) => a.localeCompare(b, 'zh-CN'))
  const models = [...new Set(all.map((r) => r.model))].sort((a, b) => a.localeCompare(b, 'zh-CN'))
  return { brands, models }
}

export async function getObservation(user: SessionUser, id: string) {
  if (!isUuid(id)) notFound()
  const db = await getDb()
  const [row] = await db
    .select({ observation: competitorObservations, storeName: stores.name, currency: stores.currency, timeZone: stores.timeZone, seenBy: users.name })
    .from(competitorObservations)
    .innerJoin(stores, eq(stores.id, competitorObservations.storeId))
    .leftJoin(users, eq(users.id, competitorObservations.seenById))
    .where(eq(competitorObservations.id, id))
  if (!row) notFound()
  requireStoreAccess(user, row.observation.storeId, 'read')
  return { ...row.observation, storeName: row.storeName, currency: row.currency, timeZone: row.timeZone, seenBy: row.seenBy ?? row.observation.seenByName }
}

export type ObservationDetail = Awaited<ReturnType<typeof getObservation>>

/** The observation's own columns, without what the page joins to it: what the audit log keeps. */
function asRecorded({ storeName: _s, currency: _c, timeZone: _t, seenBy: _b, ...row }: ObservationDetail) {
  return row
}

/** A photo as the form sent it: kept only when its bytes are a picture. */
export type PhotoUpload = { bytes: Uint8Array } | null

export type ObservationSaveResult =
  | { ok: true; id: string }
  | { ok: false; reason: 'photo' }
  | { ok: false; reason: 'stale'; version: number }

async function photoColumns(photo: PhotoUpload): Promise<{ photoSha256: string; photoType: PhotoType } | 'bad' | null> {
  if (!photo || photo.bytes.length === 0) return null
  const type = photoTypeOf(photo.bytes)
  if (!type) return 'bad'
  return { photoSha256: await keepPhoto(photo.bytes), photoType: type }
}

function columns(input: ObservationInput) {
  const { storeId, ...rest } = input
  return { storeId, ...rest }
}

export async function createObservation(user: SessionUser, input: ObservationInput, photo: PhotoUpload, ip: string): Promise<ObservationSaveResult> {
  requireStoreAccess(user, input.storeId, 'write')
  const picture = await photoColumns(photo)
  if (picture === 'bad') return { ok: false, reason: 'photo' }
  const db = await getDb()
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(competitorObservations)
      .values({ ...columns(input), ...(picture ?? {}), seenById: user.id, createdById: user.id })
      .returning({ id: competitorObservations.id })
    await recordAudit(tx, { userId: user.id, storeId: input.storeId, action: 'competitor.observe', entityType: 'competitor_observation', entityId: row!.id, after: input, ip })
    return { ok: true, id: row!.id } as const
  })
}

/** Saves the observation if nobody saved it since `version` was read; a new photo replaces the old, `removePhoto` takes it away. */
export async function updateObservation(
  user: SessionUser,
  id: string,
  input: ObservationInput,
  version: number,
  photo: PhotoUpload,
  removePhoto: boolean,
  ip: string,
): Promise<ObservationSaveResult> {
  const before = await getObservation(user, id)
  requireStoreAccess(user, before.storeId, 'write')
  requireStoreAccess(user, input.storeId, 'write')
  const picture = await photoColumns(photo)
  if (picture === 'bad') return { ok: false, reason: 'photo' }
  const db = await getDb()
  return db.transaction(async (tx) => {
    const updated = await tx
      .update(competitorObservations)
      .set({
        ...columns(input),
        ...(picture ?? (removePhoto ? { photoSha256: null, photoType: null } : {})),
        version: sql`${competitorObservations.version} + 1`,
        updatedAt: sql`now()`,
      })
      .where(and(eq(competitorObservations.id, id), eq(competitorObservations.version, version)))
      .returning({ version: competitorObservations.version })
    if (!updated.length) {
      const [current] = await tx.select({ version: competitorObservations.version }).from(competitorObservations).where(eq(competitorObservations.id, id))
      return { ok: false, reason: 'stale', version: current?.version ?? version } as const
    }
    await recordAudit(tx, { userId: user.id, storeId: input.storeId, action: 'competitor.update', entityType: 'competitor_observation', entityId: id, before: asRecorded(before), after: input, ip })
    return { ok: true, id } as const
  })
}

/** Deletes an observation recorded by mistake (the audit log keeps what it was). */
export async function deleteObservation(user: SessionUser, id: string, ip: string) {
  const before = await getObservation(user, id)
  requireStoreAccess(user, before.storeId, 'write')
  const db = await getDb()
  await db.transaction(async (tx) => {
    await tx.delete(competitorObservations).where(eq(competitorObservations.id, id))
    await recordAudit(tx, { userId: user.id, storeId: before.storeId, action: 'competitor.delete', entityType: 'competitor_observation', entityId: id, before: asRecorded(before), ip })
  })
}

// ---------------------------------------------------------------------------------------
// Model segments: the group's, read by everyone who reads competitor data, kept by managers

export type Segment = { id: string; name: string; ours: Array<{ brand: string; model: string }>; theirs: Array<{ brand: string; model: string }> }

export async function listSegments(user: SessionUser): Promise<Segment[]> {
  const db = await getDb()
  const rows = await db
    .select({ id: modelSegments.id, name: modelSegments.name, brand: segmentModels.brand, model: segmentModels.model, ours: segmentModels.ours })
    .from(modelSegments)
    .leftJoin(segmentModels, eq(segmentModels.segmentId, modelSegments.id))
    .where(eq(modelSegments.groupId, user.groupId))
    .orderBy(asc(modelSegments.name), asc(segmentModels.position))
  const byId = new Map<string, Segment>()
  for (const r of rows) {
    const segment = byId.get(r.id) ?? { id: r.id, name: r.name, ours: [], theirs: [] }
    byId.set(r.id, segment)
    if (r.brand !== null && r.model !== null) (r.ours ? segment.ours : segment.theirs).push({ brand: r.brand, model: r.model })
  }
  return [...byId.values()]
}

export type SegmentSaveResult = { ok: true; id: string } | { ok: false; reason: 'name-taken' }

/** Creates a segment (no `id`) or replaces one of the user's group with the models given. */
export async function saveSegment(user: SessionUser, id: string | null, input: SegmentInput, ip: string): Promise<SegmentSaveResult> {
  if (id !== null && !isUuid(id)) notFound()
  const db = await getDb()
  return db.transaction(async (tx) => {
    const [taken] = await tx
      .select({ id: modelSegments.id })
      .from(modelSegments)
      .where(and(eq(modelSegments.groupId, user.groupId), eq(modelSegments.name, input.name)))
    if (taken && taken.id !== id) return { ok: false, reason: 'name-taken' } as const
    let segmentId = id
    if (segmentId === null) {
      const [row] = await tx.insert(modelSegments).values({ groupId: user.groupId, name: input.name }).returning({ id: modelSegments.id })
      segmentId = row!.id
    } else {
      const updated = await tx
        .update(modelSegments)
        .set({ name: input.name, updatedAt: sql`now()` })
        .where(and(eq(modelSegments.id, segmentId), eq(modelSegments.groupId, user.groupId)))
        .returning({ id: modelSegments.id })
      if (!updated.length) notFound()
      await tx.delete(segmentModels).where(eq(segmentModels.segmentId, segmentId))
    }
    const models = [...input.ours.map((m) => ({ ...m, ours: true })), ...input.theirs.map((m) => ({ ...m, ours: false }))]
    await tx.insert(segmentModels).values(models.map((m, position) => ({ segmentId: segmentId!, brand: m.brand, model: m.model, ours: m.ours, position })))
    await recordAudit(tx, { userId: user.id, action: id ? 'segment.update' : 'segment.create', entityType: 'model_segment', entityId: segmentId, after: input, ip })
    return { ok: true, id: segmentId } as const
  })
}

export async function deleteSegment(user: SessionUser, id: string, ip: string) {
  if (!isUuid(id)) notFound()
  const db = await getDb()
  await db.transaction(async (tx) => {
    const gone = await tx
      .delete(modelSegments)
      .where(and(eq(modelSegments.id, id), eq(modelSegments.groupId, user.groupId)))
      .returning({ id: modelSegments.id, name: modelSegments.name })
    if (!gone.length) notFound()
    await recordAudit(tx, { userId: user.id, action: 'segment.delete', entityType: 'model_segment', entityId: id, before: { name: gone[0]!.name }, ip })
  })
}

export type RunningPromotion = { brand: string; model: string; promotion: string; until: string | null; lastSeen: string }

/**
 * The competitors' promotions running today at the stores (the workbench's glance): those whose
 * period includes today, and — for a sighting without a period — seen in the last two weeks.
 * The most recently seen first.
 */
export async function promotionsRunning(storeIds: string[], today: string, limit = 5): Promise<RunningPromotion[]> {
  if (!storeIds.length) return []
  const db = await getDb()
  const o = competitorObservations
  const fortnightAgo = addDays(today, -13)
  return db
    .select({
      brand: o.brand,
      model: o.model,
      promotion: o.promotion,
      until: sql<string | null>`max(${o.promotionEnd})::text`,
      lastSeen: sql<string>`max(${o.seenOn})::text`,
    })
    .from(o)
    .where(
      and(
        inArray(o.storeId, storeIds),
        sql`${o.promotion} <> ''`,
        sql`coalesce(${o.promotionStart}, ${o.seenOn}) <= ${today}::date`,
        sql`(${o.promotionEnd} >= ${today}::date or (${o.promotionEnd} is null and ${o.seenOn} >= ${fortnightAgo}::date))`,
      ),
    )
    .groupBy(o.brand, o.model, o.promotion)
    .orderBy(sql`max(${o.seenOn}) desc`, o.brand, o.model)
    .limit(limit)
}
