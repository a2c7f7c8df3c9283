/**
 * The dashboard and the work-queue counts read exact caches (day and month rollups, the
 * disposition state behind a watermark): whatever the clock and whatever was recorded since, they
 * must equal a computation from scratch over every screening and disposition. The reference here
 * is plain TypeScript over all rows, independent of the store's SQL.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toCountryCode } from '../../src/lists/countries.js';
import type { Ruleset } from '../../src/rules/index.js';
import { FINAL_DISPOSITION_ACTIONS, QUEUE_DECISIONS } from '../../src/schemas/audit.js';
import { DashboardService, type Dashboard } from '../../src/services/dashboard.js';
import { SETTLE_MS, WAIT_BUCKET_HOURS, type Period } from '../../src/store/dashboard-repo.js';
import { openDatabase, type Database } from '../../src/store/db.js';
import { rulesOnly } from '../helpers/ruleset.js';
import { freshStorage, type TestStorage } from '../helpers/storage.js';

const H = 3_600_000;
const DAY = 24 * H;
const DECISIONS = ['CLEAR', 'REVIEW', 'LICENSE_REQUIRED', 'BLOCK'] as const;
// Submitted as callers write them: names, alpha-3 and alpha-2 codes that merge to one country.
const VIAS = [[], ['SG'], ['Hong Kong'], ['HK', 'MY'], ['ARE'], ['Singapore', 'TH'], []] as const;

interface Row {
  id: string;
  seq: number;
  riskScore: number;
  createdAt: string;
  decision: string;
  ruleIds: string[];
  request: { route?: { via?: string[] } };
}
interface Disp {
  screeningId: string;
  action: string;
  seq: number;
  createdAt: string;
}

let store: TestStorage;
let database: Database;
let ruleset: Ruleset;
let clock = Date.parse('2026-06-27T12:00:00.000Z');
let n = 0;

async function screen(at: number, i = n): Promise<string> {
  n++;
  const id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  const decision = DECISIONS[(i * 7) % 4]!;
  // Flagged screenings carry the checks that passed too (LIST-CLEAR on every one): never among the rules that fire most.
  const ruleIds = decision === 'CLEAR' ? ['INFO-CHECKED'] : [`R${String((i * 5) % 13).padStart(2, '0')}`, `R${String((i * 3) % 7).padStart(2, '0')}`, 'LIST-CLEAR'];
  const via = VIAS[i % VIAS.length]!;
  const request = { reference: `SO-${n}`, route: { origin: 'US', via: [...via], destination: 'VN' } };
  await database.db.execute(sql`
    insert into screenings (id, reference, created_at, ship_date, decision, risk_score, destination, countries, rule_ids, flag_categories,
      raised_categories, party_names, chip_models, eccns, ruleset_version, ruleset_hash, request, result, request_hash, idempotency_scope)
    values (${id}, ${`SO-${n}`}, ${new Date(at).toISOString()}, '2026-07-30', ${decision}, ${(i * 37) % 101}, 'VN', ${'{US,VN}'}, ${`{${ruleIds.join(',')}}`},
      '{}', '{}', 'acme', '{}', '{}', 't', 't', ${JSON.stringify(request)}::jsonb, '{}'::jsonb, ${`h${n}`}, '')`);
  return id;
}

async function dispose(screeningId: string, action: string, at: number): Promise<void> {
  n++;
  await database.db.execute(sql`
    insert into dispositions (id, screening_id, action, justification, api_key_id, created_at)
    values (${`d-${n}`}, ${screeningId}, ${action}, 'checked', null, ${new Date(at).toISOString()})`);
}

const iso = `to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
async function everything(): Promise<{ rows: Row[]; disps: Disp[] }> {
  const rows = (await database.db.execute(sql.raw(`select id, seq::int as seq, risk_score as "riskScore", ${iso} as "createdAt", decision, rule_ids as "ruleIds", request from screenings`))) as unknown as { rows: Row[] };
  const disps = (await database.db.execute(sql.raw(`select screening_id as "screeningId", action, seq::int as seq, ${iso} as "createdAt" from dispositions`))) as unknown as {
    rows: Disp[];
  };
  return { rows: rows.rows.map((r) => ({ ...r, seq: Number(r.seq) })), disps: disps.rows.map((d) => ({ ...d, seq: Number(d.seq) })) };
}

/** Screenings with a queue decision whose latest disposition is final. */
async function closedInQueue(): Promise<string[]> {
  const { rows, disps } = await everything();
  const latest = new Map<string, Disp>();
  for (const d of disps) if ((latest.get(d.screeningId)?.seq ?? -1) < d.seq) latest.set(d.screeningId, d);
  const finals = new Set<string>(FINAL_DISPOSITION_ACTIONS);
  return rows.filter((r) => (QUEUE_DECISIONS as readonly string[]).includes(r.decision) && finals.has(latest.get(r.id)?.action ?? '')).map((r) => r.id);
}

