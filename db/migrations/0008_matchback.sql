-- Matchback (docs/decisions/017-matchback.md).
-- roadshow_name_key(name): the name as matchback compares it, the SQL twin of nameKey() in
-- analytics/ingest/sales-values.ts (test/matchback-name-key.test.ts holds the two to the same
-- answers): a plain Han name of 2-4 characters as it is; otherwise full-width forms made
-- half-width, a note in brackets dropped, spaces, dots and dashes removed, lower case, a
-- trailing form of address (先生, 女士 ...) dropped; null when nothing is left. leads.name_key
-- is generated from it, so every write of a name keeps it true, whichever path writes it.
CREATE FUNCTION roadshow_name_key(name text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN CASE
  WHEN name = '' THEN NULL
  WHEN name ~ '^[\u4e00-\u9fff]{2,4}$' AND right(name, 1) NOT IN ('生', '士', '姐', '太', '人', '师', '傅', '总') THEN name
  ELSE nullif(
    regexp_replace(
      lower(
        regexp_replace(
          regexp_replace(
            translate(name, '！＂＃＄％＆＇（）＊＋，－．／０１２３４５６７８９：；＜＝＞？＠ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ［＼］＾＿｀ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ｛｜｝～　', '!"#$%&''()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefghijklmnopqrstuvwxyz{|}~ '),
            '[([（【［][^)\]）】］]*[)\]）】］]', '', 'g'),
          '[\t\n\u000b\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff·•.．・_''"-]', '', 'g')),
      '(先生|女士|小姐|太太|夫人|老师|师傅|总)$', ''),
    '')
END;
--> statement-breakpoint
CREATE TABLE "sale_match_reviews" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"store_id" uuid NOT NULL,
	"sale_key" text NOT NULL,
	"lead_id" uuid NOT NULL,
	"decision" text NOT NULL,
	"rule" text,
	"decided_by_id" uuid,
	"decided_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "stores" ADD COLUMN "matchback_window_days" integer DEFAULT 180 NOT NULL;--> statement-breakpoint
ALTER TABLE "leads" ADD COLUMN "name_key" text GENERATED ALWAYS AS (roadshow_name_key(name)) STORED;--> statement-breakpoint
ALTER TABLE "leads" ADD COLUMN "opportunity" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "sale_match_reviews" ADD CONSTRAINT "sale_match_reviews_store_id_stores_id_fk" FOREIGN KEY ("store_id") REFERENCES "public"."stores"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sale_match_reviews" ADD CONSTRAINT "sale_match_reviews_lead_id_leads_id_fk" FOREIGN KEY ("lead_id") REFERENCES "public"."leads"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sale_match_reviews" ADD CONSTRAINT "sale_match_reviews_decided_by_id_users_id_fk" FOREIGN KEY ("decided_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "sale_match_reviews_pair_key" ON "sale_match_reviews" USING btree ("store_id","sale_key","lead_id");--> statement-breakpoint
CREATE INDEX "sale_match_reviews_lead_idx" ON "sale_match_reviews" USING btree ("lead_id");
--> statement-breakpoint
-- the reviews are synced to the analytical copy like the tables of 0006_sync_triggers.sql
ALTER TABLE "sale_match_reviews" ADD COLUMN "sync_xid" xid8 DEFAULT pg_current_xact_id() NOT NULL;
--> statement-breakpoint
CREATE INDEX "sale_match_reviews_sync_xid_idx" ON "sale_match_reviews" USING btree ("sync_xid", "id");
--> statement-breakpoint
CREATE TRIGGER "sale_match_reviews_sync_stamp" BEFORE UPDATE ON "sale_match_reviews" FOR EACH ROW EXECUTE FUNCTION sync_stamp_update();
--> statement-breakpoint
CREATE TRIGGER "sale_match_reviews_sync_log_delete" AFTER DELETE ON "sale_match_reviews" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sync_log_delete();
