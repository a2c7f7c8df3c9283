/** Benchmarks run on a database of their own, created beside the one named and dropped afterwards. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export async function adminSql(serverUrl: string, statement: string): Promise<void> {
  const c = new pg.Client({ connectionString: serverUrl });
  await c.connect();
  try {
    await c.query(statement);
  } finally {
    await c.end();
  }
}

export interface ThrowawayDb {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export async function createThrowawayDb(serverUrl: string): Promise<ThrowawayDb> {
  const name = `chokepoint_bench_${randomBytes(3).toString('hex')}`;
  await adminSql(serverUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), drop: () => adminSql(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}
