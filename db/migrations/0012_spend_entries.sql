CREATE TABLE "spend_entries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"campaign_id" uuid NOT NULL,
	"budget_line_id" uuid NOT NULL,
	"spent_on" date NOT NULL,
	"amount_fen" bigint NOT NULL,
	"subsidy_fen" bigint DEFAULT 0 NOT NULL,
	"vendor" text DEFAULT '' NOT NULL,
	"note" text DEFAULT '' NOT NULL,
	"created_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "budget_lines" ADD COLUMN "placement_id" uuid;--> statement-breakpoint
ALTER TABLE "budget_lines" ADD COLUMN "promotion_id" uuid;--> statement-breakpoint
ALTER TABLE "spend_entries" ADD CONSTRAINT "spend_entries_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "spend_entries" ADD CONSTRAINT "spend_entries_budget_line_id_budget_lines_id_fk" FOREIGN KEY ("budget_line_id") REFERENCES "public"."budget_lines"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "spend_entries" ADD CONSTRAINT "spend_entries_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "spend_entries_campaign_idx" ON "spend_entries" USING btree ("campaign_id","spent_on");--> statement-breakpoint
CREATE INDEX "spend_entries_line_idx" ON "spend_entries" USING btree ("budget_line_id");--> statement-breakpoint
ALTER TABLE "budget_lines" ADD CONSTRAINT "budget_lines_placement_id_media_placements_id_fk" FOREIGN KEY ("placement_id") REFERENCES "public"."media_placements"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "budget_lines" ADD CONSTRAINT "budget_lines_promotion_id_promotion_policies_id_fk" FOREIGN KEY ("promotion_id") REFERENCES "public"."promotion_policies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "budget_lines_placement_key" ON "budget_lines" USING btree ("placement_id");--> statement-breakpoint
CREATE UNIQUE INDEX "budget_lines_promotion_key" ON "budget_lines" USING btree ("promotion_id");--> statement-breakpoint
ALTER TABLE "spend_entries" ADD CONSTRAINT "spend_entries_amounts_check" CHECK ("amount_fen" > 0 AND "subsidy_fen" >= 0 AND "subsidy_fen" <= "amount_fen");
--> statement-breakpoint
-- change tracking for the analytical copy, as migration 0006 gives every synced table
ALTER TABLE "spend_entries" ADD COLUMN "sync_xid" xid8 DEFAULT pg_current_xact_id() NOT NULL;
--> statement-breakpoint
CREATE INDEX "spend_entries_sync_xid_idx" ON "spend_entries" USING btree ("sync_xid", "id");
--> statement-breakpoint
CREATE TRIGGER "spend_entries_sync_stamp" BEFORE UPDATE ON "spend_entries" FOR EACH ROW EXECUTE FUNCTION sync_stamp_update();
--> statement-breakpoint
CREATE TRIGGER "spend_entries_sync_log_delete" AFTER DELETE ON "spend_entries" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sync_log_delete();
--> statement-breakpoint
-- the plans' media and promotion costs become their budget lines (ADR 023)
INSERT INTO "budget_lines" ("campaign_id", "position", "category", "description", "planned_fen", "placement_id")
SELECT "campaign_id", "position", 'media', "platform", "cost_fen", "id" FROM "media_placements";
--> statement-breakpoint
INSERT INTO "budget_lines" ("campaign_id", "position", "category", "description", "planned_fen", "promotion_id")
SELECT "campaign_id", "position", 'promotion', "description", "unit_cost_fen" * "expected_units", "id" FROM "promotion_policies";
--> statement-breakpoint
-- actual spend typed per line becomes one entry on the campaign's last day, with the line's subsidy
INSERT INTO "spend_entries" ("campaign_id", "budget_line_id", "spent_on", "amount_fen", "subsidy_fen", "vendor")
SELECT b."campaign_id", b."id", c."end_date", b."actual_fen", least(b."subsidy_fen", b."actual_fen"), b."vendor"
FROM "budget_lines" b JOIN "campaigns" c ON c."id" = b."campaign_id"
WHERE b."actual_fen" > 0;
