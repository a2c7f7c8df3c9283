/**
 * The one country-name resolver, used by shipments (through the ruleset) and by the list importers.
 * Its facts come from two places only: the rule table `rules/countries.yaml` (codes, the EAR's and
 * the lists' own spellings: "Korea, North", "Burma", "UAE") and the i18n-iso-countries library
 * (ISO 3166-1 names in some 80 languages: "Deutschland", "Allemagne", "Curaçao").
 */
import isoCountries from 'i18n-iso-countries';
import { countryKey } from './country-key.js';

export interface CountryRecord {
  alpha2: string;
  alpha3: string;
  name: string;
  aliases?: readonly string[];
}


/** Called when the rule table would send one key to two countries; the caller decides (the ruleset refuses to load). */
export type ConflictHandler = (key: string, prior: string, code: string, path: string) => void;

/** Names of the library shorter than this are left out: they could shadow a code ("Om" is not Oman's code). */
const MIN_LIBRARY_KEY = 4;

/**
 * key → alpha-2. The rule table comes first (codes, then names and aliases; a conflict there is
 * the table's error); library names fill in what the table does not say, and a library name that
 * means two countries in two languages is left out rather than guessed.
 */
export function buildCountryLookup(records: readonly CountryRecord[], onConflict: ConflictHandler): Map<string, string> {
  const lookup = new Map<string, string>();
  const add = (value: string, code: string, path: string): void => {
    const k = countryKey(value);
    if (!k) return;
    const prior = lookup.get(k);
    if (prior && prior !== code) onConflict(value, prior, code, path);
    lookup.set(k, code);
  };
  // Codes first so an alias can never shadow an ISO code.
  records.forEach((c, i) => {
    add(c.alpha2, c.alpha2, `/countries/${i}/alpha2`);
    add(c.alpha3, c.alpha2, `/countries/${i}/alpha3`);
  });
  records.forEach((c, i) => {
    add(c.name, c.alpha2, `/countries/${i}/name`);
    (c.aliases ?? []).forEach((a, j) => add(a, c.alpha2, `/countries/${i}/aliases/${j}`));
  });
  const known = new Set(records.map((c) => c.alpha2));
  const fromLibrary = new Map<string, string | null>();
  for (const lang of isoCountries.getSupportedLanguages()) {
    const names = isoCountries.getNames(lang, { select: 'all' }) as Record<string, string[]>;
    for (const [code, variants] of Object.entries(names)) {
      if (!known.has(code)) continue;
      for (const v of variants) {
        const k = countryKey(v);
        if (k.length < MIN_LIBRARY_KEY || lookup.has(k)) continue;
        const prior = fromLibrary.get(k);
        fromLibrary.set(k, prior === undefined || prior === code ? code : null);
      }
    }
  }
  for (const [k, code] of fromLibrary) if (code) lookup.set(k, code);
  return lookup;
}
