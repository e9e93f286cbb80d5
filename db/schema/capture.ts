import { sql } from 'drizzle-orm'
import {
  bigint,
  bigserial,
  boolean,
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
import { stores, users } from './accounts'
import { campaigns, mediaPlacements } from './campaigns'
import type { Channel, LeadStatus, TouchpointKind } from './enums'

const ts = (name: string) => timestamp(name, { withTimezone: true })

/** A store website that carries the tracking snippet; events are accepted only from its origins. */
export const sites = pgTable(
  'sites',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    storeId: uuid('store_id')
      .notNull()
      .references(() => stores.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** public id written into the snippet tag */
    siteKey: text('site_key').notNull(),
    /** allowed origins, e.g. ["https://www.example-4s.cn"] */
    origins: jsonb('origins').$type<string[]>().notNull().default([]),
    active: boolean('active').notNull().default(true),
    createdAt: ts('created_at').notNull().defaultNow(),
    /** kept true by a trigger on every write (analytics sync, ADR 013) */
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('sites_site_key_key').on(t.siteKey), index('sites_store_idx').on(t.storeId)],
)

/** A tracking link of a media placement: `/r/<code>` counts the click and redirects with UTM parameters. */
export const trackingLinks = pgTable(
  'tracking_links',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    storeId: uuid('store_id')
      .notNull()
      .references(() => stores.id, { onDelete: 'cascade' }),
    campaignId: uuid('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    placementId: uuid('placement_id').references(() => mediaPlacements.id, { onDelete: 'set null' }),
    code: text('code').notNull(),
    destinationUrl: text('destination_url').notNull(),
    utmSource: text('utm_source').notNull(),
    utmMedium: text('utm_medium').notNull(),
    utmCampaign: text('utm_campaign').notNull(),
    utmContent: text('utm_content').notNull().default(''),
    active: boolean('active').notNull().default(true),
    createdById: uuid('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: ts('created_at').notNull().defaultNow(),
    /** kept true by a trigger on every write (analytics sync, ADR 013) */
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('tracking_links_code_key').on(t.code),
    index('tracking_links_campaign_idx').on(t.campaignId),
    index('tracking_links_placement_idx').on(t.placementId),
    // the collect writer finds a beacon's link by its UTM parameters within the store
    index('tracking_links_store_utm_idx').on(t.storeId, t.utmCampaign, t.utmSource, t.utmContent),
  ],
)

/** One counted click (or QR scan) on a tracking link. */
export const linkClicks = pgTable(
  'link_clicks',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    linkId: uuid('link_id')
      .notNull()
      .references(() => trackingLinks.id, { onDelete: 'cascade' }),
    at: ts('at').notNull().defaultNow(),
    referrer: text('referrer'),
    userAgent: text('user_agent'),
    /** keyed hash of the client address: counts distinct people without keeping the address */
    ipHash: text('ip_hash'),
    /**
     * the browser's random id (a first-party cookie of the short links): a crowd on one venue
     * Wi-Fi or carrier NAT shares one address, so people are counted by this id, by address only
     * for the clicks recorded before it existed
     */
    visitorKey: text('visitor_key'),
    /** kept true by a trigger on every write (analytics sync, ADR 013) */
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [index('link_clicks_link_at_idx').on(t.linkId, t.at)],
)

/** A browser seen by a site's snippet, by its first-party visitor id. */
export const visitors = pgTable(
  'visitors',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    storeId: uuid('store_id')
      .notNull()
      .references(() => stores.id, { onDelete: 'cascade' }),
    siteId: uuid('site_id')
      .notNull()
      .references(() => sites.id, { onDelete: 'cascade' }),
    visitorKey: text('visitor_key').notNull(),
    leadId: uuid('lead_id'),
    firstSeenAt: ts('first_seen_at').notNull().defaultNow(),
    lastSeenAt: ts('last_seen_at').notNull().defaultNow(),
    /** kept true by a trigger on every write (analytics sync, ADR 013) */
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('visitors_site_key_key').on(t.siteId, t.visitorKey), index('visitors_lead_idx').on(t.leadId)],
)

/** A raw event from the snippet, exactly once per client event id. */
export const webEvents = pgTable(
  'web_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    siteId: uuid('site_id')
      .notNull()
      .references(() => sites.id, { onDelete: 'cascade' }),
    storeId: uuid('store_id')
      .notNull()
      .references(() => stores.id, { onDelete: 'cascade' }),
    clientEventId: text('client_event_id').notNull(),
    visitorKey: text('visitor_key').notNull(),
    type: text('type').notNull(),
    url: text('url').notNull(),
    referrer: text('referrer'),
    utmSource: text('utm_source'),
    utmMedium: text('utm_medium'),
    utmCampaign: text('utm_campaign'),
    utmContent: text('utm_content'),
    utmTerm: text('utm_term'),
    /** advertising click ids found on the URL: bd_vid (Baidu), clickid (Ocean Engine), gdt_vid (Tencent) … */
    clickIds: jsonb('click_ids').$type<Record<string, string>>(),
    occurredAt: ts('occurred_at').notNull(),
    receivedAt: ts('received_at').notNull().defaultNow(),
    /** kept true by a trigger on every write (analytics sync, ADR 013) */
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('web_events_site_client_event_key').on(t.siteId, t.clientEventId),
    index('web_events_store_received_idx').on(t.storeId, t.receivedAt),
    index('web_events_visitor_idx').on(t.siteId, t.visitorKey),
  ],
)

