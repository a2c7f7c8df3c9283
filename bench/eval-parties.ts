/**
 * Recall, false-positive rate and F1 of the party matcher on tests/fixtures/party-eval.csv, overall
 * and per class of case (how the positive was written, what kind of look-alike the negative is),
 * next to two baselines on the same set: Jaro-Winkler on the whole normalised name and
 * character-trigram Jaccard, each best over names and aliases, each at its own best threshold
 * (swept on this set). `--set tune` measures the tuning set instead (tests/fixtures/party-tune.csv).
 *   npx tsx bench/eval-parties.ts [--set eval|tune] [--no-baselines] [--verbose]
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { parse as parseYaml } from 'yaml';
import { parseListBytes } from '../src/lists/import.js';
import type { ListEntry } from '../src/lists/types.js';
import { buildMatcher } from '../src/matching/matcher.js';
import { normalizeText } from '../src/matching/normalize.js';
import { jaroWinkler, trigrams } from '../src/matching/similarity.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface EvalCase {
  kind: 'positive' | 'negative';
  query: string;
  country: string;
  expectedIds: string[];
  transform: string;
}

export function loadEvalSet(set: 'eval' | 'tune' = 'eval'): EvalCase[] {
  const rows = parse(readFileSync(join(root, `tests/fixtures/party-${set}.csv`)), { columns: true }) as Record<string, string>[];
  return rows.map((r) => ({
    kind: r.kind as EvalCase['kind'],
    query: r.query!,
    country: r.country ?? '',
    expectedIds: (r.expected_ids ?? '').split(';').filter(Boolean),
    transform: r.transform ?? '',
  }));
}

export function loadShippedEntries(): ListEntry[] {
  return parseListBytes(readFileSync(join(root, 'rules/lists/consolidated-2026-07-31.csv.gz')), 'consolidated-2026-07-31.csv').entries;
}

export interface Metrics {
  recall: number;
  fpr: number;
  precision: number;
  f1: number;
  tp: number;
  fn: number;
  fp: number;
  tn: number;
}

/** A positive counts only when the right entry matches; a negative fails on any match. */
export function metrics(cases: EvalCase[], outcome: (c: EvalCase) => { matchedIds: string[] }): Metrics & { misses: EvalCase[]; falseAlarms: EvalCase[] } {
  let tp = 0, fn = 0, fp = 0, tn = 0;
  const misses: EvalCase[] = [];
  const falseAlarms: EvalCase[] = [];
  for (const c of cases) {
    const ids = outcome(c).matchedIds;
    if (c.kind === 'positive') {
      if (ids.some((id) => c.expectedIds.includes(id))) tp++;
      else (fn++, misses.push(c));
    } else if (ids.length > 0) (fp++, falseAlarms.push(c));
    else tn++;
  }
  const recall = tp / (tp + fn);
  const precision = tp + fp > 0 ? tp / (tp + fp) : 1;
  return { recall, fpr: fp / (fp + tn), precision, f1: (2 * precision * recall) / (precision + recall || 1), tp, fn, fp, tn, misses, falseAlarms };
}

/** Best score per entry for a whole-name similarity: the baselines. */
function baselineScores(entries: ListEntry[], cases: EvalCase[], kind: 'jw' | 'trigram'): Array<Map<string, number>> {
  const names: Array<{ id: string; norm: string }> = [];
  for (const e of entries) for (const n of [e.name, ...e.altNames]) names.push({ id: e.id, norm: normalizeText(n) });
  if (kind === 'jw') {
    return cases.map((c) => {
      const q = normalizeText(c.query);
      const best = new Map<string, number>();
      for (const n of names) {
        const s = jaroWinkler(q, n.norm);
        if (s > 0.7 && s > (best.get(n.id) ?? 0)) best.set(n.id, s);
      }
      return best;
    });
  }
  const post = new Map<string, number[]>();
  const sizes = names.map((n, i) => {
    const g = trigrams(n.norm);
    for (const t of g) post.set(t, [...(post.get(t) ?? []), i]);
    return g.size;
  });
  return cases.map((c) => {
    const g = trigrams(normalizeText(c.query));
    const inter = new Map<number, number>();
    for (const t of g) for (const i of post.get(t) ?? []) inter.set(i, (inter.get(i) ?? 0) + 1);
    const best = new Map<string, number>();
    for (const [i, k] of inter) {
      const s = k / (g.size + sizes[i]! - k);
      const id = names[i]!.id;
      if (s > 0.3 && s > (best.get(id) ?? 0)) best.set(id, s);
    }
    return best;
  });
}

function sweep(cases: EvalCase[], scores: Array<Map<string, number>>): { threshold: number } & Metrics {
  let bestM: ({ threshold: number } & Metrics) | null = null;
  for (let t = 0.5; t <= 0.995; t += 0.01) {
    const m = metrics(cases, (c) => ({ matchedIds: [...scores[cases.indexOf(c)]!].filter(([, s]) => s >= t).map(([id]) => id) }));
    if (!bestM || m.f1 > bestM.f1) bestM = { threshold: t, ...m };
  }
  return bestM!;
}

