/**
 * Batch screening end to end on real Postgres — upload a CSV of N shipments (default 100,000) →
 * every shipment screened and stored → results downloaded — next to single-request HTTP screening
 * (autocannon, 32 connections; and, for context, one connection sending one order at a time) against
 * the same server in the same run. Reports the rates, their
 * ratio (target ≥ 4×), the CPU time each costs the service and Postgres (and, for single requests,
 * the load generator) per shipment, the server's RSS growth over the batch (target ≤ 100 MB) and its heap after a
 * full GC before and after each batch (retained data vs. heap the process merely keeps), and asserts
 * that every shipment is in the audit log exactly once and the results are complete.
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:batch -- \
 *     [--rows 100000] [--sizes 5000,20000,50000] [--seconds 10] [--max-minutes 120] [--cli] [--cli-rows 5000]
 *
 * --sizes runs one batch of each size after the other on the same server (memory by size);
 * --rows N is the same as --sizes N. --max-minutes bounds each batch's wait (the bench then reports
 * how far it got and fails). --cli also runs a file of --cli-rows shipments (default: the last size)
 * through `chokepoint screen file.csv --out results.csv`, with the server stopped.
 * A throwaway database is created beside the one named and dropped at the end (kept, and named,
 * with BENCH_KEEP_DB=1, to look into afterwards).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { typicalShipment } from './fixtures.js';
import { createThrowawayDb } from './throwaway-db.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name}: a positive number, not ${process.argv[i + 1]}`);
  return v;
};
const sizesArg = process.argv.indexOf('--sizes');
const sizes =
  sizesArg >= 0
    ? process.argv[sizesArg + 1]!.split(',').map((s) => {
        const n = Number(s.replace(/_/g, ''));
        if (!Number.isInteger(n) || n <= 0) throw new Error(`--sizes: whole numbers separated by commas, not ${s}`);
        return n;
      })
    : [arg('--rows', 100_000)];
const seconds = arg('--seconds', 10);
const maxMinutes = arg('--max-minutes', 180);
const withCli = process.argv.includes('--cli');
const cliRows = arg('--cli-rows', sizes[sizes.length - 1]!);
const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const adminKey = `bench_${randomBytes(24).toString('hex')}`;
const port = 3903;
/** Chunks in flight on the server (the service's default, 2, unless BATCH_WORKERS is set for the bench). */
const batchWorkers = process.env.BATCH_WORKERS ?? '2';
const base = `http://127.0.0.1:${port}`;
const auth = { authorization: `Bearer ${adminKey}` };
const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');
let stopping = false;
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);

const DESTINATIONS = ['DE', 'SG', 'JP', 'MY', 'AE', 'CN', 'FR', 'IN', 'HK', 'GB'];

/** N shipments in the documented CSV layout: three line items per shipment, parties by role, varied names and destinations. */
async function writeCsv(file: string, n: number, prefix: string) {
  const out = createWriteStream(file);
  const header = 'reference,ship_date,route_origin,route_via,route_destination,end_use,item_model,item_quantity,item_unit_price_usd,item_hs_code,item_description,buyer_name,buyer_country,buyer_business_type,ultimate_consignee_name,ultimate_consignee_country,freight_forwarder_name,freight_forwarder_country,payer_name,payer_country\n';
  out.write(header);
  for (let i = 0; i < n; i++) {
    const ref = `${prefix}-${String(i).padStart(7, '0')}`;
    const dest = DESTINATIONS[i % DESTINATIONS.length]!;
    const buyer = `Northwind Compute ${i % 5000} GmbH`;
    const [a, b, c] = typicalShipment.items;
    let text = `${ref},2026-11-30,US,NL,${dest},${typicalShipment.endUse},${a!.model},${a!.quantity},${a!.unitPriceUsd},,,${buyer},${dest},cloud,${buyer} DC,${dest},Rhein Logistics AG,DE,${buyer},${dest}\n`;
    text += `${ref},,,,,,${b!.model},${b!.quantity},${b!.unitPriceUsd},,,,,,,,,,,\n`;
    text += `${ref},,,,,,${c!.model},${c!.quantity},,${c!.hsCode},${c!.description},,,,,,,,,\n`;
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN; // the server has exited
  }
}

