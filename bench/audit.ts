/**
 * Flag-log benchmark: load N screenings (default 1,000,000) into a throwaway Postgres database,
 * seal them, then measure p95 of typical filtered first pages and export throughput.
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/audit.ts [--rows N] [--keep]
 *
 * The URL names a server (and a database to connect to for CREATE/DROP DATABASE); the bench
 * creates chokepoint_bench_<random>, runs the migrations and drops it at the end unless --keep.
 * Rows are generated inside Postgres (INSERT … SELECT over generate_series, 50k per statement) with
 * realistic shapes: a year of screenings, decisions 55/25/15/5 % CLEAR/REVIEW/LICENSE_REQUIRED/BLOCK,
 * 30 destinations with transshipment hubs, 10k distinct company names, ~1.5 KB of request and
 * result JSON per row, and a disposition on 5 % of them. Targets: p95 ≤ 50 ms, export ≥ 100k rows/s.
 *
 * Measured (2 cores, Postgres 15 defaults, 1M rows, --runs 60): load 145 s, seal 1.05M records in
 * 32 s (105 seals), first-page p95 4–12 ms except party-contains 44 ms (synthetic names share few
 * words, so trigram lists are long), export 142k rows/s CSV / 89k rows/s NDJSON, verify 25 s.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { adminSql } from './throwaway-db.js';
import { testConfig } from '../src/config.js';
import { prepareExport } from '../src/services/audit-export.js';
import { verifyAuditLog } from '../src/services/audit.js';
import { Sealer } from '../src/services/sealer.js';
import { ScreeningQueryService } from '../src/services/screenings-query.js';
import { openDatabase, type Database } from '../src/store/db.js';
import type { ExportQuery, ListScreeningsQuery } from '../src/schemas/audit.js';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const ROWS = Number(flag('--rows') ?? 1_000_000);
const KEEP = args.includes('--keep');
const RUNS = Number(flag('--runs') ?? 60);
const BASE = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL;
if (!BASE || !/^postgres(ql)?:\/\//.test(BASE)) {
  console.error('bench/audit.ts needs BENCH_DATABASE_URL (or DATABASE_URL) = postgres://… of a server it may create databases on');
  process.exit(64);
}
if (!Number.isInteger(ROWS) || ROWS < 1000) {
  console.error('--rows must be a whole number ≥ 1000');
  process.exit(64);
}

const CHUNK = 50_000;
const log = (msg: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);

const admin = (statement: string) => adminSql(BASE, statement);

/** One chunk of rows [lo, hi) generated server-side; `now` anchors the year of history. */
const loadChunk = (lo: number, hi: number, total: number, now: string) => sql`
with words as (
  select array['alpha','apex','aurora','bright','cedar','delta','eagle','ember','falcon','harbor','helix','jade','lotus','meridian','nova',
               'orion','pacific','quantum','radiant','sable','summit','titan','unity','vertex','zenith','lion','merlion','golden','silver','blue'] as w,
         array['compute','cloud','tech','systems','logistics','trading','data','ai','semiconductor','networks'] as k,
         array['pte ltd','sdn bhd','limited','llc','fze','co ltd','gmbh','inc'] as f,
         array['SG','MY','HK','AE','TH','CN','DE','JP','US','IN','VN','KR','TW','NL','GB','FR','IL','SA','TR','BR',
               'MX','CA','AU','ID','PH','RU','IR','KZ','AM','GE'] as dest,
         array['SG','MY','HK','AE','TH'] as hubs,
         array['nvidia-h100-sxm5','nvidia-h800-sxm5','nvidia-h200','nvidia-b200','amd-mi300x','nvidia-a100','nvidia-l40s','nvidia-rtx-4090',
               'amd-mi250x','intel-gaudi2','nvidia-h20','nvidia-l20','nvidia-a800','nvidia-gh200','amd-mi325x','nvidia-rtx-6000-ada'] as chips,
         array['3A090.a','4A090.a','3A090.a','3A090.b','5A992.c','3A090.a','4A090.b','EAR99'] as eccn
), base as (
  select i,
    (abs(hashint4(i)) % 100) as d100,
    abs(hashint4(i * 7 + 1)) as h1, abs(hashint4(i * 13 + 2)) as h2, abs(hashint4(i * 17 + 3)) as h3, abs(hashint4(i * 19 + 5)) as h4
  from generate_series(${lo}::int, ${hi - 1}::int) i
), shaped as (
  select b.*, w.*,
    case when d100 < 55 then 'CLEAR' when d100 < 80 then 'REVIEW' when d100 < 95 then 'LICENSE_REQUIRED' else 'BLOCK' end as decision,
    (${now}::timestamptz - interval '365 days' + (interval '365 days' * i / ${total}::int) ) as created_at,
    w.dest[1 + h1 % 30] as destination,
    case when h2 % 4 = 0 then array[w.hubs[1 + h2 % 5]] when h2 % 9 = 1 then array[w.hubs[1 + h2 % 5], w.hubs[1 + h3 % 5]] else array[]::text[] end as via,
    w.w[1 + h3 % 30] || ' ' || w.w[1 + (h3 / 30) % 30] || ' ' || w.k[1 + (h3 / 900) % 10] || ' ' || w.f[1 + h4 % 8] as buyer,
    w.w[1 + h4 % 30] || ' ' || w.k[1 + (h4 / 30) % 10] || ' ' || w.f[1 + (h4 / 300) % 8] as forwarder,
    w.chips[1 + h2 % 16] as chip,
    w.eccn[1 + h2 % 8] as item_eccn
  from base b cross join words w
), flagged as (
  select s.*,
    case s.decision
      when 'CLEAR' then array['INFO-CHECKED']
      when 'REVIEW' then array['REDFLAG-' || (1 + h3 % 12), 'ROUTE-HUB-' || coalesce(via[1], destination)]
      when 'LICENSE_REQUIRED' then array['DEST-' || replace(item_eccn, '.', '') || '-D' || (1 + h1 % 5), 'PARTY-HQ-' || (1 + h4 % 4)]
      else array['EMBARGO-' || destination, 'PARTY-SDN']
    end as rule_ids,
    case s.decision
      when 'CLEAR' then array['data_quality']
      when 'REVIEW' then array['red_flag', 'route']
      when 'LICENSE_REQUIRED' then array['destination', 'party']
      else array['destination', 'party']
    end as flag_categories
  from shaped s
)
insert into screenings (id, reference, created_at, ship_date, decision, risk_score, destination, countries, rule_ids, flag_categories,
  party_names, chip_models, eccns, ruleset_version, ruleset_hash, request, result, request_hash, idempotency_scope, idempotency_key, api_key_id)
select
  md5('s' || i)::uuid::text,
  'SO-' || i,
  created_at,
  (created_at + interval '10 days')::date,
  decision,
  case decision when 'CLEAR' then 0 when 'REVIEW' then 40 when 'LICENSE_REQUIRED' then 70 else 100 end,
  destination,
  (select array_agg(distinct c order by c) from unnest(array['US', destination] || via) c),
  rule_ids,
  flag_categories,
  buyer || ' | ' || forwarder,
  array[chip, upper(replace(chip, '-', ' '))],
  case when item_eccn = 'EAR99' then array[]::text[] else array[item_eccn] end,
  '2026.11.0',
  'sha256:9c1f4e0b7d2a',
  jsonb_build_object('reference', 'SO-' || i, 'shipDate', (created_at + interval '10 days')::date,
    'items', jsonb_build_array(jsonb_build_object('model', upper(replace(chip, '-', ' ')), 'quantity', 8 + h1 % 2000, 'unitPriceUsd', 25000 + h2 % 10000,
      'hsCode', '8473.30', 'description', 'GPU accelerator module for data-centre servers')),
    'parties', jsonb_build_array(
      jsonb_build_object('role', 'buyer', 'name', initcap(buyer), 'country', destination, 'address', (h3 % 900) || ' Industrial Park Road, Unit ' || (h4 % 50)),
      jsonb_build_object('role', 'freight_forwarder', 'name', initcap(forwarder), 'country', coalesce(via[1], destination))),
    'route', jsonb_build_object('origin', 'US', 'via', to_jsonb(via), 'destination', destination),
    'endUse', 'AI model training and inference'),
  jsonb_build_object('id', md5('s' || i)::uuid::text, 'reference', 'SO-' || i, 'decision', decision, 'riskScore', 40,
    'flags', (select jsonb_agg(jsonb_build_object('ruleId', r, 'category', flag_categories[1], 'severity', 'high', 'decision', decision,
      'message', 'Rule ' || r || ' applies to this shipment; see citation for the controlling provision',
      'citation', '15 CFR 742.6(a)(6)(iii)', 'subject', 'items[0]', 'evidence', jsonb_build_object('destination', destination, 'eccn', item_eccn)))
      from unnest(rule_ids) r),
    'items', jsonb_build_array(jsonb_build_object('index', 0, 'model', upper(replace(chip, '-', ' ')), 'catalogId', chip, 'eccn', item_eccn,
      'tpp', 4000 + h1 % 16000, 'performanceDensity', round(((h2 % 3000) / 100.0)::numeric, 2), 'basis', 'catalog', 'licenseRequired', decision <> 'CLEAR')),
    'parties', jsonb_build_array(jsonb_build_object('index', 0, 'role', 'buyer', 'matches', '[]'::jsonb)),
    'ruleset', jsonb_build_object('version', '2026.11.0', 'hash', 'sha256:9c1f4e0b7d2a'),
    'screenedAt', created_at),
  md5('r' || i) || md5('q' || i),
  'key-erp-' || (h4 % 4),
  case when h1 % 3 = 0 then 'idem-' || i end,
  'key-erp-' || (h4 % 4)
from flagged`;

