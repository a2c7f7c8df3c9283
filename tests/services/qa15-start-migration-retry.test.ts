/**
 * QA 15: at start-up the ruleset activation was recorded only when the first migration succeeded. A database
 * that failed its migration and came back on the retry left the start's ruleset active but never recorded in
 * the audit log (nor monitored). The retry that migrates the database now records it (once) and starts the
 * start's monitoring run.
 */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { testConfig } from '../../src/config.js';
import { openDatabase, type Database } from '../../src/store/db.js';
import { auditEvents } from '../../src/store/schema.js';
import { freshStorage, type TestStorage } from '../helpers/storage.js';
import { listEntry, mutableListLoader } from '../helpers/lists.js';

describe('start-up when the migration fails and then succeeds on retry (QA 15)', () => {
  let store: TestStorage;
  let database: Database;
  let app: App;
  let attempts = 0;
  const lists = mutableListLoader([listEntry('el-1', 'Old Harbour Trading Limited')]);

  beforeAll(async () => {
    store = await freshStorage();
    database = await openDatabase(store.storage);
    const migrate = database.migrate.bind(database);
    // The database is back only once start-up has finished (it was down for a while): the retry that migrates
    // it comes after the start's own recording and monitoring were skipped.
    let started!: () => void;
    const back = new Promise<void>((r) => (started = r));
    database.migrate = async () => {
      attempts++;
      if (attempts === 1) throw new Error('connection reset while migrating');
      await back;
      await migrate();
    };
    app = await buildApp({ config: testConfig({ storage: store.storage, monitorEnabled: true }), database, loadRuleset: lists.load, sealIntervalMs: 0, migrateRetryMs: 50 });
    expect(app.storageReady()).toBe(false);
    started();
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
    await store?.drop();
  });

  it('records the activation of the start ruleset once the retry migrated the database, once', async () => {
    expect(attempts).toBeGreaterThanOrEqual(1);
    await vi.waitFor(() => expect(app.storageReady()).toBe(true), { timeout: 10_000 });
    const hash = app.rules.get().hash;
    const activations = async () =>
      (await database.db.select({ payload: auditEvents.payload }).from(auditEvents).where(eq(auditEvents.type, 'ruleset.activated'))).map((r) => (r.payload as { hash: string }).hash);
    await vi.waitFor(async () => expect(await activations()).toEqual([hash]), { timeout: 10_000 });
    expect(attempts).toBe(2);
    // And the start's monitoring run, which the failed migration had skipped.
    await vi.waitFor(
      async () => {
        const runs = await database.db.execute(sql`select ruleset_hash from monitoring_runs`);
        const rows = ((runs as unknown as { rows?: unknown[] }).rows ?? runs) as Array<{ ruleset_hash: string }>;
        expect(rows.map((r) => r.ruleset_hash)).toEqual([hash]);
      },
      { timeout: 10_000 },
    );
  });

  it('starts the job queue the failed migration had kept from starting: a batch is screened on this replica', async () => {
    await vi.waitFor(() => expect(app.storageReady()).toBe(true), { timeout: 10_000 });
    const body = [Buffer.from(`${JSON.stringify({ reference: 'LATE-1', items: [{ model: 'NVIDIA L4', quantity: 1 }], route: { origin: 'US', destination: 'DE' } })}\n`)];
    const batch = await app.batches.submit({ body: (async function* () { yield* body; })(), format: 'ndjson', principal: null, now: () => new Date() });
    await vi.waitFor(async () => expect((await app.batches.get(batch.id, null)).state).toBe('completed'), { timeout: 20_000, interval: 200 });
    expect(await app.batches.get(batch.id, null)).toMatchObject({ screened: 1, total: 1 });
  }, 60_000);
});