function row(name: string, m: Metrics & { threshold?: number }): string {
  const pct = (v: number): string => `${(v * 100).toFixed(2)} %`.padStart(9);
  return `${name.padEnd(34)} ${(m.threshold ?? 0).toFixed(2).padStart(9)} ${pct(m.recall)} ${pct(m.fpr)} ${m.f1.toFixed(4).padStart(7)}`;
}

/** The class of a case: its transform without the "+punct" a third of them also got. */
export function caseClass(c: EvalCase): string {
  return c.transform.replace(/\+punct$/, '');
}

/** Per class: positives' recall, negatives' false-positive rate. */
function perClass(cases: EvalCase[], matched: Map<EvalCase, string[]>): string[] {
  const byClass = new Map<string, EvalCase[]>();
  for (const c of cases) byClass.set(`${c.kind} ${caseClass(c)}`, [...(byClass.get(`${c.kind} ${caseClass(c)}`) ?? []), c]);
  const out: string[] = [`${'class'.padEnd(34)} ${'cases'.padStart(6)} ${'recall'.padStart(9)} ${'FPR'.padStart(9)}`];
  for (const [name, cs] of [...byClass].sort(([a], [b]) => a.localeCompare(b))) {
    const m = metrics(cs, (c) => ({ matchedIds: matched.get(c)! }));
    const pos = cs[0]!.kind === 'positive';
    out.push(`${name.padEnd(34)} ${String(cs.length).padStart(6)} ${pos ? `${(m.recall * 100).toFixed(2)} %`.padStart(9) : ''.padStart(9)} ${pos ? '' : `${(m.fpr * 100).toFixed(2)} %`.padStart(9)}`);
  }
  return out;
}

function main(): void {
  const set = process.argv.includes('--set') && process.argv[process.argv.indexOf('--set') + 1] === 'tune' ? 'tune' : 'eval';
  const cases = loadEvalSet(set);
  const entries = loadShippedEntries();
  const matcher = buildMatcher(entries, { cacheSize: 0 });
  const matched = new Map<EvalCase, string[]>();
  // Possible matches (score ≥ reviewThreshold of rules/lists.yaml) ask for REVIEW: a positive found only so is not lost, a negative so costs a review.
  const review = (parseYaml(readFileSync(join(root, 'rules/lists.yaml'), 'utf8')) as { reviewThreshold: number }).reviewThreshold;
  const flagged = new Map<EvalCase, string[]>();
  const times: number[] = [];
  for (const c of cases) {
    const t0 = performance.now();
    const found = matcher.search({ name: c.query, country: c.country || undefined });
    times.push(performance.now() - t0);
    matched.set(c, found.filter((x) => x.match).map((x) => x.entry.id));
    flagged.set(c, found.filter((x) => x.score >= review).map((x) => x.entry.id));
  }
  const ours = metrics(cases, (c) => ({ matchedIds: matched.get(c)! }));
  const ms = times.reduce((a, b) => a + b, 0);
  times.sort((a, b) => a - b);
  const p99 = times[Math.min(times.length - 1, Math.floor(0.99 * times.length))]!;
  const pos = cases.filter((c) => c.kind === 'positive').length;
  console.log(`${set} set: ${pos} positives, ${cases.length - pos} negatives; ${entries.length} list entries; chokepoint ${(ms / cases.length).toFixed(3)} ms/query mean, p99 ${p99.toFixed(3)} ms (first pass, cold)`);
  console.log(`${'method'.padEnd(34)} ${'threshold'.padStart(9)} ${'recall'.padStart(9)} ${'FPR'.padStart(9)} ${'F1'.padStart(7)}`);
  console.log(row('chokepoint (default threshold)', { ...ours, threshold: matcher.threshold }));
  console.log(row('  … match or possible (review)', { ...metrics(cases, (c) => ({ matchedIds: flagged.get(c)! })), threshold: review }));
  for (const line of perClass(cases, matched)) console.log(line);
  if (!process.argv.includes('--no-baselines')) {
    console.log(row('jaro-winkler whole name (best t)', sweep(cases, baselineScores(entries, cases, 'jw'))));
    console.log(row('trigram jaccard (best t)', sweep(cases, baselineScores(entries, cases, 'trigram'))));
  }
  if (process.argv.includes('--verbose')) {
    for (const m of ours.misses) console.log('MISS', m.transform, JSON.stringify(m.query), m.country, '→', matcher.search({ name: m.query, country: m.country || undefined, limit: 1 }).map((x) => `${x.score} ${x.matchedName}`).join(''));
    for (const m of ours.falseAlarms) console.log('FP  ', m.transform, JSON.stringify(m.query), m.country, '→', matcher.search({ name: m.query, country: m.country || undefined, limit: 1 }).map((x) => `${x.score} ${x.matchedName} ${x.explanation.summary}`).join(''));
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