function p95(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(s.length * 0.95) - 1)]!;
}

async function timeQuery(svc: ScreeningQueryService, q: ListScreeningsQuery): Promise<{ p50: number; p95: number; rows: number }> {
  const samples: number[] = [];
  let rows = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const page = await svc.list({ limit: 50, ...q }, null);
    samples.push(performance.now() - t0);
    rows = page.items.length;
  }
  const s = [...samples].sort((a, b) => a - b);
  return { p50: s[Math.floor(s.length / 2)]!, p95: p95(samples), rows };
}

async function main() {
  const name = `chokepoint_bench_${randomBytes(4).toString('hex')}`;
  const url = new URL(BASE!);
  url.pathname = `/${name}`;
  await admin(`CREATE DATABASE "${name}"`);
  log(`database ${name}: loading ${ROWS.toLocaleString()} screenings`);
  let database: Database | undefined;
  try {
    database = await openDatabase({ kind: 'postgres', url: url.toString() });
    const db = database.db;
    await database.migrate();
    const now = new Date().toISOString();

    // Loading and VACUUM run on their own connection without the pool's 15 s statement timeout.
    const loader = new pg.Client({ connectionString: url.toString() });
    await loader.connect();
    const dialect = new PgDialect();
    const exec = async (q: ReturnType<typeof sql>) => {
      const { sql: text, params } = dialect.sqlToQuery(q);
      await loader.query(text, params as unknown[]);
    };
    let t0 = performance.now();
    for (let lo = 1; lo <= ROWS; lo += CHUNK) {
      const hi = Math.min(ROWS + 1, lo + CHUNK);
      await exec(loadChunk(lo, hi, ROWS, now));
      if (((lo - 1) / CHUNK) % 4 === 3) log(`  ${(hi - 1).toLocaleString()} rows`);
    }
    // A reviewer's disposition on 5 % of the screenings.
    await exec(sql`insert into dispositions (id, screening_id, action, justification, api_key_id, created_at)
      select md5('d' || s.seq)::uuid::text, s.id, (array['cleared','escalated','license_applied','blocked'])[1 + s.seq % 4],
             'Reviewed against end-use statement and licence records', 'key-reviewer', s.created_at + interval '2 hours'
      from screenings s where s.seq % 20 = 0`);
    const loadS = (performance.now() - t0) / 1000;
    log(`loaded in ${loadS.toFixed(1)} s (${Math.round(ROWS / loadS).toLocaleString()} rows/s); vacuum analyze`);
    await exec(sql`vacuum analyze screenings`);
    await exec(sql`vacuum analyze dispositions`);
    await loader.end();

    t0 = performance.now();
    const run = await new Sealer(db).sealNow();
    const sealS = (performance.now() - t0) / 1000;
    const sealed = run.seals.reduce((n, s) => n + s.recordCount, 0);
    log(`sealed ${sealed.toLocaleString()} records in ${run.seals.length} seals: ${sealS.toFixed(1)} s (${Math.round(sealed / sealS).toLocaleString()} records/s)`);

    // Country filters here are alpha-2 codes; the bench loads no ruleset to resolve names.
    const byCode = (c: string) => c.toUpperCase();
    const svc = new ScreeningQueryService(db, testConfig(), byCode);
    const lastMonth = new Date(Date.parse(now) - 30 * 86_400_000).toISOString();
    const queries: Array<[string, ListScreeningsQuery]> = [
      ['LICENSE_REQUIRED + country SG + last month', { decision: ['LICENSE_REQUIRED'], country: 'SG', from: lastMonth }],
      ['ruleId EMBARGO-IR (rare)', { ruleId: 'EMBARGO-IR' }],
      ['party contains "merlion zenith"', { party: 'Merlion Zenith' }],
      ['eccn 4A090.b + BLOCK', { eccn: '4A090.b', decision: ['BLOCK'] }],
      ['reference SO-<n>', { reference: `SO-${Math.floor(ROWS / 3)}` }],
      ['category route + chip nvidia-h20, page 1', { category: ['route'], chipModel: 'nvidia-h20' }],
    ];
    const results: Array<{ query: string; p50: number; p95: number; rows: number }> = [];
    for (const [label, q] of queries) {
      const r = await timeQuery(svc, q);
      results.push({ query: label, ...r });
      log(`${label.padEnd(44)} p50 ${r.p50.toFixed(1).padStart(6)} ms   p95 ${r.p95.toFixed(1).padStart(6)} ms   (${r.rows} rows/page)`);
    }

    const exports: Array<[string, ExportQuery]> = [
      ['export all, csv', { format: 'csv' }],
      ['export all, ndjson', { format: 'ndjson' }],
      ['export LICENSE_REQUIRED + SG, csv', { format: 'csv', decision: ['LICENSE_REQUIRED'], country: 'SG' }],
    ];
    for (const [label, q] of exports) {
      t0 = performance.now();
      const out = await prepareExport(db, q, null, new Date(), byCode);
      let bytes = 0;
      let lines = 0;
      for await (const chunk of out.lines) {
        bytes += Buffer.byteLength(chunk);
        for (let i = chunk.indexOf('\n'); i >= 0; i = chunk.indexOf('\n', i + 1)) lines++;
      }
      const s = (performance.now() - t0) / 1000;
      const rows = q.format === 'csv' ? lines - 1 : lines;
      log(`${label.padEnd(44)} ${rows.toLocaleString()} rows in ${s.toFixed(1)} s = ${Math.round(rows / s).toLocaleString()} rows/s (${(bytes / 1e6).toFixed(0)} MB)`);
    }

    t0 = performance.now();
    const report = await verifyAuditLog(db);
    const verifyS = (performance.now() - t0) / 1000;
    log(`verify: ok=${report.ok} checked ${report.checked.toLocaleString()} in ${verifyS.toFixed(1)} s`);
    const worst = Math.max(...results.map((r) => r.p95));
    log(`worst p95 ${worst.toFixed(1)} ms (target ≤ 50 ms)`);
  } finally {
    await database?.close();
    if (KEEP) log(`kept database ${name}`);
    else await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
