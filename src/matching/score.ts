import type { NameToken, TokenKind } from './normalize.js';
import { damerauLevenshtein, jaroWinkler } from './similarity.js';
import { COMMON_NAMES, LEGAL_JURISDICTIONS } from './vocabulary.js';

/** A token with its weight: inverse document frequency over the list × what kind of word it is. */
export interface WeightedToken extends NameToken {
  weight: number;
}

/**
 * How much each kind of token may contribute. Legal forms and generic words still count a little
 * (an extra "Ltd." costs almost nothing, a missing distinctive word costs a lot).
 */
export const KIND_FACTOR: Readonly<Record<TokenKind, number>> = {
  word: 1,
  number: 1,
  place: 0.5,
  common_name: 0.35,
  generic: 0.3,
  legal: 0.08,
  stop: 0.02,
};

/** Share of the name score that comes from covering the query (the rest: covering the listed name). */
export const QUERY_SHARE = 0.6;
/** Similarity of two halves written as one word ("Power Air" / "PowerAir"). */
export const JOIN_SIMILARITY = 0.95;
/** Two spellings of one sound ("Huaway" / "Huawei"): as close as one typo. */
export const PHONETIC_SIMILARITY = 0.9;
export const COUNTRY_AGREES = 0.02;
/** A distinctive word this short ("NEC", "CCC") is too weak to identify a party on its own. */
export const SHORT_TOKEN = 3;
/**
 * A listed word shorter than this that the query writes with one letter changed or missing is no
 * evidence of identity: most short words are one letter from other ordinary words and acronyms
 * ("Lite" / "LTTE", "Cray" / "CRAS", "Haas" / "Hamas", "Mage" / "Mate"). Such an agreement alone
 * is a lead for review, never a match; with nothing else in common it is not even that. A letter
 * added, two swapped or a sound-alike spelling keep every letter (or the sound) and still count.
 */
export const SHORT_APPROXIMATE = 6;
/**
 * A query word that is itself a listed distinctive word, one edit from another ("Zhukov" / "Zhuykov", "Element" /
 * "Elemento"): as close as a short word with a letter changed — the query wrote a real name, not a typo.
 */
export const OTHER_WORD_SIMILARITY = 0.8;
/** An approximate agreement below this similarity (a short word with a letter changed or lost) is no evidence of identity. */
export const MIN_EVIDENCE_SIMILARITY = 0.85;
/**
 * An exact word in common this short (four or five letters: an acronym, a nickname) does not make
 * a company into a listed person, nor a longer name into a listed one-word name.
 */
export const SHORT_WORD = 5;
/** A word carried by this many list entries names no one in particular ("Delta", "Atlas", "Pioneer"). */
export const COMMON_ENTRIES = 8;
/** A weak overlap scores at most this far below the match threshold: returned for review, not a match. */
export const WEAK_OVERLAP_MARGIN = 0.05;
/**
 * An approximate short word and nothing else in common but legal forms ("Lite Co" / "LTTE") scores at
 * least this far below the match threshold: 0.70 at the default 0.85, under the possible-match level
 * (`reviewThreshold` 0.75 in rules/lists.yaml), so it asks for no review either.
 */
export const APPROXIMATE_ONLY_MARGIN = 0.15;
/** Candidate coverage a generic-only listed name needs to escape the no-distinctive cap. */
export const GENERIC_NAME_COVERAGE = 0.9;
export const COUNTRY_DIFFERS = -0.05;
export const PERSON_VS_COMPANY = -0.1;
/** Two names this similar (Jaro-Winkler) may be one name transliterated twice ("Alexander" / "Aleksandr" 0.90, "Pyotr" / "Petr" 0.81; "Mohammad" / "Hossein" 0.35, "Ivanovich" / "Petrovich" 0.70). */
export const NAME_VARIANT_SIMILARITY = 0.8;
/** Without one distinctive token in common a name cannot score above this. */
export const NO_DISTINCTIVE_CAP = 0.5;

export function idf(docFreq: number, docs: number): number {
  return Math.log(1 + docs / (docFreq + 1));
}

