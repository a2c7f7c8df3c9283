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
import type { Database } from '../store/db.js';

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

export type JobHandler<T> = (data: T, jobId: string) => Promise<void>;

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

  /** Declares a queue; idempotent. Retries are generous: a handler is idempotent, a lost job must not be given up. */
  async defineQueue(name: string, retryLimit = 20): Promise<void> {
    const existing = await this.boss.getQueue(name);
    if (existing) return;
    await this.boss
      .createQueue(name, { name, retryLimit, retryDelay: 1, retryBackoff: false, expireInSeconds: this.options.expireInSeconds })
      .catch(async (err) => {
        // Another replica created it in the meantime.
        if (!(await this.boss.getQueue(name))) throw err;
      });
  }

  async sendMany<T extends object>(name: string, jobs: JobSpec<T>[]): Promise<void> {
    for (let i = 0; i < jobs.length; i += 1000) {
      await this.boss.insert(
        jobs.slice(i, i + 1000).map((j) => ({
          name,
          data: j.data,
          singletonKey: j.singletonKey,
          expireInSeconds: this.options.expireInSeconds,
        })),
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
      workerId = await this.boss.work<T>(name, { batchSize: 1, pollingIntervalSeconds: this.options.pollingIntervalSeconds ?? 1 }, async (jobs) => {
        for (const job of jobs) await handler(job.data, job.id);
        if (jobs.length > 0 && workerId) this.boss.notifyWorker(workerId);
      });
      this.workers.push(workerId);
    }
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
