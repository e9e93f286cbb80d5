import { and, eq, inArray, isNull, sql } from 'drizzle-orm'
import { getDb } from '../../db/client'
import { leads, saleMatchReviews, stores, type MatchDecision } from '../../db/schema'
import { readAnalyticsConfig } from '../../analytics/config'
import { resolveLiveFile, sqlList, withAnalytics, type AnalyticsConnection } from '../../analytics/duckdb'
import { runQuery } from '../../analytics/query'
import {
  currentPair,
  matchTablesPresent,
  pendingReviews,
  salesOfCampaign,
  salesOfLead,
  statusOfSales,
  type LeadSaleRow,
  type MatchRule,
  type SaleStatusRow,
} from '../../analytics/matchback/queries'
import { MATCH_REVIEW_PAGE_SIZE, type MatchDecisionInput, type MatchReviewQuery } from '../schemas/matchback'
import { canReadStore, canWriteStore, type SessionUser } from '../utils/auth.server'
import { forbidden, notFound } from '../utils/http.server'
import { describeError, log } from '../utils/logger.server'
import { roleCan } from '../utils/permissions'
import { requestAnalyticsSync } from './analytics.server'
import { recordAudit } from './audit.server'

/**
 * Matchback as the app shows it (SPEC §4, docs/decisions/017-matchback.md). The matches are
 * computed in the analytical store (analytics/matchback/refresh.ts, at every sync that
 * changes leads, touches, reviews or sales); people's decisions on suggested matches are kept
 * here in Postgres (`sale_match_reviews`) and reach the computation through the sync.
 */

/** Reads the match tables, or gives `fallback` while there are none yet (no analytical store, or not yet synced). */
export async function readMatches<T>(fallback: T, fn: (c: AnalyticsConnection) => Promise<T>): Promise<{ ready: boolean; value: T }> {
  // a process that never opened the analytical store (a command, a test) has nothing to read: do not make one
  if (!resolveLiveFile(readAnalyticsConfig().file)) return { ready: false, value: fallback }
  return withAnalytics(async (c) => {
    const [present] = await runQuery(c, matchTablesPresent, {})
    if ((present?.n ?? 0) < 2) return { ready: false, value: fallback }
    return { ready: true, value: await fn(c) }
  })
}

/** For a page where matches are one panel among others: the analytical store being unavailable is no reason to fail the page. */
async function softly<T>(what: string, fallback: T, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (error) {
    log('warn', `matchback: ${what} unavailable`, { error: describeError(error) })
    return fallback
  }
}

// ------------------------------------------------------------------ the review list

export type NameAgreement = 'exact' | 'surname'

export type MatchReviewItem = {
  storeId: string
  storeName: string
  saleKey: string
  saleDate: string | null
  model: string | null
  salePhone: string | null
  leadId: string
  leadPhone: string | null
  /** the two names as the viewer may see them: in full with phone access, else the surname and stars */
  saleName: string | null
  leadName: string | null
  nameAgreement: NameAgreement | null
  rule: MatchRule
  confidence: number
  candidates: number
  /** a decision taken since the matches were last computed (shown until the next sync takes it in) */
  decided: MatchDecision | null
  canDecide: boolean
}

export type MatchReviewList = {
  ready: boolean
  items: MatchReviewItem[]
  total: number
  page: number
  pages: number
  stores: Array<{ id: string; name: string }>
}

/** `张伟` → `张*`: shows whether names agree without telling a role without phone access who it is. */
export function maskName(name: string | null) {
  if (!name) return null
  const chars = [...name]
  return chars[0] + '*'.repeat(Math.max(1, chars.length - 1))
}

function requireReviewRead(user: SessionUser) {
  if (!roleCan(user.role, 'sales:read')) forbidden('You may not see sales matches.')
}

