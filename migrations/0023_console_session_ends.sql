-- Signing out of the console ends the session on the server: a session id signed out here is refused by every
-- replica (checked by primary key on each console request); rows are purged once the session would have expired.
CREATE TABLE "console_session_ends" (
	"session_id" text PRIMARY KEY NOT NULL,
	"key_id" text NOT NULL,
	"expires_at" timestamp(3) with time zone NOT NULL,
	"ended_at" timestamp(3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "console_session_ends_expires_idx" ON "console_session_ends" USING btree ("expires_at");