-- An upload that failed before it was complete (killed with its process, or broken off) released its
-- Idempotency-Key, and the retry under it screened the whole file again — the lines the failed upload's chunks
-- had already screened were stored a second time. The released key is kept, so that the retry takes those
-- lines over (the same line, the same shipment): resumed_from names the failed uploads, reused counts the lines.
ALTER TABLE "batches" ADD COLUMN "released_idempotency_key" text;--> statement-breakpoint
ALTER TABLE "batches" ADD COLUMN "resumed_from" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "batches" ADD COLUMN "reused" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "batches_released_key_idx" ON "batches" USING btree (coalesce("api_key_id", ''),"released_idempotency_key") WHERE released_idempotency_key IS NOT NULL;