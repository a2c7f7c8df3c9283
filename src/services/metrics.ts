/**
 * The service's Prometheus metrics (prom-client), one registry per app so that tests and
 * several apps in one process do not share counters. Every metric is documented in the README
 * (Observability). Gauges that cost a query (seal lag) or live elsewhere (pool, engine, job
 * queues) are read at scrape time through collect callbacks.
 */
import client from 'prom-client';
import { matcherCacheTotals } from '../matching/matcher.js';
import type { Database } from '../store/db.js';
import { sealLag, type SealLag } from '../store/seal-lag.js';

/** A gauge source other modules register (e.g. the batch job queue): a name and how to read its depth. */
export type QueueDepth = () => number | Promise<number>;

export interface EngineStats {
  threads: number;
  queueSize: number;
  utilization: number;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class Metrics {
  readonly registry = new client.Registry();
  private readonly queues = new Map<string, QueueDepth>();
  private engine: (() => EngineStats) | null = null;
  private writerWaiting: (() => number) | null = null;
  private changeFeed: (() => { hits: number; misses: number }) | null = null;
  private relay: (() => { sweeps: number; failed: number; queued: number }) | null = null;

  private readonly requests = new client.Counter({
    name: 'chokepoint_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly latency = new client.Histogram({
    name: 'chokepoint_http_request_duration_seconds',
    help: 'Time from request received to response sent, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly decisions = new client.Counter({
    name: 'chokepoint_decisions_total',
    help: 'Screening decisions returned, by decision and whether an idempotent retry replayed a stored one',
    labelNames: ['decision', 'replayed'] as const,
    registers: [this.registry],
  });
  private readonly batchSize = new client.Histogram({
    name: 'chokepoint_writer_batch_size',
    help: 'Screenings committed per group-commit statement',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [this.registry],
  });
  private readonly commitSeconds = new client.Histogram({
    name: 'chokepoint_writer_commit_duration_seconds',
    help: 'Duration of one group-commit statement (insert + commit), by outcome',
    labelNames: ['outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  constructor(database: Database) {
    const registry = this.registry;
    client.collectDefaultMetrics({ register: registry, prefix: 'chokepoint_' });
    const self = this;
    new client.Gauge({
      name: 'chokepoint_writer_waiting',
      help: 'Screenings waiting for the next group commit',
      registers: [registry],
      collect() {
        this.set(self.writerWaiting?.() ?? 0);
      },
    });
    new client.Gauge({
      name: 'chokepoint_db_pool_connections',
      help: 'Postgres connection pool: open (total), idle, callers waiting for a connection, and the maximum (absent on PGlite)',
      labelNames: ['state'] as const,
      registers: [registry],
      collect() {
        const s = database.poolStats?.();
        if (!s) return;
        this.set({ state: 'total' }, s.total);
        this.set({ state: 'idle' }, s.idle);
        this.set({ state: 'waiting' }, s.waiting);
        this.set({ state: 'max' }, s.max);
      },
    });
    // Both seal gauges are collected concurrently in one scrape: they share one query.
    let reading: Promise<SealLag | null> | null = null;
    const readLag = () =>
      (reading ??= sealLag(database.db)
        .catch(() => null)
        .finally(() => {
          reading = null;
        }));
    new client.Gauge({
      name: 'chokepoint_audit_unsealed_records',
      help: 'Audit records (screenings, dispositions, events) not yet covered by a seal',
      registers: [registry],
      async collect() {
        const lag = await readLag();
        if (lag) this.set(lag.unsealed);
      },
    });
    new client.Gauge({
      name: 'chokepoint_audit_seal_lag_seconds',
      help: 'Age of the oldest audit record not yet covered by a seal (0 when everything is sealed)',
      registers: [registry],
      async collect() {
        const lag = await readLag();
        if (lag) this.set(lag.oldestUnsealedAt ? Math.max(0, (Date.now() - Date.parse(lag.oldestUnsealedAt)) / 1000) : 0);
      },
    });
    new client.Gauge({
      name: 'chokepoint_engine_workers',
      help: 'Engine worker threads (0: the engine runs on the main thread)',
      registers: [registry],
      collect() {
        this.set(self.engine?.().threads ?? 0);
      },
    });
    new client.Gauge({
      name: 'chokepoint_engine_queue_depth',
      help: 'Screenings waiting for a free engine worker',
      registers: [registry],
      collect() {
        this.set(self.engine?.().queueSize ?? 0);
      },
    });
    new client.Gauge({
      name: 'chokepoint_engine_utilization_ratio',
      help: 'Share of time the engine workers were busy since start (0-1)',
      registers: [registry],
      collect() {
        this.set(self.engine?.().utilization ?? 0);
      },
    });
    new client.Counter({
      name: 'chokepoint_change_feed_reads_total',
      help: 'Reads of suppressions, licence records and webhook endpoints, by where they were served from: memory (a copy the change feed vouches for) or database',
      labelNames: ['source'] as const,
      registers: [registry],
      collect() {
        const s = self.changeFeed?.();
        if (!s) return;
        this.reset();
        this.inc({ source: 'memory' }, s.hits);
        this.inc({ source: 'database' }, s.misses);
      },
    });
    new client.Counter({
      name: 'chokepoint_event_relay_sweeps_total',
      help: 'Event relay sweeps of this process, by outcome (a failed sweep moves nothing and is tried again)',
      labelNames: ['outcome'] as const,
      registers: [registry],
      collect() {
        const r = self.relay?.();
        if (!r) return;
        this.reset();
        this.inc({ outcome: 'ok' }, r.sweeps - r.failed);
        this.inc({ outcome: 'failed' }, r.failed);
      },
    });
    new client.Counter({
      name: 'chokepoint_event_relay_queued_total',
      help: 'screening.flagged deliveries the event relay queued because they were not queued when their screening was stored (a crash or a refused queue insert): alert on any',
      registers: [registry],
      collect() {
        const r = self.relay?.();
        if (!r) return;
        this.reset();
        this.inc(r.queued);
      },
    });
    new client.Counter({
      name: 'chokepoint_matcher_cache_requests_total',
      help: 'Party-name searches by the matcher of this process, answered from its LRU cache (hit) or searched (miss)',
      labelNames: ['result'] as const,
      registers: [registry],
      collect() {
        // The matcher counts (src/matching knows nothing of metrics); the totals only grow.
        const t = matcherCacheTotals();
        this.reset();
        this.inc({ result: 'hit' }, t.hits);
        this.inc({ result: 'miss' }, t.misses);
      },
    });
    new client.Gauge({
      name: 'chokepoint_job_queue_depth',
      help: 'Jobs waiting, by queue (queues register themselves through app.metrics.registerQueue)',
      labelNames: ['queue'] as const,
      registers: [registry],
      async collect() {
        // A queue that cannot say (not started, database down) has no sample this scrape rather than failing /metrics.
        for (const [queue, depth] of self.queues) {
          try {
            this.set({ queue }, await depth());
          } catch {
            this.remove({ queue });
          }
        }
      },
    });
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status) };
    this.requests.inc(labels);
    this.latency.observe(labels, seconds);
  }

  observeDecision(decision: string, replayed: boolean): void {
    this.decisions.inc({ decision, replayed: String(replayed) });
  }

  observeBatch(size: number, seconds: number, ok: boolean): void {
    if (ok) this.batchSize.observe(size);
    this.commitSeconds.observe({ outcome: ok ? 'committed' : 'failed' }, seconds);
  }

  /** The batch helper (or any job queue) calls this once; the depth is read at every scrape. */
  registerQueue(name: string, depth: QueueDepth): void {
    this.queues.set(name, depth);
  }

  watchEngine(stats: () => EngineStats): void {
    this.engine = stats;
  }

  watchRelay(stats: () => { sweeps: number; failed: number; queued: number }): void {
    this.relay = stats;
  }

  watchChangeFeed(stats: () => { hits: number; misses: number }): void {
    this.changeFeed = stats;
  }

  watchWriter(waiting: () => number): void {
    this.writerWaiting = waiting;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
