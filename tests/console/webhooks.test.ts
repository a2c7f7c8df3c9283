/**
 * Webhooks in the console, over HTTP with a signed-in admin session (cookie + CSRF token): register
 * an endpoint (the secret shown once, and it signs the deliveries a receiver gets), field errors at
 * the form for a refused URL, no event, or an owner that is not a submitter key — nothing stored —
 * hostile text inert, disable/enable, rotate, the delivery log with its filters, redeliver with the
 * same webhook-id; only admins get the pages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';
import { startReceiver, type Receiver } from '../webhooks/receiver.js';

let t: KeyedTestApp;
let receiver: Receiver;

beforeAll(async () => {
  t = await makeKeyedApp(
    { rateLimitPerMinute: 0, webhooks: { allowPrivate: true, retryBaseMs: 100, retryMaxMs: 2_000, timeoutMs: 10_000, pollMs: 20, maxAttempts: 5, relayMs: 0 } as never },
    { loadRuleset: rulesOnly, sealIntervalMs: 0 },
  );
  receiver = await startReceiver();
}, 300_000);
afterAll(async () => {
  await receiver?.close();
  await t?.close();
}, 120_000);

interface Session {
  cookie: string;
  csrf: string;
}

async function signIn(key: string, landing = '/webhooks'): Promise<Session> {
  const res = await t.app.inject({ method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: new URLSearchParams({ key, next: landing }).toString() });
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
    method: 'POST', url,
    headers: { cookie: s.cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ ...(csrf ? { _csrf: s.csrf } : {}), ...fields }).toString(),
  });
const endpointCount = async () => {
  const res = await t.app.database.db.execute(sql`SELECT count(*)::int AS n FROM webhook_endpoints`);
  return Number((((res as { rows?: unknown[] }).rows ?? res) as Array<{ n: number }>)[0]!.n);
};
const secretOn = (body: string) => /id="new-secret" class="mono" readonly value="(whsec_[^"]+)"/.exec(body)?.[1];

const flagged = (reference: string) => ({
  reference,
  shipDate: '2026-11-30',
  items: [{ model: 'NVIDIA H800 SXM5 80GB', quantity: 2000 }],
  parties: [{ role: 'buyer', name: 'Bright Harbour Trading Company Limited', country: 'HK', businessType: 'trading' }],
  route: { origin: 'US', via: ['HK'], destination: 'CN' },
});

describe('webhooks in the console', () => {
  it('registers an endpoint whose once-shown secret signs what the receiver gets; disable, enable, rotate; the log and redeliver', async () => {
    const admin = await signIn(t.keys.admin.key);
    const home = await get(admin, '/webhooks');
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain('<a href="/webhooks" aria-current="page">Webhooks</a>');
    expect(home.body).toContain('No endpoint registered.');
    // The owner choice offers active submitter keys only.
    expect(home.body).toContain(`<option value="${t.keys.submitter.id}">`);
    expect(home.body).not.toContain(`<option value="${t.keys.reviewer.id}">`);

    const created = await post(admin, '/webhooks', {
      url: receiver.url, 'event:screening.flagged': '1', ownerKeyId: t.keys.submitter.id, allowHttp: 'true',
      description: '<script>alert("x")</script> SAP "prod"',
    });
    expect(created.statusCode, created.body.slice(0, 500)).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const secret = secretOn(created.body);
    expect(secret).toMatch(/^whsec_/);
    expect(created.body).not.toContain('<script>alert');
    expect(created.body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; SAP &quot;prod&quot;');
    // Listed without the secret after that.
    const listed = await get(admin, '/webhooks');
    expect(listed.body).not.toContain(secret!);
    expect(listed.body).toContain(`<code>${receiver.url}</code>`);
    const id = /href="\/webhooks\/([0-9a-f-]{36})\/disable"/.exec(listed.body)?.[1];
    expect(id).toBeTruthy();

    // A flagged screening by that submitter reaches the receiver, signed with the secret the page showed.
    const screened = await t.app.inject({ method: 'POST', url: '/v1/screenings', headers: bearer(t.keys.submitter.key), payload: flagged('SO-CONSOLE-WH-1') });
    expect(screened.statusCode, screened.body).toBe(201);
    const [first] = await receiver.waitFor(1, 15_000);
    expect(new Webhook(secret!).verify(first!.body, first!.headers as Record<string, string>)).toMatchObject({ type: 'screening.flagged', data: { reference: 'SO-CONSOLE-WH-1' } });

    // The delivery log: the delivery, linked to its screening, with a redeliver button once it succeeded.
    let log = await get(admin, `/webhooks/deliveries?endpointId=${id}`);
    for (let i = 0; i < 50 && !log.body.includes('<td>succeeded</td>'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      log = await get(admin, `/webhooks/deliveries?endpointId=${id}`);
    }
    expect(log.statusCode).toBe(200);
    expect(log.body).toContain(`<a href="/screenings/${screened.json().id}">SO-CONSOLE-WH-1</a>`);
    expect(log.body).toContain('<td>succeeded</td>');
    const deliveryId = /action="\/webhooks\/deliveries\/([0-9a-f-]{36})\/redeliver"/.exec(log.body)?.[1];
    expect(deliveryId).toBeTruthy();
    expect((await get(admin, '/webhooks/deliveries?status=failed')).body).toContain('No delivery matches the filter.');
    // What the ERP was told about one screening: linked from the screening page (admins), by subject in the API too.
    const screeningId = screened.json().id as string;
    expect((await get(admin, `/screenings/${screeningId}`)).body).toContain(`<a href="/webhooks/deliveries?subjectId=${screeningId}">`);
    const about = await get(admin, `/webhooks/deliveries?subjectId=${screeningId}`);
    expect(about.body).toContain(`action="/webhooks/deliveries/${deliveryId}/redeliver"`);
    expect((await get(admin, '/webhooks/deliveries?subjectId=some-other-screening')).body).toContain('No delivery matches the filter.');
    const badSubject = await get(admin, '/webhooks/deliveries?subjectId=%3Cscript%3E');
    expect(badSubject.statusCode).toBe(400);
    expect(badSubject.body).toContain('<li>Screening or batch: ');
    expect(badSubject.body).not.toContain('<script>');
    const api = await t.app.inject({ method: 'GET', url: `/v1/webhooks/deliveries?subjectId=${screeningId}`, headers: bearer(t.keys.admin.key) });
    expect(api.statusCode).toBe(200);
    expect(api.json().items).toMatchObject([{ id: deliveryId, subjectId: screeningId, eventType: 'screening.flagged' }]);
    const reviewerView = await t.app.inject({ method: 'GET', url: `/screenings/${screeningId}`, headers: { ...bearer(t.keys.reviewer.key), accept: 'text/html' } });
    expect(reviewerView.body).not.toContain('/webhooks/deliveries');
    const again = await post(admin, `/webhooks/deliveries/${deliveryId}/redeliver`);
    expect(again.statusCode).toBe(303);
    // A second click while that redelivery waits is not queued twice: the endpoint's deliveries, saying so
    // (or, if the first was already delivered in between, a new redelivery).
    const twice = await post(admin, `/webhooks/deliveries/${deliveryId}/redeliver`);
    if (twice.statusCode === 409) expect(twice.body).toContain('Not queued again');
    else expect(twice.statusCode).toBe(303);
    const [, second] = await receiver.waitFor(2, 15_000);
    expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);

    // Disable: no new events are queued for it; enable again.
    // Disabling is confirmed first: the button leads to a question; only its form (confirm=yes) disables.
    const ask = await get(admin, `/webhooks/${id}/disable`);
    expect(ask.body).toContain('Disable this endpoint?');
    expect((await post(admin, `/webhooks/${id}/disable`)).statusCode).toBe(200);
    expect((await get(admin, '/webhooks')).body).toMatch(/<td>enabled<\/td>/);
    expect((await post(admin, `/webhooks/${id}/disable`, { confirm: 'yes' })).statusCode).toBe(303);
    expect((await get(admin, '/webhooks')).body).toMatch(/<td>disabled<\/td>/);
    expect((await post(admin, `/webhooks/${id}/enable`)).statusCode).toBe(303);
    expect((await get(admin, '/webhooks')).body).toMatch(/<td>enabled<\/td>/);

    // Rotate: a new secret, shown once; the old one still signs for a while.
    const rotateOnce = /name="_once" value="([0-9a-f-]{36})"/.exec((await get(admin, `/webhooks/${id}/rotate`)).body)?.[1];
    const rotated = await post(admin, `/webhooks/${id}/rotate`, { confirm: 'yes', _once: rotateOnce! });
    expect(rotated.statusCode).toBe(200);
    const newSecret = secretOn(rotated.body);
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(secret);
    expect(rotated.body).toContain('old secret signs until');
  }, 60_000);

  it('shows field errors at the form and stores nothing for a refused URL, no event, or an owner that is not a submitter key', async () => {
    const admin = await signIn(t.keys.admin.key);
    const before = await endpointCount();
    const noEvent = await post(admin, '/webhooks', { url: 'https://erp.example.com/hook' });
    expect(noEvent.statusCode).toBe(400);
    expect(noEvent.body).toContain('<a href="#wh-ev-screening-flagged">Events</a>: choose at least one event');
    expect(noEvent.body).toContain('value="https://erp.example.com/hook"'); // the form keeps what was typed
    const plainHttp = await post(admin, '/webhooks', { url: 'http://erp.example.com/hook', 'event:batch.completed': '1' });
    expect(plainHttp.statusCode).toBe(400);
    expect(plainHttp.body).toContain('<a href="#wh-url">URL</a>:');
    const reviewerOwner = await post(admin, '/webhooks', { url: 'https://erp.example.com/hook', 'event:batch.completed': '1', ownerKeyId: t.keys.reviewer.id });
    expect(reviewerOwner.statusCode).toBe(400);
    expect(reviewerOwner.body).toContain('<a href="#wh-owner">Only about</a>: is not an active submitter key');
    const hostileUrl = await post(admin, '/webhooks', { url: 'javascript:alert(1)//"><img src=x>', 'event:batch.completed': '1' });
    expect(hostileUrl.statusCode).toBe(400);
    expect(hostileUrl.body).not.toContain('"><img src=x>');
    expect(await endpointCount()).toBe(before);
    // A form without the session's token is refused.
    expect((await post(admin, '/webhooks', { url: 'https://erp.example.com/hook', 'event:batch.completed': '1' }, false)).statusCode).toBe(403);
    // Bad filters and cursors are named, not 500s; unknown ids are 404.
    const badStatus = await get(admin, '/webhooks/deliveries?status=nope');
    expect(badStatus.statusCode).toBe(400);
    expect(badStatus.body).toContain('<a href="#dl-st">Status</a>:');
    expect((await get(admin, '/webhooks/deliveries?cursor=not-a-cursor')).statusCode).toBe(400);
    expect((await post(admin, '/webhooks/no-such-endpoint/rotate')).statusCode).toBe(404);
    expect((await post(admin, '/webhooks/deliveries/no-such-delivery/redeliver')).statusCode).toBe(404);
    expect(await endpointCount()).toBe(before);
  });

  it('is for admins only', async () => {
    const reviewer = await signIn(t.keys.reviewer.key, '/queue');
    expect((await get(reviewer, '/webhooks')).statusCode).toBe(403);
    expect((await get(reviewer, '/webhooks/deliveries')).statusCode).toBe(403);
    expect((await get(reviewer, '/rules')).body).not.toContain('href="/webhooks"');
  });
});
