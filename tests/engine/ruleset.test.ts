/** The rule table: loads, counts, hash stability, and refusal (RulesetError naming the file) on bad data. */
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRuleset, normaliseShipment, resolveCountry, RulesetError } from '../../src/rules/index.js';

async function copyRules(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'chokepoint-rules-'));
  await cp('rules', dir, { recursive: true });
  return dir;
}

async function withEdit(file: string, edit: (text: string) => string): Promise<string> {
  const dir = await copyRules();
  const path = join(dir, file);
  await writeFile(path, edit(await readFile(path, 'utf8')));
  return dir;
}

describe('loadRuleset', () => {
  it('loads the shipped table with its version, hash and counts', async () => {
    const rs = await loadRuleset('rules');
    expect(rs.version).toMatch(/^\d{4}\.\d{2}\.\d{2}/);
    expect(rs.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(rs.counts.chips).toBeGreaterThanOrEqual(30);
    expect(rs.counts.redFlags).toBeGreaterThanOrEqual(20);
    expect(rs.counts.countries).toBeGreaterThanOrEqual(249);
    expect(rs.parties).toBeNull();
  });

  it('hash ignores comments but changes with content and with list sources', async () => {
    const a = await loadRuleset('rules');
    const commented = await loadRuleset(await withEdit('hubs.yaml', (t) => `# a new comment\n${t}`));
    expect(commented.hash).toBe(a.hash);
    const changed = await loadRuleset(await withEdit('lists.yaml', (t) => t.replace('reviewThreshold: 0.75', 'reviewThreshold: 0.7')));
    expect(changed.hash).not.toBe(a.hash);
    const withLists = await loadRuleset('rules', { lists: { sources: [{ name: 'csl', file: 'csl.json', format: 'csl-json', entryCount: 1, sha256: 'ab', generatedAt: null }], matcher: null } });
    expect(withLists.hash).not.toBe(a.hash);
  });

  it.each([
    ['chips.yaml', (t: string) => t.replace('tpp: 15832, pd: 19.45,\n      datacenter: true, eccn: 3A090.a, uncertain: false,\n      note: \'A bare', 'tpp: 15000, pd: 19.45,\n      datacenter: true, eccn: 3A090.a, uncertain: false,\n      note: \'A bare'), /chips\.yaml at \/chips\/3\/tpp/],
    ['chips.yaml', (t: string) => t.replace('eccn: 3A090.b, uncertain: false, note: \'Die area is an estimate.\'', 'eccn: 3A090.a, uncertain: false, note: \'Die area is an estimate.\''), /chips\.yaml at \/chips\/\d+\/eccn/],
    ['chips.yaml', (t: string) => t.replace('chip: nvidia-b200, count: 8 }', 'chip: nvidia-b999, count: 8 }'), /chips\.yaml at \/systems\/named\/\d+\/chip: unknown chip id/],
    ['country-groups.yaml', (t: string) => t.replace('E:2: [CU]', 'E:2: [CU, QQ]'), /country-groups\.yaml at \/groups\/E:2\/1: unknown country code "QQ"/],
    ['licence-scope.yaml', (t: string) => t.replace("countries: [MO, AE] }\n    effectiveFrom: '2023-11-17'\n    severity: high\n    severityIf", "countries: [MO, ZZ] }\n    effectiveFrom: '2023-11-17'\n    severity: high\n    severityIf"), /licence-scope\.yaml at \/rules\/2\/destinations\/countries\/1/],
    ['red-flags.yaml', (t: string) => t.replace('- id: RF-KYC-03', '- id: RF-KYC-01'), /red-flags\.yaml at \/rules\/2\/id: duplicate rule id "RF-KYC-01"/],
    ['red-flags.yaml', (t: string) => t.replace('{ servicesDeclined: true }', '{ servicesRefused: true }'), /red-flags\.yaml at \/rules\/2\/when\/servicesRefused: unknown predicate/],
    ['red-flags.yaml', (t: string) => t.replace('{ itemEccnDeclaredMismatch: true }', '{ partyRoleIn: [buyer] }'), /needs scope party/],
    ['hubs.yaml', (t: string) => t.replace('severity: medium\n    decision: REVIEW\n    citation: \'BIS transshipment', 'severity: urgent\n    decision: REVIEW\n    citation: \'BIS transshipment'), /hubs\.yaml at \/rules\/1\/severity/],
    ['lists.yaml', (t: string) => t.replace('source: [CSL_2026]\nreviewThreshold', 'source: [NOPE_2099]\nreviewThreshold'), /lists\.yaml at \/source\/0: unknown source id "NOPE_2099"/],
    ['embargoes.yaml', (t: string) => t.replace('rules:', 'rules: [\n'), /embargoes\.yaml: is not valid YAML/],
  ])('refuses a broken %s', async (file, edit, message) => {
    const dir = await withEdit(file, edit);
    const err = await loadRuleset(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RulesetError);
    expect((err as Error).message).toMatch(message);
  });
});

describe('country normalisation', () => {
  it.each([
    ['CN', 'CN'], ['prc', 'CN'], ['Hong Kong SAR', 'HK'], ['UAE', 'AE'], ['Türkiye', 'TR'], ['Turkey', 'TR'], ['South Korea', 'KR'],
    ['Russia', 'RU'], ['Vietnam', 'VN'], ['Viet Nam', 'VN'], ['Macao', 'MO'], ['DEU', 'DE'], ['united states of america', 'US'], ['Narnia', null],
  ])('%s → %s', async (input, code) => {
    expect(resolveCountry(await loadRuleset('rules'), input)).toBe(code);
  });

  it('names the failing field with a JSON pointer', async () => {
    const rs = await loadRuleset('rules');
    const r = normaliseShipment({ reference: 'x', items: [{ model: 'H100', quantity: 1, specs: { tops: { fp7: 1 } } }], parties: [{ role: 'buyer', name: 'A', country: 'FR' }, { role: 'payer', name: 'B', country: 'Atlantis' }], route: { destination: 'CN' } }, rs, '2026-11-28');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => e.path)).toEqual(['/items/0/specs/tops/fp7', '/parties/1/country']);
  });

  it('fills shipDate with today and marks it defaulted', async () => {
    const rs = await loadRuleset('rules');
    const r = normaliseShipment({ reference: 'x', items: [{ model: 'H100', quantity: 1 }], route: { destination: 'Hong Kong' } }, rs, '2026-11-28');
    expect(r.ok && r.shipment.shipDate).toBe('2026-11-28');
    expect(r.ok && r.shipment.shipDateDefaulted).toBe(true);
    expect(r.ok && r.shipment.route.destination).toBe('HK');
  });
});
