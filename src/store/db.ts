/**
 * Opens the database the config names: embedded PGlite (a folder, or memory) or a real Postgres
 * through a node-postgres pool. Both are drizzle PgDatabase instances, so repositories run the
 * same SQL on either.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PGlite, PGliteOptions } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import pg from 'pg';
import type { StorageConfig } from '../config.js';
import * as schema from './schema.js';
import { acquireDataFolderLock } from './data-lock.js';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  db: Db;
  kind: StorageConfig['kind'];
  /** Human-readable, credential-free description for logs. */
  describe: string;
  migrate(): Promise<void>;
  /** Resolves when the database answers a trivial query; rejects otherwise. */
  ping(timeoutMs?: number): Promise<void>;
  /**
   * LISTEN on a channel; `onMessage` gets each NOTIFY payload. On Postgres a dedicated connection
   * reconnects by itself after a failure. Resolves to an unsubscribe function. `onState` is told
   * when the subscription is in place (true) and when it is lost (false): NOTIFYs sent while it was
   * lost are gone, so whoever caches on the strength of them must reload.
   */
  listen(channel: string, onMessage: (payload: string) => void, onState?: (listening: boolean) => void): Promise<() => Promise<void>>;
  /** Connection-pool usage (Postgres only; PGlite is one embedded connection). */
  poolStats?: () => { total: number; idle: number; waiting: number; max: number };
  /**
   * Raw SQL for libraries that bring their own (the pg-boss job queue): parameters when given,
   * otherwise a script of several statements. Returns the last statement's rows.
   */
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
  close(): Promise<void>;
}

/**
 * Server settings for the embedded database, on top of PGlite's own. The cluster's postgresql.conf
 * says shared_buffers = 128MB (initdb's default), and PGlite's WebAssembly Postgres touches all of
 * it at start: ~150 MB of RSS and ~1 s of every start (measured alone on a data folder: RSS 313 MB
 * at 128MB, 178 MB at 32MB, 165 MB at 16MB). 32 MB is 4,096 pages for one embedded connection;
 * a page that does not fit is read again from the data folder (the OS file cache) or from
 * PGlite's in-memory file system. Passed at start (`-c`), never written to the data folder.
 */
export const PGLITE_SETTINGS = ['-c', 'shared_buffers=32MB'] as const;

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return `${u.protocol}//${u.username ? `${u.username}@` : ''}${u.host}${u.pathname}`;
  } catch {
    return 'postgres://(unparseable)';
  }
}

