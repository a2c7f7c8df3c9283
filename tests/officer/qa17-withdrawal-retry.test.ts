/**
 * QA 17: a suppression withdrawal or a licence revocation sent again by the same key with the same words (an ERP
 * retry whose answer was lost) is answered with what the first recorded (200), one audit event — not a 409 telling
 * the client its own withdrawal failed. Another key's, or other words, stay a 409 saying who did it and when.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { listEntry, mutableListLoader } from '../helpers/lists.js';

const ENTRY = listEntry('el-100', 'Bright Harbour Trading Company Limited', { countries: ['GB'], addresses: ['London, GB'] });
const party = (name: string) => [
  { role: 'ultimate_consignee', name, country: 'VN' },
  { role: 'end_user', name, country: 'VN' },
];

describe('QA 17: withdrawals and revocations sent again', () => {
  let t: KeyedTestApp;
  const lists = mutableListLoader([ENTRY]);
  beforeAll(async () => {
    t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: lists.load, sealIntervalMs: 0 });
  });
  afterAll(async () => t?.close());

  const post = (url: string, key: string, payload: unknown) => t.app.inject({ method: 'POST', url, headers: bearer(key), payload: payload as object });
  const count = async (type: string, like: string) =>
    ((await t.app.database.db.execute(sql`select count(*)::int as n from audit_events where type = ${type} and payload::text like ${`%${like}%`}`)) as unknown as { rows: Array<{ n: number }> }).rows[0]!.n;

  it('a withdrawal sent again by the same key with the same justification answers the withdrawal recorded (200)', async () => {
    const expiresAt = new Date(Date.now() + 90 * 86_400_000).toISOString();
    const s = (await post('/v1/suppressions', t.keys.reviewer.key, { name: 'Bright Harbour Trading Co., Ltd.', country: 'GB', entryId: 'el-100', justification: 'Companies House 01234567', expiresAt })).json();
    const body = { justification: 'Ownership changed; review again' };
    const first = await post(`/v1/suppressions/${s.id}/withdrawal`, t.keys.reviewer.key, body);
    const retry = await post(`/v1/suppressions/${s.id}/withdrawal`, t.keys.reviewer.key, body);
    expect([first.statusCode, retry.statusCode], retry.body).toEqual([200, 200]);
    expect(retry.json()).toEqual(first.json());
    expect(await count('suppression.withdrawn', s.id)).toBe(1);

    const other = await post(`/v1/suppressions/${s.id}/withdrawal`, t.keys.reviewer.key, { justification: 'something else' });
    expect(other.statusCode).toBe(409);
    expect(other.json().detail).toMatch(/already withdrawn by .+ at \d{4}-\d\d-\d\dT.*with another justification/);
    const byAdmin = await post(`/v1/suppressions/${s.id}/withdrawal`, t.keys.admin.key, body);
    expect(byAdmin.statusCode).toBe(409);
    expect(await count('suppression.withdrawn', s.id)).toBe(1);
  });

  it('a revocation sent again by the same key with the same reason answers the licence as revoked (200); another reason is a 409', async () => {
    const licence = (
      await post('/v1/licences', t.keys.reviewer.key, {
        number: 'D1720001', eccns: ['3A090'], destination: 'VN', parties: party('Hanoi Compute JSC'), quantity: 40, validFrom: '2026-01-01', validTo: '2099-12-31',
      })
    ).json();
    const first = await post(`/v1/licences/${licence.id}/revoke`, t.keys.reviewer.key, { reason: 'BIS letter 2026-17' });
    const retry = await post(`/v1/licences/${licence.id}/revoke`, t.keys.reviewer.key, { reason: 'BIS letter 2026-17' });
    expect([first.statusCode, retry.statusCode], retry.body).toEqual([200, 200]);
    expect(retry.json()).toEqual(first.json());
    expect(retry.json()).toMatchObject({ status: 'revoked', version: 2 });
    expect(await count('licence.revoked', licence.id)).toBe(1);
    expect((await post(`/v1/licences/${licence.id}/revoke`, t.keys.reviewer.key, { reason: 'another reason' })).statusCode).toBe(409);
    expect((await post(`/v1/licences/${licence.id}/revoke`, t.keys.admin.key, { reason: 'BIS letter 2026-17' })).statusCode).toBe(409);
    expect(await count('licence.revoked', licence.id)).toBe(1);
  });
});
