/**
 * Small tables that every screening reads — reviewed false positives, the licence records, the
 * webhook endpoints — are read once and kept, instead of one query each per screening. A copy is
 * used only while it is provably current:
 *
 * - every write to those tables announces itself inside its transaction (src/store/changes.ts), so
 *   each process hears of every committed change, its own, other replicas' and the CLI's;
 * - the process that made a change drops its copy at once (read your own writes);
 * - a copy is kept only while the LISTEN subscription is in place: while it is down (Postgres
 *   restarted, link lost) every read goes to the database, and every copy is dropped when it is back;
 * - a load that raced a change is used for its caller but not kept;
 * - a copy is also dropped after `maxAgeMs`, for changes made behind the service's back (SQL by hand).
 *
 * What stays is the time a NOTIFY takes to arrive (milliseconds): a screening that starts in that
 * window on another replica reads the tables as they were — as it would have had it started a moment
 * earlier. Time-dependent state (a suppression's expiry, a licence's validity) is never cached: it is
 * judged at the screening's time from the records.
 */
import type { Database } from '../store/db.js';
import { CHANGES_CHANNEL, type ChangeTopic } from '../store/changes.js';

export type { ChangeTopic };

export interface CachedRead<T> {
  get(): Promise<T>;
}

export class ChangeFeed {
  private up = false;
  private readonly generations = new Map<ChangeTopic, number>();
  private epoch = 0;
  /** Reads served from a copy, and reads that went to the database (for /metrics). */
  readonly stats = { hits: 0, misses: 0 };

  constructor(private readonly maxAgeMs = 60_000) {}

  /** Subscribes through the database; until this resolves (or if never called) nothing is cached. */
  async start(database: Pick<Database, 'listen'>): Promise<() => Promise<void>> {
    return database.listen(
      CHANGES_CHANNEL,
      (topic) => this.changed(topic as ChangeTopic),
      (up) => {
        this.up = up;
        this.epoch++; // whatever was cached before a gap may have missed a change in it
      },
    );
  }

  /** Whether copies may be kept now (the subscription is in place). */
  get listening(): boolean {
    return this.up;
  }

  /** A change to `topic` committed: copies taken before it are stale. */
  changed(topic: ChangeTopic): void {
    this.generations.set(topic, (this.generations.get(topic) ?? 0) + 1);
  }

  private version(topic: ChangeTopic): string {
    return `${this.epoch}:${this.generations.get(topic) ?? 0}`;
  }

  /** A read of `topic` through a copy that follows the rules above. */
  cached<T>(topic: ChangeTopic, load: () => Promise<T>): CachedRead<T> {
    let copy: { value: T; version: string; at: number } | null = null;
    let pending: { promise: Promise<T>; version: string } | null = null;
    return {
      get: async () => {
        if (!this.up) {
          this.stats.misses++;
          return load();
        }
        const version = this.version(topic);
        if (copy && copy.version === version && Date.now() - copy.at < this.maxAgeMs) {
          this.stats.hits++;
          return copy.value;
        }
        this.stats.misses++;
        if (pending && pending.version === version) return pending.promise;
        const promise = load();
        pending = { promise, version };
        try {
          const value = await promise;
          if (this.up && this.version(topic) === version) copy = { value, version, at: Date.now() };
          return value;
        } finally {
          if (pending?.promise === promise) pending = null;
        }
      },
    };
  }
}
