/**
 * QA 15: importing party lists fails closed on what an import used to let through.
 * - a list in another encoding than UTF-8 (Latin-1) was imported with U+FFFD in place of its accented letters;
 * - a combined list (the CSL) that lost a whole sub-list (the Denied Persons List: 6 % of the CSL) passed the 10 % shrink check;
 * - an OFAC folder imported again under the name of the active folder was merged into it: stale files stayed, the
 *   import reported success and the lists no longer loaded (every service refused to start);
 * - an import after which the ruleset did not load stayed in the manifest.
 */
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importListFile, loadLists } from '../../src/lists/load.js';
import { parseListBytes } from '../../src/lists/import.js';
import { ListValidationError } from '../../src/lists/validate.js';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'lists');
const EL = 'Entity List (EL) - Bureau of Industry and Security';
const DPL = 'Denied Persons List (DPL) - Bureau of Industry and Security';
const CAP = 'Capta List (CAP) - Treasury Department';

/** A minimal current-layout CSL CSV: `rows` of [id, source, name]. */
function csl(rows: Array<[string, string, string]>, eol = '\n'): string {
  return ['_id,source,name,alt_names,addresses', ...rows.map(([id, source, name]) => `${id},${source},"${name}",,`)].join(eol) + eol;
}
const many = (prefix: string, source: string, n: number, from = 0): Array<[string, string, string]> =>
  Array.from({ length: n }, (_, i) => [`${prefix}${from + i}`, source, `${prefix} Trading Company Number ${from + i}`]);

