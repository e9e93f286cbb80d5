CREATE TABLE "competitor_observations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"store_id" uuid NOT NULL,
	"brand" text NOT NULL,
	"model" text NOT NULL,
	"trim" text DEFAULT '' NOT NULL,
	"list_price_fen" bigint,
	"transaction_price_fen" bigint,
	"discount_fen" bigint,
	"promotion" text DEFAULT '' NOT NULL,
	"promotion_start" date,
	"promotion_end" date,
	"seen_at" text NOT NULL,
	"place" text DEFAULT '' NOT NULL,
	"seen_on" date NOT NULL,
	"seen_by_id" uuid,
	"seen_by_name" text DEFAULT '' NOT NULL,
	"note" text DEFAULT '' NOT NULL,
	"photo_sha256" text,
	"photo_type" text,
	"import_id" uuid,
	"version" integer DEFAULT 1 NOT NULL,
	"created_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "model_segments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"group_id" uuid NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "segment_models" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"segment_id" uuid NOT NULL,
	"brand" text NOT NULL,
	"model" text NOT NULL,
	"ours" boolean DEFAULT false NOT NULL,
	"position" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "competitor_observations" ADD CONSTRAINT "competitor_observations_store_id_stores_id_fk" FOREIGN KEY ("store_id") REFERENCES "public"."stores"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "competitor_observations" ADD CONSTRAINT "competitor_observations_seen_by_id_users_id_fk" FOREIGN KEY ("seen_by_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "competitor_observations" ADD CONSTRAINT "competitor_observations_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_segments" ADD CONSTRAINT "model_segments_group_id_dealer_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."dealer_groups"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "segment_models" ADD CONSTRAINT "segment_models_segment_id_model_segments_id_fk" FOREIGN KEY ("segment_id") REFERENCES "public"."model_segments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "competitor_obs_store_seen_idx" ON "competitor_observations" USING btree ("store_id","seen_on");--> statement-breakpoint
CREATE INDEX "competitor_obs_store_model_idx" ON "competitor_observations" USING btree ("store_id","brand","model");--> statement-breakpoint
CREATE UNIQUE INDEX "model_segments_group_name_idx" ON "model_segments" USING btree ("group_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "segment_models_model_idx" ON "segment_models" USING btree ("segment_id","brand","model");