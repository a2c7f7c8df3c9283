/**
 * Four eyes where it matters (issue #9). Clearing a screening whose decision asks for a licence or
 * blocks the shipment releases goods that the rules held back — the one disposition that can cause
 * a violation (15 CFR 764.2: "acting with knowledge"; BIS's Export Compliance Guidelines ask for
 * separation of duties at release). Such a clearance takes effect only when a second reviewer —
 * another key than the one that cleared — approves it. Which decisions need it: FOUR_EYES_DECISIONS.
 */
import { conflict, forbidden } from '../errors.js';
import type { Disposition } from '../schemas/audit.js';
import type { StoredDisposition } from '../store/dispositions-repo.js';

/** The approver, and the clearer's key holder when the history row names one (a person with two keys is one person). */
export interface Approver {
  keyId: string | null;
  holder?: string | null;
}

/** The monitoring change that counts for four eyes: when continuous monitoring last changed the screening's decision, and to what. */
export interface DecisionChange {
  decision: string;
  at: string;
}

const samePerson = (a: string | null | undefined, b: string | null | undefined) =>
  !!a && !!b && a.trim().normalize('NFKC').toLowerCase() === b.trim().normalize('NFKC').toLowerCase();

/**
 * Refuses an approval that has nothing to approve, whose approver also cleared (the same key, or another key
 * of the same holder), or whose clearance predates the decision continuous monitoring last changed the
 * screening to: that clearance was given for a decision the screening no longer has (a CLEAR shipment cleared
 * this morning, LICENSE_REQUIRED since its licence was revoked) — approving it would let one reviewer release
 * a shipment no second person looked at in its new state. It must be cleared again, then approved.
 */
export function checkApproval(
  history: ReadonlyArray<StoredDisposition & { holder?: string | null }>,
  approver: Approver | string | null,
  fourEyes: boolean,
  changed: DecisionChange | null = null,
): void {
  const who: Approver = typeof approver === 'string' || approver === null ? { keyId: approver } : approver;
  if (!fourEyes) throw conflict('This screening’s decision does not need a second reviewer’s approval (FOUR_EYES_DECISIONS)');
  const last = history[history.length - 1];
  if (!last || last.action !== 'cleared') throw conflict('Nothing awaits approval: the latest disposition of this screening is not a clearance');
  if (last.apiKeyId === who.keyId) throw forbidden('Four eyes: the reviewer who recorded the clearance cannot approve it; another reviewer must');
  if (samePerson(last.holder, who.holder))
    throw forbidden('Four eyes: the clearance was recorded by another key of the same holder; a different person must approve it');
  if (changed && Date.parse(new Date(last.createdAt).toISOString()) <= Date.parse(changed.at))
    throw conflict(
      `Nothing awaits approval: the clearance (${new Date(last.createdAt).toISOString()}) predates continuous monitoring's change of this screening to ${changed.decision} (${changed.at}); ` +
        'clear it again in view of the new decision, then another reviewer approves',
    );
}

type Row = Pick<StoredDisposition, 'id' | 'screeningId' | 'action' | 'justification' | 'apiKeyId' | 'createdAt'> & { byName?: string | null };

/**
 * The history as callers see it: under four eyes, a clearance is pending until the approval right
 * after it, which names the clearance it approves; everything else is effective.
 */
export function withApprovals(history: readonly Row[], fourEyes: boolean): Disposition[] {
  const plain = (d: Row): Disposition => ({ id: d.id, screeningId: d.screeningId, action: d.action as Disposition['action'], justification: d.justification, by: d.apiKeyId, byName: d.byName ?? null, at: d.createdAt });
  return history.map((d, i) => {
    const next = history[i + 1];
    if (d.action === 'approved') return { ...plain(d), status: 'effective', ...(history[i - 1] ? { approves: history[i - 1]!.id } : {}) };
    if (d.action !== 'cleared' || !fourEyes) return { ...plain(d), status: 'effective' };
    if (next?.action === 'approved') return { ...plain(d), status: 'approved', approval: { id: next.id, by: next.apiKeyId, byName: next.byName ?? null, at: next.createdAt, justification: next.justification } };
    return { ...plain(d), status: 'pending_approval' };
  });
}
