/**
 * Sends queued webhook deliveries: claims due ones (a lease per claim, so replicas never send the
 * same delivery at once and a dead replica's claim is taken over when its lease runs out), sends
 * each, and records the outcome. A failure is retried with exponential back-off (doubling from
 * WEBHOOK_RETRY_BASE_MS up to WEBHOOK_RETRY_MAX_MS, a receiver's Retry-After honoured) until
 * WEBHOOK_MAX_ATTEMPTS; then the delivery is `failed` and waits for an admin's redelivery.
 * Runs on a timer and when woken; never blocks a request.
 */
import type { WebhookConfig } from '../config.js';
import type { Db } from '../store/db.js';
import { claimDueDeliveries, findEndpoint, recordAttempt, type AttemptOutcome, type DeliveryRow } from '../store/webhooks-repo.js';
import { sendWebhook, type SendResult } from './webhook-sender.js';
import { signingSecrets } from './webhooks.js';
import type { Resolver } from './webhook-target.js';

interface Log {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface DispatcherOptions {
  log: Log;
  clock?: () => Date;
  /** Deliveries claimed (and sent concurrently) per round. */
  batchSize?: number;
  /** How long a claim is held beyond the receiver timeout before another replica may take it over. */
  leaseMarginMs?: number;
  /** Tests resolve names without DNS. */
  resolve?: Resolver;
  /** Scales the jitter (0..1); tests pass 0 for exact delays. */
  jitter?: number;
}

/** Delay before the attempt after attempt `attempt` (1-based) failed: base·2^(attempt−1), capped, less up to 20 % jitter. */
export function backoffMs(attempt: number, config: Pick<WebhookConfig, 'retryBaseMs' | 'retryMaxMs'>, jitter = Math.random()): number {
  const exp = Math.min(config.retryMaxMs, config.retryBaseMs * 2 ** Math.min(attempt - 1, 40));
  return Math.round(exp * (1 - 0.2 * jitter));
}

export class WebhookDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private readonly clock: () => Date;
  private readonly batchSize: number;
  private readonly leaseMarginMs: number;

  constructor(
    private readonly db: Db,
    private readonly config: WebhookConfig,
    private readonly opts: DispatcherOptions,
  ) {
    this.clock = opts.clock ?? (() => new Date());
    this.batchSize = opts.batchSize ?? 16;
    this.leaseMarginMs = opts.leaseMarginMs ?? 30_000;
  }

  /** Polls every WEBHOOK_POLL_MS (unref'd) while `isReady()`; 0 = only when woken. */
  start(isReady: () => boolean = () => true): void {
    if (this.config.pollMs > 0) {
      this.timer = setInterval(() => {
        if (isReady()) this.wake();
      }, this.config.pollMs);
      this.timer.unref();
    }
    if (isReady()) this.wake();
  }

  /** Runs a round now (or right after the one under way). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .then(() => undefined)
      .catch((err: unknown) => this.opts.log.error({ err: { message: (err as Error).message } }, 'webhook dispatcher round failed'))
      .finally(() => {
        this.running = null;
        if (this.again && !this.stopped) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Sends every delivery due now; resolves with how many attempts were made. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.runOnce();
      total += n;
      if (n < this.batchSize || this.stopped) return total;
    }
  }

  async runOnce(): Promise<number> {
    const now = this.clock();
    const lease = new Date(now.getTime() + this.config.timeoutMs + this.leaseMarginMs).toISOString();
    const claimed = await claimDueDeliveries(this.db, now.toISOString(), lease, this.batchSize);
    await Promise.all(claimed.map((d) => this.attempt(d)));
    return claimed.length;
  }

  private async attempt(d: DeliveryRow): Promise<void> {
    const endpoint = await findEndpoint(this.db, d.endpointId);
    const now = this.clock();
    const result: SendResult = endpoint
      ? await sendWebhook(
          endpoint.url,
          { messageId: d.messageId, payload: d.payload, secrets: signingSecrets(endpoint, now) },
          { timeoutMs: this.config.timeoutMs, allowPrivate: this.config.allowPrivate, allowHttp: endpoint.allowHttp, now, ...(this.opts.resolve ? { resolve: this.opts.resolve } : {}) },
        )
      : { ok: false, statusCode: null, error: 'endpoint no longer exists', retryAfterMs: null, permanent: true };
    const done = this.clock();
    const outcome = this.outcome(d.attempts, result, done);
    const recorded = await recordAttempt(this.db, d.id, d.attempts, outcome);
    // Ids, status and error class only: never the URL (it may carry a token), the payload or a secret.
    const fields = { deliveryId: d.id, endpointId: d.endpointId, eventType: d.eventType, attempt: d.attempts, statusCode: outcome.statusCode, status: outcome.status };
    if (!recorded) this.opts.log.warn(fields, 'webhook attempt outcome not recorded: its claim was taken over');
    else if (outcome.status === 'succeeded') this.opts.log.info(fields, 'webhook delivered');
    else this.opts.log.warn({ ...fields, error: outcome.error, nextAttemptAt: outcome.status === 'pending' ? outcome.nextAttemptAt : null }, 'webhook attempt failed');
  }

  private outcome(attempt: number, r: SendResult, at: Date): AttemptOutcome {
    if (r.ok) return { status: 'succeeded', statusCode: r.statusCode, error: null, nextAttemptAt: at.toISOString(), deliveredAt: at.toISOString() };
    const exhausted = r.permanent || attempt >= this.config.maxAttempts;
    const delay = Math.max(backoffMs(attempt, this.config, this.opts.jitter ?? Math.random()), Math.min(r.retryAfterMs ?? 0, this.config.retryMaxMs));
    return {
      status: exhausted ? 'failed' : 'pending',
      statusCode: r.statusCode,
      error: r.error.slice(0, 500),
      nextAttemptAt: new Date(at.getTime() + (exhausted ? 0 : delay)).toISOString(),
      deliveredAt: null,
    };
  }

  /** Stops the timer and waits for the round under way (its attempts are recorded before the database closes). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
