import { ALPHA2, ALPHA3, COUNTRY_NAMES } from './country-table.js';

/** Lower-case, ASCII letters and digits only, single spaces: the key of `COUNTRY_NAMES`. */
export function countryKey(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/**
 * ISO alpha-2 for an alpha-2 code, alpha-3 code or English country name as the lists spell them
 * ("Korea, North", "Burma", "Virgin Islands, British"); null when unknown or "undetermined".
 */
export function toCountryCode(value: string | null | undefined): string | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (trimmed.length === 2 && ALPHA2.has(trimmed.toUpperCase())) return trimmed.toUpperCase();
  if (trimmed.length === 3 && /^[A-Za-z]{3}$/.test(trimmed)) {
    const a2 = ALPHA3[trimmed.toUpperCase()];
    if (a2) return a2;
  }
  return COUNTRY_NAMES[countryKey(trimmed)] ?? null;
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
