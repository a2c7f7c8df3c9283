import { Type } from 'typebox';
import { ShipmentItem } from '../../schemas/shipment.js';
import { Decision, Flag, ItemResult } from '../../schemas/screening-result.js';

export const ScreeningIdParams = Type.Object({ id: Type.String({ format: 'uuid', description: 'Screening id' }) });

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      // Any visible ASCII: ERPs key retries by document numbers such as "4500012345/10".
      pattern: '^[\\x21-\\x7E]{1,255}$',
      description: 'Retry token, 1–255 visible ASCII characters (e.g. an ERP document "4500012345/10"): the same key and body return the stored result; the same key with another body is a 409',
      examples: ['4500012345/10'],
    }),
  ),
});

export const ClassifyBody = Type.Object(
  {
    shipDate: Type.Optional(Type.String({ format: 'date' })),
    items: Type.Array(ShipmentItem, { minItems: 1, maxItems: 1000 }),
  },
  { additionalProperties: false },
);

export const ClassifyResponse = Type.Object({
  items: Type.Array(ItemResult),
  flags: Type.Array(Flag),
  ruleset: Type.Object({ version: Type.String(), hash: Type.String() }),
});

/**
 * Where continuous monitoring left a stored screening: the decision its latest changing run gave it, as the
 * flag log's items carry it (`monitoring` in ScreeningPage) — on the single screening always present.
 */
export const MonitoringChangeSummary = Type.Union(
  [
    Type.Object({
      decision: Decision,
      at: Type.String({ format: 'date-time' }),
      runId: Type.String({ description: 'GET /v1/monitoring/runs/{id}' }),
    }),
    Type.Null(),
  ],
  {
    description:
      'The decision continuous monitoring last changed this screening to (re-screened against a newer ruleset or list), when and in which run; null when no run changed it. `decision` above stays the one given at screening: act on this one when it is set (e.g. CLEAR at screening, BLOCK since).',
  },
);
