/**
 * drizzle schema: the only description of the tables. Change it, run `npm run db:generate`,
 * commit the SQL in migrations/. Hand-written SQL (append-only triggers) lives in custom migrations.
 *
 * Every audit record (screening, disposition, audit event) takes its `seq` from one shared
 * sequence, so the sealer can cover all of them in one ordered hash chain.
 */
import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, json, jsonb, pgSequence, pgTable, primaryKey, text, timestamp, uniqueIndex, date } from 'drizzle-orm/pg-core';

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
    /** Who holds the key (a person, or the system for an ERP key): named in dispositions, events and exports. */
    holder: text('holder'),
    /** Requests per minute for this key; null = RATE_LIMIT_PER_MINUTE. */
    rateLimitPerMinute: integer('rate_limit_per_minute'),
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
    /**
     * The categories of the flags the screening raised — its checks left out (an info flag asking for CLEAR, such
     * as LIST-CLEAR on every screening) — for the flag log's category filter. Derived from `result` when the row is
     * built (raisedCategories in services/screening-row.ts), so it is not part of the canonical form: the sealed
     * `result` holds the same facts (migration 0024).
     */
    raisedCategories: text('raised_categories').array().notNull(),
    /** Normalised party names joined by " | ", for contains-filtering. */
    partyNames: text('party_names').notNull(),
    chipModels: text('chip_models').array().notNull(),
    eccns: text('eccns').array().notNull(),
    rulesetVersion: text('ruleset_version').notNull(),
    rulesetHash: text('ruleset_hash').notNull(),
    /**
     * The request and result as the JSON text they were written with (json, not jsonb: migration
     * 0015). Storing jsonb made the server parse and rebuild every result on insert — most of what
     * storing a screening cost it; json only checks the text. The canonical form (audit-repo.ts)
     * covers that text.
     */
    request: json('request').notNull(),
    result: json('result').notNull(),
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
  (t) => [
    uniqueIndex('dispositions_seq_idx').on(t.seq),
    index('dispositions_screening_idx').on(t.screeningId, t.seq),
    // The dashboard's disposition cache reads the dispositions recorded since its watermark.
    index('dispositions_created_idx').on(t.createdAt),
  ],
);

/**
 * The Idempotency-Keys dispositions were recorded under (the API's header, the console form's token): a
 * disposition sent twice is recorded once. Not an audit record itself — the disposition's canonical form
 * is unchanged — but written in the disposition's own transaction, so neither exists without the other.
 */
export const dispositionKeys = pgTable(
  'disposition_keys',
  {
    /** The recording API key's id ('' for none): keys are per submitter, as for screenings. */
    scope: text('scope').notNull(),
    key: text('key').notNull(),
    /** The disposition's id (no foreign key: one would make TRUNCATE of dispositions fail on it before the append-only trigger speaks). */
    dispositionId: text('disposition_id').notNull(),
    /** sha256 of the canonical {screeningId, action, justification}: the same key with another disposition is a 409. */
    requestHash: text('request_hash').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.key] })],
);

/**
 * Once-tokens of console forms that create or change configuration (API keys, webhook endpoints and
 * their secrets, licences): claimed in the change's own transaction, so a form sent twice changes things
 * once (store/form-submissions-repo.ts). Operational, not an audit record: the change itself is audited.
 */
