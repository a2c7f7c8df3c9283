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
import { logPage, type LogFilter, type VerifyView } from './views/lists.js';
import { dashboardPage } from './views/admin.js';

const FILTER_KEYS = ['from', 'to', 'decision', 'ruleId', 'category', 'disposition', 'country', 'party', 'chipModel', 'eccn', 'reference', 'licence', 'open'] as const;
const LOG_PAGE = 50;
const DAY = 86_400_000;

/** The form's filter (dates as YYYY-MM-DD) → the API's query (date-times, booleans). Empty inputs are dropped. */
const MULTI_VALUE: ReadonlySet<string> = new Set(['decision', 'category', 'disposition']);

/**
 * Rule ids are upper case by definition (EL-MATCH), and an ECCN's category, group and number are too while its
 * paragraphs are lower case (3A090.a, EAR99): typed in any case, they are looked up as written in the rules.
 */
export function canonicalEccn(v: string): string {
  const m = /^(\d[a-e]\d{3})(.*)$/i.exec(v);
  return m ? `${m[1]!.toUpperCase()}${m[2]!.toLowerCase()}` : v.toUpperCase();
}

export function toApiFilter(raw: Record<string, string | undefined>): { filter: LogFilter; query: Record<string, unknown> } {
  const filter: LogFilter = {};
  const query: Record<string, unknown> = {};
  for (const k of FILTER_KEYS) {
    const v = raw[k]?.trim();
    if (!v) continue;
    filter[k] = v;
    if ((k === 'from' || k === 'to') && /^\d{4}-\d{2}-\d{2}$/.test(v)) query[k] = `${v}T00:00:00.000Z`;
    else if (k === 'open') query[k] = v === 'true' ? true : v === 'false' ? false : v;
    // The API takes several values for these (decision=BLOCK&decision=REVIEW); the form picks one.
    else if (MULTI_VALUE.has(k)) query[k] = [v];
    else if (k === 'ruleId') query[k] = v.toUpperCase();
    else if (k === 'eccn') query[k] = canonicalEccn(v);
    else query[k] = v;
  }
  return { filter, query };
}

export default function auditPages(app: FastifyInstance, deps: ConsoleDeps) {
  const db = app.database.db;

  const renderLog = async (
    request: FastifyRequest<{ Querystring: Record<string, string | undefined> }>,
    reply: FastifyReply,
    extra: { verify?: VerifyView; title?: string } = {},
  ) => {
    const principal = request.principal!;
    const path = request.routeOptions.url === '/mine' ? '/mine' : '/log';
    const { filter, query } = toApiFilter(request.query);
    const cursor = request.query.cursor;
    const q = { ...query, limit: LOG_PAGE, ...(cursor ? { cursor } : {}) };
    let errors: FieldErrors = validate(ListScreeningsQuery, q);
    let page = { items: [] as Awaited<ReturnType<typeof deps.query.list>>['items'], nextCursor: null as string | null };
    if (!errors.length) {
      try {
        page = await deps.query.list(q as ListScreeningsQuery, principal);
      } catch (err) {
        errors = fieldErrorsOf(err);
      }
    }
    const canAudit = (ACCESS.audit as readonly string[]).includes(principal.role) && path === '/log';
    const sealedCount = request.query.sealed;
    const body = logPage(
      {
        filter,
        ...page,
        errors,
        seal: canAudit ? await sealStatus(db) : null,
        verify: extra.verify ?? null,
        sealed: sealedCount !== undefined && /^\d+$/.test(sealedCount) ? `Sealed ${sealedCount} new record${sealedCount === '1' ? '' : 's'}.` : null,
        canAudit,
        path,
        cursor: cursor ?? null,
        fourEyes: app.config.fourEyesDecisions,
      },
      pageContext(request, deps.sessions),
      Date.now(),
    );
    return deps.send(request, reply, extra.title ?? (path === '/mine' ? 'My screenings' : 'Flag log'), body, errors.length ? 400 : 200);
  };

  app.get<{ Querystring: Record<string, string | undefined> }>('/log', deps.route(ACCESS.oversight), (request, reply) => renderLog(request, reply));
  app.get<{ Querystring: Record<string, string | undefined> }>('/mine', deps.route(ACCESS.readScreenings), (request, reply) => renderLog(request, reply));

  app.get<{ Querystring: Record<string, string | undefined> }>('/log/verify', deps.route(ACCESS.audit), async (request, reply) => {
    const report = await verifyAuditLog(db);
    request.log.info({ ok: report.ok, checked: report.checked, sealedThrough: report.sealedThrough, firstBroken: report.firstBroken?.id ?? null }, 'audit verify');
    return renderLog(request, reply, { verify: { ok: report.ok, checked: report.checked, firstBroken: report.firstBroken, sealedThrough: report.sealedThrough } });
  });

  app.post('/log/seal', deps.route(ACCESS.audit), async (_request, reply) => {
    const run = await app.sealer.sealNow();
    const records = run.seals.reduce((n, s) => n + s.recordCount, 0);
    return reply.redirect(`/log?sealed=${records}`, 303);
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/log/export', deps.route(ACCESS.audit), async (request, reply) => {
    const { query } = toApiFilter(request.query);
    const q = { ...query, format: request.query.format === 'ndjson' ? 'ndjson' : 'csv' };
    const errors = validate(ExportQuery, q);
    if (errors.length) throw Object.assign(new Error(`${errors[0]!.field}: ${errors[0]!.message}`), { statusCode: 400 });
    const out = await prepareExport(db, q as ExportQuery, request.principal!, new Date(), countryResolver(app), undefined, app.config.fourEyesDecisions);
    request.log.info({ format: out.format, via: 'console' }, 'audit export');
    return reply
      .header('content-type', out.contentType)
      .header('content-disposition', `attachment; filename="${out.filename}"`)
      .header('cache-control', 'no-store')
      .send(Readable.from(out.lines, { objectMode: false }));
  });

  app.get<{ Querystring: { from?: string; to?: string } }>('/dashboard', deps.route(ACCESS.oversight), async (request, reply) => {
    const today = new Date(Math.floor(Date.now() / DAY) * DAY);
    const isDate = (s: string | undefined): s is string => !!s && /^\d{4}-\d{2}-\d{2}$/.test(s) && Number.isFinite(Date.parse(s));
    const to = isDate(request.query.to) ? request.query.to : today.toISOString().slice(0, 10);
    const from = isDate(request.query.from) ? request.query.from : new Date(Date.parse(to) - 29 * DAY).toISOString().slice(0, 10);
    let errors: FieldErrors = [];
    // "To" is inclusive on the form: the period ends at the start of the next day.
    const period = { from: `${from}T00:00:00.000Z`, to: new Date(Date.parse(to) + DAY).toISOString() };
    let summary;
    try {
      summary = await deps.dashboard.summary(period);
    } catch (err) {
      errors = fieldErrorsOf(err);
      summary = await deps.dashboard.summary({ from: new Date(Date.parse(to) - 29 * DAY).toISOString(), to: period.to });
    }
    return deps.send(request, reply, 'Dashboard', dashboardPage(summary, { from, to, errors }, Date.now()), errors.length ? 400 : 200);
  });
}
