import { getDb } from '../../db/client'
import { visitors } from '../../db/schema'
import type { Channel } from '../../db/schema/enums'
import { translator, type MessageKey } from '../i18n'
import { collectBodySchema, describeIssues, type WebEventInput } from '../schemas/collect'
import { WebLeadSchema, type WebLeadInput } from '../schemas/web-lead'
import { isBotAgent } from '../utils/bots'
import { classifyChannel } from '../utils/channel'
import { getEnv } from '../utils/env.server'
import { formToObject, splitMessage, toFieldErrors } from '../utils/form'
import { browserOrigin } from '../utils/csrf.server'
import { clientIp } from '../utils/http.server'
import { resolveLocale } from '../utils/i18n.server'
import { describeError, log } from '../utils/logger.server'
import { takeAll, TokenBuckets } from '../utils/rate-limit.server'
import { recordAudit } from './audit.server'
import { CollectorUnavailableError, getCollector, type CollectedEvent } from './collector.server'
import { recordArrival } from './lead-intake.server'
import { findActiveSite, isRegisteredOrigin, type ActiveSite } from './sites.server'
import { matchTrackingLinks } from './link-match.server'

/**
 * The two public endpoints of a store's website (SPEC §3, §8; docs/decisions/007):
 * POST /api/collect (page views from public/rs.js) and POST /api/leads (the web lead
 * form). No session and no CSRF token: a request is authenticated by its public site key
 * and the Origin the browser sends, which must be one of that site's registered origins.
 */

/** Advertising click ids read from a landing page's URL: Baidu, Ocean Engine (Douyin/Toutiao), Tencent, Google, Microsoft. */
export const CLICK_ID_PARAMS = ['bd_vid', 'bdclkid', 'clickid', 'gdt_vid', 'qz_gdt', 'gclid', 'msclkid'] as const

// ---------------------------------------------------------------------------------------
// Responses

const BASE_HEADERS = { 'Cache-Control': 'no-store', Vary: 'Origin', 'X-Content-Type-Options': 'nosniff' }

/** An answer of the public endpoints, before it is a Response (Remix) or written to Node's (the collect fast path). */
export type PlainReply = { status: number; headers: Record<string, string>; body: string | null }

function plainReply(status: number, body: Record<string, unknown> | null, allowOrigin?: string | null, extra: Record<string, string> = {}): PlainReply {
  const headers: Record<string, string> = { ...BASE_HEADERS, ...extra }
  if (allowOrigin) headers['Access-Control-Allow-Origin'] = allowOrigin
  if (body === null) return { status, headers, body: null }
  headers['Content-Type'] = 'application/json; charset=utf-8'
  return { status, headers, body: JSON.stringify(body) }
}

const plainFail = (status: number, error: string, message: string, allowOrigin?: string | null, more: Record<string, unknown> = {}, extra?: Record<string, string>) =>
  plainReply(status, { ok: false, error, message, ...more }, allowOrigin, extra)

export const toResponse = (r: PlainReply) => new Response(r.body, { status: r.status, headers: r.headers })

const reply = (...args: Parameters<typeof plainReply>) => toResponse(plainReply(...args))

const fail = (...args: Parameters<typeof plainFail>) => toResponse(plainFail(...args))

/** A CORS preflight (OPTIONS): answered for any origin an active site lists; it carries no site key. */
export async function answerPreflight(request: Request): Promise<Response> {
  const origin = browserOrigin(request)
  if (!origin) return reply(204, null, null, { Allow: 'POST, OPTIONS' })
  let allowed = false
  try {
    allowed = origin === ownOrigin(request) || (await isRegisteredOrigin(origin))
  } catch (error) {
    log('error', 'preflight: site look-up failed', { error: describeError(error) })
    return fail(503, 'unavailable', 'Try again shortly.', null, {}, { 'Retry-After': '5' })
  }
  if (!allowed) return fail(403, 'origin_not_allowed', `${origin} is not a registered origin of any site.`)
  return reply(204, null, origin, {
    'Access-Control-Allow-Methods': 'POST, OPTIONS',
    'Access-Control-Allow-Headers': 'Content-Type',
    'Access-Control-Max-Age': '600',
  })
}

export function methodNotAllowed() {
  return fail(405, 'method_not_allowed', 'Use POST.', null, {}, { Allow: 'POST, OPTIONS' })
}

// ---------------------------------------------------------------------------------------
// Reading the body: capped before it is parsed

