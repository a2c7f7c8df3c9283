-- The few re-screens that changed a decision, by screening: the work queue lists screenings whose
-- latest monitoring change needs a person, and four eyes looks up a screening's latest change, without
-- reading every re-screen of every run (a run stores one row per screening in scope).
CREATE INDEX "monitoring_results_changed_idx" ON "monitoring_results" USING btree ("screening_id","created_at") WHERE decision_changed;