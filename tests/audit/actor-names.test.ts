/**
 * People are named (issue #9): every audit event written by a key carries `actor: { keyId, name }`
 * (the key's holder, else its name, as it was when the event was written), and what people read —
 * licence versions and draws, suppressions, four-eyes approvals — names them rather than a UUID.
 * The name is part of the sealed record: the log still verifies.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, makeKeyedApp, TEST_ADMIN_KEY, type KeyedTestApp } from '../helpers/keys.js';
import { listEntry, mutableListLoader } from '../helpers/lists.js';

type Event = { type: string; payload: Record<string, unknown> & { actor?: { keyId: string; name: string | null } }; api_key_id: string | null };

const ENTRY = listEntry('el-300', 'Bright Harbour Trading Company Limited', { countries: ['GB'], addresses: ['London, GB'] });

const licenceTerms = {
  number: 'D7300001',
  eccns: ['3A090'],
  destination: 'Vietnam',
  parties: [{ role: 'ultimate_consignee', name: 'Saigon Compute JSC', country: 'VN' }],
  quantity: 40,
  validFrom: '2026-01-01',
  validTo: '2031-12-31',
};
const vietnam = {
  reference: 'SO-VN-NAMES',
  shipDate: '2030-06-15',
  items: [{ model: 'NVIDIA H100 SXM5 80GB', quantity: 4, unitPriceUsd: 30_000 }],
  parties: [
    { role: 'buyer', name: 'Saigon Compute JSC', country: 'VN', businessType: 'cloud', website: 'saigon-compute.example', incorporatedOn: '2015-03-01' },
    { role: 'ultimate_consignee', name: 'Saigon Compute JSC', country: 'VN' },
  ],
  route: { origin: 'US', destination: 'VN' },
  endUse: 'Cloud GPU instances for enterprise customers',
};
const toChina = { reference: 'SO-CN-NAMES', shipDate: '2030-01-15', items: [{ model: 'NVIDIA H800 SXM5 80GB', quantity: 100 }], route: { origin: 'US', destination: 'CN' } };

describe('audit events and the records people read name the actor', () => {
  let t: KeyedTestApp;
  const keys: Record<'ng' | 'desk', { id: string; key: string }> = {} as never;
  const post = (url: string, key: string, payload: object) => t.app.inject({ method: 'POST', url, headers: bearer(key), payload });
  const get = (url: string, key: string) => t.app.inject({ method: 'GET', url, headers: bearer(key) });
  const events = async (type: string) =>
    ((await t.app.database.db.execute(sql`select type, payload, api_key_id from audit_events where type = ${type} order by seq`)) as unknown as { rows: Event[] }).rows;

  beforeAll(async () => {
    t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: mutableListLoader([ENTRY]).load, sealIntervalMs: 0 });
    // A person's key (holder given) and a shared desk key (no holder: named by the key's name).
    for (const [k, body] of [['ng', { role: 'reviewer', name: 'reviewer laptop', holder: 'Officer Ng' }], ['desk', { role: 'reviewer', name: 'Review desk B' }]] as const) {
      const res = await post('/v1/api-keys', TEST_ADMIN_KEY, body);
      expect(res.statusCode, res.body).toBe(201);
      keys[k] = res.json();
    }
  });
  afterAll(async () => t?.close());

  it('licence issued, amended, drawn and revoked: each event names its actor, and the licence shows names', async () => {
    const issued = await post('/v1/licences', keys.ng.key, licenceTerms);
    expect(issued.statusCode, issued.body).toBe(201);
    const id = issued.json().id as string;
    const amended = await post(`/v1/licences/${id}/amend`, keys.desk.key, { ...licenceTerms, quantity: 50, reason: 'BIS amendment letter 2' });
    expect(amended.statusCode, amended.body).toBe(200);
    const screened = await post('/v1/screenings', t.keys.submitter.key, vietnam);
    expect(screened.statusCode, screened.body).toBe(201);
    expect(screened.json().authorisation).toMatchObject({ status: 'licence', licence: { number: 'D7300001' } });

    const [iss] = await events('licence.issued');
    expect(iss!.payload.actor).toEqual({ keyId: keys.ng.id, name: 'Officer Ng' });
    expect(iss!.api_key_id).toBe(keys.ng.id);
    expect((await events('licence.amended'))[0]!.payload.actor).toEqual({ keyId: keys.desk.id, name: 'Review desk B' });
    expect((await events('licence.reserved'))[0]!.payload.actor).toEqual({ keyId: t.keys.submitter.id, name: t.keys.submitter.name });

    const detail = (await get(`/v1/licences/${id}`, t.keys.auditor.key)).json();
    expect(detail.history.map((h: { action: string; byName: string }) => `${h.action} ${h.byName}`)).toEqual(['issued Officer Ng', 'amended Review desk B']);
    expect(detail.recordedByName).toBe('Review desk B');
    expect(detail.draws).toEqual([expect.objectContaining({ kind: 'reserve', by: t.keys.submitter.id, byName: t.keys.submitter.name, quantity: 4 })]);

    expect((await post(`/v1/licences/${id}/revoke`, keys.ng.key, { reason: 'Superseded' })).statusCode).toBe(200);
    expect((await events('licence.revoked'))[0]!.payload.actor?.name).toBe('Officer Ng');
  });

  it('suppressions: the events and the record name the reviewer who recorded and withdrew it', async () => {
    const expiresAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const res = await post('/v1/suppressions', keys.ng.key, { name: 'Bright Harbour Trading Co., Ltd.', country: 'GB', entryId: 'el-300', justification: 'Different company', expiresAt });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ by: keys.ng.id, byName: 'Officer Ng' });
    const id = res.json().id as string;
    expect((await post(`/v1/suppressions/${id}/withdrawal`, keys.desk.key, { justification: 'New facts' })).statusCode).toBe(200);
    const read = (await get(`/v1/suppressions/${id}`, t.keys.auditor.key)).json();
    expect(read).toMatchObject({ byName: 'Officer Ng', withdrawal: { by: keys.desk.id, byName: 'Review desk B' } });
    expect((await events('suppression.created'))[0]!.payload.actor).toEqual({ keyId: keys.ng.id, name: 'Officer Ng' });
    expect((await events('suppression.withdrawn'))[0]!.payload.actor).toEqual({ keyId: keys.desk.id, name: 'Review desk B' });
  });

  it('four eyes: the clearance and its approval each name their reviewer', async () => {
    const held = (await post('/v1/screenings', t.keys.submitter.key, toChina)).json();
    expect(held.decision).toBe('LICENSE_REQUIRED');
    expect((await post(`/v1/screenings/${held.id}/dispositions`, keys.ng.key, { action: 'cleared', justification: 'Licence on file' })).statusCode).toBe(201);
    expect((await post(`/v1/screenings/${held.id}/dispositions`, keys.desk.key, { action: 'approved', justification: 'Checked the licence' })).statusCode).toBe(201);
    const items = (await get(`/v1/screenings/${held.id}/dispositions`, t.keys.auditor.key)).json().items;
    expect(items[0]).toMatchObject({ action: 'cleared', byName: 'Officer Ng', status: 'approved', approval: { by: keys.desk.id, byName: 'Review desk B' } });
    expect(items[1]).toMatchObject({ action: 'approved', byName: 'Review desk B' });
  });

  it('keys revoked by a person name them; system events carry no actor; the log with names still verifies', async () => {
    const spare = (await post('/v1/api-keys', t.keys.admin.key, { role: 'auditor', name: 'spare' })).json();
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/api-keys/${spare.id}`, headers: bearer(t.keys.admin.key) })).statusCode).toBeLessThan(300);
    const created = (await events('api_key.created')).find((e) => e.payload.keyId === spare.id)!;
    expect(created.payload.actor).toEqual({ keyId: t.keys.admin.id, name: t.keys.admin.name });
    expect((await events('api_key.revoked')).at(-1)!.payload.actor).toEqual({ keyId: t.keys.admin.id, name: t.keys.admin.name });
    for (const e of await events('ruleset.activated')) {
      expect(e.api_key_id).toBeNull();
      expect(e.payload.actor).toBeUndefined();
    }
    expect((await post('/v1/audit/seal', t.keys.auditor.key, {})).statusCode).toBeLessThan(300);
    const verify = (await get('/v1/audit/verify', t.keys.auditor.key)).json();
    expect(verify).toMatchObject({ ok: true, firstBroken: null });
    expect(verify.checked).toBeGreaterThan(10);
  });
});
