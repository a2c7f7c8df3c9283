CREATE SEQUENCE "public"."audit_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"prefix" text NOT NULL,
	"secret_hash" text NOT NULL,
	"role" text NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp(3) with time zone NOT NULL,
	"created_by" text,
	"expires_at" timestamp(3) with time zone,
	"revoked_at" timestamp(3) with time zone
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" text PRIMARY KEY NOT NULL,
	"seq" bigint DEFAULT nextval('audit_seq') NOT NULL,
	"type" text NOT NULL,
	"payload" jsonb NOT NULL,
	"api_key_id" text,
	"created_at" timestamp(3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_seals" (
	"seal_no" bigint PRIMARY KEY NOT NULL,
	"from_seq" bigint NOT NULL,
	"to_seq" bigint NOT NULL,
	"record_count" integer NOT NULL,
	"merkle_root" text NOT NULL,
	"prev_hash" text NOT NULL,
	"seal_hash" text NOT NULL,
	"sealed_at" timestamp(3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dispositions" (
	"id" text PRIMARY KEY NOT NULL,
	"seq" bigint DEFAULT nextval('audit_seq') NOT NULL,
	"screening_id" text NOT NULL,
	"action" text NOT NULL,
	"justification" text NOT NULL,
	"api_key_id" text,
	"created_at" timestamp(3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "screenings" (
	"id" text PRIMARY KEY NOT NULL,
	"seq" bigint DEFAULT nextval('audit_seq') NOT NULL,
	"reference" text NOT NULL,
	"created_at" timestamp(3) with time zone NOT NULL,
	"ship_date" date NOT NULL,
	"decision" text NOT NULL,
	"risk_score" integer NOT NULL,
	"destination" text NOT NULL,
	"countries" text[] NOT NULL,
	"rule_ids" text[] NOT NULL,
	"flag_categories" text[] NOT NULL,
	"party_names" text NOT NULL,
	"chip_models" text[] NOT NULL,
	"eccns" text[] NOT NULL,
	"ruleset_version" text NOT NULL,
	"ruleset_hash" text NOT NULL,
	"request" jsonb NOT NULL,
	"result" jsonb NOT NULL,
	"request_hash" text NOT NULL,
	"idempotency_scope" text DEFAULT '' NOT NULL,
	"idempotency_key" text,
	"api_key_id" text
);
--> statement-breakpoint
ALTER TABLE "dispositions" ADD CONSTRAINT "dispositions_screening_id_screenings_id_fk" FOREIGN KEY ("screening_id") REFERENCES "public"."screenings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_prefix_idx" ON "api_keys" USING btree ("prefix");--> statement-breakpoint
CREATE UNIQUE INDEX "audit_events_seq_idx" ON "audit_events" USING btree ("seq");--> statement-breakpoint
CREATE UNIQUE INDEX "dispositions_seq_idx" ON "dispositions" USING btree ("seq");--> statement-breakpoint
CREATE INDEX "dispositions_screening_idx" ON "dispositions" USING btree ("screening_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "screenings_seq_idx" ON "screenings" USING btree ("seq");--> statement-breakpoint
CREATE UNIQUE INDEX "screenings_idempotency_idx" ON "screenings" USING btree ("idempotency_scope","idempotency_key");--> statement-breakpoint
CREATE INDEX "screenings_created_idx" ON "screenings" USING btree ("created_at","id");