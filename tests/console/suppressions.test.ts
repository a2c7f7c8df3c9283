/**
 * Reviewed false positives from the console: "Not this entry" beside a candidate on the screening page records a
 * suppression through the same service as POST /v1/suppressions (once per form token), the page then shows the
 * candidate as suppressed and the next screening of the party does not flag it; refused fields come back at the
 * form (400) with nothing stored; /suppressions lists them and withdraws one. Console routes take Bearer (no CSRF).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { withLists } from '../helpers/ruleset.js';

const form = (o: Record<string, string>) => new URLSearchParams(o).toString();
const shipment = (reference: string, party: Record<string, string>) => ({
  reference,
  shipDate: '2030-01-15',
  items: [{ model: 'Switches', quantity: 10, eccn: '5A991' }],
  parties: [{ role: 'buyer', ...party }],
  route: { origin: 'US', destination: 'GB' },
});
const MATE = { name: 'Mate GmbH', country: 'DE' };
const SOPHGO = { name: 'Sophgo Technologies', country: 'SG', partyId: 'C-77' };
const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

type Result = { id: string; decision: string; flags: Array<{ ruleId: string; evidence: { entryId?: string } }>; suppressed?: Array<{ entryId: string; applied: boolean }> };

let t: KeyedTestApp;
const page = (key = t.keys.reviewer.key) => ({ ...bearer(key), accept: 'text/html' });
const post = (key = t.keys.reviewer.key) => ({ ...page(key), 'content-type': 'application/x-www-form-urlencoded' });
const screen = async (reference: string, party: Record<string, string>): Promise<Result> => {
  const res = await t.app.inject({ method: 'POST', url: '/v1/screenings', headers: bearer(t.keys.submitter.key), payload: shipment(reference, party) });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as Result;
};
const possible = (r: Result) => r.flags.filter((f) => f.ruleId === 'LIST-POSSIBLE').map((f) => f.evidence.entryId!);
const stored = async (entryId?: string) =>
  ((await t.app.inject({ method: 'GET', url: `/v1/suppressions${entryId ? `?entryId=${encodeURIComponent(entryId)}` : ''}`, headers: bearer(t.keys.auditor.key) })).json() as {
    items: Array<{ id: string; state: string; partyId: string | null; name: string | null; country: string | null; entry: { id: string }; justification: string }>;
  }).items;
const notThis = (id: string, fields: Record<string, string>, key?: string) =>
  t.app.inject({ method: 'POST', url: `/screenings/${id}/suppressions`, headers: post(key), payload: form(fields) });

beforeAll(async () => {
  t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: withLists, sealIntervalMs: 0 });
}, 300_000);
afterAll(async () => t?.close(), 120_000);

describe('Not this entry, from the screening page', () => {
  let first: Result;
  let entryId: string;

  beforeAll(async () => {
    first = await screen('SUP-1', MATE);
    expect(possible(first).length).toBeGreaterThan(0);
    entryId = possible(first)[0]!;
  });

  it('offers the form beside each candidate to those who may record one, not to an auditor', async () => {
    const view = await t.app.inject({ method: 'GET', url: `/screenings/${first.id}`, headers: page() });
    expect(view.statusCode).toBe(200);
    expect(view.body).toContain(`action="/screenings/${first.id}/suppressions#party-0"`);
    expect(view.body).toContain(`<input type="hidden" name="entryId" value="${entryId}">`);
    expect(view.body).toContain('<summary>Not this entry</summary>');
    expect(view.body).toContain('name="_once"');
    expect(view.body).toContain('<a href="/suppressions">All suppressions</a>');
    expect(view.body).toContain('<a href="/suppressions">Suppressions</a>'); // navigation
    const auditor = await t.app.inject({ method: 'GET', url: `/screenings/${first.id}`, headers: page(t.keys.auditor.key) });
    expect(auditor.body).not.toContain('<summary>Not this entry</summary>');
    const submitter = await t.app.inject({ method: 'GET', url: `/screenings/${first.id}`, headers: page(t.keys.submitter.key) });
    expect(submitter.body).not.toContain('Not this entry');
    expect(submitter.body).not.toContain('href="/suppressions"');
  });

  it('refused fields come back at the form with what was typed, and store nothing', async () => {
    const once = randomUUID();
    const blank = await notThis(first.id, { _once: once, party: '0', entryId, justification: '   ', expiresOn: day(30) });
    expect(blank.statusCode).toBe(400);
    expect(blank.headers['content-type']).toMatch(/text\/html/);
    expect(blank.body).toMatch(/<details class="suppress" open><summary>Not this entry<\/summary>/);
    expect(blank.body).toMatch(/<p class="field-error" id="sup-0-\d+-j-error">is required<\/p>/);
    expect(blank.body).toContain(`value="${day(30)}"`);
    expect(blank.body).toContain(`name="_once" value="${once}"`); // nothing stored under it: same token
    const far = await notThis(first.id, { _once: once, party: '0', entryId, justification: 'Kept <as typed>', expiresOn: day(800) });
    expect(far.statusCode).toBe(400);
    expect(far.body).toContain('must be at most 730 days ahead');
    expect(far.body).toContain('>Kept &lt;as typed&gt;</textarea>');
    const junk = await notThis(first.id, { _once: once, party: '0', entryId, justification: 'x', expiresOn: 'soon' });
    expect(junk.statusCode).toBe(400);
    expect(junk.body).toContain('must be a date, e.g. 2027-06-30');
    const past = await notThis(first.id, { _once: once, party: '0', entryId, justification: 'x', expiresOn: day(-3) });
    expect(past.statusCode).toBe(400);
    expect(past.body).toContain('must be in the future');
    // A candidate that is not on this screening, a party that does not exist: refused pages, not 5xx.
    expect((await notThis(first.id, { party: '0', entryId: 'no-such-entry', justification: 'x' })).statusCode).toBe(400);
    expect((await notThis(first.id, { party: '7', entryId, justification: 'x' })).statusCode).toBe(400);
    expect((await notThis(first.id, { party: '__proto__', justification: 'x' })).statusCode).toBe(400);
    expect(await stored()).toEqual([]);
  });

  it('a role without write access is refused (403), and stores nothing', async () => {
    const res = await notThis(first.id, { party: '0', entryId, justification: 'auditor says no' }, t.keys.auditor.key);
    expect(res.statusCode).toBe(403);
    expect((await notThis(first.id, { party: '0', entryId, justification: 'x' }, t.keys.submitter.key)).statusCode).toBe(403);
    expect(await stored()).toEqual([]);
  });

  it('records once when posted twice with one token; the page shows it suppressed; the next screening does not flag it', async () => {
    const once = randomUUID();
    const fields = { _once: once, party: '0', entryId, justification: 'Handelsregister HRB 12345; a bakery in Bremen, not the listed firm', expiresOn: day(200) };
    const a = await notThis(first.id, fields);
    expect(a.statusCode, a.body.slice(0, 500)).toBe(303);
    expect(a.headers.location).toBe(`/screenings/${first.id}#party-0`);
    const b = await notThis(first.id, fields);
    expect(b.statusCode).toBe(303);
    const records = await stored(entryId);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ state: 'active', partyId: null, name: 'Mate GmbH', country: 'DE', justification: fields.justification });
    const view = await t.app.inject({ method: 'GET', url: `/screenings/${first.id}`, headers: page() });
    expect(view.body).toContain('<strong>Suppressed</strong> since');
    expect(view.body).toContain('Handelsregister HRB 12345');
    expect(view.body).not.toContain(`<input type="hidden" name="entryId" value="${entryId}">`);

    const again = await screen('SUP-2', MATE);
    expect(possible(again)).not.toContain(entryId);
    expect(again.suppressed?.find((x) => x.entryId === entryId)?.applied).toBe(true);
    // The matches table of the later screening says "suppressed" for that entry, not "yes".
    const later = await t.app.inject({ method: 'GET', url: `/screenings/${again.id}`, headers: page() });
    expect(later.body).toMatch(new RegExp(`<code>${entryId}</code></small></td><td>[0-9.]+</td><td><strong>suppressed</strong>`));
    expect(later.body).toContain('Suppressed: ');
  });
});

describe('/suppressions', () => {
  it('lists them, escapes what was typed, withdraws one (reason required), and the entry is flagged again', async () => {
    const s = await screen('SUP-3', SOPHGO);
    const entryId = possible(s)[0]!;
    expect(entryId).toBeDefined();
    const hostile = '<script>alert(1)</script> "><img src=x onerror=alert(2)>';
    const res = await notThis(s.id, { _once: randomUUID(), party: '0', entryId, justification: hostile });
    expect(res.statusCode, res.body.slice(0, 500)).toBe(303);
    const [rec] = await stored(entryId);
    expect(rec).toMatchObject({ partyId: 'C-77', state: 'active' });
    // Blank expiry: a year ahead.
    const view = await t.app.inject({ method: 'GET', url: `/screenings/${s.id}`, headers: page() });
    expect(view.body).not.toContain('<script>alert(1)');
    expect(view.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');

    const list = await t.app.inject({ method: 'GET', url: '/suppressions', headers: page(t.keys.auditor.key) });
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('party id <code>C-77</code>');
    expect(list.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
    expect(list.body).not.toContain('<img src=x');
    expect(list.body).not.toContain('<summary>Withdraw</summary>'); // an auditor reads only
    expect((await t.app.inject({ method: 'GET', url: '/suppressions', headers: page(t.keys.submitter.key) })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'POST', url: `/suppressions/${rec!.id}/withdraw`, headers: post(t.keys.auditor.key), payload: form({ justification: 'x' }) })).statusCode).toBe(403);

    const reviewerList = await t.app.inject({ method: 'GET', url: '/suppressions', headers: page() });
    expect(reviewerList.body).toContain(`action="/suppressions/${rec!.id}/withdraw"`);
    const blank = await t.app.inject({ method: 'POST', url: `/suppressions/${rec!.id}/withdraw`, headers: post(), payload: form({ justification: ' ' }) });
    expect(blank.statusCode).toBe(400);
    expect(blank.body).toContain(`id="wd-${rec!.id}-j-error" role="alert">is required`);
    expect((await stored(entryId))[0]!.state).toBe('active');

    const done = await t.app.inject({ method: 'POST', url: `/suppressions/${rec!.id}/withdraw`, headers: post(), payload: form({ justification: 'Ownership changed; review again' }) });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/suppressions');
    // Sent twice by the same person: lands on the list again, nothing more recorded.
    expect((await t.app.inject({ method: 'POST', url: `/suppressions/${rec!.id}/withdraw`, headers: post(), payload: form({ justification: 'again' }) })).statusCode).toBe(303);
    expect((await stored(entryId))[0]!.state).toBe('withdrawn');
    const active = await t.app.inject({ method: 'GET', url: '/suppressions', headers: page() });
    expect(active.body).not.toContain(`id="s-${rec!.id}"`);
    const all = await t.app.inject({ method: 'GET', url: '/suppressions?state=all', headers: page() });
    expect(all.body).toContain(`id="s-${rec!.id}"`);
    expect(all.body).toContain('Ownership changed; review again');
    expect(possible(await screen('SUP-4', SOPHGO))).toContain(entryId);
  });
});
