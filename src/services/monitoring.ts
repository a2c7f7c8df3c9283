/**
 * Continuous monitoring (issue #10): when a new ruleset becomes active — a reload, a list import
 * (which goes through reload), or a dated rule coming into force — every stored screening that is
 * still open (ship date today or later) or recent (screened in the last MONITOR_WINDOW_DAYS) is
 * re-screened against it. An order that was CLEAR last week and names this morning's Entity List
 * addition is found, reported (from what to what, which flags appeared or went away) and
 * announced as `screening.changed` to its submitter.
 *
 * Durable and resumable: the run and its per-screening results are tables; the runner walks the
 * run's screenings in seq order in chunks, each chunk's results committed in one transaction with
 * a unique key per (run, screening), and resumes after the highest seq stored. Events are published
 * after the commit and their progress kept on the run, so a crash between the two re-publishes
 * (at least once; each event carries a stable id) rather than loses them. Events are published
 * strictly: a subscriber that fails (the webhook queue's insert) stops the runner before the mark
 * moves, and a failed runner tries again after `retryMs`.
 */
import { randomUUID } from 'node:crypto';
import { FINAL_DISPOSITION_ACTIONS, QUEUE_DECISIONS } from '../schemas/audit.js';
import type { Config } from '../config.js';
import { notFound } from '../errors.js';
import { decodePageCursor, encodePageCursor } from './page-cursor.js';
import type { Ruleset } from '../rules/index.js';
import type { Flag, ScreeningResult } from '../schemas/screening-result.js';
import type { ShipmentInput } from '../schemas/shipment.js';
import type { Db } from '../store/db.js';
import {
  activationsOf,
  changedResults,
  createRun,
  findRun,
  insertResults,
  lastDoneSeq,
  latestResults,
  licenceRunKey,
  licenceVersionOfRun,
  changesOfScreening,
  awaitingAfterChange,
  claimRun,
  releaseRun,
  listRuns,
  nextCandidates,
  runCounts,
  runsWithStatus,
  setEventsThrough,
  setRunStatus,
  type Candidate,
  type MonitoringResultRow,
  type MonitoringRunRow,
} from '../store/monitoring-repo.js';
import type { RulesService, ScreeningEngine } from './active-ruleset.js';
import { describeRuleset } from './active-ruleset.js';
import type { EventBus } from './events.js';
import type { SuppressionService } from './suppressions.js';
import type { LicenceCandidate } from '../schemas/licence.js';
import type { LicenceService } from './licences.js';

export type MonitoringTrigger = 'activation' | 'effective_date' | 'licence';

export interface MonitoringDeps {
  db: Db;
  rules: RulesService<Ruleset>;
  engine: ScreeningEngine;
  events: EventBus;
  suppressions: SuppressionService;
  /**
   * The exporter's licences: a screening that drew on one is re-screened against that licence (its
   * own draw counted back), or every new list would report it as changed to LICENSE_REQUIRED.
   */
  licences?: Pick<LicenceService, 'candidates' | 'asDrawnBy'>;
  config: Pick<Config, 'monitorWindowDays'> & Partial<Pick<Config, 'fourEyesDecisions'>>;
  log: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
  now?: () => Date;
  /** Screenings per committed chunk. */
  chunkSize?: number;
  /** Test seams for crash tests: throw to stop the runner at that point. */
  faults?: { inChunkTransaction?(chunkNo: number): void; afterChunkCommit?(chunkNo: number): void; afterLastLook?(): Promise<void> };
  /**
   * After the runner failed (database down, the webhook queue refused an event), try again this many
   * ms later (default 30 s); 0 = only on the next activation, daily check or restart (crash tests).
   */
  retryMs?: number;
  /**
   * How long a replica's claim on a run lasts without renewal (default 60 s; renewed with every chunk). Another
   * replica leaves a leased run alone and takes it over when the lease has run out — the holder crashed.
   */
  leaseMs?: number;
}

/**
 * The latest effective date (from or to) on or before `today`: the rules in force change exactly
 * on these dates, so a new value means a dated rule came into force (or lapsed) since the last run.
 */
export function effectiveEpoch(rs: Ruleset, today: string): string {
  let epoch = '';
  for (const d of describeRuleset(rs).effectiveDates)
    for (const date of [d.effectiveFrom, d.effectiveTo]) if (date && date <= today && date > epoch) epoch = date;
  return epoch;
}

/** Non-info flags by rule and subject: what a change of the rules can add or take away. */
const flagKeys = (flags: readonly Flag[]) => new Set(flags.filter((f) => f.severity !== 'info').map((f) => `${f.ruleId} ${f.subject}`));