/**
 * CPU seconds (user + system) a process has used so far, with `children` also those of its children
 * that have exited and been waited for; 0 once it has exited.
 */
function cpuSeconds(pid: number, children = false, statFile = `/proc/${pid}/stat`): number {
  try {
    const f = readFileSync(statFile, 'utf8').split(') ')[1]!.split(' ');
    // utime, stime, cutime, cstime in clock ticks (USER_HZ = 100)
    return (Number(f[11]) + Number(f[12]) + (children ? Number(f[13]) + Number(f[14]) : 0)) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds of a process's main thread (the event loop; engine workers are other threads). */
const mainThreadCpuSeconds = (pid: number) => cpuSeconds(pid, false, `/proc/${pid}/task/${pid}/stat`);

/**
 * CPU seconds of Postgres on this machine: every live postgres process (backends, background
 * workers) plus, through the postmaster's children counters, those that have exited (a backend
 * closed by the pool, an autovacuum worker).
 */
function postgresCpuSeconds(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') total += cpuSeconds(Number(entry), true);
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

interface MemorySample {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

/** The server's memory after a full GC (bench/memory-probe.mjs answers SIGWINCH); null if it did not answer. */
async function memoryAfterGc(server: ChildProcess, file: string): Promise<MemorySample | null> {
  rmSync(file, { force: true });
  server.kill('SIGWINCH');
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 100));
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as MemorySample;
  }
  return null;
}

/** Extra node flags for the server process, e.g. BENCH_SERVER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile it. */
const serverNodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);

function startServer(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...serverNodeArgs, '--expose-gc', '--import', './bench/memory-probe.mjs', '--import', 'tsx', 'src/server.ts'], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0', SEAL_INTERVAL_MS: '0' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    if (!stopping) console.error(`the server exited (code ${code}, signal ${signal})`);
  });
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 300_000;
    const poll = async () => {
      try {
        if ((await fetch(`${base}/readyz`)).ok) return resolve(child);
      } catch {}
      if (Date.now() > deadline || child.exitCode !== null) return reject(new Error('the server did not become ready'));
      setTimeout(poll, 300);
    };
    void poll();
  });
}

/** GET with a few retries: a poll that times out under load is not a failed batch. */
async function getJson<T>(url: string): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      const res = await fetch(url, { headers: auth, signal: AbortSignal.timeout(60_000) });
      if (res.ok) return (await res.json()) as T;
      if (i >= 5) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
    } catch (err) {
      if (i >= 5) throw err;
    }
    await new Promise((r) => setTimeout(r, 1000 * i));
  }
}

interface BatchState {
  state: string;
  done: number;
  total: number;
  screened: number;
  failed: number;
  invalid: number;
  counts: Record<string, number>;
  failure?: unknown;
}

interface BatchRun {
  rows: number;
  ok: boolean;
  rate: number;
  uploadS: number;
  screenS: number;
  downloadS: number;
  resultRows: number;
  rssBefore: number;
  rssMax: number;
  rssAfter: number;
  heapBefore: MemorySample | null;
  heapAfter: MemorySample | null;
  loadStart: string;
  loadEnd: string;
  /** CPU time per shipment from upload to all stored, in µs: the service process and all of Postgres. */
  serviceCpuUs: number;
  /** Of which the service's main thread (with ENGINE_WORKERS > 0 the engine runs on other threads). */
  mainThreadCpuUs: number;
  postgresCpuUs: number;
  counts: Record<string, number>;
  check: string;
}

