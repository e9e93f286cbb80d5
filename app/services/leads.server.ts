import { and, asc, desc, eq, ilike, inArray, isNull, like, notInArray, or, sql, type SQL, type SQLWrapper } from 'drizzle-orm'
import { alias, type PgSelect } from 'drizzle-orm/pg-core'
import { containsPattern } from '../../db/sql'
import { getDb, rowsOf, type Db, type DbOrTx, type Tx } from '../../db/client'
import {
  auditLog,
  campaigns,
  importRows,
  leadEvents,
  leads,
  saleMatchReviews,
  showroomVisits,
  stores,
  touchpoints,
  userStores,
  users,
  visitors,
  webEvents,
} from '../../db/schema'
import type { CampaignStatus, LeadStatus } from '../../db/schema/enums'
import type { LeadFilters, LeadUpdateInput, ManualLeadInput, StatusChangeInput } from '../schemas/lead'
import type { SessionUser } from '../utils/auth.server'
import { canReadStore, canWriteStore } from '../utils/auth.server'
import { badRequest, forbidden, notFound } from '../utils/http.server'
import { canMove, funnelRank } from '../utils/lead-lifecycle'
import { describeError, log } from '../utils/logger.server'
import { roleCan } from '../utils/permissions'
import { displayPhone, maskPhone, maskPhonesInText, parsePhone } from '../utils/phone'
import { zonedLocalToUtc } from '../utils/zoned-time'
import { requestAnalyticsSync } from './analytics.server'
import { recordAudit } from './audit.server'
import { queueKeptFileErasure } from './kept-file-erasure.server'
import { saleKeysOfLead } from './matchback.server'
import { leadChanged, recordArrival, refreshTouchSummary } from './lead-intake.server'
import { phoneRecordAllowance, type Throttled } from './phone-lookups.server'
import { isUuid, NO_STORE } from '../utils/ids'

export const LEADS_PAGE_SIZE = 20
/** An export is one file a person opens in Excel: beyond this, narrow the filters. */
export const LEADS_EXPORT_LIMIT = 50_000

type LeadRow = typeof leads.$inferSelect

// ---------------------------------------------------------------------------------------
// Personal data: who sees what

export const canSeeFullPhone = (user: SessionUser) => roleCan(user.role, 'lead:phone')

/** Free text with any mobile number in it masked: for audit records and for roles without 'lead:phone'. */
export { maskPhonesInText }

/**
 * What the audit log keeps of a lead: never the full phone (SPEC §3), only its masked
 * form; numbers typed into free text are masked too.
 */
export function leadAuditView(lead: Partial<LeadRow>) {
  return {
    name: maskPhonesInText(lead.name ?? ''),
    phone: lead.phoneMasked ?? (lead.phone ? maskPhone(lead.phone) : null),
    city: lead.city && maskPhonesInText(lead.city),
    modelOfInterest: lead.modelOfInterest && maskPhonesInText(lead.modelOfInterest),
    grade: lead.grade,
    status: lead.status,
    consultantId: lead.consultantId,
    note: maskPhonesInText(lead.note ?? ''),
    lostReason: lead.lostReason,
    lostToBrand: lead.lostToBrand,
    lostToModel: lead.lostToModel,
  }
}

// ---------------------------------------------------------------------------------------
// Scope

function requireLeadWrite(user: SessionUser, storeId: string) {
  if (!roleCan(user.role, 'lead:write') || !canWriteStore(user, storeId)) forbidden('You may not change leads of this store.')
}

function requireLeadManage(user: SessionUser, storeId: string) {
  if (!roleCan(user.role, 'lead:manage') || !canWriteStore(user, storeId)) forbidden('Only managers merge and erase leads.')
}

/** A lead the user may read, or 404: another store's lead is not confirmed to exist. */
async function readableLead(db: DbOrTx, user: SessionUser, id: string, options: { lock?: boolean } = {}) {
  if (!isUuid(id)) notFound()
  const query = db.select().from(leads).where(eq(leads.id, id))
  const [row] = options.lock ? await query.for('update') : await query
  if (!row || !canReadStore(user, row.storeId)) notFound()
  return row
}

/** A campaign of this store, or a field error. */
async function campaignOfStore(db: DbOrTx, storeId: string, campaignId: string | null) {
  if (!campaignId) return true
  const [row] = await db
    .select({ id: campaigns.id })
    .from(campaigns)
    .where(and(eq(campaigns.id, campaignId), eq(campaigns.storeId, storeId)))
  return Boolean(row)
}

/** A sales consultant (销售顾问) of this store, or a field error. */
async function consultantOfStore(db: DbOrTx, storeId: string, consultantId: string | null) {
  if (!consultantId) return true
  const [row] = await db
    .select({ id: users.id })
    .from(users)
    .innerJoin(userStores, eq(userStores.userId, users.id))
    .where(and(eq(users.id, consultantId), eq(userStores.storeId, storeId), eq(users.role, 'sales'), eq(users.active, true)))
  return Boolean(row)
}

export type FieldFailure = { ok: false; reason: 'field'; field: string; message: string }

export async function checkStoreChoices(db: DbOrTx, storeId: string, choices: { campaignId?: string | null; consultantId?: string | null }): Promise<FieldFailure | null> {
  if (!(await campaignOfStore(db, storeId, choices.campaignId ?? null))) {
    return { ok: false, reason: 'field', field: 'campaignId', message: 'validation.choice' }
  }
  if (!(await consultantOfStore(db, storeId, choices.consultantId ?? null))) {
    return { ok: false, reason: 'field', field: 'consultantId', message: 'validation.choice' }
  }
  return null
}

/** The store's time zone (the user must be able to read the store). */
export function storeOf(user: SessionUser, storeId: string) {
  const store = user.stores.find((s) => s.id === storeId)
  if (!store) notFound()
  return store
}

/** A moment typed in the store's wall clock, or now; null when it is not a moment or lies in the future. */
export function momentInStore(local: string | null, timeZone: string, now = new Date()): Date | null {
  if (!local) return now
  const at = zonedLocalToUtc(local, timeZone)
  // a few minutes of clock difference between the desk's phone and the server are fine
  if (!at || at.getTime() > now.getTime() + 5 * 60_000) return null
  return at
}

// ---------------------------------------------------------------------------------------
// Choices the forms offer

/** Sales consultants (销售顾问) of the given stores. */
export async function listConsultants(storeIds: string[]) {
  if (!storeIds.length) return []
  const db = await getDb()
  return db
    .selectDistinct({ id: users.id, name: users.name, storeId: userStores.storeId })
    .from(users)
    .innerJoin(userStores, eq(userStores.userId, users.id))
    .where(and(inArray(userStores.storeId, storeIds), eq(users.role, 'sales'), eq(users.active, true)))
    .orderBy(asc(users.name))
}