/** Times in a row the engine may throw on one screening of a run before it is recorded as that run's error. */
export const ENGINE_FAILURES_PER_SCREENING = 3;

/** A plain shipment the engine screens whatever the rules say (its answer is not used, only that it answers). */
const ENGINE_PROBE: ShipmentInput = { reference: 'monitoring-engine-probe', items: [{ model: 'NVIDIA L4', quantity: 1 }], route: { origin: 'US', destination: 'DE' } };

export class MonitoringService {
  /** Engine throws per (run, screening) in this process since its last success (see rescreen). */
  private readonly engineFailures = new Map<string, number>();
  /** Whether the engine screens a plain shipment now: tells a fault of one screening from a broken engine. */
  private async engineWorks(): Promise<boolean> {
    try {
      await this.deps.engine.screen(ENGINE_PROBE, new Date());
      return true;
    } catch {
      return false;
    }
  }

  private loop: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Set while another replica holds a lease on a running run: look again when it runs out. */
  private leaseTimer: NodeJS.Timeout | undefined;
  /** This runner's name on the leases it takes (one per process: a restarted replica waits out its old leases). */
  private readonly owner = randomUUID();
  private readonly leaseMs: number;
  private stopping = false;
  private rerun = false;
  private readonly now: () => Date;
  private readonly chunkSize: number;

  constructor(private readonly deps: MonitoringDeps) {
    this.now = deps.now ?? (() => new Date());
    this.chunkSize = deps.chunkSize ?? 500;
    this.leaseMs = deps.leaseMs ?? 60_000;
  }

  /**
   * A ruleset is active (start-up, reload) or the day turned: make sure a run exists for what is in
   * force now, supersede runs for rulesets no longer active, and (re)start the runner.
   */
  async onRulesetActive(trigger: MonitoringTrigger = 'activation'): Promise<void> {
    const rs = this.deps.rules.peek();
    if (!rs) return;
    const now = this.now();
    const today = now.toISOString().slice(0, 10);
    const epoch = effectiveEpoch(rs, today);
    for (const run of await runsWithStatus(this.deps.db, 'running'))
      if (run.rulesetHash !== rs.hash) await setRunStatus(this.deps.db, run.id, 'superseded', { finishedAt: now.toISOString() });
    const created = await createRun(this.deps.db, {
      id: randomUUID(),
      triggerKey: await this.triggerKey(rs.hash, epoch),
      trigger,
      rulesetVersion: rs.version,
      rulesetHash: rs.hash,
      asOf: today,
      windowStart: new Date(now.getTime() - this.deps.config.monitorWindowDays * 86_400_000).toISOString(),
      createdAt: now.toISOString(),
    });
    if (created) this.deps.log.info({ rulesetHash: rs.hash, trigger }, 'monitoring run created');
    this.kick();
  }

  /**
   * One run per activation, across replicas and restarts: the ruleset hash and the latest effective date in
   * force. A hash activated again after another one (a list import rolled back to the previous manifest) is
   * a new activation — the screenings since, and the verdicts the other ruleset left on the earlier ones, are
   * re-screened against it — so from its second activation on the key also names that activation (the seq of
   * its `ruleset.activated` record). A restart, or another replica, finds the same record and the same key.
   */
  private async triggerKey(hash: string, epoch: string): Promise<string> {
    const { count, latestSeq } = await activationsOf(this.deps.db, hash);
    return count > 1 && latestSeq !== null ? `${hash}@${epoch}#${latestSeq}` : `${hash}@${epoch}`;
  }

  /**
   * A licence was amended or revoked: the screenings holding a draw on it (open or recent, not given back)
   * are re-screened against the active ruleset and the licence as it stands now — a shipment that was
   * CLEAR under a licence revoked this morning is reported changed to LICENSE_REQUIRED, told to its
   * submitter and listed for a person, instead of shipping on a CLEAR nobody re-read. No screening drew on
   * it: no run. One run per licence version (the key names both), so a form sent twice starts one.
   */
  async onLicenceChanged(licenceId: string, version: number): Promise<void> {
    const rs = this.deps.rules.peek();
    if (!rs) return;
    const now = this.now();
    const created = await createRun(
      this.deps.db,
      {
        id: randomUUID(),
        triggerKey: licenceRunKey(licenceId, version),
        trigger: 'licence',
        rulesetVersion: rs.version,
        rulesetHash: rs.hash,
        asOf: now.toISOString().slice(0, 10),
        windowStart: new Date(now.getTime() - this.deps.config.monitorWindowDays * 86_400_000).toISOString(),
        createdAt: now.toISOString(),
      },
      { skipIfEmpty: true },
    );
    if (created) {
      this.deps.log.info({ licenceId, version, trigger: 'licence' }, 'monitoring run created');
      this.kick();
    }
  }

