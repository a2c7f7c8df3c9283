/**
 * Dispositions: a reviewer clears, escalates, applies for a licence or blocks a screened
 * shipment, with a justification. History is kept (a new disposition supersedes, never replaces)
 * and sealed with the rest of the audit log; the reviewer's key id records who did it.
 */
import { randomUUID } from 'node:crypto';
import { AppError, badRequest, conflict, notFound } from '../errors.js';
import { canonicalJson } from '../canonical-json.js';
import { sha256Hex } from '../store/canonical.js';
import { dbErrorCode } from '../store/db-errors.js';
import { displayName, type Principal } from './principal.js';
import type { Disposition, DispositionBody } from '../schemas/audit.js';
import type { Db } from '../store/db.js';
import { findDispositionKey, insertDisposition, listDispositions, type NamedDisposition, type StoredDisposition } from '../store/dispositions-repo.js';
import { findScreening } from '../store/screenings-repo.js';
import { latestChanges, type LatestChange } from '../store/monitoring-repo.js';
import { controlCharacterErrors } from './input-guards.js';
import { approvalChange, checkApproval, withApprovals } from './four-eyes.js';
import { RELEASING_ACTIONS } from './licences.js';
import type { ScreeningResult } from '../schemas/screening-result.js';

/** Dispositions that let the shipment go. */
const SHIPPING_ACTIONS: ReadonlySet<string> = new Set(['cleared', 'approved']);

/**
 * A screening that drew on a licence gives its draw back when it is blocked or cancelled (once: the ledger
 * holds one reservation and one release per screening). Clearing it afterwards would let it ship with
 * nothing drawn — the licence's units counted for others too — so it is refused: an order that goes after
 * all is screened again, and that screening draws on the licence.
 */
function checkNotReleased(history: readonly StoredDisposition[], licenceNumber: string, action: string): void {
  const released = history.find((d) => RELEASING_ACTIONS.has(d.action));
  if (released)
    throw conflict(
      `This screening's draw on licence ${licenceNumber} was given back when it was ${released.action} (${new Date(released.createdAt).toISOString()}); ` +
        `it cannot be ${action} now. If the order ships after all, screen it again: the new screening draws on the licence.`,
    );
}

export function toDisposition(d: Pick<StoredDisposition, 'id' | 'screeningId' | 'action' | 'justification' | 'apiKeyId' | 'createdAt'> & { byName: string | null }): Disposition {
  return { id: d.id, screeningId: d.screeningId, action: d.action as Disposition['action'], justification: d.justification, by: d.apiKeyId, byName: d.byName, at: d.createdAt };
}

/**
 * Four eyes when the stored decision needs it, or the decision continuous monitoring last changed it to
 * does: a shipment that was CLEAR and is BLOCK since this morning's list is released under four eyes too.
 * `changed`: that latest change when it counts for an approval (approvalChange) — a clearance given before it
 * cannot be approved (checkApproval) and is shown `stale` (withApprovals), never pending.
 */
export interface FourEyesState {
  fourEyes: boolean;
  changed: LatestChange | null;
}

/** FourEyesState from the screening's stored decision and its latest monitoring change (absent: none). */

export function fourEyesOf(fourEyesDecisions: readonly string[], screening: { decision: string }, latest: LatestChange | null | undefined): FourEyesState {
  return {
    fourEyes: fourEyesDecisions.includes(screening.decision) || (!!latest && fourEyesDecisions.includes(latest.decision)),
    changed: approvalChange(fourEyesDecisions, latest),
  };
}

/** fourEyesOf with the latest monitoring change read from `db` (inside a transaction: as that transaction sees it). */
export async function fourEyesState(db: Db, fourEyesDecisions: readonly string[], screening: { id: string; decision: string }): Promise<FourEyesState> {
  return fourEyesOf(fourEyesDecisions, screening, (await latestChanges(db, [screening.id])).get(screening.id));
}

export async function needsFourEyes(db: Db, fourEyesDecisions: readonly string[], screening: { id: string; decision: string }): Promise<boolean> {
  return (await fourEyesState(db, fourEyesDecisions, screening)).fourEyes;
}

export class DispositionService {
  /** `fourEyesDecisions`: the decisions whose clearance needs a second reviewer (config FOUR_EYES_DECISIONS). */
  constructor(
    private readonly db: Db,
    private readonly fourEyesDecisions: readonly string[] = [],
  ) {}

