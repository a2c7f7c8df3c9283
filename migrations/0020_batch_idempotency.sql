-- Idempotency-Key on POST /v1/batches: a retried upload (the 202 lost after a long upload) is answered with the batch
-- it already made instead of screening every line twice; one batch per key and submitter. The upload's sha256 tells
-- a true retry (same bytes) from a reused key (another file: 409), and lets an auditor match a file to its batch.
ALTER TABLE "batches" ADD COLUMN "idempotency_key" text;--> statement-breakpoint
ALTER TABLE "batches" ADD COLUMN "upload_sha256" text;--> statement-breakpoint
CREATE UNIQUE INDEX "batches_idempotency_idx" ON "batches" USING btree (coalesce("api_key_id", ''),"idempotency_key") WHERE idempotency_key IS NOT NULL;