/**
 * QA 16 (the console as its three kinds of users meet it), over HTTP.
 * 1. `/favicon.ico` answered 404: every page load logged a failed request in the browser. It is now a small
 *    icon (PNG inside ICO, drawn at start, no file or dependency) with a long cache and an ETag.
 * 2. API keys: the table named each key by its key name only ("reviewer device") while the rest of the console
 *    names people by the key's holder ("Officer Ng") — the admin asked to revoke Officer Ng's key could not find
 *    it. A key past its expiry was listed "active". Both are shown now, and Revoke names the holder.
 * 3. New screening: a refused form said "The server refused 2 fields; each is marked below" and left the focus
 *    at the top of a long form (a refused party 4 or permit line was below the fold). The refused fields are
 *    now listed at the top as links to them, and the first one (page order) is focused; a refused pasted JSON
 *    focuses its textarea.
 * 4. Flag log with a refused filter (a cursor the console did not hand out): "No screening matches." under the
 *    error, and a "previous page" link — as if the filter had been looked up. It now says nothing is listed
 *    while the filter is refused, with a link to the filter's first page.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeys } from '../../src/store/schema.js';
import { bearer, createKey, makeKeyedApp, TEST_ADMIN_KEY, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';

let t: KeyedTestApp;
beforeAll(async () => {
  t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: rulesOnly, sealIntervalMs: 0 });
}, 300_000);
afterAll(async () => t?.close(), 120_000);

const html = (key: string) => ({ ...bearer(key), accept: 'text/html' });
const page = (url: string, key: string) => t.app.inject({ method: 'GET', url, headers: html(key) });
const post = (url: string, key: string, fields: Record<string, string>) =>
  t.app.inject({ method: 'POST', url, headers: { ...html(key), 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() });

describe('favicon', () => {
  it('answers a small icon to anyone, cached for long, with an ETag that a revalidation matches', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/favicon.ico' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^image\/(x-icon|vnd\.microsoft\.icon)/);
    const maxAge = Number(/max-age=(\d+)/.exec(String(res.headers['cache-control']))?.[1]);
    expect(maxAge).toBeGreaterThanOrEqual(7 * 86_400);
    expect(String(res.headers['cache-control'])).toContain('public');
    const body = res.rawPayload;
    // ICO header: reserved 0, type 1 (icon), one image of 32×32; the image is a PNG.
    expect([...body.subarray(0, 6)]).toEqual([0, 0, 1, 0, 1, 0]);
    expect(body[6]).toBe(32);
    expect(body.subarray(22, 30).toString('latin1')).toBe('\x89PNG\r\n\x1a\n');
    expect(body.readUInt32LE(14)).toBe(body.length - 22);
    expect(body.length).toBeLessThan(4096);
    const etag = String(res.headers.etag);
    expect(etag).toMatch(/^".+"$/);
    const again = await t.app.inject({ method: 'GET', url: '/favicon.ico', headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });
});

describe('API keys: named by their holder, expired ones said so', () => {
  it('lists the holder beside the key name, names the holder on Revoke, and an expired key is not "active"', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: bearer(TEST_ADMIN_KEY),
      payload: { role: 'reviewer', name: 'laptop QA16', holder: 'Officer <b>Ng</b>' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const expiring = await createKey(t, 'auditor', { name: 'QA16 temp auditor', expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    await t.app.database.db.update(apiKeys).set({ expiresAt: new Date(Date.now() - 60_000).toISOString() }).where(eq(apiKeys.id, expiring.id));

    const keys = await page('/keys', t.keys.admin.key);
    expect(keys.statusCode).toBe(200);
    const row = (needle: string) => keys.body.split('<tr>').find((r) => r.includes(needle)) ?? '';
    const ng = row('laptop QA16');
    expect(ng).toContain('<td>Officer &lt;b&gt;Ng&lt;/b&gt;</td><td>laptop QA16</td>');
    expect(ng).toContain('aria-label="Revoke the key of Officer &lt;b&gt;Ng&lt;/b&gt; (laptop QA16)"');
    expect(keys.body).not.toContain('<b>Ng</b>');
    expect(row('QA16 temp auditor')).toMatch(/<td>expired \d{4}-\d{2}-\d{2}<\/td>/);
    expect(row('QA16 temp auditor')).not.toContain('<td>active</td>');
    // A key without a holder is named by its name (as the console's "Holder's name" creates them).
    expect(row(t.keys.reviewer.prefix)).toContain(`<td>test reviewer</td><td>test reviewer</td>`);
    expect(row(t.keys.reviewer.prefix)).toContain('aria-label="Revoke the key of test reviewer"');
    expect(row(t.keys.reviewer.prefix)).toContain('<td>active</td>');
  });
});

describe('New screening: refused fields are linked from the top and the first is focused', () => {
  it('lists each refused field as a link to it, in page order, and autofocuses the first', async () => {
    const res = await post('/screenings/new', t.keys.reviewer.key, {
      mode: 'form',
      '/reference': 'QA16-FOCUS',
      '/items/0/model': 'NVIDIA H100 SXM5 80GB',
      '/items/0/quantity': '10',
      '/parties/0/role': 'buyer',
      '/parties/2/role': 'end_user',
      '/parties/2/name': 'Some Co',
      '/parties/2/country': 'Narnia',
      '/route/destination': 'DE',
      '/permits': 'NOT_A_PERMIT 123',
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('The server refused 2 fields; each is marked below.');
    const links = [...res.body.matchAll(/<ul class="error-links">(.*?)<\/ul>/gs)].map((m) => m[1]!).join('');
    const hrefs = [...links.matchAll(/<a href="#([^"]+)">([^<]+)<\/a>/g)].map((m) => [m[1], m[2]]);
    expect(hrefs).toEqual([
      ['in-parties-2-country', 'Party 3 country'],
      ['in-permits', 'Permits'],
    ]);
    // Each link leads to an element on the page.
    for (const [id] of hrefs) expect(res.body).toContain(`id="${id}"`);
    // The first refused field, in page order, is the page's only autofocus; what was typed is kept.
    expect(res.body.match(/autofocus/g)).toHaveLength(1);
    expect(res.body).toMatch(/<input id="in-parties-2-country" name="\/parties\/2\/country" value="Narnia" aria-invalid="true" aria-describedby="in-parties-2-country-error" autofocus>/);
    expect(res.body).toContain('value="QA16-FOCUS"');
  });

  it('a refused permit line alone focuses the permits textarea; a refused JSON shipment focuses its textarea', async () => {
    const permits = await post('/screenings/new', t.keys.reviewer.key, {
      mode: 'form',
      '/reference': 'QA16-PERMIT',
      '/items/0/model': 'NVIDIA H100 SXM5 80GB',
      '/items/0/quantity': '10',
      '/route/destination': 'DE',
      '/permits': 'NOT_A_PERMIT 1',
    });
    expect(permits.statusCode).toBe(400);
    expect(permits.body).toMatch(/<textarea id="in-permits" name="\/permits" rows="2" aria-invalid="true" aria-describedby="in-permits-error" autofocus>/);
    expect(permits.body.match(/autofocus/g)).toHaveLength(1);

    const json = await post('/screenings/new', t.keys.reviewer.key, { mode: 'json', json: '{"reference": ' });
    expect(json.statusCode).toBe(400);
    expect(json.body).toMatch(/<textarea id="in-json" name="json" rows="12" class="mono" aria-invalid="true" aria-describedby="json-errors" autofocus>/);
    expect(json.body.match(/autofocus/g)).toHaveLength(1);

    // Nothing refused: nothing is focused (the page opens at its top).
    const fresh = await page('/screenings/new', t.keys.reviewer.key);
    expect(fresh.body).not.toContain('autofocus');
  });
});

describe('Flag log: a refused filter lists nothing and says so', () => {
  it('a cursor the console did not hand out: no "No screening matches", no pages, a link to the first page', async () => {
    const res = await page('/log?party=acme&cursor=zzz&page=2', t.keys.auditor.key);
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('not a cursor');
    expect(res.body).not.toContain('No screening matches.');
    expect(res.body).not.toContain('previous page');
    expect(res.body).not.toContain('next page');
    expect(res.body).toContain('Nothing is listed while the filter is refused: correct it above, or go to <a href="/log?party=acme">the first page</a> of this filter.');
    // Export is not offered either (as before).
    expect(res.body).not.toContain('/log/export');

    const badDate = await page('/log?from=2026-02-30', t.keys.auditor.key);
    expect(badDate.statusCode).toBe(400);
    expect(badDate.body).toContain('Nothing is listed while the filter is refused: correct it above, or <a href="/log">clear the filter</a>.');
    expect(badDate.body).not.toContain('No screening matches.');

    // A filter that is fine and matches nothing still says so.
    const none = await page('/log?reference=QA16-NOTHING', t.keys.auditor.key);
    expect(none.statusCode).toBe(200);
    expect(none.body).toContain('No screening matches.');
  });
});
