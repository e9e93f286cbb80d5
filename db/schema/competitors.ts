import { bigint, date, index, integer, pgTable, text, timestamp, uniqueIndex, uuid, boolean } from 'drizzle-orm/pg-core'
import { dealerGroups, stores, users } from './accounts'
import type { SeenAt } from './enums'

const fen = (name: string) => bigint(name, { mode: 'number' })
const ts = (name: string) => timestamp(name, { withTimezone: true })

/**
 * What a competitor offers, as a specialist or consultant saw it (竞品信息, SPEC §5): the brand,
 * model and trim, the list price, the transaction price or discount, the promotion and its period,
 * where and when it was seen and by whom, and optionally a photo (kept content-addressed under
 * the data directory, never in the database). Store-scoped like everything users create.
 */
export const competitorObservations = pgTable(
  'competitor_observations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    storeId: uuid('store_id')
      .notNull()
      .references(() => stores.id),
    brand: text('brand').notNull(),
    model: text('model').notNull(),
    trim: text('trim').notNull().default(''),
    listPriceFen: fen('list_price_fen'),
    transactionPriceFen: fen('transaction_price_fen'),
    discountFen: fen('discount_fen'),
    promotion: text('promotion').notNull().default(''),
    promotionStart: date('promotion_start'),
    promotionEnd: date('promotion_end'),
    seenAt: text('seen_at').$type<SeenAt>().notNull(),
    /** the showroom, auto show, site or platform, by name */
    place: text('place').notNull().default(''),
    seenOn: date('seen_on').notNull(),
    seenById: uuid('seen_by_id').references(() => users.id),
    /** who saw it when that person is not a user (a bulk import names them) */
    seenByName: text('seen_by_name').notNull().default(''),
    note: text('note').notNull().default(''),
    /** the photo's SHA-256 and type: the file is `photos/<sha256>` under the data directory */
    photoSha256: text('photo_sha256'),
    photoType: text('photo_type'),
    importId: uuid('import_id'),
    version: integer('version').notNull().default(1),
    createdById: uuid('created_by_id').references(() => users.id),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [index('competitor_obs_store_seen_idx').on(t.storeId, t.seenOn), index('competitor_obs_store_model_idx').on(t.storeId, t.brand, t.model)],
)

/**
 * A model segment of the group (e.g. 紧凑型轿车: 朗逸 against 轩逸 and 卡罗拉): the models that
 * compete with each other, ours and the competitors', for price position and market share.
 */
export const modelSegments = pgTable(
  'model_segments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    groupId: uuid('group_id')
      .notNull()
      .references(() => dealerGroups.id),
    name: text('name').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('model_segments_group_name_idx').on(t.groupId, t.name)],
)

/** A model in a segment: brand and model as the market data and the observations name them; `ours` for the group's own brand. */
export const segmentModels = pgTable(
  'segment_models',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    segmentId: uuid('segment_id')
      .notNull()
      .references(() => modelSegments.id, { onDelete: 'cascade' }),
    brand: text('brand').notNull(),
    model: text('model').notNull(),
    ours: boolean('ours').notNull().default(false),
    position: integer('position').notNull().default(0),
  },
  (t) => [uniqueIndex('segment_models_model_idx').on(t.segmentId, t.brand, t.model)],
)