export class BodyError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** The body as text, refusing (413) more than `cap` bytes without reading past the cap. */
export async function readCappedBody(request: Request, cap: number): Promise<string> {
  const tooLarge = () => new BodyError(413, 'body_too_large', `The body is larger than ${cap} bytes.`)
  const declared = Number(request.headers.get('content-length') ?? '')
  if (Number.isFinite(declared) && declared > cap) throw tooLarge()
  if (!request.body) return ''
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > cap) {
      // stop reading, but do not cancel: cancelling destroys the socket before the 413 is
      // written; the answer says Connection: close instead
      reader.releaseLock()
      throw tooLarge()
    }
    chunks.push(value)
  }
  return decodeBody(chunks)
}

/** The bytes of a body as UTF-8 text (400 when they are not). */
export function decodeBody(chunks: Uint8Array[]): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks))
  } catch {
    throw new BodyError(400, 'invalid_encoding', 'The body is not UTF-8 text.')
  }
}

/** A body too large is left unread: the connection closes after the answer. */
const plainBodyRefused = (error: BodyError) => plainFail(error.status, error.code, error.message, null, {}, error.status === 413 ? { Connection: 'close' } : {})
const bodyRefused = (error: BodyError) => toResponse(plainBodyRefused(error))

type BodyKind = 'json' | 'form'

function bodyKind(request: Request): BodyKind {
  return bodyKindOf(request.headers.get('content-type'))
}

function bodyKindOf(contentType: string | null): BodyKind {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase()
  // sendBeacon posts a string as text/plain: the only type a cross-origin page can send without a preflight
  if (type === '' || type === 'text/plain' || type === 'application/json') return 'json'
  if (type === 'application/x-www-form-urlencoded') return 'form'
  throw new BodyError(415, 'unsupported_media_type', `Send JSON (as application/json or text/plain) or form fields, not ${type}.`)
}

function parseBody(kind: BodyKind, text: string): unknown {
  if (kind === 'form') return formToObject(new URLSearchParams(text) as unknown as FormData)
  if (!text.trim()) throw new BodyError(400, 'empty_body', 'The body is empty: send an event as JSON.')
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new BodyError(400, 'invalid_json', `The body is not valid JSON: ${(error as Error).message}`)
  }
}

// ---------------------------------------------------------------------------------------
// Who may send

/** Where Roadshow itself is reached: the embeddable form page posts from here. */
export function ownOrigin(request: Request) {
  return getEnv().PUBLIC_URL ?? new URL(request.url).origin
}

/**
 * A browser always sends Origin on a cross-origin POST, so a page of an unregistered
 * origin is refused. A request without Origin is not from a page (a server, a script):
 * CORS does not apply, and the page URL it reports must still be the site's own.
 */
function originAllowed(site: ActiveSite, origin: string | null, pageUrls: string[], own?: string): boolean {
  if (origin !== null) return site.origins.includes(origin) || origin === own
  return pageUrls.every((u) => site.origins.includes(new URL(u).origin))
}

// ---------------------------------------------------------------------------------------
// Rate limits

type Limits = { collectIp: TokenBuckets; collectSite: TokenBuckets; leadsIp: TokenBuckets; leadsVisitor: TokenBuckets; leadsSite: TokenBuckets }
let limits: Limits | undefined

function getLimits(): Limits {
  if (!limits) {
    const env = getEnv()
    limits = {
      collectIp: new TokenBuckets({ rate: env.COLLECT_IP_RATE, burst: env.COLLECT_IP_BURST }),
      collectSite: new TokenBuckets({ rate: env.COLLECT_SITE_RATE, burst: env.COLLECT_SITE_BURST }),
      leadsIp: new TokenBuckets({ rate: env.LEADS_IP_PER_MINUTE / 60, burst: env.LEADS_IP_BURST }),
      leadsVisitor: new TokenBuckets({ rate: env.LEADS_VISITOR_PER_MINUTE / 60, burst: env.LEADS_VISITOR_BURST }),
      leadsSite: new TokenBuckets({ rate: env.LEADS_SITE_PER_MINUTE / 60, burst: env.LEADS_SITE_BURST }),
    }
  }
  return limits
}

/** Other limits than the environment's (tests, the benchmark); `undefined` goes back to the environment's. */
export function setWebIntakeLimits(next?: {
  collectIp?: [rate: number, burst: number]
  collectSite?: [number, number]
  leadsIp?: [number, number]
  leadsVisitor?: [number, number]
  leadsSite?: [number, number]
}) {
  if (!next) {
    limits = undefined
    return
  }
  const base = getLimits()
  const make = (v: [number, number] | undefined, fallback: TokenBuckets) => (v ? new TokenBuckets({ rate: v[0], burst: v[1] }) : fallback)
  limits = {
    collectIp: make(next.collectIp, base.collectIp),
    collectSite: make(next.collectSite, base.collectSite),
    leadsIp: make(next.leadsIp, base.leadsIp),
    leadsVisitor: make(next.leadsVisitor, base.leadsVisitor),
    leadsSite: make(next.leadsSite, base.leadsSite),
  }
}

