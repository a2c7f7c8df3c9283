/** `chokepoint licences import`: a good file is recorded; a file with one bad row records nothing and names line and field. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');

async function cli(args: string[], env: Record<string, string>) {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: root, env: { ...process.env, LOG_LEVEL: 'silent', ...env }, timeout: 180_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('chokepoint licences', () => {
  it('imports the documented example, refuses a file with a bad row whole, and lists balances', { timeout: 600_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'chokepoint-licences-'));
    const env = { DATABASE_URL: `pglite:${path.join(dir, 'db')}` };
    const bad = path.join(dir, 'bad.csv');
    const example = readFileSync(path.join(root, 'docs/examples/licences.csv'), 'utf8');
    // Row 3 ends before it starts and names a country that does not exist.
    writeFileSync(bad, example.replace('KZ,Steppe Cloud LLP,KZ', 'Atlantis,Steppe Cloud LLP,KZ').replace('2028-02-29', '2025-02-28'));
    const refused = await cli(['licences', 'import', bad], env);
    expect(refused.code, refused.stderr).toBe(65);
    expect(refused.stderr).toMatch(/line 3: \/destination: unknown country "Atlantis"/);
    expect(refused.stderr).toMatch(/line 3: \/validTo: must not be before validFrom/);
    expect(refused.stderr).toMatch(/nothing recorded/);

    const ok = await cli(['licences', 'import', path.join(root, 'docs/examples/licences.csv')], env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/2 licence\(s\) recorded/);
    const again = await cli(['licences', 'import', path.join(root, 'docs/examples/licences.csv')], env);
    expect(again.code).toBe(65);
    expect(again.stderr).toMatch(/line 2: \/number: licence D1234567 is already on record/);
    // A new licence before one already on record: refused whole, the new one not recorded either.
    const [head, first, second] = example.trimEnd().split('\n');
    const mixed = path.join(dir, 'mixed.csv');
    writeFileSync(mixed, [head, second!.replace('D1234568', 'D7654321'), first].join('\n') + '\n');
    const refusedMixed = await cli(['licences', 'import', mixed], env);
    expect(refusedMixed.code, refusedMixed.stderr).toBe(65);
    expect(refusedMixed.stderr).toMatch(/line 3: \/number: licence D1234567 is already on record as /);
    expect(refusedMixed.stderr).toMatch(/nothing recorded: 1 problem/);
    expect(refusedMixed.stdout).not.toContain('recorded D7654321');

    const list = await cli(['licences', 'list'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/D1234567\s+active\s+VN\s+3A090\.a,4A090\.a\s+2026-01-15\.\.2027-01-14\s+qty 200 left\s+USD 6000000 left/);
    expect(list.stdout).toMatch(/D1234568\s+active\s+KZ/);
    expect(list.stdout).not.toContain('D7654321');
  });
});
