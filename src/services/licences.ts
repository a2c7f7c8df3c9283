/**
 * Export licences the exporter holds (15 CFR 750.7): issue, amend and revoke as new versions in the audit
 * log, list and show them with their draw-down history, and hand the engine the candidates with their
 * balances. The licence's terms are validated here; what a screening draws is decided by the pure engine
 * (src/engine/licences.ts) and reserved atomically by the screening service.
 */
import { badRequest, conflict, notFound } from '../errors.js';
import { canonicalJson } from '../canonical-json.js';
import { resolveCountry, type Ruleset } from '../rules/index.js';
import type { FieldError } from '../schemas/field-error.js';
import type { Licence, LicenceCandidate, LicenceInput } from '../schemas/licence.js';
import type { Db } from '../store/db.js';
import { AlreadySubmitted, withFormOnce, type FormOnce } from './form-once.js';
import { claimFormSubmission, findFormSubmission } from '../store/form-submissions-repo.js';
import { actorOf } from '../store/audit-events-repo.js';
import {
  appendLicenceRecord,
  drawnByLicence,
  licenceEvents,
  licenceRecordEvents,
  newLicenceId,
  reservationOf,
  type Drawn,
  type LicenceEvent,
} from '../store/licences-repo.js';
import { controlCharacterErrors, SHIP_DATE_RANGE, shipmentFieldErrors } from './input-guards.js';
import { shippingTolerance } from '../engine/licences.js';
import type { Principal } from './principal.js';
import type { CachedRead, ChangeFeed } from './change-feed.js';

/** A licence's terms as stored: the validated input with countries as ISO alpha-2 and ECCNs normalised. */
type Terms = Omit<LicenceInput, 'chips' | 'quantity' | 'valueUsd' | 'conditions'> & {
  chips: string[];
  quantity: number | null;
  valueUsd: number | null;
  conditions: string | null;
};

interface Folded {
  id: string;
  version: number;
  status: 'active' | 'revoked';
  terms: Terms;
  recordedBy: string | null;
  recordedByName: string | null;
  recordedAt: string;
  history: Array<{ version: number; action: 'issued' | 'amended' | 'revoked'; at: string; by: string | null; byName: string | null; reason: string | null }>;
}

/** `replayRetry`: a request sent again (same key, same body: its answer was lost) is answered with what the first recorded. */
export interface RetryOptions {
  replayRetry?: boolean;
}

/** `idempotencyKey` (the API's Idempotency-Key header): a retry under the same key is answered with the licence the key recorded. */
export interface IssueOptions extends RetryOptions {
  idempotencyKey?: string | null;
}

/**
 * Licence numbers are identifiers BIS assigns, not names: "bis-2026-001" and "BIS-2026-001" are one licence. Compared
 * by this key everywhere (on record, retries, a shipment's claim in src/engine/licences.ts); shown as first entered.
 */
export const licenceNumberKey = (number: string): string => number.trim().toUpperCase();

/** An Idempotency-Key's once-token (store/form-submissions-repo.ts): its own namespace, apart from the console's form tokens (UUIDs). */
const idempotencyOnce = (scope: string, key: string): FormOnce => ({ scope, token: `api:licence.issue:${key}`, kind: 'licence.issue' });

/** Disposition actions after which the shipment does not ship: its reservation is released (in the disposition's transaction: insertDisposition). */
export const RELEASING_ACTIONS: ReadonlySet<string> = new Set(['blocked', 'cancelled']);

export class LicenceService {
  /** The licence records folded into licences, kept while the change feed vouches for them (src/services/change-feed.ts). */
  private readonly records: CachedRead<Map<string, Folded>>;

  /** Told after an amendment or revocation is recorded (continuous monitoring re-screens what drew on it). */
  private changeListener: ((licenceId: string, version: number) => Promise<void>) | null = null;

  constructor(
    private readonly db: Db,
    private readonly ruleset: () => Ruleset,
    private readonly feed?: ChangeFeed,
  ) {
    this.records = feed ? feed.cached('licences', () => this.folded()) : { get: () => this.folded() };
  }

