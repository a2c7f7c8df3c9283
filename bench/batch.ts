/**
 * Batch screening end to end on real Postgres — upload a CSV of N shipments (default 100,000) →
 * every shipment screened and stored → results downloaded — next to single-request HTTP screening
 * (autocannon, 32 connections) against the same server in the same run. Reports both rates, their
 * ratio (target ≥ 4×) and the server's RSS growth over the batch (target ≤ 100 MB), and asserts that
 * every shipment is in the audit log exactly once and the results are complete.
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:batch [-- --rows 100000 --seconds 10 --cli]
 *
 * --cli also runs the same file through `chokepoint screen file.csv --out results.csv`.
 * A throwaway database is created beside the one named and dropped at the end.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { typicalShipment } from './fixtures.js';
import { createThrowawayDb } from './throwaway-db.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const rows = arg('--rows', 100_000);
const seconds = arg('--seconds', 10);
const withCli = process.argv.includes('--cli');
const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const adminKey = `bench_${randomBytes(24).toString('hex')}`;
const port = 3903;
const base = `http://127.0.0.1:${port}`;
const auth = { authorization: `Bearer ${adminKey}` };

const DESTINATIONS = ['DE', 'SG', 'JP', 'MY', 'AE', 'CN', 'FR', 'IN', 'HK', 'GB'];

/** N shipments in the documented CSV layout: three line items per shipment, parties by role, varied names and destinations. */
async function writeCsv(file: string, n: number) {
  const out = createWriteStream(file);
  const header = 'reference,ship_date,route_origin,route_via,route_destination,end_use,item_model,item_quantity,item_unit_price_usd,item_hs_code,item_description,buyer_name,buyer_country,buyer_business_type,ultimate_consignee_name,ultimate_consignee_country,freight_forwarder_name,freight_forwarder_country,payer_name,payer_country\n';
  out.write(header);
  for (let i = 0; i < n; i++) {
    const ref = `BB-${String(i).padStart(7, '0')}`;
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

function startServer(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0', SEAL_INTERVAL_MS: '0' },
    stdio: ['ignore', 'ignore', 'inherit'],
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

async function main() {
  const dir = mkdtempSync(path.join(tmpdir(), 'chokepoint-bench-batch-'));
  const csv = path.join(dir, 'shipments.csv');
  await writeCsv(csv, rows);
  console.log(`wrote ${rows.toLocaleString('en-US')} shipments (${(statSync(csv).size / 1e6).toFixed(1)} MB CSV)`);
  const throwaway = await createThrowawayDb(adminUrl);
  const dbUrl = throwaway.url;
  let server: ChildProcess | undefined;
  const db = new pg.Client({ connectionString: dbUrl });
  try {
    server = await startServer({ DATABASE_URL: dbUrl, CHOKEPOINT_ADMIN_KEY: adminKey, BATCH_WORKERS: '2' });
    await db.connect();
    const body = JSON.stringify(typicalShipment);
    const cannon = () => autocannon({ url: `${base}/v1/screenings`, method: 'POST', body, headers: { 'content-type': 'application/json', ...auth }, connections: 32, duration: seconds });
    await autocannon({ url: `${base}/v1/screenings`, method: 'POST', body, headers: { 'content-type': 'application/json', ...auth }, connections: 32, duration: 3 }); // warm-up
    const single = await cannon();

    const rssBefore = rssMb(server.pid!);
    let rssMax = rssBefore;
    const sampler = setInterval(() => {
      const now = rssMb(server!.pid!);
      if (now > rssMax) rssMax = now;
    }, 250);
    const t0 = Date.now();
    const res = await fetch(`${base}/v1/batches`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'text/csv' },
      body: Readable.toWeb(createReadStream(csv)) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    const receipt = (await res.json()) as { id: string; total: number; invalid: number };
    if (res.status !== 202) throw new Error(`upload: ${res.status} ${JSON.stringify(receipt)}`);
    const tUploaded = Date.now();
    let batch: { state: string; done: number; total: number; screened: number; counts: Record<string, number> };
    for (;;) {
      batch = (await (await fetch(`${base}/v1/batches/${receipt.id}`, { headers: auth })).json()) as typeof batch;
      if (batch.state !== 'running') break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const tStored = Date.now();
    const dl = await fetch(`${base}/v1/batches/${receipt.id}/results?format=csv`, { headers: auth });
    let lines = 0;
    for await (const chunk of dl.body as unknown as AsyncIterable<Uint8Array>) for (const byte of chunk) if (byte === 10) lines++;
    const tDownloaded = Date.now();
    clearInterval(sampler);

    const q = async (text: string, values: unknown[] = []) => (await db.query(text, values)).rows[0];
    const links = await q('select count(*)::int as n, count(distinct screening_id)::int as distinct_screenings from batch_results where batch_id = $1', [receipt.id]);
    const stored = await q("select count(*)::int as n, count(distinct reference)::int as refs from screenings where reference like 'BB-%'");

    const batchRate = rows / ((tStored - t0) / 1000);
    const singleRate = single.requests.average;
    console.log(`\nBatch screening, ${rows.toLocaleString('en-US')} shipments, Postgres, BATCH_WORKERS=2 (same server, same run)`);
    console.log('| path | shipments/s | notes |');
    console.log('|---|---|---|');
    console.log(`| single-request POST /v1/screenings (32 connections, ${seconds} s) | ${singleRate.toFixed(0)} | p50 ${single.latency.p50} ms, p99 ${single.latency.p99} ms, non-2xx ${single.non2xx} |`);
    console.log(`| batch: upload → all stored | ${batchRate.toFixed(0)} | upload ${((tUploaded - t0) / 1000).toFixed(1)} s, screening ${((tStored - tUploaded) / 1000).toFixed(1)} s, results download ${((tDownloaded - tStored) / 1000).toFixed(1)} s (${(lines - 1).toLocaleString('en-US')} rows) |`);
    console.log(`\nratio batch/single = ${(batchRate / singleRate).toFixed(2)} (target ≥ 4); server RSS ${rssBefore.toFixed(0)} MB → max ${rssMax.toFixed(0)} MB, growth ${(rssMax - rssBefore).toFixed(0)} MB (target ≤ 100 MB)`);
    console.log(`decisions: ${JSON.stringify(batch.counts)}`);
    const complete = batch.state === 'completed' && batch.screened === rows && lines - 1 === rows && links.n === rows && links.distinct_screenings === rows && stored.n === rows && stored.refs === rows;
    console.log(`complete and once each in the audit log: ${complete} (links ${links.n}, distinct screenings ${links.distinct_screenings}, stored ${stored.n}, distinct references ${stored.refs})`);
    if (!complete) process.exitCode = 1;

    if (withCli) {
      server.kill('SIGTERM');
      await once(server, 'exit');
      server = undefined;
      const out = path.join(dir, 'results.csv');
      const t1 = Date.now();
      const cli = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'screen', csv, '--out', out], {
        env: { ...process.env, DATABASE_URL: dbUrl, CHOKEPOINT_ADMIN_KEY: adminKey, LOG_LEVEL: 'warn', BATCH_WORKERS: '2' },
        maxBuffer: 64 * 1024 * 1024,
      }).catch((e: { code: number; stdout: string; stderr: string }) => e);
      const cliRows = readFileSync(out, 'utf8').split('\r\n').length - 2;
      const after = await q("select count(*)::int as n, count(distinct reference)::int as refs from screenings where reference like 'BB-%'");
      console.log(`\nCLI: ${rows.toLocaleString('en-US')} shipments in ${((Date.now() - t1) / 1000).toFixed(1)} s (incl. start-up), ${cliRows.toLocaleString('en-US')} result rows; audit log now ${after.n} BB- screenings (${after.refs} references, each screened once per batch)`);
      console.log((cli as { stdout: string }).stdout.trim());
      if (cliRows !== rows || after.n !== 2 * rows) process.exitCode = 1;
    }
  } finally {
    await db.end().catch(() => undefined);
    if (server) {
      server.kill('SIGTERM');
      await once(server, 'exit').catch(() => undefined);
    }
    await throwaway.drop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
