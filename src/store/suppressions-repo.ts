/**
 * Reviewed false positives: the suppression records and their withdrawals, both append-only.
 * Each change is recorded as an audit event in the same transaction, so the sealed log names it.
 */
import { and, asc, desc, eq, gt, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from './db.js';
import { recordAuditEvent } from './audit-events-repo.js';
import { partySuppressions, suppressionWithdrawals } from './schema.js';
import { announceChange } from './changes.js';

export type SuppressionRow = typeof partySuppressions.$inferInsert;

const iso = (col: SQL | typeof partySuppressions.createdAt) => sql<string>`to_char(${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const columns = {
  id: partySuppressions.id,
  partyId: partySuppressions.partyId,
  partyNameKey: partySuppressions.partyNameKey,
  partyName: partySuppressions.partyName,
  partyCountry: partySuppressions.partyCountry,
  entryId: partySuppressions.entryId,
  entryHash: partySuppressions.entryHash,
  entryList: partySuppressions.entryList,
  entryName: partySuppressions.entryName,
  justification: partySuppressions.justification,
  expiresAt: iso(sql`${partySuppressions.expiresAt}`),
  apiKeyId: partySuppressions.apiKeyId,
  createdAt: iso(partySuppressions.createdAt),
  withdrawnAt: sql<string | null>`case when ${suppressionWithdrawals.createdAt} is null then null else to_char(${suppressionWithdrawals.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') end`,
  withdrawnBy: suppressionWithdrawals.apiKeyId,
  withdrawalJustification: suppressionWithdrawals.justification,
  /** People by name: the key's holder, else its name. */
  byName: sql<string | null>`(select coalesce(k.holder, k.name) from api_keys k where k.id = ${partySuppressions.apiKeyId})`,
  withdrawnByName: sql<string | null>`(select coalesce(k.holder, k.name) from api_keys k where k.id = ${suppressionWithdrawals.apiKeyId})`,
};

export interface StoredSuppression {
  id: string;
  partyId: string | null;
  partyNameKey: string | null;
  partyName: string | null;
  partyCountry: string | null;
  entryId: string;
  entryHash: string;
  entryList: string;
  entryName: string;
  justification: string;
  expiresAt: string;
  apiKeyId: string | null;
  createdAt: string;
  withdrawnAt: string | null;
  withdrawnBy: string | null;
  withdrawalJustification: string | null;
  byName?: string | null;
  withdrawnByName?: string | null;
}

const base = (db: Db) =>
  db.select(columns).from(partySuppressions).leftJoin(suppressionWithdrawals, eq(suppressionWithdrawals.suppressionId, partySuppressions.id));

/**
 * Records a suppression and its audit event. `replay`: when the same key already recorded this very record —
 * the same party, entry (id, list, content), justification and expiry, still in force — that record is
 * answered and nothing new is stored (a POST retried after a lost answer recorded a second, identical
 * suppression and a second audit event). Serialised per key, party and entry, so two sendings at once store one.
 */
export async function insertSuppression(db: Db, row: SuppressionRow, opts: { replay?: boolean } = {}): Promise<StoredSuppression | null> {
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    if (opts.replay) {
      const who = `${row.apiKeyId ?? ''}|${row.partyId ?? ''}|${row.partyNameKey ?? ''}|${row.partyCountry ?? ''}|${row.entryList ?? ''}|${row.entryId}`;
      await t.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`suppression:${who}`}, 0))`);
      const [same] = await base(t)
        .where(
          and(
            sql`${partySuppressions.apiKeyId} is not distinct from ${row.apiKeyId ?? null}`,
            sql`${partySuppressions.partyId} is not distinct from ${row.partyId ?? null}`,
            sql`${partySuppressions.partyNameKey} is not distinct from ${row.partyNameKey ?? null}`,
            sql`${partySuppressions.partyName} is not distinct from ${row.partyName ?? null}`,
            sql`${partySuppressions.partyCountry} is not distinct from ${row.partyCountry ?? null}`,
            eq(partySuppressions.entryId, row.entryId),
            eq(partySuppressions.entryList, row.entryList as string),
            eq(partySuppressions.entryHash, row.entryHash),
            eq(partySuppressions.justification, row.justification),
            sql`${partySuppressions.expiresAt} = ${row.expiresAt}::timestamptz`,
            gt(partySuppressions.expiresAt, row.createdAt as string),
            isNull(suppressionWithdrawals.suppressionId),
          ),
        )
        .orderBy(asc(partySuppressions.createdAt))
        .limit(1);
      if (same) return same;
    }
    await tx.insert(partySuppressions).values(row);
    await announceChange(tx as unknown as Db, 'suppressions');
    await recordAuditEvent(tx as unknown as Db, {
      type: 'suppression.created',
      payload: { suppressionId: row.id, entryId: row.entryId, entryList: row.entryList, entryHash: row.entryHash, expiresAt: row.expiresAt, byPartyId: row.partyId !== null },
      apiKeyId: row.apiKeyId ?? null,
      at: row.createdAt,
    });
    return null;
  });
}

/** false when it was already withdrawn (the primary key refuses a second withdrawal). */
export async function insertWithdrawal(db: Db, w: { suppressionId: string; justification: string; apiKeyId: string | null; createdAt: string }): Promise<boolean> {
  return db.transaction(async (tx) => {
    const inserted = await tx.insert(suppressionWithdrawals).values(w).onConflictDoNothing().returning({ id: suppressionWithdrawals.suppressionId });
    if (inserted.length === 0) return false;
    await announceChange(tx as unknown as Db, 'suppressions');
    await recordAuditEvent(tx as unknown as Db, { type: 'suppression.withdrawn', payload: { suppressionId: w.suppressionId }, apiKeyId: w.apiKeyId, at: w.createdAt });
    return true;
  });
}

export async function findSuppression(db: Db, id: string): Promise<StoredSuppression | null> {
  const [row] = await base(db).where(eq(partySuppressions.id, id)).limit(1);
  return row ?? null;
}

/** Every suppression, newest first (auditors list them all: withdrawn and expired included). */
export async function listSuppressions(db: Db, opts: { limit: number; before?: { createdAt: string; id: string } | undefined; entryId?: string | undefined }): Promise<StoredSuppression[]> {
  const where = [
    opts.entryId ? eq(partySuppressions.entryId, opts.entryId) : undefined,
    opts.before
      ? sql`(${partySuppressions.createdAt}, ${partySuppressions.id}) < (${opts.before.createdAt}::timestamptz, ${opts.before.id})`
      : undefined,
  ].filter((x): x is SQL => x !== undefined);
  return base(db)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(partySuppressions.createdAt), desc(partySuppressions.id))
    .limit(opts.limit);
}

/** Suppressions in force at `at` that name one of these party ids or normalised names. */
export async function activeSuppressionsFor(db: Db, q: { partyIds: string[]; nameKeys: string[]; at: string }): Promise<StoredSuppression[]> {
  if (q.partyIds.length === 0 && q.nameKeys.length === 0) return [];
  const who = [q.partyIds.length ? inArray(partySuppressions.partyId, q.partyIds) : undefined, q.nameKeys.length ? inArray(partySuppressions.partyNameKey, q.nameKeys) : undefined].filter(
    (x): x is SQL => x !== undefined,
  );
  return base(db)
    .where(and(or(...who), gt(partySuppressions.expiresAt, q.at), isNull(suppressionWithdrawals.suppressionId)))
    .orderBy(asc(partySuppressions.createdAt), asc(partySuppressions.id));
}

/** Every suppression in force at `at` (a monitoring run loads them once). */
export async function allActiveSuppressions(db: Db, at: string): Promise<StoredSuppression[]> {
  return base(db)
    .where(and(gt(partySuppressions.expiresAt, at), isNull(suppressionWithdrawals.suppressionId)))
    .orderBy(asc(partySuppressions.createdAt), asc(partySuppressions.id));
}
