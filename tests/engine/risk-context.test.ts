/**
 * Risk-based escalation (issue #14): a clean minimal shipment to EVERY A:1 and A:5 destination — generated from
 * the country-group data, not listed by hand — names only a buyer and leaves end use, end user, web presence,
 * business type and ship date empty. Outside the risk context those gaps only ask for data; each risky twin
 * (the same shipment through a transshipment hub, or for a new customer) must escalate them.
 */
import { describe, expect, it } from 'vitest';
import { screen } from '../../src/engine/index.js';
import { normaliseShipment } from '../../src/rules/index.js';
import { inDestinationSet, type Ruleset } from '../../src/rules/ruleset.js';
import type { EngineResult } from '../../src/schemas/screening-result.js';
import type { ShipmentInput } from '../../src/schemas/shipment.js';
import { fixtureRuleset } from './fixtures.js';
import { TODAY } from './scenario-runner.js';

const rs = await fixtureRuleset();
const destinations = [...new Set([...(rs.groups.get('A:1') ?? []), ...(rs.groups.get('A:5') ?? [])])].sort();
const GAP_RULES = rs.redFlags.filter((r) => r.missingData).map((r) => r.id);

function clean(country: string): ShipmentInput {
  return { reference: `clean-${country}`, items: [{ model: 'H100', quantity: 8 }], parties: [{ role: 'buyer', name: 'Example University', country }], route: { origin: 'US', destination: country } };
}

function run(input: ShipmentInput): EngineResult {
  const n = normaliseShipment(input, rs, TODAY);
  if (!n.ok) throw new Error(JSON.stringify(n.errors));
  return screen(n.shipment, rs, { now: `${TODAY}T00:00:00Z` });
}

/** Where the destination itself needs the licence (the UAE, conservatively), the clean shipment is LICENSE_REQUIRED, never REVIEW for a gap. */
const needsLicence = (r: Ruleset, c: string) => r.licence.some((l) => l.kind === 'destination' && l.modes.includes(r.mode) && l.eccns?.includes('3A090.a') && l.destinations && !l.effectiveTo && inDestinationSet(r, c, l.destinations));

describe('clean minimal shipments to every A:1 and A:5 destination', () => {
  it('covers both groups', () => {
    expect(destinations.length).toBeGreaterThanOrEqual(40);
    expect(GAP_RULES).toEqual(expect.arrayContaining(['RF-KYC-02', 'RF-KYC-06', 'RF-AC-03', 'RF-DOC-03']));
  });

  it.each(destinations)('%s: the gaps only ask for data (unless the destination itself is in the risk context)', (c) => {
    const r = run(clean(c));
    const gaps = r.flags.filter((f) => GAP_RULES.includes(f.ruleId));
    expect(gaps.map((f) => f.ruleId).sort()).toEqual(['RF-DOC-03', 'RF-KYC-02', 'RF-KYC-06']);
    const why = r.flags.filter((f) => f.decision !== 'CLEAR').map((f) => f.ruleId);
    // A destination in the licence scope (the UAE, conservatively) or a highest/high-tier hub is itself the risk context.
    const risky = needsLicence(rs, c) || ['highest', 'high'].includes(rs.hubs.get(c)?.tier ?? '');
    for (const f of gaps) expect([f.category, f.decision], `${f.ruleId}; ${why.join()}`).toEqual(risky ? ['red_flag', 'REVIEW'] : ['data_quality', 'CLEAR']);
    if (needsLicence(rs, c)) expect(r.decision, why.join()).toBe('LICENSE_REQUIRED');
    else if (risky) expect(r.decision, why.join()).toBe('REVIEW');
    else expect(r.decision, why.join()).toBe('CLEAR');
  });

  it.each(destinations)('%s: the risky twins escalate the same gaps', (c) => {
    const throughHub = clean(c);
    throughHub.route.via = ['MY'];
    const newCustomer = { ...clean(c), newCustomer: true };
    for (const twin of [throughHub, newCustomer]) {
      const r = run(twin);
      const gaps = r.flags.filter((f) => GAP_RULES.includes(f.ruleId));
      expect(gaps.map((f) => f.ruleId).sort()).toEqual(['RF-DOC-03', 'RF-KYC-02', 'RF-KYC-06']);
      for (const f of gaps) expect([f.category, f.decision], f.ruleId).toEqual(['red_flag', 'REVIEW']);
      expect(['REVIEW', 'LICENSE_REQUIRED']).toContain(r.decision);
    }
  });
});

describe('the risk context', () => {
  it('says in the evidence why a gap escalated', () => {
    const r = run({ ...clean('FR'), newCustomer: true });
    const f = r.flags.find((x) => x.ruleId === 'RF-KYC-02')!;
    expect(f.evidence.riskContext).toEqual({ id: 'RISK-CONTEXT', inContext: true, because: { newCustomer: true } });
  });

  it('counts another red flag on the same shipment', () => {
    const r = run({ ...clean('FR'), payment: { method: 'cash' } });
    expect(r.flags.find((x) => x.ruleId === 'RF-KYC-02')?.decision).toBe('REVIEW');
  });

  it('counts a headquarters in D:5 even when the destination is trusted', () => {
    const input = clean('DE');
    input.parties = [{ role: 'buyer', name: 'Example University', country: 'DE', headquartersCountry: 'CN' }];
    expect(run(input).flags.find((x) => x.ruleId === 'RF-KYC-02')?.decision).toBe('REVIEW');
  });

  it('counts volume out of proportion: 1000 advanced ICs', () => {
    const input = clean('DE');
    input.items = [{ model: 'H100', quantity: 1000 }];
    expect(run(input).flags.find((x) => x.ruleId === 'RF-KYC-02')?.decision).toBe('REVIEW');
  });
});
