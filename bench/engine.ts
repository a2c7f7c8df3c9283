/**
 * Engine throughput: screenings per second for a typical shipment (3 items, 4 parties) on the shipped rule
 * table with a small in-memory party matcher (the real matcher's cost is benchmarked with src/matching).
 * Run: npx tsx bench/engine.ts [iterations]
 */
import { screen } from '../src/engine/index.js';
import { loadRuleset, normaliseShipment } from '../src/rules/index.js';
import type { ListEntry, PartyMatcher } from '../src/lists/types.js';

const entries: ListEntry[] = Array.from({ length: 2000 }, (_, i) => ({
  id: `e${i}`, list: i % 3 === 0 ? 'EL' : 'SDN', source: 'bench', name: `Bench Entity ${i} Limited`, altNames: [], type: 'Entity',
  countries: ['CN'], addresses: [], programs: [], licenseRequirement: null, licensePolicy: null, federalRegisterNotice: null, startDate: null, sourceListUrl: null,
}));
const byName = new Map(entries.map((e) => [e.name.toLowerCase(), e]));
const matcher: PartyMatcher = {
  size: entries.length,
  threshold: 0.9,
  search: (q) => {
    const e = byName.get(q.name.toLowerCase());
    return e ? [{ entry: e, matchedName: e.name, score: 1, match: true, explanation: { summary: 'exact', pieces: [] } }] : [];
  },
};

const rs = await loadRuleset(new URL('../rules', import.meta.url).pathname, { lists: { sources: [], matcher } });
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
for (let i = 0; i < 2000; i++) screen(shipment, rs, { now: '2026-11-28T00:00:00Z' }); // warm-up
const samples = new Float64Array(iterations);
const start = process.hrtime.bigint();
for (let i = 0; i < iterations; i++) {
  const t0 = process.hrtime.bigint();
  screen(shipment, rs, { now: '2026-11-28T00:00:00Z' });
  samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
}
const totalMs = Number(process.hrtime.bigint() - start) / 1e6;
samples.sort();
const pct = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]!.toFixed(1);
const r = screen(shipment, rs, { now: '2026-11-28T00:00:00Z' });
console.log(`engine screen(): 3 items, 4 parties, ${r.flags.length} flags, decision ${r.decision}`);
console.log(`${iterations} screenings in ${totalMs.toFixed(0)} ms: ${(iterations / (totalMs / 1000)).toFixed(0)} ops/s, p50 ${pct(0.5)} µs, p99 ${pct(0.99)} µs`);
