-- Reviewed false positives are audit records too: never changed or removed; a withdrawal is a
-- new row in suppression_withdrawals (at most one per suppression, its primary key).
CREATE TRIGGER "party_suppressions_append_only" BEFORE UPDATE OR DELETE ON "party_suppressions" FOR EACH ROW EXECUTE FUNCTION "chokepoint_reject_audit_change"();--> statement-breakpoint
CREATE TRIGGER "party_suppressions_no_truncate" BEFORE TRUNCATE ON "party_suppressions" FOR EACH STATEMENT EXECUTE FUNCTION "chokepoint_reject_audit_change"();--> statement-breakpoint
CREATE TRIGGER "suppression_withdrawals_append_only" BEFORE UPDATE OR DELETE ON "suppression_withdrawals" FOR EACH ROW EXECUTE FUNCTION "chokepoint_reject_audit_change"();--> statement-breakpoint
CREATE TRIGGER "suppression_withdrawals_no_truncate" BEFORE TRUNCATE ON "suppression_withdrawals" FOR EACH STATEMENT EXECUTE FUNCTION "chokepoint_reject_audit_change"();
