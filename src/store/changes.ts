/**
 * Change announcements for the small tables every screening reads (suppressions, licences, webhook
 * endpoints). Each write to them sends a NOTIFY inside its own transaction, so Postgres delivers it
 * exactly when the change commits, and never for a change that rolled back — whichever process made
 * it (a replica, the CLI). Processes that cache these tables listen (src/services/change-feed.ts).
 */
import { sql } from 'drizzle-orm';
import type { Db } from './db.js';

export const CHANGES_CHANNEL = 'chokepoint_changes';

export type ChangeTopic = 'suppressions' | 'licences' | 'webhook_endpoints';

export async function announceChange(db: Db, topic: ChangeTopic): Promise<void> {
  await db.execute(sql`select pg_notify(${CHANGES_CHANNEL}, ${topic})`);
}
