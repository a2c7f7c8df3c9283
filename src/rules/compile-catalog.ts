/**
 * The chip and system catalog: alias index (longest first), part-number patterns, and a check that every
 * stated TPP/PD equals the arithmetic and every stated ECCN equals what the current thresholds give.
 */
import { computeTpp, eccnFromNumbers, performanceDensity } from '../engine/performance.js';
import type { CompiledGeo } from './compile-countries.js';
import { RulesetError } from './errors.js';
import { normaliseModelText, stripIgnoredWords } from './model-text.js';
import type { AliasEntry, Ruleset } from './ruleset.js';
import type { Chip, ChipsFile, ThresholdsFile } from './schema.js';
import { checkCountry, compileRegex } from './validate.js';

export function compileCatalog(input: { chips: ChipsFile; thresholds: ThresholdsFile; geo: CompiledGeo; file: string }): Pick<Ruleset, 'chips' | 'systems'> & { byId: Map<string, Chip> } {
  const { chips, thresholds, geo, file } = input;
  const ignoreWords = new Set(chips.aliasNormalisation.ignoreWords.map((w) => w.toLowerCase()));
  const norm = (s: string) => stripIgnoredWords(normaliseModelText(s), ignoreWords);
  const byId = new Map<string, Chip>();
  const aliasOwner = new Map<string, string>();
  const aliases: AliasEntry[] = [];
  const partNumbers: Array<{ re: RegExp; chipId: string }> = [];
  const addAlias = (text: string, kind: AliasEntry['kind'], id: string, path: string) => {
    const n = norm(text);
    if (!n) throw new RulesetError(file, path, `alias "${text}" is empty once normalised`);
    const owner = aliasOwner.get(n);
    if (owner && owner !== id) throw new RulesetError(file, path, `alias "${text}" is also an alias of ${owner}`);
    if (!owner) aliases.push({ text: n, kind, id });
    aliasOwner.set(n, id);
  };

  chips.chips.forEach((c, i) => {
    const at = `/chips/${i}`;
    if (byId.has(c.id)) throw new RulesetError(file, `${at}/id`, `duplicate chip id "${c.id}"`);
    byId.set(c.id, c);
    checkCountry(file, `${at}/vendorCountry`, c.vendorCountry, geo);
    if (c.uncertain && !c.note) throw new RulesetError(file, `${at}/note`, 'an uncertain entry needs a note');
    c.aliases.forEach((a, j) => addAlias(a, 'chip', c.id, `${at}/aliases/${j}`));
    (c.partNumbers ?? []).forEach((p, j) => partNumbers.push({ re: compileRegex(file, `${at}/partNumbers/${j}`, p), chipId: c.id }));
    checkChipNumbers(c, thresholds, file, at);
  });

  const s = chips.systems;
  const systemsById = new Map<string, ChipsFile['systems']['named'][number]>();
  for (const [from, to] of Object.entries(s.eccnMap)) if (!/^[0-9][A-E][0-9]{3}/.test(from)) throw new RulesetError(file, `/systems/eccnMap/${from}`, `not an ECCN: ${to}`);
  s.named.forEach((sys, i) => {
    const at = `/systems/named/${i}`;
    if (!byId.has(sys.chip)) throw new RulesetError(file, `${at}/chip`, `unknown chip id "${sys.chip}"`);
    if (byId.has(sys.id) || systemsById.has(sys.id)) throw new RulesetError(file, `${at}/id`, `duplicate id "${sys.id}"`);
    systemsById.set(sys.id, sys);
    sys.aliases.forEach((a, j) => addAlias(a, 'system', sys.id, `${at}/aliases/${j}`));
  });
  aliases.sort((a, b) => b.text.length - a.text.length || a.text.localeCompare(b.text));
  const aliasesByFirstToken = new Map<string, number[]>();
  aliases.forEach((a, i) => {
    const first = a.text.split(' ')[0] as string;
    const at = aliasesByFirstToken.get(first);
    if (at) at.push(i);
    else aliasesByFirstToken.set(first, [i]);
  });
  const sp = chips.aliasNormalisation.spacedNames;
  const lower = (ws: string[]) => new Set(ws.map((w) => w.toLowerCase()));
  const spaced = sp
    ? {
        aliasTokens: new Set(aliases.flatMap((a) => a.text.split(' ')).filter((t) => /[a-z]/.test(t) && /[0-9]/.test(t))),
        unitWords: lower(sp.unitWords),
        labelWords: lower(sp.labelWords),
        goodsWords: lower(sp.goodsWords),
      }
    : null;
  const p = s.parser;
  return {
    byId,
    chips: { list: chips.chips, byId, aliases, aliasesByFirstToken, partNumbers, ignoreWords, spaced },
    systems: {
      citation: s.citation,
      eccnMap: s.eccnMap,
      byId: systemsById,
      countBefore: compileRegex(file, '/systems/parser/countBefore', p.countBefore),
      countAfter: compileRegex(file, '/systems/parser/countAfter', p.countAfter),
      countAnywhere: compileRegex(file, '/systems/parser/countAnywhere', p.countAnywhere),
      systemWords: new Set(p.systemWords.map((w) => w.toLowerCase())),
    },
  };
}

/** Stated TPP/PD must match the arithmetic; a stated ECCN must match the current thresholds where they decide. */
function checkChipNumbers(c: Chip, thresholds: ThresholdsFile, file: string, at: string): void {
  let tpp = c.tpp ?? null;
  let maxRawTops: number | null = null;
  if (c.denseTops) {
    for (const p of Object.keys(c.denseTops))
      if (!Object.hasOwn(thresholds.bitLengths, p) && !thresholds.excludedPrecisions.includes(p))
        throw new RulesetError(file, `${at}/denseTops/${p}`, `unknown precision "${p}" (not in thresholds.yaml bitLengths)`);
    const r = computeTpp(c.denseTops, thresholds);
    maxRawTops = r.maxRawTops;
    if (r.tpp !== null && c.tpp !== undefined && Math.abs(r.tpp - c.tpp) > 0.5)
      throw new RulesetError(file, `${at}/tpp`, `stated TPP ${c.tpp} but ${r.precision} ${r.tops} x ${r.bitLength} bits = ${r.tpp}`);
    tpp = r.tpp;
  }
  const pd = performanceDensity(tpp, c.dieAreaMm2);
  if (pd !== null && c.pd !== undefined && Math.abs(pd - c.pd) > 0.006)
    throw new RulesetError(file, `${at}/pd`, `stated PD ${c.pd} but ${tpp} / ${c.dieAreaMm2} = ${pd.toFixed(3)}`);
  if (tpp === null) return;
  const latest = thresholds.regimes.reduce((a, b) => (b.effectiveFrom > a.effectiveFrom ? b : a));
  const d = eccnFromNumbers(thresholds, { tpp, pd, datacenter: c.datacenter, maxRawTops, interconnectGBps: c.interconnectGBps ?? null }, latest.effectiveFrom);
  if (!d.incomplete && d.eccn !== c.eccn)
    throw new RulesetError(file, `${at}/eccn`, `stated ${c.eccn} but the thresholds give ${d.eccn} (TPP ${tpp}, PD ${pd?.toFixed(2) ?? 'unknown'})`);
}
