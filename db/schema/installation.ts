import { pgTable, text, timestamp } from 'drizzle-orm/pg-core'

/**
 * Fingerprints of the installation's keys (an HMAC of a fixed text under the key, never the key):
 * the first server to start records one, and a server started with another key refuses to run
 * (ADR 031). A phone hashed under a second key matches nothing hashed under the first.
 */
export const keyFingerprints = pgTable('key_fingerprints', {
  /** which key: 'phone_hash' */
  name: text('name').primaryKey(),
  fingerprint: text('fingerprint').notNull(),
  recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
})
