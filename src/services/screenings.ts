/**
 * Screening a shipment: validate what the schema cannot, normalise countries, run the pure
 * engine against the active ruleset, and make the input + result + ruleset version/hash durable
 * before anyone sees the decision. If storage fails, the caller gets 503 and no decision.
 */
import type { Config } from '../config.js';
import { AppError, badRequest, conflict, notFound, unavailable } from '../errors.js';
import { displayName, type Principal } from './principal.js';
import type { ShipmentInput, ShipmentItem } from '../schemas/shipment.js';
import type { EngineResult, ScreeningResult } from '../schemas/screening-result.js';
import { canonicalJson } from '../canonical-json.js';
import { sha256Hex } from '../store/canonical.js';
import type { Db } from '../store/db.js';
import { findApiKeyById } from '../store/api-keys-repo.js';
import { findByIdempotencyKey, findScreening, ScreeningWriter, type BatchObserver, type ScreeningRow, type StoredScreening } from '../store/screenings-repo.js';
import { controlCharacterErrors, shipmentFieldErrors } from './input-guards.js';
import { normaliseForSearch, screeningRow } from './screening-row.js';

export { normaliseForSearch, screeningRow };
import type { FieldError } from '../schemas/field-error.js';
import { listDispositions } from '../store/dispositions-repo.js';
import { latestChanges } from '../store/monitoring-repo.js';
import { withApprovals } from './four-eyes.js';
import { fourEyesOf } from './dispositions.js';
import { isStorageFailure } from './storage-errors.js';
import type { ScreenExtras, ScreeningEngine } from './active-ruleset.js';
import { LicenceService } from './licences.js';
import type { LicenceCandidate } from '../schemas/licence.js';
import { insertScreeningWithDraw } from '../store/licences-repo.js';
import type { ChokepointEvent, EventBus } from './events.js';
import type { SuppressionService } from './suppressions.js';

export interface ScreenCommand {
  input: ShipmentInput;
  principal: Principal | null;
  idempotencyKey: string | null;
  now: Date;
}

export interface ScreenOutcome {
  result: ScreeningResult;
  /** True when an idempotent retry returned the stored result. */
  replayed: boolean;
  /** The result as the JSON text that was stored, for a new screening: send these bytes, do not serialise it again. */
  body?: string;
}


/** What a screening service works with besides the database, the engine and the config. */
export interface ScreeningDeps {
  /** Told the size and duration of each group commit (metrics). */
  onBatch?: BatchObserver;
  /** Where screening.flagged is published once a new screening is durable. */
  events?: EventBus;
  /** Reviewed false positives; without it no suppression is applied. */
  suppressions?: SuppressionService;
  /** The exporter's licences; without it a licence requirement is never met by a licence held. */
  licences?: LicenceService;
}

export class ScreeningService {
  private readonly writer: ScreeningWriter;
  private readonly events: EventBus | undefined;
  private readonly suppressions: SuppressionService | undefined;
  private readonly licences: LicenceService | undefined;

  constructor(
    private readonly db: Db,
    private readonly engine: ScreeningEngine,
    private readonly config: Config,
    deps: ScreeningDeps = {},
  ) {
    this.writer = new ScreeningWriter(db, undefined, undefined, deps.onBatch);
    this.events = deps.events;
    this.suppressions = deps.suppressions;
    this.licences = deps.licences;
  }

  /**
   * The reviewed false positives that could apply to this shipment's parties: what every screening
   * of it — single, batch line — is screened with. Fail closed: unreadable, no decision (503 / the
   * chunk is retried), never one without them.
   */
  async suppressionsFor(input: ShipmentInput, now: Date): Promise<NonNullable<ScreenExtras['suppressions']>> {
    return this.suppressions ? guardStorage(() => this.suppressions!.forShipment(input, now)) : [];
  }

  /** Screenings waiting for the next group commit. */
  get writerWaiting(): number {
    return this.writer.waiting;
  }

