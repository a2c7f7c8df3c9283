/** Table-driven tests of the 3A090 arithmetic: TPP, PD, each threshold edge and the datacenter note. */
import { describe, expect, it } from 'vitest';
import { computeTpp, eccnFromNumbers, performanceDensity } from '../../src/engine/performance.js';
import { fixtureRuleset } from './fixtures.js';

const rs = await fixtureRuleset();
const T = rs.thresholds;
const NOW = '2026-11-30';

describe('computeTpp', () => {
  it.each([
    ['H100 FP16 989.5 x 16', { fp16: 989.5, fp8: 1979 }, 15832, 'fp16', 16],
    ['worked example 600 TOPS @ 8 bits', { int8: 600 }, 4800, 'int8', 8],
    ['worked example 300 TFLOPS @ 16 bits', { bf16: 300 }, 4800, 'bf16', 16],
    ['FP4 wins when it gives the highest TPP (B300)', { fp16: 2250, fp4: 14000 }, 56000, 'fp4', 4],
    ['TF32 is excluded', { tf32: 1000, fp16: 10 }, 160, 'fp16', 16],
    ['FP8 beats FP16 when higher (L40S)', { fp16: 362.05, fp8: 733 }, 5864, 'fp8', 8],
    ['FP64', { fp64: 100 }, 6400, 'fp64', 64],
  ])('%s', (_, tops, tpp, precision, bits) => {
    const r = computeTpp(tops, T);
    expect(r.tpp).toBeCloseTo(tpp, 4);
    expect(r.precision).toBe(precision);
    expect(r.bitLength).toBe(bits);
  });

  it('reports ignored precisions and no TPP when nothing is usable', () => {
    const r = computeTpp({ tf32: 100 }, T);
    expect(r.tpp).toBeNull();
    expect(r.ignored).toEqual(['tf32']);
  });
});

describe('performanceDensity', () => {
  it('is TPP / die area, null without an area', () => {
    expect(performanceDensity(15832, 814)).toBeCloseTo(19.45, 2);
    expect(performanceDensity(15832, undefined)).toBeNull();
    expect(performanceDensity(null, 814)).toBeNull();
  });
});

describe('eccnFromNumbers (2023 regime)', () => {
  const dc = (tpp: number, pd: number | null) => eccnFromNumbers(T, { tpp, pd, datacenter: true }, NOW);
  it.each([
    [4799, 4.8, '3A090.b'], [4800, 4.8, '3A090.a'],
    [2955, 5.91, '3A090.b'], [2960, 5.92, '3A090.a'],
    [1599, 16, '3A991.p'], [1600, 16, '3A090.a'],
    [2399, 2.0, '3A991.p'], [2400, 2.0, '3A090.b'],
    [1920, 3.19, '3A991.p'], [1920, 3.2, '3A090.b'],
    [3000, 1.59, '3A991.p'], [3000, 1.6, '3A090.b'],
    [2368, 2.91, '3A991.p'], // H20
    [2896, 3.67, '3A090.b'], // MI210
  ])('TPP %d, PD %d → %s', (tpp, pd, eccn) => {
    expect(dc(tpp, pd).eccn).toBe(eccn);
  });

  it('records the test that decided', () => {
    const d = dc(1600, 16);
    expect(d.testId).toBe('TH-3A090A-2');
    expect(d.regimeId).toBe('TH-3A090-2023');
    expect(d.compared.find((c) => c.test === 'TH-3A090A-1')?.holds).toBe(false);
  });

  it('assumes the stricter class when PD is unknown in the density band, and says so', () => {
    const d = dc(2000, null);
    expect(d.eccn).toBe('3A090.a');
    expect(d.incomplete).toBe(true);
  });

  it.each([
    [4799, false, '3A991.p', true, false],
    [4800, false, '3A090.a', false, true],
    [4799, null, '3A090.b', false, false],
    [4799, true, '3A090.b', false, false],
  ])('datacenter note: TPP %d, datacenter %s → %s', (tpp, datacenter, eccn, applied, nonDc) => {
    const d = eccnFromNumbers(T, { tpp, pd: 4.8, datacenter }, NOW);
    expect(d.eccn).toBe(eccn);
    expect(d.datacenterNoteApplied).toBe(applied);
    expect(d.nonDatacenterControlled).toBe(nonDc);
  });
});

describe('eccnFromNumbers (2022 regime and before)', () => {
  it('applies the interconnect test between 2022-10-07 and 2023-11-17', () => {
    expect(eccnFromNumbers(T, { tpp: 15832, pd: 19.45, datacenter: true, interconnectGBps: 400 }, '2023-03-01').eccn).toBe('3A991.p');
    expect(eccnFromNumbers(T, { tpp: 15832, pd: 19.45, datacenter: true, interconnectGBps: 900 }, '2023-03-01').eccn).toBe('3A090.a');
    expect(eccnFromNumbers(T, { tpp: 15832, pd: 19.45, datacenter: true }, '2023-03-01').eccn).toBe('3A090.a');
    expect(eccnFromNumbers(T, { tpp: 15832, pd: 19.45, datacenter: true, interconnectGBps: 400 }, '2023-11-17').eccn).toBe('3A090.a');
  });
  it('has no 3A090 before 2022-10-07', () => {
    expect(eccnFromNumbers(T, { tpp: 15832, pd: 19.45, datacenter: true }, '2022-10-06').eccn).toBe('3A991.p');
  });
  it('puts ICs under 8 TOPS in EAR99', () => {
    expect(eccnFromNumbers(T, { tpp: 16, pd: 1, datacenter: true, maxRawTops: 1 }, NOW).eccn).toBe('EAR99');
    expect(eccnFromNumbers(T, { tpp: 16, pd: 1, datacenter: true }, NOW).eccn).toBe('EAR99');
  });
});
