/**
 * QA15: a monitoring run whose engine throws on one screening every time. The runner took every throw for
 * a passing fault: it stopped the run at that chunk and tried again every 30 s, for ever — the run stayed
 * `running`, the screenings after it were never re-screened, their changes never reported, and every later
 * run (a newer list, a licence revoked) waited behind it. Now, after ENGINE_FAILURES_PER_SCREENING throws in
 * a row, that screening is recorded as an error of the run and the run goes on; a throw that passes (the
 * engine fails once) still leaves no error behind. No screening is re-screened twice, no change told twice.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus, type ChokepointEvent } from '../../src/services/events.js';
import { ENGINE_FAILURES_PER_SCREENING, MonitoringService } from '../../src/services/monitoring.js';
import type { ScreeningEngine } from '../../src/services/active-ruleset.js';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { listEntry, mutableListLoader } from '../helpers/lists.js';

const shipment = (reference: string, buyer: string) => ({
  reference,
  shipDate: '2099-01-01',
  items: [{ model: 'NVIDIA H100 SXM5 80GB', quantity: 8 }],
  parties: [{ role: 'buyer', name: buyer, country: 'GB' }],
  route: { origin: 'US', destination: 'GB' },
});

describe('a monitoring run whose engine throws on one screening', () => {
  let t: KeyedTestApp;
  const lists = mutableListLoader([listEntry('el-a', 'Completely Unrelated Entity Holdings', { countries: ['IR'] })]);
  const byRef = new Map<string, string>();

  beforeAll(async () => {
    t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: lists.load, sealIntervalMs: 0 });
    await t.app.monitoring.idle();
    for (let i = 0; i < 6; i++) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/screenings', headers: bearer(t.keys.submitter.key), payload: shipment(`QA15-${i}`, i % 2 ? `Zenith Apex Compute ${i} Ltd` : `Harmless Widgets ${i} Ltd`) });
      expect(res.statusCode, res.body).toBe(201);
      byRef.set(`QA15-${i}`, res.json().id);
    }
  });
  afterAll(async () => t?.close());

  /** A runner of its own (the app's runner is stopped) over an engine that throws as `fails` says. */
  async function runWith(entry: ReturnType<typeof listEntry>, fails: (reference: string, call: number) => boolean) {
    await t.app.monitoring.stop();
    const calls = new Map<string, number>();
    const engine = {
      ...t.app.engine,
      screen: async (input: { reference: string }, ...rest: unknown[]) => {
        const n = (calls.get(input.reference) ?? 0) + 1;
        calls.set(input.reference, n);
        if (fails(input.reference, n)) throw new Error(`engine bug on ${input.reference}`);
        return (t.app.engine.screen as (...a: unknown[]) => unknown)(input, ...rest);
      },
    } as unknown as ScreeningEngine;
    const events = new EventBus();
    const seen: ChokepointEvent[] = [];
    events.subscribe((e) => void seen.push(e));
    const errors: string[] = [];
    const svc = new MonitoringService({
      db: t.app.database.db, rules: t.app.rules, engine, events, suppressions: t.app.suppressions, config: { monitorWindowDays: 30 },
      log: { info() {}, error: (_o, m) => void errors.push(m) }, chunkSize: 2, retryMs: 20,
    });
    lists.state.entries = [...lists.state.entries, entry];
    await t.app.rules.reload();
    const hash = t.app.rules.get().hash;
    await svc.onRulesetActive();
    const db = t.app.database.db;
    let run: { id: string; status: string } | undefined;
    for (let i = 0; i < 150 && run?.status !== 'completed'; i++) {
      await svc.idle();
      run = ((await db.execute(sql`select id, status from monitoring_runs where ruleset_hash = ${hash}`)) as unknown as { rows: Array<{ id: string; status: string }> }).rows[0];
      if (run?.status !== 'completed') await new Promise((r) => setTimeout(r, 20));
    }
    await svc.stop();
    const body = (await t.app.inject({ method: 'GET', url: `/v1/monitoring/runs/${run!.id}`, headers: bearer(t.keys.reviewer.key) })).json();
    const results = ((await db.execute(sql`select screening_id, error from monitoring_results where run_id = ${run!.id}`)) as unknown as { rows: Array<{ screening_id: string; error: string | null }> }).rows;
    return { body, results, calls, seen, errors };
  }

  it('records that screening as an error after a few tries and finishes the run: the others re-screened once, their changes told once', async () => {
    const { body, results, calls, seen, errors } = await runWith(listEntry('el-z', 'Zenith Apex Compute Ltd', { countries: ['GB'] }), (ref) => ref === 'QA15-2');
    // The new entry matches the three Zenith buyers (QA15-1, -3, -5): each changed, each told once.
    expect(body).toMatchObject({ status: 'completed', total: 6, rescreened: 6, errors: 1, changed: 3 });
    expect(results).toHaveLength(6);
    const failed = results.filter((r) => r.error !== null);
    expect(failed.map((r) => r.screening_id)).toEqual([byRef.get('QA15-2')]);
    expect(failed[0]!.error).toBe(`engine failed ${ENGINE_FAILURES_PER_SCREENING} times: engine bug on QA15-2`);
    expect(calls.get('QA15-2')).toBe(ENGINE_FAILURES_PER_SCREENING);
    // Screenings after the failing one: once each. Those of its own chunk before it were screened again with each try.
    for (const ref of ['QA15-4', 'QA15-5']) expect(calls.get(ref)).toBe(1);
    expect(seen.map((e) => e.data.screeningId)).toEqual(['QA15-1', 'QA15-3', 'QA15-5'].map((r) => byRef.get(r)));
    expect(errors.filter((m) => m === 'monitoring runner failed; it tries again shortly')).toHaveLength(ENGINE_FAILURES_PER_SCREENING - 1);
    expect(errors).toContain('monitoring could not re-screen a screening; recorded as an error of the run');
  });

  it('a throw that passes leaves no error: the screening is re-screened on the next try', async () => {
    const { body, results, calls } = await runWith(listEntry('el-w', 'Harmless Widgets 4 Ltd', { countries: ['GB'] }), (ref, call) => ref === 'QA15-4' && call === 1);
    expect(body).toMatchObject({ status: 'completed', total: 6, rescreened: 6, errors: 0, changed: 1 });
    expect(body.changes.map((c: { screeningId: string }) => c.screeningId)).toEqual([byRef.get('QA15-4')]);
    expect(results.every((r) => r.error === null)).toBe(true);
    expect(calls.get('QA15-4')).toBe(2);
  });

  it('an engine that fails on every shipment (its workers down) keeps the run waiting: no screening is written off as an error', async () => {
    // Last: its run stays running, and later runs wait behind it. Bounded by runWith's wait: the run must still be running then, nothing recorded as an error.
    const { body, results, calls } = await runWith(listEntry('el-v', 'Harmless Widgets 0 Ltd', { countries: ['GB'] }), () => true);
    expect(body.status).toBe('running');
    expect(results.filter((r) => r.error !== null)).toEqual([]);
    // It kept trying, and asked the engine whether it screens anything at all before writing one off.
    expect(calls.get('QA15-0')!).toBeGreaterThan(ENGINE_FAILURES_PER_SCREENING);
    expect(calls.get('monitoring-engine-probe')!).toBeGreaterThan(0);
  }, 60_000);
});
