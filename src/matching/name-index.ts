import type { ListEntry } from '../lists/types.js';
import { classify, tokenize } from './normalize.js';
import { phoneticKey } from './phonetic.js';
import { KIND_FACTOR, idf, isAllGeneric, tokenSimilarity, type WeightedToken } from './score.js';

/**
 * A word that sits beside this many different rare words on the list is an industry word
 * ("Zavod", "Tsentr", "Exchange", "Petrochemical"), however seldom a hand-made list names it …
 */
export const GENERIC_COMPANIONS = 30;
/** … provided it is not one organisation's name spread over its many listed affiliates ("Gazprom"): companions per entry. */
export const GENERIC_COMPANION_RATIO = 0.5;
/** A rare word, for the companion count: in at most this many entries. */
const RARE_ENTRIES = 2;

/** One searchable name of a listed entry: its primary name, an alias, or a form derived from them. */
export interface IndexedName {
  entry: number;
  display: string;
  origin: 'name' | 'alias' | 'derived';
  tokens: WeightedToken[];
  /** Vocabulary id of each token. */
  vids: Int32Array;
  totalWeight: number;
}

/**
 * Names in parentheses that are acronyms ("… Technology (AASPT)") are searched both as the
 * acronym alone and as the name without it; ERP records carry one or the other.
 */
export function nameVariants(entry: ListEntry): Array<{ display: string; origin: IndexedName['origin'] }> {
  const out: Array<{ display: string; origin: IndexedName['origin'] }> = [{ display: entry.name, origin: 'name' }];
  for (const a of entry.altNames) out.push({ display: a, origin: 'alias' });
  const seen = new Set(out.map((o) => o.display.toLowerCase()));
  for (const { display } of out.slice()) {
    const acronyms = [...display.matchAll(/\(([A-Z][A-Z0-9-]{2,11})\)/g)].map((m) => m[1]!);
    if (acronyms.length === 0) continue;
    const stripped = display.replace(/\s*\([A-Z][A-Z0-9-]{2,11}\)/g, '').replace(/\s+,/g, ',').trim();
    for (const d of [stripped, ...acronyms]) {
      if (d && !seen.has(d.toLowerCase())) {
        seen.add(d.toLowerCase());
        out.push({ display: d, origin: 'derived' });
      }
    }
  }
  return out;
}

/**
 * FNV-1a hash of `s` with the character at `skip` left out (-1: none). The symmetric-delete
 * index is keyed by these hashes, so a search builds no deletion strings; a collision only adds a
 * candidate key, which the similarity check then rejects.
 */
