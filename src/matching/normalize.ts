import anyAscii from 'any-ascii';
import { countryPlaceWords } from '../lists/countries.js';
import { CANONICAL, COMMON_NAMES, GENERIC_WORDS, LEGAL_FORMS, LEGAL_QUALIFIERS, PLACE_WORDS, STOP_WORDS } from './vocabulary.js';

/** What a token is, which decides how much it may weigh. */
export type TokenKind = 'word' | 'number' | 'legal' | 'stop' | 'generic' | 'common_name' | 'place';

export interface NameToken {
  /** Normalised spelling as written (typos are measured on this). */
  text: string;
  /** Canonical form: abbreviations expanded ("tech" → "technology", "co" → "company"). */
  canon: string;
  kind: TokenKind;
  /** One half of a word the query ran together ("ElectronicTechnology"): matches as a join does, not exactly. */
  split?: boolean;
}

/** Single-word country names ("china", "russia") count as place words; read once, on first use. */
let countryWords: Set<string> | null = null;

/**
 * Case, diacritics, punctuation and whitespace folded; other scripts transliterated (any-ascii).
 * Dotted initialisms collapse ("L.L.C." → "llc", "S. de R.L." → "s de rl") so legal forms are
 * recognised however they are punctuated; apostrophes vanish ("Int'l" → "intl").
 */
export function normalizeText(input: string): string {
  let s = anyAscii(input.normalize('NFC')).toLowerCase();
  s = s.replace(/['`\u2019]/g, '');
  s = s.replace(/\b[a-z](?:\.[a-z])+\b\.?/g, (m) => m.replace(/\./g, ''));
  s = s.replace(/&/g, ' and ');
  s = s.replace(/[^a-z0-9]+/g, ' ').trim();
  // Punctuation already stripped upstream: "L L C", "S P R DE R L DE C V", "INT L".
  s = s.replace(/\bint l\b/g, 'intl');
  s = s.replace(/\b[a-z](?: [a-z]\b)+/g, (m) => (LEGAL_FORMS.has(m.replace(/ /g, '')) ? m.replace(/ /g, '') : m));
  return s;
}

/** Boilerplate some lists append to names ("…; and any successor, sub-unit, or subsidiary thereof"), however its spaces fell. */
const BOILERPLATE = /[;,]?\s*\band\s*any\s*successors?,?\s*sub-?\s*units?,?\s*or\s*subsidiar(?:y|ies)\s*thereof\.?/gi;

export function stripBoilerplate(name: string): string {
  return name.replace(BOILERPLATE, '').trim();
}

/** A canonical token's kind out of context (context may still make a qualifier legal). */
export function classify(canon: string): TokenKind {
  if (/\d/.test(canon)) return 'number';
  if (STOP_WORDS.has(canon)) return 'stop';
  if (LEGAL_FORMS.has(canon)) return 'legal';
  if (GENERIC_WORDS.has(canon)) return 'generic';
  if (COMMON_NAMES.has(canon)) return 'common_name';
  if (PLACE_WORDS.has(canon) || (countryWords ??= countryPlaceWords()).has(canon)) return 'place';
  return 'word';
}

/** A name as weighed tokens. */
export function tokenize(name: string): NameToken[] {
  const norm = normalizeText(stripBoilerplate(name));
  if (!norm) return [];
  const tokens: NameToken[] = norm.split(' ').map((text) => {
    const canon = CANONICAL[text] ?? text;
    return { text, canon, kind: classify(canon) };
  });
  // "Public Joint Stock Company", "Private Limited": qualifiers are legal only beside a legal form.
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (LEGAL_QUALIFIERS.has(t.canon) && t.kind !== 'legal') {
      const next = tokens[i + 1];
      const prev = tokens[i - 1];
      if ((next && next.kind === 'legal') || (prev && prev.kind === 'legal')) t.kind = 'legal';
    }
  }
  // "de" is a stop word in "Banco de Cuba" but part of "S. de R.L. de C.V.".
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.text === 'de' && tokens[i - 1]?.kind === 'legal' && tokens[i + 1]?.kind === 'legal') t.kind = 'legal';
  }
  return tokens;
}
