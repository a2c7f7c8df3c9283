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

  it('is defined once in src/', () => {
    const defs = files(SRC).filter((f) => /function\s+canonicalJson\b|const\s+canonicalJson\s*=/.test(readFileSync(f, 'utf8')));
    expect(defs.map((f) => relative(SRC, f))).toEqual(['canonical-json.ts']);
  });
});
