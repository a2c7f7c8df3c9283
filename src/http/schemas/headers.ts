/**
 * Response headers the API sends and clients rely on, declared on the responses that carry them so that
 * the OpenAPI document (and the clients generated from it) shows them. @fastify/swagger turns a response
 * schema's `headers` into the OpenAPI response's `headers`; Fastify itself neither validates nor
 * serialises them (they are set by the handlers, the rate limiter and the problems plugin).
 */
import { Type, type TSchema } from 'typebox';

/** `Retry-After`: whole seconds (the problems plugin and the rate limiter never send an HTTP date). */
export const RetryAfterHeader = {
  'Retry-After': Type.Integer({ minimum: 1, description: 'Seconds to wait before retrying (with the same Idempotency-Key)', examples: [5] }),
};

/**
 * The rate limiter's headers (@fastify/rate-limit, when RATE_LIMIT_PER_MINUTE > 0): on every request that
 * got past authentication to the limiter, and on its 429.
 */
export const RateLimitHeaders = {
  'X-RateLimit-Limit': Type.Integer({ minimum: 1, description: "Requests per minute allowed for this API key (the key's own rateLimitPerMinute, else RATE_LIMIT_PER_MINUTE); absent when rate limiting is off" }),
  'X-RateLimit-Remaining': Type.Integer({ minimum: 0, description: 'Requests left in the current minute' }),
  'X-RateLimit-Reset': Type.Integer({ minimum: 0, description: 'Seconds until the current minute ends and the count starts again' }),
};

export const IdempotentReplayedHeader = {
  'Idempotent-Replayed': Type.String({
    enum: ['true'],
    description: 'Present (`true`) when the answer is the stored result of an earlier request with the same Idempotency-Key: nothing new was stored or screened',
  }),
};

export const locationHeader = (description: string) => ({ Location: Type.String({ description }) });

/** A JSON response with headers: `{ description, content: { 'application/json': { schema } }, headers }`. */
export function jsonWithHeaders<S extends TSchema>(description: string, schema: S, headers: Record<string, TSchema>) {
  return { description, content: { 'application/json': { schema } }, headers };
}
