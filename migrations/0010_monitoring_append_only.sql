-- What a monitoring re-screen found is an audit record: never changed or removed. (The run row
-- is job state — status and publication progress — and is updated.)
CREATE TRIGGER "monitoring_results_append_only" BEFORE UPDATE OR DELETE ON "monitoring_results" FOR EACH ROW EXECUTE FUNCTION "chokepoint_reject_audit_change"();--> statement-breakpoint
CREATE TRIGGER "monitoring_results_no_truncate" BEFORE TRUNCATE ON "monitoring_results" FOR EACH STATEMENT EXECUTE FUNCTION "chokepoint_reject_audit_change"();
