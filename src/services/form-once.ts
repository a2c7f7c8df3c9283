/**
 * Once-tokens of the console's configuration forms (store/form-submissions-repo.ts): the change and the
 * token's claim commit together, so a form sent twice changes things once and its second submission is
 * answered with what the first did.
 */
import type { Db } from '../store/db.js';
import { AlreadySubmitted, claimFormSubmission, findFormSubmission, type FormOnce, type FormSubmission } from '../store/form-submissions-repo.js';

export { AlreadySubmitted, type FormOnce, type FormSubmission };

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
