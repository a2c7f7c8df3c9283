-- A monitoring result carries its screening's own stored decision, so the work queue's counts can tell a
-- screening open by its stored decision from one open only because of a change without a random read of
-- `screenings` per change (src/store/monitoring-repo.ts, changedOnlyOpen). Results are append-only (0010),
-- so rows written before this stay null and their readers fall back to `screenings`.
ALTER TABLE "monitoring_results" ADD COLUMN "stored_decision" text;
