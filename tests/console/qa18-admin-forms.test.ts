/**
 * Session 18, the admin forms:
 * - the API-key, webhook and flag-log forms name a refused field by its label in the summary, linked to its input
 *   ("Expires: must be in the future"), not by the API's pointer ("/expiresAt …"); the webhook form marks each
 *   refused field at the field too and focuses the first;
 * - revoking an API key, disabling a webhook endpoint and rotating its secret are confirmed on a page of their own
 *   (no script): the list's buttons lead there, a POST without the confirmation changes nothing, the confirmation
 *   is CSRF-protected, and a revocation sent twice revokes once and says so.
 * Over HTTP with a signed-in session (cookie + CSRF token), as a browser sends the forms.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { insertApiKey } from '../../src/store/api-keys-repo.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';

let t: KeyedTestApp;

beforeAll(async () => {
  t = await makeKeyedApp({ rateLimitPerMinute: 0, webhooks: { allowPrivate: true } as never }, { loadRuleset: rulesOnly, sealIntervalMs: 0 });
}, 300_000);
afterAll(async () => t?.close(), 120_000);

interface Session {
  cookie: string;
  csrf: string;
}

async function signIn(key: string): Promise<Session> {
  const res = await t.app.inject({ method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: new URLSearchParams({ key, next: '/rules' }).toString() });
  expect(res.statusCode, res.body.slice(0, 300)).toBe(303);
  const cookie = String(res.headers['set-cookie']).split(';')[0]!;
  const page = await t.app.inject({ method: 'GET', url: '/rules', headers: { cookie, accept: 'text/html' } });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
  expect(csrf).toBeTruthy();
  return { cookie, csrf: csrf! };
}

const get = (s: Session, url: string) => t.app.inject({ method: 'GET', url, headers: { cookie: s.cookie, accept: 'text/html' } });
const post = (s: Session, url: string, fields: Record<string, string> = {}, csrf = true) =>
  t.app.inject({
    method: 'POST',
    url,
    headers: { cookie: s.cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ ...(csrf ? { _csrf: s.csrf } : {}), ...fields }).toString(),
  });
const onceIn = (body: string, action: string) => {
  const at = body.indexOf(`action="${action}"`);
  expect(at, `a form posting to ${action}`).toBeGreaterThan(-1);
  return /name="_once" value="([0-9a-f-]{36})"/.exec(body.slice(at))![1]!;
};
const rows = async <T>(q: ReturnType<typeof sql>) => (((await t.app.database.db.execute(q)) as { rows?: T[] }).rows ?? []) as T[];
/** The error summary's text, tags dropped. */
const summary = (body: string) => (/<div class="errors" role="alert">([\s\S]*?)<\/div>/.exec(body)?.[1] ?? '').replace(/<[^>]+>/g, '').replace(/&#39;/g, "'");

describe('field errors by label', () => {
  it('the key form: label-named errors linked to their inputs, no pointer', async () => {
    const admin = await signIn(t.keys.admin.key);
    const once = onceIn((await get(admin, '/keys')).body, '/keys');
    const res = await post(admin, '/keys', { _once: once, name: ' ', role: 'emperor' });
    expect(res.statusCode).toBe(400);
    const text = summary(res.body);
    expect(text).toContain("Holder's name: is required");
    expect(text).toMatch(/Role: /);
    expect(text).not.toMatch(/\/(name|role)\b/);
    expect(res.body).toContain('<a href="#k-name">Holder&#39;s name</a>');
    expect(res.body).toContain('<a href="#k-role">Role</a>');
    // Each beside its input, the first focused.
    expect(res.body).toMatch(/id="k-name"[^>]*aria-invalid="true" aria-describedby="k-name-error" autofocus/);
    expect(res.body).toMatch(/id="k-role"[^>]*aria-invalid="true" aria-describedby="k-role-error">/);
    // The service's check (a date in the past) too.
    const past = await post(admin, '/keys', { _once: once, name: 'Past Ltd', role: 'auditor', expiresAt: '2001-01-01' });
    expect(past.statusCode).toBe(400);
    expect(summary(past.body)).toMatch(/Expires: .*future/);
    expect(summary(past.body)).not.toContain('/expiresAt');
    expect(past.body).toContain('<a href="#k-exp">Expires</a>');
    expect(past.body).toMatch(/id="k-exp"[^>]*aria-invalid="true" aria-describedby="k-exp-error" autofocus/);
  });

  it('the webhook form: each refused field marked at the field, the first focused, the summary by label', async () => {
    const admin = await signIn(t.keys.admin.key);
    const once = onceIn((await get(admin, '/webhooks')).body, '/webhooks');
    const before = (await rows<{ n: number }>(sql`select count(*)::int as n from webhook_endpoints`))[0]!.n;
    const res = await post(admin, '/webhooks', { _once: once, url: 'ftp://x', description: 'd'.repeat(300), ownerKeyId: t.keys.reviewer.id });
    expect(res.statusCode).toBe(400);
    const text = summary(res.body);
    expect(text).toMatch(/URL: /);
    expect(text).toContain('Events: choose at least one event');
    expect(text).toMatch(/Description: /);
    expect(text).not.toMatch(/\/(url|events|description)\b/);
    expect(res.body).toMatch(/id="wh-url"[^>]*aria-invalid="true" aria-describedby="wh-url-error" autofocus/);
    expect(res.body).toContain('<p class="field-error" id="wh-url-error">');
    expect(res.body).toContain('<p class="field-error" id="wh-events-error">choose at least one event</p>');
    expect(res.body).toMatch(/<fieldset class="field checks" aria-invalid="true" aria-describedby="wh-events-error">/);
    expect(res.body).toMatch(/id="wh-desc"[^>]*aria-invalid="true"/);
    expect(res.body.match(/ autofocus/g)).toHaveLength(1);
    // Only events refused: the first checkbox is focused (the summary links to it).
    const noEvents = await post(admin, '/webhooks', { _once: once, url: 'https://erp.example.com/h' });
    expect(noEvents.body).toContain('<a href="#wh-ev-screening-flagged">Events</a>: choose at least one event');
    expect(noEvents.body).toMatch(/id="wh-ev-screening-flagged" name="event:screening.flagged" value="1" autofocus>/);
    expect((await rows<{ n: number }>(sql`select count(*)::int as n from webhook_endpoints`))[0]!.n).toBe(before);
  });

  it('the flag log filter and its export: label-named errors linked to their inputs', async () => {
    const auditor = await signIn(t.keys.auditor.key);
    const page = await get(auditor, '/log?from=2026-13-45');
    expect(page.statusCode).toBe(400);
    expect(page.body).toContain('<a href="#f-from">Screened from</a>:');
    expect(summary(page.body)).not.toContain('/from');
    const country = await get(auditor, '/log?country=Narnia');
    expect(country.statusCode).toBe(400);
    expect(country.body).toContain('<a href="#f-country">Country</a>: unknown country');
    const exported = await get(auditor, '/log/export?decision=NOPE&format=xml');
    expect(exported.statusCode).toBe(400);
    expect(exported.headers['content-disposition']).toBeUndefined();
    expect(exported.body).toContain('<a href="#f-decision">Decision</a>:');
    expect(exported.body).toMatch(/<li>Export format: /);
    expect(summary(exported.body)).not.toMatch(/\/(decision|format)\b/);
    // The monitoring runs page and the delivery log name a refused page (a cursor not handed out) in words too.
    const runs = await get(auditor, '/monitoring?cursor=zzz');
    expect(runs.statusCode).toBe(400);
    expect(summary(runs.body)).toMatch(/^Please correct:(Page: |[^/]*$)/);
    const admin = await signIn(t.keys.admin.key);
    const deliveries = await get(admin, '/webhooks/deliveries?cursor=zzz&status=nope');
    expect(deliveries.statusCode).toBe(400);
    expect(summary(deliveries.body)).toContain('Status: ');
    expect(summary(deliveries.body)).not.toMatch(/\/(status|cursor)\b/);
  });
});

describe('confirmation before destructive admin actions', () => {
  const mkKey = async (name: string) => {
    const created = await t.app.inject({ method: 'POST', url: '/v1/api-keys', headers: { authorization: `Bearer ${t.keys.admin.key}` }, payload: { name, role: 'reviewer' } });
    expect(created.statusCode, created.body).toBe(201);
    return created.json() as { id: string; key: string };
  };
  const revokedAt = async (id: string) => (await rows<{ revoked_at: unknown }>(sql`select revoked_at from api_keys where id = ${id}`))[0]!.revoked_at;
  const revokeEvents = async (id: string) => (await rows<{ n: number }>(sql`select count(*)::int as n from audit_events where type = 'api_key.revoked' and payload->>'keyId' = ${id}`))[0]!.n;

  it('a key is revoked only from its confirmation page; once, however often the form is sent', async () => {
    const admin = await signIn(t.keys.admin.key);
    const victim = await mkKey('Rev <b>Ng</b> evil');
    const list = await get(admin, '/keys');
    // The list leads to the question: no form revokes from the list.
    expect(list.body).toContain(`<a class="button danger" href="/keys/${victim.id}/revoke"`);
    expect(list.body).not.toContain(`action="/keys/${victim.id}/revoke"`);
    // A form from before the confirmation (no confirm field) gets the question; nothing is revoked.
    const stale = await post(admin, `/keys/${victim.id}/revoke`);
    expect(stale.statusCode).toBe(200);
    expect(stale.body).toContain('Revoke the key of Rev &lt;b&gt;Ng&lt;/b&gt;');
    expect(await revokedAt(victim.id)).toBeNull();
    const ask = await get(admin, `/keys/${victim.id}/revoke`);
    expect(ask.statusCode).toBe(200);
    expect(ask.headers['cache-control']).toBe('no-store');
    expect(ask.body).toContain('<h2 id="confirm-h">Revoke the key of Rev &lt;b&gt;Ng&lt;/b&gt;');
    expect(ask.body).toContain('<a href="/keys">Cancel, keep the key</a>');
    const once = onceIn(ask.body, `/keys/${victim.id}/revoke`);
    // Without the session's CSRF token: refused, nothing revoked.
    expect((await post(admin, `/keys/${victim.id}/revoke`, { confirm: 'yes', _once: once }, false)).statusCode).toBe(403);
    expect(await revokedAt(victim.id)).toBeNull();
    // Confirmed, twice at once and once more (a double click, Back and resend): revoked once.
    const [a, b] = await Promise.all([post(admin, `/keys/${victim.id}/revoke`, { confirm: 'yes', _once: once }), post(admin, `/keys/${victim.id}/revoke`, { confirm: 'yes', _once: once })]);
    const again = await post(admin, `/keys/${victim.id}/revoke`, { confirm: 'yes', _once: once });
    const statuses = [a.statusCode, b.statusCode].sort();
    expect(statuses).toContain(303);
    const done = [a, b].find((r) => r.statusCode === 303)!;
    expect(done.headers.location).toBe(`/keys?revoked=${victim.id}`);
    const after = await get(admin, done.headers.location as string);
    expect(after.body).toContain('<h2>Key revoked</h2>');
    expect(again.statusCode).toBe(200);
    expect(again.body).toContain('<h2>Already revoked</h2>');
    expect(again.body).toContain('nothing was changed');
    expect(await revokedAt(victim.id)).not.toBeNull();
    expect(await revokeEvents(victim.id)).toBe(1);
    // Its holder can no longer use it.
    expect((await t.app.inject({ method: 'GET', url: '/v1/screenings', headers: { authorization: `Bearer ${victim.key}` } })).statusCode).toBe(401);
    // The confirmation page of a revoked key says so instead of asking.
    expect((await get(admin, `/keys/${victim.id}/revoke`)).body).toContain('<h2>Already revoked</h2>');
  });

  it('unknown keys are 404; the key signed in with is refused; non-admins get neither page nor action', async () => {
    const admin = await signIn(t.keys.admin.key);
    expect((await get(admin, '/keys/no-such-key/revoke')).statusCode).toBe(404);
    expect((await get(admin, `/keys/${encodeURIComponent('<script>')}/revoke`)).statusCode).toBe(404);
    expect((await post(admin, '/keys/no-such-key/revoke', { confirm: 'yes' })).statusCode).toBe(404);
    const own = await get(admin, `/keys/${t.keys.admin.id}/revoke`);
    expect(own.statusCode).toBe(409);
    expect(own.body).toContain('you cannot revoke the key you are signed in with');
    expect(own.body).not.toContain('<code>/</code>');
    const victim = await mkKey('Kept Key');
    const reviewer = await signIn(t.keys.reviewer.key);
    expect((await get(reviewer, `/keys/${victim.id}/revoke`)).statusCode).toBe(403);
    expect((await post(reviewer, `/keys/${victim.id}/revoke`, { confirm: 'yes', _once: crypto.randomUUID() })).statusCode).toBe(403);
    expect(await revokedAt(victim.id)).toBeNull();
  });

  it('disabling an endpoint and rotating its secret are confirmed first; a POST without confirmation changes nothing', async () => {
    const admin = await signIn(t.keys.admin.key);
    const created = await post(admin, '/webhooks', { _once: onceIn((await get(admin, '/webhooks')).body, '/webhooks'), url: 'https://erp.example.com/qa18', 'event:screening.flagged': '1' });
    expect(created.statusCode).toBe(201);
    const id = (await rows<{ id: string }>(sql`select id from webhook_endpoints where url = 'https://erp.example.com/qa18'`))[0]!.id;
    const state = async () => (await rows<{ enabled: boolean; secret: string }>(sql`select enabled, secret from webhook_endpoints where id = ${id}`))[0]!;
    const secret = (await state()).secret;
    const list = await get(admin, '/webhooks');
    expect(list.body).toContain(`href="/webhooks/${id}/disable"`);
    expect(list.body).toContain(`href="/webhooks/${id}/rotate"`);
    expect(list.body).not.toContain(`action="/webhooks/${id}/disable"`);
    expect(list.body).not.toContain(`action="/webhooks/${id}/rotate"`);
    // Without confirmation: the question, nothing changed.
    expect((await post(admin, `/webhooks/${id}/disable`)).body).toContain('Disable this endpoint?');
    expect((await post(admin, `/webhooks/${id}/rotate`, { _once: crypto.randomUUID() })).body).toContain('Rotate the signing secret?');
    expect(await state()).toEqual({ enabled: true, secret });
    // Confirmed without the CSRF token: refused.
    expect((await post(admin, `/webhooks/${id}/disable`, { confirm: 'yes' }, false)).statusCode).toBe(403);
    expect((await state()).enabled).toBe(true);
    // Confirmed: done.
    const askRotate = await get(admin, `/webhooks/${id}/rotate`);
    expect(askRotate.body).toContain('<code>https://erp.example.com/qa18</code>');
    const rotated = await post(admin, `/webhooks/${id}/rotate`, { confirm: 'yes', _once: onceIn(askRotate.body, `/webhooks/${id}/rotate`) });
    expect(rotated.statusCode).toBe(200);
    expect(rotated.body).toContain('id="new-secret"');
    expect((await state()).secret).not.toBe(secret);
    // A second rotation's question says a rotation is under way and the earlier secret keeps signing to its own end.
    expect((await get(admin, `/webhooks/${id}/rotate`)).body).toContain('A rotation is already under way');
    expect((await get(admin, `/webhooks/${id}/disable`)).body).toContain('<h2 id="confirm-h">Disable this endpoint?</h2>');
    expect((await post(admin, `/webhooks/${id}/disable`, { confirm: 'yes' })).statusCode).toBe(303);
    expect((await state()).enabled).toBe(false);
    // Enabling needs no question; unknown endpoints are 404 on every route.
    expect((await post(admin, `/webhooks/${id}/enable`)).statusCode).toBe(303);
    expect((await state()).enabled).toBe(true);
    for (const path of ['disable', 'rotate']) {
      expect((await get(admin, `/webhooks/no-such/${path}`)).statusCode).toBe(404);
      expect((await post(admin, `/webhooks/no-such/${path}`, { confirm: 'yes', _once: crypto.randomUUID() })).statusCode).toBe(404);
    }
    const reviewer = await signIn(t.keys.reviewer.key);
    expect((await get(reviewer, `/webhooks/${id}/disable`)).statusCode).toBe(403);
  });
});

describe('QA pass: hostile and refused input on the admin forms', () => {
  it('the webhook form names every refused field in one answer: a refused URL with no event ticked', async () => {
    const admin = await signIn(t.keys.admin.key);
    const once = onceIn((await get(admin, '/webhooks')).body, '/webhooks');
    // Was: only "Events: choose at least one event"; the URL was refused in a second round once an event was ticked.
    const res = await post(admin, '/webhooks', { _once: once, url: 'http://erp.example.com/hook', ownerKeyId: t.keys.reviewer.id });
    expect(res.statusCode).toBe(400);
    const text = summary(res.body);
    expect(text).toContain('Events: choose at least one event');
    expect(text).toMatch(/URL: must be https/);
    expect(text).toContain('Only about: is not an active submitter key');
    expect(res.body).toMatch(/id="wh-url"[^>]*aria-invalid="true" aria-describedby="wh-url-error" autofocus/);
  });

  it('bidirectional and control characters are refused in the key and webhook forms, and stored ones cannot reorder the page', async () => {
    const admin = await signIn(t.keys.admin.key);
    const keyOnce = onceIn((await get(admin, '/keys')).body, '/keys');
    const key = await post(admin, '/keys', { _once: keyOnce, name: 'Invoice \u202Efdp.exe', role: 'submitter' });
    expect(key.statusCode).toBe(400);
    expect(summary(key.body)).toMatch(/Holder's name: must not contain bidirectional control characters/);
    expect((await rows<{ n: number }>(sql`select count(*)::int as n from api_keys where name like 'Invoice%'`))[0]!.n).toBe(0);
    const whOnce = onceIn((await get(admin, '/webhooks')).body, '/webhooks');
    const wh = await post(admin, '/webhooks', { _once: whOnce, url: 'https://erp.example.com/\u202Ekooh', description: 'SAP \u2066prod\u2069', 'event:screening.flagged': '1' });
    expect(wh.statusCode).toBe(400);
    expect(summary(wh.body)).toMatch(/Description: must not contain bidirectional control characters/);
    expect(summary(wh.body)).toMatch(/URL: must not contain bidirectional control characters/);
    const tab = await post(admin, '/webhooks', { _once: whOnce, url: 'https://erp.example.com/h', description: 'SAP\tprod', 'event:screening.flagged': '1' });
    expect(summary(tab.body)).toMatch(/Description: must not contain control characters/);
    expect(summary(tab.body)).not.toContain('must match pattern');
    const bell = await post(admin, '/keys', { _once: keyOnce, name: 'Ring\u0007Ltd', role: 'submitter' });
    expect(summary(bell.body)).toMatch(/Holder's name: must not contain control characters/);
    // The API refuses them too now (tests/http/qa18-bidi-config.test.ts); one stored before it did (written here
    // straight to the table) is shown with the control made visible, not obeyed.
    const viaApi = await t.app.inject({ method: 'POST', url: '/v1/api-keys', headers: { authorization: `Bearer ${t.keys.admin.key}` }, payload: { name: 'Report \u202Efdp.exe', role: 'auditor' } });
    expect(viaApi.statusCode).toBe(400);
    const id = randomUUID();
    await insertApiKey(t.app.database.db, {
      id, prefix: 'ck_b1d1b1d1', secretHash: '0'.repeat(64), role: 'auditor', name: 'Report \u202Efdp.exe',
      createdAt: new Date().toISOString(), createdBy: null, expiresAt: null, revokedAt: null, holder: null, rateLimitPerMinute: null,
    });
    for (const body of [(await get(admin, '/keys')).body, (await get(admin, `/keys/${id}/revoke`)).body]) {
      expect(body).not.toContain('\u202E');
      expect(body).toContain('Report <span class="bidi" title="a bidirectional control character (U+202E) in the stored text">[U+202E]</span>fdp.exe');
    }
  });
});
