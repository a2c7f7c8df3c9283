import type { ListEntry, PartyCandidate, PartyMatcher, PartyQuery } from '../lists/types.js';
import { explain, type ScoreParts } from './explain.js';
import { tokenize, type NameToken } from './normalize.js';
import { CANONICAL, COMMON_WORDS, LEGAL_QUALIFIERS, LEGAL_SPELLINGS } from './vocabulary.js';
import { phoneticKeys, undouble } from './phonetic.js';
import { damerauLevenshtein } from './similarity.js';
import { NameIndex, fuzzyEligible, type IndexedName } from './name-index.js';
import {
  COUNTRY_AGREES,
  JOIN_SIMILARITY,
  PHONETIC_SIMILARITY,
  COMMON_ENTRIES,
  SHORT_TOKEN,
  SHORT_APPROXIMATE,
  MIN_EVIDENCE_SIMILARITY,
  OTHER_WORD_SIMILARITY,
  SHORT_WORD,
  WEAK_OVERLAP_MARGIN,
  APPROXIMATE_ONLY_MARGIN,
  hasUnmatchedWord,
  legalFormsConflict,
  ownGeneric,
  namesConflict,
  IDENTIFYING,
  isSwap,
  KIND_FACTOR,
  NO_DISTINCTIVE_CAP,
  QUERY_SHARE,
  alignTokensWith,
  countryAdjustment,
  coverage,
  idf,
  looksLikeCompany,
  nameSimilarity,
  sharesDistinctiveToken,
  tokenSimilarity,
  identifyingSimilarity,
  typeAdjustment,
  DISTINCTIVE,
  EXACT_ONLY,
  GENERIC_NAME_COVERAGE,
  isAllGeneric,
  type WeightedToken,
} from './score.js';

export interface MatcherOptions {
  /** score ≥ threshold ⇒ `match`. */
  threshold?: number;
  /** Candidates below this are not returned at all. */
  minScore?: number;
  /** Default number of candidates returned. */
  limit?: number;
  /** Repeated queries served from an LRU cache of this many entries (0 = off). */
  cacheSize?: number;
}

/**
 * Searches remembered per matcher (one per ruleset). An ERP's customers and forwarders repeat across
 * orders, and a nightly file holds thousands of them: 20,000 answers cost ~4 MB of heap (measured: 20,000 distinct
 * company names, `node --expose-gc`), a search from the cache ~2 µs against ~40 µs or more through the index.
 */
export const DEFAULT_CACHE_SIZE = 20_000;

export interface MatcherStats {
  cacheHits: number;
  cacheMisses: number;
  cacheEntries: number;
  cacheCapacity: number;
}

/**
 * Cache counters of every matcher in this thread since it started, across rulesets (a reload
 * builds a new matcher; these keep counting): what the service's metrics read at scrape time.
 */
const totals = { hits: 0, misses: 0 };
export function matcherCacheTotals(): { hits: number; misses: number } {
  return { hits: totals.hits, misses: totals.misses };
}

export const DEFAULT_THRESHOLD = 0.85;
export const DEFAULT_MIN_SCORE = 0.6;
/** A listed word in this few entries, where a legal form stands and one edit from one, is a legal form misspelt (on the list or in the query). */
const RARE_KNOWN = 2;

interface PreparedQuery {
  tokens: WeightedToken[];
  totalWeight: number;
  isCompany: boolean;
  /** Per query token: vocabulary ids it reaches and how similar they are. */
  hits: Array<Map<number, number>>;
}

interface Scored {
  name: number;
  score: number;
  parts: ScoreParts;
}

/**
 * Party-name matcher over an in-memory inverted index: candidate names are gathered from the
 * postings of the query's tokens (exact, one edit away, or written as one word), each gets an
 * upper bound on its score from those postings, and only names whose bound can still beat the
 * current results are scored in full — so the result equals an exhaustive scan.
 */
export class IndexedPartyMatcher implements PartyMatcher {
  readonly threshold: number;
  readonly minScore: number;
  readonly limit: number;
  private readonly index: NameIndex;
  private readonly accQ: Float64Array;
  private readonly accC: Float64Array;
  private readonly stamp: Uint32Array;
  private stampNo = 0;
  private readonly cache: Map<string, PartyCandidate[]> | null;
  private readonly cacheSize: number;

