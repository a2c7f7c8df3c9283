/**
 * QA16b: the two misses left by the QA16 decision hunt. Each block failed on the engine and rule table before its fix.
 *   1. A chip name typed with a space inside it ("H 100", "MI 300X", "L40 S") or a part number with a hyphen dropped
 *      was not recognised: declared EAR99 to China it was CLEAR (src/engine/catalog-match.ts findSpaced, chips.yaml
 *      aliasNormalisation.spacedNames).
 *   2. A nuclear-weapon, missile/rocket/UAV, chemical/biological-weapon, military or military-intelligence end use was
 *      CLEAR (red-flags.yaml RF-EU-01; 15 CFR 744.2/744.3/744.4/744.21/744.22, 736.2(b)(5); not in facts.yaml).
 */
import { describe, expect, it } from 'vitest';
import { matchCatalog, screen } from '../../src/engine/index.js';
import { normaliseShipment } from '../../src/rules/index.js';
import type { ShipmentInput } from '../../src/schemas/shipment.js';
import { fixtureRuleset } from './fixtures.js';
import { TODAY } from './scenario-runner.js';

const rs = await fixtureRuleset();
function run(input: Omit<ShipmentInput, 'reference' | 'shipDate'> & { shipDate?: string }) {
  const n = normaliseShipment({ reference: 'qa16b', shipDate: '2026-11-30', ...input }, rs, TODAY);
  if (!n.ok) throw new Error(JSON.stringify(n.errors));
  return screen(n.shipment, rs, { now: `${TODAY}T00:00:00Z` });
}
const ids = (r: ReturnType<typeof run>) => r.flags.filter((f) => f.decision !== 'CLEAR').map((f) => f.ruleId);
const party = (role: 'buyer' | 'end_user', country: string) => ({ role, name: `Example ${role} ${country}`, country, businessType: 'cloud', website: 'example.com' });
const at = (country: string) => ({ parties: [party('buyer', country), party('end_user', country)], route: { origin: 'US', destination: country } });

