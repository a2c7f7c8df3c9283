/**
 * Spelling-independent keys for distinctive words. ERP clerks write a foreign name as they hear it:
 * ph/f, c/k/q, z/s, w/v, y/i, kh/k, ei/ay, ou/u, aw/ou before a consonant, doubled or dropped double letters. Two words with
 * the same key sound alike; the matcher counts that as one typo, however many letters differ.
 */

/** Rewrites applied in order; each maps a family of spellings onto one. */
const REWRITES: ReadonlyArray<[RegExp, string]> = [
  [/ph/g, 'f'],
  [/ck/g, 'k'],
  [/q/g, 'k'],
  [/x/g, 'ks'],
  [/c(?=[eiy])/g, 's'],
  [/c/g, 'k'],
  [/z/g, 's'],
  // Arabic and Persian "aw" before a consonant is "ou" in French-style spelling: Rawdah / Roudah, Fawzi / Fouzi, Dawdi / Doudi.
  [/aw(?![aeiouy])/g, 'u'],
  [/w/g, 'v'],
  [/y/g, 'i'],
  [/([kgtdb])h/g, '$1'],
  [/(?:ou|oo)/g, 'u'],
  [/(?:ee|ea|ie)/g, 'i'],
  [/(?:ei|ai)/g, 'ai'],
  [/(.)\1+/g, '$1'],
];

/** Shorter keys collide too often to mean anything ("ko" / "co"). */
export const MIN_PHONETIC_KEY = 4;

/** The sound key of a normalised token (lower-case a–z); '' when too short to be trusted. */
export function phoneticKey(token: string): string {
  if (token.length < MIN_PHONETIC_KEY || /[^a-z]/.test(token)) return '';
  let s = token;
  for (const [re, to] of REWRITES) s = s.replace(re, to);
  return s.length >= MIN_PHONETIC_KEY ? s : '';
}

/**
 * One Russian (or Ukrainian, Belarusian) name in the spellings the standard romanisations give it: BGN/PCGN, ISO 9,
 * the passport's ICAO 9303 and English usage ("Yevgeniy" / "Evgenii" / "Evgeny", "Aleksandr" / "Alexander",
 * "Pyotr" / "Petr" / "Peter", "Fyodor" / "Fedor", "Semyon" / "Semen"). Read before the sound key; what the sound key
 * already folds ("x" / "ks", "y" / "i", "iy" / "ii" / "y", "kh" / "h") is not repeated here.
 */
const TRANSLITERATIONS: ReadonlyArray<[RegExp, string]> = [
  // Е at the start of a name: "Ye" in BGN/PCGN, "E" in ISO 9 and the passport (Yevgeniy / Evgenii, Yelena / Elena).
  [/^ye/, 'e'],
  // Ё after a consonant: "yo" in BGN/PCGN, "e" in ISO 9 and the passport (Fyodor / Fedor, Pyotr / Petr, Artyom / Artem).
  [/([^aeiouy])yo(?=[a-z])/g, '$1e'],
  // A final "-er" after a consonant is the English form of a Russian "-r" (Alexander / Aleksandr, Peter / Petr).
  [/([^aeiouy])er$/, '$1r'],
];

/** The token's key read as a romanised Russian name, when that differs from its plain key; '' otherwise. */
export function transliterationKey(token: string): string {
  if (token.length < MIN_PHONETIC_KEY || /[^a-z]/.test(token)) return '';
  let s = token;
  for (const [re, to] of TRANSLITERATIONS) s = s.replace(re, to);
  return s === token ? '' : phoneticKey(s);
}

/**
 * Every sound key of a token: its key, and for a word with "kh" also the key with "kh" read as "h". Russian х and
 * Arabic خ are written "kh" in English and "h" in German, Turkish and French-style spellings ("Khalil" / "Halil",
 * "Mikhail" / "Mihail", "Kharkov" / "Harkov", "Tokhtakhunov" / "Tohtahunov"), and "k" now and then ("Kan" / "Khan"):
 * two words sound alike when any of their keys agree, so "Halil" and "Kalil" each meet "Khalil" but not each other.
 * A name's romanisations (`transliterationKey`) add one more: "Alexander" meets "Aleksandr", "Yevgeniy" "Evgenii".
 */
export function phoneticKeys(token: string): string[] {
  const keys = [phoneticKey(token), transliterationKey(token)];
  if (token.includes('kh')) keys.push(phoneticKey(token.replace(/kh/g, 'h')));
  return [...new Set(keys.filter(Boolean))];
}

/** The token with one doubled letter written once, each way it can be: "lllc" → ["llc"], "ltdd" → ["ltd"]. */
export function undouble(token: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < token.length; i++) if (token[i] === token[i + 1]) out.push(token.slice(0, i) + token.slice(i + 1));
  return out;
}