export const formSubmissions = pgTable(
  'form_submissions',
  {
    /** The submitting API key's id ('' for none). */
    scope: text('scope').notNull(),
    token: text('token').notNull(),
    /** What the form did: 'api_key.create', 'webhook.create', 'webhook.rotate', 'licence.issue', 'licence.amend', 'licence.revoke'. */
    kind: text('kind').notNull(),
    /** The key, endpoint or licence it created or changed (no foreign key: it names rows of several tables). */
    targetId: text('target_id').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.token] })],
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
 * Batch screening (issue #10). A batch is a unit of work, not an audit record: its state and
 * counters change as chunks commit. Each shipment of a batch becomes an ordinary `screenings` row
 * (sealed and verified like any other); `batch_results` links it to its batch and line, and its
 * primary key (batch, line) is what makes a retried chunk store nothing twice.
 */
export const batches = pgTable(
  'batches',
  {
    id: text('id').primaryKey(),
    apiKeyId: text('api_key_id'),
    /** receiving → running → completed | cancelled; failed when the upload broke off. */
    state: text('state').notNull(),
    format: text('format').notNull(),
    /** Shipments read (valid and invalid), known once the upload is complete. */
    total: integer('total').notNull().default(0),
    /** Shipments refused at upload (the line number and field are in batch_lines.errors). */
    invalid: integer('invalid').notNull().default(0),
    screened: integer('screened').notNull().default(0),
    /** Shipments valid at upload that the engine refused (e.g. an unknown country). */
    failed: integer('failed').notNull().default(0),
    clear: integer('clear').notNull().default(0),
    review: integer('review').notNull().default(0),
    licenseRequired: integer('license_required').notNull().default(0),
    block: integer('block').notNull().default(0),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'string', precision: 3 }),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'string', precision: 3 }),
    /**
     * When the process reading the upload last said it is alive (each staged group of lines, and a heartbeat):
     * an upload whose process died stops moving it, and a `receiving` batch idle for BATCH_UPLOAD_IDLE_SECONDS
     * is ended `failed`.
     */
    receivedAt: timestamp('received_at', { withTimezone: true, mode: 'string', precision: 3 }),
    /** Shipments staged so far (valid and invalid): the upload's progress while `receiving`; = total after. */
    received: integer('received').notNull().default(0),
    /**
     * The submitter's Idempotency-Key, if it sent one: a retried upload with the same key and bytes is
     * answered with this batch instead of screening everything again. Released (null) when the upload
     * fails before it is complete, so the retry can start anew.
     */
    idempotencyKey: text('idempotency_key'),
    /** sha256 of the uploaded bytes, once the upload is complete: `sha256sum orders.csv` to match a file to its batch. */
    uploadSha256: text('upload_sha256'),
    /**
     * The Idempotency-Key this batch held until its upload failed before it was complete (migration 0026): the
     * retry under the key is a new batch that takes over the lines this one screened (the same line, the same
     * shipment) instead of screening them again.
     */
    releasedIdempotencyKey: text('released_idempotency_key'),
    /** The failed uploads under the same key whose screened lines this batch took over (empty: none). */
    resumedFrom: jsonb('resumed_from').$type<string[]>().notNull().default([]),
    /** Lines this batch took over, screened, from those uploads (counted in `screened` and the decision counts). */
    reused: integer('reused').notNull().default(0),
  },
  (t) => [
    index('batches_owner_idx').on(t.apiKeyId, t.createdAt),
    uniqueIndex('batches_idempotency_idx').on(sql`coalesce(${t.apiKeyId}, '')`, t.idempotencyKey).where(sql`idempotency_key IS NOT NULL`),
    index('batches_released_key_idx').on(sql`coalesce(${t.apiKeyId}, '')`, t.releasedIdempotencyKey).where(sql`released_idempotency_key IS NOT NULL`),
  ],
);

/** What was uploaded, one row per shipment: its input, or why it was refused. */
export const batchLines = pgTable(
  'batch_lines',
  {
    batchId: text('batch_id')
      .notNull()
      .references(() => batches.id),
    /** The physical line (CSV: the first row of the shipment's group) where the shipment starts. */
    lineNo: integer('line_no').notNull(),
    reference: text('reference'),
    /** The shipment as uploaded, staged until its chunk screens it: json, stored as sent (migration 0015). */
    input: json('input'),
    /** Field errors found at upload; such a line is never screened. */
    errors: jsonb('errors'),
  },
  (t) => [primaryKey({ columns: [t.batchId, t.lineNo] })],
);

/** The outcome of one batch line: its screening, or the engine's refusal. At most one per line. */
export const batchResults = pgTable(
  'batch_results',
  {
    batchId: text('batch_id').notNull(),
    lineNo: integer('line_no').notNull(),
    /** No foreign key: a chunk claims its lines here before it inserts their screenings, in one transaction. */
    screeningId: text('screening_id'),
    decision: text('decision'),
    errors: jsonb('errors'),
  },
  (t) => [primaryKey({ columns: [t.batchId, t.lineNo] }), index('batch_results_screening_idx').on(t.screeningId)],
);

/**
 * Webhook endpoints an admin registered. Operational configuration, not an audit record: the
 * secret is rotated and the endpoint disabled in place. The signing secret must be readable to
 * sign (HMAC), so it is stored as issued; whoever can read this table can forge deliveries
 * (README, "Webhooks": the trade-off).
 */
