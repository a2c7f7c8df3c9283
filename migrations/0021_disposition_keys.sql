-- Idempotency-Key on dispositions (the API header, the console form's token): a disposition sent twice is recorded once.
-- A side table, not a column of dispositions: a disposition's canonical form (what its seal covers) stays as it is.
CREATE TABLE "disposition_keys" (
	"scope" text NOT NULL,
	"key" text NOT NULL,
	"disposition_id" text NOT NULL,
	"request_hash" text NOT NULL,
	"created_at" timestamp(3) with time zone NOT NULL,
	CONSTRAINT "disposition_keys_scope_key_pk" PRIMARY KEY("scope","key")
);
