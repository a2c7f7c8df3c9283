/**
 * Migration 0024 adds `raised_categories` — the categories of the flags a screening raised, checks left out —
 * for the flag log's category filter, and fills it in for the screenings stored before it from their sealed
 * result. The audit table is append-only: the migration lifts the update trigger for its one statement and puts
 * it back; the column is outside the canonical form, so every seal made before it still verifies.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../../src/services/audit.js';
import { raisedCategories } from '../../src/services/screening-row.js';
import { Sealer } from '../../src/services/sealer.js';
import { MIGRATIONS_DIR } from '../../src/store/db.js';
import { ScreeningWriter } from '../../src/store/screenings-repo.js';
import { screeningRow, testDb, type TestDb } from './factory.js';

const MIGRATION = path.join(MIGRATIONS_DIR, '0024_raised_categories.sql');

const rowsOf = <T>(res: unknown): T[] => (res as { rows: T[] }).rows;

describe('migration 0024: raised categories', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await testDb();
  });
  afterAll(() => t.close());

  it('fills the column for stored screenings from their results, keeps the seals and the append-only trigger', async () => {
    const db = t.database.db;
    const rows = [
      // A route flag and the list check every screening records.
      screeningRow({ reference: 'OLD-1', decision: 'REVIEW', flags: [{ ruleId: 'ROUTE-HUB', category: 'route' }, { ruleId: 'LIST-CLEAR', category: 'party', severity: 'info', decision: 'CLEAR' }] }),
      // Checks only: nothing raised.
      screeningRow({ reference: 'OLD-2', decision: 'CLEAR', flags: [{ ruleId: 'LIST-CLEAR', category: 'party', severity: 'info', decision: 'CLEAR' }, { ruleId: 'DEST-NLR', category: 'destination', severity: 'info', decision: 'CLEAR' }] }),
      // No flags at all.
      screeningRow({ reference: 'OLD-3', decision: 'CLEAR', flags: [] }),
      // An info flag asking for more than CLEAR is raised; two flags of one category count once.
      screeningRow({ reference: 'OLD-4', decision: 'BLOCK', flags: [{ ruleId: 'LIST-EL', category: 'party' }, { ruleId: 'LIST-SDN', category: 'party' }, { ruleId: 'ITEM-CATALOG-UNCERTAIN', category: 'item', severity: 'info', decision: 'REVIEW' }] }),
    ];
    const writer = new ScreeningWriter(db);
    for (const row of rows) await writer.insert(row);
    expect(rows.map((r) => r.raisedCategories)).toEqual([['route'], [], [], ['item', 'party']]);
    await new Sealer(db).sealNow();

    // Back to the table as it was before 0024 (altering a column fires no row trigger).
    await db.execute(sql.raw(`drop index screenings_raised_categories_gin`));
    await db.execute(sql.raw(`alter table screenings drop column raised_categories`));
    await db.execute(sql.raw(`create index screenings_flag_categories_gin on screenings using gin (flag_categories)`));

    for (const statement of readFileSync(MIGRATION, 'utf8').split('--> statement-breakpoint')) await db.execute(sql.raw(statement));

    const filled = rowsOf<{ reference: string; raised_categories: string[] }>(
      await db.execute(sql`select reference, raised_categories from screenings order by seq`),
    );
    expect(filled).toEqual(rows.map((r) => ({ reference: r.reference, raised_categories: raisedCategories((r.result as { flags: Array<{ severity: string; decision: string; category: string }> }).flags) })));
    expect(filled.map((r) => r.raised_categories)).toEqual([['route'], [], [], ['item', 'party']]);

    const indexes = rowsOf<{ indexname: string }>(await db.execute(sql`select indexname from pg_indexes where tablename = 'screenings' and indexname like '%categories%' order by 1`));
    expect(indexes.map((i) => i.indexname)).toEqual(['screenings_raised_categories_gin']);
    const notNull = rowsOf<{ is_nullable: string }>(await db.execute(sql`select is_nullable from information_schema.columns where table_name = 'screenings' and column_name = 'raised_categories'`));
    expect(notNull).toEqual([{ is_nullable: 'NO' }]);

    // The audit table is append-only again, and every seal made before still verifies.
    const refused = await db.execute(sql`update screenings set raised_categories = '{}' where reference = 'OLD-1'`).then(
      () => null,
      (e: Error & { cause?: Error }) => `${e.message} ${e.cause?.message ?? ''}`,
    );
    expect(refused).toMatch(/append-only/);
    expect(await verifyAuditLog(db)).toMatchObject({ ok: true, unsealed: 0, problems: [] });
  });
});