  /** The daily check: a dated rule coming into force starts a run (the trigger key includes the date). */
  async checkEffectiveDates(): Promise<void> {
    await this.onRulesetActive('effective_date');
  }

  /** Starts the runner unless it runs; a running one looks again when it is done. */
  kick(): void {
    if (this.stopping) return;
    if (this.loop) {
      this.rerun = true;
      return;
    }
    this.loop = (async () => {
      do {
        this.rerun = false;
        let heldElsewhereMs: number | null = null;
        for (const run of await runsWithStatus(this.deps.db, 'running')) {
          if (this.stopping) return;
          // One replica at a time works on a run (two used to re-screen it each in full): the others leave it to
          // the lease's holder and look again when its lease runs out.
          const claim = await claimRun(this.deps.db, run.id, this.owner, this.leaseMs);
          if (!claim.granted) {
            if (claim.msLeft !== null) heldElsewhereMs = Math.min(heldElsewhereMs ?? Infinity, claim.msLeft);
            continue;
          }
          let failure: string | undefined;
          try {
            await this.process(run);
          } catch (err) {
            failure = `${this.now().toISOString()}: ${(err as Error).message}`;
            throw err;
          } finally {
            // Given back (with why it stopped, when it failed), so that this replica's retry or another one resumes
            // it without waiting for the lease to run out. The database may be what failed: then the lease runs out.
            await releaseRun(this.deps.db, run.id, this.owner, failure).catch(() => {});
          }
        }
        if (heldElsewhereMs !== null && !this.stopping) {
          clearTimeout(this.leaseTimer);
          this.leaseTimer = setTimeout(() => this.kick(), heldElsewhereMs + 500);
          this.leaseTimer.unref();
        }
      } while (this.rerun && !this.stopping);
      await this.deps.faults?.afterLastLook?.();
    })()
      .catch((err) => {
        const retryMs = this.deps.retryMs ?? 30_000;
        this.deps.log.error(
          { err: { message: (err as Error).message }, retryInMs: retryMs || null },
          retryMs ? 'monitoring runner failed; it tries again shortly' : 'monitoring runner stopped; it resumes on the next activation, daily check or restart',
        );
        // Runs resume where they stopped (results unique per run and screening, events from the run's mark).
        if (retryMs && !this.stopping) {
          clearTimeout(this.retryTimer);
          this.retryTimer = setTimeout(() => this.kick(), retryMs);
          this.retryTimer.unref();
        }
      })
      .finally(() => {
        this.loop = null;
        // A kick that arrived after the loop's last look (between its `while` and here) found the loop still set
        // and only asked for a rerun: honour it now instead of waiting for the next trigger.
        if (this.rerun && !this.stopping) this.kick();
      });
  }