/** Suggested matches of the user's stores that wait for a decision, one page, latest sales first. */
export async function listMatchReviews(user: SessionUser, query: MatchReviewQuery): Promise<MatchReviewList> {
  requireReviewRead(user)
  const readable = user.stores.filter((s) => !query.store || s.id === query.store)
  const storeList = user.stores.map((s) => ({ id: s.id, name: s.name }))
  const empty = { items: [], total: 0, page: 1, pages: 1, stores: storeList }
  if (!readable.length) return { ready: true, ...empty }
  const names = new Map(readable.map((s) => [s.id, s.name]))
  const { ready, value: rows } = await readMatches([], async (c) => {
    const first = await runQuery(c, pendingReviews, { storeIds: sqlList(readable.map((s) => s.id)), limit: MATCH_REVIEW_PAGE_SIZE, offset: (query.page - 1) * MATCH_REVIEW_PAGE_SIZE })
    // a page past the end (the list shrank as people decided): the last page instead
    if (first.length || query.page === 1) return first
    return []
  })
  if (!ready) return { ready: false, ...empty }
  const total = rows[0]?.total ?? 0
  const pages = Math.max(1, Math.ceil(total / MATCH_REVIEW_PAGE_SIZE))
  const full = roleCan(user.role, 'lead:phone')
  const db = await getDb()
  const leadIds = [...new Set(rows.map((r) => r.lead_id))]
  const leadRows = leadIds.length ? await db.select({ id: leads.id, name: leads.name }).from(leads).where(inArray(leads.id, leadIds)) : []
  const leadNames = new Map(leadRows.map((l) => [l.id, l.name]))
  const decisions = rows.length
    ? await db
        .select({ storeId: saleMatchReviews.storeId, saleKey: saleMatchReviews.saleKey, leadId: saleMatchReviews.leadId, decision: saleMatchReviews.decision })
        .from(saleMatchReviews)
        .where(and(inArray(saleMatchReviews.leadId, leadIds), inArray(saleMatchReviews.saleKey, [...new Set(rows.map((r) => r.sale_key))])))
    : []
  const decided = new Map(decisions.map((d) => [`${d.storeId}|${d.saleKey}|${d.leadId}`, d.decision]))
  const items = rows.map<MatchReviewItem>((r) => {
    const leadName = leadNames.get(r.lead_id) || r.lead_name_key
    return {
      storeId: r.store_id,
      storeName: names.get(r.store_id) ?? '',
      saleKey: r.sale_key,
      saleDate: r.sale_date,
      model: [r.series, r.model].filter(Boolean).join(' ') || null,
      salePhone: r.sale_phone_masked,
      leadId: r.lead_id,
      leadPhone: r.lead_phone_masked,
      saleName: full ? r.sale_name_key : maskName(r.sale_name_key),
      leadName: full ? leadName : maskName(r.lead_name_key),
      nameAgreement: r.name_agreement,
      rule: r.rule,
      confidence: r.confidence,
      candidates: r.candidates,
      decided: decided.get(`${r.store_id}|${r.sale_key}|${r.lead_id}`) ?? null,
      canDecide: roleCan(user.role, 'sales:review') && canWriteStore(user, r.store_id),
    }
  })
  return { ready: true, items, total, page: Math.min(query.page, pages), pages, stores: storeList }
}

// ------------------------------------------------------------------ decisions

export type DecisionResult = { ok: true; decision: MatchDecision } | { ok: false; reason: 'gone' }

/**
 * Accepts or rejects a suggested match: remembered by store, sale key and lead, so that it
 * outlives re-imports and rebuilds. An accepted pair is a match (rule `reviewed`); a rejected
 * pair is never suggested again. Specialists, managers and admins of the store decide.
 */
