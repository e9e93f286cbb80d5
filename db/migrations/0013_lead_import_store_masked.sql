-- A lead import's chunk (ADR 019) found each masked number through leads(phone_masked), across all
-- stores: a masked number (138****1234) is shared by many people, ~7 leads a number among 2M, of which
-- the chunk's store holds one in twenty, so each row of the file read ~7 leads' rows from disk only to
-- drop those of other stores (a third of the import's time into a store at full scale). The masked
-- numbers now go through leads_store_masked_idx, store and number together, which is also the
-- index every other query by masked phone uses: leads(phone_masked) goes, one index fewer to write
-- for every new lead. And the masked numbers of rows with a full number (p_unnumbered) look only for
-- leads without a number, the only ones such a row may complete: the others, most of a store's leads,
-- are no longer read. The plan stays pinned to index lookups key by key (migration 0010): with both
-- columns of leads_store_masked_idx compared by equality, no index on the store alone is cheaper.
DROP INDEX "leads_phone_masked_idx";
--> statement-breakpoint
DROP FUNCTION roadshow_lead_import_lookup(uuid, jsonb, jsonb, jsonb);
--> statement-breakpoint
CREATE FUNCTION roadshow_lead_import_lookup(p_store uuid, p_keys jsonb, p_hashes jsonb, p_masks jsonb, p_unnumbered jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE
SET enable_seqscan = off SET enable_bitmapscan = off SET enable_hashjoin = off SET enable_mergejoin = off SET plan_cache_mode = force_generic_plan
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
    'byHash', (select coalesce(jsonb_agg(jsonb_build_object('hash', l.hash, 'direct', l.merged_into_id is null,
                 'lead', to_jsonb(x) || jsonb_build_object('closed_at', case when x.status in ('delivered', 'lost')
                   then (select max(e.at) from lead_events e where e.lead_id = x.id and e.to_status = x.status) end))), '[]')
               from jsonb_array_elements_text(p_hashes) as h(hash)
               cross join lateral (select h.hash, l.id, l.merged_into_id from leads l where l.phone_hash = h.hash and l.store_id::text = p_store::text offset 0) l
               cross join lateral (select x.* from leads x where x.id = coalesce(l.merged_into_id, l.id) and x.merged_into_id is null offset 0) x),
    'byMask', (select coalesce(jsonb_agg(to_jsonb(m) || jsonb_build_object('closed_at', case when m.status in ('delivered', 'lost')
                   then (select max(e.at) from lead_events e where e.lead_id = m.id and e.to_status = m.status) end)
                 order by m.created_at, m.id), '[]')
               from (select k.masked, false as unnumbered from jsonb_array_elements_text(p_masks) as k(masked)
                     union all select k.masked, true from jsonb_array_elements_text(p_unnumbered) as k(masked)) k
               cross join lateral (select m.* from leads m where m.store_id = p_store and m.phone_masked = k.masked and m.merged_into_id is null
                                     and (not k.unnumbered or m.phone_hash is null) offset 0) m))
  );
END
$fn$;
