/**
 * webhook_endpoints and webhook_deliveries rows ↔ records. The delivery queue's claim is one
 * statement (FOR UPDATE SKIP LOCKED), so replicas sharing a database never claim the same row;
 * an attempt's outcome is recorded only by the claim that made it (attempts must still match).
 */
import { and, arrayContains, asc, desc, eq, inArray, isNull, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import { announceChange } from './changes.js';
import type { Db } from './db.js';
import { webhookDeliveries, webhookEndpoints } from './schema.js';

export type EndpointRow = typeof webhookEndpoints.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;
export type NewDelivery = typeof webhookDeliveries.$inferInsert;
export type DeliveryStatus = 'pending' | 'delivering' | 'succeeded' | 'failed';

// node-postgres and PGlite return timestamptz text in slightly different shapes; callers get ISO 8601.
const iso = (v: string | null): string | null => (v === null ? null : new Date(v).toISOString());

export const endpointTimes = (r: EndpointRow): EndpointRow => ({
  ...r,
  createdAt: iso(r.createdAt) as string,
  updatedAt: iso(r.updatedAt) as string,
  previousSecretExpiresAt: iso(r.previousSecretExpiresAt),
});

export const deliveryTimes = (r: DeliveryRow): DeliveryRow => ({
  ...r,
  createdAt: iso(r.createdAt) as string,
  nextAttemptAt: iso(r.nextAttemptAt) as string,
  leaseUntil: iso(r.leaseUntil),
  lastAttemptAt: iso(r.lastAttemptAt),
  deliveredAt: iso(r.deliveredAt),
});

export async function insertEndpoint(db: Db, row: typeof webhookEndpoints.$inferInsert): Promise<EndpointRow> {
  const out = await db.transaction(async (tx) => {
    const [inserted] = await tx.insert(webhookEndpoints).values(row).returning();
    await announceChange(tx as unknown as Db, 'webhook_endpoints');
    return inserted;
  });
  if (!out) throw new Error('webhook endpoint insert returned no row');
  return endpointTimes(out);
}

export async function findEndpoint(db: Db, id: string): Promise<EndpointRow | null> {
  const [row] = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).limit(1);
  return row ? endpointTimes(row) : null;
}

export async function listEndpoints(db: Db): Promise<EndpointRow[]> {
  const rows = await db.select().from(webhookEndpoints).orderBy(asc(webhookEndpoints.createdAt), asc(webhookEndpoints.id));
  return rows.map(endpointTimes);
}

export async function updateEndpoint(db: Db, id: string, patch: Partial<typeof webhookEndpoints.$inferInsert>): Promise<EndpointRow | null> {
  const row = await db.transaction(async (tx) => {
    const [updated] = await tx.update(webhookEndpoints).set(patch).where(eq(webhookEndpoints.id, id)).returning();
    if (updated) await announceChange(tx as unknown as Db, 'webhook_endpoints');
    return updated;
  });
  return row ? endpointTimes(row) : null;
}

/** Every enabled endpoint (what a process caches; see endpointSees for the per-event choice). */
export async function enabledEndpoints(db: Db): Promise<EndpointRow[]> {
  const rows = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.enabled, true)).orderBy(asc(webhookEndpoints.createdAt), asc(webhookEndpoints.id));
  return rows.map(endpointTimes);
}

/** The rule endpointsFor applies in SQL: subscribed to the type, and owned by no one or by the data's owner. */
export function endpointSees(e: Pick<EndpointRow, 'enabled' | 'events' | 'ownerKeyId'>, eventType: string, ownerKeyId: string | null): boolean {
  return e.enabled && e.events.includes(eventType) && (e.ownerKeyId === null || e.ownerKeyId === ownerKeyId);
}

/** Enabled endpoints subscribed to this event type that may see data of this owner. */
export async function endpointsFor(db: Db, eventType: string, ownerKeyId: string | null): Promise<EndpointRow[]> {
  const owner = ownerKeyId === null ? isNull(webhookEndpoints.ownerKeyId) : or(isNull(webhookEndpoints.ownerKeyId), eq(webhookEndpoints.ownerKeyId, ownerKeyId));
  const rows = await db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.enabled, true), arrayContains(webhookEndpoints.events, [eventType]), owner));
  return rows.map(endpointTimes);
}

