/** The CLI runs the same app: a shipment screened from a file is decided, stored, and its exit code says the decision. */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');

async function cli(args: string[], env: Record<string, string> = {}) {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: 'pglite:memory', LOG_LEVEL: 'silent', ...env },
      timeout: 600_000,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// Each test spawns the CLI (tsx + PGlite + migrations): tens of seconds on 2 cores, more under load.
describe('chokepoint CLI', { timeout: 600_000 }, () => {
  it('screen: prints the stored result and exits 4 for a BLOCK', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'chokepoint-cli-'));
    const file = path.join(dir, 'shipment.json');
    writeFileSync(file, JSON.stringify({ reference: 'CLI-CU', items: [{ model: 'NVIDIA L4', quantity: 2 }], route: { destination: 'CU' } }));
    const r = await cli(['screen', file], { CHOKEPOINT_ADMIN_KEY: 'cli-test-admin-key-0123456789abcdefghij' });
    expect(r.code, r.stderr).toBe(4);
    const out = JSON.parse(r.stdout);
    expect(out.decision).toBe('BLOCK');
    expect(out.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('screen: refuses to run without a key, and bad input exits 1 with the problem', async () => {
    const r = await cli(['screen', '-'], {});
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/API key/);
    const dir = mkdtempSync(path.join(tmpdir(), 'chokepoint-cli-'));
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ reference: 'CLI-BAD', items: [{ model: 'NVIDIA L4', quantity: 2 }], route: { destination: 'Atlantis' } }));
    const bad = await cli(['screen', file], { CHOKEPOINT_ADMIN_KEY: 'cli-test-admin-key-0123456789abcdefghij' });
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({ status: 400, errors: [{ field: '/route/destination' }] });
  });

  it('lists import: refuses a sharply shrunk list and keeps the active one; refuses an unknown format', async () => {
    const rules = mkdtempSync(path.join(tmpdir(), 'chokepoint-rules-'));
    cpSync(path.join(root, 'rules'), rules, { recursive: true });
    const manifestBefore = readFileSync(path.join(rules, 'lists', 'manifest.yaml'), 'utf8');
    const shrunk = await cli(['lists', 'import', path.join(root, 'tests/fixtures/lists/csl-2019.csv')], { RULES_DIR: rules });
    expect(shrunk.code).toBe(1);
    expect(shrunk.stderr).toMatch(/refused: .*fewer than the active/);
    expect(readFileSync(path.join(rules, 'lists', 'manifest.yaml'), 'utf8')).toBe(manifestBefore);
    const format = await cli(['lists', 'import', 'x.csv', '--format', 'nope'], { RULES_DIR: rules });
    expect(format.code).toBe(64);
  });

  it('flags take --name=value as well as --name value; an unknown flag is a usage error', async () => {
    const r = await cli(['keys', 'create', '--role=submitter', '--name', 'SAP prod', '--holder=SAP S/4 production', '--rate-limit=6000']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/created submitter key .* for SAP S\/4 production/);
    const bad = await cli(['keys', 'create', '--role=submitter', '--name=x', '--colour=blue']);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toMatch(/--colour/);
  });

  it('an unknown command prints usage and exits 64', async () => {
    const r = await cli(['frobnicate']);
    expect(r.code).toBe(64);
    expect(r.stdout).toMatch(/usage: chokepoint/);
  });
});
