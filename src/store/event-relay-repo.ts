/**
 * What the event relay reads and writes (src/services/event-relay.ts): its cursor, and the stored
 * flagged screenings in a window that some endpoint should have a `screening.flagged` delivery for
 * and has none.
 */
import { inArray, sql } from 'drizzle-orm';
import type { Db } from './db.js';
import { screenings } from './schema.js';
import type { StoredScreening } from './screenings-repo.js';

const iso = (v: unknown): string => new Date(String(v)).toISOString();

function rowsOf(res: unknown): Array<Record<string, unknown>> {
  return ((res as { rows?: unknown[] }).rows ?? (res as unknown[])) as Array<Record<string, unknown>>;
}

export async function relayCursor(db: Db, name: string): Promise<string | null> {
  const rows = rowsOf(await db.execute(sql`SELECT through FROM event_relay_cursors WHERE name = ${name}`));
  return rows[0] ? iso(rows[0].through) : null;
}

/** Moves the cursor forward to `through` (never back: replicas sweeping at once may finish out of order). */
export async function advanceRelayCursor(db: Db, name: string, through: string, now: string): Promise<void> {
  await db.execute(sql`
    INSERT INTO event_relay_cursors (name, through, updated_at) VALUES (${name}, ${through}::timestamptz, ${now}::timestamptz)
    ON CONFLICT (name) DO UPDATE SET through = greatest(event_relay_cursors.through, excluded.through), updated_at = excluded.updated_at`);
}

/** Whether any enabled endpoint subscribes to screening.flagged (without one a sweep reads nothing). */
export async function anyFlaggedEndpoint(db: Db): Promise<boolean> {
  const rows = rowsOf(await db.execute(sql`SELECT 1 FROM webhook_endpoints WHERE enabled AND events @> ARRAY['screening.flagged']::text[] LIMIT 1`));
  return rows.length > 0;
}

export interface UnqueuedScreening {
  id: string;
  createdAt: string;
  /** The endpoints that should have this screening's delivery and have none. */
  endpointIds: string[];
}

/**
 * Flagged screenings created in (from, to] — not batch lines (a batch reports its lines in
 * `batch.completed`) — with an enabled endpoint subscribed to `screening.flagged` that may see them
 * (no owner, or the screening's submitter as owner), that existed when the screening was created, and
 * that has no `screening.flagged` delivery for it. In (created_at, id) order after `after`. Reads
 * the window through `screenings_created_idx` and each candidate's deliveries through
 * `webhook_deliveries_subject_idx`; request and result are not read here.
 */
export async function unqueuedFlagged(
  db: Db,
  q: { from: string; to: string; after?: { createdAt: string; id: string }; limit: number },
): Promise<UnqueuedScreening[]> {
  const after = q.after ? sql`AND (s.created_at, s.id) > (${q.after.createdAt}::timestamptz, ${q.after.id})` : sql``;
  // The window's flagged screenings are read once (materialised), then matched to each endpoint: read
  // per endpoint, the window's heap pages were visited once per endpoint.
  const res = await db.execute(sql`
    WITH w AS MATERIALIZED (
      SELECT s.id, s.created_at, s.api_key_id FROM screenings s
      WHERE s.created_at > ${q.from}::timestamptz AND s.created_at <= ${q.to}::timestamptz ${after}
        AND s.decision <> 'CLEAR')
    SELECT w.id, w.created_at, array_agg(e.id ORDER BY e.id) AS endpoint_ids
    FROM w
    JOIN webhook_endpoints e
      ON e.enabled
     AND e.events @> ARRAY['screening.flagged']::text[]
     AND (e.owner_key_id IS NULL OR e.owner_key_id = w.api_key_id)
     AND e.created_at <= w.created_at
    WHERE NOT EXISTS (
        SELECT 1 FROM webhook_deliveries d
        WHERE d.subject_id = w.id AND d.endpoint_id = e.id AND d.event_type = 'screening.flagged')
      AND NOT EXISTS (SELECT 1 FROM batch_results b WHERE b.screening_id = w.id)
    GROUP BY w.id, w.created_at
    ORDER BY w.created_at, w.id
    LIMIT ${q.limit}`);
  return rowsOf(res).map((r) => ({
    id: String(r.id),
    createdAt: iso(r.created_at),
    endpointIds: parseTextArray(r.endpoint_ids),
  }));
}

/** node-postgres parses text[] into an array; a raw query on PGlite may hand back the literal `{a,b}`. */
function parseTextArray(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  const s = String(v);
  if (!s.startsWith('{') || !s.endsWith('}')) return [];
  const inner = s.slice(1, -1);
  return inner === '' ? [] : inner.split(',').map((x) => x.replace(/^"|"$/g, ''));
}

export async function screeningsByIds(db: Db, ids: string[]): Promise<Map<string, StoredScreening>> {
  if (ids.length === 0) return new Map();
  const rows = await db.select().from(screenings).where(inArray(screenings.id, ids));
  return new Map(rows.map((r) => [r.id, r]));
}
