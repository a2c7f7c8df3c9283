/**
 * Item classification (15 CFR 774 Supp. 1): catalog match first (alias, part number, system parse), then
 * the caller's specs by TPP/PD arithmetic, then the declared ECCN, else unknown (REVIEW). Every path leaves
 * a flag whose evidence shows the numbers used.
 */
import type { Ruleset } from '../rules/ruleset.js';
import type { Chip, ItemRule } from '../rules/schema.js';
import type { Flag, ItemResult } from '../schemas/screening-result.js';
import type { ShipmentItem } from '../schemas/shipment.js';
import { normaliseModelText } from '../rules/model-text.js';
import { matchCatalog, type CatalogMatch } from './catalog-match.js';
import { makeFlag } from './flag.js';
import { computeTpp, eccnFromNumbers, performanceDensity, regimeAt, round, type EccnDecision, type TppResult } from './performance.js';

/** An item result plus what later checks need (not part of the API response). */
export interface ClassifiedItem {
  result: ItemResult;
  input: ShipmentItem;
  chipId: string | null;
  vendorCountry: string | null;
  memoryBandwidthGBps: number | null;
  /** number of ICs shipped: quantity x contained count for systems */
  chipCount: number;
  /** designed or marketed for datacenters: the catalog's or the caller's specs' word; null when nobody said (declared, unknown) */
  datacenter: boolean | null;
}

