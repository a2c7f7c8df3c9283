/**
 * Reviewed false positives (issue #9). A reviewer records that a party is not a given list entry,
 * with a justification and an expiry; later screenings show that candidate as suppressed instead
 * of flagging it, until the entry changes, the record expires or it is withdrawn. The engine stays
 * pure: this service loads the records that could apply and passes them into screen().
 */
import { COUNTRY_HINT } from '../rules/ruleset.js';
import { randomUUID } from 'node:crypto';
import { badRequest, conflict, notFound } from '../errors.js';
import type { Ruleset } from '../rules/index.js';
import { resolveCountry } from '../rules/index.js';
import { entryContentHash, partyNameKey } from '../engine/suppressions.js';
import type { ListEntry } from '../lists/types.js';
import type { SuppressionRecord } from '../schemas/screening-result.js';
import type { ShipmentInput } from '../schemas/shipment.js';
import type { ListSuppressionsQuery, Suppression, SuppressionBody, WithdrawalBody } from '../schemas/suppressions.js';
import type { FieldError } from '../schemas/field-error.js';
import type { Db } from '../store/db.js';
import {
  activeSuppressionsFor,
  allActiveSuppressions,
  findSuppression,
  insertSuppression,
  insertWithdrawal,
  listSuppressions,
  type StoredSuppression,
} from '../store/suppressions-repo.js';
import { controlCharacterErrors, SHIP_DATE_RANGE, shipmentFieldErrors } from './input-guards.js';
import { decodePageCursor, encodePageCursor } from './page-cursor.js';
import { displayName, type Principal } from './principal.js';
import type { CachedRead, ChangeFeed } from './change-feed.js';
import { withFormOnce, type FormOnce } from './form-once.js';

/** A review is a judgment about today's facts; it must be redone at least every two years. */
export const MAX_SUPPRESSION_DAYS = 730;

/** What the engine needs of a stored suppression. */
export function toRecord(s: StoredSuppression): SuppressionRecord {
  return {
    id: s.id,
    partyId: s.partyId,
    partyNameKey: s.partyNameKey,
    partyCountry: s.partyCountry,
    entryId: s.entryId,
    entryList: s.entryList,
    entryHash: s.entryHash,
    justification: s.justification,
    by: s.apiKeyId,
    byName: s.byName ?? null,
    at: s.createdAt,
    expiresAt: s.expiresAt,
  };
}

export function toSuppression(s: StoredSuppression, now: Date): Suppression {
  return {
    id: s.id,
    state: s.withdrawnAt ? 'withdrawn' : Date.parse(s.expiresAt) <= now.getTime() ? 'expired' : 'active',
    partyId: s.partyId,
    name: s.partyName,
    nameKey: s.partyNameKey,
    country: s.partyCountry,
    entry: { id: s.entryId, list: s.entryList, name: s.entryName, hash: s.entryHash },
    justification: s.justification,
    by: s.apiKeyId,
    byName: s.byName ?? null,
    at: s.createdAt,
    expiresAt: s.expiresAt,
    withdrawal: s.withdrawnAt ? { by: s.withdrawnBy, byName: s.withdrawnByName ?? null, at: s.withdrawnAt, justification: s.withdrawalJustification ?? '' } : null,
  };
}

const entryIndexes = new WeakMap<object, Map<string, ListEntry[]>>();

/**
 * The active lists' entries with this id (the matcher built over the lists keeps them). An id is unique only
 * within its list: the Consolidated Screening List gives one id to an SDN entry and its PLC/SSI/NS-MBS twin.
 */
function findEntries(rs: Ruleset, id: string): readonly ListEntry[] {
  const matcher = rs.parties as ({ entries?: readonly ListEntry[] } & object) | null;
  if (!matcher?.entries) return [];
  let index = entryIndexes.get(matcher);
  if (!index) {
    index = new Map();
    for (const e of matcher.entries) {
      const same = index.get(e.id);
      if (same) same.push(e);
      else index.set(e.id, [e]);
    }
    entryIndexes.set(matcher, index);
  }
  return index.get(id) ?? [];
}

