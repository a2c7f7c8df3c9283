/**
 * Failed authentication, limited by client address (per replica, in memory): after
 * AUTH_FAILURES_PER_MINUTE credentials from one address failed to verify within a minute, further
 * credentials from it are refused with 429 until that minute is over — without a database lookup, so
 * a flood of guessed keys costs the database nothing and guessing gains nothing. The per-key rate limit
 * cannot do this: it counts only requests that authenticated.
 *
 * Behind a proxy every client may share one address; so that one client's bad key never locks out
 * the others, a key that verified on this replica in the last RECENTLY_VERIFIED_MS (a day) is let through to its normal
 * verification even while its address is held back (KeyVerifier.recentlyVerified).
 */

export const WINDOW_MS = 60_000;

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
    opts: { now?: () => number; maxAddresses?: number } = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.maxAddresses = opts.maxAddresses ?? 100_000;
  }

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

  /** A credential from `address` did not verify. */
  failed(address: string): void {
    if (!this.enabled) return;
    const now = this.now();
    const w = this.windows.get(address);
    if (w && now < w.start + WINDOW_MS) {
      w.failures++;
      return;
    }
    this.windows.delete(address);
    if (this.windows.size >= this.maxAddresses) this.evict(now);
    this.windows.set(address, { start: now, failures: 1 });
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
