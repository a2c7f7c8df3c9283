/**
 * Migration 0015 stores a screening's request and result as json (the text written) instead of
 * jsonb. Records written and sealed before it must keep their leaf hash — the canonical form
 * renders jsonb normalised and json as stored, and the migration stores each value as its
 * normalised text — so every seal made before the migration still verifies after it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../../src/services/audit.js';
import { Sealer } from '../../src/services/sealer.js';
import { readAuditLeaves, useCanonicalSession } from '../../src/store/audit-repo.js';
import { MIGRATIONS_DIR } from '../../src/store/db.js';
import { findScreening, ScreeningWriter } from '../../src/store/screenings-repo.js';
import { screeningRow, testDb, type TestDb } from './factory.js';

const MIGRATION = path.join(MIGRATIONS_DIR, '0015_json_audit_payloads.sql');

async function columnTypes(t: TestDb): Promise<string[]> {
  const res = (await t.database.db.execute(
    sql`select data_type from information_schema.columns where table_name = 'screenings' and column_name in ('request', 'result') order by column_name`,
  )) as unknown as { rows: Array<{ data_type: string }> };
  return res.rows.map((r) => r.data_type);
}

async function leaves(t: TestDb) {
  return t.database.db.transaction(async (tx) => {
    await useCanonicalSession(tx);
    return (await readAuditLeaves(tx, 0, 1_000_000, 1_000)).leaves;
  });
}

describe('migration 0015: request and result as json', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await testDb();
  });
  afterAll(() => t.close());

  it('keeps every stored record’s leaf, so seals made before it verify after it', async () => {
    expect(await columnTypes(t)).toEqual(['json', 'json']);
    // Back to the schema before 0015, to write and seal records as they were written then.
    await t.database.db.execute(
      sql.raw(`alter table screenings alter column request type jsonb using request::jsonb, alter column result type jsonb using result::jsonb`),
    );
    expect(await columnTypes(t)).toEqual(['jsonb', 'jsonb']);
    const writer = new ScreeningWriter(t.database.db);
    // Keys out of jsonb's order, numbers, escapes and non-Latin-1 text: what jsonb normalises.
    const rows = ['华为技术有限公司', 'ООО «Тест» "q" \\ →', 'Acme\tTab'].map((name, i) => {
      const row = screeningRow({ reference: `SO-MIG-${i}`, parties: [{ role: 'buyer', name, country: 'HK' }] });
      const result = { zeta: 1.5, alpha: [3, 2, 1], ...(row.result as Record<string, unknown>), note: `${name} → ${i}` };
      return { ...row, result, resultJson: JSON.stringify(result) };
    });
    for (const row of rows) await writer.insert(row);
    const sealed = await new Sealer(t.database.db, { maxRecordsPerSeal: 2 }).sealNow();
    expect(sealed.seals.length).toBeGreaterThan(0);
    const before = await leaves(t);

    for (const statement of readFileSync(MIGRATION, 'utf8').split('--> statement-breakpoint')) {
      await t.database.db.execute(sql.raw(statement));
    }
    expect(await columnTypes(t)).toEqual(['json', 'json']);
    expect(await leaves(t)).toEqual(before);
    expect(await verifyAuditLog(t.database.db)).toMatchObject({ ok: true, unsealed: 0, problems: [] });
    for (const row of rows) expect((await findScreening(t.database.db, row.id))?.result).toEqual(row.result);

    // Written after the migration: stored as sent, sealed and verified the same way.
    const after = screeningRow({ reference: 'SO-MIG-after', parties: [{ role: 'buyer', name: 'Zeta → Ltd', country: 'SG' }] });
    await writer.insert(after);
    await new Sealer(t.database.db).sealNow();
    expect(await verifyAuditLog(t.database.db)).toMatchObject({ ok: true, unsealed: 0, problems: [] });
    expect((await findScreening(t.database.db, after.id))?.request).toEqual(after.request);
  });
});
