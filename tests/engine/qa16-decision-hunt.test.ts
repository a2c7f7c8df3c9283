/**
 * QA16 decision hunt: classes of shipments that were decided too weakly (CLEAR or REVIEW where facts.yaml asks for
 * more). Each block fails on the engine and rule table before its fix.
 */
import { describe, expect, it } from 'vitest';
import { screen } from '../../src/engine/index.js';
import { normaliseShipment } from '../../src/rules/index.js';
import type { ShipmentInput } from '../../src/schemas/shipment.js';
import { fixtureRuleset } from './fixtures.js';
import { TODAY } from './scenario-runner.js';

const rs = await fixtureRuleset();
function run(input: Omit<ShipmentInput, 'reference' | 'shipDate'> & { shipDate?: string }) {
  const n = normaliseShipment({ reference: 'qa16', shipDate: '2026-11-30', ...input }, rs, TODAY);
  if (!n.ok) throw new Error(JSON.stringify(n.errors));
  return screen(n.shipment, rs, { now: `${TODAY}T00:00:00Z` });
}
const ids = (r: ReturnType<typeof run>) => r.flags.filter((f) => f.decision !== 'CLEAR').map((f) => f.ruleId);
const party = (role: 'buyer' | 'end_user' | 'ultimate_consignee', country: string) =>
  ({ role, name: `Example ${role} ${country}`, country, businessType: 'cloud', website: 'example.com' });
const inChina = { parties: [party('buyer', 'CN'), party('end_user', 'CN')], route: { origin: 'US', destination: 'CN' } };

describe('§744.23 supercomputer end use however it is typed (facts.yaml license_scope.end_use_744_23, ECFR_744_23)', () => {
  // 3A991.p (L2) to China needs no licence by destination: only the supercomputer end use makes it LICENSE_REQUIRED.
  for (const endUse of ['super-computer for weather', 'Super-Computing centre', 'exa-scale system', 'H.P.C. cluster', 'national super computing center'])
    it(`"${endUse}" in China is a 744.23 licence case and the RF-AC-06 red flag`, () => {
      const r = run({ items: [{ model: 'NVIDIA L2', quantity: 64 }], ...inChina, endUse });
      expect(r.decision).toBe('LICENSE_REQUIRED');
      expect(ids(r)).toEqual(expect.arrayContaining(['LIC-744-23-SUPERCOMPUTER', 'RF-AC-06']));
    });

  it('the same end use outside D:5/Macau needs no 744.23 licence', () => {
    const r = run({ items: [{ model: 'NVIDIA L2', quantity: 64 }], parties: [party('buyer', 'DE'), party('end_user', 'DE')], route: { origin: 'US', destination: 'DE' }, endUse: 'super-computer for weather' });
    expect(ids(r)).not.toContain('LIC-744-23-SUPERCOMPUTER');
  });
});

describe('AI training for a D:5 party however it is typed (facts.yaml RF-AC-06, AKIN_2025)', () => {
  for (const endUse of ['AI-training', 'LLM pre-training', 'A.I. training', 'deep learning training', 'model pre-training'])
    it(`"${endUse}" with a party in China raises RF-AC-06`, () => {
      expect(ids(run({ items: [{ model: 'NVIDIA L2', quantity: 64 }], ...inChina, endUse }))).toContain('RF-AC-06');
    });
  it('inference is not training', () => {
    expect(ids(run({ items: [{ model: 'NVIDIA L2', quantity: 64 }], ...inChina, endUse: 'inference serving' }))).not.toContain('RF-AC-06');
  });
});

describe('catalog chips written glued, hyphenated or with a spaced part number are still the catalog chip (facts.yaml chips)', () => {
  // Declared EAR99 on purpose: before the fix these fell to ITEM-DECLARED and were CLEAR to China.
  const cases: Array<[string, { model?: string; partNumber?: string }, string]> = [
    ['H100SXM5', { model: 'H100SXM5' }, 'nvidia-h100-sxm'],
    ['MI-300X', { model: 'AMD MI-300X' }, 'amd-mi300x'],
    ['Ascend910B', { model: 'Huawei Ascend910B' }, 'huawei-ascend-910b'],
    ['H200NVL', { model: 'H200NVL' }, 'nvidia-h200-nvl'],
    ['GB-200', { model: 'GB-200' }, 'nvidia-gb200'],
    ['RTX4090', { model: 'RTX4090' }, 'nvidia-rtx-4090'],
    ['part number with spaces', { partNumber: '900 21010 0000 000' }, 'nvidia-h100-pcie'],
    ['part number with a label', { partNumber: 'P/N: 900-21010-0000-000' }, 'nvidia-h100-pcie'],
  ];
  for (const [name, item, chip] of cases)
    it(`${name} declared EAR99 to China is the catalog chip: licence required and the misdeclaration flagged`, () => {
      const r = run({ items: [{ ...item, quantity: 50, eccn: 'EAR99' }], ...inChina, endUse: 'cloud' });
      expect(r.items[0]!.catalogId).toBe(chip);
      expect(r.decision).toBe('LICENSE_REQUIRED');
      expect(ids(r)).toContain('RF-CP-ECCN-01');
    });

  it('a glued name with a count is a system ("8xH100SXM5" → 4A090.a, 8 chips)', () => {
    const r = run({ items: [{ model: 'Server 8xH100SXM5', quantity: 2 }], ...inChina, endUse: 'cloud' });
    expect(r.items[0]).toMatchObject({ eccn: '4A090.a', containedChip: 'nvidia-h100-sxm', containedQuantity: 16 });
  });

  for (const model of ['USB cable type A 100cm', 'PSU B200W', 'Rail kit RK-H100X', 'Cisco C9300-48P'])
    it(`"${model}" is not taken for a chip`, () => {
      const r = run({ items: [{ model, quantity: 1, eccn: 'EAR99' }], parties: [party('buyer', 'VN'), party('end_user', 'VN')], route: { origin: 'US', destination: 'VN' }, endUse: 'cloud' });
      expect(r.items[0]!.catalogId).toBeNull();
      expect(r.decision).toBe('CLEAR');
    });
});

