CREATE TABLE "party_suppressions" (
	"id" text PRIMARY KEY NOT NULL,
	"party_id" text,
	"party_name_key" text,
	"party_name" text,
	"party_country" text,
	"entry_id" text NOT NULL,
	"entry_hash" text NOT NULL,
	"entry_list" text NOT NULL,
	"entry_name" text NOT NULL,
	"justification" text NOT NULL,
	"expires_at" timestamp(3) with time zone NOT NULL,
	"api_key_id" text,
	"created_at" timestamp(3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "suppression_withdrawals" (
	"suppression_id" text PRIMARY KEY NOT NULL,
	"justification" text NOT NULL,
	"api_key_id" text,
	"created_at" timestamp(3) with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "suppression_withdrawals" ADD CONSTRAINT "suppression_withdrawals_suppression_id_party_suppressions_id_fk" FOREIGN KEY ("suppression_id") REFERENCES "public"."party_suppressions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "party_suppressions_party_id_idx" ON "party_suppressions" USING btree ("party_id");--> statement-breakpoint
CREATE INDEX "party_suppressions_name_idx" ON "party_suppressions" USING btree ("party_name_key","party_country");--> statement-breakpoint
CREATE INDEX "party_suppressions_created_idx" ON "party_suppressions" USING btree ("created_at","id");