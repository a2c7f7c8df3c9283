/**
 * HTTP screenings/s with durable storage on real Postgres, next to a bare Fastify route that
 * echoes the same JSON body, in the same run on the same machine (the ratio is the figure that
 * matters; machines here are noisy). Each server runs in its own child process; autocannon
 * drives them from this one.
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/http.ts [--seconds 10]
 *
 * A throwaway database is created beside the one named and dropped at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import pg from 'pg';
import { typicalShipment } from './fixtures.js';
import { createThrowawayDb } from './throwaway-db.js';

const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 10;
const connections = 32;
const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const body = JSON.stringify(typicalShipment);
const adminKey = `bench_${randomBytes(24).toString('hex')}`;

function start(script: string, env: Record<string, string>, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 120_000;
    const poll = async () => {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/readyz`);
        if (r.ok) return resolve(child);
      } catch {}
      if (Date.now() > deadline || child.exitCode !== null) return reject(new Error(`${script} did not become ready`));
      setTimeout(poll, 300);
    };
    void poll();
  });
}

function run(url: string, headers: Record<string, string>) {
  return autocannon({ url, method: 'POST', body, headers: { 'content-type': 'application/json', ...headers }, connections, duration: seconds });
}

async function main() {
  const throwaway = await createThrowawayDb(adminUrl);
  const dbUrl = new URL(throwaway.url);
  const children: ChildProcess[] = [];
  try {
    children.push(await start('bench/bare-server.ts', {}, 3901));
    children.push(await start('src/server.ts', { DATABASE_URL: dbUrl.toString(), CHOKEPOINT_ADMIN_KEY: adminKey }, 3902));
    // Warm-up: JIT, pool connections, matcher caches.
    await run('http://127.0.0.1:3902/v1/screenings', { authorization: `Bearer ${adminKey}` });
    const bare = await run('http://127.0.0.1:3901/bare', {});
    const scr = await run('http://127.0.0.1:3902/v1/screenings', { authorization: `Bearer ${adminKey}` });
    const non2xx = scr.non2xx + scr.errors;
    const c = new pg.Client({ connectionString: dbUrl.toString() });
    await c.connect();
    const stored = (await c.query('select count(*)::int as n from screenings')).rows[0].n;
    await c.end();
    const ratio = scr.requests.average / bare.requests.average;
    console.log(`\nHTTP (${connections} connections, ${seconds}s each, Postgres ${dbUrl.host})`);
    console.log('| route | req/s | p50 ms | p99 ms | non-2xx |');
    console.log('|---|---|---|---|---|');
    console.log(`| bare Fastify echo | ${bare.requests.average.toFixed(0)} | ${bare.latency.p50} | ${bare.latency.p99} | ${bare.non2xx} |`);
    console.log(`| POST /v1/screenings (durable) | ${scr.requests.average.toFixed(0)} | ${scr.latency.p50} | ${scr.latency.p99} | ${non2xx} |`);
    console.log(`\nratio screening/bare = ${ratio.toFixed(2)} (target ≥ 0.5); rows stored: ${stored}`);
    if (non2xx > 0) process.exitCode = 1;
  } finally {
    for (const ch of children) ch.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1500));
    await throwaway.drop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