/** Campaigns of the given stores a lead may be credited to, newest first. */
export async function listLeadCampaigns(storeIds: string[], statuses: readonly CampaignStatus[] = ['approved', 'running', 'completed', 'evaluated']) {
  if (!storeIds.length) return []
  const db = await getDb()
  return db
    .select({ id: campaigns.id, name: campaigns.name, storeId: campaigns.storeId, status: campaigns.status })
    .from(campaigns)
    .where(and(inArray(campaigns.storeId, storeIds), inArray(campaigns.status, [...statuses])))
    .orderBy(desc(campaigns.startDate), asc(campaigns.name))
    .limit(300)
}

// ---------------------------------------------------------------------------------------
// The list

/**
 * The outer query's lead id inside a correlated subquery. Written out in full: drizzle leaves
 * column names unqualified in a single-table select, and an unqualified `id` inside the
 * subquery would mean the subquery's own table.
 */
export const OUTER_LEAD_ID = sql.raw('"leads"."id"')

/** Fewer digits than this are no phone search: three digits match one number in thirty (138, 139 …), nobody in particular. */
export const PHONE_DIGITS_MIN = 4

/**
 * Name or phone. Roles with 'lead:phone' find any part of a number of PHONE_DIGITS_MIN digits or
 * more, in the phone or in the name, and a lead known only by its masked number by its last 4
 * digits or by the full number it masks. Everyone else searches only what they see (SPEC §8: a
 * role without phone access cannot learn whether a phone is a lead): a query with any digit in
 * it is a phone query, matched only against the masked phone they see — its last four digits,
 * or the masked form 139****0107 — and never against names, which may hold a number typed into
 * them that these roles see masked. A full or partial number finds nothing it did not show them.
 *
 * Every branch is served by an index at 2M leads (ADR 032): three characters or more of a name,
 * or digits of a phone, by trigrams, a name's first one or two characters by a prefix index, the
 * last 4 digits by leads_store_last4_idx, a masked form by leads_store_masked_idx.
 */
/** A query of digits only, too few of them to be a phone search: the list says how many it takes. */
export function isShortPhoneQuery(q: string | undefined) {
  const compact = (q ?? '').replace(/[\s\-().]/g, '')
  return /^\d+$/.test(compact) && compact.length < PHONE_DIGITS_MIN
}

function searchCondition(user: SessionUser, q: string): SQL {
  const compact = q.replace(/[\s\-().]/g, '').replace(/^(\+86|0086)/, '')
  const masked = parsePhone(compact)
  if (canSeeFullPhone(user)) {
    const options: SQL[] = [nameMatches(q)]
    if (compact.length >= PHONE_DIGITS_MIN && /^\d{1,11}$/.test(compact)) {
      options.push(like(leads.phone, `%${compact}%`))
      // a lead known only by a masked number (138****1234) is found by its last 4 digits, or by a full number that masks to it
      if (compact.length === 4) options.push(lastFourAre(compact))
      else if (masked?.kind === 'full') options.push(and(isNull(leads.phone), eq(leads.phoneMasked, masked.masked))!)
    } else if (masked) options.push(eq(leads.phoneMasked, masked.masked))
    return or(...options)!
  }
  if (!HAS_DIGIT.test(q)) return nameMatches(q)
  if (/^\d{4}$/.test(compact)) return lastFourAre(compact)
  if (masked?.kind === 'masked') return eq(leads.phoneMasked, masked.masked)
  return sql`false`
}

const HAS_DIGIT = /[0-9\uff10-\uff19]/

/**
 * Trigrams need three characters. A query of one or two characters — a surname (王), a surname and
 * the first given character (王志), most two-character names whole (王伟) — matches the start of the
 * name, through leads_store_name_prefix_idx; three or more match any part. The range is how a
 * text_pattern_ops index reads a prefix with the query as a bound parameter (LIKE 'q%' uses an
 * index only when the pattern is a constant when the query is planned): every key that starts
 * with q sorts between q and q followed by the last code point.
 */
function nameMatches(q: string): SQL {
  if ([...q].length >= 3) return ilike(leads.name, containsPattern(q))
  // digits are not in the key (they are a phone search, of 4 or more)
  if (HAS_DIGIT.test(q)) return sql`false`
  return nameStarts(leads.name, q)
}

/** `name`'s key (lower case, digits left out) starts with q's: a range of the name key's index. */
function nameStarts(name: SQLWrapper, q: string): SQL {
  const key = nameKeyOf(name)
  const start = sql`lower(${q})`
  return sql`(${key} ~>=~ ${start} and ${key} ~<~ (${start} || ${'\u{10FFFF}'}))`
}

/**
 * A search by one character that is not a digit: a surname (王 alone is ~7% of people) or a letter, the
 * searches that may match a tenth of a group's leads. Two characters are mostly a surname and a given
 * name, or a whole name: few leads each.
 */
const isSurnameQuery = (q: string | undefined): q is string => q !== undefined && [...q].length === 1 && !HAS_DIGIT.test(q)

/** The phone's last 4 digits, as its masked form shows them to everyone: leads_store_last4_idx. */
const lastFourAre = (digits: string) => sql`right(${leads.phoneMasked}, 4) = ${digits}`

/**
 * The name as every role may sort and prefix-search it: lower case, digits left out, so that the
 * order of two names a role without phone access sees as 139****0107 does not tell the hidden
 * digits apart (for roles with phone access the digits then order such names among themselves).
 * The same expression as leads_store_name_prefix_idx, written out with its constants (a bound
 * parameter would not match the index).
 */
const nameKeyOf = (name: SQLWrapper) => sql`translate(lower(${name}), '0123456789０１２３４５６７８９', '')`
const nameKey = nameKeyOf(leads.name)

/** The name as a role may see it: numbers in it masked for roles without phone access. */
const nameFor = (full: boolean) => (name: string) => (full ? name : maskPhonesInText(name))

/**
 * A listed lead's free text as a role may see it: the name, and the city and model of interest
 * that a web form visitor types anything into (a number too), masked like the name.
 */
const typedTextFor = (full: boolean) => {
  const text = nameFor(full)
  return <R extends { name: string; city: string; modelOfInterest: string }>(r: R): R => ({
    ...r,
    name: text(r.name),
    city: text(r.city),
    modelOfInterest: text(r.modelOfInterest),
  })
}

/** The default order over these columns: the latest touch first (never touched last), then the newest lead, then the id. */
function latestFirst(touched: SQLWrapper, created: SQLWrapper = leads.createdAt, id: SQLWrapper = leads.id): SQL[] {
  return [sql`${touched} desc nulls last`, sql`${created} desc nulls last`, sql`${id} desc nulls last`]
}

/**
 * The list's order: the chosen column, then the default order — last touch, newest lead, id,
 * newest first — so that every lead has one place and pages neither repeat nor skip a lead.
 * Each is read off an index within a store (ADR 032), which fixes where NULLs go: the last touch
 * ascending is the exact reverse of descending (leads_store_list_idx read backwards; a lead never
 * touched comes last on the way down, first on the way up); the other columns keep Postgres's
 * default (ascending NULLS LAST), as their indexes do, except the grade, ungraded last both ways.
 */
