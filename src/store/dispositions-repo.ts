/**
 * Dispositions: a reviewer's decision on a screening (cleared, escalated, licence applied,
 * blocked). Append-only history: a new disposition supersedes the previous one, none is ever
 * overwritten, and each takes a seq from the shared audit sequence so the sealer covers it.
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from './db.js';
import { apiKeys, dispositionKeys, dispositions } from './schema.js';
import { AUDIT_WRITE_LOCK } from './screenings-repo.js';
import { heldReservation, recordRelease } from './licences-repo.js';

export type DispositionRow = typeof dispositions.$inferInsert;
export type StoredDisposition = typeof dispositions.$inferSelect;
/** A disposition with its reviewer named: the key holder, else the key's name (null for a system action). */
export type NamedDisposition = StoredDisposition & { byName: string | null; holder: string | null };

/** As stored, with created_at rendered as ISO-8601 UTC whatever the server's time zone. */
const columns = {
  id: dispositions.id,
  seq: dispositions.seq,
  screeningId: dispositions.screeningId,
  action: dispositions.action,
  justification: dispositions.justification,
  apiKeyId: dispositions.apiKeyId,
  createdAt: sql<string>`to_char(${dispositions.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
};

/** The disposition recorded under this Idempotency-Key, if any. */
export async function findDispositionKey(db: Db, scope: string, key: string): Promise<{ dispositionId: string; requestHash: string } | null> {
  const [r] = await db
    .select({ dispositionId: dispositionKeys.dispositionId, requestHash: dispositionKeys.requestHash })
    .from(dispositionKeys)
    .where(and(eq(dispositionKeys.scope, scope), eq(dispositionKeys.key, key)))
    .limit(1);
  return r ?? null;
}

/**
 * `guard` sees the screening's history as it is when the row is written — dispositions of one
 * screening are serialised by a transaction lock on its id — and throws to refuse the new one
 * (four eyes: an approval must follow the clearance it approves, by someone else). It is given the
 * transaction, to read anything else it weighs under that lock (the latest monitoring change).
 * `idempotency`: the key the disposition is recorded under, in the same transaction (a second use of it fails the insert: 23505).
 * `release`: the disposition says the shipment will not ship (`cancelled`, `blocked`): a licence reservation the
 * screening still holds is released in this same transaction — both are stored or neither (a release that fails
 * rolls the disposition back), and a release is never left undone behind a stored disposition. Locks in one
 * order: the screening's disposition lock, then the licence's draw lock (`licence:<id>`, as draws and amendments
 * take it), then the audit write lock shared — the order a draw takes the last two in, so they cannot deadlock.
 * Returns whether a reservation was released.
 */
export async function insertDisposition(
  db: Db,
  row: DispositionRow,
  guard?: (history: NamedDisposition[], tx: Db) => void | Promise<void>,
  idempotency?: { scope: string; key: string; requestHash: string } | null,
  release?: { reason: string } | null,
): Promise<StoredDisposition & { released: boolean }> {
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    // Every disposition of the screening takes its lock, not only those with a check: an escalation written
    // unlocked while an approval was being checked landed between the clearance and the approval (seq order),
    // and the approval then named the escalation as what it approved.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`disposition:${row.screeningId}`}, 0))`);
    if (guard) await guard(await listDispositions(t, row.screeningId), t);
    // Takes the licence's lock (before the audit lock below) and says whether a reservation is still held.
    const held = release ? await heldReservation(t, row.screeningId) : null;
    // Shared with every audit writer; the sealer takes it exclusively to find a safe cut.
    await tx.execute(sql`select pg_advisory_xact_lock_shared(${AUDIT_WRITE_LOCK})`);
    const [stored] = await tx.insert(dispositions).values(row).returning({ seq: dispositions.seq });
    if (!stored) throw new Error('disposition insert returned no row');
    if (idempotency) await tx.insert(dispositionKeys).values({ ...idempotency, dispositionId: row.id!, createdAt: row.createdAt });
    if (held && release) await recordRelease(t, held, row.screeningId, row.apiKeyId ?? null, release.reason, row.createdAt);
    return { ...row, apiKeyId: row.apiKeyId ?? null, seq: stored.seq, createdAt: new Date(row.createdAt).toISOString(), released: held !== null };
  });
}

export async function listDispositions(db: Db, screeningId: string): Promise<NamedDisposition[]> {
  return db
    .select({ ...columns, byName: sql<string | null>`coalesce(${apiKeys.holder}, ${apiKeys.name})`, holder: apiKeys.holder })
    .from(dispositions)
    .leftJoin(apiKeys, eq(apiKeys.id, dispositions.apiKeyId))
    .where(eq(dispositions.screeningId, screeningId))
    .orderBy(asc(dispositions.seq));
}