export const webhookEndpoints = pgTable('webhook_endpoints', {
  id: text('id').primaryKey(),
  url: text('url').notNull(),
  description: text('description').notNull().default(''),
  /** Event types delivered to this endpoint. */
  events: text('events').array().notNull(),
  /** Only events about this API key's data (its screenings, its batches); null = all. */
  ownerKeyId: text('owner_key_id'),
  /** Plain http allowed for this endpoint (an admin's explicit choice); otherwise https only. */
  allowHttp: boolean('allow_http').notNull().default(false),
  enabled: boolean('enabled').notNull().default(true),
  secret: text('secret').notNull(),
  /** The secret before the last rotation: deliveries carry its signature too until it expires. */
  previousSecret: text('previous_secret'),
  previousSecretExpiresAt: timestamp('previous_secret_expires_at', { withTimezone: true, mode: 'string', precision: 3 }),
  createdAt: createdAt(),
  createdBy: text('created_by'),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string', precision: 3 }).notNull(),
});

/**
 * The durable delivery queue: one row per (event, endpoint), and one more per manual redelivery.
 * `message_id` is the Standard Webhooks `webhook-id`, the same on every attempt and redelivery so a
 * receiver can drop duplicates. A claimed row carries a lease; a replica that dies mid-attempt
 * leaves it to be claimed again when the lease runs out.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    messageId: text('message_id').notNull(),
    endpointId: text('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id),
    eventType: text('event_type').notNull(),
    /** sha256 of the canonical event: the same fact published twice is queued once per endpoint. */
    eventKey: text('event_key').notNull(),
    /** The JSON body sent, exactly as signed. */
    payload: text('payload').notNull(),
    ownerKeyId: text('owner_key_id'),
    /** pending → delivering → succeeded | failed (attempts exhausted) */
    status: text('status').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true, mode: 'string', precision: 3 }).notNull(),
    leaseUntil: timestamp('lease_until', { withTimezone: true, mode: 'string', precision: 3 }),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true, mode: 'string', precision: 3 }),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    deliveredAt: timestamp('delivered_at', { withTimezone: true, mode: 'string', precision: 3 }),
    /** The delivery this one redelivers (an admin's request), if any. */
    redeliveryOf: text('redelivery_of'),
    /**
     * What the event is about (screening.flagged: the screening's id), so the event relay finds a
     * stored flagged screening whose delivery was never queued without rebuilding every event.
     */
    subjectId: text('subject_id'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_event_idx').on(t.endpointId, t.eventKey).where(sql`redelivery_of IS NULL`),
    index('webhook_deliveries_subject_idx').on(t.subjectId, t.endpointId).where(sql`subject_id IS NOT NULL`),
    index('webhook_deliveries_due_idx').on(t.nextAttemptAt).where(sql`status IN ('pending', 'delivering')`),
    index('webhook_deliveries_endpoint_idx').on(t.endpointId, t.createdAt, t.id),
    index('webhook_deliveries_created_idx').on(t.createdAt, t.id),
  ],
);

/**
 * How far the event relay has made sure that every stored screening's event was queued (one row per
 * relay; README, "Webhooks", Delivery). Screenings created up to `through` need no further look.
 */
export const eventRelayCursors = pgTable('event_relay_cursors', {
  name: text('name').primaryKey(),
  through: timestamp('through', { withTimezone: true, mode: 'string', precision: 3 }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string', precision: 3 }).notNull(),
});

/**
 * Reviewed false positives (issue #9): a reviewer's record that a party — by the ERP's party id,
 * or by normalised name + country — is NOT a given list entry. Keyed to the entry's id AND a hash
 * of its content, so an amended entry is no longer covered. Append-only: a withdrawal is a new
 * row in suppression_withdrawals, never an update.
 */
export const partySuppressions = pgTable(
  'party_suppressions',
  {
    id: text('id').primaryKey(),
    partyId: text('party_id'),
    /** normalizeText(name) as the matcher normalises it; null when keyed by party id only. */
    partyNameKey: text('party_name_key'),
    partyName: text('party_name'),
    partyCountry: text('party_country'),
    entryId: text('entry_id').notNull(),
    entryHash: text('entry_hash').notNull(),
    entryList: text('entry_list').notNull(),
    entryName: text('entry_name').notNull(),
    justification: text('justification').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'string', precision: 3 }).notNull(),
    apiKeyId: text('api_key_id'),
    createdAt: createdAt(),
  },
  (t) => [
    index('party_suppressions_party_id_idx').on(t.partyId),
    index('party_suppressions_name_idx').on(t.partyNameKey, t.partyCountry),
    index('party_suppressions_created_idx').on(t.createdAt, t.id),
  ],
);