  /** `listener` runs after each amendment or revocation commits; it must not throw (log and carry on). */
  onAmendedOrRevoked(listener: (licenceId: string, version: number) => Promise<void>): void {
    this.changeListener = listener;
  }

  private async changed(licence: Licence): Promise<Licence> {
    await this.changeListener?.(licence.id, licence.version);
    return licence;
  }

  /**
   * Records a licence. A POST sent again with the same terms by the same key (an ERP retrying after a timeout, its
   * answer lost) is answered with the licence the first one recorded (`replayed`) and records nothing — as a
   * suppression sent again is; a console form has its once-token for that (`opts.replayRetry`: the API asks for it).
   * The same number with other terms, or recorded by another key, is refused naming the field (400): amend the licence instead.
   * `opts.idempotencyKey` (the API's Idempotency-Key, scoped to the calling key): claimed for the licence recorded (or
   * replayed) in the same transaction; the same key again is answered with that licence (`replayed`) when its terms are
   * the ones that key recorded, and is a 409 when they are other terms — as POST /v1/screenings does.
   */
  async issue(input: LicenceInput, principal: Principal | null, now: Date, once?: FormOnce | null, opts: IssueOptions = {}): Promise<Licence & { replayed?: true }> {
    const terms = this.validate(input);
    const id = newLicenceId();
    const by = principal?.keyId ?? null;
    const keyed = opts.idempotencyKey ? idempotencyOnce(by ?? '', opts.idempotencyKey) : null;
    if (keyed) {
      const earlier = await findFormSubmission(this.db, keyed.scope, keyed.token);
      if (earlier) return this.replayKeyed(earlier.targetId, terms);
    }
    let replayOf: string | null = null;
    const record = (db: Db) => appendLicenceRecord(
      db,
      `number:${licenceNumberKey(terms.number)}`,
      async (events) => {
        const current = fold(events);
        const clash = [...current.values()].find((l) => l.status === 'active' && licenceNumberKey(l.terms.number) === licenceNumberKey(terms.number));
        if (!clash) return { type: 'licence.issued', payload: { licenceId: id, version: 1, terms } };
        const differ = differingTerms(clash.terms, terms);
        const issuer = clash.history[0]?.by ?? null;
        if (opts.replayRetry && !once && differ.length === 0 && issuer === by) {
          replayOf = clash.id;
          return null;
        }
        const why = differ.length ? ` with other terms (${differ.join(', ')})` : issuer !== by ? ' (recorded by another key)' : '';
        throw badRequest(`/number: licence ${terms.number} is already on record (${clash.id})${why}; amend it instead`, [
          { field: '/number', in: 'body', message: `licence ${terms.number} is already on record as ${clash.id}${why}; amend or revoke it instead` },
        ]);
      },
      by,
      now.toISOString(),
    );
    try {
      await withFormOnce(this.db, once, id, now.toISOString(), (db) =>
        keyed
          ? // The key is claimed for the licence recorded, or the one a same-terms retry is answered with, in one transaction:
            // two requests racing under one key record one licence (the second's claim waits, then finds the first's).
            db.transaction(async (tx) => {
              const t = tx as unknown as Db;
              await record(t);
              await claimFormSubmission(t, keyed, replayOf ?? id, now.toISOString());
            })
          : record(db).then(() => undefined),
      );
    } catch (err) {
      if (!(keyed && err instanceof AlreadySubmitted)) throw err;
      const earlier = err.previous ?? (await findFormSubmission(this.db, keyed.scope, keyed.token));
      if (!earlier) throw err;
      return this.replayKeyed(earlier.targetId, terms);
    }
    if (replayOf) return { ...(await this.get(replayOf)), replayed: true };
    this.feed?.changed('licences');
    return this.get(id);
  }

