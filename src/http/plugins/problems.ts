/**
 * Every error leaves as RFC 9457 application/problem+json with the request id: validation
 * failures name each field, unknown routes are 404, a known path with the wrong method is 405,
 * and a 5xx never carries internal detail.
 */
import { html } from '../../console/html.js';
import { page } from '../../console/layout.js';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../../errors.js';
import { isStorageFailure } from '../../services/storage-errors.js';
import { loggableError } from '../../store/db-errors.js';
import { Problem, type FieldError } from '../schemas/problem.js';

export const PROBLEM_TYPE = (code: string) => `urn:chokepoint:problem:${code}`;

const TITLES: Record<number, [string, string]> = {
  400: ['validation', 'Invalid request'],
  401: ['unauthorized', 'Unauthorized'],
  403: ['forbidden', 'Forbidden'],
  404: ['not-found', 'Not found'],
  405: ['method-not-allowed', 'Method not allowed'],
  406: ['not-acceptable', 'Not acceptable'],
  409: ['conflict', 'Conflict'],
  413: ['payload-too-large', 'Payload too large'],
  414: ['uri-too-long', 'URI too long'],
  415: ['unsupported-media-type', 'Unsupported media type'],
  422: ['unprocessable', 'Unprocessable'],
  429: ['rate-limited', 'Too many requests'],
  431: ['headers-too-large', 'Request header fields too large'],
  500: ['internal', 'Internal server error'],
  503: ['unavailable', 'Service unavailable'],
};

function sendProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  status: number,
  detail: string | undefined,
  opts: { code?: string; title?: string; errors?: FieldError[] | undefined } = {},
) {
  const [code, title] = TITLES[status] ?? (status >= 500 ? ['internal', 'Internal server error'] : ['error', 'Error']);
  const body: Problem = {
    type: PROBLEM_TYPE(opts.code ?? code),
    title: opts.title ?? title,
    status,
    ...(detail ? { detail } : {}),
    instance: request.url.split('?')[0] ?? request.url,
    requestId: String(request.id),
    ...(opts.errors && opts.errors.length ? { errors: opts.errors } : {}),
  };
  return reply.code(status).type('application/problem+json; charset=utf-8').send(body);
}

type Ajvish = { instancePath?: string; keyword?: string; params?: Record<string, unknown>; message?: string };
const CONTEXT: Record<string, FieldError['in']> = { body: 'body', querystring: 'query', params: 'params', headers: 'headers' };

export function validationErrors(validation: Ajvish[], context: string | undefined): FieldError[] {
  const where = CONTEXT[context ?? 'body'] ?? 'body';
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const v of validation) {
    let field = v.instancePath || '';
    const p = v.params ?? {};
    if (v.keyword === 'required' && typeof p.missingProperty === 'string') field += `/${p.missingProperty}`;
    if (v.keyword === 'additionalProperties' && typeof p.additionalProperty === 'string') field += `/${p.additionalProperty}`;
    let message = v.message ?? 'is invalid';
    if (v.keyword === 'additionalProperties') message = 'is not a known field';
    if (v.keyword === 'required') message = 'is required';
    // Ajv says "must be equal to one of the allowed values"; a caller needs to see them.
    if (v.keyword === 'enum' && Array.isArray(p.allowedValues)) message = `must be one of: ${p.allowedValues.map(String).join(', ')}`;
    if (v.keyword === 'const' && 'allowedValue' in p) message = `must be ${String(p.allowedValue)}`;
    if (field === '') field = '/';
    const key = `${field}|${message}`;
    // anyOf/union failures repeat one field many times; one line per field is what a caller can act on.
    if (seen.has(field) && (v.keyword === 'anyOf' || v.keyword === 'const' || v.keyword === 'type')) continue;
    if (seen.has(key)) continue;
    seen.add(key);
    seen.add(field);
    out.push({ field, in: where, message });
  }
  return out.slice(0, 50);
}

const FASTIFY_CODES: Record<string, [number, string]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'Content-Type must be application/json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'Content-Length does not match the body'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'The body is empty but Content-Type is application/json'],
  // the parser refuses prototype-poisoning keys with the same code, and does not say which it was
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'The body is not valid JSON, or holds a key named "__proto__" (or "constructor" with "prototype"), which is refused'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'The request body exceeds the configured limit'],
  FST_ERR_CTP_INVALID_TYPE: [415, 'Content-Type is not valid'],
};