// ---------------------------------------------------------------------------------------
// POST /api/collect

function clean(value: string | null | undefined) {
  const v = value?.trim()
  return v ? v : null
}

/** The stored form of one event: UTM and click ids from the event, else from its URL; the channel of its touchpoint. */
export function toCollectedEvent(site: ActiveSite, e: WebEventInput, now: number): CollectedEvent {
  const url = new URL(e.url)
  const q = url.searchParams
  const utm = {
    utmSource: clean(e.utm?.source ?? q.get('utm_source')),
    utmMedium: clean(e.utm?.medium ?? q.get('utm_medium')),
    utmCampaign: clean(e.utm?.campaign ?? q.get('utm_campaign')),
    utmContent: clean(e.utm?.content ?? q.get('utm_content')),
    utmTerm: clean(e.utm?.term ?? q.get('utm_term')),
  }
  let clickIds: Record<string, string> | null = e.clickIds && Object.keys(e.clickIds).length ? e.clickIds : null
  if (!clickIds) {
    const found = CLICK_ID_PARAMS.flatMap((name) => (q.get(name) ? [[name, q.get(name)!.slice(0, 512)] as const] : []))
    clickIds = found.length ? Object.fromEntries(found) : null
  }
  const referrer = clean(e.referrer)
  // a click from one page of the site to another is the same visit, not a new touch
  const fromOwnSite = referrer !== null && URL.canParse(referrer) && (site.origins.includes(new URL(referrer).origin) || new URL(referrer).host === url.host)
  const touchChannel: Channel | null =
    fromOwnSite && !utm.utmSource && !clickIds
      ? null
      : classifyChannel({ utmSource: utm.utmSource, utmMedium: utm.utmMedium, referrer, ownHost: url.hostname, clickIds })
  // the browser's clock only when plausible: not ahead of ours, at most an hour behind
  const occurredAt = e.ts !== undefined && e.ts <= now + 60_000 && e.ts >= now - 3_600_000 ? new Date(Math.min(e.ts, now)) : new Date(now)
  return {
    siteId: site.id,
    storeId: site.storeId,
    clientEventId: e.eventId,
    visitorKey: e.visitorId,
    type: e.type,
    url: e.url,
    referrer,
    ...utm,
    clickIds,
    occurredAt,
    touchChannel,
  }
}

/**
 * 429 with Retry-After. CORS headers go only to an origin already known to be the site's: a
 * refusal before the site is known reaches a script as an opaque network error, which rs.js
 * treats like any other failure.
 */
const tooMany = (seconds: number, allowOrigin: string | null) =>
  plainFail(429, 'rate_limited', `Too many events; send them again in ${seconds} s.`, allowOrigin, {}, { 'Retry-After': String(seconds) })

/**
 * What POST /api/collect reads of a request, the same from Remix's Request and from Node's
 * (server.js answers it before Express and Remix: ./collect-fast.server.ts).
 */
export type CollectRequest = {
  /** the browser's Origin header (null: not sent) */
  origin: string | null
  contentType: string | null
  userAgent: string | null
  /** the client's address as TRUST_PROXY says to read it */
  clientIp: string
  /** the body as text, at most `cap` bytes (a BodyError beyond, or for bytes that are not UTF-8) */
  readBody: (cap: number) => Promise<string>
}

export async function handleCollect(request: Request): Promise<Response> {
  return toResponse(
    await collect({
      origin: browserOrigin(request),
      contentType: request.headers.get('content-type'),
      userAgent: request.headers.get('user-agent'),
      clientIp: clientIp(request),
      readBody: (cap) => readCappedBody(request, cap),
    }),
  )
}

/**
 * POST /api/collect (SPEC §3, §8): validated, the client's and the site's allowances taken,
 * the site and its origins checked, then the events handed to the batching writer. The answer
 * comes within COLLECT_WRITE_TIMEOUT_MS of the body's arrival whatever the database does: the
 * site's look-up has its own shorter limit, and the writer answers "not stored" (503) for
 * what it has not committed by then.
 */
