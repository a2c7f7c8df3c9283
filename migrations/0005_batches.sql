CREATE TABLE "batch_lines" (
	"batch_id" text NOT NULL,
	"line_no" integer NOT NULL,
	"reference" text,
	"input" jsonb,
	"errors" jsonb,
	CONSTRAINT "batch_lines_batch_id_line_no_pk" PRIMARY KEY("batch_id","line_no")
);
--> statement-breakpoint
CREATE TABLE "batch_results" (
	"batch_id" text NOT NULL,
	"line_no" integer NOT NULL,
	"screening_id" text,
	"decision" text,
	"errors" jsonb,
	CONSTRAINT "batch_results_batch_id_line_no_pk" PRIMARY KEY("batch_id","line_no")
);
--> statement-breakpoint
CREATE TABLE "batches" (
	"id" text PRIMARY KEY NOT NULL,
	"api_key_id" text,
	"state" text NOT NULL,
	"format" text NOT NULL,
	"total" integer DEFAULT 0 NOT NULL,
	"invalid" integer DEFAULT 0 NOT NULL,
	"screened" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"clear" integer DEFAULT 0 NOT NULL,
	"review" integer DEFAULT 0 NOT NULL,
	"license_required" integer DEFAULT 0 NOT NULL,
	"block" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp(3) with time zone NOT NULL,
	"started_at" timestamp(3) with time zone,
	"finished_at" timestamp(3) with time zone
);
--> statement-breakpoint
ALTER TABLE "batch_lines" ADD CONSTRAINT "batch_lines_batch_id_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."batches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "batch_results_screening_idx" ON "batch_results" USING btree ("screening_id");--> statement-breakpoint
CREATE INDEX "batches_owner_idx" ON "batches" USING btree ("api_key_id","created_at");