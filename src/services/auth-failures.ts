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
 *
 * The shared count never holds up a request (callers do not wait for it) and never takes more than
 * `maxSharedInFlight` (2) of the database pool: while that many counts are still out (a slow or unreachable
 * database, a flood of bad credentials from many addresses), a further failure is counted on this replica only.
 * Unbounded, each failure queued its upsert for a pool connection — ahead of the screenings waiting for one —
 * and, with the database down, logged one warning per failed credential after the connection timeout. So under
 * such a flood an address gets at most N × the limit across N replicas, as before the shared count; never more.
 */

import { isIP } from 'node:net';

export const WINDOW_MS = 60_000;

/**
 * The one bucket for every client "address" that is not an IP address. With TRUST_PROXY=true the address is
 * the left-most X-Forwarded-For entry, which Fastify does not check: any text the client wrote, up to the
 * header limit (16 KB). Kept as it came, each distinct text was an address of its own — up to 100,000 of
 * them in memory (over a gigabyte of keys) and a row each in auth_failures. Such text all counts as this one.
 */
export const UNPARSEABLE_ADDRESS = 'unparseable';

/** The key an address is counted under: an IP address as it is (at most 64 characters, a zone id included), else UNPARSEABLE_ADDRESS. */
export function addressKey(address: string): string {
  return address.length <= 64 && isIP(address) !== 0 ? address : UNPARSEABLE_ADDRESS;
}

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
    opts: {
      now?: () => number;
      maxAddresses?: number;
      shared?: SharedFailureCounter;
      onSharedError?: (err: unknown) => void;
      /** Shared counts awaiting the database at once; beyond, a failure is counted on this replica only. Default 2. */
      maxSharedInFlight?: number;
    } = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.maxAddresses = opts.maxAddresses ?? 100_000;
    this.shared = opts.shared;
    this.onSharedError = opts.onSharedError;
    this.maxSharedInFlight = Math.max(1, opts.maxSharedInFlight ?? 2);
  }

  private readonly shared: SharedFailureCounter | undefined;
  private readonly onSharedError: ((err: unknown) => void) | undefined;
  private readonly maxSharedInFlight: number;
  private sharedInFlight = 0;
  private sharedSkipped = 0;

  /** Shared counts awaiting the database now, and failures counted on this replica only because too many were (for tests and diagnosis). */
  get sharedStats(): { inFlight: number; skipped: number } {
    return { inFlight: this.sharedInFlight, skipped: this.sharedSkipped };
  }

  get enabled(): boolean {
    return this.perMinute > 0;
  }

  /** Milliseconds until `address` may present credentials again; 0 = now. */
  blockedFor(client: string): number {
    if (!this.enabled) return 0;
    const address = addressKey(client);
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
  failed(client: string): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    const address = addressKey(client);
    const now = this.now();
    const w = this.windows.get(address);
    if (w && now < w.start + WINDOW_MS) w.failures++;
    else {
      this.windows.delete(address);
      if (this.windows.size >= this.maxAddresses) this.evict(now);
      this.windows.set(address, { start: now, failures: 1 });
    }
    if (!this.shared) return Promise.resolve();
    // Bounded: a slow or unreachable database must not gather a queue of counts (and pool waiters) per failure.
    if (this.sharedInFlight >= this.maxSharedInFlight) {
      this.sharedSkipped++;
      return Promise.resolve();
    }
    const minute = Math.floor(now / WINDOW_MS) * WINDOW_MS;
    this.sharedInFlight++;
    let counting: Promise<number>;
    try {
      counting = this.shared(address, minute);
    } catch (err) {
      counting = Promise.reject(err);
    }
    return counting
      .then(
        (count) => {
          if (count >= this.perMinute) this.holdUntil(address, minute + WINDOW_MS);
        },
        (err) => {
          try {
            this.onSharedError?.(err);
          } catch {
            // a logger that throws must not make this promise reject
          }
        },
      )
      .finally(() => {
        this.sharedInFlight--;
      });
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
