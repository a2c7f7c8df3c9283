/** Issue #9: an enum error names the allowed values instead of "must be equal to constant". */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';

describe('enum field errors', () => {
  let t: KeyedTestApp;
  beforeAll(async () => {
    t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: rulesOnly });
  });
  afterAll(() => t.close());

  it('a query filter lists the decisions', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/screenings?decision=MAYBE', headers: bearer(t.keys.reviewer.key) });
    expect(res.statusCode).toBe(400);
    // decision may be repeated (decision=BLOCK&decision=REVIEW): the failing value is named by its place.
    expect(res.json().errors).toEqual([{ field: '/decision/0', in: 'query', message: 'must be one of: CLEAR, REVIEW, LICENSE_REQUIRED, BLOCK' }]);
  });

  it('a body field lists the party roles, once per field', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/screenings',
      headers: bearer(t.keys.submitter.key),
      payload: { reference: 'SO-1', items: [{ model: 'NVIDIA H100', quantity: 1 }], parties: [{ role: 'shipper', name: 'X' }], route: { destination: 'DE' } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([
      { field: '/parties/0/role', in: 'body', message: 'must be one of: buyer, intermediate_consignee, ultimate_consignee, end_user, freight_forwarder, payer, exporter' },
    ]);
    expect(res.json().detail).toContain('must be one of: buyer');
  });

  it('a disposition action and an API key role list theirs', async () => {
    const action = await t.app.inject({
      method: 'POST',
      url: '/v1/screenings/00000000-0000-4000-8000-000000000000/dispositions',
      headers: bearer(t.keys.reviewer.key),
      payload: { action: 'rejected', justification: 'x' },
    });
    expect(action.json().errors[0]).toMatchObject({ field: '/action', message: 'must be one of: cleared, escalated, license_applied, blocked, approved, cancelled' });
    const role = await t.app.inject({ method: 'POST', url: '/v1/api-keys', headers: bearer(t.keys.admin.key), payload: { role: 'root', name: 'x' } });
    expect(role.json().errors[0]).toMatchObject({ field: '/role', message: 'must be one of: submitter, reviewer, auditor, admin' });
  });
});
