/**
 * Finds what a model string or part number names: a catalog chip, a named system, or a catalog chip inside
 * an unnamed system ("4U server with 8x L40S", "H100 x8", "8-GPU HGX B200 node"). General by construction:
 * the longest catalog alias found on token boundaries wins, then the parser in rules/chips.yaml reads counts
 * and system words around it.
 */
import { normaliseModelText, stripIgnoredWords } from '../rules/model-text.js';
import type { Ruleset } from '../rules/ruleset.js';
import type { Chip } from '../rules/schema.js';

export interface CatalogMatch {
  chip: Chip;
  /** how it was found */
  via: 'partNumber' | 'alias' | 'namedSystem' | 'parsedSystem';
  matchedText: string;
  system: { id: string | null; name: string | null; count: number | null } | null;
}

/**
 * Model strings repeat (an ERP sends the same SKUs all day): the answer for one (part number, model) is kept per
 * catalog, bounded. Pure: the catalog is immutable once loaded, and the cached match is only ever read.
 */
const memo = new WeakMap<object, Map<string, CatalogMatch | null>>();
const MEMO_MAX = 10_000;

export function matchCatalog(ruleset: Ruleset, model: string | undefined, partNumber: string | null | undefined): CatalogMatch | null {
  const pn = partNumber?.trim();
  if (!pn && !model) return null;
  let cache = memo.get(ruleset.chips);
  if (!cache) memo.set(ruleset.chips, (cache = new Map()));
  const key = `${pn || ''}\u0000${model || ''}`;
  let hit = cache.get(key);
  if (hit === undefined) {
    hit = findInCatalog(ruleset, model, pn);
    if (cache.size >= MEMO_MAX) cache.clear();
    cache.set(key, hit);
  }
  return hit;
}