function listOrder(user: SessionUser, f: Pick<LeadFilters, 'sort' | 'dir' | 'q'>): SQL[] {
  // A search is served by its own index (trigrams, the name prefix, the last four digits), its
  // matches then sorted: read off the order's index instead, a search that matches few or none of
  // 2M leads walked all of them looking for a page (6 s measured for a rare surname across 20
  // stores, against 0.3 ms). The last touch as an expression keeps the planner off that walk.
  const touched = lastTouchKey(f)
  const recent = latestFirst(touched)
  const desc = f.dir === 'desc'
  const way = desc ? sql`desc` : sql`asc`
  switch (f.sort) {
    case 'lastTouchAt':
      return desc ? recent : [sql`${touched} asc nulls first`, sql`${leads.createdAt} asc nulls first`, sql`${leads.id} asc nulls first`]
    case 'name': {
      // the order of leads_store_name_prefix_idx (text_pattern_ops): byte order of the key; names
      // equal but for their digits in the order of the digits only for roles that see them
      const byKey = sql`${nameKey} using ${desc ? sql.raw('~>~') : sql.raw('~<~')}`
      return canSeeFullPhone(user) ? [byKey, sql`${leads.name} ${way}`, ...recent] : [byKey, ...recent]
    }
    case 'grade':
      return [sql`${leads.grade} ${way} nulls last`, ...recent]
    case 'store':
      // two stores of one name are not interleaved (storeOrderedPage pages them one after the other)
      return [sql`${stores.name} ${way}`, sql`${stores.id} ${way}`, ...recent]
    default:
      return [sql`${{ status: leads.status, firstTouchAt: leads.firstTouchAt }[f.sort]} ${way}`, ...recent]
  }
}

/** The last touch as the list sorts it: an expression while searching (see listOrder). */
const lastTouchKey = (f: Pick<LeadFilters, 'q'>) => (f.q ? sql`(${leads.lastTouchAt} + interval '0 s')` : sql`${leads.lastTouchAt}`)

/**
 * The ids of one page in store order (the store's name, then the default order within it), for
 * a role with many stores: each store's first `offset + limit` leads off leads_store_list_idx,
 * the stores in their order, then the page. Sorted as one query, a group's 2M leads were joined
 * to their stores and sorted whole (0.9 s); here a first page reads 50 leads of each store.
 */
function storeOrderedPage(db: Db, user: SessionUser, f: LeadFilters, where: SQL | undefined, needsStore: boolean, page: { limit: number; offset: number }) {
  const ordered = alias(stores, 'ordered_store')
  const touched = lastTouchKey(f)
  const ofStore = db
    .select({ id: leads.id, touched: sql`${touched}`.as('touched'), createdAt: sql`${leads.createdAt}`.as('created') })
    .from(leads)
    .$dynamic()
  const top = (needsStore ? ofStore.innerJoin(stores, eq(stores.id, leads.storeId)) : ofStore)
    .where(and(where, sql`${leads.storeId} = ${ordered.id}`))
    .orderBy(...latestFirst(touched))
    .limit(page.offset + page.limit)
    .as('top')
  const way = f.dir === 'desc' ? sql`desc` : sql`asc`
  return db
    .select({ id: top.id })
    .from(ordered)
    .innerJoinLateral(top, sql`true`)
    .where(inArray(ordered.id, storesInView(user, f)))
    .orderBy(sql`${ordered.name} ${way}`, sql`${ordered.id} ${way}`, ...latestFirst(top.touched, top.createdAt, top.id))
    .limit(page.limit)
    .offset(page.offset)
}

/**
 * The leads read, latest touch first, for one of the first pages (SEARCH_WINDOW_ROWS) of a search by a
 * surname. A common one is a tenth of a group's leads and more (王, 李, 张: ~7% of people each): served
 * by the name's index, every lead with it was read and sorted for the first page (at 2M leads and 1%
 * of them 王: 79 ms, growing with the share). The list's own order (its index) reaches a page of them
 * within its first few thousand leads instead (25 ms); a rare surname pays for the window (~15 ms).
 */
const SEARCH_WINDOW = 10_000
/** the pages of a surname search looked for among the SEARCH_WINDOW latest leads first */
const SEARCH_WINDOW_ROWS = 10 * LEADS_PAGE_SIZE

/**
 * The window is read off the list's index only when the list is filtered by nothing but its stores:
 * a filter no list index holds (a channel, a campaign, a period, a status across stores) would be
 * checked lead by lead along the walk, and a rare one walks far to fill the window.
 */
const onlyStoreFilter = (f: LeadFilters) => !f.status && !f.grade && !f.consultant && !f.channel && !f.campaign && !f.from && !f.to

/**
 * One page of a search by a surname in the default order (latest touch first): looked for
 * among the first SEARCH_WINDOW leads of the list without the search, off the list's index. When
 * that window holds the page — `offset + limit` matches — they are the list's first matches (every
 * lead outside the window comes after all of it); otherwise `bySearch`, the page through the name's
 * index, in the same statement: a one-time condition on the window's matches runs one or the other.
 */
function recentFirstPage(user: SessionUser, f: LeadFilters & { q: string }, page: { limit: number; offset: number }, bySearch: SQLWrapper): SQL {
  const want = page.offset + page.limit
  const base = and(...listConditions(user, { ...f, q: undefined }))
  const order = sql.join(latestFirst(sql`touched`, sql`created`, sql`id`), sql`, `)
  return sql`(
    with recent as (
      select ${leads.id} as id, ${leads.name} as name, ${leads.lastTouchAt} as touched, ${leads.createdAt} as created
      from ${leads} where ${base}
      order by ${sql.join(latestFirst(leads.lastTouchAt), sql`, `)}
      limit ${SEARCH_WINDOW}),
    hits as (select id, touched, created from recent where ${nameStarts(sql`name`, f.q)} order by ${order} limit ${want})
    select id from (select id from hits where (select count(*) from hits) >= ${want} order by ${order} offset ${page.offset}) in_window
    union all
    select id from (${bySearch}) by_search where (select count(*) from hits) < ${want})`
}

/**
 * Plain bounds around a first-touch period kept in the stores' calendars: a store's day lies within
 * 14 hours of the same UTC date, and the cast to timestamptz uses the session's zone: two days
 * either side hold it whatever both are.
 */
const dayBefore = (day: string) => sql`(${day}::date - 2)::timestamptz`
const dayAfter = (day: string) => sql`(${day}::date + 3)::timestamptz`

/** The stores a filter looks at: the one chosen if it is the user's, else every store of the user. */
const storesInView = (user: SessionUser, f: Partial<LeadFilters>) => {
  const allowed = user.stores.map((s) => s.id)
  const inView = f.store ? allowed.filter((id) => id === f.store) : allowed
  return inView.length ? inView : [NO_STORE]
}