/** The one entry the body names (by id, and by list code when given or needed), or the field error that says why not. */
function namedEntry(rs: Ruleset, body: Pick<SuppressionBody, 'entryId' | 'entryList'>): ListEntry | FieldError {
  const entries = findEntries(rs, body.entryId);
  if (entries.length === 0) return { field: '/entryId', in: 'body', message: `no entry "${body.entryId}" in the active party lists` };
  const lists = entries.map((e) => e.list).join(', ');
  if (body.entryList !== undefined) {
    const entry = entries.find((e) => e.list === body.entryList);
    return entry ?? { field: '/entryList', in: 'body', message: `entry "${body.entryId}" is not on list "${body.entryList}" (it is on ${lists})` };
  }
  // Refused, not guessed: a record against the wrong one of two would take away the other's flags or leave them.
  if (entries.length > 1)
    return { field: '/entryList', in: 'body', message: `entry id "${body.entryId}" is on more than one list (${lists}); name the list (parties[].matches[].list)` };
  return entries[0]!;
}

const fail = (errors: FieldError[]) => badRequest(`${errors[0]!.field}: ${errors[0]!.message}`, errors);

/** A loaded copy keeps records that expired up to this long before it was read (screenings carry their own time). */
const COPY_KEEPS_EXPIRED_MS = 3_600_000;

export class SuppressionService {
  private readonly inForce: CachedRead<StoredSuppression[]>;

  constructor(
    private readonly db: Db,
    private readonly ruleset: () => Ruleset,
    private readonly feed?: ChangeFeed,
  ) {
    const load = () => allActiveSuppressions(this.db, new Date(Date.now() - COPY_KEEPS_EXPIRED_MS).toISOString());
    this.inForce = feed ? feed.cached('suppressions', load) : { get: load };
  }

  /** `once`: a console form's token, claimed with the record (a form sent twice records one; see form-once.ts). */
  async create(body: SuppressionBody, principal: Principal | null, now: Date, once?: FormOnce | null): Promise<Suppression> {
    const errors: FieldError[] = controlCharacterErrors(body);
    if (body.justification.trim() === '') errors.push({ field: '/justification', in: 'body', message: 'must not be blank' });
    if (body.partyId === undefined && (body.name === undefined || body.country === undefined))
      errors.push({ field: body.name === undefined ? '/name' : '/country', in: 'body', message: 'name the party by partyId, or by name and country' });
    const rs = this.ruleset();
    let country: string | null = null;
    if (body.country !== undefined) {
      country = resolveCountry(rs, body.country) ?? null;
      if (!country) errors.push({ field: '/country', in: 'body', message: `unknown country "${body.country}"; ${COUNTRY_HINT}` });
    }
    // The party's name as a shipment's is checked (input-guards.ts): one starting like a spreadsheet formula is refused there, so here too.
    if (body.name !== undefined)
      errors.push(...shipmentFieldErrors({ parties: [{ name: body.name }] }, SHIP_DATE_RANGE.to).map((e) => ({ ...e, field: e.field.replace('/parties/0/name', '/name') })));
    const nameKey = body.name !== undefined ? partyNameKey(body.name) : null;
    if (nameKey === '') errors.push({ field: '/name', in: 'body', message: 'has nothing left to compare after normalisation' });
    const expires = Date.parse(body.expiresAt);
    if (!(expires > now.getTime())) errors.push({ field: '/expiresAt', in: 'body', message: 'must be in the future' });
    else if (expires > now.getTime() + MAX_SUPPRESSION_DAYS * 86_400_000)
      errors.push({ field: '/expiresAt', in: 'body', message: `must be at most ${MAX_SUPPRESSION_DAYS} days ahead` });
    const named = namedEntry(rs, body);
    const entry = 'field' in named ? null : named;
    if (!entry) errors.push(named as FieldError);
    if (errors.length || !entry) throw fail(errors);
    const row = {
      id: randomUUID(),
      partyId: body.partyId ?? null,
      partyNameKey: body.partyId !== undefined ? null : nameKey,
      partyName: body.name ?? null,
      partyCountry: country,
      entryId: entry.id,
      entryHash: entryContentHash(entry),
      entryList: entry.list,
      entryName: entry.name,
      justification: body.justification,
      expiresAt: new Date(expires).toISOString(),
      apiKeyId: principal?.keyId ?? null,
      createdAt: now.toISOString(),
    };
    // A POST sent again (its answer lost) answers the record it made; a console form has its once-token for that.
    const earlier = await withFormOnce(this.db, once, row.id, row.createdAt, (db) => insertSuppression(db, row, { replay: !once }));
    if (earlier) return toSuppression(earlier, now);
    this.feed?.changed('suppressions');
    return toSuppression({ ...row, withdrawnAt: null, withdrawnBy: null, withdrawalJustification: null, byName: principal ? displayName(principal) : null }, now);
  }