export default fp(
  async function problemsPlugin(app: FastifyInstance) {
    app.addSchema(Problem);

    // Route patterns by method, to tell 405 from 404.
    const routes: Array<{ re: RegExp; methods: Set<string> }> = [];
    app.addHook('onRoute', (route) => {
      const pattern = route.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\\*|:[A-Za-z0-9_]+/g, '[^/]+');
      const re = new RegExp(`^${pattern}/?$`);
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const existing = routes.find((r) => r.re.source === re.source);
      if (existing) methods.forEach((m) => existing.methods.add(m));
      else routes.push({ re, methods: new Set(methods) });
    });

    app.setNotFoundHandler((request, reply) => {
      const path = request.url.split('?')[0] ?? '';
      const allowed = new Set<string>();
      for (const r of routes) if (r.re.test(path)) r.methods.forEach((m) => allowed.add(m));
      if (allowed.size > 0) {
        reply.header('allow', [...allowed].sort().join(', '));
        return sendProblem(reply, request, 405, `${request.method} is not allowed on ${path}; use ${[...allowed].sort().join(', ')}`);
      }
      // A person who mistyped a console address gets a page with a way back, not problem+json; the API keeps problems.
      if (request.method === 'GET' && !path.startsWith('/v1/') && /text\/html/.test(String(request.headers.accept ?? ''))) {
        const body = html`<p class="errors" role="alert">There is no page at <code>${path.slice(0, 200)}</code>.</p><p><a href="/">Go to the console</a></p>`;
        return reply.code(404).type('text/html; charset=utf-8').send(page('Page not found', body, null).text);
      }
      return sendProblem(reply, request, 404, `No route ${request.method} ${path}`);
    });

    app.setErrorHandler((error: FastifyError | AppError | Error, request, reply) => {
      if (error instanceof AppError) {
        if (error.headers) reply.headers(error.headers);
        return sendProblem(reply, request, error.status, error.message, { code: error.code, title: error.title, errors: error.errors });
      }
      const fe = error as FastifyError & { validation?: Ajvish[]; validationContext?: string };
      if (fe.validation) {
        const errors = validationErrors(fe.validation, fe.validationContext);
        const first = errors[0];
        const detail = first ? `${first.in} ${first.field}: ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}` : 'Invalid request';
        return sendProblem(reply, request, 400, detail, { errors });
      }
      const known = fe.code ? FASTIFY_CODES[fe.code] : undefined;
      if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        // Say the limit, so an ERP integrator knows how far to split a batch.
        const limit = request.routeOptions.bodyLimit ?? app.initialConfig.bodyLimit ?? 0;
        return sendProblem(reply, request, 413, `The request body exceeds the limit of ${limit} bytes (LIMIT_BODY_BYTES)`);
      }
      if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
        // Say what this route takes (POST /v1/batches: CSV, NDJSON or JSON), not only what most routes take.
        const consumes = (request.routeOptions.schema as { consumes?: unknown } | undefined)?.consumes;
        const accepted = Array.isArray(consumes) && consumes.length ? consumes.map(String) : ['application/json'];
        return sendProblem(reply, request, 415, accepted.length === 1 ? `Content-Type must be ${accepted[0]}` : `Content-Type must be one of: ${accepted.join(', ')}`);
      }
      if (known) return sendProblem(reply, request, known[0], known[1]);
      const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
      if (status >= 400 && status < 500) {
        if (status === 429 && !reply.getHeader('retry-after')) reply.header('retry-after', '60');
        return sendProblem(reply, request, status, status === 429 ? 'Rate limit exceeded for this key; retry after the given number of seconds' : fe.message);
      }
      // The database is down, restarting, read-only or overloaded: fail closed with a retryable 503.
      if (isStorageFailure(error)) {
        request.log.warn({ err: loggableError(error) }, 'database unavailable');
        reply.header('retry-after', '5');
        return sendProblem(reply, request, 503, 'The database is unavailable; nothing was stored. Retry shortly.', { code: 'unavailable' });
      }
      // Query errors carry SQL parameters (names, hashes): log codes and frames only.
      request.log.error({ err: loggableError(error) }, 'unhandled error');
      if (status === 503) reply.header('retry-after', '5');
      return sendProblem(reply, request, status === 503 ? 503 : 500, status === 503 ? 'Service unavailable' : 'An internal error occurred; quote the request id to the operator');
    });
  },
  { name: 'problems' },
);