export function classifyItem(item: ShipmentItem, index: number, ruleset: Ruleset, shipDate: string): { item: ClassifiedItem; flags: Flag[] } {
  const model = item.model ?? item.partNumber ?? null;
  const label = model ?? `item ${index}`;
  const subject = `items[${index}]`;
  const rule = (id: string) => ruleset.itemRules.get(id) as ItemRule;
  const flags: Flag[] = [];
  const base = { index, model, catalogId: null, eccn: null, tpp: null, performanceDensity: null, licenseRequired: false };

  const match = matchCatalog(ruleset, item.model, item.partNumber);
  if (match) {
    // A model string that names two chips ("L2 or L4", "RTX 4090D / 4090") or an alternative ("H100 or equivalent"):
    // the most restrictive, never the one the alias order happens to find first.
    const names = match.via !== 'partNumber' && item.model ? readNames(ruleset, item.model, '', shipDate) : null;
    if (!names?.ambiguous) return fromCatalog(item, index, ruleset, shipDate, match, label, subject, rule);
    const best = names.match.chip === match.chip ? match
      : match.system && !names.match.system ? { ...names.match, via: 'parsedSystem' as const, system: { id: null, name: null, count: null } } : names.match;
    const out = fromCatalog(item, index, ruleset, shipDate, best, label, subject, rule);
    out.flags.push(namesFlag(rule, subject, label, 'model', item.model!, { ...names, match: best }, out.item.result.eccn));
    return out;
  }

  const specs = item.specs;
  if (specs && (specs.tops || specs.tpp !== undefined)) {
    const t = specs.tops ? computeTpp(specs.tops, ruleset.thresholds) : null;
    const tpp = t?.tpp ?? specs.tpp ?? null;
    const pd = performanceDensity(tpp, specs.dieAreaMm2);
    const d = eccnFromNumbers(ruleset.thresholds, { tpp, pd, datacenter: specs.datacenter ?? null, maxRawTops: t?.maxRawTops ?? null }, shipDate);
    // A description naming a chip more restrictive than the specifications make it ("H100 equivalent" on TPP 800): the
    // two disagree, so the most restrictive classification, with ITEM-DESCRIPTION-AMBIGUOUS asking which is right.
    const named = item.description ? readNames(ruleset, item.description, item.model ? normaliseModelText(item.model) : '', shipDate) : null;
    if (named && eccnRank(ruleset, named.named.find((n) => n.match === named.match)!.eccn) < eccnRank(ruleset, d.eccn)) {
      const out = fromCatalog(item, index, ruleset, shipDate, named.match, label, subject, rule);
      const why = `the specifications give ${d.eccn} (TPP ${tpp ?? 'unknown'}) but it names ${named.match.chip.name}${named.why ? `; ${named.why}` : ''}`;
      out.flags.push(namesFlag(rule, subject, label, 'description', item.description!, { ...named, ambiguous: true, why }, out.item.result.eccn));
      out.item.result.explanation = `from the description, over the specifications (${d.eccn}): ${out.item.result.explanation}`;
      return out;
    }
    const evidence = {
      basis: 'specs', tpp, tppFrom: t?.tpp != null ? { precision: t.precision, denseTops: t.tops, bitLength: t.bitLength, perPrecision: t.perPrecision, ignored: t.ignored } : 'specs.tpp',
      performanceDensity: pd === null ? null : round(pd, 4), dieAreaMm2: specs.dieAreaMm2 ?? null, datacenter: specs.datacenter ?? null, ...decisionEvidence(d),
    };
    const vars = { model: label, eccn: d.eccn };
    flags.push(makeFlag(rule(d.incomplete ? 'ITEM-SPECS-INCOMPLETE' : 'ITEM-SPECS'), 'item', subject, vars, evidence));
    flags.push(...datacenterFlags(d, rule, subject, label, tpp));
    const result: ItemResult = { ...base, eccn: d.eccn, tpp, performanceDensity: pd === null ? null : round(pd, 2), basis: 'specs', explanation: explain(d, tpp, pd) };
    return { item: { result, input: item, chipId: null, vendorCountry: null, memoryBandwidthGBps: specs.memoryBandwidthGBps ?? null, chipCount: item.quantity, datacenter: specs.datacenter ?? null }, flags };
  }

  const described = item.description ? readNames(ruleset, item.description, item.model ? normaliseModelText(item.model) : '', shipDate) : null;
  if (described) {
    const out = fromCatalog(item, index, ruleset, shipDate, described.match, label, subject, rule);
    out.flags.push(namesFlag(rule, subject, label, 'description', item.description!, described, out.item.result.eccn));
    out.item.result.explanation = `from the description: ${out.item.result.explanation}`;
    return out;
  }

  const declared = item.eccn?.trim();
  if (declared) {
    flags.push(makeFlag(rule('ITEM-DECLARED'), 'item', subject, { model: label, eccn: declared }, { basis: 'declared', declaredEccn: declared }));
    const result: ItemResult = { ...base, eccn: declared.toUpperCase() === 'EAR99' ? 'EAR99' : declared, basis: 'declared', explanation: 'declared by the caller; not verified' };
    return { item: { result, input: item, chipId: null, vendorCountry: null, memoryBandwidthGBps: null, chipCount: item.quantity, datacenter: null }, flags };
  }

  flags.push(makeFlag(rule('ITEM-UNKNOWN'), 'item', subject, { index }, { basis: 'unknown', model, partNumber: item.partNumber ?? null, hsCode: item.hsCode ?? null }));
  return { item: { result: { ...base, basis: 'unknown' }, input: item, chipId: null, vendorCountry: null, memoryBandwidthGBps: null, chipCount: item.quantity, datacenter: null }, flags };
}

