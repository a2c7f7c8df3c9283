/**
 * Monitoring across replicas and failures: one replica at a time works on a run (a lease on the run, renewed with
 * every chunk, taken over when it runs out), a run the runner stopped on says why (`lastError`), and an activation
 * that arrives while the runner is finishing is not left waiting for the next trigger.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScreeningEngine } from '../../src/services/active-ruleset.js';
import { EventBus } from '../../src/services/events.js';
import { MonitoringService } from '../../src/services/monitoring.js';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { listEntry, mutableListLoader } from '../helpers/lists.js';

const shipment = (reference: string, buyer: string) => ({
  reference,
  shipDate: '2099-01-01',
  items: [{ model: 'NVIDIA H100 SXM5 80GB', quantity: 8 }],
  parties: [{ role: 'buyer', name: buyer, country: 'GB' }],
  route: { origin: 'US', destination: 'GB' },
});

const rowsOf = <T>(r: unknown) => (r as { rows: T[] }).rows;

describe('monitoring runs across replicas', () => {
  let t: KeyedTestApp;
  const lists = mutableListLoader([listEntry('el-a', 'Completely Unrelated Entity Holdings', { countries: ['IR'] })]);
  const SCREENINGS = 12;
  let n = 0;

  beforeAll(async () => {
    t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: lists.load, sealIntervalMs: 0 });
    await t.app.monitoring.idle();
    for (let i = 0; i < SCREENINGS; i++) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/screenings', headers: bearer(t.keys.submitter.key), payload: shipment(`SO-L${i}`, i % 3 === 0 ? 'Quasar Lattice Devices Ltd' : `Plain Goods ${i} Ltd`) });
      expect(res.statusCode).toBe(201);
    }
  });
  afterAll(async () => t?.close());

  /** A new ruleset (one more listed party) that the app's own runner is not told about; the "replicas" below are. */
  const newRuleset = async (listed = `Other Listed Party ${n + 1} Holdings`) => {
    lists.state.entries = [...lists.state.entries, listEntry(`el-q${++n}`, listed, { countries: ['GB'] })];
    await t.app.rules.reload();
    return t.app.rules.get().hash;
  };
  /** The app's engine, slowed down and counted: what each replica re-screened. */
  const countingEngine = (calls: { n: number }, delayMs: number): ScreeningEngine => ({
    ...t.app.engine,
    screen: async (...args: Parameters<ScreeningEngine['screen']>) => {
      calls.n++;
      await new Promise((r) => setTimeout(r, delayMs));
      return t.app.engine.screen(...args);
    },
  });
  const replica = (engine: ScreeningEngine, extra: Partial<ConstructorParameters<typeof MonitoringService>[0]> = {}) =>
    new MonitoringService({
      db: t.app.database.db,
      rules: t.app.rules,
      engine,
      events: new EventBus(),
      suppressions: t.app.suppressions,
      config: { monitorWindowDays: 30 },
      log: { info: () => {}, error: () => {} },
      chunkSize: 3,
      retryMs: 0,
      ...extra,
    });
  const runOf = async (hash: string) =>
    rowsOf<{ id: string; status: string; lease_owner: string | null }>(await t.app.database.db.execute(sql`select id, status, lease_owner from monitoring_runs where ruleset_hash = ${hash}`))[0]!;

  it('two replicas told of the same activation re-screen each screening once between them, not once each', async () => {
    const hash = await newRuleset('Quasar Lattice Devices Limited');
    const a = { n: 0 };
    const b = { n: 0 };
    const ra = replica(countingEngine(a, 5));
    const rb = replica(countingEngine(b, 5));
    await Promise.all([ra.onRulesetActive(), rb.onRulesetActive()]);
    await Promise.all([ra.idle(), rb.idle()]);
    // The one that did not get the lease waits for it to run out (60 s) — the holder finished and gave it back.
    await Promise.all([ra.stop(), rb.stop()]);
    const run = await runOf(hash);
    expect(run.status).toBe('completed');
    expect(run.lease_owner).toBeNull();
    expect(a.n + b.n).toBe(SCREENINGS); // was 2 × SCREENINGS: each replica walked the whole run
    expect(Math.min(a.n, b.n)).toBe(0);
    const rescreened = rowsOf<{ n: string }>(await t.app.database.db.execute(sql`select count(*) as n from monitoring_results where run_id = ${run.id}`))[0]!.n;
    expect(Number(rescreened)).toBe(SCREENINGS);
  });

  it('a run whose replica died holding the lease is taken over when the lease runs out, not before', async () => {
    const hash = await newRuleset();
    const db = t.app.database.db;
    // The run exists and a replica that has since died holds it for another 1.5 s.
    const calls = { n: 0 };
    const r = replica(countingEngine(calls, 0));
    const dead = replica(countingEngine({ n: 0 }, 0), { faults: { inChunkTransaction: () => { throw new Error('killed'); } } });
    await dead.onRulesetActive();
    await dead.idle();
    const run = await runOf(hash);
    await db.execute(sql`update monitoring_runs set lease_owner = 'a-replica-that-died', lease_until = now() + interval '1500 milliseconds' where id = ${run.id}`);
    const started = Date.now();
    await r.onRulesetActive();
    await r.idle();
    expect(calls.n).toBe(0); // left alone while the lease holds
    expect((await runOf(hash)).status).toBe('running');
    for (let i = 0; i < 100 && (await runOf(hash)).status !== 'completed'; i++) {
      await new Promise((res) => setTimeout(res, 100));
      await r.idle();
    }
    await r.stop();
    expect((await runOf(hash)).status).toBe('completed');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect(calls.n).toBe(SCREENINGS);
  });

  it('a run the runner stopped on says why, with when; the error is cleared when the run completes', async () => {
    const hash = await newRuleset('Plain Goods 1 Limited'); // one screening changes: its event is refused
    const events = new EventBus();
    events.subscribe((e) => {
      if (e.type === 'screening.changed') throw new Error('webhook queue unavailable');
    });
    const failing = replica(t.app.engine, { events });
    await failing.onRulesetActive();
    await failing.idle();
    const run = await runOf(hash);
    const get = async () => (await t.app.inject({ method: 'GET', url: `/v1/monitoring/runs/${run.id}`, headers: bearer(t.keys.reviewer.key) })).json();
    const stopped = await get();
    expect(stopped.status).toBe('running');
    expect(stopped.lastError).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z: 1 subscriber\(s\) failed on screening\.changed: webhook queue unavailable$/);
    // Given back on failure: a healthy replica resumes at once rather than after the lease.
    expect(run.lease_owner).toBeNull();
    const healthy = replica(t.app.engine);
    await healthy.onRulesetActive();
    await healthy.idle();
    await healthy.stop();
    const done = await get();
    expect(done).toMatchObject({ status: 'completed', lastError: null });
    const list = (await t.app.inject({ method: 'GET', url: '/v1/monitoring/runs', headers: bearer(t.keys.reviewer.key) })).json();
    expect(list.items.find((i: { id: string }) => i.id === run.id)).toMatchObject({ lastError: null });
  });

  it('an activation that arrives while the runner takes its last look is run, not left for the next trigger', async () => {
    const first = await newRuleset();
    let second: string | undefined;
    const r = replica(t.app.engine, {
      faults: {
        // The runner has looked for running runs for the last time and is about to finish: a new ruleset becomes
        // active now, and its onRulesetActive finds the runner still busy.
        afterLastLook: async () => {
          if (second) return;
          second = await newRuleset();
          await r.onRulesetActive();
        },
      },
    });
    await r.onRulesetActive();
    await r.idle();
    await r.stop();
    expect(second).toBeDefined();
    expect((await runOf(first)).status).toBe('completed');
    expect((await runOf(second!)).status).toBe('completed'); // was still `running`, until the next activation or restart
  });
});
