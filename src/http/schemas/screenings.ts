import { Type } from 'typebox';
import { ShipmentItem } from '../../schemas/shipment.js';
import { Flag, ItemResult } from '../../schemas/screening-result.js';

export const ScreeningIdParams = Type.Object({ id: Type.String({ format: 'uuid', description: 'Screening id' }) });

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9._:-]{1,200}$',
      description: 'Retry token: the same key and body return the stored result; the same key with another body is a 409',
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
