/**
 * The CLI against a server really running on the same embedded (PGlite) folder. Before the data
 * folder lock, `keys create` printed a key the server never saw (and a restart erased), `audit
 * verify` died with a WebAssembly abort and exit 1 (which means "broken"), and `lists import`
 * changed RULES_DIR then failed to record it. Now each refuses at once, prints nothing on stdout,
 * exits 69 and says what to do; once the server is gone (even killed, leaving a stale lock) the
 * same commands work, and what they printed is really stored.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { lockPath } from '../../src/store/data-lock.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const ADMIN = 'server-lock-test-admin-key-0123456789abcdef';
const work = mkdtempSync(path.join(tmpdir(), 'chokepoint-lock-'));
const dataDir = path.join(work, 'pglite');
const rulesDir = path.join(work, 'rules');
cpSync(path.join(root, 'rules'), rulesDir, { recursive: true });
const env = { ...process.env, DATABASE_URL: `pglite:${dataDir}`, RULES_DIR: rulesDir, CHOKEPOINT_ADMIN_KEY: ADMIN, SEAL_INTERVAL_MS: '0', PORT: '0', LOG_LEVEL: 'info' };

async function cli(args: string[]) {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: root, env, timeout: 600_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

interface Server {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
  /** Everything the server wrote so far (JSON log lines: stdout is not a TTY here). */
  output: () => string;
}
const servers: Server[] = [];

/** Starts `src/server.ts` as its own process and waits for "Server listening at …". */
async function startServer(): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let out = '';
  servers.push({ child, url: '', exited, output: () => out });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 600_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
  return { child, url, exited, output: () => out };
}

const api = (server: Server, p: string, key: string, init: RequestInit = {}) =>
  fetch(`${server.url}${p}`, { ...init, headers: { authorization: `Bearer ${key}`, ...(init.body ? { 'content-type': 'application/json' } : {}) } });

afterAll(async () => {
  for (const s of servers) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
});

describe('CLI and a running server on the same embedded database', () => {
  it('refuses at once while the server holds the folder; works after it died; what it printed is stored', async () => {
    const first = await startServer();
    expect(existsSync(lockPath(dataDir))).toBe(true);

    const keys = await cli(['keys', 'create', '--role=submitter', '--name', 'ERP']);
    expect(keys.code, keys.stderr).toBe(69);
    expect(keys.stdout).toBe('');
    expect(keys.stderr).toContain(`pid ${first.child.pid}`);
    expect(keys.stderr).toMatch(/POST \/v1\/api-keys/);

    const verify = await cli(['audit', 'verify']);
    expect(verify.code, verify.stderr).toBe(69);
    expect(verify.stdout).toBe('');
    expect(verify.stderr).toMatch(/NOT CHECKED: .*in use by another process/);

    const manifestBefore = readFileSync(path.join(rulesDir, 'lists', 'manifest.yaml'), 'utf8');
    const imported = await cli(['lists', 'import', path.join(root, 'tests/fixtures/lists/csl-current-format-sample.csv')]);
    expect(imported.code, imported.stderr).toBe(69);
    expect(imported.stderr).toMatch(/refused, nothing was done/);
    expect(readFileSync(path.join(rulesDir, 'lists', 'manifest.yaml'), 'utf8')).toBe(manifestBefore);

    // The API is the way while the server runs: seal, then verify shows the latest seal hash.
    expect((await api(first, '/v1/audit/seal', ADMIN, { method: 'POST' })).status).toBe(200);
    const viaApi = (await (await api(first, '/v1/audit/verify', ADMIN)).json()) as { latestSeal: { sealHash: string } };
    expect(viaApi).toMatchObject({ ok: true, latestSeal: { sealNo: 1, sealHash: expect.stringMatching(/^[0-9a-f]{64}$/) } });

    // kill -9 leaves the lock behind: its process is dead, so the CLI takes it over.
    first.child.kill('SIGKILL');
    await first.exited;
    expect(existsSync(lockPath(dataDir))).toBe(true);

    const created = await cli(['keys', 'create', '--role', 'submitter', '--name=ERP', '--holder', 'SAP S/4 production']);
    expect(created.code, created.stderr).toBe(0);
    const key = created.stdout.trim().split('\n').at(-1) as string;
    expect(key).toMatch(/^ck_[0-9a-f]{8}_/);
    expect(existsSync(lockPath(dataDir))).toBe(false);

    const checked = await cli(['audit', 'verify']);
    expect(checked.code, checked.stderr).toBe(0);
    expect(checked.stderr).toContain(viaApi.latestSeal.sealHash);

    // The printed key is stored: a restarted server accepts it.
    const second = await startServer();
    expect((await api(second, '/v1/screenings', key)).status).toBe(200);
    // The terminal: the docs URL is announced; health polls leave no request lines at info.
    expect(second.output()).toContain(`API docs: ${second.url}/docs`);
    for (const p of ['/livez', '/readyz', '/livez']) expect((await fetch(`${second.url}${p}`)).status).toBe(200);
    expect((await api(second, '/v1/rules', key)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    expect(second.output()).toMatch(/"url":"\/v1\/rules"|"path":"\/v1\/rules"/);
    expect(second.output()).not.toMatch(/"path":"\/(livez|readyz)"/);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(existsSync(lockPath(dataDir))).toBe(false);
  }, 1_800_000);
});