  /** Searches answered from the LRU cache, and searches run (cache off or not in it): read by the service's metrics. */
  private cacheHits = 0;
  private cacheMisses = 0;

  constructor(
    readonly entries: readonly ListEntry[],
    options: MatcherOptions = {},
    /** An index restored from a cache of the same entries (`IndexedPartyMatcher.restore`). */
    prebuilt?: NameIndex,
  ) {
    this.threshold = options.threshold ?? DEFAULT_THRESHOLD;
    this.minScore = options.minScore ?? DEFAULT_MIN_SCORE;
    this.limit = options.limit ?? 10;
    this.cacheSize = options.cacheSize ?? DEFAULT_CACHE_SIZE;
    this.cache = this.cacheSize > 0 ? new Map() : null;
    this.index = prebuilt ?? NameIndex.build(entries);
    const n = this.index.size;
    this.accQ = new Float64Array(n);
    this.accC = new Float64Array(n);
    this.stamp = new Uint32Array(n);
  }

  get size(): number {
    return this.entries.length;
  }

  /** Number of searchable names (primary names, aliases and derived forms). */
  get nameCount(): number {
    return this.index.size;
  }

  /**
   * The index as bytes, to be saved beside the lists and restored with `restore` over the same
   * entries. Format versioned (`INDEX_FORMAT`); the caller keys the file by the lists' content.
   */
  serialise(): Uint8Array {
    return this.index.serialise();
  }

  /** A matcher over `entries` whose index comes from `serialise`; throws when the bytes do not fit them. */
  static restore(entries: readonly ListEntry[], bytes: Uint8Array, options: MatcherOptions = {}): IndexedPartyMatcher {
    return new IndexedPartyMatcher(entries, options, NameIndex.restore(entries, bytes));
  }

  /** Cache counters since the matcher was built (for `chokepoint_matcher_cache_*`). */
  stats(): MatcherStats {
    return { cacheHits: this.cacheHits, cacheMisses: this.cacheMisses, cacheEntries: this.cache?.size ?? 0, cacheCapacity: this.cacheSize };
  }

  search(query: PartyQuery): PartyCandidate[] {
    const key = this.cache ? JSON.stringify([query.name, query.country, query.lists, query.limit, query.threshold]) : '';
    const cached = this.cache?.get(key);
    if (cached) {
      this.cacheHits++;
      totals.hits++;
      this.cache!.delete(key);
      this.cache!.set(key, cached);
      return cached;
    }
    this.cacheMisses++;
    totals.misses++;
    const result = this.run(query, false);
    if (this.cache) {
      this.cache.set(key, result);
      if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
    }
    return result;
  }

  /** The same scoring applied to every name: the reference the index is tested against. */
  searchExhaustive(query: PartyQuery): PartyCandidate[] {
    return this.run(query, true);
  }

  private run(query: PartyQuery, exhaustive: boolean): PartyCandidate[] {
    const q = this.prepare(query.name);
    if (q.tokens.length === 0) return [];
    const limit = query.limit ?? this.limit;
    const threshold = query.threshold ?? this.threshold;
    const lists = query.lists && query.lists.length > 0 ? new Set(query.lists) : null;
    const best = new Map<number, Scored>();
    const consider = (nameId: number): void => {
      const e = this.index.nameEntry[nameId]!;
      if (lists && !lists.has(this.entries[e]!.list)) return;
      const s = this.scoreName(q, nameId, query.country, threshold);
      if (s.score < this.minScore) return;
      const prev = best.get(e);
      if (!prev || s.score > prev.score || (s.score === prev.score && nameId < prev.name)) best.set(e, s);
    };
    if (exhaustive) {
      for (let id = 0; id < this.index.size; id++) consider(id);
    } else {
      const cands = this.candidates(q);
      let kth = -1;
      for (let k = 0; k < cands.length; k++) {
        const c = cands[k]!;
        // Bounds are sorted: once one cannot reach the k-th best result, none after it can.
        if (best.size >= limit && c.ub < kth) break;
        consider(c.id);
        if (best.size >= limit) kth = kthScore(best, limit);
      }
    }
    return [...best.values()]
      .sort((a, b) => b.score - a.score || a.name - b.name)
      .slice(0, limit)
      .map((s) => {
        const n = this.index.name(s.name);
        const entry = this.entries[n.entry]!;
        const explanation = explain(q.tokens, n, entry, s.parts, query.country);
        return { entry, matchedName: n.display, score: s.score, match: s.score >= threshold, explanation };
      });
  }

