/**
 * QA 16, second round (defects the console QA pass found and left):
 * 1. The flag log's from/to were date inputs: a date-time from a link (`from=2026-12-07T17:17:43Z`, as the API takes)
 *    filtered the list but the input showed empty, so the next *Apply filter* dropped it without a word.
 * 2. The API-key form's refused fields were named only in the list at the top: the expiry input looked accepted.
 * 3. A form sent after the session ended (POST without a valid session) led to the sign-in page with `next=/`: the
 *    person lost the page they were on. They are taken back to it (the Referer, same origin only).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';

let t: KeyedTestApp;
beforeAll(async () => {
  t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: rulesOnly, sealIntervalMs: 0 });
}, 300_000);
afterAll(async () => t?.close(), 120_000);

const htmlHeaders = (key: string) => ({ ...bearer(key), accept: 'text/html' });

describe('flag log dates', () => {
  it('a date-time filter is shown in its field (and so kept by the next Apply), a day keeps the date picker', async () => {
    const withTime = await t.app.inject({ method: 'GET', url: '/log?from=2026-12-07T17:17:43Z', headers: htmlHeaders(t.keys.auditor.key) });
    expect(withTime.statusCode).toBe(200);
    const input = /<input id="f-from"[^>]*>/.exec(withTime.body)![0];
    expect(input).toContain('value="2026-12-07T17:17:43Z"');
    expect(input).not.toContain('type="date"'); // a date input cannot hold it: it showed empty
    expect(withTime.body).toContain('from that instant (a date-time, UTC)');
    const day = await t.app.inject({ method: 'GET', url: '/log?from=2026-12-07', headers: htmlHeaders(t.keys.auditor.key) });
    expect(/<input id="f-from"[^>]*>/.exec(day.body)![0]).toContain('type="date"');
    expect(day.body).toContain('from 00:00 UTC that day');
  });
});

describe('API-key form', () => {
  it('marks a refused expiry at its field, with its message, and focuses it', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/keys',
      headers: { ...htmlHeaders(t.keys.admin.key), 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ name: 'Expired Already Ltd', role: 'submitter', expiresAt: '2020-01-01' }).toString(),
    });
    expect(res.statusCode).toBe(400);
    const input = /<input id="k-exp"[^>]*>/.exec(res.body)![0];
    expect(input).toContain('aria-invalid="true"');
    expect(input).toContain('aria-describedby="k-exp-error"');
    expect(input).toContain('autofocus');
    expect(res.body).toMatch(/<p class="field-error" id="k-exp-error">[^<]*future/);
    expect(/<input id="k-name"[^>]*>/.exec(res.body)![0]).not.toContain('aria-invalid');
  });
});

describe('a form sent after the session ended', () => {
  const postSignedOut = (referer?: string) =>
    t.app.inject({
      method: 'POST',
      url: '/screenings/new',
      headers: { accept: 'text/html', host: 'console.example', 'content-type': 'application/x-www-form-urlencoded', ...(referer ? { referer } : {}) },
      payload: 'reference=SO-1',
    });
  it('leads to the sign-in page and back to the page it was sent from', async () => {
    const res = await postSignedOut('http://console.example/screenings/new?from=draft');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/login?next=${encodeURIComponent('/screenings/new?from=draft')}`);
  });
  it('never to another site or the sign-in page itself', async () => {
    for (const referer of ['https://evil.example/screenings/new', 'http://console.example/login?next=/x', 'javascript:alert(1)', 'not a url', undefined]) {
      const res = await postSignedOut(referer);
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe('/login?next=%2F');
    }
  });
});
