/**
 * QA16: what changes between a delivery's claim and its sending, and redelivery of an event type the endpoint
 * no longer subscribes to.
 *
 * - An endpoint disabled after its delivery was claimed used to be sent the delivery anyway (the attempt read the
 *   endpoint and never looked at `enabled`). Now nothing is sent once the disable is acknowledged: the attempt
 *   checks again with the connection open, right before writing; the delivery goes back to pending, uncounted,
 *   its last error saying the endpoint is disabled, and goes out when the endpoint is enabled again.
 * - An endpoint whose URL changed meanwhile is not sent to at the old URL; the delivery goes to the new one.
 * - A redelivery of an event type the endpoint no longer subscribes to used to be queued and sent; it is 409 now.
 *
 * The test resolver stands in for DNS: it runs after the claim and before the request is written, which is
 * where the admin's change is made.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { testConfig, type WebhookConfig } from '../../src/config.js';
import { openDatabase, type Database } from '../../src/store/db.js';
import { WebhookDispatcher } from '../../src/services/webhook-dispatcher.js';
import type { Resolver } from '../../src/services/webhook-target.js';
import { freshStorage, type TestStorage } from '../helpers/app.js';
import { bearer, TEST_ADMIN_KEY } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';
import { startReceiver, type Receiver } from './receiver.js';

const admin = bearer(TEST_ADMIN_KEY);
const hooks: Partial<WebhookConfig> = { allowPrivate: true, retryBaseMs: 100, retryMaxMs: 1_000, timeoutMs: 10_000, pollMs: 0, maxAttempts: 3 };

let storage: TestStorage;
let database: Database;
let a: App;
let config: ReturnType<typeof testConfig>;
const receivers: Receiver[] = [];

beforeAll(async () => {
  storage = await freshStorage();
  database = await openDatabase(storage.storage);
  config = testConfig({ storage: storage.storage, adminKey: TEST_ADMIN_KEY, rateLimitPerMinute: 0, webhooks: hooks });
  a = await buildApp({ config, database, loadRuleset: rulesOnly, sealIntervalMs: 0 });
  // Only the tests send (drain()).
  await a.webhookDispatcher.stop();
});
afterAll(async () => {
  await a?.close();
  for (const r of receivers) await r.close();
  await database?.close();
  await storage?.drop();
});

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

/** A dispatcher whose "DNS" runs `during` (once, on the first lookup) before answering 127.0.0.1. */
function dispatcher(during: () => Promise<void> = async () => {}) {
  let first = true;
  const resolve: Resolver = async () => {
    if (first) {
      first = false;
      await during();
    }
    return [{ address: '127.0.0.1', family: 4 }];
  };
  return new WebhookDispatcher(database.db, config.webhooks, { log: a.log, resolve, jitter: 0 });
}

const register = async (url: string, events: string[] = ['screening.flagged']) => {
  const res = await a.inject({ method: 'POST', url: '/v1/webhooks/endpoints', headers: admin, payload: { url, allowHttp: true, events } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
};
const patch = async (id: string, payload: object) => {
  const res = await a.inject({ method: 'PATCH', url: `/v1/webhooks/endpoints/${id}`, headers: admin, payload });
  expect(res.statusCode, res.body).toBe(200);
};
const deliveriesOf = async (endpointId: string) =>
  (await a.inject({ method: 'GET', url: `/v1/webhooks/deliveries?endpointId=${endpointId}&limit=100`, headers: admin })).json().items as Array<Record<string, unknown>>;
const flaggedEvent = () => ({ type: 'screening.flagged' as const, occurredAt: new Date().toISOString(), ownerKeyId: null, data: { screeningId: `qa16-${randomUUID()}` } });

describe('the dispatcher checks the endpoint again right before sending', () => {
  it('sends nothing to an endpoint disabled after the claim; the delivery waits, uncounted, saying why, and goes out once enabled', async () => {
    const r = await receiver();
    const endpointId = await register(`http://hooks-disabled.qa16.test:${r.port}/hook`);
    expect(await a.webhooks.enqueue(flaggedEvent(), new Set([endpointId]))).toBe(1);

    // Claimed, endpoint read, resolving the name: the admin disables it, and is answered, before anything is written.
    let acknowledged = false;
    const d = dispatcher(async () => {
      await patch(endpointId, { enabled: false });
      acknowledged = true;
    });
    await d.drain();
    expect(acknowledged).toBe(true);
    expect(r.received).toHaveLength(0);
    const [waiting] = await deliveriesOf(endpointId);
    expect(waiting).toMatchObject({ status: 'pending', attempts: 0, lastAttemptAt: null, lastStatusCode: null, deliveredAt: null });
    expect(waiting!.lastError).toMatch(/^endpoint disabled: not sent/);

    // Still disabled: nothing is claimed.
    expect(await dispatcher().drain()).toBe(0);
    expect(r.received).toHaveLength(0);

    await patch(endpointId, { enabled: true });
    expect(await dispatcher().drain()).toBe(1);
    expect(r.received).toHaveLength(1);
    const [sent] = await deliveriesOf(endpointId);
    expect(sent).toMatchObject({ id: waiting!.id, status: 'succeeded', attempts: 1, lastStatusCode: 204 });
  });

  it('does not send to the old URL of an endpoint whose URL changed after the claim; it goes to the new one', async () => {
    const before = await receiver();
    const after = await receiver();
    const endpointId = await register(`http://hooks-old.qa16.test:${before.port}/hook`);
    expect(await a.webhooks.enqueue(flaggedEvent(), new Set([endpointId]))).toBe(1);

    const d = dispatcher(() => patch(endpointId, { url: `http://hooks-new.qa16.test:${after.port}/hook` }));
    await d.drain();
    expect(before.received).toHaveLength(0);
    expect(after.received).toHaveLength(1);
    const [delivery] = await deliveriesOf(endpointId);
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 1, lastStatusCode: 204 });
  });
});

describe('POST /v1/webhooks/deliveries/{id}/redeliver of an event type the endpoint no longer subscribes to', () => {
  it('is refused with 409 naming the endpoint and the event type, and queues nothing; subscribed again, it is accepted', async () => {
    const r = await receiver();
    const endpointId = await register(r.url, ['screening.flagged', 'batch.completed']);
    expect(await a.webhooks.enqueue(flaggedEvent(), new Set([endpointId]))).toBe(1);
    expect(await dispatcher().drain()).toBe(1);
    const [original] = await deliveriesOf(endpointId);
    expect(original).toMatchObject({ status: 'succeeded' });

    await patch(endpointId, { events: ['batch.completed'] });
    const refused = await a.inject({ method: 'POST', url: `/v1/webhooks/deliveries/${original!.id as string}/redeliver`, headers: admin });
    expect(refused.statusCode, refused.body).toBe(409);
    expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(refused.json().detail).toMatch(new RegExp(`Endpoint ${endpointId} no longer subscribes to screening\\.flagged`));
    expect(await deliveriesOf(endpointId)).toHaveLength(1);
    // The service function the console calls answers the same.
    await expect(a.webhooks.redeliver(original!.id as string)).rejects.toMatchObject({ status: 409 });

    await patch(endpointId, { events: ['screening.flagged', 'batch.completed'] });
    const accepted = await a.inject({ method: 'POST', url: `/v1/webhooks/deliveries/${original!.id as string}/redeliver`, headers: admin });
    expect(accepted.statusCode, accepted.body).toBe(202);
    expect(await dispatcher().drain()).toBe(1);
    expect(r.received).toHaveLength(2);
  });
});
