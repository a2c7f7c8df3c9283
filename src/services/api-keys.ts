/**
 * API keys: `ck_<8 hex public prefix>_<43 chars = 32 random bytes, base64url>`. The key is shown
 * once; the database keeps its sha256 (a 256-bit random secret needs no slow hash) and finds the
 * row by the public prefix. Verification compares hashes in constant time. Creation and
 * revocation are audit events, written in the same transaction as the change.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config.js';
import { badRequest, notFound } from '../errors.js';
import { ROLES, type Principal, type Role } from './principal.js';
import {
  findApiKeyById,
  findApiKeyByPrefix,
  hasActiveKeyWithRole,
  insertApiKey,
  listApiKeys,
  lockForBootstrap,
  replaceApiKeySecret,
  revokeApiKey,
  type ApiKeyRecord,
} from '../store/api-keys-repo.js';
import { recordAuditEvent } from '../store/audit-events-repo.js';
import type { Db } from '../store/db.js';
import { dbErrorCode } from '../store/db-errors.js';
import { withFormOnce, type FormOnce } from './form-once.js';
import { controlCharacterErrors } from './input-guards.js';

const KEY_PATTERN = /^(ck_[0-9a-f]{8})_([A-Za-z0-9_-]{43})$/;
/** Anything a caller may present as a key: printable ASCII, no spaces, bounded. */
const TOKEN_PATTERN = /^[\x21-\x7e]{16,512}$/;
/** The row that holds CHOKEPOINT_ADMIN_KEY's hash; that key need not have the ck_ shape. */
export const ENV_ADMIN_KEY_ID = 'admin-env';
const ENV_ADMIN_PREFIX = 'ck_env';

export interface ApiKey {
  id: string;
  prefix: string;
  role: Role;
  name: string;
  createdAt: string;
  createdBy: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  holder: string | null;
  rateLimitPerMinute: number | null;
}
export interface CreatedApiKey extends ApiKey {
  /** The only time the secret exists outside the caller's hands. */
  key: string;
}

export const hashKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

function newKey(): { key: string; prefix: string } {
  const prefix = `ck_${randomBytes(4).toString('hex')}`;
  return { key: `${prefix}_${randomBytes(32).toString('base64url')}`, prefix };
}

const isRole = (r: string): r is Role => (ROLES as readonly string[]).includes(r);

function publicView(r: ApiKeyRecord): ApiKey {
  return {
    id: r.id,
    prefix: r.prefix,
    role: isRole(r.role) ? r.role : 'submitter',
    name: r.name,
    createdAt: r.createdAt,
    createdBy: r.createdBy,
    expiresAt: r.expiresAt,
    revokedAt: r.revokedAt,
    holder: r.holder,
    rateLimitPerMinute: r.rateLimitPerMinute,
  };
}

export interface CreateKeyInput {
  role: Role;
  name: string;
  expiresAt?: string | null;
  /** The holder's name (a person, or the system for an ERP key). */
  holder?: string | null;
  /** Requests per minute for this key (an ERP key may need more than a person's); null = the default. */
  rateLimitPerMinute?: number | null;
}
export interface Actor {
  /** The API key id acting, or a label such as "cli" / "bootstrap" for the system. */
  keyId: string | null;
  label?: string;
  now?: Date;
}

