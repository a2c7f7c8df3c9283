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
    const hit = ruleset.chips.partNumbers.find((p) => p.re.test(pn));
    if (hit) return { chip: ruleset.chips.byId.get(hit.chipId) as Chip, via: 'partNumber', matchedText: pn, system: null };
  }
  if (!model) return null;
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