/**
 * Two tokens: same canonical form → 1; one edit apart (insert, delete, substitute, swap) → 0.93
 * from eight letters, 0.9 from five, 0.88 for four, less for three letters and short common
 * names; numbers and shorter tokens must agree exactly.
 */
export function tokenSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  const minLen = Math.min(a.length, b.length);
  if (minLen < 3 || /\d/.test(a) || /\d/.test(b)) return 0;
  if (damerauLevenshtein(a, b, 1) > 1) return 0;
  // Three letters: two swapped ("Sok"/"Sko"), or one letter lost from four ("Chan"/"Cha").
  if (minLen === 3) return a.length === b.length ? (isSwap(a, b) ? 0.85 : 0) : 0.8;
  // Wang/Wong, Chen/Chan are different people more often than typos: a swap is a typo, other edits weigh less.
  if (minLen < 5 && (COMMON_NAMES.has(a) || COMMON_NAMES.has(b))) return a.length === b.length && isSwap(a, b) ? 0.88 : 0.8;
  return minLen >= 8 ? 0.93 : minLen >= 5 ? 0.9 : 0.88;
}

/**
 * Query token `a` against a listed word `b` that can identify a party (a distinctive word or a
 * person's name): as `tokenSimilarity`, except that a short `b` (under SHORT_APPROXIMATE letters)
 * written with one of its letters changed or missing keeps only the share of its letters that
 * agree — 0.75 for four letters, 0.8 for five, below MIN_EVIDENCE_SIMILARITY: no evidence of
 * identity ("Lite" / "LTTE", "Cray" / "CRAS", "Haas" / "Hamas"). A letter added or two swapped
 * keep every letter of it ("Sougon" / "Sugon", "Jmubo" / "Jumbo") and weigh as before.
 */
export function identifyingSimilarity(a: string, b: string): number {
  const s = tokenSimilarity(a, b);
  if (s === 0 || s === 1 || b.length >= SHORT_APPROXIMATE || a.length > b.length || isSwap(a, b)) return s;
  return Math.min(s, (b.length - 1) / b.length);
}

/** Same length, two neighbours swapped ("sok" / "sko", "ba" / "ab"). */
export function isSwap(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i + 1 < a.length; i++) {
    if (a[i] !== b[i]) return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  }
  return false;
}

/** Legal forms and stop words match only exactly: "Corp" is not a typo of "Core". */
export const EXACT_ONLY: ReadonlySet<TokenKind> = new Set<TokenKind>(['legal', 'stop']);

export interface Alignment {
  /** Best similarity of each query token against the candidate's tokens. */
  querySim: number[];
  candidateSim: number[];
}

/**
 * Order-free alignment: each token takes its best counterpart on the other side; a pair of
 * adjacent tokens may match one token written as a single word.
 */
export function alignTokens(q: readonly WeightedToken[], c: readonly WeightedToken[]): Alignment {
  return alignTokensWith(q, c, (i, j) => {
    const qi = q[i]!;
    const cj = c[j]!;
    if (EXACT_ONLY.has(qi.kind) || EXACT_ONLY.has(cj.kind)) return qi.canon === cj.canon ? 1 : 0;
    const sim = IDENTIFYING.has(cj.kind) ? identifyingSimilarity : tokenSimilarity;
    const s = sim(qi.canon, cj.canon);
    return s < 1 && (qi.text !== qi.canon || cj.text !== cj.canon) ? Math.max(s, sim(qi.text, cj.text)) : s;
  });
}

/** Alignment with the token similarity supplied (the matcher looks it up from the query's index hits). */
export function alignTokensWith(q: readonly WeightedToken[], c: readonly WeightedToken[], sim: (i: number, j: number) => number): Alignment {
  const querySim = new Array<number>(q.length).fill(0);
  const candidateSim = new Array<number>(c.length).fill(0);
  for (let i = 0; i < q.length; i++) {
    for (let j = 0; j < c.length; j++) {
      const s = sim(i, j);
      if (s > querySim[i]!) querySim[i] = s;
      if (s > candidateSim[j]!) candidateSim[j] = s;
    }
  }
  joinPairs(q, c, querySim, candidateSim);
  joinPairs(c, q, candidateSim, querySim);
  return { querySim, candidateSim };
}

