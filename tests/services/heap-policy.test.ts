import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const fixture = fileURLToPath(new URL('./fixtures/heap-growth.ts', import.meta.url));
const maxHeapMb = (percent: number): number =>
  JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', fixture, String(percent)], { encoding: 'utf8', timeout: 60_000 })).maxHeapMb;

describe('heap policy (HEAP_GROWING_PERCENT)', () => {
  it('defaults to 50 % and refuses values that are not a whole number from 0 to 300', () => {
    expect(loadConfig({}).heapGrowingPercent).toBe(50);
    expect(loadConfig({ HEAP_GROWING_PERCENT: '0' }).heapGrowingPercent).toBe(0);
    for (const bad of ['-1', '301', 'lots', '12.5']) expect(() => loadConfig({ HEAP_GROWING_PERCENT: bad }), bad).toThrow(ConfigError);
  });

  it('keeps the heap closer to its live data than V8 left alone does, under the same churn', () => {
    const capped = maxHeapMb(25);
    const free = maxHeapMb(0);
    // Same program, same allocations: only the growing factor differs.
    expect(capped).toBeLessThan(free * 0.85);
  }, 120_000);
});
