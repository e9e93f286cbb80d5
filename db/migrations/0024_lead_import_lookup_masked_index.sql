-- The lead import's look-up of the leads with a chunk's masked numbers (migration 0013) was planned,
-- once migration 0020 had added the list's partial indexes (store, …) WHERE merged_into_id IS NULL,
-- as a walk of a store's every lead per number: with "merged_into_id is null" among its conditions
-- such an index needs no filter for it, and without statistics (PGlite never analyzes; the plan is
-- generic) it looked as cheap as leads_store_masked_idx. Measured on PGlite: 50 numbers read 200k
-- index entries of a 4,000-lead store, and a 12,000-row import ran at 284 rows/s, slower with each
-- chunk. The store and the number are now looked up alone (OFFSET 0 keeps the other conditions out
-- of that scan), so only leads_store_masked_idx answers it; the rest is filtered on its few rows.
-- And the look-up is planned at each call, no longer once per connection: the generic plan was made
-- at the import's first chunk, when a new store's leads were none and every index looked as cheap as
-- another, and kept while the store grew (one call took 400 ms at 4,000 leads, the same query planned
-- afresh 3 ms). Planning costs ~2 ms a chunk. The write function keeps its generic plan: planning its
-- statements at each call cost more than it saved.
CREATE OR REPLACE FUNCTION roadshow_lead_import_lookup(p_store uuid, p_keys jsonb, p_hashes jsonb, p_masks jsonb, p_unnumbered jsonb) RETURNS jsonb
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
               cross join lateral (select m.* from (select m.* from leads m where m.store_id = p_store and m.phone_masked = k.masked offset 0) m
                                    where m.merged_into_id is null and (not k.unnumbered or m.phone_hash is null)) m))
  );
END
$fn$;
