/**
 * QA13: an endpoint's ownerKeyId must name an API key that exists and is active (an id of no key, or a
 * key's public prefix, made an endpoint that silently received nothing and could not be fixed); and a
 * delivery is redelivered once while that redelivery is still queued (four requests in a row queued
 * four; two at once must queue one).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { testConfig, type WebhookConfig } from '../../src/config.js';
import { openDatabase, type Database } from '../../src/store/db.js';
import { insertApiKey } from '../../src/store/api-keys-repo.js';
import { WebhookDispatcher } from '../../src/services/webhook-dispatcher.js';
import type { ChokepointEvent } from '../../src/services/events.js';
import { freshStorage, type TestStorage } from '../helpers/app.js';
import { bearer, createKey, TEST_ADMIN_KEY } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';
import { startReceiver, type Receiver } from './receiver.js';

const admin = bearer(TEST_ADMIN_KEY);
const hooks: Partial<WebhookConfig> = { allowPrivate: true, retryBaseMs: 100, retryMaxMs: 1_000, timeoutMs: 10_000, pollMs: 20, maxAttempts: 3 };

let storage: TestStorage;
let database: Database;
let a: App;
let receiver: Receiver;

beforeAll(async () => {
  storage = await freshStorage();
  database = await openDatabase(storage.storage);
  const config = testConfig({ storage: storage.storage, adminKey: TEST_ADMIN_KEY, rateLimitPerMinute: 0, webhooks: hooks });
  a = await buildApp({ config, database, loadRuleset: rulesOnly, sealIntervalMs: 0 });
  receiver = await startReceiver();
});
afterAll(async () => {
  await a?.close();
  await receiver?.close();
  await database?.close();
  await storage?.drop();
});

const register = (payload: Record<string, unknown>) =>
  a.inject({ method: 'POST', url: '/v1/webhooks/endpoints', headers: admin, payload: { url: 'https://erp.example.com/hook', events: ['screening.flagged'], ...payload } });

const endpointCount = async () => ((await a.inject({ method: 'GET', url: '/v1/webhooks/endpoints', headers: admin })).json().items as unknown[]).length;

describe('POST /v1/webhooks/endpoints: ownerKeyId names an active API key', () => {
  it('refuses an id of no key, a key prefix, a whole key, a revoked and an expired key with a 400 naming /ownerKeyId; stores nothing', async () => {
    const t = { app: a, close: async () => {} };
    const live = await createKey(t, 'submitter', { name: 'ERP live' });
    const revoked = await createKey(t, 'submitter', { name: 'ERP revoked' });
    expect((await a.inject({ method: 'DELETE', url: `/v1/api-keys/${revoked.id}`, headers: admin })).statusCode).toBeLessThan(300);
    const expiredId = randomUUID();
    await insertApiKey(database.db, {
      id: expiredId, prefix: 'ck_0e0e0e0e', secretHash: '0'.repeat(64), role: 'submitter', name: 'ERP expired',
      createdAt: '2026-01-01T00:00:00.000Z', createdBy: null, expiresAt: '2026-01-02T00:00:00.000Z', revokedAt: null, holder: null, rateLimitPerMinute: null,
    });
    const before = await endpointCount();

    const cases: Array<[string, RegExp]> = [
      [randomUUID(), /^is not the id of any API key$/],
      ['not-uuid', /^is not the id of any API key$/],
      [live.prefix, new RegExp(`looks like a key prefix.*use the key's id \\(the key with that prefix has id ${live.id}\\)`)],
      ['ck_deadbeef', /looks like a key prefix.*use the key's id \(`id` in GET \/v1\/api-keys\)/],
      [live.key, /looks like a key prefix \(or a key\)/],
      [revoked.id, /^names a revoked API key$/],
      [expiredId, /^names an expired API key$/],
    ];
    for (const [ownerKeyId, message] of cases) {
      const res = await register({ ownerKeyId });
      expect(res.statusCode, `${ownerKeyId}: ${res.body}`).toBe(400);
      expect(res.json().errors).toEqual([{ field: '/ownerKeyId', in: 'body', message: expect.stringMatching(message) }]);
      expect(res.body).not.toContain(live.key); // a pasted key is never echoed
    }
    expect(await endpointCount()).toBe(before);

    // An active key of any role, or no owner, is accepted.
    for (const ownerKeyId of [live.id, null, undefined]) {
      const res = await register(ownerKeyId === undefined ? {} : { ownerKeyId });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json().ownerKeyId).toBe(ownerKeyId ?? null);
    }
  });
});

describe('POST /v1/webhooks/deliveries/{id}/redeliver: once while it is queued', () => {
  const event = (n: string): ChokepointEvent => ({ type: 'screening.flagged', occurredAt: new Date().toISOString(), ownerKeyId: null, data: { screeningId: `qa13-redeliver-${n}-${randomUUID()}` } });
  const redeliver = (id: string) => a.inject({ method: 'POST', url: `/v1/webhooks/deliveries/${id}/redeliver`, headers: admin });
  const deliveriesOf = async (endpointId: string) =>
    (await a.inject({ method: 'GET', url: `/v1/webhooks/deliveries?endpointId=${endpointId}&limit=100`, headers: admin })).json().items as Array<{ id: string; status: string; messageId: string; redeliveryOf: string | null }>;

  // Only the test sends (drain()), so a redelivery stays queued until it says so.
  let d: WebhookDispatcher;
  beforeAll(async () => {
    await a.webhookDispatcher.stop();
    d = new WebhookDispatcher(database.db, testConfig({ webhooks: hooks }).webhooks, { log: a.log });
  });

  /** An endpoint with one delivered event. */
  async function delivered(): Promise<{ endpointId: string; deliveryId: string; messageId: string }> {
    const res = await register({ url: receiver.url, allowHttp: true, events: ['screening.flagged'] });
    expect(res.statusCode, res.body).toBe(201);
    const endpointId = res.json().id as string;
    expect(await a.webhooks.enqueue(event(endpointId), new Set([endpointId]))).toBe(1);
    expect(await d.drain()).toBe(1);
    const [row] = await deliveriesOf(endpointId);
    expect(row).toMatchObject({ status: 'succeeded' });
    return { endpointId, deliveryId: row!.id, messageId: row!.messageId };
  }

  it('four requests in a row: one 202, then 409 while that redelivery is queued; another row of the same event too', async () => {
    const { endpointId, deliveryId, messageId } = await delivered();

    const first = await redeliver(deliveryId);
    expect(first.statusCode, first.body).toBe(202);
    expect(first.json()).toMatchObject({ status: 'pending', redeliveryOf: deliveryId, messageId });
    for (let i = 0; i < 3; i++) {
      const again = await redeliver(deliveryId);
      expect(again.statusCode, again.body).toBe(409);
      expect(again.json().detail).toContain(first.json().id);
    }
    // The queued redelivery itself is refused too (it is pending).
    expect((await redeliver(first.json().id)).statusCode).toBe(409);
    const rows = await deliveriesOf(endpointId);
    expect(rows.filter((r) => r.status === 'pending')).toHaveLength(1);

    // Once it is delivered, the same delivery (or that redelivery) can be redelivered again — once.
    expect(await d.drain()).toBe(1);
    const [second, secondAgain] = [await redeliver(first.json().id), await redeliver(deliveryId)];
    expect(second.statusCode, second.body).toBe(202);
    expect(secondAgain.statusCode).toBe(409);
    expect(await d.drain()).toBe(1);
    expect(receiver.received.filter((r) => r.headers['webhook-id'] === messageId)).toHaveLength(3);
  });

  it('requests at once: exactly one is queued, the others get 409 (no 500)', async () => {
    const { endpointId, deliveryId } = await delivered();
    const answers = await Promise.all(Array.from({ length: 12 }, () => redeliver(deliveryId)));
    expect(answers.map((r) => r.statusCode).sort()).toEqual([202, ...Array<number>(11).fill(409)]);
    expect((await deliveriesOf(endpointId)).filter((r) => r.status === 'pending')).toHaveLength(1);
  });
});
