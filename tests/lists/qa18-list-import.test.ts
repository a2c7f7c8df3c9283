/**
 * QA 18: list imports, on the real list data (/work/shared/data/lists, copies in tests/fixtures/lists and rules/lists).
 * - an OFAC legacy set without alt.csv or add.csv (or a lone sdn.csv) imported "successfully" with every alias or
 *   address missing: refused, naming the missing files, unless --allow-incomplete-ofac (recorded in the manifest
 *   and in the version);
 * - an undated list (BIS DPL, OFAC) imported twice on one day got the same version twice: versions are now unique
 *   and ordered (date, then .2, .3 …);
 * - hostile files: a column named twice (the second silently won), a zip or a gzip inside a gzip (refused as "not
 *   UTF-8, convert from Latin-1"), a 50 MB field, a row without its source list, a name thousands of characters long,
 *   a CSL header in another column order (refused as unrecognised), an empty list, a list shrunk by more than half.
 */
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importListFile, loadLists } from '../../src/lists/load.js';
import { parseListBytes, readListPath } from '../../src/lists/import.js';
import { compareListVersions, nextListVersion, readManifest } from '../../src/lists/manifest.js';
import { ListValidationError } from '../../src/lists/validate.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SHARED = '/work/shared/data/lists';
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'lists');
/** The real data: the shared copy where it is mounted, else the fixtures' copies (the 17-entry OFAC subset). */
const DATA = existsSync(join(SHARED, 'ofac-sdn', 'alt.csv')) ? SHARED : FIXTURES;
const OFAC = existsSync(join(DATA, 'ofac-sdn')) ? join(DATA, 'ofac-sdn') : join(FIXTURES, 'ofac-sdn-mini');
const OFAC_NONSDN = existsSync(join(DATA, 'ofac-consolidated')) ? join(DATA, 'ofac-consolidated') : join(FIXTURES, 'ofac-consolidated-mini');
const SHIPPED_CSL = join(ROOT, 'rules', 'lists', 'consolidated-2026-07-31.csv.gz');
const NOW = () => new Date('2026-12-07T12:00:00Z');

