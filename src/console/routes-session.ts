/** Sign-in (an API key exchanged for a session cookie), sign-out, and the home page by role. */
import type { FastifyInstance } from 'fastify';
import { ACCESS } from '../http/access.js';
import type { Role } from '../services/principal.js';
import type { ConsoleDeps } from './index.js';
import { html } from './html.js';
import { page } from './layout.js';
import { loginPage } from './views/forms.js';
import { clearSessionCookie, readCookie, SESSION_COOKIE, setSessionCookie } from './session-http.js';

const HOME: Record<Role, string> = { reviewer: '/queue', admin: '/queue', auditor: '/log', submitter: '/mine' };

/** Only a path on this site: never an absolute URL or a protocol-relative one (open redirect). */
const safeNext = (next: unknown): string | null => (typeof next === 'string' && /^\/(?![/\\])[^\s]*$/.test(next) && !next.startsWith('/login') ? next : null);

const REFUSED: Record<string, string> = {
  malformed: 'That is not an API key. Keys look like ck_1a2b3c4d_… .',
  unknown: 'This API key is not valid.',
  revoked: 'This API key has been revoked. Ask your administrator for a new one.',
  expired: 'This API key has expired. Ask your administrator for a new one.',
};

export default function sessionRoutes(app: FastifyInstance, deps: ConsoleDeps) {
  const publicPage = { config: { access: ACCESS.public }, schema: { hide: true } } as const;

  app.get('/', deps.route(ACCESS.readScreenings), async (request, reply) => reply.redirect(HOME[request.principal!.role], 303));

  app.get<{ Querystring: { next?: string } }>('/login', publicPage, async (request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(page('Sign in', loginPage({ error: null, next: safeNext(request.query.next) ?? '' }), null).text),
  );

  app.post<{ Body: Record<string, string> }>('/login', publicPage, async (request, reply) => {
    const body = request.body ?? {};
    const key = typeof body.key === 'string' ? body.key.trim() : '';
    const next = safeNext(body.next);
    // The API's failed-authentication limit applies to the sign-in form too (it is the same key).
    const wait = key ? app.authFailures.blockedFor(request.ip) : 0;
    if (wait > 0 && !app.keyVerifier.recentlyVerified(key)) {
      const seconds = Math.max(1, Math.ceil(wait / 1000));
      request.log.warn({ reason: 'too-many-failures' }, 'console sign-in refused');
      return reply
        .code(429)
        .header('retry-after', String(seconds))
        .type('text/html; charset=utf-8')
        .send(page('Sign in', loginPage({ error: `Too many failed sign-ins from your address. Try again in ${seconds} seconds.`, next: next ?? '' }), null).text);
    }
    const outcome = key ? await deps.sessions.signIn(key) : ({ ok: false, reason: 'malformed' } as const);
    if (!outcome.ok) {
      if (key) app.authFailures.failed(request.ip);
      request.log.info({ reason: outcome.reason }, 'console sign-in refused');
      // No key in the form is a bad form (400); a key that does not verify is 401.
      return reply
        .code(key ? 401 : 400)
        .type('text/html; charset=utf-8')
        .send(page('Sign in', loginPage({ error: REFUSED[outcome.reason] ?? 'Sign-in refused.', next: next ?? '' }), null).text);
    }
    const principal = outcome.verification.ok ? outcome.verification.principal : null;
    request.log.info({ apiKeyId: principal?.keyId, role: principal?.role }, 'console sign-in');
    setSessionCookie(request, reply, outcome.token, deps.sessions.maxAgeSeconds);
    return reply.redirect(next ?? (principal ? HOME[principal.role] : '/'), 303);
  });

  // Signing out ends the session on the server (every replica refuses its cookie from now on), then
  // drops the cookie. If the end cannot be stored, nothing is pretended: the cookie stays, the page
  // says so and offers to try again (a program gets the usual 503).
  app.post('/logout', publicPage, async (request, reply) => {
    const token = readCookie(request, SESSION_COOKIE);
    if (token) {
      let ended: boolean;
      try {
        ended = await deps.sessions.signOut(token);
      } catch (err) {
        if (!/text\/html/.test(String(request.headers.accept ?? ''))) throw err;
        request.log.warn({ err: { message: (err as Error).message, code: (err as { code?: unknown }).code } }, 'console sign-out could not be stored');
        const body = html`<p class="errors" role="alert">Signing out failed: the session could not be ended on the server, so it is still active. Try again in a moment.</p>
<form method="post" action="/logout"><button type="submit">Sign out</button></form>`;
        return reply.code(503).header('retry-after', '5').header('cache-control', 'no-store').type('text/html; charset=utf-8').send(page('Sign out failed', body, null).text);
      }
      request.log.info({ ended }, 'console sign-out');
      // Rows of sessions past their expiry are no longer needed; best effort (the next sign-out retries).
      if (ended) {
        await deps.sessions.purgeEnded().then(
          (purged) => {
            if (purged > 0) request.log.info({ purged }, 'ended console sessions purged');
          },
          (err: Error) => request.log.warn({ err: { message: err.message } }, 'purging ended console sessions failed'),
        );
      }
    }
    clearSessionCookie(reply);
    return reply.redirect('/login', 303);
  });
}
