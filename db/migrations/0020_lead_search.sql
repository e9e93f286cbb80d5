-- The leads list at dealer-group scale (docs/decisions/032-lead-search.md): indexes for its order and
-- its search, and for the collect writer's lookup of a tracking link by its UTM parameters.
--
-- leads_store_status_idx (store, status) becomes leads_store_status_list_idx: the same columns first, then
-- the list's order, open leads only (every query of leads by status asks for open ones): a status filter
-- pages without sorting and is counted from the index alone.
DROP INDEX "leads_store_status_idx";--> statement-breakpoint
CREATE INDEX "leads_store_list_idx" ON "leads" USING btree ("store_id","last_touch_at" DESC NULLS LAST,"created_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "leads"."merged_into_id" is null;--> statement-breakpoint
CREATE INDEX "leads_store_status_list_idx" ON "leads" USING btree ("store_id","status","last_touch_at" DESC NULLS LAST,"created_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "leads"."merged_into_id" is null;--> statement-breakpoint
CREATE INDEX "leads_list_idx" ON "leads" USING btree ("last_touch_at" DESC NULLS LAST,"created_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "leads"."merged_into_id" is null;--> statement-breakpoint
-- Hand-written: trigram indexes need pg_trgm. A Postgres server ships it (a trusted extension: the
-- database owner may create it); PGlite has it only when the client is created with it
-- (db/client.ts does; a bare PGlite.create(), as some tests and tools make, does not). Without the
-- extension (or without the right to create it) the two indexes are left out and the same searches
-- run without them: the results are the same, only slower on a large table. drizzle-kit cannot express "if available", hence the DO block in
-- place of its two CREATE INDEX statements (the schema in db/schema/capture.ts still declares them).
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE INDEX "leads_name_trgm_idx" ON "leads" USING gin ("name" gin_trgm_ops);
    CREATE INDEX "leads_phone_trgm_idx" ON "leads" USING gin ("phone" gin_trgm_ops);
  END IF;
EXCEPTION WHEN insufficient_privilege THEN
  -- a role that may not create extensions: ask the database owner for CREATE EXTENSION pg_trgm
  RAISE WARNING 'pg_trgm could not be created (%): leads search runs without its trigram indexes', SQLERRM;
END
$$;--> statement-breakpoint
CREATE INDEX "leads_store_name_prefix_idx" ON "leads" USING btree ("store_id",translate(lower("name"), '0123456789０１２３４５６７８９', '') text_pattern_ops);--> statement-breakpoint
CREATE INDEX "leads_store_last4_idx" ON "leads" USING btree ("store_id",right("phone_masked", 4));--> statement-breakpoint
CREATE INDEX "tracking_links_store_utm_idx" ON "tracking_links" USING btree ("store_id","utm_campaign","utm_source","utm_content");
