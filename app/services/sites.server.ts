import crypto from 'node:crypto'
import { and, asc, count, desc, eq, gt, inArray, sql } from 'drizzle-orm'
import { getDb } from '../../db/client'
import { leads, sites, stores, touchpoints, visitors, webEvents } from '../../db/schema'
import type { SiteInput } from '../schemas/site'
import { requireStoreAccess, type SessionUser } from '../utils/auth.server'
import { notFound } from '../utils/http.server'
import { recordAudit } from './audit.server'
import { isUuid } from '../utils/ids'

/**
 * The store websites that carry the tracking snippet (SPEC §3). Managed by 'site:manage'
 * users within their stores; read without a session by the public endpoints through
 * `findActiveSite` (by the public site key) and `isRegisteredOrigin`.
 */

/** The public id written into the snippet tag: 16 URL-safe characters, 96 random bits. */
export function newSiteKey() {
  return crypto.randomBytes(12).toString('base64url')
}


export async function listSites(user: SessionUser) {
  const storeIds = user.stores.map((s) => s.id)
  if (!storeIds.length) return []
  const db = await getDb()
  const since = new Date(Date.now() - 86_400_000)
  return db
    .select({
      id: sites.id,
      name: sites.name,
      siteKey: sites.siteKey,
      origins: sites.origins,
      active: sites.active,
      storeId: sites.storeId,
      storeName: stores.name,
      storeTimeZone: stores.timeZone,
      events24h: sql<number>`(select count(*) from ${webEvents} where ${webEvents.siteId} = ${sites.id} and ${gt(webEvents.receivedAt, since)})`.mapWith(Number),
      lastEventAt: sql<Date | null>`(select max(${webEvents.receivedAt}) from ${webEvents} where ${webEvents.siteId} = ${sites.id})`.mapWith((v) => (v ? new Date(v) : null)),
      visitors: sql<number>`(select count(*) from ${visitors} where ${visitors.siteId} = ${sites.id})`.mapWith(Number),
      leads: sql<number>`(select count(distinct ${visitors.leadId}) from ${visitors} where ${visitors.siteId} = ${sites.id})`.mapWith(Number),
    })
    .from(sites)
    .innerJoin(stores, eq(stores.id, sites.storeId))
    .where(inArray(sites.storeId, storeIds))
    .orderBy(asc(stores.name), asc(sites.name))
}

/** A site of one of the user's stores; any other is "not found". */
export async function getSite(user: SessionUser, siteId: string) {
  if (!isUuid(siteId)) notFound()
  const db = await getDb()
  const [row] = await db
    .select({ site: sites, storeName: stores.name, storeTimeZone: stores.timeZone })
    .from(sites)
    .innerJoin(stores, eq(stores.id, sites.storeId))
    .where(eq(sites.id, siteId))
  if (!row) notFound()
  requireStoreAccess(user, row.site.storeId, 'read')
  return { ...row.site, storeName: row.storeName, storeTimeZone: row.storeTimeZone }
}

export async function createSite(user: SessionUser, input: SiteInput, ip: string) {
  requireStoreAccess(user, input.storeId, 'write')
  const db = await getDb()
  const id = await db.transaction(async (tx) => {
    const values = { storeId: input.storeId, name: input.name, origins: input.origins, active: input.active, siteKey: newSiteKey() }
    const [created] = await tx.insert(sites).values(values).returning({ id: sites.id })
    await recordAudit(tx, { userId: user.id, storeId: input.storeId, action: 'site.create', entityType: 'site', entityId: created!.id, after: values, ip })
    return created!.id
  })
  forgetSiteCache()
  return id
}

/** Name, origins and whether it is active; the store and the site key stay. */
export async function updateSite(user: SessionUser, siteId: string, input: Omit<SiteInput, 'storeId'>, ip: string) {
  const before = await getSite(user, siteId)
  requireStoreAccess(user, before.storeId, 'write')
  const db = await getDb()
  const after = { name: input.name, origins: input.origins, active: input.active }
  await db.transaction(async (tx) => {
    await tx.update(sites).set(after).where(eq(sites.id, siteId))
    await recordAudit(tx, {
      userId: user.id,
      storeId: before.storeId,
      action: 'site.update',
      entityType: 'site',
      entityId: siteId,
      before: { name: before.name, origins: before.origins, active: before.active },
      after,
      ip,
    })
  })
  forgetSiteCache()
}

