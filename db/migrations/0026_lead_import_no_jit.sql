-- The lead import's two statements (ADR 019), measured 2026-12-01 on the generator's 50,000-row
-- export into a new store:
--
-- Without JIT compilation. On a Postgres server, once autovacuum had analyzed the import's tables,
-- the look-up's estimated cost passed jit_above_cost and every chunk's look-up compiled its
-- expressions first: 44 ms of a 54 ms call (76 functions), paid again at each chunk since the
-- look-up is planned at each call (migration 0024). In one process the import slowed from ~5,000
-- to ~1,700 rows/s after its first 20,000 rows (20.2 s in all); without JIT it held at ~4,500
-- rows/s (12.9 s); as a job of the server, 1,657 → 2,828 rows/s. Each call reads a few hundred
-- index entries: compiling never pays. PGlite has no JIT; the setting is accepted and does nothing.
--
-- The write function pinned to index look-ups, like the look-up (migration 0010). Its plan is
-- generic, made at the import's first chunk; on PGlite (no statistics, ever) a plan made when a new
-- store had no leads joined the chunk's changed leads to the table by scanning it, so each row's
-- write cost grew with the store: 0.20 ms a row at first, 0.42 ms at 45,000 leads. With scans, hash
-- and merge joins off it stays at 0.23–0.28 ms; the import in one process took 19.1 s against 22.6 s,
-- as a job 2,038 rows/s against 1,748–1,813.
ALTER FUNCTION roadshow_lead_import_lookup(uuid, jsonb, jsonb, jsonb, jsonb) SET jit = off;
--> statement-breakpoint
ALTER FUNCTION roadshow_lead_import_write(uuid, uuid, uuid, jsonb) SET jit = off;
--> statement-breakpoint
ALTER FUNCTION roadshow_lead_import_write(uuid, uuid, uuid, jsonb) SET enable_seqscan = off;
--> statement-breakpoint
ALTER FUNCTION roadshow_lead_import_write(uuid, uuid, uuid, jsonb) SET enable_hashjoin = off;
--> statement-breakpoint
ALTER FUNCTION roadshow_lead_import_write(uuid, uuid, uuid, jsonb) SET enable_mergejoin = off;