const percentile = (sorted: number[], q: number): number | null => {
  if (sorted.length === 0) return null;
  const x = q * (sorted.length - 1);
  const lo = Math.floor(x);
  const hi = Math.ceil(x);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (x - lo);
};
const byCount = <T extends { n: number }>(key: (t: T) => string) => (a: T, b: T) => b.n - a.n || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

/** The dashboard from scratch: every row read, nothing cached. */
async function reference(p: Period): Promise<Omit<Dashboard, 'period'> & { open: Row[] }> {
  const { rows, disps } = await everything();
  const from = Date.parse(p.from);
  const to = Date.parse(p.to);
  const inP = rows.filter((r) => Date.parse(r.createdAt) >= from && Date.parse(r.createdAt) < to);
  const perDay: Dashboard['perDay'] = [];
  for (let t = Math.floor(from / DAY) * DAY; t < to; t += DAY) {
    const day = new Date(t).toISOString().slice(0, 10);
    const counts: Record<string, number> = {};
    for (const r of inP) if (r.createdAt.startsWith(day)) counts[r.decision] = (counts[r.decision] ?? 0) + 1;
    perDay.push({ day, counts });
  }
  const flagged = inP.filter((r) => r.decision !== 'CLEAR');
  const rules = new Map<string, number>();
  // Rules that fired: checks that passed (LIST-CLEAR, DEST-NLR…) are not counted.
  for (const r of flagged) for (const id of r.ruleIds) if (!ruleset.checkRuleIds.has(id)) rules.set(id, (rules.get(id) ?? 0) + 1);
  const vias = new Map<string, number>();
  for (const r of flagged)
    for (const v of r.request.route?.via ?? []) {
      const code = toCountryCode(v) ?? v.toUpperCase();
      vias.set(code, (vias.get(code) ?? 0) + 1);
    }
  const finals = new Set<string>(FINAL_DISPOSITION_ACTIONS);
  const secs = flagged
    .map((r) => {
      const f = disps.filter((d) => d.screeningId === r.id && finals.has(d.action)).map((d) => Date.parse(d.createdAt));
      return f.length ? (Math.min(...f) - Date.parse(r.createdAt)) / 1000 : null;
    })
    .filter((s): s is number => s !== null)
    .sort((a, b) => a - b);
  const bounds = [0, ...WAIT_BUCKET_HOURS.map((h) => h * 3600), Infinity];
  const latest = new Map<string, Disp>();
  for (const d of disps) if ((latest.get(d.screeningId)?.seq ?? -1) < d.seq) latest.set(d.screeningId, d);
  const open = rows.filter((r) => (QUEUE_DECISIONS as readonly string[]).includes(r.decision) && !finals.has(latest.get(r.id)?.action ?? ''));
  const counts: Record<string, number> = {};
  for (const r of open) counts[r.decision] = (counts[r.decision] ?? 0) + 1;
  const oldest = open.map((r) => r.createdAt).sort()[0] ?? null;
  return {
    perDay,
    topRules: [...rules].map(([ruleId, n]) => ({ ruleId, n })).sort(byCount((x) => x.ruleId)).slice(0, 10),
    intermediaries: [...vias]
      .map(([country, n]) => ({ country, n, hub: ruleset.hubs.get(country)?.tier ?? null }))
      .sort((a, b) => b.n - a.n || a.country.localeCompare(b.country))
      .slice(0, 15),
    waiting: {
      decided: secs.length,
      p50: percentile(secs, 0.5),
      p90: percentile(secs, 0.9),
      max: secs.length ? secs[secs.length - 1]! : null,
      buckets: bounds.slice(0, -1).map((lo, i) => secs.filter((s) => s >= lo && s < bounds[i + 1]!).length),
    },
    queue: { counts, total: open.length, oldest },
    open,
  };
}

const periods = (): Array<[string, Period]> => {
  const at = (ms: number) => new Date(ms).toISOString();
  return [
    ['7 days', { from: at(clock - 7 * DAY), to: at(clock) }],
    ['30 days (a whole month inside)', { from: at(clock - 30 * DAY), to: at(clock) }],
    ['45 days', { from: at(clock - 45 * DAY), to: at(clock) }],
    ['odd edges, ending in the past', { from: at(clock - 38 * DAY + 5 * H + 17_000), to: at(clock - 2 * DAY + 3 * H) }],
    ['whole UTC days', { from: `${at(clock - 20 * DAY).slice(0, 10)}T00:00:00.000Z`, to: `${at(clock - DAY).slice(0, 10)}T00:00:00.000Z` }],
    ['today only', { from: `${at(clock).slice(0, 10)}T00:00:00.000Z`, to: at(clock + H) }],
  ];
};

