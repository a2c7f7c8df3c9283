/**
 * Once-tokens of the console's configuration forms (store/form-submissions-repo.ts): the change and the
 * token's claim commit together, so a form sent twice changes things once and its second submission is
 * answered with what the first did.
 */
import type { Db } from '../store/db.js';
import { findDispositionKey } from '../store/dispositions-repo.js';
import {
  AlreadySubmitted,
  claimFormSubmission,
  findFormSubmission,
  findRecentConsoleScreening,
  type ConsoleScreening,
  type FormOnce,
  type FormSubmission,
} from '../store/form-submissions-repo.js';

export { AlreadySubmitted, type ConsoleScreening, type FormOnce, type FormSubmission };

/**
 * How long a form sent again with a fresh token (the browser's Back re-draws a `no-store` page with a new
 * token and restores what was typed) is told apart by what it asks for: the same key sending the same
 * screening request, or the same disposition as the latest one, within this window is the same form again.
 */
export const RESENT_WINDOW_MS = 10 * 60_000;

/**
 * Runs work one at a time per key on this replica: the console's "was this form sent already?" check and the
 * write it guards, for one key's identical submissions (two tabs, or Back-then-submit while the first is still
 * being stored), so the second sees the first's record instead of both passing the check. Work under other keys
 * runs alongside. Per replica: two identical submissions reaching two replicas at the same instant can still
 * both be stored (README, known limits).
 */
export class KeyedSerial {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    const result = before.then(() => work());
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with work queued or running (for tests). */
  get size(): number {
    return this.tails.size;
  }
}

/** Runs `work` with the token claimed for `targetId` in the same transaction (nothing to claim: `work` alone). */
export async function withFormOnce<T>(db: Db, once: FormOnce | null | undefined, targetId: string, at: string, work: (db: Db) => Promise<T>): Promise<T> {
  if (!once) return work(db);
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    await claimFormSubmission(t, once, targetId, at);
    return work(t);
  });
}

/** What an earlier submission of this form did, if one did. */
export async function previousSubmission(db: Db, once: FormOnce | null | undefined): Promise<FormSubmission | null> {
  return once ? findFormSubmission(db, once.scope, once.token) : null;
}

/**
 * The screening this key made from a console form with the same request (sha256 of its canonical JSON)
 * within RESENT_WINDOW_MS before `now`, newest first; null when none (or no key: nothing to tie it to).
 */
export async function recentConsoleScreening(db: Db, apiKeyId: string | null | undefined, requestHash: string, now: Date): Promise<ConsoleScreening | null> {
  if (!apiKeyId) return null;
  return findRecentConsoleScreening(db, apiKeyId, requestHash, new Date(now.getTime() - RESENT_WINDOW_MS).toISOString());
}

/** Whether a disposition was already recorded under this form's Idempotency-Key (`console:<token>`) by this key. */
export async function dispositionUnderKey(db: Db, apiKeyId: string | null | undefined, key: string | null): Promise<boolean> {
  return key ? (await findDispositionKey(db, apiKeyId ?? '', key)) !== null : false;
}
