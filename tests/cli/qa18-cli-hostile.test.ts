/**
 * QA 18, `chokepoint screen` given hostile paths: `--out` naming the input file itself used to write the results
 * over the input once it had been screened (the user's file replaced by the results); it is refused before anything
 * is screened, as is a link to it. One shipment's path that is a folder is said as such, nothing screened.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { outIsInput } from '../../src/cli-batch.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const work = mkdtempSync(path.join(tmpdir(), 'qa18-cli-hostile-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function screen(args: string[], dataDir: string) {
  try {
    const r = await run(process.execPath, ['--import', path.join(root, 'node_modules/tsx/dist/esm/index.mjs'), path.join(root, 'src/cli.ts'), 'screen', ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: `pglite:${dataDir}`, LOG_LEVEL: 'silent', LIST_CACHE_DIR: 'off', RULES_DIR: path.join(root, 'rules'), CHOKEPOINT_ADMIN_KEY: 'qa18-cli-admin-key-0123456789abcdefghij' },
      timeout: 300_000,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('chokepoint screen, hostile paths (QA 18)', { timeout: 900_000 }, () => {
  it('--out naming the input file (or a link to it) is refused before anything is screened; the input is left as it was', async () => {
    const file = path.join(work, 'orders.csv');
    const content = 'reference,route_destination,item_model,item_quantity\r\nH-1,DE,NVIDIA L4,1\r\n';
    writeFileSync(file, content);
    const link = path.join(work, 'results-link.csv');
    symlinkSync(file, link);
    const dataDir = path.join(work, 'db');
    const itself = await screen([file, '--out', file], dataDir);
    expect(itself.code, itself.stderr).toBe(1);
    expect(itself.stderr).toMatch(/--out .*orders\.csv is the input file itself: the results would be written over it; name another file; nothing was screened/);
    expect(itself.stdout).not.toMatch(/batch [0-9a-f-]{36}/);
    const viaLink = await screen([file, '--out', link], dataDir);
    expect(viaLink.code, viaLink.stderr).toBe(1);
    expect(viaLink.stderr).toMatch(/is the input file itself/);
    expect(readFileSync(file, 'utf8')).toBe(content);
    // Refused before the database was opened.
    expect(existsSync(dataDir)).toBe(false);
  });

  it('one shipment: a folder named .json is said as such, nothing screened, no database opened', async () => {
    const folder = path.join(work, 'shipment.json');
    mkdirSync(folder);
    const dataDir = path.join(work, 'db-folder');
    const r = await screen([folder], dataDir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/shipment\.json is a directory, not a file to screen; nothing was screened/);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('outIsInput', async () => {
    const a = path.join(work, 'a.csv');
    writeFileSync(a, 'x');
    expect(await outIsInput(a, a)).toMatch(/is the input file itself/);
    expect(await outIsInput(a, path.join(work, '.', 'a.csv'))).toMatch(/is the input file itself/);
    expect(await outIsInput(a, path.join(work, 'new.csv'))).toBeNull();
  });
});
