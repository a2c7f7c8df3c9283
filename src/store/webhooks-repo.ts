/**
 * webhook_endpoints and webhook_deliveries rows ↔ records. The delivery queue's claim is one
 * statement (FOR UPDATE SKIP LOCKED), so replicas sharing a database never claim the same row;
 * an attempt's outcome is recorded only by the claim that made it (attempts must still match).
 */
import { and, arrayContains, asc, desc, eq, getTableColumns, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
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

/** A secret retired by a rotation, and when it stops signing (its own grace end). */
export interface PreviousSecret {
  secret: string;
  expiresAt: string;
}

/**
 * The secrets retired by rotations, newest first. Stored in `previous_secret` (no migration): the newest alone, as
 * before (its end in `previous_secret_expires_at`), then each older one still signing as ` <secret>@<ISO end>`.
 * A secret is "whsec_" + base64 (schemas/webhooks.ts), never a space or an "@", so the form is unambiguous; a
 * row written before holds one secret and reads as it did. Use previousSecrets/encodePreviousSecrets, never the
 * column: when rotated twice within the grace period the column held only the newest, and the original secret —
 * the one a receiver that had not yet switched still verified with — stopped signing at once.
 */
export function previousSecrets(r: Pick<EndpointRow, 'previousSecret' | 'previousSecretExpiresAt'>): PreviousSecret[] {
  if (!r.previousSecret || !r.previousSecretExpiresAt) return [];
  const [newest, ...older] = r.previousSecret.split(' ').filter((p) => p !== '');
  const out: PreviousSecret[] = newest ? [{ secret: newest, expiresAt: r.previousSecretExpiresAt }] : [];
  for (const entry of older) {
    const at = entry.lastIndexOf('@');
    const expiresAt = at > 0 ? Date.parse(entry.slice(at + 1)) : Number.NaN;
    // An entry that does not read back whole is dropped: never a signature with a mangled secret.
    if (!Number.isNaN(expiresAt)) out.push({ secret: entry.slice(0, at), expiresAt: new Date(expiresAt).toISOString() });
  }
  return out;
}

/** The columns for `list` (newest first): what previousSecrets reads back. */
export function encodePreviousSecrets(list: readonly PreviousSecret[]): Pick<EndpointRow, 'previousSecret' | 'previousSecretExpiresAt'> {
  const [newest, ...older] = list;
  if (!newest) return { previousSecret: null, previousSecretExpiresAt: null };
  for (const p of list) if (/[\s@]/.test(p.secret)) throw new Error('a webhook secret holds a space or "@"');
  return { previousSecret: [newest.secret, ...older.map((p) => `${p.secret}@${p.expiresAt}`)].join(' '), previousSecretExpiresAt: newest.expiresAt };
}

/**
 * A rotation: the new secret and the retired ones, written only if the secret is still `expected` (the one the
 * rotation retired): of two rotations at once, one wins and the other is told (null), so neither drops the
 * other's secret unseen.
 */
export async function rotateEndpointSecret(
  db: Db,
  id: string,
  expected: string,
  patch: { secret: string; previous: readonly PreviousSecret[]; updatedAt: string },
): Promise<EndpointRow | null> {
  const row = await db.transaction(async (tx) => {
    const [updated] = await tx
      .update(webhookEndpoints)
      .set({ secret: patch.secret, ...encodePreviousSecrets(patch.previous), updatedAt: patch.updatedAt })
      .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.secret, expected)))
      .returning();
    if (updated) await announceChange(tx as unknown as Db, 'webhook_endpoints');
    return updated;
  });
  return row ? endpointTimes(row) : null;
}

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
 * Queues an admin's redelivery unless a delivery of the same event to the same endpoint (the
 * original or an earlier redelivery) is still pending or being delivered: then that one is returned
 * and nothing is inserted. Race-safe across requests and replicas: the check and the insert run
 * under a transaction-scoped advisory lock on (endpoint, event), so of two at once one queues and
 * the other sees it.
 */
