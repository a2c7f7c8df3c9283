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
import { EventBus } from './services/events.js';
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
import consolePages from './console/index.js';
import { ensureAdminKey } from './services/api-keys.js';
import { loggableError } from './store/db-errors.js';

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
}

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    database: Database;
    rules: RulesService<Ruleset>;
    engine: ScreeningEngine;
    screenings: ScreeningService;
    /** Domain events (screening.flagged, screening.changed, batch.completed) for webhooks and metrics. */
    events: EventBus;
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

  const ownsDatabase = !opts.database;
  const database = opts.database ?? (await openDatabase(config.storage));
  app.log.info({ storage: database.describe }, `storage: ${database.describe}`);

  let migrated = false;
  let retry: NodeJS.Timeout | undefined;
  const migrate = async () => {
    try {
      if (config.migrateOnStart) await database.migrate();
      const { generatedKey } = await ensureAdminKey(database.db, config);
      if (generatedKey) opts.onAdminKeyCreated?.(generatedKey);
      migrated = true;
    } catch (err) {
      app.log.error({ err: loggableError(err) }, 'database migration or admin-key bootstrap failed; not ready, retrying');
      retry = setTimeout(() => void migrate(), 5_000);
      retry.unref();
    }
  };
  await migrate();

  const loader = opts.loadRuleset ?? createRulesetLoader(config);
  const rules = new RulesService(loader);
  try {
    const rs = await rules.reload();
    app.log.info({ rulesetVersion: rs.version, rulesetHash: rs.hash }, 'ruleset loaded');
    if (migrated) {
      await recordActivationIfNew(database.db, rs).catch((err) =>
        app.log.error({ err: loggableError(err) }, 'could not record the ruleset activation in the audit log'),
      );
    }
  } catch (err) {
    app.log.error({ err: { message: (err as Error).message } }, 'ruleset failed to load; the service stays not ready');
  }

  app.decorate('config', config);
  app.decorate('database', database);
  app.decorate('rules', rules);
  app.decorate('storageReady', () => migrated);
  const engine = createEngine(rules);
  app.decorate('engine', engine);
  app.decorate('screenings', new ScreeningService(database.db, engine, config));
  app.decorate(
    'events',
    new EventBus((err, event) => app.log.error({ err: loggableError(err), eventType: event.type }, 'an event subscriber failed')),
  );

  const unfollow = await followRulesets(database, rules, app.log).catch((err) => {
    app.log.error({ err: loggableError(err) }, 'cannot follow ruleset activations of other replicas');
    return async () => {};
  });

  app.addHook('onClose', async () => {
    if (retry) clearTimeout(retry);
    await unfollow();
    if (ownsDatabase) await database.close();
  });

  await app.register(problems);
  await app.register(requestId);
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
  await app.register(auditRoutes);
  // The console for people, at `/`: one more client of the same services, under the same access policy.
  await app.register(consolePages);

  await app.ready();
  return app;
}
