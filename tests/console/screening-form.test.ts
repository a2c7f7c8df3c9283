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

    it('stores one screening when the same form is sent twice; the form reused for other values screens nothing', async () => {
      const headers = { ...bearer(t.keys.reviewer.key), 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' };
      const page = await t.app.inject({ method: 'GET', url: '/screenings/new', headers });
      const tokens = [...page.body.matchAll(/name="_once" value="([0-9a-f-]{36})"/g)].map((m) => m[1]!);
      expect(tokens).toHaveLength(2); // the form and the JSON form, each its own
      expect(tokens[0]).not.toBe(tokens[1]);
      const fields = (reference: string, once: string) =>
        new URLSearchParams({ mode: 'form', _once: once, '/reference': reference, '/items/0/model': 'NVIDIA L4', '/items/0/quantity': '1', '/route/destination': 'DE' }).toString();
      const count = async (reference: string) =>
        (await t.app.inject({ method: 'GET', url: `/v1/screenings?reference=${reference}`, headers: bearer(t.keys.reviewer.key) })).json().items.length as number;
      const first = await t.app.inject({ method: 'POST', url: '/screenings/new', headers, payload: fields('SO-TWICE', tokens[0]!) });
      const second = await t.app.inject({ method: 'POST', url: '/screenings/new', headers, payload: fields('SO-TWICE', tokens[0]!) });
      expect(first.statusCode, first.body.slice(0, 300)).toBe(303);
      expect(second.headers.location).toBe(first.headers.location);
      expect(await count('SO-TWICE')).toBe(1);
      // Back, edit, submit: those values are not screened under the used token; the page says so and offers a fresh one.
      const edited = await t.app.inject({ method: 'POST', url: '/screenings/new', headers, payload: fields('SO-EDITED', tokens[0]!) });
      expect(edited.statusCode).toBe(400);
      expect(edited.body).toContain('this form was already submitted with other values');
      expect(edited.body).toContain('value="SO-EDITED"');
      const fresh = /name="_once" value="([0-9a-f-]{36})"/.exec(edited.body)?.[1];
      expect(fresh).not.toBe(tokens[0]);
      expect(await count('SO-EDITED')).toBe(0);
      const resubmitted = await t.app.inject({ method: 'POST', url: '/screenings/new', headers, payload: fields('SO-EDITED', fresh!) });
      expect(resubmitted.statusCode).toBe(303);
      expect(await count('SO-EDITED')).toBe(1);
      // Refused fields keep the token: nothing was stored under it.
      const refused = await t.app.inject({ method: 'POST', url: '/screenings/new', headers, payload: new URLSearchParams({ mode: 'form', _once: tokens[1]!, '/reference': 'SO-X' }).toString() });
      expect(refused.statusCode).toBe(400);
      expect(refused.body).toContain(`name="_once" value="${tokens[1]}"`);
    });
  });
});
