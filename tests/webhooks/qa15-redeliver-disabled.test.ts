/**
 * QA15: redelivering a delivery whose endpoint has since been disabled. It used to be accepted (202) and
 * queued, then waited unsent — nobody told — until someone enabled the endpoint. It is refused now (409,
 * saying the endpoint is disabled) and nothing is queued; enabled again, the same request is accepted and sent.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { testConfig, type WebhookConfig } from '../../src/config.js';
import { openDatabase, type Database } from '../../src/store/db.js';
import { WebhookDispatcher } from '../../src/services/webhook-dispatcher.js';
import { freshStorage, type TestStorage } from '../helpers/app.js';
import { bearer, TEST_ADMIN_KEY } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';
import { startReceiver, type Receiver } from './receiver.js';

const admin = bearer(TEST_ADMIN_KEY);
const hooks: Partial<WebhookConfig> = { allowPrivate: true, retryBaseMs: 100, retryMaxMs: 1_000, timeoutMs: 5_000, pollMs: 0, maxAttempts: 3 };

let storage: TestStorage;
let database: Database;
let a: App;
let receiver: Receiver;
let d: WebhookDispatcher;

beforeAll(async () => {
  storage = await freshStorage();
  database = await openDatabase(storage.storage);
  const config = testConfig({ storage: storage.storage, adminKey: TEST_ADMIN_KEY, rateLimitPerMinute: 0, webhooks: hooks });
  a = await buildApp({ config, database, loadRuleset: rulesOnly, sealIntervalMs: 0 });
  receiver = await startReceiver();
  // Only the test sends (drain()).
  await a.webhookDispatcher.stop();
  d = new WebhookDispatcher(database.db, config.webhooks, { log: a.log });
});
afterAll(async () => {
  await a?.close();
  await receiver?.close();
  await database?.close();
  await storage?.drop();
});

const deliveriesOf = async (endpointId: string) =>
  (await a.inject({ method: 'GET', url: `/v1/webhooks/deliveries?endpointId=${endpointId}&limit=100`, headers: admin })).json().items as Array<{ id: string; status: string; messageId: string }>;
const patch = (id: string, payload: object) => a.inject({ method: 'PATCH', url: `/v1/webhooks/endpoints/${id}`, headers: admin, payload });
const redeliver = (id: string) => a.inject({ method: 'POST', url: `/v1/webhooks/deliveries/${id}/redeliver`, headers: admin });

describe('POST /v1/webhooks/deliveries/{id}/redeliver of a disabled endpoint', () => {
  it('is refused with 409 naming the endpoint as disabled and queues nothing; once enabled it is accepted and sent', async () => {
    const reg = await a.inject({ method: 'POST', url: '/v1/webhooks/endpoints', headers: admin, payload: { url: receiver.url, allowHttp: true, events: ['screening.flagged'] } });
    expect(reg.statusCode, reg.body).toBe(201);
    const endpointId = reg.json().id as string;
    const queued = await a.webhooks.enqueue({ type: 'screening.flagged', occurredAt: new Date().toISOString(), ownerKeyId: null, data: { screeningId: `qa15-${randomUUID()}` } });
    expect(queued).toBe(1);
    expect(await d.drain()).toBe(1);
    const [original] = await deliveriesOf(endpointId);
    expect(original).toMatchObject({ status: 'succeeded' });
    expect(receiver.received).toHaveLength(1);

    expect((await patch(endpointId, { enabled: false })).statusCode).toBe(200);
    const refused = await redeliver(original!.id);
    expect(refused.statusCode, refused.body).toBe(409);
    expect(refused.json().detail).toMatch(new RegExp(`Endpoint ${endpointId} is disabled`));
    expect(await deliveriesOf(endpointId)).toHaveLength(1);

    expect((await patch(endpointId, { enabled: true })).statusCode).toBe(200);
    const accepted = await redeliver(original!.id);
    expect(accepted.statusCode, accepted.body).toBe(202);
    expect(accepted.json()).toMatchObject({ status: 'pending', redeliveryOf: original!.id, messageId: original!.messageId });
    expect(await d.drain()).toBe(1);
    expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([original!.messageId, original!.messageId]);
  });
});
