/**
 * Monitoring runs and their per-screening results. A result row is unique per (run, screening):
 * inserting a chunk twice — a resumed run, or two replicas on one run — stores each once, and
 * `returning` tells the caller which rows were its own, so only those raise events.
 */
import { and, asc, desc, eq, gt, inArray, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from './db.js';
import { recordAuditEvent } from './audit-events-repo.js';
import { auditEvents, dispositions, monitoringResults, monitoringRuns, screenings } from './schema.js';
import { OUT_OF_MONITORING_ACTION } from '../schemas/audit.js';

/**
 * The screening (`screeningId`, an SQL expression) is not cancelled: its latest disposition (by seq, one probe of
 * dispositions_screening_idx) is not `cancelled`. A cancelled order will not ship: monitoring neither
 * re-screens it nor lists a change of it for a person, whenever that change was recorded; a later disposition
 * of another kind (the order re-opened) brings it back.
 */
export const notCancelled = (screeningId: SQL): SQL =>
  sql`coalesce((select d.action from ${dispositions} d where d.screening_id = ${screeningId} order by d.seq desc limit 1), '') <> ${OUT_OF_MONITORING_ACTION}`;

export type MonitoringRunRow = typeof monitoringRuns.$inferSelect;
/** storedDecision is required of every writer now (the column is nullable only for rows older than it). */
export type MonitoringResultRow = typeof monitoringResults.$inferInsert & { storedDecision: string };
export type StoredMonitoringResult = typeof monitoringResults.$inferSelect;

const isoCol = (c: SQL) => sql<string>`to_char(${c} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const runColumns = {
  id: monitoringRuns.id,
  triggerKey: monitoringRuns.triggerKey,
  trigger: monitoringRuns.trigger,
  rulesetVersion: monitoringRuns.rulesetVersion,
  rulesetHash: monitoringRuns.rulesetHash,
  asOf: monitoringRuns.asOf,
  windowStart: isoCol(sql`${monitoringRuns.windowStart}`),
  throughSeq: monitoringRuns.throughSeq,
  total: monitoringRuns.total,
  status: monitoringRuns.status,
  createdAt: isoCol(sql`${monitoringRuns.createdAt}`),
  finishedAt: sql<string | null>`case when ${monitoringRuns.finishedAt} is null then null else ${isoCol(sql`${monitoringRuns.finishedAt}`)} end`,
  eventsThroughSeq: monitoringRuns.eventsThroughSeq,
  lastError: monitoringRuns.lastError,
};

/**
 * A run started by a licence's amendment or revocation (trigger `licence`) re-screens only the screenings that
 * hold a draw on that licence; its key names the licence and the version that changed it.
 */
export const licenceRunKey = (licenceId: string, version: number) => `licence:${licenceId}#${version}`;
const licenceOfRun = (run: Pick<MonitoringRunRow, 'trigger' | 'triggerKey'>): string | null => licenceVersionOfRun(run)?.id ?? null;

/** The licence (and its version) a `licence` run re-screens against, read back from its key; null for other runs. */
export function licenceVersionOfRun(run: Pick<MonitoringRunRow, 'trigger' | 'triggerKey'>): { id: string; version: number } | null {
  const m = run.trigger === 'licence' ? /^licence:([^#]+)#(\d+)$/.exec(run.triggerKey) : null;
  return m ? { id: m[1]!, version: Number(m[2]) } : null;
}

/**
 * Which stored screenings a run covers: shipping on or after asOf, or screened since windowStart, and not
 * cancelled (the disposition in force is not `cancelled`; read again for each chunk, so an order cancelled
 * while a run goes is not re-screened either) — and for a licence's run, holding a draw on that licence that
 * was not given back (a cancelled or blocked shipment).
 */
const candidateFilter = (run: Pick<MonitoringRunRow, 'asOf' | 'windowStart' | 'throughSeq' | 'trigger' | 'triggerKey'>) => {
  const licenceId = licenceOfRun(run);
  return and(
    lte(screenings.seq, run.throughSeq),
    or(sql`${screenings.shipDate} >= ${run.asOf}::date`, sql`${screenings.createdAt} >= ${run.windowStart}::timestamptz`),
    notCancelled(sql`${screenings.id}`),
    licenceId === null
      ? undefined
      : sql`${screenings.id} in (
          select r.payload->>'screeningId' from audit_events r
          where r.type like 'licence.%' and r.type = 'licence.reserved' and r.payload->>'licenceId' = ${licenceId}
            and not exists (select 1 from audit_events x where x.type = 'licence.released' and x.payload->>'screeningId' = r.payload->>'screeningId'))`,
  );
};

/**
 * Creates the run for this trigger key unless one exists (another replica, an earlier start).
 * Its scope is fixed now: the screenings stored so far that are open or recent.
 */
export async function createRun(
  db: Db,
  run: Pick<MonitoringRunRow, 'id' | 'triggerKey' | 'trigger' | 'rulesetVersion' | 'rulesetHash' | 'asOf' | 'windowStart' | 'createdAt'>,
  opts: { skipIfEmpty?: boolean } = {},
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [top] = await tx.select({ seq: sql<string | number | null>`max(${screenings.seq})` }).from(screenings);
    const throughSeq = Number(top?.seq ?? 0);
    const [count] = await tx.select({ n: sql<string | number>`count(*)` }).from(screenings).where(candidateFilter({ ...run, throughSeq }));
    if (opts.skipIfEmpty && Number(count?.n ?? 0) === 0) return false;
    const inserted = await tx
      .insert(monitoringRuns)
      .values({ ...run, throughSeq, total: Number(count?.n ?? 0), status: 'running', eventsThroughSeq: 0 })
      .onConflictDoNothing()
      .returning({ id: monitoringRuns.id });
    return inserted.length > 0;
  });
}

/**
 * How often a ruleset (by hash) was activated, from the audit log's `ruleset.activated` records, and the
 * seq of its latest activation: a hash activated again after another (a list import rolled back) is a new
 * activation, and its monitoring run needs a key of its own.
 */
export async function activationsOf(db: Db, rulesetHash: string): Promise<{ count: number; latestSeq: number | null }> {
  const [r] = await db
    .select({ count: sql<string | number>`count(*)`, latest: sql<string | number | null>`max(${auditEvents.seq})` })
    .from(auditEvents)
    .where(and(eq(auditEvents.type, 'ruleset.activated'), sql`${auditEvents.payload}->>'hash' = ${rulesetHash}`));
  return { count: Number(r?.count ?? 0), latestSeq: r?.latest == null ? null : Number(r.latest) };
}

export async function findRun(db: Db, id: string): Promise<MonitoringRunRow | null> {
  const [row] = await db.select(runColumns).from(monitoringRuns).where(eq(monitoringRuns.id, id)).limit(1);
  return (row as MonitoringRunRow | undefined) ?? null;
}

export async function runsWithStatus(db: Db, status: string): Promise<MonitoringRunRow[]> {
  return (await db.select(runColumns).from(monitoringRuns).where(eq(monitoringRuns.status, status)).orderBy(asc(monitoringRuns.createdAt))) as MonitoringRunRow[];
}

export async function listRuns(db: Db, opts: { limit: number; before?: { createdAt: string; id: string } | undefined }): Promise<MonitoringRunRow[]> {
  return (await db
    .select(runColumns)
    .from(monitoringRuns)
    .where(opts.before ? sql`(${monitoringRuns.createdAt}, ${monitoringRuns.id}) < (${opts.before.createdAt}::timestamptz, ${opts.before.id})` : undefined)
    .orderBy(desc(monitoringRuns.createdAt), desc(monitoringRuns.id))
    .limit(opts.limit)) as MonitoringRunRow[];
}

export async function setRunStatus(db: Db, id: string, status: string, fields: { finishedAt?: string; lastError?: string | null } = {}): Promise<void> {
  await db.update(monitoringRuns).set({ status, ...fields, leaseOwner: null, leaseUntil: null }).where(eq(monitoringRuns.id, id));
}

/**
 * Takes (or renews) the lease on a running run for `owner` until `leaseMs` from now, database time: granted when
 * nobody holds it, its lease ran out, or `owner` holds it already. Not granted: how many ms the holder's lease has
 * left (null when the run is no longer running), so the caller can look again when it runs out.
 */
export async function claimRun(db: Db, id: string, owner: string, leaseMs: number): Promise<{ granted: true } | { granted: false; msLeft: number | null }> {
  const res = (await db.execute(sql`
    update ${monitoringRuns} set lease_owner = ${owner}, lease_until = now() + ${leaseMs} * interval '1 millisecond'
    where id = ${id} and status = 'running' and (lease_until is null or lease_until < now() or lease_owner = ${owner})
    returning id`)) as unknown as { rows: unknown[] };
  if (res.rows.length > 0) return { granted: true };
  const held = (await db.execute(sql`
    select greatest(0, ceil(extract(epoch from (lease_until - now())) * 1000))::float8 as ms from ${monitoringRuns}
    where id = ${id} and status = 'running'`)) as unknown as { rows: Array<{ ms: number | string | null }> };
  const ms = held.rows[0]?.ms;
  return { granted: false, msLeft: held.rows.length === 0 ? null : Number(ms ?? 0) };
}

/** Gives the lease back (the runner stopped or failed), so another replica need not wait for it to run out. */
export async function releaseRun(db: Db, id: string, owner: string, lastError?: string): Promise<void> {
  await db
    .update(monitoringRuns)
    .set({ leaseOwner: null, leaseUntil: null, ...(lastError !== undefined ? { lastError: lastError.slice(0, 1000) } : {}) })
    .where(and(eq(monitoringRuns.id, id), eq(monitoringRuns.leaseOwner, owner)));
}

export async function setEventsThrough(db: Db, id: string, seq: number): Promise<void> {
  await db.update(monitoringRuns).set({ eventsThroughSeq: seq }).where(and(eq(monitoringRuns.id, id), sql`${monitoringRuns.eventsThroughSeq} < ${seq}`));
}

/** Where a (resumed) run stands: the highest screening seq it has a result for. */
export async function lastDoneSeq(db: Db, runId: string): Promise<number> {
  const [r] = await db.select({ seq: sql<string | number | null>`max(${monitoringResults.screeningSeq})` }).from(monitoringResults).where(eq(monitoringResults.runId, runId));
  return Number(r?.seq ?? 0);
}

export interface Candidate {
  id: string;
  seq: number;
  reference: string;
  decision: string;
  request: unknown;
  result: unknown;
  apiKeyId: string | null;
  createdAt: string;
}

/** The next screenings of the run's scope after `afterSeq`, in seq order. */
export async function nextCandidates(db: Db, run: MonitoringRunRow, afterSeq: number, limit: number): Promise<Candidate[]> {
  return db
    .select({
      id: screenings.id,
      seq: screenings.seq,
      reference: screenings.reference,
      decision: screenings.decision,
      request: screenings.request,
      result: screenings.result,
      apiKeyId: screenings.apiKeyId,
      createdAt: isoCol(sql`${screenings.createdAt}`),
    })
    .from(screenings)
    .where(and(gt(screenings.seq, afterSeq), candidateFilter(run)))
    .orderBy(asc(screenings.seq))
    .limit(limit);
}

/** The latest result a monitoring re-screen stored for each of these screenings (what they stand at now). */
export async function latestResults(db: Db, screeningIds: string[]): Promise<Map<string, unknown>> {
  if (screeningIds.length === 0) return new Map();
  const res = (await db.execute(sql`
    select distinct on (screening_id) screening_id, result from monitoring_results
    where screening_id in (${sql.join(screeningIds.map((id) => sql`${id}`), sql`, `)}) and result is not null
    order by screening_id, created_at desc, run_id desc`)) as unknown as { rows: Array<{ screening_id: string; result: unknown }> };
  return new Map(res.rows.map((r) => [r.screening_id, r.result]));
}

/**
 * Stores a chunk's results in one transaction; a decision that changed is also a sealed audit
 * event (screening.changed) in the same transaction. Returns the rows this call inserted.
 */
export async function insertResults(db: Db, rows: MonitoringResultRow[], inTransaction?: () => void): Promise<Array<{ screeningId: string }>> {
  if (rows.length === 0) return [];
  return db.transaction(async (tx) => {
    const inserted = await tx.insert(monitoringResults).values(rows).onConflictDoNothing().returning({ screeningId: monitoringResults.screeningId });
    const mine = new Set(inserted.map((r) => r.screeningId));
    for (const r of rows) {
      if (!r.decisionChanged || !mine.has(r.screeningId)) continue;
      await recordAuditEvent(tx as unknown as Db, {
        type: 'screening.changed',
        payload: { runId: r.runId, screeningId: r.screeningId, from: r.previousDecision, to: r.decision, flagsAdded: r.flagsAdded, flagsRemoved: r.flagsRemoved },
        apiKeyId: null,
        at: r.createdAt,
      });
    }
    inTransaction?.();
    return inserted;
  });
}

export interface RunCounts {
  rescreened: number;
  changed: number;
  errors: number;
}

export async function runCounts(db: Db, runId: string): Promise<RunCounts> {
  const [r] = await db
    .select({
      rescreened: sql<string | number>`count(*)`,
      changed: sql<string | number>`count(*) filter (where ${monitoringResults.decisionChanged})`,
      errors: sql<string | number>`count(*) filter (where ${monitoringResults.error} is not null)`,
    })
    .from(monitoringResults)
    .where(eq(monitoringResults.runId, runId));
  return { rescreened: Number(r?.rescreened ?? 0), changed: Number(r?.changed ?? 0), errors: Number(r?.errors ?? 0) };
}

/** A run's changed decisions (or, with `afterSeq`, the ones after it), in screening order. */
export async function changedResults(db: Db, runId: string, opts: { afterSeq?: number; limit: number }) {
  return db
    .select({
      screeningId: monitoringResults.screeningId,
      screeningSeq: monitoringResults.screeningSeq,
      reference: screenings.reference,
      ownerKeyId: monitoringResults.ownerKeyId,
      previousDecision: monitoringResults.previousDecision,
      decision: monitoringResults.decision,
      flagsAdded: monitoringResults.flagsAdded,
      flagsRemoved: monitoringResults.flagsRemoved,
      at: isoCol(sql`${monitoringResults.createdAt}`),
    })
    .from(monitoringResults)
    .innerJoin(screenings, eq(screenings.id, monitoringResults.screeningId))
    .where(and(eq(monitoringResults.runId, runId), eq(monitoringResults.decisionChanged, true), opts.afterSeq !== undefined ? gt(monitoringResults.screeningSeq, opts.afterSeq) : undefined))
    .orderBy(asc(monitoringResults.screeningSeq))
    .limit(opts.limit);
}

/** The changed decisions monitoring found for one screening (the latest 100), oldest first, with the run's ruleset. */
export async function changesOfScreening(db: Db, screeningId: string) {
  const latest = await db
    .select({
      runId: monitoringResults.runId,
      previousDecision: monitoringResults.previousDecision,
      decision: monitoringResults.decision,
      flagsAdded: monitoringResults.flagsAdded,
      flagsRemoved: monitoringResults.flagsRemoved,
      at: isoCol(sql`${monitoringResults.createdAt}`),
      rulesetVersion: monitoringRuns.rulesetVersion,
      rulesetHash: monitoringRuns.rulesetHash,
      trigger: monitoringRuns.trigger,
    })
    .from(monitoringResults)
    .innerJoin(monitoringRuns, eq(monitoringRuns.id, monitoringResults.runId))
    .where(and(eq(monitoringResults.screeningId, screeningId), eq(monitoringResults.decisionChanged, true)))
    .orderBy(desc(monitoringResults.createdAt))
    .limit(100);
  return latest.reverse();
}

/** The decision monitoring last changed a screening to, or null when no run changed it. */
export async function latestChangedDecision(db: Db, screeningId: string): Promise<string | null> {
  const [r] = await db
    .select({ decision: monitoringResults.decision })
    .from(monitoringResults)
    .where(and(eq(monitoringResults.screeningId, screeningId), eq(monitoringResults.decisionChanged, true)))
    .orderBy(desc(monitoringResults.createdAt))
    .limit(1);
  return r?.decision ?? null;
}

export interface LatestChange {
  decision: string;
  at: string;
  runId: string;
}

/** For each of a page of screenings, the decision monitoring last changed it to (absent: never changed). */
export async function latestChanges(db: Db, screeningIds: readonly string[]): Promise<Map<string, LatestChange>> {
  if (screeningIds.length === 0) return new Map();
  const res = await db.execute(sql`
    select distinct on (screening_id) screening_id, decision, run_id, ${isoCol(sql`created_at`)} as at
    from monitoring_results
    where decision_changed and screening_id in (${sql.join(screeningIds.map((id) => sql`${id}`), sql`, `)})
    order by screening_id, created_at desc, run_id desc`);
  const rows = ((res as { rows?: unknown[] }).rows ?? res) as Array<Record<string, unknown>>;
  return new Map(rows.map((r) => [String(r.screening_id), { decision: String(r.decision), at: String(r.at), runId: String(r.run_id) }]));
}

export interface AwaitingChange {
  screeningId: string;
  reference: string;
  from: string;
  to: string;
  runId: string;
  /** Why the run that made the change ran: activation (new rules or lists), effective_date, licence. */
  trigger: string;
  changedAt: string;
  /** A clearance since the change waits for a second reviewer's approval (four eyes): not final yet. */
  awaitingApproval: boolean;
  /** All such screenings, not only this page's. */
  total: number;
}

/**
 * Screenings that monitoring last changed to a decision a person must act on (`decisions`), with no final
 * disposition (`finals`) as the latest since that change, and not cancelled (notCancelled) — oldest change first. A clearance since the change
 * is final only once approved when the changed-to or the stored decision is in `fourEyes`: until then the
 * change stays here, marked `awaitingApproval` (as the queue counts it, changedOnlyOpenCounts). Reads only the
 * changed re-screens (monitoring_results_changed_idx), not every re-screen of every run.
 */
export async function awaitingAfterChange(
  db: Db,
  decisions: readonly string[],
  finals: readonly string[],
  limit: number,
  fourEyes: readonly string[] = [],
): Promise<AwaitingChange[]> {
  const inList = (xs: readonly string[]) => sql.join(xs.map((x) => sql`${x}`), sql`, `);
  const fe = fourEyes.filter((d) => decisions.includes(d));
  const inFe = (col: SQL) => (fe.length ? sql`${col} in (${inList(fe)})` : sql`false`);
  // Counted and ordered from monitoring_results and dispositions alone; only the page's rows are joined
  // to screenings for their reference (a probe of that large table per open change cost ~230 ms at 20,000).
  const res = await db.execute(sql`
    with open as (
      select m.screening_id, m.run_id, m.previous_decision, m.decision, m.created_at, x.since = 'cleared' as awaiting_approval, count(*) over () as total
      from (
        select distinct on (screening_id) screening_id, run_id, previous_decision, decision, stored_decision, created_at
        from monitoring_results where decision_changed
        order by screening_id, created_at desc
      ) m
      cross join lateral (
        select coalesce((select d.action from dispositions d where d.screening_id = m.screening_id and d.created_at > m.created_at order by d.seq desc limit 1), '') as since
      ) x
      where m.decision in (${inList(decisions)})
        and ${notCancelled(sql`m.screening_id`)}
        and (x.since not in (${inList(finals)})
          or (x.since = 'cleared' and (${inFe(sql`m.decision`)}
            or ${inFe(sql`coalesce(m.stored_decision, (select s.decision from screenings s where s.id = m.screening_id))`)})))
      order by m.created_at, m.screening_id
      limit ${limit}
    )
    select o.screening_id, s.reference, o.previous_decision, o.decision, o.run_id, r.trigger, ${isoCol(sql`o.created_at`)} as changed_at, o.awaiting_approval, o.total
    from open o join screenings s on s.id = o.screening_id join monitoring_runs r on r.id = o.run_id
    order by o.created_at, o.screening_id`);
  const rows = ((res as { rows?: unknown[] }).rows ?? res) as Array<Record<string, unknown>>;
  return rows.map((r) => ({
    screeningId: String(r.screening_id),
    reference: String(r.reference),
    from: String(r.previous_decision),
    to: String(r.decision),
    runId: String(r.run_id),
    trigger: String(r.trigger),
    changedAt: String(r.changed_at),
    awaitingApproval: r.awaiting_approval === true || r.awaiting_approval === 't',
    total: Number(r.total),
  }));
}

/**
 * Screenings open only because monitoring changed them (their latest change is to one of `decisions`
 * with no final disposition since, while their stored decision is not open): per changed-to decision,
 * how many, and the oldest change's time (they wait for a person since the change, as the queue's
 * "Changed by monitoring" section shows them). The work queue's counts add these to the stored queue's,
 * so that its total is the `open=true` union. Reads only changed re-screens (monitoring_results_changed_idx)
 * and their dispositions: whether the stored decision is open comes from the change's own copy of it
 * (`stored_decision`), not from `screenings` (one random heap read per change; rows older than the column
 * still read it there).
 */
export async function changedOnlyOpen(db: Db, decisions: readonly string[], finals: readonly string[]): Promise<Array<{ decision: string; n: number; oldest: string }>> {
  const inList = (xs: readonly string[]) => sql.join(xs.map((x) => sql`${x}`), sql`, `);
  const res = await db.execute(sql`
    select m.decision, count(*)::int as n, ${isoCol(sql`min(m.created_at)`)} as oldest
    from (
      select distinct on (screening_id) screening_id, decision, stored_decision, created_at
      from monitoring_results where decision_changed
      order by screening_id, created_at desc
    ) m
    where m.decision in (${inList(decisions)})
      and ${notCancelled(sql`m.screening_id`)}
      and coalesce((select d.action from dispositions d where d.screening_id = m.screening_id and d.created_at > m.created_at order by d.seq desc limit 1), '')
        not in (${inList(finals)})
      and not (coalesce(m.stored_decision, (select s.decision from screenings s where s.id = m.screening_id)) in (${inList(decisions)})
        and coalesce((select d.action from dispositions d where d.screening_id = m.screening_id order by d.seq desc limit 1), '') not in (${inList(finals)}))
    group by m.decision`);
  const rows = ((res as { rows?: unknown[] }).rows ?? res) as Array<Record<string, unknown>>;
  return rows.map((r) => ({ decision: String(r.decision), n: Number(r.n), oldest: String(r.oldest) }));
}

export async function resultsFor(db: Db, screeningIds: string[]): Promise<StoredMonitoringResult[]> {
  return db.select().from(monitoringResults).where(inArray(monitoringResults.screeningId, screeningIds));
}
