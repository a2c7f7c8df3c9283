/**
 * Aggregates for the console: the work queue (open screenings, oldest or riskiest first, with
 * counts per decision) and the dashboard's pictures over a period — fast on a log of millions.
 *
 * Two exact caches keep every aggregate off the bulk of the log:
 * - Rollups (dashboard_rollup_counts): screenings per decision, rule firings and route.via entries
 *   per UTC day, for days that are over, and per month once its days are. A screening's created_at
 *   is the server's clock when it is screened and screenings are append-only, so a day that ended
 *   SETTLE_MS ago never changes: its rollup is computed once (lazily, by the first read that needs
 *   it). A period reads the rollups of its whole months and days and the screenings of its partial
 *   edge days (today, the first day) live.
 * - Disposition state (dashboard_dispositions): per screening with a disposition, its first final
 *   disposition and its latest one, as of the dispositions recorded before a watermark (at most
 *   about 2 × SETTLE_MS ago), kept with the closed counts per queue decision (dashboard_closed)
 *   and the open queue (dashboard_open), so queue pages walk open screenings, never closed ones.
 *   Dispositions after the watermark are read live (dispositions_created_idx) and override the
 *   cache, so a disposition recorded a second ago moves the queue at once.
 * "Exact" rests on one assumption, the same the seal chain makes: a record commits within
 * SETTLE_MS of its server-set created_at (transactions last seconds; replicas' clocks agree to
 * well under that).
 */
import { inArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from './db.js';
import { dashboardClosed, dashboardDispositions, dashboardOpen, dashboardRollupCounts, dashboardRollups, dashboardWatermarks, dispositions, screenings } from './schema.js';
import { FINAL_DISPOSITION_ACTIONS, OUT_OF_MONITORING_ACTION, QUEUE_DECISIONS } from '../schemas/audit.js';
import { summaryColumns, type ScreeningSummaryRow } from './screenings-query.js';

export type QueueOrder = 'age' | 'risk';

/** A record stamped more than this long ago has committed (see the header). */
export const SETTLE_MS = 10 * 60_000;
const DAY_MS = 86_400_000;
/** Days per rollup statement: a first read on a large log computes its history in steps well inside the statement timeout. */
const ROLLUP_STEP_DAYS = 7;
/** The disposition cache is refreshed once its watermark is this old (and then set to now − SETTLE_MS). */
const REFRESH_AFTER_MS = 2 * SETTLE_MS;

type Rows<T> = { rows: T[] };
const rowsOf = <T>(r: unknown): T[] => (r as Rows<T>).rows;
const list = (xs: readonly string[]): SQL =>
  sql.join(
    xs.map((x) => sql`${x}`),
    sql`, `,
  );
const FINALS = list(FINAL_DISPOSITION_ACTIONS);
const QUEUED = list(QUEUE_DECISIONS);

/**
 * Four eyes (FOUR_EYES_DECISIONS, those of them that queue): a clearance of such a decision waits for a
 * second reviewer's approval, and until then it does not close the screening — someone must still act.
 */
export const fourEyesQueued = (fourEyes: readonly string[]): string[] =>
  [...new Set(fourEyes)].filter((d) => (QUEUE_DECISIONS as readonly string[]).includes(d)).sort();
/**
 * Whether a screening's latest disposition `action`, on stored decision `decision`, closes it: a final
 * action, except a clearance awaiting approval. (A clearance whose approval is recorded is followed by
 * `approved`, itself final.)
 */
const closes = (action: SQL, decision: SQL, fourEyes: readonly string[]): SQL =>
  fourEyes.length ? sql`(${action} in (${FINALS}) and not (${action} = 'cleared' and ${decision} in (${list(fourEyes)})))` : sql`(${action} in (${FINALS}))`;
/**
 * The disposition cache's watermark row: one per four-eyes setting, since what closes a screening
 * depends on it. (Without four eyes the name is the one caches always had.)
 */
const watermarkName = (fourEyes: readonly string[]): string => (fourEyes.length ? `dispositions:four-eyes=${fourEyes.join(',')}` : 'dispositions');
const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10);
const dayStart = (day: string) => `${day}T00:00:00.000Z`;
const iso = (v: unknown): string | null => (v === null || v === undefined ? null : new Date(v as string).toISOString());

// ---------------------------------------------------------------------------------------------
// Rollups