function findInCatalog(ruleset: Ruleset, model: string | undefined, pn: string | undefined): CatalogMatch | null {
  if (pn) {
    // As typed first; then as ERPs also write it: a "PN"/"P/N" label in front, spaces instead of hyphens, lower case.
    const variants = [pn, pn.replace(/^(?:p\/?n|part\s*(?:no\.?|number|#))\s*[:#.]?\s*/i, '').replace(/\s*[-\s]\s*/g, '-').toUpperCase()];
    for (const v of variants) {
      const hit = ruleset.chips.partNumbers.find((p) => p.re.test(v));
      if (hit) return { chip: ruleset.chips.byId.get(hit.chipId) as Chip, via: 'partNumber', matchedText: pn, system: null };
    }
    // Last, with every separator gone on both sides, for a hyphen dropped or moved ("90021010-0000-000",
    // "900-210100000-000"): the digits and letters must still be the pattern's, in order.
    const compact = variants[1]!.replace(/[^A-Z0-9]/g, '');
    if (compact.length >= 6) {
      const hit = compactPartNumbers(ruleset).find((p) => p.re.test(compact));
      if (hit) return { chip: ruleset.chips.byId.get(hit.chipId) as Chip, via: 'partNumber', matchedText: pn, system: null };
    }
  }
  if (!model) return null;
  return findByAlias(ruleset, model) ?? findGlued(ruleset, model) ?? findSpaced(ruleset, model);
}

/** The part-number patterns with their literal hyphens removed (not those inside a character class or escaped). */
const compactIndex = new WeakMap<object, Array<{ re: RegExp; chipId: string }>>();
function compactPartNumbers(ruleset: Ruleset): Array<{ re: RegExp; chipId: string }> {
  let out = compactIndex.get(ruleset.chips);
  if (!out) {
    out = ruleset.chips.partNumbers.map(({ re, chipId }) => {
      let src = '';
      let inClass = false;
      for (let i = 0; i < re.source.length; i++) {
        const c = re.source[i]!;
        if (c === '\\') { src += c + (re.source[i + 1] ?? ''); i++; continue; }
        if (c === '[') inClass = true;
        else if (c === ']') inClass = false;
        if (c === '-' && !inClass) continue;
        src += c;
      }
      return { re: new RegExp(src, re.flags), chipId };
    });
    compactIndex.set(ruleset.chips, out);
  }
  return out;
}

function findByAlias(ruleset: Ruleset, model: string): CatalogMatch | null {
  const full = normaliseModelText(model);
  const text = stripIgnoredWords(full, ruleset.chips.ignoreWords);
  const padded = ` ${text} `;
  // The first alias (longest first) found on token boundaries wins; only aliases starting with a token of the
  // text can be found, so those are the only ones tested, in the same order.
  const { aliases, aliasesByFirstToken } = ruleset.chips;
  let best = aliases.length;
  for (const token of text.split(' ')) {
    const positions = aliasesByFirstToken.get(token);
    if (!positions) continue;
    for (const i of positions) {
      if (i >= best) break;
      if (padded.includes(` ${aliases[i]!.text} `)) best = i;
    }
  }
  const alias = aliases[best];
  if (!alias) return null;
  const at = padded.indexOf(` ${alias.text} `);
  if (alias.kind === 'system') {
    const sys = ruleset.systems.byId.get(alias.id)!;
    const chip = ruleset.chips.byId.get(sys.chip)!;
    return { chip, via: 'namedSystem', matchedText: alias.text, system: { id: sys.id, name: sys.name, count: sys.count } };
  }
  const chip = ruleset.chips.byId.get(alias.id)!;
  const before = padded.slice(0, at + 1).trimStart();
  const after = padded.slice(at + alias.text.length + 1).trimEnd();
  const count = readCount(ruleset, before, after, full);
  const hasSystemWord = full.split(' ').some((t) => ruleset.systems.systemWords.has(t));
  if (count !== null || hasSystemWord) {
    return { chip, via: 'parsedSystem', matchedText: alias.text, system: { id: null, name: null, count } };
  }
  return { chip, via: 'alias', matchedText: alias.text, system: null };
}

function readCount(ruleset: Ruleset, before: string, after: string, full: string): number | null {
  const { countBefore, countAfter, countAnywhere } = ruleset.systems;
  const m = countBefore.exec(before) ?? countAfter.exec(after) ?? countAnywhere.exec(full);
  if (!m || m[1] === undefined) return null;
  const n = Number.parseInt(m[1], 10);
  return n >= 1 ? n : null;
}

/**
 * Second chance for a model string no alias matched as written: names glued or hyphenated inside one word
 * ("H100SXM5", "MI-300X", "Ascend910B", "RTX4090D", "H200NVL", "GB-200"), also behind a glued vendor or family word
 * ("NVIDIAH800", "GeForceRTX4090", "AMDMI300X"). Both the string and the aliases are
 * cut into pieces at hyphens and letter/digit changes, and an alias matches pieces that start a word of the
 * string and end where that word ends or a number follows. A match may join pieces the string glued together but
 * never crosses a space the alias does not have, so "Type A 100cm" is not an A100 and "B200W" is not a B200. Used
 * only when the exact path above found nothing, so it never changes what that path decides.
 */
interface Piece { text: string; wordStart: boolean }
const gluedIndex = new WeakMap<object, Array<{ pieces: Piece[]; alias: { text: string; kind: string; id: string } }>>();

function piecesOf(text: string, ignore: ReadonlySet<string>): Piece[] {
  const out: Piece[] = [];
  const words = text.toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/×/g, 'x').replace(/(\d)\s*x(?=[a-z])/g, '$1x ').split(/[^a-z0-9*-]+/);
  for (const word of words) {
    let start = true;
    for (const part of word.split('-')) {
      if (!part || ignore.has(part)) continue;
      const runs = part.match(/[a-z]+|[0-9]+|\*/g) ?? [];
      // A vendor or family word glued in front of the name ("NVIDIAH800", "GeForceRTX4090", "AMDMI300X"): dropped as it
      // is when it stands alone, but only where a short letter run and a number follow it in the same word, so an
      // ordinary word that merely starts with one ("intelligent", "coreless") is left whole.
      if (runs.length >= 2 && /^[a-z]{3,}$/.test(runs[0]!) && /^[0-9]/.test(runs[1]!)) {
        const lead = runs[0]!;
        for (let n = lead.length; n >= 3; n--) {
          if (lead.length - n > 6 || !ignore.has(lead.slice(0, n))) continue;
          if (n === lead.length) runs.shift(); // "Nvidia4090": the whole letter run is the vendor word
          else runs[0] = lead.slice(n);
          break;
        }
      }
      for (const p of runs) {
        out.push({ text: p, wordStart: start });
        start = false;
      }
    }
  }
  return out;
}

function findGlued(ruleset: Ruleset, model: string): CatalogMatch | null {
  const { aliases, ignoreWords } = ruleset.chips;
  let index = gluedIndex.get(ruleset.chips);
  if (!index) gluedIndex.set(ruleset.chips, (index = aliases.map((a) => ({ pieces: piecesOf(a.text, ignoreWords), alias: a }))));
  const input = piecesOf(model, ignoreWords);
  // Longest alias first (the alias list is sorted so): the first that fits wins.
  for (const { pieces, alias } of index) {
    for (let i = 0; i + pieces.length <= input.length; i++) {
      // A match starts a word, or follows a count glued in front of it ("8xH100SXM5").
      const counted = i >= 2 && (input[i - 1]!.text === 'x' || input[i - 1]!.text === '*') && /^[0-9]+$/.test(input[i - 2]!.text);
      if (!input[i]!.wordStart && !counted) continue;
      let ok = true;
      for (let k = 0; k < pieces.length && ok; k++) {
        const at = input[i + k]!;
        ok = at.text === pieces[k]!.text && (k === 0 || !at.wordStart || pieces[k]!.wordStart);
      }
      // ...and ends where the word ends or a number follows ("MI300X-192GB", "H100*8", "H100x8"), not inside a
      // longer name ("B200W" is not a B200).
      const next = input[i + pieces.length];
      const after2 = input[i + pieces.length + 1];
      if (!ok || (next && !next.wordStart && !/^[0-9*]/.test(next.text) && !(next.text === 'x' && after2 && /^[0-9]/.test(after2.text)))) continue;
      const matchedText = input.slice(i, i + pieces.length).map((p) => p.text).join('');
      if (alias.kind === 'system') {
        const sys = ruleset.systems.byId.get(alias.id)!;
        return { chip: ruleset.chips.byId.get(sys.chip)!, via: 'namedSystem', matchedText, system: { id: sys.id, name: sys.name, count: sys.count } };
      }
      const chip = ruleset.chips.byId.get(alias.id)!;
      const full = input.map((p) => p.text).join(' ');
      const before = input.slice(0, i).map((p) => p.text).join(' ');
      const after = input.slice(i + pieces.length).map((p) => p.text).join(' ');
      const count = readCount(ruleset, before ? `${before} ` : '', after ? ` ${after}` : '', full);
      const hasSystemWord = normaliseModelText(model).split(' ').some((t) => ruleset.systems.systemWords.has(t));
      return count !== null || hasSystemWord
        ? { chip, via: 'parsedSystem', matchedText, system: { id: null, name: null, count } }
        : { chip, via: 'alias', matchedText, system: null };
    }
  }
  return null;
}

/**
 * Third chance: a name typed with a space inside it ("H 100", "MI 300X", "L40 S", "L 20", "H 200 NVL",
 * "Ascend 910 B"). Adjacent words are joined only where the joined word is exactly a token of a catalog alias that
 * mixes letters and digits (chips.yaml aliases: "h100", "mi300x", "l40s"), and only in two shapes:
 *   (a) a 1–2-letter word + a word starting with a digit ("h 100", "mi 300x", "gb 200");
 *   (b) a word ending in a digit + a 1-letter word ("l40 s", "mi 300 x"); when that word is digits only ("910 b",
 *       "4090 d") the word before it must be the alias's word before ("ascend 910b", "rtx 4090d").
 * chips.yaml aliasNormalisation.spacedNames lists what forbids a join, so the spaced reading makes no false alarm:
 *   - a unit word right after the joined name: a measurement, not a model ("H 100 mm bracket", "A 100 cm", "L 4 V");
 *   - a label word right before the letter: a type, class or size, not a vendor name ("Type A 100", "Class B 200");
 *   - a goods word anywhere in the text: not a chip at all ("bracket", "screws", "cable", "paper").
 * The joined text is then read as the exact path reads any text (longest alias, counts, system words), so what
 * can match is a catalog alias and nothing else ("A 4 paper", "M 2 SSD", "Rack 42 U", "PSU 1200 W" join to no
 * alias token). Used only when the two paths above found nothing, so it never changes what they decide.
 */
function findSpaced(ruleset: Ruleset, model: string): CatalogMatch | null {
  const sp = ruleset.chips.spaced;
  if (!sp) return null;
  const words = normaliseModelText(model).split(' ');
  if (words.length < 2 || words.some((w) => sp.goodsWords.has(w))) return null;
  let pairs = pairIndex.get(ruleset.chips);
  if (!pairs) {
    pairs = new Set<string>();
    for (const a of ruleset.chips.aliases) {
      const t = a.text.split(' ');
      for (let k = 0; k + 1 < t.length; k++) pairs.add(`${t[k]} ${t[k + 1]}`);
    }
    pairIndex.set(ruleset.chips, pairs);
  }
  const out: string[] = [];
  const joinedFrom: string[] = [];
  for (let i = 0; i < words.length; ) {
    let taken = 0;
    for (let k = Math.min(3, words.length - i); k >= 2 && !taken; k--) {
      let acc = words[i]!;
      let letterFirst = false;
      let ok = true;
      for (let j = 1; j < k && ok; j++) {
        const next = words[i + j]!;
        if (/^[a-z]{1,2}$/.test(acc) && /^[0-9]/.test(next)) letterFirst = true;
        else if (/[0-9]$/.test(acc) && /^[a-z]$/.test(next) && (/[a-z]/.test(acc) || pairs.has(`${out[out.length - 1]} ${acc}${next}`))) { /* shape (b) */ }
        else ok = false;
        acc += next;
      }
      if (!ok || !sp.aliasTokens.has(acc)) continue;
      const after = words[i + k];
      if (after !== undefined && sp.unitWords.has(after)) continue;
      if (letterFirst && i > 0 && sp.labelWords.has(words[i - 1]!)) continue;
      out.push(acc);
      joinedFrom.push(words.slice(i, i + k).join(' '));
      taken = k;
    }
    if (!taken) out.push(words[i]!);
    i += taken || 1;
  }
  if (joinedFrom.length === 0) return null;
  const hit = findByAlias(ruleset, out.join(' '));
  // Evidence shows the words as typed ("h 100"), so a reviewer sees the name was read across a space.
  return hit ? { ...hit, matchedText: `${hit.matchedText} (typed "${joinedFrom.join('", "')}")` } : null;
}
const pairIndex = new WeakMap<object, Set<string>>();
