/** Flag log (filters, pages, export, seal status, verify, seal now), "my screenings", dashboard. */
import { Readable } from 'node:stream';
import { countryResolver } from '../http/country-filter.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ACCESS } from '../http/access.js';
import { ExportQuery, ListScreeningsQuery } from '../schemas/audit.js';
import { prepareExport } from '../services/audit-export.js';
import { sealStatus, verifyAuditLog } from '../services/audit.js';
import type { ConsoleDeps } from './index.js';
import { pageContext } from './index.js';
import { fieldErrorsOf, validate, type FieldErrors } from './validate.js';
import { labelled, type FieldLabels } from './layout.js';
import { logPage, type LogFilter, type VerifyView } from './views/lists.js';
import { query as queryString } from './html.js';
import type { Dashboard } from '../services/dashboard.js';
import { dashboardPage } from './views/admin.js';

const FILTER_KEYS = ['from', 'to', 'decision', 'ruleId', 'category', 'disposition', 'country', 'party', 'chipModel', 'eccn', 'reference', 'licence', 'open'] as const;
const LOG_PAGE = 50;

/**
 * The flag log filter's fields by the API's pointer (views/lists.ts draws them): a refused filter or export is
 * listed by the label a person reads on the form, linked to its input — not "/from must match format …".
 */
export const LOG_FILTER_LABELS: FieldLabels = {
  '/from': { label: 'Screened from', id: 'f-from' },
  '/to': { label: 'to (inclusive)', id: 'f-to' },
  '/decision': { label: 'Decision', id: 'f-decision' },
  '/category': { label: 'Category of a flag raised', id: 'f-category' },
  '/disposition': { label: 'Latest disposition', id: 'f-disposition' },
  '/ruleId': { label: 'Rule id', id: 'f-ruleId' },
  '/country': { label: 'Country', id: 'f-country' },
  '/party': { label: 'Party name contains', id: 'f-party' },
  '/chipModel': { label: 'Chip model', id: 'f-chipModel' },
  '/eccn': { label: 'ECCN', id: 'f-eccn' },
  '/reference': { label: 'Reference', id: 'f-reference' },
  '/licence': { label: 'Drew on licence', id: 'f-licence' },
  '/open': { label: 'Open in the queue', id: 'f-open' },
  '/format': { label: 'Export format' },
  '/cursor': { label: 'Page' },
};
const DAY = 86_400_000;

/**
 * The form's filter → the API's query (booleans, one-value arrays). Empty inputs are dropped. Dates go through as
 * typed, so they mean what they mean in the API: `from=2026-12-07` is from 00:00 UTC that day and
 * `to=2026-12-07` includes that day (a date-time `to` stays exclusive) — the page and its export list the same rows.
 */
const MULTI_VALUE: ReadonlySet<string> = new Set(['decision', 'category', 'disposition']);

/**
 * Rule ids are upper case by definition (LIST-EL), and an ECCN's category, group and number are too while its
 * paragraphs are lower case (3A090.a, EAR99): typed in any case, they are looked up as written in the rules.
 */
export function canonicalEccn(v: string): string {
  const m = /^(\d[a-e]\d{3})(.*)$/i.exec(v);
  return m ? `${m[1]!.toUpperCase()}${m[2]!.toLowerCase()}` : v.toUpperCase();
}

export function toApiFilter(raw: Record<string, string | string[] | undefined>): { filter: LogFilter; query: Record<string, unknown> } {
  const filter: LogFilter = {};
  const query: Record<string, unknown> = {};
  for (const k of FILTER_KEYS) {
    // A parameter given twice (decision=BLOCK&decision=REVIEW, typed into the address bar) arrives as an array: the form has one value, the first.
    const given = raw[k];
    const v = (Array.isArray(given) ? given[0] : given)?.trim();
    if (!v) continue;
    filter[k] = v;
    if (k === 'open') query[k] = v === 'true' ? true : v === 'false' ? false : v;
    // The API takes several values for these (decision=BLOCK&decision=REVIEW); the form picks one.
    else if (MULTI_VALUE.has(k)) query[k] = [v];
    else if (k === 'ruleId') query[k] = v.toUpperCase();
    else if (k === 'eccn') query[k] = canonicalEccn(v);
    else query[k] = v;
  }
  return { filter, query };
}

/** A cursor as this console hands them out (base64url): anything else in a page trail is dropped. */
const CURSOR = /^[A-Za-z0-9_-]{1,200}$/;

/**
 * Where the page shown sits: its number and the cursors of the pages before it (page 2's first), which the
 * console's own links carry — the API's cursor only goes forward (newest first, "older than seq N"). A page reached
 * otherwise (a cursor pasted from the API, a trail cut short or altered) has no number and no "previous page".
 */