  /** Resolves when the runner has nothing left to do (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.loop) await this.loop;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.leaseTimer);
    await this.idle();
  }

  private async process(run: MonitoringRunRow): Promise<void> {
    const { db, rules } = this.deps;
    const rs = rules.peek();
    if (!rs || rs.hash !== run.rulesetHash) {
      await setRunStatus(db, run.id, 'superseded', { finishedAt: this.now().toISOString() });
      return;
    }
    // Results committed before a crash whose events may not have gone out: publish them again.
    await this.publish(run, run.eventsThroughSeq, await lastDoneSeq(db, run.id));
    const suppressions = await this.deps.suppressions.allActive(this.now());
    let after = await lastDoneSeq(db, run.id);
    let chunkNo = 0;
    for (;;) {
      if (this.stopping) return;
      if (rules.peek()?.hash !== run.rulesetHash) {
        await setRunStatus(db, run.id, 'superseded', { finishedAt: this.now().toISOString() });
        return;
      }
      // Renewed with every chunk; lost only when this replica stalled past its lease and another took the run over.
      if (chunkNo > 0 && !(await claimRun(db, run.id, this.owner, this.leaseMs)).granted) {
        this.deps.log.info({ runId: run.id }, 'monitoring run taken over by another replica');
        return;
      }
      const chunk = await nextCandidates(db, run, after, this.chunkSize);
      if (chunk.length === 0) break;
      const rows = await this.rescreen(run, chunk, suppressions);
      const no = chunkNo++;
      await insertResults(db, rows, () => this.deps.faults?.inChunkTransaction?.(no));
      this.deps.faults?.afterChunkCommit?.(no);
      const through = chunk[chunk.length - 1]!.seq;
      await this.publish(run, after, through);
      after = through;
    }
    await setRunStatus(db, run.id, 'completed', { finishedAt: this.now().toISOString(), lastError: null });
    const counts = await runCounts(db, run.id);
    this.deps.log.info({ runId: run.id, rulesetHash: run.rulesetHash, ...counts }, 'monitoring run completed');
  }

  private async rescreen(run: MonitoringRunRow, chunk: Candidate[], suppressions: Awaited<ReturnType<SuppressionService['allActive']>>): Promise<MonitoringResultRow[]> {
    const latest = await latestResults(this.deps.db, chunk.map((c) => c.id));
    const at = this.now().toISOString();
    const rows: MonitoringResultRow[] = [];
    let licences: LicenceCandidate[] | null = null;
    for (const c of chunk) {
      // Where the screening stands now: its latest monitoring result, else what was stored.
      const before = (latest.get(c.id) ?? c.result) as ScreeningResult;
      const base = { runId: run.id, screeningId: c.id, screeningSeq: c.seq, ownerKeyId: c.apiKeyId, previousDecision: before.decision, storedDecision: (c.result as ScreeningResult).decision, createdAt: at };
      const drew = (c.result as ScreeningResult).authorisation?.licence;
      if (drew && this.deps.licences) licences ??= await this.deps.licences.candidates();
      const own = drew && this.deps.licences ? await this.deps.licences.asDrawnBy(c.id, drew, licences ?? []) : [];
      // At its original screening time, as a replay does: same ship date, only the rules and lists differ.
      let attempt: Awaited<ReturnType<ScreeningEngine['screen']>>;
      try {
        attempt = await this.deps.engine.screen(c.request as ShipmentInput, new Date((c.result as ScreeningResult).screenedAt ?? c.createdAt), {
          suppressions,
          ...(own.length ? { licences: own } : {}),
        });
        this.engineFailures.delete(`${run.id}:${c.id}`);
      } catch (err) {
        // A throw is taken for a passing fault (the runner stops and tries again). One screening the engine throws
        // on every time used to stop its run there for good — `running`, retried every 30 s, and every run after
        // it waiting behind it. After ENGINE_FAILURES_PER_SCREENING tries it is recorded as an error of this run
        // (counted in `errors`) and the run goes on.
        const key = `${run.id}:${c.id}`;
        const failures = (this.engineFailures.get(key) ?? 0) + 1;
        this.engineFailures.set(key, failures);
        if (failures < ENGINE_FAILURES_PER_SCREENING) throw err;
        // Only a fault of this screening is passed over: an engine that fails on every shipment (its workers down)
        // keeps the run waiting, as before, instead of recording every screening as an error and losing the run.
        if (!(await this.engineWorks())) throw err;
        this.engineFailures.delete(key);
        this.deps.log.error({ runId: run.id, screeningId: c.id, failures, err: { message: (err as Error).message } }, 'monitoring could not re-screen a screening; recorded as an error of the run');
        rows.push({ ...base, decision: null, decisionChanged: false, flagsAdded: [], flagsRemoved: [], result: null, error: `engine failed ${failures} times: ${(err as Error).message}`.slice(0, 500) });
        continue;
      }
      if (!attempt.ok) {
        const error = attempt.errors.map((e) => `${e.path}: ${e.message}`).join('; ');
        rows.push({ ...base, decision: null, decisionChanged: false, flagsAdded: [], flagsRemoved: [], result: null, error });
        continue;
      }
      const r = attempt.result;
      const was = flagKeys(before.flags);
      const now = flagKeys(r.flags);
      const flagsAdded = [...now].filter((k) => !was.has(k)).sort();
      const flagsRemoved = [...was].filter((k) => !now.has(k)).sort();
      const decisionChanged = r.decision !== before.decision;
      const changed = decisionChanged || flagsAdded.length > 0 || flagsRemoved.length > 0;
      rows.push({
        ...base,
        decision: r.decision,
        decisionChanged,
        flagsAdded,
        flagsRemoved,
        // Linked to the original (same id and reference); kept only when it differs from where it stood.
        result: changed ? { ...r, id: c.id, reference: c.reference, screenedAt: at, rescreenOf: c.id, monitoringRunId: run.id } : null,
        error: null,
      });
    }
    return rows;
  }

  /** Publishes screening.changed for the run's changed decisions in (fromSeq, throughSeq]. */
  private async publish(run: MonitoringRunRow, fromSeq: number, throughSeq: number): Promise<void> {
    if (throughSeq <= fromSeq) return;
    let after = fromSeq;
    for (;;) {
      const page = await changedResults(this.deps.db, run.id, { afterSeq: after, limit: 500 });
      const inRange = page.filter((c) => c.screeningSeq <= throughSeq);
      for (const c of inRange) {
        await this.deps.events.publish({
          type: 'screening.changed',
          occurredAt: c.at,
          ownerKeyId: c.ownerKeyId,
          data: {
            eventId: `${run.id}:${c.screeningId}`,
            monitoringRunId: run.id,
            screeningId: c.screeningId,
            reference: c.reference,
            from: c.previousDecision,
            to: c.decision,
            flagsAdded: c.flagsAdded,
            flagsRemoved: c.flagsRemoved,
            ruleset: { version: run.rulesetVersion, hash: run.rulesetHash },
            href: `/v1/screenings/${c.screeningId}`,
          },
        }, { strict: true }); // a subscriber that failed (the webhook queue's insert) stops the run here: retried, not lost
      }
      if (inRange.length < page.length || page.length < 500) break;
      after = page[page.length - 1]!.screeningSeq;
    }
    await setEventsThrough(this.deps.db, run.id, throughSeq);
  }

