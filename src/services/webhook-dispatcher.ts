/**
 * Sends queued webhook deliveries: claims due ones (a lease per claim, so replicas never send the
 * same delivery at once and a dead replica's claim is taken over when its lease runs out), sends
 * each, and records the outcome. A failure is retried with exponential back-off (doubling from
 * WEBHOOK_RETRY_BASE_MS up to WEBHOOK_RETRY_MAX_MS, a receiver's Retry-After honoured) until
 * WEBHOOK_MAX_ATTEMPTS; then the delivery is `failed` and waits for an admin's redelivery.
 * Runs on a timer and when woken; never blocks a request. A slow or failing receiver holds only its
 * own deliveries' slots (at most `perEndpoint` of the pool: WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT of
 * WEBHOOK_MAX_IN_FLIGHT); the others keep flowing.
 */
import type { WebhookConfig } from '../config.js';
import type { Db } from '../store/db.js';
import {
  claimDueDeliveries,
  findEndpoint,
  recordAttempt,
  releaseUnsent,
  sendIfStillSendable,
  type AttemptOutcome,
  type ClaimedDelivery,
  type SendCheck,
} from '../store/webhooks-repo.js';
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
  /**
   * Deliveries in flight at once (this process): a finished one frees its slot for the next due at once.
   * Overrides WEBHOOK_MAX_IN_FLIGHT (`config.maxInFlight`).
   */
  concurrency?: number;
  /** The older name of `concurrency`. */
  batchSize?: number;
  /**
   * Deliveries of one endpoint in flight at once (this process), so a slow receiver cannot fill the pool.
   * Overrides WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT (`config.maxInFlightPerEndpoint`).
   */
  perEndpoint?: number;
  /** How long a claim is held beyond the receiver timeout before another replica may take it over. */
  leaseMarginMs?: number;
  /** Tests resolve names without DNS. */
  resolve?: Resolver;
  /** Scales the jitter (0..1); tests pass 0 for exact delays. */
  jitter?: number;
}

/** The settings' defaults (WEBHOOK_MAX_IN_FLIGHT, WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT): 16 in flight per process, at most 4 of them to one endpoint. */
export const DISPATCH_CONCURRENCY = 16;
export const DISPATCH_PER_ENDPOINT = 4;

/** Delay before the attempt after attempt `attempt` (1-based) failed: base·2^(attempt−1), capped, less up to 20 % jitter. */
export function backoffMs(attempt: number, config: Pick<WebhookConfig, 'retryBaseMs' | 'retryMaxMs'>, jitter = Math.random()): number {
  const exp = Math.min(config.retryMaxMs, config.retryBaseMs * 2 ** Math.min(attempt - 1, 40));
  return Math.round(exp * (1 - 0.2 * jitter));
}

/**
 * A pool, not rounds: up to `concurrency` deliveries in flight, at most `perEndpoint` of one endpoint;
 * each one that finishes (recorded) frees its slot and wakes a claim for whatever is due. Claims run
 * one at a time in this process (each sees the slots the last one filled); across replicas the claim
 * statement's row locks and leases keep a delivery from being sent twice at once.
 */