function fromCatalog(
  item: ShipmentItem, index: number, ruleset: Ruleset, shipDate: string, match: CatalogMatch, label: string, subject: string, rule: (id: string) => ItemRule,
): { item: ClassifiedItem; flags: Flag[] } {
  const chip = match.chip;
  const flags: Flag[] = [];
  const { t, tpp, pd, d } = catalogNumbers(ruleset, chip, shipDate);
  const chipEccn = d && !d.incomplete ? d.eccn : chip.eccn;
  const sys = match.system;
  const eccn = sys ? (ruleset.systems.eccnMap[chipEccn] ?? chipEccn) : chipEccn;
  const evidence: Record<string, unknown> = {
    basis: 'catalog', catalogId: chip.id, catalogName: chip.name, matchedBy: match.via, matchedText: match.matchedText,
    tpp, tppFrom: t?.tpp != null ? { precision: t.precision, denseTops: t.tops, bitLength: t.bitLength } : tpp !== null ? 'reported TPP' : null,
    performanceDensity: pd === null ? null : round(pd, 4), dieAreaMm2: chip.dieAreaMm2 ?? null, datacenter: chip.datacenter,
    chipEccn, catalogEccn: chip.eccn, sources: chip.sources, ...(d ? decisionEvidence(d) : { test: 'catalog ECCN (numbers not available)' }),
  };
  if (sys) {
    const count = sys.count;
    flags.push(makeFlag(rule('ITEM-SYSTEM'), 'item', subject, { model: label, count: count ?? 'an unknown number of', chip: chip.name, eccn },
      { ...evidence, system: sys.name ?? 'parsed from the model string', containedChip: chip.id, containedPerUnit: count, eccnMap: `${chipEccn} → ${eccn}` }));
  } else {
    flags.push(makeFlag(rule('ITEM-CATALOG'), 'item', subject, { model: label, eccn, catalogId: chip.id }, evidence));
  }
  if (chip.uncertain) {
    const review = chip.uncertainEffect === 'review';
    flags.push(makeFlag(rule('ITEM-CATALOG-UNCERTAIN'), 'item', subject, { catalogId: chip.id, note: chip.note }, { catalogId: chip.id, note: chip.note ?? null, sources: chip.sources },
      review ? {} : { severity: 'info', decision: 'CLEAR' }));
  }
  if (d) flags.push(...datacenterFlags(d, rule, subject, label, tpp));
  const chipCount = sys ? item.quantity * (sys.count ?? 1) : item.quantity;
  const result: ItemResult = {
    index, model: item.model ?? item.partNumber ?? null, catalogId: sys?.id ?? chip.id, eccn, tpp, performanceDensity: pd === null ? null : round(pd, 2),
    basis: 'catalog', licenseRequired: false,
    ...(sys ? { containedChip: chip.id, containedQuantity: sys.count === null ? null : chipCount } : {}),
    explanation: d ? explain(d, tpp, pd) : `catalog ECCN ${chip.eccn}`,
  };
  return { item: { result, input: item, chipId: chip.id, vendorCountry: chip.vendorCountry, memoryBandwidthGBps: chip.memoryBandwidthGBps ?? null, chipCount, datacenter: chip.datacenter }, flags };
}

interface ChipNumbers {
  t: TppResult | null;
  tpp: number | null;
  pd: number | null;
  d: EccnDecision | null;
}

/** A catalog chip's arithmetic depends only on the chip and the regime in force: worked out once per pair, then only read. */
const chipNumbers = new WeakMap<Chip, Map<unknown, ChipNumbers>>();

function catalogNumbers(ruleset: Ruleset, chip: Chip, shipDate: string): ChipNumbers {
  const regime = regimeAt(ruleset.thresholds, shipDate);
  let byRegime = chipNumbers.get(chip);
  if (!byRegime) chipNumbers.set(chip, (byRegime = new Map()));
  let n = byRegime.get(regime);
  if (n) return n;
  const t = chip.denseTops ? computeTpp(chip.denseTops, ruleset.thresholds) : null;
  const tpp = t?.tpp ?? chip.tpp ?? null;
  const pd = performanceDensity(tpp, chip.dieAreaMm2);
  // The catalog ECCN reflects today's thresholds; the arithmetic re-applies the test in force on shipDate.
  const d = tpp !== null
    ? eccnFromNumbers(ruleset.thresholds, { tpp, pd, datacenter: chip.datacenter, maxRawTops: t?.maxRawTops ?? null, interconnectGBps: chip.interconnectGBps ?? null }, shipDate)
    : null;
  n = { t, tpp, pd, d };
  byRegime.set(regime, n);
  return n;
}

function decisionEvidence(d: EccnDecision): Record<string, unknown> {
  return {
    regime: d.regimeId, test: d.testId,
    thresholdsCompared: d.compared.map((c) => ({ test: c.test, eccn: c.eccn, bound: c.bound, holds: c.holds })),
    datacenterNoteApplied: d.datacenterNoteApplied, incomplete: d.incomplete,
  };
}

