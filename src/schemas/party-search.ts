/** GET /v1/parties/search: query and response. */
import { Type, type Static } from 'typebox';

export const SearchQuery = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 300, description: 'Party name as your records show it' }),
    country: Type.Optional(Type.String({ minLength: 2, maxLength: 64, description: 'ISO alpha-2/alpha-3 or English name' })),
    list: Type.Optional(Type.String({ pattern: '^[A-Za-z-]{2,10}(,[A-Za-z-]{2,10}){0,15}$', description: 'Comma-separated list codes (EL, DPL, SDN, MEU, UVL, …)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 10 })),
    threshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Match threshold for this search (default MATCH_THRESHOLD)' })),
  },
  { additionalProperties: false },
);

const Explanation = Type.Object({
  summary: Type.String(),
  pieces: Type.Array(Type.Object({ name: Type.String(), value: Type.Number(), weight: Type.Optional(Type.Number()), note: Type.Optional(Type.String()) })),
  matchedTokens: Type.Optional(Type.Array(Type.String())),
});

export const SearchResponse = Type.Object({
  results: Type.Array(
    Type.Object({
      entryId: Type.String(),
      name: Type.String(),
      matchedName: Type.String(),
      list: Type.String(),
      source: Type.String(),
      score: Type.Number(),
      match: Type.Boolean(),
      countries: Type.Array(Type.String()),
      licenseRequirement: Type.Union([Type.String(), Type.Null()]),
      licensePolicy: Type.Union([Type.String(), Type.Null()]),
      federalRegisterNotice: Type.Union([Type.String(), Type.Null()]),
      explanation: Explanation,
    }),
  ),
  threshold: Type.Number(),
  ruleset: Type.Object({ version: Type.String(), hash: Type.String() }),
});
export type SearchQuery = Static<typeof SearchQuery>;
export type SearchResponse = Static<typeof SearchResponse>;
