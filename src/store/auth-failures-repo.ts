/**
 * auth_failures: failed authentications per client address and minute, shared by every replica. One upsert
 * per failed credential (a request that already cost a key lookup); nothing for requests that authenticate or
 * that an address's local hold refuses.
 */
import { lt, sql } from 'drizzle-orm';
import type { Db } from './db.js';
import { authFailures } from './schema.js';

/** Counts one failure of `address` in the minute starting at `windowStart`; returns that minute's count across replicas. */
export async function countAuthFailure(db: Db, address: string, windowStart: string): Promise<number> {
  const [row] = await db
    .insert(authFailures)
    .values({ address, windowStart, failures: 1 })
    .onConflictDoUpdate({ target: [authFailures.address, authFailures.windowStart], set: { failures: sql`${authFailures.failures} + 1` } })
    .returning({ failures: authFailures.failures });
  return row?.failures ?? 1;
}

/** Deletes the minutes that started before `before`; returns how many rows went. */
export async function purgeAuthFailures(db: Db, before: Date): Promise<number> {
  const gone = await db.delete(authFailures).where(lt(authFailures.windowStart, before.toISOString())).returning({ address: authFailures.address });
  return gone.length;
}