  private prepare(name: string): PreparedQuery {
    const ix = this.index;
    const raw = this.splitRunTogether(this.splitLegalSuffixes(tokenize(name)));
    for (let i = raw.length - 1; i >= 0; i--) {
      const t = raw[i]!;
      // "Mu Assasat" is "Mu'assasat" split, not the legal form "MUP": a token that joins a neighbour into a listed word stays.
      const prev = raw[i - 1];
      const next = raw[i + 1];
      const joins = (prev && prev.kind !== 'legal' && ix.vocab.has(prev.text + t.text)) || (next && next.kind !== 'legal' && ix.vocab.has(t.text + next.text));
      if (!joins) raw[i] = this.correctLegalForm(t, raw[i - 1]?.kind === 'legal' || raw[i + 1]?.kind === 'legal', raw.length > 1 && (i === 0 || i === raw.length - 1), raw.length > 1 && i === raw.length - 1);
    }
    const hits: Array<Map<number, number>> = [];
    const tokens: WeightedToken[] = raw.map((t) => {
      const h = new Map<number, number>();
      const exact = ix.vocab.get(t.canon);
      if (exact !== undefined) h.set(exact, 1);
      for (const form of t.text === t.canon ? [t.canon] : [t.canon, t.text]) {
        const kid = ix.keys.get(form);
        if (kid !== undefined) h.set(ix.keyVocab[kid]!, 1);
        // Half of a run-together word matches exactly or not at all: two approximations do not stack.
        if (!fuzzyEligible(form) || EXACT_ONLY.has(t.kind) || t.split) continue;
        ix.forEachNear(form, (k) => {
          const vid = ix.keyVocab[k]!;
          if (h.get(vid) === 1 || EXACT_ONLY.has(ix.vocabKind[vid]!)) return;
          const key = ix.keyText[k]!;
          // A short listed word that could name a party, with a letter changed or lost, keeps only the share of letters that agree.
          const sim = IDENTIFYING.has(ix.vocabKind[vid]!) ? identifyingSimilarity : tokenSimilarity;
          const s = Math.max(sim(t.canon, key), sim(t.text, key));
          if (s > (h.get(vid) ?? 0)) h.set(vid, s);
        });
      }
      // A word the list itself carries is that word, not a typo of its neighbour: "Zhukov" is a listed surname, one
      // letter from "Zhuykov"; "Element" one from "Elemento". One edit from another listed word then weighs as a
      // letter changed in a short word does — no evidence of identity (a sound-alike spelling, below, still is).
      if (exact !== undefined && ix.vocabKind[exact] === 'word') for (const [v, s] of h) if (s < 1 && s > OTHER_WORD_SIMILARITY && ix.vocabKind[v] === 'word') h.set(v, OTHER_WORD_SIMILARITY);
      // Spelt as heard: "Huaway", "Pharshid", "Zorsekurity" (a distinctive word only).
      if (!EXACT_ONLY.has(t.kind) && !t.split) {
        for (const form of t.text === t.canon ? [t.text] : [t.text, t.canon]) {
          for (const key of phoneticKeys(form)) for (const vid of ix.phonetic.get(key) ?? []) if ((h.get(vid) ?? 0) < PHONETIC_SIMILARITY) h.set(vid, PHONETIC_SIMILARITY);
        }
      }
      // Half of a run-together word: as close as two halves written as one, never exact.
      if (t.split) for (const [v, s] of h) if (s > JOIN_SIMILARITY) h.set(v, JOIN_SIMILARITY);
      hits.push(h);
      // Known token: its own weight. A misspelt one borrows the weight of what it resembles,
      // so "Tecnologies" stays a generic word; an unseen word weighs as the rarest.
      let vid = exact;
      if (vid === undefined) {
        let bestS = 0;
        for (const [v, s] of h) {
          if (!DISTINCTIVE.has(ix.vocabKind[v]!)) continue;
          if (s > bestS || (s === bestS && vid !== undefined && ix.vocabWeight[v]! > ix.vocabWeight[vid]!)) ((bestS = s), (vid = v));
        }
      }
      if (vid === undefined) vid = ix.nonDistinctiveNeighbour(t.canon, 5);
      const kind = t.kind === 'legal' ? 'legal' : vid !== undefined ? ix.vocabKind[vid]! : t.kind;
      const weight =
        t.kind === 'legal'
          ? (vid !== undefined ? ix.vocabWeight[vid]! / KIND_FACTOR[ix.vocabKind[vid]!] : ix.unknownWeight) * KIND_FACTOR.legal
          : vid !== undefined
            ? ix.vocabWeight[vid]!
            : ix.unknownWeight * KIND_FACTOR[t.kind] * (t.canon.length <= 3 ? 0.5 : 1);
      return { ...t, kind, weight };
    });
    const totalWeight = tokens.reduce((s, t) => s + t.weight, 0);
    return { tokens, totalWeight, isCompany: looksLikeCompany(tokens), hits };
  }

