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
  if (predates(last, changed))
    throw conflict(
      `Nothing awaits approval: the clearance (${new Date(last.createdAt).toISOString()}) predates continuous monitoring's change of this screening to ${changed.decision} (${changed.at}); ` +
        'clear it again in view of the new decision, then another reviewer approves',
    );
}

type Row = Pick<StoredDisposition, 'id' | 'screeningId' | 'action' | 'justification' | 'apiKeyId' | 'createdAt'> & { byName?: string | null };

/**
 * The monitoring change an approval must be weighed against (checkApproval's `changed`): the latest change, when it
 * is to a decision in FOUR_EYES_DECISIONS — a change to a decision outside them asks no new look of the second reviewer.
 */
export function approvalChange<C extends DecisionChange>(fourEyesDecisions: readonly string[], latest: C | null | undefined): C | null {
  return latest && fourEyesDecisions.includes(latest.decision) ? latest : null;
}

/** Whether a clearance was given before `changed` (the monitoring change that counts for four eyes): given for a decision the screening no longer has. */
export function predates(clearance: Pick<Row, 'createdAt'>, changed: DecisionChange | null): changed is DecisionChange {
  return !!changed && Date.parse(new Date(clearance.createdAt).toISOString()) <= Date.parse(changed.at);
}

/**
 * The history as callers see it: under four eyes, a clearance is pending until the approval right
 * after it, which names the clearance it approves; everything else is effective. A clearance that can
 * no longer be approved is not shown pending — nobody should wait for an approval that cannot happen
 * (checkApproval refuses it, 409): `superseded` when a later disposition other than an approval followed it
 * (`supersededBy` names it), `stale` when it predates the decision continuous monitoring last changed the
 * screening to (`changed`, as approvalChange picks it; `staleSince` says which change) — it must be cleared again.
 */
export function withApprovals(history: readonly Row[], fourEyes: boolean, changed: (DecisionChange & { runId?: string }) | null = null): Disposition[] {
  const plain = (d: Row): Disposition => ({ id: d.id, screeningId: d.screeningId, action: d.action as Disposition['action'], justification: d.justification, by: d.apiKeyId, byName: d.byName ?? null, at: d.createdAt });
  return history.map((d, i) => {
    const next = history[i + 1];
    if (d.action === 'approved') return { ...plain(d), status: 'effective', ...(history[i - 1] ? { approves: history[i - 1]!.id } : {}) };
    if (d.action !== 'cleared' || !fourEyes) return { ...plain(d), status: 'effective' };
    if (next?.action === 'approved') return { ...plain(d), status: 'approved', approval: { id: next.id, by: next.apiKeyId, byName: next.byName ?? null, at: next.createdAt, justification: next.justification } };
    if (next) return { ...plain(d), status: 'superseded', supersededBy: next.id };
    if (predates(d, changed)) return { ...plain(d), status: 'stale', staleSince: { decision: changed.decision as NonNullable<Disposition['staleSince']>['decision'], at: changed.at, ...(changed.runId ? { runId: changed.runId } : {}) } };
    return { ...plain(d), status: 'pending_approval' };
  });
}
