-- The lookup of a lead import's chunk (ADR 019), with each key's leads found in a LATERAL
-- subquery that the planner cannot pull up (OFFSET 0): with the join left free, PGlite's planner
-- (no statistics) put the store's leads outside and the chunk's masked numbers inside, comparing
-- every lead of the store with every number of the chunk (0.7 s per chunk for a store of 4,000
-- leads, growing with the store). Now each number goes through its index, whatever the store's size,
-- and the plan no longer depends on the arguments: both functions keep one plan per connection
-- instead of planning again for every chunk (a few ms of each chunk on PGlite).
CREATE OR REPLACE FUNCTION roadshow_lead_import_lookup(p_store uuid, p_keys jsonb, p_hashes jsonb, p_masks jsonb) RETURNS jsonb
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
               from jsonb_array_elements_text(p_masks) as k(masked)
               cross join lateral (select m.* from leads m where m.phone_masked = k.masked and m.merged_into_id is null and m.store_id::text = p_store::text offset 0) m))
  );
END
$fn$;
--> statement-breakpoint
ALTER FUNCTION roadshow_lead_import_write(uuid, uuid, uuid, jsonb) SET plan_cache_mode = force_generic_plan;