describe('a GPU priced like a datacenter part and declared EAR99 is misdescribed (facts.yaml RF-DOC-01, GATEKEEPER_*)', () => {
  for (const item of [{ model: 'GPU accelerator' }, { model: 'Graphics card' }, { model: 'Server part', description: 'GPGPU 80GB' }])
    it(`${JSON.stringify(item)} at 40,000 USD declared EAR99 → RF-DOC-04`, () => {
      const r = run({ items: [{ ...item, quantity: 50, eccn: 'EAR99', unitPriceUsd: 40000 }], parties: [party('buyer', 'VN'), party('end_user', 'VN')], route: { origin: 'US', destination: 'VN' }, endUse: 'cloud' });
      expect(r.decision).toBe('REVIEW');
      expect(ids(r)).toContain('RF-DOC-04');
    });

  it('a cheap GPU declared EAR99, or a datacenter GPU declared 3A991.p, is not flagged', () => {
    const at = { parties: [party('buyer', 'VN'), party('end_user', 'VN')], route: { origin: 'US', destination: 'VN' }, endUse: 'cloud' };
    expect(ids(run({ items: [{ model: 'Entry GPU', quantity: 5, eccn: 'EAR99', unitPriceUsd: 80 }], ...at }))).not.toContain('RF-DOC-04');
    expect(ids(run({ items: [{ model: 'GPU accelerator', quantity: 5, eccn: '3A991.p', unitPriceUsd: 12000 }], ...at }))).not.toContain('RF-DOC-04');
  });
});

describe('the route origin is a country the shipment involves (risk context, README "Risk context")', () => {
  const minimal = (origin: string) => run({ items: [{ model: 'H100', quantity: 8 }], parties: [{ role: 'buyer', name: 'Beispiel GmbH', country: 'DE' }], route: { origin, destination: 'DE' } });
  for (const origin of ['HK', 'CN', 'MY'])
    it(`H100s leaving ${origin} for Germany with no end use or end user: the gaps escalate`, () => {
      const r = minimal(origin);
      expect(r.decision).toBe('REVIEW');
      expect(ids(r)).toEqual(expect.arrayContaining(['RF-KYC-02', 'RF-DOC-03']));
      expect(r.flags.find((f) => f.ruleId === 'RF-KYC-02')!.evidence).toMatchObject({ riskContext: { inContext: true } });
    });
  it('the same shipment from the US stays outside the risk context (info flags asking for the data)', () => {
    const r = minimal('US');
    expect(r.decision).toBe('CLEAR');
    expect(r.flags.filter((f) => f.category === 'data_quality').map((f) => f.ruleId)).toEqual(expect.arrayContaining(['RF-KYC-02', 'RF-DOC-03']));
  });
});

describe('a vague end use phrased another way is still vague (facts.yaml RF-KYC-02, PUBT_2024)', () => {
  // The UAE is in the risk context (licence scope, highest-tier hub), so a vague end use asks for REVIEW there.
  const at = { parties: [party('buyer', 'AE'), party('end_user', 'AE')], route: { origin: 'US', destination: 'AE' }, permits: [{ type: 'AE_IMPORT_PERMIT' }] };
  for (const endUse of ['for stock', 'reselling', 'for resale', 'Inventory', 're-sale'])
    it(`"${endUse}" for H20s to the UAE is RF-KYC-02`, () => {
      const r = run({ items: [{ model: 'H20', quantity: 8 }], ...at, endUse });
      expect(r.decision).toBe('REVIEW');
      expect(ids(r)).toContain('RF-KYC-02');
    });
  it('a stated end use that mentions stock is not vague', () => {
    expect(ids(run({ items: [{ model: 'H20', quantity: 8 }], ...at, endUse: 'stock-exchange risk analytics cluster' }))).not.toContain('RF-KYC-02');
  });
});
