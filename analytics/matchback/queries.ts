import { z } from 'zod'
import type { SqlList } from '../duckdb'
import { defineQuery } from '../query'

/**
 * The questions asked of the match tables made by ./refresh.ts (ADR 017). Store ids come in
 * as a bound list; every query is scoped by store or by an id the caller has checked.
 */

const bigToNumber = z.union([z.bigint(), z.number()]).transform((v) => Number(v))
const nullableNumber = z.union([z.bigint(), z.number(), z.null()]).transform((v) => (v === null ? null : Number(v)))
const day = z.union([z.date(), z.string(), z.null()]).transform((v) => (v === null ? null : typeof v === 'string' ? v.slice(0, 10) : v.toISOString().slice(0, 10)))
const moment = z.union([z.date(), z.null()])

export const MATCH_STATUSES = ['matched', 'review', 'unmatched'] as const
export type MatchStatus = (typeof MATCH_STATUSES)[number]
export const MATCH_RULES = ['reviewed', 'phone', 'masked_phone_name'] as const
export type MatchRule = (typeof MATCH_RULES)[number]

const reviewRow = z.object({
  store_id: z.string(),
  sale_key: z.string(),
  sale_date: day,
  series: z.string().nullable(),
  model: z.string().nullable(),
  sale_phone_masked: z.string().nullable(),
  sale_name_key: z.string().nullable(),
  lead_id: z.string(),
  lead_phone_masked: z.string().nullable(),
  lead_name_key: z.string().nullable(),
  rule: z.enum(MATCH_RULES),
  confidence: z.number(),
  name_agreement: z.enum(['exact', 'surname']).nullable(),
  candidates: z.number(),
  first_touch_at: moment,
  total: bigToNumber,
})
export type ReviewRow = z.output<typeof reviewRow>

/** Suggested matches waiting for a person (status review) in the given stores, latest sales first, one page. */
export const pendingReviews = defineQuery<{ storeIds: SqlList; limit: number; offset: number }>()({
  name: 'matchback.reviews.pending',
  sql: `
    SELECT m.store_id::VARCHAR AS store_id, m.sale_key, m.sale_date, s.series, s.model,
           s.phone_masked AS sale_phone_masked, s.name_key AS sale_name_key,
           m.lead_id::VARCHAR AS lead_id, l.phone_masked AS lead_phone_masked, l.name_key AS lead_name_key,
           m.rule, m.confidence, m.name_agreement, m.candidates, m.first_touch_at,
           count(*) OVER () AS total
    FROM sale_matches m
    JOIN sales s ON s.store_id = m.store_id AND s.sale_key = m.sale_key
    JOIN leads l ON l.id = m.lead_id
    WHERE m.status = 'review' AND m.store_id IN (SELECT CAST(unnest($storeIds::VARCHAR[]) AS UUID))
    ORDER BY m.sale_date DESC NULLS LAST, m.store_id, m.sale_key
    LIMIT $limit OFFSET $offset`,
  row: reviewRow,
})

const leadSaleRow = z.object({
  sale_key: z.string(),
  sale_date: day,
  vin: z.string().nullable(),
  order_no: z.string().nullable(),
  invoice_date: day,
  order_date: day,
  delivery_date: day,
  series: z.string().nullable(),
  model: z.string().nullable(),
  transaction_price_fen: nullableNumber,
  gross_profit_fen: nullableNumber,
  consultant: z.string().nullable(),
  rule: z.enum(MATCH_RULES),
  confidence: z.number(),
  status: z.enum(MATCH_STATUSES),
  opportunity: z.number().nullable(),
})
export type LeadSaleRow = z.output<typeof leadSaleRow>

/** The sales matched (or suggested) to one lead, latest first. */
export const salesOfLead = defineQuery<{ storeId: string; leadId: string }>()({
  name: 'matchback.lead.sales',
  sql: `
    SELECT m.sale_key, m.sale_date, s.vin, s.order_no, s.invoice_date, s.order_date, s.delivery_date, s.series, s.model,
           s.transaction_price_fen, s.gross_profit_fen, s.consultant, m.rule, m.confidence, m.status, m.opportunity
    FROM sale_matches m
    JOIN sales s ON s.store_id = m.store_id AND s.sale_key = m.sale_key
    WHERE m.store_id = $storeId::UUID AND m.lead_id = $leadId::UUID AND m.status IN ('matched', 'review')
    ORDER BY m.sale_date DESC NULLS LAST, m.sale_key`,
  row: leadSaleRow,
})

const campaignRow = z.object({
  orders: bigToNumber,
  deliveries: bigToNumber,
  revenue_fen: nullableNumber,
  gross_profit_fen: nullableNumber,
})
export type CampaignSalesRow = z.output<typeof campaignRow>

/**
 * The matched sales a campaign's touches led to ("any touch": a sale counts for every
 * campaign a touch of its opportunity carried, up to the sale date). Orders are the matched
 * sales; deliveries those with a delivery or invoice date; revenue the transaction prices.
 */
export const salesOfCampaign = defineQuery<{ storeId: string; campaignId: string }>()({
  name: 'matchback.campaign.sales',
  sql: `
    SELECT count(*) AS orders,
           count(*) FILTER (WHERE s.delivery_date IS NOT NULL OR s.invoice_date IS NOT NULL) AS deliveries,
           sum(s.transaction_price_fen) AS revenue_fen,
           sum(s.gross_profit_fen) AS gross_profit_fen
    FROM (SELECT DISTINCT store_id, sale_key FROM sale_match_campaigns
          WHERE store_id = $storeId::UUID AND campaign_id = $campaignId::UUID) c
    JOIN sales s ON s.store_id = c.store_id AND s.sale_key = c.sale_key`,
  row: campaignRow,
})

const statusRow = z.object({
  sale_key: z.string(),
  status: z.enum(MATCH_STATUSES),
  lead_id: z.string().nullable(),
  rule: z.enum(MATCH_RULES).nullable(),
  confidence: z.number().nullable(),
})
export type SaleStatusRow = z.output<typeof statusRow>

/** The match status of the given sales of one store. */
export const statusOfSales = defineQuery<{ storeId: string; saleKeys: SqlList }>()({
  name: 'matchback.sales.status',
  sql: `
    SELECT sale_key, status, lead_id::VARCHAR AS lead_id, rule, confidence
    FROM sale_matches
    WHERE store_id = $storeId::UUID AND sale_key IN (SELECT unnest($saleKeys::VARCHAR[]))`,
  row: statusRow,
})

/** One suggested pair as matchback sees it now: what a decision is checked against. */
export const currentPair = defineQuery<{ storeId: string; saleKey: string; leadId: string }>()({
  name: 'matchback.pair.current',
  sql: `
    SELECT m.status, m.rule, m.confidence
    FROM sale_matches m
    WHERE m.store_id = $storeId::UUID AND m.sale_key = $saleKey AND m.lead_id = $leadId::UUID`,
  row: z.object({ status: z.enum(MATCH_STATUSES), rule: z.enum(MATCH_RULES).nullable(), confidence: z.number().nullable() }),
})

/** 1 once the copy has its match tables (the first sync after a start makes them), else 0. */
export const matchTablesPresent = defineQuery()({
  name: 'matchback.present',
  sql: `SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name IN ('sale_matches', 'sale_match_campaigns') AND schema_name = 'main'`,
  row: z.object({ n: z.number() }),
})
