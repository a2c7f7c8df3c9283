/**
 * QA round 16, `chokepoint screen <batch file>`: an --out that cannot be written was found only after the whole file
 * was screened and stored — the run then died without its summary or batch id, and a run again screened the file a
 * second time. Now it is refused before anything is opened or screened, as is an input file that cannot be read.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { unreadableInput, unwritableOut } from '../../src/cli-batch.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');

async function screen(args: string[], dir: string) {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'screen', ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: `pglite:${path.join(dir, 'db')}`, LOG_LEVEL: 'silent', CHOKEPOINT_ADMIN_KEY: 'cli-test-admin-key-0123456789abcdefghij' },
      timeout: 240_000,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    return err as { code: number; stdout: string; stderr: string };
  }
}

describe('chokepoint screen <batch file>: paths checked first', { timeout: 300_000 }, () => {
  it('an --out in a missing folder or naming a folder is refused before the file is screened', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'chokepoint-qa16-out-'));
    const file = path.join(dir, 'orders.csv');
    writeFileSync(file, 'reference,route_destination,item_model,item_quantity\nO-1,DE,NVIDIA L4,1\n');
    const missing = await screen([file, '--out', path.join(dir, 'no-such-folder', 'results.csv')], dir);
    expect(missing.code, missing.stderr).toBe(1);
    expect(missing.stderr).toMatch(/cannot write --out .*no-such-folder.*nothing was screened/);
    expect(missing.stderr).not.toMatch(/\[[#.]+\]/); // no progress: no upload
    expect(missing.stdout).not.toMatch(/batch [0-9a-f-]{36}/);
    const folder = await screen([file, '--out', dir], dir);
    expect(folder.code).toBe(1);
    expect(folder.stderr).toMatch(/is a directory; name a file/);
    expect(folder.stdout).not.toMatch(/batch [0-9a-f-]{36}/);
    // The database was never opened: no embedded folder was made for it.
    await expect(import('node:fs/promises').then((fs) => fs.stat(path.join(dir, 'db')))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a missing input file is refused before the database is opened', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'chokepoint-qa16-in-'));
    const r = await screen([path.join(dir, 'nope.csv')], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot read .*nope\.csv.*nothing was screened/);
    await expect(import('node:fs/promises').then((fs) => fs.stat(path.join(dir, 'db')))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('unwritableOut and unreadableInput', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'chokepoint-qa16-paths-'));
    const f = path.join(dir, 'a.csv');
    writeFileSync(f, 'x');
    expect(await unwritableOut(path.join(dir, 'new.csv'))).toBeNull();
    expect(await unwritableOut(f)).toBeNull();
    expect(await unwritableOut(path.join(f, 'under-a-file.csv'))).toMatch(/not a directory/);
    expect(await unreadableInput(f)).toBeNull();
    expect(await unreadableInput(dir)).toMatch(/is a directory/);
  });
});
