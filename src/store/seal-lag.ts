/** How far sealing lags: the oldest audit record not yet covered by a seal (for /metrics). */
import { sql } from 'drizzle-orm';
import type { Db } from './db.js';

export interface SealLag {
  /** Records with a seq above the last seal's toSeq. */
  unsealed: number;
  /** created_at of the oldest of them, or null when everything is sealed. */
  oldestUnsealedAt: string | null;
}

export async function sealLag(db: Db): Promise<SealLag> {
  // Each table has a unique index on seq, so each branch reads only the unsealed tail.
  const res = await db.execute(sql`
    with last as (select coalesce(max(to_seq), 0) as s from audit_seals),
    unsealed as (
      select created_at from screenings, last where seq > last.s
      union all select created_at from dispositions, last where seq > last.s
      union all select created_at from audit_events, last where seq > last.s
    )
    select count(*)::int as unsealed, min(created_at) as oldest from unsealed`);
  const rows = (res as unknown as { rows?: Array<{ unsealed: number; oldest: string | Date | null }> }).rows ?? (res as unknown as Array<{ unsealed: number; oldest: string | Date | null }>);
  const row = rows[0];
  const oldest = row?.oldest ?? null;
  return { unsealed: Number(row?.unsealed ?? 0), oldestUnsealedAt: oldest === null ? null : new Date(oldest).toISOString() };
}
