/** One failing input field: what a service reports and a problem+json `errors` entry carries. */
import { Type, type Static } from 'typebox';

export const FieldError = Type.Object({
  field: Type.String({ description: 'JSON pointer into the request part named by `in`', examples: ['/parties/2/country'] }),
  in: Type.Union([Type.Literal('body'), Type.Literal('query'), Type.Literal('params'), Type.Literal('headers')]),
  message: Type.String(),
});
export type FieldError = Static<typeof FieldError>;
