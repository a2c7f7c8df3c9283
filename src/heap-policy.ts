/**
 * The process's garbage-collection policy, applied once at start by the server and the CLI.
 *
 * V8 lets the old generation grow well past the live data before a full collection — up to 4× when
 * collections are cheap. The service's live heap is small (~70 MB: rules, lists, matcher index), but a
 * batch promotes each chunk's rows while they wait for their commit, so a long batch let the heap (and
 * RSS) climb by ~300–400 MB of garbage that a full GC then freed (bench:batch, README "Batch
 * screening"). Capping the growing factor at 1 + HEAP_GROWING_PERCENT/100 trades more full
 * collections (concurrent marking, mostly off the main thread) for a flat RSS. 0 leaves V8's heuristics.
 * The default, 50, was 25 until a batch line's row stopped being promoted (its bytes now live outside
 * the heap): at 25 a batch then ran ~2 full collections a second for ~7 MB/s of promotion, a third of
 * the service's CPU a line; at 50 a 100k batch grows RSS by ~60 MB and runs ~1.3× faster (README).
 */
import v8 from 'node:v8';

let applied: number | null = null;

export function applyHeapPolicy(heapGrowingPercent: number): void {
  if (applied === heapGrowingPercent) return;
  if (!Number.isInteger(heapGrowingPercent) || heapGrowingPercent < 0) throw new RangeError('heapGrowingPercent: a whole number ≥ 0');
  v8.setFlagsFromString(`--heap-growing-percent=${heapGrowingPercent}`);
  applied = heapGrowingPercent;
}