  /**
   * `idempotencyKey` (the API's header, the console form's token): the same key and disposition again
   * return the one recorded first (`replayed`), nothing new is recorded; the same key with another
   * disposition is a 409.
   */
  async record(screeningId: string, body: DispositionBody, principal: Principal | null, now: Date, idempotencyKey: string | null = null): Promise<Disposition & { replayed?: true }> {
    if (body.justification.trim() === '') {
      throw badRequest('/justification: must not be blank', [{ field: '/justification', in: 'body', message: 'must not be blank' }]);
    }
    const errors = controlCharacterErrors(body);
    if (errors.length) throw badRequest(`${errors[0]!.field}: ${errors[0]!.message}`, errors);
    const screening = await this.visibleScreening(screeningId, principal);
    const idempotency = idempotencyKey
      ? { scope: principal?.keyId ?? '', key: idempotencyKey, requestHash: sha256Hex(canonicalJson({ screeningId, action: body.action, justification: body.justification })) }
      : null;
    if (idempotency) {
      const earlier = await findDispositionKey(this.db, idempotency.scope, idempotency.key);
      if (earlier) return this.replay(earlier, idempotency.requestHash, screening);
    }
    const approverKeyId = principal?.keyId ?? null;
    const drew = (screening.result as ScreeningResult | null)?.authorisation?.licence ?? null;
    const checks: Array<(history: NamedDisposition[], db: Db) => void | Promise<void>> = [];
    // Whether four eyes applies, and the monitoring change a clearance must not predate, are read under the screening's
    // lock (the guard runs in the disposition's transaction): a change committed just before the lock is seen, and a
    // clearance from before it — given for another decision — is not approved.
    if (body.action === 'approved')
      checks.push(async (history, db) => {
        const { fourEyes, changed } = await fourEyesState(db, this.fourEyesDecisions, screening);
        checkApproval(history, { keyId: approverKeyId, holder: principal?.holder ?? null }, fourEyes, changed);
      });
    if (drew && SHIPPING_ACTIONS.has(body.action)) checks.push((history) => checkNotReleased(history, drew.number, body.action));
    const guard = checks.length
      ? async (history: NamedDisposition[], db: Db) => {
          for (const check of checks) await check(history, db);
        }
      : undefined;
    // A shipment that will not ship gives back what it reserved on a licence — in the disposition's own
    // transaction (both stored or neither), under the screening's lock, so a clearance cannot slip past it.
    const release = RELEASING_ACTIONS.has(body.action) ? { reason: `disposition ${body.action}` } : null;
    let stored: StoredDisposition;
    try {
      stored = await insertDisposition(
        this.db,
        { id: randomUUID(), screeningId, action: body.action, justification: body.justification, apiKeyId: principal?.keyId ?? null, createdAt: now.toISOString() },
        guard,
        idempotency,
        release,
      );
    } catch (err) {
      // The same key recorded by a request that ran alongside this one (a double click): its transaction won, this one recorded nothing.
      if (idempotency && dbErrorCode(err) === '23505') {
        const earlier = await findDispositionKey(this.db, idempotency.scope, idempotency.key);
        if (earlier) return this.replay(earlier, idempotency.requestHash, screening);
      }
      throw err;
    }
    // A clearance under four eyes starts pending; an approval names the clearance it approves.
    return (await this.shown(screening)).find((d) => d.id === stored.id)!;
  }

  private async replay(earlier: { dispositionId: string; requestHash: string }, requestHash: string, screening: { id: string; decision: string }): Promise<Disposition & { replayed: true }> {
    const reused = () => new AppError(409, 'idempotency-conflict', 'Conflict', 'This Idempotency-Key was used for another disposition: a new disposition needs a new key');
    if (earlier.requestHash !== requestHash) throw reused();
    const found = (await this.shown(screening)).find((d) => d.id === earlier.dispositionId);
    if (!found) throw reused();
    return { ...found, replayed: true };
  }

  /** The screening's dispositions as callers see them (withApprovals), with four eyes and the monitoring change as they stand. */
  private async shown(screening: { id: string; decision: string }): Promise<Disposition[]> {
    const [history, state] = await Promise.all([listDispositions(this.db, screening.id), fourEyesState(this.db, this.fourEyesDecisions, screening)]);
    return withApprovals(history, state.fourEyes, state.changed);
  }

  async history(screeningId: string, principal: Principal | null): Promise<Disposition[]> {
    return this.shown(await this.visibleScreening(screeningId, principal));
  }

  private async visibleScreening(id: string, principal: Principal | null) {
    const row = await findScreening(this.db, id);
    // A submitter sees only its own screenings; to it, others' do not exist.
    if (!row || (principal?.role === 'submitter' && row.apiKeyId !== principal.keyId)) throw notFound(`No screening ${id}`);
    return row;
  }
}