export const suppressionWithdrawals = pgTable('suppression_withdrawals', {
  suppressionId: text('suppression_id')
    .primaryKey()
    .references(() => partySuppressions.id),
  justification: text('justification').notNull(),
  apiKeyId: text('api_key_id'),
  createdAt: createdAt(),
});

/**
 * Continuous monitoring (issue #10): a run re-screens the stored screenings that are still open
 * (ship date today or later) or recent against a newly active ruleset. The run row is job state
 * (status, progress of event publication); what each re-screen found is an append-only result,
 * unique per run and screening, so a resumed run neither repeats nor skips one.
 */
export const monitoringRuns = pgTable(
  'monitoring_runs',
  {
    id: text('id').primaryKey(),
    /** ruleset hash + '@' + the latest effective date in force: one run per activation, across replicas. */
    triggerKey: text('trigger_key').notNull(),
    trigger: text('trigger').notNull(),
    rulesetVersion: text('ruleset_version').notNull(),
    rulesetHash: text('ruleset_hash').notNull(),
    asOf: date('as_of', { mode: 'string' }).notNull(),
    windowStart: timestamp('window_start', { withTimezone: true, mode: 'string', precision: 3 }).notNull(),
    /** Screenings stored after this seq were screened against the new ruleset already. */
    throughSeq: bigint('through_seq', { mode: 'number' }).notNull(),
    total: integer('total').notNull(),
    status: text('status').notNull(),
    createdAt: createdAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'string', precision: 3 }),
    /** screening.changed events are published for results up to this screening seq. */
    eventsThroughSeq: bigint('events_through_seq', { mode: 'number' }).notNull().default(0),
    /** Why the runner last stopped on this run (database down, the webhook queue refused an event); cleared when it completes. */
    lastError: text('last_error'),
    /**
     * The replica working on the run, and until when (database time) — renewed with every chunk. Another replica
     * leaves a leased run alone and takes it over once the lease has run out (its holder crashed).
     */
    leaseOwner: text('lease_owner'),
    leaseUntil: timestamp('lease_until', { withTimezone: true, mode: 'string', precision: 3 }),
  },
  (t) => [uniqueIndex('monitoring_runs_trigger_idx').on(t.triggerKey), index('monitoring_runs_created_idx').on(t.createdAt, t.id)],
);

export const monitoringResults = pgTable(
  'monitoring_results',
  {
    runId: text('run_id')
      .notNull()
      .references(() => monitoringRuns.id),
    screeningId: text('screening_id')
      .notNull()
      .references(() => screenings.id),
    screeningSeq: bigint('screening_seq', { mode: 'number' }).notNull(),
    ownerKeyId: text('owner_key_id'),
    previousDecision: text('previous_decision').notNull(),
    /**
     * The screening's own stored decision (immutable), copied here so the work queue's counts can tell
     * a screening open by its stored decision from one open only because of this change without
     * reading `screenings` (one random heap read per change). Null on rows written before migration
     * 0018 by a replica that did not know it; readers fall back to `screenings` for those.
     */
    storedDecision: text('stored_decision'),
    decision: text('decision'),
    decisionChanged: boolean('decision_changed').notNull(),
    flagsAdded: text('flags_added').array().notNull(),
    flagsRemoved: text('flags_removed').array().notNull(),
    /** The new result, kept when anything changed (else it equals the previous one). */
    result: jsonb('result'),
    /** Why the stored request could not be re-screened (it no longer normalises), if so. */
    error: text('error'),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.runId, t.screeningId] }),
    index('monitoring_results_run_seq_idx').on(t.runId, t.screeningSeq),
    index('monitoring_results_screening_idx').on(t.screeningId, t.createdAt),
    /** The few re-screens that changed a decision: the work queue's "changed by monitoring" reads only these. */
    index('monitoring_results_changed_idx').on(t.screeningId, t.createdAt).where(sql`decision_changed`),
  ],
);

/**
 * Secrets the service generates for itself when the operator sets none (the console's session
 * key): written once, shared by every replica on the same database, never returned by any API.
 */
export const serviceSecrets = pgTable('service_secrets', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'string', precision: 3 }).notNull(),
});

/*
 * Dashboard caches (src/store/dashboard-repo.ts). Not audit records: derived from screenings and
 * dispositions, exact, and safe to empty (they are rebuilt on the next read).
 */

/** Rollups that are complete: span 'day' (a UTC day that is over) or 'month' (a UTC month whose days all are), named by its first day. */
export const dashboardRollups = pgTable(
  'dashboard_rollups',
  {
    span: text('span').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    computedAt: timestamp('computed_at', { withTimezone: true, mode: 'string', precision: 3 }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.span, t.day] })],
);

