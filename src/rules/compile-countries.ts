/** Countries, country groups (with Hong Kong treated as China) and named country sets, cross-checked. */
import { RulesetError } from './errors.js';
import { buildCountryLookup } from './country-names.js';
import type { Ruleset } from './ruleset.js';
import type { CountriesFile, CountryGroupsFile, Manifest, RedFlagsFile } from './schema.js';
import { checkCountryRef, type RefContext } from './validate.js';

export interface CompiledGeo extends RefContext {
  countries: Ruleset['countries'];
  groups: Map<string, Set<string>>;
  treatedAs: Map<string, string>;
  countrySets: Map<string, Set<string>>;
}

export function compileCountries(input: {
  countries: CountriesFile;
  groupsFile: CountryGroupsFile;
  redFlags: RedFlagsFile;
  files: Manifest['files'];
}): CompiledGeo {
  const { countries, groupsFile, redFlags, files } = input;
  const byAlpha2 = new Map<string, CountriesFile['countries'][number]>();
  countries.countries.forEach((c, i) => {
    if (byAlpha2.has(c.alpha2)) throw new RulesetError(files.countries, `/countries/${i}/alpha2`, `duplicate country ${c.alpha2}`);
    byAlpha2.set(c.alpha2, c);
  });
  const lookup = buildCountryLookup(countries.countries, (key, prior, code, path) => {
    throw new RulesetError(files.countries, path, `"${key}" would resolve to both ${prior} and ${code}`);
  });

  const codes = new Set(byAlpha2.keys());
  const groups = new Map<string, Set<string>>();
  for (const [g, members] of Object.entries(groupsFile.groups)) {
    members.forEach((m, i) => {
      if (!codes.has(m)) throw new RulesetError(files.countryGroups, `/groups/${g}/${i}`, `unknown country code "${m}"`);
    });
    groups.set(g, new Set(members));
  }
  const treatedAs = new Map<string, string>();
  groupsFile.treatedAs.forEach((t, i) => {
    for (const [k, v] of [['country', t.country], ['as', t.as]] as const)
      if (!codes.has(v)) throw new RulesetError(files.countryGroups, `/treatedAs/${i}/${k}`, `unknown country code "${v}"`);
    treatedAs.set(t.country, t.as);
    for (const members of groups.values()) if (members.has(t.as)) members.add(t.country);
  });
  groupsFile.anomalies.forEach((a, i) => {
    if (!codes.has(a.country)) throw new RulesetError(files.countryGroups, `/anomalies/${i}/country`, `unknown country code "${a.country}"`);
  });

  const ctx: RefContext = { countryCodes: codes, groupNames: new Set(groups.keys()), countrySetNames: new Set(Object.keys(redFlags.countrySets)) };
  const countrySets = new Map<string, Set<string>>();
  for (const [name, refs] of Object.entries(redFlags.countrySets)) {
    refs.forEach((r, i) => checkCountryRef(files.redFlags, `/countrySets/${name}/${i}`, r, ctx));
    countrySets.set(name, new Set(refs));
  }
  return { countries: { entries: countries.countries, byAlpha2, lookup }, groups, treatedAs, countrySets, ...ctx };
}