/** `channelJoined`: the channel is applied by the caller's join (countByChannel), not here. */
function listConditions(user: SessionUser, f: Partial<LeadFilters>, options: { channelJoined?: boolean } = {}): SQL[] {
  const inView = storesInView(user, f)
  const conditions: SQL[] = [inArray(leads.storeId, inView), isNull(leads.mergedIntoId)]
  if (f.status) conditions.push(eq(leads.status, f.status))
  if (f.grade) conditions.push(eq(leads.grade, f.grade))
  if (f.consultant) conditions.push(eq(leads.consultantId, f.consultant))
  // a lead "came from" a channel or a campaign when any of its touches did
  if (f.channel && !options.channelJoined) {
    // within the stores in view (a lead's touches are its store's): probed in
    // touchpoints_store_channel_lead_idx, store, channel and lead together
    conditions.push(
      sql`exists (select 1 from ${touchpoints} where ${touchpoints.leadId} = ${OUTER_LEAD_ID} and ${inArray(touchpoints.storeId, inView)} and ${touchpoints.channel} = ${f.channel})`,
    )
  }
  if (f.campaign) {
    conditions.push(sql`exists (select 1 from ${touchpoints} where ${touchpoints.leadId} = ${OUTER_LEAD_ID} and ${touchpoints.campaignId} = ${f.campaign})`)
  }
  // the period is in each store's own calendar; the plain bounds around it let leads_store_first_touch_idx narrow it first
  const localFirstDay = sql`(${leads.firstTouchAt} at time zone ${stores.timeZone})::date`
  if (f.from) conditions.push(sql`${localFirstDay} >= ${f.from}::date`, sql`${leads.firstTouchAt} >= ${dayBefore(f.from)}`)
  if (f.to) conditions.push(sql`${localFirstDay} <= ${f.to}::date`, sql`${leads.firstTouchAt} < ${dayAfter(f.to)}`)
  if (f.q) conditions.push(searchCondition(user, f.q))
  return conditions
}

const visitCount = sql<number>`(select count(*) from ${showroomVisits} where ${showroomVisits.leadId} = ${OUTER_LEAD_ID})`.mapWith(Number)
const lastVisitType = sql<string | null>`(select ${showroomVisits.visitType} from ${showroomVisits} where ${showroomVisits.leadId} = ${OUTER_LEAD_ID} order by ${showroomVisits.arrivedAt} desc, ${showroomVisits.createdAt} desc limit 1)`
const lastVisitAt = sql<Date | null>`(select max(${showroomVisits.arrivedAt}) from ${showroomVisits} where ${showroomVisits.leadId} = ${OUTER_LEAD_ID})`.mapWith(
  (v) => (v == null ? null : new Date(v)),
)
const touchCount = sql<number>`(select count(*) from ${touchpoints} where ${touchpoints.leadId} = ${OUTER_LEAD_ID})`.mapWith(Number)

/**
 * The list pages through the first LEADS_PAGED_MAX leads of a filter and counts no further
 * (ADR 032): at 2M leads an exact count of a broad filter, or a page deep in it, reads a store's
 * every lead. Beyond, the page says "10,000+" and asks for narrower filters (or the export).
 */
export const LEADS_PAGED_MAX = 10_000
export const LEADS_MAX_PAGE = LEADS_PAGED_MAX / LEADS_PAGE_SIZE

/**
 * How many leads a filter with a channel matches, up to LEADS_PAGED_MAX + 1: each store's leads
 * touched by the channel, in lead order off touchpoints_store_channel_lead_idx (one index
 * entry per touch, no table read), each looked up by its id with the other conditions, until
 * the cap. As one semi-join the planner hashed every touch of the channel first (1.7M for
 * autohome at full scale: 0.95 s); this way the cap bounds the work (47 ms).
 */
async function countByChannel(db: Db, user: SessionUser, f: LeadFilters, needsStore: boolean): Promise<number> {
  const inView = sql.join(
    storesInView(user, f).map((id) => sql`${id}::uuid`),
    sql`, `,
  )
  const rows = rowsOf<{ n: number }>(
    await db.execute(sql`
      select count(*)::int as n from (
        select 1
        from unnest(array[${inView}]) as s(id)
        cross join lateral (select distinct ${touchpoints.leadId} as lead_id from ${touchpoints}
                            where ${touchpoints.storeId} = s.id and ${touchpoints.channel} = ${f.channel}) c
        join ${leads} on ${leads.id} = c.lead_id
        ${needsStore ? sql`join ${stores} on ${stores.id} = ${leads.storeId}` : sql``}
        where ${and(...listConditions(user, f, { channelJoined: true }))}
        limit ${LEADS_PAGED_MAX + 1}) m`),
  )
  return rows[0]?.n ?? 0
}

/**
 * One page of the list, and (with `count`) how many leads match, counted up to LEADS_PAGED_MAX + 1.
 * The page's ids come first, off the order's index, and only those rows are joined and get their
 * visits and touches counted: an OFFSET skips rows of the narrow query, not of the wide one.
 */
async function queryLeads(user: SessionUser, f: LeadFilters, page: { limit: number; offset: number; count: boolean }) {
  const db = await getDb()
  const where = and(...listConditions(user, f))
  const order = listOrder(user, f)
  // the store's row is read only when the filter or the order needs it
  const needsStore = f.sort === 'store' || Boolean(f.from || f.to)
  const matching = <T extends PgSelect>(qb: T) => (needsStore ? qb.innerJoin(stores, eq(stores.id, leads.storeId)) : qb).where(where)
  const ordered = () =>
    matching(db.select({ id: leads.id }).from(leads).$dynamic())
      .orderBy(...order)
      .limit(page.limit)
      .offset(page.offset)
  const pageIds =
    f.sort === 'store'
      ? storeOrderedPage(db, user, f, where, Boolean(f.from || f.to), page)
      : f.sort === 'lastTouchAt' && f.dir === 'desc' && isSurnameQuery(f.q) && onlyStoreFilter(f) && page.offset + page.limit <= SEARCH_WINDOW_ROWS
        ? recentFirstPage(user, { ...f, q: f.q }, page, ordered())
        : ordered()
  const counted = page.count
    ? f.channel
      ? countByChannel(db, user, f, needsStore)
      : db
        .select({ n: sql<number>`count(*)`.mapWith(Number) })
        .from(matching(db.select({ one: sql`1` }).from(leads).$dynamic()).limit(LEADS_PAGED_MAX + 1).as('matching'))
        .then(([row]) => row?.n ?? 0)
    : Promise.resolve(null)
  const listed = db
    .select({
      id: leads.id,
      name: leads.name,
      phone: leads.phone,
      phoneMasked: leads.phoneMasked,
      status: leads.status,
      grade: leads.grade,
      city: leads.city,
      modelOfInterest: leads.modelOfInterest,
      firstChannel: leads.firstChannel,
      firstTouchAt: leads.firstTouchAt,
      lastTouchAt: leads.lastTouchAt,
      lostReason: leads.lostReason,
      lostToBrand: leads.lostToBrand,
      lostToModel: leads.lostToModel,
      createdAt: leads.createdAt,
      campaignName: campaigns.name,
      consultantName: users.name,
      storeId: stores.id,
      storeName: stores.name,
      timeZone: stores.timeZone,
      visits: visitCount,
      lastVisitType,
      lastVisitAt,
      touches: touchCount,
    })
    .from(leads)
    .innerJoin(stores, eq(stores.id, leads.storeId))
    .leftJoin(campaigns, eq(campaigns.id, leads.firstCampaignId))
    .leftJoin(users, eq(users.id, leads.consultantId))
    .where(inArray(leads.id, pageIds))
    .orderBy(...order)
  // on a Postgres server the two run side by side on two connections
  const [rows, matched] = await Promise.all([listed, counted])
  return { rows, matched }
}