  /**
   * A POST sent again under an Idempotency-Key that recorded licence `licenceId`: the licence as it stands when
   * `terms` are the ones it was recorded with (a retry: amended or revoked since, it is shown so), else 409.
   */
  private async replayKeyed(licenceId: string, terms: Terms): Promise<Licence & { replayed: true }> {
    const issued = (await licenceEvents(this.db, licenceId)).find((e) => e.type === 'licence.issued');
    const recorded = (issued?.payload as { terms?: Terms } | undefined)?.terms;
    if (!recorded) throw conflict('This Idempotency-Key was already used with a different request body');
    const differ = differingTerms(recorded, terms);
    if (differ.length) throw conflict(`This Idempotency-Key was already used with a different request body: it recorded licence ${recorded.number} (${licenceId}), whose terms differ (${differ.join(', ')}); a new licence needs a new key`);
    return { ...(await this.get(licenceId)), replayed: true };
  }

  async amend(id: string, input: LicenceInput, reason: string | null, principal: Principal | null, now: Date, once?: FormOnce | null): Promise<Licence> {
    checkReason(reason);
    const terms = this.validate(input);
    let termsChanged = true;
    const recorded = await withFormOnce(this.db, once, id, now.toISOString(), (db) => appendLicenceRecord(
      db,
      `number:${licenceNumberKey(terms.number)}`,
      async (events) => {
        const all = fold(events);
        const current = all.get(id);
        if (!current) throw notFound(`No licence ${id}`);
        if (current.status === 'revoked') throw revokedConflict(current, 'amended');
        // The same number in another letter case is the same number: it keeps the form it was first entered in.
        if (licenceNumberKey(current.terms.number) === licenceNumberKey(terms.number)) terms.number = current.terms.number;
        const clash = [...all.values()].find((l) => l.id !== id && l.status === 'active' && licenceNumberKey(l.terms.number) === licenceNumberKey(terms.number));
        if (clash) throw badRequest(`/number: licence ${terms.number} is already on record (${clash.id})`, [{ field: '/number', in: 'body', message: `licence ${terms.number} is already on record as ${clash.id}` }]);
        // The terms it already has and the reason its latest version gives (a retried request, a form sent twice):
        // nothing changes, so nothing is recorded — not a second version, audit event and monitoring run for one
        // amendment. A new reason alone is recorded (a new version with the same terms): a corrected or added
        // justification is a change an auditor must see; nothing is re-screened for it.
        termsChanged = canonicalJson(current.terms) !== canonicalJson(terms);
        if (!termsChanged && sameReason(current.history[current.history.length - 1]?.reason ?? null, reason)) return null;
        return { type: 'licence.amended', payload: { licenceId: id, version: current.version + 1, terms, reason } };
      },
      principal?.keyId ?? null,
      now.toISOString(),
      id,
    ));
    if (!recorded) return this.get(id);
    this.feed?.changed('licences');
    return termsChanged ? this.changed(await this.get(id)) : this.get(id);
  }

  /** `opts.replayRetry` (the API): the same revocation sent again by the same key with the same reason answers the licence as it stands. */
  async revoke(id: string, reason: string, principal: Principal | null, now: Date, once?: FormOnce | null, opts: RetryOptions = {}): Promise<Licence> {
    if (reason.trim() === '') throw badRequest('/reason: must not be blank', [{ field: '/reason', in: 'body', message: 'must not be blank' }]);
    checkReason(reason);
    const existing = (await this.folded()).get(id);
    if (!existing) throw notFound(`No licence ${id}`);
    const by = principal?.keyId ?? null;
    const recorded = await withFormOnce(this.db, once, id, now.toISOString(), (db) => appendLicenceRecord(
      db,
      `number:${licenceNumberKey(existing.terms.number)}`,
      async (events) => {
        const current = fold(events).get(id)!;
        if (current.status === 'revoked') {
          // The same revocation sent again by the same key (a retry whose answer was lost): answered with the licence
          // as it stands, nothing recorded. A console form has its once-token and is told it was revoked already.
          const last = current.history[current.history.length - 1]!;
          if (opts.replayRetry && !once && last.action === 'revoked' && last.by === by && sameReason(last.reason, reason)) return null;
          throw revokedConflict(current, 'revoked');
        }
        return { type: 'licence.revoked', payload: { licenceId: id, version: current.version + 1, reason } };
      },
      by,
      now.toISOString(),
      id,
    ));
    if (!recorded) return this.get(id);
    this.feed?.changed('licences');
    return this.changed(await this.get(id));
  }

