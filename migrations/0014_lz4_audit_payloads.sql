-- The screening's request and result (a result is ~8.5 KB of JSON) are compressed when stored
-- (TOAST). pglz, the default, is the larger part of what storing a screening costs the server:
-- inserting 24,806 real screenings measured 467–522 µs a row with pglz and 366–427 µs with lz4
-- (same rows, same indexes; README, Benchmarks). Only values written from now on are compressed
-- with lz4; older ones stay pglz and read the same. A server built without lz4 (the embedded
-- PGlite) keeps pglz: the statement is skipped, not failed.
DO $$
BEGIN
  ALTER TABLE "screenings" ALTER COLUMN "request" SET COMPRESSION lz4, ALTER COLUMN "result" SET COMPRESSION lz4;
  ALTER TABLE "monitoring_results" ALTER COLUMN "result" SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  RAISE NOTICE 'this server has no lz4: audit payloads stay pglz-compressed';
END $$;
