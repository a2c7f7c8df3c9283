/**
 * The screening writer alone (no HTTP, no engine): concurrent callers (`--callers 32,1024`) storing realistic rows
 * (the engine's real result for a typical shipment, ~8 KB; the audit indexes in place) through the group committer for 5 s — against the
 * writer floor measured in the same run: the same rows by plain multi-row INSERT statements
 * (256 rows, 4 in flight, like the writer) into a copy of the table with only a primary key.
 * Then what each part of a row costs: each audit index alone, TOAST compression pglz vs lz4,
 * json (as stored) vs jsonb for request and result (rows/s and bytes per row, same statements).
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:writer
 *
 * A throwaway database is created beside the one named and dropped at the end.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { openDatabase, type Database } from '../src/store/db.js';
import { ScreeningWriter, type ScreeningRow } from '../src/store/screenings-repo.js';
import { createThrowawayDb } from './throwaway-db.js';
import { typicalShipment } from './fixtures.js';
import { screen } from '../src/engine/index.js';
import { normaliseShipment } from '../src/rules/index.js';
import { createRulesetLoader } from '../src/services/active-ruleset.js';
import type { ShipmentInput } from '../src/schemas/shipment.js';

const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const seconds = Number(arg('--seconds')) || 5;
/**
 * Concurrent callers of the writer. 32 is an HTTP server's share of in-flight screenings; 1024 offers
 * the writer what the floor has in flight (4 statements × 256 rows), so both can build the same batches.
 */
const callerCounts = (arg('--callers') ?? '32,1024').split(',').map(Number);

/**
 * A real result: the engine's answer for the benches' typical shipment (3 items, 4 parties) on the
 * shipped rules — its size, its structure and how well it compresses are what every stored row has.
 */
const rs = await createRulesetLoader({ rulesDir: new URL('../rules', import.meta.url).pathname, matchThreshold: 0.85 })();
const normalised = normaliseShipment(typicalShipment as ShipmentInput, rs, '2026-11-28');
if (!normalised.ok) throw new Error(`typical shipment: ${JSON.stringify(normalised.errors)}`);
const result = screen(normalised.shipment, rs, { now: '2026-11-28T00:00:00Z' });
const row = (i: number): ScreeningRow => ({
  id: randomUUID(),
  reference: `SO-${i}`,
  createdAt: new Date().toISOString(),
  shipDate: '2026-11-30',
  decision: 'REVIEW',
  riskScore: 40,
  destination: 'DE',
  countries: ['DE', 'NL', 'US'],
  ruleIds: ['LIC-AC-A', 'RF-DEST-02', 'RF-KYC-01', 'ITEM-CATALOG', 'LIST-CLEAR'],
  flagCategories: ['destination', 'red_flag', 'item', 'party'],
  raisedCategories: ['destination', 'red_flag'],
  partyNames: `northwind compute gmbh | rhein logistics ag ${i}`,
  chipModels: ['nvidia-h100-sxm', 'nvidia-l40s'],
  eccns: ['3A090.a'],
  rulesetVersion: 'bench',
  rulesetHash: 'sha256:bench',
  request: { ...typicalShipment, reference: `SO-${i}` },
  result,
  requestHash: randomBytes(32).toString('hex'),
  idempotencyScope: '',
  idempotencyKey: null,
  apiKeyId: null,
});

const COLUMNS = `id, reference, created_at, ship_date, decision, risk_score, destination, countries, rule_ids, flag_categories,
  raised_categories, party_names, chip_models, eccns, ruleset_version, ruleset_hash, request, result, request_hash, idempotency_scope, idempotency_key, api_key_id`;

/** The rows as the writer sends them: their columns, their requests and their results, three JSON arrays joined by position. */
function payload(rows: ScreeningRow[]): [columns: string, requests: string, results: string] {
  const columns = rows.map((r) => ({
    id: r.id, reference: r.reference, created_at: r.createdAt, ship_date: r.shipDate, decision: r.decision, risk_score: r.riskScore,
    destination: r.destination, countries: r.countries, rule_ids: r.ruleIds, flag_categories: r.flagCategories, raised_categories: r.raisedCategories, party_names: r.partyNames,
    chip_models: r.chipModels, eccns: r.eccns, ruleset_version: r.rulesetVersion, ruleset_hash: r.rulesetHash,
    request_hash: r.requestHash, idempotency_scope: '', idempotency_key: null, api_key_id: null,
  }));
  return [JSON.stringify(columns), JSON.stringify(rows.map((r) => r.request)), JSON.stringify(rows.map((r) => r.result))];
}

