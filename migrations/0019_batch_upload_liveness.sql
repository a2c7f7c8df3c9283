-- A batch records its upload's progress: when it last staged lines and how many so far. A batch whose uploading process
-- died (stuck `receiving`) is ended `failed` by any replica once that stops moving (BatchService.failAbandonedUploads,
-- BATCH_UPLOAD_IDLE_SECONDS); `received` is what GET /v1/batches/{id} shows while the upload goes on.
ALTER TABLE "batches" ADD COLUMN "received_at" timestamp(3) with time zone;--> statement-breakpoint
ALTER TABLE "batches" ADD COLUMN "received" integer DEFAULT 0 NOT NULL;