/**
 * The arithmetic of ECCN 3A090 (15 CFR 774 Supp. 1, Technical Notes): total processing performance,
 * performance density, the threshold tests in force on a date, the datacenter note and the 3A991.p fallback.
 * Pure functions; every result carries the numbers it used so a flag can show its working.
 */
import type { Bound, ThresholdsFile } from '../rules/schema.js';

export interface TppResult {
  /** max over precisions of dense TOPS x bit length; null when no usable precision */
  tpp: number | null;
  precision: string | null;
  bitLength: number | null;
  tops: number | null;
  /** largest raw TOPS at any precision (3A991.p counts operations without bit-length weighting) */
  maxRawTops: number | null;
  perPrecision: Record<string, number>;
  /** precisions left out (TF32, unknown names) */
  ignored: string[];
}

/** TPP = 2 x MacTOPS x bit length; datasheet TOPS already count 2 x MacTOPS. TF32 is excluded (ambiguous bit length). */
export function computeTpp(tops: Readonly<Record<string, number>>, thresholds: Pick<ThresholdsFile, 'bitLengths' | 'excludedPrecisions'>): TppResult {
  const perPrecision: Record<string, number> = {};
  const ignored: string[] = [];
  let best: { p: string; bits: number; tops: number; tpp: number } | null = null;
  let maxRawTops: number | null = null;
  for (const p of Object.keys(tops).sort()) {
    const value = tops[p] as number;
    const key = p.toLowerCase();
    // own keys only: a precision named "constructor" must not find Object.prototype's
    const bits = Object.hasOwn(thresholds.bitLengths, key) ? thresholds.bitLengths[key] : undefined;
    if (thresholds.excludedPrecisions.includes(key) || bits === undefined) {
      ignored.push(p);
      continue;
    }
    const tpp = round(value * bits, 4);
    perPrecision[key] = tpp;
    maxRawTops = Math.max(maxRawTops ?? 0, value);
    if (!best || tpp > best.tpp) best = { p: key, bits, tops: value, tpp };
  }
  return {
    tpp: best ? best.tpp : null,
    precision: best?.p ?? null,
    bitLength: best?.bits ?? null,
    tops: best?.tops ?? null,
    maxRawTops,
    perPrecision,
    ignored,
  };
}

/** PD = TPP / applicable die area (mm2). */
export function performanceDensity(tpp: number | null, dieAreaMm2: number | null | undefined): number | null {
  if (tpp === null || !dieAreaMm2) return null;
  return tpp / dieAreaMm2;
}

export interface Numbers {
  tpp: number | null;
  pd: number | null;
  /** null = not stated */
  datacenter: boolean | null;
  interconnectGBps?: number | null | undefined;
  maxRawTops?: number | null | undefined;
}

export interface TestOutcome {
  test: string;
  eccn: string;
  bound: Bound;
  /** true, false, or null when a number it needs is unknown */
  holds: boolean | null;
}

export interface EccnDecision {
  eccn: string;
  testId: string | null;
  regimeId: string | null;
  compared: TestOutcome[];
  /** the datacenter note took the item out of 3A090 */
  datacenterNoteApplied: boolean;
  /** non-datacenter item controlled at TPP >= 4800: NAC/ACA may be available */
  nonDatacenterControlled: boolean;
  /** a test could not be decided for lack of a number and was assumed to hold (conservative) */
  incomplete: boolean;
}

function boundHolds(b: Bound, n: Numbers): boolean | null {
  const checks: Array<boolean | null> = [];
  const cmp = (v: number | null | undefined, f: (x: number) => boolean) => checks.push(v === null || v === undefined ? null : f(v));
  if (b.tppMin !== undefined) cmp(n.tpp, (x) => x >= b.tppMin!);
  if (b.tppBelow !== undefined) cmp(n.tpp, (x) => x < b.tppBelow!);
  if (b.pdMin !== undefined) cmp(n.pd, (x) => x >= b.pdMin!);
  if (b.pdBelow !== undefined) cmp(n.pd, (x) => x < b.pdBelow!);
  // 2022 interconnect test: an unknown interconnect is assumed to meet it (conservative).
  if (b.interconnectMin !== undefined) checks.push(n.interconnectGBps == null ? true : n.interconnectGBps >= b.interconnectMin);
  if (checks.includes(false)) return false;
  return checks.includes(null) ? null : true;
}

/** The regime whose dates contain `date`, if any (none before the 2022-10-07 rule). */
export function regimeAt(thresholds: ThresholdsFile, date: string): ThresholdsFile['regimes'][number] | null {
  let found: ThresholdsFile['regimes'][number] | null = null;
  for (const r of thresholds.regimes) if (date >= r.effectiveFrom && (!r.effectiveTo || date < r.effectiveTo)) found = r;
  return found;
}

/** ECCN from the numbers under the regime in force on `date`; first test that holds wins. */
export function eccnFromNumbers(thresholds: ThresholdsFile, n: Numbers, date: string): EccnDecision {
  const regime = regimeAt(thresholds, date);
  const compared: TestOutcome[] = [];
  let hit: { eccn: string; test: string; incomplete: boolean } | null = null;
  for (const t of regime?.tests ?? []) {
    for (const b of t.anyOf) {
      const holds = boundHolds(b, n);
      compared.push({ test: t.id, eccn: t.eccn, bound: b, holds });
      if (!hit && holds !== false) hit = { eccn: t.eccn, test: t.id, incomplete: holds === null };
    }
  }
  let datacenterNoteApplied = false;
  let nonDatacenterControlled = false;
  const note = regime?.datacenterNote ?? null;
  if (hit && note && note.appliesTo.includes(hit.eccn) && n.tpp !== null) {
    const notDatacenter = n.datacenter === false || (n.datacenter === null && !note.assumeDatacenterWhenUnknown);
    if (notDatacenter && n.tpp < note.tppBelow) {
      datacenterNoteApplied = true;
      hit = null;
    } else if (notDatacenter) nonDatacenterControlled = true;
  }
  if (hit) {
    return { eccn: hit.eccn, testId: hit.test, regimeId: regime?.id ?? null, compared, datacenterNoteApplied, nonDatacenterControlled, incomplete: hit.incomplete };
  }
  return { eccn: atOnlyEccn(thresholds, n), testId: null, regimeId: regime?.id ?? null, compared, datacenterNoteApplied, nonDatacenterControlled, incomplete: false };
}

/** 3A991.p: >= 8 TOPS without bit-length weighting. From TPP alone, TOPS lies between TPP/64 and TPP/4. */
function atOnlyEccn(thresholds: ThresholdsFile, n: Numbers): string {
  const { topsMin, eccn, belowEccn } = thresholds.atOnly;
  if (n.maxRawTops != null) return n.maxRawTops >= topsMin ? eccn : belowEccn;
  if (n.tpp !== null && n.tpp / 4 < topsMin) return belowEccn;
  return eccn;
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
