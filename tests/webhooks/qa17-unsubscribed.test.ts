/**
 * QA17: a delivery queued before its endpoint's `events` changed, for an event type the endpoint no longer
 * subscribes to, used to be sent anyway (only a redelivery looked at the subscription). Now the attempt checks
 * the subscription when it reads the endpoint and once more right before writing (sendIfStillSendable, with the
 * endpoint's row held FOR SHARE): nothing is sent, and the delivery ends `failed` (terminal, never retried),
 * uncounted, its lastError saying the endpoint no longer subscribes to the type. Subscribed again, an admin can
 * redeliver it.
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

/** A dispatcher whose "DNS" runs `during` (once) after the claim and before anything is written. */
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

const register = async (url: string, events: string[]) => {
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
const flaggedEvent = () => ({ type: 'screening.flagged' as const, occurredAt: new Date().toISOString(), ownerKeyId: null, data: { screeningId: `qa17-${randomUUID()}` } });

describe('a queued delivery of an event type its endpoint no longer subscribes to', () => {
  it('is not sent when the events changed before the claim: failed, uncounted, saying why, and never retried', async () => {
    const r = await receiver();
    const endpointId = await register(`http://hooks-unsub.qa17.test:${r.port}/hook`, ['screening.flagged', 'batch.completed']);
    expect(await a.webhooks.enqueue(flaggedEvent(), new Set([endpointId]))).toBe(1);
    await patch(endpointId, { events: ['batch.completed'] });

    await dispatcher().drain();
    expect(r.received).toHaveLength(0);
    const [d] = await deliveriesOf(endpointId);
    expect(d).toMatchObject({ status: 'failed', attempts: 0, lastStatusCode: null, deliveredAt: null });
    expect(d!.lastError).toMatch(/^endpoint no longer subscribes to screening\.flagged .*not sent, and not retried/);

    // Terminal: nothing is claimed again, however long one waits.
    expect(await dispatcher().drain()).toBe(0);
    expect(r.received).toHaveLength(0);
  });

  it('is not sent when the events change after the claim, right before the request is written', async () => {
    const r = await receiver();
    const endpointId = await register(`http://hooks-unsub-late.qa17.test:${r.port}/hook`, ['screening.flagged', 'batch.completed']);
    expect(await a.webhooks.enqueue(flaggedEvent(), new Set([endpointId]))).toBe(1);

    let changed = false;
    await dispatcher(async () => {
      await patch(endpointId, { events: ['batch.completed'] });
      changed = true;
    }).drain();
    expect(changed).toBe(true);
    expect(r.received).toHaveLength(0);
    const [d] = await deliveriesOf(endpointId);
    expect(d).toMatchObject({ status: 'failed', attempts: 0, lastAttemptAt: null, deliveredAt: null });
    expect(d!.lastError).toMatch(/no longer subscribes to screening\.flagged/);
    expect(await dispatcher().drain()).toBe(0);

    // Subscribed again, the admin can send it: a redelivery goes out, signed as usual.
    await patch(endpointId, { events: ['screening.flagged', 'batch.completed'] });
    const res = await a.inject({ method: 'POST', url: `/v1/webhooks/deliveries/${d!.id as string}/redeliver`, headers: admin });
    expect(res.statusCode, res.body).toBe(202);
    expect(await dispatcher().drain()).toBe(1);
    expect(r.received).toHaveLength(1);
    expect(r.received[0]!.headers['webhook-signature']).toMatch(/^v1,/);
  });

  it('a delivery of a type still subscribed is sent as before', async () => {
    const r = await receiver();
    const endpointId = await register(`http://hooks-still.qa17.test:${r.port}/hook`, ['screening.flagged', 'batch.completed']);
    expect(await a.webhooks.enqueue(flaggedEvent(), new Set([endpointId]))).toBe(1);
    await patch(endpointId, { events: ['screening.flagged'] });
    expect(await dispatcher().drain()).toBe(1);
    expect(r.received).toHaveLength(1);
    const [d] = await deliveriesOf(endpointId);
    expect(d).toMatchObject({ status: 'succeeded', attempts: 1 });
  });
});
