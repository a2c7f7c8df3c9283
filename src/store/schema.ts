/**
 * drizzle schema: the only description of the tables. Change it, run `npm run db:generate`,
 * commit the SQL in migrations/. Hand-written SQL (append-only triggers) lives in custom migrations.
 *
 * Every audit record (screening, disposition, audit event) takes its `seq` from one shared
 * sequence, so the sealer can cover all of them in one ordered hash chain.
 */
import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, pgSequence, pgTable, text, timestamp, uniqueIndex, date } from 'drizzle-orm/pg-core';

export const auditSeq = pgSequence('audit_seq', { startWith: 1, increment: 1 });

const seqColumn = () =>
  bigint('seq', { mode: 'number' })
    .notNull()
    .default(sql`nextval('audit_seq')`);
const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'string', precision: 3 }).notNull();

export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    /** Public, non-secret part shown in listings and logs (e.g. "ck_ab12cd34"). */
    prefix: text('prefix').notNull(),
    /** sha256 of the whole key; the key itself is never stored. */
    secretHash: text('secret_hash').notNull(),
    role: text('role').notNull(),
    name: text('name').notNull(),
    createdAt: createdAt(),
    createdBy: text('created_by'),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'string', precision: 3 }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'string', precision: 3 }),
  },
  (t) => [uniqueIndex('api_keys_prefix_idx').on(t.prefix)],
);

export const screenings = pgTable(
  'screenings',
  {
    id: text('id').primaryKey(),
    seq: seqColumn(),
    reference: text('reference').notNull(),
    createdAt: createdAt(),
    shipDate: date('ship_date', { mode: 'string' }).notNull(),
    decision: text('decision').notNull(),
    riskScore: integer('risk_score').notNull(),
    destination: text('destination').notNull(),
    /** Every party and route country (ISO alpha-2), for filtering. */
    countries: text('countries').array().notNull(),
    ruleIds: text('rule_ids').array().notNull(),
    flagCategories: text('flag_categories').array().notNull(),
    /** Normalised party names joined by " | ", for contains-filtering. */
    partyNames: text('party_names').notNull(),
    chipModels: text('chip_models').array().notNull(),
    eccns: text('eccns').array().notNull(),
    rulesetVersion: text('ruleset_version').notNull(),
    rulesetHash: text('ruleset_hash').notNull(),
    request: jsonb('request').notNull(),
    result: jsonb('result').notNull(),
    /** sha256 of the canonical request body, to tell an idempotent retry from a different body. */
    requestHash: text('request_hash').notNull(),
    idempotencyScope: text('idempotency_scope').notNull().default(''),
    idempotencyKey: text('idempotency_key'),
    apiKeyId: text('api_key_id'),
  },
  (t) => [
    uniqueIndex('screenings_seq_idx').on(t.seq),
    uniqueIndex('screenings_idempotency_idx').on(t.idempotencyScope, t.idempotencyKey),
    index('screenings_created_idx').on(t.createdAt, t.id),
  ],
);

export const dispositions = pgTable(
  'dispositions',
  {
    id: text('id').primaryKey(),
    seq: seqColumn(),
    screeningId: text('screening_id')
      .notNull()
      .references(() => screenings.id),
    action: text('action').notNull(),
    justification: text('justification').notNull(),
    apiKeyId: text('api_key_id'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('dispositions_seq_idx').on(t.seq), index('dispositions_screening_idx').on(t.screeningId, t.seq)],
);

export const auditEvents = pgTable(
  'audit_events',
  {
    id: text('id').primaryKey(),
    seq: seqColumn(),
    type: text('type').notNull(),
    payload: jsonb('payload').notNull(),
    apiKeyId: text('api_key_id'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('audit_events_seq_idx').on(t.seq)],
);

/** Hash chain of Merkle roots: each seal covers every audit record with seq in (fromSeq, toSeq]. */
export const auditSeals = pgTable('audit_seals', {
  sealNo: bigint('seal_no', { mode: 'number' }).primaryKey(),
  fromSeq: bigint('from_seq', { mode: 'number' }).notNull(),
  toSeq: bigint('to_seq', { mode: 'number' }).notNull(),
  recordCount: integer('record_count').notNull(),
  merkleRoot: text('merkle_root').notNull(),
  prevHash: text('prev_hash').notNull(),
  sealHash: text('seal_hash').notNull(),
  sealedAt: timestamp('sealed_at', { withTimezone: true, mode: 'string', precision: 3 }).notNull(),
});

/**
 * Secrets the service generates for itself when the operator sets none (the console's session
 * key): written once, shared by every replica on the same database, never returned by any API.
 */
export const serviceSecrets = pgTable('service_secrets', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'string', precision: 3 }).notNull(),
});
