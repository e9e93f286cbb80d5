import { z } from 'zod'
import { queryId, queryNotice, queryPage } from './fields'

/** The review list of suggested sale ↔ lead matches (SPEC §4 matchback, ADR 017). */
export const MATCH_REVIEW_PAGE_SIZE = 20

export const MatchReviewQuerySchema = z.object({
  store: queryId,
  page: queryPage(100_000),
  notice: queryNotice,
})
export type MatchReviewQuery = z.output<typeof MatchReviewQuerySchema>

/** Accept or reject one suggested pair: the store, the sale (its key: VIN or order number) and the lead. */
export const MatchDecisionSchema = z.object({
  intent: z.enum(['accept', 'reject'], { error: 'validation.choice' }),
  storeId: z.uuid({ error: 'validation.invalid' }),
  saleKey: z
    .string({ error: 'validation.required' })
    .min(1, 'validation.required')
    .max(120, 'validation.tooLong?max=120')
    .regex(/^(vin|order):[^\u0000-\u001f]+$/, 'validation.invalid'),
  leadId: z.uuid({ error: 'validation.invalid' }),
})
export type MatchDecisionInput = z.output<typeof MatchDecisionSchema>
