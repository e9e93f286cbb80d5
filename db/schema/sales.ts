import { jsonb, pgTable, timestamp, uuid } from 'drizzle-orm/pg-core'
import { stores, users } from './accounts'

/** A column of a sales export as a store confirmed it: found again by its header text. */
export type RememberedSalesColumn = { header: string; field: string; scale: 1 | 10_000 }

/**
 * The sales-export mapping a store last confirmed (SPEC §4: "the mapping is remembered per
 * store"): offered on the next preview for the columns whose headers read the same.
 */
export const salesMappings = pgTable('sales_mappings', {
  storeId: uuid('store_id')
    .primaryKey()
    .references(() => stores.id, { onDelete: 'cascade' }),
  columns: jsonb('columns').$type<RememberedSalesColumn[]>().notNull(),
  updatedById: uuid('updated_by_id').references(() => users.id, { onDelete: 'set null' }),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
})
