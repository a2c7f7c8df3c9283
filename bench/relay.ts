/**
 * The event relay's sweep (src/services/event-relay.ts) on a large flag log in Postgres: what one
 * sweep costs when its window holds a minute of screenings at a high rate. Loads the realistic flag
 * log of bench/flag-log-loader.ts (a year, 45 % not CLEAR) into a throwaway database, registers two
 * webhook endpoints subscribed to screening.flagged (one for everyone, one for a single submitter),
 * gives every flagged screening of the window its deliveries as the screening path would — except
 * `--lost` of them, as if a crash had kept theirs from being queued — and then times:
 *   - the first sweep over the window (finds and queues the lost ones),
 *   - steady-state sweeps over the same window (everything queued: the anti-join finds nothing),
 *   - a sweep with no endpoint subscribed (the cheap exit),
 * against a baseline in the same run: counting the window's rows through the created_at index.
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/relay.ts [--rows 1000000] [--window-rows 60000] [--lost 50] [--runs 20]
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { adminSql } from './throwaway-db.js';
import { loadFlagLog } from './flag-log-loader.js';
import { EventRelay, FLAGGED_RELAY } from '../src/services/event-relay.js';
import { WebhookService } from '../src/services/webhooks.js';
import { testConfig } from '../src/config.js';
import { openDatabase, type Database } from '../src/store/db.js';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const ROWS = Number(flag('--rows') ?? 1_000_000);
const WINDOW_ROWS = Number(flag('--window-rows') ?? 60_000);
const LOST = Number(flag('--lost') ?? 50);
const RUNS = Number(flag('--runs') ?? 20);
const BASE = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL;
if (!BASE || !/^postgres(ql)?:\/\//.test(BASE)) {
  console.error('bench/relay.ts needs BENCH_DATABASE_URL (or DATABASE_URL) = postgres://… of a server it may create databases on');
  process.exit(64);
}
const log = (msg: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);
const rowsOf = (res: unknown) => ((res as { rows?: unknown[] }).rows ?? (res as unknown[])) as Array<Record<string, unknown>>;

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: s[Math.floor(s.length / 2)]!, p95: s[Math.min(s.length - 1, Math.ceil(s.length * 0.95) - 1)]! };
}

async function timed(label: string, runs: number, before: () => Promise<void>, fn: () => Promise<unknown>) {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    await before();
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  const r = stats(samples);
  log(`${label.padEnd(52)} p50 ${r.p50.toFixed(1).padStart(8)} ms   p95 ${r.p95.toFixed(1).padStart(8)} ms`);
  return r;
}

async function main() {
  const name = `chokepoint_bench_${randomBytes(4).toString('hex')}`;
  const url = new URL(BASE!);
  url.pathname = `/${name}`;
  await adminSql(BASE!, `CREATE DATABASE "${name}"`);
  let database: Database | undefined;
  try {
    database = await openDatabase({ kind: 'postgres', url: url.toString() });
    await database.migrate();
    const db = database.db;
    const now = new Date();
    log(`database ${name}: loading ${ROWS.toLocaleString()} screenings`);
    log(`loaded in ${(await loadFlagLog(url.toString(), ROWS, now.toISOString(), log)).toFixed(1)} s`);

    // The window: the newest WINDOW_ROWS screenings (a minute at 1,000 screenings/s for the default).
    const [edge] = rowsOf(await db.execute(sql`SELECT created_at FROM screenings ORDER BY created_at DESC, id DESC OFFSET ${WINDOW_ROWS} LIMIT 1`));
    const from = new Date(String(edge!.created_at)).toISOString();
    const to = new Date(now.getTime() + 1).toISOString();
    const { n: windowRows, f: windowFlagged } = (rowsOf(await db.execute(sql`
      SELECT count(*)::int AS n, count(*) FILTER (WHERE decision <> 'CLEAR')::int AS f FROM screenings WHERE created_at > ${from}::timestamptz AND created_at <= ${to}::timestamptz`)) as Array<{ n: number; f: number }>)[0]!;
    log(`window: ${windowRows.toLocaleString()} screenings, ${windowFlagged.toLocaleString()} flagged`);

    // Two endpoints registered long before the window: everyone's, and one submitter's (key-erp-1).
    const longAgo = new Date(now.getTime() - 400 * 86_400_000).toISOString();
    const endpoints = [{ id: randomUUID(), owner: null }, { id: randomUUID(), owner: 'key-erp-1' }];
    for (const e of endpoints) {
      await db.execute(sql`INSERT INTO webhook_endpoints (id, url, description, events, owner_key_id, allow_http, enabled, secret, created_at, updated_at)
        VALUES (${e.id}, 'https://erp.example.com/hooks', 'bench', ARRAY['screening.flagged']::text[], ${e.owner}, false, true, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', ${longAgo}::timestamptz, ${longAgo}::timestamptz)`);
    }
    // Their deliveries, as the screening path queues them — all but the LOST newest-but-one flagged screenings.
    const t0 = performance.now();
    await db.execute(sql`
      WITH flagged AS (
        SELECT s.id, s.api_key_id, s.created_at, row_number() OVER (ORDER BY s.created_at DESC, s.id) AS k
        FROM screenings s WHERE s.created_at > ${from}::timestamptz AND s.created_at <= ${to}::timestamptz AND s.decision <> 'CLEAR')
      INSERT INTO webhook_deliveries (id, message_id, endpoint_id, event_type, event_key, payload, owner_key_id, status, attempts, next_attempt_at, subject_id, created_at)
      SELECT md5(f.id || e.id)::uuid::text, 'msg_' || md5(f.id || e.id), e.id, 'screening.flagged', md5('k' || f.id), '{}', f.api_key_id, 'succeeded', 1, f.created_at, f.id, f.created_at
      FROM flagged f JOIN webhook_endpoints e ON e.owner_key_id IS NULL OR e.owner_key_id = f.api_key_id
      WHERE f.k > ${LOST}`);
    await db.execute(sql`VACUUM ANALYZE webhook_deliveries`);
    const deliveries = Number(rowsOf(await db.execute(sql`SELECT count(*)::int AS n FROM webhook_deliveries`))[0]!.n);
    log(`${deliveries.toLocaleString()} deliveries stored in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${LOST} flagged screenings have none`);

    const config = testConfig();
    const webhooks = new WebhookService(db, config.webhooks);
    const quiet = { warn: () => {}, error: (o: object, m: string) => log(`relay error: ${m} ${JSON.stringify(o)}`) };
    // A clock that puts the sweep's settled edge at the end of the window.
    const relay = new EventRelay(db, webhooks, { intervalMs: 0, settleMs: 0, log: quiet, clock: () => new Date(to) });
    const rewind = async () => {
      await db.execute(sql`INSERT INTO event_relay_cursors (name, through, updated_at) VALUES (${FLAGGED_RELAY}, ${from}::timestamptz, now())
        ON CONFLICT (name) DO UPDATE SET through = excluded.through`);
    };

    const baseline = await timed('baseline: count(*) of the window (index)', RUNS, async () => {}, () =>
      db.execute(sql`SELECT count(*) FROM screenings WHERE created_at > ${from}::timestamptz AND created_at <= ${to}::timestamptz`));
    await rewind();
    const f0 = performance.now();
    const queued = await relay.sweep();
    log(`first sweep: queued ${queued} deliveries (${LOST} screenings lost, ${endpoints.length} endpoints) in ${(performance.now() - f0).toFixed(1)} ms`);
    const steady = await timed('steady sweep of the window (nothing missing)', RUNS, rewind, () => relay.sweep());
    const again = await relay.sweep();
    if (again !== 0) throw new Error(`a sweep after the first queued ${again} more`);
    await db.execute(sql`UPDATE webhook_endpoints SET enabled = false`);
    const none = await timed('sweep with no endpoint subscribed', RUNS, rewind, () => relay.sweep());
    log(`steady sweep / baseline: ${(steady.p50 / baseline.p50).toFixed(1)}× (p50)`);
    log(`per window screening: ${((steady.p50 * 1000) / windowRows).toFixed(1)} µs (steady, p50); no endpoint: ${none.p50.toFixed(1)} ms`);
  } finally {
    await database?.close();
    if (process.env.BENCH_KEEP_DB !== '1') await adminSql(BASE!, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
