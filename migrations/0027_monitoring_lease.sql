-- Two replicas each walked every running monitoring run in full (the results and events were stored once, by
-- their unique keys, but the engine's work was doubled during a list import). A run now has a lease: the replica
-- working on it (lease_owner) until lease_until (database time), renewed with every chunk; the others leave it
-- alone and take it over when the lease runs out.
ALTER TABLE "monitoring_runs" ADD COLUMN "lease_owner" text;--> statement-breakpoint
ALTER TABLE "monitoring_runs" ADD COLUMN "lease_until" timestamp(3) with time zone;