export function deleteHash(s: string, skip: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    if (i === skip) continue;
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function fuzzyEligible(s: string): boolean {
  return s.length >= 3 && !/\d/.test(s);
}

/**
 * The inverted index, built once per ruleset. Vocabulary ids are canonical tokens; keys are every
 * spelling that maps to one (canonical form and as-written forms), each reachable by exact lookup
 * or through its one-character deletions.
 */
export class NameIndex {
  readonly names: IndexedName[] = [];
  readonly vocab = new Map<string, number>();
  readonly vocabCanon: string[] = [];
  readonly vocabWeight: number[] = [];
  readonly vocabKind: WeightedToken['kind'][] = [];
  /** Per vocabulary id, the ids of names holding it (once per occurrence). */
  readonly postings: Int32Array[] = [];
  /** Names with no distinctive token at all, listed under their heaviest token. */
  readonly genericPostings = new Map<number, number[]>();
  readonly keys = new Map<string, number>();
  readonly keyText: string[] = [];
  readonly keyVocab: number[] = [];
  /** hash of a key or of a key with one character deleted → key ids */
  readonly deletes = new Map<number, number | number[]>();
  /** Two adjacent name tokens written as one word → names and the weight of that pair. */
  readonly joined = new Map<string, { names: number[]; weights: number[] }>();
  readonly unknownWeight: number;
  /** Per vocabulary id, how many list entries carry the word: one word naming many unrelated parties identifies none. */
  readonly vocabEntries: number[] = [];
  /** Sound key → vocabulary ids of distinctive words with that key. */
  readonly phonetic = new Map<string, number[]>();

  constructor(entries: readonly ListEntry[]) {
    const tokenLists: Array<ReturnType<typeof tokenize>> = [];
    const docFreq = new Map<string, number>();
    const kinds = new Map<string, WeightedToken['kind']>();
    const texts = new Map<string, Set<string>>();
    const entriesOf = new Map<string, Set<number>>();
    entries.forEach((entry, e) => {
      for (const v of nameVariants(entry)) {
        const toks = tokenize(v.display);
        if (toks.length === 0) continue;
        tokenLists.push(toks);
        this.names.push({ entry: e, display: v.display, origin: v.origin, tokens: [], vids: new Int32Array(0), totalWeight: 0 });
        const distinct = new Set<string>();
        for (const t of toks) {
          distinct.add(t.canon);
          if (!kinds.has(t.canon)) kinds.set(t.canon, classify(t.canon));
          let set = texts.get(t.canon);
          if (!set) texts.set(t.canon, (set = new Set()));
          set.add(t.text);
        }
        for (const c of distinct) {
          docFreq.set(c, (docFreq.get(c) ?? 0) + 1);
          let set = entriesOf.get(c);
          if (!set) entriesOf.set(c, (set = new Set()));
          set.add(e);
        }
      }
    });
    for (const canon of genericByCompanions(tokenLists, kinds, entriesOf)) kinds.set(canon, 'generic');
    const docs = this.names.length;
    this.unknownWeight = idf(0, docs);
    for (const [canon, df] of docFreq) {
      const vid = this.vocabCanon.length;
      const kind = kinds.get(canon)!;
      this.vocab.set(canon, vid);
      this.vocabCanon.push(canon);
      this.vocabKind.push(kind);
      this.vocabWeight.push(idf(df, docs) * KIND_FACTOR[kind]);
      this.vocabEntries.push(entriesOf.get(canon)!.size);
      for (const k of texts.get(canon)!) this.addKey(k, vid);
      this.addKey(canon, vid);
    }
    this.absorbMisspellings();
    for (let vid = 0; vid < this.vocabCanon.length; vid++) {
      if (this.vocabKind[vid] !== 'word') continue;
      for (const form of texts.get(this.vocabCanon[vid]!)!) {
        const key = phoneticKey(form);
        if (!key) continue;
        const ids = this.phonetic.get(key);
        if (!ids) this.phonetic.set(key, [vid]);
        else if (!ids.includes(vid)) ids.push(vid);
      }
    }
    const post: number[][] = this.vocabCanon.map(() => []);
    this.names.forEach((n, id) => {
      const toks = tokenLists[id]!;
      n.tokens = toks.map((t) => {
        const vid = this.vocab.get(t.canon)!;
        // A token's kind is its canonical form's, so weights agree between names and queries.
        return { ...t, kind: t.kind === 'legal' ? 'legal' : this.vocabKind[vid]!, weight: t.kind === 'legal' ? idf(docFreq.get(t.canon)!, docs) * KIND_FACTOR.legal : this.vocabWeight[vid]! };
      });
      n.totalWeight = n.tokens.reduce((s, t) => s + t.weight, 0);
      n.vids = Int32Array.from(n.tokens, (t) => this.vocab.get(t.canon)!);
      for (const t of n.tokens) post[this.vocab.get(t.canon)!]!.push(id);
      if (isAllGeneric(n.tokens)) {
        // Such a name escapes the no-distinctive cap only with ≥ 90 % of its weight matched, so
        // its heaviest token must be among the query's: listing it there alone is enough.
        let heaviest = 0;
        for (let t = 1; t < n.tokens.length; t++) if (n.tokens[t]!.weight > n.tokens[heaviest]!.weight) heaviest = t;
        const vid = n.vids[heaviest]!;
        const list = this.genericPostings.get(vid);
        if (list) list.push(id);
        else this.genericPostings.set(vid, [id]);
      }
      for (let i = 0; i + 1 < n.tokens.length; i++) {
        const a = n.tokens[i]!;
        const b = n.tokens[i + 1]!;
        // Keyed by canonical forms and as written ("ElectronicTechnology" is "Electronic Technology",
        // though "electronic" reads "electronics").
        const keys = a.canon + b.canon === a.text + b.text ? [a.canon + b.canon] : [a.canon + b.canon, a.text + b.text];
        for (const key of keys) {
          let j = this.joined.get(key);
          if (!j) this.joined.set(key, (j = { names: [], weights: [] }));
          j.names.push(id);
          j.weights.push(a.weight + b.weight);
        }
      }
    });
    for (const p of post) this.postings.push(Int32Array.from(p));
  }

  /**
   * A rare word one edit away from a generic word or legal form is that word misspelt
   * ("Tecnologies"); it must not weigh as the rarest word of the list.
   */
  private absorbMisspellings(): void {
    for (let vid = 0; vid < this.vocabCanon.length; vid++) {
      if (this.vocabKind[vid] !== 'word') continue;
      // Eight letters or more: shorter listed words ("Thrust" / "Trust") are too often real names.
      const n = this.nonDistinctiveNeighbour(this.vocabCanon[vid]!, 8);
      if (n !== undefined) {
        this.vocabKind[vid] = this.vocabKind[n]!;
        this.vocabWeight[vid] = Math.min(this.vocabWeight[vid]!, this.vocabWeight[n]!);
      }
    }
  }

  /** A generic, legal or stop word one edit away from `token` (of `minLen` letters or more), if any. */
  nonDistinctiveNeighbour(token: string, minLen: number): number | undefined {
    if (token.length < minLen || !fuzzyEligible(token)) return undefined;
    let found: number | undefined;
    this.forEachNear(token, (k) => {
      if (found !== undefined) return;
      const vid = this.keyVocab[k]!;
      const kind = this.vocabKind[vid]!;
      if (kind !== 'generic' && kind !== 'legal' && kind !== 'stop') return;
      if (this.keyText[k] !== token && tokenSimilarity(token, this.keyText[k]!) > 0) found = vid;
    });
    return found;
  }

  /**
   * Every key that may be one edit from `form` (its deletions against the keys' deletions),
   * each visited once; the caller checks the similarity.
   */
  forEachNear(form: string, visit: (kid: number) => void): void {
    const seen = this.seen;
    seen.length = 0;
    for (let i = -1; i < form.length; i++) {
      const v = this.deletes.get(deleteHash(form, i));
      if (v === undefined) continue;
      if (typeof v === 'number') {
        if (!seen.includes(v)) (seen.push(v), visit(v));
      } else {
        for (const k of v) if (!seen.includes(k)) (seen.push(k), visit(k));
      }
    }
  }

  private readonly seen: number[] = [];

  private addKey(key: string, vid: number): void {
    if (this.keys.has(key)) return;
    const kid = this.keyText.length;
    this.keys.set(key, kid);
    this.keyText.push(key);
    this.keyVocab.push(vid);
    if (!fuzzyEligible(key)) return;
    for (let i = -1; i < key.length; i++) {
      const h = deleteHash(key, i);
      const v = this.deletes.get(h);
      if (v === undefined) this.deletes.set(h, kid);
      else if (typeof v === 'number') {
        if (v !== kid) this.deletes.set(h, [v, kid]);
      } else if (v[v.length - 1] !== kid) v.push(kid);
    }
  }
}

/**
 * Words the list itself shows to be generic: each sits beside many different rare words (in
 * different entries), as "Trading" or "Zavod" do, rather than heading one organisation's names.
 */
export function genericByCompanions(
  names: ReadonlyArray<ReadonlyArray<{ canon: string; kind: string }>>,
  kinds: ReadonlyMap<string, string>,
  entriesOf: ReadonlyMap<string, ReadonlySet<number>>,
): string[] {
  const companions = new Map<string, Set<string>>();
  for (const toks of names) {
    const rare = toks.filter((t) => kinds.get(t.canon) === 'word' && entriesOf.get(t.canon)!.size <= RARE_ENTRIES).map((t) => t.canon);
    if (rare.length === 0) continue;
    for (const t of toks) {
      if (kinds.get(t.canon) !== 'word') continue;
      let set = companions.get(t.canon);
      if (!set) companions.set(t.canon, (set = new Set()));
      for (const r of rare) if (r !== t.canon) set.add(r);
    }
  }
  const out: string[] = [];
  for (const [canon, set] of companions) {
    if (set.size >= GENERIC_COMPANIONS && set.size >= GENERIC_COMPANION_RATIO * entriesOf.get(canon)!.size) out.push(canon);
  }
  return out;
}
