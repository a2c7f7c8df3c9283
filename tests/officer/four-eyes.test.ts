/**
 * Four eyes where it matters (issue #9): clearing a LICENSE_REQUIRED or BLOCK screening needs a
 * second reviewer's approval; the reviewer who cleared cannot approve; the history shows both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { DispositionService } from '../../src/services/dispositions.js';
import { bearer, createKey, makeKeyedApp, type CreatedKey, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';

const toChina = { reference: 'SO-4E', shipDate: '2030-01-15', items: [{ model: 'NVIDIA H800 SXM5 80GB', quantity: 100 }], route: { origin: 'US', destination: 'CN' } };
const toUk = { reference: 'SO-UK', shipDate: '2030-01-15', items: [{ model: 'NVIDIA H100 SXM5 80GB', quantity: 1 }], route: { origin: 'US', destination: 'GB' } };

describe('four eyes on clearing LICENSE_REQUIRED and BLOCK', () => {
  let t: KeyedTestApp;
  let second: CreatedKey;
  let held: string;
  let clearanceId: string;
  const dispose = (id: string, key: string, action: string, justification = 'checked') =>
    t.app.inject({ method: 'POST', url: `/v1/screenings/${id}/dispositions`, headers: bearer(key), payload: { action, justification } });
  const history = async (id: string) => (await t.app.inject({ method: 'GET', url: `/v1/screenings/${id}/dispositions`, headers: bearer(t.keys.auditor.key) })).json().items;
  const screenIt = async (body: object) => (await t.app.inject({ method: 'POST', url: '/v1/screenings', headers: bearer(t.keys.submitter.key), payload: body })).json();

  beforeAll(async () => {
    t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: rulesOnly, sealIntervalMs: 0 });
    second = await createKey(t, 'reviewer', { name: 'second reviewer' });
    const r = await screenIt(toChina);
    expect(r.decision).toBe('LICENSE_REQUIRED');
    held = r.id;
  });
  afterAll(async () => t?.close());

  it('an approval with nothing awaiting it is refused', async () => {
    const res = await dispose(held, second.key, 'approved');
    expect(res.statusCode).toBe(409);
    expect(res.json().detail).toMatch(/Nothing awaits approval/);
  });

  it('a clearance is recorded but pending until approved', async () => {
    const res = await dispose(held, t.keys.reviewer.key, 'cleared', 'Licence D123456 covers this order');
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ action: 'cleared', status: 'pending_approval', by: t.keys.reviewer.id });
    clearanceId = res.json().id;
  });

  it('the reviewer who cleared cannot approve their own clearance', async () => {
    const res = await dispose(held, t.keys.reviewer.key, 'approved');
    expect(res.statusCode).toBe(403);
    expect(res.json().detail).toMatch(/Four eyes/);
    expect((await history(held)).map((d: { action: string }) => d.action)).toEqual(['cleared']);
  });

  it('a second reviewer approves; the history shows both', async () => {
    const res = await dispose(held, second.key, 'approved', 'Licence checked against the order');
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ action: 'approved', status: 'effective', approves: clearanceId, by: second.id });
    const h = await history(held);
    expect(h).toEqual([
      expect.objectContaining({ id: clearanceId, action: 'cleared', by: t.keys.reviewer.id, status: 'approved', approval: { id: res.json().id, by: second.id, byName: 'second reviewer', at: res.json().at, justification: 'Licence checked against the order' } }),
      expect.objectContaining({ action: 'approved', by: second.id, approves: clearanceId }),
    ]);
    const view = (await t.app.inject({ method: 'GET', url: `/v1/screenings/${held}`, headers: bearer(t.keys.auditor.key) })).json();
    expect(view.dispositions).toEqual(h);
    // Approved once: a second approval has nothing left to approve.
    expect((await dispose(held, t.keys.admin.key, 'approved')).statusCode).toBe(409);
  });

  it('a later escalation supersedes a pending clearance, which can then not be approved', async () => {
    const r = await screenIt({ ...toChina, reference: 'SO-4E-2' });
    expect((await dispose(r.id, t.keys.reviewer.key, 'cleared')).json().status).toBe('pending_approval');
    expect((await dispose(r.id, second.key, 'escalated')).statusCode).toBe(201);
    expect((await dispose(r.id, second.key, 'approved')).statusCode).toBe(409);
  });

  it('clearing a decision outside FOUR_EYES_DECISIONS takes effect at once, and there is nothing to approve', async () => {
    const r = await screenIt(toUk);
    expect(['CLEAR', 'REVIEW']).toContain(r.decision);
    const res = await dispose(r.id, t.keys.reviewer.key, 'cleared');
    expect(res.json()).toMatchObject({ status: 'effective' });
    expect((await dispose(r.id, second.key, 'approved')).statusCode).toBe(409);
  });

  it('with four eyes off, a LICENSE_REQUIRED clearance is effective at once', async () => {
    const r = await screenIt({ ...toChina, reference: 'SO-4E-3' });
    const off = new DispositionService(t.app.database.db, []);
    const d = await off.record(r.id, { action: 'cleared', justification: 'x' }, null, new Date());
    expect(d.status).toBe('effective');
  });

  it('FOUR_EYES_DECISIONS: default LICENSE_REQUIRED and BLOCK, "none" turns it off, a typo stops start-up', () => {
    expect(loadConfig({}).fourEyesDecisions).toEqual(['LICENSE_REQUIRED', 'BLOCK']);
    expect(loadConfig({ FOUR_EYES_DECISIONS: 'none' }).fourEyesDecisions).toHaveLength(0);
    expect(loadConfig({ FOUR_EYES_DECISIONS: 'block, review' }).fourEyesDecisions).toEqual(['BLOCK', 'REVIEW']);
    expect(() => loadConfig({ FOUR_EYES_DECISIONS: 'BLOKC' })).toThrow(ConfigError);
  });
});
