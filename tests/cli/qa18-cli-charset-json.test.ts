/**
 * QA 18, `chokepoint screen` as a Windows ERP's export reaches it:
 * - `--charset windows-1252` (the same charsets, labels and conversion as an upload declaring one to the API): a
 *   Windows-1252 CSV was refused line by line as invalid UTF-8, with no way to say what it is; one shipment's .json
 *   in Windows-1252 was worse — decoded leniently by the CLI, "Müller GmbH" was screened and sealed as "M�ller GmbH".
 *   Now it is refused (400, not valid UTF-8, with a hint naming --charset) unless --charset says what it is.
 * - a `.json` file holding a JSON array of shipments is a batch (it was sent as one shipment and refused); a JSON
 *   object is one shipment, as before.
 * On embedded storage, or on a fresh Postgres database when TEST_DATABASE_URL is set.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../../src/store/db.js';
import type { StorageConfig } from '../../src/config.js';
import { charsetOption } from '../../src/cli-screen.js';
import { freshStorage, PG_URL } from '../helpers/storage.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const work = mkdtempSync(path.join(tmpdir(), 'qa18-cli-charset-'));
const ADMIN = 'qa18-cli-admin-key-0123456789abcdefghij';
const drops: Array<() => Promise<void>> = [];

afterAll(async () => {
  for (const drop of drops) await drop();
  rmSync(work, { recursive: true, force: true });
});

/** Storage the CLI processes and the test share: a fresh Postgres database, or an embedded folder. */
async function storage(name: string): Promise<{ url: string; config: StorageConfig }> {
  if (PG_URL) {
    const fresh = await freshStorage();
    drops.push(fresh.drop);
    const config = fresh.storage as Extract<StorageConfig, { kind: 'postgres' }>;
    return { url: config.url, config };
  }
  const dataDir = path.join(work, `db-${name}`);
  return { url: `pglite:${dataDir}`, config: { kind: 'pglite-dir', dataDir } };
}