function datacenterFlags(d: EccnDecision, rule: (id: string) => ItemRule, subject: string, label: string, tpp: number | null): Flag[] {
  if (!d.datacenterNoteApplied && !d.nonDatacenterControlled) return [];
  const effect = d.datacenterNoteApplied
    ? `TPP ${tpp} is below 4800, so 3A090 does not apply (Note to 3A090.a/.b)`
    : `TPP ${tpp} is 4800 or more, so it stays ${d.eccn}; License Exceptions NAC/ACA may apply (15 CFR 740.8)`;
  return [makeFlag(rule('ITEM-DATACENTER-NOTE'), 'item', subject, { model: label, effect }, { tpp, datacenter: false, noteApplied: d.datacenterNoteApplied, licenceExceptions: d.nonDatacenterControlled ? ['NAC', 'ACA'] : [] })];
}

function explain(d: EccnDecision, tpp: number | null, pd: number | null): string {
  const nums = `TPP ${tpp ?? 'unknown'}, PD ${pd === null ? 'unknown' : round(pd, 2)}`;
  if (d.testId) return `${nums}: meets ${d.testId} (${d.regimeId}) → ${d.eccn}${d.incomplete ? ' (assumed: a needed number is missing)' : ''}`;
  if (d.datacenterNoteApplied) return `${nums}: not for datacenters and below 4800 → ${d.eccn}`;
  return `${nums}: below every 3A090 test${d.regimeId ? ` (${d.regimeId})` : ' (no 3A090 rule in force)'} → ${d.eccn}`;
}

export function classifyItems(items: ShipmentItem[], ruleset: Ruleset, opts: { shipDate: string }): { items: ItemResult[]; flags: Flag[] } {
  const out = items.map((it, i) => classifyItem(it, i, ruleset, opts.shipDate));
  return { items: out.map((o) => o.item.result), flags: out.flatMap((o) => o.flags) };
}

/** How many words before a chip name an accessory word still makes the part about something else. */
const ACCESSORY_REACH = 4;

interface Named { chip: Chip; match: CatalogMatch; eccn: string; tpp: number }

/**
 * Chip names in free text (thresholds.yaml itemReading.description): a description for a model the catalog does not
 * know ("GPU server" / "8x NVIDIA H100 SXM"), or a model string that may name more than one chip. The text is read in
 * parts (split at its separators), each matched as a model string with `prefix` (the model's own words, so its count
 * and system words count) in front; a part whose chip follows a negation or accessory word, or that holds a goods word,
 * is not read. Every distinct chip named is kept; the most restrictive wins (3A090.a over .b over 3A991.p, then the
 * higher TPP), and two chips or an "or equivalent" make it ambiguous.
 */
interface Names { match: CatalogMatch; named: Named[]; ambiguous: boolean; why: string; alternatives: string[] }

/** Model strings repeat (an ERP sends the same SKUs all day): the reading of one text is kept per catalog and 3A090 regime, bounded. */
const namesMemo = new WeakMap<object, Map<string, Names | null>>();

function readNames(ruleset: Ruleset, text: string, prefix: string, shipDate: string): Names | null {
  let cache = namesMemo.get(ruleset.chips);
  if (!cache) namesMemo.set(ruleset.chips, (cache = new Map()));
  const key = `${regimeAt(ruleset.thresholds, shipDate)?.id ?? ''}\u0000${prefix}\u0000${text}`;
  let hit = cache.get(key);
  if (hit === undefined) {
    hit = readNamesUncached(ruleset, text, prefix, shipDate);
    if (cache.size >= 10_000) cache.clear();
    cache.set(key, hit);
  }
  return hit;
}