  async list(filter: { status?: 'active' | 'revoked'; destination?: string; number?: string } = {}): Promise<Licence[]> {
    const all = [...(await this.folded()).values()];
    const drawn = await drawnByLicence(this.db);
    const dest = filter.destination ? this.country(filter.destination, '/destination', 'query') : null;
    return all
      .filter((l) => (!filter.status || l.status === filter.status) && (!dest || l.terms.destination === dest) && (!filter.number || licenceNumberKey(l.terms.number) === licenceNumberKey(filter.number)))
      .sort((a, b) => a.terms.number.localeCompare(b.terms.number))
      .map((l) => view(l, drawn.get(l.id), this.toleranceOf(l.terms.eccns)));
  }

  /** One licence with every version and every draw; the balance is recomputed from the draws shown. */
  async get(id: string) {
    const events = await licenceEvents(this.db, id);
    const l = fold(events).get(id);
    if (!l) throw notFound(`No licence ${id}`);
    const draws = events
      .filter((e) => e.type === 'licence.reserved' || e.type === 'licence.released')
      .map((e) => ({
        id: e.id,
        kind: e.type === 'licence.reserved' ? ('reserve' as const) : ('release' as const),
        screeningId: String(e.payload.screeningId),
        quantity: Number(e.payload.quantity),
        valueUsd: Number(e.payload.valueUsd),
        at: e.createdAt,
        by: e.apiKeyId,
        byName: actorOf(e.payload)?.name ?? null,
      }));
    const drawn = draws.reduce((d, x) => (x.kind === 'reserve' ? { quantity: d.quantity + x.quantity, valueUsd: d.valueUsd + x.valueUsd } : { quantity: d.quantity - x.quantity, valueUsd: d.valueUsd - x.valueUsd }), { quantity: 0, valueUsd: 0 });
    return { ...view(l, { quantity: drawn.quantity, valueUsd: Math.round(drawn.valueUsd * 100) / 100 }, this.toleranceOf(l.terms.eccns)), history: l.history, draws };
  }

  /** Every licence the engine may weigh, with what is drawn from it (revoked ones too: a claim of one is flagged). */
  async candidates(): Promise<LicenceCandidate[]> {
    // Read on every screening that needs a licence: the records come from the change-fed copy, the balances fresh.
    const all = [...(await this.records.get()).values()];
    if (all.length === 0) return [];
    const drawn = await drawnByLicence(this.db, all.map((l) => l.id));
    return all.map((l) => candidateOf(l, drawn.get(l.id)));
  }

  /**
   * The licence a stored screening drew on, as it stands now (amended, revoked, expired: what a
   * re-screen must see), with that screening's own reservation counted back while it is held — so a
   * re-screen asks whether its licence still covers it, not whether the licence could cover it a
   * second time. Empty when the licence is not on record. `candidates` may be passed when many
   * screenings are re-screened at once.
   */
  async asDrawnBy(screeningId: string, drew: { id: string; draw: { quantity: number; valueUsd: number } }, candidates?: readonly LicenceCandidate[]): Promise<LicenceCandidate[]> {
    const licence = (candidates ?? (await this.candidates())).find((l) => l.id === drew.id);
    if (!licence) return [];
    const { reserved, released } = await reservationOf(this.db, screeningId);
    if (!reserved || released) return [licence];
    return [{ ...licence, quantityDrawn: licence.quantityDrawn - drew.draw.quantity, valueDrawnUsd: licence.valueDrawnUsd - drew.draw.valueUsd }];
  }

  /**
   * A licence as the engine sees it, with an exact balance and its terms as they stand (both read under the
   * licence's lock: the candidate `c` may predate an amendment or revocation that committed since).
   */
  static candidateWith(c: LicenceCandidate, drawn: Drawn, records?: LicenceEvent[]): LicenceCandidate {
    const current = records ? fold(records).get(c.id) : undefined;
    return current ? candidateOf(current, drawn) : { ...c, quantityDrawn: drawn.quantity, valueDrawnUsd: drawn.valueUsd };
  }

