/**
 * The console's once-tokens for forms that create or change configuration (API keys, webhook endpoints,
 * licences): a token is claimed in the same transaction as the change it submitted, so a form sent twice
 * (a double click, the browser resending it) makes one change, and the second submission finds the first.
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

function rowsOf<T>(res: unknown): T[] {
  return ((res as { rows?: T[] }).rows ?? (res as T[])) as T[];
}
