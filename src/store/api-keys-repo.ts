/**
 * api_keys rows ↔ domain objects. Only hashes are stored; timestamps leave as ISO strings.
 * Repositories return objects or null and never decide an HTTP status.
 */
import { and, asc, eq, gt, isNull, or, sql } from 'drizzle-orm';
import type { Db } from './db.js';
import { apiKeys } from './schema.js';

export interface ApiKeyRecord {
  id: string;
  prefix: string;
  /** sha256 of the whole key, hex. */
  secretHash: string;
  role: string;
  name: string;
  createdAt: string;
  createdBy: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  holder: string | null;
  rateLimitPerMinute: number | null;
}

type Row = typeof apiKeys.$inferSelect;

// node-postgres and PGlite return timestamptz text in slightly different shapes; callers get ISO 8601.
const iso = (v: string | null): string | null => (v === null ? null : new Date(v).toISOString());

function toRecord(r: Row): ApiKeyRecord {
  return {
    id: r.id,
    prefix: r.prefix,
    secretHash: r.secretHash,
    role: r.role,
    name: r.name,
    createdAt: iso(r.createdAt) as string,
    createdBy: r.createdBy,
    expiresAt: iso(r.expiresAt),
    revokedAt: iso(r.revokedAt),
    holder: r.holder ?? null,
    rateLimitPerMinute: r.rateLimitPerMinute ?? null,
  };
}

export async function insertApiKey(db: Db, rec: ApiKeyRecord): Promise<ApiKeyRecord> {
  const [row] = await db.insert(apiKeys).values(rec).returning();
  if (!row) throw new Error('api key insert returned no row');
  return toRecord(row);
}

export async function findApiKeyByPrefix(db: Db, prefix: string): Promise<ApiKeyRecord | null> {
  const [row] = await db.select().from(apiKeys).where(eq(apiKeys.prefix, prefix)).limit(1);
  return row ? toRecord(row) : null;
}

export async function findApiKeyById(db: Db, id: string): Promise<ApiKeyRecord | null> {
  const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, id)).limit(1);
  return row ? toRecord(row) : null;
}

export async function listApiKeys(db: Db): Promise<ApiKeyRecord[]> {
  const rows = await db.select().from(apiKeys).orderBy(asc(apiKeys.createdAt), asc(apiKeys.id));
  return rows.map(toRecord);
}

/** Sets revoked_at once; a second revoke keeps the first time. Null when the id is unknown. */
export async function revokeApiKey(db: Db, id: string, at: string): Promise<ApiKeyRecord | null> {
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, ${at}::timestamptz)` })
    .where(eq(apiKeys.id, id))
    .returning();
  return row ? toRecord(row) : null;
}

/** Replaces the secret of an existing key (the environment admin key changed) and re-activates it. */
export async function replaceApiKeySecret(db: Db, id: string, prefix: string, secretHash: string): Promise<void> {
  await db.update(apiKeys).set({ prefix, secretHash, role: 'admin', revokedAt: null, expiresAt: null }).where(eq(apiKeys.id, id));
}

export async function hasActiveKeyWithRole(db: Db, role: string, now: string): Promise<boolean> {
  const [row] = await db
    .select({ id: apiKeys.id })
    .from(apiKeys)
    .where(and(eq(apiKeys.role, role), isNull(apiKeys.revokedAt), or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, now))))
    .limit(1);
  return row !== undefined;
}

/** Serialises start-up bootstrap across replicas; released when the transaction ends. */
export async function lockForBootstrap(db: Db): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(${BOOTSTRAP_LOCK})`);
}
const BOOTSTRAP_LOCK = 0x0c4e_6b01;
