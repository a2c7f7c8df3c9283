/**
 * The console's licence forms take hostile input like the API does: whatever the form holds, a page
 * (400 naming the fields, or a redirect to the licence recorded) and never a 5xx; nothing is stored
 * from a refused form. Errors land at the row the person typed in, even when blank rows come before it.
 * Console routes accept `Authorization: Bearer` (no cookie, so no CSRF token) — used here.
 */
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';
import { licenceFromForm } from '../../src/console/routes-licences.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
const FIELDS = ['/number', '/destination', '/eccns', '/chips', '/quantity', '/valueUsd', '/validFrom', '/validTo', '/conditions', '/reason',
  '/parties/0/role', '/parties/0/name', '/parties/0/country', '/parties/1/role', '/parties/1/name', '/parties/1/country', '/parties/49/name', '/parties/99999999/name', '_csrf', '__proto__', 'constructor'];
const VALID: Record<string, string> = {
  '/number': 'D7500001', '/destination': 'VN', '/eccns': '3A090', '/quantity': '10', '/validFrom': '2026-01-01', '/validTo': '2030-12-31',
  '/parties/0/role': 'ultimate_consignee', '/parties/0/name': 'Saigon Compute JSC', '/parties/0/country': 'VN',
};
const form = (o: Record<string, string>) => new URLSearchParams(o).toString();

describe('licence forms in the console', () => {
  let t: KeyedTestApp;
  const headers = () => ({ ...bearer(t.keys.reviewer.key), 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' });
  const licenceEvents = async () =>
    Number(((await t.app.database.db.execute(sql`select count(*)::int as n from audit_events where type like 'licence.%'`)) as unknown as { rows: Array<{ n: number }> }).rows[0]!.n);

  beforeAll(async () => {
    t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: rulesOnly });
  });
  afterAll(async () => t?.close());

  it('reads a form into licence terms: lists split, numbers parsed, blank party rows dropped', () => {
    const { terms, reason } = licenceFromForm({
      ...VALID, '/eccns': ' 3a090a; 4A090 ,', '/valueUsd': '$1,200,000.50', '/quantity': '1e3',
      '/parties/0/name': '', '/parties/0/country': '', '/parties/2/role': 'end_user', '/parties/2/name': 'Acme', '/reason': '  ',
    });
    expect(terms).toMatchObject({ eccns: ['3a090a', '4A090'], valueUsd: 1_200_000.5, quantity: '1e3', parties: [{ role: 'end_user', name: 'Acme' }] });
    expect(reason).toBeNull();
  });

  it('shows an error at the row it belongs to, even after blank rows', async () => {
    const res = await t.app.inject({
      method: 'POST', url: '/licences/new', headers: headers(),
      payload: form({ ...VALID, '/parties/0/name': '', '/parties/0/country': '', '/parties/2/role': 'ultimate_consignee', '/parties/2/name': 'Saigon Compute JSC' }),
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('id="lic-parties-2-country-error"');
    expect(res.body).not.toContain('id="lic-parties-0-country-error"');
    expect(await licenceEvents()).toBe(0);
  });

  it('never answers a hostile form with a 5xx, and stores nothing from a refused one', async () => {
    const value = fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom('', ' ', '0', '-1', '1e309', 'NaN', '9'.repeat(40), '2026-02-30', 'EAR99', 'Atlantis', '<script>x</script>', '\u0000', 'x'.repeat(12_000)));
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 12 }), fc.boolean(), async (over, base) => {
        const before = await licenceEvents();
        const res = await t.app.inject({ method: 'POST', url: '/licences/new', headers: headers(), payload: form({ ...(base ? VALID : {}), ...over }) });
        expect(res.statusCode, res.body.slice(0, 300)).toBeLessThan(500);
        const after = await licenceEvents();
        if (res.statusCode === 303) {
          expect(res.headers.location).toMatch(/^\/licences\/[0-9a-f-]{36}$/);
          expect(after).toBe(before + 1);
        } else {
          expect(res.statusCode).toBe(400);
          expect(res.body).toContain('role="alert"'); // the page says what was refused
          expect(after).toBe(before);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('amend, revoke, list and read refuse bad input with pages, not 5xx', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/licences/new', headers: headers(), payload: form({ ...VALID, '/number': 'D7599999' }) });
    expect(created.statusCode, created.body.slice(0, 300)).toBe(303);
    const url = String(created.headers.location);
    const cases: Array<[string, string, string | undefined, number]> = [
      ['POST', `${url}/amend`, form({ ...VALID, '/number': 'D7599999', '/validTo': '2020-01-01' }), 400],
      ['POST', `${url}/revoke`, form({ reason: '   ' }), 400],
      ['POST', '/licences/not-a-uuid/revoke', form({ reason: 'x' }), 404],
      ['POST', '/licences/00000000-0000-4000-8000-000000000000/amend', form(VALID), 404],
      ['GET', '/licences/00000000-0000-4000-8000-000000000000', undefined, 404],
      ['GET', '/licences?status=bogus&state=%3Cx%3E', undefined, 400],
      ['GET', `/licences?destination=${'A'.repeat(100)}`, undefined, 400],
      ['GET', '/licences?destination=Atlantis', undefined, 400],
    ];
    for (const [method, path, payload, status] of cases) {
      const res = await t.app.inject({ method: method as 'GET', url: path, headers: headers(), ...(payload !== undefined ? { payload } : {}) });
      expect(res.statusCode, `${method} ${path}: ${res.body.slice(0, 200)}`).toBe(status);
      expect(String(res.headers['content-type'])).toMatch(/^text\/html/);
    }
    // Revoked once: a second revoke is a state conflict (409, as the API answers), said on the page with when it was revoked.
    expect((await t.app.inject({ method: 'POST', url: `${url}/revoke`, headers: headers(), payload: form({ reason: 'Superseded' }) })).statusCode).toBe(303);
    const before = await licenceEvents();
    const again = await t.app.inject({ method: 'POST', url: `${url}/revoke`, headers: headers(), payload: form({ reason: 'Again' }) });
    expect(again.statusCode).toBe(409);
    expect(String(again.headers['content-type'])).toMatch(/^text\/html/);
    expect(again.body).toMatch(/Licence D7599999 is already revoked \(since \d{4}-\d\d-\d\dT[\d:.]+Z, version 2\): nothing was changed/);
    expect((await t.app.inject({ method: 'GET', url: `${url}/amend`, headers: headers() })).statusCode).toBe(409);
    // The amendment form posted anyway (a page opened before the revocation): 409, the form back with the reason, nothing stored.
    const amended = await t.app.inject({ method: 'POST', url: `${url}/amend`, headers: headers(), payload: form({ ...VALID, '/number': 'D7599999', '/quantity': '5' }) });
    expect(amended.statusCode).toBe(409);
    expect(amended.body).toContain('role="alert"');
    expect(amended.body).toMatch(/Licence D7599999 is revoked \(since [^)]+, version 2\): a revoked licence cannot be amended/);
    expect(amended.body).toContain('value="5"');
    expect(await licenceEvents()).toBe(before);
  });
});
