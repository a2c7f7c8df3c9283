/** RFC 9457 problem details: the one error shape of the API. */
import { Type, type Static } from 'typebox';
import { FieldError } from '../../schemas/field-error.js';

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
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref } } });

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
  429: problem('Rate limit exceeded; see Retry-After'),
  500: problem('Internal error (no internal detail is disclosed)'),
  503: problem('Service unavailable: database or rules not ready; no decision was made'),
} as const;

export function problems<const K extends keyof typeof problemResponses>(...codes: K[]): Pick<typeof problemResponses, K> {
  const out = {} as Pick<typeof problemResponses, K>;
  for (const c of codes) out[c] = problemResponses[c];
  return out;
}
