/**
 * The event relay (src/services/event-relay.ts): a flagged screening that was stored but whose
 * `screening.flagged` deliveries were never queued — the database refused the queue rows right after
 * the commit, as it would for a process killed between the two — is queued by the relay's next sweep,
 * delivered signed, and never twice; a sweep that fails moves nothing; and the relay announces
 * nothing the screening path would not (CLEAR, batch lines, other owners' endpoints, disabled ones,
 * endpoints registered later, screenings not yet settled).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { EventRelay, FLAGGED_RELAY } from '../../src/services/event-relay.js';
import { flaggedEvent, toResult } from '../../src/services/screenings.js';
import { relayCursor } from '../../src/store/event-relay-repo.js';
import { findScreening } from '../../src/store/screenings-repo.js';
import { webhookEndpoints } from '../../src/store/schema.js';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { listEntry, mutableListLoader } from '../helpers/lists.js';
import { startReceiver, type Receiver } from './receiver.js';

let t: KeyedTestApp;
let receiver: Receiver;
const silent = { warn: () => {}, error: () => {} };

beforeAll(async () => {
  t = await makeKeyedApp(
    { rateLimitPerMinute: 0, webhooks: { allowPrivate: true, retryBaseMs: 100, retryMaxMs: 2_000, timeoutMs: 10_000, pollMs: 20, maxAttempts: 5, relayMs: 0, relaySettleMs: 0 } as never },
    { loadRuleset: mutableListLoader([listEntry('EL-RELAY-1', 'Relay Test Listed Electronics Limited')]).load, sealIntervalMs: 0, queueTiming: { pollingIntervalSeconds: 0.5 } },
  );
}, 300_000);
afterAll(async () => t?.close(), 120_000);

const db = () => t.app.database.db;
const relay = (settleMs = 0) => new EventRelay(db(), t.app.webhooks, { intervalMs: 0, settleMs, log: silent });

beforeEach(async () => {
  receiver = await startReceiver();
  // Each test places the cursor itself and starts with no endpoint enabled.
  await db().execute(sql`DELETE FROM event_relay_cursors`);
  await db().update(webhookEndpoints).set({ enabled: false });
});
afterEach(async () => {
  await refuseQueue(false);
  await receiver.close();
});

/** The database refuses webhook delivery rows: what a process killed between the commit and the queue insert leaves behind. */
async function refuseQueue(on: boolean) {
  if (on) {
    await db().execute(sql.raw(`CREATE OR REPLACE FUNCTION test_refuse_delivery() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'test: webhook queue unavailable'; END $$`));
    await db().execute(sql.raw('CREATE TRIGGER test_refuse_delivery BEFORE INSERT ON webhook_deliveries FOR EACH ROW EXECUTE FUNCTION test_refuse_delivery()'));
  } else {
    await db().execute(sql.raw('DROP TRIGGER IF EXISTS test_refuse_delivery ON webhook_deliveries'));
  }
}

async function register(events: string[] = ['screening.flagged'], extra: Record<string, unknown> = {}) {
  const res = await t.app.inject({ method: 'POST', url: '/v1/webhooks/endpoints', headers: bearer(t.keys.admin.key), payload: { url: receiver.url, events, allowHttp: true, ...extra } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; secret: string };
}

const flaggedShipment = (reference: string) => ({
  reference,
  shipDate: '2026-11-30',
  items: [{ model: 'NVIDIA H800 SXM5 80GB', quantity: 2000 }],
  parties: [{ role: 'buyer', name: 'Bright Harbour Trading Company Limited', country: 'HK', businessType: 'trading' }],
  route: { origin: 'US', via: ['HK'], destination: 'CN' },
  endUse: 'AI model training',
});
const clearShipment = (reference: string) => ({
  reference,
  shipDate: '2026-11-30',
  items: [{ model: 'NVIDIA H100 SXM5 80GB', quantity: 64 }],
  parties: [
    { role: 'buyer', name: 'Nuage Calcul SAS', country: 'FR', incorporatedOn: '2012-01-01', businessType: 'cloud' },
    { role: 'ultimate_consignee', name: 'Nuage Calcul SAS', country: 'FR' },
    { role: 'end_user', name: 'Nuage Calcul SAS', country: 'FR' },
  ],
  route: { origin: 'US', destination: 'FR' },
  endUse: 'Public cloud GPU instances',
});

async function screen(payload: object, key = t.keys.submitter.key) {
  const res = await t.app.inject({ method: 'POST', url: '/v1/screenings', headers: bearer(key), payload });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; decision: string };
}

async function deliveriesAbout(screeningId: string) {
  const res = await db().execute(sql`SELECT endpoint_id, event_type, event_key FROM webhook_deliveries WHERE subject_id = ${screeningId}`);
  return ((res as { rows?: unknown[] }).rows ?? (res as unknown as unknown[])) as Array<{ endpoint_id: string; event_type: string; event_key: string }>;
}

