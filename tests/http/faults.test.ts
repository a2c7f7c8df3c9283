/**
 * Faults on a real Postgres (only when TEST_DATABASE_URL is set): the app's connections are
 * killed in the middle of a write, the database turns read-only, or stops accepting connections.
 * The affected request answers 503 problem+json, nothing is half-stored, and the service recovers
 * on its own once the database is back. The writing endpoint is POST /v1/api-keys (a key row and
 * its audit event in one transaction); screenings follow the same path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { buildApp, type App } from '../../src/app.js';
import { testConfig } from '../../src/config.js';
import { freshStorage, PG_URL, type TestStorage } from '../helpers/app.js';
import { bearer, TEST_ADMIN_KEY } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const isProblem = (res: { headers: Record<string, unknown> }) => /^application\/problem\+json/.test(String(res.headers['content-type']));

describe.skipIf(!PG_URL)('database faults (real Postgres)', () => {
  let store: TestStorage;
  let app: App;
  let dbName: string;
  let admin: pg.Client; // connected to TEST_DATABASE_URL's database, not the app's
  let closed = false;

  beforeAll(async () => {
    store = await freshStorage();
    if (store.storage.kind !== 'postgres') throw new Error('needs postgres');
    dbName = new URL(store.storage.url).pathname.slice(1);
    app = await buildApp({ config: testConfig({ storage: store.storage, adminKey: TEST_ADMIN_KEY, rateLimitPerMinute: 0 }), loadRuleset: rulesOnly });
    admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.query(`ALTER DATABASE "${dbName}" RESET default_transaction_read_only`).catch(() => {});
    await admin.query(`ALTER DATABASE "${dbName}" ALLOW_CONNECTIONS true`).catch(() => {});
    await admin.end();
    if (!closed) await app.close();
    await store.drop();
  });

  const createKey = (name: string) =>
    app.inject({ method: 'POST', url: '/v1/api-keys', headers: bearer(TEST_ADMIN_KEY), payload: { role: 'auditor', name } });
  /**
   * Kills every connection to the app's database opened before this call (those opened after it
   * see the database's new settings) and waits until none is left. Termination is a signal, and a
   * connection that was starting up when the query ran (a background task's, or the pool's) may
   * not be listed yet: one pass could leave it alive and let /readyz answer 200 through it while
   * connections are refused. So terminate until two checks in a row, 50 ms apart, find none.
   */
  async function terminateAppConnections() {
    const since = (await admin.query<{ t: Date }>('select clock_timestamp() as t')).rows[0]!.t;
    let quiet = 0;
    for (let pass = 0; pass < 200 && quiet < 2; pass++) {
      const res = await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid() and backend_start <= $2',
        [dbName, since],
      );
      quiet = res.rowCount === 0 ? quiet + 1 : 0;
      if (quiet < 2) await sleep(50);
    }
    if (quiet < 2) throw new Error(`connections to ${dbName} opened before the fault outlived it`);
  }
  const counts = async () => {
    const c = new pg.Client({ connectionString: (store.storage as { url: string }).url });
    await c.connect();
    try {
      const keys = await c.query<{ n: string }>("select count(*) as n from api_keys where name like 'fault-%'");
      const events = await c.query<{ n: string }>("select count(*) as n from audit_events where type = 'api_key.created'");
      return { keys: Number(keys.rows[0]?.n), events: Number(events.rows[0]?.n) };
    } finally {
      await c.end();
    }
  };
  /** The service recovers without a restart: within a few tries a write succeeds, and no try is a 500. */
  async function expectRecovery(name: string) {
    for (let i = 0; i < 20; i++) {
      const res = await createKey(name);
      if (res.statusCode === 201) return;
      expect(res.statusCode, res.body).toBe(503);
      await sleep(250);
    }
    throw new Error('the service did not recover');
  }

  it('answers 503 and stores nothing when its connection is killed in the middle of a write', async () => {
    expect((await createKey('fault-warmup')).statusCode).toBe(201); // pool warm, admin key cached
    const before = await counts();
    const locker = new pg.Client({ connectionString: (store.storage as { url: string }).url });
    await locker.connect();
    try {
      // Hold the audit table so the write stops half-way: key row inserted, audit event waiting.
      await locker.query('begin');
      await locker.query('lock table audit_events in access exclusive mode');
      const pending = createKey('fault-killed');
      const lockerPid = (await locker.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid;
      for (let i = 0; ; i++) {
        const waiting = await admin.query("select 1 from pg_stat_activity where datname = $1 and pid <> $2 and wait_event_type = 'Lock'", [dbName, lockerPid]);
        if (waiting.rowCount) break;
        if (i > 100) throw new Error('the write never reached the lock');
        await sleep(20);
      }
      await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> $2', [dbName, lockerPid]);
      const res = await pending;
      expect(res.statusCode, res.body).toBe(503);
      expect(isProblem(res)).toBe(true);
      expect(res.json()).toMatchObject({ status: 503, type: 'urn:chokepoint:problem:unavailable' });
      expect(res.headers['retry-after']).toBeDefined();
    } finally {
      await locker.query('rollback').catch(() => {});
      await locker.end();
    }
    expect(await counts()).toEqual(before);
    await expectRecovery('fault-after-kill');
    expect((await counts()).keys).toBe(before.keys + 1);
  });

  it('loses no pool connection when every connection dies at once under load', async () => {
    // Fill the pool with idle connections, kill them all, and hit it at once: requests that
    // pick a dead connection answer 503; none may keep its slot, or the pool starves for good.
    const burst = (tag: string) => Promise.all(Array.from({ length: 12 }, (_, i) => createKey(`fault-${tag}-${i}`)));
    for (const res of await burst('fill')) expect(res.statusCode).toBe(201);
    await terminateAppConnections();
    for (const res of await burst('race')) expect([201, 503], res.body).toContain(res.statusCode);
    for (let round = 0; round < 3; round++) {
      const started = Date.now();
      const results = await burst(`after-${round}`);
      for (const res of results) expect(res.statusCode, res.body).toBe(201);
      expect(Date.now() - started).toBeLessThan(4_000); // no request waited out the 5 s pool timeout
    }
  });

  it('answers 503 while the database refuses writes, keeps serving reads, and recovers when writes return', async () => {
    await admin.query(`ALTER DATABASE "${dbName}" SET default_transaction_read_only = on`);
    await terminateAppConnections();
    const before = await counts();
    try {
      const res = await createKey('fault-read-only');
      expect(res.statusCode, res.body).toBe(503);
      expect(isProblem(res)).toBe(true);
      const list = await app.inject({ method: 'GET', url: '/v1/api-keys', headers: bearer(TEST_ADMIN_KEY) });
      expect(list.statusCode).toBe(200);
    } finally {
      await admin.query(`ALTER DATABASE "${dbName}" RESET default_transaction_read_only`);
      await terminateAppConnections();
    }
    expect(await counts()).toEqual(before);
    await expectRecovery('fault-after-read-only');
  });

  it('answers 503 (never 500) while the database accepts no connections, and is not ready; recovers afterwards', async () => {
    await admin.query(`ALTER DATABASE "${dbName}" ALLOW_CONNECTIONS false`);
    await terminateAppConnections();
    try {
      const write = await createKey('fault-no-connections');
      expect(write.statusCode, write.body).toBe(503);
      expect(isProblem(write)).toBe(true);
      // A key not in the verification cache needs the database too: 503, not 401.
      const unknown = await app.inject({ method: 'GET', url: '/v1/api-keys', headers: bearer(`ck_0123abcd_${'B'.repeat(43)}`) });
      expect(unknown.statusCode).toBe(503);
      expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
    } finally {
      await admin.query(`ALTER DATABASE "${dbName}" ALLOW_CONNECTIONS true`);
    }
    await expectRecovery('fault-after-outage');
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });

  it('shuts down cleanly afterwards: no connection was left checked out by a failed request', async () => {
    const timeout = new Promise<'stuck'>((resolve) => setTimeout(() => resolve('stuck'), 10_000).unref());
    expect(await Promise.race([app.close().then(() => 'closed' as const), timeout])).toBe('closed');
    closed = true;
  });
});
