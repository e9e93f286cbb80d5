-- Back from 0013 (ADR 019): PGlite never analyzes, and without an index led by the masked number the
-- import lookup's generic plan read each masked number through leads_store_first_touch_idx, every lead
-- of the store per number: the import on the embedded database ran 4x slower.
CREATE INDEX "leads_phone_masked_idx" ON "leads" USING btree ("phone_masked");