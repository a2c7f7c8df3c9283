/** Schemas of the flag log: listing, export, verification and dispositions. */
import { Type, type Static } from 'typebox';
import { Decision, FlagCategory } from './screening-result.js';
import { stringEnum } from './named.js';

/**
 * `approved`: a second reviewer's approval of the clearance just before it (four eyes: clearing a
 * screening whose decision is in FOUR_EYES_DECISIONS takes effect only once approved).
 */
/** `cancelled`: the order will not ship (a licence reservation it made is released, as with `blocked`). */
export const DISPOSITION_ACTIONS = ['cleared', 'escalated', 'license_applied', 'blocked', 'approved', 'cancelled'] as const;
export const DISPOSITION_STATES = ['effective', 'pending_approval', 'approved', 'stale', 'superseded'] as const;
export const DispositionAction = stringEnum(DISPOSITION_ACTIONS);

/** A date-time, or a date (UTC day): what an ERP or a person types as well as what the body accepts. */
const DateOrDateTime = (description: string, example: string) =>
  Type.Union([Type.String({ format: 'date-time' }), Type.String({ format: 'date' })], { description, examples: [example] });
/** Several values: repeat the parameter (`decision=BLOCK&decision=REVIEW`); one value is accepted as is. */
const AnyOf = <T extends Parameters<typeof Type.Array>[0]>(values: T, description: string) => Type.Array(values, { minItems: 1, maxItems: 20, description });
export const NO_DISPOSITION = 'none';
/** Dispositions that close a screening; `escalated` hands it on and keeps it in the queue. */
export const FINAL_DISPOSITION_ACTIONS = ['cleared', 'license_applied', 'blocked', 'approved', 'cancelled'] as const;
/**
 * The disposition that takes a screening out of continuous monitoring while it is the one in force (the
 * latest): the order will not ship, so a list, ruleset or licence change does not re-screen it or ask a
 * person to act on it. A later disposition of another kind (re-opened) brings it back into scope.
 */
export const OUT_OF_MONITORING_ACTION = 'cancelled' as const;
/** Decisions a person must act on: they wait in the work queue until a final disposition. */
export const QUEUE_DECISIONS = ['REVIEW', 'LICENSE_REQUIRED', 'BLOCK'] as const;

export const ScreeningFilterQuery = {
  from: Type.Optional(DateOrDateTime('Screened at or after (inclusive); a date means 00:00 UTC that day', '2026-10-01')),
  to: Type.Optional(DateOrDateTime('Screened before (exclusive); a date means through the end of that day (UTC)', '2026-10-31T00:00:00Z')),
  decision: Type.Optional(AnyOf(Decision, 'Any of these decisions (repeat the parameter for several)')),
  ruleId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'A flag with this rule id fired', examples: ['DEST-3A090A-D5'] })),
  category: Type.Optional(
    AnyOf(
      FlagCategory,
      'A flag of any of these categories was raised (repeat for several). Checks — info flags asking for CLEAR, such as LIST-CLEAR on every screening — do not count: `raisedCategories` of the summary',
    ),
  ),
  disposition: Type.Optional(
    AnyOf(Type.Union([DispositionAction, Type.Literal(NO_DISPOSITION)]), 'The disposition in force is any of these; "none": not reviewed yet (repeat for several)'),
  ),
  country: Type.Optional(
    Type.String({ minLength: 2, maxLength: 100, description: 'Any party or route country: ISO alpha-2 or alpha-3 code, or a name as the body accepts', examples: ['SG', 'Singapore'] }),
  ),
  party: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Party name contains (case, accents and punctuation ignored)', examples: ['example cloud'] })),
  chipModel: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Catalog id or declared model, exact', examples: ['nvidia-h800-sxm5'] })),
  eccn: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'ECCN of any item, exact', examples: ['3A090.a'] })),
  reference: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Caller reference, exact', examples: ['SO-10042'] })),
  licence: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'Screenings that drew on this export licence (its number, case ignored)', examples: ['D1234567'] })),
  open: Type.Optional(
    Type.Boolean({
      description:
        'true: the work queue — decided REVIEW, LICENSE_REQUIRED or BLOCK and without a final disposition (none yet, or the latest is `escalated`), or changed by continuous monitoring to one of those decisions with no final disposition since the change; false: everything else',
      examples: [true],
    }),
  ),
};

export const ListScreeningsQuery = Type.Object(
  {
    ...ScreeningFilterQuery,
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
    // No schema default: with LIMIT_MAX_PAGE_SIZE below 50 a default of 50 refused every request without `limit`.
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'Page size: 50 when not given (or LIMIT_MAX_PAGE_SIZE if lower); at most LIMIT_MAX_PAGE_SIZE' })),
    count: Type.Optional(
      Type.Boolean({
        description: 'true: the page also says how many screenings match the filter (`total`), counted up to 10,000: one more bounded query',
        examples: [true],
      }),
    ),
  },
  { additionalProperties: false },
);
export type ListScreeningsQuery = Static<typeof ListScreeningsQuery>;