describe('lists import (QA 15)', () => {
  let rules: string;
  let work: string;

  /** Makes `text` the active list of the rules folder. */
  async function activate(text: string, file = 'csl-2026-07-01.csv') {
    const bytes = Buffer.from(text);
    await writeFile(join(rules, 'lists', `${file}.gz`), gzipSync(bytes));
    const { source } = parseListBytes(bytes, file);
    await writeFile(
      join(rules, 'lists', 'manifest.yaml'),
      `lists:\n  - file: ${file}.gz\n    name: CSL\n    format: csl-csv\n    sha256: ${source.sha256}\n    entryCount: ${source.entryCount}\n    generatedAt: null\n`,
    );
  }

  beforeEach(async () => {
    rules = await mkdtemp(join(tmpdir(), 'qa15-lists-'));
    work = await mkdtemp(join(tmpdir(), 'qa15-src-'));
    await mkdir(join(rules, 'lists'));
  });
  afterEach(async () => {
    await rm(rules, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  });

  describe('encoding', () => {
    const text = csl([...many('E', EL, 20), ['X1', DPL, 'ADRIÁN MANUEL HERNÁNDEZ']]);

    it('refuses a Latin-1 file, naming the first bad byte and its line, and leaves the manifest alone', async () => {
      await activate(csl(many('E', EL, 20)));
      const before = await readFile(join(rules, 'lists', 'manifest.yaml'), 'utf8');
      const latin1 = join(work, 'csl-2026-08-01.csv');
      await writeFile(latin1, Buffer.from(text, 'latin1'));
      const err = await importListFile(latin1, { rulesDir: rules }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ListValidationError);
      expect((err as Error).message).toMatch(/not UTF-8: invalid byte 0xc1 at byte \d+ \(line 22\)/);
      expect(await readFile(join(rules, 'lists', 'manifest.yaml'), 'utf8')).toBe(before);
      expect(await readdir(join(rules, 'lists'))).toEqual(['csl-2026-07-01.csv.gz', 'manifest.yaml']);
    });

    it('reads the same list in UTF-8 (with or without a BOM, LF or CRLF) and in UTF-16 with a BOM alike, names intact', () => {
      const names = (bytes: Buffer) => parseListBytes(bytes, 'csl.csv').entries.map((e) => e.name);
      const utf8 = names(Buffer.from(text));
      expect(utf8).toContain('ADRIÁN MANUEL HERNÁNDEZ');
      expect(names(Buffer.from(`\ufeff${text}`))).toEqual(utf8);
      expect(names(Buffer.from(text.replace(/\n/g, '\r\n')))).toEqual(utf8);
      expect(names(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]))).toEqual(utf8);
      // The same bytes as Latin-1: refused, not read as "ADRI\uFFFDN …".
      expect(() => parseListBytes(Buffer.from(text, 'latin1'), 'csl.csv')).toThrow(/not UTF-8/);
    });

    it('a stored list that is not UTF-8 fails the load (fail closed), it is not loaded with mangled names', async () => {
      const bytes = Buffer.from(text, 'latin1');
      await writeFile(join(rules, 'lists', 'csl.csv.gz'), gzipSync(bytes));
      const sha = (await import('node:crypto')).createHash('sha256').update(bytes).digest('hex');
      await writeFile(join(rules, 'lists', 'manifest.yaml'), `lists:\n  - file: csl.csv.gz\n    name: CSL\n    format: csl-csv\n    sha256: ${sha}\n    entryCount: 21\n`);
      await expect(loadLists(rules)).rejects.toThrow(/csl\.csv\.gz cannot be loaded: the file is not UTF-8/);
    });
  });

  it('a manifest naming one file twice fails the load instead of loading every entry twice', async () => {
    await activate(csl(many('E', EL, 20)));
    const manifest = await readFile(join(rules, 'lists', 'manifest.yaml'), 'utf8');
    await expect(loadLists(rules)).resolves.toMatchObject({ entries: expect.any(Array) });
    await writeFile(join(rules, 'lists', 'manifest.yaml'), manifest + manifest.replace(/^lists:\n/, ''));
    await expect(loadLists(rules)).rejects.toThrow(/lists\[1\]\.file "csl-2026-07-01\.csv\.gz" is named twice/);
  });

  describe('a sub-list that vanishes from a combined list', () => {
    // 200 Entity List + 12 Denied Persons + 1 Capta entries: the DPL is 5.7 % of the file.
    const active = [...many('E', EL, 200), ...many('D', DPL, 12), ['C0', CAP, 'Capta Entry'] as [string, string, string]];

    it('is refused, naming the list and both counts, though the whole file shrank by less than LIST_MAX_SHRINK', async () => {
      await activate(csl(active));
      const before = await readFile(join(rules, 'lists', 'manifest.yaml'), 'utf8');
      const next = join(work, 'csl-2026-08-01.csv');
      await writeFile(next, csl([...many('E', EL, 205), ['C0', CAP, 'Capta Entry']]));
      const err = await importListFile(next, { rulesDir: rules }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ListValidationError);
      expect((err as Error).message).toMatch(/DPL 0 \(active 12, 100\.0 % fewer\)/);
      expect(await readFile(join(rules, 'lists', 'manifest.yaml'), 'utf8')).toBe(before);
      // An operator who means it raises the limit for one import.
      await expect(importListFile(next, { rulesDir: rules, maxShrink: 1 })).resolves.toMatchObject({ storedAs: 'csl-2026-08-01.csv.gz' });
    });

    it('twins that still import: a sub-list shrinking within the limit, a tiny list losing its one entry, a list growing', async () => {
      await activate(csl(active));
      const next = join(work, 'csl-2026-08-01.csv');
      // DPL 12 → 11 (8 %), CAP 1 → 0 (one entry: a delisting, under MIN_SUBLIST_DROP), EL 200 → 230.
      await writeFile(next, csl([...many('E', EL, 230), ...many('D', DPL, 11)]));
      const res = await importListFile(next, { rulesDir: rules });
      expect(res.source.entryCount).toBe(241);
      expect((await loadLists(rules)).entries).toHaveLength(241);
    });
  });

  describe('where an import is stored', () => {
    beforeEach(async () => {
      await activate(await readFile(join(FIX, 'csl-2019.csv'), 'utf8'), 'csl-2019.csv');
    });

    it('an OFAC folder imported again under the active folder’s name is stored beside it, and the lists still load', async () => {
      await importListFile(join(FIX, 'ofac-sdn-mini'), { rulesDir: rules, storeAs: 'ofac-sdn-2026-08-01' });
      const first = await readdir(join(rules, 'lists', 'ofac-sdn-2026-08-01'));
      // The same download again, this time without its comments file (OFAC publishes it separately).
      const again = join(work, 'ofac-sdn-2026-08-01');
      await mkdir(again);
      for (const f of ['sdn.csv', 'add.csv', 'alt.csv']) await cp(join(FIX, 'ofac-sdn-mini', f), join(again, f));
      const res = await importListFile(again, { rulesDir: rules });
      expect(res.storedAs).toBe('ofac-sdn-2026-08-01-2');
      expect(res.replaced?.file).toBe('ofac-sdn-2026-08-01');
      // The folder the manifest named until now is untouched, the new one holds only what was imported.
      expect(await readdir(join(rules, 'lists', 'ofac-sdn-2026-08-01'))).toEqual(first);
      expect((await readdir(join(rules, 'lists', 'ofac-sdn-2026-08-01-2'))).sort()).toEqual(['add.csv.gz', 'alt.csv.gz', 'sdn.csv.gz']);
      const { sources } = await loadLists(rules);
      expect(sources.map((s) => s.file)).toEqual(['csl-2019.csv.gz', 'ofac-sdn-2026-08-01-2']);
    });

    it('copies only the files of the OFAC set: a sub-folder or a stray file beside them does not break the import', async () => {
      const src = join(work, 'ofac-sdn-2026-09-01');
      await mkdir(join(src, 'old'), { recursive: true });
      await cp(join(FIX, 'ofac-sdn-mini'), src, { recursive: true });
      await writeFile(join(src, 'README.txt'), 'downloaded by hand\n');
      const res = await importListFile(src, { rulesDir: rules });
      expect((await readdir(join(rules, 'lists', res.storedAs))).sort()).toEqual(['add.csv.gz', 'alt.csv.gz', 'sdn.csv.gz', 'sdn_comments.csv.gz']);
      expect((await loadLists(rules)).entries).toHaveLength(115 + 17);
    });

    it('a single file imported again under the active file’s name never overwrites it', async () => {
      const text = await readFile(join(FIX, 'csl-2019.csv'), 'utf8');
      await activate(text, 'consolidated-2026-07-31.csv');
      const original = await readFile(join(rules, 'lists', 'consolidated-2026-07-31.csv.gz'));
      // A corrected download of the same day, same file name.
      const again = join(work, 'consolidated-2026-07-31.csv');
      await writeFile(again, text.replace('ADRIAN MANUEL HERNANDEZ', 'ADRIAN MANUEL HERNANDES'));
      const res = await importListFile(again, { rulesDir: rules });
      expect(res.storedAs).toBe('consolidated-2026-07-31-2.csv.gz');
      expect(await readFile(join(rules, 'lists', 'consolidated-2026-07-31.csv.gz'))).toEqual(original);
      const { sources, entries } = await loadLists(rules);
      expect(sources.map((s) => s.file)).toEqual(['consolidated-2026-07-31-2.csv.gz']);
      expect(entries.map((e) => e.name)).toContain('ADRIAN MANUEL HERNANDES');
    });

    it('is undone when the ruleset does not load with it: the previous manifest is back and the stored file gone', async () => {
      const before = await readFile(join(rules, 'lists', 'manifest.yaml'), 'utf8');
      const next = join(work, 'csl-2026-08-01.csv');
      // Another list than the active one (the active list imported again changes nothing, QA 17): one row more.
      const rows = (await readFile(join(FIX, 'csl-2019.csv'), 'utf8')).trimEnd().split('\n');
      await writeFile(next, [...rows, rows.at(-1)!.replace(/^([^,]*),/, '$1X,')].join('\n') + '\n');
      let sawNewManifest = false;
      const err = await importListFile(next, {
        rulesDir: rules,
        check: async () => {
          sawNewManifest = (await readFile(join(rules, 'lists', 'manifest.yaml'), 'utf8')).includes('csl-2026-08-01.csv.gz');
          throw new Error('chips.yaml at /chips: must be array');
        },
      }).catch((e: unknown) => e);
      expect(sawNewManifest).toBe(true);
      expect(err).toBeInstanceOf(ListValidationError);
      expect((err as Error).message).toMatch(/the ruleset does not load with it \(chips\.yaml at \/chips: must be array\)/);
      expect(await readFile(join(rules, 'lists', 'manifest.yaml'), 'utf8')).toBe(before);
      expect(await readdir(join(rules, 'lists'))).toEqual(['csl-2019.csv.gz', 'manifest.yaml']);
    });
  });
});

