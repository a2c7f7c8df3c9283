/**
 * Throwaway storage for tests: in-memory PGlite, or — when TEST_DATABASE_URL is set (CI sets it) —
 * a fresh database created beside the named one on that Postgres server and dropped afterwards, so
 * test files run in parallel without sharing rows. No app import: store-level tests use it too.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Config } from '../../src/config.js';

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
