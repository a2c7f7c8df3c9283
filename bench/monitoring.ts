/**
 * Continuous-monitoring benchmark: N stored screenings (default 100,000) re-screened by one
 * monitoring run on real Postgres, next to the single-screening engine rate measured in the same
 * run (the same engine path: normalise + screen, against the shipped rule table and lists).
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:monitoring [-- --rows N] [--keep]
 *
 * Creates chokepoint_bench_<random>, migrates it, stores N screenings through the service's own
 * writer (5,000 distinct buyer names, so the matcher's cache does not answer everything; every
 * 20th buyer is an Entity List name), then activates a "new" ruleset (the same rules under a new
 * hash, as after a list import) and times the run: read the scope in seq order, re-screen, compare,
 * store every result in 500-row transactions. Drops the database unless --keep.
 */
import { randomUUID } from 'node:crypto';
import { createRulesetLoader, createEngine, RulesService } from '../src/services/active-ruleset.js';
import { EventBus } from '../src/services/events.js';
import { MonitoringService } from '../src/services/monitoring.js';
import { SuppressionService } from '../src/services/suppressions.js';
import { canonicalJson } from '../src/canonical-json.js';
import { sha256Hex } from '../src/store/canonical.js';
import { raisedCategories } from '../src/services/screening-row.js';
import { openDatabase } from '../src/store/db.js';
import { ScreeningWriter, type ScreeningRow } from '../src/store/screenings-repo.js';
import type { ShipmentInput } from '../src/schemas/shipment.js';
import { createThrowawayDb } from './throwaway-db.js';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const ROWS = Number(flag('--rows') ?? 100_000);
const KEEP = args.includes('--keep');
const BASE = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const log = (msg: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);

const rulesDir = new URL('../rules', import.meta.url).pathname;
const loaded = await createRulesetLoader({ rulesDir, matchThreshold: 0.85 })();
let active = loaded;
const rules = new RulesService(async () => active);
await rules.reload();
const engine = createEngine(rules);

const ENTITY_NAMES = ['Inspur Taiwan', 'Sugon Information Industry', 'Powerair Pte Ltd', 'Hikvision Digital Technology'];
const input = (i: number): ShipmentInput => {
  const v = i % 5000;
  const buyer = v % 20 === 0 ? ENTITY_NAMES[(v / 20) % ENTITY_NAMES.length]! : `Meridian ${v} Compute Pte Ltd`;
  return {
    reference: `BENCH-${i}`,
    shipDate: '2099-06-30',
    items: [
      { model: 'NVIDIA H100 SXM5 80GB', quantity: 64, unitPriceUsd: 30000 },
      { model: '4U server with 8x L40S', quantity: 2 },
    ],
    parties: [
      { role: 'buyer', name: buyer, country: 'SG', businessType: 'datacenter' },
      { role: 'freight_forwarder', name: `Fast Freight ${v % 300} Pte Ltd`, country: 'SG' },
      { role: 'end_user', name: `KL Compute ${v} Sdn Bhd`, country: 'MY' },
    ],
    route: { origin: 'US', via: ['SG'], destination: 'MY' },
    endUse: 'AI inference service',
  };
};

const target = await createThrowawayDb(BASE);
const database = await openDatabase({ kind: 'postgres', url: target.url });
try {
  await database.migrate();
  log(`database ${target.name}; storing ${ROWS.toLocaleString()} screenings`);

  // Baseline in the same run: one screening at a time through the same engine path.
  const BASE_N = 5000;
  let t0 = performance.now();
  for (let i = 0; i < BASE_N; i++) {
    const r = await engine.screen(input(100_000 + i), new Date('2026-12-01T00:00:00Z'));
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
  }
  const engineRate = BASE_N / ((performance.now() - t0) / 1000);
  log(`single-screening engine rate: ${Math.round(engineRate).toLocaleString()} screenings/s (${BASE_N} shipments, new names)`);

  const writer = new ScreeningWriter(database.db);
  t0 = performance.now();
  const now = new Date();
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < ROWS; i++) {
    const body = input(i);
    const r = await engine.screen(body, now);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const id = randomUUID();
    const row: ScreeningRow = {
      id, reference: body.reference, createdAt: now.toISOString(), shipDate: r.shipment.shipDate, decision: r.result.decision, riskScore: r.result.riskScore,
      destination: r.shipment.route.destination, countries: ['MY', 'SG', 'US'], ruleIds: [...new Set(r.result.flags.map((f) => f.ruleId))],
      flagCategories: [...new Set(r.result.flags.map((f) => f.category))], raisedCategories: raisedCategories(r.result.flags), partyNames: '', chipModels: [], eccns: [], rulesetVersion: r.result.ruleset.version,
      rulesetHash: r.result.ruleset.hash, request: body, result: { ...r.result, id, reference: body.reference, screenedAt: now.toISOString() },
      requestHash: sha256Hex(canonicalJson(body)), idempotencyScope: '', idempotencyKey: null, apiKeyId: 'bench-submitter',
    };
    pending.push(writer.insert(row));
    if (pending.length >= 500) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  log(`stored ${ROWS.toLocaleString()} screenings in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  // A new ruleset becomes active (same rules under a new hash, as after a list import).
  active = { ...loaded, hash: `${loaded.hash}-bench`, version: `${loaded.version}-bench` };
  await rules.reload();
  let changedEvents = 0;
  const events = new EventBus();
  events.subscribe((e) => {
    if (e.type === 'screening.changed') changedEvents++;
  });
  const monitoring = new MonitoringService({
    db: database.db, rules, engine, events, suppressions: new SuppressionService(database.db, () => rules.get()), config: { monitorWindowDays: 30 },
    log: { info: () => {}, error: (o, m) => console.error(m, o) },
  });
  const rss0 = process.memoryUsage().rss;
  t0 = performance.now();
  await monitoring.onRulesetActive();
  await monitoring.idle();
  const secs = (performance.now() - t0) / 1000;
  const runs = await monitoring.list({});
  const run = runs.items[0]!;
  const rate = run.rescreened / secs;
  log(`monitoring run: ${run.status}, ${run.rescreened.toLocaleString()} of ${run.total.toLocaleString()} re-screened in ${secs.toFixed(1)} s, ${run.changed} changed, ${changedEvents} events`);
  log(`RSS growth during the run: ${Math.round((process.memoryUsage().rss - rss0) / 1e6)} MB`);
  console.log('\n| path | screenings/s |\n|---|---|');
  console.log(`| single-screening engine (normalise + screen), same run | ${Math.round(engineRate).toLocaleString()} |`);
  console.log(`| monitoring run: read, re-screen, compare, store (${run.rescreened.toLocaleString()} on Postgres) | ${Math.round(rate).toLocaleString()} |`);
  console.log(`\nratio monitoring / engine: ${(rate / engineRate).toFixed(2)}`);
  if (run.rescreened !== ROWS || run.status !== 'completed') throw new Error('the run did not re-screen every stored screening');
} finally {
  await database.close();
  if (!KEEP) await target.drop();
  else log(`kept ${target.url}`);
}
