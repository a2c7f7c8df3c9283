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

/** Refuses an approval that has nothing to approve, or whose approver also cleared. */
export function checkApproval(history: readonly StoredDisposition[], approverKeyId: string | null, fourEyes: boolean): void {
  if (!fourEyes) throw conflict('This screening’s decision does not need a second reviewer’s approval (FOUR_EYES_DECISIONS)');
  const last = history[history.length - 1];
  if (!last || last.action !== 'cleared') throw conflict('Nothing awaits approval: the latest disposition of this screening is not a clearance');
  if (last.apiKeyId === approverKeyId) throw forbidden('Four eyes: the reviewer who recorded the clearance cannot approve it; another reviewer must');
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