  /** Validates terms without recording anything (a file import checks every row before recording one). */
  check(input: LicenceInput): void {
    this.validate(input);
  }

  /**
   * The 750.11 shipping tolerance of a licence's ECCNs, as screenings apply it (src/engine/licences.ts); none
   * while no ruleset is loaded — a licence is still readable then, and judged overdrawn the stricter way.
   */
  private toleranceOf(eccns: readonly string[]): Tolerance {
    const rs = safely(this.ruleset);
    return rs ? shippingTolerance(rs, eccns) : NO_TOLERANCE;
  }

  private async folded(): Promise<Map<string, Folded>> {
    return fold(await licenceRecordEvents(this.db));
  }

  private country(value: string, field: string, where: FieldError['in'] = 'body'): string {
    const code = resolveCountry(this.ruleset(), value);
    if (!code) throw badRequest(`${field}: unknown country "${value}"`, [{ field, in: where, message: `unknown country "${value}"` }]);
    return code;
  }

  /** Every rule a BIS licence's terms must satisfy to be recorded; each failure names its field. */
  private validate(input: LicenceInput): Terms {
    const rs = this.ruleset();
    const errors: FieldError[] = [...controlCharacterErrors(input)];
    const err = (field: string, message: string) => errors.push({ field, in: 'body', message });
    const number = input.number.trim();
    if (!new RegExp(rs.licensing.licenceNumber.pattern).test(number)) err('/number', `must be a licence number of letters and digits (pattern ${rs.licensing.licenceNumber.pattern})`);
    const eccns = input.eccns.map((e, i) => {
      const n = normaliseEccn(e);
      if (!n) err(`/eccns/${i}`, `"${e}" is not an ECCN (e.g. 3A090.a, 4A090)`);
      else if (n === 'EAR99') err(`/eccns/${i}`, 'EAR99 items need no licence');
      return n ?? e;
    });
    const chips = (input.chips ?? []).map((c, i) => {
      if (!rs.chips.byId.has(c)) err(`/chips/${i}`, `unknown catalog chip id "${c}" (GET /v1/rules lists the catalog)`);
      return c;
    });
    const resolve = (value: string, field: string) => {
      const code = resolveCountry(rs, value);
      if (!code) err(field, `unknown country "${value}"`);
      return code ?? value;
    };
    const destination = resolve(input.destination, '/destination');
    const seen = new Set<string>();
    const parties = input.parties.map((p, i) => {
      const name = p.name.trim();
      if (name === '') err(`/parties/${i}/name`, 'must not be blank');
      const key = `${p.role}|${name.toLowerCase()}`;
      if (seen.has(key)) err(`/parties/${i}`, 'names the same party in the same role twice');
      seen.add(key);
      return { role: p.role, name, country: resolve(p.country, `/parties/${i}/country`) };
    });
    const consignees = parties.filter((p) => p.role === 'ultimate_consignee').length;
    if (consignees !== 1) err('/parties', `a licence names exactly one ultimate_consignee (here ${consignees})`);
    // Licence party names as a shipment's are checked (input-guards.ts): they reach the flag messages, the console and the CSVs.
    errors.push(...shipmentFieldErrors({ parties: input.parties.map((p) => ({ name: p.name })) }, SHIP_DATE_RANGE.to));
    if (input.quantity === undefined && input.valueUsd === undefined) err('/quantity', 'a licence needs a quantity or a value ceiling (or both)');
    // A dollar ceiling is in cents: $12.345 was shown as $12.35 remaining — more than the licence allows.
    if (input.valueUsd !== undefined && Math.round(input.valueUsd * 100) / 100 !== input.valueUsd) err('/valueUsd', 'must be whole cents (at most two decimals)');
    if (input.validTo < input.validFrom) err('/validTo', `must not be before validFrom (${input.validFrom})`);
    // The dates a shipment may carry (input-guards.ts): a licence valid from year 0000 or to 9999 is a typing error.
    for (const field of ['validFrom', 'validTo'] as const) {
      if (input[field] < SHIP_DATE_RANGE.from || input[field] > SHIP_DATE_RANGE.to) err(`/${field}`, `must lie between ${SHIP_DATE_RANGE.from} and ${SHIP_DATE_RANGE.to}`);
    }
    if (errors.length) throw badRequest(`${errors[0]!.field}: ${errors[0]!.message}`, errors);
    return {
      number, eccns: [...new Set(eccns)], chips, destination, parties,
      quantity: input.quantity ?? null, valueUsd: input.valueUsd ?? null,
      validFrom: input.validFrom, validTo: input.validTo, conditions: input.conditions ?? null,
    };
  }
}

