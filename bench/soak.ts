/**
 * Soak: a mixed load on real Postgres for N minutes (default 10) against one service process —
 * new screenings, idempotent retries (the same key sent twice), flag-log queries, exports of the
 * last minute, dispositions, party searches — reporting per minute: operations, p50/p99 per
 * operation, the service's RSS, and errors.
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run soak -- [--minutes 10] [--concurrency 8]
 *
 * It holds when: no errors; RSS at the end within 10 % of RSS after the first (warm-up) minute;
 * every operation's p99 in the last minute within 2× of its first minute. Exit code 1 otherwise.
 * A throwaway database is created beside the one named and dropped at the end.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { typicalShipment } from './fixtures.js';
import { createThrowawayDb } from './throwaway-db.js';
import { freePort } from './ports.js';

const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const minutes = Number(arg('--minutes')) || 10;
const concurrency = Number(arg('--concurrency')) || 8;
const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const adminKey = `soak_${randomBytes(24).toString('hex')}`;

const OPS = ['screen', 'screen-retry', 'flag-log', 'export', 'disposition', 'party-search'] as const;
type Op = (typeof OPS)[number];
/** Share of each operation in the mix (ERP traffic dominates; officers and auditors read). */
const WEIGHTS: Record<Op, number> = { screen: 40, 'screen-retry': 15, 'flag-log': 15, export: 5, disposition: 10, 'party-search': 15 };
const NAMES = ['Northwind Compute GmbH', 'Huawei Technologies', 'Rhein Logistics AG', 'Sugon', 'Example Cloud Pte Ltd', 'Inspur', 'Acme Systems'];
const COUNTRIES = ['DE', 'SG', 'AE', 'JP', 'MY', 'IN', 'FR'];

interface Minute {
  lat: Record<Op, number[]>;
  errors: Array<string>;
  rssMb: number;
}