function readNamesUncached(ruleset: Ruleset, text: string, prefix: string, shipDate: string): Names | null {
  const cfg = ruleset.thresholds.itemReading?.description;
  const sep = cfg ? ruleset.regexes.get(cfg.separators) : undefined;
  if (!cfg || !sep || !text.trim()) return null;
  const negations = new Set(cfg.negations.map((w) => w.toLowerCase()));
  const after = new Set((cfg.negationsAfter ?? []).map((w) => w.toLowerCase()));
  const accessory = new Set(cfg.accessoryWords.map((w) => w.toLowerCase()));
  const alternativeWords = new Set(cfg.alternativeWords.map((w) => w.toLowerCase()));
  const goods = ruleset.chips.spaced?.goodsWords ?? new Set<string>();
  const named: Named[] = [];
  const alternatives: string[] = [];
  for (const part of text.replace(/\bw\/o\b/gi, ' without ').split(sep)) {
    if (!part?.trim()) continue;
    const words = normaliseModelText(part).split(' ').filter(Boolean);
    alternatives.push(...words.filter((w) => alternativeWords.has(w)));
    if (words.some((w) => goods.has(w))) continue;
    const match = matchCatalog(ruleset, `${prefix} ${words.join(' ')}`.trim(), null);
    if (!match) continue;
    // Where the chip name starts in the part: words before it must not negate it or make it an accessory's target.
    const first = normaliseModelText(match.matchedText).split(' ')[0] ?? '';
    const at = words.findIndex((w) => w === first || w.startsWith(first));
    const before = at < 0 ? words : words.slice(0, at);
    // A negation anywhere before the chip; an accessory word close before it ("kit for H100", "supports up to 8x H100"), not
    // one that starts a longer phrase ("server for AI training with 8x H100").
    if (before.some((w) => negations.has(w)) || before.slice(-ACCESSORY_REACH).some((w) => accessory.has(w))) continue;
    const last = normaliseModelText(match.matchedText).split(' ').pop() ?? '';
    const end = at < 0 ? -1 : words.indexOf(last, at);
    if (end >= 0 && after.has(words[end + 1] ?? '')) continue;
    const { d, tpp } = catalogNumbers(ruleset, match.chip, shipDate);
    named.push({ chip: match.chip, match, eccn: d && !d.incomplete ? d.eccn : match.chip.eccn, tpp: tpp ?? 0 });
  }
  if (named.length === 0) return null;
  const best = [...named].sort((a, b) => eccnRank(ruleset, a.eccn) - eccnRank(ruleset, b.eccn) || b.tpp - a.tpp)[0]!;
  const chips = [...new Set(named.map((n) => n.chip.name))];
  const why = [chips.length > 1 ? `it names ${chips.join(' and ')}` : '', alternatives.length ? `it says "${[...new Set(alternatives)].join('", "')}"` : ''].filter(Boolean).join('; ');
  return { match: best.match, named, ambiguous: why !== '', why, alternatives: [...new Set(alternatives)] };
}

/** ITEM-DESCRIPTION (a description classified the item) or ITEM-DESCRIPTION-AMBIGUOUS (the text names more than one item). */
function namesFlag(rule: (id: string) => ItemRule, subject: string, label: string, field: 'model' | 'description', text: string, names: Names, eccn: string | null): Flag {
  const chip = names.match.chip;
  const evidence = {
    basis: field, [field]: text, matchedText: names.match.matchedText, catalogId: chip.id,
    named: names.named.map((n) => ({ catalogId: n.chip.id, eccn: n.eccn, matchedText: n.match.matchedText })), alternativeWords: names.alternatives,
  };
  return names.ambiguous
    ? makeFlag(rule('ITEM-DESCRIPTION-AMBIGUOUS'), 'item', subject, { model: label, field, text, why: names.why, chip: chip.name, eccn: eccn ?? chip.eccn }, evidence)
    : makeFlag(rule('ITEM-DESCRIPTION'), 'item', subject, { model: label, chip: chip.name, matched: names.match.matchedText }, evidence);
}

/** 0 for the most restrictive ECCN (3A090.a); unknown ECCNs rank last. */
function eccnRank(ruleset: Ruleset, eccn: string): number {
  const order = eccnOrder(ruleset);
  const i = order.indexOf(eccn);
  return i < 0 ? order.length : i;
}

/** ECCNs from the most restrictive down: the 3A090 tests in the order thresholds.yaml lists them, then 3A991.p, then EAR99. */
const eccnOrders = new WeakMap<object, string[]>();
function eccnOrder(ruleset: Ruleset): string[] {
  let out = eccnOrders.get(ruleset.thresholds);
  if (!out) {
    const t = ruleset.thresholds;
    out = [...new Set([...t.regimes.flatMap((r) => r.tests.map((x) => x.eccn)), t.atOnly.eccn, t.atOnly.belowEccn])];
    eccnOrders.set(t, out);
  }
  return out;
}
