/** RFC 9457 problem details: the one error shape of the API. */
import { Type, type Static, type TSchema } from 'typebox';
import { FieldError } from '../../schemas/field-error.js';
import { RateLimitHeaders, RetryAfterHeader } from './headers.js';

export { FieldError };

export const Problem = Type.Object(
  {
    type: Type.String({ examples: ['urn:chokepoint:problem:validation'] }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
    requestId: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(FieldError)),
  },
  { $id: 'Problem', description: 'RFC 9457 application/problem+json' },
);
export type Problem = Static<typeof Problem>;

const ref = Type.Ref('Problem');
/** A problem response with its own description (a route that says more than the standard one). */
export const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref } } });
/** A problem response that carries headers (declared for the OpenAPI document; set by the error handler, the limiter, a service). */
export const problemWithHeaders = <H extends Record<string, TSchema>>(description: string, headers: H) => ({ ...problem(description), headers });

/** Standard error responses to spread into a route's `response` schema. */
export const problemResponses = {
  400: problem('Invalid request: `errors` names each failing field'),
  401: problem('Missing or invalid API key'),
  403: problem('The key lacks the role this route needs'),
  404: problem('Not found'),
  405: problem('Method not allowed'),
  409: problem('Conflict'),
  413: problem('Request body too large'),
  422: problem('Understood but refused (e.g. an invalid ruleset or list)'),
  415: problem('Unsupported media type'),
  429: problemWithHeaders(
    "Rate limit exceeded: the key's requests per minute are spent (with X-RateLimit-*), or too many failed authentications came from this address; wait Retry-After seconds",
    { ...RetryAfterHeader, ...RateLimitHeaders },
  ),
  500: problem('Internal error (no internal detail is disclosed)'),
  503: problemWithHeaders('Service unavailable: database or rules not ready; no decision was made. Retry after Retry-After seconds', RetryAfterHeader),
} as const;

export function problems<const K extends keyof typeof problemResponses>(...codes: K[]): Pick<typeof problemResponses, K> {
  const out = {} as Pick<typeof problemResponses, K>;
  for (const c of codes) out[c] = problemResponses[c];
  return out;
}
