/**
 * Listing the flag log: filters → store conditions, opaque cursors, and the submitter scope.
 *
 * Pages run newest first by seq. The first page is bounded by the safe cut (the seq below which
 * every record is committed), and every later page by the cursor, so a screening committed while
 * someone pages is never skipped or repeated: it is either above the first page's cut (and shows
 * on a fresh listing) or already committed when the first page was read.
 */
import type { Config } from '../config.js';
import { badRequest } from '../errors.js';
import type { Principal } from './principal.js';
import { COUNT_CAP, type ListScreeningsQuery, type ScreeningPage, type ScreeningSummary } from '../schemas/audit.js';
import { safeCut } from '../store/audit-repo.js';
import { latestChanges, type LatestChange } from '../store/monitoring-repo.js';
import type { Db } from '../store/db.js';
import {
  countScreenings,
  latestDispositions,
  pageScreeningsDesc,
  type DispositionSummary,
  type ScreeningFilter,
  type ScreeningSummaryRow,
} from '../store/screenings-query.js';
import { normaliseForSearch } from './screenings.js';
import { controlCharacterErrors } from './input-guards.js';

export type FilterQuery = Omit<ListScreeningsQuery, 'cursor' | 'limit'>;
/** Resolves a country as a shipment's is resolved (code, alpha-3 or name) → alpha-2, or null when unknown. */
export type CountryResolver = (input: string) => string | null;

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
/**
 * The instants a filter can name: years 0001–9999. JavaScript dates go further, but year 0000 and years past
 * 9999 are not timestamps Postgres reads (`from=0000-01-01` and `to=9999-12-31`, whose end is in year 10000,
 * were 500s). A bound outside is clamped: every screening lies inside, so the answer is the same.
 */
const FIRST_INSTANT = Date.parse('0001-01-01T00:00:00.000Z');
const LAST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');
/** A date is a UTC day: `from` its first instant, `to` (exclusive) the first instant of the next day. */
function instant(value: string, end: boolean, field: '/from' | '/to'): string {
  const at = new Date(DATE_ONLY.test(value) ? `${value}T00:00:00.000Z` : value);
  if (Number.isNaN(at.getTime())) throw badRequest(`${field}: not a date`, [{ field, in: 'query', message: 'must be a date (YYYY-MM-DD) or an RFC 3339 date-time' }]);
  if (end && DATE_ONLY.test(value)) at.setUTCDate(at.getUTCDate() + 1);
  return new Date(Math.min(LAST_INSTANT, Math.max(FIRST_INSTANT, at.getTime()))).toISOString();
}

/** `fourEyes` (config FOUR_EYES_DECISIONS): whose clearance awaits approval, so `open` keeps it open until approved. */
export function toFilter(q: FilterQuery, principal: Principal | null, countryOf: CountryResolver, fourEyes?: readonly string[]): ScreeningFilter {
  // The text filters go to the database as they are: a NUL (`reference=%00x`) was a Postgres error, a 500.
  // No stored value holds a control character (a body carrying one is refused), so such a filter is a 400.
  const { party: p, country: c, ruleId, chipModel, eccn, reference, licence: l } = q;
  const bad = controlCharacterErrors({ party: p, country: c, ruleId, chipModel, eccn, reference, licence: l }).map((e) => ({ ...e, in: 'query' as const }));
  if (bad.length) throw badRequest(`${bad[0]!.field}: ${bad[0]!.message}`, bad);
  const party = q.party === undefined ? undefined : normaliseForSearch(q.party);
  if (party === '') throw badRequest('/party: must contain a letter or digit', [{ field: '/party', in: 'query', message: 'must contain a letter or digit' }]);
  const from = q.from ? instant(q.from, false, '/from') : undefined;
  const to = q.to ? instant(q.to, true, '/to') : undefined;
  if (from && to && from >= to) {
    throw badRequest('/to: must be after from', [{ field: '/to', in: 'query', message: 'must be after from' }]);
  }
  let country: string | undefined;
  if (q.country !== undefined) {
    country = countryOf(q.country) ?? undefined;
    if (!country) throw badRequest(`/country: unknown country "${q.country}"`, [{ field: '/country', in: 'query', message: 'unknown country; use an ISO 3166-1 code or an English name' }]);
  }
  return {
    ...(fourEyes ? { fourEyes } : {}),
    from,
    to,
    decision: q.decision,
    ruleId: q.ruleId,
    category: q.category,
    disposition: q.disposition,
    country,
    party,
    chipModel: q.chipModel,
    eccn: q.eccn,
    reference: q.reference,
    licence: q.licence?.trim().toUpperCase(),
    open: q.open,
    apiKeyId: principal?.role === 'submitter' ? principal.keyId : undefined,
  };
}

