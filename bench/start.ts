/**
 * Start time and idle memory of one service process: time from spawn to /readyz 200, and RSS
 * 5 s after, on embedded PGlite (in memory) and on Postgres with the engine on the main thread and
 * on 2 worker threads. Each start is a second start (the first run primes the OS file cache).
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/start.ts
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { createThrowawayDb } from './throwaway-db.js';

const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const adminKey = `start_${randomBytes(24).toString('hex')}`;

async function measure(env: Record<string, string>): Promise<{ readyMs: number; rssMb: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { ...process.env, ...env, PORT: '3905', HOST: '127.0.0.1', LOG_LEVEL: 'warn', CHOKEPOINT_ADMIN_KEY: adminKey },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    for (;;) {
      if ((await fetch('http://127.0.0.1:3905/readyz').catch(() => null))?.ok) break;
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

const throwaway = await createThrowawayDb(adminUrl);
try {
  const runs: Array<[string, Record<string, string>]> = [
    ['PGlite in memory, ENGINE_WORKERS=0', { DATABASE_URL: 'pglite:memory', ENGINE_WORKERS: '0' }],
    ['Postgres, ENGINE_WORKERS=0', { DATABASE_URL: throwaway.url, ENGINE_WORKERS: '0' }],
    ['Postgres, ENGINE_WORKERS=2', { DATABASE_URL: throwaway.url, ENGINE_WORKERS: '2' }],
  ];
  console.log(`\nStart and idle memory (tsx src/server.ts, ${os.availableParallelism()} cores, load average ${os.loadavg()[0]!.toFixed(1)})`);
  console.log('| service | ready after s (second start) | idle RSS MB |');
  console.log('|---|---|---|');
  for (const [name, env] of runs) {
    await measure(env); // first start: file cache, migrations
    const { readyMs, rssMb } = await measure(env);
    console.log(`| ${name} | ${(readyMs / 1000).toFixed(1)} | ${rssMb.toFixed(0)} |`);
  }
} finally {
  await throwaway.drop();
}