describe('the event relay', () => {
  it('queues a stored flagged screening whose deliveries were never queued, once, delivered signed; a failed sweep moves nothing', async () => {
    const endpoint = await register();
    expect(await relay().sweep()).toBe(0); // places the cursor
    const cursor = await relayCursor(db(), FLAGGED_RELAY);
    expect(cursor).not.toBeNull();

    await refuseQueue(true);
    const s = await screen(flaggedShipment('SO-LOST-1'));
    expect(s.decision).not.toBe('CLEAR'); // the screening was stored and answered: the queue is not its business
    expect(await deliveriesAbout(s.id)).toEqual([]);
    // While the queue still refuses, the sweep fails and the cursor stays where it was: tried again later.
    // (The app's own relay here, so its metrics count it.)
    await expect(t.app.eventRelay.sweep()).rejects.toThrow();
    expect(await relayCursor(db(), FLAGGED_RELAY)).toBe(cursor);

    await refuseQueue(false);
    expect(await t.app.eventRelay.sweep()).toBe(1);
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer(t.keys.admin.key) })).body;
    expect(metrics).toMatch(/^chokepoint_event_relay_queued_total 1$/m);
    expect(metrics).toMatch(/^chokepoint_event_relay_sweeps_total\{outcome="failed"\} 1$/m);
    expect(metrics).toMatch(/^chokepoint_event_relay_sweeps_total\{outcome="ok"\} 1$/m);
    expect((await deliveriesAbout(s.id)).map((d) => [d.endpoint_id, d.event_type])).toEqual([[endpoint.id, 'screening.flagged']]);
    const [got] = await receiver.waitFor(1, 15_000);
    const verified = new Webhook(endpoint.secret).verify(got!.body, got!.headers as Record<string, string>) as { type: string; data: Record<string, unknown> };
    expect(verified).toMatchObject({ type: 'screening.flagged', data: { screeningId: s.id, reference: 'SO-LOST-1', decision: s.decision, href: `/v1/screenings/${s.id}` } });

    // Swept again (and by a second replica at once): nothing more.
    expect(await Promise.all([relay().sweep(), relay().sweep()])).toEqual([0, 0]);
    expect(await deliveriesAbout(s.id)).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received).toHaveLength(1);
    expect((await relayCursor(db(), FLAGGED_RELAY))! > cursor!).toBe(true);
  });

  it('leaves a screening whose delivery was queued at once alone, and rebuilds the very event the screening path published', async () => {
    const endpoint = await register();
    await relay().sweep();
    const s = await screen(flaggedShipment('SO-QUEUED-1'));
    const queued = await deliveriesAbout(s.id);
    expect(queued.map((d) => d.endpoint_id)).toEqual([endpoint.id]);
    expect(await relay().sweep()).toBe(0);
    // Had the relay raced the screening path, its event would have the same key: queued once per endpoint.
    const row = (await findScreening(db(), s.id))!;
    expect(await t.app.webhooks.enqueue(flaggedEvent(toResult(row), row.apiKeyId))).toBe(0);
    expect(await deliveriesAbout(s.id)).toHaveLength(1);
    await receiver.waitFor(1, 15_000);
  });

  it('announces nothing the screening path would not: CLEAR, batch lines, another owner, disabled, registered later, not yet settled', async () => {
    const everyone = await register();
    const othersOnly = await register(['screening.flagged'], { ownerKeyId: t.keys.reviewer.id });
    const disabled = await register();
    expect((await t.app.inject({ method: 'PATCH', url: `/v1/webhooks/endpoints/${disabled.id}`, headers: bearer(t.keys.admin.key), payload: { enabled: false } })).statusCode).toBe(200);
    await relay().sweep();

    await refuseQueue(true);
    const lost = await screen(flaggedShipment('SO-LOST-2'));
    const clear = await screen(clearShipment('SO-CLEAR-2'));
    expect(clear.decision, JSON.stringify(clear)).toBe('CLEAR');
    // A flagged batch line: batches report their lines in batch.completed, not one screening.flagged each.
    const upload = await t.app.inject({
      method: 'POST', url: '/v1/batches', headers: { ...bearer(t.keys.submitter.key), 'content-type': 'application/x-ndjson' },
      payload: JSON.stringify(flaggedShipment('SO-BATCH-2')) + '\n',
    });
    expect(upload.statusCode, upload.body).toBe(202);
    const batchId = (upload.json() as { id: string }).id;
    let batch: { state: string } = { state: '' };
    for (let i = 0; i < 300 && !['completed', 'failed', 'cancelled'].includes(batch.state); i++) {
      await new Promise((r) => setTimeout(r, 100));
      batch = (await t.app.inject({ method: 'GET', url: `/v1/batches/${batchId}`, headers: bearer(t.keys.submitter.key) })).json();
    }
    expect(batch.state).toBe('completed');
    const line = (await db().execute(sql`SELECT screening_id FROM batch_results WHERE batch_id = ${batchId}`)) as { rows?: Array<{ screening_id: string }> };
    const lineScreening = ((line.rows ?? (line as unknown as Array<{ screening_id: string }>))[0])!.screening_id;
    expect(lineScreening).toBeTruthy();
    await refuseQueue(false);
    const later = await register();

    // Not yet settled: a relay that waits 10 minutes leaves them for later (and its cursor where it was).
    const before = await relayCursor(db(), FLAGGED_RELAY);
    expect(await relay(600_000).sweep()).toBe(0);
    expect(await relayCursor(db(), FLAGGED_RELAY)).toBe(before);

    expect(await relay().sweep()).toBe(1);
    expect((await deliveriesAbout(lost.id)).map((d) => d.endpoint_id)).toEqual([everyone.id]);
    for (const id of [clear.id, lineScreening]) expect(await deliveriesAbout(id)).toEqual([]);
    for (const e of [othersOnly, disabled, later]) {
      const res = await t.app.inject({ method: 'GET', url: `/v1/webhooks/deliveries?endpointId=${e.id}`, headers: bearer(t.keys.admin.key) });
      expect(res.json().items, e.id).toEqual([]);
    }
  }, 60_000);
});