export async function insertRedelivery(db: Db, row: NewDelivery & { eventKey: string }): Promise<{ queued: DeliveryRow } | { queuedAlready: Pick<DeliveryRow, 'id' | 'status'> }> {
  const d = webhookDeliveries;
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`webhook-redeliver:${row.endpointId}:${row.eventKey}`}))`);
    const [open] = await tx
      .select({ id: d.id, status: d.status })
      .from(d)
      .where(and(eq(d.endpointId, row.endpointId), eq(d.eventKey, row.eventKey), inArray(d.status, ['pending', 'delivering'])))
      .orderBy(asc(d.createdAt), asc(d.id))
      .limit(1);
    if (open) return { queuedAlready: open };
    return { queued: await insertDelivery(tx as unknown as Db, row) };
  });
}

/** How a process shares its claims between endpoints (the dispatcher's pool). */
export interface ClaimLimits {
  /** At most this many deliveries of one endpoint claimed and not yet recorded, counting `busy`. */
  perEndpoint: number;
  /** What the claiming process already has in flight, by endpoint id. */
  busy?: ReadonlyMap<string, number>;
}

/**
 * Claims up to `limit` due deliveries of enabled endpoints: pending ones whose next try has come,
 * and claimed ones whose lease ran out (their replica died mid-attempt). Each claim counts as an
 * attempt and holds a lease until `leaseUntil`. With `limits`, no endpoint gets more than
 * `perEndpoint` minus what the caller already has in flight for it (`busy`), so a slow endpoint's
 * backlog cannot take every free slot; the earliest due first, within and across endpoints.
 *
 * One statement. The due rows are ranked per endpoint (one pass over the due index: its cost grows
 * with the number of due rows, not with the history), the first `limit` within each endpoint's
 * allowance are locked FOR UPDATE SKIP LOCKED — a row another replica is claiming at that moment is
 * skipped, never waited for, and the conditions are checked again on the locked row, so a row is never
 * claimed twice — and updated.
 */
/** A claimed delivery, with the `lastAttemptAt` it had before the claim (restored if the attempt turns out not to be sent). */
export type ClaimedDelivery = DeliveryRow & { previousAttemptAt: string | null };

export async function claimDueDeliveries(db: Db, now: string, leaseUntil: string, limit: number, limits?: ClaimLimits): Promise<ClaimedDelivery[]> {
  const d = webhookDeliveries;
  const n = Math.floor(limit);
  const cap = Math.floor(limits?.perEndpoint ?? n);
  if (n <= 0 || cap <= 0) return [];
  const busy = JSON.stringify(Object.fromEntries([...(limits?.busy ?? new Map<string, number>())].filter(([, k]) => k > 0)));
  const due = sql`(
    select q.id as claimed_id, q.last_attempt_at as claimed_prev from webhook_deliveries q
    where q.id in (
      select c.id from (
        select x.id, x.next_attempt_at, e.busy,
               row_number() over (partition by x.endpoint_id order by x.next_attempt_at, x.id) as rn
        from webhook_deliveries x
        join (
          select we.id, coalesce(b.value::int, 0) as busy
          from webhook_endpoints we
          left join jsonb_each_text(${busy}::jsonb) b on b.key = we.id
          where we.enabled
        ) e on e.id = x.endpoint_id and e.busy < ${cap}::int
        where x.status in ('pending', 'delivering')
          and x.next_attempt_at <= ${now}::timestamptz
          and (x.lease_until is null or x.lease_until <= ${now}::timestamptz)
      ) c
      where c.rn <= ${cap}::int - c.busy
      order by c.next_attempt_at, c.id
      limit ${n}::int
    )
      and q.status in ('pending', 'delivering')
      and q.next_attempt_at <= ${now}::timestamptz
      and (q.lease_until is null or q.lease_until <= ${now}::timestamptz)
    for update of q skip locked
  ) as claimed`;
  const rows = await db
    .update(d)
    .set({ status: 'delivering', attempts: sql`${d.attempts} + 1`, leaseUntil, lastAttemptAt: now })
    .from(due)
    .where(sql`${d.id} = claimed.claimed_id`)
    .returning({ ...getTableColumns(d), previousAttemptAt: sql<string | null>`claimed.claimed_prev` });
  return rows.map(({ previousAttemptAt, ...r }) => ({ ...deliveryTimes(r), previousAttemptAt: iso(previousAttemptAt) }));
}

/** What the check right before sending found: send, or why not. */
export type SendCheck = 'sent' | 'disabled' | 'changed' | 'unsubscribed' | 'superseded' | 'gone';

/**
 * The last check before an attempt's request is written (the connection to the receiver is open, nothing is
 * sent yet): the endpoint is still enabled and still has the URL (and allowHttp) the attempt connected to, and
 * the claim is still this attempt's, and the endpoint still subscribes to the delivery's event type (its `events`
 * may have been changed after the delivery was queued: 'unsubscribed', and nothing is sent). `send` hands the request to the socket while the endpoint's row is held
 * FOR SHARE, so an admin's disable (an UPDATE of that row) either committed before the check, and nothing is
 * sent, or waits until the request was handed over: once a disable is acknowledged nothing more is sent.
 */
export async function sendIfStillSendable(
  db: Db,
  claim: Pick<DeliveryRow, 'id' | 'attempts'>,
  target: Pick<EndpointRow, 'url' | 'allowHttp'>,
  send: () => void,
): Promise<SendCheck> {
  const d = webhookDeliveries;
  const e = webhookEndpoints;
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({ enabled: e.enabled, url: e.url, allowHttp: e.allowHttp, events: e.events, eventType: d.eventType, status: d.status, attempts: d.attempts })
      .from(d)
      .innerJoin(e, eq(e.id, d.endpointId))
      .where(eq(d.id, claim.id))
      .for('share', { of: e });
    if (!row) return 'gone';
    if (row.status !== 'delivering' || row.attempts !== claim.attempts) return 'superseded';
    if (!row.enabled) return 'disabled';
    if (row.url !== target.url || row.allowHttp !== target.allowHttp) return 'changed';
    if (!row.events.includes(row.eventType)) return 'unsubscribed';
    send();
    return 'sent';
  });
}

/**
 * Undoes a claim whose attempt sent nothing (its endpoint was disabled, changed or gone): the attempt is not
 * counted and `lastAttemptAt` is what it was, `lastError` says why nothing was sent (`lastStatusCode` stays
 * that of the last attempt made). False if the claim was superseded.
 */
export async function releaseUnsent(
  db: Db,
  claim: Pick<ClaimedDelivery, 'id' | 'attempts' | 'previousAttemptAt'>,
  o: { status: 'pending' | 'failed'; error: string; nextAttemptAt: string },
): Promise<boolean> {
  const d = webhookDeliveries;
  const rows = await db
    .update(d)
    .set({ status: o.status, attempts: claim.attempts - 1, lastError: o.error, nextAttemptAt: o.nextAttemptAt, lastAttemptAt: claim.previousAttemptAt, leaseUntil: null })
    .where(and(eq(d.id, claim.id), eq(d.attempts, claim.attempts), eq(d.status, 'delivering')))
    .returning({ id: d.id });
  return rows.length === 1;
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
