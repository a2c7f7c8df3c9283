/** Reviewed false positives (suppressions): what a reviewer records, what an auditor lists. */
import { Type, type Static } from 'typebox';
import { CountryInput } from './shipment.js';

export const SuppressionBody = Type.Object(
  {
    partyId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: "The ERP's party id (as sent in parties[].partyId); or give name + country", examples: ['C-100234'] })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 300, description: 'The party name as screened (compared after the matcher’s normalisation)', examples: ['Bright Harbour Trading Co., Ltd.'] })),
    country: Type.Optional(CountryInput),
    entryId: Type.String({ minLength: 1, maxLength: 200, description: 'The list entry the party is NOT (parties[].matches[].entryId of a screening)' }),
    entryList: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 50,
        description: "The entry's list code (parties[].matches[].list). An entry id is unique only within its list: required when the id is on more than one list (400 otherwise)",
        examples: ['SDN'],
      }),
    ),
    justification: Type.String({ minLength: 1, maxLength: 2000, examples: ['Different company: registry no. 201912345K, incorporated 1998, address differs from the entry'] }),
    expiresAt: Type.String({ format: 'date-time', description: 'When the review must be redone; at most 730 days ahead', examples: ['2027-06-30T00:00:00Z'] }),
  },
  { additionalProperties: false },
);
export type SuppressionBody = Static<typeof SuppressionBody>;

export const WithdrawalBody = Type.Object(
  { justification: Type.String({ minLength: 1, maxLength: 2000, examples: ['Customer changed ownership; review again'] }) },
  { additionalProperties: false },
);
export type WithdrawalBody = Static<typeof WithdrawalBody>;

export const SUPPRESSION_STATES = ['active', 'expired', 'withdrawn'] as const;

export const Suppression = Type.Object({
  id: Type.String(),
  state: Type.Unsafe<(typeof SUPPRESSION_STATES)[number]>(Type.Union(SUPPRESSION_STATES.map((s) => Type.Literal(s)))),
  partyId: Type.Union([Type.String(), Type.Null()]),
  name: Type.Union([Type.String(), Type.Null()]),
  nameKey: Type.Union([Type.String(), Type.Null()], { description: 'The name as compared (normalised)' }),
  country: Type.Union([Type.String(), Type.Null()]),
  entry: Type.Object({ id: Type.String(), list: Type.String(), name: Type.String(), hash: Type.String({ description: 'sha256 of the entry as reviewed' }) }),
  justification: Type.String(),
  by: Type.Union([Type.String(), Type.Null()], { description: 'API key id of the reviewer' }),
  byName: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: "The reviewer: the key's holder, else the key's name" })),
  at: Type.String({ format: 'date-time' }),
  expiresAt: Type.String({ format: 'date-time' }),
  withdrawal: Type.Union([
    Type.Null(),
    Type.Object({ by: Type.Union([Type.String(), Type.Null()]), byName: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: "The reviewer: the key's holder, else the key's name" })), at: Type.String({ format: 'date-time' }), justification: Type.String() }),
  ]),
});
export type Suppression = Static<typeof Suppression>;

export const ListSuppressionsQuery = Type.Object(
  {
    entryId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);
export type ListSuppressionsQuery = Static<typeof ListSuppressionsQuery>;

export const SuppressionPage = Type.Object({
  items: Type.Array(Suppression),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const SuppressionIdParams = Type.Object({ id: Type.String({ format: 'uuid', description: 'Suppression id' }) });
