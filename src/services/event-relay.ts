/**
 * The event relay: the audit log as the outbox for `screening.flagged`.
 *
 * A screening is committed first and its webhook deliveries are queued right after (the writer
 * commits many screenings in one group, so the queue rows cannot join its transaction). A process that
 * dies in between, or a queue insert that fails, would lose the notification of a stored decision.
 * The relay closes that gap from the other side: on a timer, on every replica, it looks at the
 * screenings stored since its cursor (and at least WEBHOOK_RELAY_SETTLE_MS old, so none is still on
 * its way to a commit), finds the flagged ones that an endpoint should have a delivery for and has
 * none, rebuilds each event from the stored result (`flaggedEvent`, the same event the screening path
 * publishes: the same event key, so a race with that path still queues one delivery per endpoint) and
 * queues it; then it moves the cursor. A sweep that fails moves nothing and is tried again, so a
 * screening stored while the database was refusing the queue is still announced, late, once.
 * It does not matter which process stored the screening.
 */
import { advanceRelayCursor, anyFlaggedEndpoint, relayCursor, screeningsByIds, unqueuedFlagged } from '../store/event-relay-repo.js';
import type { Db } from '../store/db.js';
import { flaggedEvent, toResult } from './screenings.js';
import type { WebhookService } from './webhooks.js';

export const FLAGGED_RELAY = 'screening.flagged';

interface Log {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface EventRelayOptions {
  /** Sweep every this many ms (unref'd timer); 0 = only when `sweep()` is called. */
  intervalMs: number;
  settleMs: number;
  log: Log;
  clock?: () => Date;
  /** Screenings read per query. */
  pageSize?: number;
}

export class EventRelay {
  /** Totals of this process, for the metrics (GET /metrics). */
  readonly stats = { sweeps: 0, failed: 0, queued: 0 };
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | null = null;
  private readonly clock: () => Date;
  private readonly pageSize: number;

  constructor(
    private readonly db: Db,
    private readonly webhooks: Pick<WebhookService, 'enqueue'>,
    private readonly opts: EventRelayOptions,
  ) {
    this.clock = opts.clock ?? (() => new Date());
    this.pageSize = opts.pageSize ?? 200;
  }

  start(isReady: () => boolean = () => true): void {
    if (this.opts.intervalMs <= 0) return;
    this.timer = setInterval(() => {
      if (!isReady() || this.running) return;
      this.running = this.sweep()
        .catch((err: unknown) => this.opts.log.error({ err: { message: (err as Error).message } }, 'event relay sweep failed; it is tried again'))
        .finally(() => (this.running = null));
    }, this.opts.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /**
   * One sweep: queues the missing deliveries of screenings created after the cursor and settled, then
   * moves the cursor there. The first sweep on a database only places the cursor (screenings stored
   * before this relay existed carry deliveries without a subject and are not looked at again).
   * Resolves with the number of deliveries queued.
   */
  async sweep(): Promise<number> {
    this.stats.sweeps++;
    try {
      const queued = await this.sweepOnce();
      this.stats.queued += queued;
      return queued;
    } catch (err) {
      this.stats.failed++;
      throw err;
    }
  }

  private async sweepOnce(): Promise<number> {
    const now = this.clock();
    const to = new Date(now.getTime() - this.opts.settleMs).toISOString();
    const from = await relayCursor(this.db, FLAGGED_RELAY);
    if (from === null || from >= to) {
      if (from === null) await advanceRelayCursor(this.db, FLAGGED_RELAY, to, now.toISOString());
      return 0;
    }
    if (!(await anyFlaggedEndpoint(this.db))) {
      // No one to tell: nothing to look at (an endpoint registered later is owed nothing from before it).
      await advanceRelayCursor(this.db, FLAGGED_RELAY, to, now.toISOString());
      return 0;
    }
    let queued = 0;
    let screenings = 0;
    let after: { createdAt: string; id: string } | undefined;
    for (;;) {
      const page = await unqueuedFlagged(this.db, { from, to, ...(after ? { after } : {}), limit: this.pageSize });
      if (page.length === 0) break;
      const rows = await screeningsByIds(this.db, page.map((p) => p.id));
      for (const p of page) {
        const row = rows.get(p.id);
        if (!row) continue;
        queued += await this.webhooks.enqueue(flaggedEvent(toResult(row), row.apiKeyId), new Set(p.endpointIds));
        screenings++;
      }
      if (page.length < this.pageSize) break;
      const last = page[page.length - 1]!;
      after = { createdAt: last.createdAt, id: last.id };
    }
    await advanceRelayCursor(this.db, FLAGGED_RELAY, to, now.toISOString());
    if (queued > 0) {
      this.opts.log.warn(
        { queued, screenings, from, through: to },
        'event relay queued screening.flagged deliveries that were not queued when their screenings were stored (a crash or a failed queue insert)',
      );
    }
    return queued;
  }
}
