/**
 * The start cache of the party lists (src/lists/cache.ts): a hit answers exactly as a fresh build,
 * and a cache that does not fit the files on disk — other lists, other options, damaged, truncated,
 * from another format — is never used: it is logged and rebuilt, and a list file that no longer
 * matches its manifest still fails the load.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LIST_CACHE_FILE, listCacheDir, type CacheLog } from '../../src/lists/cache.js';
import { importListFile, loadLists } from '../../src/lists/load.js';
import { parseListBytes } from '../../src/lists/import.js';
import { buildMatcher, IndexedPartyMatcher } from '../../src/matching/matcher.js';
import type { ListEntry, PartyQuery } from '../../src/lists/types.js';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'lists');

/** A sample of queries over the entries: names as listed, with a typo, reordered, joined, and names not listed. */
function sampleQueries(entries: readonly ListEntry[]): PartyQuery[] {
  const out: PartyQuery[] = [];
  entries.forEach((e, i) => {
    if (i % 3 !== 0) return;
    const words = e.name.split(/\s+/);
    out.push({ name: e.name, country: e.countries[0] });
    out.push({ name: e.name.replace(/([a-z])([a-z])/i, '$2$1') });
    out.push({ name: [...words].reverse().join(' '), country: 'US' });
    if (words.length > 1) out.push({ name: words[0]! + words.slice(1).join(' '), lists: [e.list] });
    for (const a of e.altNames.slice(0, 1)) out.push({ name: a, limit: 3 });
  });
  out.push({ name: 'Acme Widgets Ltd', country: 'GB' }, { name: 'Trading Company' }, { name: '' });
  return out;
}

/** What a caller sees, explanation included. */
const answer = (m: { search(q: PartyQuery): unknown }, qs: PartyQuery[]): string => JSON.stringify(qs.map((q) => m.search(q)));

