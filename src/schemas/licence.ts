/**
 * Export licences the exporter holds (15 CFR 750.7) and what a screening draws from them. A licence is
 * a series of append-only versions (issue, amend, revoke); its balance is derived from the append-only
 * draw-down history. These shapes are the API contract and what the engine receives.
 */
import { Type, type Static } from 'typebox';
import { CountryInput } from './shipment.js';

const IsoDate = Type.String({ format: 'date', description: 'YYYY-MM-DD', examples: ['2026-01-15'] });

export const LICENCE_PARTY_ROLES = ['ultimate_consignee', 'end_user', 'intermediate_consignee', 'purchaser'] as const;

export const LicenceParty = Type.Object(
  {
    role: Type.Union(LICENCE_PARTY_ROLES.map((r) => Type.Literal(r))),
    name: Type.String({ minLength: 1, maxLength: 300 }),
    country: CountryInput,
  },
  { additionalProperties: false },
);

/** What an officer records (POST /v1/licences, and an amendment's new terms). */
export const LicenceInput = Type.Object(
  {
    number: Type.String({ minLength: 1, maxLength: 40, description: 'As BIS issued it; only printable characters are checked (no cited source states its shape)', examples: ['D1234567'] }),
    eccns: Type.Array(Type.String({ minLength: 5, maxLength: 20 }), { minItems: 1, maxItems: 50, description: 'ECCNs covered; a paragraph covers its sub-paragraphs (3A090 covers 3A090.a and .b)', examples: [['3A090.a']] }),
    chips: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 100, description: 'Catalog chip ids the licence is limited to (GET /v1/rules lists the catalog)' })),
    destination: CountryInput,
    parties: Type.Array(LicenceParty, { minItems: 1, maxItems: 50, description: 'Named parties; at least the ultimate consignee' }),
    quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000, description: 'Units authorised (the ECCN\'s "Number" unit)' })),
    valueUsd: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1e12, description: 'Dollar value authorised' })),
    validFrom: IsoDate,
    validTo: IsoDate,
    conditions: Type.Optional(Type.String({ maxLength: 10_000, description: 'Conditions (riders) as printed on the licence' })),
  },
  { additionalProperties: false },
);
export type LicenceInput = Static<typeof LicenceInput>;

export const LicenceRevokeBody = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 2000 }) },
  { additionalProperties: false },
);

export const LicenceBalance = Type.Object({
  quantityDrawn: Type.Integer(),
  valueDrawnUsd: Type.Number(),
  quantityRemaining: Type.Union([Type.Integer(), Type.Null()], { description: 'null: no quantity ceiling; never below 0 (a licence drawn past its ceiling says so in `overdrawn`)' }),
  valueRemainingUsd: Type.Union([Type.Number(), Type.Null()], { description: 'null: no value ceiling; before the 750.11 tolerance; never below 0' }),
  overdrawn: Type.Union(
    [
      Type.Object({
        quantity: Type.Integer({ minimum: 0, description: 'Units drawn beyond the quantity ceiling (0: none)' }),
        valueUsd: Type.Number({ minimum: 0, description: 'USD drawn beyond the value ceiling with its 15 CFR 750.11 shipping tolerance (0: none)' }),
      }),
      Type.Null(),
    ],
    {
      description:
        'null, unless more is drawn than the licence now allows — it was amended below what its screenings had already drawn (BIS can cut a licence). ' +
        'Such a licence covers no new shipment until draws are given back (cancelled, blocked); the draws stand and the screenings that made them are re-screened by continuous monitoring.',
    },
  ),
});

export const Licence = Type.Object({
  id: Type.String(),
  version: Type.Integer({ description: '1 when issued; each amendment or revocation adds one' }),
  status: Type.Union([Type.Literal('active'), Type.Literal('revoked')]),
  ...LicenceInput.properties,
  destination: Type.String({ description: 'ISO alpha-2' }),
  parties: Type.Array(Type.Object({ role: Type.String(), name: Type.String(), country: Type.String() })),
  balance: LicenceBalance,
  recordedBy: Type.Union([Type.String(), Type.Null()], { description: 'API key id that recorded the current version' }),
  recordedByName: Type.Union([Type.String(), Type.Null()], { description: "Who: the acting key's holder, else its name, as recorded with the event" }),
  recordedAt: Type.String({ format: 'date-time' }),
});
export type Licence = Static<typeof Licence>;

export const LicenceDraw = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('reserve'), Type.Literal('release')]),
  screeningId: Type.String(),
  quantity: Type.Integer(),
  valueUsd: Type.Number(),
  at: Type.String({ format: 'date-time' }),
  by: Type.Union([Type.String(), Type.Null()], { description: 'API key id' }),
  byName: Type.Union([Type.String(), Type.Null()], { description: "Who: the acting key's holder, else its name, as recorded with the event" }),
});

export const LicenceVersion = Type.Object({
  version: Type.Integer(),
  action: Type.Union([Type.Literal('issued'), Type.Literal('amended'), Type.Literal('revoked')]),
  at: Type.String({ format: 'date-time' }),
  by: Type.Union([Type.String(), Type.Null()], { description: 'API key id' }),
  byName: Type.Union([Type.String(), Type.Null()], { description: "Who: the acting key's holder, else its name, as recorded with the event" }),
  reason: Type.Union([Type.String(), Type.Null()]),
});

export const LicenceDetail = Type.Object({
  ...Licence.properties,
  history: Type.Array(LicenceVersion, { description: 'Every version, oldest first' }),
  draws: Type.Array(LicenceDraw, { description: 'Draw-down history, oldest first; the balance is derived from it' }),
});

/** What the engine receives for each licence that could cover a shipment: the terms and what has been drawn. */
export interface LicenceCandidate {
  id: string;
  number: string;
  status: 'active' | 'revoked';
  eccns: string[];
  chips: string[];
  destination: string;
  parties: Array<{ role: string; name: string; country: string }>;
  quantity: number | null;
  valueUsd: number | null;
  validFrom: string;
  validTo: string;
  quantityDrawn: number;
  valueDrawnUsd: number;
}

/** What a screening records about how its licence requirement was met (or not). */
export const Authorisation = Type.Object({
  status: Type.Union([Type.Literal('not_required'), Type.Literal('licence'), Type.Literal('exception'), Type.Literal('not_authorised')]),
  licence: Type.Optional(
    Type.Object({
      id: Type.String(),
      number: Type.String(),
      draw: Type.Object({ quantity: Type.Integer(), valueUsd: Type.Number() }),
    }),
  ),
  exceptions: Type.Array(Type.Object({ type: Type.String(), number: Type.Union([Type.String(), Type.Null()]), accepted: Type.Boolean(), items: Type.Array(Type.Integer()) })),
});
export type Authorisation = Static<typeof Authorisation>;
