/**
 * Export licences live in the audit log itself: every issue, amendment, revocation, reservation and
 * release is an audit event (append-only, sealed with everything else), so a licence's terms and its
 * balance are derived from one history an auditor can verify — nothing is ever overwritten.
 *
 * Reserving a draw is atomic per licence: a transaction takes an advisory lock on the licence, sums
 * what is drawn, lets the caller decide (and re-screen) against that exact balance, then inserts the
 * screening and its reservation together. Concurrent screenings can never draw past the ceiling.
 */
import { randomUUID } from 'node:crypto';
import { and, asc, inArray, like, sql } from 'drizzle-orm';
import { announceChange } from './changes.js';
import type { Db } from './db.js';
import { auditEvents, screenings } from './schema.js';
import { recordAuditEvent } from './audit-events-repo.js';
import { AUDIT_WRITE_LOCK, columnsOf, findByIdempotencyKey, type ScreeningRow, type StoredScreening } from './screenings-repo.js';

export const LICENCE_RECORD_EVENTS = ['licence.issued', 'licence.amended', 'licence.revoked'] as const;
export const LICENCE_DRAW_EVENTS = ['licence.reserved', 'licence.released'] as const;
export type LicenceEventType = (typeof LICENCE_RECORD_EVENTS)[number] | (typeof LICENCE_DRAW_EVENTS)[number];

export interface LicenceEvent {
  id: string;
  seq: number;
  type: LicenceEventType;
  payload: Record<string, unknown> & { licenceId: string };
  apiKeyId: string | null;
  createdAt: string;
}

export interface Drawn {
  quantity: number;
  valueUsd: number;
}

