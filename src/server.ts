/** Loads config, builds the app, listens; on SIGTERM/SIGINT stops accepting, finishes in-flight requests, closes the database. */
import closeWithGrace from 'close-with-grace';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, loadDotEnv } from './config.js';
import { applyHeapPolicy } from './heap-policy.js';

async function main() {
  let config;
  try {
    loadDotEnv();
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`chokepoint: invalid configuration: ${err.message}`);
      process.exit(78);
    }
    throw err;
  }
  applyHeapPolicy(config.heapGrowingPercent);
  const app = await buildApp({
    config,
    // The only copy of a generated admin key: straight to stdout, never through the logger.
    onAdminKeyCreated: (key) =>
      process.stdout.write(`\nNo admin key existed and CHOKEPOINT_ADMIN_KEY is unset, so one was generated.\nIt is shown only this once; store it now:\n\n  ${key}\n\n`),
  });
  if (!app.rules.loaded) {
    // Fail closed: a service without a valid rule table must not run at all.
    app.log.fatal({ error: app.rules.error }, 'refusing to start: the ruleset is invalid');
    await app.close();
    process.exit(1);
  }
  collectStartupGarbage();
  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
  });
  const address = await app.listen({ port: config.port, host: config.host });
  app.log.info({ docs: `${address}/docs` }, `API docs: ${address}/docs`);
}

/**
 * Start-up leaves ~30 MB of garbage behind — the party-list cache file it read (26 MB), the entries'
 * JSON text, the rule files' YAML, schema compilation — which V8's memory reducer collects only ~10 s
 * after the last collection of the start (RSS 233 → 204 MB, Postgres, built). One full collection
 * here, before the port opens, reaches that state at once; it takes tens of milliseconds and is
 * counted in the start time. V8 exposes the collector only behind --expose-gc, so it is exposed for
 * this one call and hidden again.
 */
function collectStartupGarbage(): void {
  try {
    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as () => void)();
  } catch {
    // Not essential: the memory reducer does the same a few seconds later.
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

main().catch((err) => {
  console.error('chokepoint: failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