/**
 * A person who left contact details (线索). One per phone per store: a new arrival with
 * the same phone adds a touchpoint to the existing lead. `phone` is the normalized 11-digit
 * China mobile number, shown in full only to roles that need it; `phoneHash` is the keyed
 * hash used for matching; a lead known only by a masked phone (`138****1234`) has no hash.
 */
export const leads = pgTable(
  'leads',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    storeId: uuid('store_id')
      .notNull()
      .references(() => stores.id, { onDelete: 'cascade' }),
    name: text('name').notNull().default(''),
    /**
     * The name as matchback compares it (analytics/ingest/sales-values.ts nameKey, ported to
     * SQL as roadshow_name_key() in migration 0008): computed by Postgres on every write of
     * the name, whichever path writes it; synced to the analytical copy instead of the name.
     */
    nameKey: text('name_key').generatedAlwaysAs(sql`roadshow_name_key(name)`),
    phone: text('phone'),
    phoneHash: text('phone_hash'),
    phoneMasked: text('phone_masked'),
    city: text('city').notNull().default(''),
    modelOfInterest: text('model_of_interest').notNull().default(''),
    grade: text('grade'),
    status: text('status').$type<LeadStatus>().notNull().default('new'),
    lostReason: text('lost_reason'),
    lostToBrand: text('lost_to_brand'),
    lostToModel: text('lost_to_model'),
    consultantId: uuid('consultant_id').references(() => users.id, { onDelete: 'set null' }),
    /** the first touch's channel and campaign, kept for lists and filters */
    firstChannel: text('first_channel').$type<Channel>(),
    firstCampaignId: uuid('first_campaign_id').references(() => campaigns.id, { onDelete: 'set null' }),
    firstTouchAt: ts('first_touch_at'),
    lastTouchAt: ts('last_touch_at'),
    note: text('note').notNull().default(''),
    /**
     * The person's current opportunity (SPEC §3): 1, then one more each time a delivered or
     * lost lead comes back (a lead event 'opportunity' marks when). Matchback reads a sale
     * against the opportunity it falls in, never an earlier one's touches.
     */
    opportunity: integer('opportunity').notNull().default(1),
    mergedIntoId: uuid('merged_into_id'),
    version: integer('version').notNull().default(1),
    createdById: uuid('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('leads_store_phone_hash_key')
      .on(t.storeId, t.phoneHash)
      .where(sql`${t.phoneHash} is not null and ${t.mergedIntoId} is null`),
    index('leads_store_masked_idx').on(t.storeId, t.phoneMasked),
    // an import's chunk looks up its numbers one by one (lead-import-apply.server.ts): indexes led by
    // the number, merged leads included, so that no plan can start from all of the store's leads.
    // With statistics (a server's autovacuum) the masked numbers go through leads_store_masked_idx;
    // PGlite never analyzes, and without an index led by the masked number its generic plan read
    // them through leads_store_first_touch_idx, every lead of the store per number (ADR 019)
    index('leads_phone_hash_idx').on(t.phoneHash),
    index('leads_phone_masked_idx').on(t.phoneMasked),
    index('leads_store_first_touch_idx').on(t.storeId, t.firstTouchAt),
    // The leads list (ADR 032): its order, last touch first, read straight off an index within a store,
    // within a store and status (in place of (store, status): every query of open leads by status), and
    // across the stores of a user who reads several. Partial, as the list is: a filter's leads are
    // counted from the index alone, and a page never sorts the store's leads.
    index('leads_store_list_idx')
      .on(t.storeId, t.lastTouchAt.desc().nullsLast(), t.createdAt.desc(), t.id.desc())
      .where(sql`${t.mergedIntoId} is null`),
    index('leads_store_status_list_idx')
      .on(t.storeId, t.status, t.lastTouchAt.desc().nullsLast(), t.createdAt.desc(), t.id.desc())
      .where(sql`${t.mergedIntoId} is null`),
    index('leads_list_idx')
      .on(t.lastTouchAt.desc().nullsLast(), t.createdAt.desc(), t.id.desc())
      .where(sql`${t.mergedIntoId} is null`),
    // Search (ADR 032): any part of the name of three characters or more, or of the phone of four digits
    // or more, through trigrams (pg_trgm; created only where the extension is available, see migration
    // 0020), a name's first one or two characters (a surname) and the name order through the prefix
    // index, the last 4 digits through the last one.
    index('leads_name_trgm_idx').using('gin', t.name.op('gin_trgm_ops')),
    index('leads_phone_trgm_idx').using('gin', t.phone.op('gin_trgm_ops')),
    // The name as the list sorts and prefix-searches it: lower case, digits left out (leads.server.ts
    // nameKey). These two are not partial: the planner estimates an expression with the statistics of
    // its index only when the index is not partial.
    index('leads_store_name_prefix_idx').on(t.storeId, sql`translate(lower(${t.name}), '0123456789０１２３４５６７８９', '') text_pattern_ops`),
    index('leads_store_last4_idx').on(t.storeId, sql`right(${t.phoneMasked}, 4)`),
    // the list by name for a role with many stores: the group's leads in name order, filtered by
    // store as read (by store first, a group's 2M leads were sorted whole: 2.8 s)
    index('leads_name_key_idx').on(sql`translate(lower(${t.name}), '0123456789０１２３４５６７８９', '') text_pattern_ops`),
  ],
)

