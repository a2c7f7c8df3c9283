/**
 * QA 16, the officer's workflow: four eyes cannot be met by approving a clearance given before continuous
 * monitoring changed the decision, nor by a second key of the same holder; licence terms refuse sub-cent
 * ceilings and formula-leading party names; an amendment sent twice is one version; a suppression POST sent
 * twice is one record — each change one audit event.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, makeKeyedApp, TEST_ADMIN_KEY, type KeyedTestApp } from '../helpers/keys.js';
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
const toChina = { reference: 'SO-QA16-CN', shipDate: '2030-01-15', items: [{ model: 'NVIDIA H800 SXM5 80GB', quantity: 100 }], route: { origin: 'US', destination: 'CN' } };

describe('QA 16: the officer workflow', () => {
  let t: KeyedTestApp;
  beforeAll(async () => {
    t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: rulesOnly, sealIntervalMs: 0 });
  });
  afterAll(async () => t?.close());

  const post = (url: string, key: string, payload: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url, headers: { ...bearer(key), ...headers }, payload: payload as object });
  const dispose = (id: string, key: string, action: string, justification = 'checked') => post(`/v1/screenings/${id}/dispositions`, key, { action, justification });
  const count = async (type: string, like?: string) => {
    const res = (await t.app.database.db.execute(
      like ? sql`select count(*)::int as n from audit_events where type = ${type} and payload::text like ${`%${like}%`}` : sql`select count(*)::int as n from audit_events where type = ${type}`,
    )) as unknown as { rows: Array<{ n: number }> };
    return res.rows[0]!.n;
  };

  it('a clearance given before monitoring changed the decision cannot be approved: cleared again, then approved', async () => {
    const name = 'Quang Tri Compute JSC';
    const licence = (await post('/v1/licences', t.keys.reviewer.key, terms('D1600001', name))).json();
    const screened = (await post('/v1/screenings', t.keys.submitter.key, shipment('SO-QA16-STALE', name))).json();
    expect(screened.authorisation).toMatchObject({ status: 'licence' });
    expect(['CLEAR', 'REVIEW']).toContain(screened.decision);
    // Cleared while the licence covered it: effective at once (no four eyes for this decision).
    const cleared = await dispose(screened.id, t.keys.reviewer.key, 'cleared', 'Covered by D1600001');
    expect(cleared.json()).toMatchObject({ status: 'effective' });
    // BIS revokes the licence: monitoring re-screens the shipment to LICENSE_REQUIRED (four eyes).
    expect((await post(`/v1/licences/${licence.id}/revoke`, t.keys.reviewer.key, { reason: 'BIS letter' })).statusCode).toBe(200);
    await t.app.monitoring.idle();
    const open = (await t.app.inject({ method: 'GET', url: '/v1/monitoring/open-changes', headers: bearer(t.keys.reviewer.key) })).json();
    expect(open.items).toEqual([expect.objectContaining({ screeningId: screened.id, to: 'LICENSE_REQUIRED' })]);

    // The old clearance was for a covered shipment: approving it now would release a LICENSE_REQUIRED shipment on one person's word.
    const stale = await dispose(screened.id, t.keys.admin.key, 'approved', 'looks fine');
    expect(stale.statusCode, stale.body).toBe(409);
    expect(stale.json().detail).toMatch(/predates continuous monitoring's change of this screening to LICENSE_REQUIRED/);
    expect((await t.app.inject({ method: 'GET', url: '/v1/monitoring/open-changes', headers: bearer(t.keys.reviewer.key) })).json().items).toHaveLength(1);

    // Cleared again in view of the new decision (pending), then approved by another reviewer: closed.
    const again = await dispose(screened.id, t.keys.reviewer.key, 'cleared', 'Shipped before the revocation; BIS confirmed');
    expect(again.json()).toMatchObject({ status: 'pending_approval' });
    const approved = await dispose(screened.id, t.keys.admin.key, 'approved', 'Confirmed with BIS letter');
    expect(approved.statusCode, approved.body).toBe(201);
    expect(approved.json()).toMatchObject({ approves: again.json().id });
    expect((await t.app.inject({ method: 'GET', url: '/v1/monitoring/open-changes', headers: bearer(t.keys.reviewer.key) })).json().items).toHaveLength(0);
  });

  it('two keys of the same holder are one person: the second cannot approve the first one\'s clearance', async () => {
    const key = async (role: string, name: string, holder: string) =>
      (await post('/v1/api-keys', TEST_ADMIN_KEY, { role, name, holder })).json() as { key: string; id: string };
    const laptop = await key('reviewer', 'alice laptop', 'Alice Smith');
    const admin = await key('admin', 'alice admin', ' alice smith ');
    const bob = await key('reviewer', 'bob', 'Bob Jones');
    const held = (await post('/v1/screenings', t.keys.submitter.key, toChina)).json();
    expect(held.decision).toBe('LICENSE_REQUIRED');
    expect((await dispose(held.id, laptop.key, 'cleared')).json()).toMatchObject({ status: 'pending_approval' });
    const self = await dispose(held.id, admin.key, 'approved');
    expect(self.statusCode, self.body).toBe(403);
    expect(self.json().detail).toMatch(/same holder/);
    expect((await dispose(held.id, bob.key, 'approved')).statusCode).toBe(201);
  });

  it('licence terms: a sub-cent value ceiling and formula-leading or letterless party names are refused by field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ valueUsd: 12.345 }, '/valueUsd'],
      [{ valueUsd: 0.001 }, '/valueUsd'],
      [{ parties: party('=HYPERLINK("http://evil.example","Saigon")') }, '/parties/0/name'],
      [{ parties: party('＠SUM(A1)') }, '/parties/0/name'],
      [{ parties: party('---') }, '/parties/0/name'],
    ];
    for (const [over, field] of cases) {
      const res = await post('/v1/licences', t.keys.reviewer.key, terms('D1600099', 'Saigon Compute JSC', over));
      expect(res.statusCode, `${JSON.stringify(over)} → ${res.body}`).toBe(400);
      expect((res.json().errors as Array<{ field: string }>).map((e) => e.field)).toContain(field);
    }
    expect((await post('/v1/licences', t.keys.reviewer.key, terms('D1600099', 'Saigon Compute JSC', { valueUsd: 12.34 }))).statusCode).toBe(201);
  });

  it('an amendment sent twice (a retry) is one version, one audit event and one monitoring run', async () => {
    const name = 'Hue Compute JSC';
    const licence = (await post('/v1/licences', t.keys.reviewer.key, terms('D1600002', name))).json();
    expect((await post('/v1/screenings', t.keys.submitter.key, shipment('SO-QA16-AMEND', name))).json().authorisation).toMatchObject({ status: 'licence' });
    await t.app.monitoring.idle();
    const runsBefore = (await t.app.inject({ method: 'GET', url: '/v1/monitoring/runs', headers: bearer(t.keys.auditor.key) })).json().items.length;
    const body = { ...terms('D1600002', name, { quantity: 60 }), reason: 'BIS amendment 1' };
    const first = await post(`/v1/licences/${licence.id}/amend`, t.keys.reviewer.key, body);
    const retry = await post(`/v1/licences/${licence.id}/amend`, t.keys.reviewer.key, body);
    expect([first.statusCode, retry.statusCode]).toEqual([200, 200]);
    expect(retry.json()).toMatchObject({ version: 2, quantity: 60 });
    expect(retry.json().history.map((h: { action: string }) => h.action)).toEqual(['issued', 'amended']);
    expect(await count('licence.amended', licence.id)).toBe(1);
    await t.app.monitoring.idle();
    expect((await t.app.inject({ method: 'GET', url: '/v1/monitoring/runs', headers: bearer(t.keys.auditor.key) })).json().items.length).toBe(runsBefore + 1);
    // A real change is still a new version.
    expect((await post(`/v1/licences/${licence.id}/amend`, t.keys.reviewer.key, { ...body, quantity: 50 })).json()).toMatchObject({ version: 3, quantity: 50 });
    expect(await count('licence.amended', licence.id)).toBe(2);
  });
  it('an amendment\'s or revocation\'s reason with a NUL, half a surrogate pair or a bidi override is a 400 naming /reason (a NUL was a 500); nothing recorded', async () => {
    const licence = (await post('/v1/licences', t.keys.reviewer.key, terms('D1600003', 'Vinh Compute JSC'))).json();
    for (const reason of ['BIS letter\u0000', 'BIS \ud800 letter', 'BIS \u202eletter']) {
      const amended = await post(`/v1/licences/${licence.id}/amend`, t.keys.reviewer.key, { ...terms('D1600003', 'Vinh Compute JSC', { quantity: 30 }), reason });
      expect(amended.statusCode, `${JSON.stringify(reason)} → ${amended.body}`).toBe(400);
      expect(amended.json().errors).toEqual([expect.objectContaining({ field: '/reason' })]);
      const revoked = await post(`/v1/licences/${licence.id}/revoke`, t.keys.reviewer.key, { reason });
      expect(revoked.statusCode, `${JSON.stringify(reason)} → ${revoked.body}`).toBe(400);
      expect(revoked.json().errors).toEqual([expect.objectContaining({ field: '/reason' })]);
    }
    const after = (await t.app.inject({ method: 'GET', url: `/v1/licences/${licence.id}`, headers: bearer(t.keys.auditor.key) })).json();
    expect(after).toMatchObject({ version: 1, status: 'active' });
  });
});
