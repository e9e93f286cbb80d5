import { index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { stores, users } from './accounts'
import { leads } from './capture'

export const MATCH_DECISIONS = ['accepted', 'rejected'] as const
export type MatchDecision = (typeof MATCH_DECISIONS)[number]

/**
 * A person's decision on a suggested match of a sale to a lead (SPEC §4 matchback, ADR 017).
 * Keyed by store, sale key (VIN, else order number) and lead, so that it outlives re-imports
 * of the sales file and rebuilds of the analytical copy: an accepted pair is a match (rule
 * `reviewed`), a rejected pair is never suggested again. Synced to DuckDB, where the matches
 * are computed. Goes with the lead when the lead is erased.
 */
export const saleMatchReviews = pgTable(
  'sale_match_reviews',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    storeId: uuid('store_id')
      .notNull()
      .references(() => stores.id, { onDelete: 'cascade' }),
    saleKey: text('sale_key').notNull(),
    leadId: uuid('lead_id')
      .notNull()
      .references(() => leads.id, { onDelete: 'cascade' }),
    decision: text('decision').$type<MatchDecision>().notNull(),
    /** the rule and confidence the suggestion had when decided */
    rule: text('rule'),
    decidedById: uuid('decided_by_id').references(() => users.id, { onDelete: 'set null' }),
    decidedAt: timestamp('decided_at', { withTimezone: true }).notNull().defaultNow(),
    /** kept true by a trigger on every write (analytics sync, ADR 013) */
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('sale_match_reviews_pair_key').on(t.storeId, t.saleKey, t.leadId), index('sale_match_reviews_lead_idx').on(t.leadId)],
)
