/**
 * The retry schedule as arithmetic, apart from any clock: the end-to-end test in delivery.test.ts
 * can only bound wall-clock gaps from below, so the doubling, the cap and the jitter band are
 * pinned here exactly.
 */
import { describe, expect, it } from 'vitest';
import { backoffMs } from '../../src/services/webhook-dispatcher.js';

const config = { retryBaseMs: 100, retryMaxMs: 2_000 };

describe('webhook back-off', () => {
  it('doubles from the base after each failed attempt and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((a) => backoffMs(a, config, 0))).toEqual([100, 200, 400, 800, 1_600, 2_000, 2_000]);
  });

  it('takes off at most 20 % for jitter, never adds to the wait', () => {
    for (const attempt of [1, 3, 6]) {
      const full = backoffMs(attempt, config, 0);
      expect(backoffMs(attempt, config, 1)).toBe(Math.round(full * 0.8));
      for (let i = 0; i < 200; i++) {
        const d = backoffMs(attempt, config);
        expect(d).toBeGreaterThanOrEqual(Math.round(full * 0.8));
        expect(d).toBeLessThanOrEqual(full);
      }
    }
  });

  it('stays finite and capped for an attempt count far past any real limit', () => {
    expect(backoffMs(10_000, config, 0)).toBe(2_000);
  });
});
