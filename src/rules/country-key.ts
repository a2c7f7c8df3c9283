/** How a country name or code is compared: pure, so the engine and the importers share it without the name tables. */
import anyAscii from 'any-ascii';

/**
 * Country-name key: other scripts transliterated, accents dropped, lower case, punctuation and
 * spacing folded, apostrophes dropped ("People's" → "peoples", "Curaçao" → "curacao", "Åland Islands" → "aland islands", "Đức" → "duc").
 */
export function countryKey(input: string): string {
  return anyAscii(input.normalize('NFC'))
    .toLowerCase()
    .replace(/['`]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** Alpha-2 for a code or name the lookup knows; null when unknown (never a guess). */
export function resolveCountryKey(lookup: ReadonlyMap<string, string>, input: string | null | undefined): string | null {
  if (!input) return null;
  const key = countryKey(input);
  return key ? (lookup.get(key) ?? null) : null;
}