describe('a catalog chip typed with a space inside its name is the catalog chip (facts.yaml chips; relabelling/misdescription)', () => {
  // [as typed with a space, the same item typed whole, the catalog chip]
  const cases: Array<[{ model?: string; partNumber?: string }, { model?: string; partNumber?: string }, string]> = [
    [{ model: 'H 100' }, { model: 'H100' }, 'nvidia-h100-sxm'],
    [{ model: 'NVIDIA H 100 80GB' }, { model: 'NVIDIA H100 80GB' }, 'nvidia-h100-sxm'],
    [{ model: 'Model H 100' }, { model: 'H100' }, 'nvidia-h100-sxm'],
    [{ model: 'AMD MI 300X' }, { model: 'AMD MI300X' }, 'amd-mi300x'],
    [{ model: 'MI 300 X' }, { model: 'MI300X' }, 'amd-mi300x'],
    [{ model: 'L40 S' }, { model: 'L40S' }, 'nvidia-l40s'],
    [{ model: 'L 40S' }, { model: 'L40S' }, 'nvidia-l40s'],
    [{ model: 'L 20' }, { model: 'L20' }, 'nvidia-l20'],
    [{ model: 'H 200 NVL' }, { model: 'H200 NVL' }, 'nvidia-h200-nvl'],
    [{ model: 'GB 200' }, { model: 'GB200' }, 'nvidia-gb200'],
    [{ model: 'Huawei Ascend 910 B' }, { model: 'Huawei Ascend 910B' }, 'huawei-ascend-910b'],
    [{ partNumber: '90021010-0000-000' }, { partNumber: '900-21010-0000-000' }, 'nvidia-h100-pcie'],
    [{ partNumber: '900-210100000-000' }, { partNumber: '900-21010-0000-000' }, 'nvidia-h100-pcie'],
  ];
  for (const [item, whole, chip] of cases)
    it(`${JSON.stringify(item)} declared EAR99 to China is ${chip}, decided as ${JSON.stringify(whole)} (was CLEAR)`, () => {
      const r = run({ items: [{ ...item, quantity: 50, eccn: 'EAR99' }], ...at('CN'), endUse: 'cloud' });
      const w = run({ items: [{ ...whole, quantity: 50, eccn: 'EAR99' }], ...at('CN'), endUse: 'cloud' });
      expect(r.items[0]!.catalogId).toBe(chip);
      expect(r.items[0]!.eccn).toBe(w.items[0]!.eccn);
      expect(r.decision).not.toBe('CLEAR');
      expect(r.decision).toBe(w.decision);
      expect(ids(r).sort()).toEqual(ids(w).sort());
      expect(ids(r)).toContain('RF-CP-ECCN-01');
    });

  it('a 3A090 chip typed with a space to China needs a licence ("H 100", "L40 S", "MI 300X")', () => {
    for (const model of ['H 100', 'L40 S', 'MI 300X']) expect(run({ items: [{ model, quantity: 8, eccn: 'EAR99' }], ...at('CN'), endUse: 'cloud' }).decision).toBe('LICENSE_REQUIRED');
  });

  it('the evidence shows the words as typed', () => {
    const r = run({ items: [{ model: 'H 100', quantity: 8 }], ...at('CN'), endUse: 'cloud' });
    const f = r.flags.find((x) => x.subject === 'items[0]' && (x.evidence as { basis?: string }).basis === 'catalog')!;
    expect(f.evidence).toMatchObject({ catalogId: 'nvidia-h100-sxm', matchedText: expect.stringContaining('"h 100"') });
  });

  it('counts and systems read as for a name typed whole ("8x H 100", "HGX H 100")', () => {
    expect(matchCatalog(rs, '8x H 100', null)).toMatchObject({ chip: { id: 'nvidia-h100-sxm' }, via: 'parsedSystem', system: { count: 8 } });
    expect(matchCatalog(rs, 'HGX H 100', null)).toMatchObject({ via: 'namedSystem', system: { id: 'nvidia-hgx-h100-8' } });
  });

  // Both directions: none of these is a chip. Why each stays unrecognised is in chips.yaml spacedNames.
  const notChips: Array<[string, string]> = [
    ['USB cable Type A 100cm', '"100cm" joins to no alias token; "type" is a label word; "cable" a goods word'],
    ['Type A 100 connector', 'a label word before the letter'],
    ['PSU 1200 W', 'no 1–2-letter word; "1200w" is no alias token'],
    ['Cat 6 cable', '"cat6" is no alias token'],
    ['M 2 SSD 1 TB', '"m2", "1tb" are no alias tokens'],
    ['Rack 42 U', '"42u" is no alias token'],
    ['Server 4 U', '"4u" is a system word, not an alias token'],
    ['A 4 paper', '"a4" is no alias token; "paper" a goods word'],
    ['Model S 100 screws', '"s100" is no alias token; "screws" a goods word'],
    ['H 100 mm bracket', 'a unit after the number: a bracket measured in mm is not an H100'],
    ['H 100 mm', 'a unit after the number'],
    ['L 4 V', 'a unit after the number'],
    ['B 200 W', 'a unit after the number'],
    ['Class B 200 fitting', 'a label word before the letter'],
    ['Room 910 B', 'a digits-only word joins a suffix only after the alias\'s word before it ("ascend 910b")'],
  ];
  for (const [model, why] of notChips)
    it(`"${model}" is not a chip (${why})`, () => {
      expect(matchCatalog(rs, model, null)).toBeNull();
      const r = run({ items: [{ model, quantity: 10, eccn: 'EAR99' }], ...at('CN'), endUse: 'cloud' });
      expect(r.items[0]!.catalogId).toBeNull();
      expect(r.decision).toBe('CLEAR');
    });

  it('a part number with a different digit is still not a catalog part', () => {
    expect(matchCatalog(rs, undefined, '90021010-0000-001')).toBeNull();
  });

  it('a name typed whole wins over a spaced reading ("4090 D" stays the exact "4090" alias, the higher class)', () => {
    expect(matchCatalog(rs, '4090 D', null)?.chip.id).toBe('nvidia-rtx-4090');
  });
});