describe('lists import (QA 18)', { timeout: 300_000 }, () => {
  let rules: string;
  let work: string;
  const manifest = () => readFile(join(rules, 'lists', 'manifest.yaml'), 'utf8');
  const refused = async (path: string, opts: Record<string, unknown> = {}) => {
    const before = await manifest();
    const files = await readdir(join(rules, 'lists'));
    const err = await importListFile(path, { rulesDir: rules, now: NOW, ...opts }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ListValidationError);
    expect(await manifest()).toBe(before);
    expect(await readdir(join(rules, 'lists'))).toEqual(files);
    return (err as Error).message;
  };
  /** The real 2019 CSL (115 entries) as the active list. */
  async function activateCsl2019() {
    const bytes = await readFile(join(FIXTURES, 'csl-2019.csv'));
    await writeFile(join(rules, 'lists', 'csl-2019.csv.gz'), gzipSync(bytes));
    const { source } = parseListBytes(bytes, 'csl-2019.csv');
    await writeFile(
      join(rules, 'lists', 'manifest.yaml'),
      `lists:\n  - file: csl-2019.csv.gz\n    name: CSL\n    format: csl-csv\n    sha256: ${source.sha256}\n    entryCount: ${source.entryCount}\n    generatedAt: null\n`,
    );
  }
  /** A copy of the real OFAC set with only `files`. */
  async function ofacCopy(name: string, files: string[], from = OFAC) {
    const dir = join(work, name);
    await mkdir(dir, { recursive: true });
    for (const f of files) await cp(join(from, f), join(dir, f));
    return dir;
  }

  beforeEach(async () => {
    rules = await mkdtemp(join(tmpdir(), 'qa18-lists-'));
    work = await mkdtemp(join(tmpdir(), 'qa18-src-'));
    await mkdir(join(rules, 'lists'));
    await activateCsl2019();
  });
  afterEach(async () => {
    await rm(rules, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  });

  describe('an incomplete OFAC legacy set', () => {
    it('is refused, naming the missing file(s): no alt.csv, no add.csv, neither, a lone sdn.csv, an empty alt.csv', async () => {
      expect(await refused(await ofacCopy('no-alt', ['sdn.csv', 'add.csv', 'sdn_comments.csv']))).toMatch(
        /OFAC legacy set in no-alt is incomplete: alt\.csv \(aliases\) is missing; .*--allow-incomplete-ofac/,
      );
      const noAdd = await refused(await ofacCopy('no-add', ['sdn.csv', 'alt.csv', 'sdn_comments.csv']));
      expect(noAdd).toMatch(/incomplete: add\.csv \(addresses, countries\) is missing/);
      expect(noAdd).not.toMatch(/alt\.csv \(aliases\)/);
      expect(await refused(await ofacCopy('only-sdn', ['sdn.csv']))).toMatch(/incomplete: add\.csv \(addresses, countries\), alt\.csv \(aliases\) are missing/);
      // The main file alone, as a file (detected as the legacy format, or named with --format).
      const lone = join(work, 'sdn.csv');
      await cp(join(OFAC, 'sdn.csv'), lone);
      expect(await refused(lone)).toMatch(/sdn\.csv \(one file of it, alone\) is incomplete: add\.csv .*, alt\.csv \(aliases\) are missing/);
      expect(await refused(lone, { format: 'ofac-legacy-csv' })).toMatch(/one file of it, alone\) is incomplete/);
      // A failed download saved as an empty file is as missing as no file.
      const empty = await ofacCopy('empty-alt', ['sdn.csv', 'add.csv', 'sdn_comments.csv']);
      await writeFile(join(empty, 'alt.csv'), '\r\n\u001a');
      expect(await refused(empty)).toMatch(/incomplete: alt\.csv \(aliases\) is missing/);
      // The same for the non-SDN set (prim.csv).
      expect(await refused(await ofacCopy('nonsdn-no-alt', ['prim.csv', 'add.csv', 'comments.csv'], OFAC_NONSDN))).toMatch(/alt\.csv \(aliases\) is missing/);
    });

    it('refuses alt.csv or add.csv of another list beside the main file: (almost) none of its rows joins', async () => {
      const dir = await ofacCopy('mixed', ['sdn.csv', 'add.csv', 'sdn_comments.csv']);
      await cp(join(OFAC_NONSDN, 'alt.csv'), join(dir, 'alt.csv'));
      expect(await refused(dir)).toMatch(/OFAC alt\.csv: only \d+ of its \d+ rows name an ent_num of the main file \(a file of another list or download\?\)/);
    });

    it('the whole real set imports with its aliases; the comments file is optional (it changes no entry)', async () => {
      const full = await readListPath(OFAC);
      expect(full.source.incomplete).toBeUndefined();
      expect(full.entries.some((e) => e.altNames.length > 0)).toBe(true);
      const noComments = await readListPath(await ofacCopy('no-comments', ['sdn.csv', 'add.csv', 'alt.csv']));
      expect(noComments.source.incomplete).toBeUndefined();
      expect(noComments.entries).toEqual(full.entries);
      const r = await importListFile(OFAC, { rulesDir: rules, now: NOW });
      expect(r.source.entryCount).toBe(full.entries.length);
      expect(r.source.version).toBe('2026-12-07');
      expect((await readManifest(rules)).lists[1]!.incomplete).toBeUndefined();
      expect(await manifest()).not.toMatch(/incomplete/);
    });

    it('with allowIncompleteOfac it imports, recorded in the manifest and the version; the loader holds it to exactly that', async () => {
      const dir = await ofacCopy('ofac-sdn', ['sdn.csv', 'add.csv', 'sdn_comments.csv']);
      const r = await importListFile(dir, { rulesDir: rules, now: NOW, allowIncompleteOfac: true });
      expect(r.source.incomplete).toEqual(['alt.csv']);
      expect(r.source.version).toBe('2026-12-07-incomplete');
      const item = (await readManifest(rules)).lists.find((l) => l.format === 'ofac-legacy-csv')!;
      expect(item).toMatchObject({ incomplete: ['alt.csv'], version: '2026-12-07-incomplete' });
      const loaded = await loadLists(rules);
      const ofac = loaded.sources.find((s) => s.format === 'ofac-legacy-csv')!;
      expect(ofac).toMatchObject({ incomplete: ['alt.csv'], version: '2026-12-07-incomplete' });
      expect(loaded.entries).toHaveLength(115 + r.source.entryCount);
      const stored = await readListPath(join(rules, 'lists', r.storedAs), undefined, { allowIncompleteOfac: true });
      expect(stored.entries.every((e) => e.altNames.length === 0)).toBe(true);
      // A manifest entry that does not record the missing file does not load (fail closed).
      await writeFile(join(rules, 'lists', 'manifest.yaml'), (await manifest()).replace(/\n\s+incomplete:\n\s+- alt\.csv/, ''));
      expect(await manifest()).not.toMatch(/incomplete:/);
      await expect(loadLists(rules)).rejects.toThrow(/cannot be loaded: .*alt\.csv \(aliases\) is missing/);
    });
  });

  describe('versions of undated lists', () => {
    const bis = () => readFile(join(DATA, 'bis-denied-persons.txt'), 'utf8');

    it('two different imports of the BIS DPL on one day get distinct, ordered versions; the identical file again is a no-op', async () => {
      const text = await bis();
      const lines = text.trimEnd().split('\n');
      const first = join(work, 'dpl.txt');
      await writeFile(first, text);
      const a = await importListFile(first, { rulesDir: rules, now: NOW });
      expect(a.source.version).toBe('2026-12-07');
      const second = join(work, 'dpl-next.txt');
      await writeFile(second, `${lines.slice(0, -1).join('\n')}\n`); // one delisting
      const b = await importListFile(second, { rulesDir: rules, now: NOW });
      expect(b.source.version).toBe('2026-12-07.2');
      expect(b.storedAs).not.toBe(a.storedAs);
      const before = await manifest();
      const again = await importListFile(second, { rulesDir: rules, now: NOW });
      expect(again).toMatchObject({ unchanged: true, storedAs: b.storedAs });
      expect(again.source.version).toBe('2026-12-07.2');
      expect(await manifest()).toBe(before);
      // The first file again (a different list from the active one): a new import, a new version.
      const c = await importListFile(first, { rulesDir: rules, now: NOW });
      expect(c.source.version).toBe('2026-12-07.3');
      // The next day starts again at the date.
      await writeFile(second, `${lines.slice(0, -2).join('\n')}\n`);
      const d = await importListFile(second, { rulesDir: rules, now: () => new Date('2026-12-08T09:00:00Z') });
      expect(d.source.version).toBe('2026-12-08');
      const versions = [a, b, c, d].map((r) => r.source.version!);
      expect(new Set(versions).size).toBe(4);
      expect([...versions].sort(compareListVersions)).toEqual(versions);
      const loaded = await loadLists(rules);
      expect(loaded.sources.map((s) => s.version)).toEqual([loaded.sources[0]!.sha256.slice(0, 8), '2026-12-08']);
    });

    it('the OFAC set imported twice on one day: distinct versions; a legacy manifest entry keeps its date as version', async () => {
      const a = await importListFile(OFAC, { rulesDir: rules, now: NOW });
      const dir = await ofacCopy('ofac-sdn-again', ['sdn.csv', 'add.csv', 'alt.csv']);
      const b = await importListFile(dir, { rulesDir: rules, now: NOW });
      expect([a.source.version, b.source.version]).toEqual(['2026-12-07', '2026-12-07.2']);
      // The CSL's entry was written before versions were recorded: its version is its hash (undated), unchanged.
      const csl = (await loadLists(rules)).sources[0]!;
      expect(csl.version).toBe(csl.sha256.slice(0, 8));
    });

    it('orders versions by date, then sequence as a number', () => {
      expect(compareListVersions('2026-12-07.10', '2026-12-07.9')).toBeGreaterThan(0);
      expect(compareListVersions('2026-12-07', '2026-12-07.2')).toBeLessThan(0);
      expect(compareListVersions('2026-12-08', '2026-12-07.12')).toBeGreaterThan(0);
      const active = { file: 'x', sha256: 'a'.repeat(64), generatedAt: null, version: '2026-12-07.9' };
      expect(nextListVersion('2026-12-07', active)).toBe('2026-12-07.10');
      // An undated list imported after one dated tomorrow still orders after it.
      expect(nextListVersion('2026-12-07', { ...active, version: '2026-12-08' })).toBe('2026-12-08.2');
      expect(nextListVersion('2026-12-07', { ...active, version: undefined, generatedAt: '2026-12-07' }, true)).toBe('2026-12-07.2-incomplete');
    });
  });

  describe('hostile CSL files', () => {
    const sample = () => readFile(join(FIXTURES, 'csl-current-format-sample.csv'), 'utf8');
    /** The sample with its columns in another order (read with a CSV parser, written back quoted). */
    async function shuffled(extra = false): Promise<string> {
      const { parse } = await import('csv-parse/sync');
      const rows = parse(await sample(), { relax_column_count: false }) as string[][];
      const order = rows[0]!.map((_, i) => i).reverse();
      const q = (v: string) => `"${v.replace(/"/g, '""')}"`;
      return rows.map((r, i) => [...order.map((j) => q(r[j]!)), ...(extra ? [q(i === 0 ? 'extra_note' : 'x')] : [])].join(',')).join('\r\n') + '\r\n';
    }

    it('a CSL with its columns in another order (and extra columns) is detected and reads as the same entries', async () => {
      const original = parseListBytes(Buffer.from(await sample()), 'csl.csv').entries;
      expect(parseListBytes(Buffer.from(await shuffled()), 'csl.csv').entries).toEqual(original);
      expect(parseListBytes(Buffer.from(await shuffled(true)), 'csl.csv').entries).toEqual(original);
      const file = join(work, 'csl-2026-12-01.csv');
      await writeFile(file, await shuffled());
      // Against the 115-entry active list, the 13-row sample is a shrink: refused as such, not as "unrecognised".
      expect(await refused(file)).toMatch(/has 13 entries, .* fewer than the active/);
    });

    it('refuses a column named twice (the second used to replace every name) and a missing required column', async () => {
      const text = await sample();
      const [head, ...rest] = text.split(/\r?\n/);
      const twice = [`${head},name`, ...rest.filter(Boolean).map((l) => `${l},"SOMEONE ELSE"`)].join('\n') + '\n';
      expect(() => parseListBytes(Buffer.from(twice), 'csl.csv')).toThrow(/names the column "name" twice in its header/);
      const file = join(work, 'csl-2026-12-01.csv');
      await writeFile(file, twice);
      expect(await refused(file)).toMatch(/could not be parsed \(CSL CSV could not be parsed: CSL CSV names the column "name" twice/);
      const noAlt = (await sample()).replace(/,alt_names,/, ',alt_namez,');
      expect(() => parseListBytes(Buffer.from(noAlt), 'csl.csv', 'csl-csv')).toThrow(/lacks column\(s\) alt_names/);
    });

    it('a quoted newline inside a field stays in its field: no row is lost or split', async () => {
      const nl = `_id,source,name,alt_names,addresses\nX1,Entity List (EL) - Bureau of Industry and Security,"ACME\nTRADING CO","ACME; ""ACME\r\nTC""","Street 1\nCity, , , , CN"\nX2,Entity List (EL) - Bureau of Industry and Security,NEXT PARTY,,\n`;
      const parsed = parseListBytes(Buffer.from(nl), 'csl.csv').entries;
      expect(parsed.map((e) => e.id)).toEqual(['X1', 'X2']);
      expect(parsed[0]).toMatchObject({ name: 'ACME\nTRADING CO', countries: ['CN'] });
      expect(parsed[0]!.altNames).toEqual(['ACME', '"ACME\r\nTC"']);
    });

    it('refuses a 50 MB field at once, naming the size limit', async () => {
      const big = `_id,source,name,alt_names,addresses\nX1,Entity List (EL) - Bureau of Industry and Security,ACME,"${'A'.repeat(50 * 1024 * 1024)}",\n`;
      const file = join(work, 'csl-2026-12-01.csv');
      await writeFile(file, big);
      expect(await refused(file)).toMatch(/Max Record Size: record exceed the maximum number of tolerated bytes of 1048576 at line 2/);
    });

    it('reads BOM + CRLF like the plain file (real sample)', async () => {
      const text = await sample();
      const plain = parseListBytes(Buffer.from(text.replace(/\r\n/g, '\n')), 'csl.csv').entries;
      expect(parseListBytes(Buffer.from(`\ufeff${text.replace(/\r?\n/g, '\r\n')}`), 'csl.csv').entries).toEqual(plain);
    });

    it('names a zip, a gzip inside a gzip and other archives instead of calling them Latin-1 text', async () => {
      const text = Buffer.from(await sample());
      const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), deflateRawSync(text)]);
      const file = join(work, 'csl-2026-12-01.csv');
      await writeFile(file, zip);
      expect(await refused(file)).toMatch(/the file is a zip archive, not a list: extract the list file/);
      await writeFile(file, gzipSync(gzipSync(text)));
      expect(await refused(file)).toMatch(/a gzip file inside a gzip file/);
      // One gzip layer is read, as before.
      expect(parseListBytes(gzipSync(text), 'csl.csv').entries).toHaveLength(13);
    });

    it('refuses a row without its source list, and a name or alias longer than 2,000 characters (CSV and JSON)', async () => {
      const file = join(work, 'csl-2026-12-01.csv');
      const rows = (await readFile(join(FIXTURES, 'csl-2019.csv'), 'utf8')).trimEnd().split('\n');
      const head = rows[0]!.split(',');
      const si = head.indexOf('source');
      expect(si).toBeGreaterThanOrEqual(0);
      // The 2019 list with one row more whose source is empty.
      const { parse } = await import('csv-parse/sync');
      const recs = parse(rows.join('\n'), { relax_column_count: false }) as string[][];
      const q = (v: string) => `"${v.replace(/"/g, '""')}"`;
      const extra = [...recs[1]!];
      extra[si] = '';
      extra[head.indexOf('name')] = 'SOURCELESS PARTY';
      await writeFile(file, [...recs, extra].map((r) => r.map(q).join(',')).join('\n') + '\n');
      expect(await refused(file)).toMatch(/entry 116 \("SOURCELESS PARTY"\) names no source list/);
      const long = { results: [{ source: 'Entity List (EL) - Bureau of Industry and Security', name: 'ACME', alt_names: ['B'.repeat(2001)] }] };
      const json = join(work, 'csl-2026-12-01.json');
      await writeFile(json, JSON.stringify(long));
      expect(await refused(json, { maxShrink: 1 })).toMatch(/entry 1 \(id "[0-9a-f]+"\) has a name or alias of 2001 characters, more than 2000/);
    });
  });

  describe('against the real shipped CSL (25,921 entries) as the active list', () => {
    beforeEach(async () => {
      await cp(SHIPPED_CSL, join(rules, 'lists', 'consolidated-2026-07-31.csv.gz'));
      await cp(join(ROOT, 'rules', 'lists', 'manifest.yaml'), join(rules, 'lists', 'manifest.yaml'));
      await rm(join(rules, 'lists', 'csl-2019.csv.gz'));
    });

    it('an empty list (the header only, or JSON with no results) never replaces it', async () => {
      const header = (await readFile(join(FIXTURES, 'csl-current-format-sample.csv'), 'utf8')).split(/\r?\n/, 1)[0]!;
      const file = join(work, 'consolidated-2026-12-01.csv');
      await writeFile(file, `${header}\r\n`);
      expect(await refused(file)).toMatch(/consolidated-2026-12-01\.csv has no entries/);
      // Not even when the operator allows any shrink.
      expect(await refused(file, { maxShrink: 1 })).toMatch(/has no entries/);
      const json = join(work, 'consolidated-2026-12-01.json');
      await writeFile(json, '{"results":[]}');
      expect(await refused(json, { maxShrink: 1 })).toMatch(/has no entries/);
      await writeFile(file, '');
      expect(await refused(file)).toMatch(/unrecognised list format/);
    });

    it('a list that dropped by more than half is refused, naming both counts; the lists still load', async () => {
      const { gunzipSync } = await import('node:zlib');
      const text = gunzipSync(await readFile(SHIPPED_CSL)).toString('utf8');
      const lines = text.trimEnd().split(/\r?\n/);
      // Keep the header and every other row: a half-download.
      const kept = lines.slice(1).filter((_, i) => i % 5 < 2);
      const half = [lines[0], ...kept].join('\r\n') + '\r\n';
      const file = join(work, 'consolidated-2026-12-01.csv');
      await writeFile(file, half);
      const msg = await refused(file);
      expect(kept.length).toBeLessThan(25921 / 2);
      expect(msg).toContain(`has ${kept.length} entries, ${(((25921 - kept.length) / 25921) * 100).toFixed(1)} % fewer than`);
      expect(msg).toMatch(/fewer than the active consolidated-2026-07-31\.csv\.gz \(25921\); the limit is 10\.0 %/);
      expect((await loadLists(rules)).entries).toHaveLength(25921);
    });
  });
});