async function screen(args: string[], databaseUrl: string) {
  try {
    const r = await run(process.execPath, ['--import', path.join(root, 'node_modules/tsx/dist/esm/index.mjs'), path.join(root, 'src/cli.ts'), 'screen', ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent', LIST_CACHE_DIR: 'off', RULES_DIR: path.join(root, 'rules'), CHOKEPOINT_ADMIN_KEY: ADMIN },
      timeout: 240_000,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The screenings stored (the audit record): reference and the request's party names, as sealed. */
async function stored(config: StorageConfig): Promise<Array<{ reference: string; names: string[] }>> {
  const db = await openDatabase(config);
  try {
    const r = (await db.db.execute(sql`select reference, request::text as request from screenings order by reference`)) as unknown as { rows: Array<{ reference: string; request: string }> };
    return r.rows.map((row) => ({ reference: row.reference, names: ((JSON.parse(row.request) as { parties?: Array<{ name: string }> }).parties ?? []).map((p) => p.name) }));
  } finally {
    await db.close();
  }
}

const cp1252 = (text: string) => Buffer.from(text, 'latin1'); // every character used here is in Latin-1, where Windows-1252 agrees
const shipment = (reference: string, name: string, destination = 'DE') => ({
  reference,
  items: [{ model: 'NVIDIA L4', quantity: 2 }],
  route: { origin: 'US', destination },
  parties: [{ role: 'buyer', name, country: destination }],
});

describe('chokepoint screen --charset, and a .json array as a batch (QA 18)', { timeout: 600_000 }, () => {
  it('a Windows-1252 CSV: line errors and a hint without --charset; with it, the names are right in the results and the audit record', async () => {
    const file = path.join(work, 'orders.csv');
    writeFileSync(
      file,
      cp1252(
        [
          'reference,route_origin,route_destination,item_model,item_quantity,buyer_name,buyer_country',
          'W-1,US,FR,NVIDIA L4,2,Société Générale,FR',
          'W-2,US,DE,NVIDIA L4,1,Müller GmbH,DE',
          '',
        ].join('\r\n'),
      ),
    );
    expect(readFileSync(file).includes(Buffer.from([0xe9]))).toBe(true); // é as one byte: not UTF-8
    const [plain, declared] = await Promise.all([storage('csv-plain'), storage('csv-declared')]);
    const out = path.join(work, 'results.ndjson');
    const [without, withCharset] = await Promise.all([screen([file], plain.url), screen([file, '--charset', 'windows-1252', '--out', out], declared.url)]);

    // Without: what it was — every line refused as invalid UTF-8 (nothing mis-decoded, nothing stored under a wrong
    // name), now with the way out named.
    expect(without.code, without.stderr).toBe(2);
    expect(without.stdout).toMatch(/CLEAR 0 {2}REVIEW 0 {2}LICENSE_REQUIRED 0 {2}BLOCK 0 {2}invalid 2/);
    expect(without.stderr).toMatch(/line 2: \/: not valid UTF-8/);
    expect(without.stderr).toMatch(/orders\.csv is not UTF-8 .*run again with --charset windows-1252/);
    expect(await stored(plain.config)).toEqual([]);

    expect(withCharset.code, withCharset.stderr).not.toBe(1);
    expect(withCharset.stdout).toMatch(/completed, 2 shipments/);
    expect(withCharset.stdout).toMatch(/invalid 0 {2}failed 0/);
    expect(withCharset.stderr).not.toMatch(/not UTF-8/);
    const results = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { reference: string; status: string });
    expect(results.map((r) => [r.reference, r.status])).toEqual([['W-1', 'screened'], ['W-2', 'screened']]);
    expect(await stored(declared.config)).toEqual([
      { reference: 'W-1', names: ['Société Générale'] },
      { reference: 'W-2', names: ['Müller GmbH'] },
    ]);
  });

  it('one shipment in Windows-1252: refused as not UTF-8 without --charset (it was screened and sealed as "M�ller"); with it, screened as "Müller GmbH"', async () => {
    const file = path.join(work, 'one.json');
    writeFileSync(file, cp1252(JSON.stringify(shipment('W-J', 'Müller GmbH'))));
    const stdin = path.join(work, 'stdin.json');
    writeFileSync(stdin, cp1252(JSON.stringify(shipment('W-S', 'Société Générale', 'FR'))));
    const [plain, declared] = await Promise.all([storage('one-plain'), storage('one-declared')]);
    const without = await screen([file], plain.url);
    expect(without.code).toBe(1);
    expect(JSON.parse(without.stdout)).toMatchObject({ status: 400, detail: 'body: not valid UTF-8' });
    expect(without.stderr).toMatch(/one\.json is not UTF-8 .*--charset windows-1252/);
    expect(await stored(plain.config)).toEqual([]);

    const withCharset = await screen([file, '--charset=latin1'], declared.url);
    expect([0, 2], withCharset.stderr).toContain(withCharset.code);
    const printed = JSON.parse(withCharset.stdout) as { reference: string; decision: string };
    expect(printed.reference).toBe('W-J');
    const viaStdin = await run('sh', ['-c', `"${process.execPath}" --import "${path.join(root, 'node_modules/tsx/dist/esm/index.mjs')}" "${path.join(root, 'src/cli.ts')}" screen - --charset windows-1252 < "${stdin}"`], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: declared.url, LOG_LEVEL: 'silent', LIST_CACHE_DIR: 'off', RULES_DIR: path.join(root, 'rules'), CHOKEPOINT_ADMIN_KEY: ADMIN },
      timeout: 240_000,
    }).catch((err: { stdout: string }) => err);
    expect((JSON.parse(viaStdin.stdout) as { reference: string }).reference).toBe('W-S');
    expect(await stored(declared.config)).toEqual([
      { reference: 'W-J', names: ['Müller GmbH'] },
      { reference: 'W-S', names: ['Société Générale'] },
    ]);
  });

  it('--charset takes what the API takes; another is a usage error (64) before the database is opened', async () => {
    const file = path.join(work, 'any.csv');
    writeFileSync(file, 'reference,route_destination,item_model,item_quantity\nX-1,DE,NVIDIA L4,1\n');
    const dataDir = path.join(work, 'db-never');
    const results = await Promise.all(['shift_jis', 'utf-16le', '', 'windows-1252\r\nx-evil: 1'].map((c) => screen([file, `--charset=${c}`], `pglite:${dataDir}`)));
    for (const r of results) {
      expect(r.code, r.stderr).toBe(64);
      expect(r.stderr).toMatch(/--charset .* is not supported: use utf-8, windows-1252/);
    }
    expect(existsSync(dataDir)).toBe(false);
    // The API's set: its labels (WHATWG), case and white space aside.
    for (const ok of ['utf-8', 'UTF8', 'windows-1252', 'cp1252', 'ISO-8859-1', 'latin1', 'us-ascii', 'iso-8859-15', ' Windows-1252 ']) {
      expect(charsetOption(ok), ok).toMatchObject({ label: ok.trim().toLowerCase() });
    }
    expect(charsetOption(undefined)).toBeNull();
    expect(charsetOption('koi8-r')).toMatchObject({ error: expect.stringMatching(/not supported/) });
  });

  it('a .json file holding an array is screened as a batch (--out, summary, exit by decision); a JSON object stays one shipment', async () => {
    const arrayFile = path.join(work, 'orders.json');
    // A BOM and white space before the array, as an export may write it.
    writeFileSync(arrayFile, `\uFEFF \n${JSON.stringify([shipment('A-1', 'Northwind GmbH'), shipment('A-2', 'Cuba Trading', 'CU'), { reference: 'A-3', items: [] }], null, 2)}`);
    const objectFile = path.join(work, 'single.json');
    writeFileSync(objectFile, JSON.stringify(shipment('O-1', 'Northwind GmbH')));
    const ndjsonArray = path.join(work, 'orders-array.ndjson');
    writeFileSync(ndjsonArray, JSON.stringify([shipment('N-1', 'Northwind GmbH')]));
    const db = await storage('json');
    const out = path.join(work, 'array-results.csv');
    const batch = await screen([arrayFile, '--out', out], db.url);
    expect(batch.code, batch.stderr).toBe(4); // A-2 to Cuba: BLOCK
    expect(batch.stdout).toMatch(/completed, 3 shipments/);
    expect(batch.stdout).toMatch(/BLOCK 1 .*invalid 1/);
    const rows = readFileSync(out, 'utf8').trim().split('\r\n').map((l) => l.split(',').slice(1, 3).join(','));
    expect(rows).toEqual(['reference,status', 'A-1,screened', 'A-2,screened', 'A-3,invalid']);

    // One after the other: embedded storage is one process at a time.
    const single = await screen([objectFile], db.url);
    const singleOut = await screen([objectFile, '--out', path.join(work, 'x.csv')], db.url);
    const mislabelled = await screen([ndjsonArray], db.url);
    expect([0, 2], single.stderr).toContain(single.code);
    expect(JSON.parse(single.stdout)).toMatchObject({ reference: 'O-1', decision: expect.any(String) });
    expect(singleOut.code).toBe(64);
    expect(singleOut.stderr).toMatch(/--out is for a batch file/);
    expect(mislabelled.code).toBe(1);
    expect(mislabelled.stderr).toMatch(/orders-array\.ndjson looks like a JSON array of shipments: save it as orders-array\.json/);
    expect((await stored(db.config)).map((s) => s.reference)).toEqual(['A-1', 'A-2', 'O-1']);
  });
});
