/**
 * QA13: an endpoint's ownerKeyId must name an API key that exists and is active (an id of no key, or a
 * key's public prefix, made an endpoint that silently received nothing and could not be fixed); and a
 * delivery is redelivered once while that redelivery is still queued (four requests in a row queued
 * four; two at once must queue one). The owner can be changed by PATCH, with the same check: events
 * queued from then on follow the new owner, deliveries queued before are still sent, and a redelivery
 * never sends another key's event to the new owner's endpoint.
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
    const auditor = await createKey(t, 'auditor', { name: 'Auditor, read-only' });
    const before = await endpointCount();

    const cases: Array<[string, RegExp]> = [
      [randomUUID(), /^is not the id of any API key$/],
      ['not-uuid', /^is not the id of any API key$/],
      [live.prefix, new RegExp(`looks like a key prefix.*use the key's id \\(the key with that prefix has id ${live.id}\\)`)],
      ['ck_deadbeef', /looks like a key prefix.*use the key's id \(`id` in GET \/v1\/api-keys\)/],
      [live.key, /looks like a key prefix \(or a key\)/],
      [revoked.id, /^names a revoked API key$/],
      [expiredId, /^names an expired API key$/],
      // Read-only: no screening or batch is ever an auditor key's, so such an endpoint would receive nothing.
      [auditor.id, /^names an auditor key, which submits no screenings or batches: the endpoint would receive nothing/],
    ];
    for (const [ownerKeyId, message] of cases) {
      const res = await register({ ownerKeyId });
      expect(res.statusCode, `${ownerKeyId}: ${res.body}`).toBe(400);
      expect(res.json().errors).toEqual([{ field: '/ownerKeyId', in: 'body', message: expect.stringMatching(message) }]);
      expect(res.body).not.toContain(live.key); // a pasted key is never echoed
    }
    expect(await endpointCount()).toBe(before);

    // An active key of a role that screens, or no owner, is accepted.
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

describe('PATCH /v1/webhooks/endpoints/{id}: ownerKeyId can be changed, checked as on registration', () => {
  const patch = (id: string, payload: Record<string, unknown>, headers = admin) => a.inject({ method: 'PATCH', url: `/v1/webhooks/endpoints/${id}`, headers, payload });
  const getEndpoint = async (id: string) => (await a.inject({ method: 'GET', url: `/v1/webhooks/endpoints/${id}`, headers: admin })).json() as Record<string, unknown>;
  const ownedEvent = (ownerKeyId: string | null, n: string): ChokepointEvent => ({
    type: 'screening.flagged',
    occurredAt: new Date().toISOString(),
    ownerKeyId,
    data: { screeningId: `qa13-owner-${n}-${randomUUID()}`, reference: `SO-OWNER-${n}` },
  });

  // Only the test sends (drain()).
  let d: WebhookDispatcher;
  beforeAll(async () => {
    await a.webhookDispatcher.stop();
    d = new WebhookDispatcher(database.db, testConfig({ webhooks: hooks }).webhooks, { log: a.log });
  });

  it('refuses what registration refuses, with a 400 naming /ownerKeyId, and changes nothing (not the URL sent with it either); admins only', async () => {
    const t = { app: a, close: async () => {} };
    const live = await createKey(t, 'submitter', { name: 'ERP patch live' });
    const revoked = await createKey(t, 'submitter', { name: 'ERP patch revoked' });
    expect((await a.inject({ method: 'DELETE', url: `/v1/api-keys/${revoked.id}`, headers: admin })).statusCode).toBeLessThan(300);
    const expiredId = randomUUID();
    await insertApiKey(database.db, {
      id: expiredId, prefix: 'ck_0f0f0f0f', secretHash: '1'.repeat(64), role: 'submitter', name: 'ERP patch expired',
      createdAt: '2026-01-01T00:00:00.000Z', createdBy: null, expiresAt: '2026-01-02T00:00:00.000Z', revokedAt: null, holder: null, rateLimitPerMinute: null,
    });
    const created = await register({ ownerKeyId: live.id });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    const before = await getEndpoint(id);
    const auditor = await createKey(t, 'auditor', { name: 'Auditor patch, read-only' });

    const cases: Array<[string, RegExp]> = [
      [randomUUID(), /^is not the id of any API key$/],
      ['not-uuid', /^is not the id of any API key$/],
      [live.prefix, new RegExp(`looks like a key prefix.*use the key's id \\(the key with that prefix has id ${live.id}\\)`)],
      ['ck_deadbeef', /looks like a key prefix.*use the key's id \(`id` in GET \/v1\/api-keys\)/],
      [live.key, /looks like a key prefix \(or a key\)/],
      [revoked.id, /^names a revoked API key$/],
      [expiredId, /^names an expired API key$/],
      [auditor.id, /^names an auditor key, which submits no screenings or batches/],
    ];
    for (const [ownerKeyId, message] of cases) {
      const res = await patch(id, { ownerKeyId, url: 'https://erp.example.com/moved' });
      expect(res.statusCode, `${ownerKeyId}: ${res.body}`).toBe(400);
      expect(res.json().errors).toEqual([{ field: '/ownerKeyId', in: 'body', message: expect.stringMatching(message) }]);
      expect(res.body).not.toContain(live.key); // a pasted key is never echoed
    }
    // Not a string at all: the schema's 400, naming the field.
    const typed = await patch(id, { ownerKeyId: 42 });
    expect(typed.statusCode).toBe(400);
    expect(typed.json().errors.map((e: { field: string }) => e.field)).toContain('/ownerKeyId');
    expect(await getEndpoint(id)).toEqual(before);

    // Other roles may not change it (nor anything else about an endpoint).
    const someone = await createKey(t, 'submitter', { name: 'ERP patch other' });
    for (const role of ['submitter', 'reviewer', 'auditor'] as const) {
      const key = await createKey(t, role, { name: `patch ${role}` });
      expect((await patch(id, { ownerKeyId: someone.id }, bearer(key.key))).statusCode, role).toBe(403);
    }
    expect(await getEndpoint(id)).toEqual(before);

    // An active key of another role, null (all events), and back to a key: each stored and answered.
    const reviewer = await createKey(t, 'reviewer', { name: 'ERP patch reviewer key' });
    for (const ownerKeyId of [someone.id, null, reviewer.id]) {
      const res = await patch(id, { ownerKeyId });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ id, ownerKeyId, url: before.url, events: before.events, enabled: true });
      expect((await getEndpoint(id)).ownerKeyId).toBe(ownerKeyId);
    }
    // Left out, it is kept.
    expect((await patch(id, { description: 'owner kept' })).json()).toMatchObject({ ownerKeyId: reviewer.id, description: 'owner kept' });
  });

  it('new events follow the new owner; deliveries queued before the change are still sent; a redelivery only sends what the endpoint may see now', async () => {
    const t = { app: a, close: async () => {} };
    const oldOwner = await createKey(t, 'submitter', { name: 'ERP old key' });
    const newOwner = await createKey(t, 'submitter', { name: 'ERP new key' });
    const res = await register({ url: receiver.url, allowHttp: true, ownerKeyId: oldOwner.id });
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json().id as string;
    const only = new Set([id]);
    await d.drain(); // what earlier tests left queued
    const receivedBefore = receiver.received.length;

    // Queued for the old owner, then the owner changes before it is sent.
    const queuedEarlier = ownedEvent(oldOwner.id, 'queued-earlier');
    expect(await a.webhooks.enqueue(queuedEarlier, only)).toBe(1);
    expect(await a.webhooks.enqueue(ownedEvent(newOwner.id, 'new-before'), only)).toBe(0);
    expect((await patch(id, { ownerKeyId: newOwner.id })).statusCode).toBe(200);

    // From now on: the new owner's events, not the old one's.
    expect(await a.webhooks.enqueue(ownedEvent(oldOwner.id, 'old-after'), only)).toBe(0);
    const forNew = ownedEvent(newOwner.id, 'new-after');
    expect(await a.webhooks.enqueue(forNew, only)).toBe(1);
    expect(await a.webhooks.enqueue(ownedEvent(null, 'no-owner'), only)).toBe(0);

    // Both queued deliveries go out: the one queued before the change too.
    expect(await d.drain()).toBe(2);
    const sentTo = receiver.received.slice(receivedBefore).map((r) => JSON.parse(r.body).data.screeningId as string);
    expect(sentTo.sort()).toEqual([queuedEarlier.data.screeningId, forNew.data.screeningId].sort());

    // A redelivery is a new sending: not of the old owner's event to the new owner's endpoint (409, nothing queued).
    const log = (await a.inject({ method: 'GET', url: `/v1/webhooks/deliveries?endpointId=${id}&limit=100`, headers: admin })).json().items as Array<{
      id: string; status: string; payload: { data: { screeningId: string } };
    }>;
    expect(log.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    const oldDelivery = log.find((r) => r.payload.data.screeningId === queuedEarlier.data.screeningId)!;
    const newDelivery = log.find((r) => r.payload.data.screeningId === forNew.data.screeningId)!;
    const refused = await a.inject({ method: 'POST', url: `/v1/webhooks/deliveries/${oldDelivery.id}/redeliver`, headers: admin });
    expect(refused.statusCode, refused.body).toBe(409);
    expect(refused.json().detail).toMatch(/ownerKeyId was changed/);
    const again = await a.inject({ method: 'POST', url: `/v1/webhooks/deliveries/${newDelivery.id}/redeliver`, headers: admin });
    expect(again.statusCode, again.body).toBe(202);
    expect(await d.drain()).toBe(1);

    // null: an endpoint for all events again — every owner's events are queued, and the old delivery may be redelivered.
    expect((await patch(id, { ownerKeyId: null })).json().ownerKeyId).toBeNull();
    expect(await a.webhooks.enqueue(ownedEvent(oldOwner.id, 'old-all'), only)).toBe(1);
    expect(await a.webhooks.enqueue(ownedEvent(null, 'no-owner-all'), only)).toBe(1);
    expect((await a.inject({ method: 'POST', url: `/v1/webhooks/deliveries/${oldDelivery.id}/redeliver`, headers: admin })).statusCode).toBe(202);
    expect(await d.drain()).toBe(3);
    expect(receiver.received.length - receivedBefore).toBe(2 + 1 + 3);
  });
});