export async function decideMatch(user: SessionUser, input: MatchDecisionInput, ip: string): Promise<DecisionResult> {
  if (!roleCan(user.role, 'sales:review') || !canWriteStore(user, input.storeId)) {
    if (!canReadStore(user, input.storeId)) notFound()
    forbidden('You may not decide on matches of this store.')
  }
  const db = await getDb()
  const [lead] = await db
    .select({ id: leads.id })
    .from(leads)
    .where(and(eq(leads.id, input.leadId), eq(leads.storeId, input.storeId), isNull(leads.mergedIntoId)))
  if (!lead) return { ok: false, reason: 'gone' }
  // only a pair matchback put forward (to review, or matched) can be decided on
  const { value: pair } = await readMatches(null, async (c) => (await runQuery(c, currentPair, { storeId: input.storeId, saleKey: input.saleKey, leadId: input.leadId }))[0] ?? null)
  if (!pair || pair.status === 'unmatched') return { ok: false, reason: 'gone' }
  const decision: MatchDecision = input.intent === 'accept' ? 'accepted' : 'rejected'
  await db.transaction(async (tx) => {
    const [before] = await tx
      .select({ decision: saleMatchReviews.decision })
      .from(saleMatchReviews)
      .where(and(eq(saleMatchReviews.storeId, input.storeId), eq(saleMatchReviews.saleKey, input.saleKey), eq(saleMatchReviews.leadId, input.leadId)))
    await tx
      .insert(saleMatchReviews)
      .values({ storeId: input.storeId, saleKey: input.saleKey, leadId: input.leadId, decision, rule: pair.rule, decidedById: user.id })
      .onConflictDoUpdate({
        target: [saleMatchReviews.storeId, saleMatchReviews.saleKey, saleMatchReviews.leadId],
        set: { decision, rule: pair.rule, decidedById: user.id, decidedAt: sql`now()` },
      })
    // about the lead: an erasure of the person redacts it like every entry about them
    await recordAudit(tx, {
      userId: user.id,
      storeId: input.storeId,
      action: decision === 'accepted' ? 'sale_match.accept' : 'sale_match.reject',
      entityType: 'lead',
      entityId: input.leadId,
      before: before ? { decision: before.decision } : null,
      after: { saleKey: input.saleKey, decision, rule: pair.rule, confidence: pair.confidence },
      ip,
    })
  })
  requestAnalyticsSync()
  return { ok: true, decision }
}

// ------------------------------------------------------------------ where matches show

export type LeadSale = LeadSaleRow

/** The sales matched (or suggested, to review) to a lead, for its page; null while the analytical store has none yet. */
export async function matchedSalesOfLead(lead: { id: string; storeId: string }): Promise<LeadSale[] | null> {
  return softly('sales of a lead', null, async () => {
    const { ready, value } = await readMatches<LeadSale[]>([], (c) => runQuery(c, salesOfLead, { storeId: lead.storeId, leadId: lead.id }))
    return ready ? value : null
  })
}

export type CampaignSales = { orders: number; deliveries: number; revenueFen: number; grossProfitFen: number }

/** The matched orders, deliveries, revenue and gross profit a campaign's touches led to; null while unknown. */
export async function campaignMatchedSales(campaign: { id: string; storeId: string }): Promise<CampaignSales | null> {
  return softly('sales of a campaign', null, async () => {
    const { ready, value } = await readMatches(null, async (c) => (await runQuery(c, salesOfCampaign, { storeId: campaign.storeId, campaignId: campaign.id }))[0] ?? null)
    if (!ready || !value) return null
    return { orders: value.orders, deliveries: value.deliveries, revenueFen: value.revenue_fen ?? 0, grossProfitFen: value.gross_profit_fen ?? 0 }
  })
}

/** The match status of some sales of a store the user reads (for a list of sales). */
export async function saleMatchStatuses(user: SessionUser, storeId: string, saleKeys: readonly string[]): Promise<Map<string, SaleStatusRow>> {
  if (!canReadStore(user, storeId)) notFound()
  if (!saleKeys.length) return new Map()
  const { value } = await readMatches<SaleStatusRow[]>([], (c) => runQuery(c, statusOfSales, { storeId, saleKeys: sqlList([...saleKeys]) }))
  return new Map(value.map((r) => [r.sale_key, r]))
}

/** The sale keys matched to a lead (and its merged tombstones' are moved onto it): what an erasure of the person reaches. */
export async function saleKeysOfLead(lead: { id: string; storeId: string }): Promise<string[]> {
  const { value } = await readMatches<LeadSale[]>([], (c) => runQuery(c, salesOfLead, { storeId: lead.storeId, leadId: lead.id }))
  return value.filter((s) => s.status === 'matched').map((s) => s.sale_key)
}

/** The store's matchback window in days (ADR 017). */
export async function matchbackWindowOf(storeId: string) {
  const db = await getDb()
  const [row] = await db.select({ days: stores.matchbackWindowDays }).from(stores).where(eq(stores.id, storeId))
  return row?.days ?? null
}
