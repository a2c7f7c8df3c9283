-- A screening's request and result are stored as the JSON text they were written with (json)
-- instead of jsonb. jsonb made the server parse every ~10 KB result into its binary form on insert
-- (the statement's bind phase was two thirds of its server time); json only checks the text.
-- Nothing queries inside them with jsonb operators or indexes. The canonical form a record's seal
-- covers (src/store/audit-repo.ts) renders json as stored and jsonb normalised, and the conversion
-- below stores each existing value as exactly that normalised text: every stored record keeps its
-- leaf hash, so existing seals still verify.
ALTER TABLE "screenings" ALTER COLUMN "request" SET DATA TYPE json USING "request"::json, ALTER COLUMN "result" SET DATA TYPE json USING "result"::json;--> statement-breakpoint
-- A batch's staged shipments likewise: written once, read back whole by the chunk that screens them.
ALTER TABLE "batch_lines" ALTER COLUMN "input" SET DATA TYPE json USING "input"::json;--> statement-breakpoint
DO $$
BEGIN
  ALTER TABLE "screenings" ALTER COLUMN "request" SET COMPRESSION lz4, ALTER COLUMN "result" SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  RAISE NOTICE 'this server has no lz4: audit payloads stay pglz-compressed';
END $$;
