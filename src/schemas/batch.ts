/** Shapes of batch screening (POST /v1/batches and friends): what the batch service returns. */
import { Type, type Static } from 'typebox';
import { stringEnum } from './named.js';
import { Decision, RulesetRef } from './screening-result.js';

const Count = Type.Integer({ minimum: 0 });

export const BatchLineError = Type.Object({
  lineNo: Type.Integer({ description: 'The physical line of the upload where the shipment starts; in a JSON array whose elements share a line, the next number after the element before' }),
  field: Type.String({ description: 'JSON pointer into the shipment, or the CSV column', examples: ['/route/destination', 'item_quantity'] }),
  message: Type.String(),
  line: Type.Optional(Type.Integer({ description: 'The CSV row at fault, when not the first of its shipment' })),
});

export const BatchView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    state: Type.String({
      enum: ['receiving', 'running', 'completed', 'cancelled', 'failed'],
      description: 'receiving → running → completed; cancelled; failed: the upload was refused or broke off, or some lines could not be screened (see failure)',
    }),
    format: Type.String({ enum: ['csv', 'ndjson', 'json'] }),
    total: Type.Integer({ minimum: 0, description: 'Shipments in the upload, known once it is complete (0 while receiving)' }),
    received: Type.Integer({ minimum: 0, description: 'Shipments read from the upload so far (valid and invalid): its progress while receiving, the total afterwards' }),
    done: Type.Integer({ minimum: 0, description: 'screened + failed + invalid' }),
    screened: Count,
    failed: Type.Integer({ minimum: 0, description: 'Valid at upload, refused by the engine (e.g. an unknown country)' }),
    invalid: Type.Integer({ minimum: 0, description: 'Refused at upload; never screened' }),
    counts: Type.Object({ CLEAR: Count, REVIEW: Count, LICENSE_REQUIRED: Count, BLOCK: Count }),
    ratePerSecond: Type.Union([Type.Number(), Type.Null()]),
    etaSeconds: Type.Union([Type.Integer(), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
    startedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    links: Type.Object({ self: Type.String(), results: Type.String() }),
    uploadSha256: Type.Union([Type.String({ pattern: '^[0-9a-f]{64}$' }), Type.Null()], {
      description: 'sha256 of the uploaded bytes once the upload is complete (compare with `sha256sum orders.csv`); null before, or if it never completed',
    }),
    failure: Type.Union(
      [
        Type.Object({
          linesNotScreened: Type.Integer({ minimum: 0, description: 'Lines without a screening because of the failure (in the results as `failed`, code `not-screened`)' }),
          reason: Type.String({ description: 'What failed, e.g. the error a chunk failed every retry with' }),
        }),
        Type.Null(),
      ],
      { description: 'Why a `failed` batch failed; null in every other state. Lines screened before the failure stay screened.' },
    ),
    resumed: Type.Union(
      [
        Type.Object({
          from: Type.Array(Type.String({ format: 'uuid' }), { description: 'The failed uploads whose screened lines were taken over, oldest first' }),
          lines: Type.Integer({ minimum: 0, description: 'Lines taken over, screened (counted in `screened` and `counts`)' }),
        }),
        Type.Null(),
      ],
      {
        description:
          'A retry under the Idempotency-Key of uploads that failed before they were complete (killed, or broken off): the lines they had screened — the same line, the same shipment — were taken over, not screened again. Null otherwise.',
      },
    ),
    lineErrors: Type.Optional(Type.Array(BatchLineError, { description: 'The first line errors of the upload (all are in the results)' })),
  },
  { description: 'A batch: state and progress' },
);
export type BatchView = Static<typeof BatchView>;

export const BatchIdParams = Type.Object({ id: Type.String({ format: 'uuid', description: 'Batch id' }) });
export const BatchResultsQuery = Type.Object(
  {
    format: Type.Optional(Type.String({ enum: ['csv', 'ndjson'], default: 'ndjson' })),
    afterLine: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 2_147_483_647,
        default: 0,
        description: 'Only the lines after this line of the upload: resume a download that broke off from the last line it got (a CSV continuation has no header row)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const BatchPage = Type.Object({
  items: Type.Array(BatchView),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next (older) page; null on the last page' }),
});
export const ListBatchesQuery = Type.Object(
  {
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
    // The configured cap (LIMIT_MAX_PAGE_SIZE) is applied by the route, as for the flag log; no schema default,
    // so that the route's default (20, or the cap if lower) never exceeds a lower cap.
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'Page size: 20 when not given; at most LIMIT_MAX_PAGE_SIZE (500 unless configured)' })),
  },
  { additionalProperties: false },
);

export const BATCH_LINE_STATUSES = ['screened', 'failed', 'invalid', 'pending', 'not-screened'] as const;

export const BatchResultError = Type.Object({
  field: Type.String({ description: 'JSON pointer into the shipment (NDJSON, JSON) or the CSV column; "/" for the whole line', examples: ['/route/destination', 'item_quantity'] }),
  message: Type.String(),
  line: Type.Optional(Type.Integer({ description: 'The CSV row at fault, when not the first of its shipment' })),
  code: Type.Optional(
    Type.String({
      description: 'Why a line without an outcome was never screened: `not-screened` (its chunk failed every retry), `batch-cancelled`, `upload-incomplete`',
      examples: ['batch-cancelled'],
    }),
  ),
});

/**
 * One line of a batch's results as `GET /v1/batches/{id}/results` writes it (src/services/batch-results.ts
 * types its records with this schema): the NDJSON download is one such object per line.
 */
export const BatchResultLine = Type.Object(
  {
    line: Type.Integer({ minimum: 1, description: 'The physical line of the upload where the shipment starts; in a JSON array whose elements share a line (`[{…},{…}]` as JSON.stringify writes it), the next number after the element before (pass the last one received as `afterLine` to resume)' }),
    reference: Type.Union([Type.String(), Type.Null()], { description: "The shipment's reference, when it could be read" }),
    status: stringEnum(BATCH_LINE_STATUSES, {
      description:
        'screened: `decision` is set; failed: refused by the engine (`errors`); invalid: refused at upload (`errors`); pending: not screened yet (the batch is receiving or running); not-screened: the batch ended without screening it (`errors` says why)',
    }),
    decision: Type.Union([Decision, Type.Null()], { description: 'The decision of a screened line; null otherwise' }),
    riskScore: Type.Union([Type.Integer(), Type.Null()]),
    screeningId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], { description: 'The stored screening (GET /v1/screenings/{id}); null unless screened' }),
    ruleIds: Type.Array(Type.String(), { description: "The rule ids of the screening's flags, each once (info-level ones included, as in the flag log); empty unless screened" }),
    ruleset: Type.Union([RulesetRef, Type.Null()], { description: 'The ruleset the line was screened with; null unless screened' }),
    errors: Type.Array(BatchResultError, { description: 'Why the line was refused or not screened; empty for a screened line' }),
  },
  {
    description:
      'One line of the NDJSON batch results (GET /v1/batches/{id}/results): the body is one such JSON object per line, each ending in "\\n", in line order — read it as text and parse each line. The CSV format has the same fields as columns (line, reference, status, decision, risk_score, screening_id, rule_ids separated by ";", ruleset_version, ruleset_hash, errors as one text cell).',
  },
);
export type BatchResultLine = Static<typeof BatchResultLine>;