const pct = (xs: number[], p: number) => {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

function pick(): Op {
  let r = Math.random() * 100;
  for (const op of OPS) if ((r -= WEIGHTS[op]) < 0) return op;
  return 'screen';
}

function shipment(i: number) {
  const country = COUNTRIES[i % COUNTRIES.length]!;
  return {
    ...typicalShipment,
    reference: `SOAK-${i}`,
    parties: typicalShipment.parties.map((p, j) => ({ ...p, name: j === 0 ? `${NAMES[i % NAMES.length]} ${i % 50}` : p.name, country })),
    route: { ...typicalShipment.route, destination: country },
  };
}

async function main() {
  const throwaway = await createThrowawayDb(adminUrl);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { ...process.env, DATABASE_URL: throwaway.url, CHOKEPOINT_ADMIN_KEY: adminKey, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const rssMb = () => {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  };
  try {
    for (let t = Date.now(); ; ) {
      if ((await fetch(`${base}/readyz`).catch(() => null))?.ok) break;
      if (child.exitCode !== null || Date.now() - t > 300_000) throw new Error('service did not become ready');
      await new Promise((r) => setTimeout(r, 300));
    }
    const key = async (role: string) => {
      const res = await fetch(`${base}/v1/api-keys`, { method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ role, name: `soak ${role}` }) });
      return `Bearer ${((await res.json()) as { key: string }).key}`;
    };
    const submitter = await key('submitter');
    const reviewer = await key('reviewer');
    const auditor = await key('auditor');
    const ids: string[] = [];
    let n = 0;

    const call = async (url: string, init: RequestInit, expect: number[]) => {
      const res = await fetch(`${base}${url}`, init);
      const text = await res.text();
      if (!expect.includes(res.status)) throw new Error(`${init.method ?? 'GET'} ${url.split('?')[0]} → ${res.status} ${text.slice(0, 200)}`);
      return text;
    };
    const json = (auth: string) => ({ authorization: auth, 'content-type': 'application/json' });
    const ops: Record<Op, () => Promise<unknown>> = {
      screen: async () => {
        const r = JSON.parse(await call('/v1/screenings', { method: 'POST', headers: json(submitter), body: JSON.stringify(shipment(n++)) }, [201]));
        ids.push(r.id);
        if (ids.length > 1000) ids.shift();
      },
      'screen-retry': async () => {
        const idem = randomUUID();
        const body = JSON.stringify(shipment(n++));
        const headers = { ...json(submitter), 'idempotency-key': idem };
        const first = JSON.parse(await call('/v1/screenings', { method: 'POST', headers, body }, [201]));
        const again = JSON.parse(await call('/v1/screenings', { method: 'POST', headers, body }, [201]));
        if (again.id !== first.id) throw new Error('idempotent retry stored a second screening');
      },
      'flag-log': () => call(`/v1/screenings?decision=REVIEW&country=${COUNTRIES[n % COUNTRIES.length]}&limit=50`, { headers: { authorization: reviewer } }, [200]),
      export: () => call(`/v1/audit/export?format=ndjson&from=${new Date(Date.now() - 60_000).toISOString()}`, { headers: { authorization: auditor } }, [200]),
      disposition: async () => {
        const id = ids[Math.floor(Math.random() * ids.length)];
        if (!id) return;
        await call(`/v1/screenings/${id}/dispositions`, { method: 'POST', headers: json(reviewer), body: JSON.stringify({ action: 'escalated', justification: 'soak: second look requested' }) }, [201]);
      },
      'party-search': () => call(`/v1/parties/search?name=${encodeURIComponent(NAMES[n % NAMES.length]!)}&limit=5`, { headers: { authorization: reviewer } }, [200]),
    };

    const log: Minute[] = [];
    const fresh = (): Minute => ({ lat: Object.fromEntries(OPS.map((o) => [o, []])) as unknown as Record<Op, number[]>, errors: [], rssMb: 0 });
    let cur = fresh();
    const end = Date.now() + minutes * 60_000;
    const ticker = setInterval(() => {
      cur.rssMb = rssMb();
      log.push(cur);
      cur = fresh();
    }, 60_000);
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (Date.now() < end) {
          const op = pick();
          const t0 = performance.now();
          const m = cur;
          try {
            await ops[op]();
            m.lat[op].push(performance.now() - t0);
          } catch (err) {
            m.errors.push(`${op}: ${(err as Error).message}`);
          }
        }
      }),
    );
    clearInterval(ticker);
    if (log.length < minutes) {
      cur.rssMb = rssMb();
      log.push(cur);
    }

    console.log(`\nSoak: ${minutes} min, ${concurrency} concurrent callers, Postgres, one service process (ENGINE_WORKERS=${process.env.ENGINE_WORKERS ?? '0'})`);
    console.log(`| min | ops/s | ${OPS.map((o) => `${o} p50/p99 ms`).join(' | ')} | RSS MB | errors |`);
    console.log(`|---|---|${OPS.map(() => '---').join('|')}|---|---|`);
    log.forEach((m, i) => {
      const total = OPS.reduce((s, o) => s + m.lat[o].length, 0);
      console.log(`| ${i + 1} | ${(total / 60).toFixed(1)} | ${OPS.map((o) => `${pct(m.lat[o], 50).toFixed(0)}/${pct(m.lat[o], 99).toFixed(0)}`).join(' | ')} | ${m.rssMb.toFixed(0)} | ${m.errors.length} |`);
    });
    const errors = log.flatMap((m) => m.errors);
    const first = log[0]!;
    const last = log[log.length - 1]!;
    const rssGrowth = log.length > 1 ? last.rssMb / first.rssMb - 1 : 0;
    const slow = OPS.filter((o) => first.lat[o].length && last.lat[o].length && pct(last.lat[o], 99) > 2 * pct(first.lat[o], 99));
    console.log(`\nerrors: ${errors.length}${errors.length ? ` (first: ${errors[0]})` : ''}`);
    console.log(`RSS after warm-up ${first.rssMb.toFixed(0)} MB → end ${last.rssMb.toFixed(0)} MB (${(rssGrowth * 100).toFixed(1)} %, limit 10 %)`);
    console.log(`p99 beyond 2× the first minute: ${slow.length ? slow.join(', ') : 'none'}`);
    const holds = errors.length === 0 && rssGrowth <= 0.1 && slow.length === 0;
    console.log(holds ? 'HOLDS' : 'DOES NOT HOLD');
    if (!holds) process.exitCode = 1;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await throwaway.drop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
