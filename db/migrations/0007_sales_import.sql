CREATE TABLE "sales_mappings" (
	"store_id" uuid PRIMARY KEY NOT NULL,
	"columns" jsonb NOT NULL,
	"updated_by_id" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "imports" ADD COLUMN "mapping_hash" text;--> statement-breakpoint
ALTER TABLE "imports" ADD COLUMN "parquet_path" text;--> statement-breakpoint
ALTER TABLE "imports" ADD COLUMN "rows_superseded" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "imports" ADD COLUMN "job_id" uuid;--> statement-breakpoint
ALTER TABLE "sales_mappings" ADD CONSTRAINT "sales_mappings_store_id_stores_id_fk" FOREIGN KEY ("store_id") REFERENCES "public"."stores"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sales_mappings" ADD CONSTRAINT "sales_mappings_updated_by_id_users_id_fk" FOREIGN KEY ("updated_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "imports_sales_done_key" ON "imports" USING btree ("store_id","kind","file_hash","mapping_hash") WHERE "imports"."status" = 'done' and "imports"."mapping_hash" is not null;