describe('the party list start cache', () => {
  let rules: string;
  let cacheDir: string;
  let logs: Array<{ level: string; msg: string }>;
  const log: CacheLog = (level, msg) => logs.push({ level, msg });
  const load = (opts: { threshold?: number } = {}) => loadLists(rules, { cacheDir, log, ...opts });

  beforeEach(async () => {
    rules = await mkdtemp(join(tmpdir(), 'chokepoint-cache-'));
    cacheDir = join(rules, 'lists', '.cache');
    logs = [];
    await mkdir(join(rules, 'lists'));
    const bytes = await readFile(join(FIX, 'csl-2019.csv'));
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

  it('lives beside the data unless LIST_CACHE_DIR says otherwise, and `off` turns it off', () => {
    expect(listCacheDir('/srv/rules', {})).toBe('/srv/rules/lists/.cache');
    expect(listCacheDir('/srv/rules', { LIST_CACHE_DIR: '/var/cache/chokepoint' })).toBe('/var/cache/chokepoint');
    expect(listCacheDir('/srv/rules', { LIST_CACHE_DIR: 'off' })).toBeNull();
  });

  it('is written on the first load and, on the next, answers every sampled query exactly as a fresh build', async () => {
    const fresh = await load();
    expect(await readdir(cacheDir)).toEqual([LIST_CACHE_FILE]);
    expect(logs.map((l) => l.msg)).toEqual(['party list cache written']);
    logs = [];
    const cached = await load();
    expect(logs.map((l) => l.msg)).toEqual(['party lists restored from the start cache']);
    expect(cached.sources).toEqual(fresh.sources);
    expect(cached.entries).toEqual(fresh.entries);
    const qs = sampleQueries(fresh.entries);
    expect(qs.length).toBeGreaterThan(100);
    const expected = answer(fresh.matcher, qs);
    expect(expected).toContain('"match":true');
    expect(answer(cached.matcher, qs)).toBe(expected);
    // And both equal the matcher built straight from the list, uncached.
    const direct = await loadLists(rules);
    expect(answer(direct.matcher, qs)).toBe(expected);
  });

  it('is rebuilt, with a warning, when damaged: a flipped byte, a truncated file, another format version', async () => {
    const fresh = await load();
    const qs = sampleQueries(fresh.entries);
    const expected = answer(fresh.matcher, qs);
    const path = join(cacheDir, LIST_CACHE_FILE);
    const good = await readFile(path);
    const flipped = Buffer.from(good);
    flipped[good.length - 100] = flipped[good.length - 100]! ^ 0xff;
    const damaged: Array<[string, Buffer]> = [
      ['flipped byte in the index', flipped],
      ['truncated', good.subarray(0, Math.floor(good.length / 2))],
      ['other format', Buffer.concat([good.subarray(0, 4), Buffer.from([99, 0, 0, 0]), good.subarray(8)])],
      ['not a cache', Buffer.from('hello')],
    ];
    for (const [what, bytes] of damaged) {
      await writeFile(path, bytes);
      logs = [];
      const again = await load();
      expect(logs.map((l) => `${l.level} ${l.msg}`), what).toEqual([
        'warn party list cache damaged; ignored and rebuilt from the lists',
        'info party list cache written',
      ]);
      expect(answer(again.matcher, qs), what).toBe(expected);
      expect((await readFile(path)).equals(good), what).toBe(true);
    }
  });

  it('is not used for other list files or other options: an import, a changed threshold', async () => {
    await load();
    logs = [];
    const other = await load({ threshold: 0.9 });
    expect(other.matcher.threshold).toBe(0.9);
    expect(logs.map((l) => l.msg)).toEqual(['party list cache is for other lists or another build; rebuilding', 'party list cache written']);
    await importListFile(join(FIX, 'ofac-sdn-mini'), { rulesDir: rules, storeAs: 'ofac-sdn-mini-2026-08-01' });
    logs = [];
    const after = await load({ threshold: 0.9 });
    expect(logs.map((l) => l.msg)).toEqual(['party list cache is for other lists or another build; rebuilding', 'party list cache written']);
    expect(after.entries).toHaveLength(115 + 17);
    expect(after.sources.map((s) => s.format)).toEqual(['csl-csv', 'ofac-legacy-csv']);
  });

  it('never stands in for a list file that no longer matches its manifest: the load fails closed', async () => {
    await load();
    const csv = (await readFile(join(FIX, 'csl-2019.csv'), 'utf8')).replace('ADRIAN MANUEL HERNANDEZ', 'ADRIAN MANUEL HERNANDES');
    await writeFile(join(rules, 'lists', 'csl-2019.csv.gz'), gzipSync(csv));
    logs = [];
    await expect(load()).rejects.toThrow(/does not match its manifest/);
    expect(logs.map((l) => l.msg)).toEqual(['party list cache is for other lists or another build; rebuilding']);
  });

  it('an unwritable cache folder costs the cache, not the load', async () => {
    await writeFile(join(rules, 'not-a-dir'), 'x');
    const lists = await loadLists(rules, { cacheDir: join(rules, 'not-a-dir', 'cache'), log });
    expect(lists.entries.length).toBe(115);
    expect(logs.map((l) => `${l.level} ${l.msg}`)).toEqual([
      'warn party list cache unreadable; rebuilding from the lists',
      'warn party list cache could not be written; the next start rebuilds it',
    ]);
  });
});

describe('the matcher index, serialised and restored', () => {
  it('restores to the same answers, and refuses bytes that do not fit', async () => {
    const { entries } = parseListBytes(await readFile(join(FIX, 'csl-2019.csv')), 'csl-2019.csv');
    const built = buildMatcher(entries, { cacheSize: 0 });
    const bytes = built.serialise();
    const restored = IndexedPartyMatcher.restore(entries, bytes, { cacheSize: 0 });
    expect(restored.nameCount).toBe(built.nameCount);
    const qs = sampleQueries(entries);
    expect(answer(restored, qs)).toBe(answer(built, qs));
    // The exhaustive scan agrees with the restored index too.
    for (const q of qs.slice(0, 40)) expect(JSON.stringify(restored.searchExhaustive(q))).toBe(JSON.stringify(built.searchExhaustive(q)));
    expect(() => IndexedPartyMatcher.restore(entries.slice(1), bytes)).toThrow(/entries/);
    expect(() => IndexedPartyMatcher.restore(entries, bytes.subarray(0, bytes.length - 8))).toThrow(/truncated|inconsistent/);
    const version = Uint8Array.from(bytes);
    version[4] = 77;
    expect(() => IndexedPartyMatcher.restore(entries, version)).toThrow(/format 77/);
  });
});
