import { mkdtemp, readFile, readdir, rm, writeFile, mkdir, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importListFile, loadLists } from '../../src/lists/load.js';
import { parseListBytes } from '../../src/lists/import.js';
import { ListValidationError, validateListUpdate } from '../../src/lists/validate.js';
import type { ListSource } from '../../src/lists/types.js';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'lists');

const active: ListSource = { name: 'CSL', file: 'a.csv', format: 'csl-csv', entryCount: 100, sha256: 'x'.repeat(64), generatedAt: null };

function candidate(n: number): Parameters<typeof validateListUpdate>[1] {
  const { entries } = parseListBytes(Buffer.from(''), 'empty.csv', 'csl-csv');
  const one = parseListBytes(Buffer.from('_id,source,name,alt_names,addresses\n1,Entity List (EL) - Bureau of Industry and Security,Acme,,\n'), 'one.csv').entries[0]!;
  const list = [...entries, ...Array.from({ length: n }, (_, i) => ({ ...one, id: String(i) }))];
  return { source: { ...active, file: 'b.csv', entryCount: list.length }, entries: list };
}

describe('validateListUpdate', () => {
  it('accepts a list that grew or shrank within the limit', () => {
    expect(() => validateListUpdate(active, candidate(120))).not.toThrow();
    expect(() => validateListUpdate(active, candidate(90))).not.toThrow();
    expect(() => validateListUpdate(null, candidate(1))).not.toThrow();
  });
  it('refuses an empty list', () => {
    expect(() => validateListUpdate(active, candidate(0))).toThrow(/no entries/);
  });
  it('refuses a shrink beyond maxShrink, and names both counts', () => {
    expect(() => validateListUpdate(active, candidate(89))).toThrow(ListValidationError);
    expect(() => validateListUpdate(active, candidate(89))).toThrow(/89 entries, 11\.0 % fewer than the active a\.csv \(100\)/);
    expect(() => validateListUpdate(active, candidate(50), { maxShrink: 0.6 })).not.toThrow();
  });
  it('refuses a parse failure', () => {
    expect(() => validateListUpdate(active, new Error('bad quote at line 3'))).toThrow(/could not be parsed \(bad quote at line 3\)/);
  });
});

describe('loadLists and importListFile', () => {
  let rules: string;
  const csl2019 = join(FIX, 'csl-2019.csv');

  beforeEach(async () => {
    rules = await mkdtemp(join(tmpdir(), 'chokepoint-lists-'));
    await mkdir(join(rules, 'lists'));
    const bytes = await readFile(csl2019);
    await writeFile(join(rules, 'lists', 'csl-2019.csv.gz'), gzipSync(bytes));
    const { source } = parseListBytes(bytes, 'csl-2019.csv');
    await writeFile(
      join(rules, 'lists', 'manifest.yaml'),
      `lists:\n  - file: csl-2019.csv.gz\n    name: CSL 2019\n    format: csl-csv\n    sha256: ${source.sha256}\n    entryCount: ${source.entryCount}\n    generatedAt: null\n`,
    );
  });
  afterEach(async () => {
    await rm(rules, { recursive: true, force: true });
  });

  it('loads the manifest, verifies the hash and builds the matcher', async () => {
    const { sources, entries, matcher } = await loadLists(rules);
    expect(sources).toEqual([expect.objectContaining({ file: 'csl-2019.csv.gz', name: 'CSL 2019', entryCount: 115 })]);
    expect(entries).toHaveLength(115);
    expect(matcher.size).toBe(115);
    expect(matcher.search({ name: 'Adrian Manuel Hernandez' })[0]).toMatchObject({ match: true, matchedName: 'ADRIAN MANUEL HERNANDEZ' });
  });

  it('fails closed when a file does not match its manifest hash', async () => {
    const manifest = await readFile(join(rules, 'lists', 'manifest.yaml'), 'utf8');
    await writeFile(join(rules, 'lists', 'manifest.yaml'), manifest.replace(/sha256: \w+/, `sha256: ${'f'.repeat(64)}`));
    await expect(loadLists(rules)).rejects.toThrow(/does not match its manifest/);
  });

  it('fails closed when the manifest is missing', async () => {
    await rm(join(rules, 'lists', 'manifest.yaml'));
    await expect(loadLists(rules)).rejects.toBeInstanceOf(ListValidationError);
  });

  it('imports a new list, reporting progress, then activates it in the manifest', async () => {
    const progress: Array<[number, number]> = [];
    const shipped = join(import.meta.dirname, '..', '..', 'rules', 'lists', 'consolidated-2026-07-31.csv.gz');
    const tmpCopy = join(rules, 'consolidated-2026-07-31.csv.gz');
    await copyFile(shipped, tmpCopy);
    const res = await importListFile(tmpCopy, { rulesDir: rules, onProgress: (d, t) => progress.push([d, t]), now: () => new Date('2026-08-01T00:00:00Z') });
    expect(res.replaced?.file).toBe('csl-2019.csv.gz');
    expect(res.storedAs).toBe('consolidated-2026-07-31.csv.gz');
    expect(progress.at(-1)![0]).toBe(progress.at(-1)![1]);
    const manifest = await readFile(join(rules, 'lists', 'manifest.yaml'), 'utf8');
    expect(manifest).toContain('file: consolidated-2026-07-31.csv.gz');
    expect(manifest).toContain('entryCount: 25921');
    expect(manifest).not.toContain('csl-2019');
    const { entries } = await loadLists(rules);
    expect(entries).toHaveLength(25921);
  }, 120_000); // a full 25,921-entry import, then a load that parses it again and builds the matcher: ~20 s alone on a shared 2-core machine

  it('refuses a shrunk list and leaves the manifest and folder untouched', async () => {
    const before = await readFile(join(rules, 'lists', 'manifest.yaml'), 'utf8');
    const lines = (await readFile(csl2019, 'utf8')).split('\n');
    const shrunk = join(rules, 'csl-2020.csv');
    await writeFile(shrunk, lines.slice(0, 60).join('\n'));
    await expect(importListFile(shrunk, { rulesDir: rules })).rejects.toThrow(/fewer than the active/);
    expect(await readFile(join(rules, 'lists', 'manifest.yaml'), 'utf8')).toBe(before);
    expect(await readdir(join(rules, 'lists'))).toEqual(['csl-2019.csv.gz', 'manifest.yaml']);
  });

  it('refuses an empty or unreadable file', async () => {
    const empty = join(rules, 'empty.csv');
    await writeFile(empty, '_id,source,entity_number,type,programs,name,title,addresses,alt_names\n');
    await expect(importListFile(empty, { rulesDir: rules })).rejects.toThrow(/no entries/);
    const junk = join(rules, 'junk.csv');
    await writeFile(junk, 'this is not a list\n');
    await expect(importListFile(junk, { rulesDir: rules })).rejects.toThrow(/could not be parsed \(unrecognised list format/);
  });

  it('imports a list of another kind alongside (OFAC SDN directory)', async () => {
    const res = await importListFile(join(FIX, 'ofac-sdn-mini'), { rulesDir: rules, storeAs: 'ofac-sdn-mini-2026-08-01' });
    expect(res.replaced).toBeNull();
    const { sources, entries } = await loadLists(rules);
    expect(sources.map((s) => s.format)).toEqual(['csl-csv', 'ofac-legacy-csv']);
    expect(entries).toHaveLength(115 + 17);
  });
});
