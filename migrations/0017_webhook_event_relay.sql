-- The event relay (src/services/event-relay.ts): a flagged screening whose webhook delivery a crash kept from
-- being queued is found by its id (subject_id) and queued late instead of never; the cursor says how far that
-- has been made sure of.
CREATE TABLE "event_relay_cursors" (
	"name" text PRIMARY KEY NOT NULL,
	"through" timestamp(3) with time zone NOT NULL,
	"updated_at" timestamp(3) with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD COLUMN "subject_id" text;--> statement-breakpoint
CREATE INDEX "webhook_deliveries_subject_idx" ON "webhook_deliveries" USING btree ("subject_id","endpoint_id") WHERE subject_id IS NOT NULL;