/** Plain multi-row INSERTs of 256 rows, 4 in flight, for `seconds`: rows/s and bytes/row. */
async function plainInserts(db: Database['db'], table: string, payloadType: 'json' | 'jsonb'): Promise<{ perSecond: number; bytesPerRow: number }> {
  let n = 0;
  const t0 = performance.now();
  const type = sql.raw(payloadType);
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (performance.now() - t0 < seconds * 1000) {
        const rows = Array.from({ length: 256 }, (_, i) => row(n + i));
        n += 256;
        const [columns, requests, results] = payload(rows);
        await db.execute(sql`insert into ${sql.raw(table)} (${sql.raw(COLUMNS)})
          select x.id, x.reference, x.created_at, x.ship_date, x.decision, x.risk_score, x.destination, x.countries, x.rule_ids,
            x.flag_categories, x.raised_categories, x.party_names, x.chip_models, x.eccns, x.ruleset_version, x.ruleset_hash, q.value, r.value,
            x.request_hash, x.idempotency_scope, x.idempotency_key, x.api_key_id
          from rows from (json_to_recordset(${columns}::json) as (id text, reference text, created_at timestamptz, ship_date date,
            decision text, risk_score integer, destination text, countries text[], rule_ids text[], flag_categories text[], raised_categories text[], party_names text,
            chip_models text[], eccns text[], ruleset_version text, ruleset_hash text, request_hash text,
            idempotency_scope text, idempotency_key text, api_key_id text)) with ordinality
            as x(id, reference, created_at, ship_date, decision, risk_score, destination, countries, rule_ids, flag_categories,
              raised_categories, party_names, chip_models, eccns, ruleset_version, ruleset_hash, request_hash, idempotency_scope, idempotency_key, api_key_id, n)
          join ${type}_array_elements(${requests}::${type}) with ordinality as q(value, n) on q.n = x.n
          join ${type}_array_elements(${results}::${type}) with ordinality as r(value, n) on r.n = x.n`);
      }
    }),
  );
  const perSecond = n / ((performance.now() - t0) / 1000);
  const size = await db.execute(sql.raw(`select pg_total_relation_size('${table}')::float8 / greatest(count(*), 1) as b from ${table}`));
  const bytesPerRow = Number(((size as unknown as { rows: Array<{ b: number }> }).rows ?? [])[0]?.b ?? 0);
  return { perSecond, bytesPerRow };
}

const throwaway = await createThrowawayDb(adminUrl);
const database = await openDatabase({ kind: 'postgres', url: throwaway.url });
try {
  await database.migrate();
  const { db } = database;
  const writer = new ScreeningWriter(db);
  let n = 0;
  const writerRun = async (callers: number) => {
    const t0 = performance.now();
    let done = 0;
    await Promise.all(
      Array.from({ length: callers }, async () => {
        while (performance.now() - t0 < seconds * 1000) {
          await writer.insert(row(n++));
          done++;
        }
      }),
    );
    return done / ((performance.now() - t0) / 1000);
  };
  const bytes = Buffer.byteLength(JSON.stringify(row(0).result));

  // Each variant is a copy of screenings (same columns and defaults) with only a primary key, plus what it measures.
  const variants: Array<{ name: string; ddl: string[]; payloadType?: 'json' | 'jsonb' }> = [
    { name: 'writer floor: primary key only, request and result json (pglz)', ddl: [] },
    { name: '+ unique (seq)', ddl: ['create unique index on T (seq)'] },
    { name: '+ unique (idempotency_scope, idempotency_key)', ddl: ['create unique index on T (idempotency_scope, idempotency_key)'] },
    { name: '+ (created_at, id)', ddl: ['create index on T (created_at, id)'] },
    { name: 'json, lz4 (as screenings stores them)', ddl: ['alter table T alter column result set compression lz4', 'alter table T alter column request set compression lz4'] },
    { name: 'jsonb (parsed when stored; before migration 0015), pglz', ddl: ['alter table T alter column result type jsonb, alter column request type jsonb'], payloadType: 'jsonb' },
    {
      name: 'jsonb, lz4',
      ddl: ['alter table T alter column result type jsonb, alter column request type jsonb', 'alter table T alter column result set compression lz4, alter column request set compression lz4'],
      payloadType: 'jsonb',
    },
  ];
  const measured = [];
  const writerRates: Array<{ callers: number; perSecond: number }> = [];
  for (const [i, v] of variants.entries()) {
    const t = `bench_variant_${i}`;
    await db.execute(sql.raw(`create table ${t} (like screenings including defaults); alter table ${t} add primary key (id)`));
    for (const d of v.ddl) await db.execute(sql.raw(d.replace(/\bT\b/g, t)));
    // The first statements of a run pay for cold caches and JIT: warm up on the floor table, then truncate it.
    if (i === 0) {
      await plainInserts(db, t, 'json');
      await db.execute(sql.raw(`truncate ${t}`));
    }
    measured.push({ ...v, ...(await plainInserts(db, t, v.payloadType ?? 'json')) });
    // The writer right after its floor, so both meet the same machine.
    if (i === 0) for (const callers of callerCounts) writerRates.push({ callers, perSecond: await writerRun(callers) });
  }
  const floor = measured[0]!.perSecond;
  const real = await db.execute(sql.raw(`select pg_total_relation_size('screenings')::float8 / greatest(count(*), 1) as b from screenings`));
  const realBytes = Number(((real as unknown as { rows: Array<{ b: number }> }).rows ?? [])[0]?.b ?? 0);
  console.log(`\nWriter (${seconds} s each, result ${bytes} B of JSON, Postgres ${new URL(throwaway.url).host})`);
  console.log('| run | rows/s | × floor | bytes/row on disk |');
  console.log('|---|---|---|---|');
  for (const w of writerRates)
    console.log(`| ScreeningWriter, ${w.callers} callers, group commit, every audit index | ${w.perSecond.toFixed(0)} | ${(w.perSecond / floor).toFixed(2)} | ${realBytes.toFixed(0)} |`);
  for (const m of measured) console.log(`| ${m.name} | ${m.perSecond.toFixed(0)} | ${(m.perSecond / floor).toFixed(2)} | ${m.bytesPerRow.toFixed(0)} |`);
  console.log(`\ntarget: writer ≥ 0.7 × floor (${writerRates.map((w) => `${w.callers} callers: ${(w.perSecond / floor).toFixed(2)}`).join(', ')}); load average ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`);
} finally {
  await database.close();
  await throwaway.drop();
}
