/**
 * QA round 14, licences in the console as officers and auditors meet them (HTML over inject, Bearer keys):
 * - a licence cut below its draws and then revoked does not say it "covers no new shipment until draws are
 *   given back" (a revoked licence never covers again);
 * - the overdrawn notice links the open screenings that drew on it in the flag log (an auditor may open that;
 *   the work queue is linked only for those who may open it — it was a 403 for auditors);
 * - a second revoke, an amendment posted after the revocation and the amend page of a revoked licence say
 *   "Not revoked / Not amended: nothing was recorded" at the top, with a link to record a new licence — not
 *   "Please correct: /" at the foot of the page or "The server refused 1 field";
 * - the screening that drew, once cancelled, says its draw was given back;
 * - a decision changed by a licence's monitoring run is not explained as "new rules or lists", the
 *   screening page's times are UTC times, not raw ISO strings, and its title names the reference.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';

const COMPANY = 'Saigon Compute JSC';
const terms = {
  number: 'D7140001',
  eccns: ['3A090'],
  destination: 'VN',
  parties: [{ role: 'ultimate_consignee', name: COMPANY, country: 'VN' }],
  quantity: 20,
  validFrom: '2026-01-01',
  validTo: '2030-12-31',
};
const shipment = (reference: string, quantity: number) => ({
  reference,
  shipDate: '2030-06-15',
  items: [{ model: 'NVIDIA H100 SXM5 80GB', quantity, unitPriceUsd: 30_000 }],
  parties: [
    { role: 'buyer', name: COMPANY, country: 'VN', businessType: 'cloud', website: 'saigon-compute.example', incorporatedOn: '2015-03-01' },
    { role: 'ultimate_consignee', name: COMPANY, country: 'VN' },
  ],
  route: { origin: 'US', destination: 'VN' },
  endUse: 'Cloud GPU instances for enterprise customers',
});
const text = (body: string) => body.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');

describe('licence pages after a cut, a revocation and a cancellation', () => {
  let t: KeyedTestApp;
  let licenceId: string;
  let drewId: string;
  const as = (role: 'submitter' | 'reviewer' | 'auditor' | 'admin') => bearer(t.keys[role].key);
  const page = (url: string, role: 'reviewer' | 'auditor' = 'reviewer') => t.app.inject({ method: 'GET', url, headers: { ...as(role), accept: 'text/html' } });
  const post = (url: string, form: Record<string, string>) =>
    t.app.inject({ method: 'POST', url, headers: { ...as('reviewer'), accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(form).toString() });

  beforeAll(async () => {
    t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: rulesOnly });
    const created = await t.app.inject({ method: 'POST', url: '/v1/licences', headers: as('reviewer'), payload: terms });
    expect(created.statusCode, created.body).toBe(201);
    licenceId = created.json().id;
    const drew = await t.app.inject({ method: 'POST', url: '/v1/screenings', headers: as('reviewer'), payload: shipment('SO-Q14-12', 12) });
    expect(drew.statusCode, drew.body).toBe(201);
    expect(drew.json().authorisation.status).toBe('licence');
    drewId = drew.json().id;
    // Cut to 5 units (overdrawn by 7), then revoked.
    const cut = await t.app.inject({ method: 'POST', url: `/v1/licences/${licenceId}/amend`, headers: as('reviewer'), payload: { ...terms, quantity: 5, reason: 'BIS cut it' } });
    expect(cut.statusCode, cut.body).toBe(200);
    expect(cut.json().balance.overdrawn).toMatchObject({ quantity: 7 });
    const revoked = await t.app.inject({ method: 'POST', url: `/v1/licences/${licenceId}/revoke`, headers: as('reviewer'), payload: { reason: 'Suspended by BIS' } });
    expect(revoked.statusCode, revoked.body).toBe(200);
  });
  afterAll(async () => t?.close());

  it('a revoked, overdrawn licence says it never covers again, and links what an auditor may open', async () => {
    const auditor = await page(`/licences/${licenceId}`, 'auditor');
    expect(auditor.statusCode).toBe(200);
    const said = text(auditor.body);
    expect(said).toContain('Overdrawn');
    expect(said).toContain('It is revoked and covers no shipment again');
    expect(said).not.toContain('until draws are given back');
    expect(auditor.body).toContain('href="/log?licence=D7140001&amp;open=true"');
    expect(auditor.body).not.toContain('href="/queue"');
    // Every link an auditor is offered there opens for an auditor.
    for (const href of new Set([...auditor.body.matchAll(/href="(\/[^"#]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&')))) {
      if (href.startsWith('/console/') || href === '/logout') continue;
      const res = await page(href, 'auditor');
      expect(res.statusCode, href).toBeLessThan(400);
    }
    const reviewer = await page(`/licences/${licenceId}`);
    expect(reviewer.body).toContain('href="/queue"');
  });

  it('a second revoke, a late amendment and the amend page refuse at the top of the page, saying nothing was recorded', async () => {
    const again = await post(`/licences/${licenceId}/revoke`, { reason: 'Again, from a second tab' });
    expect(again.statusCode).toBe(409);
    const refusal = again.body.indexOf('id="refusal"');
    expect(refusal).toBeGreaterThan(0);
    expect(refusal).toBeLessThan(again.body.indexOf('aria-label="Licence"'));
    expect(text(again.body)).toMatch(/Not revoked: nothing was recorded\. Licence D7140001 is already revoked/);
    expect(again.body).not.toContain('Please correct');
    expect(again.body).toContain('href="/licences/new"');

    const late = await post(`/licences/${licenceId}/amend`, {
      '/number': 'D7140001', '/destination': 'VN', '/eccns': '3A090', '/quantity': '15', '/validFrom': '2026-01-01', '/validTo': '2030-12-31',
      '/parties/0/role': 'ultimate_consignee', '/parties/0/name': COMPANY, '/parties/0/country': 'VN', '/reason': 'letter of 1 June',
    });
    expect(late.statusCode).toBe(409);
    const lateText = text(late.body);
    expect(lateText).toMatch(/Not amended: nothing was recorded\. Licence D7140001 is revoked/);
    expect(lateText).not.toContain('The server refused');
    expect(lateText).not.toContain('POST /v1/licences');
    expect(late.body).toContain('value="15"'); // what was typed stays
    expect(late.body).toContain('href="/licences/new"');

    const amendPage = await page(`/licences/${licenceId}/amend`);
    expect(amendPage.statusCode).toBe(409);
    expect(text(amendPage.body)).toContain('Not amended: nothing was recorded.');
    expect(amendPage.body).toContain('<title>Licence D7140001 · Chokepoint</title>');
  });

  it('the screening that drew says monitoring changed it (not "new rules or lists"), in UTC times, and that a cancellation gave its draw back', async () => {
    const before = await page(`/screenings/${drewId}`);
    const said = text(before.body);
    expect(said).toContain('Changed since it was screened');
    expect(said).not.toContain('when new rules or lists became active');
    // The change says what its run reacted to: this licence's amendment, not new rules or lists.
    expect(said).toMatch(/UTC, a licence was amended or revoked, ruleset /);
    expect(said).not.toContain('new rules or lists');
    // The queue's "Changed by monitoring" says why too.
    expect((await page('/queue')).body).toMatch(/<th>Why<\/th>[^]*SO-Q14-12[^]*<td>a licence was amended or revoked<\/td>/);
    // The run it links to names the licence, with a link to it.
    const runId = /href="\/monitoring\/([0-9a-f-]{36})"/.exec(before.body)?.[1];
    expect(runId).toBeDefined();
    const run = await page(`/monitoring/${runId}`);
    expect(run.statusCode).toBe(200);
    expect(run.body).toMatch(new RegExp(`a licence was amended or revoked: <a href="/licences/${licenceId}">the licence</a>, version \\d+`));
    expect(said).toMatch(/screened \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    expect(said).not.toContain('Given back');
    expect(before.body).toContain('<title>Screening SO-Q14-12 · Chokepoint</title>'); // tabs of several screenings are told apart

    const cancelled = await post(`/screenings/${drewId}/dispositions`, { action: 'cancelled', justification: 'Order cancelled by the customer' });
    expect(cancelled.statusCode, cancelled.body.slice(0, 300)).toBe(303);
    const after = text((await page(`/screenings/${drewId}`)).body);
    expect(after).toMatch(/Given back: this draw was released to the licence when the order was cancelled \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC by [^)]+\)/);
    expect(after).toMatch(/cancelled · \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC · by/);
    expect(after).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z · by/);
    const licencePage = text((await page(`/licences/${licenceId}`)).body);
    expect(licencePage).not.toContain('Overdrawn'); // 12 given back: 0 drawn of 5
  });
});