async function runBatch(server: ChildProcess, db: pg.Client, dir: string, n: number, k: number): Promise<BatchRun> {
  const prefix = `BB${k}`;
  const csv = path.join(dir, `shipments-${k}.csv`);
  await writeCsv(csv, n, prefix);
  console.log(`\nbatch ${k}: ${n.toLocaleString('en-US')} shipments (${(statSync(csv).size / 1e6).toFixed(1)} MB CSV), load ${load()}`);
  const probe = path.join(dir, 'memory.json');
  const heapBefore = await memoryAfterGc(server, probe);
  const rssBefore = rssMb(server.pid!);
  let rssMax = rssBefore;
  const sampler = setInterval(() => {
    const now = rssMb(server.pid!);
    if (now > rssMax) rssMax = now;
  }, 250);
  const loadStart = load();
  const cpu0 = { service: cpuSeconds(server.pid!), main: mainThreadCpuSeconds(server.pid!), postgres: postgresCpuSeconds() };
  const t0 = Date.now();
  try {
    const res = await fetch(`${base}/v1/batches`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'text/csv' },
      body: Readable.toWeb(createReadStream(csv)) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    const receipt = (await res.json()) as { id: string; total: number; invalid: number };
    if (res.status !== 202) throw new Error(`upload: ${res.status} ${JSON.stringify(receipt)}`);
    const tUploaded = Date.now();
    console.log(`  uploaded in ${((tUploaded - t0) / 1000).toFixed(1)} s (batch ${receipt.id})`);
    let batch: BatchState;
    let lastLog = Date.now();
    const deadline = t0 + maxMinutes * 60_000;
    for (;;) {
      batch = await getJson<BatchState>(`${base}/v1/batches/${receipt.id}`);
      if (batch.state !== 'running') break;
      if (Date.now() > deadline) {
        console.log(`  gave up waiting after ${maxMinutes} min (--max-minutes): ${batch.done}/${batch.total} done`);
        break;
      }
      if (Date.now() - lastLog > 30_000) {
        lastLog = Date.now();
        console.log(`  ${batch.done.toLocaleString('en-US')}/${batch.total.toLocaleString('en-US')} after ${((Date.now() - t0) / 1000).toFixed(0)} s, RSS ${rssMb(server.pid!).toFixed(0)} MB, load ${load()}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    const tStored = Date.now();
    const cpu1 = { service: cpuSeconds(server.pid!), main: mainThreadCpuSeconds(server.pid!), postgres: postgresCpuSeconds() };
    let lines = 0;
    const dl = await fetch(`${base}/v1/batches/${receipt.id}/results?format=csv`, { headers: auth });
    for await (const chunk of dl.body as unknown as AsyncIterable<Uint8Array>) for (const byte of chunk) if (byte === 10) lines++;
    const tDownloaded = Date.now();
    const rssAfter = rssMb(server.pid!);
    const heapAfter = await memoryAfterGc(server, probe);

    const q = async (text: string, values: unknown[] = []) => (await db.query(text, values)).rows[0];
    const links = await q('select count(*)::int as n, count(distinct screening_id)::int as distinct_screenings from batch_results where batch_id = $1', [receipt.id]);
    const stored = await q('select count(*)::int as n, count(distinct reference)::int as refs from screenings where reference like $1', [`${prefix}-%`]);
    const ok =
      batch.state === 'completed' && batch.screened === n && lines - 1 === n && links.n === n && links.distinct_screenings === n && stored.n === n && stored.refs === n;
    const check = `state ${batch.state}, screened ${batch.screened}, result rows ${lines - 1}, links ${links.n}, distinct screenings ${links.distinct_screenings}, stored ${stored.n}, distinct references ${stored.refs}`;
    if (batch.failure) console.log(`  failure: ${JSON.stringify(batch.failure)}`);
    return {
      rows: n,
      ok,
      rate: n / ((tStored - t0) / 1000),
      uploadS: (tUploaded - t0) / 1000,
      screenS: (tStored - tUploaded) / 1000,
      downloadS: (tDownloaded - tStored) / 1000,
      resultRows: lines - 1,
      rssBefore,
      rssMax,
      rssAfter,
      heapBefore,
      heapAfter,
      loadStart,
      loadEnd: load(),
      serviceCpuUs: ((cpu1.service - cpu0.service) / n) * 1e6,
      mainThreadCpuUs: ((cpu1.main - cpu0.main) / n) * 1e6,
      postgresCpuUs: ((cpu1.postgres - cpu0.postgres) / n) * 1e6,
      counts: batch.counts,
      check,
    };
  } finally {
    clearInterval(sampler);
    rmSync(csv, { force: true });
  }
}

async function main() {
  const dir = mkdtempSync(path.join(tmpdir(), 'chokepoint-bench-batch-'));
  const throwaway = await createThrowawayDb(adminUrl);
  const dbUrl = throwaway.url;
  let server: ChildProcess | undefined;
  // Interrupted (Ctrl-C, a time box): stop the server and drop the throwaway database all the same.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.log(`\n${signal}: stopping the server, dropping ${throwaway.name}`);
      stopping = true;
      server?.kill('SIGTERM');
      void throwaway.drop().finally(() => process.exit(130));
    });
  }
  const db = new pg.Client({ connectionString: dbUrl });
  const started = new Date().toISOString();
  try {
    server = await startServer({ DATABASE_URL: dbUrl, CHOKEPOINT_ADMIN_KEY: adminKey, BATCH_WORKERS: batchWorkers, MEMORY_PROBE_FILE: path.join(dir, 'memory.json') });
    await db.connect();
    const body = JSON.stringify(typicalShipment);
    const cannon = (duration: number, connections = 32) =>
      autocannon({ url: `${base}/v1/screenings`, method: 'POST', body, headers: { 'content-type': 'application/json', ...auth }, connections, duration });
    await cannon(3); // warm-up
    const loadSingle = load();
    const singleCpu0 = { service: cpuSeconds(server.pid!), postgres: postgresCpuSeconds(), cannon: process.cpuUsage() };
    const single = await cannon(seconds);
    const singleRate = single.requests.average;
    const cannonCpu = process.cpuUsage(singleCpu0.cannon);
    const perRequest = (cpuS: number) => ((cpuS / Math.max(1, single.requests.average * seconds)) * 1e6).toFixed(0);
    const singleCpu = `CPU per request: service ${perRequest(cpuSeconds(server.pid!) - singleCpu0.service)} µs, Postgres ${perRequest(postgresCpuSeconds() - singleCpu0.postgres)} µs, load generator ${perRequest((cannonCpu.user + cannonCpu.system) / 1e6)} µs`;
    console.log(`single-request POST /v1/screenings: ${singleRate.toFixed(1)} req/s (32 connections, ${seconds} s), p50 ${single.latency.p50} ms, p99 ${single.latency.p99} ms, non-2xx ${single.non2xx}, errors ${single.errors}, load ${loadSingle}; ${singleCpu}`);
    // For context only (the target is against the 32 connections above, the service's single-request
    // throughput): an ERP that sends one order and waits for its answer before the next, as most do today.
    const oneAtATime = await cannon(seconds, 1);
    const oneRate = oneAtATime.requests.average;
    console.log(`one at a time (1 connection, ${seconds} s): ${oneRate.toFixed(1)} req/s, p50 ${oneAtATime.latency.p50} ms, p99 ${oneAtATime.latency.p99} ms, non-2xx ${oneAtATime.non2xx}`);

    const runs: BatchRun[] = [];
    for (const [k, n] of sizes.entries()) {
      const run = await runBatch(server, db, dir, n, k + 1);
      runs.push(run);
      console.log(`  ${run.ok ? 'complete' : 'NOT COMPLETE'}: ${run.check}`);
      if (!run.ok) process.exitCode = 1;
    }

    const heap = (m: MemorySample | null) => (m ? `${mb(m.heapUsed)}` : '?');
    console.log(`\nBatch screening on Postgres, BATCH_WORKERS=${batchWorkers}, single-request rate measured first on the same server (${started}, 2-core machine)`);
    console.log(`single-request POST /v1/screenings: ${singleRate.toFixed(1)} req/s, p50 ${single.latency.p50} ms, p99 ${single.latency.p99} ms, non-2xx ${single.non2xx}; load average ${loadSingle}; ${singleCpu}`);
    console.log(`one at a time (1 connection, for context): ${oneRate.toFixed(1)} req/s, p50 ${oneAtATime.latency.p50} ms`);
    console.log('\n| shipments | single req/s | batch shipments/s (upload → all stored) | ratio | ratio to one at a time | upload s | screening after upload s | download s | CPU per shipment µs: service (main thread) + Postgres | RSS before → max → after MB | RSS growth MB | heapUsed after GC before → after MB | complete, once each | load (start → end) |');
    console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const r of runs) {
      console.log(
        `| ${r.rows.toLocaleString('en-US')} | ${singleRate.toFixed(0)} | ${r.rate.toFixed(0)} | ${(r.rate / singleRate).toFixed(1)}× | ${(r.rate / oneRate).toFixed(1)}× | ${r.uploadS.toFixed(1)} | ${r.screenS.toFixed(1)} | ${r.downloadS.toFixed(1)} | ${r.serviceCpuUs.toFixed(0)} (main thread ${r.mainThreadCpuUs.toFixed(0)}) + ${r.postgresCpuUs.toFixed(0)} | ${r.rssBefore.toFixed(0)} → ${r.rssMax.toFixed(0)} → ${r.rssAfter.toFixed(0)} | ${(r.rssMax - r.rssBefore).toFixed(0)} | ${heap(r.heapBefore)} → ${heap(r.heapAfter)} | ${r.ok ? 'yes' : 'NO'} | ${r.loadStart} → ${r.loadEnd} |`,
      );
    }
    for (const r of runs) console.log(`decisions (${r.rows}): ${JSON.stringify(r.counts)}; memory after GC: ${r.heapAfter ? `heapUsed ${mb(r.heapAfter.heapUsed)} MB, heapTotal ${mb(r.heapAfter.heapTotal)} MB, external ${mb(r.heapAfter.external)} MB, arrayBuffers ${mb(r.heapAfter.arrayBuffers)} MB, RSS ${mb(r.heapAfter.rss)} MB` : 'no probe answer'}`);

    if (withCli) {
      stopping = true;
      server.kill('SIGTERM');
      await once(server, 'exit');
      server = undefined;
      const csv = path.join(dir, 'cli.csv');
      await writeCsv(csv, cliRows, 'BBCLI');
      const out = path.join(dir, 'results.csv');
      const loadCli = load();
      const t1 = Date.now();
      const cli = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'screen', csv, '--out', out], {
        env: { ...process.env, DATABASE_URL: dbUrl, CHOKEPOINT_ADMIN_KEY: adminKey, LOG_LEVEL: 'warn', BATCH_WORKERS: batchWorkers },
        maxBuffer: 64 * 1024 * 1024,
      }).catch((e: { code: number; stdout: string; stderr: string }) => e);
      const seconds = (Date.now() - t1) / 1000;
      const resultRows = existsSync(out) ? readFileSync(out, 'utf8').split('\r\n').length - 2 : 0;
      const after = await (await db.query("select count(*)::int as n, count(distinct reference)::int as refs from screenings where reference like 'BBCLI-%'")).rows[0];
      const cliOk = resultRows === cliRows && after.n === cliRows && after.refs === cliRows;
      console.log(
        `\nCLI \`chokepoint screen cli.csv --out results.csv\`: ${cliRows.toLocaleString('en-US')} shipments in ${seconds.toFixed(1)} s incl. start-up (${(cliRows / seconds).toFixed(0)}/s), exit code ${(cli as { code?: number }).code ?? 0}, ${resultRows.toLocaleString('en-US')} result rows, audit log ${after.n} screenings (${after.refs} references): ${cliOk ? 'complete, once each' : 'NOT COMPLETE'}; load ${loadCli} → ${load()}`,
      );
      console.log((cli as { stdout: string }).stdout.trim());
      if (!cliOk) process.exitCode = 1;
    }
  } finally {
    await db.end().catch(() => undefined);
    if (server) {
      stopping = true;
      server.kill('SIGTERM');
      await once(server, 'exit').catch(() => undefined);
    }
    if (process.env.BENCH_KEEP_DB === '1') console.log(`kept database ${throwaway.name} (BENCH_KEEP_DB=1)`);
    else await throwaway.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
