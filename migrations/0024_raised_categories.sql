-- The flag log's category filter matched the checks a screening recorded as well as the flags it raised:
-- `flag_categories` (sealed, in the canonical form) lists every flag's category, and every screening records
-- its list check (LIST-CLEAR, category party), so `category=party` found them all. `raised_categories` holds the
-- categories of the flags raised — a check is an info flag asking for CLEAR — each once, sorted. The service
-- derives it from the result when it builds the row (raisedCategories, src/services/screening-row.ts); it is not
-- in the canonical form (the sealed `result` holds the same facts), so seals made before this migration verify
-- unchanged.
--
-- Rows stored before it are filled in from their result here. The audit table is append-only (0001): its
-- update trigger is disabled for this one statement, inside the migration's transaction, and enabled again;
-- no other column is touched. About 0.2 ms of database CPU a row: ~4 minutes per million screenings.
ALTER TABLE "screenings" ADD COLUMN "raised_categories" text[];--> statement-breakpoint
ALTER TABLE "screenings" DISABLE TRIGGER "screenings_append_only";--> statement-breakpoint
UPDATE "screenings" SET "raised_categories" = coalesce((
  select array_agg(distinct f->>'category' order by f->>'category')
  from json_array_elements("result"->'flags') f
  where not (f->>'severity' = 'info' and f->>'decision' = 'CLEAR')
), '{}');--> statement-breakpoint
ALTER TABLE "screenings" ENABLE TRIGGER "screenings_append_only";--> statement-breakpoint
ALTER TABLE "screenings" ALTER COLUMN "raised_categories" SET NOT NULL;--> statement-breakpoint
-- The filter reads the new column; nothing filters on flag_categories any more.
DROP INDEX IF EXISTS "screenings_flag_categories_gin";--> statement-breakpoint
CREATE INDEX "screenings_raised_categories_gin" ON "screenings" USING gin ("raised_categories");