describe('a weapons or military end use is RF-EU-01 (15 CFR 744.2/744.3/744.4/744.21/744.22, GP5; not in facts.yaml)', () => {
  const de = at('DE');
  const fires = [
    'nuclear weapons simulation', 'missile guidance development', 'chemical weapons research', "for the army's targeting system",
    'military intelligence', 'anti-missile defence radar', 'UAV swarm autonomy', 'drone targeting', 'rocket engine design',
    'bioweapon agent modelling', 'thermonuclear yield modelling', 'Ministry of Defence analytics', 'signals intelligence (SIGINT) processing',
    'battlefield decision support', 'AI for paramilitary units', 'weaponisation of LLMs', 'warhead design', 'weapons-grade plutonium accounting',
    'Cloud inference; missile guidance', 'Air Force training simulators',
  ];
  for (const endUse of fires)
    it(`"${endUse}" for H100s to Germany: REVIEW, RF-EU-01 (high)`, () => {
      const r = run({ items: [{ model: 'H100', quantity: 8 }], ...de, endUse });
      expect(r.decision).toBe('REVIEW');
      const f = r.flags.find((x) => x.ruleId === 'RF-EU-01');
      expect(f).toMatchObject({ severity: 'high', decision: 'REVIEW' });
      expect(f!.citation).toMatch(/744\.2\b.*744\.3\b.*744\.4\b.*744\.21\b.*744\.22\b.*736\.2\(b\)\(5\)/);
    });

  const quiet: Array<[string, string]> = [
    ['military-grade connectors for a cloud datacenter', 'describes goods, not an end use'],
    ['MIL-SPEC rugged enclosure, hospital imaging', 'describes goods'],
    ["defence contractor's HR system", '"defence" alone is ambiguous; the contractor is a party, HR a civil end use'],
    ['nuclear power plant simulation', 'civil nuclear, not a weapon'],
    ['nuclear medicine imaging', 'civil nuclear'],
    ['ad targeting and recommendation models', '"targeting" alone is not military'],
    ['Salvation Army donation analytics', 'not an army'],
    ['airport weapons detection analytics', 'finds weapons, does not make them'],
    ['Cloud hosting. Not for military, nuclear, chemical or biological weapons or missile use', 'a negated disclaimer'],
    ['civil, non-military research', 'negated'],
    ['to combat fraud in payments', '"combat" alone is not military'],
    ['cyber defence monitoring', '"defence" alone'],
    ['AV post-production rendering', 'not a UAV'],
    ['Rocket League game servers', 'a game, not a rocket'],
    ['Old Navy demand forecasting', 'a retailer, not a navy'],
  ];
  for (const [endUse, why] of quiet)
    it(`"${endUse}" does not raise RF-EU-01 (${why})`, () => {
      expect(ids(run({ items: [{ model: 'H100', quantity: 8 }], ...de, endUse }))).not.toContain('RF-EU-01');
    });

  it('only on the advanced-IC ECCN set: an EAR99 item with a military end use does not raise it', () => {
    expect(ids(run({ items: [{ model: 'Office chair', quantity: 8, eccn: 'EAR99' }], ...de, endUse: 'military barracks' }))).not.toContain('RF-EU-01');
  });

  it('the rule carries a note saying the fact is not in facts.yaml and why REVIEW', () => {
    const rule = rs.redFlags.find((r) => r.id === 'RF-EU-01')!;
    expect(rule.note).toMatch(/NOT IN facts\.yaml/);
    expect(rule.note).toMatch(/person decides/);
    expect(rule.source).toContain('ECFR_744');
  });
});