export function pagePosition(raw: { cursor?: unknown; page?: unknown; trail?: unknown }): { page: number | null; trail: string[] } {
  if (!raw.cursor) return { page: 1, trail: [] };
  // Strings only: a parameter given twice arrives as an array, and is not followed.
  const page = typeof raw.page === 'string' && /^\d{1,6}$/.test(raw.page) ? Number(raw.page) : null;
  if (page === null || page < 2) return { page: null, trail: [] };
  const trail = typeof raw.trail === 'string' && raw.trail ? raw.trail.split(',') : [];
  if (!trail.every((c) => CURSOR.test(c)) || trail.length !== page - 2) return { page, trail: [] };
  return { page, trail };
}

/** Edit distance, for "did you mean" on a mistyped rule id (ids are short). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** The active ruleset's ids closest to a typed one (at most three), for the flag log's rule id hint. */
export function closestRuleIds(typed: string, ids: readonly string[]): string[] {
  const t = typed.toUpperCase();
  const limit = Math.max(2, Math.floor(t.length / 3));
  return ids
    .map((id) => ({ id, d: id.includes(t) || t.includes(id) ? Math.min(1, distance(t, id)) : distance(t, id) }))
    .filter((x) => x.d <= limit)
    .sort((a, b) => a.d - b.d || a.id.localeCompare(b.id))
    .slice(0, 3)
    .map((x) => x.id);
}

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
/** " at 2026-12-07 13:05:12 UTC" for the seal notice's `sealedAt` (YYYY-MM-DDTHH:MM:SS); '' for anything else. */
const sealedAtText = (v: string | undefined) => (v && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(v) ? ` at ${v.replace('T', ' ')} UTC` : '');
/** A calendar day as YYYY-MM-DD (2026-02-30 is not one, though Date.parse takes it). */
const isDay = (s: string) => DAY_RE.test(s) && Number.isFinite(Date.parse(s)) && new Date(Date.parse(s)).toISOString().slice(0, 10) === s;

