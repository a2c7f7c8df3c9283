/** The database itself refuses to change or remove audit records, whoever asks through SQL. */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAuditEvent } from '../../src/store/audit-events-repo.js';
import { insertDisposition } from '../../src/store/dispositions-repo.js';
import { ScreeningWriter } from '../../src/store/screenings-repo.js';
import { Sealer } from '../../src/services/sealer.js';
import { screeningRow, testDb, type TestDb } from './factory.js';

describe('append-only audit tables', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await testDb();
    const db = t.database.db;
    const row = screeningRow();
    await new ScreeningWriter(db).insert(row);
    await insertDisposition(db, { id: randomUUID(), screeningId: row.id, action: 'cleared', justification: 'licence on file', apiKeyId: null, createdAt: new Date().toISOString() });
    await db.transaction((tx) => recordAuditEvent(tx as never, { type: 'ruleset.activated', payload: { version: 'v1' }, apiKeyId: null }));
    await new Sealer(db).sealNow();
  });
  afterAll(() => t.close());

  const cases = [
    ['screenings', `update screenings set decision = 'CLEAR'`],
    ['screenings', `delete from screenings`],
    ['dispositions', `update dispositions set action = 'blocked'`],
    ['dispositions', `delete from dispositions`],
    ['dispositions', `truncate dispositions`],
    ['audit_events', `update audit_events set type = 'x'`],
    ['audit_events', `delete from audit_events`],
    ['audit_events', `truncate audit_events`],
    ['audit_seals', `update audit_seals set merkle_root = 'x'`],
    ['audit_seals', `delete from audit_seals`],
    ['audit_seal_manifests', `update audit_seal_manifests set entries = ''`],
    ['audit_seal_manifests', `delete from audit_seal_manifests`],
  ] as const;

  it.each(cases)('%s: %s is refused', async (table, statement) => {
    const err = await t.database.db.execute(sql.raw(statement)).then(
      () => null,
      (e: unknown) => e as Error & { cause?: { message?: string } },
    );
    expect(err).not.toBeNull();
    expect(`${err?.message} ${err?.cause?.message ?? ''}`).toMatch(new RegExp(`${table} is append-only`));
  });

  it('refuses TRUNCATE of screenings (its dispositions reference it; the trigger stands behind that)', async () => {
    await expect(t.database.db.execute(sql`truncate screenings cascade`)).rejects.toThrow();
    const [r] = ((await t.database.db.execute(sql`select count(*)::int as n from screenings`)) as unknown as { rows: Array<{ n: number }> }).rows;
    expect(r?.n).toBe(1);
  });

  it('still accepts new records', async () => {
    await expect(new ScreeningWriter(t.database.db).insert(screeningRow())).resolves.toMatchObject({ kind: 'inserted' });
  });
});
