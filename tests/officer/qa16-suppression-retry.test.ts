/**
 * QA 16: a suppression POST sent again (its answer lost, a double click) answers the record the first made —
 * one record, one `suppression.created` audit event — also when both arrive at once; a different review of
 * the same party and entry is still its own record. A party name starting like a spreadsheet formula is
 * refused, as in a shipment.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { listEntry, mutableListLoader } from '../helpers/lists.js';

const ENTRY = listEntry('el-100', 'Bright Harbour Trading Company Limited', { countries: ['GB'], addresses: ['London, GB'] });

describe('QA 16: suppressions sent twice', () => {
  let t: KeyedTestApp;
  const lists = mutableListLoader([ENTRY]);
  beforeAll(async () => {
    t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: lists.load, sealIntervalMs: 0 });
  });
  afterAll(async () => t?.close());

  const post = (payload: unknown, key = t.keys.reviewer.key) => t.app.inject({ method: 'POST', url: '/v1/suppressions', headers: bearer(key), payload: payload as object });
  const created = async () =>
    ((await t.app.database.db.execute(sql`select count(*)::int as n from audit_events where type = 'suppression.created'`)) as unknown as { rows: Array<{ n: number }> }).rows[0]!.n;
  const expiresAt = new Date(Date.now() + 90 * 86_400_000).toISOString();
  const body = { name: 'Bright Harbour Trading Co., Ltd.', country: 'GB', entryId: 'el-100', justification: 'Companies House 01234567', expiresAt };

  it('a retry answers the first record; nothing new is stored', async () => {
    const first = await post(body);
    expect(first.statusCode, first.body).toBe(201);
    const retry = await post(body);
    expect(retry.statusCode).toBe(201);
    expect(retry.json().id).toBe(first.json().id);
    expect(retry.headers.location).toBe(`/v1/suppressions/${first.json().id}`);
    expect((await t.app.inject({ method: 'GET', url: '/v1/suppressions', headers: bearer(t.keys.auditor.key) })).json().items).toHaveLength(1);
    expect(await created()).toBe(1);
  });

  it('two sendings at once store one', async () => {
    const twice = { ...body, partyId: 'C-100234', name: undefined, country: undefined };
    const [a, b] = await Promise.all([post(twice), post(twice)]);
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    expect(a.json().id).toBe(b.json().id);
    expect(await created()).toBe(2);
  });

  it('another review (other justification, expiry or reviewer), or one after a withdrawal, is a record of its own', async () => {
    const before = await created();
    expect((await post({ ...body, justification: 'Re-checked: Companies House 01234567' })).statusCode).toBe(201);
    expect((await post(body, t.keys.admin.key)).statusCode).toBe(201);
    const first = (await post(body)).json();
    expect((await t.app.inject({ method: 'POST', url: `/v1/suppressions/${first.id}/withdrawal`, headers: bearer(t.keys.reviewer.key), payload: { justification: 'wrong party' } })).statusCode).toBe(200);
    const after = await post(body);
    expect(after.statusCode).toBe(201);
    expect(after.json().id).not.toBe(first.id);
    expect(await created()).toBe(before + 3);
  });

  it('a party name that starts like a spreadsheet formula is refused, naming /name', async () => {
    for (const name of ['=HYPERLINK("http://evil.example","Bright Harbour")', ' +Bright Harbour', '＠Bright Harbour']) {
      const res = await post({ ...body, name });
      expect(res.statusCode, `${name} → ${res.body}`).toBe(400);
      expect(res.json().errors.map((e: { field: string }) => e.field)).toContain('/name');
    }
  });
});

describe('QA 16: the suppressions listing filter', () => {
  let t: KeyedTestApp;
  beforeAll(async () => {
    t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: mutableListLoader([ENTRY]).load, sealIntervalMs: 0 });
  });
  afterAll(async () => t?.close());

  it('an entryId holding a control character is a 400 naming it, not a 500', async () => {
    for (const entryId of ['a%00b', '%01', 'el-100%E2%80%AE']) {
      const res = await t.app.inject({ method: 'GET', url: `/v1/suppressions?entryId=${entryId}`, headers: bearer(t.keys.auditor.key) });
      expect(res.statusCode, `${entryId} → ${res.body}`).toBe(400);
      expect(res.json().errors).toEqual([expect.objectContaining({ field: '/entryId', in: 'query' })]);
    }
    expect((await t.app.inject({ method: 'GET', url: '/v1/suppressions?entryId=el-100', headers: bearer(t.keys.auditor.key) })).statusCode).toBe(200);
  });
});
