/**
 * Audit events: who did what to the system itself (keys created or revoked, lists imported).
 * Append-only; `seq` comes from the shared audit sequence so the sealer covers these rows too.
 * Payloads hold ids and roles, never secrets or personal data.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Db } from './db.js';
import { auditEvents } from './schema.js';
import { AUDIT_WRITE_LOCK } from './screenings-repo.js';

export interface AuditEventInput {
  type: string;
  payload: Record<string, unknown>;
  /** The API key that caused the event; null for the system (bootstrap, CLI). */
  apiKeyId: string | null;
  /** ISO timestamp; defaults to now. */
  at?: string;
}


/** Call inside a transaction together with the change it records: both commit or neither does. */
export async function recordAuditEvent(db: Db, event: AuditEventInput): Promise<{ id: string; seq: number }> {
  await db.execute(sql`select pg_advisory_xact_lock_shared(${AUDIT_WRITE_LOCK})`);
  const [row] = await db
    .insert(auditEvents)
    .values({
      id: randomUUID(),
      type: event.type,
      payload: event.payload,
      apiKeyId: event.apiKeyId,
      createdAt: event.at ?? new Date().toISOString(),
    })
    .returning({ id: auditEvents.id, seq: auditEvents.seq });
  if (!row) throw new Error('audit event insert returned no row');
  return row;
}
