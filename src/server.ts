/** Loads config, builds the app, listens; on SIGTERM/SIGINT stops accepting, finishes in-flight requests, closes the database. */
import closeWithGrace from 'close-with-grace';
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
  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
  });
  const address = await app.listen({ port: config.port, host: config.host });
  app.log.info({ docs: `${address}/docs` }, `API docs: ${address}/docs`);
}

main().catch((err) => {
  console.error('chokepoint: failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
