/**
 * QA's batch case end to end: the engine with the shipped rules and the real matcher over the
 * shipped CSL. A buyer "Late Co" (DE) was decided BLOCK (LIST-SDN) through the SDN alias "LTTE".
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { screen } from '../../src/engine/index.js';
import { parseListBytes } from '../../src/lists/import.js';
import { buildMatcher } from '../../src/matching/matcher.js';
import { loadRuleset, normaliseShipment, type Ruleset } from '../../src/rules/index.js';

const root = join(import.meta.dirname, '..', '..');
let rs: Ruleset;

beforeAll(async () => {
  const entries = parseListBytes(readFileSync(join(root, 'rules/lists/consolidated-2026-07-31.csv.gz')), 'consolidated-2026-07-31.csv').entries;
  const sources = [{ name: 'consolidated', file: 'consolidated-2026-07-31.csv.gz', format: 'csl-csv' as const, entryCount: entries.length, sha256: 'test', generatedAt: null }];
  rs = await loadRuleset(join(root, 'rules'), { lists: { sources, matcher: buildMatcher(entries, { cacheSize: 0 }) } });
}, 60_000);

function buyer(name: string, country: string) {
  const n = normaliseShipment({ reference: `qa-${name}`, items: [{ model: 'H100', quantity: 8 }], parties: [{ role: 'buyer', name, country }], route: { origin: 'US', destination: country } }, rs, '2026-12-07');
  if (!n.ok) throw new Error(JSON.stringify(n.errors));
  const r = screen(n.shipment, rs, { now: '2026-12-07T00:00:00Z' });
  return { decision: r.decision, listFlags: r.flags.filter((f) => f.ruleId.startsWith('LIST-') && f.ruleId !== 'LIST-CLEAR').map((f) => f.ruleId) };
}

describe('a buyer one letter off a listed acronym', () => {
  it.each(['Late Co', 'Lite Co', 'Lute GmbH'])('"%s" (DE) raises no list flag at all (the parties are clear)', (name) => {
    const r = buyer(name, 'DE');
    expect(r.listFlags).toEqual([]);
    expect(r.decision).not.toBe('BLOCK');
  });

  it('"Mate GmbH" (DE) is a possible match for review, not a BLOCK', () => {
    const r = buyer('Mate GmbH', 'DE');
    expect(r.listFlags).toEqual(['LIST-POSSIBLE']);
    expect(r.decision).not.toBe('BLOCK');
  });

  it('a buyer literally named "LTTE" is still BLOCKed', () => {
    expect(buyer('LTTE', 'DE')).toMatchObject({ decision: 'BLOCK', listFlags: expect.arrayContaining(['LIST-SDN']) });
  });
});
