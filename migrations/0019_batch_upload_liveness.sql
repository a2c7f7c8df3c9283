-- A batch records when its upload last staged lines, so a batch whose uploading process died (stuck `receiving`)
-- can be ended `failed` by any replica (BatchService.failAbandonedUploads, BATCH_UPLOAD_IDLE_SECONDS).
ALTER TABLE "batches" ADD COLUMN "received_at" timestamp(3) with time zone;