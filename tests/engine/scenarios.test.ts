/** Runs every scenario in tests/scenarios/*.yaml through normalise + screen and checks decision, flags and ECCNs. */
import { describe, expect, it } from 'vitest';
import { loadScenarios, runScenario } from './scenario-runner.js';

const scenarios = loadScenarios();

describe('scenario corpus', () => {
  it('has at least 60 scenarios with unique names', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(60);
    expect(new Set(scenarios.map((s) => s.name)).size).toBe(scenarios.length);
  });

  it.each(scenarios.map((s) => [`${s.file}: ${s.name}`, s] as const))('%s', async (_, s) => {
    const r = await runScenario(s);
    const ids = r.flags.map((f) => f.ruleId);
    const why = `flags: ${r.flags.map((f) => `${f.ruleId}/${f.decision}@${f.subject}`).join(', ')}`;
    expect(r.decision, why).toBe(s.expect.decision);
    for (const id of s.expect.flags ?? []) expect(ids, `expected ${id}; ${why}`).toContain(id);
    for (const id of s.expect.notFlags ?? []) expect(ids, `unexpected ${id}; ${why}`).not.toContain(id);
    for (const id of s.expect.asks ?? []) {
      const asked = r.flags.filter((f) => f.ruleId === id);
      expect(asked.length, `expected ${id} asking for data; ${why}`).toBeGreaterThan(0);
      for (const f of asked) expect([f.category, f.severity, f.decision], `${id} must only ask; ${why}`).toEqual(['data_quality', 'info', 'CLEAR']);
    }
    if (s.expect.eccns) expect(r.items.map((i) => i.eccn)).toEqual(s.expect.eccns);
    for (const [id, subject] of Object.entries(s.expect.subjects ?? {}))
      expect(r.flags.some((f) => f.ruleId === id && f.subject === subject), `${id} on ${subject}; ${why}`).toBe(true);
    // A rule's message contains (or must not contain) a phrase, on every flag of that rule.
    for (const [id, phrase] of Object.entries(s.expect.message ?? {}))
      for (const f of r.flags.filter((x) => x.ruleId === id)) expect(f.message, `${id} message`).toContain(phrase);
    for (const [id, phrase] of Object.entries(s.expect.notMessage ?? {}))
      for (const f of r.flags.filter((x) => x.ruleId === id)) expect(f.message, `${id} message`).not.toContain(phrase);
    for (const f of r.flags) {
      expect(f.citation.length).toBeGreaterThan(3);
      expect(f.message).not.toMatch(/\{[a-zA-Z.]+\}/);
    }
  });
});