function joinPairs(a: readonly WeightedToken[], b: readonly WeightedToken[], aSim: number[], bSim: number[]): void {
  for (let i = 0; i + 1 < a.length; i++) {
    if (aSim[i]! >= 1 && aSim[i + 1]! >= 1) continue;
    // Canonical forms or as written: "Int Erior" is "Interior" although "int" reads "international".
    const joined = a[i]!.canon + a[i + 1]!.canon;
    const written = a[i]!.text + a[i + 1]!.text;
    for (let j = 0; j < b.length; j++) {
      const bj = b[j]!;
      if (bj.canon !== joined && bj.text !== written && bj.canon !== written) continue;
      aSim[i] = Math.max(aSim[i]!, JOIN_SIMILARITY);
      aSim[i + 1] = Math.max(aSim[i + 1]!, JOIN_SIMILARITY);
      bSim[j] = Math.max(bSim[j]!, JOIN_SIMILARITY);
    }
  }
}

/** Weighted share of `tokens` that found a counterpart. */
export function coverage(tokens: readonly WeightedToken[], sims: readonly number[]): number {
  let total = 0;
  let got = 0;
  for (let i = 0; i < tokens.length; i++) {
    const w = tokens[i]!.weight;
    total += w;
    got += w * sims[i]!;
  }
  return total > 0 ? got / total : 0;
}

export function nameSimilarity(queryCoverage: number, candidateCoverage: number): number {
  return QUERY_SHARE * queryCoverage + (1 - QUERY_SHARE) * candidateCoverage;
}

/** Kinds that can carry a match: a shared city or province alone does not. */
export const DISTINCTIVE: ReadonlySet<TokenKind> = new Set<TokenKind>(['word', 'number']);

/** Kinds that can tell one party from another when they agree: a distinctive word or a person's name. */
export const IDENTIFYING: ReadonlySet<TokenKind> = new Set<TokenKind>(['word', 'number', 'common_name']);

/** Whether the names share at least one token that can identify a party on its own. */
export function sharesDistinctiveToken(q: readonly WeightedToken[], querySim: readonly number[]): boolean {
  for (let i = 0; i < q.length; i++) if (querySim[i]! > 0 && DISTINCTIVE.has(q[i]!.kind)) return true;
  return false;
}

/** Agreement raises confidence a little; a mismatch lowers it, but an exact name stays a match. */
export function countryAdjustment(queryCountry: string | undefined, entryCountries: readonly string[]): number {
  if (!queryCountry || entryCountries.length === 0) return 0;
  return entryCountries.includes(queryCountry) ? COUNTRY_AGREES : COUNTRY_DIFFERS;
}

/** A query that carries a legal form names a company; a listed individual is then unlikely. */
export function looksLikeCompany(q: readonly WeightedToken[]): boolean {
  return q.some((t) => t.kind === 'legal');
}

/** A company query against a listed individual, vessel or aircraft. */
export function typeAdjustment(queryIsCompany: boolean, entryType: string | null): number {
  return queryIsCompany && (entryType === 'Individual' || entryType === 'Vessel' || entryType === 'Aircraft') ? PERSON_VS_COMPANY : 0;
}

/** A listed name made only of generic words or common names ("Advanced Technologies", "David Wong") can only match as a whole. */
export function isAllGeneric(c: readonly WeightedToken[]): boolean {
  return !c.some((t) => DISTINCTIVE.has(t.kind));
}

/**
 * A person's name that disagrees: the query has a name of its own that the listed individual's name lacks, and the
 * listed name has one the query lacks ("Mohammad Rahimi" / "RAHIMI, Hossein", "Ivan Petrovich Sidorov" /
 * "SIDOROV, Ivan Ivanovich"). Given names and patronymics are common names and weigh little, so a surname in common
 * used to carry the match on its own; two different given names are two people more often than one mistyped.
 */
