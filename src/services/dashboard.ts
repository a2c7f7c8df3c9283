/**
 * The console's work queue and dashboard: SQL aggregates from the store, shaped for people.
 * Intermediary countries are normalised here (the stored request keeps what the caller sent) and
 * marked when the active ruleset lists them as transshipment hubs (BIS diversion guidance).
 * The store keeps exact caches (day rollups, disposition state) so each picture reads at most a
 * few thousand rows whatever the log's size; see src/store/dashboard-repo.ts.
 */
import { badRequest } from '../errors.js';
import { toCountryCode } from '../lists/countries.js';
import type { Ruleset } from '../rules/index.js';
import type { ScreeningSummary } from '../schemas/audit.js';
import type { Db } from '../store/db.js';
import {
  changedOnlyOpenCounts,
  ensureRollups,
  openQueuePage,
  openQueueStats,
  pendingClearances,
  periodCounts,
  refreshDispositionCache,
  splitPeriod,
  waitingTimes,
  type Period,
  type QueueKey,
  type QueueOrder,
  type QueueStats,
  type WaitingTimes,
} from '../store/dashboard-repo.js';
import { latestChanges } from '../store/monitoring-repo.js';
import { latestDispositions, summaryColumns, type ScreeningSummaryRow } from '../store/screenings-query.js';
import { screenings } from '../store/schema.js';
import { inArray } from 'drizzle-orm';
import { toSummary } from './screenings-query.js';

export const MAX_DASHBOARD_DAYS = 366;

export interface Dashboard {
  period: Period;
  perDay: Array<{ day: string; counts: Record<string, number> }>;
  topRules: Array<{ ruleId: string; n: number }>;
  intermediaries: Array<{ country: string; n: number; hub: string | null }>;
  waiting: WaitingTimes;
  queue: QueueStats;
}

/** A queue cursor's text is at most this long (what this service hands out is about 60 characters). */
const MAX_QUEUE_CURSOR = 200;

interface QueueCursor {
  order: QueueOrder;
  /** The page starts after this row, or ends just before it (a "previous page"). */
  dir: 'after' | 'before';
  key: QueueKey;
}

/** An opaque queue cursor: the order, the direction, and the sort key (seq, risk score) of the row it points past. */
export function encodeQueueCursor(c: QueueCursor): string {
  return Buffer.from(JSON.stringify(['queue', c.order, c.dir, c.key.seq, c.key.riskScore])).toString('base64url');
}

const badCursor = (message: string) => badRequest(`/cursor: ${message}`, [{ field: '/cursor', in: 'query', message }]);

/**
 * A cursor from the address bar is hostile input: anything this service did not hand out — not base64url,
 * not the shape, numbers out of range — is a 400 naming the parameter, never a 500; so is a cursor of the
 * other order (its key means nothing there).
 */
export function decodeQueueCursor(cursor: string, order: QueueOrder): QueueCursor {
  const refused = badCursor('is not a cursor returned by the work queue; start again from its first page');
  if (cursor.length > MAX_QUEUE_CURSOR || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw refused;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw refused;
  }
  if (!Array.isArray(parsed) || parsed.length !== 5) throw refused;
  const [tag, o, dir, seq, risk] = parsed as unknown[];
  const int = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
  if (tag !== 'queue' || (o !== 'age' && o !== 'risk') || (dir !== 'after' && dir !== 'before') || !int(seq) || seq < 0 || !int(risk)) throw refused;
  if (o !== order) throw badCursor(`is a cursor of the ${o === 'age' ? 'oldest-first' : 'highest-risk-first'} order, not of this one; start again from the first page`);
  return { order: o, dir, key: { seq, riskScore: risk } };
}

export interface QueuePage {
  items: ScreeningSummary[];
  stats: QueueStats;
  awaitingApproval: AwaitingApproval;
  /** The first page of the queue (no cursor, or a "previous page" that reached the start). */
  first: boolean;
  /** The next page's cursor: after this page's last row; null when nothing is past it now. */
  nextCursor: string | null;
  /** The previous page's cursor: before this page's first row; null on the first page. */
  prevCursor: string | null;
}

/** Clearances awaiting a second reviewer's approval (four eyes), oldest clearance first. */
export interface AwaitingApproval {
  total: number;
  /** Each with its latest disposition: the clearance, who recorded it (who therefore cannot approve it) and when. */
  items: ScreeningSummary[];
}