/** The first UTC day not yet over (by SETTLE_MS): days before it are immutable. */
export const settledDayEnd = (now: Date): string => isoDay(now.getTime() - SETTLE_MS);
const monthOf = (day: string) => `${day.slice(0, 7)}-01`;
const nextMonth = (day: string): string => {
  const d = new Date(dayStart(monthOf(day)));
  d.setUTCMonth(d.getUTCMonth() + 1);
  return isoDay(d.getTime());
};

/** Computes the day rollups of the UTC days [fromDay, toDay) in one statement, and marks the days done. */
async function rollUpDays(db: Db, fromDay: string, toDay: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`
      with src as materialized (
        select (created_at at time zone 'UTC')::date as day, decision, rule_ids,
               case when decision <> 'CLEAR' then request -> 'route' -> 'via' end as via
        from ${screenings}
        where created_at >= ${dayStart(fromDay)}::timestamptz and created_at < ${dayStart(toDay)}::timestamptz
      ), counts as (
        select 'decision' as kind, day, decision as key, count(*)::int as n from src group by day, decision
        union all
        select 'rule', day, rule_id, count(*)::int from src, unnest(rule_ids) as rule_id where decision <> 'CLEAR' group by day, rule_id
        union all
        select 'via', day, via_entry, count(*)::int
        from src, json_array_elements_text(case when json_typeof(via) = 'array' then via else '[]'::json end) as via_entry
        where decision <> 'CLEAR' group by day, via_entry
      )
      insert into ${dashboardRollupCounts} (span, kind, day, key, n) select 'day', kind, day, key, n from counts
      on conflict do nothing`);
    await tx.execute(sql`
      insert into ${dashboardRollups} (span, day, computed_at)
      select 'day', d::date, now() from generate_series(${fromDay}::date, ${toDay}::date - 1, interval '1 day') as d
      on conflict do nothing`);
  });
}

/** Sums a month's day rollups into its month rollup (every day of the month is rolled up). */
async function rollUpMonth(db: Db, month: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`
      insert into ${dashboardRollupCounts} (span, kind, day, key, n)
      select 'month', kind, ${month}::date, key, sum(n)::int from ${dashboardRollupCounts}
      where span = 'day' and kind in ('decision', 'rule', 'via') and day >= ${month}::date and day < ${nextMonth(month)}::date
      group by kind, key
      on conflict do nothing`);
    await tx.execute(sql`insert into ${dashboardRollups} (span, day, computed_at) values ('month', ${month}::date, now()) on conflict do nothing`);
  });
}

/**
 * Makes sure every day from the first screening's to settledDayEnd(now), and every month that
 * ends by then, has its rollup; returns that day (exclusive). `known` is the caller's memo: every
 * day before it is known to be rolled up (so are the months that end by it).
 */
export async function ensureRollups(db: Db, now: Date, known: string | null): Promise<string> {
  const end = settledDayEnd(now);
  if (known !== null && known >= end) return end;
  let from = known;
  if (from === null) {
    const [first] = rowsOf<{ at: string | null }>(await db.execute(sql`select min(created_at) as at from ${screenings}`));
    const at = iso(first?.at);
    if (at === null) return end; // no screenings yet: nothing before `end` can ever appear
    from = at.slice(0, 10);
  }
  if (from >= end) return end;
  const missing = rowsOf<{ span: string; day: string }>(
    await db.execute(sql`
      select 'day' as span, to_char(d, 'YYYY-MM-DD') as day
      from generate_series(${from}::date, ${end}::date - 1, interval '1 day') as d
      where not exists (select 1 from ${dashboardRollups} x where x.span = 'day' and x.day = d::date)
      union all
      select 'month', to_char(m, 'YYYY-MM-DD')
      from generate_series(${monthOf(from)}::date, ${end}::date - interval '1 month', interval '1 month') as m
      where not exists (select 1 from ${dashboardRollups} x where x.span = 'month' and x.day = m::date)
      order by 1, 2`),
  );
  const days = missing.filter((m) => m.span === 'day').map((m) => m.day);
  // Contiguous runs of missing days, at most ROLLUP_STEP_DAYS per statement.
  let i = 0;
  while (i < days.length) {
    let j = i + 1;
    while (j < days.length && j - i < ROLLUP_STEP_DAYS && Date.parse(days[j]!) - Date.parse(days[j - 1]!) === DAY_MS) j++;
    await rollUpDays(db, days[i]!, isoDay(Date.parse(days[j - 1]!) + DAY_MS));
    i = j;
  }
  const months = missing.filter((m) => m.span === 'month').map((m) => m.day);
  for (const month of months) await rollUpMonth(db, month);
  // Fresh rollups have no statistics yet; without them the planner guesses one row and sorts.
  if (days.length >= ROLLUP_STEP_DAYS || months.length > 0) await db.execute(sql`analyze ${dashboardRollupCounts}`);
  return end;
}