  async withdraw(id: string, body: WithdrawalBody, principal: Principal | null, now: Date): Promise<Suppression> {
    const errors = controlCharacterErrors(body);
    if (body.justification.trim() === '') errors.push({ field: '/justification', in: 'body', message: 'must not be blank' });
    if (errors.length) throw fail(errors);
    if (!(await findSuppression(this.db, id))) throw notFound(`No suppression ${id}`);
    const done = await insertWithdrawal(this.db, { suppressionId: id, justification: body.justification, apiKeyId: principal?.keyId ?? null, createdAt: now.toISOString() });
    this.feed?.changed('suppressions');
    const after = (await findSuppression(this.db, id))!;
    if (!done) {
      // The same withdrawal sent again by the same key (a retry whose answer was lost): answered with the one recorded,
      // as a suppression sent again is. Anyone else's, or another justification: 409, saying who withdrew it and when.
      const by = principal?.keyId ?? null;
      if (after.withdrawnBy === by && after.withdrawalJustification?.trim() === body.justification.trim()) return toSuppression(after, now);
      const who = after.withdrawnByName ?? after.withdrawnBy ?? 'the system';
      throw conflict(`Suppression ${id} was already withdrawn by ${who} at ${after.withdrawnAt}${after.withdrawnBy === by ? ' with another justification' : ''}; nothing was changed`);
    }
    return toSuppression(after, now);
  }

  async get(id: string, now: Date): Promise<Suppression> {
    const s = await findSuppression(this.db, id);
    if (!s) throw notFound(`No suppression ${id}`);
    return toSuppression(s, now);
  }

  async list(q: ListSuppressionsQuery, now: Date): Promise<{ items: Suppression[]; nextCursor: string | null }> {
    // A NUL in the filter reached Postgres (a 500): refused naming it, as the flag log's text filters are.
    const bad = controlCharacterErrors({ entryId: q.entryId }).map((e) => ({ ...e, in: 'query' as const }));
    if (bad.length) throw fail(bad);
    const limit = q.limit ?? 100;
    const rows = await listSuppressions(this.db, { limit: limit + 1, before: q.cursor ? decodePageCursor(q.cursor) : undefined, entryId: q.entryId });
    const page = rows.slice(0, limit);
    return { items: page.map((s) => toSuppression(s, now)), nextCursor: rows.length > limit ? encodePageCursor(page[page.length - 1]!) : null };
  }

  /** The records that could apply to this shipment's parties at `now` (the engine decides which do). */
  async forShipment(input: Pick<ShipmentInput, 'parties'>, now: Date): Promise<SuppressionRecord[]> {
    const parties = input.parties ?? [];
    if (parties.length === 0) return [];
    const partyIds = new Set(parties.map((p) => p.partyId).filter((x): x is string => !!x));
    const nameKeys = new Set(parties.map((p) => partyNameKey(p.name)).filter(Boolean));
    if (partyIds.size === 0 && nameKeys.size === 0) return [];
    // Without a live change feed, ask the database for just these parties.
    if (!this.feed?.listening) return (await activeSuppressionsFor(this.db, { partyIds: [...partyIds], nameKeys: [...nameKeys], at: now.toISOString() })).map(toRecord);
    // The records (oldest first) that name one of these parties and are in force at `now`.
    const at = now.getTime();
    return (await this.inForce.get())
      .filter((s) => ((s.partyId !== null && partyIds.has(s.partyId)) || (s.partyNameKey !== null && nameKeys.has(s.partyNameKey))) && Date.parse(s.expiresAt) > at)
      .map(toRecord);
  }

  /** Every record in force at `now`, for re-screening many shipments at once. */
  async allActive(now: Date): Promise<SuppressionRecord[]> {
    return (await allActiveSuppressions(this.db, now.toISOString())).map(toRecord);
  }
}
