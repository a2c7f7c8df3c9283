/**
 * Console forms that create or change configuration carry a once-token (layout.ts, onceField) claimed in
 * the change's own transaction (store/form-submissions-repo.ts): a double click or a resent form creates
 * one API key, registers one webhook endpoint, rotates a secret once, records a licence once — and the
 * second submission is answered with what the first did. Also when both arrive at the same moment.
 * Refused fields keep the token (nothing was claimed under it). Console routes take `Authorization:
 * Bearer` (no cookie, so no CSRF token) — used here.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';

const form = (o: Record<string, string>) => new URLSearchParams(o).toString();
const tokenOf = (body: string, action: string) => {
  const at = body.indexOf(`action="${action}"`);
  expect(at, `a form posting to ${action}`).toBeGreaterThan(-1);
  return /name="_once" value="([0-9a-f-]{36})"/.exec(body.slice(at))?.[1];
};

let t: KeyedTestApp;
const headers = (key = t.keys.admin.key) => ({ ...bearer(key), 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' });
const count = async (query: ReturnType<typeof sql>) =>
  Number((((await t.app.database.db.execute(query)) as { rows?: unknown[] }).rows ?? []).map((r) => (r as { n: number }).n)[0]);

beforeAll(async () => {
  t = await makeKeyedApp({ rateLimitPerMinute: 0, webhooks: { allowPrivate: true } as never }, { loadRuleset: rulesOnly, sealIntervalMs: 0 });
}, 300_000);
afterAll(async () => t?.close(), 120_000);

describe('once-tokens on configuration forms', () => {
  it('an API key form sent twice creates one key; the second answer names it and says the secret is not shown again', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/keys', headers: headers() });
    const once = tokenOf(page.body, '/keys')!;
    const keys = () => count(sql`select count(*)::int as n from api_keys where name = 'Twice Ltd'`);
    const first = await t.app.inject({ method: 'POST', url: '/keys', headers: headers(), payload: form({ _once: once, name: 'Twice Ltd', role: 'submitter' }) });
    expect(first.statusCode, first.body.slice(0, 300)).toBe(201);
    expect(first.body).toContain('id="new-key"');
    const second = await t.app.inject({ method: 'POST', url: '/keys', headers: headers(), payload: form({ _once: once, name: 'Twice Ltd', role: 'submitter' }) });
    expect(second.statusCode).toBe(200);
    expect(second.body).toContain('This form was already sent');
    expect(second.body).toContain('Twice Ltd (submitter');
    expect(second.body).not.toContain('id="new-key"');
    expect(await keys()).toBe(1);
    expect(await count(sql`select count(*)::int as n from audit_events where type = 'api_key.created' and payload->>'role' = 'submitter'`)).toBe(
      await count(sql`select count(*)::int as n from api_keys where role = 'submitter'`),
    );
    // The page after a creation draws a fresh token: the next key is its own.
    const next = tokenOf(first.body, '/keys');
    expect(next).not.toBe(once);
  });

  it('refused fields keep the token and what was typed; the corrected form then creates the key', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/keys', headers: headers() });
    const once = tokenOf(page.body, '/keys')!;
    const refused = await t.app.inject({ method: 'POST', url: '/keys', headers: headers(), payload: form({ _once: once, name: 'Refused <b>Co</b>', role: 'emperor' }) });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain(`name="_once" value="${once}"`);
    expect(refused.body).toContain('value="Refused &lt;b&gt;Co&lt;/b&gt;"');
    const ok = await t.app.inject({ method: 'POST', url: '/keys', headers: headers(), payload: form({ _once: once, name: 'Refused Co', role: 'auditor' }) });
    expect(ok.statusCode).toBe(201);
  });

  it('two submissions of one key form at the same moment create one key', async () => {
    const once = tokenOf((await t.app.inject({ method: 'GET', url: '/keys', headers: headers() })).body, '/keys')!;
    const send = () => t.app.inject({ method: 'POST', url: '/keys', headers: headers(), payload: form({ _once: once, name: 'Racing GmbH', role: 'reviewer' }) });
    const answers = await Promise.all([send(), send(), send()]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 200, 201]);
    expect(answers.filter((a) => a.body.includes('This form was already sent'))).toHaveLength(2);
    expect(await count(sql`select count(*)::int as n from api_keys where name = 'Racing GmbH'`)).toBe(1);
  });

  it('a webhook form sent twice registers one endpoint; a rotation sent twice rotates once and keeps the old secret signing', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/webhooks', headers: headers() });
    const once = tokenOf(page.body, '/webhooks')!;
    const fields = form({ _once: once, url: 'https://erp.example.com/hooks/once', 'event:screening.flagged': '1' });
    const [a, b] = await Promise.all([
      t.app.inject({ method: 'POST', url: '/webhooks', headers: headers(), payload: fields }),
      t.app.inject({ method: 'POST', url: '/webhooks', headers: headers(), payload: fields }),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 201]);
    const replay = a.statusCode === 200 ? a : b;
    expect(replay.body).toContain('registered the endpoint for <code>https://erp.example.com/hooks/once</code>');
    expect(await count(sql`select count(*)::int as n from webhook_endpoints where url = 'https://erp.example.com/hooks/once'`)).toBe(1);

    const id = String(
      ((await t.app.database.db.execute(sql`select id from webhook_endpoints where url = 'https://erp.example.com/hooks/once'`)) as { rows: Array<{ id: string }> }).rows[0]!.id,
    );
    const original = String(((await t.app.database.db.execute(sql`select secret from webhook_endpoints where id = ${id}`)) as { rows: Array<{ secret: string }> }).rows[0]!.secret);
    const list = await t.app.inject({ method: 'GET', url: `/webhooks/${id}/rotate`, headers: headers() }); // the confirmation page
    const rotateOnce = tokenOf(list.body, `/webhooks/${id}/rotate`)!;
    const rotate = () => t.app.inject({ method: 'POST', url: `/webhooks/${id}/rotate`, headers: headers(), payload: form({ _once: rotateOnce, confirm: 'yes' }) });
    const first = await rotate();
    expect(first.statusCode).toBe(200);
    expect(first.body).toContain('id="new-secret"');
    const second = await rotate();
    expect(second.body).toContain('rotated the signing secret');
    expect(second.body).not.toContain('id="new-secret"');
    const row = ((await t.app.database.db.execute(sql`select secret, previous_secret from webhook_endpoints where id = ${id}`)) as { rows: Array<{ secret: string; previous_secret: string }> }).rows[0]!;
    // One rotation: the secret receivers still use is the one kept signing for the grace period.
    expect(row.previous_secret).toBe(original);
    expect(first.body).toContain(row.secret);
  });

  it('a licence form sent twice records one licence; amend and revoke sent twice change it once', async () => {
    const reviewer = headers(t.keys.reviewer.key);
    const page = await t.app.inject({ method: 'GET', url: '/licences/new', headers: reviewer });
    const once = tokenOf(page.body, '/licences/new')!;
    const terms = {
      '/number': 'D7600001', '/destination': 'VN', '/eccns': '3A090', '/quantity': '10', '/validFrom': '2026-01-01', '/validTo': '2030-12-31',
      '/parties/0/role': 'ultimate_consignee', '/parties/0/name': 'Saigon Compute JSC', '/parties/0/country': 'VN',
    };
    const [a, b] = await Promise.all([
      t.app.inject({ method: 'POST', url: '/licences/new', headers: reviewer, payload: form({ ...terms, _once: once }) }),
      t.app.inject({ method: 'POST', url: '/licences/new', headers: reviewer, payload: form({ ...terms, _once: once }) }),
    ]);
    expect(a.statusCode, a.body.slice(0, 300)).toBe(303);
    expect(b.statusCode, b.body.slice(0, 300)).toBe(303);
    expect(b.headers.location).toBe(a.headers.location);
    const url = String(a.headers.location);
    const events = (type: string) => count(sql`select count(*)::int as n from audit_events where type = ${type} and payload->>'licenceId' = ${url.split('/').pop()!}`);
    expect(await events('licence.issued')).toBe(1);

    const amendOnce = tokenOf((await t.app.inject({ method: 'GET', url: `${url}/amend`, headers: reviewer })).body, `${url}/amend`)!;
    for (let i = 0; i < 2; i++) {
      const res = await t.app.inject({ method: 'POST', url: `${url}/amend`, headers: reviewer, payload: form({ ...terms, '/quantity': '12', '/reason': 'more units', _once: amendOnce }) });
      expect(res.statusCode, res.body.slice(0, 300)).toBe(303);
      expect(res.headers.location).toBe(url);
    }
    expect(await events('licence.amended')).toBe(1);

    const revokeOnce = tokenOf((await t.app.inject({ method: 'GET', url, headers: reviewer })).body, `${url}/revoke`)!;
    for (let i = 0; i < 2; i++) {
      const res = await t.app.inject({ method: 'POST', url: `${url}/revoke`, headers: reviewer, payload: form({ reason: 'end user changed', _once: revokeOnce }) });
      expect(res.statusCode, res.body.slice(0, 300)).toBe(303); // not "already revoked" for the second click
    }
    expect(await events('licence.revoked')).toBe(1);
  });

  it('a token is the submitter\'s own: another key sending the same token is not answered with the first one\'s key', async () => {
    const once = tokenOf((await t.app.inject({ method: 'GET', url: '/keys', headers: headers() })).body, '/keys')!;
    const first = await t.app.inject({ method: 'POST', url: '/keys', headers: headers(), payload: form({ _once: once, name: 'Own Token Ltd', role: 'submitter' }) });
    expect(first.statusCode).toBe(201);
    const otherAdmin = /id="new-key" class="mono" readonly value="([^"]+)"/.exec(
      (await t.app.inject({ method: 'POST', url: '/keys', headers: headers(), payload: form({ name: 'Second Admin', role: 'admin' }) })).body,
    )?.[1];
    expect(otherAdmin).toBeTruthy();
    const other = await t.app.inject({ method: 'POST', url: '/keys', headers: headers(otherAdmin!), payload: form({ _once: once, name: 'Own Token Ltd', role: 'submitter' }) });
    expect(other.statusCode).toBe(201);
    expect(other.body).not.toContain('This form was already sent');
  });
});
