/**
 * Dashboard and work-queue aggregates on a 1M-screening flag log in Postgres (issue #11: p95 ≤
 * 200 ms at 1M rows; first page of any list ≤ 1 s). Loads the same realistic year of screenings
 * as bench/audit.ts into a throwaway database, then times DashboardService.summary over 7, 30, 90
 * and 365 days, the queue's first page (oldest and riskiest first) and GET /v1/screenings?open=true.
 * Baseline in the same run: counting the 30-day period's rows through the created_at index — the
 * least a from-scratch aggregate over that period must read — so the ratio survives a busy machine.
 * The dashboard reads exact caches (src/store/dashboard-repo.ts) that the first read after the load
 * builds: that one-off cost is timed on its own ("first summary"), before the timed runs. Then a
 * few screenings and dispositions arrive and the summary is timed again ("after new writes").
 *
 * Then a monitoring run's changes arrive (--changes, default 20,000) and the queue (whose counts add
 * the screenings open only because of a change), its "Changed by monitoring" section and open=true are
 * timed again.
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/dashboard.ts [--rows 1000000] [--runs 30] [--changes 20000]
 */
import { randomBytes } from 'node:crypto';
import { resolveCountry } from '../src/rules/index.js';
import { sql } from 'drizzle-orm';
import { adminSql } from './throwaway-db.js';
import { loadFlagLog } from './flag-log-loader.js';
import { testConfig } from '../src/config.js';
import { createRulesetLoader } from '../src/services/active-ruleset.js';
import { DashboardService } from '../src/services/dashboard.js';
import { ScreeningQueryService } from '../src/services/screenings-query.js';
import { openDatabase, type Database } from '../src/store/db.js';
import { awaitingAfterChange } from '../src/store/monitoring-repo.js';
import { FINAL_DISPOSITION_ACTIONS, QUEUE_DECISIONS } from '../src/schemas/audit.js';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const ROWS = Number(flag('--rows') ?? 1_000_000);
const RUNS = Number(flag('--runs') ?? 30);
const CHANGES = Number(flag('--changes') ?? 20_000);
const BASE = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL;
if (!BASE || !/^postgres(ql)?:\/\//.test(BASE)) {
  console.error('bench/dashboard.ts needs BENCH_DATABASE_URL (or DATABASE_URL) = postgres://… of a server it may create databases on');
  process.exit(64);
}
const log = (msg: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);
const DAY = 86_400_000;

async function time(label: string, fn: () => Promise<unknown>): Promise<{ label: string; p50: number; p95: number }> {
  await fn(); // warm the cache and the plan
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const r = { label, p50: samples[Math.floor(samples.length / 2)]!, p95: samples[Math.min(samples.length - 1, Math.ceil(samples.length * 0.95) - 1)]! };
  log(`${label.padEnd(44)} p50 ${r.p50.toFixed(1).padStart(7)} ms   p95 ${r.p95.toFixed(1).padStart(7)} ms`);
  return r;
}