async function expectExact(svc: DashboardService): Promise<void> {
  for (const [label, p] of periods()) {
    const got = await svc.summary(p);
    const want = await reference(p);
    const { waiting, ...rest } = got;
    const { waiting: wantWaiting, open: _open, ...wantRest } = want;
    expect({ ...rest, period: undefined }, label).toEqual({ ...wantRest, period: undefined });
    expect({ ...waiting, p50: null, p90: null }, label).toEqual({ ...wantWaiting, p50: null, p90: null });
    if (wantWaiting.p50 === null) expect(waiting.p50, label).toBeNull();
    else expect(waiting.p50, label).toBeCloseTo(wantWaiting.p50, 3);
    if (wantWaiting.p90 === null) expect(waiting.p90, label).toBeNull();
    else expect(waiting.p90, label).toBeCloseTo(wantWaiting.p90, 3);
  }
  const want = await reference(periods()[0]![1]);
  const orders = {
    age: [...want.open].sort((a, b) => a.seq - b.seq),
    risk: [...want.open].sort((a, b) => b.riskScore - a.riskScore || a.seq - b.seq),
  };
  for (const order of ['age', 'risk'] as const) {
    for (const [limit, offset] of [
      [5, 0],
      [4, 3],
      [1000, 0],
    ] as const) {
      const q = await svc.queue({ order, limit, offset });
      expect(q.stats, order).toEqual(want.queue);
      expect(
        q.items.map((i) => i.id),
        `${order} ${limit}@${offset}`,
      ).toEqual(orders[order].slice(offset, offset + limit).map((r) => r.id));
    }
  }
}

describe('dashboard caches are exact', () => {
  beforeAll(async () => {
    store = await freshStorage();
    database = await openDatabase(store.storage);
    await database.migrate();
    ruleset = await rulesOnly();
  });
  afterAll(async () => {
    await database?.close();
    await store?.drop();
  });

  it('equals a from-scratch computation as days, months and dispositions come and go', { timeout: 240_000 }, async () => {
    const svc = new DashboardService(database.db, () => ruleset, () => new Date(clock));
    // 50 days of history up to now (2026-06-27 12:00), on day edges too: 23:59:59.999 and 00:00.
    const ids: string[] = [];
    for (let d = 50; d >= 0; d--) {
      const day = Math.floor((clock - d * DAY) / DAY) * DAY;
      for (const off of [0, 3 * H + 1, 9 * H + 7, 15 * H, DAY - 1]) {
        if (day + off < clock) ids.push(await screen(day + off));
      }
    }
    // Dispositions over time: a clearance, a reopening (escalated after cleared), a second final.
    for (let i = 0; i < ids.length; i += 3) {
      const s = (await everything()).rows.find((r) => r.id === ids[i])!;
      const t = Math.min(Date.parse(s.createdAt) + (i % 5) * 7 * H + 60_000, clock - 1000);
      await dispose(ids[i]!, i % 2 ? 'escalated' : 'cleared', t);
      if (i % 4 === 0 && t + H < clock) await dispose(ids[i]!, i % 8 === 0 ? 'escalated' : 'blocked', t + H);
    }
    await expectExact(svc);

    // Two hours on: new screenings today, dispositions on old and new ones (some within SETTLE_MS).
    clock += 2 * H;
    for (let k = 0; k < 6; k++) ids.push(await screen(clock - (k + 1) * 11 * 60_000, k + 3));
    await dispose(ids[1]!, 'cleared', clock - 30 * 60_000);
    // Screenings the cache holds as closed: one reopens, one gets a second final disposition.
    const closed = await closedInQueue();
    expect(closed.length).toBeGreaterThanOrEqual(2);
    await dispose(closed[0]!, 'escalated', clock - 40 * 60_000);
    await dispose(closed[1]!, 'blocked', clock - 35 * 60_000);
    await dispose(ids[0]!, 'escalated', clock - 2 * 60_000); // reopens a cached clearance, after the watermark
    await dispose(ids[ids.length - 1]!, 'license_applied', clock - 60_000);
    await expectExact(svc);

    // Past midnight into July: yesterday (and June) are over and get rolled up; the old memo and a
    // fresh service (another replica) both agree with the reference.
    clock = Date.parse('2026-07-01T00:00:00.000Z') + SETTLE_MS + 5 * 60_000;
    for (let k = 0; k < 4; k++) ids.push(await screen(clock - k * 3 * 60_000, k));
    await dispose(ids[2]!, 'cleared', clock - 4 * 60_000);
    await dispose(ids[ids.length - 2]!, 'blocked', clock - 60_000);
    await expectExact(svc);
    await expectExact(new DashboardService(database.db, () => ruleset, () => new Date(clock)));
    const months = (await database.db.execute(sql`select to_char(day, 'YYYY-MM') as m from dashboard_rollups where span = 'month' order by 1`)) as unknown as {
      rows: Array<{ m: string }>;
    };
    expect(months.rows.map((r) => r.m)).toEqual(['2026-05', '2026-06']);

    // Days later, with the watermark well behind: the cache folds in everything since, exactly.
    clock += 3 * DAY;
    await dispose(ids[ids.length - 1]!, 'cleared', clock - 2 * DAY);
    await dispose(ids[5]!, 'approved', clock - DAY);
    ids.push(await screen(clock - 5000, 1));
    await expectExact(svc);
  });
});
