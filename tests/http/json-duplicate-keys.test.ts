/** duplicateKeyPointer: the first member named twice in one object, as a JSON pointer; null for any other text. */
import { describe, expect, it } from 'vitest';
import { duplicateKeyPointer } from '../../src/services/json-duplicate-keys.js';

describe('duplicateKeyPointer', () => {
  it.each([
    ['{"a":1,"b":2}', null],
    ['{"a":1,"a":2}', '/a'],
    ['{"a":1,"\\u0061":2}', '/a'],
    ['{"items":[{"quantity":1,"model":"x"},{"quantity":1,"quantity":5000}]}', '/items/1/quantity'],
    ['{"x":{"a":1},"y":{"a":1}}', null],
    ['{"s":"a\\"b\\\\","t":"\\\\\\"","s2":"{\\"a\\":1,\\"a\\":2}"}', null],
    ['[1,[2,{"k":[{"z":1,"z":2}]}]]', '/1/1/k/0/z'],
    ['{"a/b":{"c~d":1,"c~d":2}}', '/a~1b/c~0d'],
    ['"just a string"', null],
    ['{"":1,"":2}', '/'],
    ['{"a":[],"b":{},"a":3}', '/a'],
    [' { "a" : 1 , "b" : { "a" : [ { } , { "c" : 1 , "c" : 2 } ] } } ', '/b/a/1/c'],
  ])('%s → %s', (text, want) => {
    JSON.parse(text);
    expect(duplicateKeyPointer(text)).toBe(want);
  });

  it('finds nothing in what JSON.stringify writes, and finds a member repeated anywhere in it (5,000 random values)', () => {
    let seed = 7;
    const rand = () => ((seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32);
    const names = ['a', 'b', 'quantity', 'é', '"q"', 'back\\slash', 'x/y', '~', '\u2028'];
    const gen = (depth: number): unknown => {
      const r = rand();
      if (depth > 3 || r < 0.4) return [1, 'str "q" \\', null, true, -0.5][Math.floor(rand() * 5)];
      if (r < 0.65) return Array.from({ length: Math.floor(rand() * 4) }, () => gen(depth + 1));
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(rand() * 4); i > 0; i--) o[names[Math.floor(rand() * names.length)]!] = gen(depth + 1);
      return o;
    };
    for (let i = 0; i < 5_000; i++) {
      const v = { root: gen(0) };
      const text = JSON.stringify(v);
      expect(duplicateKeyPointer(text)).toBeNull();
      // The root object's first member again, at its end.
      const dup = `${text.slice(0, -1)},"root":0}`;
      expect(duplicateKeyPointer(dup)).toBe('/root');
    }
  });
});