  async screen(cmd: ScreenCommand): Promise<ScreenOutcome> {
    const { input, principal, idempotencyKey, now } = cmd;
    this.checkLimits(input, now);
    const requestJson = canonicalJson(input);
    const requestHash = sha256Hex(requestJson);
    const scope = principal?.keyId ?? '';

    if (idempotencyKey) {
      const existing = await guardStorage(() => findByIdempotencyKey(this.db, scope, idempotencyKey));
      if (existing) return { result: this.replay(existing, requestHash), replayed: true };
    }

    // Fail closed: if the reviewed false positives cannot be read, no decision (503), never one without them.
    const suppressions = await this.suppressionsFor(input, now);
    let screened = await this.engine.screen(input, now, { suppressions });
    if (!screened.ok) throw fieldErrors(screened.errors);
    // A licence requirement no exception met: weigh the exporter's licences (only then is the ledger read).
    if (this.licences && screened.result.authorisation?.status === 'not_authorised') {
      const candidates = await guardStorage(() => this.licences!.candidates());
      if (candidates.length > 0) {
        const withLicences = await this.engine.screen(input, now, { suppressions, licences: candidates });
        if (!withLicences.ok) throw fieldErrors(withLicences.errors);
        screened = withLicences;
        const used = withLicences.result.authorisation?.licence;
        if (used) return this.storeUnderLicence({ cmd, requestHash, scope, suppressions, candidates, licenceId: used.id });
      }
    }
    const { shipment, result } = screened;
    const row = screeningRow({ input, shipment, result, requestHash, requestJson, apiKeyId: principal?.keyId ?? null, idempotencyScope: scope, idempotencyKey, now });
    const outcome = await guardStorage(() => this.writer.insert(row));
    if (outcome.kind === 'existing') return { result: this.replay(outcome.row, requestHash), replayed: true };
    const stored = toResult(outcome.row);
    await this.publishFlagged(stored, principal);
    return { result: stored, replayed: false, ...(row.resultJson ? { body: row.resultJson } : {}) };
  }

  /**
   * A screening that draws on a licence is stored with its reservation in one transaction under the
   * licence's lock. If others drew from the licence since the candidates were read, the shipment is
   * screened again against the exact balance (the engine is pure), so the stored result is exactly what
   * the caller receives and the ceiling is never overdrawn. If another licence fits better by then, the
   * transaction is rolled back and the screening retried under that licence's lock.
   */
  private async storeUnderLicence(a: {
    cmd: ScreenCommand;
    requestHash: string;
    scope: string;
    suppressions: ScreenExtras['suppressions'];
    candidates: LicenceCandidate[];
    licenceId: string;
  }): Promise<ScreenOutcome> {
    const { cmd, requestHash, scope, suppressions } = a;
    let { candidates, licenceId } = a;
    for (let attempt = 1; ; attempt++) {
      const locked = licenceId;
      const lastAttempt = attempt >= MAX_LICENCE_SWITCHES;
      try {
        const outcome = await guardStorage(() =>
          insertScreeningWithDraw(this.db, locked, async (drawn, records) => {
            const fresh = candidates.map((c) => (c.id === locked ? LicenceService.candidateWith(c, drawn, records) : c));
            let screened = await this.engine.screen(cmd.input, cmd.now, { suppressions, licences: fresh });
            if (!screened.ok) throw fieldErrors(screened.errors);
            let licence = screened.result.authorisation?.licence;
            if (licence && licence.id !== locked) {
              // Another licence fits now, but only this one's balance is locked: try again on that one.
              if (!lastAttempt) throw new SwitchLicence(licence.id);
              screened = await this.engine.screen(cmd.input, cmd.now, { suppressions, licences: fresh.filter((c) => c.id === locked) });
              if (!screened.ok) throw fieldErrors(screened.errors);
              licence = screened.result.authorisation?.licence;
            }
            const row = screeningRow({
              input: cmd.input, shipment: screened.shipment, result: screened.result, requestHash, apiKeyId: cmd.principal?.keyId ?? null,
              idempotencyScope: scope, idempotencyKey: cmd.idempotencyKey, now: cmd.now,
            });
            return { row, draw: licence ? { licenceId: licence.id, number: licence.number, ...licence.draw } : null };
          }),
        );
        if (outcome.kind === 'existing') return { result: this.replay(outcome.row, requestHash), replayed: true };
        const stored = toResult(outcome.row);
        await this.publishFlagged(stored, cmd.principal);
        return { result: stored, replayed: false };
      } catch (err) {
        if (!(err instanceof SwitchLicence)) throw err;
        licenceId = err.licenceId;
        candidates = await guardStorage(() => this.licences!.candidates());
      }
    }
  }