/**
 * Every way a person met the store: a web visit, a link click, a form, a walk-in, a call,
 * a lead platform. Walk-ins, calls and platform leads are touchpoints like web visits.
 */
export const touchpoints = pgTable(
  'touchpoints',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    storeId: uuid('store_id')
      .notNull()
      .references(() => stores.id, { onDelete: 'cascade' }),
    leadId: uuid('lead_id').references(() => leads.id, { onDelete: 'cascade' }),
    siteId: uuid('site_id').references(() => sites.id, { onDelete: 'set null' }),
    visitorKey: text('visitor_key'),
    kind: text('kind').$type<TouchpointKind>().notNull(),
    channel: text('channel').$type<Channel>().notNull(),
    utmSource: text('utm_source'),
    utmMedium: text('utm_medium'),
    utmCampaign: text('utm_campaign'),
    utmContent: text('utm_content'),
    campaignId: uuid('campaign_id').references(() => campaigns.id, { onDelete: 'set null' }),
    placementId: uuid('placement_id').references(() => mediaPlacements.id, { onDelete: 'set null' }),
    trackingLinkId: uuid('tracking_link_id').references(() => trackingLinks.id, { onDelete: 'set null' }),
    webEventId: bigint('web_event_id', { mode: 'number' }),
    importId: uuid('import_id'),
    at: ts('at').notNull(),
    /** kind-specific facts: the page URL, the call's duration, the platform's row … */
    detail: jsonb('detail').$type<Record<string, unknown>>(),
    createdById: uuid('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: ts('created_at').notNull().defaultNow(),
    /** kept true by a trigger on every write (analytics sync, ADR 013) */
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('touchpoints_lead_at_idx').on(t.leadId, t.at),
    index('touchpoints_store_at_idx').on(t.storeId, t.at),
    index('touchpoints_visitor_idx').on(t.siteId, t.visitorKey),
    index('touchpoints_campaign_idx').on(t.campaignId),
    // the leads list's channel filter (a lead came from a channel when any touch did): a store's
    // leads touched by a channel, in lead order, read off the index alone (ADR 032)
    index('touchpoints_store_channel_lead_idx').on(t.storeId, t.channel, t.leadId),
    // a lead-platform row already imported into the store is found by its key (lead-import.server.ts)
    index('touchpoints_row_key_idx')
      .on(sql`(${t.detail}->>'rowKey')`)
      .where(sql`${t.kind} = 'platform_lead'`),
    // what an import added: its rollback and the import's page find them here
    index('touchpoints_import_idx').on(t.importId).where(sql`${t.importId} is not null`),
  ],
)

