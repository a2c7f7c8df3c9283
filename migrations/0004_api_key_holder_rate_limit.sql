ALTER TABLE "api_keys" ADD COLUMN "holder" text;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "rate_limit_per_minute" integer;