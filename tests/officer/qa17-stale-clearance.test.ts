/**
 * QA 17, four eyes against continuous monitoring: a clearance monitoring made stale (the decision changed after it)
 * is shown `stale`, never `pending_approval` — nobody waits for an approval the service refuses; a clearance
 * followed by another disposition is `superseded`; and the monitoring change an approval is weighed against is read
 * under the screening's disposition lock, so a change committed just before the lock is not missed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';
import { DispositionService } from '../../src/services/dispositions.js';
import { DashboardService } from '../../src/services/dashboard.js';
import type { Db } from '../../src/store/db.js';
import type { Principal } from '../../src/services/principal.js';

const party = (name: string) => [
  { role: 'ultimate_consignee', name, country: 'VN' },
  { role: 'end_user', name, country: 'VN' },
];
const terms = (number: string, name: string) => ({
  number, eccns: ['3A090'], destination: 'VN', parties: party(name),
  quantity: 40, valueUsd: 1_200_000, validFrom: '2026-01-01', validTo: '2099-12-31',
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
const toChina = (reference: string) => ({ reference, shipDate: '2030-01-15', items: [{ model: 'NVIDIA H800 SXM5 80GB', quantity: 100 }], route: { origin: 'US', destination: 'CN' } });

describe('QA 17: stale and superseded clearances', () => {
  let t: KeyedTestApp;
  beforeAll(async () => {
    t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: rulesOnly, sealIntervalMs: 0 });
  });
  afterAll(async () => t?.close());

  const post = (url: string, key: string, payload: unknown) => t.app.inject({ method: 'POST', url, headers: bearer(key), payload: payload as object });
  const get = (url: string, key: string) => t.app.inject({ method: 'GET', url, headers: bearer(key) });
  const dispose = (id: string, key: string, action: string, justification = 'checked') => post(`/v1/screenings/${id}/dispositions`, key, { action, justification });

  it('a clearance monitoring made stale shows as stale (with the change) in the history and the screening, not pending_approval', async () => {
    const name = 'Da Nang Compute JSC';
    const licence = (await post('/v1/licences', t.keys.reviewer.key, terms('D1700001', name))).json();
    const screened = (await post('/v1/screenings', t.keys.submitter.key, shipment('SO-QA17-STALE', name))).json();
    expect(screened.authorisation).toMatchObject({ status: 'licence' });
    const cleared = (await dispose(screened.id, t.keys.reviewer.key, 'cleared', 'Covered by D1700001')).json();
    expect(cleared).toMatchObject({ status: 'effective' });

    expect((await post(`/v1/licences/${licence.id}/revoke`, t.keys.reviewer.key, { reason: 'BIS letter' })).statusCode).toBe(200);
    await t.app.monitoring.idle();
    const view = (await get(`/v1/screenings/${screened.id}`, t.keys.reviewer.key)).json();
    expect(view.monitoring).toMatchObject({ decision: 'LICENSE_REQUIRED' });

    const expected = { id: cleared.id, status: 'stale', staleSince: { decision: 'LICENSE_REQUIRED', at: view.monitoring.at, runId: view.monitoring.runId } };
    expect(view.dispositions).toEqual([expect.objectContaining(expected)]);
    const history = (await get(`/v1/screenings/${screened.id}/dispositions`, t.keys.auditor.key)).json();
    expect(history.items).toEqual([expect.objectContaining(expected)]);
    // What the history says agrees with what the service does: the stale clearance cannot be approved.
    expect((await dispose(screened.id, t.keys.admin.key, 'approved', 'looks fine')).statusCode).toBe(409);
    // Nor does the work queue's "Awaiting approval" list it: nobody is told to wait for an approval that cannot come.
    const dashboard = new DashboardService(t.app.database.db, () => t.app.rules.get(), undefined, t.app.config.fourEyesDecisions);
    const awaiting = async () => (await dashboard.queue({ order: 'age', limit: 50, offset: 0 })).awaitingApproval.items.map((i) => i.reference);
    expect(await awaiting()).not.toContain('SO-QA17-STALE');

    // Cleared again in view of the new decision: that one is pending (the old one is superseded by it), then approved.
    const again = (await dispose(screened.id, t.keys.reviewer.key, 'cleared', 'Shipped before the revocation; BIS confirmed')).json();
    expect(again).toMatchObject({ status: 'pending_approval' });
    expect(await awaiting()).toContain('SO-QA17-STALE');
    const approved = await dispose(screened.id, t.keys.admin.key, 'approved', 'Confirmed with BIS letter');
    expect(approved.statusCode, approved.body).toBe(201);
    const after = (await get(`/v1/screenings/${screened.id}/dispositions`, t.keys.auditor.key)).json().items;
    expect(after.map((d: { status: string }) => d.status)).toEqual(['superseded', 'approved', 'effective']);
    expect(after[0]).toMatchObject({ supersededBy: again.id });
  });

  it('a clearance under four eyes followed by another disposition is superseded, not pending; the console page does not offer to approve it', async () => {
    const held = (await post('/v1/screenings', t.keys.submitter.key, toChina('SO-QA17-SUPERSEDED'))).json();
    expect(held.decision).toBe('LICENSE_REQUIRED');
    const cleared = (await dispose(held.id, t.keys.reviewer.key, 'cleared')).json();
    expect(cleared.status).toBe('pending_approval');
    const escalated = (await dispose(held.id, t.keys.reviewer.key, 'escalated', 'Ask legal')).json();
    const items = (await get(`/v1/screenings/${held.id}/dispositions`, t.keys.auditor.key)).json().items;
    expect(items).toEqual([
      expect.objectContaining({ id: cleared.id, status: 'superseded', supersededBy: escalated.id }),
      expect.objectContaining({ id: escalated.id, status: 'effective' }),
    ]);
    expect((await dispose(held.id, t.keys.admin.key, 'approved')).statusCode).toBe(409);
  });

  it('the monitoring change an approval is weighed against is read under the screening lock: one committed just before the lock refuses the approval', async () => {
    // Four eyes for every decision here, so the licensed (CLEAR/REVIEW) screening's clearance starts pending.
    const all = await makeKeyedApp({ rateLimitPerMinute: 0, fourEyesDecisions: ['CLEAR', 'REVIEW', 'LICENSE_REQUIRED', 'BLOCK'] }, { loadRuleset: rulesOnly, sealIntervalMs: 0 });
    try {
      const name = 'Can Tho Compute JSC';
      const p = (url: string, key: string, payload: unknown) => all.app.inject({ method: 'POST', url, headers: bearer(key), payload: payload as object });
      const licence = (await p('/v1/licences', all.keys.reviewer.key, terms('D1700002', name))).json();
      const screened = (await p('/v1/screenings', all.keys.submitter.key, shipment('SO-QA17-RACE', name))).json();
      expect(screened.authorisation).toMatchObject({ status: 'licence' });
      const cleared = await p(`/v1/screenings/${screened.id}/dispositions`, all.keys.reviewer.key, { action: 'cleared', justification: 'Covered by D1700002' });
      expect(cleared.json()).toMatchObject({ status: 'pending_approval' });

      // The licence is revoked and monitoring commits its change at the moment the approval's transaction is about to
      // take the lock — after anything the approval read before its transaction.
      const real = all.app.database.db;
      let fired = false;
      const racing = new Proxy(real, {
        get(target, prop) {
          if (prop === 'transaction')
            return async (fn: Parameters<Db['transaction']>[0]) => {
              if (!fired) {
                fired = true;
                expect((await p(`/v1/licences/${licence.id}/revoke`, all.keys.reviewer.key, { reason: 'BIS letter' })).statusCode).toBe(200);
                await all.app.monitoring.idle();
              }
              return target.transaction(fn);
            };
          const v = Reflect.get(target, prop, target) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      }) as Db;
      const admin: Principal = { keyId: all.keys.admin.id, prefix: '', role: 'admin', name: 'admin', holder: null };
      const service = new DispositionService(racing, all.app.config.fourEyesDecisions);
      await expect(service.record(screened.id, { action: 'approved', justification: 'looks fine' }, admin, new Date())).rejects.toMatchObject({
        status: 409,
        message: expect.stringMatching(/predates continuous monitoring's change of this screening to LICENSE_REQUIRED/),
      });
      expect(fired).toBe(true);
      const items = (await all.app.inject({ method: 'GET', url: `/v1/screenings/${screened.id}/dispositions`, headers: bearer(all.keys.auditor.key) })).json().items;
      expect(items).toEqual([expect.objectContaining({ action: 'cleared', status: 'stale' })]);
    } finally {
      await all.close();
    }
  });
});