const columns = {
  id: auditEvents.id,
  seq: auditEvents.seq,
  type: auditEvents.type,
  payload: auditEvents.payload,
  apiKeyId: auditEvents.apiKeyId,
  createdAt: sql<string>`to_char(${auditEvents.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
};

/** Every licence event, oldest first; for one licence when `licenceId` is given. */
export async function licenceEvents(db: Db, licenceId?: string): Promise<LicenceEvent[]> {
  const where = licenceId
    ? and(like(auditEvents.type, 'licence.%'), sql`${auditEvents.payload}->>'licenceId' = ${licenceId}`)
    : like(auditEvents.type, 'licence.%');
  return (await db.select(columns).from(auditEvents).where(where).orderBy(asc(auditEvents.seq))) as LicenceEvent[];
}

/** Record events of licences (issued/amended/revoked) only: enough to know every licence's current terms; of one licence when `licenceId` is given. */
export async function licenceRecordEvents(db: Db, licenceId?: string): Promise<LicenceEvent[]> {
  return (await db
    .select(columns)
    .from(auditEvents)
    .where(
      licenceId
        ? and(like(auditEvents.type, 'licence.%'), inArray(auditEvents.type, [...LICENCE_RECORD_EVENTS]), sql`${auditEvents.payload}->>'licenceId' = ${licenceId}`)
        : inArray(auditEvents.type, [...LICENCE_RECORD_EVENTS]),
    )
    .orderBy(asc(auditEvents.seq))) as LicenceEvent[];
}

/** The per-licence lock every draw and every amendment or revocation of that licence takes, so they see one order. */
const lockLicence = (db: Db, licenceId: string) => db.execute(sql`select pg_advisory_xact_lock(hashtext(${`licence:${licenceId}`}))`);

/** What is drawn from each licence: reservations less releases. */
export async function drawnByLicence(db: Db, licenceIds?: readonly string[]): Promise<Map<string, Drawn>> {
  const res = await db.execute(sql`
    select payload->>'licenceId' as licence_id,
      coalesce(sum(case when type = 'licence.reserved' then (payload->>'quantity')::numeric else -(payload->>'quantity')::numeric end), 0) as quantity,
      coalesce(sum(case when type = 'licence.reserved' then (payload->>'valueUsd')::numeric else -(payload->>'valueUsd')::numeric end), 0) as value_usd
    from audit_events
    where type in ('licence.reserved', 'licence.released')
      ${licenceIds ? sql`and payload->>'licenceId' in (${sql.join(licenceIds.map((id) => sql`${id}`), sql`, `)})` : sql``}
    group by payload->>'licenceId'`);
  const rows = rowsOf<{ licence_id: string; quantity: string | number; value_usd: string | number }>(res);
  return new Map(rows.map((r) => [r.licence_id, { quantity: Number(r.quantity), valueUsd: Math.round(Number(r.value_usd) * 100) / 100 }]));
}

/**
 * Appends a licence record event under a per-number lock; `check` sees the licence's events so far
 * (e.g. to refuse an amendment of a revoked licence) and returns the payload to store, null to store nothing, or throws. An
 * amendment or revocation (`licenceId` given) also takes that licence's draw lock: a screening drawing on
 * it at that moment either commits first (and the change's monitoring run sees its draw) or reads the new
 * terms (and a revoked licence does not cover it).
 */
export async function appendLicenceRecord(
  db: Db,
  lockKey: string,
  build: (history: LicenceEvent[]) => Promise<{ type: LicenceEventType; payload: LicenceEvent['payload'] } | null>,
  apiKeyId: string | null,
  at: string,
  licenceId?: string,
): Promise<{ id: string; seq: number } | null> {
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    await t.execute(sql`select pg_advisory_xact_lock(hashtext(${`licence:${lockKey}`}))`);
    if (licenceId) await lockLicence(t, licenceId);
    const event = await build(await licenceRecordEvents(t));
    // Nothing to record (an amendment to the terms the licence already has).
    if (!event) return null;
    const { type, payload } = event;
    await announceChange(t, 'licences');
    return recordAuditEvent(t, { type, payload, apiKeyId, at });
  });
}

export type ReservationOutcome =
  | { kind: 'inserted'; row: StoredScreening; reserved: boolean }
  | { kind: 'existing'; row: StoredScreening };

/**
 * In one transaction, under the licence's lock: read what is drawn and the licence's record events (its
 * terms and status as they stand: an amendment or revocation takes the same lock), let `build` produce the
 * screening row for exactly that balance and those terms (and the draw it makes, or null when they no
 * longer allow one), insert the screening, and record the reservation. An idempotent retry that lost the
 * race gets the stored screening and draws nothing.
 */
export async function insertScreeningWithDraw(
  db: Db,
  licenceId: string,
  build: (drawn: Drawn, records: LicenceEvent[]) => Promise<{ row: ScreeningRow; draw: { licenceId: string; number: string; quantity: number; valueUsd: number } | null }>,
): Promise<ReservationOutcome> {
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    await lockLicence(t, licenceId);
    const drawn = (await drawnByLicence(t, [licenceId])).get(licenceId) ?? { quantity: 0, valueUsd: 0 };
    const { row, draw } = await build(drawn, await licenceRecordEvents(t, licenceId));
    await t.execute(sql`select pg_advisory_xact_lock_shared(${AUDIT_WRITE_LOCK})`);
    const inserted = await t
      .insert(screenings)
      .values(columnsOf(row))
      .onConflictDoNothing({ target: [screenings.idempotencyScope, screenings.idempotencyKey] })
      .returning({ seq: screenings.seq });
    if (inserted.length === 0) {
      const existing = await findByIdempotencyKey(t, row.idempotencyScope ?? '', row.idempotencyKey ?? '');
      if (!existing) throw new Error('idempotency conflict without a stored row');
      return { kind: 'existing', row: existing };
    }
    if (draw) {
      await recordAuditEvent(t, {
        type: 'licence.reserved',
        payload: { licenceId: draw.licenceId, number: draw.number, screeningId: row.id, quantity: draw.quantity, valueUsd: draw.valueUsd },
        apiKeyId: row.apiKeyId ?? null,
        at: row.createdAt,
      });
    }
    const stored = {
      ...columnsOf(row),
      seq: inserted[0]!.seq,
      idempotencyScope: row.idempotencyScope ?? '',
      idempotencyKey: row.idempotencyKey ?? null,
      apiKeyId: row.apiKeyId ?? null,
    } as StoredScreening;
    return { kind: 'inserted', row: stored, reserved: draw !== null };
  });
}

/** The reservation a screening made, if any, and whether it was released. */
export async function reservationOf(db: Db, screeningId: string): Promise<{ reserved: LicenceEvent | null; released: boolean }> {
  const rows = (await db
    .select(columns)
    .from(auditEvents)
    .where(and(inArray(auditEvents.type, [...LICENCE_DRAW_EVENTS]), sql`${auditEvents.payload}->>'screeningId' = ${screeningId}`))
    .orderBy(asc(auditEvents.seq))) as LicenceEvent[];
  return { reserved: rows.find((r) => r.type === 'licence.reserved') ?? null, released: rows.some((r) => r.type === 'licence.released') };
}

/**
 * Inside a transaction: the reservation a screening still holds (made and not released), with its licence's
 * draw lock taken — so a release and a concurrent draw or amendment see one order — or null when it drew
 * nothing or gave it back already. Take it before the audit write lock, as draws do. The disposition that
 * releases it (insertDisposition) records the release with recordRelease in the same transaction.
 */
export async function heldReservation(db: Db, screeningId: string): Promise<LicenceEvent | null> {
  const { reserved } = await reservationOf(db, screeningId);
  if (!reserved) return null;
  await lockLicence(db, reserved.payload.licenceId);
  // Read again under the lock: a release that committed while this waited is seen.
  return (await reservationOf(db, screeningId)).released ? null : reserved;
}

/** Records the release of a reservation found by heldReservation, in the caller's transaction (once: the cancelled or blocked shipment does not ship). */
export async function recordRelease(db: Db, reserved: LicenceEvent, screeningId: string, apiKeyId: string | null, reason: string, at: string): Promise<void> {
  const p = reserved.payload;
  await recordAuditEvent(db, {
    type: 'licence.released',
    payload: { licenceId: p.licenceId, number: p.number, screeningId, quantity: p.quantity, valueUsd: p.valueUsd, reason },
    apiKeyId,
    at,
  });
}

export function newLicenceId(): string {
  return randomUUID();
}


function rowsOf<T>(res: unknown): T[] {
  return ((res as { rows?: T[] }).rows ?? (res as T[])) as T[];
}