  /**
   * A word that is a legal form misspelt is that legal form: weighed as the rarest word it would
   * sink the whole name. One edit from a legal spelling ("Comapny", "Ltdd", "Bhdd", "LLLC",
   * "GmbHH"), a letter doubled or dropped; a short one ("Lt", "Ldt", "Cp", "OO") only where legal
   * forms stand: beside another legal form, or first or last in the name.
   */
  private correctLegalForm(t: NameToken, besideLegal: boolean, edge: boolean, last: boolean): NameToken {
    const ix = this.index;
    // One letter last is an initial ("CHERNYKH, Tatiana V"), not a legal form with a letter lost ("Ve"): read as one, a
    // person became a company (PERSON_VS_COMPANY) and her own listed name no match. First, it may still be one ("P Trading" for "PT").
    if (t.kind === 'legal' || t.kind === 'stop' || /\d/.test(t.canon) || (last && t.text.length < 2)) return t;
    const inPlace = besideLegal || edge;
    // A word the list knows stays itself, unless it stands where legal forms stand and the list
    // has it only once or twice (the list's own typo: "Comany") or it is short among legal forms ("Co Lt").
    const kid = ix.keys.get(t.text);
    const vid = ix.vocab.get(t.canon) ?? (kid !== undefined ? ix.keyVocab[kid] : undefined);
    const rare = vid === undefined || (inPlace && ix.vocabEntries[vid]! <= RARE_KNOWN) || (besideLegal && edge && t.text.length <= 3);
    // Known or not, a short word first, last or beside a legal form that is a legal form with a
    // letter doubled ("SSA"), dropped ("OO", "LL", "Lt", "Pe Ltd") or two swapped ("BA", "JCS") is that legal form.
    if (!rare && !(inPlace && t.text.length <= 4)) return t;
    const legal = (spelling: string): NameToken => ({ ...legalToken(spelling), text: t.text });
    if (inPlace) for (const u of undouble(t.text)) if (LEGAL_SPELLINGS.has(u)) return legal(u);
    if (!rare) {
      for (const spelling of LEGAL_SPELLINGS) {
        const dropped = spelling.length === t.text.length + 1 && spelling[0] === t.text[0];
        const swapped = spelling.length === t.text.length && spelling.length >= 2 && isSwap(t.text, spelling);
        if ((dropped || swapped) && damerauLevenshtein(t.text, spelling, 1) === 1) return legal(spelling);
      }
      return t;
    }
    if (t.text.length >= 4) {
      let fixed: NameToken | null = null;
      ix.forEachNear(t.canon, (k) => {
        if (fixed) return;
        const v = ix.keyVocab[k]!;
        const isLegal = ix.vocabKind[v] === 'legal' || (besideLegal && LEGAL_QUALIFIERS.has(ix.vocabCanon[v]!));
        if (isLegal && v !== vid && ix.keyText[k]!.length >= 4 && tokenSimilarity(t.canon, ix.keyText[k]!) > 0) fixed = { text: t.text, canon: ix.vocabCanon[v]!, kind: 'legal' };
      });
      if (fixed) return fixed;
    }
    // Four letters at the start are more often a word ("Limt Economic …") than a legal form misspelt.
    if (!inPlace || t.text.length > 4 || (t.text.length === 4 && !last && !besideLegal)) return t;
    // Short legal forms, one letter off: "Ltd" as "Lt", "Ld" or "Ldt", "Inc" as "Nic", "LLC" as "LC", "Co" as "Cp".
    for (const spelling of LEGAL_SPELLINGS) {
      if (spelling.length < 2 || spelling.length > 4) continue;
      if (spelling[0] !== t.text[0] && !isSwap(t.text.slice(0, 2), spelling.slice(0, 2))) continue;
      // Two letters for two letters ("Cp" / "Co") is too loose unless a legal form stands beside
      // it, or it ends the name and the list has no such word.
      if (t.text.length === 2 && spelling.length === 2 && !besideLegal && !(last && vid === undefined)) continue;
      // Away from other legal forms only a letter dropped or two swapped ("Lt", "Nic"): a letter
      // changed or added makes names of short words ("Lim Kow Sen") into legal forms.
      if (!besideLegal && !(spelling.length === t.text.length + 1 || isSwap(t.text, spelling))) continue;
      if (damerauLevenshtein(t.text, spelling, 1) === 1) return legal(spelling);
    }
    return t;
  }

