/**
 * QA 17, licences sent again: a retried POST /v1/licences (same body, same key — an ERP retry after a timeout) is
 * answered with the licence the first one recorded (201, `Idempotent-Replayed: true`), one audit event; other terms
 * under the same number stay a 400 naming /number and the terms that differ. An amendment that changes only the
 * reason is recorded (a new version, its audit event, no monitoring run); the same amendment sent again records once.
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

const shipment = (reference: string, name: string) => ({
  reference, shipDate: '2098-12-15',
  items: [{ model: 'NVIDIA H100 SXM5 80GB', quantity: 8, unitPriceUsd: 30_000 }],
  parties: [
    { role: 'buyer', name, country: 'VN', businessType: 'cloud', website: 'compute.example', incorporatedOn: '2015-03-01' },
    ...party(name),
  ],
  route: { origin: 'US', destination: 'VN' },
  endUse: 'Cloud GPU instances for enterprise customers',
});

describe('QA 17: licences sent again', () => {
  let t: KeyedTestApp;
  beforeAll(async () => {
    t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: rulesOnly, sealIntervalMs: 0 });
  });
  afterAll(async () => t?.close());

  const post = (url: string, key: string, payload: unknown) => t.app.inject({ method: 'POST', url, headers: bearer(key), payload: payload as object });
  const count = async (type: string, like: string) => {
    const res = (await t.app.database.db.execute(sql`select count(*)::int as n from audit_events where type = ${type} and payload::text like ${`%${like}%`}`)) as unknown as {
      rows: Array<{ n: number }>;
    };
    return res.rows[0]!.n;
  };
  const runs = async () => (await t.app.inject({ method: 'GET', url: '/v1/monitoring/runs', headers: bearer(t.keys.auditor.key) })).json().items.length as number;

  it('the same POST sent again by the same key answers the licence it recorded (201, Idempotent-Replayed), recording nothing', async () => {
    const body = terms('D1710001', 'Hai Phong Compute JSC');
    const first = await post('/v1/licences', t.keys.reviewer.key, body);
    expect(first.statusCode, first.body).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const retry = await post('/v1/licences', t.keys.reviewer.key, body);
    expect(retry.statusCode, retry.body).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.json()).toEqual(first.json());
    expect(await count('licence.issued', 'D1710001')).toBe(1);
    const listed = (await t.app.inject({ method: 'GET', url: '/v1/licences?number=D1710001', headers: bearer(t.keys.auditor.key) })).json().items;
    expect(listed).toHaveLength(1);
  });

  it('other terms under a number on record stay a 400 naming /number and what differs; the same terms from another key too', async () => {
    const body = terms('D1710002', 'Nha Trang Compute JSC');
    const first = (await post('/v1/licences', t.keys.reviewer.key, body)).json();
    const other = await post('/v1/licences', t.keys.reviewer.key, { ...body, quantity: 80, validTo: '2098-12-31' });
    expect(other.statusCode, other.body).toBe(400);
    expect(other.json().errors).toEqual([expect.objectContaining({ field: '/number' })]);
    expect(other.json().detail).toContain(first.id);
    expect(other.json().detail).toMatch(/other terms \(\/quantity, \/validTo\)/);
    const byAnother = await post('/v1/licences', t.keys.admin.key, body);
    expect(byAnother.statusCode, byAnother.body).toBe(400);
    expect(byAnother.json().detail).toMatch(/recorded by another key/);
    expect(await count('licence.issued', 'D1710002')).toBe(1);
  });

  it('after an amendment, the original POST sent again is not a replay of the amended licence: 400 naming what differs', async () => {
    const body = terms('D1710003', 'Vung Tau Compute JSC');
    const first = (await post('/v1/licences', t.keys.reviewer.key, body)).json();
    expect((await post(`/v1/licences/${first.id}/amend`, t.keys.reviewer.key, { ...body, quantity: 20, reason: 'BIS cut' })).statusCode).toBe(200);
    const late = await post('/v1/licences', t.keys.reviewer.key, body);
    expect(late.statusCode, late.body).toBe(400);
    expect(late.json().detail).toMatch(/\/quantity/);
  });

  it('an amendment changing only the reason is recorded (new version, one audit event, no monitoring run); sent again it records once', async () => {
    const name = 'Quy Nhon Compute JSC';
    const licence = (await post('/v1/licences', t.keys.reviewer.key, terms('D1710004', name))).json();
    const screened = (await post('/v1/screenings', t.keys.submitter.key, shipment('SO-QA17-REASON', name))).json();
    expect(screened.authorisation).toMatchObject({ status: 'licence' });
    await t.app.monitoring.idle();
    const runsAtStart = await runs();
    const amended = (await post(`/v1/licences/${licence.id}/amend`, t.keys.reviewer.key, { ...terms('D1710004', name, { quantity: 30 }), reason: 'BIS amendment 1' })).json();
    expect(amended).toMatchObject({ version: 2, quantity: 30 });
    await t.app.monitoring.idle();
    const runsBefore = await runs();
    // A change of terms re-screens what drew on the licence (one run) …
    expect(runsBefore).toBe(runsAtStart + 1);

    const corrected = { ...terms('D1710004', name, { quantity: 30 }), reason: 'BIS amendment 1 (letter ref. 2026-0042)' };
    const first = await post(`/v1/licences/${licence.id}/amend`, t.keys.reviewer.key, corrected);
    const retry = await post(`/v1/licences/${licence.id}/amend`, t.keys.reviewer.key, corrected);
    expect([first.statusCode, retry.statusCode]).toEqual([200, 200]);
    expect(retry.json()).toMatchObject({ version: 3, quantity: 30 });
    expect(retry.json().history.map((h: { action: string; reason: string | null }) => [h.action, h.reason])).toEqual([
      ['issued', null],
      ['amended', 'BIS amendment 1'],
      ['amended', 'BIS amendment 1 (letter ref. 2026-0042)'],
    ]);
    expect(await count('licence.amended', licence.id)).toBe(2);
    await t.app.monitoring.idle();
    // … a new reason alone re-screens nothing: the terms did not change.
    expect(await runs()).toBe(runsBefore);
    // The reason it already has, with surrounding space: nothing new.
    expect((await post(`/v1/licences/${licence.id}/amend`, t.keys.reviewer.key, { ...corrected, reason: ` ${corrected.reason} ` })).json()).toMatchObject({ version: 3 });
    expect(await count('licence.amended', licence.id)).toBe(2);
  });
});
