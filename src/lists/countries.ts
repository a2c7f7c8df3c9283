/**
 * Country codes for the list importers, resolved exactly as shipments are: by the rule table
 * `rules/countries.yaml` (shipped with the package) and the same name library (src/rules/country-names).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { buildCountryLookup, type CountryRecord } from '../rules/country-names.js';
import { countryKey, resolveCountryKey } from '../rules/country-key.js';

/** The shipped rule table, beside src/ and dist/ alike. */
const TABLE = new URL('../../rules/countries.yaml', import.meta.url);

let records: CountryRecord[] | null = null;
let shipped: Map<string, string> | null = null;

function shippedRecords(): CountryRecord[] {
  if (!records) {
    const table = parse(readFileSync(TABLE, 'utf8')) as { countries?: CountryRecord[] };
    if (!Array.isArray(table.countries) || table.countries.length === 0) throw new Error(`${TABLE.pathname}: no countries`);
    records = table.countries;
  }
  return records;
}

/** Built on first use: importers run rarely, and the matcher's tokenizer asks for place words. */
export function shippedCountryLookup(): ReadonlyMap<string, string> {
  shipped ??= buildCountryLookup(shippedRecords(), (key, prior, code) => {
    throw new Error(`${TABLE.pathname}: "${key}" would resolve to both ${prior} and ${code}`);
  });
  return shipped;
}

/**
 * One-word country names and aliases of the rule table ("china", "russia", "burma"): the matcher
 * weighs them as places. Only the table's own spellings, so a word of a company name is not
 * demoted because it means a country in some other language.
 */
export function countryPlaceWords(): Set<string> {
  const out = new Set<string>();
  for (const c of shippedRecords()) for (const n of [c.name, ...(c.aliases ?? [])]) {
    const k = countryKey(n);
    if (k && !k.includes(' ')) out.add(k);
  }
  return out;
}

/**
 * ISO alpha-2 for an alpha-2 or alpha-3 code or a country name in any spelling the rule table or
 * the name library knows ("Korea, North", "Burma", "Curaçao", "Deutschland"); null when unknown.
 */
export function toCountryCode(value: string | null | undefined): string | null {
  return resolveCountryKey(shippedCountryLookup(), value);
}

/** Distinct codes, first-seen order. */
export function uniqueCodes(values: Iterable<string | null | undefined>): string[] {
  const out: string[] = [];
  for (const v of values) {
    const code = toCountryCode(v);
    if (code && !out.includes(code)) out.push(code);
  }
  return out;
}
