/**
 * QA17, `chokepoint screen <file>`: the CLI picks the Content-Type from the file's extension, so a CSV export saved
 * as orders.ndjson used to be accepted and every line reported "not valid JSON". It is refused now (the upload's
 * 415: nothing stored, nothing screened), and the CLI says what the user can change: the file's extension.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { mislabelledHint } from '../../src/cli-batch.js';

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

const CSV = '\uFEFF"reference";"route_destination";"item_model";"item_quantity";"buyer_name";"buyer_country"\r\n"SO-1";"DE";"NVIDIA L4";"1";"Müller GmbH";"DE"\r\n';

describe('chokepoint screen with a file whose extension is not its format', { timeout: 300_000 }, () => {
  it('a CSV export saved as .ndjson is refused, nothing screened, and the CLI names the extension to use; saved as .csv it is screened', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'chokepoint-qa17-cli-'));
    const wrong = path.join(dir, 'orders.ndjson');
    writeFileSync(wrong, CSV);
    const refused = await screen([wrong, '--out', path.join(dir, 'results.csv')], dir);
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toMatch(/"status": 415/);
    expect(refused.stderr).toMatch(/orders\.ndjson is read by its extension.*save it as a \.csv file; nothing was screened/);
    expect(refused.stdout).not.toMatch(/batch [0-9a-f-]{36}/);

    const right = path.join(dir, 'orders.csv');
    writeFileSync(right, CSV);
    const ok = await screen([right, '--out', path.join(dir, 'results.csv')], dir);
    expect(ok.stdout, ok.stderr).toMatch(/batch [0-9a-f-]{36}: completed, 1 shipments/);
    expect(readFileSync(path.join(dir, 'results.csv'), 'utf8')).toMatch(/^line,reference,status.*\r?\n2,SO-1,screened,/);
  });

  it('mislabelledHint names the extension, or says a JSON array goes in a .json file', () => {
    expect(mislabelledHint('/x/orders.ndjson', 'The body looks like CSV (…): send it with Content-Type: text/csv')).toMatch(/orders\.ndjson .* save it as a \.csv file/);
    expect(mislabelledHint('/x/orders.csv', 'The body looks like NDJSON (…): send it with Content-Type: application/x-ndjson')).toMatch(/save it as a \.ndjson file/);
    expect(mislabelledHint('/x/orders.csv', 'The body looks like a JSON array (…): send it with Content-Type: application/json')).toMatch(/JSON array .*save it as orders\.json/);
    expect(mislabelledHint('/x/orders.csv', 'charset=shift_jis is not accepted')).toBeNull();
  });
});
