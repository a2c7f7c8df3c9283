/**
 * Authentication and role checks for every route, from the route's own declaration:
 * `config: { access: 'public' | readonly Role[] }` (presets in ../access.ts). A route without a
 * declaration stops the app at start-up, so nothing becomes reachable by omission. Swagger UI's
 * routes under /docs and CORS preflight are the only routes implicitly public.
 *
 * The check runs in preParsing: after every onRequest hook (security headers, CORS, request id,
 * so a 401 carries them too) and before the body is parsed or validated, so an unauthenticated
 * caller learns nothing about a route's input rules. Unknown URLs fall through to the 404/405
 * handler unauthenticated. Register this plugin before any plugin that adds routes.
 */
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { AppError, forbidden } from '../../errors.js';
import { KeyVerifier } from '../../services/api-keys.js';
import { FailedAuthLimiter, WINDOW_MS } from '../../services/auth-failures.js';
import { countAuthFailure, purgeAuthFailures } from '../../store/auth-failures-repo.js';
import { loggableError } from '../../store/db-errors.js';
import type { Access } from '../access.js';
import type { Verification } from '../../services/api-keys.js';
import type { Principal } from '../../services/principal.js';

/**
 * How a console route finds its caller without an Authorization header: the session cookie,
 * verified against the key it names on every request. null: no session presented.
 */
export type SessionAuth = (request: FastifyRequest) => Promise<Verification | { ok: false; reason: 'session' } | null>;

export interface RouteAccess {
  method: string;
  url: string;
  access: Access;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Console routes: accept a session cookie when no Authorization header is sent. */
    session?: SessionAuth;
  }
  interface FastifyRequest {
    /** True when the caller was authenticated by a console session cookie (then CSRF applies). */
    viaSession: boolean;
  }
  interface FastifyInstance {
    /** Verifies API keys (with a short cache); call `.clear()` after revoking a key. */
    keyVerifier: KeyVerifier;
    /** Failed authentications by client address (AUTH_FAILURES_PER_MINUTE): API keys and console sign-in. */
    authFailures: FailedAuthLimiter;
    /** Every registered route with its declared access, for the access-matrix test and audits. */
    routeAccess: () => readonly RouteAccess[];
  }
}

const REASONS = {
  missing: 'A valid API key is required: Authorization: Bearer <key>',
  malformed: 'The Authorization header must be "Bearer <key>"',
  unknown: 'The API key is not valid',
  revoked: 'The API key has been revoked',
  expired: 'The API key has expired',
  session: 'The console session has ended or is not valid; sign in again',
} as const;

function unauthorized(reason: keyof typeof REASONS): AppError {
  // RFC 6750 §3: no error code when no credentials were sent; invalid_token otherwise.
  const challenge = reason === 'missing' ? 'Bearer realm="chokepoint"' : 'Bearer realm="chokepoint", error="invalid_token"';
  return new AppError(401, 'unauthorized', 'Unauthorized', REASONS[reason], undefined, { 'www-authenticate': challenge });
}

/** 429 for an address whose credentials failed too often this minute; Retry-After in whole seconds. */
export function tooManyFailures(waitMs: number): AppError {
  return new AppError(
    429, 'rate-limited', 'Too many requests',
    'Too many failed authentications from this address; retry after the given number of seconds',
    undefined, { 'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))) },
  );
}

function implicitAccess(route: RouteOptions): Access | undefined {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  if (route.url === '/docs' || route.url.startsWith('/docs/')) return 'public';
  if (route.url === '*' && methods.every((m) => m === 'OPTIONS')) return 'public'; // @fastify/cors preflight
  return undefined;
}

function bearerToken(request: FastifyRequest): string | { error: 'missing' | 'malformed' } {
  const header = request.headers.authorization;
  if (header === undefined || header === '') return { error: 'missing' };
  const m = /^Bearer +(\S+) *$/i.exec(header);
  return m?.[1] ? m[1] : { error: 'malformed' };
}

export default fp(
  async function authPlugin(app: FastifyInstance) {
    const verifier = new KeyVerifier(app.database.db);
    const db = app.database.db;
    const failures = new FailedAuthLimiter(app.config.authFailuresPerMinute, {
      shared: (address, minute) => countAuthFailure(db, address, new Date(minute).toISOString()),
      onSharedError: (err) => app.log.warn({ err: loggableError(err) }, 'could not count a failed authentication across replicas; this replica\'s own limit still holds'),
    });
    app.decorate('authFailures', failures);
    // The shared counts are needed for their minute only.
    const purge = failures.enabled
      ? setInterval(() => {
          purgeAuthFailures(db, new Date(Date.now() - 5 * WINDOW_MS)).catch((err) => app.log.warn({ err: loggableError(err) }, 'could not purge old failed-authentication counts'));
        }, WINDOW_MS)
      : undefined;
    purge?.unref();
    app.addHook('onClose', async () => clearInterval(purge));
    const routes: RouteAccess[] = [];
    app.decorate('keyVerifier', verifier);
    app.decorate('routeAccess', () => routes);
    app.decorateRequest('principal', null);
    app.decorateRequest('viaSession', false);

    app.addHook('onRoute', (route) => {
      const declared = route.config?.access ?? implicitAccess(route);
      if (declared === undefined) {
        throw new Error(`route ${String(route.method)} ${route.url} declares no config.access; add 'public' or roles from ACCESS in src/http/access.ts`);
      }
      route.config = { ...(route.config ?? {}), access: declared };
      for (const method of Array.isArray(route.method) ? route.method : [route.method]) routes.push({ method, url: route.url, access: declared });
    });

    const authenticate = async (request: FastifyRequest): Promise<Principal> => {
      const session = request.routeOptions.config.session;
      if (session && !request.headers.authorization) {
        const v = await session(request);
        if (!v) throw unauthorized('missing');
        if (!v.ok) throw unauthorized(v.reason);
        request.viaSession = true;
        return v.principal;
      }
      const token = bearerToken(request);
      if (typeof token === 'string' || token.error !== 'missing') {
        // Held back without a lookup, unless this very key verified here lately (a shared proxy address).
        const wait = failures.blockedFor(request.ip);
        if (wait > 0 && (typeof token !== 'string' || !verifier.recentlyVerified(token))) throw tooManyFailures(wait);
      }
      if (typeof token !== 'string') {
        if (token.error !== 'missing') failures.failed(request.ip);
        throw unauthorized(token.error);
      }
      const result = await verifier.verify(token);
      if (!result.ok) {
        failures.failed(request.ip);
        throw unauthorized(result.reason);
      }
      return result.principal;
    };

    app.addHook('preParsing', async (request) => {
      if (request.is404) return;
      const access = request.routeOptions.config.access;
      if (access === 'public') return;
      if (access === undefined) throw unauthorized('missing'); // unreachable: onRoute refuses such routes
      const principal = await authenticate(request);
      request.principal = principal;
      if (!access.includes(principal.role)) {
        throw forbidden(`A ${principal.role} key may not call ${request.method} ${request.routeOptions.url}; allowed: ${access.join(', ')}`);
      }
    });
  },
  { name: 'auth', fastify: '5.x' },
);
