/** The screening result (API contract v1). The response schema is an allow-list: add fields here first. */
import { Authorisation } from './licence.js';
import { Type, type Static } from 'typebox';

export const DECISIONS = ['CLEAR', 'REVIEW', 'LICENSE_REQUIRED', 'BLOCK'] as const;
export const FLAG_CATEGORIES = ['item', 'destination', 'party', 'route', 'end_use', 'red_flag', 'data_quality'] as const;
export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export const CLASSIFICATION_BASES = ['catalog', 'specs', 'declared', 'unknown'] as const;

/** A union of string literals whose Static type is the literal union (a mapped array alone types as never). */
export function literalUnion<const T extends readonly string[]>(values: T) {
  return Type.Unsafe<T[number]>(Type.Union(values.map((v) => Type.Literal(v))));
}

export const Decision = literalUnion(DECISIONS);
export const FlagCategory = literalUnion(FLAG_CATEGORIES);
export const Severity = literalUnion(SEVERITIES);

export const Flag = Type.Object({
  ruleId: Type.String({ examples: ['DEST-3A090A-D5'] }),
  category: FlagCategory,
  severity: Severity,
  /** The decision this flag asks for on its own; the combiner takes the strongest. */
  decision: Decision,
  message: Type.String(),
  citation: Type.String({ examples: ['15 CFR 742.6(a)(6)(iii)'] }),
  subject: Type.String({ examples: ['items[0]', 'parties[2]', 'route.via[0]', 'shipment'] }),
  evidence: Type.Record(Type.String(), Type.Unknown()),
});

export const ItemResult = Type.Object({
  index: Type.Integer(),
  model: Type.Union([Type.String(), Type.Null()]),
  catalogId: Type.Union([Type.String(), Type.Null()]),
  eccn: Type.Union([Type.String(), Type.Null()]),
  tpp: Type.Union([Type.Number(), Type.Null()]),
  performanceDensity: Type.Union([Type.Number(), Type.Null()]),
  basis: literalUnion(CLASSIFICATION_BASES),
  licenseRequired: Type.Boolean(),
  containedChip: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  containedQuantity: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  explanation: Type.Optional(Type.String()),
});

export const PartyMatch = Type.Object({
  list: Type.String({ examples: ['EL'] }),
  name: Type.String(),
  matchedName: Type.Optional(Type.String()),
  score: Type.Number(),
  match: Type.Optional(Type.Boolean()),
  entryId: Type.String(),
});

export const PartyResult = Type.Object({
  index: Type.Integer(),
  role: Type.String(),
  matches: Type.Array(PartyMatch),
});

export const RulesetRef = Type.Object({
  version: Type.String(),
  hash: Type.String({ examples: ['sha256:…'] }),
});

/** What the engine returns; the service adds id, reference and screenedAt. */
export const EngineResult = Type.Object({
  decision: Decision,
  riskScore: Type.Integer({ minimum: 0, maximum: 100 }),
  flags: Type.Array(Flag),
  items: Type.Array(ItemResult),
  parties: Type.Array(PartyResult),
  ruleset: RulesetRef,
  authorisation: Type.Optional(Authorisation),
});

export const ScreeningResult = Type.Object({
  id: Type.String(),
  reference: Type.String(),
  ...EngineResult.properties,
  screenedAt: Type.String({ format: 'date-time' }),
});

export type Decision = Static<typeof Decision>;
export type Flag = Static<typeof Flag>;
export type FlagCategory = Static<typeof FlagCategory>;
export type Severity = Static<typeof Severity>;
export type ItemResult = Static<typeof ItemResult>;
export type PartyMatch = Static<typeof PartyMatch>;
export type PartyResult = Static<typeof PartyResult>;
export type EngineResult = Static<typeof EngineResult>;
export type ScreeningResult = Static<typeof ScreeningResult>;
