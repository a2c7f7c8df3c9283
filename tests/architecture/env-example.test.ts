/**
 * `.env.example` is the operator's list of settings: copied to `.env` it must change nothing (its values
 * are the defaults, one source: src/config.ts), and every variable config.ts reads is in it (set, or
 * commented out where there is no default) and in the README's configuration table.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

const root = path.resolve(import.meta.dirname, '../..');
const example = readFileSync(path.join(root, '.env.example'), 'utf8');
const configSource = readFileSync(path.join(root, 'src/config.ts'), 'utf8');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

describe('.env.example', () => {
  it('documents the defaults: loading it gives the same configuration as an empty environment', () => {
    const vars: Record<string, string> = {};
    for (const line of example.split('\n')) {
      const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
      if (m) vars[m[1]!] = m[2]!;
    }
    expect(Object.keys(vars).length).toBeGreaterThan(20);
    expect(loadConfig(vars)).toEqual(loadConfig({}));
  });

  it('names every variable src/config.ts reads, and so does the README', () => {
    const read = [...new Set([...configSource.matchAll(/env(?:\.|, ')([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]!))].sort();
    expect(read.length).toBeGreaterThan(30);
    expect(read.filter((v) => !new RegExp(`^#? ?${v}=`, 'm').test(example))).toEqual([]);
    expect(read.filter((v) => !readme.includes(`\`${v}\``))).toEqual([]);
  });
});
