/**
 * Aggregates for the console: the work queue (open screenings, oldest or riskiest first, with
 * counts per decision) and the dashboard's pictures over a period. Each is one SQL statement
 * bounded by created_at through screenings_created_idx, so it reads the period, not the log.
 */
import { and, asc, desc, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from './db.js';
import { screenings } from './schema.js';
import { FINAL_DISPOSITION_ACTIONS, QUEUE_DECISIONS } from '../schemas/audit.js';
import { openCondition, summaryColumns, type ScreeningSummaryRow } from './screenings-query.js';

export type QueueOrder = 'age' | 'risk';

/** Open screenings, oldest first (age) or highest risk first; offset paging (a queue is short-lived and small). */
export async function openQueuePage(db: Db, opts: { order: QueueOrder; limit: number; offset: number }): Promise<ScreeningSummaryRow[]> {
  const order = opts.order === 'risk' ? [desc(screenings.riskScore), asc(screenings.seq)] : [asc(screenings.seq)];
  return (await db
    .select(summaryColumns)
    .from(screenings)
    .where(openCondition())
    .orderBy(...order)
    .limit(opts.limit)
    .offset(opts.offset)) as ScreeningSummaryRow[];
}

export interface QueueStats {
  counts: Record<string, number>;
  total: number;
  /** ISO time of the oldest open screening, or null when the queue is empty. */
  oldest: string | null;
}

/**
 * Counts over the whole queue. The per-row probe of openCondition() suits a page (it stops after
 * one), not a count over every flagged screening: here the screenings whose latest disposition is
 * final are found once (dispositions are few) and removed by a hash anti-join.
 */
export async function openQueueStats(db: Db): Promise<QueueStats> {
  const finals = sql.join(
    FINAL_DISPOSITION_ACTIONS.map((a) => sql`${a}`),
    sql`, `,
  );
  const queued = sql.join(
    QUEUE_DECISIONS.map((d) => sql`${d}`),
    sql`, `,
  );
  const r = await db.execute(sql`
    with latest as (
      select distinct on (screening_id) screening_id, action from dispositions order by screening_id, seq desc
    ), closed as (select screening_id from latest where action in (${finals}))
    select s.decision, count(*)::int as n, min(s.created_at) as oldest
    from ${screenings} s
    where s.decision in (${queued}) and not exists (select 1 from closed c where c.screening_id = s.id)
    group by s.decision`);
  const rows = rowsOf<{ decision: string; n: number; oldest: string | null }>(r);
  const counts: Record<string, number> = {};
  let oldest: string | null = null;
  for (const row of rows) {
    counts[row.decision] = Number(row.n);
    const at = row.oldest === null ? null : new Date(row.oldest).toISOString();
    if (at !== null && (oldest === null || at < oldest)) oldest = at;
  }
  return { counts, total: Object.values(counts).reduce((a, b) => a + b, 0), oldest };
}

export interface Period {
  /** ISO date-times: created_at ≥ from and < to. */
  from: string;
  to: string;
}

const inPeriod = (p: Period): SQL => and(gte(screenings.createdAt, p.from), lt(screenings.createdAt, p.to)) as SQL;

type Rows<T> = { rows: T[] };
const rowsOf = <T>(r: unknown): T[] => (r as Rows<T>).rows;

/** Screenings per UTC day and decision. */
export async function decisionsPerDay(db: Db, p: Period): Promise<Array<{ day: string; decision: string; n: number }>> {
  const r = await db.execute(sql`
    select to_char(${screenings.createdAt} at time zone 'UTC', 'YYYY-MM-DD') as day, ${screenings.decision} as decision, count(*)::int as n
    from ${screenings} where ${inPeriod(p)} group by 1, 2 order by 1, 2`);
  return rowsOf<{ day: string; decision: string; n: number }>(r).map((x) => ({ ...x, n: Number(x.n) }));
}

/** The rules that fired most on screenings that were not CLEAR. */
export async function topRules(db: Db, p: Period, limit: number): Promise<Array<{ ruleId: string; n: number }>> {
  const r = await db.execute(sql`
    select rule_id as "ruleId", count(*)::int as n
    from ${screenings}, unnest(${screenings.ruleIds}) as rule_id
    where ${inPeriod(p)} and ${screenings.decision} <> 'CLEAR'
    group by rule_id order by n desc, rule_id limit ${limit}`);
  return rowsOf<{ ruleId: string; n: number }>(r).map((x) => ({ ...x, n: Number(x.n) }));
}

/**
 * Intermediary countries (route.via as submitted) on screenings that were not CLEAR. The stored
 * request keeps what the caller sent ("Hong Kong", "HKG", "HK"); the service normalises and merges.
 */
export async function viaCountries(db: Db, p: Period): Promise<Array<{ via: string; n: number }>> {
  const r = await db.execute(sql`
    select via, count(*)::int as n
    from ${screenings}, jsonb_array_elements_text(coalesce(${screenings.request} -> 'route' -> 'via', '[]'::jsonb)) as via
    where ${inPeriod(p)} and ${screenings.decision} <> 'CLEAR'
    group by via order by n desc`);
  return rowsOf<{ via: string; n: number }>(r).map((x) => ({ ...x, n: Number(x.n) }));
}

export interface WaitingTimes {
  /** Screenings of the period that received a final disposition. */
  decided: number;
  /** Seconds from screening to its first final disposition. */
  p50: number | null;
  p90: number | null;
  max: number | null;
  /** Counts per bucket: < 1 h, < 4 h, < 24 h, < 3 d, ≥ 3 d. */
  buckets: number[];
}

export const WAIT_BUCKET_HOURS = [1, 4, 24, 72] as const;

/** How long flagged screenings of the period waited for their first final disposition. */
export async function waitingTimes(db: Db, p: Period): Promise<WaitingTimes> {
  const finals = sql.join(
    FINAL_DISPOSITION_ACTIONS.map((a) => sql`${a}`),
    sql`, `,
  );
  const r = await db.execute(sql`
    with w as (
      select extract(epoch from (select min(d.created_at) from dispositions d where d.screening_id = s.id and d.action in (${finals})) - s.created_at) as secs
      from ${screenings} s
      where s.created_at >= ${p.from} and s.created_at < ${p.to} and s.decision <> 'CLEAR'
    )
    select count(secs)::int as decided,
           percentile_cont(0.5) within group (order by secs) as p50,
           percentile_cont(0.9) within group (order by secs) as p90,
           max(secs) as max,
           ${sql.raw(WAIT_BUCKET_HOURS.map((h, i) => `count(*) filter (where secs < ${h * 3600}${i ? ` and secs >= ${WAIT_BUCKET_HOURS[i - 1]! * 3600}` : ''})::int as b${i}`).join(', '))},
           count(*) filter (where secs >= ${sql.raw(String(WAIT_BUCKET_HOURS[WAIT_BUCKET_HOURS.length - 1]! * 3600))})::int as b${sql.raw(String(WAIT_BUCKET_HOURS.length))}
    from w`);
  const row = rowsOf<Record<string, unknown>>(r)[0] ?? {};
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    decided: Number(row.decided ?? 0),
    p50: num(row.p50),
    p90: num(row.p90),
    max: num(row.max),
    buckets: Array.from({ length: WAIT_BUCKET_HOURS.length + 1 }, (_, i) => Number(row[`b${i}`] ?? 0)),
  };
}
