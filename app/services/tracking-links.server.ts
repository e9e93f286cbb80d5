import crypto from 'node:crypto'
import { and, asc, count, countDistinct, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm'
import { getDb } from '../../db/client'
import { campaigns, linkClicks, mediaPlacements, promotionPolicies, stores, trackingLinks } from '../../db/schema'
import type { Medium } from '../../db/schema/enums'
import { EnsureLinksSchema, isWebUrl, type TrackingLinkInput } from '../schemas/tracking-link'
import { canReadStore, canWriteStore, type SessionUser } from '../utils/auth.server'
import { isBotAgent } from '../utils/bots'
import { toFieldErrors, type FieldErrors } from '../utils/form'
import { clientIp, forbidden, isSecureRequest, notFound, readCookie } from '../utils/http.server'
import { getEnv } from '../utils/env.server'
import { describeError, log } from '../utils/logger.server'
import { roleCan } from '../utils/permissions'
import { hashIp } from '../utils/phone-hash.server'
import { TokenBuckets } from '../utils/rate-limit.server'
import { deriveUtm, withUtm, type Utm } from '../utils/utm'
import { recordAudit } from './audit.server'
import { isUuid } from '../utils/ids'

/**
 * Tracking links (SPEC §3): each media placement of a campaign gets a short `/r/<code>`
 * that counts the click and redirects to the placement's landing page with UTM
 * parameters, and a QR code for offline media.
 */

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
export const CODE_LENGTH = 8
/** What a code may look like: anything else is answered "not found" without a query. */
export const CODE_PATTERN = /^[0-9A-Za-z]{4,16}$/

/** 8 base62 characters from the OS's random source: 62^8 ≈ 2·10^14, not guessable by walking. */
export function newLinkCode(length = CODE_LENGTH): string {
  let code = ''
  while (code.length < length) {
    for (const byte of crypto.randomBytes(length * 2)) {
      // 248 = 4 × 62: rejecting the rest keeps every character equally likely
      if (byte < 248 && code.length < length) code += ALPHABET[byte % 62]
    }
  }
  return code
}

export function shortUrlFor(origin: string, code: string) {
  return `${origin}/r/${code}`
}

/**
 * The origin customers reach this app at: PUBLIC_URL when set — a QR code printed from a staff
 * laptop on a LAN address must still open on a customer's phone — else the address the request
 * came in on (behind a proxy: TRUST_PROXY).
 */
export function publicOrigin(request: Request) {
  return getEnv().PUBLIC_URL ?? new URL(request.url).origin
}


function requireManage(user: SessionUser, storeId: string) {
  if (!roleCan(user.role, 'link:manage') || !canWriteStore(user, storeId)) forbidden('You may not manage the tracking links of this store.')
}

export function canManageLinks(user: SessionUser, storeId: string) {
  return roleCan(user.role, 'link:manage') && canWriteStore(user, storeId)
}

/** The campaign, if the user may read its store; another store's campaign is "not found". */
async function readableCampaign(user: SessionUser, campaignId: string) {
  if (!isUuid(campaignId)) notFound()
  const db = await getDb()
  const [row] = await db
    .select({ id: campaigns.id, name: campaigns.name, storeId: campaigns.storeId, websiteUrl: stores.websiteUrl })
    .from(campaigns)
    .innerJoin(stores, eq(stores.id, campaigns.storeId))
    .where(eq(campaigns.id, campaignId))
  if (!row || !canReadStore(user, row.storeId)) notFound()
  return row
}

/** The store's website as a default landing page, when it is one a phone can open. */
const defaultDestination = (websiteUrl: string | null) => (websiteUrl && isWebUrl(websiteUrl) ? websiteUrl : null)

export type EnsureResult = { ok: true; created: number } | { ok: false; errors: FieldErrors }

/**
 * Gives every placement of the campaign that has none a tracking link. Idempotent: run
 * twice, it creates nothing the second time; two runs at once are serialized on the
 * campaign row. New links lead to `destinationUrl`, else to the store's website.
 */
export async function ensureLinksForCampaign(
  user: SessionUser,
  campaignId: string,
  input: { destinationUrl?: string | null },
  ip: string,
): Promise<EnsureResult> {
  const campaign = await readableCampaign(user, campaignId)
  requireManage(user, campaign.storeId)
  const destination = input.destinationUrl ?? defaultDestination(campaign.websiteUrl)
  const db = await getDb()
  return db.transaction(async (tx) => {
    await tx.select({ id: campaigns.id }).from(campaigns).where(eq(campaigns.id, campaignId)).for('update')
    const missing = await tx
      .select({ id: mediaPlacements.id, medium: mediaPlacements.medium, platform: mediaPlacements.platform })
      .from(mediaPlacements)
      .leftJoin(trackingLinks, eq(trackingLinks.placementId, mediaPlacements.id))
      .where(and(eq(mediaPlacements.campaignId, campaignId), isNull(trackingLinks.id)))
      .orderBy(asc(mediaPlacements.position))
    if (!missing.length) return { ok: true, created: 0 } as const
    if (!destination) return { ok: false, errors: { destinationUrl: 'links.destinationRequired' } } as const
    for (const placement of missing) {
      const values = {
        storeId: campaign.storeId,
        campaignId,
        placementId: placement.id,
        destinationUrl: destination,
        ...deriveUtm(campaign, placement),
        createdById: user.id,
      }
      // a code already taken (one in 10^14) is drawn again; on conflict keeps the transaction alive
      let created: typeof trackingLinks.$inferSelect | undefined
      for (let attempt = 0; !created; attempt++) {
        if (attempt === 5) throw new Error('Could not draw a free tracking link code')
        ;[created] = await tx.insert(trackingLinks).values({ ...values, code: newLinkCode() }).onConflictDoNothing({ target: trackingLinks.code }).returning()
      }
      await recordAudit(tx, {
        userId: user.id,
        storeId: campaign.storeId,
        action: 'link.create',
        entityType: 'tracking_link',
        entityId: created.id,
        after: { code: created.code, placementId: placement.id, destinationUrl: created.destinationUrl, ...utmOf(created), active: created.active },
        ip,
      })
    }
    return { ok: true, created: missing.length } as const
  })
}

/** The "create the missing links" form of the campaign page. */
export async function ensureLinksFromForm(user: SessionUser, campaignId: string, form: FormData, ip: string): Promise<EnsureResult> {
  const typed = form.get('destinationUrl')
  const parsed = EnsureLinksSchema.safeParse({ destinationUrl: typeof typed === 'string' ? typed : undefined })
  if (!parsed.success) {
    // refuse a stranger before telling them what was wrong with the field
    const campaign = await readableCampaign(user, campaignId)
    requireManage(user, campaign.storeId)
    return { ok: false, errors: toFieldErrors(parsed.error) }
  }
  return ensureLinksForCampaign(user, campaignId, parsed.data, ip)
}

const utmOf = (l: Utm): Utm => ({ utmSource: l.utmSource, utmMedium: l.utmMedium, utmCampaign: l.utmCampaign, utmContent: l.utmContent })

export type LinkRow = {
  placement: { id: string; medium: Medium; platform: string } | null
  link: {
    id: string
    code: string
    destinationUrl: string
    utmSource: string
    utmMedium: string
    utmCampaign: string
    utmContent: string
    active: boolean
  } | null
  clicks: number
  visitors: number
}

/**
 * Every placement of the campaign with its link (or none yet), plus links whose placement
 * was removed from the plan, with clicks (every counted click) and visitors (distinct
 * address hashes).
 */
export async function listLinksForCampaign(user: SessionUser, campaignId: string): Promise<LinkRow[]> {
  await readableCampaign(user, campaignId)
  return linkRows(campaignId)
}

async function linkRows(campaignId: string): Promise<LinkRow[]> {
  const db = await getDb()
  const [placements, links] = await Promise.all([
    db
      .select({ id: mediaPlacements.id, medium: mediaPlacements.medium, platform: mediaPlacements.platform })
      .from(mediaPlacements)
      .where(eq(mediaPlacements.campaignId, campaignId))
      .orderBy(asc(mediaPlacements.position)),
    db
      .select({
        id: trackingLinks.id,
        placementId: trackingLinks.placementId,
        code: trackingLinks.code,
        destinationUrl: trackingLinks.destinationUrl,
        utmSource: trackingLinks.utmSource,
        utmMedium: trackingLinks.utmMedium,
        utmCampaign: trackingLinks.utmCampaign,
        utmContent: trackingLinks.utmContent,
        active: trackingLinks.active,
      })
      .from(trackingLinks)
      .where(eq(trackingLinks.campaignId, campaignId))
      .orderBy(asc(trackingLinks.createdAt), asc(trackingLinks.code)),
  ])
  const counts = links.length
    ? await db
        .select({ linkId: linkClicks.linkId, clicks: count(), visitors: countDistinct(sql`coalesce(${linkClicks.visitorKey}, ${linkClicks.ipHash})`) })
        .from(linkClicks)
        .where(inArray(linkClicks.linkId, links.map((l) => l.id)))
        .groupBy(linkClicks.linkId)
    : []
  const countOf = new Map(counts.map((c) => [c.linkId, c]))
  const row = (placement: LinkRow['placement'], link: (typeof links)[number] | undefined): LinkRow => {
    const { placementId: _p, ...rest } = link ?? { placementId: null }
    const c = link ? countOf.get(link.id) : undefined
    return { placement, link: link ? (rest as NonNullable<LinkRow['link']>) : null, clicks: Number(c?.clicks ?? 0), visitors: Number(c?.visitors ?? 0) }
  }
  const byPlacement = new Map<string, (typeof links)[number][]>()
  for (const l of links) if (l.placementId) byPlacement.set(l.placementId, [...(byPlacement.get(l.placementId) ?? []), l])
  const placementIds = new Set(placements.map((p) => p.id))
  return [
    ...placements.flatMap((p) => {
      const own = byPlacement.get(p.id)
      return own?.length ? own.map((l) => row(p, l)) : [row(p, undefined)]
    }),
    ...links.filter((l) => !l.placementId || !placementIds.has(l.placementId)).map((l) => row(null, l)),
  ]
}

/** What the campaign page shows of its tracking links, with absolute short and full URLs. */
export async function trackingLinksSection(user: SessionUser, campaignId: string, request: Request) {
  const campaign = await readableCampaign(user, campaignId)
  const rows = await linkRows(campaignId)
  const origin = publicOrigin(request)
  return {
    rows: rows.map((r) => ({
      ...r,
      link: r.link && { ...r.link, shortUrl: shortUrlFor(origin, r.link.code), fullUrl: withUtm(r.link.destinationUrl, r.link) },
    })),
    missing: rows.filter((r) => r.placement && !r.link).length,
    canManage: canManageLinks(user, campaign.storeId),
    defaultDestination: defaultDestination(campaign.websiteUrl) ?? '',
  }
}

export type TrackingLinksSection = Awaited<ReturnType<typeof trackingLinksSection>>

const linkWithContext = {
  link: trackingLinks,
  campaignName: campaigns.name,
  campaignTheme: campaigns.theme,
  campaignStart: campaigns.startDate,
  campaignEnd: campaigns.endDate,
  storeName: stores.name,
  storeAddress: stores.address,
  storeHotline: stores.hotline,
  medium: mediaPlacements.medium,
  platform: mediaPlacements.platform,
}

async function selectLink(where: SQL) {
  const db = await getDb()
  const [row] = await db
    .select(linkWithContext)
    .from(trackingLinks)
    .innerJoin(campaigns, eq(campaigns.id, trackingLinks.campaignId))
    .innerJoin(stores, eq(stores.id, trackingLinks.storeId))
    .leftJoin(mediaPlacements, eq(mediaPlacements.id, trackingLinks.placementId))
    .where(where)
  return row
}

/** A link by its code for someone who may read its store (QR codes, the poster); else "not found". */
export async function getLinkByCode(user: SessionUser, code: string) {
  if (!CODE_PATTERN.test(code)) notFound()
  const row = await selectLink(eq(trackingLinks.code, code))
  if (!row || !canReadStore(user, row.link.storeId)) notFound()
  return row
}

/**
 * What a printed poster says beside its QR code (SPEC §3): the campaign, its theme and dates, the
 * offers to customers (外促), and where the showroom is and the number to call.
 */
export async function getPoster(user: SessionUser, code: string, origin: string) {
  const row = await getLinkByCode(user, code)
  const db = await getDb()
  const offers = await db
    .select({ description: promotionPolicies.description })
    .from(promotionPolicies)
    .where(and(eq(promotionPolicies.campaignId, row.link.campaignId), eq(promotionPolicies.kind, 'external')))
    .orderBy(asc(promotionPolicies.position))
  return {
    code: row.link.code,
    active: row.link.active,
    campaign: { id: row.link.campaignId, name: row.campaignName, theme: row.campaignTheme, startDate: row.campaignStart, endDate: row.campaignEnd },
    offers: offers.map((o) => o.description).filter(Boolean),
    store: { name: row.storeName, address: row.storeAddress, hotline: row.storeHotline },
    placement: row.medium ? { medium: row.medium, platform: row.platform ?? '' } : null,
    shortUrl: shortUrlFor(origin, row.link.code),
  }
}

/** A link of the campaign for its edit form: readable store or 404, then manage rights or 403. */
export async function getLinkForEdit(user: SessionUser, campaignId: string, linkId: string) {
  if (!isUuid(linkId) || !isUuid(campaignId)) notFound()
  const row = await selectLink(eq(trackingLinks.id, linkId))
  if (!row || row.link.campaignId !== campaignId || !canReadStore(user, row.link.storeId)) notFound()
  requireManage(user, row.link.storeId)
  return row
}

/** Changes where a link leads, its UTM parameters and whether it redirects; audited with before and after. */
export async function updateLink(user: SessionUser, campaignId: string, linkId: string, input: TrackingLinkInput, ip: string) {
  const { link: before } = await getLinkForEdit(user, campaignId, linkId)
  const db = await getDb()
  await db.transaction(async (tx) => {
    const changes = {
      destinationUrl: input.destinationUrl,
      utmSource: input.utmSource,
      utmMedium: input.utmMedium,
      utmCampaign: input.utmCampaign,
      utmContent: input.utmContent,
      active: input.active,
    }
    await tx.update(trackingLinks).set(changes).where(eq(trackingLinks.id, linkId))
    await recordAudit(tx, {
      userId: user.id,
      storeId: before.storeId,
      action: 'link.update',
      entityType: 'tracking_link',
      entityId: linkId,
      before: { destinationUrl: before.destinationUrl, ...utmOf(before), active: before.active },
      after: changes,
      ip,
    })
  })
}

const cap = (value: string | null, max: number) => (value ? value.slice(0, max) : null)

/** A browser's speculative prefetch is not a click. */
const isPrefetch = (request: Request) =>
  /prefetch|prerender/i.test(`${request.headers.get('sec-purpose') ?? ''} ${request.headers.get('purpose') ?? ''} ${request.headers.get('x-moz') ?? ''}`)

/** The short links' browser id: a random first-party cookie, sent back only to /r/ (the redirects). */
export const LINK_VISITOR_COOKIE = 'rs_lv'
const LINK_VISITOR = /^[A-Za-z0-9_-]{22}$/
const LINK_VISITOR_MAX_AGE = 400 * 86_400

/** The browser's id from its cookie, or a new one with the cookie that keeps it. */
function linkVisitor(request: Request): { key: string; setCookie: string | null } {
  const known = readCookie(request, LINK_VISITOR_COOKIE)
  if (known && LINK_VISITOR.test(known)) return { key: known, setCookie: null }
  const key = crypto.randomBytes(16).toString('base64url')
  const secure = isSecureRequest(request) ? '; Secure' : ''
  return { key, setCookie: `${LINK_VISITOR_COOKIE}=${key}; Path=/r; Max-Age=${LINK_VISITOR_MAX_AGE}; HttpOnly; SameSite=Lax${secure}` }
}

/**
 * At most one counted click per address per link a minute (ADR 009): the redirect is public,
 * and without this anyone could add clicks and visitors to any link by asking for it again and
 * again (the browser id is a cookie the asker controls, so it cannot be what limits). Kept in
 * this process's memory, like the collect limits (ADR 031): behind N servers an address counts
 * at most N times a minute. People scanning one poster on one Wi-Fi within the same minute
 * count once; the redirect answers every one of them all the same.
 */
export const CLICK_WINDOW_MS = 60_000
const countedClicks = new TokenBuckets({ rate: 1000 / CLICK_WINDOW_MS, burst: 1 }, () => Date.now())

/**
 * The public redirect: where an active link leads (with its UTM parameters), counting the
 * click first unless a crawler or a prefetch asked, or the address was counted for the link in
 * the last minute. One indexed read, at most one insert.
 * Null when the code is unknown or the link is switched off. A counted click carries the
 * browser's id (set as a cookie on its first click), so that distinct visitors are people,
 * not addresses: a whole auto show on one Wi-Fi is one address.
 */
export async function resolveAndCountClick(code: string, request: Request): Promise<{ location: string; counted: boolean; setCookie: string | null } | null> {
  if (!CODE_PATTERN.test(code)) return null
  const db = await getDb()
  const [link] = await db
    .select({
      id: trackingLinks.id,
      destinationUrl: trackingLinks.destinationUrl,
      utmSource: trackingLinks.utmSource,
      utmMedium: trackingLinks.utmMedium,
      utmCampaign: trackingLinks.utmCampaign,
      utmContent: trackingLinks.utmContent,
    })
    .from(trackingLinks)
    .where(and(eq(trackingLinks.code, code), eq(trackingLinks.active, true)))
  if (!link) return null
  let location: string
  try {
    location = withUtm(link.destinationUrl, link)
  } catch {
    // a destination that is no URL (only possible by editing the database by hand)
    return null
  }
  const userAgent = request.headers.get('user-agent')
  const counted = request.method === 'GET' && !isBotAgent(userAgent) && !isPrefetch(request)
  if (!counted) return { location, counted, setCookie: null }
  const ip = clientIp(request)
  const clicker = `${link.id} ${ip}`
  if (countedClicks.wait(clicker) > 0) return { location, counted: false, setCookie: null }
  countedClicks.take(clicker)
  const visitor = linkVisitor(request)
  try {
    await db.insert(linkClicks).values({
      linkId: link.id,
      referrer: cap(request.headers.get('referer'), 1000),
      userAgent: cap(userAgent, 500),
      ipHash: ip && ip !== 'unknown' ? hashIp(ip) : null,
      visitorKey: visitor.key,
    })
  } catch (error) {
    // the person who scanned still reaches the landing page; the lost count is logged
    log('error', 'link click not recorded', { linkId: link.id, error: describeError(error) })
    return { location, counted: false, setCookie: null }
  }
  return { location, counted, setCookie: visitor.setCookie }
}
