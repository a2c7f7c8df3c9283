/**
 * QA13: a slow receiver costs only its own deliveries. The dispatcher used to claim 16 due deliveries
 * across all endpoints and wait for every one of them before claiming more, so a receiver that holds
 * requests until WEBHOOK_TIMEOUT_MS set the pace for every other endpoint (QA: a healthy endpoint got
 * its events 17–119 s late). Now deliveries run in a pool that refills as each one finishes, and one
 * endpoint holds at most WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT (default DISPATCH_PER_ENDPOINT) of its
 * WEBHOOK_MAX_IN_FLIGHT slots — both settings, checked at start-up and honoured by the app's dispatcher. The slow receiver here holds requests
 * until the dispatcher's (shortened) timeout; the assertions compare with that moment, not with a
 * fixed latency, so a loaded machine does not make them flaky.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { ConfigError, loadConfig, testConfig, type WebhookConfig } from '../../src/config.js';
import { openDatabase, type Database } from '../../src/store/db.js';
import { webhookEndpoints } from '../../src/store/schema.js';
import { DISPATCH_CONCURRENCY, DISPATCH_PER_ENDPOINT, WebhookDispatcher } from '../../src/services/webhook-dispatcher.js';
import type { ChokepointEvent } from '../../src/services/events.js';
import { freshStorage, type TestStorage } from '../helpers/app.js';
import { bearer, TEST_ADMIN_KEY } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';
import { eventually, startReceiver, type Receiver } from './receiver.js';

const admin = bearer(TEST_ADMIN_KEY);
const SLOW_TIMEOUT_MS = 4_000;
const hooks: Partial<WebhookConfig> = { allowPrivate: true, retryBaseMs: 100, retryMaxMs: 1_000, timeoutMs: SLOW_TIMEOUT_MS, pollMs: 20, maxAttempts: 3 };

/**
 * A receiver that holds every request open (counting how many at once) until `release()`; after that it
 * answers 200 at once. A held request the dispatcher gives up on (its timeout) closes: `firstClosedAt`.
 */