export class WebhookDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly clock: () => Date;
  private readonly concurrency: number;
  private readonly perEndpoint: number;
  private readonly leaseMarginMs: number;
  /** Deliveries claimed by this process and not yet recorded, by delivery id and attempt. */
  private readonly inFlight = new Map<string, Promise<void>>();
  /** How many of them each endpoint has. */
  private readonly busy = new Map<string, number>();
  /** The claims of this process, one after another. */
  private claims: Promise<unknown> = Promise.resolve();
  /** A woken claim is queued and has not started: another wake adds nothing. */
  private claimQueued = false;
  /** Attempts started, for drain's count. */
  private started = 0;

  constructor(
    private readonly db: Db,
    private readonly config: WebhookConfig,
    private readonly opts: DispatcherOptions,
  ) {
    this.clock = opts.clock ?? (() => new Date());
    this.concurrency = Math.max(1, opts.concurrency ?? opts.batchSize ?? config.maxInFlight ?? DISPATCH_CONCURRENCY);
    this.perEndpoint = Math.max(1, Math.min(this.concurrency, opts.perEndpoint ?? config.maxInFlightPerEndpoint ?? DISPATCH_PER_ENDPOINT));
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

  /** Claims what is due into the free slots, now or right after the claim under way. Never throws. */
  wake(): void {
    if (this.stopped || this.claimQueued) return;
    this.claimQueued = true;
    this.claim(() => {
      this.claimQueued = false;
    }).catch((err: unknown) => this.opts.log.error({ err: { message: (err as Error).message } }, 'webhook dispatcher claim failed'));
  }

  /** The pool's size and one endpoint's share of it (WEBHOOK_MAX_IN_FLIGHT, WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT unless overridden). */
  get pool(): { maxInFlight: number; perEndpoint: number } {
    return { maxInFlight: this.concurrency, perEndpoint: this.perEndpoint };
  }

  /** How many deliveries this process has in flight (for tests and metrics). */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /**
   * Sends every delivery due now (and any retry that comes due while others are still in flight);
   * resolves with how many attempts were made once nothing is in flight and nothing is due.
   */
  async drain(): Promise<number> {
    const before = this.started;
    for (;;) {
      await this.claim();
      if (this.inFlight.size === 0 || this.stopped) {
        await this.settled();
        return this.started - before;
      }
      await Promise.race(this.inFlight.values());
    }
  }

  private claim(onStart?: () => void): Promise<number> {
    const run = this.claims.then(async () => {
      onStart?.();
      if (this.stopped) return 0;
      const free = this.concurrency - this.inFlight.size;
      if (free <= 0) return 0; // a delivery that finishes wakes the next claim
      const now = this.clock();
      const lease = new Date(now.getTime() + this.config.timeoutMs + this.leaseMarginMs).toISOString();
      const claimed = await claimDueDeliveries(this.db, now.toISOString(), lease, free, { perEndpoint: this.perEndpoint, busy: this.busy });
      // Claimed means attempted: sent even if stop() came meanwhile, so no lease is left to run out.
      for (const d of claimed) this.launch(d);
      return claimed.length;
    });
    this.claims = run.catch(() => undefined);
    return run;
  }

  private launch(d: ClaimedDelivery): void {
    const key = `${d.id}#${d.attempts}`;
    this.started += 1;
    this.busy.set(d.endpointId, (this.busy.get(d.endpointId) ?? 0) + 1);
    const done = this.attempt(d)
      .catch((err: unknown) => this.opts.log.error({ deliveryId: d.id, endpointId: d.endpointId, err: { message: (err as Error).message } }, 'webhook attempt not recorded'))
      .finally(() => {
        this.inFlight.delete(key);
        const left = (this.busy.get(d.endpointId) ?? 1) - 1;
        if (left > 0) this.busy.set(d.endpointId, left);
        else this.busy.delete(d.endpointId);
        this.wake();
      });
    this.inFlight.set(key, done);
  }

  /** Waits for the claim under way and every delivery in flight. */
  private async settled(): Promise<void> {
    for (;;) {
      await this.claims;
      if (this.inFlight.size === 0) return;
      await Promise.all(this.inFlight.values());
    }
  }

  /**
   * One attempt of a claimed delivery. The endpoint is read afresh, and checked once more with the connection
   * open, right before the request is written (sendIfStillSendable): disabled, changed (URL, allowHttp) or gone
   * since the claim, nothing is sent, the claim is undone (not counted as an attempt) and `lastError` says why.
   * An admin who disabled an endpoint can rely on nothing being sent once the PATCH is answered.
   */
  private async attempt(d: ClaimedDelivery): Promise<void> {
    // Ids, status and error class only: never the URL (it may carry a token), the payload or a secret.
    const fields = { deliveryId: d.id, endpointId: d.endpointId, eventType: d.eventType, attempt: d.attempts };
    const endpoint = await findEndpoint(this.db, d.endpointId);
    if (!endpoint) return this.unsent(d, 'gone', fields);
    if (!endpoint.enabled) return this.unsent(d, 'disabled', fields);
    if (!endpoint.events.includes(d.eventType)) return this.unsent(d, 'unsubscribed', fields);
    const now = this.clock();
    let check: SendCheck | null = null;
    const gate = async (send: () => void) => {
      check = await sendIfStillSendable(this.db, d, endpoint, send);
      return check === 'sent';
    };
    const result: SendResult = await sendWebhook(
      endpoint.url,
      { messageId: d.messageId, payload: d.payload, secrets: signingSecrets(endpoint, now) },
      { timeoutMs: this.config.timeoutMs, allowPrivate: this.config.allowPrivate, allowHttp: endpoint.allowHttp, now, gate, ...(this.opts.resolve ? { resolve: this.opts.resolve } : {}) },
    );
    const checked = check as SendCheck | null;
    if (!result.ok && result.notSent && checked !== null && checked !== 'sent') return this.unsent(d, checked, fields);
    const done = this.clock();
    const outcome = this.outcome(d.attempts, result, done);
    const recorded = await recordAttempt(this.db, d.id, d.attempts, outcome);
    const logged = { ...fields, statusCode: outcome.statusCode, status: outcome.status };
    if (!recorded) this.opts.log.warn(logged, 'webhook attempt outcome not recorded: its claim was taken over');
    else if (outcome.status === 'succeeded') this.opts.log.info(logged, 'webhook delivered');
    else this.opts.log.warn({ ...logged, error: outcome.error, nextAttemptAt: outcome.status === 'pending' ? outcome.nextAttemptAt : null }, 'webhook attempt failed');
  }

  /**
   * A claim whose attempt sent nothing: undone, the reason in `lastError`. Disabled: back to pending, to go out
   * when the endpoint is enabled again (like every delivery queued for it meanwhile). Changed: pending and due
   * at once, to go to the endpoint as it is now. Unsubscribed (the endpoint's `events` no longer name the
   * delivery's event type: they were changed after it was queued): failed, never retried, `lastError` saying so —
   * it goes out only if an admin subscribes the endpoint to the type again and redelivers it. Gone: failed.
   * Superseded (another claim owns it): left alone.
   */
  private async unsent(d: ClaimedDelivery, why: Exclude<SendCheck, 'sent'>, fields: object): Promise<void> {
    if (why === 'superseded') {
      this.opts.log.warn(fields, 'webhook attempt not sent: its claim was taken over');
      return;
    }
    const error = {
      disabled: 'endpoint disabled: not sent; it waits until the endpoint is enabled again',
      changed: 'endpoint changed (URL or allowHttp) while the attempt was starting: not sent; it goes to the endpoint as it is now',
      unsubscribed: `endpoint no longer subscribes to ${d.eventType} (its events were changed after this delivery was queued): not sent, and not retried; to send it, add ${d.eventType} to the endpoint's events and redeliver`,
      gone: 'endpoint no longer exists: not sent',
    }[why];
    const status = why === 'gone' || why === 'unsubscribed' ? 'failed' : 'pending';
    const released = await releaseUnsent(this.db, d, { status, error, nextAttemptAt: this.clock().toISOString() });
    if (!released) this.opts.log.warn(fields, 'webhook attempt not sent, and its claim was taken over');
    else this.opts.log.warn({ ...fields, status, error }, 'webhook attempt not sent');
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

  /** Stops the timer and waits for the claim under way and every delivery in flight (recorded before the database closes). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.settled();
  }
}
