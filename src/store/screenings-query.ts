/**
 * Reading the flag log: filtered pages of screenings by seq, newest first for listings and
 * oldest first for exports. Only summary columns are read (never the stored request/result
 * bodies), and every filter maps onto an index from migration 0003: GIN on the array columns,
 * trigrams on party names where pg_trgm exists, btree on reference and decision.
 */
import { and, arrayContains, asc, desc, eq, gt, gte, inArray, like, lt, lte, max, min, sql, type SQL } from 'drizzle-orm';
import type { Db } from './db.js';
import { dispositions, screenings } from './schema.js';

export interface ScreeningFilter {
  /** ISO date-times: created_at ≥ from, created_at < to. */
  from?: string | undefined;
  to?: string | undefined;
  decision?: string | undefined;
  ruleId?: string | undefined;
  category?: string | undefined;
  /** ISO alpha-2, any party or route country. */
  country?: string | undefined;
  /** Already normalised like the stored party names (see normaliseForSearch). */
  party?: string | undefined;
  chipModel?: string | undefined;
  eccn?: string | undefined;
  reference?: string | undefined;
  /** Submitters see only the screenings made with their own key. */
  apiKeyId?: string | undefined;
}

export const summaryColumns = {
  id: screenings.id,
  seq: screenings.seq,
  reference: screenings.reference,
  // Stored precision is milliseconds; render it the same way on every server time zone.
  screenedAt: sql<string>`to_char(${screenings.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`.as('screened_at'),
  shipDate: screenings.shipDate,
  decision: screenings.decision,
  riskScore: screenings.riskScore,
  destination: screenings.destination,
  countries: screenings.countries,
  ruleIds: screenings.ruleIds,
  flagCategories: screenings.flagCategories,
  chipModels: screenings.chipModels,
  eccns: screenings.eccns,
  rulesetVersion: screenings.rulesetVersion,
  rulesetHash: screenings.rulesetHash,
  apiKeyId: screenings.apiKeyId,
};

export interface ScreeningSummaryRow {
  id: string;
  seq: number;
  reference: string;
  screenedAt: string;
  shipDate: string;
  decision: string;
  riskScore: number;
  destination: string;
  countries: string[];
  ruleIds: string[];
  flagCategories: string[];
  chipModels: string[];
  eccns: string[];
  rulesetVersion: string;
  rulesetHash: string;
  apiKeyId: string | null;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export function filterConditions(f: ScreeningFilter): SQL[] {
  const c: Array<SQL | undefined> = [
    f.from ? gte(screenings.createdAt, f.from) : undefined,
    f.to ? lt(screenings.createdAt, f.to) : undefined,
    f.decision ? eq(screenings.decision, f.decision) : undefined,
    f.ruleId ? arrayContains(screenings.ruleIds, [f.ruleId]) : undefined,
    f.category ? arrayContains(screenings.flagCategories, [f.category]) : undefined,
    f.country ? arrayContains(screenings.countries, [f.country]) : undefined,
    f.party ? like(screenings.partyNames, `%${escapeLike(f.party)}%`) : undefined,
    f.chipModel ? arrayContains(screenings.chipModels, [f.chipModel]) : undefined,
    f.eccn ? arrayContains(screenings.eccns, [f.eccn]) : undefined,
    f.reference ? eq(screenings.reference, f.reference) : undefined,
    f.apiKeyId ? eq(screenings.apiKeyId, f.apiKeyId) : undefined,
  ];
  return c.filter((x): x is SQL => x !== undefined);
}

/** Newest first: seq < before (exclusive) and ≤ upTo. */
export async function pageScreeningsDesc(db: Db, f: ScreeningFilter, opts: { before: number | null; upTo: number; limit: number }): Promise<ScreeningSummaryRow[]> {
  const conds = [...filterConditions(f), lte(screenings.seq, opts.upTo)];
  if (opts.before !== null) conds.push(lt(screenings.seq, opts.before));
  return (await db
    .select(summaryColumns)
    .from(screenings)
    .where(and(...conds))
    .orderBy(desc(screenings.seq))
    .limit(opts.limit)) as ScreeningSummaryRow[];
}

/** Oldest first: seq in (after, upTo]. */
export async function pageScreeningsAsc(db: Db, f: ScreeningFilter, opts: { after: number; upTo: number; limit: number }): Promise<ScreeningSummaryRow[]> {
  return (await db
    .select(summaryColumns)
    .from(screenings)
    .where(and(...filterConditions(f), gt(screenings.seq, opts.after), lte(screenings.seq, opts.upTo)))
    .orderBy(asc(screenings.seq))
    .limit(opts.limit)) as ScreeningSummaryRow[];
}

/**
 * The seq range that can hold screenings created in [from, to): exact bounds (min and max seq of
 * the rows in the time range), so an export of last month does not walk the years before it.
 */
export async function seqRangeForTime(db: Db, f: Pick<ScreeningFilter, 'from' | 'to'>): Promise<{ after: number; upTo: number | null }> {
  if (!f.from && !f.to) return { after: 0, upTo: null };
  const conds = [f.from ? gte(screenings.createdAt, f.from) : undefined, f.to ? lt(screenings.createdAt, f.to) : undefined].filter((x): x is SQL => !!x);
  const [r] = await db.select({ lo: min(screenings.seq), hi: max(screenings.seq) }).from(screenings).where(and(...conds));
  if (r?.lo === null || r?.lo === undefined) return { after: 0, upTo: 0 };
  return { after: Number(r.lo) - 1, upTo: Number(r.hi) };
}

export interface DispositionSummary {
  action: string;
  at: string;
  by: string | null;
  count: number;
}

/** Latest disposition and how many there are, for each of a page of screenings. */
export async function latestDispositions(db: Db, screeningIds: readonly string[]): Promise<Map<string, DispositionSummary>> {
  const out = new Map<string, DispositionSummary>();
  if (screeningIds.length === 0) return out;
  const found = await db
    .select({
      screeningId: dispositions.screeningId,
      action: dispositions.action,
      by: dispositions.apiKeyId,
      at: sql<string>`to_char(${dispositions.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
    })
    .from(dispositions)
    .where(inArray(dispositions.screeningId, [...screeningIds]))
    .orderBy(asc(dispositions.seq));
  for (const d of found) {
    const prev = out.get(d.screeningId);
    out.set(d.screeningId, { action: d.action, at: d.at, by: d.by, count: (prev?.count ?? 0) + 1 });
  }
  return out;
}
