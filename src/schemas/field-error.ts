/** One failing input field: what a service reports and a problem+json `errors` entry carries. */
import { Type, type Static } from 'typebox';
import { stringEnum } from './named.js';

export const FieldError = Type.Object({
  field: Type.String({ description: 'JSON pointer into the request part named by `in`', examples: ['/parties/2/country'] }),
  in: stringEnum(['body', 'query', 'params', 'headers'] as const),
  message: Type.String(),
});
export type FieldError = Static<typeof FieldError>;
