/**
 * The one app factory: the server, the CLI and every test build the app here, with the same
 * plugins in the same order. Shared things are decorators; each resource is one route plugin.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from './config.js';
import { loggerOptions } from './logger.js';
import { openDatabase, type Database } from './store/db.js';
import type { Ruleset } from './rules/index.js';
import {
  RulesService,
  createEngine,
  createRulesetLoader,
  followRulesets,
  recordActivationIfNew,
  type RulesetLoader,
  type ScreeningEngine,
} from './services/active-ruleset.js';
import { ScreeningService } from './services/screenings.js';
import { LicenceService } from './services/licences.js';
import licenceRoutes from './http/routes/licences.js';
import { EventBus } from './services/events.js';
import { EnginePool } from './services/engine-pool.js';
import { Metrics } from './services/metrics.js';
import metricsRoutes, { requestMetrics } from './http/routes/metrics.js';
import { BATCH_QUEUE, BatchService } from './services/batches.js';
import { JobQueue } from './jobs/queue.js';
import batchRoutes from './http/routes/batches.js';
import { ChangeFeed } from './services/change-feed.js';
import { SuppressionService } from './services/suppressions.js';
import suppressionRoutes from './http/routes/suppressions.js';
import { MonitoringService } from './services/monitoring.js';
import monitoringRoutes from './http/routes/monitoring.js';
import problems from './http/plugins/problems.js';
import requestId, { genReqId } from './http/plugins/request-id.js';
import openapi from './http/plugins/openapi.js';
import auth from './http/plugins/auth.js';
import security from './http/plugins/security.js';
import healthRoutes from './http/routes/health.js';
import apiKeyRoutes from './http/routes/api-keys.js';
import screeningRoutes from './http/routes/screenings.js';
import rulesRoutes from './http/routes/rules.js';
import partyRoutes from './http/routes/parties.js';
import sealer from './http/plugins/sealer.js';
import auditRoutes from './http/routes/audit.js';
import screeningQueryRoutes from './http/routes/screenings-query.js';
import webhooks from './http/plugins/webhooks.js';
import webhookRoutes from './http/routes/webhooks.js';
import consolePages from './console/index.js';
import { ensureAdminKey } from './services/api-keys.js';
import { loggableError } from './store/db-errors.js';
import { partAwareValidatorFactory } from './http/validator-compiler.js';
import { sharedSerializerFactory } from './http/serializer-cache.js';

export interface AppOptions {
  config: Config;
  /** An already open database (tests share one); otherwise opened from config.storage and closed with the app. */
  database?: Database;
  /** How to load the ruleset; defaults to the rules directory in config. */
  loadRuleset?: RulesetLoader<Ruleset>;
  /**
   * Called once when start-up generated an admin key (CHOKEPOINT_ADMIN_KEY unset, no active admin
   * key). server.ts prints it to stdout; nothing else ever sees it, and it is never logged.
   */
  onAdminKeyCreated?: (key: string) => void;
  /** Overrides config.sealIntervalMs (tests pass 0: seal only on demand). */
  sealIntervalMs?: number;
  /** How long start-up waits before trying a failed migration again (default 5 s; tests shorten it). */
  migrateRetryMs?: number;
  /** Overrides pg-boss's maintenance and polling intervals (tests shorten them). */
  queueTiming?: { maintenanceIntervalSeconds?: number; pollingIntervalSeconds?: number };
}

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    database: Database;
    rules: RulesService<Ruleset>;
    engine: ScreeningEngine;
    screenings: ScreeningService;
    /** Reviewed false positives, passed into every screening. */
    suppressions: SuppressionService;
    changes: ChangeFeed;
    /** Continuous monitoring: re-screens open and recent screenings when a new ruleset is active. */
    monitoring: MonitoringService;
    licences: LicenceService;
    /** Domain events (screening.flagged, screening.changed, batch.completed) for webhooks and metrics. */
    events: EventBus;
    /** Prometheus metrics (GET /metrics); job queues register their depth here. */
    metrics: Metrics;
    /** The job queue (pg-boss on this database): batches today; monitoring and webhooks can join. */
    queue: JobQueue;
    batches: BatchService;
    /** True once migrations have been applied (or verified) on this database. */
    storageReady: () => boolean;
  }
}

export type App = FastifyInstance;