  /**
   * screening.flagged for every new screening that is not CLEAR, after it is stored. The bus only
   * queues (webhook deliveries are rows; sending happens elsewhere) and never throws, so a
   * receiver that is slow or down costs the screening nothing. An idempotent replay publishes nothing.
   */
  private async publishFlagged(result: ScreeningResult, principal: Principal | null): Promise<void> {
    if (!this.events || result.decision === 'CLEAR') return;
    await this.events.publish(flaggedEvent(result, principal?.keyId ?? null));
  }


  async get(id: string, principal: Principal | null): Promise<StoredScreening> {
    const row = await findScreening(this.db, id);
    // A submitter sees only its own screenings; to it, others' do not exist.
    if (!row || (principal?.role === 'submitter' && row.apiKeyId !== principal.keyId)) throw notFound(`No screening ${id}`);
    return row;
  }

  /**
   * A stored screening as callers see it: the result, the shipment as submitted (what was screened:
   * parties, route, quantities, end use), who screened it, its dispositions oldest first, and the decision
   * continuous monitoring last changed it to (`monitoring`, null if none did) — as the flag log's items
   * show it, so an ERP re-reading the screening before shipping sees a CLEAR that monitoring made a BLOCK.
   */
  async view(id: string, principal: Principal | null) {
    const row = await this.get(id, principal);
    const [history, key, changes] = await Promise.all([
      listDispositions(this.db, row.id),
      row.apiKeyId ? findApiKeyById(this.db, row.apiKeyId) : null,
      latestChanges(this.db, [row.id]),
    ]);
    const change = changes.get(row.id);
    // Four eyes and the change a clearance must not predate, from the change read here (a stale clearance is not shown pending).
    const { fourEyes, changed } = fourEyesOf(this.config.fourEyesDecisions, row, change);
    return {
      ...toResult(row),
      shipment: row.request as ShipmentInput,
      screenedBy: key ? { keyId: key.id, name: displayName(key) } : null,
      dispositions: withApprovals(history, fourEyes, changed),
      monitoring: change ? { decision: change.decision as ScreeningResult['decision'], at: change.at, runId: change.runId } : null,
    };
  }

  /**
   * Re-screens a stored request at its original time against the active ruleset. With the same
   * ruleset hash the result must be identical (the engine is deterministic); with a newer ruleset
   * the differences show what the new rules would have decided.
   */
  async rescreen(id: string, principal: Principal | null) {
    const row = await this.get(id, principal);
    const stored = toResult(row);
    // The suppressions the stored result applied (or saw lapse) are part of its input: replay them. So is
    // the licence it drew on (as it stands now, its own draw counted back), or every licensed screening
    // would replay as LICENSE_REQUIRED.
    const drew = stored.authorisation?.licence;
    const licences = drew && this.licences ? await this.licences.asDrawnBy(id, drew) : [];
    const attempt = await this.engine.screen(row.request as ShipmentInput, new Date(stored.screenedAt), {
      suppressions: (stored.suppressed ?? []).map((s) => s.suppression),
      ...(licences.length ? { licences } : {}),
    });
    if (!attempt.ok) throw fieldErrors(attempt.errors, 'The stored request no longer normalises under the active ruleset');
    const replayed = attempt.result;
    const { id: _id, reference: _ref, screenedAt: _at, ...storedEngine } = stored;
    const identical = canonicalJson(storedEngine) === canonicalJson(replayed);
    const storedIds = new Set(stored.flags.map((f) => f.ruleId));
    const replayedIds = new Set(replayed.flags.map((f) => f.ruleId));
    return {
      screeningId: id,
      sameRuleset: stored.ruleset.hash === replayed.ruleset.hash,
      identical,
      stored: { decision: stored.decision, riskScore: stored.riskScore, ruleset: stored.ruleset },
      replayed,
      differences: {
        decision: stored.decision === replayed.decision ? null : { from: stored.decision, to: replayed.decision },
        flagsAdded: [...replayedIds].filter((x) => !storedIds.has(x)).sort(),
        flagsRemoved: [...storedIds].filter((x) => !replayedIds.has(x)).sort(),
      },
    };
  }

