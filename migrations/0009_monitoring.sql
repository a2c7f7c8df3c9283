CREATE TABLE "monitoring_results" (
	"run_id" text NOT NULL,
	"screening_id" text NOT NULL,
	"screening_seq" bigint NOT NULL,
	"owner_key_id" text,
	"previous_decision" text NOT NULL,
	"decision" text,
	"decision_changed" boolean NOT NULL,
	"flags_added" text[] NOT NULL,
	"flags_removed" text[] NOT NULL,
	"result" jsonb,
	"error" text,
	"created_at" timestamp(3) with time zone NOT NULL,
	CONSTRAINT "monitoring_results_run_id_screening_id_pk" PRIMARY KEY("run_id","screening_id")
);
--> statement-breakpoint
CREATE TABLE "monitoring_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"trigger_key" text NOT NULL,
	"trigger" text NOT NULL,
	"ruleset_version" text NOT NULL,
	"ruleset_hash" text NOT NULL,
	"as_of" date NOT NULL,
	"window_start" timestamp(3) with time zone NOT NULL,
	"through_seq" bigint NOT NULL,
	"total" integer NOT NULL,
	"status" text NOT NULL,
	"created_at" timestamp(3) with time zone NOT NULL,
	"finished_at" timestamp(3) with time zone,
	"events_through_seq" bigint DEFAULT 0 NOT NULL,
	"last_error" text
);
--> statement-breakpoint
ALTER TABLE "monitoring_results" ADD CONSTRAINT "monitoring_results_run_id_monitoring_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."monitoring_runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "monitoring_results" ADD CONSTRAINT "monitoring_results_screening_id_screenings_id_fk" FOREIGN KEY ("screening_id") REFERENCES "public"."screenings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "monitoring_results_run_seq_idx" ON "monitoring_results" USING btree ("run_id","screening_seq");--> statement-breakpoint
CREATE INDEX "monitoring_results_screening_idx" ON "monitoring_results" USING btree ("screening_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "monitoring_runs_trigger_idx" ON "monitoring_runs" USING btree ("trigger_key");--> statement-breakpoint
CREATE INDEX "monitoring_runs_created_idx" ON "monitoring_runs" USING btree ("created_at","id");