export async function listLeads(user: SessionUser, f: LeadFilters) {
  const pageAt = (page: number) => ({ limit: LEADS_PAGE_SIZE, offset: (page - 1) * LEADS_PAGE_SIZE })
  let page = Math.min(f.page, LEADS_MAX_PAGE)
  let { rows, matched } = await queryLeads(user, f, { ...pageAt(page), count: true })
  /** more leads match than the list pages through */
  const more = (matched ?? 0) > LEADS_PAGED_MAX
  const total = Math.min(matched ?? 0, LEADS_PAGED_MAX)
  const pages = Math.max(1, Math.ceil(total / LEADS_PAGE_SIZE))
  // an address past the last page (the list shrank, or a typed page number) shows the last page
  if (page > pages) {
    page = pages
    ;({ rows } = await queryLeads(user, f, { ...pageAt(page), count: false }))
  }
  const full = canSeeFullPhone(user)
  const typed = typedTextFor(full)
  return {
    rows: rows.map(({ phone, phoneMasked, ...r }) => ({ ...typed(r), phone: displayPhone({ phone, phoneMasked }, full) })),
    total,
    more,
    page,
    pages,
  }
}

/** The filtered list for a file: phones masked for every role (SPEC §3 "masked … in exports"), numbers in names, cities and models too. */
export async function exportLeads(user: SessionUser, f: LeadFilters) {
  const { rows } = await queryLeads(user, f, { limit: LEADS_EXPORT_LIMIT + 1, offset: 0, count: false })
  const typed = typedTextFor(false)
  const kept = rows.slice(0, LEADS_EXPORT_LIMIT)
  return {
    rows: kept.map(({ phone, phoneMasked, ...r }) => ({ ...typed(r), phone: displayPhone({ phone, phoneMasked }, false) })),
    truncated: rows.length > LEADS_EXPORT_LIMIT,
  }
}

// ---------------------------------------------------------------------------------------
// One lead

/** Only facts of a touchpoint worth showing; a platform's raw row may hold data the viewer may not see. */
const SHOWN_DETAIL = ['note', 'durationMinutes', 'partySize', 'visitType', 'testDrive', 'url', 'platform'] as const

export async function getLead(user: SessionUser, id: string) {
  const db = await getDb()
  const lead = await readableLead(db, user, id)
  const full = canSeeFullPhone(user)
  const text = (s: string) => (full ? s : maskPhonesInText(s))
  const [store] = await db.select().from(stores).where(eq(stores.id, lead.storeId))
  const [consultant] = lead.consultantId
    ? await db.select({ id: users.id, name: users.name }).from(users).where(eq(users.id, lead.consultantId))
    : []
  const [touches, events, visits] = await Promise.all([
    db
      .select({
        id: touchpoints.id,
        kind: touchpoints.kind,
        channel: touchpoints.channel,
        at: touchpoints.at,
        campaignId: touchpoints.campaignId,
        campaignName: campaigns.name,
        utmSource: touchpoints.utmSource,
        utmMedium: touchpoints.utmMedium,
        utmCampaign: touchpoints.utmCampaign,
        utmContent: touchpoints.utmContent,
        detail: touchpoints.detail,
        createdByName: users.name,
      })
      .from(touchpoints)
      .leftJoin(campaigns, eq(campaigns.id, touchpoints.campaignId))
      .leftJoin(users, eq(users.id, touchpoints.createdById))
      .where(eq(touchpoints.leadId, lead.id))
      .orderBy(asc(touchpoints.at), asc(touchpoints.id)),
    db
      .select({
        id: leadEvents.id,
        type: leadEvents.type,
        fromStatus: leadEvents.fromStatus,
        toStatus: leadEvents.toStatus,
        note: leadEvents.note,
        detail: leadEvents.detail,
        at: leadEvents.at,
        userName: users.name,
      })
      .from(leadEvents)
      .leftJoin(users, eq(users.id, leadEvents.userId))
      .where(eq(leadEvents.leadId, lead.id))
      .orderBy(asc(leadEvents.at), asc(leadEvents.id)),
    db
      .select({
        id: showroomVisits.id,
        visitType: showroomVisits.visitType,
        arrivedAt: showroomVisits.arrivedAt,
        leftAt: showroomVisits.leftAt,
        partySize: showroomVisits.partySize,
        testDrive: showroomVisits.testDrive,
        note: showroomVisits.note,
        consultantName: users.name,
      })
      .from(showroomVisits)
      .leftJoin(users, eq(users.id, showroomVisits.consultantId))
      .where(eq(showroomVisits.leadId, lead.id))
      .orderBy(asc(showroomVisits.arrivedAt), asc(showroomVisits.createdAt)),
  ])
  const pick = (detail: Record<string, unknown> | null) => {
    const out: Record<string, string | number | boolean> = {}
    for (const key of SHOWN_DETAIL) {
      const v = detail?.[key]
      if (typeof v === 'string') out[key] = text(v)
      else if (typeof v === 'number' || typeof v === 'boolean') out[key] = v
    }
    return out
  }
  return {
    id: lead.id,
    storeId: lead.storeId,
    store: { id: store!.id, name: store!.name, timeZone: store!.timeZone, currency: store!.currency },
    name: text(lead.name),
    phone: displayPhone(lead, full),
    phoneIsFull: full && Boolean(lead.phone),
    city: text(lead.city),
    modelOfInterest: text(lead.modelOfInterest),
    grade: lead.grade,
    status: lead.status,
    lostReason: lead.lostReason,
    lostToBrand: lead.lostToBrand,
    lostToModel: lead.lostToModel,
    consultant: consultant ?? null,
    firstChannel: lead.firstChannel,
    firstTouchAt: lead.firstTouchAt,
    lastTouchAt: lead.lastTouchAt,
    note: text(lead.note),
    mergedIntoId: lead.mergedIntoId,
    opportunity: lead.opportunity,
    version: lead.version,
    createdAt: lead.createdAt,
    updatedAt: lead.updatedAt,
    touchpoints: touches.map((t) => ({ ...t, detail: pick(t.detail) })),
    events: events.map((e) => ({ ...e, note: text(e.note), detail: pick(e.detail) as Record<string, unknown>, raw: eventFacts(e.detail) })),
    visits: visits.map((v) => ({ ...v, note: text(v.note) })),
  }
}