/** Creates a key and its audit event in one transaction; the secret is returned, never stored. */
export async function createApiKey(db: Db, input: CreateKeyInput, actor: Actor, once?: FormOnce | null): Promise<CreatedApiKey> {
  const now = actor.now ?? new Date();
  // A name or holder is shown in the console, events and exports: no control or bidirectional control characters
  // (a U+202E makes "gnp.exe" read "exe.png"), as for every other name the service stores.
  const bad = controlCharacterErrors({ name: input.name, holder: input.holder ?? undefined });
  if (bad.length) throw badRequest(bad.map((e) => `${e.field} ${e.message}`).join('; '), bad);
  let expiresAt: string | null = null;
  if (input.expiresAt != null) {
    const t = Date.parse(input.expiresAt);
    if (Number.isNaN(t)) throw badRequest('expiresAt is not a date-time', [{ field: '/expiresAt', in: 'body', message: 'must be an ISO 8601 date-time' }]);
    if (t <= now.getTime()) throw badRequest('expiresAt is in the past', [{ field: '/expiresAt', in: 'body', message: 'must be in the future' }]);
    expiresAt = new Date(t).toISOString();
  }
  const id = randomUUID();
  // A console form's once-token is claimed with the key: the form sent twice creates one key.
  return withFormOnce(db, once, id, now.toISOString(), async (db) => {
    // 32 bits of prefix: a collision is rare but possible; the unique index catches it and we draw again.
    for (let attempt = 0; ; attempt++) {
      const { key, prefix } = newKey();
      try {
        const rec = await db.transaction(async (tx) => {
          const row = await insertApiKey(tx, {
            id,
            prefix,
            secretHash: hashKey(key),
            role: input.role,
            name: input.name,
            createdAt: now.toISOString(),
            createdBy: actor.keyId ?? actor.label ?? null,
            expiresAt,
            revokedAt: null,
            holder: input.holder ?? null,
            rateLimitPerMinute: input.rateLimitPerMinute ?? null,
          });
          await recordAuditEvent(tx, {
            type: 'api_key.created',
            payload: { keyId: row.id, prefix, role: row.role, expiresAt, holder: row.holder, rateLimitPerMinute: row.rateLimitPerMinute, by: actor.keyId ?? actor.label ?? null },
            apiKeyId: actor.keyId,
            at: row.createdAt,
          });
          return row;
        });
        return { ...publicView(rec), key };
      } catch (err) {
        if (dbErrorCode(err) === '23505' && attempt < 3) continue;
        throw err;
      }
    }
  });
}

export async function listKeys(db: Db): Promise<ApiKey[]> {
  return (await listApiKeys(db)).map(publicView);
}

/** Revokes a key (idempotent: a second revoke keeps the first time). 404 for an unknown id. */
export async function revokeKey(db: Db, id: string, actor: Actor): Promise<ApiKey> {
  const at = (actor.now ?? new Date()).toISOString();
  const rec = await db.transaction(async (tx) => {
    const before = await findApiKeyById(tx, id);
    if (!before) return null;
    const after = await revokeApiKey(tx, id, at);
    if (after && before.revokedAt === null) {
      await recordAuditEvent(tx, {
        type: 'api_key.revoked',
        payload: { keyId: id, prefix: after.prefix, role: after.role, by: actor.keyId ?? actor.label ?? null },
        apiKeyId: actor.keyId,
        at,
      });
    }
    return after;
  });
  if (!rec) throw notFound(`No API key ${id}`);
  return publicView(rec);
}

/**
 * Start-up bootstrap, run by the app factory after migrations (serialised across replicas by an
 * advisory lock):
 * - CHOKEPOINT_ADMIN_KEY set → the `admin-env` row holds its hash; a changed env key replaces the
 *   hash and re-activates the row. An unchanged key that an admin revoked stays revoked.
 * - unset, and no active admin key → a random admin key is created and returned, for the caller
 *   (server.ts) to print once. Nothing is logged here: the key must never reach a log.
 */
export async function ensureAdminKey(db: Db, config: Pick<Config, 'adminKey'>, now = new Date()): Promise<{ generatedKey: string | null }> {
  return db.transaction(async (tx) => {
    await lockForBootstrap(tx);
    if (config.adminKey !== null) {
      const hash = hashKey(config.adminKey);
      const prefix = KEY_PATTERN.exec(config.adminKey)?.[1] ?? ENV_ADMIN_PREFIX;
      const row = await findApiKeyById(tx, ENV_ADMIN_KEY_ID);
      if (!row) {
        await insertApiKey(tx, {
          id: ENV_ADMIN_KEY_ID,
          prefix,
          secretHash: hash,
          role: 'admin',
          name: 'CHOKEPOINT_ADMIN_KEY',
          createdAt: now.toISOString(),
          createdBy: 'bootstrap',
          expiresAt: null,
          revokedAt: null,
          holder: null,
          rateLimitPerMinute: null,
        });
        await recordAuditEvent(tx, { type: 'api_key.created', payload: { keyId: ENV_ADMIN_KEY_ID, prefix, role: 'admin', by: 'bootstrap' }, apiKeyId: null });
      } else if (!sameHash(row.secretHash, hash)) {
        await replaceApiKeySecret(tx, ENV_ADMIN_KEY_ID, prefix, hash);
        await recordAuditEvent(tx, { type: 'api_key.rotated', payload: { keyId: ENV_ADMIN_KEY_ID, prefix, role: 'admin', by: 'bootstrap' }, apiKeyId: null });
      }
      return { generatedKey: null };
    }
    if (await hasActiveKeyWithRole(tx, 'admin', now.toISOString())) return { generatedKey: null };
    const created = await createApiKey(tx, { role: 'admin', name: 'bootstrap admin' }, { keyId: null, label: 'bootstrap', now });
    return { generatedKey: created.key };
  });
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === 32 && y.length === 32 && timingSafeEqual(x, y);
}

