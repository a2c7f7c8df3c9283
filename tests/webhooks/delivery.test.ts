/**
 * Webhooks end to end on the real app: an admin registers an endpoint, a flagged screening is
 * delivered signed (verified with the standardwebhooks package's own verifier), failures are
 * retried with growing back-off, a slow receiver never slows a screening, a restart resumes what
 * was queued, nothing is sent twice for one delivery unless an admin redelivers it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { buildApp, type App } from '../../src/app.js';
import { testConfig, type WebhookConfig } from '../../src/config.js';
import { openDatabase, type Database } from '../../src/store/db.js';
import { claimDueDeliveries } from '../../src/store/webhooks-repo.js';
import { webhookEndpoints } from '../../src/store/schema.js';
import { WebhookDispatcher } from '../../src/services/webhook-dispatcher.js';
import { freshStorage, type TestStorage } from '../helpers/app.js';
import { bearer, createKey, TEST_ADMIN_KEY, type CreatedKey } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';
import { eventually, sleep, startReceiver, type Receiver } from './receiver.js';

const flagged = (reference: string) => ({
  reference,
  shipDate: '2026-11-30',
  items: [{ model: 'NVIDIA H800 SXM5 80GB', quantity: 2000 }],
  parties: [{ role: 'buyer', name: 'Bright Harbour Trading Company Limited', country: 'HK', businessType: 'trading' }],
  route: { origin: 'US', via: ['HK'], destination: 'CN' },
  endUse: 'AI model training',
});

const admin = bearer(TEST_ADMIN_KEY);
// A generous timeout: on a loaded machine a 127.0.0.1 receiver can take seconds, and a timed-out attempt is (rightly) retried.
const fastHooks: Partial<WebhookConfig> = { allowPrivate: true, retryBaseMs: 100, retryMaxMs: 2_000, timeoutMs: 10_000, pollMs: 20, maxAttempts: 5 };

let storage: TestStorage;
let database: Database;
const apps: App[] = [];
const receivers: Receiver[] = [];

async function app(webhooks: Partial<WebhookConfig> = fastHooks): Promise<App> {
  const config = testConfig({ storage: storage.storage, adminKey: TEST_ADMIN_KEY, rateLimitPerMinute: 0, webhooks });
  const a = await buildApp({ config, database, loadRuleset: rulesOnly, sealIntervalMs: 0 });
  apps.push(a);
  return a;
}

async function receiver(answer?: Parameters<typeof startReceiver>[0]): Promise<Receiver> {
  const r = await startReceiver(answer);
  receivers.push(r);
  return r;
}

async function register(a: App, url: string, extra: Record<string, unknown> = {}) {
  const res = await a.inject({ method: 'POST', url: '/v1/webhooks/endpoints', headers: admin, payload: { url, events: ['screening.flagged'], allowHttp: true, ...extra } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; secret: string; url: string };
}

async function screen(a: App, reference: string, key: string = TEST_ADMIN_KEY, headers: Record<string, string> = {}) {
  const res = await a.inject({ method: 'POST', url: '/v1/screenings', headers: { ...bearer(key), ...headers }, payload: flagged(reference) });
  expect(res.statusCode, res.body).toBeLessThan(300);
  return res.json() as { id: string; decision: string };
}

async function deliveries(a: App, query = '') {
  const res = await a.inject({ method: 'GET', url: `/v1/webhooks/deliveries${query}`, headers: admin });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as { items: Array<Record<string, any>> }).items;
}

beforeAll(async () => {
  storage = await freshStorage();
  database = await openDatabase(storage.storage);
});
afterEach(async () => {
  while (apps.length) await apps.pop()!.close();
  while (receivers.length) await receivers.pop()!.close();
  // Each test starts with no endpoint enabled; earlier ones keep their deliveries for the record.
  await database.db.update(webhookEndpoints).set({ enabled: false });
});
afterAll(async () => {
  await database.close();
  await storage.drop();
});

describe('webhook delivery', () => {
  it('delivers screening.flagged signed per Standard Webhooks; the package verifier accepts it', async () => {
    const r = await receiver();
    const a = await app();
    const endpoint = await register(a, r.url);
    expect(endpoint.secret).toMatch(/^whsec_/);
    const screening = await screen(a, 'SO-SIGNED-1');
    expect(screening.decision).not.toBe('CLEAR');

    const [got] = await r.waitFor(1);
    const body = new Webhook(endpoint.secret).verify(got!.body, got!.headers as Record<string, string>) as { type: string; data: Record<string, unknown> };
    expect(body.type).toBe('screening.flagged');
    expect(body.data).toMatchObject({ screeningId: screening.id, reference: 'SO-SIGNED-1', decision: screening.decision, href: `/v1/screenings/${screening.id}` });
    expect(got!.headers['webhook-id']).toMatch(/^msg_/);
    // A tampered body or another secret fails verification.
    expect(() => new Webhook(endpoint.secret).verify(got!.body.replace('SO-SIGNED-1', 'SO-SIGNED-2'), got!.headers as Record<string, string>)).toThrow();
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(got!.body, got!.headers as Record<string, string>)).toThrow();

    const [logged] = await eventually(async () => {
      const items = await deliveries(a, `?endpointId=${endpoint.id}`);
      return items[0]?.status === 'succeeded' ? items : undefined;
    });
    expect(logged).toMatchObject({ attempts: 1, lastStatusCode: 204, lastError: null, messageId: got!.headers['webhook-id'], eventType: 'screening.flagged' });
    // The endpoint listing never shows the secret.
    expect((await a.inject({ method: 'GET', url: '/v1/webhooks/endpoints', headers: admin })).body).not.toContain(endpoint.secret);
  });

  it('retries a receiver that answers 500 with growing back-off, then logs the success', async () => {
    const r = await receiver((n) => ({ status: n < 2 ? 500 : 200 }));
    const a = await app();
    const endpoint = await register(a, r.url);
    await screen(a, 'SO-RETRY-1');
    const got = await r.waitFor(3);
    const firstGap = got[1]!.at - got[0]!.at;
    const secondGap = got[2]!.at - got[1]!.at;
    // Lower bounds only: a loaded machine adds database and poll latency to any gap, never removes it,
    // so comparing the two measured gaps is noise (CI once saw 220 ms then 219 ms). The second wait is at
    // least 160 ms (200 ms less ≤ 20 % jitter), longer than the first can ever be scheduled (≤ 100 ms).
    expect(firstGap).toBeGreaterThanOrEqual(75); // base 100 ms, less ≤ 20 % jitter, less timer rounding
    expect(secondGap).toBeGreaterThanOrEqual(155); // doubled: 200 ms less ≤ 20 % jitter, less timer rounding
    expect(new Set(got.map((g) => g.headers['webhook-id'])).size).toBe(1); // one message, three attempts
    const [logged] = await eventually(async () => {
      const items = await deliveries(a, `?endpointId=${endpoint.id}`);
      return items[0]?.status === 'succeeded' ? items : undefined;
    });
    expect(logged).toMatchObject({ attempts: 3, lastStatusCode: 200, lastError: null, nextAttemptAt: null });
  });

  it('logs a failing delivery with its status, error and next try, and gives up after WEBHOOK_MAX_ATTEMPTS', async () => {
    const r = await receiver(() => ({ status: 503 }));
    const a = await app({ ...fastHooks, maxAttempts: 2 });
    const endpoint = await register(a, r.url);
    await screen(a, 'SO-FAIL-1');
    const pending = await eventually(async () => (await deliveries(a, `?endpointId=${endpoint.id}&status=pending`)).find((d) => d.attempts === 1));
    expect(pending).toMatchObject({ lastStatusCode: 503, lastError: 'HTTP 503' });
    expect(Date.parse(pending.nextAttemptAt)).toBeGreaterThan(Date.parse(pending.lastAttemptAt));
    const failed = await eventually(async () => (await deliveries(a, `?endpointId=${endpoint.id}&status=failed`))[0]);
    expect(failed).toMatchObject({ attempts: 2, lastStatusCode: 503, nextAttemptAt: null });
    await sleep(300);
    expect(r.received.length).toBe(2);
  });

  it('a receiver that hangs costs an attempt (timeout), never the screening', async () => {
    const r = await receiver(() => 'hang');
    const a = await app({ ...fastHooks, timeoutMs: 2_000, retryBaseMs: 10_000 });
    const endpoint = await register(a, r.url);
    await screen(a, 'SO-SLOW-1');
    await r.waitFor(1); // the receiver now holds a delivery open
    const started = Date.now();
    await screen(a, 'SO-SLOW-2');
    expect(Date.now() - started).toBeLessThan(2_000);
    const timedOut = await eventually(async () => (await deliveries(a, `?endpointId=${endpoint.id}&status=pending`)).find((d) => d.attempts === 1 && d.lastError), 8_000);
    expect(timedOut.lastError).toBe('timeout after 2000 ms');
  });

  it('a receiver that is down costs retries; a restart resumes the queue and delivers', async () => {
    const r = await receiver();
    const port = r.port;
    await r.close();
    receivers.pop();
    const first = await app({ ...fastHooks, retryBaseMs: 200 });
    const endpoint = await register(first, `http://127.0.0.1:${port}/hook`);
    await screen(first, 'SO-DOWN-1');
    const pending = await eventually(async () => (await deliveries(first, `?endpointId=${endpoint.id}&status=pending`)).find((d) => d.attempts >= 1));
    expect(pending.lastError).toMatch(/ECONNREFUSED/);
    await first.close();
    apps.splice(apps.indexOf(first), 1);

    const back = await startReceiver(undefined, port);
    receivers.push(back);
    const second = await app();
    await back.waitFor(1);
    const done = await eventually(async () => (await deliveries(second, `?endpointId=${endpoint.id}&status=succeeded`))[0]);
    expect(done.attempts).toBeGreaterThanOrEqual(2);
    expect(back.received.length).toBe(1);
  });

  it('a delivery claimed by a replica that died is taken over when its lease runs out, and sent once', async () => {
    const r = await receiver();
    const a = await app({ ...fastHooks, pollMs: 0 });
    const endpoint = await register(a, r.url);
    // Queue with the dispatcher not running yet: stop it first.
    await a.webhookDispatcher.stop();
    await screen(a, 'SO-LEASE-1');
    // A replica claims it with a short lease and dies before sending.
    const claimed = await claimDueDeliveries(database.db, new Date().toISOString(), new Date(Date.now() + 300).toISOString(), 10);
    expect(claimed.filter((d) => d.endpointId === endpoint.id)).toHaveLength(1);
    const other = new WebhookDispatcher(database.db, testConfig({ webhooks: fastHooks }).webhooks, { log: a.log });
    expect(await other.drain()).toBe(0); // still leased
    await sleep(350);
    expect(await other.drain()).toBe(1);
    expect(r.received.length).toBe(1);
    expect(await other.drain()).toBe(0);
    const [d] = await deliveries(a, `?endpointId=${endpoint.id}`);
    expect(d).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('two dispatchers on one queue send each delivery once; an admin redelivery sends it again with the same webhook-id', async () => {
    const r = await receiver();
    const a = await app({ ...fastHooks, pollMs: 0 });
    const endpoint = await register(a, r.url);
    await a.webhookDispatcher.stop();
    for (let i = 0; i < 12; i++) await screen(a, `SO-ONCE-${i}`);
    const config = testConfig({ webhooks: fastHooks }).webhooks;
    const d1 = new WebhookDispatcher(database.db, config, { log: a.log, batchSize: 3 });
    const d2 = new WebhookDispatcher(database.db, config, { log: a.log, batchSize: 3 });
    const [n1, n2] = await Promise.all([d1.drain(), d2.drain()]);
    expect(n1 + n2).toBe(12);
    const ids = r.received.map((x) => x.headers['webhook-id']);
    expect(new Set(ids).size).toBe(12);
    expect(ids.length).toBe(12);

    const items = await deliveries(a, `?endpointId=${endpoint.id}&limit=5`);
    const target = items[0]!;
    const again = await a.inject({ method: 'POST', url: `/v1/webhooks/deliveries/${target.id}/redeliver`, headers: admin });
    expect(again.statusCode, again.body).toBe(202);
    expect(again.json()).toMatchObject({ status: 'pending', attempts: 0, redeliveryOf: target.id, messageId: target.messageId });
    // Queued again: a second redelivery while it waits would double it.
    const twice = await a.inject({ method: 'POST', url: `/v1/webhooks/deliveries/${again.json().id}/redeliver`, headers: admin });
    expect(twice.statusCode).toBe(409);
    expect(await d1.drain()).toBe(1);
    expect(r.received.length).toBe(13);
    expect(r.received[12]!.headers['webhook-id']).toBe(target.messageId);
  });

  it('publishes nothing for an idempotent replay', async () => {
    const r = await receiver();
    const a = await app();
    await register(a, r.url);
    const key = { 'idempotency-key': 'erp-order-4500012345' };
    await screen(a, 'SO-IDEM-1', TEST_ADMIN_KEY, key);
    await screen(a, 'SO-IDEM-1', TEST_ADMIN_KEY, key);
    await r.waitFor(1);
    await sleep(200);
    expect(r.received.length).toBe(1);
  });

  it('an endpoint scoped to one API key receives only events about that key’s screenings', async () => {
    const r = await receiver();
    const a = await app();
    const mine = await createKey({ app: a, close: async () => {} }, 'submitter', { name: 'ERP A' });
    const theirs: CreatedKey = await createKey({ app: a, close: async () => {} }, 'submitter', { name: 'ERP B' });
    await register(a, r.url, { ownerKeyId: mine.id });
    await screen(a, 'SO-THEIRS-1', theirs.key);
    const own = await screen(a, 'SO-MINE-1', mine.key);
    const [got] = await r.waitFor(1);
    await sleep(200);
    expect(r.received.length).toBe(1);
    expect(JSON.parse(got!.body).data.screeningId).toBe(own.id);
  });

  it('a disabled endpoint is sent nothing; enabled again, it is; a rotated secret signs alongside the old one', async () => {
    const r = await receiver();
    const a = await app();
    const endpoint = await register(a, r.url);
    const off = await a.inject({ method: 'PATCH', url: `/v1/webhooks/endpoints/${endpoint.id}`, headers: admin, payload: { enabled: false } });
    expect(off.json()).toMatchObject({ enabled: false });
    await screen(a, 'SO-OFF-1');
    await sleep(200);
    expect(r.received.length).toBe(0);

    const rotated = await a.inject({ method: 'POST', url: `/v1/webhooks/endpoints/${endpoint.id}/rotate-secret`, headers: admin });
    expect(rotated.statusCode).toBe(200);
    const { secret: newSecret, secretRotatedUntil } = rotated.json();
    expect(newSecret).not.toBe(endpoint.secret);
    expect(Date.parse(secretRotatedUntil)).toBeGreaterThan(Date.now());
    await a.inject({ method: 'PATCH', url: `/v1/webhooks/endpoints/${endpoint.id}`, headers: admin, payload: { enabled: true } });
    await screen(a, 'SO-ON-1');
    const [got] = await r.waitFor(1);
    expect(JSON.parse(got!.body).data.reference).toBe('SO-ON-1');
    const headers = got!.headers as Record<string, string>;
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(() => new Webhook(newSecret).verify(got!.body, headers)).not.toThrow();
    expect(() => new Webhook(endpoint.secret).verify(got!.body, headers)).not.toThrow();
  });
});

describe('registering endpoints', () => {
  it('refuses unsafe targets with a 400 naming /url', async () => {
    const a = await app({ ...fastHooks, allowPrivate: false });
    for (const [url, allowHttp, reason] of [
      ['http://erp.example.com/hook', false, /must be https/],
      ['https://127.0.0.1/hook', false, /private, loopback/],
      ['https://[::1]/hook', false, /private, loopback/],
      ['https://169.254.169.254/hook', false, /private, loopback/],
    ] as const) {
      const res = await a.inject({ method: 'POST', url: '/v1/webhooks/endpoints', headers: admin, payload: { url, allowHttp, events: ['screening.flagged'] } });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().errors[0]).toMatchObject({ field: '/url', in: 'body', message: expect.stringMatching(reason) });
    }
    const ok = await a.inject({ method: 'POST', url: '/v1/webhooks/endpoints', headers: admin, payload: { url: 'https://erp.example.com/hook', events: ['batch.completed'] } });
    expect(ok.statusCode).toBe(201);
  });

  it('names the allowed event types when one is unknown', async () => {
    const a = await app();
    const res = await a.inject({ method: 'POST', url: '/v1/webhooks/endpoints', headers: admin, payload: { url: 'https://erp.example.com/hook', events: ['screening.made'] } });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0]).toMatchObject({ field: '/events/0', message: 'must be one of: screening.flagged, screening.changed, batch.completed' });
  });
});