export const DispositionSummary = Type.Object({
  action: DispositionAction,
  at: Type.String({ format: 'date-time' }),
  by: Type.Union([Type.String(), Type.Null()], { description: 'API key id of the reviewer' }),
  byName: Type.Union([Type.String(), Type.Null()], { description: "The reviewer: the key's holder, else the key's name" }),
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
  flagCategories: Type.Array(Type.String(), { description: "Every flag's category, each once, checks included (sealed with the record)" }),
  raisedCategories: Type.Array(Type.String(), {
    description: 'The categories of the flags raised (not checks: an info flag asking for CLEAR), each once, sorted — what the category filter matches',
  }),
  chipModels: Type.Array(Type.String()),
  eccns: Type.Array(Type.String()),
  ruleset: Type.Object({ version: Type.String(), hash: Type.String() }),
  disposition: Type.Union([DispositionSummary, Type.Null()], { description: 'The latest disposition, if any' }),
  monitoring: Type.Optional(
    Type.Union(
      [
        Type.Object({
          decision: Decision,
          at: Type.String({ format: 'date-time' }),
          runId: Type.String(),
        }),
        Type.Null(),
      ],
      {
        description:
          'The decision continuous monitoring last changed this screening to (re-screened against a newer ruleset or list), when and in which run; null when no run changed it. `decision` above stays the one given at screening.',
      },
    ),
  ),
});
export type ScreeningSummary = Static<typeof ScreeningSummary>;

/** How far `count=true` counts: an exact number up to this, "more than" beyond (a bounded index read, not a scan of the log). */
export const COUNT_CAP = 10_000;

export const ScreeningPage = Type.Object({
  items: Type.Array(ScreeningSummary),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last page' }),
  total: Type.Optional(
    Type.Object(
      {
        count: Type.Integer({ minimum: 0, description: 'Screenings matching the filter, at most 10,000' }),
        exact: Type.Boolean({ description: 'false: more than `count` (10,000) match' }),
      },
      { description: 'With count=true: how many screenings match the whole filter as of this request (all pages, screenings stored since the first page included)' },
    ),
  ),
});
export type ScreeningPage = Static<typeof ScreeningPage>;

export const ExportQuery = Type.Object(
  {
    ...ScreeningFilterQuery,
    format: Type.Optional(stringEnum(['csv', 'ndjson'] as const, { default: 'csv' })),
    bom: Type.Optional(
      Type.Boolean({ default: false, description: 'CSV only: start with a UTF-8 byte-order mark, so a spreadsheet reads accented and non-Latin names as UTF-8' }),
    ),
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
  latestSeal: Type.Union(
    [Type.Object({ sealNo: Type.Integer(), sealHash: Type.String(), sealedAt: Type.String({ format: 'date-time' }) }), Type.Null()],
    { description: 'The last seal as stored: compare its hash with the copy kept outside the database (the seal log lines); null before the first seal' },
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
  byName: Type.Union([Type.String(), Type.Null()], { description: "The reviewer: the key's holder, else the key's name" }),
  at: Type.String({ format: 'date-time' }),
  status: Type.Optional(
    Type.Unsafe<(typeof DISPOSITION_STATES)[number]>(
      Type.Union(DISPOSITION_STATES.map((s) => Type.Literal(s)), {
        description:
          'A clearance under four eyes is pending_approval until a second reviewer approves it, then approved. One that can no longer be approved is not pending: ' +
          'stale when continuous monitoring changed the decision after it (`staleSince`; clear it again in view of the new decision), ' +
          'superseded when a later disposition followed it (`supersededBy`). Everything else is effective',
      }),
    ),
  ),
  approval: Type.Optional(
    Type.Object(
      {
        id: Type.String(),
        by: Type.Union([Type.String(), Type.Null()], { description: 'API key id of the approving reviewer' }),
        byName: Type.Union([Type.String(), Type.Null()], { description: "The approving reviewer: the key's holder, else the key's name" }),
        at: Type.String({ format: 'date-time' }),
        justification: Type.String(),
      },
      { description: 'On an approved clearance: the second reviewer’s approval' },
    ),
  ),
  approves: Type.Optional(Type.String({ description: 'On an approval: the id of the clearance it approves' })),
  supersededBy: Type.Optional(Type.String({ description: 'On a superseded clearance: the id of the disposition recorded after it' })),
  staleSince: Type.Optional(
    Type.Object(
      {
        decision: Decision,
        at: Type.String({ format: 'date-time' }),
        runId: Type.Optional(Type.String({ description: 'The monitoring run that made the change' })),
      },
      { description: 'On a stale clearance: the decision continuous monitoring changed the screening to after the clearance, and when' },
    ),
  ),
});
export type Disposition = Static<typeof Disposition>;

export const DispositionHistory = Type.Object({
  screeningId: Type.String(),
  items: Type.Array(Disposition, { description: 'Oldest first; the last one is in force' }),
});