export type Verification = { ok: true; principal: Principal } | { ok: false; reason: 'malformed' | 'unknown' | 'revoked' | 'expired' };

interface CacheEntry {
  /** The row as read (null: no key with this hash). */
  row: ApiKeyRecord | null;
  until: number;
}

function checkKey(row: ApiKeyRecord | null, now: number): Verification {
  if (!row) return { ok: false, reason: 'unknown' };
  if (row.revokedAt !== null) return { ok: false, reason: 'revoked' };
  if (row.expiresAt !== null && Date.parse(row.expiresAt) <= now) return { ok: false, reason: 'expired' };
  if (!isRole(row.role)) return { ok: false, reason: 'unknown' };
  return { ok: true, principal: { keyId: row.id, prefix: row.prefix, role: row.role, name: row.name, holder: row.holder, rateLimitPerMinute: row.rateLimitPerMinute } };
}

/** How long a key that verified lets its caller past the failed-authentication limit of its address. */
export const RECENTLY_VERIFIED_MS = 24 * 3_600_000;

/**
 * Verifies presented keys. Results of the database lookup are cached per key hash for `ttlMs`
 * (default 10 s) so a request does not cost a round-trip: a revocation made through this
 * replica's API clears the cache at once; one made elsewhere (another replica, the CLI) takes
 * effect here within the TTL. Expiry is checked against the clock on every request.
 */
export class KeyVerifier {
  private readonly cache = new Map<string, CacheEntry>();
  /** Key hashes that verified in the last RECENTLY_VERIFIED_MS, for the failed-authentication limit (auth-failures.ts). */
  private readonly recent = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly opts: { ttlMs?: number; maxEntries?: number; now?: () => number } = {},
  ) {}

  async verify(token: string): Promise<Verification> {
    if (!TOKEN_PATTERN.test(token)) return { ok: false, reason: 'malformed' };
    const now = (this.opts.now ?? Date.now)();
    const hash = hashKey(token);
    let entry = this.cache.get(hash);
    if (!entry || entry.until <= now) {
      entry = { row: await this.lookup(token, hash), until: now + (this.opts.ttlMs ?? 10_000) };
      this.remember(hash, entry);
    }
    const v = checkKey(entry.row, now);
    this.recent.delete(hash);
    if (v.ok) {
      // Oldest first, bounded like the cache.
      while (this.recent.size >= (this.opts.maxEntries ?? 10_000)) {
        const oldest = this.recent.keys().next().value;
        if (oldest === undefined) break;
        this.recent.delete(oldest);
      }
      this.recent.set(hash, now + RECENTLY_VERIFIED_MS);
    }
    return v;
  }

  /**
   * Whether this key verified on this replica in the last RECENTLY_VERIFIED_MS (and has not failed
   * since): such a caller is not held back by other callers' failures from the same address. It is
   * still verified as usual; this only says whether to look.
   */
  recentlyVerified(token: string): boolean {
    if (!TOKEN_PATTERN.test(token)) return false;
    const until = this.recent.get(hashKey(token));
    return until !== undefined && until > (this.opts.now ?? Date.now)();
  }

  /**
   * The key behind a console session, read from the database on every call (no cache), so that
   * revoking a key ends its sessions at once on every replica.
   */
  async verifyId(id: string): Promise<Verification> {
    return checkKey(await findApiKeyById(this.db, id), (this.opts.now ?? Date.now)());
  }

  /**
   * Forget every cached result (after a revocation). The recently-verified passes stay: a pass only
   * lets a key reach this verification, and a revoked key fails it — and loses its pass — at once.
   */
  clear(): void {
    this.cache.clear();
  }

  private async lookup(token: string, hash: string): Promise<ApiKeyRecord | null> {
    const prefix = KEY_PATTERN.exec(token)?.[1];
    const row = prefix ? await findApiKeyByPrefix(this.db, prefix) : await findApiKeyById(this.db, ENV_ADMIN_KEY_ID);
    return row && sameHash(row.secretHash, hash) ? row : null;
  }

  private remember(hash: string, entry: CacheEntry) {
    this.cache.delete(hash);
    const max = this.opts.maxEntries ?? 10_000;
    // Oldest first: Map keeps insertion order. Bounds memory against floods of random keys.
    while (this.cache.size >= max) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
    this.cache.set(hash, entry);
  }
}
