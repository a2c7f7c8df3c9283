-- The audit log is append-only, enforced by the database itself (15 CFR 762: records kept
-- unaltered for five years): no role that goes through SQL can rewrite or remove history by
-- accident. Only a superuser who disables these triggers can, and the seal chain then names the
-- altered record (GET /v1/audit/verify). There is no delete API; retention is indefinite.
CREATE OR REPLACE FUNCTION "chokepoint_reject_audit_change"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'table % is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
    USING ERRCODE = '2F003', HINT = 'Audit records are never changed or removed; record a new event instead.';
END;
$$;--> statement-breakpoint
CREATE TRIGGER "screenings_append_only" BEFORE UPDATE OR DELETE ON "screenings" FOR EACH ROW EXECUTE FUNCTION "chokepoint_reject_audit_change"();--> statement-breakpoint
CREATE TRIGGER "screenings_no_truncate" BEFORE TRUNCATE ON "screenings" FOR EACH STATEMENT EXECUTE FUNCTION "chokepoint_reject_audit_change"();--> statement-breakpoint
CREATE TRIGGER "dispositions_append_only" BEFORE UPDATE OR DELETE ON "dispositions" FOR EACH ROW EXECUTE FUNCTION "chokepoint_reject_audit_change"();--> statement-breakpoint
CREATE TRIGGER "dispositions_no_truncate" BEFORE TRUNCATE ON "dispositions" FOR EACH STATEMENT EXECUTE FUNCTION "chokepoint_reject_audit_change"();--> statement-breakpoint
CREATE TRIGGER "audit_events_append_only" BEFORE UPDATE OR DELETE ON "audit_events" FOR EACH ROW EXECUTE FUNCTION "chokepoint_reject_audit_change"();--> statement-breakpoint
CREATE TRIGGER "audit_events_no_truncate" BEFORE TRUNCATE ON "audit_events" FOR EACH STATEMENT EXECUTE FUNCTION "chokepoint_reject_audit_change"();--> statement-breakpoint
CREATE TRIGGER "audit_seals_append_only" BEFORE UPDATE OR DELETE ON "audit_seals" FOR EACH ROW EXECUTE FUNCTION "chokepoint_reject_audit_change"();--> statement-breakpoint
CREATE TRIGGER "audit_seals_no_truncate" BEFORE TRUNCATE ON "audit_seals" FOR EACH STATEMENT EXECUTE FUNCTION "chokepoint_reject_audit_change"();
