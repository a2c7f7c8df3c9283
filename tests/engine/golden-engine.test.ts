/**
 * Golden results: the engine's full output for a deterministic corpus of varied shipments (golden-corpus.ts),
 * recorded from the engine BEFORE its performance work (issue #13) and compared byte for byte — the JSON of
 * the normalised shipment and of the result, key order included, since the stored result must be exactly what
 * the caller received. The fixture keeps a sha256 per case plus a few full results (to show a difference).
 * Each shipment is screened twice, so a result cannot depend on what an earlier screening left behind.
 *
 * Re-record (only when a rule change is MEANT to change results): GOLDEN_WRITE=1 npx vitest run tests/engine/golden-engine.test.ts
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { screen } from '../../src/engine/index.js';
import { normaliseShipment } from '../../src/rules/index.js';
import { goldenCorpus, type GoldenCase } from './golden-corpus.js';
import { fixtureRuleset } from './fixtures.js';

const FIXTURE = 'tests/engine/golden-engine.fixture.json';
const COUNT = 400;
const FULL = 4;

interface Fixture {
  seed: string;
  count: number;
  sha256: string[];
  full: Record<string, unknown>;
}

async function run(c: GoldenCase): Promise<string> {
  const rs = await fixtureRuleset(c.ruleset);
  const n = normaliseShipment(structuredClone(c.input), rs, c.today);
  if (!n.ok) return JSON.stringify({ normalised: n });
  const before = JSON.stringify(n.shipment);
  const opts = { now: c.now, licences: c.licences, suppressions: c.suppressions };
  const first = JSON.stringify(screen(n.shipment, rs, opts));
  const second = JSON.stringify(screen(n.shipment, rs, opts));
  if (second !== first) throw new Error(`case ${c.id}: a second screening of the same shipment gave another result`);
  if (JSON.stringify(n.shipment) !== before) throw new Error(`case ${c.id}: screen() changed its input`);
  return `{"normalised":${before},"result":${first}}`;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('engine golden results', () => {
  it(`${COUNT} varied shipments screen exactly as recorded`, async () => {
    const corpus = goldenCorpus(COUNT);
    const outputs: string[] = [];
    for (const c of corpus) outputs.push(await run(c));

    // The corpus must actually exercise the engine: every decision, many rules, lists, licences, suppressions.
    const results = outputs.map((o) => JSON.parse(o) as { result?: { decision: string; flags: Array<{ ruleId: string }>; suppressed?: unknown[]; authorisation: { status: string } } });
    const screened = results.flatMap((r) => (r.result ? [r.result] : []));
    expect(screened.length).toBeGreaterThan(COUNT * 0.8);
    expect(new Set(screened.map((r) => r.decision))).toEqual(new Set(['CLEAR', 'REVIEW', 'LICENSE_REQUIRED', 'BLOCK']));
    expect(new Set(screened.flatMap((r) => r.flags.map((f) => f.ruleId))).size).toBeGreaterThan(60);
    expect(new Set(screened.map((r) => r.authorisation.status)).size).toBe(4);
    expect(screened.some((r) => (r.suppressed ?? []).length > 0)).toBe(true);

    const hashes = outputs.map(sha);
    if (process.env.GOLDEN_WRITE === '1') {
      const fixture: Fixture = { seed: 'goldenCorpus(400, 20261202)', count: COUNT, sha256: hashes, full: Object.fromEntries(outputs.slice(0, FULL).map((o, i) => [String(i), JSON.parse(o)])) };
      writeFileSync(FIXTURE, `${JSON.stringify(fixture, null, 1)}\n`);
    }
    expect(existsSync(FIXTURE), `${FIXTURE} missing: record it with GOLDEN_WRITE=1 from an engine known to be right`).toBe(true);
    const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Fixture;
    expect(fixture.count).toBe(COUNT);
    for (let i = 0; i < FULL; i++) expect(JSON.parse(outputs[i]!), `case ${i}`).toEqual(fixture.full[String(i)]);
    const differ = hashes.flatMap((h, i) => (h === fixture.sha256[i] ? [] : [i]));
    expect(differ, `cases whose result changed: ${differ.slice(0, 20).join(', ')}`).toEqual([]);
  }, 120_000);
});
