-- Console forms that create or change configuration (API keys, webhook endpoints and their secrets, licences)
-- carry a once-token claimed in the change's transaction: a form sent twice changes things once.
CREATE TABLE "form_submissions" (
	"scope" text NOT NULL,
	"token" text NOT NULL,
	"kind" text NOT NULL,
	"target_id" text NOT NULL,
	"created_at" timestamp(3) with time zone NOT NULL,
	CONSTRAINT "form_submissions_scope_token_pk" PRIMARY KEY("scope","token")
);
