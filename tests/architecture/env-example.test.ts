/**
 * `.env.example` is the operator's list of settings: copied to `.env` it must change nothing (its values
 * are the defaults, one source: src/config.ts), and every variable config.ts reads — or any other file under
 * src/ (LIST_CACHE_DIR, read where the party lists load) — is in it (set, or commented out where there is no
 * default) and in the README's configuration table.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

const root = path.resolve(import.meta.dirname, '../..');
const example = readFileSync(path.join(root, '.env.example'), 'utf8');
const configSource = readFileSync(path.join(root, 'src/config.ts'), 'utf8');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const variablesRead = (source: string) => [...source.matchAll(/env(?:\??\.|, ')([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]!);

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
    const read = [...new Set(variablesRead(configSource))].sort();
    expect(read.length).toBeGreaterThan(30);
    expect(read.filter((v) => !new RegExp(`^#? ?${v}=`, 'm').test(example))).toEqual([]);
    expect(read.filter((v) => !readme.includes(`\`${v}\``))).toEqual([]);
  });

  it('names the variables read outside src/config.ts too (the README names them as exceptions)', () => {
    const src = path.join(root, 'src');
    const files = (readdirSync(src, { recursive: true }) as string[]).filter((f) => /\.(ts|mjs)$/.test(f) && f !== 'config.ts');
    const elsewhere = [...new Set(files.flatMap((f) => variablesRead(readFileSync(path.join(src, f), 'utf8'))))].sort();
    expect(elsewhere).toEqual(['LIST_CACHE_DIR']);
    expect(elsewhere.filter((v) => !new RegExp(`^#? ?${v}=`, 'm').test(example))).toEqual([]);
    expect(elsewhere.filter((v) => !readme.includes(`\`${v}\``))).toEqual([]);
    const exception = /Only `src\/config\.ts` reads the environment \(one exception: `([A-Z_]+)`/.exec(readme);
    expect(exception?.[1]).toBe('LIST_CACHE_DIR');
  });
});