export class DashboardService {
  /** Every UTC day before this one is known to have its rollup (a day's rollup never changes). */
  private rolledUpTo: string | null = null;

  /**
   * `now`: the clock that decides which days are over (the screenings' clock; injectable for tests).
   * `fourEyesDecisions` (config FOUR_EYES_DECISIONS): a clearance of these waits for approval and keeps
   * its screening in the queue until then; none (the default here) — every clearance closes at once.
   */
  constructor(
    private readonly db: Db,
    private readonly ruleset: () => Ruleset,
    private readonly now: () => Date = () => new Date(),
    private readonly fourEyesDecisions: readonly string[] = [],
  ) {}

  private inflight: Promise<{ rolledUpTo: string; watermark: string }> | null = null;

  /**
   * Brings both caches up to date (cheap when they are: one watermark read). Concurrent readers
   * share one update, so a first read on a large log builds the rollups once, not once per request.
   */
  private caches(): Promise<{ rolledUpTo: string; watermark: string }> {
    this.inflight ??= (async () => {
      const now = this.now();
      const [rolledUpTo, watermark] = await Promise.all([ensureRollups(this.db, now, this.rolledUpTo), refreshDispositionCache(this.db, now, this.fourEyesDecisions)]);
      this.rolledUpTo = rolledUpTo;
      return { rolledUpTo, watermark };
    })().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  /**
   * The queue's counts: the stored queue's (exact caches), plus the screenings open only because
   * monitoring changed them, counted under the decision they were changed to — so the total is what
   * `GET /v1/screenings?open=true` lists. The list itself stays the stored queue; the changed ones are
   * listed above it ("Changed by monitoring").
   */
  private async queueStats(rolledUpTo: string, watermark: string): Promise<QueueStats> {
    const [stored, changed] = await Promise.all([
      openQueueStats(this.db, rolledUpTo, watermark, this.fourEyesDecisions),
      changedOnlyOpenCounts(this.db, this.fourEyesDecisions),
    ]);
    const counts = { ...stored.counts };
    let { total, oldest } = stored;
    for (const c of changed) {
      counts[c.decision] = (counts[c.decision] ?? 0) + c.n;
      total += c.n;
      if (oldest === null || c.oldest < oldest) oldest = c.oldest;
    }
    return { counts, total, oldest };
  }

  /**
   * The open queue's page (at most `limit` rows), its counts (clearances awaiting approval are open: counted and
   * listed), and the clearances awaiting approval (at most `awaitingLimit`, oldest first) for the queue's own section.
   * Keyset pages (`cursor`, from nextCursor/prevCursor): a page starts right after the row the previous one ended
   * with, so screenings disposed of on one page move none of the others past the next — none is skipped, none
   * repeated. A "previous page" that reaches the start of the queue is its first page. `offset` skips rows after the
   * cursor (a slice, for callers that want one; the console pages by cursor).
   */
  async queue(opts: { order: QueueOrder; limit: number; cursor?: string | null; offset?: number; awaitingLimit?: number }): Promise<QueuePage> {
    const limit = Math.max(1, Math.floor(opts.limit));
    const cursor = opts.cursor ? decodeQueueCursor(opts.cursor, opts.order) : null;
    const { rolledUpTo, watermark } = await this.caches();
    const page = async (c: QueueCursor | null) =>
      openQueuePage(
        this.db,
        watermark,
        { order: opts.order, limit: limit + 1, offset: opts.offset ?? 0, after: c?.dir === 'after' ? c.key : null, before: c?.dir === 'before' ? c.key : null },
        this.fourEyesDecisions,
      );
    const [fetched, stats, pending] = await Promise.all([
      page(cursor),
      this.queueStats(rolledUpTo, watermark),
      pendingClearances(this.db, watermark, this.fourEyesDecisions, opts.awaitingLimit ?? 50),
    ]);
    const keyOf = (r: ScreeningSummaryRow): QueueKey => ({ seq: Number(r.seq), riskScore: r.riskScore });
    const at = (dir: 'after' | 'before', r: ScreeningSummaryRow) => encodeQueueCursor({ order: opts.order, dir, key: keyOf(r) });
    let rows: ScreeningSummaryRow[];
    let first = false;
    let nextCursor: string | null = null;
    let prevCursor: string | null = null;
    if (cursor?.dir === 'before') {
      if (fetched.length <= limit) {
        // Nothing before these but themselves: the start of the queue — shown as its first page, filled.
        first = true;
        const start = await page(null);
        rows = start.slice(0, limit);
        nextCursor = start.length > limit ? at('after', rows[rows.length - 1]!) : null;
      } else {
        rows = fetched.slice(1);
        prevCursor = at('before', rows[0]!);
        nextCursor = at('after', rows[rows.length - 1]!);
      }
    } else {
      rows = fetched.slice(0, limit);
      first = cursor === null;
      nextCursor = fetched.length > limit ? at('after', rows[rows.length - 1]!) : null;
      if (cursor) prevCursor = rows.length ? at('before', rows[0]!) : encodeQueueCursor({ order: opts.order, dir: 'before', key: cursor.key });
    }
    const pendingIds = pending.items.map((p) => p.screeningId);
    const extra = pendingIds.filter((id) => !rows.some((r) => r.id === id));
    const extraRows = extra.length ? ((await this.db.select(summaryColumns).from(screenings).where(inArray(screenings.id, extra))) as ScreeningSummaryRow[]) : [];
    const byId = new Map([...rows, ...extraRows].map((r) => [r.id, r]));
    const ids = [...byId.keys()];
    const [disp, changes] = await Promise.all([latestDispositions(this.db, ids), latestChanges(this.db, ids)]);
    const summary = (r: ScreeningSummaryRow) => toSummary(r, disp.get(r.id), changes.get(r.id) ?? null);
    return {
      items: rows.map(summary),
      stats,
      awaitingApproval: { total: pending.total, items: pendingIds.map((id) => byId.get(id)).filter((r): r is ScreeningSummaryRow => r !== undefined).map(summary) },
      first,
      nextCursor,
      prevCursor,
    };
  }

  /** The period is [from, to); at most MAX_DASHBOARD_DAYS long, so one picture never reads the whole log. */
  async summary(period: Period): Promise<Dashboard> {
    const from = Date.parse(period.from);
    const to = Date.parse(period.to);
    if (!Number.isFinite(from)) throw badRequest('/from: must be a date', [{ field: '/from', in: 'query', message: 'must be a date' }]);
    if (!Number.isFinite(to) || to <= from) throw badRequest('/to: must be a date after from', [{ field: '/to', in: 'query', message: 'must be a date after from' }]);
    if (to - from > MAX_DASHBOARD_DAYS * 86_400_000) {
      throw badRequest(`/to: the period is at most ${MAX_DASHBOARD_DAYS} days`, [{ field: '/to', in: 'query', message: `the period is at most ${MAX_DASHBOARD_DAYS} days` }]);
    }
    const p = { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
    const { rolledUpTo, watermark } = await this.caches();
    const split = splitPeriod(p, rolledUpTo);
    const [{ perDay: days, rules: allRules, via }, waiting, queue] = await Promise.all([
      periodCounts(this.db, split),
      waitingTimes(this.db, p, watermark),
      this.queueStats(rolledUpTo, watermark),
    ]);
    const perDay = new Map<string, Record<string, number>>();
    for (const d of days) perDay.set(d.day, { ...(perDay.get(d.day) ?? {}), [d.decision]: d.n });
    const hubs = this.ruleset().hubs;
    const merged = new Map<string, number>();
    for (const v of via) {
      const code = toCountryCode(v.via) ?? v.via.toUpperCase();
      merged.set(code, (merged.get(code) ?? 0) + v.n);
    }
    const intermediaries = [...merged]
      .map(([country, n]) => ({ country, n, hub: hubs.get(country)?.tier ?? null }))
      .sort((a, b) => b.n - a.n || a.country.localeCompare(b.country))
      .slice(0, 15);
    // Every day of the period, quiet ones included, so the chart's time axis is true.
    const allDays: Dashboard['perDay'] = [];
    for (let t = Math.floor(from / 86_400_000) * 86_400_000; t < to; t += 86_400_000) {
      const day = new Date(t).toISOString().slice(0, 10);
      allDays.push({ day, counts: perDay.get(day) ?? {} });
    }
    // Rules that fired: a check that passed ("no list match", "no licence required") is on every screening and fires nothing.
    const checks = this.ruleset().checkRuleIds;
    const topRules = allRules.filter((r) => !checks.has(r.ruleId)).slice(0, 10);
    return { period: p, perDay: allDays, topRules, intermediaries, waiting, queue };
  }
}