export interface Period {
  /** ISO date-times: created_at ≥ from and < to. */
  from: string;
  to: string;
}

type DayRange = { from: string; to: string };

/**
 * A period as rolled-up days and months plus the live ranges around them: `wholeDays` (day rollups,
 * for the per-day series) = `days` + `months` (day and month rollups, for the totals).
 */
export interface PeriodSplit {
  wholeDays: DayRange | null;
  days: DayRange[];
  months: DayRange | null;
  live: Period[];
}

/** Splits a period at UTC day and month boundaries: whole days before `rolledUpTo` come from rollups. */
export function splitPeriod(p: Period, rolledUpTo: string): PeriodSplit {
  const from = Date.parse(p.from);
  const to = Date.parse(p.to);
  const first = Math.ceil(from / DAY_MS) * DAY_MS;
  const last = Math.min(Math.floor(to / DAY_MS) * DAY_MS, Date.parse(dayStart(rolledUpTo)));
  if (first >= last) return { wholeDays: null, days: [], months: null, live: [p] };
  const live: Period[] = [];
  if (from < first) live.push({ from: p.from, to: new Date(first).toISOString() });
  if (last < to) live.push({ from: new Date(last).toISOString(), to: p.to });
  const d0 = isoDay(first);
  const d1 = isoDay(last);
  const m0 = monthOf(d0) === d0 ? d0 : nextMonth(d0);
  const m1 = monthOf(d1);
  if (m0 >= m1) return { wholeDays: { from: d0, to: d1 }, days: [{ from: d0, to: d1 }], months: null, live };
  const days = [
    { from: d0, to: m0 },
    { from: m1, to: d1 },
  ].filter((r) => r.from < r.to);
  return { wholeDays: { from: d0, to: d1 }, days, months: { from: m0, to: m1 }, live };
}

const liveCondition = (s: PeriodSplit): SQL =>
  s.live.length === 0
    ? sql`false`
    : sql`(${sql.join(
        s.live.map((r) => sql`(${screenings.createdAt} >= ${r.from} and ${screenings.createdAt} < ${r.to})`),
        sql` or `,
      )})`;

const inDays = (span: 'day' | 'month', r: DayRange) => sql`(span = ${span} and day >= ${r.from}::date and day < ${r.to}::date)`;

/** The rollup rows of one kind: per day over the whole days, or the fewest rows that cover them (months and edge days). */
const rollupRows = (kind: string, s: PeriodSplit, perDay: boolean): SQL => {
  const ranges = perDay ? (s.wholeDays ? [inDays('day', s.wholeDays)] : []) : [...s.days.map((r) => inDays('day', r)), ...(s.months ? [inDays('month', s.months)] : [])];
  return ranges.length === 0
    ? sql`select null::text as day, null::text as key, 0 as n where false`
    : sql`select to_char(day, 'YYYY-MM-DD') as day, key, n from ${dashboardRollupCounts} where kind = ${kind} and (${sql.join(ranges, sql` or `)})`;
};

export interface PeriodCounts {
  perDay: Array<{ day: string; decision: string; n: number }>;
  /** Every rule that fired on screenings not CLEAR, most first. */
  rules: Array<{ ruleId: string; n: number }>;
  /** Intermediary countries as submitted (route.via) on screenings not CLEAR, most first. */
  via: Array<{ via: string; n: number }>;
}

/**
 * Screenings per UTC day and decision, rule firings and route.via entries over a period, in one
 * statement: rollups for its whole days and months, one live pass over its partial edge days.
 * The stored request keeps the via as the caller sent it ("Hong Kong", "HKG", "HK"); the service
 * normalises and merges.
 */