describe('chokepoint lists import --allow-incomplete-ofac (CLI, QA 18)', { timeout: 600_000 }, () => {
  async function cli(args: string[], env: Record<string, string>) {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    try {
      const r = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: 'pglite:memory', LOG_LEVEL: 'silent', LIST_CACHE_DIR: 'off', ...env },
        timeout: 600_000,
      });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  it('refuses a set without alt.csv (exit 1, naming it); with the flag imports it, loudly, and `lists show` says so', async () => {
    const rules = await mkdtemp(join(tmpdir(), 'qa18-cli-rules-'));
    const src = await mkdtemp(join(tmpdir(), 'qa18-cli-src-'));
    try {
      await cp(join(ROOT, 'rules'), rules, { recursive: true, filter: (p) => p !== join(ROOT, 'rules', 'lists') && !p.startsWith(`${join(ROOT, 'rules', 'lists')}/`) });
      await mkdir(join(rules, 'lists'), { recursive: true });
      const bytes = await readFile(join(FIXTURES, 'csl-2019.csv'));
      await writeFile(join(rules, 'lists', 'csl-2019.csv.gz'), gzipSync(bytes));
      const { source } = parseListBytes(bytes, 'csl-2019.csv');
      await writeFile(
        join(rules, 'lists', 'manifest.yaml'),
        `lists:\n  - file: csl-2019.csv.gz\n    name: CSL\n    format: csl-csv\n    sha256: ${source.sha256}\n    entryCount: ${source.entryCount}\n    generatedAt: null\n`,
      );
      const dir = join(src, 'ofac-sdn');
      await mkdir(dir);
      for (const f of ['sdn.csv', 'add.csv', 'sdn_comments.csv']) await cp(join(FIXTURES, 'ofac-sdn-mini', f), join(dir, f));
      const before = await readFile(join(rules, 'lists', 'manifest.yaml'), 'utf8');
      const no = await cli(['lists', 'import', dir], { RULES_DIR: rules });
      expect(no.code, no.stderr).toBe(1);
      expect(no.stderr).toMatch(/refused: .*alt\.csv \(aliases\) is missing.*--allow-incomplete-ofac/);
      expect(await readFile(join(rules, 'lists', 'manifest.yaml'), 'utf8')).toBe(before);
      const yes = await cli(['lists', 'import', dir, '--allow-incomplete-ofac'], { RULES_DIR: rules });
      expect(yes.code, yes.stderr).toBe(0);
      expect(yes.stdout).toMatch(/imported OFAC SDN List: 17 entries, version \d{4}-\d{2}-\d{2}-incomplete, sha256/);
      expect(yes.stderr).toMatch(/WARNING: OFAC SDN List was imported INCOMPLETE \(--allow-incomplete-ofac\): alt\.csv missing/);
      const show = await cli(['lists', 'show'], { RULES_DIR: rules });
      expect(show.stdout).toMatch(/OFAC SDN List\t.*\tversion \d{4}-\d{2}-\d{2}-incomplete\t.*INCOMPLETE: imported without alt\.csv/);
    } finally {
      await rm(rules, { recursive: true, force: true });
      await rm(src, { recursive: true, force: true });
    }
  });
});