/**
 * An ECCN as the CCL writes it, whatever the typing: "3a090a", "3A090.A", "3a090.a.1" → 3A090.a, 3A090.a.1;
 * null when it is not an ECCN.
 */
export function normaliseEccn(raw: string): string | null {
  const s = raw.trim().replace(/\s+/g, '');
  if (/^ear99$/i.test(s)) return 'EAR99';
  const m = /^([0-9])([A-Ea-e])([0-9]{3})((?:\.?[A-Za-z0-9]+)*)$/.exec(s);
  if (!m) return null;
  const rest = m[4]!;
  const parts = rest.includes('.') ? rest.split('.').filter(Boolean) : rest ? rest.match(/[A-Za-z]|[0-9]+/g) ?? [] : [];
  return `${m[1]}${m[2]!.toUpperCase()}${m[3]}${parts.map((p) => `.${p.toLowerCase()}`).join('')}`;
}

/**
 * A state conflict, as elsewhere in the API (a suppression withdrawn twice): the licence is revoked, so it
 * can be neither revoked again nor amended — 409, saying when it was revoked and by which version.
 */
function revokedConflict(l: Folded, verb: 'revoked' | 'amended') {
  const revoked = [...l.history].reverse().find((h) => h.action === 'revoked');
  const when = revoked ? ` (since ${revoked.at}, version ${revoked.version})` : '';
  return conflict(
    verb === 'revoked'
      ? `Licence ${l.terms.number} is already revoked${when}: nothing was changed (a revoked licence stays revoked; record a new one to authorise shipments again)`
      : `Licence ${l.terms.number} is revoked${when}: a revoked licence cannot be amended; record a new one (POST /v1/licences) to authorise shipments again`,
  );
}

/**
 * An amendment's or revocation's reason is checked as the terms are: a NUL or half a surrogate pair reached the
 * audit log's jsonb (a 500), a bidirectional override made the history read otherwise than it was recorded.
 */
/** Two reasons that say the same (surrounding white space and an empty reason aside). */
function sameReason(a: string | null, b: string | null): boolean {
  return (a?.trim() || null) === (b?.trim() || null);
}

function checkReason(reason: string | null): void {
  const errors = controlCharacterErrors({ reason });
  if (errors.length) throw badRequest(`${errors[0]!.field}: ${errors[0]!.message}`, errors);
}

/**
 * The terms (as `/field` pointers) in which `b` differs from `a`: what a number already on record is told apart by.
 * The number is compared as the identifier it is (licenceNumberKey): its letter case is no other term.
 */
function differingTerms(a: Terms, b: Terms): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])] as Array<keyof Terms>;
  const same = (k: keyof Terms) => (k === 'number' ? licenceNumberKey(a.number) === licenceNumberKey(b.number) : canonicalJson(a[k] ?? null) === canonicalJson(b[k] ?? null));
  return keys.filter((k) => !same(k)).map((k) => `/${k}`).sort();
}

