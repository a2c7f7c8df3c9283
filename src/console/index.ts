/**
 * The console: pages for compliance officers, auditors and admins, served by the API process at
 * `/`. Server-rendered HTML (escaping tagged templates) and SVG, no client script. It is one more
 * client of the services — the same ones the API routes call — with the same access policy: every
 * page declares `config.access` (the auth plugin enforces it and the access-matrix test lists it)
 * and `config.session`, so a session cookie stands in for the Authorization header.
 *
 * Encapsulated: the form-body parser, the stricter CSP, the CSRF check and the HTML error pages
 * apply to the console's routes only; the API keeps JSON-only bodies and problem+json errors.
 */
import { readFileSync } from 'node:fs';
import { countryResolver } from '../http/country-filter.js';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CONSOLE_CSP } from '../http/plugins/security.js';
import { ConsoleSessions } from '../services/console-sessions.js';
import { DashboardService } from '../services/dashboard.js';
import { DispositionService } from '../services/dispositions.js';
import { ScreeningQueryService } from '../services/screenings-query.js';
import type { Access } from '../http/access.js';
import { FAVICON, FAVICON_CACHE, FAVICON_ETAG } from './favicon.js';
import { html, type Html } from './html.js';
import { page, type PageContext } from './layout.js';
import { readCookie, SESSION_COOKIE, sessionAuth } from './session-http.js';
import sessionRoutes from './routes-session.js';
import screeningPages from './routes-screenings.js';
import auditPages from './routes-audit.js';
import adminPages from './routes-admin.js';
import licencePages from './routes-licences.js';
import batchPages from './routes-batches.js';
import monitoringPages from './routes-monitoring.js';
import webhookPages from './routes-webhooks.js';
import suppressionPages from './routes-suppressions.js';

export interface ConsoleDeps {
  sessions: ConsoleSessions;
  dashboard: DashboardService;
  query: ScreeningQueryService;
  dispositions: DispositionService;
  /** Route options of a console page: its access, the session cookie as credential, hidden from OpenAPI. */
  route: (access: Access) => { config: { access: Access; session: ReturnType<typeof sessionAuth> }; schema: { hide: true } };
  /** Send a full page for the signed-in caller. */
  send: (request: FastifyRequest, reply: FastifyReply, title: string, body: Html, status?: number) => FastifyReply;
}

const CSS = readFileSync(new URL('./assets/console.css', import.meta.url), 'utf8');

const wantsHtml = (request: FastifyRequest) => /text\/html/.test(String(request.headers.accept ?? ''));

export function pageContext(request: FastifyRequest, sessions: ConsoleSessions): PageContext {
  const token = request.viaSession ? readCookie(request, SESSION_COOKIE) : null;
  return { principal: request.principal!, csrf: token ? sessions.csrfToken(token) : '', path: request.url.split('?')[0] ?? '/' };
}

/** Same-origin check for form posts: a browser always sends Origin on a cross-site POST. */
function sameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

export default async function consolePlugin(app: FastifyInstance) {
  const sessions = await ConsoleSessions.open(app.database.db, app.config, app.keyVerifier);
  const auth = sessionAuth(sessions);
  const deps: ConsoleDeps = {
    sessions,
    dashboard: new DashboardService(app.database.db, () => app.rules.get(), undefined, app.config.fourEyesDecisions),
    query: new ScreeningQueryService(app.database.db, app.config, countryResolver(app)),
    dispositions: new DispositionService(app.database.db, app.config.fourEyesDecisions),
    route: (access) => ({ config: { access, session: auth }, schema: { hide: true } }),
    send: (request, reply, title, body, status = 200) =>
      reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page(title, body, pageContext(request, sessions)).text),
  };

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  app.addHook('onRequest', async (_request, reply) => {
    reply.header('content-security-policy', CONSOLE_CSP);
    // The API's no-referrer would make browsers send `Origin: null` on the console's own form
    // posts; same-origin keeps the Origin check meaningful and still sends nothing off-site.
    reply.header('referrer-policy', 'same-origin');
  });

  // CSRF: SameSite=Strict already keeps the cookie off cross-site requests; on top, every
  // state-changing request made with the cookie must echo the session's token, and come from here.
  app.addHook('preHandler', async (request) => {
    if (request.method !== 'POST') return;
    if (!sameOrigin(request)) throw Object.assign(new Error('Cross-origin form posts are refused'), { statusCode: 403 });
    if (!request.viaSession) return;
    const token = readCookie(request, SESSION_COOKIE);
    const presented = (request.body as Record<string, unknown> | undefined)?._csrf;
    if (!token || !sessions.checkCsrf(token, presented)) {
      throw Object.assign(new Error('The form is stale or was not sent from this console; reload the page and try again'), { statusCode: 403 });
    }
  });

  /** The path (and query) of a Referer on this host, or null: never a way to send someone elsewhere. */
  const sameOriginPath = (referer: string | undefined, host: string | undefined): string | null => {
    if (!referer || !host) return null;
    try {
      const u = new URL(referer);
      if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.host !== host || !u.pathname.startsWith('/') || u.pathname.startsWith('//')) return null;
      if (u.pathname === '/login' || u.pathname === '/logout') return null;
      return `${u.pathname}${u.search}`;
    } catch {
      return null;
    }
  };

  // People get pages, programs keep problem+json: a signed-out browser is sent to the sign-in page.
  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    if (!wantsHtml(request)) throw error;
    const status = error.statusCode ?? (error as { status?: number }).status ?? 500;
    if (status === 401) {
      // A form sent after the session ended cannot be replayed (its contents are not kept), but the person is taken
      // back to the page they sent it from — it used to be the home page — when the browser says which (same origin only).
      const next = request.method === 'GET' ? request.url : (sameOriginPath(request.headers.referer, request.headers.host) ?? '/');
      return reply.redirect(`/login?next=${encodeURIComponent(next)}`, 303);
    }
    if (status >= 500) request.log.error({ err: { message: error.message, code: error.code } }, 'console page failed');
    const title = status === 403 ? 'Not allowed' : status === 404 ? 'Not found' : status === 429 ? 'Too many requests' : status >= 500 ? 'Something went wrong' : 'Cannot do that';
    const detail = status >= 500 ? `The request failed (${status}); request id ${String(request.id)}.` : error.message;
    const body = html`<p class="errors" role="alert">${detail}</p><p><a href="/">Back to the console</a></p>`;
    const ctx = request.principal ? pageContext(request, sessions) : null;
    return reply.code(status).type('text/html; charset=utf-8').send(page(title, body, ctx).text);
  });

  app.get('/console/console.css', { config: { access: 'public' }, schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=300').send(CSS),
  );

  // Browsers ask every site for /favicon.ico; it answered 404 (an error in the console log on every page).
  app.get('/favicon.ico', { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) => {
    reply.header('cache-control', FAVICON_CACHE).header('etag', FAVICON_ETAG);
    if (String(request.headers['if-none-match'] ?? '').split(/\s*,\s*/).includes(FAVICON_ETAG)) return reply.code(304).send();
    return reply.type('image/x-icon').send(FAVICON);
  });

  sessionRoutes(app, deps);
  screeningPages(app, deps);
  auditPages(app, deps);
  adminPages(app, deps);
  licencePages(app, deps);
  batchPages(app, deps);
  monitoringPages(app, deps);
  webhookPages(app, deps);
  suppressionPages(app, deps);
}
