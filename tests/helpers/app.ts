/**
 * Test helpers: the real app, on in-memory PGlite, or — when TEST_DATABASE_URL is set (CI sets
 * it) — on a fresh database created for the calling test file on that Postgres server and dropped
 * afterwards, so files run in parallel without sharing rows. Tests build the app as the server does.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { buildApp, type App, type AppOptions } from '../../src/app.js';
import { testConfig, type Config } from '../../src/config.js';

export const PG_URL = process.env.TEST_DATABASE_URL;

export interface TestStorage {
  storage: Config['storage'];
  drop(): Promise<void>;
}

/** A throwaway Postgres database named after TEST_DATABASE_URL's, or in-memory PGlite. */
export async function freshStorage(): Promise<TestStorage> {
  if (!PG_URL) return { storage: { kind: 'pglite-memory' }, drop: async () => {} };
  const base = new URL(PG_URL);
  const name = `${base.pathname.slice(1)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return {
    storage: { kind: 'postgres', url: url.toString() },
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

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
