/**
 * QA 18, licence creation: POST /v1/licences takes an Idempotency-Key with the contract POST /v1/screenings has —
 * the same key (of the same API key) and the same terms replay the licence it recorded (201,
 * `Idempotent-Replayed: true`), the same key with other terms is a 409, another API key's same key is its own —
 * and the retry recognised by its terms alone still works. Licence numbers are identifiers: another letter case
 * is the same number (never "other terms"), on record, in retries, amendments and a shipment's claim; the
 * number is shown as first entered.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';

const party = (name: string) => [
  { role: 'ultimate_consignee', name, country: 'VN' },
  { role: 'end_user', name, country: 'VN' },
];
const terms = (number: string, name: string, over: Record<string, unknown> = {}) => ({
  number, eccns: ['3A090'], destination: 'VN', parties: party(name),
  quantity: 40, valueUsd: 1_200_000, validFrom: '2026-01-01', validTo: '2099-12-31', ...over,
});
const shipment = (reference: string, name: string, permits: unknown[] = []) => ({
  reference, shipDate: '2098-12-15',
  items: [{ model: 'NVIDIA H100 SXM5 80GB', quantity: 8, unitPriceUsd: 30_000 }],
  parties: [
    { role: 'buyer', name, country: 'VN', businessType: 'cloud', website: 'compute.example', incorporatedOn: '2015-03-01' },
    ...party(name),
  ],
  route: { origin: 'US', destination: 'VN' },
  endUse: 'Cloud GPU instances for enterprise customers',
  ...(permits.length ? { permits } : {}),
});

describe('QA 18: licence creation under an Idempotency-Key; licence numbers in any letter case', () => {
  let t: KeyedTestApp;
  beforeAll(async () => {
    t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: rulesOnly, sealIntervalMs: 0 });
  });
  afterAll(async () => t?.close());

  const post = (url: string, key: string, payload: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url, headers: { ...bearer(key), ...headers }, payload: payload as object });
  const issued = async (like: string) => {
    const res = (await t.app.database.db.execute(sql`select count(*)::int as n from audit_events where type = 'licence.issued' and upper(payload::text) like ${`%${like.toUpperCase()}%`}`)) as unknown as {
      rows: Array<{ n: number }>;
    };
    return res.rows[0]!.n;
  };

  it('the same Idempotency-Key and terms replay the licence (201, Idempotent-Replayed); other terms under it are a 409', async () => {
    const key = { 'idempotency-key': 'ERP-LIC/4500012345/10' };
    const body = terms('D1810001', 'Ha Long Compute JSC');
    const first = await post('/v1/licences', t.keys.reviewer.key, body, key);
    expect(first.statusCode, first.body).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();

    const retry = await post('/v1/licences', t.keys.reviewer.key, body, key);
    expect(retry.statusCode, retry.body).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.json()).toEqual(first.json());

    // Same key, other terms — even another licence number, which the terms-based retry would have recorded: 409, nothing recorded.
    const other = await post('/v1/licences', t.keys.reviewer.key, terms('D1810002', 'Ha Long Compute JSC'), key);
    expect(other.statusCode, other.body).toBe(409);
    expect(other.json().detail).toMatch(/Idempotency-Key was already used with a different request body/);
    expect(other.json().detail).toContain('/number');
    const otherQuantity = await post('/v1/licences', t.keys.reviewer.key, { ...body, quantity: 41 }, key);
    expect(otherQuantity.statusCode, otherQuantity.body).toBe(409);
    expect(otherQuantity.json().detail).toContain('/quantity');
    expect(await issued('D1810001')).toBe(1);
    expect(await issued('D1810002')).toBe(0);

    // The key is the calling API key's: another key's same Idempotency-Key is its own (here: a new licence).
    const admin = await post('/v1/licences', t.keys.admin.key, terms('D1810003', 'Ha Long Compute JSC'), key);
    expect(admin.statusCode, admin.body).toBe(201);
    expect(admin.headers['idempotent-replayed']).toBeUndefined();
    expect(await issued('D1810003')).toBe(1);

    // Revoked since: a retry under the key is still that licence, as it stands.
    expect((await post(`/v1/licences/${first.json().id}/revoke`, t.keys.reviewer.key, { reason: 'BIS letter' })).statusCode).toBe(200);
    const late = await post('/v1/licences', t.keys.reviewer.key, body, key);
    expect(late.statusCode, late.body).toBe(201);
    expect(late.headers['idempotent-replayed']).toBe('true');
    expect(late.json()).toMatchObject({ id: first.json().id, status: 'revoked' });

    // A malformed key is refused as for screenings (400 naming the header), never stored.
    const bad = await post('/v1/licences', t.keys.reviewer.key, terms('D1810004', 'Ha Long Compute JSC'), { 'idempotency-key': 'a b' });
    expect(bad.statusCode, bad.body).toBe(400);
    expect(await issued('D1810004')).toBe(0);
  });

  it('two requests racing under one Idempotency-Key record one licence', async () => {
    const key = { 'idempotency-key': 'race-1' };
    const [a, b] = await Promise.all([
      post('/v1/licences', t.keys.reviewer.key, terms('D1810010', 'Quy Nhon Compute JSC'), key),
      post('/v1/licences', t.keys.reviewer.key, terms('D1810011', 'Quy Nhon Compute JSC'), key),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([201, 409]);
    expect((await issued('D1810010')) + (await issued('D1810011'))).toBe(1);
    const [c, d] = await Promise.all([
      post('/v1/licences', t.keys.reviewer.key, terms('D1810012', 'Quy Nhon Compute JSC'), { 'idempotency-key': 'race-2' }),
      post('/v1/licences', t.keys.reviewer.key, terms('D1810012', 'Quy Nhon Compute JSC'), { 'idempotency-key': 'race-2' }),
    ]);
    expect([c.statusCode, d.statusCode]).toEqual([201, 201]);
    expect(c.json().id).toBe(d.json().id);
    expect([c.headers['idempotent-replayed'], d.headers['idempotent-replayed']].filter(Boolean)).toEqual(['true']);
    expect(await issued('D1810012')).toBe(1);
  });

  it('a retry recognised by its terms (no key, or a fresh key) still replays, and claims the key for the licence it answers with', async () => {
    const body = terms('D1810020', 'Vung Tau Compute JSC');
    const first = await post('/v1/licences', t.keys.reviewer.key, body);
    expect(first.statusCode, first.body).toBe(201);
    const fresh = await post('/v1/licences', t.keys.reviewer.key, body, { 'idempotency-key': 'late-key' });
    expect(fresh.statusCode, fresh.body).toBe(201);
    expect(fresh.headers['idempotent-replayed']).toBe('true');
    expect(fresh.json().id).toBe(first.json().id);
    // The key now names that licence: other terms under it are a 409, not a 400 about the number.
    const other = await post('/v1/licences', t.keys.reviewer.key, terms('D1810021', 'Vung Tau Compute JSC'), { 'idempotency-key': 'late-key' });
    expect(other.statusCode, other.body).toBe(409);
    expect(await issued('D1810020')).toBe(1);
    expect(await issued('D1810021')).toBe(0);
  });

  it('a licence number in another letter case is the same number, not other terms', async () => {
    const body = terms('BIS-2026-001', 'Can Tho Compute JSC');
    const first = await post('/v1/licences', t.keys.reviewer.key, body);
    expect(first.statusCode, first.body).toBe(201);

    // The same terms sent again in lower case by the same key: the retry it is — replayed, shown as first entered.
    const lower = await post('/v1/licences', t.keys.reviewer.key, { ...body, number: 'bis-2026-001' });
    expect(lower.statusCode, lower.body).toBe(201);
    expect(lower.headers['idempotent-replayed']).toBe('true');
    expect(lower.json()).toMatchObject({ id: first.json().id, number: 'BIS-2026-001' });
    // Under an Idempotency-Key too: the key's retry in another case is the same body's.
    const keyed = await post('/v1/licences', t.keys.reviewer.key, terms('BIS-2026-002', 'Can Tho Compute JSC'), { 'idempotency-key': 'case-1' });
    expect(keyed.statusCode, keyed.body).toBe(201);
    const keyedLower = await post('/v1/licences', t.keys.reviewer.key, terms('bis-2026-002', 'Can Tho Compute JSC'), { 'idempotency-key': 'case-1' });
    expect(keyedLower.statusCode, keyedLower.body).toBe(201);
    expect(keyedLower.json()).toMatchObject({ id: keyed.json().id, number: 'BIS-2026-002' });

    // Other terms in another case: refused naming the terms that differ — the number's case is not one of them.
    const otherTerms = await post('/v1/licences', t.keys.reviewer.key, { ...body, number: 'Bis-2026-001', quantity: 50 });
    expect(otherTerms.statusCode, otherTerms.body).toBe(400);
    expect(otherTerms.json().detail).toMatch(/with other terms \(\/quantity\)/);
    // Another key: refused as recorded by another key, not as other terms.
    const byAdmin = await post('/v1/licences', t.keys.admin.key, { ...body, number: 'bis-2026-001' });
    expect(byAdmin.statusCode, byAdmin.body).toBe(400);
    expect(byAdmin.json().detail).toMatch(/recorded by another key/);
    expect(byAdmin.json().detail).not.toMatch(/other terms/);
    expect(await issued('BIS-2026-001')).toBe(1);

    // An amendment that only retypes the number's case changes nothing: no new version, the number as first entered.
    const amended = await post(`/v1/licences/${first.json().id}/amend`, t.keys.reviewer.key, { ...body, number: 'bis-2026-001' });
    expect(amended.statusCode, amended.body).toBe(200);
    expect(amended.json()).toMatchObject({ version: 1, number: 'BIS-2026-001' });

    // Listed and filtered in any case.
    const listed = (await t.app.inject({ method: 'GET', url: '/v1/licences?number=bIs-2026-001', headers: bearer(t.keys.auditor.key) })).json().items;
    expect(listed.map((l: { id: string }) => l.id)).toEqual([first.json().id]);

    // A shipment claiming it in lower case draws on it (src/engine/licences.ts compares numbers in any case).
    const screened = await post('/v1/screenings', t.keys.submitter.key, shipment('SO-QA18-CASE', 'Can Tho Compute JSC', [{ type: 'BIS_LICENCE', number: 'bis-2026-001' }]));
    expect(screened.statusCode, screened.body).toBe(201);
    expect(screened.json().authorisation).toMatchObject({ status: 'licence', licence: { id: first.json().id, number: 'BIS-2026-001' } });
    expect(screened.json().flags.map((f: { ruleId: string }) => f.ruleId)).not.toContain('LIC-CLAIM-UNKNOWN');
  });
});