export async function periodCounts(db: Db, s: PeriodSplit): Promise<PeriodCounts> {
  const via = sql`${screenings.request} -> 'route' -> 'via'`;
  const r = await db.execute(sql`
    with live as materialized (
      select to_char(${screenings.createdAt} at time zone 'UTC', 'YYYY-MM-DD') as day, ${screenings.decision} as decision,
             ${screenings.ruleIds} as rule_ids, case when ${screenings.decision} <> 'CLEAR' then ${via} end as via
      from ${screenings} where ${liveCondition(s)}
    )
    select * from (
      select 'decision' as kind, day, key, sum(n)::int as n from (
        ${rollupRows('decision', s, true)}
        union all select day, decision, count(*)::int from live group by day, decision
      ) x group by day, key
      union all
      select 'rule', null, key, sum(n)::int from (
        ${rollupRows('rule', s, false)}
        union all select null, rule_id, count(*)::int from live, unnest(rule_ids) as rule_id where decision <> 'CLEAR' group by rule_id
      ) x group by key
      union all
      select 'via', null, key, sum(n)::int from (
        ${rollupRows('via', s, false)}
        union all
        select null, via_entry, count(*)::int
        from live, json_array_elements_text(case when json_typeof(via) = 'array' then via else '[]'::json end) as via_entry
        where decision <> 'CLEAR' group by via_entry
      ) x group by key
    ) y order by kind, n desc, day, key`);
  const out: PeriodCounts = { perDay: [], rules: [], via: [] };
  for (const row of rowsOf<{ kind: string; day: string | null; key: string; n: number }>(r)) {
    const n = Number(row.n);
    if (row.kind === 'decision') out.perDay.push({ day: row.day!, decision: row.key, n });
    else if (row.kind === 'rule') out.rules.push({ ruleId: row.key, n });
    else out.via.push({ via: row.key, n });
  }
  out.perDay.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : a.decision < b.decision ? -1 : a.decision > b.decision ? 1 : 0));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Disposition state

const GONE = 'gone' as const;

/**
 * Moves the disposition cache's watermark to now − SETTLE_MS when it is older than
 * REFRESH_AFTER_MS, folding in the dispositions between (in steps of 31 days, each its own
 * transaction). Returns the watermark: dispositions at or after it are read live.
 */
