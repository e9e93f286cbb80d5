import { sql } from 'drizzle-orm'
import {
  bigserial,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core'
import type { Role } from './enums'

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow()

export const dealerGroups = pgTable('dealer_groups', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  createdAt: createdAt(),
})

export const stores = pgTable('stores', {
  id: uuid('id').primaryKey().defaultRandom(),
  groupId: uuid('group_id')
    .notNull()
    .references(() => dealerGroups.id),
  name: text('name').notNull(),
  brand: text('brand').notNull(),
  city: text('city').notNull(),
  timeZone: text('time_zone').notNull().default('Asia/Shanghai'),
  currency: text('currency').notNull().default('CNY'),
  /** the store's own website: where tracking links lead unless a placement says otherwise */
  websiteUrl: text('website_url'),
  /** where customers find the showroom and the number they call: printed on campaign posters */
  address: text('address').notNull().default(''),
  hotline: text('hotline').notNull().default(''),
  /** matchback (SPEC §4): a sale counts for a lead whose first touch lies at most this many days before it */
  matchbackWindowDays: integer('matchback_window_days').notNull().default(180),
  /** attribution (SPEC §4, ADR 022): touches at most this many days before a conversion are on its path */
  attributionLookbackDays: integer('attribution_lookback_days').notNull().default(30),
  createdAt: createdAt(),
  /** kept true by a trigger on every write (analytics sync, ADR 013) */
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
})

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    groupId: uuid('group_id')
      .notNull()
      .references(() => dealerGroups.id),
    email: text('email').notNull(),
    name: text('name').notNull(),
    role: text('role').$type<Role>().notNull(),
    passwordHash: text('password_hash').notNull(),
    locale: text('locale'),
    active: boolean('active').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('users_email_key').on(sql`lower(${t.email})`)],
)

export const userStores = pgTable(
  'user_stores',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    storeId: uuid('store_id')
      .notNull()
      .references(() => stores.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.userId, t.storeId] })],
)

export const sessions = pgTable(
  'sessions',
  {
    // sha256 of the random token in the cookie: a leaked table does not leak sessions
    idHash: text('id_hash').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: createdAt(),
  },
  // the hourly prune of expired sessions finds them through expires_at
  (t) => [index('sessions_user_idx').on(t.userId), index('sessions_expires_idx').on(t.expiresAt)],
)

export const loginAttempts = pgTable(
  'login_attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    email: text('email').notNull(),
    ip: text('ip').notNull(),
    success: boolean('success').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('login_attempts_email_idx').on(t.email, t.at),
    index('login_attempts_ip_idx').on(t.ip, t.at),
    // the hourly prune of old attempts
    index('login_attempts_at_idx').on(t.at),
  ],
)

export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    storeId: uuid('store_id').references(() => stores.id, { onDelete: 'set null' }),
    action: text('action').notNull(),
    entityType: text('entity_type').notNull(),
    entityId: text('entity_id'),
    before: jsonb('before'),
    after: jsonb('after'),
    ip: text('ip'),
  },
  (t) => [index('audit_log_store_at_idx').on(t.storeId, t.at), index('audit_log_entity_idx').on(t.entityType, t.entityId)],
)

/**
 * Each user's allowance of phone look-ups (app/services/phone-lookups.server.ts): a token
 * bucket kept in the database, so that every app server shares it (ADR 031) and a restart does
 * not refill it.
 */
export const phoneLookupAllowances = pgTable('phone_lookup_allowances', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  /** what was left at `refilledAt` */
  tokens: doublePrecision('tokens').notNull(),
  refilledAt: timestamp('refilled_at', { withTimezone: true }).notNull(),
  /** whether the last ask was granted */
  taken: boolean('taken').notNull(),
})