export async function buildApp(opts: AppOptions): Promise<App> {
  const { config } = opts;
  const app = Fastify({
    logger: loggerOptions(config),
    genReqId,
    bodyLimit: config.limits.bodyLimitBytes,
    return503OnClosing: true,
    // The client address (failed-authentication limit, per-address rate limit, logs) from X-Forwarded-For only behind trusted proxies.
    // (A hop count is supported at run time — Fastify hands it to proxy-addr — though its types omit numbers.)
    trustProxy: config.trustProxy as boolean | string[],
    // One serializer per distinct response schema, not per route × status (src/http/serializer-cache.ts).
    // Query strings and path parameters are text and coerced (`?limit=50`); JSON bodies are not (validator-compiler.ts).
    schemaController: { compilersFactory: { buildSerializer: sharedSerializerFactory(), buildValidator: partAwareValidatorFactory() as never } },
    ajv: {
      customOptions: {
        // Unknown fields are refused, not silently dropped; every failing field is named.
        removeAdditional: false,
        allErrors: true,
        coerceTypes: 'array',
        useDefaults: true,
      },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // The ruleset (rule files, and party lists from the start cache) needs no database: it loads
  // while the database opens and migrates — PGlite compiles its WebAssembly and Postgres runs the
  // migrations' queries meanwhile. The service is ready only once both are done, as before.
  const loader = opts.loadRuleset ?? createRulesetLoader(config, { log: (level, msg, fields) => app.log[level](fields ?? {}, msg) });
  const rules = new RulesService(loader);
  const rulesLoaded = rules.reload().then(
    (rs) => ({ rs, err: null }),
    (err: unknown) => ({ rs: null, err }),
  );

  const ownsDatabase = !opts.database;
  // A database that cannot be opened fails the start at once; the load's outcome is already handled.
  const database = opts.database ?? (await openDatabase(config.storage));
  app.log.info({ storage: database.describe }, `storage: ${database.describe}`);

  let migrated = false;
  let retry: NodeJS.Timeout | undefined;
  // The start's ruleset activation is recorded once the database is migrated and the ruleset loaded, whichever
  // comes last: here below when the first migration succeeded (or a retry did while the rules still loaded),
  // else by the retry that succeeds. Once per start: the two paths never record it twice.
  let startActivation: Promise<void> | null = null;
  const recordStartActivation = (): Promise<void> => {
    const active = rules.peek();
    if (!migrated || !active) return Promise.resolve();
    startActivation ??= recordActivationIfNew(database.db, active).then(
      () => undefined,
      (err: unknown) => app.log.error({ err: loggableError(err) }, 'could not record the ruleset activation in the audit log'),
    );
    return startActivation;
  };
  /** What start-up skipped while the database was not migrated, once a retry migrated it (set further down). */
  let afterLateMigration: (() => Promise<void>) | null = null;
  const migrate = async (retrying = false) => {
    try {
      if (config.migrateOnStart) await database.migrate();
      const { generatedKey } = await ensureAdminKey(database.db, config);
      if (generatedKey) opts.onAdminKeyCreated?.(generatedKey);
      migrated = true;
    } catch (err) {
      app.log.error({ err: loggableError(err) }, 'database migration or admin-key bootstrap failed; not ready, retrying');
      retry = setTimeout(() => void migrate(true), opts.migrateRetryMs ?? 5_000);
      retry.unref();
      return;
    }
    if (retrying) {
      app.log.info({}, 'database migrated on retry');
      await recordStartActivation();
      await afterLateMigration?.();
    }
  };
  await migrate();

  const { rs, err: rulesError } = await rulesLoaded;
  if (rs) {
    app.log.info({ rulesetVersion: rs.version, rulesetHash: rs.hash }, 'ruleset loaded');
    await recordStartActivation();
  } else {
    app.log.error({ err: { message: (rulesError as Error).message } }, 'ruleset failed to load; the service stays not ready');
  }

  app.decorate('config', config);
  app.decorate('database', database);
  app.decorate('rules', rules);
  app.decorate('storageReady', () => migrated);
  // Worker threads load the rules from RULES_DIR themselves, so a custom loader (tests) keeps the engine here.
  const pool =
    config.engineWorkers > 0 && !opts.loadRuleset
      ? new EnginePool(rules, {
          threads: config.engineWorkers,
          rulesDir: config.rulesDir,
          matchThreshold: config.matchThreshold,
          onFailure: (err) => app.log.error({ err: loggableError(err) }, 'engine worker failed; the request gets 503'),
        })
      : null;
  if (pool && rules.loaded) {
    await pool.warm().catch((err) => app.log.error({ err: loggableError(err) }, 'engine workers did not load the active ruleset'));
  }
  const engine: ScreeningEngine = pool ?? createEngine(rules);
  app.decorate('engine', engine);
  const events = new EventBus((err, event) => app.log.error({ err: loggableError(err), eventType: event.type }, 'an event subscriber failed'));
  app.decorate('events', events);
  const metrics = new Metrics(database);
  app.decorate('metrics', metrics);
  // Suppressions, licences and webhook endpoints are read by every screening: kept in memory while the
  // change feed vouches for them (src/services/change-feed.ts), read from the database otherwise.
  const changes = new ChangeFeed();
  app.decorate('changes', changes);
  const unfeed = await changes.start(database).catch((err) => {
    app.log.error({ err: loggableError(err) }, 'cannot follow changes to suppressions, licences and webhook endpoints; every screening reads them from the database');
    return async () => {};
  });
  const suppressions = new SuppressionService(database.db, () => rules.get(), changes);
  app.decorate('suppressions', suppressions);
  const licences = new LicenceService(database.db, () => rules.get(), changes);
  app.decorate('licences', licences);
  const screenings = new ScreeningService(database.db, engine, config, {
    onBatch: (size, seconds, ok) => metrics.observeBatch(size, seconds, ok),
    events,
    suppressions,
    licences,
  });
  app.decorate('screenings', screenings);
  metrics.watchWriter(() => screenings.writerWaiting);
  metrics.watchChangeFeed(() => changes.stats);
  if (pool) metrics.watchEngine(() => ({ threads: pool.threads, queueSize: pool.queueSize, utilization: pool.utilization }));

  const queue = new JobQueue(database, { expireInSeconds: config.batch.jobExpireSeconds, ...opts.queueTiming }, (err) =>
    app.log.error({ err: loggableError(err) }, 'job queue error'),
  );
  app.decorate('queue', queue);
  app.decorate('batches', new BatchService(database.db, engine, app.screenings, queue, app.events, config.batch));
  // The job queue needs the migrated database (pg-boss's schema): started here, or by the retry that migrated it.
  const startQueue = async (late: boolean) => {
    try {
      await queue.start();
      await app.batches.startWorkers((err, job) =>
        app.log.error({ err: loggableError(err), batchId: job.batchId, fromLine: job.fromLine }, 'batch chunk failed; the queue retries it'),
      );
      // Batch chunks waiting for a worker, on every replica's /metrics (one count query a scrape).
      metrics.registerQueue(BATCH_QUEUE, () => queue.depth(BATCH_QUEUE));
      // The batch.completed worker starts when the app is ready (routes/batches.ts); a late start is after that.
      if (late) await app.batches.startEventWorker();
    } catch (err) {
      app.log.error({ err: loggableError(err) }, 'the job queue could not start; batches are not screened on this replica');
    }
  };
  if (migrated) await startQueue(false);

  const monitoring = new MonitoringService({ db: database.db, rules, engine, events: app.events, suppressions, licences, config, log: app.log });
  app.decorate('monitoring', monitoring);
  // A new ruleset at start-up (an import activated by restart) or a run cut short by a crash: run or resume.
  const monitor = (trigger?: 'activation' | 'effective_date') =>
    config.monitorEnabled && migrated
      ? monitoring.onRulesetActive(trigger).catch((err) => app.log.error({ err: loggableError(err) }, 'could not start continuous monitoring'))
      : Promise.resolve();
  // Started before a retry migrated the database: the start's monitoring run was skipped; the retry starts it.
  // Its job queue did not start either (batches were not screened on this replica until a restart): started now.
  afterLateMigration = async () => {
    await startQueue(true);
    await monitor();
  };
  await monitor();
  // A licence amended or revoked: re-screen the shipments that drew on it (it may no longer cover them).
  licences.onAmendedOrRevoked((licenceId, version) =>
    config.monitorEnabled && migrated
      ? monitoring.onLicenceChanged(licenceId, version).catch((err) => app.log.error({ err: loggableError(err), licenceId }, 'could not start a monitoring run for a changed licence'))
      : Promise.resolve(),
  );
  // Dated rules come into force at midnight UTC; an hourly look costs one query when nothing changed.
  const daily = config.monitorEnabled ? setInterval(() => void monitor('effective_date'), 3_600_000) : undefined;
  daily?.unref();

  const unfollow = await followRulesets(database, rules, app.log).catch((err) => {
    app.log.error({ err: loggableError(err) }, 'cannot follow ruleset activations of other replicas');
    return async () => {};
  });

  app.addHook('onClose', async () => {
    if (retry) clearTimeout(retry);
    app.batches.stopReaper();
    await queue.stop();
    if (daily) clearInterval(daily);
    await monitoring.stop();
    await unfollow();
    await unfeed();
    await pool?.close();
    if (ownsDatabase) await database.close();
  });

  await app.register(problems);
  await app.register(requestId);
  await app.register(requestMetrics);
  // Before every route: auth refuses routes without config.access; security adds headers and limits.
  await app.register(auth);
  await app.register(security);
  await app.register(openapi);
  await app.register(healthRoutes);
  await app.register(apiKeyRoutes);
  await app.register(screeningRoutes);
  await app.register(rulesRoutes);
  await app.register(partyRoutes);
  await app.register(sealer, { intervalMs: opts.sealIntervalMs ?? config.sealIntervalMs });
  await app.register(screeningQueryRoutes);
  await app.register(batchRoutes);
  await app.register(auditRoutes);
  await app.register(metricsRoutes);
  await app.register(webhooks);
  await app.register(webhookRoutes);
  await app.register(suppressionRoutes);
  await app.register(monitoringRoutes);
  await app.register(licenceRoutes);
  // The console for people, at `/`: one more client of the same services, under the same access policy.
  await app.register(consolePages);

  await app.ready();
  return app;
}