/** The lead's lifecycle, one timestamped event per step (new → contacted → … or lost). */
export const leadEvents = pgTable(
  'lead_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    leadId: uuid('lead_id')
      .notNull()
      .references(() => leads.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    fromStatus: text('from_status').$type<LeadStatus>(),
    toStatus: text('to_status').$type<LeadStatus>(),
    note: text('note').notNull().default(''),
    detail: jsonb('detail').$type<Record<string, unknown>>(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    at: ts('at').notNull().defaultNow(),
    /** kept true by a trigger on every write (analytics sync, ADR 013) */
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [index('lead_events_lead_at_idx').on(t.leadId, t.at)],
)

/** A showroom visit (到店): first or return, in and out times, party size, the consultant. */
export const showroomVisits = pgTable(
  'showroom_visits',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    storeId: uuid('store_id')
      .notNull()
      .references(() => stores.id, { onDelete: 'cascade' }),
    leadId: uuid('lead_id').references(() => leads.id, { onDelete: 'cascade' }),
    touchpointId: bigint('touchpoint_id', { mode: 'number' }),
    visitType: text('visit_type').notNull(),
    arrivedAt: ts('arrived_at').notNull(),
    leftAt: ts('left_at'),
    partySize: integer('party_size').notNull().default(1),
    consultantId: uuid('consultant_id').references(() => users.id, { onDelete: 'set null' }),
    testDrive: boolean('test_drive').notNull().default(false),
    note: text('note').notNull().default(''),
    createdById: uuid('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: ts('created_at').notNull().defaultNow(),
    /** kept true by a trigger on every write (analytics sync, ADR 013) */
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [index('showroom_visits_store_arrived_idx').on(t.storeId, t.arrivedAt), index('showroom_visits_lead_idx').on(t.leadId)],
)

/** An imported file (lead platform, sales, market data) and what became of its rows. */
export const imports = pgTable(
  'imports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    storeId: uuid('store_id')
      .notNull()
      .references(() => stores.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    platform: text('platform'),
    fileName: text('file_name').notNull(),
    /** sha256 of the file's bytes: the same file imported twice is recognised */
    fileHash: text('file_hash').notNull(),
    byteSize: integer('byte_size').notNull(),
    encoding: text('encoding'),
    status: text('status').notNull().default('pending'),
    rowsTotal: integer('rows_total').notNull().default(0),
    rowsImported: integer('rows_imported').notNull().default(0),
    rowsMerged: integer('rows_merged').notNull().default(0),
    rowsSkipped: integer('rows_skipped').notNull().default(0),
    rowsFailed: integer('rows_failed').notNull().default(0),
    mapping: jsonb('mapping').$type<Record<string, string>>(),
    /** what the user chose: 'auto' or a platform; with columnMapping, what a retry runs again */
    platformChoice: text('platform_choice'),
    /** the confirmed mapping by column index (a field or null per column) */
    columnMapping: jsonb('column_mapping').$type<Array<string | null>>(),
    storedPath: text('stored_path'),
    /** sales: sha256 of the mapping used; with file_hash and store, what "the same import" means */
    mappingHash: text('mapping_hash'),
    /** sales: the import's typed rows, relative to DATA_DIR (imports/sales/<sha256>.parquet), immutable */
    parquetPath: text('parquet_path'),
    /** sales: earlier sales of the store (by VIN, else order number) this import's rows replace */
    rowsSuperseded: integer('rows_superseded').notNull().default(0),
    /** the background job that ran it */
    jobId: uuid('job_id'),
    /**
     * Lead imports: written by the running import at least every few seconds. A pending import
     * whose heartbeat stopped lost its process and is rolled back (lead-import.server.ts).
     */
    heartbeatAt: ts('heartbeat_at'),
    error: text('error'),
    createdById: uuid('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: ts('created_at').notNull().defaultNow(),
    finishedAt: ts('finished_at'),
  },
  (t) => [
    index('imports_store_created_idx').on(t.storeId, t.createdAt),
    index('imports_store_hash_idx').on(t.storeId, t.kind, t.fileHash),
    // one done import per store, file and mapping: two runs of the same sales file cannot both register
    uniqueIndex('imports_sales_done_key')
      .on(t.storeId, t.kind, t.fileHash, t.mappingHash)
      .where(sql`${t.status} = 'done' and ${t.mappingHash} is not null`),
  ],
)

/**
 * What a running lead import changed on each lead, so that an import that does not finish is
 * undone (ADR 019): the lead it created, or the lead's fields as they were before it
 * (`before`) and its version after the import's last change to it (`versionAfter`: a lead
 * edited by someone since keeps their edit). Emptied when the import is done or rolled back.
 */
export const leadImportUndo = pgTable(
  'lead_import_undo',
  {
    importId: uuid('import_id')
      .notNull()
      .references(() => imports.id, { onDelete: 'cascade' }),
    leadId: uuid('lead_id').notNull(),
    created: boolean('created').notNull(),
    before: jsonb('before').$type<Record<string, unknown>>(),
    versionAfter: integer('version_after'),
  },
  (t) => [primaryKey({ columns: [t.importId, t.leadId] })],
)

/** Each row of an import: its number in the file, what became of it, and why. */
export const importRows = pgTable(
  'import_rows',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    importId: uuid('import_id')
      .notNull()
      .references(() => imports.id, { onDelete: 'cascade' }),
    rowNumber: integer('row_number').notNull(),
    outcome: text('outcome').notNull(),
    column: text('column'),
    reason: text('reason'),
    leadId: uuid('lead_id').references(() => leads.id, { onDelete: 'set null' }),
  },
  (t) => [index('import_rows_import_idx').on(t.importId, t.rowNumber)],
)

/**
 * A file uploaded for an import's preview, and who uploaded it for which store: only that
 * user may confirm it, and only into that store (the confirm form carries this id, never a
 * bare file hash). Removed with the unconfirmed files after a day.
 */
export const importUploads = pgTable(
  'import_uploads',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    storeId: uuid('store_id')
      .notNull()
      .references(() => stores.id, { onDelete: 'cascade' }),
    uploadedById: uuid('uploaded_by_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    fileName: text('file_name').notNull(),
    fileHash: text('file_hash').notNull(),
    ext: text('ext').notNull(),
    byteSize: integer('byte_size').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('import_uploads_hash_idx').on(t.fileHash), index('import_uploads_created_idx').on(t.createdAt)],
)
