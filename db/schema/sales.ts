import { jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core'
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

/** A column of an import file as a store confirmed it: its header text and the field it fills (null: left out). */
export type RememberedImportColumn = { header: string; field: string | null }

/**
 * The mapping a store last confirmed for an import kind other than sales (competitor
 * observations, market data): offered on the next preview for the columns whose headers read
 * the same (SPEC §4: "the mapping is remembered per store"; §5: the same path).
 */
export const importMappings = pgTable(
  'import_mappings',
  {
    storeId: uuid('store_id')
      .notNull()
      .references(() => stores.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    columns: jsonb('columns').$type<RememberedImportColumn[]>().notNull(),
    updatedById: uuid('updated_by_id').references(() => users.id, { onDelete: 'set null' }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.storeId, t.kind] })],
)
