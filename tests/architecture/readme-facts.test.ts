/**
 * What the README states about things the code counts or lists, checked against the code, so the words
 * do not drift from it: the audit export's CSV columns in order (auditors' readers depend on them), and how
 * many red flags `rules/red-flags.yaml` declares and which engine modules exist (*How a decision is made*).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CSV_EXPORT_COLUMNS } from '../../src/store/screenings-query.js';

const root = path.resolve(import.meta.dirname, '../..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

describe('README facts', () => {
  it('lists the CSV export columns the export writes, in order', () => {
    const m = /\*\*Export columns \(CSV\)\*\*: `([^`]+)`/.exec(readme);
    expect(m, 'README: **Export columns (CSV)**').not.toBeNull();
    const documented = m![1]!.split(',').map((c) => c.trim());
    expect(documented).toEqual(CSV_EXPORT_COLUMNS.map(([name]) => name));
  });

  it('counts the red flags rules/red-flags.yaml declares, once, and names engine modules that exist', () => {
    const rules = (parse(readFileSync(path.join(root, 'rules/red-flags.yaml'), 'utf8')) as { rules: unknown[] }).rules;
    const section = readme.slice(readme.indexOf('## How a decision is made'), readme.indexOf('### Where the goods end up'));
    const counts = [...section.matchAll(/(\d+) declarative red flags/g)].map((m) => Number(m[1]));
    expect(counts).toEqual([rules.length]);
    const rows = section.split('\n').filter((l) => /^\| `[a-z-]+\.ts`/.test(l));
    const modules = rows.flatMap((l) => [...l.split('|')[1]!.matchAll(/`([a-z-]+\.ts)`/g)].map((m) => m[1]!));
    expect(new Set(modules).size, 'each engine module in one row').toBe(modules.length);
    const engine = readdirSync(path.join(root, 'src/engine'));
    expect(modules.filter((f) => !engine.includes(f))).toEqual([]);
  });
});
