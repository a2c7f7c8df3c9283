-- One manifest per seal: the (seq, table, id, leaf hash) of every record the seal covers, in seq
-- order. The seal's Merkle root commits to these leaves, so the manifest cannot be changed
-- unnoticed either; verify uses it to name exactly which record was altered, removed or added.
-- Written only by the sealer, in the same transaction as its seal; append-only like the rest.
CREATE TABLE "audit_seal_manifests" (
	"seal_no" bigint PRIMARY KEY NOT NULL REFERENCES "audit_seals"("seal_no"),
	"entries" text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "audit_seals_to_seq_idx" ON "audit_seals" USING btree ("to_seq");--> statement-breakpoint
CREATE TRIGGER "audit_seal_manifests_append_only" BEFORE UPDATE OR DELETE ON "audit_seal_manifests" FOR EACH ROW EXECUTE FUNCTION "chokepoint_reject_audit_change"();--> statement-breakpoint
CREATE TRIGGER "audit_seal_manifests_no_truncate" BEFORE TRUNCATE ON "audit_seal_manifests" FOR EACH STATEMENT EXECUTE FUNCTION "chokepoint_reject_audit_change"();
