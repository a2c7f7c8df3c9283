-- The failed-authentication limit counted per replica: with N replicas behind a balancer an address got up to
-- N × AUTH_FAILURES_PER_MINUTE tries a minute. Each replica now also counts every failure here, per address and
-- minute, and holds the address back once the minute's count across replicas reaches the limit. Not an audit
-- table: rows are purged a few minutes after their minute.
CREATE TABLE "auth_failures" (
	"address" text NOT NULL,
	"window_start" timestamp(3) with time zone NOT NULL,
	"failures" integer NOT NULL,
	CONSTRAINT "auth_failures_address_window_start_pk" PRIMARY KEY("address","window_start")
);
--> statement-breakpoint
CREATE INDEX "auth_failures_window_idx" ON "auth_failures" USING btree ("window_start");