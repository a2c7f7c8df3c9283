/**
 * QA findings on the console, each pinned: the flag log's disposition filter (and its export), a refused
 * disposition (four eyes) coming back as the form with the reason and what was typed, `approved` offered only
 * when a clearance awaits it, an admin refused revoking the key signed in with, validation wording on the
 * key, webhook, screening and licence forms, the flag log's labels, case-insensitive rule id and ECCN, a first
 * page link, and long references wrapping. Console routes take `Authorization: Bearer` (no cookie, no CSRF).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createKey, makeKeyedApp, type CreatedKey, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';

const form = (o: Record<string, string>) => new URLSearchParams(o).toString();
const toChina = (reference: string) => ({ reference, shipDate: '2030-01-15', items: [{ model: 'NVIDIA H800 SXM5 80GB', quantity: 100 }], route: { origin: 'US', destination: 'CN' } });

let t: KeyedTestApp;
let second: CreatedKey;
const page = (key = t.keys.reviewer.key) => ({ ...bearer(key), accept: 'text/html' });
const post = (key = t.keys.reviewer.key) => ({ ...page(key), 'content-type': 'application/x-www-form-urlencoded' });
const screen = async (reference: string) => {
  const res = await t.app.inject({ method: 'POST', url: '/v1/screenings', headers: bearer(t.keys.submitter.key), payload: toChina(reference) });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; decision: string };
};
const dispose = (id: string, key: string, action: string, justification = 'checked') =>
  t.app.inject({ method: 'POST', url: `/v1/screenings/${id}/dispositions`, headers: bearer(key), payload: { action, justification } });

beforeAll(async () => {
  t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: rulesOnly, sealIntervalMs: 0 });
  second = await createKey(t, 'reviewer', { name: 'second reviewer' });
}, 300_000);
afterAll(async () => t?.close(), 120_000);

describe('the flag log filters by disposition', () => {
  it('offers the filter, applies it, and its export keeps it', async () => {
    const none = await screen('DISP-NONE');
    const blocked = await screen('DISP-BLOCKED');
    expect((await dispose(blocked.id, t.keys.reviewer.key, 'blocked')).statusCode).toBe(201);
    const log = await t.app.inject({ method: 'GET', url: '/log?disposition=blocked', headers: page(t.keys.auditor.key) });
    expect(log.statusCode).toBe(200);
    expect(log.body).toMatch(/<select id="f-disposition" name="disposition"><option value="">any<\/option><option value="none">none yet<\/option>/);
    expect(log.body).toContain('<option value="blocked" selected>blocked</option>');
    expect(log.body).toContain('DISP-BLOCKED');
    expect(log.body).not.toContain('DISP-NONE');
    const noneLog = await t.app.inject({ method: 'GET', url: '/log?disposition=none&reference=DISP-NONE', headers: page(t.keys.auditor.key) });
    expect(noneLog.body).toContain(`href="/screenings/${none.id}"`);
    // The export link carries the filter, and the export applies it.
    expect(log.body).toContain('href="/log/export?disposition=blocked&amp;format=csv"');
    const csv = await t.app.inject({ method: 'GET', url: '/log/export?disposition=blocked&format=csv', headers: bearer(t.keys.auditor.key) });
    expect(csv.statusCode).toBe(200);
    const rows = csv.body.trim().split('\r\n').slice(1);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.includes(',blocked,'))).toBe(true);
    expect(csv.body).not.toContain('DISP-NONE');
  });
});

describe('a refused disposition comes back as the form', () => {
  it('an approval with nothing awaiting it: 409, the reason at the action, the justification kept; approved not offered', async () => {
    const s = await screen('FE-NOTHING');
    const view = await t.app.inject({ method: 'GET', url: `/screenings/${s.id}`, headers: page() });
    expect(view.body).not.toContain('value="approved"');
    expect(view.body).toContain('<em>approved</em> is offered when a clearance awaits');
    const res = await t.app.inject({ method: 'POST', url: `/screenings/${s.id}/dispositions`, headers: post(), payload: form({ action: 'approved', justification: 'Typed <with care>' }) });
    expect(res.statusCode).toBe(409);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toContain('id="record-disposition"');
    expect(res.body).toMatch(/<p class="field-error" id="action-error" role="alert">Nothing awaits approval/);
    expect(res.body).toContain('>Typed &lt;with care&gt;</textarea>');
  });

  it('approving one’s own clearance: 403 with the reason; the clearer sees approved disabled, another reviewer may approve', async () => {
    const s = await screen('FE-OWN');
    expect((await dispose(s.id, t.keys.reviewer.key, 'cleared')).json().status).toBe('pending_approval');
    const own = await t.app.inject({ method: 'GET', url: `/screenings/${s.id}`, headers: page() });
    expect(own.body).toMatch(/<input type="radio" name="action" value="approved" disabled/);
    expect(own.body).toContain('You recorded the clearance awaiting approval');
    const other = await t.app.inject({ method: 'GET', url: `/screenings/${s.id}`, headers: page(second.key) });
    expect(other.body).toMatch(/<input type="radio" name="action" value="approved" required>/);
    expect(other.body).toContain('A clearance by test reviewer awaits approval');
    const res = await t.app.inject({ method: 'POST', url: `/screenings/${s.id}/dispositions`, headers: post(), payload: form({ action: 'approved', justification: 'my own' }) });
    expect(res.statusCode).toBe(403);
    expect(res.body).toMatch(/id="action-error" role="alert">Four eyes: the reviewer who recorded the clearance cannot approve it/);
    expect(res.body).toContain('>my own</textarea>');
    const ok = await t.app.inject({ method: 'POST', url: `/screenings/${s.id}/dispositions`, headers: post(second.key), payload: form({ action: 'approved', justification: 'checked by a second pair of eyes' }) });
    expect(ok.statusCode).toBe(303);
  });
});

describe('API keys', () => {
  it('the admin cannot revoke the key signed in with from the console', async () => {
    const res = await t.app.inject({ method: 'POST', url: `/keys/${t.keys.admin.id}/revoke`, headers: post(t.keys.admin.key) });
    expect(res.statusCode).toBe(409);
    expect(res.body).toContain('you cannot revoke the key you are signed in with');
    const keys = (await t.app.inject({ method: 'GET', url: '/v1/api-keys', headers: bearer(t.keys.admin.key) })).json() as { items?: Array<{ id: string; revokedAt: string | null }> } | Array<{ id: string; revokedAt: string | null }>;
    const list = Array.isArray(keys) ? keys : (keys.items ?? []);
    expect(list.find((k) => k.id === t.keys.admin.id)?.revokedAt).toBeNull();
  });

  it('an empty name is required, and the input allows what the server does', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/keys', headers: post(t.keys.admin.key), payload: form({ name: '', role: 'submitter' }) });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('<a href="#k-name">Holder&#39;s name</a>: is required');
    expect(res.body).not.toContain('<code>/name</code>');
    expect(res.body).not.toContain('must be string');
    expect(res.body).toContain('id="k-name" name="name" required maxlength="100"');
  });
});

describe('form wording', () => {
  it('a webhook without URL or events says what to do', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/webhooks', headers: post(t.keys.admin.key), payload: form({ url: '' }) });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('<a href="#wh-url">URL</a>: is required');
    expect(res.body).toContain('<a href="#wh-ev-screening-flagged">Events</a>: choose at least one event');
    expect(res.body).not.toContain('<code>/url</code>');
    expect(res.body).not.toContain('fewer than 8 characters');
  });

  it('a quantity with thousands separators is screened as the number', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/screenings/new',
      headers: post(),
      payload: form({ mode: 'form', '/reference': 'QTY-1000', '/shipDate': '2030-01-15', '/items/0/model': 'NVIDIA H100 SXM5 80GB', '/items/0/quantity': '1,000', '/route/origin': 'US', '/route/destination': 'GB' }),
    });
    expect(res.statusCode, res.body.slice(0, 2000)).toBe(303);
    // Stored: "1,000" was read as 1000 (it would have been refused as a string otherwise).
    expect(String(res.headers.location)).toMatch(/^\/screenings\/[0-9a-f-]{36}$/);
    const bad = await t.app.inject({
      method: 'POST',
      url: '/screenings/new',
      headers: post(),
      payload: form({ mode: 'form', '/reference': 'QTY-BAD', '/shipDate': '2030-01-15', '/items/0/model': 'NVIDIA H100 SXM5 80GB', '/items/0/quantity': '1.000,5', '/route/origin': 'US', '/route/destination': 'GB' }),
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('must be a whole number, e.g. 1000 or 1,000');
  });

  it('revoking an already revoked licence says so', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/licences',
      headers: bearer(t.keys.reviewer.key),
      payload: {
        number: 'D7000099',
        eccns: ['3A090'],
        destination: 'Vietnam',
        parties: [
          { role: 'ultimate_consignee', name: 'Saigon Compute JSC', country: 'VN' },
          { role: 'end_user', name: 'Saigon Compute JSC', country: 'VN' },
        ],
        quantity: 80,
        valueUsd: 2_400_000,
        validFrom: '2026-01-01',
        validTo: '2027-12-31',
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    expect((await t.app.inject({ method: 'POST', url: `/licences/${id}/revoke`, headers: post(), payload: form({ reason: 'BIS letter' }) })).statusCode).toBe(303);
    const again = await t.app.inject({ method: 'POST', url: `/licences/${id}/revoke`, headers: post(), payload: form({ reason: 'BIS letter again' }) });
    expect(again.statusCode).toBe(409);
    expect(again.body).toMatch(/Licence D7000099 is already revoked \(since [^)]+, version 2\): nothing was changed/);
  });
});

describe('flag log filters and pages', () => {
  it('labels say what each filter matches; rule id and ECCN match in any case; a first page link', async () => {
    for (let i = 0; i < 3; i++) await screen(`PAGE-${i}`);
    const log = await t.app.inject({ method: 'GET', url: '/log', headers: page(t.keys.auditor.key) });
    expect(log.body).toContain('Country (code or English name)');
    expect(log.body).not.toContain('maxlength="2"');
    expect(log.body).toContain('exact and case-sensitive');
    const any = (await t.app.inject({ method: 'GET', url: '/v1/screenings?reference=PAGE-0', headers: bearer(t.keys.auditor.key) })).json().items[0] as { ruleIds: string[]; eccns: string[] };
    const rule = any.ruleIds.find((r) => /[A-Z]/.test(r))!;
    const eccn = any.eccns[0]!;
    const byRule = await t.app.inject({ method: 'GET', url: `/log?reference=PAGE-0&ruleId=${encodeURIComponent(rule.toLowerCase())}`, headers: page(t.keys.auditor.key) });
    expect(byRule.statusCode).toBe(200);
    expect(byRule.body).toContain('PAGE-0</a>');
    const byEccn = await t.app.inject({ method: 'GET', url: `/log?reference=PAGE-0&eccn=${encodeURIComponent(eccn.toUpperCase())}`, headers: page(t.keys.auditor.key) });
    expect(byEccn.body).toContain('PAGE-0</a>');
    // Pages: the first has no "first page" link; the next one has.
    const first = await t.app.inject({ method: 'GET', url: '/v1/screenings?limit=1', headers: bearer(t.keys.auditor.key) });
    const cursor = first.json().nextCursor as string;
    const next = await t.app.inject({ method: 'GET', url: `/log?cursor=${encodeURIComponent(cursor)}`, headers: page(t.keys.auditor.key) });
    expect(next.body).toContain('<a href="/log">← first page</a>');
    expect(log.body).not.toContain('← first page');
  });

  it('a long unbroken reference wraps inside its column', () => {
    const css = readFileSync(new URL('../../src/console/assets/console.css', import.meta.url), 'utf8');
    expect(css).toMatch(/table\.list td:first-child \{[^}]*overflow-wrap: anywhere/);
  });
});