/** Queues deliveries; one already queued for the same event and endpoint is left as it is. */
export async function enqueueDeliveries(db: Db, rows: NewDelivery[]): Promise<number> {
  if (rows.length === 0) return 0;
  const inserted = await db.insert(webhookDeliveries).values(rows).onConflictDoNothing().returning({ id: webhookDeliveries.id });
  return inserted.length;
}

export async function insertDelivery(db: Db, row: NewDelivery): Promise<DeliveryRow> {
  const [out] = await db.insert(webhookDeliveries).values(row).returning();
  if (!out) throw new Error('webhook delivery insert returned no row');
  return deliveryTimes(out);
}

/**
 * Claims up to `limit` due deliveries of enabled endpoints: pending ones whose next try has come,
 * and claimed ones whose lease ran out (their replica died mid-attempt). Each claim counts as an
 * attempt and holds a lease until `leaseUntil`.
 */
export async function claimDueDeliveries(db: Db, now: string, leaseUntil: string, limit: number): Promise<DeliveryRow[]> {
  const d = webhookDeliveries;
  const due = db
    .select({ id: d.id })
    .from(d)
    .where(
      and(
        inArray(d.status, ['pending', 'delivering']),
        lte(d.nextAttemptAt, now),
        or(isNull(d.leaseUntil), lte(d.leaseUntil, now)),
        inArray(d.endpointId, db.select({ id: webhookEndpoints.id }).from(webhookEndpoints).where(eq(webhookEndpoints.enabled, true))),
      ),
    )
    .orderBy(asc(d.nextAttemptAt))
    .limit(limit)
    .for('update', { skipLocked: true });
  const rows = await db
    .update(d)
    .set({ status: 'delivering', attempts: sql`${d.attempts} + 1`, leaseUntil, lastAttemptAt: now })
    .where(inArray(d.id, due))
    .returning();
  return rows.map(deliveryTimes);
}

export interface AttemptOutcome {
  status: 'pending' | 'succeeded' | 'failed';
  statusCode: number | null;
  error: string | null;
  nextAttemptAt: string;
  deliveredAt: string | null;
}

/** Records the outcome of attempt `attempt`; false if that claim was superseded (lease ran out and another took it). */
export async function recordAttempt(db: Db, id: string, attempt: number, o: AttemptOutcome): Promise<boolean> {
  const d = webhookDeliveries;
  const rows = await db
    .update(d)
    .set({ status: o.status, lastStatusCode: o.statusCode, lastError: o.error, nextAttemptAt: o.nextAttemptAt, deliveredAt: o.deliveredAt, leaseUntil: null })
    .where(and(eq(d.id, id), eq(d.attempts, attempt), eq(d.status, 'delivering')))
    .returning({ id: d.id });
  return rows.length === 1;
}

export async function findDelivery(db: Db, id: string): Promise<DeliveryRow | null> {
  const [row] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)).limit(1);
  return row ? deliveryTimes(row) : null;
}

export interface DeliveryFilter {
  endpointId?: string | undefined;
  status?: DeliveryStatus[] | undefined;
  eventType?: string | undefined;
  /** What the event is about: a screening's or a batch's id. */
  subjectId?: string | undefined;
  /** Newest first: rows strictly older than this (createdAt, id). */
  before?: { createdAt: string; id: string } | undefined;
  limit: number;
}

export async function listDeliveries(db: Db, f: DeliveryFilter): Promise<DeliveryRow[]> {
  const d = webhookDeliveries;
  const where: SQL[] = [];
  if (f.endpointId) where.push(eq(d.endpointId, f.endpointId));
  if (f.status?.length) where.push(inArray(d.status, f.status));
  if (f.eventType) where.push(eq(d.eventType, f.eventType));
  if (f.subjectId) where.push(eq(d.subjectId, f.subjectId));
  if (f.before) {
    const older = or(lt(d.createdAt, f.before.createdAt), and(eq(d.createdAt, f.before.createdAt), lt(d.id, f.before.id)));
    if (older) where.push(older);
  }
  const rows = await db
    .select()
    .from(d)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(d.createdAt), desc(d.id))
    .limit(f.limit);
  return rows.map(deliveryTimes);
}
