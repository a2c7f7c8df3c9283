-- Indexes for GET /v1/screenings and GET /v1/audit/export at millions of rows. Pages are read
-- newest first by seq; selective filters (a rare rule, ECCN, chip, country, reference) go through
-- these indexes, common ones walk screenings_seq_idx backwards and stop after one page.
CREATE INDEX "screenings_countries_gin" ON "screenings" USING gin ("countries");--> statement-breakpoint
CREATE INDEX "screenings_rule_ids_gin" ON "screenings" USING gin ("rule_ids");--> statement-breakpoint
CREATE INDEX "screenings_flag_categories_gin" ON "screenings" USING gin ("flag_categories");--> statement-breakpoint
CREATE INDEX "screenings_chip_models_gin" ON "screenings" USING gin ("chip_models");--> statement-breakpoint
CREATE INDEX "screenings_eccns_gin" ON "screenings" USING gin ("eccns");--> statement-breakpoint
CREATE INDEX "screenings_reference_idx" ON "screenings" USING btree ("reference", "seq");--> statement-breakpoint
CREATE INDEX "screenings_decision_idx" ON "screenings" USING btree ("decision", "seq");--> statement-breakpoint
CREATE INDEX "screenings_api_key_idx" ON "screenings" USING btree ("api_key_id", "seq");--> statement-breakpoint
-- Party-name "contains" needs trigrams. pg_trgm ships with Postgres (contrib, trusted since 13) but
-- is not loaded into embedded PGlite by default, so the index is created where the extension is
-- available and skipped elsewhere; the query (LIKE '%…%') is the same either way, only slower
-- without the index. On a server where pg_trgm is installed later, run this block again.
DO $$
BEGIN
  BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
  EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm not available (%): party-name search runs without a trigram index', SQLERRM;
  END;
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
    EXECUTE 'CREATE INDEX IF NOT EXISTS "screenings_party_names_trgm" ON "screenings" USING gin ("party_names" gin_trgm_ops)';
  END IF;
END;
$$;
