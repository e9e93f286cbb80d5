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
--> statement-breakpoint
-- A lead import's chunk (app/services/lead-import-apply.server.ts, ADR 019) in two functions, so
-- that their plans are made once per connection, not for every chunk. The lookup goes key by key
-- through the indexes led by the key: PGlite never analyzes, and without statistics the planner
-- would take a store's rows for a handful and scan them all for every chunk (the store is compared
-- as text so that its index is no way in either).
CREATE FUNCTION roadshow_lead_import_lookup(p_store uuid, p_keys jsonb, p_hashes jsonb, p_masks jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE
SET enable_seqscan = off SET enable_bitmapscan = off SET enable_hashjoin = off SET enable_mergejoin = off SET plan_cache_mode = force_custom_plan
AS $fn$
BEGIN
  RETURN (
  select jsonb_build_object(
    'dups', (select coalesce(jsonb_agg(jsonb_build_object('key', t.key, 'leadId', t.lead_id)), '[]')
               from jsonb_array_elements_text(p_keys) as k(key)
               cross join lateral (
                 select t.detail->>'rowKey' as key, t.lead_id from touchpoints t
                  where t.kind = 'platform_lead' and t.detail->>'rowKey' = k.key and t.store_id::text = p_store::text
                  limit 1) t),
    'byHash', (select coalesce(jsonb_agg(jsonb_build_object('hash', l.phone_hash, 'direct', l.merged_into_id is null,
                 'lead', to_jsonb(x) || jsonb_build_object('closed_at', case when x.status in ('delivered', 'lost')
                   then (select max(e.at) from lead_events e where e.lead_id = x.id and e.to_status = x.status) end))), '[]')
               from jsonb_array_elements_text(p_hashes) as h(hash)
               join leads l on l.phone_hash = h.hash and l.store_id::text = p_store::text
               join leads x on x.id = coalesce(l.merged_into_id, l.id) and x.merged_into_id is null),
    'byMask', (select coalesce(jsonb_agg(to_jsonb(m) || jsonb_build_object('closed_at', case when m.status in ('delivered', 'lost')
                   then (select max(e.at) from lead_events e where e.lead_id = m.id and e.to_status = m.status) end)
                 order by m.created_at, m.id), '[]')
               from jsonb_array_elements_text(p_masks) as k(masked)
               join leads m on m.phone_masked = k.masked and m.merged_into_id is null and m.store_id::text = p_store::text))
  );
END
$fn$;
--> statement-breakpoint
-- The chunk's writes, one statement: new leads; the changes to known leads, relative to the row as
-- it is now; the undo log; touchpoints; lead events; the rows' outcomes; the heartbeat. Answers how
-- many new leads were inserted (fewer than given: a concurrent arrival took a phone first).
CREATE FUNCTION roadshow_lead_import_write(p_store uuid, p_import uuid, p_user uuid, p_payload jsonb) RETURNS bigint
LANGUAGE plpgsql
AS $fn$
DECLARE
  v_created bigint;
BEGIN
  with p as (select p_payload as j),
      created as (
        insert into leads (id, store_id, name, phone, phone_hash, phone_masked, city, model_of_interest, created_by_id,
                           first_touch_at, first_channel, first_campaign_id, last_touch_at)
        select v.id, p_store, v.name, v.phone, v.phone_hash, v.phone_masked, v.city, v.model, p_user,
               v.first_at, v.first_channel, v.first_campaign_id, v.last_at
        from p, jsonb_to_recordset(p.j->'created') as v(id uuid, name text, phone text, phone_hash text, phone_masked text, city text, model text,
                                                        first_at timestamptz, first_channel text, first_campaign_id uuid, last_at timestamptz)
        on conflict do nothing
        returning id
      ),
      changed as (
        update leads l set
          name = case when l.name = '' then v.name else l.name end,
          city = case when l.city = '' then v.city else l.city end,
          model_of_interest = case when l.model_of_interest = '' then v.model else l.model_of_interest end,
          phone = case when v.phone_hash is not null and l.phone_hash is null then v.phone else l.phone end,
          phone_hash = case when v.phone_hash is not null and l.phone_hash is null then v.phone_hash else l.phone_hash end,
          status = case when v.reopen_from = l.status then 'new' else l.status end,
          opportunity = case when v.reopen_from = l.status then l.opportunity + 1 else l.opportunity end,
          lost_reason = case when v.reopen_from = l.status then null else l.lost_reason end,
          lost_to_brand = case when v.reopen_from = l.status then null else l.lost_to_brand end,
          lost_to_model = case when v.reopen_from = l.status then null else l.lost_to_model end,
          first_channel = case when l.first_touch_at is null or v.first_at < l.first_touch_at then v.first_channel else l.first_channel end,
          first_campaign_id = case when l.first_touch_at is null or v.first_at < l.first_touch_at then v.first_campaign_id else l.first_campaign_id end,
          first_touch_at = case when l.first_touch_at is null or v.first_at < l.first_touch_at then v.first_at else l.first_touch_at end,
          last_touch_at = greatest(coalesce(l.last_touch_at, v.last_at), v.last_at),
          version = l.version + 1,
          updated_at = now()
        from p, jsonb_to_recordset(p.j->'changed') as v(id uuid, name text, city text, model text, phone text, phone_hash text, reopen_from text,
                                                        first_at timestamptz, first_channel text, first_campaign_id uuid, last_at timestamptz)
        where l.id = v.id
        returning l.id, l.version, l.opportunity
      ),
      undo as (
        insert into lead_import_undo (import_id, lead_id, created, before, version_after)
        select p_import, v.lead_id, v.created, v.before, coalesce(c.version, 1)
        from p, jsonb_to_recordset(p.j->'undo') as v(lead_id uuid, created boolean, before jsonb)
        left join changed c on c.id = v.lead_id
        on conflict (import_id, lead_id) do update set version_after = excluded.version_after
      ),
      touched as (
        insert into touchpoints (store_id, lead_id, kind, channel, at, campaign_id, placement_id, import_id, detail, created_by_id)
        select p_store, v.lead_id, 'platform_lead', v.channel, v.at, v.campaign_id, v.placement_id, p_import, v.detail, p_user
        from p, jsonb_to_recordset(p.j->'touches') as v(lead_id uuid, channel text, at timestamptz, campaign_id uuid, placement_id uuid, detail jsonb)
        returning id, (detail->>'row')::integer as row
      ),
      events as (
        insert into lead_events (lead_id, type, from_status, to_status, user_id, at, detail)
        select v.lead_id, e.type, e.from_status, e.to_status, p_user, v.at, e.detail
        from p, jsonb_to_recordset(p.j->'touches') as v(row integer, lead_id uuid, channel text, at timestamptz, event text, matched_by text, reopen_from text)
        join touched t on t.row = v.row
        left join changed c on c.id = v.lead_id
        cross join lateral (
          select 'opportunity' as type, v.reopen_from as from_status, 'new' as to_status, 0 as ord,
                 jsonb_build_object('opportunity', c.opportunity, 'kind', 'platform_lead', 'channel', v.channel, 'importId', p_import::text) as detail
          where v.reopen_from is not null
          union all
          select v.event, null, case when v.event = 'created' then 'new' end, 1,
                 jsonb_build_object('kind', 'platform_lead', 'channel', v.channel, 'touchpointId', t.id, 'matchedBy', v.matched_by, 'importId', p_import::text)
        ) e
      ),
      outcomes as (
        insert into import_rows (import_id, row_number, outcome, "column", reason, lead_id)
        select p_import, v.row_number, v.outcome, v.column, v.reason, v.lead_id
        from p, jsonb_to_recordset(p.j->'outcomes') as v(row_number integer, outcome text, "column" text, reason text, lead_id uuid)
      ),
      beat as (update imports set heartbeat_at = now() where id = p_import)
  select (select count(*) from created) into v_created;
  RETURN v_created;
END
$fn$;
