/** Every rule id in rules/ fires in at least one scenario; screening is deterministic and pure. */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { screen } from '../../src/engine/index.js';
import { normaliseShipment } from '../../src/rules/index.js';
import { fixtureRuleset } from './fixtures.js';
import { loadScenarios, runScenario } from './scenario-runner.js';

describe('rule coverage', () => {
  it('exercises every flag-emitting rule id in at least one scenario', async () => {
    const rs = await fixtureRuleset();
    const fired = new Set<string>();
    for (const s of loadScenarios()) for (const f of (await runScenario(s)).flags) fired.add(f.ruleId);
    const missing = rs.ruleIds.filter((id) => !fired.has(id));
    expect(missing).toEqual([]);
  });
});

describe('determinism and purity', () => {
  it('gives byte-identical results for the same input and ruleset, whatever the order of calls', async () => {
    const scenarios = loadScenarios();
    const first = await Promise.all(scenarios.map((s) => runScenario(s)));
    const again = await Promise.all([...scenarios].reverse().map((s) => runScenario(s)));
    expect(JSON.stringify(again.reverse())).toBe(JSON.stringify(first));
  });

  it('does not mutate its input', async () => {
    const rs = await fixtureRuleset();
    const n = normaliseShipment({ reference: 'd', shipDate: '2026-11-30', items: [{ model: 'H800', quantity: 10 }], parties: [{ role: 'buyer', name: 'X', country: 'HK', headquartersCountry: 'CN' }], route: { via: ['SG'], destination: 'CN' } }, rs, '2026-11-28');
    if (!n.ok) throw new Error('normalise failed');
    const before = JSON.stringify(n.shipment);
    screen(n.shipment, rs, { now: '2026-11-28T00:00:00Z' });
    expect(JSON.stringify(n.shipment)).toBe(before);
  });

  it('engine modules import no I/O, clock, logger, HTTP or database', () => {
    for (const file of readdirSync('src/engine')) {
      const src = readFileSync(`src/engine/${file}`, 'utf8');
      expect(src, file).not.toMatch(/from '(node:)?(fs|fs\/promises|path|http|net|child_process)'|from '(fastify|drizzle-orm|pg|pino)[^']*'|Date\.now|new Date\(|Math\.random|process\.env/);
    }
  });
});
