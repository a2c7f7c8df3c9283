/**
 * The one place that reads process.env. Every setting is validated here; an invalid value stops
 * start-up with a message naming the variable. buildApp() takes the resulting Config explicitly,
 * so tests pass overrides instead of mutating the environment.
 */
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export type StorageConfig =
  | { kind: 'pglite-dir'; dataDir: string }
  | { kind: 'pglite-memory' }
  | { kind: 'postgres'; url: string };

export interface Limits {
  maxItems: number;
  maxParties: number;
  bodyLimitBytes: number;
  maxPageSize: number;
  /** Longest string accepted in a shipment (each field's schema ceiling still applies). */
  maxStringLength: number;
}

export interface Config {
  port: number;
  host: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  storage: StorageConfig;
  /** Apply migrations when the app starts (always true for PGlite). */
  migrateOnStart: boolean;
  adminKey: string | null;
  rulesDir: string;
  limits: Limits;
  /** Requests per key per minute (0 = off). */
  rateLimitPerMinute: number;
  /** Failed authentications per client address per minute before its credentials get 429 (0 = off; src/services/auth-failures.ts). */
  authFailuresPerMinute: number;
  /** Fastify's trustProxy: which proxies' X-Forwarded-For to believe for the client address (false = none). */
  trustProxy: boolean | number | string[];
  /** Allowed CORS origins; empty = CORS closed. */
  corsOrigins: string[];
  /** Party-match threshold (0–1) used by screenings and search unless a query overrides it. */
  matchThreshold: number;
  /** Largest share a new list may shrink by against the active one before it is refused. */
  listMaxShrink: number;
  /** Milliseconds between background audit seals; 0 = only on demand (POST /v1/audit/seal, CLI). */
  sealIntervalMs: number;
  /** Engine worker threads (ENGINE_WORKERS: a number, or "auto" = one per core); 0 = on the main thread. */
  engineWorkers: number;
  /**
   * How far V8 may grow its heap past the live data before a full collection, in percent
   * (HEAP_GROWING_PERCENT; 0 = V8's own heuristics, which allow up to 4×). Bounds a long batch's RSS peak.
   */
  heapGrowingPercent: number;
  /** Port for GET /metrics on 127.0.0.1 without a key; null = only on the main port with an auditor/admin key. */
  metricsPort: number | null;
  /** Decisions whose clearance needs a second reviewer's approval (four eyes); empty = off. */
  fourEyesDecisions: Array<'CLEAR' | 'REVIEW' | 'LICENSE_REQUIRED' | 'BLOCK'>;
  /** Monitoring re-screens shipments screened within this many days (and every one shipping today or later). */
  monitorWindowDays: number;
  /** Run monitoring in this process (re-screen on a new ruleset, list or rule coming into force). */
  monitorEnabled: boolean;
  /** The console's session-signing secret (≥ 32 characters); null → generated once and kept in the database. */
  consoleSessionSecret: string | null;
  /** How long a console session lasts after sign-in, in minutes. */
  consoleSessionMinutes: number;
  batch: BatchConfig;
  webhooks: WebhookConfig;
}

/** Batch screening (POST /v1/batches) and the job queue that runs it. */
export interface BatchConfig {
  /** Largest upload in bytes (413 above). */
  maxBytes: number;
  /** Longest line (CSV record, NDJSON line, JSON array element) in bytes; a longer one is a per-line error. */
  maxLineBytes: number;
  /** Most shipments in one batch (the upload is refused above). */
  maxShipments: number;
  /** Shipments per job: a job screens and commits this many in one transaction. */
  chunkSize: number;
  /** Chunk jobs this replica works on at once; 0: this process runs no batch work (API only). */
  workers: number;
  /** A chunk job still active after this many seconds is taken for lost (its worker died) and retried. */
  jobExpireSeconds: number;
  /** Retries of a failing chunk (exponential back-off) before its lines are recorded as not screened. */
  chunkRetries: number;
  /** Seconds before a chunk's first retry; each further retry waits about twice as long. */
  chunkRetryDelaySeconds: number;
  /**
   * A batch still `receiving` whose uploading process has not said it is alive for this many seconds is
   * ended `failed` (it died mid-upload; the client got no 202). Checked every minute by replicas that run batch work.
   */
  uploadIdleSeconds: number;
}

