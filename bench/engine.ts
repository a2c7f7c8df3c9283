/**
 * Engine throughput: screenings per second for a typical shipment (3 items, 4 parties) on the shipped
 * rule table and the real party matcher over the shipped Consolidated Screening List. Two runs:
 * the same parties every time (ERP reality: the matcher's per-ruleset cache answers), and a fresh
 * party name on every screening (every search goes through the index). Baseline in the same run:
 * `JSON.stringify` of the same result (what the service pays anyway to send it), so a figure from a
 * busy machine can still be read as a ratio.
 *
 * Each run reports wall-clock screenings/s, screenings per CPU-second of this process (steadier than the
 * wall clock when other processes share the cores) and p50/p99 latency, with the load average.
 * Target (issue #13): ≥ 20,000/s per core with cached parties, ≥ 8,000/s with new names, p99 ≤ 0.5 ms.
 *
 * Run: npm run bench:engine [-- --seconds 3] [-- --iterations 20000]
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { screen } from '../src/engine/index.js';
import { normaliseShipment } from '../src/rules/index.js';
import { createRulesetLoader } from '../src/services/active-ruleset.js';

const { values, positionals } = parseArgs({
  options: { seconds: { type: 'string' }, iterations: { type: 'string' } },
  allowPositionals: true,
});
// Legacy form: `npm run bench:engine -- 20000` (iterations).
const iterations = values.iterations ?? positionals[0];
const seconds = values.seconds !== undefined ? Number(values.seconds) : iterations === undefined ? 3 : null;
const maxIterations = iterations !== undefined ? Number(iterations) : Number.POSITIVE_INFINITY;

const rs = await createRulesetLoader({ rulesDir: new URL('../rules', import.meta.url).pathname, matchThreshold: 0.85 })();
const input = {
  reference: 'BENCH-1',
  shipDate: '2026-11-30',
  items: [
    { model: 'NVIDIA H800 SXM5 80GB', quantity: 2000, unitPriceUsd: 30000, hsCode: '8473.30', description: 'GPU accelerator' },
    { model: '4U server with 8x L40S', quantity: 12, unitPriceUsd: 90000 },
    { model: 'Acme NPU', quantity: 50, specs: { tops: { fp16: 185, int8: 370 }, dieAreaMm2: 500, datacenter: true } },
  ],
  parties: [
    { role: 'buyer' as const, name: 'Example Cloud Pte. Ltd.', country: 'SG', headquartersCountry: 'CN', incorporatedOn: '2024-05-01', businessType: 'trading' },
    { role: 'freight_forwarder' as const, name: 'Fast Freight Pte Ltd', country: 'SG' },
    { role: 'end_user' as const, name: 'KL Compute Sdn Bhd', country: 'MY', address: 'Unit 5, Jalan Example' },
    { role: 'payer' as const, name: 'Golden Pay Ltd', country: 'HK' },
  ],
  route: { origin: 'US', via: ['SG', 'MY'], destination: 'CN' },
  endUse: 'AI model training',
  permits: [],
};
const n = normaliseShipment(input, rs, '2026-11-28');
if (!n.ok) throw new Error(JSON.stringify(n.errors));
const shipment = n.shipment;
const now = { now: '2026-11-28T00:00:00Z' };
for (let i = 0; i < 3000; i++) screen(shipment, rs, now); // warm-up

function measure(label: string, work: (i: number) => unknown) {
  const samples: number[] = [];
  const start = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const deadline = seconds === null ? Number.POSITIVE_INFINITY : performance.now() + seconds * 1000;
  for (let i = 0; i < maxIterations && (i % 64 !== 0 || performance.now() < deadline); i++) {
    const t0 = process.hrtime.bigint();
    work(i);
    samples.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  const totalS = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const sorted = Float64Array.from(samples).sort();
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!.toFixed(0);
  const perCpu = samples.length / ((cpu.user + cpu.system) / 1e6);
  console.log(`| ${label} | ${(samples.length / totalS).toFixed(0)} | ${perCpu.toFixed(0)} | ${pct(0.5)} | ${pct(0.99)} | ${samples.length} |`);
  return perCpu;
}

const r = screen(shipment, rs, now);
console.log(`engine screen(): 3 items, 4 parties, ${r.flags.length} flags, decision ${r.decision}, ${JSON.stringify(r).length} B of JSON; ${rs.parties?.size ?? 0} listed names indexed`);
console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}; ${seconds !== null ? `${seconds} s per run` : `${maxIterations} iterations per run`}`);
console.log('| run | screenings/s | per CPU-second | p50 µs | p99 µs | screenings |');
console.log('|---|---|---|---|---|---|');
const base = measure('baseline: JSON.stringify of the same result', () => JSON.stringify(r));
const cached = measure('same parties (matcher cache)', () => screen(shipment, rs, now));
const parties = shipment.parties ?? [];
const fresh = measure('new party names each time', (i) => screen({ ...shipment, parties: parties.map((p) => ({ ...p, name: `${p.name} ${i}` })) }, rs, now));
console.log(`ratios to the baseline (per CPU-second): same parties ${(cached / base).toFixed(3)}, new names ${(fresh / base).toFixed(3)}`);
