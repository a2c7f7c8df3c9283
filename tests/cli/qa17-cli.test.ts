/**
 * QA 17, the CLI as an operator uses it: `--help` on every command prints its usage and does nothing
 * (`serve --help` started the server, `migrate --help` migrated, `openapi --help` wrote a file named "--help");
 * stray arguments and unknown flags are usage errors (64) everywhere; re-importing the active list is a no-op.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const work = mkdtempSync(path.join(tmpdir(), 'qa17-cli-'));

async function cli(args: string[], env: Record<string, string> = {}, cwd = root) {
  try {
    const r = await run(process.execPath, ['--import', path.join(root, 'node_modules/tsx/dist/esm/index.mjs'), path.join(root, 'src/cli.ts'), ...args], {
      cwd,
      env: { ...process.env, DATABASE_URL: 'pglite:memory', LOG_LEVEL: 'silent', LIST_CACHE_DIR: 'off', RULES_DIR: path.join(root, 'rules'), ...env },
      timeout: 120_000,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('chokepoint CLI (QA 17)', { timeout: 600_000 }, () => {
  it('--help / -h on every command prints its usage, exits 0 and runs nothing', async () => {
    const cwd = mkdtempSync(path.join(work, 'cwd-'));
    const commands = ['audit', 'keys', 'licences', 'lists', 'migrate', 'screen', 'serve', 'openapi'];
    const results = await Promise.all([
      ...commands.map((c) => cli([c, '--help'], {}, cwd)),
      cli(['lists', 'import', '-h'], {}, cwd),
      cli(['audit', 'verify', '--help'], {}, cwd),
    ]);
    for (const [i, r] of results.entries()) {
      const c = commands[i] ?? (i === commands.length ? 'lists' : 'audit');
      expect(r.code, `${c}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: chokepoint ${c} `));
      expect(r.stdout).not.toMatch(/migrations applied|wrote /);
    }
    // openapi --help wrote its document to a file named "--help" in the working folder.
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('stray arguments and unknown flags are usage errors (64), naming the problem, nothing done', async () => {
    const cwd = mkdtempSync(path.join(work, 'cwd-'));
    const shipment = path.join(work, 'one.json');
    writeFileSync(shipment, JSON.stringify({ reference: 'QA17', items: [{ model: 'NVIDIA L4', quantity: 2 }], route: { destination: 'DE' } }));
    const [migrate, serve, openapi, show, verify, seal, licences, licencesList, single] = await Promise.all([
      cli(['migrate', 'now'], {}, cwd),
      cli(['serve', '8080'], {}, cwd),
      cli(['openapi', 'a.json', 'b.json'], {}, cwd),
      cli(['lists', 'show', 'extra'], {}, cwd),
      cli(['audit', 'verify', 'everything'], {}, cwd),
      cli(['audit', 'seal', '--max-problems', '3'], {}, cwd),
      cli(['licences', 'import', 'x.csv', '--dry-run'], {}, cwd),
      cli(['licences', 'list', 'all'], {}, cwd),
      cli(['screen', shipment, '--out', path.join(cwd, 'r.json')], { CHOKEPOINT_ADMIN_KEY: 'qa17-cli-admin-key-0123456789abcdefghij' }, cwd),
    ]);
    expect(migrate.code, migrate.stderr).toBe(64);
    expect(migrate.stdout).not.toMatch(/migrations applied/);
    expect(serve.code, serve.stderr).toBe(64);
    expect(openapi.code).toBe(64);
    expect(show.code).toBe(64);
    expect(verify.code).toBe(64);
    expect(seal.code).toBe(64);
    expect(licences.code).toBe(64);
    expect(licences.stderr).toMatch(/--dry-run/);
    expect(licencesList.code).toBe(64);
    expect(single.code).toBe(64);
    expect(single.stderr).toMatch(/--out is for a batch file/);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('lists import of the active list again: "unchanged", exit 0, no second copy, manifest untouched', async () => {
    const rules = mkdtempSync(path.join(work, 'rules-'));
    cpSync(path.join(root, 'rules'), rules, { recursive: true, filter: (p) => !p.includes(`${path.sep}.cache`) });
    const before = readFileSync(path.join(rules, 'lists', 'manifest.yaml'), 'utf8');
    const files = readdirSync(path.join(rules, 'lists'));
    const r = await cli(['lists', 'import', path.join(rules, 'lists', 'consolidated-2026-07-31.csv.gz')], { RULES_DIR: rules });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/unchanged: .* is the active Consolidated Screening List \(trade\.gov\) already \(consolidated-2026-07-31\.csv\.gz, 25921 entries/);
    expect(readFileSync(path.join(rules, 'lists', 'manifest.yaml'), 'utf8')).toBe(before);
    expect(readdirSync(path.join(rules, 'lists'))).toEqual(files);
    expect(existsSync(path.join(rules, 'lists', 'consolidated-2026-07-31-2.csv.gz'))).toBe(false);
  });
});
