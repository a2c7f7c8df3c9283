/**
 * One canonical JSON for the whole project (src/canonical-json.ts): the ruleset hash and the
 * idempotency request hash rest on it. There used to be two (rules/ and store/) that disagreed on a
 * Date ("{}" against its ISO string); now there is one, and a scan keeps it that way.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/canonical-json.js';

const SRC = resolve(import.meta.dirname, '../../src');
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : n.endsWith('.ts') ? [join(dir, n)] : []));

describe('canonical JSON', () => {
  it('sorts members by UTF-16 code units at every level, drops undefined members, no whitespace (RFC 8785 §3.2.3)', () => {
    expect(canonicalJson({ b: 1, a: [3, { d: undefined, c: 'x' }], '\u20ac': 1, '\r': 2, '\ud83d\ude00': 3, 'ö': 4 })).toBe(
      '{"\\r":2,"a":[3,{"c":"x"}],"b":1,"ö":4,"€":1,"😀":3}',
    );
    expect(canonicalJson([undefined, Number.NaN, Infinity, -0, 1e21, 0.1])).toBe('[null,null,null,0,1e+21,0.1]');
  });

  it('writes what JSON.stringify writes for values with toJSON (a Date is its ISO string)', () => {
    const at = new Date('2026-11-30T00:00:00.000Z');
    expect(canonicalJson({ at })).toBe('{"at":"2026-11-30T00:00:00.000Z"}');
    expect(JSON.parse(canonicalJson({ z: [at], y: null }))).toEqual(JSON.parse(JSON.stringify({ y: null, z: [at] })));
  });

  it('writes, for 20,000 random values, exactly what the earlier entries → sort → join form wrote (every stored hash rests on it)', () => {
    // The form canonicalJson had until it was rewritten as loops for speed: request hashes of stored screenings
    // were computed with it, so the rewrite must agree with it character for character.
    const earlier = (value: unknown): string => {
      if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') return earlier((value as { toJSON: () => unknown }).toJSON());
      if (value === null || typeof value !== 'object') {
        if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
        return JSON.stringify(value) ?? 'null';
      }
      if (Array.isArray(value)) return `[${value.map((v) => earlier(v === undefined ? null : v)).join(',')}]`;
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined && typeof v !== 'function')
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${earlier(v)}`).join(',')}}`;
    };
    let seed = 0x2026_1207;
    const rand = () => ((seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const keys = ['a', 'b', 'A', '', 'reference', 'ä', 'é', '\u20ac', '\ud83d\ude00', '\ud800', '\udfff', '\r', '\u0000', '__proto__', 'constructor', '10', '2', 'z z', '"q"'];
    const strings = ['', 'x', 'ROYAL PEARL', 'Ω≈ç', '\u202e', '\u200d', 'e\u0301', '\ud83d', '\ud83d\ude00', '\n\t', '=cmd|', '\\"', 'x'.repeat(300)];
    const numbers = [0, -0, 1, -1, 0.1, 1e21, 1e-7, 5e-324, Number.MAX_SAFE_INTEGER, NaN, Infinity, -Infinity, 123.456];
    const gen = (depth: number): unknown => {
      const r = rand();
      if (depth > 4 || r < 0.45) {
        return pick<unknown>([pick(strings), pick(numbers), true, false, null, undefined, () => 1, new Date(Math.floor(rand() * 2e12))]);
      }
      if (r < 0.7) {
        const arr: unknown[] = Array.from({ length: Math.floor(rand() * 5) }, () => gen(depth + 1));
        if (rand() < 0.1) arr[arr.length + 2] = 'after a hole';
        return arr;
      }
      const obj: Record<string, unknown> = {};
      for (let i = Math.floor(rand() * 6); i > 0; i--) Object.defineProperty(obj, pick(keys), { value: gen(depth + 1), enumerable: true, configurable: true, writable: true });
      return obj;
    };
    for (let i = 0; i < 20_000; i++) {
      const v = gen(0);
      expect(canonicalJson(v)).toBe(earlier(v));
    }
  });

  it('is defined once in src/', () => {
    const defs = files(SRC).filter((f) => /function\s+canonicalJson\b|const\s+canonicalJson\s*=/.test(readFileSync(f, 'utf8')));
    expect(defs.map((f) => relative(SRC, f))).toEqual(['canonical-json.ts']);
  });
});
