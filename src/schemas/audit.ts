/** Schemas of the flag log: listing, export, verification and dispositions. */
import { Type, type Static } from 'typebox';
import { Decision, FlagCategory } from './screening-result.js';

export const DISPOSITION_ACTIONS = ['cleared', 'escalated', 'license_applied', 'blocked'] as const;
export const DispositionAction = Type.Union(DISPOSITION_ACTIONS.map((a) => Type.Literal(a)));
/** Dispositions that close a screening; `escalated` hands it on and keeps it in the queue. */
export const FINAL_DISPOSITION_ACTIONS = ['cleared', 'license_applied', 'blocked'] as const;
/** Decisions a person must act on: they wait in the work queue until a final disposition. */
export const QUEUE_DECISIONS = ['REVIEW', 'LICENSE_REQUIRED', 'BLOCK'] as const;

export const ScreeningFilterQuery = {
  from: Type.Optional(Type.String({ format: 'date-time', description: 'Screened at or after (inclusive)', examples: ['2026-10-01T00:00:00Z'] })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'Screened before (exclusive)', examples: ['2026-11-01T00:00:00Z'] })),
  decision: Type.Optional(Decision),
  ruleId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'A flag with this rule id fired', examples: ['DEST-3A090A-D5'] })),
  category: Type.Optional(FlagCategory),
  country: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2}$', description: 'ISO 3166-1 alpha-2 of any party or route country', examples: ['SG'] })),
  party: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Party name contains (case, accents and punctuation ignored)', examples: ['example cloud'] })),
  chipModel: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Catalog id or declared model, exact', examples: ['nvidia-h800-sxm5'] })),
  eccn: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'ECCN of any item, exact', examples: ['3A090.a'] })),
  reference: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Caller reference, exact', examples: ['SO-10042'] })),
  open: Type.Optional(
    Type.Boolean({
      description:
        'true: the work queue — decided REVIEW, LICENSE_REQUIRED or BLOCK and without a final disposition (none yet, or the latest is `escalated`); false: everything else',
      examples: [true],
    }),
  ),
};

export const ListScreeningsQuery = Type.Object(
  {
    ...ScreeningFilterQuery,
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 50, description: 'Page size, at most LIMIT_MAX_PAGE_SIZE' })),
  },
  { additionalProperties: false },
);
export type ListScreeningsQuery = Static<typeof ListScreeningsQuery>;

export const DispositionSummary = Type.Object({
  action: DispositionAction,
  at: Type.String({ format: 'date-time' }),
  by: Type.Union([Type.String(), Type.Null()], { description: 'API key id of the reviewer' }),
  count: Type.Integer({ description: 'How many dispositions the screening has had' }),
});

export const ScreeningSummary = Type.Object({
  id: Type.String(),
  reference: Type.String(),
  decision: Decision,
  riskScore: Type.Integer(),
  screenedAt: Type.String({ format: 'date-time' }),
  shipDate: Type.String({ format: 'date' }),
  destination: Type.String(),
  countries: Type.Array(Type.String()),
  ruleIds: Type.Array(Type.String()),
  flagCategories: Type.Array(Type.String()),
  chipModels: Type.Array(Type.String()),
  eccns: Type.Array(Type.String()),
  ruleset: Type.Object({ version: Type.String(), hash: Type.String() }),
  disposition: Type.Union([DispositionSummary, Type.Null()], { description: 'The latest disposition, if any' }),
});
export type ScreeningSummary = Static<typeof ScreeningSummary>;

export const ScreeningPage = Type.Object({
  items: Type.Array(ScreeningSummary),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last page' }),
});

export const ExportQuery = Type.Object(
  {
    ...ScreeningFilterQuery,
    format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('ndjson')], { default: 'csv' })),
  },
  { additionalProperties: false },
);
export type ExportQuery = Static<typeof ExportQuery>;

export const VerifyReport = Type.Object({
  ok: Type.Boolean(),
  checked: Type.Integer({ description: 'Records recomputed (every record with seq ≤ sealedThrough)' }),
  firstBroken: Type.Union([Type.Object({ id: Type.String(), reason: Type.String() }), Type.Null()]),
  sealedThrough: Type.Integer({ description: 'Highest seq covered by a seal' }),
  seals: Type.Integer(),
  unsealed: Type.Integer({ description: 'Records after the last seal, not yet covered' }),
  problems: Type.Array(
    Type.Object({
      id: Type.String({ description: 'Record id, or seal:<n>' }),
      reason: Type.String(),
      table: Type.Optional(Type.String()),
      seq: Type.Optional(Type.Integer()),
      sealNo: Type.Optional(Type.Integer()),
    }),
    { description: 'Every problem in seq order (at most 100)' },
  ),
});

export const SealRunResponse = Type.Object({
  seals: Type.Array(
    Type.Object({ sealNo: Type.Integer(), fromSeq: Type.Integer(), toSeq: Type.Integer(), recordCount: Type.Integer(), sealHash: Type.String() }),
  ),
  busy: Type.Boolean({ description: 'Another sealer held the lock and covers these records' }),
  sealedThrough: Type.Integer(),
});

export const DispositionBody = Type.Object(
  {
    action: DispositionAction,
    justification: Type.String({ minLength: 1, maxLength: 2000, examples: ['End user verified; licence D1234567 on file'] }),
  },
  { additionalProperties: false },
);
export type DispositionBody = Static<typeof DispositionBody>;

export const Disposition = Type.Object({
  id: Type.String(),
  screeningId: Type.String(),
  action: DispositionAction,
  justification: Type.String(),
  by: Type.Union([Type.String(), Type.Null()], { description: 'API key id of the reviewer' }),
  at: Type.String({ format: 'date-time' }),
});
export type Disposition = Static<typeof Disposition>;

export const DispositionHistory = Type.Object({
  screeningId: Type.String(),
  items: Type.Array(Disposition, { description: 'Oldest first; the last one is in force' }),
});
