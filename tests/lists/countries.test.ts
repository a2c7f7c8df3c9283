import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseBisDpl } from '../../src/lists/bis-dpl.js';
import { toCountryCode, uniqueCodes } from '../../src/lists/countries.js';
import { loadRuleset, normaliseShipment, resolveCountry } from '../../src/rules/index.js';
import { buildCountryLookup } from '../../src/rules/country-names.js';

const table = parse(readFileSync('rules/countries.yaml', 'utf8')) as { countries: Array<{ alpha2: string; alpha3: string; name: string; aliases?: string[] }> };

describe('one source for country names (#9)', () => {
  // The deleted generated table keyed these by mangled spellings ("cura ao", "r union", "land islands") and knew no German.
  it.each([
    ['Curaçao', 'CW'], ['CURAÇAO', 'CW'], ['Curacao', 'CW'], ['Réunion', 'RE'], ['Reunion', 'RE'], ['Åland Islands', 'AX'], ['Aland Islands', 'AX'],
    ['Deutschland', 'DE'], ['Allemagne', 'DE'], ['Alemania', 'DE'], ['Côte d’Ivoire', 'CI'], ["Cote d'Ivoire", 'CI'], ['Türkiye', 'TR'],
    ['Saint Barthélemy', 'BL'], ['Peoples Republic of China', 'CN'], ['Korea, North', 'KP'], ['Burma', 'MM'], ['Россия', 'RU'],
    ['Bahamas, The', 'BS'], ['Narnia', null], ['', null],
  ])('%s → %s in the lists and in shipments alike', async (input, code) => {
    expect(toCountryCode(input)).toBe(code);
    expect(resolveCountry(await loadRuleset('rules'), input)).toBe(code);
  });

  it('every code, name and alias of the rule table resolves the same way in the importers and in shipments', async () => {
    const rs = await loadRuleset('rules');
    let checked = 0;
    for (const c of table.countries) {
      for (const v of [c.alpha2, c.alpha3, c.name, ...(c.aliases ?? [])]) {
        expect([v, toCountryCode(v)]).toEqual([v, c.alpha2]);
        expect([v, resolveCountry(rs, v)]).toEqual([v, c.alpha2]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(3 * table.countries.length);
  });

  it('the names of every supported language resolve the same way in both', async () => {
    const rs = await loadRuleset('rules');
    const lookup = buildCountryLookup(table.countries, () => undefined);
    expect(lookup.size).toBeGreaterThan(5000);
    for (const key of lookup.keys()) expect(toCountryCode(key)).toBe(resolveCountry(rs, key));
  });

  it('a shipment to "Deutschland" for a buyer in "Curaçao" is screened as DE and CW', async () => {
    const rs = await loadRuleset('rules');
    const input = { route: { destination: 'Deutschland' }, parties: [{ role: 'buyer', name: 'Muster GmbH', country: 'Curaçao' }], items: [{ model: 'H100', quantity: 1 }] };
    const r = normaliseShipment(input as never, rs, '2026-08-01');
    expect(r).toMatchObject({ ok: true });
    if (r.ok) {
      expect(r.shipment.route.destination).toBe('DE');
      expect(r.shipment.parties?.[0]?.country).toBe('CW');
    }
  });

  it('the importers take the spellings: a Denied Persons row in Curaçao is in CW', () => {
    const tsv = 'Name\tStreet_Address\tCity\tState\tCountry\tPostal_Code\tEffective_Date\tExpiration_Date\tStandard_Order\tLast_Update\tAction\tFR_Citation\n' +
      'ACME TRADING\t1 Main St\tWillemstad\t\tCuraçao\t\t01/02/2020\t\t\t\t\t85 FR 1\n';
    expect(parseBisDpl(tsv)[0]!.countries).toEqual(['CW']);
    expect(uniqueCodes(['Réunion', 'RE', 'Deutschland', 'DEU'])).toEqual(['RE', 'DE']);
  });
});
