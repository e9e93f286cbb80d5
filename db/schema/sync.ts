import { sql } from 'drizzle-orm'
import { bigserial, customType, index, pgTable, text, timestamp } from 'drizzle-orm/pg-core'

/**
 * Postgres' 64-bit transaction id (`xid8`): what the analytics sync uses as its watermark
 * (docs/decisions/013-analytics-sync.md). Read as text: it does not fit a JS number.
 */
export const xid8 = customType<{ data: string; driverData: string }>({ dataType: () => 'xid8' })

/**
 * The change log of deletions from the tables the analytical copy (DuckDB) mirrors: a
 * trigger on each of them writes one row per deleted row, stamped with the deleting
 * transaction's id, so that erasures, merges' clean-ups and removed plan rows reach the
 * copy. The synced tables themselves carry a `sync_xid` column (the last writing
 * transaction) and a trigger that keeps `updated_at` true; both are made in the
 * hand-written migration `0006_sync_triggers.sql`, not here, because drizzle cannot
 * express triggers and the app never reads them.
 */
export const syncDeletions = pgTable(
  'sync_deletions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    tableName: text('table_name').notNull(),
    rowId: text('row_id').notNull(),
    xid: xid8('xid')
      .notNull()
      .default(sql`pg_current_xact_id()`),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('sync_deletions_xid_idx').on(t.xid), index('sync_deletions_at_idx').on(t.at)],
)