  private replay(existing: StoredScreening, requestHash: string): ScreeningResult {
    if (existing.requestHash !== requestHash) {
      throw conflict('This Idempotency-Key was already used with a different request body');
    }
    return toResult(existing);
  }

  /** Items only: classified against the active ruleset, nothing stored. */
  async classify(items: ShipmentItem[], shipDate: string) {
    this.checkLimits({ items });
    const classified = await this.engine.classify(items, shipDate);
    if (!classified.ok) throw fieldErrors(classified.errors);
    return classified;
  }

  private checkLimits(input: Pick<ShipmentInput, 'items'> & Partial<ShipmentInput>, now?: Date) {
    const errors = this.inputErrors(input, now);
    if (errors.length) throw badRequest(`${errors[0]!.field}: ${errors[0]!.message}`, errors);
  }

  /**
   * What the schema cannot check, the same for a single request and a batch line: the configured item/party
   * limits, control characters, string length, and the shipment's own fields (input-guards.ts, shipmentFieldErrors).
   */
  inputErrors(input: Pick<ShipmentInput, 'items'> & Partial<ShipmentInput>, now = new Date()): FieldError[] {
    const { maxItems, maxParties } = this.config.limits;
    const errors: FieldError[] = [];
    if (input.items.length > maxItems) errors.push({ field: '/items', in: 'body' as const, message: `must have at most ${maxItems} items (LIMIT_MAX_ITEMS)` });
    if ((input.parties?.length ?? 0) > maxParties) errors.push({ field: '/parties', in: 'body' as const, message: `must have at most ${maxParties} parties (LIMIT_MAX_PARTIES)` });
    errors.push(...controlCharacterErrors(input, '', this.config.limits.maxStringLength));
    errors.push(...shipmentFieldErrors(input, now.toISOString().slice(0, 10)));
    return errors;
  }
}

/** Thrown inside a licence transaction to roll it back and retry under another licence's lock. */
class SwitchLicence extends Error {
  constructor(readonly licenceId: string) {
    super(`switch to licence ${licenceId}`);
  }
}

/** How often one screening may move to another licence before deciding on the locked one alone. */
const MAX_LICENCE_SWITCHES = 20;

function fieldErrors(errors: Array<{ path: string; message: string }>, detail?: string) {
  const first = errors[0];
  return badRequest(detail ?? `${first?.path ?? 'body'}: ${first?.message ?? 'invalid'}`, errors.map((e) => ({ field: e.path, in: 'body' as const, message: e.message })));
}

/**
 * The screening.flagged event of a stored screening, built only from what is stored (the result and
 * its submitter), so the event relay rebuilds exactly the event the screening path published — the
 * same event key, queued once per endpoint.
 */
export function flaggedEvent(result: ScreeningResult, ownerKeyId: string | null): ChokepointEvent {
  return {
    type: 'screening.flagged',
    occurredAt: result.screenedAt,
    ownerKeyId,
    data: {
      screeningId: result.id,
      reference: result.reference,
      decision: result.decision,
      riskScore: result.riskScore,
      ruleIds: [...new Set(result.flags.filter((f) => f.severity !== 'info').map((f) => f.ruleId))],
      ruleset: result.ruleset,
      screenedAt: result.screenedAt,
      href: `/v1/screenings/${result.id}`,
    },
  };
}

export function toResult(row: StoredScreening): ScreeningResult {
  return row.result as ScreeningResult;
}

/**
 * On the screening path a storage failure gets its own 503 message (retry with the same key);
 * everywhere else the problems plugin maps storage failures to 503 by itself.
 */
async function guardStorage<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AppError) throw err;
    if (isStorageFailure(err)) throw unavailable('The screening could not be stored; no decision was made. Retry with the same Idempotency-Key.');
    throw err;
  }
}

export type { EngineResult };