/** Per span: screenings per decision ('decision'), rule firings and route.via entries on screenings not CLEAR ('rule', 'via'). */
export const dashboardRollupCounts = pgTable(
  'dashboard_rollup_counts',
  {
    span: text('span').notNull(),
    kind: text('kind').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    key: text('key').notNull(),
    n: integer('n').notNull(),
  },
  (t) => [primaryKey({ columns: [t.span, t.kind, t.day, t.key] })],
);

/**
 * Per screening with a disposition: its first final disposition and its latest disposition, as of
 * the dispositions recorded before the watermark in dashboard_watermarks ('dispositions').
 */
export const dashboardDispositions = pgTable(
  'dashboard_dispositions',
  {
    screeningId: text('screening_id').primaryKey(),
    screeningCreatedAt: timestamp('screening_created_at', { withTimezone: true, mode: 'string', precision: 3 }).notNull(),
    decision: text('decision').notNull(),
    firstFinalAt: timestamp('first_final_at', { withTimezone: true, mode: 'string', precision: 3 }),
    latestAction: text('latest_action').notNull(),
    latestSeq: bigint('latest_seq', { mode: 'number' }).notNull(),
  },
  (t) => [
    index('dashboard_dispositions_waits_idx')
      .on(t.screeningCreatedAt, t.firstFinalAt, t.screeningId)
      .where(sql`${t.firstFinalAt} is not null and ${t.decision} <> 'CLEAR'`),
  ],
);

/** Per queue decision: screenings whose latest disposition in dashboard_dispositions is final (kept with it). */
export const dashboardClosed = pgTable('dashboard_closed', {
  decision: text('decision').primaryKey(),
  n: integer('n').notNull(),
});

/**
 * The open queue as of the dispositions watermark: screenings with a queue decision created before
 * it whose latest disposition before it is not final. Pages walk it in order (a closed log's
 * queue is small; walking the log itself would pass every closed screening).
 */
export const dashboardOpen = pgTable(
  'dashboard_open',
  {
    screeningId: text('screening_id').primaryKey(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'string', precision: 3 }).notNull(),
    riskScore: integer('risk_score').notNull(),
    decision: text('decision').notNull(),
  },
  (t) => [
    index('dashboard_open_seq_idx').on(t.seq),
    index('dashboard_open_risk_idx').on(t.riskScore.desc().nullsFirst(), t.seq),
    index('dashboard_open_created_idx').on(t.createdAt, t.screeningId),
  ],
);

/** How far a dashboard cache has read: dispositions with created_at < at are in dashboard_dispositions. */
export const dashboardWatermarks = pgTable('dashboard_watermarks', {
  name: text('name').primaryKey(),
  at: timestamp('at', { withTimezone: true, mode: 'string', precision: 3 }).notNull(),
});

/**
 * Console sessions ended by signing out (src/store/console-sessions-repo.ts). A session cookie is a
 * signed claim with its own random id; verifying one also looks its id up here (primary key), so a
 * session signed out on any replica is refused on every replica at once. A row is only needed until
 * the claim's own expiry: rows past it (and a grace for clock skew) are purged on sign-out.
 */
export const consoleSessionEnds = pgTable(
  'console_session_ends',
  {
    /** The session claim's random id (`n`), never the cookie itself. */
    sessionId: text('session_id').primaryKey(),
    /** The API key the session was signed in with (for operators; no foreign key). */
    keyId: text('key_id').notNull(),
    /** The claim's own expiry: after it the cookie is refused anyway, so the row may go. */
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'string', precision: 3 }).notNull(),
    endedAt: timestamp('ended_at', { withTimezone: true, mode: 'string', precision: 3 }).notNull(),
  },
  (t) => [index('console_session_ends_expires_idx').on(t.expiresAt)],
);

/**
 * Failed authentications by client address and minute, counted across replicas (services/auth-failures.ts):
 * each replica still holds an address back from memory, and learns from the count here when the other
 * replicas' failures have used the address's minute up. Rows are purged a few minutes after their minute.
 */
export const authFailures = pgTable(
  'auth_failures',
  {
    address: text('address').notNull(),
    /** The start of the minute (UTC) these failures fell in. */
    windowStart: timestamp('window_start', { withTimezone: true, mode: 'string', precision: 3 }).notNull(),
    failures: integer('failures').notNull(),
  },
  (t) => [primaryKey({ columns: [t.address, t.windowStart] }), index('auth_failures_window_idx').on(t.windowStart)],
);
