-- Change tracking for the analytical copy (docs/decisions/013-analytics-sync.md).
-- Every synced table carries sync_xid: the id of the last transaction that wrote the row
-- (inserts: the column default; updates: a trigger, which also keeps updated_at true);
-- deletions are logged in sync_deletions with the deleting transaction's id. The sync
-- reads what changed since the previous sync's pg_snapshot_xmin, so a transaction that
-- commits late is still read.
CREATE FUNCTION sync_stamp_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.sync_xid := pg_current_xact_id();
  NEW.updated_at := now();
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE FUNCTION sync_log_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO sync_deletions (table_name, row_id) SELECT TG_TABLE_NAME, o.id::text FROM old_rows o;
  RETURN NULL;
END
$$;
--> statement-breakpoint
ALTER TABLE "stores" ADD COLUMN "sync_xid" xid8 DEFAULT pg_current_xact_id() NOT NULL;
--> statement-breakpoint
CREATE INDEX "stores_sync_xid_idx" ON "stores" USING btree ("sync_xid", "id");
--> statement-breakpoint
CREATE TRIGGER "stores_sync_stamp" BEFORE UPDATE ON "stores" FOR EACH ROW EXECUTE FUNCTION sync_stamp_update();
--> statement-breakpoint
CREATE TRIGGER "stores_sync_log_delete" AFTER DELETE ON "stores" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sync_log_delete();
--> statement-breakpoint
ALTER TABLE "sites" ADD COLUMN "sync_xid" xid8 DEFAULT pg_current_xact_id() NOT NULL;
--> statement-breakpoint
CREATE INDEX "sites_sync_xid_idx" ON "sites" USING btree ("sync_xid", "id");
--> statement-breakpoint
CREATE TRIGGER "sites_sync_stamp" BEFORE UPDATE ON "sites" FOR EACH ROW EXECUTE FUNCTION sync_stamp_update();
--> statement-breakpoint
CREATE TRIGGER "sites_sync_log_delete" AFTER DELETE ON "sites" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sync_log_delete();
--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "sync_xid" xid8 DEFAULT pg_current_xact_id() NOT NULL;
--> statement-breakpoint
CREATE INDEX "campaigns_sync_xid_idx" ON "campaigns" USING btree ("sync_xid", "id");
--> statement-breakpoint
CREATE TRIGGER "campaigns_sync_stamp" BEFORE UPDATE ON "campaigns" FOR EACH ROW EXECUTE FUNCTION sync_stamp_update();
--> statement-breakpoint
CREATE TRIGGER "campaigns_sync_log_delete" AFTER DELETE ON "campaigns" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sync_log_delete();
--> statement-breakpoint
ALTER TABLE "campaign_tasks" ADD COLUMN "sync_xid" xid8 DEFAULT pg_current_xact_id() NOT NULL;
--> statement-breakpoint
CREATE INDEX "campaign_tasks_sync_xid_idx" ON "campaign_tasks" USING btree ("sync_xid", "id");
--> statement-breakpoint
CREATE TRIGGER "campaign_tasks_sync_stamp" BEFORE UPDATE ON "campaign_tasks" FOR EACH ROW EXECUTE FUNCTION sync_stamp_update();
--> statement-breakpoint
CREATE TRIGGER "campaign_tasks_sync_log_delete" AFTER DELETE ON "campaign_tasks" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sync_log_delete();
--> statement-breakpoint
ALTER TABLE "media_placements" ADD COLUMN "sync_xid" xid8 DEFAULT pg_current_xact_id() NOT NULL;
--> statement-breakpoint
CREATE INDEX "media_placements_sync_xid_idx" ON "media_placements" USING btree ("sync_xid", "id");
--> statement-breakpoint
CREATE TRIGGER "media_placements_sync_stamp" BEFORE UPDATE ON "media_placements" FOR EACH ROW EXECUTE FUNCTION sync_stamp_update();
--> statement-breakpoint
CREATE TRIGGER "media_placements_sync_log_delete" AFTER DELETE ON "media_placements" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sync_log_delete();
--> statement-breakpoint
ALTER TABLE "promotion_policies" ADD COLUMN "sync_xid" xid8 DEFAULT pg_current_xact_id() NOT NULL;
--> statement-breakpoint
CREATE INDEX "promotion_policies_sync_xid_idx" ON "promotion_policies" USING btree ("sync_xid", "id");
--> statement-breakpoint
CREATE TRIGGER "promotion_policies_sync_stamp" BEFORE UPDATE ON "promotion_policies" FOR EACH ROW EXECUTE FUNCTION sync_stamp_update();
--> statement-breakpoint
CREATE TRIGGER "promotion_policies_sync_log_delete" AFTER DELETE ON "promotion_policies" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sync_log_delete();
--> statement-breakpoint
ALTER TABLE "budget_lines" ADD COLUMN "sync_xid" xid8 DEFAULT pg_current_xact_id() NOT NULL;
--> statement-breakpoint
CREATE INDEX "budget_lines_sync_xid_idx" ON "budget_lines" USING btree ("sync_xid", "id");
--> statement-breakpoint
CREATE TRIGGER "budget_lines_sync_stamp" BEFORE UPDATE ON "budget_lines" FOR EACH ROW EXECUTE FUNCTION sync_stamp_update();
--> statement-breakpoint
CREATE TRIGGER "budget_lines_sync_log_delete" AFTER DELETE ON "budget_lines" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sync_log_delete();
--> statement-breakpoint
ALTER TABLE "campaign_transitions" ADD COLUMN "sync_xid" xid8 DEFAULT pg_current_xact_id() NOT NULL;
--> statement-breakpoint
CREATE INDEX "campaign_transitions_sync_xid_idx" ON "campaign_transitions" USING btree ("sync_xid", "id");
--> statement-breakpoint
CREATE TRIGGER "campaign_transitions_sync_stamp" BEFORE UPDATE ON "campaign_transitions" FOR EACH ROW EXECUTE FUNCTION sync_stamp_update();
--> statement-breakpoint
CREATE TRIGGER "campaign_transitions_sync_log_delete" AFTER DELETE ON "campaign_transitions" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sync_log_delete();
--> statement-breakpoint
ALTER TABLE "tracking_links" ADD COLUMN "sync_xid" xid8 DEFAULT pg_current_xact_id() NOT NULL;
--> statement-breakpoint
CREATE INDEX "tracking_links_sync_xid_idx" ON "tracking_links" USING btree ("sync_xid", "id");
--> statement-breakpoint
CREATE TRIGGER "tracking_links_sync_stamp" BEFORE UPDATE ON "tracking_links" FOR EACH ROW EXECUTE FUNCTION sync_stamp_update();
--> statement-breakpoint
CREATE TRIGGER "tracking_links_sync_log_delete" AFTER DELETE ON "tracking_links" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sync_log_delete();
--> statement-breakpoint
ALTER TABLE "link_clicks" ADD COLUMN "sync_xid" xid8 DEFAULT pg_current_xact_id() NOT NULL;
--> statement-breakpoint
CREATE INDEX "link_clicks_sync_xid_idx" ON "link_clicks" USING btree ("sync_xid", "id");
--> statement-breakpoint
CREATE TRIGGER "link_clicks_sync_stamp" BEFORE UPDATE ON "link_clicks" FOR EACH ROW EXECUTE FUNCTION sync_stamp_update();
--> statement-breakpoint
CREATE TRIGGER "link_clicks_sync_log_delete" AFTER DELETE ON "link_clicks" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sync_log_delete();
--> statement-breakpoint
ALTER TABLE "visitors" ADD COLUMN "sync_xid" xid8 DEFAULT pg_current_xact_id() NOT NULL;
--> statement-breakpoint
CREATE INDEX "visitors_sync_xid_idx" ON "visitors" USING btree ("sync_xid", "id");
--> statement-breakpoint
CREATE TRIGGER "visitors_sync_stamp" BEFORE UPDATE ON "visitors" FOR EACH ROW EXECUTE FUNCTION sync_stamp_update();
--> statement-breakpoint
CREATE TRIGGER "visitors_sync_log_delete" AFTER DELETE ON "visitors" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sync_log_delete();
--> statement-breakpoint
ALTER TABLE "web_events" ADD COLUMN "sync_xid" xid8 DEFAULT pg_current_xact_id() NOT NULL;
--> statement-breakpoint
CREATE INDEX "web_events_sync_xid_idx" ON "web_events" USING btree ("sync_xid", "id");
--> statement-breakpoint
CREATE TRIGGER "web_events_sync_stamp" BEFORE UPDATE ON "web_events" FOR EACH ROW EXECUTE FUNCTION sync_stamp_update();
--> statement-breakpoint
CREATE TRIGGER "web_events_sync_log_delete" AFTER DELETE ON "web_events" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sync_log_delete();
--> statement-breakpoint
ALTER TABLE "leads" ADD COLUMN "sync_xid" xid8 DEFAULT pg_current_xact_id() NOT NULL;
--> statement-breakpoint
CREATE INDEX "leads_sync_xid_idx" ON "leads" USING btree ("sync_xid", "id");
--> statement-breakpoint
CREATE TRIGGER "leads_sync_stamp" BEFORE UPDATE ON "leads" FOR EACH ROW EXECUTE FUNCTION sync_stamp_update();
--> statement-breakpoint
CREATE TRIGGER "leads_sync_log_delete" AFTER DELETE ON "leads" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sync_log_delete();
--> statement-breakpoint
ALTER TABLE "touchpoints" ADD COLUMN "sync_xid" xid8 DEFAULT pg_current_xact_id() NOT NULL;
--> statement-breakpoint
CREATE INDEX "touchpoints_sync_xid_idx" ON "touchpoints" USING btree ("sync_xid", "id");
--> statement-breakpoint
CREATE TRIGGER "touchpoints_sync_stamp" BEFORE UPDATE ON "touchpoints" FOR EACH ROW EXECUTE FUNCTION sync_stamp_update();
--> statement-breakpoint
CREATE TRIGGER "touchpoints_sync_log_delete" AFTER DELETE ON "touchpoints" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sync_log_delete();
--> statement-breakpoint
ALTER TABLE "lead_events" ADD COLUMN "sync_xid" xid8 DEFAULT pg_current_xact_id() NOT NULL;
--> statement-breakpoint
CREATE INDEX "lead_events_sync_xid_idx" ON "lead_events" USING btree ("sync_xid", "id");
--> statement-breakpoint
CREATE TRIGGER "lead_events_sync_stamp" BEFORE UPDATE ON "lead_events" FOR EACH ROW EXECUTE FUNCTION sync_stamp_update();
--> statement-breakpoint
CREATE TRIGGER "lead_events_sync_log_delete" AFTER DELETE ON "lead_events" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sync_log_delete();
--> statement-breakpoint
ALTER TABLE "showroom_visits" ADD COLUMN "sync_xid" xid8 DEFAULT pg_current_xact_id() NOT NULL;
--> statement-breakpoint
CREATE INDEX "showroom_visits_sync_xid_idx" ON "showroom_visits" USING btree ("sync_xid", "id");
--> statement-breakpoint
CREATE TRIGGER "showroom_visits_sync_stamp" BEFORE UPDATE ON "showroom_visits" FOR EACH ROW EXECUTE FUNCTION sync_stamp_update();
--> statement-breakpoint
CREATE TRIGGER "showroom_visits_sync_log_delete" AFTER DELETE ON "showroom_visits" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sync_log_delete();
