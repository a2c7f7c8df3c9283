/**
 * Dispositions: a reviewer's decision on a screening (cleared, escalated, licence applied,
 * blocked). Append-only history: a new disposition supersedes the previous one, none is ever
 * overwritten, and each takes a seq from the shared audit sequence so the sealer covers it.
 */
import { asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from './db.js';
import { dispositions } from './schema.js';
import { AUDIT_WRITE_LOCK } from './screenings-repo.js';

export type DispositionRow = typeof dispositions.$inferInsert;
export type StoredDisposition = typeof dispositions.$inferSelect;

export async function insertDisposition(db: Db, row: DispositionRow): Promise<StoredDisposition> {
  return db.transaction(async (tx) => {
    // Shared with every audit writer; the sealer takes it exclusively to find a safe cut.
    await tx.execute(sql`select pg_advisory_xact_lock_shared(${AUDIT_WRITE_LOCK})`);
    const [stored] = await tx.insert(dispositions).values(row).returning();
    if (!stored) throw new Error('disposition insert returned no row');
    return stored;
  });
}

export async function listDispositions(db: Db, screeningId: string): Promise<StoredDisposition[]> {
  return db.select().from(dispositions).where(eq(dispositions.screeningId, screeningId)).orderBy(asc(dispositions.seq));
}

/** Dispositions of many screenings at once (an export chunk), oldest first per screening. */
export async function dispositionsFor(db: Db, screeningIds: readonly string[]): Promise<Map<string, StoredDisposition[]>> {
  const out = new Map<string, StoredDisposition[]>();
  if (screeningIds.length === 0) return out;
  const found = await db
    .select()
    .from(dispositions)
    .where(inArray(dispositions.screeningId, [...screeningIds]))
    .orderBy(asc(dispositions.seq));
  for (const d of found) {
    const list = out.get(d.screeningId);
    if (list) list.push(d);
    else out.set(d.screeningId, [d]);
  }
  return out;
}
