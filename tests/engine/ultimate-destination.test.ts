/** Evidence of the ultimate-destination, headquarters and review-policy decisions (issue #14). */
import { describe, expect, it } from 'vitest';
import { screen } from '../../src/engine/index.js';
import { normaliseShipment } from '../../src/rules/index.js';
import type { ShipmentInput } from '../../src/schemas/shipment.js';
import { fixtureRuleset } from './fixtures.js';
import { TODAY } from './scenario-runner.js';

const rs = await fixtureRuleset();
function run(input: Omit<ShipmentInput, 'reference' | 'shipDate'>) {
  const n = normaliseShipment({ reference: 'u', shipDate: '2026-11-30', ...input }, rs, TODAY);
  if (!n.ok) throw new Error(JSON.stringify(n.errors));
  return screen(n.shipment, rs, { now: `${TODAY}T00:00:00Z` });
}
const policyOf = (r: ReturnType<typeof run>) => r.flags.find((f) => f.ruleId === 'LIC-AC-CN-REVIEW-2026')?.evidence;
const h200 = [{ model: 'H200', quantity: 8 }];

describe('review policy for China (742.6(b)(10), Jan 2026)', () => {
  it('a direct US export of an H200 is case-by-case', () => {
    expect(policyOf(run({ items: h200, route: { origin: 'US', destination: 'CN' } }))).toMatchObject({ policy: 'case-by-case', directExport: true });
  });

  it('the same H200 reaching China through Malaysia is a reexport: presumption of denial', () => {
    const r = run({ items: h200, parties: [{ role: 'end_user', name: 'X', country: 'CN' }], route: { origin: 'US', destination: 'MY' } });
    expect(policyOf(r)).toMatchObject({ policy: 'presumption-of-denial', directExport: false, destination: 'CN', destinationFrom: 'parties[0]', routeDestination: 'MY' });
    expect(r.flags.find((f) => f.ruleId === 'LIC-AC-CN-REVIEW-2026')?.severity).toBe('critical');
  });

  it('an unknown origin is not assumed to be the US', () => {
    expect(policyOf(run({ items: h200, route: { destination: 'CN' } }))).toMatchObject({ policy: 'presumption-of-denial', origin: null, originUnknown: true });
  });
});

describe('headquarters', () => {
  it('says when it assumed the headquarters from where the party is located', () => {
    const r = run({ items: [{ model: 'H100', quantity: 8 }], parties: [{ role: 'buyer', name: 'X', country: 'CN' }], route: { origin: 'US', destination: 'AU' } });
    const f = r.flags.find((x) => x.ruleId === 'LIC-AC-HQ')!;
    expect(f.evidence).toMatchObject({ headquartersCountry: 'CN', headquartersBasis: 'located', headquartersAssumed: true });
    expect(f.message).toMatch(/assumed/);
  });

  it('a stated headquarters wins over the location', () => {
    const r = run({ items: [{ model: 'H100', quantity: 8 }], parties: [{ role: 'buyer', name: 'X', country: 'CN', headquartersCountry: 'AU' }], route: { origin: 'US', destination: 'AU' } });
    expect(r.flags.some((x) => x.ruleId === 'LIC-AC-HQ')).toBe(false);
  });
});

describe('no "no licence required" once the goods end up in the licence scope', () => {
  it('lists the ultimate destinations and never says NLR for a licensed item', () => {
    const r = run({ items: [{ model: 'H100', quantity: 8 }, { model: 'Widget', quantity: 1, eccn: 'EAR99' }], parties: [{ role: 'ultimate_consignee', name: 'X', country: 'CN' }], route: { origin: 'US', destination: 'SG' } });
    expect(r.items[0]!.licenseRequired).toBe(true);
    expect(r.flags.filter((f) => f.ruleId === 'DEST-NLR')).toEqual([]);
    expect(r.flags.find((f) => f.ruleId === 'DEST-AT-ONLY')?.evidence).toMatchObject({ ultimateDestinations: ['SG', 'CN'] });
  });
});
