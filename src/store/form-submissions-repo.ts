/**
 * The console's once-tokens for forms that create or change configuration (API keys, webhook endpoints,
 * licences): a token is claimed in the same transaction as the change it submitted, so a form sent twice
 * (a double click, the browser resending it) makes one change, and the second submission finds the first.
 * Also the look-up that tells a *New screening* form sent again with a fresh token (Back, then submit) by
 * what it asks for: the same key's recent console screening of the same request.
 */
import { sql } from 'drizzle-orm';
import type { Db } from './db.js';

export interface FormOnce {
  /** The submitting API key's id ('' for none): a token belongs to whoever drew the form. */
  scope: string;
  /** The form's token (a UUID drawn with the page). */
  token: string;
  /** What the form does ('api_key.create', 'licence.issue', …): what `targetId` names. */
  kind: string;
}

export interface FormSubmission {
  kind: string;
  targetId: string;
  createdAt: string;
}

/** The token was claimed by an earlier submission (committed before this one's claim). */
export class AlreadySubmitted extends Error {
  constructor(readonly previous: FormSubmission | null) {
    super('this form was already submitted');
  }
}

export async function findFormSubmission(db: Db, scope: string, token: string): Promise<FormSubmission | null> {
  const res = await db.execute(sql`select kind, target_id, created_at from form_submissions where scope = ${scope} and token = ${token}`);
  const [row] = rowsOf<{ kind: string; target_id: string; created_at: string | Date }>(res);
  return row ? { kind: row.kind, targetId: row.target_id, createdAt: new Date(row.created_at).toISOString() } : null;
}

/**
 * Claims the token for `targetId`, inside the caller's transaction. Two submissions racing with one token:
 * the second's insert waits for the first to commit, then finds the row and throws AlreadySubmitted, which
 * rolls its transaction (its change) back.
 */
export async function claimFormSubmission(db: Db, once: FormOnce, targetId: string, at: string): Promise<void> {
  const res = await db.execute(sql`
    insert into form_submissions (scope, token, kind, target_id, created_at)
    values (${once.scope}, ${once.token}, ${once.kind}, ${targetId}, ${at}::timestamptz)
    on conflict (scope, token) do nothing
    returning 1`);
  if (rowsOf(res).length === 0) throw new AlreadySubmitted(await findFormSubmission(db, once.scope, once.token));
}

/** A screening a console form made (its Idempotency-Key is the form's `console:<token>`). */
export interface ConsoleScreening {
  id: string;
  reference: string;
  decision: string;
  createdAt: string;
  idempotencyKey: string | null;
}

/**
 * The newest screening `apiKeyId` made from a console form (Idempotency-Key `console:…`) with this request
 * hash, created at or after `since`: the console's answer to a form sent again with a fresh token (the
 * browser's Back re-draws the form, restoring the values). Bounded by time, not by the key's history: the
 * first screening created since a minute before `since` gives a lower bound on `seq` (screenings_created_idx),
 * and the key's screenings from that `seq` on are read by screenings_api_key_idx (api_key_id, seq) — a key
 * that has screened millions of batch lines costs the few rows of the window. The minute's margin covers rows
 * committed out of creation order (the group commit); `created_at` itself is then compared exactly.
 */
export async function findRecentConsoleScreening(db: Db, apiKeyId: string, requestHash: string, since: string): Promise<ConsoleScreening | null> {
  const floor = new Date(Date.parse(since) - 60_000).toISOString();
  const res = await db.execute(sql`
    select id, reference, decision, created_at, idempotency_key from screenings
    where api_key_id = ${apiKeyId}
      and seq >= (select seq from screenings where created_at >= ${floor}::timestamptz order by created_at, id limit 1)
      and created_at >= ${since}::timestamptz
      and request_hash = ${requestHash}
      and idempotency_key like 'console:%'
    order by seq desc
    limit 1`);
  const [row] = rowsOf<{ id: string; reference: string; decision: string; created_at: string | Date; idempotency_key: string | null }>(res);
  return row ? { id: row.id, reference: row.reference, decision: row.decision, createdAt: new Date(row.created_at).toISOString(), idempotencyKey: row.idempotency_key } : null;
}

function rowsOf<T>(res: unknown): T[] {
  return ((res as { rows?: T[] }).rows ?? (res as T[])) as T[];
}