export async function collect(request: CollectRequest): Promise<PlainReply> {
  const env = getEnv()
  const origin = request.origin
  let body: unknown
  try {
    const kind = bodyKindOf(request.contentType)
    body = parseBody(kind, await request.readBody(env.COLLECT_MAX_BODY_BYTES))
  } catch (error) {
    if (error instanceof BodyError) return plainBodyRefused(error)
    throw error
  }
  const deadline = Date.now() + env.COLLECT_WRITE_TIMEOUT_MS
  const parsed = collectBodySchema(env.COLLECT_MAX_EVENTS).safeParse(body)
  if (!parsed.success) {
    const issues = describeIssues(parsed.error)
    return plainFail(400, 'invalid_event', `The event is not valid: ${issues.join('; ')}`, null, { issues })
  }
  const events = Array.isArray(parsed.data) ? parsed.data : [parsed.data]
  const limit = getLimits()
  // the client's allowance first: a flood of made-up site keys costs no database look-ups
  const ipWait = takeAll([[limit.collectIp, request.clientIp]], events.length)
  if (ipWait) return tooMany(ipWait, null)

  let site: ActiveSite | null
  try {
    site = await findActiveSite(events[0]!.siteKey)
  } catch (error) {
    log('error', 'collect: site look-up failed', { error: describeError(error) })
    return plainFail(503, 'unavailable', 'Events not stored; send them again shortly.', null, {}, { 'Retry-After': '5' })
  }
  if (!site) return plainFail(403, 'unknown_site', 'No active site has this siteKey.')
  if (!originAllowed(site, origin, events.map((e) => e.url))) {
    return plainFail(403, 'origin_not_allowed', origin ? `${origin} is not a registered origin of this site.` : 'The page URL is not on a registered origin of this site.')
  }
  const cors = origin
  // crawlers run scripts too: answered like a success (after the checks any request gets), nothing stored
  if (isBotAgent(request.userAgent)) return plainReply(204, null, cors)

  const siteWait = takeAll([[limit.collectSite, site.id]], events.length)
  if (siteWait) return tooMany(siteWait, cors)

  const now = Date.now()
  try {
    const result = await getCollector().submit(
      events.map((e) => toCollectedEvent(site, e, now)),
      deadline - now,
    )
    return plainReply(200, { ok: true, ...result }, cors)
  } catch (error) {
    if (!(error instanceof CollectorUnavailableError)) throw error
    return plainFail(503, 'unavailable', `${error.message}; send them again shortly.`, cors, {}, { 'Retry-After': String(error.retryAfterSeconds) })
  }
}

// ---------------------------------------------------------------------------------------
// POST /api/leads

/** The web form's channel: from the page's UTM, click ids or referrer when the form says where it was, else direct. */
export function webLeadTouch(input: Pick<WebLeadInput, 'page' | 'referrer'>) {
  const page = input.page ? new URL(input.page) : null
  const q = page?.searchParams
  const utm = {
    utmSource: clean(q?.get('utm_source')),
    utmMedium: clean(q?.get('utm_medium')),
    utmCampaign: clean(q?.get('utm_campaign')),
    utmContent: clean(q?.get('utm_content')),
  }
  const found = q ? CLICK_ID_PARAMS.filter((name) => q.get(name)).map((name) => [name, q.get(name)!] as const) : []
  const clickIds = found.length ? Object.fromEntries(found) : null
  let referrer = input.referrer
  // a form reached from another page of the same site says nothing about the channel
  if (referrer && page && new URL(referrer).host === page.host) referrer = null
  const channel: Channel = page || referrer ? classifyChannel({ ...utm, referrer, ownHost: page?.hostname, clickIds }) : 'direct'
  return { channel, ...utm }
}

function formPagePath(siteKey: string, query: Record<string, string | null | undefined>) {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) if (v) params.set(k, v)
  return `/f/${encodeURIComponent(siteKey)}?${params}`
}

