import type { ListEntry } from '../lists/types.js';
import { classify, tokenize, type TokenKind } from './normalize.js';
import { phoneticKeys } from './phonetic.js';
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
    // A capitalised word in parentheses that identifies no one — a place, legal form or generic word, as in
    // "P.C.C. (SINGAPORE) PRIVATE LIMITED" — is a qualifier, not an acronym: searched alone it matched every
    // "Singapore …" company.
    const acronyms = [...display.matchAll(/\(([A-Z][A-Z0-9-]{2,11})\)/g)].map((m) => m[1]!).filter((a) => tokenize(a).some((t) => t.kind === 'word' || t.kind === 'number'));
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

const KINDS: readonly TokenKind[] = ['word', 'number', 'legal', 'stop', 'generic', 'common_name', 'place'];
const KIND_CODE: ReadonlyMap<TokenKind, number> = new Map(KINDS.map((k, i) => [k, i]));
const ORIGINS: ReadonlyArray<IndexedName['origin']> = ['name', 'alias', 'derived'];

/**
 * Layout version of the serialised index (`serialise` / `NameIndex.restore`). Bump it whenever the
 * layout changes; a cache of another version is never read.
 */
export const INDEX_FORMAT = 3;
const MAGIC = 0x584e5043; // "CPNX"

/** Everything the index holds: flat typed arrays and a few maps, so it is small, and quick to save and restore. */
interface IndexParts {
  /** Per name: its entry, origin (ORIGINS), and where its display text is (alias: index in altNames; derived: in `derived`). */
  nameEntry: Int32Array;
  nameOrigin: Uint8Array;
  nameRef: Int32Array;
  derived: string[];
  nameTotal: Float64Array;
  /** Name `i`'s tokens are tokStart[i] … tokStart[i + 1] - 1: vocabulary id, key id as written, kind code, weight. */
  tokStart: Int32Array;
  tokVid: Int32Array;
  tokKey: Int32Array;
  tokKind: Uint8Array;
  tokWeight: Float64Array;
  vocab: Map<string, number>;
  vocabCanon: string[];
  vocabWeight: Float64Array;
  vocabKind: TokenKind[];
  /** Per vocabulary id, how many list entries carry the word: one word naming many unrelated parties identifies none. */
  vocabEntries: Int32Array;
  /** Per vocabulary id, the ids of names holding it (once per occurrence): postIds[postStart[v] … postStart[v + 1] - 1]. */
  postStart: Int32Array;
  postIds: Int32Array;
  /** Names with no distinctive token at all, listed under their heaviest token. */
  genericPostings: Map<number, number[]>;
  keys: Map<string, number>;
  keyText: string[];
  keyVocab: Int32Array;
  /** Sorted hashes of a key or of a key with one character deleted → key ids (delKeys[delStart[i] … delStart[i + 1] - 1]). */
  delHash: Uint32Array;
  delStart: Int32Array;
  delKeys: Int32Array;
  /**
   * Two adjacent name tokens written as one word → names and the weight of that pair, keyed by the
   * sorted hashes of the joined spelling (joinNames[joinStart[i] … joinStart[i + 1] - 1]). A hash
   * collision only adds candidates, which full scoring then judges.
   */
  joinHash: Uint32Array;
  joinStart: Int32Array;
  joinNames: Int32Array;
  joinWeights: Float64Array;
  unknownWeight: number;
  /** Sound key → vocabulary ids of distinctive words, persons' names and generic words with that key. */
  phonetic: Map<string, number[]>;
}

/** The typed arrays of IndexParts in their serialised order. */
const ARRAYS = [
  'nameEntry', 'nameOrigin', 'nameRef', 'nameTotal', 'tokStart', 'tokVid', 'tokKey', 'tokKind', 'tokWeight', 'vocabWeight', 'vocabEntries',
  'postStart', 'postIds', 'keyVocab', 'delHash', 'delStart', 'delKeys', 'joinHash', 'joinStart', 'joinNames', 'joinWeights',
] as const satisfies ReadonlyArray<keyof IndexParts>;
type ArrayName = (typeof ARRAYS)[number];
const ARRAY_TYPES = { Int32Array, Uint8Array, Uint32Array, Float64Array } as const;
const TYPE_OF: Readonly<Record<ArrayName, keyof typeof ARRAY_TYPES>> = {
  nameEntry: 'Int32Array', nameOrigin: 'Uint8Array', nameRef: 'Int32Array', nameTotal: 'Float64Array', tokStart: 'Int32Array',
  tokVid: 'Int32Array', tokKey: 'Int32Array', tokKind: 'Uint8Array', tokWeight: 'Float64Array', vocabWeight: 'Float64Array',
  vocabEntries: 'Int32Array', postStart: 'Int32Array', postIds: 'Int32Array', keyVocab: 'Int32Array', delHash: 'Uint32Array',
  delStart: 'Int32Array', delKeys: 'Int32Array', joinHash: 'Uint32Array', joinStart: 'Int32Array', joinNames: 'Int32Array', joinWeights: 'Float64Array',
};

