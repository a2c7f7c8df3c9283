/** API key request and response shapes. Listings never carry a secret; only creation returns `key`. */
import { Type, type Static } from 'typebox';
import { ROLES } from '../../services/principal.js';
import { stringEnum } from '../../schemas/named.js';

export const RoleSchema = stringEnum(ROLES, {
  description: 'submitter: ERP, screens and reads its own; reviewer: screens, reads all, dispositions; auditor: read-only, export, verify; admin: everything',
});

const Timestamp = Type.String({ format: 'date-time', examples: ['2026-05-01T09:30:00.000Z'] });
const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);
const HolderName = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: '^[^\\u0000-\\u001F\\u007F]+$',
  description: 'Who holds the key: the person (reviewer, auditor) or system (ERP) named in dispositions, events and exports',
  examples: ['Jane Doe'],
});
const Holder = Type.Union([HolderName, Type.Null()]);
const RateLimitValue = Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Requests per minute for this key (default RATE_LIMIT_PER_MINUTE)' });
const RateLimit = Type.Union([RateLimitValue, Type.Null()]);

export const CreateApiKeyBody = Type.Object(
  {
    role: RoleSchema,
    name: Type.String({ minLength: 1, maxLength: 100, pattern: '^[^\\u0000-\\u001F\\u007F]+$', description: 'What the key is for (no personal data)', examples: ['ERP production'] }),
    expiresAt: Type.Optional(Type.Union([Type.String({ format: 'date-time', maxLength: 40 }), Type.Null()], { description: 'When the key stops working; must be in the future' })),
    // Not nullable in the body: with type coercion a null branch would turn 0 or "" into null.
    holder: Type.Optional(HolderName),
    rateLimitPerMinute: Type.Optional(RateLimitValue),
  },
  { additionalProperties: false, examples: [{ role: 'submitter', name: 'ERP production', holder: 'SAP S/4 production', rateLimitPerMinute: 6000, expiresAt: '2027-01-01T00:00:00Z' }] },
);
export type CreateApiKeyBody = Static<typeof CreateApiKeyBody>;

export const ApiKeySummary = Type.Object({
  id: Type.String(),
  prefix: Type.String({ description: 'Public part of the key, safe to show and log', examples: ['ck_3f9a1c07'] }),
  role: RoleSchema,
  name: Type.String(),
  createdAt: Timestamp,
  createdBy: Type.Union([Type.String(), Type.Null()], { description: 'Id of the key that created this one, or "bootstrap" / "cli"' }),
  expiresAt: NullableTimestamp,
  revokedAt: NullableTimestamp,
  holder: Holder,
  rateLimitPerMinute: RateLimit,
});

export const ApiKeyCreated = Type.Object({
  id: Type.String(),
  key: Type.String({ description: 'The secret key. Shown only in this response; store it now.', examples: ['ck_3f9a1c07_1pG8yX…'] }),
  role: RoleSchema,
  name: Type.String(),
  prefix: Type.String(),
  createdAt: Timestamp,
  expiresAt: NullableTimestamp,
  holder: Holder,
  rateLimitPerMinute: RateLimit,
});

export const ApiKeyList = Type.Object({ items: Type.Array(ApiKeySummary) });

export const ApiKeyIdParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', examples: ['0b6f7c8e-2f7d-4a4e-9a53-3d1f1f2c9e10'] }),
});