const CURSOR_PREFIX = 'v1.';

export function encodeCursor(seq: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${seq}`).toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const seq = text.startsWith(CURSOR_PREFIX) ? Number(text.slice(CURSOR_PREFIX.length)) : NaN;
  if (!Number.isSafeInteger(seq) || seq < 1) {
    throw badRequest('/cursor: not a cursor returned by this API', [{ field: '/cursor', in: 'query', message: 'not a cursor returned by this API' }]);
  }
  return seq;
}

export function toSummary(r: ScreeningSummaryRow, d: DispositionSummary | undefined, change?: LatestChange | null): ScreeningSummary {
  return {
    id: r.id,
    reference: r.reference,
    decision: r.decision as ScreeningSummary['decision'],
    riskScore: r.riskScore,
    screenedAt: r.screenedAt,
    shipDate: r.shipDate,
    destination: r.destination,
    countries: r.countries,
    ruleIds: r.ruleIds,
    flagCategories: r.flagCategories,
    raisedCategories: r.raisedCategories,
    chipModels: r.chipModels,
    eccns: r.eccns,
    ruleset: { version: r.rulesetVersion, hash: r.rulesetHash },
    disposition: d ? { action: d.action as NonNullable<ScreeningSummary['disposition']>['action'], at: d.at, by: d.by, byName: d.byName, count: d.count } : null,
    ...(change === undefined ? {} : { monitoring: change ? { decision: change.decision as ScreeningSummary['decision'], at: change.at, runId: change.runId } : null }),
  };
}

export class ScreeningQueryService {
  constructor(
    private readonly db: Db,
    private readonly config: Config,
    private readonly countryOf: CountryResolver,
  ) {}

  async list(q: ListScreeningsQuery, principal: Principal | null): Promise<ScreeningPage> {
    const max = this.config.limits.maxPageSize;
    const limit = q.limit ?? Math.min(50, max);
    if (limit > max) throw badRequest(`/limit: must be at most ${max}`, [{ field: '/limit', in: 'query', message: `must be at most ${max} (LIMIT_MAX_PAGE_SIZE)` }]);
    const filter = toFilter(q, principal, this.countryOf, this.config.fourEyesDecisions);
    const before = q.cursor ? decodeCursor(q.cursor) : null;
    const cut = before === null || q.count ? await safeCut(this.db) : null;
    const upTo = before === null ? cut! : before;
    // The count is of the whole filter as of now (a later page's cursor bounds the page, not the count).
    const [rows, counted] = await Promise.all([
      pageScreeningsDesc(this.db, filter, { before, upTo, limit: limit + 1 }),
      q.count ? countScreenings(this.db, filter, { upTo: cut!, cap: COUNT_CAP }) : Promise.resolve(null),
    ]);
    const page = rows.slice(0, limit);
    const ids = page.map((r) => r.id);
    const [disp, changes] = await Promise.all([latestDispositions(this.db, ids), latestChanges(this.db, ids)]);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => toSummary(r, disp.get(r.id), changes.get(r.id) ?? null)),
      nextCursor: rows.length > limit && last ? encodeCursor(last.seq) : null,
      ...(counted === null ? {} : { total: { count: Math.min(counted, COUNT_CAP), exact: counted <= COUNT_CAP } }),
    };
  }
}