/** A `Map<key, number[]>` flattened: keys in insertion order, values one after another. */
function flatten<K>(m: ReadonlyMap<K, readonly number[]>): { keys: K[]; start: Int32Array; values: number[] } {
  const keys: K[] = [];
  const start = new Int32Array(m.size + 1);
  const values: number[] = [];
  let i = 0;
  for (const [k, v] of m) {
    keys.push(k);
    for (const x of v) values.push(x);
    start[++i] = values.length;
  }
  return { keys, start, values };
}

function findHash(sorted: Uint32Array, h: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid]!;
    if (v < h) lo = mid + 1;
    else if (v > h) hi = mid - 1;
    else return mid;
  }
  return -1;
}

/**
 * The inverted index, built once per ruleset (or restored from a cache of the same lists). Vocabulary
 * ids are canonical tokens; keys are every spelling that maps to one (canonical form and as-written
 * forms), each reachable by exact lookup or through its one-character deletions. Names and their
 * tokens live in flat typed arrays; `name(id)` gives one as objects when it is scored.
 */
export class NameIndex implements IndexParts {
  readonly nameEntry!: Int32Array;
  readonly nameOrigin!: Uint8Array;
  readonly nameRef!: Int32Array;
  readonly derived!: string[];
  readonly nameTotal!: Float64Array;
  readonly tokStart!: Int32Array;
  readonly tokVid!: Int32Array;
  readonly tokKey!: Int32Array;
  readonly tokKind!: Uint8Array;
  readonly tokWeight!: Float64Array;
  readonly vocab!: Map<string, number>;
  readonly vocabCanon!: string[];
  readonly vocabWeight!: Float64Array;
  readonly vocabKind!: TokenKind[];
  readonly vocabEntries!: Int32Array;
  readonly postStart!: Int32Array;
  readonly postIds!: Int32Array;
  readonly genericPostings!: Map<number, number[]>;
  readonly keys!: Map<string, number>;
  readonly keyText!: string[];
  readonly keyVocab!: Int32Array;
  readonly delHash!: Uint32Array;
  readonly delStart!: Int32Array;
  readonly delKeys!: Int32Array;
  readonly joinHash!: Uint32Array;
  readonly joinStart!: Int32Array;
  readonly joinNames!: Int32Array;
  readonly joinWeights!: Float64Array;
  readonly unknownWeight!: number;
  readonly phonetic!: Map<string, number[]>;

  private constructor(
    readonly entries: readonly ListEntry[],
    parts: IndexParts,
  ) {
    Object.assign(this, parts);
  }

  /** Number of searchable names. */
  get size(): number {
    return this.nameEntry.length;
  }

  /** One name as objects (display text, weighed tokens), for scoring and explaining it. */
  name(id: number): IndexedName {
    const e = this.nameEntry[id]!;
    const origin = ORIGINS[this.nameOrigin[id]!]!;
    const ref = this.nameRef[id]!;
    const entry = this.entries[e]!;
    const display = origin === 'name' ? entry.name : origin === 'alias' ? entry.altNames[ref]! : this.derived[ref]!;
    const from = this.tokStart[id]!;
    const to = this.tokStart[id + 1]!;
    const tokens: WeightedToken[] = [];
    for (let t = from; t < to; t++) {
      tokens.push({ text: this.keyText[this.tokKey[t]!]!, canon: this.vocabCanon[this.tokVid[t]!]!, kind: KINDS[this.tokKind[t]!]!, weight: this.tokWeight[t]! });
    }
    return { entry: e, display, origin, tokens, vids: this.tokVid.subarray(from, to), totalWeight: this.nameTotal[id]! };
  }

