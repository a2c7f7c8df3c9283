-- Dashboard caches (src/store/dashboard-repo.ts): rollups per UTC day and month of screenings (days
-- that are over never change); each screening's disposition state, the closed counts per queue
-- decision and the open queue, all as of a watermark; dispositions indexed by time for what came since.
CREATE TABLE "dashboard_closed" (
	"decision" text PRIMARY KEY NOT NULL,
	"n" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dashboard_dispositions" (
	"screening_id" text PRIMARY KEY NOT NULL,
	"screening_created_at" timestamp(3) with time zone NOT NULL,
	"decision" text NOT NULL,
	"first_final_at" timestamp(3) with time zone,
	"latest_action" text NOT NULL,
	"latest_seq" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dashboard_open" (
	"screening_id" text PRIMARY KEY NOT NULL,
	"seq" bigint NOT NULL,
	"created_at" timestamp(3) with time zone NOT NULL,
	"risk_score" integer NOT NULL,
	"decision" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dashboard_rollup_counts" (
	"span" text NOT NULL,
	"kind" text NOT NULL,
	"day" date NOT NULL,
	"key" text NOT NULL,
	"n" integer NOT NULL,
	CONSTRAINT "dashboard_rollup_counts_span_kind_day_key_pk" PRIMARY KEY("span","kind","day","key")
);
--> statement-breakpoint
CREATE TABLE "dashboard_rollups" (
	"span" text NOT NULL,
	"day" date NOT NULL,
	"computed_at" timestamp(3) with time zone NOT NULL,
	CONSTRAINT "dashboard_rollups_span_day_pk" PRIMARY KEY("span","day")
);
--> statement-breakpoint
CREATE TABLE "dashboard_watermarks" (
	"name" text PRIMARY KEY NOT NULL,
	"at" timestamp(3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "dashboard_dispositions_waits_idx" ON "dashboard_dispositions" USING btree ("screening_created_at","first_final_at","screening_id") WHERE "dashboard_dispositions"."first_final_at" is not null and "dashboard_dispositions"."decision" <> 'CLEAR';--> statement-breakpoint
CREATE INDEX "dashboard_open_seq_idx" ON "dashboard_open" USING btree ("seq");--> statement-breakpoint
CREATE INDEX "dashboard_open_risk_idx" ON "dashboard_open" USING btree ("risk_score" DESC NULLS FIRST,"seq");--> statement-breakpoint
CREATE INDEX "dashboard_open_created_idx" ON "dashboard_open" USING btree ("created_at","screening_id");--> statement-breakpoint
CREATE INDEX "dispositions_created_idx" ON "dispositions" USING btree ("created_at");