-- Export licences are audit events (licence.issued/amended/revoked/reserved/released): their history is the
-- sealed, append-only log itself. These indexes find a licence's events quickly and make the database refuse
-- a second reservation or release for one screening, or two versions with one number, whatever the caller.
CREATE INDEX IF NOT EXISTS "audit_events_licence_idx" ON "audit_events" ((payload->>'licenceId'), "seq") WHERE "type" LIKE 'licence.%';--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "audit_events_licence_draw_once_idx" ON "audit_events" ((payload->>'screeningId'), "type") WHERE "type" IN ('licence.reserved', 'licence.released');--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "audit_events_licence_version_idx" ON "audit_events" ((payload->>'licenceId'), (payload->>'version')) WHERE "type" IN ('licence.issued', 'licence.amended', 'licence.revoked');