/** Webhook delivery (README, "Webhooks"). */
export interface WebhookConfig {
  /** Deliver to private, loopback and link-local addresses too (a test receiver on 127.0.0.1); never in production. */
  allowPrivate: boolean;
  /** A receiver that has not answered within this many milliseconds costs an attempt. */
  timeoutMs: number;
  /** Attempts before a delivery is given up (an admin can still redeliver). */
  maxAttempts: number;
  /** Back-off before the second attempt; doubles with each further attempt, up to retryMaxMs. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** How often the dispatcher looks for due deliveries (it is also woken when one is queued); 0 = never by itself. */
  pollMs: number;
  /** How often the event relay looks for stored flagged screenings whose delivery was never queued; 0 = never by itself. */
  relayMs: number;
  /** How old a screening must be before the relay looks at it (longer than any screening takes from its timestamp to its commit). */
  relaySettleMs: number;
  /** Deliveries this replica's dispatcher has in flight at once (a finished one frees its slot for the next due). */
  maxInFlight: number;
  /** Of those, at most this many to one endpoint, so a slow receiver cannot fill the pool (≤ maxInFlight). */
  maxInFlightPerEndpoint: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function fraction(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new ConfigError(name, `must be a number between 0 and 1, got "${raw}"`);
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

/**
 * TRUST_PROXY: unset or false = the socket's address is the client's; true = believe every proxy;
 * a number = the hops in front of the service; otherwise comma-separated proxy addresses or CIDRs.
 */
function trustProxy(env: Env, name: string): Config['trustProxy'] {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '' || /^(0|false|no|off)$/i.test(raw)) return false;
  if (/^(true|yes|on)$/i.test(raw)) return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  const out = raw.split(',').map((s) => s.trim());
  for (const a of out) {
    const [ip, bits, extra] = a.split('/');
    const v = isIP(ip ?? '');
    const okBits = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (v === 6 ? 128 : 32));
    if (!v || !okBits || extra !== undefined) throw new ConfigError(name, `"${a}" is not an IP address or CIDR (or true, false, a hop count)`);
  }
  return out;
}

const DECISION_NAMES = ['CLEAR', 'REVIEW', 'LICENSE_REQUIRED', 'BLOCK'] as const;

/** A comma-separated list of decisions; "none" = empty. */
function decisions(env: Env, name: string, fallback: Config['fourEyesDecisions']): Config['fourEyesDecisions'] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (raw.trim().toLowerCase() === 'none') return [];
  const out = raw.split(',').map((s) => s.trim().toUpperCase());
  for (const d of out) if (!(DECISION_NAMES as readonly string[]).includes(d)) throw new ConfigError(name, `"${d}" is not one of ${DECISION_NAMES.join(', ')} (or "none")`);
  return [...new Set(out)] as Config['fourEyesDecisions'];
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function parseStorage(raw: string | undefined, cwd: string): StorageConfig {
  if (raw === undefined || raw === '') return { kind: 'pglite-dir', dataDir: path.resolve(cwd, '.chokepoint/pglite') };
  if (raw === 'pglite:memory' || raw === 'memory://') return { kind: 'pglite-memory' };
  if (raw.startsWith('pglite:')) return { kind: 'pglite-dir', dataDir: path.resolve(cwd, raw.slice('pglite:'.length)) };
  if (/^postgres(ql)?:\/\//.test(raw)) {
    try {
      new URL(raw);
    } catch {
      throw new ConfigError('DATABASE_URL', 'is not a valid URL');
    }
    return { kind: 'postgres', url: raw };
  }
  throw new ConfigError('DATABASE_URL', 'must be unset, "pglite:memory", "pglite:<dir>" or a postgres:// URL');
}