async function slowReceiver() {
  let open = 0;
  let maxOpen = 0;
  let received = 0;
  let holding = true;
  let firstClosedAt: number | null = null;
  const held = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received += 1;
      open += 1;
      maxOpen = Math.max(maxOpen, open);
      res.on('close', () => {
        open -= 1;
        held.delete(res);
        firstClosedAt ??= Date.now();
      });
      if (holding) held.add(res);
      else res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slow`,
    stats: () => ({ received, open, maxOpen, firstClosedAt }),
    release: () => {
      holding = false;
      for (const res of held) res.writeHead(200).end();
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let storage: TestStorage;
let database: Database;
const cleanups: Array<() => Promise<void>> = [];
/** The first app migrated the database (a test without one has no tables to tidy). */
let migrated = false;

async function app(pool: Partial<Pick<WebhookConfig, 'maxInFlight' | 'maxInFlightPerEndpoint'>> = {}): Promise<App> {
  const config = testConfig({ storage: storage.storage, adminKey: TEST_ADMIN_KEY, rateLimitPerMinute: 0, webhooks: { ...hooks, ...pool } });
  const a = await buildApp({ config, database, loadRuleset: rulesOnly, sealIntervalMs: 0 });
  migrated = true;
  cleanups.push(() => a.close());
  return a;
}

async function register(a: App, url: string) {
  const res = await a.inject({ method: 'POST', url: '/v1/webhooks/endpoints', headers: admin, payload: { url, events: ['screening.flagged'], allowHttp: true } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string };
}

const event = (i: number): ChokepointEvent => ({
  type: 'screening.flagged',
  occurredAt: new Date().toISOString(),
  ownerKeyId: null,
  data: { screeningId: `qa13-pool-${i}-${Date.now()}`, reference: `SO-POOL-${i}`, decision: 'REVIEW' },
});

beforeAll(async () => {
  storage = await freshStorage();
  database = await openDatabase(storage.storage);
});
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
  if (migrated) await database.db.update(webhookEndpoints).set({ enabled: false });
});
afterAll(async () => {
  await database.close();
  await storage.drop();
});

describe('WEBHOOK_MAX_IN_FLIGHT and WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT', () => {
  it('default to 16 and 4, are read from the environment, and invalid values stop start-up naming the variable', () => {
    expect(loadConfig({}).webhooks).toMatchObject({ maxInFlight: DISPATCH_CONCURRENCY, maxInFlightPerEndpoint: DISPATCH_PER_ENDPOINT });
    expect([DISPATCH_CONCURRENCY, DISPATCH_PER_ENDPOINT]).toEqual([16, 4]);
    expect(loadConfig({ WEBHOOK_MAX_IN_FLIGHT: '32', WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT: '2' }).webhooks).toMatchObject({ maxInFlight: 32, maxInFlightPerEndpoint: 2 });
    expect(loadConfig({ WEBHOOK_MAX_IN_FLIGHT: '8', WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT: '8' }).webhooks).toMatchObject({ maxInFlight: 8, maxInFlightPerEndpoint: 8 });
    // A pool smaller than the default share: the share defaults to the whole pool.
    expect(loadConfig({ WEBHOOK_MAX_IN_FLIGHT: '2' }).webhooks).toMatchObject({ maxInFlight: 2, maxInFlightPerEndpoint: 2 });
    const refused: Array<[Record<string, string>, string, RegExp]> = [
      [{ WEBHOOK_MAX_IN_FLIGHT: '0' }, 'WEBHOOK_MAX_IN_FLIGHT', /between 1 and 256, got 0/],
      [{ WEBHOOK_MAX_IN_FLIGHT: '257' }, 'WEBHOOK_MAX_IN_FLIGHT', /between 1 and 256/],
      [{ WEBHOOK_MAX_IN_FLIGHT: 'many' }, 'WEBHOOK_MAX_IN_FLIGHT', /whole number, got "many"/],
      [{ WEBHOOK_MAX_IN_FLIGHT: '2.5' }, 'WEBHOOK_MAX_IN_FLIGHT', /whole number/],
      [{ WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT: '0' }, 'WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT', /between 1 and 256, got 0/],
      [{ WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT: '-1' }, 'WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT', /whole number/],
      [{ WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT: '17' }, 'WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT', /must not exceed WEBHOOK_MAX_IN_FLIGHT \(16\), got 17/],
      [{ WEBHOOK_MAX_IN_FLIGHT: '4', WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT: '5' }, 'WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT', /must not exceed WEBHOOK_MAX_IN_FLIGHT \(4\), got 5/],
    ];
    for (const [env, variable, message] of refused) {
      let err: unknown;
      try {
        loadConfig(env);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(env)).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).variable).toBe(variable);
      expect((err as ConfigError).message).toMatch(message);
    }
  });

  it("are the app's dispatcher's pool", async () => {
    expect((await app()).webhookDispatcher.pool).toEqual({ maxInFlight: 16, perEndpoint: 4 });
    expect((await app({ maxInFlight: 5, maxInFlightPerEndpoint: 3 })).webhookDispatcher.pool).toEqual({ maxInFlight: 5, perEndpoint: 3 });
  });
});

describe('a slow receiver costs only its own deliveries', () => {
  it.each([
    { setting: 'the default', pool: {}, perEndpoint: DISPATCH_PER_ENDPOINT },
    { setting: 'WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT=2', pool: { maxInFlightPerEndpoint: 2 }, perEndpoint: 2 },
  ])('a fast endpoint gets every event while a slow one holds its requests until the timeout, $perEndpoint at a time ($setting)', async ({ pool, perEndpoint }) => {
    const a = await app(pool);
    const slow = await slowReceiver();
    cleanups.push(slow.close); // closed before the app: its held requests end at once, not at the timeout
    const fast: Receiver = await startReceiver();
    cleanups.push(fast.close);
    await register(a, slow.url);
    const fastEndpoint = await register(a, fast.url);

    // More events than the pool has slots, so the slow endpoint's backlog alone could fill it.
    const N = 24;
    const queuedAt = new Map<string, number>();
    for (let i = 0; i < N; i++) {
      const e = event(i);
      queuedAt.set(e.data.screeningId as string, Date.now());
      expect(await a.webhooks.enqueue(e)).toBe(2);
    }

    // The old dispatcher waited for every round's slow deliveries: all but the first round's fast ones
    // came after the slow endpoint's first timeout (QA: 17–119 s late with the 10 s default).
    const got = await fast.waitFor(N, SLOW_TIMEOUT_MS * 2);
    const lastFast = Math.max(...got.map((r) => r.at));
    const { firstClosedAt } = slow.stats();
    expect(firstClosedAt === null || lastFast < firstClosedAt, `the last fast delivery came ${lastFast - (firstClosedAt ?? 0)} ms after a slow attempt timed out`).toBe(true);
    const lateness = got.map((r) => r.at - queuedAt.get(JSON.parse(r.body).data.screeningId)!);
    expect(Math.max(...lateness), `fast deliveries arrived ${lateness.join(', ')} ms after queueing`).toBeLessThan(SLOW_TIMEOUT_MS);
    expect(new Set(got.map((r) => r.headers['webhook-id'])).size).toBe(N);

    // The slow endpoint was being tried all along: its share of the pool open at once, never more.
    expect(slow.stats().received).toBeGreaterThan(0);
    await eventually(async () => (slow.stats().maxOpen >= perEndpoint ? true : undefined));
    expect(slow.stats().maxOpen).toBe(perEndpoint);

    const logged = await eventually(async () => {
      const res = await a.inject({ method: 'GET', url: `/v1/webhooks/deliveries?endpointId=${fastEndpoint.id}&limit=100`, headers: admin });
      const items = res.json().items as Array<{ status: string; attempts: number }>;
      return items.length === N && items.every((d) => d.status === 'succeeded') ? items : undefined;
    });
    expect(logged.every((d) => d.attempts === 1)).toBe(true);
  });

  it('WEBHOOK_MAX_IN_FLIGHT bounds the whole pool: two hanging endpoints hold 3 requests between them, never more', async () => {
    const a = await app({ maxInFlight: 3, maxInFlightPerEndpoint: 2 });
    const one = await slowReceiver();
    cleanups.push(one.close);
    const two = await slowReceiver();
    cleanups.push(two.close);
    const endpoints = [await register(a, one.url), await register(a, two.url)];
    for (let i = 0; i < 6; i++) expect(await a.webhooks.enqueue(event(200 + i))).toBe(2);

    await eventually(async () => (one.stats().open + two.stats().open === 3 ? true : undefined));
    expect(a.webhookDispatcher.inFlightCount).toBe(3);
    // Held until the release: a claim every 20 ms found no free slot.
    await new Promise((r) => setTimeout(r, 300));
    expect(one.stats().open + two.stats().open).toBe(3);
    expect([one.stats().maxOpen, two.stats().maxOpen].sort()).toEqual([1, 2]);

    one.release();
    two.release();
    for (const e of endpoints) {
      await eventually(async () => {
        const res = await a.inject({ method: 'GET', url: `/v1/webhooks/deliveries?endpointId=${e.id}&status=succeeded`, headers: admin });
        return res.json().items.length === 6 ? true : undefined;
      });
    }
    expect(one.stats().maxOpen).toBeLessThanOrEqual(2);
    expect(two.stats().maxOpen).toBeLessThanOrEqual(2);
    expect(one.stats().received + two.stats().received).toBeGreaterThanOrEqual(12);
  });

  it('the pool refills as each delivery finishes, and one endpoint never has more than perEndpoint in flight', async () => {
    const a = await app();
    await a.webhookDispatcher.stop(); // only the dispatcher below sends
    const slow = await slowReceiver();
    cleanups.push(slow.close);
    const fast: Receiver = await startReceiver();
    cleanups.push(fast.close);
    const slowEndpoint = await register(a, slow.url);
    await register(a, fast.url);
    for (let i = 0; i < 4; i++) await a.webhooks.enqueue(event(100 + i));

    // A pool of 4, 2 per endpoint: the slow endpoint holds two slots; the fast one is served through the others.
    const d = new WebhookDispatcher(database.db, testConfig({ webhooks: hooks }).webhooks, { log: a.log, concurrency: 4, perEndpoint: 2 });
    cleanups.push(() => d.stop());
    d.wake();
    await fast.waitFor(4, SLOW_TIMEOUT_MS); // all four while the slow ones are held: freed slots were refilled at once
    expect(slow.stats()).toMatchObject({ received: 2, open: 2, maxOpen: 2, firstClosedAt: null });
    await eventually(async () => (d.inFlightCount === 2 ? true : undefined));

    // drain() still sends everything due and counts its attempts: the other two slow ones, as slots free.
    slow.release();
    expect(await d.drain()).toBe(2);
    expect(slow.stats()).toMatchObject({ received: 4, maxOpen: 2 });
    const res = await a.inject({ method: 'GET', url: `/v1/webhooks/deliveries?endpointId=${slowEndpoint.id}&status=succeeded`, headers: admin });
    expect(res.json().items).toHaveLength(4);
  });
});