export function namesConflict(q: readonly WeightedToken[], querySim: readonly number[], c: readonly WeightedToken[], candidateSim: readonly number[]): boolean {
  // A person's name is all names: a given name the list carries beside many surnames ("Viktor") reads as generic, and still counts here.
  const own = (t: readonly WeightedToken[], sims: readonly number[]) => t.filter((x, i) => sims[i]! === 0 && (IDENTIFYING.has(x.kind) || x.kind === 'generic')).map((x) => x.canon);
  const qOwn = own(q, querySim);
  const cOwn = own(c, candidateSim);
  // Spellings of one name too far apart for a typo ("Alexander" / "Aleksandr", "Yusuf" / "Youssef") are not two names.
  const close = (a: string, b: string) => jaroWinkler(a, b) >= NAME_VARIANT_SIMILARITY;
  return qOwn.some((a) => !cOwn.some((b) => close(a, b))) && cOwn.some((b) => !qOwn.some((a) => close(a, b)));
}

/**
 * The query has a word of its own the listed name lacks — distinctive or an industry word ("Alfa **Trade** LLC" /
 * "LLC ALFA"): beside a short or common word in common it names another business more often than the listed one.
 */
export function hasUnmatchedWord(q: readonly WeightedToken[], querySim: readonly number[], c: readonly WeightedToken[], candidateSim: readonly number[]): boolean {
  if (hasUnmatchedDistinctive(q, querySim)) return true;
  // An industry word on each side that the other lacks is a swap ("Pinky Logistics" / "Pinky Trading"), held the same
  // way and told as `industry_word_differs`.
  return ownGeneric(q, querySim, c, candidateSim).length > 0 && ownGeneric(c, candidateSim, q, querySim).length === 0;
}

/** Letters two forms of one industry word share at the start, at least ("Industries" / "Industrial", "Engineering" / "Engineers"). */
export const STEM_PREFIX = 6;

/**
 * Two forms of one industry word: a common start of STEM_PREFIX letters or more that leaves at most three letters
 * of the shorter ("industr|y" / "industr|ial", "manufactur|ing" / "manufactur|ers"), not two industries that begin
 * alike ("electr|onics" / "electr|ical").
 */
export function sameStem(a: string, b: string): boolean {
  let p = 0;
  while (p < a.length && p < b.length && a[p] === b[p]) p++;
  return p >= STEM_PREFIX && p >= Math.min(a.length, b.length) - 3;
}

/**
 * The generic (industry) words of `a` that found no counterpart in `b`, other than another form of one of `b`'s own
 * ("Shahid Hemmat Industries Group" / "SHAHID HEMMAT INDUSTRIAL GROUP" swaps no industry word).
 */
export function ownGeneric(a: readonly WeightedToken[], aSim: readonly number[], b: readonly WeightedToken[], bSim: readonly number[]): string[] {
  const free = (t: readonly WeightedToken[], sims: readonly number[]) => t.filter((x, i) => sims[i]! === 0 && x.kind === 'generic').map((x) => x.canon);
  const theirs = free(b, bSim);
  return free(a, aSim).filter((w) => !theirs.some((o) => sameStem(w, o)));
}

/** The query has a distinctive word the listed name does not: it names something more, or else. */
export function hasUnmatchedDistinctive(q: readonly WeightedToken[], querySim: readonly number[]): boolean {
  for (let i = 0; i < q.length; i++) if (querySim[i]! === 0 && DISTINCTIVE.has(q[i]!.kind)) return true;
  return false;
}

/**
 * The legal forms neither name shares say two jurisdictions: those of the query's own legal forms and those of the
 * listed name's own have none in common ("Partner GmbH" / "OOO PARTNER"; LEGAL_JURISDICTIONS). Forms used everywhere
 * ("LLC", "Ltd") say nothing, nor does a name without a legal form of its own.
 */
export function legalFormsConflict(q: readonly WeightedToken[], querySim: readonly number[], c: readonly WeightedToken[], candidateSim: readonly number[]): boolean {
  const own = (t: readonly WeightedToken[], sims: readonly number[]) => {
    const out = new Set<string>();
    t.forEach((x, i) => {
      if (x.kind === 'legal' && sims[i]! === 0) for (const j of LEGAL_JURISDICTIONS[x.canon] ?? []) out.add(j);
    });
    return out;
  };
  const qj = own(q, querySim);
  const cj = own(c, candidateSim);
  return qj.size > 0 && cj.size > 0 && ![...qj].some((j) => cj.has(j));
}