/** What the snippet has brought lately: totals, the latest page views, and the latest web touchpoints with their leads. */
export async function siteActivity(user: SessionUser, siteId: string, limit = 20) {
  const site = await getSite(user, siteId)
  const db = await getDb()
  const since = new Date(Date.now() - 86_400_000)
  const [totals] = await db
    .select({
      events: count(),
      events24h: sql<number>`count(*) filter (where ${gt(webEvents.receivedAt, since)})`.mapWith(Number),
    })
    .from(webEvents)
    .where(eq(webEvents.siteId, site.id))
  const [people] = await db
    .select({ visitors: count(), leads: sql<number>`count(distinct ${visitors.leadId})`.mapWith(Number) })
    .from(visitors)
    .where(eq(visitors.siteId, site.id))
  const pageViews = await db
    .select({
      id: webEvents.id,
      at: webEvents.occurredAt,
      url: webEvents.url,
      referrer: webEvents.referrer,
      utmSource: webEvents.utmSource,
      utmMedium: webEvents.utmMedium,
      utmCampaign: webEvents.utmCampaign,
      visitorKey: webEvents.visitorKey,
    })
    .from(webEvents)
    .where(eq(webEvents.siteId, site.id))
    .orderBy(desc(webEvents.receivedAt), desc(webEvents.id))
    .limit(limit)
  const touches = await db
    .select({
      id: touchpoints.id,
      at: touchpoints.at,
      kind: touchpoints.kind,
      channel: touchpoints.channel,
      utmSource: touchpoints.utmSource,
      utmMedium: touchpoints.utmMedium,
      utmCampaign: touchpoints.utmCampaign,
      visitorKey: touchpoints.visitorKey,
      detail: touchpoints.detail,
      leadId: touchpoints.leadId,
      leadName: leads.name,
    })
    .from(touchpoints)
    .leftJoin(leads, eq(leads.id, touchpoints.leadId))
    .where(and(eq(touchpoints.storeId, site.storeId), eq(touchpoints.siteId, site.id)))
    .orderBy(desc(touchpoints.at), desc(touchpoints.id))
    .limit(limit)
  return {
    totals: { events: totals?.events ?? 0, events24h: totals?.events24h ?? 0, visitors: people?.visitors ?? 0, leads: people?.leads ?? 0 },
    pageViews,
    touches: touches.map(({ detail, ...t }) => ({ ...t, url: typeof detail?.url === 'string' ? detail.url : null })),
  }
}

// ---------------------------------------------------------------------------------------
// Public look-ups for /api/collect and /api/leads: cached briefly, since every beacon asks.

export type ActiveSite = { id: string; storeId: string; storeName: string; name: string; siteKey: string; origins: string[] }

const CACHE_MS = 10_000
const CACHE_MAX = 10_000
/** a look-up waits at most this long; then the last answer (however old) serves, or the request is refused with 503 */
const LOOKUP_TIMEOUT_MS = 500
type Cached<T> = { value: T; until: number }
const siteCache = new Map<string, Cached<ActiveSite | null>>()
const originCache = new Map<string, Cached<boolean>>()
/** the query under way per cache and key: a burst of beacons waits for one look-up */
const lookups = new Map<Map<string, Cached<never>>, Map<string, Promise<unknown>>>()

/** Called after a site changes, so that this process sees it at once (others within CACHE_MS). */
export function forgetSiteCache() {
  siteCache.clear()
  originCache.clear()
  lookups.clear()
}

function remember<T>(cache: Map<string, T>, key: string, value: T) {
  if (cache.size >= CACHE_MAX) cache.clear()
  cache.set(key, value)
}

/**
 * The cached answer while fresh; else one query per key at a time, bounded in time. When the
 * database fails or does not answer in time (it restarts), the last answer serves if there is
 * one — a beacon of a known site then meets the collector's own 503, not a hanging request.
 */
async function lookUp<T>(cache: Map<string, Cached<T>>, key: string, query: () => Promise<T>): Promise<T> {
  const hit = cache.get(key)
  if (hit && hit.until > Date.now()) return hit.value
  let underWay = lookups.get(cache as Map<string, Cached<never>>)
  if (!underWay) lookups.set(cache as Map<string, Cached<never>>, (underWay = new Map()))
  let pending = underWay.get(key) as Promise<T> | undefined
  if (!pending) {
    const queries = underWay
    pending = query()
      .then((value) => {
        remember(cache, key, { value, until: Date.now() + CACHE_MS })
        return value
      })
      .finally(() => queries.delete(key))
    queries.set(key, pending)
  }
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`site look-up took longer than ${LOOKUP_TIMEOUT_MS} ms`)), LOOKUP_TIMEOUT_MS)
  })
  try {
    return await Promise.race([pending, timeout])
  } catch (error) {
    if (hit) return hit.value
    throw error
  } finally {
    clearTimeout(timer)
  }
}

/** The active site with this public key, or null (unknown keys are remembered too, so that guessing costs no queries). */
export async function findActiveSite(siteKey: string): Promise<ActiveSite | null> {
  return lookUp(siteCache, siteKey, async () => {
    const db = await getDb()
    const [row] = await db
      .select({ id: sites.id, storeId: sites.storeId, storeName: stores.name, name: sites.name, siteKey: sites.siteKey, origins: sites.origins })
      .from(sites)
      .innerJoin(stores, eq(stores.id, sites.storeId))
      .where(and(eq(sites.siteKey, siteKey), eq(sites.active, true)))
    return row ? { ...row, origins: Array.isArray(row.origins) ? row.origins : [] } : null
  })
}

/** Whether any active site lists this origin: enough to answer a CORS preflight, which carries no site key. */
export async function isRegisteredOrigin(origin: string): Promise<boolean> {
  return lookUp(originCache, origin, async () => {
    const db = await getDb()
    const [row] = await db
      .select({ id: sites.id })
      .from(sites)
      .where(and(eq(sites.active, true), sql`${sites.origins} @> ${JSON.stringify([origin])}::jsonb`))
      .limit(1)
    return Boolean(row)
  })
}
