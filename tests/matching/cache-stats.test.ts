/**
 * The matcher's LRU cache is counted (hits, misses) by the matcher itself, and the service's
 * metrics read those counts at scrape time (chokepoint_matcher_cache_requests_total).
 */
import { describe, expect, it } from 'vitest';
import type { ListEntry } from '../../src/lists/types.js';
import { buildMatcher, matcherCacheTotals } from '../../src/matching/matcher.js';
import { Metrics } from '../../src/services/metrics.js';
import type { Database } from '../../src/store/db.js';

const base = { type: null, addresses: [], programs: [], licenseRequirement: null, licensePolicy: null, federalRegisterNotice: null, startDate: null, sourceListUrl: null };
const entries: ListEntry[] = [
  { ...base, id: '1', list: 'EL', source: 'EL', name: 'Anhui Kehua Trading Co., Ltd.', altNames: [], countries: ['CN'] },
  { ...base, id: '2', list: 'SDN', source: 'SDN', name: 'Zorsecurity', altNames: [], countries: ['RU'] },
];

describe('matcher cache counters', () => {
  it('count a repeated query as a hit and a new one (or any query with the cache off) as a miss', () => {
    const before = matcherCacheTotals();
    const m = buildMatcher(entries, { cacheSize: 2 });
    m.search({ name: 'Anhui Kehua Trading' });
    m.search({ name: 'Anhui Kehua Trading' });
    m.search({ name: 'Anhui Kehua Trading', country: 'CN' });
    m.search({ name: 'Zorsecurity' });
    // Evicted (least recently used, capacity 2): a miss again.
    m.search({ name: 'Anhui Kehua Trading' });
    expect(m.stats()).toEqual({ cacheHits: 1, cacheMisses: 4, cacheEntries: 2, cacheCapacity: 2 });
    const off = buildMatcher(entries, { cacheSize: 0 });
    off.search({ name: 'Zorsecurity' });
    off.search({ name: 'Zorsecurity' });
    expect(off.stats()).toMatchObject({ cacheHits: 0, cacheMisses: 2 });
    const after = matcherCacheTotals();
    expect(after.hits - before.hits).toBe(1);
    expect(after.misses - before.misses).toBe(6);
  });

  it('are exported as chokepoint_matcher_cache_requests_total{result}', async () => {
    // Only this metric is collected, so no database is queried.
    const metrics = new Metrics({} as Database);
    const m = buildMatcher(entries, { cacheSize: 10 });
    const read = async () => {
      const text = await metrics.registry.getSingleMetricAsString('chokepoint_matcher_cache_requests_total');
      const value = (r: string) => Number(new RegExp(`result="${r}"\\} (\\d+)`).exec(text)?.[1]);
      return { text, hit: value('hit'), miss: value('miss') };
    };
    const first = await read();
    expect(first.text).toContain('# TYPE chokepoint_matcher_cache_requests_total counter');
    m.search({ name: 'Zorsecurity' });
    m.search({ name: 'Zorsecurity' });
    m.search({ name: 'Zorsecurity' });
    const second = await read();
    expect(second.hit - first.hit).toBe(2);
    expect(second.miss - first.miss).toBe(1);
  });
});