  static build(entries: readonly ListEntry[]): NameIndex {
    const tokenLists: Array<ReturnType<typeof tokenize>> = [];
    const nameEntry: number[] = [];
    const nameOrigin: number[] = [];
    const nameRef: number[] = [];
    const derived: string[] = [];
    const docFreq = new Map<string, number>();
    const kinds = new Map<string, WeightedToken['kind']>();
    const texts = new Map<string, Set<string>>();
    const entriesOf = new Map<string, Set<number>>();
    entries.forEach((entry, e) => {
      for (const v of nameVariants(entry)) {
        const toks = tokenize(v.display);
        if (toks.length === 0) continue;
        tokenLists.push(toks);
        nameEntry.push(e);
        nameOrigin.push(ORIGINS.indexOf(v.origin));
        if (v.origin === 'name') nameRef.push(-1);
        else if (v.origin === 'alias') nameRef.push(entry.altNames.indexOf(v.display));
        else nameRef.push(derived.push(v.display) - 1);
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
    // A patronymic ("Olegovich", "Petrovna") is a father's given name: shared by many unrelated people, it weighs as a given name does.
    for (const canon of patronymics(entries)) if (kinds.get(canon) === 'word') kinds.set(canon, 'common_name');
    const docs = tokenLists.length;
    const vocab = new Map<string, number>();
    const vocabCanon: string[] = [];
    const vocabKind: TokenKind[] = [];
    const vocabWeight: number[] = [];
    const vocabEntries: number[] = [];
    const keys = new Map<string, number>();
    const keyText: string[] = [];
    const keyVocab: number[] = [];
    const deletes = new Map<number, number[]>();
    const addKey = (key: string, vid: number): void => {
      if (keys.has(key)) return;
      const kid = keyText.length;
      keys.set(key, kid);
      keyText.push(key);
      keyVocab.push(vid);
      if (!fuzzyEligible(key)) return;
      for (let i = -1; i < key.length; i++) {
        const h = deleteHash(key, i);
        const v = deletes.get(h);
        if (v === undefined) deletes.set(h, [kid]);
        else if (v[v.length - 1] !== kid) v.push(kid);
      }
    };
    for (const [canon, df] of docFreq) {
      const vid = vocabCanon.length;
      const kind = kinds.get(canon)!;
      vocab.set(canon, vid);
      vocabCanon.push(canon);
      vocabKind.push(kind);
      vocabWeight.push(idf(df, docs) * KIND_FACTOR[kind]);
      vocabEntries.push(entriesOf.get(canon)!.size);
      for (const k of texts.get(canon)!) addKey(k, vid);
      addKey(canon, vid);
    }
    const delHash = Uint32Array.from(deletes.keys()).sort();
    const delStart = new Int32Array(delHash.length + 1);
    const delKeys: number[] = [];
    delHash.forEach((h, i) => {
      for (const k of deletes.get(h)!) delKeys.push(k);
      delStart[i + 1] = delKeys.length;
    });
    deletes.clear();
    const parts: IndexParts = {
      nameEntry: Int32Array.from(nameEntry),
      nameOrigin: Uint8Array.from(nameOrigin),
      nameRef: Int32Array.from(nameRef),
      derived,
      nameTotal: new Float64Array(nameEntry.length),
      tokStart: new Int32Array(nameEntry.length + 1),
      tokVid: new Int32Array(0),
      tokKey: new Int32Array(0),
      tokKind: new Uint8Array(0),
      tokWeight: new Float64Array(0),
      vocab,
      vocabCanon,
      vocabWeight: Float64Array.from(vocabWeight),
      vocabKind,
      vocabEntries: Int32Array.from(vocabEntries),
      postStart: new Int32Array(0),
      postIds: new Int32Array(0),
      genericPostings: new Map(),
      keys,
      keyText,
      keyVocab: Int32Array.from(keyVocab),
      delHash,
      delStart,
      delKeys: Int32Array.from(delKeys),
      joinHash: new Uint32Array(0),
      joinStart: new Int32Array(0),
      joinNames: new Int32Array(0),
      joinWeights: new Float64Array(0),
      unknownWeight: idf(0, docs),
      phonetic: new Map(),
    };
    const ix = new NameIndex(entries, parts);
    ix.absorbMisspellings();
    for (let vid = 0; vid < vocabCanon.length; vid++) {
      // Persons' names too: "Alexander" is "Aleksandr" romanised another way, not a typo of it — also a given name the
      // list carries beside so many surnames that it reads as generic ("Yuriy", "Dmitriy"), which "Iurii" must still meet.
      if (vocabKind[vid] !== 'word' && vocabKind[vid] !== 'common_name' && vocabKind[vid] !== 'generic') continue;
      for (const form of texts.get(vocabCanon[vid]!)!) {
        for (const key of phoneticKeys(form)) {
          const ids = parts.phonetic.get(key);
          if (!ids) parts.phonetic.set(key, [vid]);
          else if (!ids.includes(vid)) ids.push(vid);
        }
      }
    }
    const post: number[][] = vocabCanon.map(() => []);
    const tokVid: number[] = [];
    const tokKey: number[] = [];
    const tokKind: number[] = [];
    const tokWeight: number[] = [];
    const joined = new Map<number, { names: number[]; weights: number[] }>();
    tokenLists.forEach((toks, id) => {
      // A token's kind is its canonical form's, so weights agree between names and queries.
      const tokens: WeightedToken[] = toks.map((t) => {
        const vid = vocab.get(t.canon)!;
        return { ...t, kind: t.kind === 'legal' ? 'legal' : vocabKind[vid]!, weight: t.kind === 'legal' ? idf(docFreq.get(t.canon)!, docs) * KIND_FACTOR.legal : parts.vocabWeight[vid]! };
      });
      let total = 0;
      for (const t of tokens) {
        const vid = vocab.get(t.canon)!;
        total += t.weight;
        tokVid.push(vid);
        tokKey.push(keys.get(t.text)!);
        tokKind.push(KIND_CODE.get(t.kind)!);
        tokWeight.push(t.weight);
        post[vid]!.push(id);
      }
      parts.nameTotal[id] = total;
      parts.tokStart[id + 1] = tokVid.length;
      if (isAllGeneric(tokens)) {
        // Such a name escapes the no-distinctive cap only with ≥ 90 % of its weight matched, so
        // its heaviest token must be among the query's: listing it there alone is enough.
        let heaviest = 0;
        for (let t = 1; t < tokens.length; t++) if (tokens[t]!.weight > tokens[heaviest]!.weight) heaviest = t;
        const vid = vocab.get(tokens[heaviest]!.canon)!;
        const list = parts.genericPostings.get(vid);
        if (list) list.push(id);
        else parts.genericPostings.set(vid, [id]);
      }
      for (let i = 0; i + 1 < tokens.length; i++) {
        const a = tokens[i]!;
        const b = tokens[i + 1]!;
        // Keyed by canonical forms and as written ("ElectronicTechnology" is "Electronic Technology",
        // though "electronic" reads "electronics").
        const pairKeys = a.canon + b.canon === a.text + b.text ? [a.canon + b.canon] : [a.canon + b.canon, a.text + b.text];
        for (const key of pairKeys) {
          const h = deleteHash(key, -1);
          let j = joined.get(h);
          if (!j) joined.set(h, (j = { names: [], weights: [] }));
          j.names.push(id);
          j.weights.push(a.weight + b.weight);
        }
      }
    });
    const flatPost = flatten(new Map(post.map((p, vid) => [vid, p])));
    const joinHash = Uint32Array.from(joined.keys()).sort();
    const joinStart = new Int32Array(joinHash.length + 1);
    const joinNames: number[] = [];
    const joinWeights: number[] = [];
    joinHash.forEach((h, j) => {
      const v = joined.get(h)!;
      for (let p = 0; p < v.names.length; p++) (joinNames.push(v.names[p]!), joinWeights.push(v.weights[p]!));
      joinStart[j + 1] = joinNames.length;
    });
    Object.assign(ix, {
      joinHash,
      tokVid: Int32Array.from(tokVid),
      tokKey: Int32Array.from(tokKey),
      tokKind: Uint8Array.from(tokKind),
      tokWeight: Float64Array.from(tokWeight),
      postStart: flatPost.start,
      postIds: Int32Array.from(flatPost.values),
      joinStart,
      joinNames: Int32Array.from(joinNames),
      joinWeights: Float64Array.from(joinWeights),
    });
    return ix;
  }

  /**
   * The index as bytes: a small JSON header (strings, maps) and the typed arrays, each 8-byte
   * aligned. `NameIndex.restore` reads it back over the same entries.
   */
  serialise(): Uint8Array {
    const header = {
      unknownWeight: this.unknownWeight,
      names: this.size,
      entries: this.entries.length,
      derived: this.derived,
      keyText: this.keyText,
      vocabCanon: this.vocabCanon.map((c) => this.keys.get(c)!),
      vocabKind: this.vocabKind.map((k) => KIND_CODE.get(k)!),
      genericPostings: [...this.genericPostings],
      phonetic: [...this.phonetic],
      arrays: ARRAYS.map((name) => [name, TYPE_OF[name], this[name].length] as const),
    };
    const head = Buffer.from(JSON.stringify(header), 'utf8');
    const pad = (n: number): number => (n + 7) & ~7;
    let size = pad(12 + head.length);
    for (const name of ARRAYS) size += pad(this[name].byteLength);
    const out = new Uint8Array(size);
    const view = new DataView(out.buffer);
    view.setUint32(0, MAGIC, true);
    view.setUint32(4, INDEX_FORMAT, true);
    view.setUint32(8, head.length, true);
    out.set(head, 12);
    let off = pad(12 + head.length);
    for (const name of ARRAYS) {
      const a = this[name];
      out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), off);
      off += pad(a.byteLength);
    }
    return out;
  }

  /**
   * The index `serialise` wrote, over the same entries. Throws on anything that does not fit (another
   * format version, truncation, lengths that disagree, ids out of range): the caller rebuilds then.
   */
  static restore(entries: readonly ListEntry[], bytes: Uint8Array): NameIndex {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.byteLength < 12 || view.getUint32(0, true) !== MAGIC) throw new Error('not a serialised name index');
    const version = view.getUint32(4, true);
    if (version !== INDEX_FORMAT) throw new Error(`name index format ${version}, this build reads ${INDEX_FORMAT}`);
    const headLen = view.getUint32(8, true);
    if (12 + headLen > bytes.byteLength) throw new Error('name index truncated');
    const h = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 12, headLen).toString('utf8')) as {
      unknownWeight: number;
      names: number;
      entries: number;
      derived: string[];
      keyText: string[];
      vocabCanon: number[];
      vocabKind: number[];
      genericPostings: Array<[number, number[]]>;
      phonetic: Array<[string, number[]]>;
      arrays: Array<[ArrayName, keyof typeof ARRAY_TYPES, number]>;
    };
    if (h.entries !== entries.length) throw new Error(`name index is over ${h.entries} entries, the lists have ${entries.length}`);
    const pad = (n: number): number => (n + 7) & ~7;
    let off = pad(12 + headLen);
    const arrays = {} as Record<ArrayName, Int32Array | Uint8Array | Uint32Array | Float64Array>;
    if (h.arrays.length !== ARRAYS.length) throw new Error('name index arrays do not match this build');
    h.arrays.forEach(([name, type, length], i) => {
      if (name !== ARRAYS[i] || type !== TYPE_OF[name] || !Number.isInteger(length) || length < 0) throw new Error(`name index array ${String(name)} unexpected`);
      const Ctor = ARRAY_TYPES[TYPE_OF[name]];
      const byteLength = length * Ctor.BYTES_PER_ELEMENT;
      if (off + byteLength > bytes.byteLength) throw new Error('name index truncated');
      // A copy: aligned, and independent of the file buffer.
      const copy = new ArrayBuffer(byteLength);
      new Uint8Array(copy).set(bytes.subarray(off, off + byteLength));
      arrays[name] = new Ctor(copy);
      off += pad(byteLength);
    });
    const keys = new Map<string, number>();
    h.keyText.forEach((k, i) => keys.set(k, i));
    const vocabCanon = h.vocabCanon.map((kid) => h.keyText[kid]!);
    const vocab = new Map<string, number>();
    vocabCanon.forEach((c, i) => vocab.set(c, i));
    const parts: IndexParts = {
      ...(arrays as unknown as Pick<IndexParts, ArrayName>),
      derived: h.derived,
      vocab,
      vocabCanon,
      vocabKind: h.vocabKind.map((k) => KINDS[k]!),
      genericPostings: new Map(h.genericPostings),
      keys,
      keyText: h.keyText,
      unknownWeight: h.unknownWeight,
      phonetic: new Map(h.phonetic),
    };
    const ix = new NameIndex(entries, parts);
    ix.check(h.names);
    return ix;
  }

  /** Lengths and ids consistent, so a damaged cache fails here and not in a search. */
  private check(names: number): void {
    const fail = (what: string): never => {
      throw new Error(`name index inconsistent: ${what}`);
    };
    const v = this.vocabCanon.length;
    const k = this.keyText.length;
    const t = this.tokVid.length;
    if (this.nameEntry.length !== names || this.nameOrigin.length !== names || this.nameRef.length !== names || this.nameTotal.length !== names) fail('names');
    if (this.tokStart.length !== names + 1 || this.tokStart[names] !== t || this.tokKey.length !== t || this.tokKind.length !== t || this.tokWeight.length !== t) fail('tokens');
    if (this.vocabKind.length !== v || this.vocabWeight.length !== v || this.vocabEntries.length !== v || this.postStart.length !== v + 1) fail('vocabulary');
    if (this.keyVocab.length !== k || this.delStart.length !== this.delHash.length + 1 || this.delStart[this.delHash.length] !== this.delKeys.length) fail('keys');
    const joins = this.joinHash.length;
    if (this.joinStart.length !== joins + 1 || this.joinStart[joins] !== this.joinNames.length || this.joinWeights.length !== this.joinNames.length) fail('joins');
    for (let i = 0; i < joins; i++) if (this.joinStart[i]! > this.joinStart[i + 1]! || (i > 0 && this.joinHash[i - 1]! >= this.joinHash[i]!)) fail('join ranges');
    for (let i = 1; i < this.delHash.length; i++) if (this.delHash[i - 1]! >= this.delHash[i]!) fail('deletion hashes');
    for (let i = 0; i < this.delHash.length; i++) if (this.delStart[i]! > this.delStart[i + 1]!) fail('deletion ranges');
    if (this.postStart[v] !== this.postIds.length) fail('postings');
    const within = (a: ArrayLike<number>, max: number, what: string): void => {
      for (let i = 0; i < a.length; i++) if (!(a[i]! >= 0 && a[i]! < max)) fail(what);
    };
    within(this.nameEntry, this.entries.length, 'entry ids');
    within(this.tokVid, v, 'token vocabulary ids');
    within(this.tokKey, k, 'token key ids');
    within(this.tokKind, KINDS.length, 'token kinds');
    within(this.keyVocab, v, 'key vocabulary ids');
    within(this.postIds, names, 'posting name ids');
    within(this.delKeys, k, 'deletion key ids');
    within(this.joinNames, names, 'join name ids');
    for (let i = 0; i < names; i++) {
      if (this.tokStart[i]! > this.tokStart[i + 1]!) fail('token ranges');
      const ref = this.nameRef[i]!;
      const o = this.nameOrigin[i]!;
      const e = this.entries[this.nameEntry[i]!]!;
      if (o === 1 ? !(ref >= 0 && ref < e.altNames.length) : o === 2 ? !(ref >= 0 && ref < this.derived.length) : o !== 0) fail('name references');
    }
    for (let i = 0; i < v; i++) if (this.postStart[i]! > this.postStart[i + 1]!) fail('posting ranges');
    for (const ids of this.genericPostings.values()) within(ids, names, 'generic postings');
    for (const ids of this.phonetic.values()) within(ids, v, 'sound keys');
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
      const at = findHash(this.delHash, deleteHash(form, i));
      if (at < 0) continue;
      for (let p = this.delStart[at]!; p < this.delStart[at + 1]!; p++) {
        const k = this.delKeys[p]!;
        if (!seen.includes(k)) (seen.push(k), visit(k));
      }
    }
  }

  private readonly seen: number[] = [];

  /** Where the names with two adjacent tokens written as `word` are (joinStart index), or -1. */
  joinedAt(word: string): number {
    return findHash(this.joinHash, deleteHash(word, -1));
  }
}

