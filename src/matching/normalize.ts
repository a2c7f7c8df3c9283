import anyAscii from 'any-ascii';
import { countryPlaceWords } from '../lists/countries.js';
import { CANONICAL, COMMON_NAMES, GENERIC_WORDS, LEGAL_FORMS, LEGAL_QUALIFIERS, PINYIN_LEGAL, PINYIN_WORDS, PLACE_WORDS, STOP_WORDS } from './vocabulary.js';

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
  let s = anyAscii(input.normalize('NFC').replace(HAN_RUN, (run) => ` ${segmentHan(run)} `)).toLowerCase();
  s = s.replace(/['`\u2019]/g, '');
  s = s.replace(/\b[a-z](?:\.[a-z])+\b\.?/g, (m) => m.replace(/\./g, ''));
  s = s.replace(/&/g, ' and ');
  s = s.replace(/[^a-z0-9]+/g, ' ').trim();
  // Punctuation already stripped upstream: "L L C", "S P R DE R L DE C V", "INT L". Spaced letters join as dotted
  // ones do when they spell a legal form, or when there are three or more of them ("T R D" as the list's
  // "T.R.D."); two alone ("J P") may be a person's initials and stay apart.
  s = s.replace(/\bint l\b/g, 'intl');
  s = s.replace(/\b[a-z](?: [a-z]\b)+/g, (m) => (LEGAL_FORMS.has(m.replace(/ /g, '')) || m.length >= 5 /* 3+ letters */ ? m.replace(/ /g, '') : m));
  return s;
}

const HAN_RUN = /\p{Script=Han}+/gu;
/** Pinyin words a name in Chinese characters is cut into: generic and legal words, places (Wuxi, Shenzhen). */
let hanLexicon: Set<string> | null = null;
const HAN_LONGEST = 4;

/**
 * A run of Chinese characters as Pinyin words, the way the lists romanise Chinese names: 华为技术有限公司 →
 * "huawei jishu youxian gongsi" (then "Huawei Technology Co Ltd" by CANONICAL). any-ascii gives one syllable a
 * character and no word breaks ("HuaWeiJiShu…"); the syllables are cut greedily, longest first, into the words
 * the matcher knows (generic and legal words, places), and what is left — the brand — is joined two syllables
 * to a word, as most Chinese brand names are written ("Huawei", "Suanneng"). A brand of another length still
 * meets the listed spelling through the matcher's joins of neighbouring tokens.
 */
export function segmentHan(run: string): string {
  hanLexicon ??= new Set<string>([...Object.keys(PINYIN_WORDS), ...PINYIN_LEGAL, ...PLACE_WORDS, ...(countryWords ??= countryPlaceWords())]);
  const syllables = [...run].map((ch) => anyAscii(ch).toLowerCase()).filter((x) => /^[a-z]+$/.test(x));
  const words: string[] = [];
  let brand: string[] = [];
  const flushBrand = () => {
    for (let i = 0; i < brand.length; i += 2) words.push(brand.slice(i, i + 2).join(''));
    brand = [];
  };
  for (let i = 0; i < syllables.length; ) {
    let taken = 0;
    for (let n = Math.min(HAN_LONGEST, syllables.length - i); n >= 2 && !taken; n--) if (hanLexicon.has(syllables.slice(i, i + n).join(''))) taken = n;
    if (taken) {
      flushBrand();
      words.push(syllables.slice(i, i + taken).join(''));
      i += taken;
    } else brand.push(syllables[i++]!);
  }
  flushBrand();
  return words.join(' ');
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

const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const UNIT_ORDINALS = ['', 'first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth'];
const TEEN_ORDINALS = ['tenth', 'eleventh', 'twelfth', 'thirteenth', 'fourteenth', 'fifteenth', 'sixteenth', 'seventeenth', 'eighteenth', 'nineteenth'];
const TENS_ORDINALS = ['', '', 'twentieth', 'thirtieth', 'fortieth', 'fiftieth', 'sixtieth', 'seventieth', 'eightieth', 'ninetieth'];
/** Ordinals written out → their number; "first" to "third" are ordinary words too ("First Bank", "Third Rome") and read as numbers only in a compound ("Twenty-First"). */
const SPELT_ORDINAL = new Map<string, number>([
  ...UNIT_ORDINALS.map((w, i) => [w, i] as [string, number]).slice(4),
  ...TEEN_ORDINALS.map((w, i) => [w, 10 + i] as [string, number]),
  ...TENS_ORDINALS.map((w, i) => [w, i * 10] as [string, number]).slice(2),
]);
const SPELT_TENS = new Map<string, number>(TENS.map((w, i) => [w, i * 10] as [string, number]).slice(2));
/** Words that say "number" before one: "No. 55", "Nr 7", "Number 3", "#55" (the "#" is gone by now). */
const NUMBER_SIGNS = new Set(['no', 'nr', 'num', 'number', 'n', 'nomer']);

/**
 * Numbered institutes and plants as the lists and ERP records write them — "55th", "No. 55", "Fifty-Fifth" — all read
 * as the number: "55th Research Institute of CETC" is "CETC 55". A digit ordinal ("55th", "2nd") becomes its number, a
 * written-out one ("Fifty-Fifth", "Twentieth", "Seventh") too; "No." before a number says nothing of its own and goes.
 */
function readNumbers(texts: readonly string[]): Array<{ text: string; canon?: string }> {
  const out: Array<{ text: string; canon?: string }> = [];
  for (let i = 0; i < texts.length; i++) {
    const t = texts[i]!;
    const digits = /^(\d+)(?:st|nd|rd|th)$/.exec(t);
    if (digits) {
      out.push({ text: t, canon: digits[1]! });
      continue;
    }
    // "Fifty-Fifth", "Twenty First": one ordinal written as two words.
    const tens = SPELT_TENS.get(t);
    const next = texts[i + 1] ?? '';
    if (tens !== undefined && UNIT_ORDINALS.includes(next) && next !== '') {
      out.push({ text: t + next, canon: String(tens + UNIT_ORDINALS.indexOf(next)) });
      i++;
      continue;
    }
    const ordinal = SPELT_ORDINAL.get(t);
    if (ordinal !== undefined) {
      out.push({ text: t, canon: String(ordinal) });
      continue;
    }
    if (NUMBER_SIGNS.has(t) && /^\d+$/.test(next)) continue;
    out.push({ text: t });
  }
  return out;
}

/** A name as weighed tokens. */
export function tokenize(name: string): NameToken[] {
  const norm = normalizeText(stripBoilerplate(name));
  if (!norm) return [];
  const tokens: NameToken[] = readNumbers(norm.split(' ')).map(({ text, canon: number }) => {
    const canon = number ?? CANONICAL[text] ?? text;
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
