/**
 * The failed-authentication limit by client address (src/services/auth-failures.ts): after
 * AUTH_FAILURES_PER_MINUTE failed credentials from one address, further credentials from it get 429
 * with Retry-After and are not looked up; a key that verified here lately still gets through (callers
 * sharing a proxy's address); other addresses are untouched; the console's sign-in form counts and
 * obeys the same limit; TRUST_PROXY decides which address is the client's.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { FailedAuthLimiter, WINDOW_MS } from '../../src/services/auth-failures.js';
import { bearer, createKey, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';
import { sql } from 'drizzle-orm';
import { countAuthFailure, purgeAuthFailures } from '../../src/store/auth-failures-repo.js';
import { testDb } from '../audit/factory.js';

const LIMIT = 3;
let t: KeyedTestApp;

beforeAll(async () => {
  // The test's requests come from 127.0.0.1, a trusted proxy here: X-Forwarded-For names the client.
  t = await makeKeyedApp({ rateLimitPerMinute: 0, authFailuresPerMinute: LIMIT, trustProxy: ['127.0.0.1'] }, { loadRuleset: rulesOnly, sealIntervalMs: 0 });
}, 300_000);
afterAll(async () => t?.close());

const from = (client: string) => ({ 'x-forwarded-for': client });
const list = (client: string, auth: Record<string, string> = {}) =>
  t.app.inject({ method: 'GET', url: '/v1/screenings?limit=1', headers: { ...from(client), ...auth } });
// Well-formed keys that do not exist: each costs a lookup, which is what the limit protects.
const guessed = (n: number) => `ck_${n.toString(16).padStart(8, '0')}_${'A'.repeat(43)}`;

describe('failed authentication by client address', () => {
  it('holds an address back after the limit, without looking keys up, and lets a key that verified lately through', async () => {
    const client = '203.0.113.7';
    expect((await list(client, bearer(t.keys.reviewer.key))).statusCode).toBe(200); // verified lately
    const fresh = await createKey(t, 'reviewer'); // never presented from anywhere yet
    for (let i = 0; i < LIMIT; i++) {
      const res = await list(client, bearer(guessed(i)));
      expect(res.statusCode, `guess ${i}`).toBe(401);
    }
    const verify = vi.spyOn(t.app.keyVerifier, 'verify');
    const held = await list(client, bearer(guessed(99)));
    expect(held.statusCode).toBe(429);
    expect(held.headers['content-type']).toContain('application/problem+json');
    expect(held.json()).toMatchObject({ status: 429, detail: expect.stringContaining('failed authentications from this address') });
    const retry = Number(held.headers['retry-after']);
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(WINDOW_MS / 1000);
    // Malformed credentials are held back too; a request with none is simply unauthorised.
    expect((await list(client, { authorization: 'Basic abc' })).statusCode).toBe(429);
    expect((await list(client)).statusCode).toBe(401);
    // A key never verified here is held back like a guess (it could be one) …
    expect((await list(client, bearer(fresh.key))).statusCode).toBe(429);
    expect(verify).not.toHaveBeenCalled();
    // … while a key that verified lately still gets its normal verification.
    expect((await list(client, bearer(t.keys.reviewer.key))).statusCode).toBe(200);
    expect(verify).toHaveBeenCalledTimes(1);
    verify.mockRestore();
    // Another address is not affected, and the fresh key works from there.
    expect((await list('198.51.100.20', bearer(fresh.key))).statusCode).toBe(200);
    expect((await list('198.51.100.20', bearer(guessed(1)))).statusCode).toBe(401);
    // A revoked key loses its pass: once it fails, it is held back like any other from that address.
    expect((await list(client, bearer(fresh.key))).statusCode).toBe(200); // verified lately (from the other address)
    const revoke = await t.app.inject({ method: 'DELETE', url: `/v1/api-keys/${fresh.id}`, headers: bearer(t.keys.admin.key) });
    expect(revoke.statusCode, revoke.body).toBe(204);
    expect((await list('198.51.100.20', bearer(fresh.key))).statusCode).toBe(401);
    expect((await list(client, bearer(fresh.key))).statusCode).toBe(429);
  });

  it('counts and obeys the same limit at the console sign-in form', async () => {
    const client = '203.0.113.99';
    const signIn = (key: string) =>
      t.app.inject({
        method: 'POST', url: '/login',
        headers: { ...from(client), 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
        payload: new URLSearchParams({ key, next: '/queue' }).toString(),
      });
    for (let i = 0; i < LIMIT; i++) expect((await signIn(guessed(100 + i))).statusCode).toBe(401);
    const held = await signIn(guessed(200));
    expect(held.statusCode).toBe(429);
    expect(Number(held.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(held.body).toContain('Too many failed sign-ins from your address');
    expect(held.body).toContain('<form'); // the sign-in page, to try again later
    // The API's limit is the same count: this address is held back there too.
    expect((await list(client, bearer(guessed(300)))).statusCode).toBe(429);
    // A reviewer whose key verified lately can still sign in from that address.
    const ok = await signIn(t.keys.reviewer.key);
    expect(ok.statusCode).toBe(303);
  });
});

describe('client addresses that are not IP addresses', () => {
  it('counts every X-Forwarded-For text that is not an IP address as one address: no key or row per text, nothing 5xx', async () => {
    const before = t.app.authFailures.size;
    // With a proxy trusted, the address is what the header says: a client can write anything there, up to 16 KB.
    const junk = (n: number) => `not-an-address-${n}-${'x'.repeat(8_000)}`;
    for (let i = 0; i < LIMIT; i++) expect((await list(junk(i), bearer(guessed(600 + i)))).statusCode, `junk ${i}`).toBe(401);
    // Each text was a new address before: never held back, one window (and one auth_failures row) per text.
    const held = await list(junk(99), bearer(guessed(699)));
    expect(held.statusCode, held.body).toBe(429);
    expect(t.app.authFailures.size).toBe(before + 1);
    await vi.waitFor(async () => {
      const res = (await t.app.database.db.execute(sql`select address, sum(failures)::int as failures from auth_failures where address = 'unparseable' or address like 'not-an-address%' group by address`)) as unknown as {
        rows: Array<{ address: string; failures: number }>;
      };
      // One address for all that text (its count may straddle a minute; other tests may add to it), none per text.
      expect(res.rows.map((r) => r.address)).toEqual(['unparseable']);
      // Every failure the shared count took (at most two wait on the database at once: on a loaded machine the
      // others are skipped and this replica's own count holds the address back — which it did, above).
      const { skipped } = t.app.authFailures.sharedStats;
      expect(res.rows[0]!.failures).toBeGreaterThanOrEqual(Math.max(1, LIMIT - skipped));
    }, { timeout: 15_000, interval: 100 }); // the counts are written after the answers: on a loaded machine, seconds later
    // A real address is untouched by it.
    expect((await list('198.51.100.77', bearer(guessed(700)))).statusCode).toBe(401);
  });
});

describe('FailedAuthLimiter', () => {
  it('forgets an address when its minute is over, and stays bounded', () => {
    let now = 1_000_000;
    const l = new FailedAuthLimiter(2, { now: () => now, maxAddresses: 3 });
    l.failed('a');
    expect(l.blockedFor('a')).toBe(0);
    l.failed('a');
    expect(l.blockedFor('a')).toBe(WINDOW_MS);
    now += WINDOW_MS - 1;
    expect(l.blockedFor('a')).toBe(1);
    now += 1;
    expect(l.blockedFor('a')).toBe(0);
    l.failed('a'); // a new minute: one failure
    expect(l.blockedFor('a')).toBe(0);
    for (const a of ['192.0.2.2', '192.0.2.3', '2001:db8::4', '192.0.2.5']) l.failed(a); // addresses: any other text counts as one
    expect(l.size).toBe(3);
    expect(new FailedAuthLimiter(0).blockedFor('a')).toBe(0);
  });

  it('counts across replicas: failures on two replicas add up to one limit, in the database', async () => {
    const store = await testDb();
    try {
      const db = store.database.db;
      let now = Date.parse('2026-12-07T12:00:10.000Z');
      const shared = (address: string, minute: number) => countAuthFailure(db, address, new Date(minute).toISOString());
      const a = new FailedAuthLimiter(3, { now: () => now, shared });
      const b = new FailedAuthLimiter(3, { now: () => now, shared });
      await a.failed('203.0.113.5');
      await b.failed('203.0.113.5');
      expect([a.blockedFor('203.0.113.5'), b.blockedFor('203.0.113.5')]).toEqual([0, 0]); // one each: below the limit on each replica and in all
      await b.failed('203.0.113.5'); // the third in all (B's second): the minute is used up
      expect(b.blockedFor('203.0.113.5')).toBe(50_000); // until 12:01:00
      expect(a.blockedFor('203.0.113.5')).toBe(0); // A has not heard yet: its next failure tells it
      await a.failed('203.0.113.5');
      expect(a.blockedFor('203.0.113.5')).toBe(50_000);
      expect(b.blockedFor('198.51.100.1')).toBe(0); // another address is untouched
      const rows = (await db.execute(sql`select address, failures from auth_failures`)) as unknown as { rows: Array<{ address: string; failures: number }> };
      expect(rows.rows).toEqual([{ address: '203.0.113.5', failures: 4 }]);
      // The next minute starts from nothing, and old minutes are purged.
      now += WINDOW_MS;
      expect(a.blockedFor('203.0.113.5')).toBe(0);
      await b.failed('203.0.113.5');
      expect(b.blockedFor('203.0.113.5')).toBe(0);
      expect(await purgeAuthFailures(db, new Date(Date.parse('2026-12-07T12:01:00.000Z')))).toBe(1);
    } finally {
      await store.close();
    }
  });

  it('keeps its own limit when the database cannot count, and says so', async () => {
    const errors: unknown[] = [];
    const l = new FailedAuthLimiter(2, { shared: () => Promise.reject(new Error('connection refused')), onSharedError: (e) => errors.push(e) });
    await l.failed('a');
    await l.failed('a');
    expect(l.blockedFor('a')).toBeGreaterThan(0);
    expect(errors).toHaveLength(2);
  });

  it('never has more than two shared counts waiting on a slow database: a flood is counted locally, nothing queues up', async () => {
    // A database that does not answer (slow, or down until the pool's connection timeout).
    const pending: Array<(n: number) => void> = [];
    const calls: string[] = [];
    const shared = (address: string) => {
      calls.push(address);
      return new Promise<number>((resolve) => pending.push(resolve));
    };
    const l = new FailedAuthLimiter(3, { shared });
    // Bad credentials from 50 addresses: the requests do not wait for the count (failed() is not awaited) ...
    const settled = Array.from({ length: 50 }, (_, i) => l.failed(`198.51.100.${i}`));
    // ... and only two counts went to the database; the other failures were counted on this replica only.
    expect(calls).toHaveLength(2);
    expect(l.sharedStats).toEqual({ inFlight: 2, skipped: 48 });
    for (let n = 0; n < 3; n++) void l.failed('203.0.113.9');
    expect(l.blockedFor('203.0.113.9')).toBeGreaterThan(0); // the local limit holds regardless
    // Once the database answers, counting resumes.
    pending.splice(0).forEach((resolve) => resolve(1));
    await Promise.all(settled);
    expect(l.sharedStats.inFlight).toBe(0);
    void l.failed('192.0.2.1');
    expect(calls).toHaveLength(3);
    pending.splice(0).forEach((resolve) => resolve(1));
  });

  it('the app counts each failed credential in auth_failures, and holds back an address other replicas used up', async () => {
    const db = t.app.database.db;
    const client = '192.0.2.44';
    expect((await list(client, bearer(guessed(500)))).statusCode).toBe(401);
    await vi.waitFor(async () => {
      const res = (await db.execute(sql`select failures from auth_failures where address = ${client}`)) as unknown as { rows: Array<{ failures: number }> };
      expect(res.rows.map((r) => r.failures)).toEqual([1]);
    });
    // Other replicas' failures this minute, as they would have counted them.
    await db.execute(sql`update auth_failures set failures = ${LIMIT + 5} where address = ${client}`);
    expect((await list(client, bearer(guessed(501)))).statusCode).toBe(401); // this replica's one lookup
    await vi.waitFor(async () => expect((await list(client, bearer(guessed(502)))).statusCode).toBe(429));
  });

  it('reads AUTH_FAILURES_PER_MINUTE and TRUST_PROXY, refusing what they cannot mean', () => {
    expect(loadConfig({}).authFailuresPerMinute).toBe(20);
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.168.1.1,::1' }).trustProxy).toEqual(['10.0.0.0/8', '192.168.1.1', '::1']);
    for (const bad of ['10.0.0.0/33', 'proxy.example', '10.0.0.1/8/1']) expect(() => loadConfig({ TRUST_PROXY: bad }), bad).toThrow(ConfigError);
    expect(() => loadConfig({ AUTH_FAILURES_PER_MINUTE: '-1' })).toThrow(ConfigError);
  });
});