export async function handleWebLead(request: Request): Promise<Response> {
  const env = getEnv()
  const origin = browserOrigin(request)
  const t = translator(resolveLocale(request))

  let kind: BodyKind
  let body: unknown
  try {
    kind = bodyKind(request)
    body = parseBody(kind, await readCappedBody(request, env.COLLECT_MAX_BODY_BYTES))
  } catch (error) {
    if (error instanceof BodyError) return bodyRefused(error)
    throw error
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return fail(400, 'invalid_body', 'Send the form as one JSON object or as form fields.')
  // a plain HTML form (no script): answer with a page, not JSON
  const html = kind === 'form' && (request.headers.get('accept') ?? '').includes('text/html')
  const raw = body as Record<string, unknown>

  const parsed = WebLeadSchema.safeParse(raw)
  const siteKey = typeof raw.siteKey === 'string' && /^[A-Za-z0-9_-]{8,64}$/.test(raw.siteKey) ? raw.siteKey : null
  let site: ActiveSite | null = null
  try {
    site = siteKey ? await findActiveSite(siteKey) : null
  } catch (error) {
    log('error', 'leads: site look-up failed', { error: describeError(error) })
    return fail(503, 'unavailable', t('sites.form.unavailable'), null, {}, { 'Retry-After': '5' })
  }
  if (!site) return fail(403, 'unknown_site', 'No active site has this siteKey.')
  const own = ownOrigin(request)
  const page = typeof raw.page === 'string' && URL.canParse(raw.page) ? [raw.page] : []
  if (!originAllowed(site, origin, origin === null ? page : [], own)) {
    return fail(403, 'origin_not_allowed', `${origin ?? 'The page'} is not a registered origin of this site.`)
  }
  const cors = origin
  if (isBotAgent(request.headers.get('user-agent'))) return reply(204, null, cors)
  const visitorId = typeof raw.visitorId === 'string' ? raw.visitorId : null

  if (!parsed.success) {
    const errors = Object.fromEntries(
      Object.entries(toFieldErrors(parsed.error)).map(([field, message]) => {
        const [key, vars] = splitMessage(message)
        return [field, t(key as MessageKey, vars)]
      }),
    )
    if (html) return redirectTo(formPagePath(site.siteKey, { v: visitorId, error: Object.keys(errors).join(',') }))
    return fail(400, 'invalid_form', t('sites.form.fixErrors'), cors, { errors })
  }
  const input = parsed.data
  if (input.website) {
    // the hidden field was filled: a script. Thank it and keep nothing.
    return html ? redirectTo(formPagePath(site.siteKey, { sent: '1' })) : reply(200, { ok: true, message: t('sites.form.thanks') }, cors)
  }

  // each visitor (the snippet's first-party id) and each site has its own allowance; the address's
  // is a ceiling sized for a crowd on one venue Wi-Fi, for posts that carry made-up ids
  const limit = getLimits()
  const wait = takeAll(
    [
      [limit.leadsIp, clientIp(request)],
      [limit.leadsSite, site.id],
      ...(input.visitorId ? ([[limit.leadsVisitor, `${site.id} ${input.visitorId}`]] as Array<[TokenBuckets, string]>) : []),
    ],
    1,
  )
  if (wait) return fail(429, 'rate_limited', t('sites.form.tooMany'), cors, {}, { 'Retry-After': String(wait) })

  try {
    await storeWebLead(site, input, clientIp(request))
  } catch (error) {
    log('error', 'web lead not stored', { error: describeError(error) })
    return fail(503, 'unavailable', t('sites.form.unavailable'), cors, {}, { 'Retry-After': '5' })
  }
  if (html) return redirectTo(formPagePath(site.siteKey, { v: input.visitorId, sent: '1' }))
  return reply(201, { ok: true, message: t('sites.form.thanks') }, cors)
}

function redirectTo(path: string) {
  return new Response(null, { status: 303, headers: { ...BASE_HEADERS, Location: path } })
}

/**
 * One transaction: the visitor (so that page views still on their way attach to the lead),
 * the lead through recordArrival — which links the visitor's earlier web touchpoints — and
 * the audit entry.
 */
export async function storeWebLead(site: ActiveSite, input: WebLeadInput, ip: string) {
  const db = await getDb()
  const touch = webLeadTouch(input)
  const now = new Date()
  return db.transaction(async (tx) => {
    if (input.visitorId) {
      await tx
        .insert(visitors)
        .values({ storeId: site.storeId, siteId: site.id, visitorKey: input.visitorId, firstSeenAt: now, lastSeenAt: now })
        .onConflictDoNothing({ target: [visitors.siteId, visitors.visitorKey] })
    }
    // a form on a page reached through a tracking link is credited to that link's campaign and placement
    const link = (await matchTrackingLinks(tx, [{ storeId: site.storeId, ...touch }]))({ storeId: site.storeId, ...touch })
    const result = await recordArrival(tx, {
      storeId: site.storeId,
      person: { name: input.name, phone: input.phone, modelOfInterest: input.model },
      touch: {
        kind: 'web_form',
        at: now,
        siteId: site.id,
        visitorKey: input.visitorId,
        ...touch,
        ...link,
        detail: { url: input.page, referrer: input.referrer, message: input.message || undefined, siteName: site.name },
      },
    })
    await recordAudit(tx, {
      userId: null,
      storeId: site.storeId,
      action: 'lead.web_form',
      entityType: 'lead',
      entityId: result.leadId,
      after: { siteId: site.id, touchpointId: result.touchpointId, created: result.created, matchedBy: result.matchedBy, channel: touch.channel },
      ip,
    })
    return result
  })
}