describe('chokepoint lists import (CLI, QA 15)', { timeout: 600_000 }, () => {
  const root = join(import.meta.dirname, '..', '..');
  async function cli(args: string[], env: Record<string, string>) {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    try {
      const r = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
        cwd: root,
        env: { ...process.env, DATABASE_URL: 'pglite:memory', LOG_LEVEL: 'silent', LIST_CACHE_DIR: 'off', ...env },
        timeout: 600_000,
      });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  it('refuses (exit 1) and puts the manifest back when the rule table does not load with the new list', async () => {
    const rules = await mkdtemp(join(tmpdir(), 'qa15-cli-rules-'));
    const src = await mkdtemp(join(tmpdir(), 'qa15-cli-src-'));
    try {
      await cp(join(root, 'rules'), rules, { recursive: true, filter: (p) => p !== join(root, 'rules', 'lists') && !p.startsWith(`${join(root, 'rules', 'lists')}/`) });
      await mkdir(join(rules, 'lists'), { recursive: true });
      const bytes = await readFile(join(FIX, 'csl-2019.csv'));
      await writeFile(join(rules, 'lists', 'csl-2019.csv.gz'), gzipSync(bytes));
      const { source } = parseListBytes(bytes, 'csl-2019.csv');
      await writeFile(
        join(rules, 'lists', 'manifest.yaml'),
        `lists:\n  - file: csl-2019.csv.gz\n    name: CSL\n    format: csl-csv\n    sha256: ${source.sha256}\n    entryCount: ${source.entryCount}\n    generatedAt: null\n`,
      );
      const manifestBefore = await readFile(join(rules, 'lists', 'manifest.yaml'), 'utf8');
      // The rule table is broken (someone is editing it): the import must not leave a manifest no service can start with.
      const chips = join(rules, 'chips.yaml');
      await writeFile(chips, (await readFile(chips, 'utf8')).replace(/^chips:/m, 'chipz:'));
      const next = join(src, 'csl-2026-08-01.csv');
      await writeFile(next, bytes);
      const r = await cli(['lists', 'import', next], { RULES_DIR: rules });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/refused: list refused: the ruleset does not load with it \(chips\.yaml/);
      expect(r.stderr).toMatch(/The active list stays in force/);
      expect(await readFile(join(rules, 'lists', 'manifest.yaml'), 'utf8')).toBe(manifestBefore);
      expect(await readdir(join(rules, 'lists'))).toEqual(['csl-2019.csv.gz', 'manifest.yaml']);
    } finally {
      await rm(rules, { recursive: true, force: true });
      await rm(src, { recursive: true, force: true });
    }
  });
});
