/**
 * The job queue: pg-boss 10 on the service's own database — Postgres, or embedded PGlite through
 * pg-boss's `db` adapter (`Database.executeSql`), so there is one code path and no second server.
 * Batches use it today; monitoring runs and webhook deliveries can join it with their own queue
 * names (`defineQueue`) and the same start/stop lifecycle.
 *
 * Delivery is at least once: a job whose worker dies stays `active` until `expireInSeconds`, then
 * pg-boss's maintenance fails it and retries it. Handlers must therefore be idempotent per unit of
 * work (DESIGN.md): a batch chunk, for instance, skips the lines it already committed.
 */
import PgBoss from 'pg-boss';
import { sql, type SQL } from 'drizzle-orm';
import type { Database, Db } from '../store/db.js';

export interface QueueOptions {
  /** Seconds an active job may run before it is taken for lost and retried. */
  expireInSeconds: number;
  /** How often pg-boss looks for expired jobs (and archives finished ones). */
  maintenanceIntervalSeconds?: number;
  /** How often an idle worker polls for new jobs. */
  pollingIntervalSeconds?: number;
}

export interface JobSpec<T> {
  data: T;
  /** Same key while a job with it is queued or active → not queued twice (pg-boss singletonKey). */
  singletonKey?: string;
}

/** What a handler is told about its job besides the data. */
export interface JobInfo {
  id: string;
  /** Attempts before this one. */
  retryCount: number;
  retryLimit: number;
  /**
   * A dead-letter job: the output its original job failed with (pg-boss stores a handler's error,
   * or `{ value: { message: 'job failed by timeout in active state' } }` for a lost worker).
   */
  output: unknown;
}

export type JobHandler<T> = (data: T, job: JobInfo) => Promise<void>;

export interface RetryPolicy {
  /** Retries after the first attempt before the job is failed (and copied to `deadLetter`). */
  retryLimit: number;
  /** Seconds before a retry; with `retryBackoff`, the base of an exponential back-off (pg-boss: about delay·2^n, jittered). */
  retryDelay: number;
  retryBackoff: boolean;
  /** The queue a job goes to once it has failed its last retry (it must be defined too). */
  deadLetter?: string;
}

/** pg-boss speaks `executeSql(text, $n values)`; this runs such statements inside a drizzle transaction. */
export interface SqlExecutor {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/**
 * An executor for pg-boss statements on `tx`, so a job is inserted in the caller's transaction —
 * committed with it, or not at all (the outbox pattern, with pg-boss's job table as the outbox).
 * `$n` placeholders become bound parameters (undefined as null, as node-postgres binds it); pg-boss's
 * statements have no `$` in literals.
 */
export function transactionExecutor(tx: Db): SqlExecutor {
  return {
    async executeSql(text, values = []) {
      const parts = text.split(/\$(\d+)/);
      const chunks: SQL[] = [];
      for (let i = 0; i < parts.length; i++) chunks.push(i % 2 === 0 ? sql.raw(parts[i]!) : sql`${values[Number(parts[i]) - 1] ?? null}`);
      const res = await tx.execute(sql.join(chunks));
      return { rows: ((res as { rows?: unknown[] }).rows ?? (res as unknown as unknown[])) as unknown[] };
    },
  };
}

export class JobQueue {
  private readonly boss: PgBoss;
  private started = false;
  private readonly workers: string[] = [];

  constructor(
    database: Database,
    private readonly options: QueueOptions,
    onError: (err: unknown) => void,
  ) {
    this.boss = new PgBoss({
      db: { executeSql: (text: string, values?: unknown[]) => database.executeSql(text, values) },
      schema: 'pgboss',
      // Cron schedules are not used; without them pg-boss needs no clock-skew monitor.
      schedule: false,
      supervise: true,
      maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? Math.min(30, options.expireInSeconds),
      monitorStateIntervalSeconds: 60,
    } as PgBoss.ConstructorOptions);
    this.boss.on('error', onError);
  }

  /** Creates pg-boss's schema on first use (its own migrations), then starts maintenance. */
  async start(): Promise<void> {
    if (this.started) return;
    await this.boss.start();
    this.started = true;
  }

  /**
   * Declares a queue, or brings an existing one to `policy` (a queue created by an older version
   * keeps its name and jobs); idempotent. A dead-letter queue must be defined before the queue
   * that names it.
   */
  async defineQueue(name: string, policy: RetryPolicy): Promise<void> {
    const options = { ...policy, expireInSeconds: this.options.expireInSeconds };
    const existing = await this.boss.getQueue(name);
    if (existing) {
      const same =
        existing.retryLimit === policy.retryLimit &&
        existing.retryDelay === policy.retryDelay &&
        existing.retryBackoff === policy.retryBackoff &&
        (existing.deadLetter ?? undefined) === policy.deadLetter;
      if (!same) await this.boss.updateQueue(name, { name, ...options });
      return;
    }
    await this.boss.createQueue(name, { name, ...options }).catch(async (err) => {
      // Another replica created it in the meantime.
      if (!(await this.boss.getQueue(name))) throw err;
    });
  }

  /** Queues jobs; with `within` (transactionExecutor(tx)), in that transaction. */
  async sendMany<T extends object>(name: string, jobs: JobSpec<T>[], within?: SqlExecutor): Promise<void> {
    for (let i = 0; i < jobs.length; i += 1000) {
      await this.boss.insert(
        jobs.slice(i, i + 1000).map((j) => ({
          name,
          data: j.data,
          singletonKey: j.singletonKey,
          expireInSeconds: this.options.expireInSeconds,
        })),
        within ? ({ db: within } as PgBoss.InsertOptions) : {},
      );
    }
  }

  /**
   * Runs `concurrency` workers on this queue, one job at a time each. A handler that throws → the
   * job is retried. After a job a worker looks for the next one at once (pg-boss would otherwise
   * wait a polling interval between jobs); only an idle worker polls.
   */
  async work<T extends object>(name: string, concurrency: number, handler: JobHandler<T>): Promise<void> {
    for (let i = 0; i < concurrency; i++) {
      let workerId = '';
      const options = { batchSize: 1, includeMetadata: true as const, pollingIntervalSeconds: this.options.pollingIntervalSeconds ?? 1 };
      workerId = await this.boss.work<T>(name, options, async (jobs) => {
        for (const job of jobs) await handler(job.data, { id: job.id, retryCount: job.retryCount, retryLimit: job.retryLimit, output: job.output });
        if (jobs.length > 0 && workerId) this.boss.notifyWorker(workerId);
      });
      this.workers.push(workerId);
    }
  }

  /** Jobs of queue `name` waiting to be worked on (created or waiting to retry; not those running). */
  async depth(name: string): Promise<number> {
    if (!this.started) throw new Error('the job queue is not started');
    return this.boss.getQueueSize(name, { before: 'active' });
  }

  /** Wakes this process's idle workers (new jobs were just queued here). */
  wake(): void {
    for (const id of this.workers) this.boss.notifyWorker(id);
  }

  /** Stops fetching, lets running handlers finish (up to `timeoutMs`), stops maintenance. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.boss.stop({ graceful: true, wait: true, timeout: timeoutMs, close: false });
  }
}