async function main() {
  const name = `chokepoint_bench_${randomBytes(4).toString('hex')}`;
  const url = new URL(BASE!);
  url.pathname = `/${name}`;
  await adminSql(BASE!, `CREATE DATABASE "${name}"`);
  let database: Database | undefined;
  try {
    database = await openDatabase({ kind: 'postgres', url: url.toString() });
    await database.migrate();
    const db = database.db;
    const now = new Date();
    log(`database ${name}: loading ${ROWS.toLocaleString()} screenings`);
    const loadS = await loadFlagLog(url.toString(), ROWS, now.toISOString(), log);
    log(`loaded in ${loadS.toFixed(1)} s`);

    const config = testConfig();
    const ruleset = await createRulesetLoader(config)();
    const dashboard = new DashboardService(db, () => ruleset);
    const query = new ScreeningQueryService(db, config, (c) => resolveCountry(ruleset, c));
    // Ends at the moment of each call, as the console's does: today is always partly live.
    const period = (days: number) => {
      const to = Date.now();
      return { from: new Date(to - days * DAY).toISOString(), to: new Date(to).toISOString() };
    };

    const p30 = period(30);
    const baseline = await time('baseline: count(*) of 30 days (index)', () => db.execute(sql`select count(*) from screenings where created_at >= ${p30.from} and created_at < ${p30.to}`));
    const t0 = performance.now();
    await dashboard.summary(period(365));
    log(`first summary (builds the rollups and the disposition cache once): ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const results = [];
    for (const days of [7, 30, 90, 365]) results.push(await time(`dashboard summary, ${days} days`, () => dashboard.summary(period(days))));
    // Writes since the caches were built are read live: a few screenings today and dispositions on old ones.
    await db.execute(sql`insert into screenings (id, reference, created_at, ship_date, decision, risk_score, destination, countries, rule_ids, flag_categories,
        raised_categories, party_names, chip_models, eccns, ruleset_version, ruleset_hash, request, result, request_hash, idempotency_scope)
      select md5('new' || i)::uuid::text, 'SO-NEW-' || i, now() - interval '1 second' * i, current_date + 10, 'REVIEW', 40, 'VN', '{US,SG,VN}', '{REDFLAG-1}',
        '{red_flag}', '{red_flag}', 'new buyer', '{}', '{}', '2026.11.0', 'sha256:9c1f4e0b7d2a', '{"route":{"origin":"US","via":["SG"],"destination":"VN"}}'::jsonb, '{}'::jsonb,
        md5('new' || i), '' from generate_series(1, 200) i`);
    await db.execute(sql`insert into dispositions (id, screening_id, action, justification, api_key_id, created_at)
      select md5('dnew' || seq)::uuid::text, id, 'blocked', 'bench', 'key-reviewer', now() from screenings where decision <> 'CLEAR' and seq % 997 = 1`);
    results.push(await time('dashboard summary, 30 days, after new writes', () => dashboard.summary(period(30))));
    results.push(await time('queue first page, oldest first (+ counts)', () => dashboard.queue({ order: 'age', limit: 51, offset: 0 })));
    results.push(await time('queue first page, highest risk first', () => dashboard.queue({ order: 'risk', limit: 51, offset: 0 })));
    results.push(await time('GET /v1/screenings?open=true first page', () => query.list({ open: true, limit: 50 }, null)));
    if (CHANGES > 0) {
      // A list import that changed CHANGES decisions (a quarter of them to BLOCK from CLEAR, the rest flagged to
      // other decisions): the queue's counts, its "Changed by monitoring" section and open=true read them too.
      await db.execute(sql`insert into monitoring_runs (id, trigger_key, trigger, ruleset_version, ruleset_hash, as_of, window_start, through_seq, status, total, created_at)
        values ('bench-run', 'bench', 'activation', '2026.12.0', 'sha256:bench', current_date, now() - interval '30 days', 0, 'completed', ${CHANGES}, now())`);
      await db.execute(sql`insert into monitoring_results (run_id, screening_id, screening_seq, owner_key_id, previous_decision, stored_decision, decision, decision_changed, flags_added, flags_removed, created_at)
        select 'bench-run', id, seq, api_key_id, decision, decision,
          case when decision = 'CLEAR' then 'BLOCK' when decision = 'REVIEW' then 'LICENSE_REQUIRED' else 'CLEAR' end,
          true, '{LIST-EL}', '{}', now() - interval '1 hour'
        from screenings where seq % ${Math.max(1, Math.floor(ROWS / CHANGES))} = 3 limit ${CHANGES}`);
      await db.execute(sql`vacuum analyze monitoring_results`);
      log(`${CHANGES.toLocaleString()} monitoring changes stored`);
      results.push(await time(`queue first page + counts, ${CHANGES.toLocaleString()} changes`, () => dashboard.queue({ order: 'age', limit: 51, offset: 0 })));
      results.push(await time(`queue's "Changed by monitoring" section`, () => awaitingAfterChange(db, QUEUE_DECISIONS, FINAL_DISPOSITION_ACTIONS, 50)));
      results.push(await time(`open=true first page, ${CHANGES.toLocaleString()} changes`, () => query.list({ open: true, limit: 50 }, null)));
    }
    const summary30 = results.find((r) => r.label.includes('30 days'))!;
    log(`30-day dashboard / baseline: ${(summary30.p95 / baseline.p95).toFixed(1)}× (p95)`);
  } finally {
    await database?.close();
    if (process.env.BENCH_KEEP_DB === "1") log(`kept database ${name} (BENCH_KEEP_DB=1)`);
    else await adminSql(BASE!, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
