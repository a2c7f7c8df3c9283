/** The screening result (API contract v1). The response schema is an allow-list: add fields here first. */
import { Authorisation } from './licence.js';
import { Type, type Static } from 'typebox';
import { stringEnum } from './named.js';

export const DECISIONS = ['CLEAR', 'REVIEW', 'LICENSE_REQUIRED', 'BLOCK'] as const;
export const FLAG_CATEGORIES = ['item', 'destination', 'party', 'route', 'end_use', 'red_flag', 'data_quality'] as const;
export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export const CLASSIFICATION_BASES = ['catalog', 'specs', 'declared', 'unknown'] as const;

/**
 * A union of string literals whose Static type is the literal union (a mapped array alone types as
 * never). For the rule-file schemas (TypeBox's own validator); API schemas use stringEnum.
 */
export function literalUnion<const T extends readonly string[]>(values: T) {
  return Type.Unsafe<T[number]>(Type.Union(values.map((v) => Type.Literal(v))));
}

export const Decision = stringEnum(DECISIONS, { description: 'Strongest wins: BLOCK > LICENSE_REQUIRED > REVIEW > CLEAR' });
export const FlagCategory = stringEnum(FLAG_CATEGORIES);
export const Severity = stringEnum(SEVERITIES);

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
  basis: stringEnum(CLASSIFICATION_BASES),
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
  suppressedBy: Type.Optional(Type.String({ description: 'Id of the reviewed-false-positive record that covers this candidate: it raised no flag' })),
});

/** A reviewer's record that a party is not a list entry, as the engine applies it (see engine/suppressions.ts). */
export const SuppressionRecord = Type.Object({
  id: Type.String(),
  partyId: Type.Union([Type.String(), Type.Null()], { description: "The ERP's party id it names, or null when it names a party by name + country" }),
  partyNameKey: Type.Union([Type.String(), Type.Null()], { description: 'The party name as normalised for matching' }),
  partyCountry: Type.Union([Type.String(), Type.Null()]),
  entryId: Type.String(),
  entryList: Type.Optional(
    Type.String({
      description:
        "The entry's list code (an entry id is unique only within its list). Absent in records stored before it was carried: such a record covers only the entry whose content it reviewed",
      examples: ['SDN'],
    }),
  ),
  entryHash: Type.String({ description: 'sha256 of the list entry as reviewed; an amended entry is not covered' }),
  justification: Type.String(),
  by: Type.Union([Type.String(), Type.Null()], { description: 'API key id of the reviewer' }),
  byName: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: "The reviewer: the key's holder, else the key's name" })),
  at: Type.String({ format: 'date-time' }),
  expiresAt: Type.String({ format: 'date-time' }),
});

export const SuppressedCandidate = Type.Object({
  subject: Type.String({ examples: ['parties[1]'] }),
  entryId: Type.String(),
  list: Type.String(),
  applied: Type.Boolean({ description: 'true: the candidate raised no flag; false: the suppression lapsed and the candidate is flagged again' }),
  reason: Type.Optional(Type.String()),
  suppression: SuppressionRecord,
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
  suppressed: Type.Optional(Type.Array(SuppressedCandidate, { description: 'Candidates covered by a reviewed false positive (who, when, why), and suppressions that lapsed; absent when none applied' })),
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
export type SuppressionRecord = Static<typeof SuppressionRecord>;
export type SuppressedCandidate = Static<typeof SuppressedCandidate>;
export type EngineResult = Static<typeof EngineResult>;
export type ScreeningResult = Static<typeof ScreeningResult>;
