/**
 * QA13: the delivery claim with a per-endpoint allowance (the dispatcher's pool). Store level, no app:
 * each endpoint gets at most its allowance less what the caller already has in flight, the earliest due
 * first; what is not due, leased, finished or of a disabled endpoint is never claimed; and claims made
 * at once (replicas — on Postgres truly concurrent) never take the same row twice.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openDatabase, type Database } from '../../src/store/db.js';
import { claimDueDeliveries, type NewDelivery } from '../../src/store/webhooks-repo.js';
import { webhookDeliveries, webhookEndpoints } from '../../src/store/schema.js';
import { freshStorage, type TestStorage } from '../helpers/app.js';

let storage: TestStorage;
let database: Database;
const T0 = Date.parse('2026-12-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();
const NOW = at(60_000);
const LEASE = at(120_000);

beforeAll(async () => {
  storage = await freshStorage();
  database = await openDatabase(storage.storage);
  await database.migrate();
});
afterAll(async () => {
  await database?.close();
  await storage?.drop();
});
beforeEach(async () => {
  await database.db.execute(sql`delete from webhook_deliveries`);
  await database.db.execute(sql`delete from webhook_endpoints`);
});

async function endpoints(...ids: string[]) {
  await database.db.insert(webhookEndpoints).values(ids.map((id) => ({ id, url: 'https://erp.example.com/hook', events: ['screening.flagged'], secret: 'whsec_x', createdAt: at(0), updatedAt: at(0) })));
}

let seq = 0;
async function deliveries(endpointId: string, count: number, extra: Partial<NewDelivery> = {}, dueAt = (i: number) => at(i)) {
  const rows: NewDelivery[] = Array.from({ length: count }, (_, i) => {
    seq += 1;
    return { id: `${endpointId}-${String(seq).padStart(5, '0')}`, messageId: `msg_${seq}`, endpointId, eventType: 'screening.flagged', eventKey: `k${seq}`, payload: '{}', status: 'pending', attempts: 0, nextAttemptAt: dueAt(i), createdAt: at(0), ...extra };
  });
  await database.db.insert(webhookDeliveries).values(rows);
  return rows.map((r) => r.id);
}

const byEndpoint = (rows: Array<{ endpointId: string }>) => rows.reduce<Record<string, number>>((m, r) => ({ ...m, [r.endpointId]: (m[r.endpointId] ?? 0) + 1 }), {});

describe('claimDueDeliveries with a per-endpoint allowance', () => {
  it('gives a backlogged endpoint no more than its allowance less what is in flight; the others get the rest, earliest first', async () => {
    await endpoints('slow', 'a', 'b');
    await deliveries('slow', 40); // the oldest backlog: ranked first by due time
    const aIds = await deliveries('a', 3, {}, (i) => at(50_000 + i));
    await deliveries('b', 10, {}, (i) => at(51_000 + i));

    // Without an allowance the backlog takes everything (what the old claim did).
    const plain = await claimDueDeliveries(database.db, NOW, LEASE, 16);
    expect(byEndpoint(plain)).toEqual({ slow: 16 });
    await database.db.execute(sql`update webhook_deliveries set status = 'pending', lease_until = null, attempts = 0`);

    const first = await claimDueDeliveries(database.db, NOW, LEASE, 16, { perEndpoint: 4 });
    expect(byEndpoint(first)).toEqual({ slow: 4, a: 3, b: 4 });
    expect(first.filter((r) => r.endpointId === 'a').map((r) => r.id).sort()).toEqual(aIds);
    expect(first.filter((r) => r.endpointId === 'b').map((r) => r.nextAttemptAt).sort()).toEqual([at(51_000), at(51_001), at(51_002), at(51_003)]);
    expect(first.every((r) => r.status === 'delivering' && r.attempts === 1 && r.leaseUntil === LEASE)).toBe(true);

    // The caller still has them in flight: slow is full, b may take one more (3 of its 4 finished).
    const second = await claimDueDeliveries(database.db, NOW, LEASE, 16, { perEndpoint: 4, busy: new Map([['slow', 4], ['b', 3]]) });
    expect(byEndpoint(second)).toEqual({ b: 1 });
    // And `limit` bounds the whole claim, earliest due first across endpoints.
    const third = await claimDueDeliveries(database.db, NOW, LEASE, 2, { perEndpoint: 4 });
    expect(third.map((r) => r.endpointId)).toEqual(['slow', 'slow']);
  });

  it('never claims what is not due, still leased, finished, or of a disabled endpoint; takes over an expired lease', async () => {
    await endpoints('e', 'off');
    await database.db.update(webhookEndpoints).set({ enabled: false }).where(sql`id = 'off'`);
    const [notYet] = await deliveries('e', 1, {}, () => at(90_000));
    const [leased] = await deliveries('e', 1, { status: 'delivering', attempts: 1, leaseUntil: at(70_000) });
    const [expired] = await deliveries('e', 1, { status: 'delivering', attempts: 1, leaseUntil: at(59_000) });
    await deliveries('e', 1, { status: 'succeeded', attempts: 1 });
    await deliveries('e', 1, { status: 'failed', attempts: 5 });
    await deliveries('off', 2);
    const claimed = await claimDueDeliveries(database.db, NOW, LEASE, 16, { perEndpoint: 4 });
    expect(claimed.map((r) => [r.id, r.attempts])).toEqual([[expired, 2]]);
    expect(claimed.map((r) => r.id)).not.toContain(notYet);
    expect(claimed.map((r) => r.id)).not.toContain(leased);
  });

  it('claims made at once never take the same row twice, and each keeps to the allowance', async () => {
    await endpoints('x', 'y', 'z');
    for (const e of ['x', 'y', 'z']) await deliveries(e, 30);
    const claims = await Promise.all(Array.from({ length: 12 }, () => claimDueDeliveries(database.db, NOW, LEASE, 5, { perEndpoint: 2 })));
    const ids = claims.flat().map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of claims) {
      expect(c.length).toBeLessThanOrEqual(5);
      expect(Math.max(0, ...Object.values(byEndpoint(c)))).toBeLessThanOrEqual(2);
    }
    const res = (await database.db.execute(sql`select count(*)::int as n from webhook_deliveries where status = 'delivering' and attempts = 1`)) as unknown as { rows: Array<{ n: number }> };
    expect(res.rows[0]!.n).toBe(ids.length);
    expect(ids.length).toBeGreaterThan(0);
  });
});