export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const logLevel = env.LOG_LEVEL ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const host = env.HOST && env.HOST.trim() !== '' ? env.HOST.trim() : '127.0.0.1';
  const adminKey = env.CHOKEPOINT_ADMIN_KEY && env.CHOKEPOINT_ADMIN_KEY !== '' ? env.CHOKEPOINT_ADMIN_KEY : null;
  if (adminKey !== null && adminKey.length < 32) {
    throw new ConfigError('CHOKEPOINT_ADMIN_KEY', 'must be at least 32 characters (use a random key)');
  }
  const consoleSessionSecret = env.CONSOLE_SESSION_SECRET && env.CONSOLE_SESSION_SECRET !== '' ? env.CONSOLE_SESSION_SECRET : null;
  if (consoleSessionSecret !== null && consoleSessionSecret.length < 32) {
    throw new ConfigError('CONSOLE_SESSION_SECRET', 'must be at least 32 characters (use a random secret)');
  }
  const storage = parseStorage(env.DATABASE_URL, cwd);
  const corsOrigins = (env.CORS_ORIGINS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const origin of corsOrigins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) throw new ConfigError('CORS_ORIGINS', `"${origin}" is not an origin like https://erp.example.com`);
  }
  return {
    port: int(env, 'PORT', 3000, 0, 65535),
    host,
    logLevel: logLevel as Config['logLevel'],
    storage,
    migrateOnStart: storage.kind !== 'postgres' || bool(env, 'MIGRATE_ON_START', true),
    adminKey,
    rulesDir: path.resolve(cwd, env.RULES_DIR && env.RULES_DIR !== '' ? env.RULES_DIR : 'rules'),
    limits: {
      maxItems: int(env, 'LIMIT_MAX_ITEMS', 100, 1, 1000),
      maxParties: int(env, 'LIMIT_MAX_PARTIES', 50, 1, 200),
      bodyLimitBytes: int(env, 'LIMIT_BODY_BYTES', 256 * 1024, 1024, 50 * 1024 * 1024),
      maxPageSize: int(env, 'LIMIT_MAX_PAGE_SIZE', 500, 1, 10000),
      maxStringLength: int(env, 'LIMIT_MAX_STRING', 1000, 16, 1000),
    },
    rateLimitPerMinute: int(env, 'RATE_LIMIT_PER_MINUTE', 600, 0, 1_000_000),
    authFailuresPerMinute: int(env, 'AUTH_FAILURES_PER_MINUTE', 20, 0, 1_000_000),
    trustProxy: trustProxy(env, 'TRUST_PROXY'),
    corsOrigins,
    matchThreshold: fraction(env, 'MATCH_THRESHOLD', 0.85),
    listMaxShrink: fraction(env, 'LIST_MAX_SHRINK', 0.1),
    sealIntervalMs: int(env, 'SEAL_INTERVAL_MS', 10_000, 0, 86_400_000),
    consoleSessionSecret,
    consoleSessionMinutes: int(env, 'CONSOLE_SESSION_MINUTES', 480, 1, 7 * 24 * 60),
    fourEyesDecisions: decisions(env, 'FOUR_EYES_DECISIONS', ['LICENSE_REQUIRED', 'BLOCK']),
    monitorWindowDays: int(env, 'MONITOR_WINDOW_DAYS', 30, 0, 3650),
    monitorEnabled: bool(env, 'MONITOR_ENABLED', true),
    engineWorkers: env.ENGINE_WORKERS?.trim() === 'auto' ? os.availableParallelism() : int(env, 'ENGINE_WORKERS', 0, 0, 256),
    heapGrowingPercent: int(env, 'HEAP_GROWING_PERCENT', 50, 0, 300),
    metricsPort: env.METRICS_PORT && env.METRICS_PORT !== '' ? int(env, 'METRICS_PORT', 0, 1, 65535) : null,
    batch: {
      maxBytes: int(env, 'BATCH_MAX_BYTES', 2 * 1024 ** 3, 1024, 64 * 1024 ** 3),
      maxLineBytes: int(env, 'BATCH_MAX_LINE_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
      maxShipments: int(env, 'BATCH_MAX_SHIPMENTS', 1_000_000, 1, 10_000_000),
      chunkSize: int(env, 'BATCH_CHUNK_SIZE', 500, 1, 10_000),
      workers: int(env, 'BATCH_WORKERS', 2, 0, 64),
      jobExpireSeconds: int(env, 'JOB_EXPIRE_SECONDS', 120, 1, 3600),
      chunkRetries: int(env, 'BATCH_CHUNK_RETRIES', 10, 0, 100),
      chunkRetryDelaySeconds: int(env, 'BATCH_CHUNK_RETRY_DELAY_SECONDS', 2, 0, 3600),
      uploadIdleSeconds: int(env, 'BATCH_UPLOAD_IDLE_SECONDS', 900, 60, 86_400),
    },
    webhooks: {
      allowPrivate: bool(env, 'WEBHOOK_ALLOW_PRIVATE', false),
      timeoutMs: int(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
      maxAttempts: int(env, 'WEBHOOK_MAX_ATTEMPTS', 12, 1, 50),
      retryBaseMs: int(env, 'WEBHOOK_RETRY_BASE_MS', 5_000, 10, 3_600_000),
      retryMaxMs: int(env, 'WEBHOOK_RETRY_MAX_MS', 3_600_000, 10, 86_400_000),
      pollMs: int(env, 'WEBHOOK_POLL_MS', 1_000, 0, 3_600_000),
      relayMs: int(env, 'WEBHOOK_RELAY_MS', 30_000, 0, 3_600_000),
      relaySettleMs: int(env, 'WEBHOOK_RELAY_SETTLE_MS', 120_000, 10_000, 86_400_000),
      ...deliveryPool(env),
    },
  };
}

/** WEBHOOK_MAX_IN_FLIGHT and WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT: the dispatcher's pool; one endpoint's share cannot exceed the pool. */
function deliveryPool(env: Env): Pick<WebhookConfig, 'maxInFlight' | 'maxInFlightPerEndpoint'> {
  const maxInFlight = int(env, 'WEBHOOK_MAX_IN_FLIGHT', 16, 1, 256);
  const maxInFlightPerEndpoint = int(env, 'WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT', Math.min(4, maxInFlight), 1, 256);
  if (maxInFlightPerEndpoint > maxInFlight) {
    throw new ConfigError('WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT', `must not exceed WEBHOOK_MAX_IN_FLIGHT (${maxInFlight}), got ${maxInFlightPerEndpoint}`);
  }
  return { maxInFlight, maxInFlightPerEndpoint };
}

/**
 * Loads `<cwd>/.env` into process.env when the file exists (as .env.example suggests). Variables
 * already set in the environment win: Node's loader does not overwrite them. Called by the server
 * and the CLI before loadConfig; tests pass their own environment and never read it.
 */
export function loadDotEnv(cwd: string = process.cwd()): string | null {
  const file = path.join(cwd, '.env');
  if (!existsSync(file)) return null;
  try {
    process.loadEnvFile(file);
  } catch (err) {
    throw new ConfigError('.env', `cannot be read: ${(err as Error).message}`);
  }
  return file;
}

/** Config for tests and tools: defaults with in-memory storage, overridable. */
export function testConfig(overrides: Omit<Partial<Config>, 'webhooks'> & { webhooks?: Partial<WebhookConfig> } = {}): Config {
  // The failed-authentication limit is off in tests (every inject comes from 127.0.0.1); tests/http/auth-failures.test.ts turns it on.
  const base = loadConfig({ DATABASE_URL: 'pglite:memory', LOG_LEVEL: 'silent', AUTH_FAILURES_PER_MINUTE: '0' });
  return {
    ...base,
    ...overrides,
    limits: { ...base.limits, ...(overrides.limits ?? {}) },
    batch: { ...base.batch, ...(overrides.batch ?? {}) },
    webhooks: { ...base.webhooks, ...(overrides.webhooks ?? {}) },
  };
}