/** The non-personal facts of an event the page explains (lost reason, competitor, merge). */
function eventFacts(detail: Record<string, unknown> | null) {
  const str = (k: string) => (typeof detail?.[k] === 'string' ? (detail[k] as string) : null)
  return {
    kind: str('kind'),
    channel: str('channel'),
    lostReason: str('lostReason'),
    lostToBrand: str('lostToBrand'),
    lostToModel: str('lostToModel'),
    mergedLeadId: str('mergedLeadId'),
    visitType: str('visitType'),
  }
}

export type LeadDetail = Awaited<ReturnType<typeof getLead>>

/** Other open leads of the same store that match a name or phone: merge candidates. */
export async function findMergeCandidates(user: SessionUser, leadId: string, q: string) {
  const db = await getDb()
  const lead = await readableLead(db, user, leadId)
  const query = q.trim()
  if (!query) return []
  const full = canSeeFullPhone(user)
  const rows = await db
    .select({
      id: leads.id,
      name: leads.name,
      phone: leads.phone,
      phoneMasked: leads.phoneMasked,
      status: leads.status,
      firstTouchAt: leads.firstTouchAt,
      touches: touchCount,
      visits: visitCount,
    })
    .from(leads)
    .innerJoin(stores, eq(stores.id, leads.storeId))
    .where(and(eq(leads.storeId, lead.storeId), isNull(leads.mergedIntoId), notInArray(leads.id, [lead.id]), searchCondition(user, query.slice(0, 60))))
    .orderBy(...listOrder(user, { sort: 'lastTouchAt', dir: 'desc' }))
    .limit(20)
  return rows.map(({ phone, phoneMasked, ...r }) => ({ ...r, name: nameFor(full)(r.name), phone: displayPhone({ phone, phoneMasked }, full) }))
}

/** The one candidate picked for a merge: another open lead of the same store, or null. */
export async function getMergeCandidate(user: SessionUser, leadId: string, candidateId: string) {
  if (!isUuid(candidateId) || candidateId === leadId) return null
  const db = await getDb()
  const lead = await readableLead(db, user, leadId)
  const [row] = await db
    .select({ id: leads.id, name: leads.name, phone: leads.phone, phoneMasked: leads.phoneMasked, status: leads.status, touches: touchCount, visits: visitCount })
    .from(leads)
    .where(and(eq(leads.id, candidateId), eq(leads.storeId, lead.storeId), isNull(leads.mergedIntoId)))
  if (!row) return null
  const { phone, phoneMasked, ...rest } = row
  const full = canSeeFullPhone(user)
  return { ...rest, name: nameFor(full)(rest.name), phone: displayPhone({ phone, phoneMasked }, full) }
}

// ---------------------------------------------------------------------------------------
// Changes

export type LeadSaveResult =
  | { ok: true; leadId: string; version: number; created?: boolean }
  | { ok: false; reason: 'stale'; version: number }
  | FieldFailure

/** Moves a lead's status and writes the lifecycle event; the caller checked that the move is allowed. */
export async function moveStatus(
  tx: Tx,
  lead: Pick<LeadRow, 'id' | 'status'>,
  to: LeadStatus,
  change: { userId: string | null; note?: string; at?: Date; lost?: { reason: string; brand: string; model: string }; detail?: Record<string, unknown> },
) {
  const lost = to === 'lost' ? change.lost : undefined
  const moved = await tx
    .update(leads)
    .set({
      status: to,
      lostReason: lost?.reason ?? null,
      lostToBrand: lost?.reason === 'competitor' ? lost.brand || null : null,
      lostToModel: lost?.reason === 'competitor' ? lost.model || null : null,
      ...leadChanged(),
    })
    // the state check and the change are one statement: two clicks cannot both win
    .where(and(eq(leads.id, lead.id), eq(leads.status, lead.status)))
    .returning({ version: leads.version })
  if (!moved.length) return null
  await tx.insert(leadEvents).values({
    leadId: lead.id,
    type: 'status',
    fromStatus: lead.status,
    toStatus: to,
    note: change.note ?? '',
    userId: change.userId,
    at: change.at ?? new Date(),
    detail: {
      ...change.detail,
      ...(lost ? { lostReason: lost.reason, lostToBrand: lost.brand || undefined, lostToModel: lost.model || undefined } : {}),
    },
  })
  return moved[0]!.version
}

/** 录入线索: a lead typed in by hand arrives like any other (one lead per phone per store). */
export async function createLeadManually(user: SessionUser, input: ManualLeadInput, ip: string): Promise<LeadSaveResult | Throttled> {
  requireLeadWrite(user, input.storeId)
  const store = storeOf(user, input.storeId)
  const at = momentInStore(input.at, store.timeZone)
  if (!at) return { ok: false, reason: 'field', field: 'at', message: 'leads.validation.notFuture' }
  const throttled = await phoneRecordAllowance(user, input.phone)
  if (throttled) return throttled
  const db = await getDb()
  return db.transaction(async (tx) => {
    const failure = await checkStoreChoices(tx, input.storeId, input)
    if (failure) return failure
    const arrival = await recordArrival(tx, {
      storeId: input.storeId,
      person: { name: input.name, phone: input.phone, city: input.city, modelOfInterest: input.modelOfInterest },
      touch: { kind: 'manual', channel: input.channel, at, campaignId: input.campaignId, detail: input.note ? { note: input.note } : undefined },
      userId: user.id,
    })
    const [lead] = await tx.select().from(leads).where(eq(leads.id, arrival.leadId))
    // what the person entering knows fills in what the lead did not know; it never overwrites
    const patch: Partial<LeadRow> = {}
    if (input.grade && !lead!.grade) patch.grade = input.grade
    if (input.consultantId && !lead!.consultantId) patch.consultantId = input.consultantId
    if (input.note && !lead!.note) patch.note = input.note
    if (Object.keys(patch).length) await tx.update(leads).set({ ...patch, ...leadChanged() }).where(eq(leads.id, lead!.id))
    await recordAudit(tx, {
      userId: user.id,
      storeId: input.storeId,
      action: arrival.created ? 'lead.create' : 'lead.touch',
      entityType: 'lead',
      entityId: arrival.leadId,
      before: arrival.created ? null : leadAuditView(lead!),
      after: { ...leadAuditView({ ...lead!, ...patch }), touch: { kind: 'manual', channel: input.channel, campaignId: input.campaignId } },
      ip,
    })
    return { ok: true, leadId: arrival.leadId, version: lead!.version, created: arrival.created } as const
  })
}