export async function refreshDispositionCache(db: Db, now: Date, fourEyesDecisions: readonly string[] = [], attempt = 0): Promise<string> {
  const fe = fourEyesQueued(fourEyesDecisions);
  const name = watermarkName(fe);
  const target = new Date(now.getTime() - SETTLE_MS).toISOString();
  const read = async () => iso(rowsOf<{ at: string }>(await db.execute(sql`select at from ${dashboardWatermarks} where name = ${name}`))[0]?.at);
  let at = await read();
  if (at !== null && Date.parse(at) > now.getTime() - REFRESH_AFTER_MS) return at;
  if (at === null) {
    const [first] = rowsOf<{ at: string | null }>(
      await db.execute(sql`select least((select min(created_at) from ${dispositions}), (select min(created_at) from ${screenings})) as at`),
    );
    const start = iso(first?.at) ?? target;
    // A cache built under another four-eyes setting (or before pending clearances kept screenings open)
    // closed other screenings: it is emptied and built again under this one's watermark. Replicas must
    // agree on FOUR_EYES_DECISIONS (they would rebuild in turn otherwise).
    await db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended('dashboard_dispositions_rebuild', 0))`);
      const mine = rowsOf<{ name: string }>(await tx.execute(sql`select name from ${dashboardWatermarks} where name = ${name}`));
      if (mine.length) return;
      await tx.execute(sql`delete from ${dashboardWatermarks} where name like 'dispositions%'`);
      await tx.execute(sql`delete from ${dashboardDispositions}`);
      await tx.execute(sql`delete from ${dashboardClosed}`);
      await tx.execute(sql`delete from ${dashboardOpen}`);
      await tx.execute(sql`insert into ${dashboardWatermarks} (name, at) values (${name}, ${start < target ? start : target}) on conflict do nothing`);
    });
  }
  let folded = 0;
  for (;;) {
    const done = await db.transaction(async (tx) => {
      // One refresher at a time; the others wait here and then find the work done.
      const row = rowsOf<{ at: string }>(await tx.execute(sql`select at from ${dashboardWatermarks} where name = ${name} for update`))[0];
      // Another replica, under another four-eyes setting, emptied the cache meanwhile: start again.
      if (!row) return GONE;
      const w = iso(row.at)!;
      if (w >= target) return w;
      const next = new Date(Math.min(Date.parse(target), Date.parse(w) + 31 * DAY_MS)).toISOString();
      // Fold the window's dispositions into each screening's state, and keep the closed counts
      // per queue decision in step (a screening closes, or reopens: a disposition supersedes).
      const r = await tx.execute(sql`
        with win as (
          select screening_id, (array_agg(action order by seq desc))[1] as latest_action, max(seq) as latest_seq,
                 min(created_at) filter (where action in (${FINALS})) as first_final_at
          from ${dispositions} where created_at >= ${w} and created_at < ${next} group by screening_id
        ), merged as (
          select l.screening_id, s.created_at as screening_created_at, s.decision,
                 least(c.first_final_at, l.first_final_at) as first_final_at,
                 case when c.latest_seq > l.latest_seq then c.latest_action else l.latest_action end as latest_action,
                 greatest(c.latest_seq, l.latest_seq) as latest_seq,
                 coalesce(${closes(sql`c.latest_action`, sql`c.decision`, fe)}, false) as was_closed
          from win l join ${screenings} s on s.id = l.screening_id left join ${dashboardDispositions} c on c.screening_id = l.screening_id
        ), up as (
          insert into ${dashboardDispositions} (screening_id, screening_created_at, decision, first_final_at, latest_action, latest_seq)
          select screening_id, screening_created_at, decision, first_final_at, latest_action, latest_seq from merged
          on conflict (screening_id) do update set
            first_final_at = excluded.first_final_at, latest_action = excluded.latest_action, latest_seq = excluded.latest_seq
          returning 1
        ), closed as (
          insert into ${dashboardClosed} (decision, n)
          select decision, sum((${closes(sql`latest_action`, sql`decision`, fe)})::int - was_closed::int)::int from merged
          where decision in (${QUEUED}) group by decision
          on conflict (decision) do update set n = ${dashboardClosed.n} + excluded.n
          returning 1
        )
        select (select count(*) from up)::int as n`);
      folded += Number(rowsOf<{ n: number }>(r)[0]?.n ?? 0);
      // The open queue: screenings already in it (created before w) leave or rejoin as their latest
      // disposition says; those created in the window join unless already closed.
      await tx.execute(sql`
        with touched as (
          select c.screening_id, ${closes(sql`c.latest_action`, sql`c.decision`, fe)} as closed
          from ${dashboardDispositions} c join ${dispositions} d on d.screening_id = c.screening_id
          where d.created_at >= ${w} and d.created_at < ${next} and c.screening_created_at < ${w} and c.decision in (${QUEUED})
        ), gone as (
          delete from ${dashboardOpen} o using touched t where t.closed and o.screening_id = t.screening_id returning 1
        )
        insert into ${dashboardOpen} (screening_id, seq, created_at, risk_score, decision)
        select s.id, s.seq, s.created_at, s.risk_score, s.decision from ${screenings} s
        where s.id in (select screening_id from touched where not closed)
        on conflict do nothing`);
      await tx.execute(sql`
        insert into ${dashboardOpen} (screening_id, seq, created_at, risk_score, decision)
        select s.id, s.seq, s.created_at, s.risk_score, s.decision from ${screenings} s
        where s.created_at >= ${w} and s.created_at < ${next} and s.decision in (${QUEUED})
          and not exists (select 1 from ${dashboardDispositions} c where c.screening_id = s.id and ${closes(sql`c.latest_action`, sql`c.decision`, fe)})
        on conflict do nothing`);
      await tx.execute(sql`update ${dashboardWatermarks} set at = ${next} where name = ${name}`);
      return next >= target ? next : null;
    });
    if (done === GONE) {
      if (attempt >= 2) throw new Error('the dashboard disposition cache keeps being rebuilt: do all replicas have the same FOUR_EYES_DECISIONS?');
      return refreshDispositionCache(db, now, fourEyesDecisions, attempt + 1);
    }
    if (done !== null) {
      at = done;
      break;
    }
  }
  // A first fill has no statistics yet; without them the planner guesses a handful of rows.
  if (folded >= 1000) await db.execute(sql`analyze ${dashboardDispositions}`);
  return at;
}

/**
 * CTEs `live` (dispositions since the watermark, per screening) and `eff` (the state of those
 * screenings: cache merged with live). Screenings not in `live` are as the cache says.
 */
const dispositionState = (watermark: string): SQL => sql`
  live as (
    select screening_id, (array_agg(action order by seq desc))[1] as latest_action, max(seq) as latest_seq,
           min(created_at) filter (where action in (${FINALS})) as first_final_at
    from ${dispositions} where created_at >= ${watermark} group by screening_id
  ), eff as (
    select l.screening_id, s.created_at as screening_created_at, s.decision,
           least(c.first_final_at, l.first_final_at) as first_final_at,
           case when c.latest_seq > l.latest_seq then c.latest_action else l.latest_action end as latest_action
    from live l join ${screenings} s on s.id = l.screening_id left join ${dashboardDispositions} c on c.screening_id = l.screening_id
  )`;

export interface QueueStats {
  counts: Record<string, number>;
  total: number;
  /** ISO time of the oldest open screening, or null when the queue is empty. */
  oldest: string | null;
}

/**
 * Counts over the whole queue: screenings with a queue decision (rollups + today live) minus
 * those whose latest disposition is final (counts kept with the disposition cache, corrected by
 * the dispositions since its watermark);
 * the oldest open one is the first of the open queue by created_at.
 */
export async function openQueueStats(db: Db, rolledUpTo: string, watermark: string, fourEyesDecisions: readonly string[] = []): Promise<QueueStats> {
  const fe = fourEyesQueued(fourEyesDecisions);
  const since = dayStart(rolledUpTo);
  const [countsR, oldestR] = await Promise.all([
    db.execute(sql`
      with ${dispositionState(watermark)}, flagged as (
        select key as decision, sum(n)::int as n from ${dashboardRollupCounts}
        where kind = 'decision' and key in (${QUEUED})
          and ((span = 'month' and day < ${monthOf(rolledUpTo)}::date) or (span = 'day' and day >= ${monthOf(rolledUpTo)}::date and day < ${rolledUpTo}::date))
        group by key
        union all
        select decision, count(*)::int from ${screenings} where created_at >= ${since} and decision in (${QUEUED}) group by decision
      ), closed as (
        -- Closed as of the watermark, less the cache's view of the screenings disposed of since, plus theirs now.
        select decision, -n as n from ${dashboardClosed}
        union all
        select c.decision, count(*)::int from live l join ${dashboardDispositions} c on c.screening_id = l.screening_id
        where ${closes(sql`c.latest_action`, sql`c.decision`, fe)} and c.decision in (${QUEUED}) group by c.decision
        union all
        select decision, -count(*)::int from eff where ${closes(sql`latest_action`, sql`decision`, fe)} and decision in (${QUEUED}) group by decision
      )
      select decision, sum(n)::int as n from (select * from flagged union all select * from closed) x group by decision`),
    db.execute(sql`${openNow(watermark, sql`created_at, id`, 1, fe)} select created_at as oldest from parts order by created_at, id limit 1`),
  ]);
  const counts: Record<string, number> = {};
  for (const row of rowsOf<{ decision: string; n: number }>(countsR)) if (Number(row.n) > 0) counts[row.decision] = Number(row.n);
  const oldest = iso(rowsOf<{ oldest: string | null }>(oldestR)[0]?.oldest);
  return { counts, total: Object.values(counts).reduce((a, b) => a + b, 0), oldest };
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
export async function waitingTimes(db: Db, p: Period, watermark: string): Promise<WaitingTimes> {
  const r = await db.execute(sql`
    with ${dispositionState(watermark)}, w as (
      select extract(epoch from c.first_final_at - c.screening_created_at) as secs from ${dashboardDispositions} c
      where c.first_final_at is not null and c.decision <> 'CLEAR' and c.screening_created_at >= ${p.from} and c.screening_created_at < ${p.to}
        and not exists (select 1 from live l where l.screening_id = c.screening_id)
      union all
      select extract(epoch from first_final_at - screening_created_at) from eff
      where first_final_at is not null and decision <> 'CLEAR' and screening_created_at >= ${p.from} and screening_created_at < ${p.to}
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

/**
 * The open queue now, in order: the cached open queue less what closed since the watermark, plus
 * what reopened since, plus the screenings since the watermark (minutes of them) that are not
 * closed. `order` is the SQL order over columns id, seq, created_at, risk_score; `seek(alias)` the
 * keyset condition over a branch's columns (rows past the cursor); the cache part walks its index
 * in that order from the cursor and stops after `limit`.
 */
const openNow = (watermark: string, order: SQL, limit: number, fe: readonly string[], seek: (alias: string) => SQL = () => sql`true`): SQL => sql`
  with ${dispositionState(watermark)}, parts as (
    (select o.screening_id as id, o.seq, o.created_at, o.risk_score from ${dashboardOpen} o
     where not exists (select 1 from eff e where e.screening_id = o.screening_id and ${closes(sql`e.latest_action`, sql`e.decision`, fe)})
       and ${seek('o')}
     order by ${order} limit ${limit})
    union all
    (select e.screening_id, s.seq, s.created_at, s.risk_score from eff e join ${screenings} s on s.id = e.screening_id
     where e.screening_created_at < ${watermark} and e.decision in (${QUEUED}) and not ${closes(sql`e.latest_action`, sql`e.decision`, fe)}
       and not exists (select 1 from ${dashboardOpen} o where o.screening_id = e.screening_id) and ${seek('s')})
    union all
    (select s.id, s.seq, s.created_at, s.risk_score from ${screenings} s
     where s.created_at >= ${watermark} and s.decision in (${QUEUED}) and ${seek('s')}
       and not exists (select 1 from eff e where e.screening_id = s.id and ${closes(sql`e.latest_action`, sql`e.decision`, fe)}))
  )`;

/** Each order forwards (the queue's) and backwards (a "previous page" walks it back from its cursor). */
const ORDERS: Record<QueueOrder, { forward: SQL; backward: SQL }> = {
  age: { forward: sql`seq`, backward: sql`seq desc` },
  risk: { forward: sql`risk_score desc, seq`, backward: sql`risk_score, seq desc` },
};

/**
 * A place in the queue: the sort key of a row (its seq — unique, the audit sequence — and, in risk
 * order, its risk score). Keyset pages start after (or end before) it, so a row disposed of since
 * the cursor was handed out moves no other row across a page boundary.
 */
export interface QueueKey {
  seq: number;
  riskScore: number;
}

/** Rows strictly after `k` in `order` (or strictly before it, `dir` = 'before'), over a branch's columns. */
function seekPast(order: QueueOrder, dir: 'after' | 'before', k: QueueKey, alias: string): SQL {
  const seq = sql.raw(`${alias}.seq`);
  const risk = sql.raw(`${alias}.risk_score`);
  const after = dir === 'after';
  if (order === 'age') return after ? sql`${seq} > ${k.seq}` : sql`${seq} < ${k.seq}`;
  // risk_score desc, then seq: "after" is a lower score, or the same score and a later seq. The bound on the score
  // alone comes first so the (risk_score desc, seq) index starts its walk at the cursor's score.
  return after
    ? sql`(${risk} <= ${k.riskScore} and (${risk} < ${k.riskScore} or ${seq} > ${k.seq}))`
    : sql`(${risk} >= ${k.riskScore} and (${risk} > ${k.riskScore} or ${seq} < ${k.seq}))`;
}

/**
 * Open screenings, oldest first (age) or highest risk first (ties oldest first); keyset pages: the
 * `limit` rows after `after`, or the `limit` rows just before `before` (returned in queue order), or
 * from the start. Reads the open-queue cache in order (dashboard_open's indexes) from the cursor and
 * what changed since its watermark, so it never walks the closed screenings of the log. `offset`
 * (default 0) skips rows past the cursor: for callers that want a slice, not for paging a queue
 * that moves.
 */
export async function openQueuePage(
  db: Db,
  watermark: string,
  opts: { order: QueueOrder; limit: number; offset?: number; after?: QueueKey | null; before?: QueueKey | null },
  fourEyesDecisions: readonly string[] = [],
): Promise<ScreeningSummaryRow[]> {
  const offset = opts.offset ?? 0;
  const backward = !opts.after && !!opts.before;
  const order = backward ? ORDERS[opts.order].backward : ORDERS[opts.order].forward;
  const key = opts.after ?? opts.before ?? null;
  const seek = (alias: string): SQL => (key ? seekPast(opts.order, opts.after ? 'after' : 'before', key, alias) : sql`true`);
  const ids = rowsOf<{ id: string }>(
    await db.execute(sql`${openNow(watermark, order, opts.limit + offset, fourEyesQueued(fourEyesDecisions), seek)} select id from parts order by ${order} limit ${opts.limit} offset ${offset}`),
  ).map((r) => r.id);
  if (backward) ids.reverse();
  if (ids.length === 0) return [];
  const rows = (await db.select(summaryColumns).from(screenings).where(inArray(screenings.id, ids))) as ScreeningSummaryRow[];
  const at = new Map(ids.map((id, i) => [id, i]));
  return rows.sort((a, b) => at.get(a.id)! - at.get(b.id)!);
}

// ---------------------------------------------------------------------------------------------
// Four eyes: clearances awaiting approval, and the screenings open only because monitoring changed them

const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/**
 * Screenings open only because monitoring changed them (their latest change is to a decision that
 * queues, with no final disposition since — a clearance awaiting approval is not final — while their
 * stored decision is not open, and not cancelled), per changed-to decision: how many, and the oldest change's time. As
 * changedOnlyOpen in monitoring-repo, with four eyes: `fourEyesDecisions` empty gives the same answer.
 * Reads only changed re-screens (monitoring_results_changed_idx) and their dispositions' latest rows.
 */
export async function changedOnlyOpenCounts(db: Db, fourEyesDecisions: readonly string[]): Promise<Array<{ decision: string; n: number; oldest: string }>> {
  const fe = fourEyesQueued(fourEyesDecisions);
  const inFe = (col: SQL) => (fe.length ? sql`${col} in (${list(fe)})` : sql`false`);
  const rows = rowsOf<{ decision: string; n: number; oldest: string }>(
    await db.execute(sql`
      select m.decision, count(*)::int as n, to_char(min(m.created_at) at time zone 'UTC', ${sql.raw(ISO)}) as oldest
      from (
        select distinct on (screening_id) screening_id, decision, stored_decision, created_at
        from monitoring_results where decision_changed
        order by screening_id, created_at desc
      ) m
      cross join lateral (
        select coalesce(m.stored_decision, (select s.decision from ${screenings} s where s.id = m.screening_id)) as stored,
               coalesce((select d.action from ${dispositions} d where d.screening_id = m.screening_id and d.created_at > m.created_at order by d.seq desc limit 1), '') as since,
               coalesce((select d.action from ${dispositions} d where d.screening_id = m.screening_id order by d.seq desc limit 1), '') as latest
      ) x
      where m.decision in (${QUEUED})
        and x.latest <> ${OUT_OF_MONITORING_ACTION}
        and (x.since not in (${FINALS}) or (x.since = 'cleared' and (${inFe(sql`m.decision`)} or ${inFe(sql`x.stored`)})))
        and not (x.stored in (${QUEUED}) and (x.latest not in (${FINALS}) or (x.latest = 'cleared' and ${inFe(sql`x.stored`)})))
      group by m.decision`),
  );
  return rows.map((r) => ({ decision: String(r.decision), n: Number(r.n), oldest: String(r.oldest) }));
}

/**
 * Clearances awaiting a second reviewer's approval: screenings whose latest disposition is `cleared`
 * and whose stored decision, or the decision monitoring last changed it to, is in FOUR_EYES_DECISIONS —
 * oldest clearance first, with how many there are. Found in the open queue (a pending clearance keeps its
 * screening there), the dispositions since the watermark, and the latest monitoring changes — never by
 * walking the log.
 */
export async function pendingClearances(
  db: Db,
  watermark: string,
  fourEyesDecisions: readonly string[],
  limit: number,
): Promise<{ total: number; items: Array<{ screeningId: string; clearedAt: string }> }> {
  const fe = fourEyesQueued(fourEyesDecisions);
  if (!fe.length) return { total: 0, items: [] };
  const rows = rowsOf<{ screening_id: string; cleared_at: string; total: number }>(
    await db.execute(sql`
      with ${dispositionState(watermark)}, cand as (
        select o.screening_id from ${dashboardOpen} o join ${dashboardDispositions} c on c.screening_id = o.screening_id
        where o.decision in (${list(fe)}) and c.latest_action = 'cleared' and not exists (select 1 from live l where l.screening_id = o.screening_id)
        union
        select e.screening_id from eff e where e.latest_action = 'cleared' and e.decision in (${list(fe)})
        union
        select m.screening_id from (
          select distinct on (screening_id) screening_id, decision from monitoring_results where decision_changed order by screening_id, created_at desc
        ) m
        where m.decision in (${list(fe)})
          and (select d.action from ${dispositions} d where d.screening_id = m.screening_id order by d.seq desc limit 1) = 'cleared'
      ), dated as (
        select cand.screening_id, (select d.created_at from ${dispositions} d where d.screening_id = cand.screening_id order by d.seq desc limit 1) as cleared_at
        from cand
      )
      select screening_id, to_char(cleared_at at time zone 'UTC', ${sql.raw(ISO)}) as cleared_at, count(*) over ()::int as total
      from dated
      -- Not a clearance monitoring made stale: given before monitoring last changed the decision to a four-eyes one,
      -- it can no longer be approved (409; the history says \`stale\`) — it must be cleared again, not waited on.
      where not exists (
        select 1 from (
          select mr.decision, mr.created_at from monitoring_results mr
          where mr.screening_id = dated.screening_id and mr.decision_changed order by mr.created_at desc limit 1
        ) last_change
        where last_change.decision in (${list(fe)}) and last_change.created_at > dated.cleared_at)
      order by cleared_at, screening_id limit ${limit}`),
  );
  return { total: Number(rows[0]?.total ?? 0), items: rows.map((r) => ({ screeningId: r.screening_id, clearedAt: r.cleared_at })) };
}
