/**
 * Engine throughput: screenings per second for a typical shipment (3 items, 4 parties) on the shipped
 * rule table and the real party matcher over the shipped Consolidated Screening List. Two runs:
 * the same parties every time (ERP reality: the matcher's per-ruleset cache answers), and a fresh
 * party name on every screening (every search goes through the index).
 * Run: npm run bench:engine [-- iterations]
 */
import { screen } from '../src/engine/index.js';
import { normaliseShipment } from '../src/rules/index.js';
import { createRulesetLoader } from '../src/services/active-ruleset.js';

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

const iterations = Number(process.argv[2] ?? 20000);
const now = { now: '2026-11-28T00:00:00Z' };
for (let i = 0; i < 2000; i++) screen(shipment, rs, now); // warm-up

function measure(label: string, next: (i: number) => typeof shipment) {
  const samples = new Float64Array(iterations);
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const s = next(i);
    const t0 = process.hrtime.bigint();
    screen(s, rs, now);
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  const totalMs = Number(process.hrtime.bigint() - start) / 1e6;
  samples.sort();
  const pct = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]!.toFixed(0);
  console.log(`| ${label} | ${(iterations / (totalMs / 1000)).toFixed(0)} | ${pct(0.5)} | ${pct(0.99)} |`);
}

const r = screen(shipment, rs, now);
console.log(`engine screen(): 3 items, 4 parties, ${r.flags.length} flags, decision ${r.decision}; ${rs.parties?.size ?? 0} listed names indexed`);
console.log('| run | screenings/s | p50 µs | p99 µs |');
console.log('|---|---|---|---|');
measure('same parties (matcher cache)', () => shipment);
const parties = shipment.parties ?? [];
measure('new party names each time', (i) => ({ ...shipment, parties: parties.map((p) => ({ ...p, name: `${p.name} ${i}` })) }));
