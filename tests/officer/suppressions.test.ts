/**
 * Reviewed false positives stay reviewed (issue #9): a reviewer records that a party is not a list
 * entry; later screenings show the candidate as suppressed (who, when, why) instead of flagging it,
 * until the entry changes, the record expires or is withdrawn. Auditors list every record.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, makeKeyedApp, TEST_ADMIN_KEY, type KeyedTestApp } from '../helpers/keys.js';
import { listEntry, mutableListLoader } from '../helpers/lists.js';
import { screen } from '../../src/engine/index.js';
import { entryContentHash, partyNameKey } from '../../src/engine/suppressions.js';
import { normaliseShipment } from '../../src/rules/index.js';

const ENTRY = listEntry('el-100', 'Bright Harbour Trading Company Limited', { countries: ['GB'], addresses: ['London, GB'] });
const OTHER = listEntry('el-200', 'Northwind Quantum Systems', { countries: ['GB'] });

const shipment = (party: Record<string, unknown>, reference = 'SO-1') => ({
  reference,
  shipDate: '2030-01-15',
  items: [{ model: 'NVIDIA H100 SXM5 80GB', quantity: 8 }],
  parties: [{ role: 'buyer', ...party }],
  route: { origin: 'US', destination: 'GB' },
  endUse: 'research',
});
const BRIGHT = { name: 'Bright Harbour Trading Co., Ltd.', country: 'GB' };

describe('reviewed false positives (suppressions)', () => {
  let t: KeyedTestApp;
  const lists = mutableListLoader([ENTRY, OTHER]);
  const post = (url: string, key: string, payload: unknown) => t.app.inject({ method: 'POST', url, headers: bearer(key), payload: payload as object });
  const get = (url: string, key: string) => t.app.inject({ method: 'GET', url, headers: bearer(key) });
  const screenIt = async (body: unknown) => {
    const res = await post('/v1/screenings', t.keys.submitter.key, body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  };
  const elFlags = (r: { flags: Array<{ ruleId: string; evidence: { entryId?: string } }> }) => r.flags.filter((f) => f.ruleId === 'LIST-EL');
  const expiresAt = new Date(Date.now() + 90 * 86_400_000).toISOString();
  let suppressionId: string;

  beforeAll(async () => {
    t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: lists.load, sealIntervalMs: 0 });
  });
  afterAll(async () => t?.close());

  it('the party is flagged before any review', async () => {
    const r = await screenIt(shipment(BRIGHT));
    expect(r.decision).toBe('LICENSE_REQUIRED');
    expect(elFlags(r).map((f) => f.evidence.entryId)).toEqual(['el-100']);
    expect(r.suppressed).toBeUndefined();
  });

  it('refuses a record that does not say who, which entry or until when — naming the field', async () => {
    const base = { name: BRIGHT.name, country: 'GB', entryId: 'el-100', justification: 'Different company', expiresAt };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...base, country: undefined }, '/country'],
      [{ ...base, country: 'Atlantis' }, '/country'],
      [{ ...base, entryId: 'no-such-entry' }, '/entryId'],
      [{ ...base, expiresAt: '2020-01-01T00:00:00Z' }, '/expiresAt'],
      [{ ...base, expiresAt: new Date(Date.now() + 800 * 86_400_000).toISOString() }, '/expiresAt'],
      [{ ...base, justification: '   ' }, '/justification'],
      [{ ...base, name: '!!!' }, '/name'],
    ];
    for (const [body, field] of cases) {
      const res = await post('/v1/suppressions', t.keys.reviewer.key, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    expect((await get('/v1/suppressions', t.keys.auditor.key)).json().items).toEqual([]);
  });

  it('a submitter may not record one, nor list them', async () => {
    const res = await post('/v1/suppressions', t.keys.submitter.key, { ...BRIGHT, entryId: 'el-100', justification: 'x', expiresAt });
    expect(res.statusCode).toBe(403);
    expect((await get('/v1/suppressions', t.keys.submitter.key)).statusCode).toBe(403);
  });

  it('a reviewer records one; later screenings show the candidate as suppressed, not flagged', async () => {
    const res = await post('/v1/suppressions', t.keys.reviewer.key, {
      name: 'BRIGHT HARBOUR TRADING CO LTD', country: 'United Kingdom', entryId: 'el-100', justification: 'Companies House 01234567; not the listed HK firm', expiresAt,
    });
    expect(res.statusCode, res.body).toBe(201);
    const s = res.json();
    suppressionId = s.id;
    expect(s).toMatchObject({ state: 'active', country: 'GB', nameKey: partyNameKey('Bright Harbour Trading Co., Ltd.'), by: t.keys.reviewer.id, withdrawal: null });
    expect(s.entry).toEqual({ id: 'el-100', list: 'EL', name: ENTRY.name, hash: entryContentHash(ENTRY) });

    const r = await screenIt(shipment(BRIGHT, 'SO-2'));
    expect(elFlags(r)).toEqual([]);
    expect(r.decision).not.toBe('LICENSE_REQUIRED');
    expect(r.suppressed).toEqual([
      {
        subject: 'parties[0]', entryId: 'el-100', list: 'EL', applied: true,
        suppression: expect.objectContaining({ id: suppressionId, by: t.keys.reviewer.id, justification: 'Companies House 01234567; not the listed HK firm', expiresAt: s.expiresAt, at: s.at }),
      },
    ]);
    expect(r.parties[0].matches[0]).toMatchObject({ entryId: 'el-100', suppressedBy: suppressionId });
  });

  it('a batch line naming that party is screened with the record too, as a single screening is', async () => {
    const lines = [shipment(BRIGHT, 'SO-B1'), shipment({ name: 'Northwind Quantum Systems', country: 'GB' }, 'SO-B2')].map((s) => JSON.stringify(s)).join('\n');
    const res = await t.app.inject({ method: 'POST', url: '/v1/batches', headers: { ...bearer(t.keys.submitter.key), 'content-type': 'application/x-ndjson' }, payload: lines });
    expect(res.statusCode, res.body).toBe(202);
    const id = res.json().id as string;
    let batch: { state: string } = { state: 'running' };
    for (let i = 0; i < 300 && !['completed', 'failed', 'cancelled'].includes(batch.state); i++) {
      await new Promise((r) => setTimeout(r, 100));
      batch = (await get(`/v1/batches/${id}`, t.keys.submitter.key)).json();
    }
    expect(batch.state).toBe('completed');
    const stored = await t.app.database.db.execute(sql`select s.reference, s.decision, s.result from batch_results r join screenings s on s.id = r.screening_id where r.batch_id = ${id} order by r.line_no`);
    const rows = ((stored as unknown as { rows?: unknown[] }).rows ?? stored) as Array<{ reference: string; decision: string; result: { suppressed?: Array<{ entryId: string; suppression: { id: string } }>; flags: Array<{ ruleId: string; evidence: { entryId?: string } }> } }>;
    expect(rows.map((r) => r.reference)).toEqual(['SO-B1', 'SO-B2']);
    // The reviewed party: suppressed, not flagged — the decision a single screening gives (SO-2 above).
    const single = await screenIt(shipment(BRIGHT, 'SO-B1-single'));
    expect(elFlags(rows[0]!.result)).toEqual([]);
    expect(rows[0]!.decision).toBe(single.decision);
    expect(rows[0]!.result.suppressed?.map((s) => [s.entryId, s.suppression.id])).toEqual([['el-100', suppressionId]]);
    // Another listed party on the same batch is still flagged.
    expect(elFlags(rows[1]!.result).map((f) => f.evidence.entryId)).toEqual(['el-200']);
  });

  it('covers only that party: the same name in another country is still flagged, and other entries too', async () => {
    const elsewhere = await screenIt({ ...shipment({ name: BRIGHT.name, country: 'HK' }, 'SO-3'), route: { origin: 'US', destination: 'GB' } });
    expect(elFlags(elsewhere).map((f) => f.evidence.entryId)).toEqual(['el-100']);
    const other = await screenIt(shipment({ name: 'Northwind Quantum Systems', country: 'GB' }, 'SO-4'));
    expect(elFlags(other).map((f) => f.evidence.entryId)).toEqual(['el-200']);
  });

  it('names a party by the ERP party id', async () => {
    const before = await screenIt(shipment({ name: 'Northwind Quantum Systems Ltd', country: 'GB', partyId: 'C-777' }, 'SO-5'));
    expect(elFlags(before)).toHaveLength(1);
    const res = await post('/v1/suppressions', t.keys.admin.key, { partyId: 'C-777', entryId: 'el-200', justification: 'Vendor master checked', expiresAt });
    expect(res.statusCode, res.body).toBe(201);
    const after = await screenIt(shipment({ name: 'Northwind Quantum Systems Ltd', country: 'GB', partyId: 'C-777' }, 'SO-6'));
    expect(elFlags(after)).toEqual([]);
    expect(after.suppressed[0]).toMatchObject({ applied: true, suppression: { id: res.json().id, partyId: 'C-777' } });
    // Another party id with the same name is not covered.
    const another = await screenIt(shipment({ name: 'Northwind Quantum Systems Ltd', country: 'GB', partyId: 'C-778' }, 'SO-7'));
    expect(elFlags(another)).toHaveLength(1);
  });

  it('replaying a suppressed screening gives the identical result', async () => {
    const r = await screenIt(shipment(BRIGHT, 'SO-8'));
    const replay = await post(`/v1/screenings/${r.id}/replay`, t.keys.reviewer.key, undefined);
    expect(replay.statusCode, replay.body).toBe(200);
    expect(replay.json()).toMatchObject({ sameRuleset: true, identical: true });
  });

  it('falls away when the list entry is amended: the candidate is flagged again and the record reported as lapsed', async () => {
    lists.state.entries = [{ ...ENTRY, altNames: ['Bright Harbour HK'] }, OTHER];
    expect((await post('/v1/rules/reload', TEST_ADMIN_KEY, undefined)).statusCode).toBe(200);
    const r = await screenIt(shipment(BRIGHT, 'SO-9'));
    expect(elFlags(r).map((f) => f.evidence.entryId)).toEqual(['el-100']);
    expect(r.decision).toBe('LICENSE_REQUIRED');
    expect(r.suppressed).toEqual([expect.objectContaining({ entryId: 'el-100', applied: false, reason: expect.stringMatching(/entry changed/) })]);
    expect(r.parties[0].matches[0].suppressedBy).toBeUndefined();
    lists.state.entries = [ENTRY, OTHER];
    expect((await post('/v1/rules/reload', TEST_ADMIN_KEY, undefined)).statusCode).toBe(200);
    expect(elFlags(await screenIt(shipment(BRIGHT, 'SO-10')))).toEqual([]);
  });

  it('a withdrawal is a new record: the candidate is flagged again, the original stays listed', async () => {
    const res = await post(`/v1/suppressions/${suppressionId}/withdrawal`, t.keys.reviewer.key, { justification: 'Ownership changed; review again' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ state: 'withdrawn', withdrawal: { by: t.keys.reviewer.id, justification: 'Ownership changed; review again' } });
    expect((await post(`/v1/suppressions/${suppressionId}/withdrawal`, t.keys.reviewer.key, { justification: 'again' })).statusCode).toBe(409);
    expect((await post(`/v1/suppressions/00000000-0000-4000-8000-000000000000/withdrawal`, t.keys.reviewer.key, { justification: 'x' })).statusCode).toBe(404);
    expect(elFlags(await screenIt(shipment(BRIGHT, 'SO-11')))).toHaveLength(1);
  });

  it('an auditor lists every record, pages through them, and reads one', async () => {
    const all = (await get('/v1/suppressions', t.keys.auditor.key)).json();
    expect(all.items.map((s: { state: string }) => s.state).sort()).toEqual(['active', 'withdrawn']);
    const page1 = (await get('/v1/suppressions?limit=1', t.keys.auditor.key)).json();
    expect(page1.items).toHaveLength(1);
    const page2 = (await get(`/v1/suppressions?limit=1&cursor=${page1.nextCursor}`, t.keys.auditor.key)).json();
    expect(page2.items).toHaveLength(1);
    expect(page2.nextCursor).toBeNull();
    expect(new Set([page1.items[0].id, page2.items[0].id]).size).toBe(2);
    expect((await get('/v1/suppressions?cursor=garbage', t.keys.auditor.key)).statusCode).toBe(400);
    const one = await get(`/v1/suppressions/${suppressionId}`, t.keys.auditor.key);
    expect(one.json()).toMatchObject({ id: suppressionId, state: 'withdrawn' });
    expect((await get('/v1/suppressions?entryId=el-200', t.keys.auditor.key)).json().items).toHaveLength(1);
  });

  it('is append-only in the database, and each change is a sealed audit event', async () => {
    const db = t.app.database.db;
    const failure = (q: Promise<unknown>) => q.then(() => 'no error', (e: Error & { cause?: Error }) => `${e.message} ${e.cause?.message ?? ''}`);
    expect(await failure(db.execute(sql`update party_suppressions set justification = 'x'`))).toMatch(/party_suppressions is append-only/);
    expect(await failure(db.execute(sql`delete from suppression_withdrawals`))).toMatch(/suppression_withdrawals is append-only/);
    const events = (await db.execute(sql`select type from audit_events where type like 'suppression.%' order by seq`)) as unknown as { rows: Array<{ type: string }> };
    expect(events.rows.map((r) => r.type)).toEqual(['suppression.created', 'suppression.created', 'suppression.withdrawn']);
  });

  it('the engine ignores an expired record (it reads the date it is given, not the clock)', async () => {
    const rs = await lists.load();
    const n = normaliseShipment(shipment(BRIGHT) as never, rs, '2030-01-01');
    if (!n.ok) throw new Error('fixture does not normalise');
    const record = {
      id: 's1', partyId: null, partyNameKey: partyNameKey(BRIGHT.name), partyCountry: 'GB', entryId: 'el-100', entryHash: entryContentHash(ENTRY),
      justification: 'x', by: null, at: '2029-01-01T00:00:00.000Z', expiresAt: '2030-01-01T00:00:00.000Z',
    };
    const before = screen(n.shipment, rs, { now: '2029-12-31T23:59:59.000Z', suppressions: [record] });
    const after = screen(n.shipment, rs, { now: '2030-01-01T00:00:00.000Z', suppressions: [record] });
    expect(before.flags.some((f) => f.ruleId === 'LIST-EL')).toBe(false);
    expect(after.flags.some((f) => f.ruleId === 'LIST-EL')).toBe(true);
    expect(after.suppressed).toBeUndefined();
  });
});
