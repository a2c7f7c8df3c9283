/**
 * HTTP screenings/s with durable storage on real Postgres, against two baselines measured in the
 * same run on the same machine (ratios are the figures that matter; these machines are noisy):
 *   - bare Fastify: a POST route echoing the same JSON body, no work (bench/bare-server.ts);
 *   - the durable floor: a bare route that group-commits the same request and one real result of
 *     the service to the same Postgres and answers after the commit (bench/floor-server.ts).
 * The service runs with the engine on the main thread and on 1 and 2 worker threads
 * (ENGINE_WORKERS), one after the other. Each server is its own child process; autocannon drives
 * them from this one. After each run the stored screenings are counted: every 201 must be a row.
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/http.ts [--seconds 10] [--workers 0,1,2]
 *
 * A throwaway database is created beside the one named and dropped at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { typicalShipment } from './fixtures.js';
import { createThrowawayDb } from './throwaway-db.js';
import { freePort } from './ports.js';

const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const seconds = Number(arg('--seconds')) || 10;
const workerCounts = (arg('--workers') ?? '0,1,2').split(',').map(Number);
const connections = 50;
const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const body = JSON.stringify(typicalShipment);
const adminKey = `bench_${randomBytes(24).toString('hex')}`;

/** Extra node flags for the servers, e.g. BENCH_SERVER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile them. */
const serverNodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);

function start(script: string, env: Record<string, string>, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...serverNodeArgs, '--import', 'tsx', script], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0', SEAL_INTERVAL_MS: '0' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 300_000;
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

async function stop(child: ChildProcess) {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

function run(url: string, headers: Record<string, string>, duration = seconds) {
  return autocannon({ url, method: 'POST', body, headers: { 'content-type': 'application/json', ...headers }, connections, duration });
}

async function count(url: string, table: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(`select count(*)::int as n from ${table}`)).rows[0].n;
  } finally {
    await c.end();
  }
}

const ok2xx = (r: Awaited<ReturnType<typeof autocannon>>) => (r as unknown as Record<'2xx', number>)['2xx'];

type Row = { name: string; r: Awaited<ReturnType<typeof autocannon>>; stored?: number; acknowledged?: number };

async function main() {
  const throwaway = await createThrowawayDb(adminUrl);
  const dbUrl = throwaway.url;
  const rows: Row[] = [];
  const auth = { authorization: `Bearer ${adminKey}` };
  try {
    const [barePort, svcPort, floorPort] = [await freePort(), await freePort(), await freePort()];
    const bare = await start('bench/bare-server.ts', {}, barePort);
    await run(`http://127.0.0.1:${barePort}/bare`, {}, 2);
    rows.push({ name: 'bare Fastify echo', r: await run(`http://127.0.0.1:${barePort}/bare`, {}) });
    await stop(bare);

    let resultFile = '';
    for (const workers of workerCounts) {
      const svc = await start('src/server.ts', { DATABASE_URL: dbUrl, CHOKEPOINT_ADMIN_KEY: adminKey, ENGINE_WORKERS: String(workers) }, svcPort);
      if (!resultFile) {
        // One real result of the service, for the floor to store and send.
        const res = await fetch(`http://127.0.0.1:${svcPort}/v1/screenings`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...auth } });
        resultFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'chokepoint-floor-')), 'result.json');
        writeFileSync(resultFile, await res.text());
      }
      await run(`http://127.0.0.1:${svcPort}/v1/screenings`, auth, 3); // warm-up: JIT, pool, matcher caches
      const before = await count(dbUrl, 'screenings');
      const r = await run(`http://127.0.0.1:${svcPort}/v1/screenings`, auth);
      const stored = (await count(dbUrl, 'screenings')) - before;
      rows.push({ name: `POST /v1/screenings, durable, ENGINE_WORKERS=${workers}`, r, stored, acknowledged: ok2xx(r) });
      await stop(svc);
    }

    const floor = await start('bench/floor-server.ts', { DATABASE_URL: dbUrl, FLOOR_RESULT_FILE: resultFile }, floorPort);
    await run(`http://127.0.0.1:${floorPort}/floor`, {}, 2);
    const before = await count(dbUrl, 'floor_screenings');
    const fr = await run(`http://127.0.0.1:${floorPort}/floor`, {});
    rows.push({ name: `durable floor (same request + ${Buffer.byteLength(await (await import('node:fs/promises')).readFile(resultFile))} B result, group commit)`, r: fr, stored: (await count(dbUrl, 'floor_screenings')) - before, acknowledged: ok2xx(fr) });
    await stop(floor);

    const bareRate = rows[0]!.r.requests.average;
    const floorRate = fr.requests.average;
    console.log(`\nHTTP (${connections} connections, ${seconds}s each, Postgres ${new URL(dbUrl).host}, ${os.availableParallelism()} cores, load average ${os.loadavg()[0]!.toFixed(1)})`);
    console.log('| route | req/s | p50 ms | p99 ms | errors + non-2xx | acknowledged | stored | × bare | × floor |');
    console.log('|---|---|---|---|---|---|---|---|---|');
    let failed = false;
    for (const { name, r, stored, acknowledged } of rows) {
      const bad = r.errors + r.timeouts + r.non2xx;
      // Requests still in flight when autocannon stops are stored but not counted as answered:
      // stored may exceed acknowledged by up to one per connection, never fall short of it.
      if (bad > 0 || (stored !== undefined && stored < acknowledged!)) failed = true;
      console.log(
        `| ${name} | ${r.requests.average.toFixed(0)} | ${r.latency.p50} | ${r.latency.p99} | ${bad} | ${acknowledged ?? '–'} | ${stored ?? '–'} | ${(r.requests.average / bareRate).toFixed(3)} | ${(r.requests.average / floorRate).toFixed(2)} |`,
      );
    }
    console.log('\ntargets: screenings ≥ 0.7 × floor and ≥ 0.08 × bare, p99 ≤ 50 ms, zero errors, every acknowledged screening stored');
    if (failed) {
      console.log('FAILED: errors, or fewer rows stored than screenings acknowledged');
      process.exitCode = 1;
    }
  } finally {
    await throwaway.drop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