/** Saves the editable facts if nobody else changed the lead since `expectedVersion` was loaded. */
export async function updateLead(user: SessionUser, id: string, input: LeadUpdateInput, ip: string): Promise<LeadSaveResult> {
  const db = await getDb()
  const before = await readableLead(db, user, id)
  requireLeadWrite(user, before.storeId)
  if (before.mergedIntoId) notFound()
  return db.transaction(async (tx) => {
    const failure = await checkStoreChoices(tx, before.storeId, { consultantId: input.consultantId })
    if (failure) return failure
    // a role that sees numbers masked gets the masked text back from the form: unchanged
    // text keeps the numbers it had rather than saving their masked form over them
    const unmasked = (typed: string, stored: string) => (!canSeeFullPhone(user) && typed === maskPhonesInText(stored) ? stored : typed)
    const values = {
      name: unmasked(input.name, before.name),
      city: unmasked(input.city, before.city),
      modelOfInterest: unmasked(input.modelOfInterest, before.modelOfInterest),
      grade: input.grade,
      consultantId: input.consultantId,
      note: unmasked(input.note, before.note),
    }
    const updated = await tx
      .update(leads)
      .set({ ...values, ...leadChanged() })
      .where(and(eq(leads.id, id), eq(leads.version, input.version)))
      .returning()
    if (!updated.length) {
      const [current] = await tx.select({ version: leads.version }).from(leads).where(eq(leads.id, id))
      return { ok: false, reason: 'stale', version: current?.version ?? input.version } as const
    }
    await recordAudit(tx, {
      userId: user.id,
      storeId: before.storeId,
      action: 'lead.update',
      entityType: 'lead',
      entityId: id,
      before: leadAuditView(before),
      after: leadAuditView(updated[0]!),
      ip,
    })
    return { ok: true, leadId: id, version: updated[0]!.version } as const
  })
}

export type StatusResult = { ok: true; status: LeadStatus } | { ok: false; reason: 'not-allowed'; status: LeadStatus }

/** One step of the lifecycle, recorded as a lead event with from, to, time, user and note. */
export async function changeStatus(user: SessionUser, id: string, input: StatusChangeInput, ip: string): Promise<StatusResult> {
  const db = await getDb()
  const before = await readableLead(db, user, id)
  requireLeadWrite(user, before.storeId)
  if (before.mergedIntoId) notFound()
  if (!canMove(before.status, input.to)) return { ok: false, reason: 'not-allowed', status: before.status }
  return db.transaction(async (tx) => {
    const lost = input.to === 'lost' ? { reason: input.lostReason!, brand: input.lostToBrand, model: input.lostToModel } : undefined
    const version = await moveStatus(tx, before, input.to, { userId: user.id, note: input.note, lost })
    if (version === null) {
      const [current] = await tx.select({ status: leads.status }).from(leads).where(eq(leads.id, id))
      return { ok: false, reason: 'not-allowed', status: current?.status ?? before.status } as const
    }
    await recordAudit(tx, {
      userId: user.id,
      storeId: before.storeId,
      action: 'lead.status',
      entityType: 'lead',
      entityId: id,
      before: { status: before.status, lostReason: before.lostReason, lostToBrand: before.lostToBrand, lostToModel: before.lostToModel },
      after: {
        status: input.to,
        note: maskPhonesInText(input.note),
        lostReason: lost?.reason,
        lostToBrand: lost?.reason === 'competitor' ? lost.brand : undefined,
        lostToModel: lost?.reason === 'competitor' ? lost.model || undefined : undefined,
      },
      ip,
    })
    return { ok: true, status: input.to } as const
  })
}

export type MergeResult = { ok: true; leadId: string } | { ok: false; reason: 'same' | 'other-store' | 'merged' }

const GRADE_ORDER = ['A', 'B', 'C']

/** The better of two leads' facts: what the survivor knows wins, the duplicate fills gaps. */
function betterData(survivor: LeadRow, duplicate: LeadRow): Partial<LeadRow> {
  const patch: Partial<LeadRow> = {}
  if (!survivor.name && duplicate.name) patch.name = duplicate.name
  if (!survivor.phoneHash && duplicate.phoneHash) {
    patch.phone = duplicate.phone
    patch.phoneHash = duplicate.phoneHash
    patch.phoneMasked = duplicate.phoneMasked
  } else if (!survivor.phoneMasked && duplicate.phoneMasked) patch.phoneMasked = duplicate.phoneMasked
  if (!survivor.city && duplicate.city) patch.city = duplicate.city
  if (!survivor.modelOfInterest && duplicate.modelOfInterest) patch.modelOfInterest = duplicate.modelOfInterest
  if (!survivor.consultantId && duplicate.consultantId) patch.consultantId = duplicate.consultantId
  // the warmer grade: a person who told one consultant "this month" is an A
  if (duplicate.grade && (!survivor.grade || GRADE_ORDER.indexOf(duplicate.grade) < GRADE_ORDER.indexOf(survivor.grade))) {
    patch.grade = duplicate.grade
  }
  if (duplicate.note && duplicate.note !== survivor.note) patch.note = [survivor.note, duplicate.note].filter(Boolean).join('\n').slice(0, 4000)
  // the furthest step of the funnel; a lost lead gives way to one still open
  const open = (s: LeadStatus) => s !== 'lost'
  if (open(duplicate.status) && (!open(survivor.status) || funnelRank(duplicate.status) > funnelRank(survivor.status))) {
    patch.status = duplicate.status
    patch.lostReason = null
    patch.lostToBrand = null
    patch.lostToModel = null
  }
  if (duplicate.createdAt < survivor.createdAt) patch.createdAt = duplicate.createdAt
  return patch
}

/**
 * Merges a duplicate into the surviving lead by hand ('lead:manage'): its touchpoints,
 * visits, events, web visitors and import rows move over, the survivor keeps the better
 * data, and the duplicate stays behind as a tombstone — `merged_into_id` set, every
 * personal field emptied but the keyed hash of its number — rather than being deleted.
 * The tombstone keeps old links (bookmarks, audit entries, an import's row report)
 * pointing somewhere, and lets the analytical copy, synced from Postgres by watermark
 * (ADR 001), see the merge: a deleted row is invisible to a watermark sync. The kept hash
 * lets the duplicate's number still find the person (recordArrival follows
 * `merged_into_id`). Erasing the survivor erases its tombstones.
 */
