CREATE TABLE "lead_import_undo" (
	"import_id" uuid NOT NULL,
	"lead_id" uuid NOT NULL,
	"created" boolean NOT NULL,
	"before" jsonb,
	"version_after" integer,
	CONSTRAINT "lead_import_undo_import_id_lead_id_pk" PRIMARY KEY("import_id","lead_id")
);
--> statement-breakpoint
ALTER TABLE "imports" ADD COLUMN "heartbeat_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "lead_import_undo" ADD CONSTRAINT "lead_import_undo_import_id_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."imports"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "leads_phone_hash_idx" ON "leads" USING btree ("phone_hash");--> statement-breakpoint
CREATE INDEX "leads_phone_masked_idx" ON "leads" USING btree ("phone_masked");--> statement-breakpoint
CREATE INDEX "touchpoints_row_key_idx" ON "touchpoints" USING btree (("detail"->>'rowKey')) WHERE "touchpoints"."kind" = 'platform_lead';--> statement-breakpoint
CREATE INDEX "touchpoints_import_idx" ON "touchpoints" USING btree ("import_id") WHERE "touchpoints"."import_id" is not null;