  // -------------------------------------------------------------------------------------------
  // Reading runs (GET /v1/monitoring/runs, /runs/{id}).

  async list(q: { limit?: number | undefined; cursor?: string | undefined }) {
    const limit = q.limit ?? 50;
    const rows = await listRuns(this.deps.db, { limit: limit + 1, before: q.cursor ? decodePageCursor(q.cursor) : undefined });
    const page = rows.slice(0, limit);
    const items = await Promise.all(page.map((r) => this.summary(r)));
    const last = page[page.length - 1];
    return { items, nextCursor: rows.length > limit && last ? encodePageCursor(last) : null };
  }

  async get(id: string, q: { limit?: number | undefined; after?: number | undefined }) {
    const run = await findRun(this.deps.db, id);
    if (!run) throw notFound(`No monitoring run ${id}`);
    const limit = Math.max(1, q.limit ?? 100); // the route's schema says ≥ 1; a page of none has no cursor to give
    const changes = await changedResults(this.deps.db, id, { afterSeq: q.after ?? 0, limit: limit + 1 });
    const page = changes.slice(0, limit);
    return {
      ...(await this.summary(run)),
      changes: page.map((c) => ({ screeningId: c.screeningId, reference: c.reference, ...changeOf(c), seq: c.screeningSeq })),
      nextAfter: changes.length > limit ? page[page.length - 1]!.screeningSeq : null,
    };
  }

  /**
   * The decisions monitoring found changed for one screening, oldest first (the last is where it stands
   * now). The caller has already checked that the principal may read the screening.
   */
  async changesOf(screeningId: string) {
    return (await changesOfScreening(this.deps.db, screeningId)).map((c) => ({ runId: c.runId, trigger: c.trigger, ...changeOf(c), ruleset: { version: c.rulesetVersion, hash: c.rulesetHash } }));
  }

  /**
   * Screenings monitoring changed to a decision a person must act on (REVIEW, LICENSE_REQUIRED, BLOCK) and
   * that no final disposition has closed since: the work queue's "changed by monitoring" list.
   */
  async awaitingDisposition(limit = 50) {
    const rows = await awaitingAfterChange(this.deps.db, QUEUE_DECISIONS, FINAL_DISPOSITION_ACTIONS, limit, this.deps.config.fourEyesDecisions ?? []);
    return { total: rows[0]?.total ?? 0, items: rows.map(({ total: _total, ...r }) => r) };
  }

  private async summary(run: MonitoringRunRow) {
    const counts = await runCounts(this.deps.db, run.id);
    const licence = licenceVersionOfRun(run);
    return {
      id: run.id,
      trigger: run.trigger,
      ...(licence ? { licence } : {}),
      status: run.status,
      ruleset: { version: run.rulesetVersion, hash: run.rulesetHash },
      asOf: run.asOf,
      windowStart: run.windowStart,
      total: run.total,
      ...counts,
      createdAt: run.createdAt,
      finishedAt: run.finishedAt,
      lastError: run.lastError,
    };
  }
}

/** A stored changed decision as callers see it: from what to what, the flags that appeared and went away. */
function changeOf(c: { previousDecision: string; decision: string | null; flagsAdded: string[]; flagsRemoved: string[]; at: string }) {
  return {
    from: c.previousDecision as ScreeningResult['decision'],
    to: c.decision as ScreeningResult['decision'],
    flagsAdded: c.flagsAdded,
    flagsRemoved: c.flagsRemoved,
    at: c.at,
  };
}
