/**
 * console_session_ends: console sessions ended by signing out, by the session claim's random id.
 * One primary-key lookup per console request made with a session cookie; rows live until the
 * session would have expired anyway (plus a grace for clock skew between replicas).
 */
import { eq, lt } from 'drizzle-orm';
import type { Db } from './db.js';
import { consoleSessionEnds } from './schema.js';

/** True when the session `sessionId` was signed out. A storage failure propagates: never a guess. */
export async function isSessionEnded(db: Db, sessionId: string): Promise<boolean> {
  const rows = await db.select({ id: consoleSessionEnds.sessionId }).from(consoleSessionEnds).where(eq(consoleSessionEnds.sessionId, sessionId)).limit(1);
  return rows.length > 0;
}

/** Records that a session was signed out (a second sign-out of the same session changes nothing). */
export async function endSession(db: Db, end: { sessionId: string; keyId: string; expiresAt: Date; endedAt: Date }): Promise<void> {
  await db
    .insert(consoleSessionEnds)
    .values({ sessionId: end.sessionId, keyId: end.keyId, expiresAt: end.expiresAt.toISOString(), endedAt: end.endedAt.toISOString() })
    .onConflictDoNothing();
}

/** Deletes the rows of sessions that expired before `before` (their cookies are refused by expiry); returns how many. */
export async function purgeEndedSessions(db: Db, before: Date): Promise<number> {
  const gone = await db.delete(consoleSessionEnds).where(lt(consoleSessionEnds.expiresAt, before.toISOString())).returning({ id: consoleSessionEnds.sessionId });
  return gone.length;
}
