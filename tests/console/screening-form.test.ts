/**
 * The console's "new screening" form names its inputs by JSON pointer and builds the shipment from
 * them. Input names are the sender's to choose: a name that walks into Object.prototype
 * ("/__proto__/x", "/constructor/prototype/x") must build nothing and pollute nothing, and the page
 * answers as for any other incomplete form.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';
import { shipmentFromForm } from '../../src/console/routes-screenings.js';

const HOSTILE = ['/__proto__/polluted', '/constructor/prototype/polluted', '/items/__proto__/polluted', '/parties/0/__proto__/polluted', '/route/constructor/prototype/polluted'];
const probe = () => ({} as Record<string, unknown>).polluted;

describe('the console screening form', () => {
  afterAll(() => {
    delete (Object.prototype as Record<string, unknown>).polluted; // only if a regression put it there
  });

  it('builds the shipment from pointer-named inputs', () => {
    expect(shipmentFromForm({ '/reference': ' SO-1 ', '/items/0/model': 'NVIDIA H100', '/items/0/quantity': '8', '/route/via': 'SG, MY', '/parties/0/name': 'Acme', '/parties/0/role': 'buyer' })).toEqual({
      reference: 'SO-1', items: [{ model: 'NVIDIA H100', quantity: 8 }], route: { via: ['SG', 'MY'] }, parties: [{ name: 'Acme', role: 'buyer' }],
    });
  });

  it('leaves out inputs whose names reach Object.prototype, and pollutes nothing', () => {
    for (const name of HOSTILE) {
      const built = shipmentFromForm({ [name]: 'yes', '/reference': 'SO-2' });
      expect(built, name).toEqual({ reference: 'SO-2' });
      expect(probe(), name).toBeUndefined();
    }
  });

  describe('over HTTP', () => {
    let t: KeyedTestApp;
    beforeAll(async () => {
      t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: rulesOnly });
    });
    afterAll(async () => t?.close());

    it('answers a hostile form with the form page and its field errors, never a 5xx', async () => {
      const payload = new URLSearchParams([...HOSTILE.map((n): [string, string] => [n, 'yes']), ['/reference', 'SO-3']]).toString();
      const res = await t.app.inject({
        method: 'POST', url: '/screenings/new', payload,
        headers: { ...bearer(t.keys.reviewer.key), 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      });
      expect(res.statusCode, res.body.slice(0, 300)).toBe(400);
      expect(res.body).toContain('role="alert"');
      expect(probe()).toBeUndefined();
    });
  });
});