export default function auditPages(app: FastifyInstance, deps: ConsoleDeps) {
  const db = app.database.db;

  const renderLog = async (
    request: FastifyRequest<{ Querystring: Record<string, string | undefined> }>,
    reply: FastifyReply,
    extra: { verify?: VerifyView; title?: string; errors?: FieldErrors } = {},
  ) => {
    const principal = request.principal!;
    const path = request.routeOptions.url === '/mine' ? '/mine' : '/log';
    const { filter, query } = toApiFilter(request.query);
    const cursor = request.query.cursor || undefined;
    const position = pagePosition({ cursor, page: request.query.page, trail: request.query.trail });
    const q = { ...query, limit: LOG_PAGE, count: true, ...(cursor ? { cursor } : {}) };
    let errors: FieldErrors = extra.errors?.length ? extra.errors : validate(ListScreeningsQuery, q);
    let page: Awaited<ReturnType<typeof deps.query.list>> = { items: [], nextCursor: null };
    if (!errors.length) {
      try {
        page = await deps.query.list(q as ListScreeningsQuery, principal);
      } catch (err) {
        errors = fieldErrorsOf(err);
      }
    }
    // A rule id the active ruleset does not have is allowed (older rulesets' ids still match), but said so.
    let ruleIdNote: { typed: string; version: string; suggestions: string[] } | null = null;
    const ruleId = typeof query.ruleId === 'string' ? query.ruleId : null;
    if (ruleId && !errors.some((e) => e.field === '/ruleId')) {
      const rs = app.rules.get();
      if (!rs.ruleIds.includes(ruleId)) ruleIdNote = { typed: ruleId, version: rs.version, suggestions: closestRuleIds(ruleId, rs.ruleIds) };
    }
    const canAudit = (ACCESS.audit as readonly string[]).includes(principal.role) && path === '/log';
    const sealedCount = request.query.sealed;
    const body = logPage(
      {
        filter,
        ...page,
        errors: labelled(errors, LOG_FILTER_LABELS),
        seal: canAudit ? await sealStatus(db) : null,
        verify: extra.verify ?? null,
        // The notice stays in the address (a reload shows it again), so it says when the sealing was, not "just now".
        sealed:
          sealedCount !== undefined && /^\d+$/.test(sealedCount)
            ? `Sealed ${sealedCount} new record${sealedCount === '1' ? '' : 's'}${sealedAtText(request.query.sealedAt)}.`
            : null,
        canAudit,
        path,
        cursor: cursor ?? null,
        page: position.page,
        trail: position.trail,
        pageSize: LOG_PAGE,
        ruleIdNote,
        fourEyes: app.config.fourEyesDecisions,
        checks: app.rules.get().checkRuleIds,
      },
      pageContext(request, deps.sessions),
      Date.now(),
    );
    return deps.send(request, reply, extra.title ?? (path === '/mine' ? 'My screenings' : 'Flag log'), body, errors.length ? 400 : 200);
  };

  app.get<{ Querystring: Record<string, string | undefined> }>('/log', deps.route(ACCESS.oversight), (request, reply) => renderLog(request, reply));
  app.get<{ Querystring: Record<string, string | undefined> }>('/mine', deps.route(ACCESS.readScreenings), (request, reply) => renderLog(request, reply));

  // Verify and Seal now keep the filter the auditor applied: the page comes back with it.
  app.get<{ Querystring: Record<string, string | undefined> }>('/log/verify', deps.route(ACCESS.audit), async (request, reply) => {
    const report = await verifyAuditLog(db);
    request.log.info({ ok: report.ok, checked: report.checked, sealedThrough: report.sealedThrough, firstBroken: report.firstBroken?.id ?? null }, 'audit verify');
    return renderLog(request, reply, { verify: report });
  });

  app.post<{ Querystring: Record<string, string | undefined> }>('/log/seal', deps.route(ACCESS.audit), async (request, reply) => {
    const run = await app.sealer.sealNow();
    const records = run.seals.reduce((n, s) => n + s.recordCount, 0);
    const { filter } = toApiFilter(request.query);
    return reply.redirect(`/log${queryString({ ...filter, sealed: records, sealedAt: new Date().toISOString().slice(0, 19) })}`, 303);
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/log/export', deps.route(ACCESS.audit), async (request, reply) => {
    const { query } = toApiFilter(request.query);
    // Only the formats there are: another (`format=xml`) is refused with the page's reason, not answered with CSV.
    const q = { ...query, format: request.query.format ?? 'csv' };
    // A refused filter is not a download: the flag log comes back with the filter and what is wrong with it.
    const refused = validate(ExportQuery, q);
    if (refused.length) return renderLog(request, reply, { errors: refused });
    let out;
    try {
      out = await prepareExport(db, q as ExportQuery, request.principal!, new Date(), countryResolver(app), undefined, app.config.fourEyesDecisions);
    } catch (err) {
      return renderLog(request, reply, { errors: fieldErrorsOf(err) }); // fieldErrorsOf rethrows anything but a refused filter
    }
    request.log.info({ format: out.format, via: 'console' }, 'audit export');
    return reply
      .header('content-type', out.contentType)
      .header('content-disposition', `attachment; filename="${out.filename}"`)
      .header('cache-control', 'no-store')
      .send(Readable.from(out.lines, { objectMode: false }));
  });

  app.get<{ Querystring: { from?: string; to?: string } }>('/dashboard', deps.route(ACCESS.oversight), async (request, reply) => {
    const today = new Date(Math.floor(Date.now() / DAY) * DAY).toISOString().slice(0, 10);
    const errors: FieldErrors = [];
    // A date that is not one is said at its field, never silently replaced by the default.
    const typed = (name: 'from' | 'to'): string | undefined => {
      const given: unknown = request.query[name];
      const first = Array.isArray(given) ? given[0] : given; // given twice in the address: the first, as the flag log does
      const raw = typeof first === 'string' ? first.trim() : '';
      if (!raw) return undefined;
      if (!isDay(raw)) errors.push({ field: `/${name}`, message: `"${raw.slice(0, 40)}" is not a date: use YYYY-MM-DD, e.g. ${today}` });
      return raw;
    };
    const fromIn = typed('from');
    const toIn = typed('to');
    const to = toIn ?? today;
    const from = fromIn ?? (isDay(to) ? new Date(Date.parse(to) - 29 * DAY).toISOString().slice(0, 10) : '');
    if (!errors.length && from > to) errors.push({ field: '/to', message: `must be on or after From (${from})` });
    let summary: Dashboard | null = null;
    if (!errors.length) {
      // "To" is inclusive on the form: the period ends at the start of the next day.
      try {
        summary = await deps.dashboard.summary({ from: `${from}T00:00:00.000Z`, to: new Date(Date.parse(to) + DAY).toISOString() });
      } catch (err) {
        errors.push(...fieldErrorsOf(err));
      }
    }
    // A refused period shows no figures: none of the period asked for, and none of another one.
    return deps.send(request, reply, 'Dashboard', dashboardPage(summary, { from, to, errors }, Date.now()), errors.length ? 400 : 200);
  });
}