function fold(events: LicenceEvent[]): Map<string, Folded> {
  const out = new Map<string, Folded>();
  for (const e of events) {
    const p = e.payload as { licenceId: string; version: number; terms?: Terms; reason?: string | null };
    const at = e.createdAt;
    const byName = actorOf(e.payload)?.name ?? null;
    if (e.type === 'licence.issued') {
      out.set(p.licenceId, { id: p.licenceId, version: p.version, status: 'active', terms: p.terms!, recordedBy: e.apiKeyId, recordedByName: byName, recordedAt: at, history: [{ version: p.version, action: 'issued', at, by: e.apiKeyId, byName, reason: null }] });
      continue;
    }
    const l = out.get(p.licenceId);
    if (!l) continue;
    if (e.type === 'licence.amended') Object.assign(l, { version: p.version, terms: p.terms!, recordedBy: e.apiKeyId, recordedByName: byName, recordedAt: at });
    else if (e.type === 'licence.revoked') Object.assign(l, { version: p.version, status: 'revoked' as const, recordedBy: e.apiKeyId, recordedByName: byName, recordedAt: at });
    else continue;
    l.history.push({ version: p.version, action: e.type === 'licence.amended' ? 'amended' : 'revoked', at, by: e.apiKeyId, byName, reason: p.reason ?? null });
  }
  return out;
}

type Tolerance = { quantityPercent: number; valuePercent: number };
const NO_TOLERANCE: Tolerance = { quantityPercent: 0, valuePercent: 0 };
const round2 = (n: number) => Math.round(n * 100) / 100;

function safely<T>(read: () => T): T | null {
  try {
    return read();
  } catch {
    return null;
  }
}

/**
 * What is drawn beyond what the licence allows now (its ceilings, the value's with the 750.11 tolerance a
 * screening may use): only after an amendment cut it below its draws. null when nothing is.
 */
function overdrawnBy(t: Pick<Terms, 'quantity' | 'valueUsd'>, d: Drawn, tol: Tolerance): { quantity: number; valueUsd: number } | null {
  const quantity = t.quantity === null ? 0 : Math.max(0, d.quantity - Math.floor(t.quantity * (1 + tol.quantityPercent / 100)));
  const valueUsd = t.valueUsd === null ? 0 : Math.max(0, round2(d.valueUsd - t.valueUsd * (1 + tol.valuePercent / 100)));
  return quantity > 0 || valueUsd > 0 ? { quantity, valueUsd } : null;
}

function view(l: Folded, drawn: Drawn | undefined, tolerance: Tolerance): Licence {
  const d = drawn ?? { quantity: 0, valueUsd: 0 };
  const t = l.terms;
  return {
    id: l.id,
    version: l.version,
    status: l.status,
    number: t.number,
    eccns: t.eccns,
    chips: t.chips,
    destination: t.destination,
    parties: t.parties,
    ...(t.quantity !== null ? { quantity: t.quantity } : {}),
    ...(t.valueUsd !== null ? { valueUsd: t.valueUsd } : {}),
    validFrom: t.validFrom,
    validTo: t.validTo,
    ...(t.conditions !== null ? { conditions: t.conditions } : {}),
    balance: {
      quantityDrawn: d.quantity,
      valueDrawnUsd: d.valueUsd,
      // Never below zero: a licence amended below its draws has no room, and says by how much it is past it.
      quantityRemaining: t.quantity === null ? null : Math.max(0, t.quantity - d.quantity),
      valueRemainingUsd: t.valueUsd === null ? null : Math.max(0, round2(t.valueUsd - d.valueUsd)),
      overdrawn: overdrawnBy(t, d, tolerance),
    },
    recordedBy: l.recordedBy,
    recordedByName: l.recordedByName,
    recordedAt: l.recordedAt,
  };
}

function candidateOf(l: Folded, drawn: Drawn | undefined): LicenceCandidate {
  const t = l.terms;
  return {
    id: l.id,
    number: t.number,
    status: l.status,
    eccns: t.eccns,
    chips: t.chips,
    destination: t.destination,
    parties: t.parties,
    quantity: t.quantity,
    valueUsd: t.valueUsd,
    validFrom: t.validFrom,
    validTo: t.validTo,
    quantityDrawn: drawn?.quantity ?? 0,
    valueDrawnUsd: drawn?.valueUsd ?? 0,
  };
}
