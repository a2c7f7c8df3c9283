/** Sealing and verification: the chain holds, and a record changed behind the service's back is named. */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { recordRulesetActivation, verifyAuditLog } from '../../src/services/audit.js';
import { GENESIS_HASH, merkleRoot, Sealer, sealHash } from '../../src/services/sealer.js';
import { insertDisposition } from '../../src/store/dispositions-repo.js';
import { ScreeningWriter, type ScreeningRow } from '../../src/store/screenings-repo.js';
import { auditCommand } from '../../src/cli-audit.js';
import { onPostgres, screeningRow, testDb, type TestDb } from './factory.js';

async function superuser(t: TestDb, table: string, statement: string) {
  // What an operator with superuser rights could do: switch the append-only triggers off.
  const db = t.database.db;
  await db.execute(sql.raw(`alter table ${table} disable trigger user`));
  try {
    await db.execute(sql.raw(statement));
  } finally {
    await db.execute(sql.raw(`alter table ${table} enable trigger user`));
  }
}

describe('audit seal', () => {
  let t: TestDb;
  let rows: ScreeningRow[];
  beforeEach(async () => {
    t = await testDb();
    const writer = new ScreeningWriter(t.database.db);
    rows = Array.from({ length: 25 }, (_, i) => screeningRow({ reference: `SO-${i}` }));
    await Promise.all(rows.map((r) => writer.insert(r)));
    await insertDisposition(t.database.db, { id: randomUUID(), screeningId: rows[3]!.id, action: 'escalated', justification: 'buyer HQ in CN', apiKeyId: 'key-1', createdAt: new Date().toISOString() });
    await recordRulesetActivation(t.database.db, { version: '2026.11.0', hash: 'sha256:4f2a', sources: ['rules/chips.yaml'] });
  });
  afterEach(() => t.close());

  it('seals every record once, in batches chained by hash, and verifies', async () => {
    const sealer = new Sealer(t.database.db, { maxRecordsPerSeal: 10 });
    const run = await sealer.sealNow();
    expect(run.busy).toBe(false);
    expect(run.seals.map((s) => s.recordCount)).toEqual([10, 10, 7]);
    expect(run.seals[0]!.fromSeq).toBe(0);
    expect(run.seals[1]!.fromSeq).toBe(run.seals[0]!.toSeq);
    expect((await sealer.sealNow()).seals).toEqual([]); // nothing new: no empty seal

    const report = await verifyAuditLog(t.database.db);
    expect(report).toMatchObject({ ok: true, checked: 27, firstBroken: null, sealedThrough: run.sealedThrough, seals: 3, unsealed: 0, problems: [] });

    await new ScreeningWriter(t.database.db).insert(screeningRow());
    expect((await verifyAuditLog(t.database.db)).unsealed).toBe(1);
    expect((await sealer.sealNow()).seals).toHaveLength(1);
    expect(await verifyAuditLog(t.database.db)).toMatchObject({ ok: true, checked: 28, unsealed: 0 });
  });

  it('computes the seal hash over prev_hash, root, range and count', () => {
    expect(merkleRoot([Buffer.alloc(32, 1)])).toBe('01'.repeat(32));
    const h = sealHash({ prevHash: GENESIS_HASH, merkleRoot: 'ab'.repeat(32), fromSeq: 0, toSeq: 5, recordCount: 5 });
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(h).not.toBe(sealHash({ prevHash: GENESIS_HASH, merkleRoot: 'ab'.repeat(32), fromSeq: 0, toSeq: 6, recordCount: 5 }));
  });

  it('names the one screening altered with the triggers disabled', async () => {
    await new Sealer(t.database.db, { maxRecordsPerSeal: 10 }).sealNow();
    const victim = rows[17]!;
    await superuser(t, 'screenings', `update screenings set decision = 'CLEAR' where id = '${victim.id}'`);
    const report = await verifyAuditLog(t.database.db);
    expect(report.ok).toBe(false);
    expect(report.firstBroken?.id).toBe(victim.id);
    expect(report.firstBroken?.reason).toMatch(/altered/);
    expect(report.problems).toHaveLength(1);
  });

  it('names a screening whose raised categories were changed to hide it from the category filter', async () => {
    // raised_categories is outside the canonical form (derived from the sealed result); verify recomputes it.
    const db = t.database.db;
    const flagged = screeningRow({ reference: 'SO-FLAGGED', decision: 'BLOCK', flags: [{ ruleId: 'LIST-EL', category: 'party' }, { ruleId: 'LIST-CLEAR', category: 'party', severity: 'info', decision: 'CLEAR' }] });
    await new ScreeningWriter(db).insert(flagged);
    expect(flagged.raisedCategories).toEqual(['party']);
    await new Sealer(db).sealNow();
    expect((await verifyAuditLog(db)).ok).toBe(true);

    await superuser(t, 'screenings', `update screenings set raised_categories = '{}' where id = '${flagged.id}'`);
    const report = await verifyAuditLog(db);
    expect(report.ok).toBe(false);
    expect(report.problems).toHaveLength(1);
    expect(report.firstBroken).toEqual({ id: flagged.id, reason: expect.stringMatching(/raised_categories no longer match its sealed result/) });

    // Put back as derived, and adding a category the result does not raise is caught too.
    await superuser(t, 'screenings', `update screenings set raised_categories = '{party}' where id = '${flagged.id}'`);
    expect((await verifyAuditLog(db)).ok).toBe(true);
    await superuser(t, 'screenings', `update screenings set raised_categories = '{party,route}' where id = '${flagged.id}'`);
    expect((await verifyAuditLog(db)).problems.map((p) => p.id)).toEqual([flagged.id]);
  });

  it.runIf(onPostgres)('chokepoint audit verify exits 1 and names the altered record', async () => {
    await new Sealer(t.database.db).sealNow();
    vi.stubEnv('DATABASE_URL', t.url!);
    const out: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((s: string) => void out.push(s));
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(await auditCommand(['verify'])).toBe(0);
      await superuser(t, 'screenings', `update screenings set reference = 'SO-EDITED' where id = '${rows[11]!.id}'`);
      expect(await auditCommand(['verify'])).toBe(1);
      expect(JSON.parse(out.at(-1)!).firstBroken.id).toBe(rows[11]!.id);
    } finally {
      log.mockRestore();
      err.mockRestore();
      vi.unstubAllEnvs();
    }
  });

  it('names a tampered jsonb field and a timestamp moved by a millisecond', async () => {
    await new Sealer(t.database.db).sealNow();
    await superuser(t, 'screenings', `update screenings set result = jsonb_set(result::jsonb, '{riskScore}', '0') where id = '${rows[2]!.id}'`);
    await superuser(t, 'screenings', `update screenings set created_at = created_at + interval '1 millisecond' where id = '${rows[9]!.id}'`);
    const report = await verifyAuditLog(t.database.db);
    expect(report.problems.map((p) => p.id).sort()).toEqual([rows[2]!.id, rows[9]!.id].sort());
  });

  it('reports a removed and an added record in a sealed range', async () => {
    const db = t.database.db;
    // A rolled-back writer leaves a gap in seq; a forged record could later be slipped into it.
    const [gap] = ((await db.execute(sql`select nextval('audit_seq')::int as seq`)) as unknown as { rows: Array<{ seq: number }> }).rows;
    await new ScreeningWriter(db).insert(screeningRow());
    await new Sealer(db).sealNow();
    const removed = rows[5]!;
    await superuser(t, 'screenings', `delete from screenings where id = '${removed.id}'`);
    const forged = screeningRow({ reference: 'BACKDATED' });
    await db.execute(sql`insert into screenings (id, seq, reference, created_at, ship_date, decision, risk_score, destination, countries,
      rule_ids, flag_categories, raised_categories, party_names, chip_models, eccns, ruleset_version, ruleset_hash, request, result, request_hash)
      select ${forged.id}, ${gap!.seq}, 'BACKDATED', created_at, ship_date, 'CLEAR', 0, destination, countries, rule_ids, flag_categories,
      raised_categories, party_names, chip_models, eccns, ruleset_version, ruleset_hash, request, result, request_hash from screenings where id = ${rows[0]!.id}`);
    const report = await verifyAuditLog(db);
    expect(report.ok).toBe(false);
    const byId = new Map(report.problems.map((p) => [p.id, p.reason]));
    expect(byId.get(removed.id)).toMatch(/removed/);
    expect(byId.get(forged.id)).toMatch(/added/);
    expect(report.problems).toHaveLength(2);
  });

  it('finds a rewritten seal and a broken link', async () => {
    await new Sealer(t.database.db, { maxRecordsPerSeal: 10 }).sealNow();
    await superuser(t, 'audit_seals', `update audit_seals set merkle_root = repeat('0', 64) where seal_no = 2`);
    const report = await verifyAuditLog(t.database.db);
    expect(report.ok).toBe(false);
    expect(report.firstBroken?.id).toBe('seal:2');
  });
});
