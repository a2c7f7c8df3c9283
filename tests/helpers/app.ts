/**
 * Test helpers: the real app, on in-memory PGlite, or — when TEST_DATABASE_URL is set (CI sets
 * it) — on a fresh database created for the calling test file on that Postgres server and dropped
 * afterwards, so files run in parallel without sharing rows. Tests build the app as the server does.
 */
import { buildApp, type App, type AppOptions } from '../../src/app.js';
import { testConfig, type Config } from '../../src/config.js';
import { freshStorage } from './storage.js';

export { PG_URL, freshStorage, type TestStorage } from './storage.js';

export interface TestApp {
  app: App;
  close(): Promise<void>;
}

export async function makeApp(overrides: Partial<Config> = {}, opts: Omit<AppOptions, 'config'> = {}): Promise<TestApp> {
  const store = await freshStorage();
  const config = testConfig({ storage: store.storage, ...overrides });
  const app = await buildApp({ config, ...opts });
  return {
    app,
    close: async () => {
      await app.close();
      await store.drop();
    },
  };
}
