/**
 * Item classification (15 CFR 774 Supp. 1): catalog match first (alias, part number, system parse), then
 * the caller's specs by TPP/PD arithmetic, then the declared ECCN, else unknown (REVIEW). Every path leaves
 * a flag whose evidence shows the numbers used.
 */
import type { Ruleset } from '../rules/ruleset.js';
import type { Chip, ItemRule } from '../rules/schema.js';
import type { Flag, ItemResult } from '../schemas/screening-result.js';
import type { ShipmentItem } from '../schemas/shipment.js';
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
  if (match) return fromCatalog(item, index, ruleset, shipDate, match, label, subject, rule);

  const specs = item.specs;
  if (specs && (specs.tops || specs.tpp !== undefined)) {
    const t = specs.tops ? computeTpp(specs.tops, ruleset.thresholds) : null;
    const tpp = t?.tpp ?? specs.tpp ?? null;
    const pd = performanceDensity(tpp, specs.dieAreaMm2);
    const d = eccnFromNumbers(ruleset.thresholds, { tpp, pd, datacenter: specs.datacenter ?? null, maxRawTops: t?.maxRawTops ?? null }, shipDate);
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