export async function openDatabase(storage: StorageConfig, migrationsDir: string = MIGRATIONS_DIR): Promise<Database> {
  if (storage.kind === 'postgres') {
    // Each driver is imported only when used: the embedded one's modules cost ~60 ms of every
    // Postgres start (and the node-postgres drizzle adapter is not needed on PGlite).
    const [{ drizzle: drizzlePg }, { migrate: migratePg }, { ResilientPool }] = await Promise.all([
      import('drizzle-orm/node-postgres'),
      import('drizzle-orm/node-postgres/migrator'),
      import('./resilient-pool.js'),
    ]);
    const pool = new ResilientPool({
      connectionString: storage.url,
      max: 10,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      // A stuck statement must not hold a request forever: fail and let the caller answer 503.
      statement_timeout: 15_000,
      // No JIT compilation (unless DATABASE_URL sets its own `options`, which then win): the planner's
      // cost estimates for the flag-log export's chunks passed the JIT thresholds, and compiling,
      // inlining and optimising their expressions cost ~750 ms of a ~1.1 s chunk of 5,000 rows
      // (EXPLAIN ANALYZE; 365 ms without). The service's statements are short, or render row by row,
      // where compiled expressions never repay the compile.
      options: '-c jit=off',
    });
    // An idle client losing its connection (server restart) must not crash the process.
    pool.on('error', () => {});
    // Nor may a checked-out client whose connection dies mid-transaction (pg_terminate_backend,
    // failover): pg emits 'error' on the client itself, which nobody else listens to. The failing
    // query still rejects, so the request answers 503; the broken client is then discarded.
    pool.on('connect', (client) => client.on('error', () => {}));
    const db = drizzlePg(pool, { schema }) as unknown as Db;
    return {
      db,
      kind: 'postgres',
      describe: `postgres ${redactUrl(storage.url)}`,
      poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: pool.options.max ?? 10 }),
      migrate: () => migratePg(db as never, { migrationsFolder: migrationsDir }),
      ping: async (timeoutMs = 2_000) => {
        await withTimeout(pool.query('select 1'), timeoutMs, 'database ping');
      },
      listen: (channel, onMessage, onState) => listenPg(storage.url, channel, onMessage, onState),
      executeSql: async (text, values) => {
        const res = await pool.query(text, values as unknown[] | undefined);
        // A multi-statement script answers with one result per statement.
        const last = Array.isArray(res) ? res[res.length - 1] : res;
        return { rows: (last?.rows ?? []) as unknown[] };
      },
      close: () => pool.end(),
    };
  }
  const [{ PGlite }, { drizzle: drizzlePglite }, { migrate: migratePglite }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('drizzle-orm/pglite'),
    import('drizzle-orm/pglite/migrator'),
  ]);
  const options: PGliteOptions = { startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS] };
  let client: PGlite;
  let describe: string;
  let releaseLock = () => {};
  if (storage.kind === 'pglite-memory') {
    client = new PGlite(options);
    describe = 'embedded PGlite (in memory)';
  } else {
    mkdirSync(storage.dataDir, { recursive: true });
    // One process per folder (see data-lock.ts): refuse before PGlite touches a single page.
    releaseLock = acquireDataFolderLock(storage.dataDir);
    const fresh = !existsSync(path.join(storage.dataDir, 'PG_VERSION'));
    client = new PGlite(storage.dataDir, options);
    describe = `embedded PGlite (${storage.dataDir})`;
    if (fresh) {
      // Creating the cluster (initdb) grows PGlite's WebAssembly memory by ~500 MB that it never gives
      // back; opened again, the same folder starts at a fraction of that (bench/start.ts measures both).
      try {
        await client.waitReady;
        await client.close();
        client = new PGlite(storage.dataDir, options);
      } catch (err) {
        releaseLock();
        throw err;
      }
    }
  }
  try {
    await client.waitReady;
  } catch (err) {
    releaseLock();
    throw err;
  }
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  let closed = false;
  return {
    db,
    kind: storage.kind,
    describe,
    migrate: () => migratePglite(db as never, { migrationsFolder: migrationsDir }),
    ping: async (timeoutMs = 2_000) => {
      if (closed) throw new Error('database closed');
      await withTimeout(db.execute(sql`select 1`), timeoutMs, 'database ping');
    },
    listen: async (channel, onMessage, onState) => {
      const unlisten = await client.listen(channel, onMessage);
      onState?.(true);
      return async () => {
        onState?.(false);
        if (!closed) await unlisten();
      };
    },
    executeSql: async (text, values) => {
      if (values && values.length > 0) return client.query(text, values as unknown[]);
      // PGlite's query() takes one statement; exec() runs a script (pg-boss's schema migrations).
      const results = await client.exec(text);
      return { rows: results[results.length - 1]?.rows ?? [] };
    },
    close: async () => {
      closed = true;
      try {
        await client.close();
      } finally {
        releaseLock();
      }
    },
  };
}

const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

/** A dedicated LISTEN connection that comes back after the server restarts or the link drops. */
async function listenPg(url: string, channel: string, onMessage: (payload: string) => void, onState?: (listening: boolean) => void): Promise<() => Promise<void>> {
  if (!CHANNEL.test(channel)) throw new Error(`invalid channel name ${channel}`);
  let client: pg.Client | null = null;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  const connect = async () => {
    if (stopped) return;
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    const again = () => {
      if (client === c) {
        client = null;
        onState?.(false);
      }
      c.removeAllListeners('notification');
      if (!stopped && !retry) {
        retry = setTimeout(() => {
          retry = undefined;
          void connect();
        }, 5_000);
        retry.unref();
      }
    };
    c.on('error', again);
    c.on('end', again);
    c.on('notification', (n) => {
      if (n.channel === channel) onMessage(n.payload ?? '');
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
      client = c;
      onState?.(true);
    } catch {
      await c.end().catch(() => {});
      again();
    }
  };
  await connect();
  return async () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    if (client) onState?.(false);
    await client?.end().catch(() => {});
  };
}
