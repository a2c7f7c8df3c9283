/**
 * Hardening around every route:
 * - security headers (@fastify/helmet). The CSP allows what Swagger UI at /docs needs (its own
 *   scripts and styles from this origin, inline style attributes, data: images) and nothing else;
 *   no upgrade-insecure-requests, which would break /docs on a plain-http local start.
 * - CORS closed (no CORS headers at all) unless config.corsOrigins names origins.
 * - rate limiting per API key (per IP for public routes), after authentication: the limiter runs
 *   in preHandler, where request.principal (set by the auth plugin's preParsing hook) is known. Counters are per replica (in memory).
 *   Requests refused by auth never reach it; they cost one cached hash lookup.
 * - only JSON bodies, read as strict UTF-8: Fastify's default text/plain parser is removed, so any other content type → 415.
 * - no number that coerced to Infinity ("1e9999") gets past validation, in a body or a query string.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { refuseContentEncodings } from '../schemas/content-encoding.js';
import helmet from '@fastify/helmet';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import { AppError, badRequest } from '../../errors.js';
import { nonFiniteNumberErrors } from '../../services/input-guards.js';
import { duplicateKeyPointer } from '../../services/json-duplicate-keys.js';

/**
 * The console's pages (src/console) carry no script at all: server-rendered HTML and SVG, a
 * stylesheet from this origin, forms posting to this origin. Their policy is therefore stricter
 * than the API's (which allows Swagger UI's inline styles): no script, no inline style, no frame.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'none'",
  "style-src 'self'",
  "img-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export default fp(
  async function securityPlugin(app: FastifyInstance) {
    const { config } = app;

    await app.register(helmet, {
      contentSecurityPolicy: {
        useDefaults: true,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          frameAncestors: ["'none'"],
          formAction: ["'self'"],
          upgradeInsecureRequests: null,
        },
      },
      // An API answers other origins only through CORS; nothing here is meant to be embedded.
      crossOriginResourcePolicy: { policy: 'same-origin' },
      referrerPolicy: { policy: 'no-referrer' },
    });

    if (config.corsOrigins.length > 0) {
      await app.register(cors, {
        origin: config.corsOrigins,
        methods: ['GET', 'HEAD', 'POST', 'DELETE'],
        allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-request-id'],
        exposedHeaders: ['x-request-id', 'retry-after', 'location', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'],
        credentials: false,
        maxAge: 600,
      });
    }

    if (config.rateLimitPerMinute > 0) {
      await app.register(rateLimit, {
        global: true,
        hook: 'preHandler',
        // A key's own limit (POST /v1/api-keys rateLimitPerMinute: an ERP key may need more than a person's), else the default.
        max: (request) => request.principal?.rateLimitPerMinute ?? config.rateLimitPerMinute,
        timeWindow: 60_000,
        keyGenerator: (request) => (request.principal ? `key:${request.principal.keyId}` : `ip:${request.ip}`),
        // Thrown; the problems plugin turns a 429 into problem+json and keeps Retry-After.
        errorResponseBuilder: (_request, context) =>
          Object.assign(new Error(`Rate limit exceeded, retry in ${context.after}`), { statusCode: context.statusCode }),
      });
    }

    app.removeContentTypeParser('text/plain');

    // JSON bodies are UTF-8 (RFC 8259 §8.1), read strictly: the default parser decoded a Latin-1 "Müller" as
    // "M\uFFFDller" and that garbled name was screened against the lists and sealed. Invalid bytes are a 400,
    // another declared charset a 415; a byte-order mark is dropped; the rest is Fastify's own parser
    // (prototype-poisoning keys refused, an empty body refused).
    const parseJson = app.getDefaultJsonParser('error', 'error');
    const utf8 = new TextDecoder('utf-8', { fatal: true });
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
      const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(String(request.headers['content-type'] ?? ''))?.[1]?.toLowerCase();
      if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
        return done(new AppError(415, 'unsupported-media-type', 'Unsupported media type', `JSON bodies are UTF-8; charset=${charset.slice(0, 40)} is not accepted`), undefined);
      }
      let text: string;
      try {
        text = utf8.decode(body as Buffer);
      } catch {
        return done(badRequest('body: not valid UTF-8', [{ field: '/', in: 'body', message: 'is not valid UTF-8 (JSON bodies must be UTF-8)' }]), undefined);
      }
      parseJson(request, text, (err, value) => {
        if (err) return done(err, undefined);
        // A member named twice in one object (`"quantity": 1, … "quantity": 5000`): JSON.parse keeps the last,
        // another reader the first — refused, naming it, rather than screening one of two shipments.
        const dup = duplicateKeyPointer(text);
        if (dup !== null) return done(badRequest(`${dup}: named twice in one object`, [{ field: dup, in: 'body', message: 'is named twice in one object (a JSON member must be unique)' }]), undefined);
        done(null, value);
      });
    });

    // A compressed body is refused with 415 naming its coding on every route (the console's forms, dispositions,
    // keys…), not read as text and answered "not valid UTF-8" — except the batch upload, which decodes gzip
    // itself (src/http/routes/batches.ts).
    const identityOnly = refuseContentEncodings([]);
    app.addHook('preParsing', async (request) => {
      if (request.method === 'POST' && request.routeOptions.url === '/v1/batches') return;
      await identityOnly(request);
    });

    // After validation (and its coercion), before any handler: no Infinity reaches a service.
    app.addHook('preHandler', async (request) => {
      const errors = [...nonFiniteNumberErrors(request.query, 'query'), ...nonFiniteNumberErrors(request.body, 'body')];
      if (errors.length) throw badRequest(`${errors[0]!.field}: ${errors[0]!.message}`, errors);
    });
  },
  { name: 'security', fastify: '5.x', dependencies: ['auth'] },
);
