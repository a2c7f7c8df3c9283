/**
 * Failed authentication, limited by client address (in memory on each replica, counted across replicas): after
 * AUTH_FAILURES_PER_MINUTE credentials from one address failed to verify within a minute, further
 * credentials from it are refused with 429 until that minute is over — without a database lookup, so
 * a flood of guessed keys costs the database nothing and guessing gains nothing. The per-key rate limit
 * cannot do this: it counts only requests that authenticated.
 *
 * Behind a proxy every client may share one address; so that one client's bad key never locks out
 * the others, a key that verified on this replica in the last RECENTLY_VERIFIED_MS (a day) is let through to its normal
 * verification even while its address is held back (KeyVerifier.recentlyVerified).
 *
 * Across replicas: each failure is also counted in the database per address and minute (`shared`,
 * store/auth-failures-repo.ts), and a replica whose count comes back at the limit holds the address back until
 * that minute is over, as if the failures had all been its own. A replica that has not seen the address fail
 * lets its next credential through to verification — one lookup — and holds it back from then on: with N
 * replicas an address gets at most AUTH_FAILURES_PER_MINUTE + N − 1 tries in a minute (it was N × the limit).
 * The shared count is a second line: when the database cannot count, the replica's own limit still holds.
 */

export const WINDOW_MS = 60_000;

/** Counts one failure of `address` in the minute starting at `windowStartMs` across replicas; resolves to that minute's count. */
export type SharedFailureCounter = (address: string, windowStartMs: number) => Promise<number>;

interface Window {
  start: number;
  failures: number;
}

export class FailedAuthLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly now: () => number;
  private readonly maxAddresses: number;

  constructor(
    private readonly perMinute: number,
    opts: { now?: () => number; maxAddresses?: number; shared?: SharedFailureCounter; onSharedError?: (err: unknown) => void } = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.maxAddresses = opts.maxAddresses ?? 100_000;
    this.shared = opts.shared;
    this.onSharedError = opts.onSharedError;
  }

  private readonly shared: SharedFailureCounter | undefined;
  private readonly onSharedError: ((err: unknown) => void) | undefined;

  get enabled(): boolean {
    return this.perMinute > 0;
  }

  /** Milliseconds until `address` may present credentials again; 0 = now. */
  blockedFor(address: string): number {
    if (!this.enabled) return 0;
    const w = this.windows.get(address);
    if (!w) return 0;
    const left = w.start + WINDOW_MS - this.now();
    if (left <= 0) {
      this.windows.delete(address);
      return 0;
    }
    return w.failures >= this.perMinute ? left : 0;
  }

  /**
   * A credential from `address` did not verify. Counted here at once; the returned promise settles when the
   * count across replicas is in (callers need not wait: it never rejects).
   */
  failed(address: string): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    const now = this.now();
    const w = this.windows.get(address);
    if (w && now < w.start + WINDOW_MS) w.failures++;
    else {
      this.windows.delete(address);
      if (this.windows.size >= this.maxAddresses) this.evict(now);
      this.windows.set(address, { start: now, failures: 1 });
    }
    if (!this.shared) return Promise.resolve();
    const minute = Math.floor(now / WINDOW_MS) * WINDOW_MS;
    return this.shared(address, minute).then(
      (count) => {
        if (count >= this.perMinute) this.holdUntil(address, minute + WINDOW_MS);
      },
      (err) => this.onSharedError?.(err),
    );
  }

  /** The other replicas used the address's minute up: held back here until `until` (a window ending then, full). */
  private holdUntil(address: string, until: number): void {
    const w = this.windows.get(address);
    if (w && w.failures >= this.perMinute && w.start + WINDOW_MS >= until) return;
    this.windows.delete(address);
    if (this.windows.size >= this.maxAddresses) this.evict(this.now());
    this.windows.set(address, { start: until - WINDOW_MS, failures: this.perMinute });
  }

  get size(): number {
    return this.windows.size;
  }

  /** Makes room: windows that are over first, then the oldest (a Map iterates in insertion order). */
  private evict(now: number): void {
    for (const [a, w] of this.windows) if (now >= w.start + WINDOW_MS) this.windows.delete(a);
    for (const a of this.windows.keys()) {
      if (this.windows.size < this.maxAddresses) break;
      this.windows.delete(a);
    }
  }
}