  /** The vocabulary word two adjacent query tokens make when written as one ("Int Erior" → "interior"), by canonical form or as written. */
  private joinedVid(a: NameToken, b: NameToken): number | undefined {
    const ix = this.index;
    const v = ix.vocab.get(a.canon + b.canon);
    if (v !== undefined) return v;
    const kid = ix.keys.get(a.text + b.text);
    return kid !== undefined ? ix.keyVocab[kid] : undefined;
  }

  /**
   * A word the list does not know that is two words it does, run together ("ElectronicTechnology",
   * "HoldingsInvestment", "AnhuiKehua"): read as those two words, each matching as a join does
   * (JOIN_SIMILARITY), so each weighs what it is — a generic word stays generic. Left alone: numbers,
   * legal forms, words one edit or one sound from a listed word (a typo of "Digicom" is not "Digi" + "Com").
   * Where several cuts work, the most even one.
   */
  private splitRunTogether(tokens: NameToken[]): NameToken[] {
    let out: NameToken[] | null = null;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      // "Namc Hongang" is "Namchongang" with its space moved: a word that joins a neighbour into a listed word stays.
      const joins = (i > 0 && this.joinedVid(tokens[i - 1]!, t) !== undefined) || (i + 1 < tokens.length && this.joinedVid(t, tokens[i + 1]!) !== undefined);
      const parts = joins ? null : this.splitWord(t);
      if (parts && !out) out = tokens.slice(0, i);
      if (out) out.push(...(parts ?? [t]));
    }
    return out ?? tokens;
  }

  private splitWord(t: NameToken): NameToken[] | null {
    const ix = this.index;
    const w = t.text;
    if (w.length < 6 || t.kind === 'legal' || t.kind === 'stop' || t.kind === 'number' || /\d/.test(w)) return null;
    if (ix.vocab.has(t.canon) || ix.keys.has(w)) return null;
    let best: { head: string; tail: string } | null = null;
    for (let cut = 3; cut <= w.length - 3; cut++) {
      const head = w.slice(0, cut);
      const tail = w.slice(cut);
      if (!ix.keys.has(head) || !ix.keys.has(tail)) continue;
      if (!best || Math.min(head.length, tail.length) > Math.min(best.head.length, best.tail.length)) best = { head, tail };
    }
    // The costly checks last: most unknown words (a new customer's name) have no cut into two listed words.
    if (!best || phoneticKeys(w).some((k) => ix.phonetic.has(k)) || this.nearListedWord(w, false)) return null;
    return [best.head, best.tail].map((text) => {
      const [tok] = tokenize(text);
      return { ...tok!, split: true };
    });
  }

  /** One edit from a listed distinctive word (or from any listed word, `distinctiveOnly` false). */
  private nearListedWord(text: string, distinctiveOnly = true): boolean {
    const ix = this.index;
    if (!fuzzyEligible(text)) return false;
    let near = false;
    ix.forEachNear(text, (k) => {
      if (!near && (!distinctiveOnly || DISTINCTIVE.has(ix.vocabKind[ix.keyVocab[k]!]!)) && tokenSimilarity(text, ix.keyText[k]!) > 0) near = true;
    });
    return near;
  }

  /**
   * A legal form run into the word before it ("TradingCo", "KehuaLtd", "ElectronicsLimited"):
   * split off when what remains is a word the list knows.
   */
  private splitLegalSuffixes(tokens: NameToken[]): NameToken[] {
    const ix = this.index;
    const out: NameToken[] = [];
    for (const t of tokens) {
      // A typo of a listed word ("Digico" for "Digicom") is that word, not "Digi" + "Co".
      if (t.kind === 'legal' || t.kind === 'stop' || ix.vocab.has(t.canon) || ix.keys.has(t.text) || this.nearListedWord(t.text)) {
        out.push(t);
        continue;
      }
      let split: NameToken[] | null = null;
      for (let cut = t.text.length - 2; cut >= 2 && !split; cut--) {
        const head = t.text.slice(0, cut);
        const tail = t.text.slice(cut);
        // Two-letter forms ("as", "sa", "ag") end too many words; "co" alone is written on so often.
        if (!LEGAL_SPELLINGS.has(tail) || (tail.length < 3 && tail !== 'co')) continue;
        if (LEGAL_SPELLINGS.has(head)) split = [legalToken(head), legalToken(tail)];
        else if (head.length >= 3 && ix.keys.has(head)) {
          const [h] = tokenize(head);
          if (h) split = [h, legalToken(tail)];
        }
      }
      out.push(...(split ?? [t]));
    }
    return out;
  }

  /** Names reached by the query's tokens, each with an upper bound on its score, best first. */
  private candidates(q: PreparedQuery): Array<{ id: number; ub: number }> {
    const ix = this.index;
    const stampNo = ++this.stampNo;
    const { accQ, accC, stamp } = this;
    const touched: number[] = [];
    const add = (nameId: number, dq: number, dc: number): void => {
      if (stamp[nameId] !== stampNo) {
        stamp[nameId] = stampNo;
        accQ[nameId] = 0;
        accC[nameId] = 0;
        touched.push(nameId);
      }
      accQ[nameId] = accQ[nameId]! + dq;
      accC[nameId] = accC[nameId]! + dc;
    };
    const toks = q.tokens;
    // Pass 1: full postings only where a distinctive word is involved. A name reached through
    // generic words and legal forms alone is capped below minScore, so it cannot be a result.
    const generic: Array<[number, number, number]> = [];
    for (let i = 0; i < toks.length; i++) {
      const w = toks[i]!.weight;
      const qd = DISTINCTIVE.has(toks[i]!.kind);
      for (const [vid, s] of q.hits[i]!) {
        if (!qd && !DISTINCTIVE.has(ix.vocabKind[vid]!)) {
          generic.push([vid, w * s, ix.vocabWeight[vid]! * s]);
          continue;
        }
        const dc = ix.vocabWeight[vid]! * s;
        const dq = w * s;
        for (let p = ix.postStart[vid]!, end = ix.postStart[vid + 1]!; p < end; p++) add(ix.postIds[p]!, dq, dc);
      }
      // "Power Air" in the query, "PowerAir" on the list …
      const next = toks[i + 1];
      if (next) {
        const vid = this.joinedVid(toks[i]!, next);
        if (vid !== undefined) {
          const dq = (w + next.weight) * JOIN_SIMILARITY;
          const dc = ix.vocabWeight[vid]! * JOIN_SIMILARITY;
          for (let p = ix.postStart[vid]!, end = ix.postStart[vid + 1]!; p < end; p++) add(ix.postIds[p]!, dq, dc);
        }
      }
      // … and the other way round.
      let j = ix.joinedAt(toks[i]!.canon);
      if (j < 0 && toks[i]!.text !== toks[i]!.canon) j = ix.joinedAt(toks[i]!.text);
      if (j >= 0) for (let p = ix.joinStart[j]!, end = ix.joinStart[j + 1]!; p < end; p++) add(ix.joinNames[p]!, w * JOIN_SIMILARITY, ix.joinWeights[p]! * JOIN_SIMILARITY);
    }
    // Pass 2: generic words and legal forms only add to names already reached.
    if (generic.length > 0) {
      const byVid = new Map<number, [number, number]>();
      for (const [vid, dq, dc] of generic) {
        // Names made only of generic words are reached by generic words.
        for (const id of ix.genericPostings.get(vid) ?? []) add(id, 0, 0);
        const prev = byVid.get(vid);
        byVid.set(vid, prev ? [prev[0] + dq, Math.max(prev[1], dc)] : [dq, dc]);
      }
      for (const id of touched) {
        for (let t = ix.tokStart[id]!, end = ix.tokStart[id + 1]!; t < end; t++) {
          const g = byVid.get(ix.tokVid[t]!);
          if (g) {
            accQ[id] = accQ[id]! + g[0];
            accC[id] = accC[id]! + g[1];
          }
        }
      }
    }
    const out: Array<{ id: number; ub: number }> = [];
    const wq = q.totalWeight;
    for (const id of touched) {
      const ub = QUERY_SHARE * Math.min(1, accQ[id]! / wq) + (1 - QUERY_SHARE) * Math.min(1, accC[id]! / ix.nameTotal[id]!) + COUNTRY_AGREES;
      if (ub >= this.minScore) out.push({ id, ub });
    }
    out.sort((a, b) => b.ub - a.ub || a.id - b.id);
    return out;
  }

  /**
   * How much the identifying words in common (distinctive words and persons' names; generic words
   * and places do not identify) say about identity:
   * - `approximate`: the only ones are short words (under SHORT_APPROXIMATE letters) with a letter
   *   changed or lost ("Lite" / "LTTE", "Seed" / "Speed"): no evidence; `approximate_only` when
   *   nothing else of the listed name agrees either, legal forms and stop words aside;
   * - `weak`: at most one, three letters or fewer ("NEC", "CCC") or naming many unrelated list
   *   entries ("Delta", "Atlas"); a listed name of generic words only is weak the same way;
   * - `short`: at most one, of four or five letters ("MATE", "LTTE") or an ordinary word of the language
   *   (COMMON_WORDS: "Partner", "Orbita"): weak only against a listed person when the query names a
   *   company, when the query names more, or when the legal forms are of two jurisdictions ("Partner GmbH" / "OOO PARTNER");
   * - `strong`: anything else.
   */
  private weakOverlap(n: IndexedName, candidateSim: readonly number[]): 'strong' | 'short' | 'weak' | 'approximate' | 'approximate_only' {
    const ix = this.index;
    let shared = -1;
    let approximate = false;
    let other = false;
    for (let j = 0; j < n.tokens.length; j++) {
      const s = candidateSim[j]!;
      if (s <= 0) continue;
      const kind = n.tokens[j]!.kind;
      if (!IDENTIFYING.has(kind)) {
        if (!EXACT_ONLY.has(kind)) other = true;
        continue;
      }
      const vid = n.vids[j]!;
      // A letter changed or lost (identifyingSimilarity); one added or swapped, the same sound or a join keep every letter.
      if (s < MIN_EVIDENCE_SIMILARITY && ix.vocabCanon[vid]!.length < SHORT_APPROXIMATE) {
        approximate = true;
        continue;
      }
      if (shared >= 0 && shared !== vid) return 'strong';
      shared = vid;
    }
    if (shared < 0) return approximate ? (other ? 'approximate' : 'approximate_only') : 'weak';
    const len = ix.vocabCanon[shared]!.length;
    if (len <= SHORT_TOKEN || ix.vocabEntries[shared]! >= COMMON_ENTRIES) return 'weak';
    // An ordinary word of the language ("Partner", "Orbita") names no one, however seldom the list carries it.
    return len <= SHORT_WORD || COMMON_WORDS.has(ix.vocabCanon[shared]!) ? 'short' : 'strong';
  }

  /** One identifying word (vocabulary id) in common, and a generic word on each side that the other lacks. */
  private genericSwap(q: PreparedQuery, n: IndexedName, querySim: readonly number[], candidateSim: readonly number[]): boolean {
    let shared = -1;
    for (let j = 0; j < n.tokens.length; j++) {
      if (candidateSim[j]! <= 0 || !IDENTIFYING.has(n.tokens[j]!.kind)) continue;
      if (shared >= 0 && shared !== n.vids[j]) return false;
      shared = n.vids[j]!;
    }
    if (shared < 0) return false;
    return ownGeneric(q.tokens, querySim, n.tokens, candidateSim).length > 0 && ownGeneric(n.tokens, candidateSim, q.tokens, querySim).length > 0;
  }

  private scoreName(q: PreparedQuery, nameId: number, country: string | undefined, threshold: number): Scored {
    const n: IndexedName = this.index.name(nameId);
    const entry = this.entries[n.entry]!;
    // Token similarity at the vocabulary level, as the index found it for this query.
    const vids = n.vids;
    const hits = q.hits;
    const { querySim, candidateSim } = alignTokensWith(q.tokens, n.tokens, (i, j) => hits[i]!.get(vids[j]!) ?? 0);
    const qCov = coverage(q.tokens, querySim);
    const cCov = coverage(n.tokens, candidateSim);
    const sim = nameSimilarity(qCov, cCov);
    const allGeneric = isAllGeneric(n.tokens);
    const distinctive =
      sharesDistinctiveToken(q.tokens, querySim) || sharesDistinctiveToken(n.tokens, candidateSim) || (allGeneric && cCov >= GENERIC_NAME_COVERAGE);
    const countryAdj = countryAdjustment(country, entry.countries);
    const typeAdj = typeAdjustment(q.isCompany, entry.type);
    let score = distinctive ? sim : Math.min(sim, NO_DISTINCTIVE_CAP);
    score = Math.max(0, Math.min(1, score + countryAdj + typeAdj));
    const overlap = distinctive ? this.weakOverlap(n, candidateSim) : 'strong';
    // … also when the listed party is a vessel or a person and the query names a company ("Pioneer Corporation" / the vessel PIONEER).
    const approximate = overlap === 'approximate' || overlap === 'approximate_only';
    const weak =
      approximate ||
      (overlap === 'weak' &&
        (countryAdj < 0 || typeAdj < 0 || hasUnmatchedWord(q.tokens, querySim, n.tokens, candidateSim) || legalFormsConflict(q.tokens, querySim, n.tokens, candidateSim))) ||
      (overlap === 'short' &&
        (typeAdj < 0 || hasUnmatchedWord(q.tokens, querySim, n.tokens, candidateSim) || legalFormsConflict(q.tokens, querySim, n.tokens, candidateSim)));
    // A listed individual whose name and the query's each have a name the other lacks: a lead, not the person.
    const conflict = !weak && distinctive && entry.type === 'Individual' && !q.isCompany && namesConflict(q.tokens, querySim, n.tokens, candidateSim);
    // One identifying word in common and each name has an industry word the other lacks ("Wise Tech Electronics" /
    // "Wise Smart Electronics"): the same word heading two businesses, a lead for review.
    const swapped = !weak && !conflict && distinctive && !allGeneric && entry.type !== 'Individual' && this.genericSwap(q, n, querySim, candidateSim);
    if (conflict || swapped) score = Math.min(score, threshold - WEAK_OVERLAP_MARGIN);
    if (weak) {
      // One short or common word in common is a lead for a reviewer, never a definitive match;
      // a short word a letter off, with nothing else in common, not even a lead.
      score = Math.min(score, threshold - (overlap === 'approximate_only' ? APPROXIMATE_ONLY_MARGIN : WEAK_OVERLAP_MARGIN));
    } else if (sim >= 0.999 && distinctive && countryAdj < 0) {
      // A country mismatch lowers confidence but never hides an exact name.
      score = Math.max(score, threshold);
    }
    score = Math.round(score * 1e6) / 1e6;
    return { name: nameId, score, parts: { qCov, cCov, distinctive, allGeneric, countryAdj, typeAdj, querySim, weak, approximate, conflict, swapped } };
  }

}

function legalToken(spelling: string): NameToken {
  return { text: spelling, canon: CANONICAL[spelling] ?? spelling, kind: 'legal' };
}

function kthScore(best: Map<number, Scored>, k: number): number {
  const scores = [...best.values()].map((s) => s.score).sort((a, b) => b - a);
  return scores[k - 1] ?? -1;
}

/** Build the matcher once per ruleset. */
export function buildMatcher(entries: readonly ListEntry[], options: MatcherOptions = {}): IndexedPartyMatcher {
  return new IndexedPartyMatcher(entries, options);
}

export { idf };
