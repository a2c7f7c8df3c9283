/**
 * Several replicas write while sealers run: every record ends up in exactly one seal, the chain
 * verifies, and an idempotent retry never becomes a second record.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../../src/services/audit.js';
import { Sealer } from '../../src/services/sealer.js';
import { insertDisposition } from '../../src/store/dispositions-repo.js';
import { listSeals } from '../../src/store/audit-repo.js';
import { ScreeningWriter } from '../../src/store/screenings-repo.js';
import { screeningRow, testDb, type TestDb } from './factory.js';

describe('concurrent writers and sealers', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await testDb();
  });
  afterAll(() => t.close());

  it('keeps the chain valid while three connections insert and two sealers race', async () => {
    const replicas = await Promise.all([t.connect(), t.connect(), t.connect()]);
    const sealers = [new Sealer((await t.connect()).db, { maxRecordsPerSeal: 50 }), new Sealer((await t.connect()).db, { maxRecordsPerSeal: 50 })];
    let writing = true;
    const sealing = sealers.map(async (s) => {
      let runs = 0;
      while (writing) {
        await s.sealNow();
        runs++;
        await new Promise((r) => setTimeout(r, 5));
      }
      return runs;
    });
    const perReplica = 60;
    await Promise.all(
      replicas.map(async (r, i) => {
        const writer = new ScreeningWriter(r.db, 8);
        for (let n = 0; n < perReplica; n += 6) {
          const batch = Array.from({ length: 6 }, (_, k) => screeningRow({ reference: `R${i}-${n + k}` }));
          const stored = await Promise.all(batch.map((b) => writer.insert(b)));
          await insertDisposition(r.db, { id: randomUUID(), screeningId: stored[0]!.row.id, action: 'cleared', justification: 'ok', apiKeyId: null, createdAt: new Date().toISOString() });
        }
      }),
    );
    writing = false;
    expect((await Promise.all(sealing)).every((n) => n > 0)).toBe(true);
    await sealers[0]!.sealNow();

    const expected = replicas.length * (perReplica + perReplica / 6);
    const report = await verifyAuditLog(t.database.db);
    expect(report).toMatchObject({ ok: true, checked: expected, unsealed: 0, problems: [] });
    const seals = await listSeals(t.database.db, 0, 10_000);
    expect(seals.reduce((n, s) => n + s.recordCount, 0)).toBe(expected);
    expect(seals.length).toBeGreaterThan(1);
  });

  it('stores one record for an idempotent retry, sequential or concurrent', async () => {
    const [a, b] = [await t.connect(), await t.connect()];
    const row = screeningRow({ apiKeyId: 'key-erp', idempotencyKey: 'SO-77-attempt' });
    const retries = [new ScreeningWriter(a.db).insert(row), new ScreeningWriter(b.db).insert({ ...row, id: randomUUID() }), new ScreeningWriter(a.db).insert({ ...row, id: randomUUID() })];
    const outcomes = await Promise.all(retries);
    const ids = new Set(outcomes.map((o) => o.row.id));
    expect(ids.size).toBe(1);
    expect(outcomes.filter((o) => o.kind === 'inserted')).toHaveLength(1);
    const again = await new ScreeningWriter(b.db).insert({ ...row, id: randomUUID() });
    expect(again).toMatchObject({ kind: 'existing', row: { id: [...ids][0] } });

    const before = (await verifyAuditLog(t.database.db)).checked + (await verifyAuditLog(t.database.db)).unsealed;
    await new Sealer(t.database.db).sealNow();
    const report = await verifyAuditLog(t.database.db);
    expect(report.ok).toBe(true);
    expect(report.checked).toBe(before);
  });
});
