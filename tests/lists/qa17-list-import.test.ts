/**
 * QA 17: list imports that used to pass and must be refused (fail closed, the active list stays), and the
 * re-import of the active list, which used to store a second copy and rewrite the manifest.
 */
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importListFile, loadLists } from '../../src/lists/load.js';
import { parseListBytes, readListPath } from '../../src/lists/import.js';
import { ListValidationError } from '../../src/lists/validate.js';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'lists');
const EL = 'Entity List (EL) - Bureau of Industry and Security';
const NOW = () => new Date('2026-12-07T12:00:00Z');

function csl(rows: Array<[string, string, string]>): string {
  return ['_id,source,name,alt_names,addresses', ...rows.map(([id, source, name]) => `${id},${source},"${name}",,`)].join('\n') + '\n';
}
const many = (n: number): Array<[string, string, string]> => Array.from({ length: n }, (_, i) => [`E${i}`, EL, `Trading Company Number ${i}`]);

describe('lists import (QA 17)', () => {
  let rules: string;
  let work: string;
  const manifest = () => readFile(join(rules, 'lists', 'manifest.yaml'), 'utf8');
  const refused = async (file: string, opts: Record<string, unknown> = {}) => {
    const before = await manifest();
    const files = await readdir(join(rules, 'lists'));
    const err = await importListFile(file, { rulesDir: rules, now: NOW, ...opts }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ListValidationError);
    // Nothing changed: the active list stays in force.
    expect(await manifest()).toBe(before);
    expect(await readdir(join(rules, 'lists'))).toEqual(files);
    return (err as Error).message;
  };

  async function activate(text: string, file: string, generatedAt: string | null) {
    const bytes = Buffer.from(text);
    await writeFile(join(rules, 'lists', `${file}.gz`), gzipSync(bytes));
    const { source } = parseListBytes(bytes, file);
    await writeFile(
      join(rules, 'lists', 'manifest.yaml'),
      `lists:\n  - file: ${file}.gz\n    name: CSL\n    format: csl-csv\n    sha256: ${source.sha256}\n    entryCount: ${source.entryCount}\n    generatedAt: ${generatedAt ? `"${generatedAt}"` : 'null'}\n`,
    );
  }

  beforeEach(async () => {
    rules = await mkdtemp(join(tmpdir(), 'qa17-lists-'));
    work = await mkdtemp(join(tmpdir(), 'qa17-src-'));
    await mkdir(join(rules, 'lists'));
  });
  afterEach(async () => {
    await rm(rules, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  });

  it('the active list imported again changes nothing: no second copy, the manifest as it was', async () => {
    const text = csl(many(30));
    await activate(text, 'csl-2026-07-01.csv', '2026-07-01');
    const before = await manifest();
    const again = join(work, 'csl-2026-07-01.csv');
    await writeFile(again, text);
    const r = await importListFile(again, { rulesDir: rules, now: NOW });
    expect(r.unchanged).toBe(true);
    expect(r.storedAs).toBe('csl-2026-07-01.csv.gz');
    expect(await manifest()).toBe(before);
    expect(await readdir(join(rules, 'lists'))).toEqual(['csl-2026-07-01.csv.gz', 'manifest.yaml']);
  });

  it('refuses a list dated in the future or older than the active one; a newer one imports', async () => {
    await activate(csl(many(30)), 'csl-2026-07-01.csv', '2026-07-01');
    const future = join(work, 'csl-2027-03-01.csv');
    await writeFile(future, csl(many(31)));
    expect(await refused(future)).toMatch(/csl-2027-03-01\.csv is dated 2027-03-01, in the future \(today is 2026-12-07 UTC\)/);
    const older = join(work, 'csl-2026-06-01.csv');
    await writeFile(older, csl(many(31)));
    expect(await refused(older)).toMatch(/dated 2026-06-01, older than the active csl-2026-07-01\.csv\.gz \(2026-07-01\)/);
    const newer = join(work, 'csl-2026-12-07.csv');
    await writeFile(newer, csl(many(31)));
    const r = await importListFile(newer, { rulesDir: rules, now: NOW });
    expect(r.unchanged).toBeUndefined();
    expect(r.source.entryCount).toBe(31);
    expect(await manifest()).toMatch(/file: csl-2026-12-07\.csv\.gz/);
  });

  it('refuses one id given to two different entries of a list; the same row twice and one id on two lists pass', async () => {
    await activate(csl(many(30)), 'csl-2026-07-01.csv', null);
    const dup = join(work, 'csl-2026-08-01.csv');
    await writeFile(dup, csl([...many(30), ['E7', EL, 'Another Party Altogether']]));
    expect(await refused(dup)).toMatch(/gives the id "E7" on list EL to two different entries \(one is "Another Party Altogether"\)/);
    const twins = join(work, 'csl-2026-08-02.csv');
    const sdn = 'Specially Designated Nationals (SDN) - Treasury Department';
    await writeFile(twins, csl([...many(30), many(30)[7]!, ['E7', sdn, 'Trading Company Number 7']]));
    expect((await importListFile(twins, { rulesDir: rules, now: NOW })).source.entryCount).toBe(32);
  });

  describe('OFAC legacy set', () => {
    async function ofacActive() {
      await activate(csl(many(30)), 'csl-2026-07-01.csv', null);
      const dir = join(work, 'ofac-sdn-2026-07-01');
      await cp(join(FIX, 'ofac-sdn-mini'), dir, { recursive: true });
      await importListFile(dir, { rulesDir: rules, now: NOW });
      await rm(dir, { recursive: true });
    }

    it('refuses alt.csv or add.csv given as the list, with or without --format: their rows are not SDN rows', async () => {
      await ofacActive();
      for (const f of ['alt.csv', 'add.csv']) {
        const file = join(work, f);
        await cp(join(FIX, 'ofac-sdn-mini', f), file);
        expect(await refused(file)).toMatch(/unrecognised list format/);
        // Named as the legacy format (--format ofac-legacy-csv), its rows were read as thousands of parties named 1, 2, 3 …
        expect(await refused(file, { format: 'ofac-legacy-csv' })).toMatch(/OFAC main file row 1 has [56] fields, a legacy SDN row has 12/);
      }
    });

    it('refuses an sdn.csv cut off in its last row, a repeated ent_num and a row without a name', async () => {
      await ofacActive();
      const sdn = await readFile(join(FIX, 'ofac-sdn-mini', 'sdn.csv'), 'utf8');
      const rows = sdn.trimEnd().split(/\r?\n/);
      const write = async (name: string, text: string) => {
        const dir = join(work, name);
        await cp(join(FIX, 'ofac-sdn-mini'), dir, { recursive: true });
        await writeFile(join(dir, 'sdn.csv'), text);
        return dir;
      };
      const cut = rows.slice(0, -1).join('\n') + '\n' + rows.at(-1)!.split(',').slice(0, 4).join(',') + '\n';
      expect(await refused(await write('cut', cut))).toMatch(/OFAC main file row 17 has 4 fields/);
      const repeated = [...rows, rows[3]!.replace(/"[^"]+"/, '"SOMEONE ELSE"')].join('\n') + '\n';
      expect(await refused(await write('repeated', repeated))).toMatch(/ent_num \d+ is repeated/);
      const unnamed = [rows[0]!.replace(/^(\d+),"[^"]*"/, '$1,"-0- "'), ...rows.slice(1)].join('\n') + '\n';
      expect(await refused(await write('unnamed', unnamed))).toMatch(/OFAC main file row 1 \(ent_num \d+\) has no name/);
    });

    it('a folder with --format other than ofac-legacy-csv is refused; the real set and its end-of-file mark still read', async () => {
      await ofacActive();
      const dir = join(work, 'ofac-sdn-2026-08-01');
      await cp(join(FIX, 'ofac-sdn-mini'), dir, { recursive: true });
      expect(await refused(dir, { format: 'csl-csv' })).toMatch(/is a folder \(the OFAC legacy CSV set\), not csl-csv/);
      // The published files end with a DOS end-of-file mark (0x1A) on a line of its own.
      await writeFile(join(dir, 'sdn.csv'), `${(await readFile(join(dir, 'sdn.csv'), 'utf8')).trimEnd()}\r\n\u001a`);
      expect((await readListPath(dir)).entries).toHaveLength(17);
    });
  });

  describe('BIS Denied Persons', () => {
    const real = () => readFile(join(FIX, 'bis-denied-persons.txt'), 'utf8');

    it('refuses a file cut off in its last row and a row without a name; the whole file reads, every row', async () => {
      const text = await real();
      const all = parseListBytes(Buffer.from(text), 'bis.txt').entries;
      expect(all).toHaveLength(text.trimEnd().split('\n').length - 1);
      await activate(csl(many(30)), 'csl-2026-07-01.csv', null);
      const lines = text.trimEnd().split('\n');
      const cut = join(work, 'bis-cut.txt');
      await writeFile(cut, [...lines.slice(0, -1), lines.at(-1)!.split('\t').slice(0, 3).join('\t')].join('\n') + '\n');
      expect(await refused(cut)).toMatch(/BIS Denied Persons file could not be parsed: .*(Invalid Record Length|fields)/i);
      const unnamed = join(work, 'bis-unnamed.txt');
      await writeFile(unnamed, [lines[0], lines[1]!.replace(/^"[^"]*"/, '""'), ...lines.slice(2)].join('\n') + '\n');
      expect(await refused(unnamed)).toMatch(/row 1 \(after the header\) has no Name/);
    });
  });

  it('a damaged gzip is refused, naming the damage', async () => {
    await activate(csl(many(30)), 'csl-2026-07-01.csv', null);
    const gz = gzipSync(Buffer.from(csl(many(31))));
    const bad = join(work, 'csl-2026-08-01.csv.gz');
    await writeFile(bad, gz.subarray(0, gz.length - 12));
    expect(await refused(bad)).toMatch(/could not be parsed \(.*(unexpected end of file|incorrect)/i);
  });

  it('the lists still load after the refusals', async () => {
    await activate(csl(many(30)), 'csl-2026-07-01.csv', '2026-07-01');
    const loaded = await loadLists(rules);
    expect(loaded.entries).toHaveLength(30);
  });
});
