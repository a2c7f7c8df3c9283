/**
 * Start time and idle memory of one service process: time from spawn to /readyz 200, and RSS
 * 5 s after, on embedded PGlite (a data folder, as `npm start`; `pglite` = in memory) and on Postgres with the engine on the main thread and
 * on 2 worker threads. Each start is a second start (the first run primes the OS file cache).
 * Each service is started without the party-list start cache (LIST_CACHE_DIR=off: parse the lists,
 * build the matcher index) and with a warm one (a throwaway cache folder, filled by the first start).
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/start.ts
 *     [--only pglite-dir,pglite,postgres,workers2] [--cache off,warm] [--dist]   (--dist: node dist/server.js; run `npm run build` first)
 *     [--compare DIR]   (A/B in the same run: the same rows for the checkout in DIR, e.g. a `git worktree` of the
 *                        commit before, built too with --dist; each second start of DIR right before this one's)
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import os from 'node:os';
import { adminSql, createThrowawayDb } from './throwaway-db.js';
import { freePort } from './ports.js';

const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const adminKey = `start_${randomBytes(24).toString('hex')}`;

async function measure(env: Record<string, string>, cwd: string): Promise<{ readyMs: number; rssMb: number }> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, dist ? ['dist/server.js'] : ['--import', 'tsx', 'src/server.ts'], {
    cwd,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', CHOKEPOINT_ADMIN_KEY: adminKey },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    for (;;) {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null))?.ok) break;
      if (child.exitCode !== null) throw new Error('service exited');
      await new Promise((r) => setTimeout(r, 50));
    }
    const readyMs = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 5_000));
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
    return { readyMs, rssMb: Number(m?.[1] ?? 0) / 1024 };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

async function namedThrowawayDb(serverUrl: string, prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  if (!/^[a-z_][a-z0-9_]*$/.test(prefix)) throw new Error('BENCH_DB_PREFIX: lower-case letters, digits and _ only');
  const name = `${prefix}_${randomBytes(3).toString('hex')}`;
  await adminSql(serverUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => adminSql(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : dflt;
}
const dist = process.argv.includes('--dist');
const only = arg('--only', 'pglite-dir,postgres,workers2').split(',');
const cacheModes = arg('--cache', 'off,warm').split(',');
const compare = process.argv.includes('--compare') ? resolve(arg('--compare', '')) : null;

// A database of our own, named by BENCH_DB_PREFIX when the machine's rules ask for one (e.g. h_<name>_start).
const throwaway = process.env.BENCH_DB_PREFIX ? await namedThrowawayDb(adminUrl, process.env.BENCH_DB_PREFIX) : await createThrowawayDb(adminUrl);
// Per checkout: a list cache and an embedded data folder (what `npm start` uses without DATABASE_URL) of its own.
const checkouts = [...(compare ? [{ label: 'compare', cwd: compare }] : []), { label: compare ? 'this' : '', cwd: process.cwd() }].map((c) => ({
  ...c,
  cacheDir: mkdtempSync(join(os.tmpdir(), 'chokepoint-start-cache-')),
  dataDir: mkdtempSync(join(os.tmpdir(), 'chokepoint-start-data-')),
}));
const load = () => os.loadavg()[0]!.toFixed(1);
try {
  const runs: Array<[string, string, (c: (typeof checkouts)[number]) => Record<string, string>]> = [
    ['pglite-dir', 'PGlite data folder (as npm start), ENGINE_WORKERS=0', (c) => ({ DATABASE_URL: `pglite:${c.dataDir}`, ENGINE_WORKERS: '0' })],
    ['pglite', 'PGlite in memory, ENGINE_WORKERS=0', () => ({ DATABASE_URL: 'pglite:memory', ENGINE_WORKERS: '0' })],
    ['postgres', 'Postgres, ENGINE_WORKERS=0', () => ({ DATABASE_URL: throwaway.url, ENGINE_WORKERS: '0' })],
    ['workers2', 'Postgres, ENGINE_WORKERS=2', () => ({ DATABASE_URL: throwaway.url, ENGINE_WORKERS: '2' })],
  ];
  console.log(`\nStart and idle memory (${dist ? 'node dist/server.js' : 'tsx src/server.ts'}, ${os.availableParallelism()} cores, load average ${load()})`);
  console.log(`| ${compare ? 'checkout | ' : ''}service | party-list cache | ready after s (second start) | idle RSS MB | load average |`);
  console.log(`|${compare ? '---|' : ''}---|---|---|---|---|`);
  for (const [id, name, env] of runs) {
    if (!only.includes(id)) continue;
    for (const mode of cacheModes) {
      const envFor = (c: (typeof checkouts)[number]) => ({ ...env(c), LIST_CACHE_DIR: mode === 'warm' ? c.cacheDir : 'off' });
      for (const c of checkouts) await measure(envFor(c), c.cwd); // first start: file cache, migrations, and the list cache written
      for (const c of checkouts) {
        const { readyMs, rssMb } = await measure(envFor(c), c.cwd);
        console.log(`| ${compare ? `${c.label === 'compare' ? compare : 'this checkout'} | ` : ''}${name} | ${mode === 'warm' ? 'warm' : 'none'} | ${(readyMs / 1000).toFixed(1)} | ${rssMb.toFixed(0)} | ${load()} |`);
      }
    }
  }
} finally {
  for (const c of checkouts) {
    rmSync(c.cacheDir, { recursive: true, force: true });
    rmSync(c.dataDir, { recursive: true, force: true });
  }
  await throwaway.drop();
}