export async function mergeLeads(user: SessionUser, survivorId: string, duplicateId: string, ip: string): Promise<MergeResult> {
  if (survivorId === duplicateId) return { ok: false, reason: 'same' }
  const db = await getDb()
  const check = await readableLead(db, user, survivorId)
  requireLeadManage(user, check.storeId)
  return db.transaction(async (tx) => {
    const survivor = await readableLead(tx, user, survivorId, { lock: true })
    const duplicate = await readableLead(tx, user, duplicateId, { lock: true })
    if (duplicate.storeId !== survivor.storeId) return { ok: false, reason: 'other-store' } as const
    if (survivor.mergedIntoId || duplicate.mergedIntoId) return { ok: false, reason: 'merged' } as const
    const now = new Date()
    const patch = betterData(survivor, duplicate)
    // the tombstone keeps only the keyed hash of its number, so that a later arrival or sale with
    // that number finds the survivor; when the survivor takes the number, the hash moves over
    // (first off the tombstone: one open lead per hash and store)
    await tx
      .update(leads)
      .set({
        mergedIntoId: survivor.id,
        name: '',
        phone: null,
        phoneHash: patch.phoneHash ? null : duplicate.phoneHash,
        phoneMasked: null,
        city: '',
        modelOfInterest: '',
        note: '',
        grade: null,
        consultantId: null,
        lostReason: null,
        lostToBrand: null,
        lostToModel: null,
        ...leadChanged(),
      })
      .where(eq(leads.id, duplicate.id))
    // leads merged into the duplicate earlier now point at the survivor: no chains
    await tx.update(leads).set({ mergedIntoId: survivor.id, ...leadChanged() }).where(eq(leads.mergedIntoId, duplicate.id))
    await tx.update(touchpoints).set({ leadId: survivor.id }).where(eq(touchpoints.leadId, duplicate.id))
    await tx.update(showroomVisits).set({ leadId: survivor.id }).where(eq(showroomVisits.leadId, duplicate.id))
    await tx.update(leadEvents).set({ leadId: survivor.id }).where(eq(leadEvents.leadId, duplicate.id))
    await tx.update(visitors).set({ leadId: survivor.id }).where(eq(visitors.leadId, duplicate.id))
    await tx.update(importRows).set({ leadId: survivor.id }).where(eq(importRows.leadId, duplicate.id))
    // decisions on suggested sales follow the person; where the survivor has its own on the same sale, that one stands
    await tx
      .update(saleMatchReviews)
      .set({ leadId: survivor.id })
      .where(
        and(
          eq(saleMatchReviews.leadId, duplicate.id),
          sql`not exists (select 1 from ${saleMatchReviews} s where s.lead_id = ${survivor.id} and s.store_id = ${saleMatchReviews.storeId} and s.sale_key = ${saleMatchReviews.saleKey})`,
        ),
      )
    await tx.delete(saleMatchReviews).where(eq(saleMatchReviews.leadId, duplicate.id))
    const [after] = await tx
      .update(leads)
      .set({ ...patch, ...leadChanged() })
      .where(eq(leads.id, survivor.id))
      .returning()
    await tx.insert(leadEvents).values({
      leadId: survivor.id,
      type: 'merged',
      userId: user.id,
      at: now,
      detail: { mergedLeadId: duplicate.id },
    })
    await refreshTouchSummary(tx, survivor.id)
    await recordAudit(tx, {
      userId: user.id,
      storeId: survivor.storeId,
      action: 'lead.merge',
      entityType: 'lead',
      entityId: survivor.id,
      before: { survivor: leadAuditView(survivor), duplicate: { id: duplicate.id, ...leadAuditView(duplicate) } },
      after: leadAuditView(after!),
      ip,
    })
    return { ok: true, leadId: survivor.id } as const
  })
}

/**
 * A person's erasure on request (SPEC §3): the lead, its touchpoints, visits and events,
 * the tombstones of leads merged into it, and the person's web visitor ids with every
 * page view recorded under them are deleted; import rows lose their link. Earlier audit entries about the lead keep who did what and when, but
 * their before/after (names, masked phones) are redacted; the new entry records only
 * that an erasure happened — who, when, which lead id, which store.
 */
export async function eraseLead(user: SessionUser, id: string, ip: string) {
  const db = await getDb()
  const check = await readableLead(db, user, id)
  requireLeadManage(user, check.storeId)
  if (check.mergedIntoId) badRequest('This lead was merged; erase the lead it was merged into.')
  // the sales matchback tied to the person (read before the lead goes): their rows in the kept
  // sales files are emptied of identifiers too, even those found by a masked phone and a name
  let saleKeys: string[] = []
  try {
    saleKeys = await saleKeysOfLead({ id: check.id, storeId: check.storeId })
  } catch (error) {
    log('warn', 'erasure: the matched sales could not be read; the phone hash still reaches the files', { error: describeError(error) })
  }
  const erased = await db.transaction(async (tx) => {
    const lead = await readableLead(tx, user, id, { lock: true })
    const tombstones = await tx.select({ id: leads.id, phoneHash: leads.phoneHash }).from(leads).where(eq(leads.mergedIntoId, lead.id))
    const ids = [lead.id, ...tombstones.map((t) => t.id)]
    // the person's browsing on the store's sites goes too: their visitor ids and every page view under them
    const browsers = await tx.delete(visitors).where(inArray(visitors.leadId, ids)).returning({ siteId: visitors.siteId, visitorKey: visitors.visitorKey })
    for (const b of browsers) {
      await tx.delete(webEvents).where(and(eq(webEvents.siteId, b.siteId), eq(webEvents.visitorKey, b.visitorKey)))
      await tx.delete(touchpoints).where(and(eq(touchpoints.siteId, b.siteId), eq(touchpoints.visitorKey, b.visitorKey)))
    }
    const importedIn = await tx.update(importRows).set({ leadId: null }).where(inArray(importRows.leadId, ids)).returning({ importId: importRows.importId })
    // the kept files (the exports that brought the person, the sales files naming them) follow
    // in a job queued here: it exists exactly when this erasure commits
    await queueKeptFileErasure(tx, {
      storeId: lead.storeId,
      phoneHashes: [...new Set([lead.phoneHash, ...tombstones.map((t) => t.phoneHash)].filter((h): h is string => !!h))],
      saleKeys,
      importIds: [...new Set(importedIn.map((r) => r.importId))],
      createdById: user.id,
    })
    const removedTouches = await tx.delete(touchpoints).where(inArray(touchpoints.leadId, ids)).returning({ id: touchpoints.id })
    const removedVisits = await tx.delete(showroomVisits).where(inArray(showroomVisits.leadId, ids)).returning({ id: showroomVisits.id })
    const removedEvents = await tx.delete(leadEvents).where(inArray(leadEvents.leadId, ids)).returning({ id: leadEvents.id })
    await tx.delete(leads).where(inArray(leads.id, ids))
    await tx
      .update(auditLog)
      .set({ before: null, after: { redacted: 'erasure' } })
      .where(and(eq(auditLog.entityType, 'lead'), inArray(auditLog.entityId, ids)))
    await recordAudit(tx, {
      userId: user.id,
      storeId: lead.storeId,
      action: 'lead.erase',
      entityType: 'lead',
      entityId: lead.id,
      after: {
        erased: true,
        touchpoints: removedTouches.length,
        visits: removedVisits.length,
        events: removedEvents.length,
        mergedLeads: tombstones.length,
        browsers: browsers.length,
      },
      ip,
    })
    return { storeId: lead.storeId }
  })
  // the analytical copy drops the person at once, not at the next tick
  requestAnalyticsSync()
  return erased
}