/** How a patronymic ends: -ovich/-evich (and Belarusian -avich), -ovna/-evna (Belarusian -auna/-euna), -ichna, Ilyich/Ilich. */
export const PATRONYMIC_ENDING = /(?:vich|vna|auna|euna|ichna|ilyich|ilich)$/;

/**
 * Words the list uses as patronymics: a patronymic ending, and written after a listed individual's given name
 * ("ZHIDKOV, Viktor Olegovich") more often than as the surname before the comma — so surnames that end the same way
 * ("ABRAMOVICH, Roman", "PETKEVICH, …") stay surnames.
 */
export function patronymics(entries: readonly ListEntry[]): string[] {
  const asSurname = new Map<string, number>();
  const asPatronymic = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const e of entries) {
    if (e.type !== 'Individual') continue;
    for (const name of [e.name, ...e.altNames]) {
      const comma = name.indexOf(',');
      if (comma < 0) continue;
      for (const t of tokenize(name.slice(0, comma))) if (PATRONYMIC_ENDING.test(t.canon)) bump(asSurname, t.canon);
      for (const t of tokenize(name.slice(comma + 1)).slice(1)) if (PATRONYMIC_ENDING.test(t.canon)) bump(asPatronymic, t.canon);
    }
  }
  return [...asPatronymic].filter(([canon, n]) => n > (asSurname.get(canon) ?? 0)).map(([canon]) => canon);
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
