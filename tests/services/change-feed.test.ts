/**
 * The change feed (src/services/change-feed.ts): suppressions, licence records and webhook endpoints
 * are kept in memory only while every committed change is heard of. Unit rules first (a fake
 * subscription), then the real thing on PGlite or Postgres: a change made by another process's
 * services (a replica, the CLI — here a second service without the feed, on the same database)
 * reaches this app's screenings through NOTIFY, and repeated screenings stop reading the tables.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangeFeed } from '../../src/services/change-feed.js';
import { SuppressionService } from '../../src/services/suppressions.js';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { listEntry, mutableListLoader } from '../helpers/lists.js';

type Listener = { onMessage: (p: string) => void; onState: (up: boolean) => void };

function fakeDatabase() {
  const l: Partial<Listener> = {};
  return {
    l: l as Listener,
    listen: async (_channel: string, onMessage: (p: string) => void, onState?: (up: boolean) => void) => {
      l.onMessage = onMessage;
      l.onState = onState ?? (() => {});
      l.onState(true);
      return async () => l.onState!(false);
    },
  };
}

describe('change feed rules', () => {
  it('keeps nothing before it listens, then one copy until a change is announced', async () => {
    const feed = new ChangeFeed();
    let loads = 0;
    const read = feed.cached('suppressions', async () => ++loads);
    expect(await read.get()).toBe(1);
    expect(await read.get()).toBe(2); // not listening: every read loads
    const db = fakeDatabase();
    await feed.start(db);
    expect(await read.get()).toBe(3);
    expect(await read.get()).toBe(3);
    db.l.onMessage('licences'); // another topic
    expect(await read.get()).toBe(3);
    db.l.onMessage('suppressions');
    expect(await read.get()).toBe(4);
    feed.changed('suppressions'); // this process's own write
    expect(await read.get()).toBe(5);
    expect(feed.stats.hits).toBe(2);
  });

  it('reads from the database while the subscription is lost, and drops every copy when it is back', async () => {
    const feed = new ChangeFeed();
    const db = fakeDatabase();
    await feed.start(db);
    let loads = 0;
    const read = feed.cached('licences', async () => ++loads);
    expect(await read.get()).toBe(1);
    expect(await read.get()).toBe(1);
    db.l.onState(false);
    expect(feed.listening).toBe(false);
    expect(await read.get()).toBe(2);
    expect(await read.get()).toBe(3);
    db.l.onState(true); // changes made during the gap were never announced here
    expect(await read.get()).toBe(4);
    expect(await read.get()).toBe(4);
  });

  it('does not keep a load that raced a change, and shares a load in flight', async () => {
    const feed = new ChangeFeed();
    const db = fakeDatabase();
    await feed.start(db);
    let loads = 0;
    let release: () => void = () => {};
    const read = feed.cached('webhook_endpoints', () => new Promise<number>((resolve) => {
      const n = ++loads;
      release = () => resolve(n);
    }));
    const a = read.get();
    const b = read.get(); // joins the load in flight
    db.l.onMessage('webhook_endpoints'); // a change commits while the first load reads
    release();
    expect(await a).toBe(1);
    expect(await b).toBe(1);
    const c = read.get(); // the raced copy was not kept
    release();
    expect(await c).toBe(2);
    expect(loads).toBe(2);
  });

  it('drops a copy older than its age limit (changes made behind the service)', async () => {
    const feed = new ChangeFeed(0);
    await feed.start(fakeDatabase());
    let loads = 0;
    const read = feed.cached('suppressions', async () => ++loads);
    await read.get();
    await new Promise((r) => setTimeout(r, 2));
    expect(await read.get()).toBe(2);
  });
});

const ENTRY = listEntry('el-300', 'Silver Crane Logistics Limited', { countries: ['GB'] });
const shipment = (reference: string) => ({
  reference,
  shipDate: '2030-01-15',
  items: [{ model: 'NVIDIA H100 SXM5 80GB', quantity: 8 }],
  parties: [{ role: 'buyer', name: 'Silver Crane Logistics Ltd', country: 'GB' }],
  route: { origin: 'US', destination: 'GB' },
  endUse: 'research',
});

describe('change feed on real storage', () => {
  let t: KeyedTestApp;
  const lists = mutableListLoader([ENTRY]);
  const screen = async (reference: string) => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/screenings', headers: bearer(t.keys.submitter.key), payload: shipment(reference) });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { flags: Array<{ ruleId: string }>; suppressed?: Array<{ applied: boolean }> };
  };
  const listed = (r: { flags: Array<{ ruleId: string }> }) => r.flags.some((f) => f.ruleId === 'LIST-EL');

  beforeAll(async () => {
    t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: lists.load, sealIntervalMs: 0 });
    // The subscription is in place once the app is ready.
    expect(t.app.changes.listening).toBe(true);
  });
  afterAll(async () => t?.close());

  it('serves repeated screenings from its copy', async () => {
    expect(listed(await screen('CF-1'))).toBe(true);
    const before = t.app.changes.stats.hits;
    await screen('CF-2');
    await screen('CF-3');
    expect(t.app.changes.stats.hits).toBeGreaterThan(before);
  });

  it("hears of a suppression recorded by another process's services, and applies it", async () => {
    // Another replica or the CLI: same database, its own services, no feed of ours.
    const elsewhere = new SuppressionService(t.app.database.db, () => t.app.rules.get());
    await elsewhere.create(
      { name: 'Silver Crane Logistics Ltd', country: 'GB', entryId: 'el-300', justification: 'Companies House 07654321; not the listed firm', expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString() },
      { keyId: t.keys.reviewer.id, role: 'reviewer' } as never,
      new Date(),
    );
    // The NOTIFY arrives within milliseconds; until it does, the copy may still be the old one.
    let r = await screen('CF-4');
    for (let i = 0; i < 50 && listed(r); i++) {
      await new Promise((res) => setTimeout(res, 100));
      r = await screen(`CF-4-${i}`);
    }
    expect(listed(r)).toBe(false);
    expect(r.suppressed?.[0]?.applied).toBe(true);
  });

  it('a licence issued elsewhere becomes a candidate', async () => {
    const { LicenceService } = await import('../../src/services/licences.js');
    const elsewhere = new LicenceService(t.app.database.db, () => t.app.rules.get());
    expect(await t.app.licences.candidates()).toEqual([]);
    const issued = await elsewhere.issue(
      { number: 'D1234567', eccns: ['3A090.a'], destination: 'GB', parties: [{ role: 'ultimate_consignee', name: 'Silver Crane Logistics Ltd', country: 'GB' }], quantity: 100, validFrom: '2026-01-01', validTo: '2031-01-01' } as never,
      null,
      new Date(),
    );
    let ids: string[] = [];
    for (let i = 0; i < 50; i++) {
      ids = (await t.app.licences.candidates()).map((c) => c.id);
      if (ids.length) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(ids).toEqual([issued.id]);
  });
});
