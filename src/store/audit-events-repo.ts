/**
 * Audit events: who did what to the system itself (keys created or revoked, lists imported,
 * licences, suppressions…). Append-only; `seq` comes from the shared audit sequence so the sealer
 * covers these rows too. Payloads hold ids, roles and the acting key's name — never secrets.
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

/** Who an event names as its actor: the key id and the key's holder (else its name) when it was written. */
export interface EventActor {
  keyId: string;
  name: string | null;
}

/**
 * Call inside a transaction together with the change it records: both commit or neither does.
 * An event with an acting key gets `payload.actor = { keyId, name }`, the name read from the key
 * row in the same statement (holder, else the key's name), so people reading the log later see who
 * it was as they were named then, without a join and whatever happens to the key afterwards.
 */
export async function recordAuditEvent(db: Db, event: AuditEventInput): Promise<{ id: string; seq: number }> {
  await db.execute(sql`select pg_advisory_xact_lock_shared(${AUDIT_WRITE_LOCK})`);
  const payload = event.apiKeyId
    ? sql`(${JSON.stringify(event.payload)}::jsonb || jsonb_build_object('actor', jsonb_build_object('keyId', ${event.apiKeyId}::text,
        'name', (select coalesce(k.holder, k.name) from api_keys k where k.id = ${event.apiKeyId}::text))))`
    : event.payload;
  const [row] = await db
    .insert(auditEvents)
    .values({
      id: randomUUID(),
      type: event.type,
      payload,
      apiKeyId: event.apiKeyId,
      createdAt: event.at ?? new Date().toISOString(),
    })
    .returning({ id: auditEvents.id, seq: auditEvents.seq });
  if (!row) throw new Error('audit event insert returned no row');
  return row;
}

/** The actor an event's payload names, if any (events written before names were recorded have none). */
export function actorOf(payload: unknown): EventActor | null {
  const a = (payload as { actor?: unknown } | null)?.actor as { keyId?: unknown; name?: unknown } | undefined;
  if (!a || typeof a.keyId !== 'string') return null;
  return { keyId: a.keyId, name: typeof a.name === 'string' ? a.name : null };
}
