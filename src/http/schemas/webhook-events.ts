/**
 * What a webhook receiver is sent: the Standard Webhooks message `{ type, timestamp, data }`
 * (webhookPayload in src/services/webhooks.ts) for each event type, with `data` as its publisher builds
 * it — screening.flagged: flaggedEvent (src/services/screenings.ts); batch.completed: publishFinished
 * (src/services/batches.ts); screening.changed: MonitoringService.publish (src/services/monitoring.ts).
 * tests/http/qa13-openapi-contract.test.ts checks real deliveries of each type against these schemas.
 *
 * Named component schemas (so generators name the types), and the OpenAPI 3.1 `webhooks` section that
 * src/openapi.ts adds to the document.
 */
import { Type } from 'typebox';
import { stringEnum } from '../../schemas/named.js';
import { Decision, RulesetRef } from '../../schemas/screening-result.js';

const Count = Type.Integer({ minimum: 0 });
const timestamp = (what: string) => Type.String({ format: 'date-time', description: `When ${what} (ISO 8601)` });

export const WebhookScreeningFlagged = Type.Object(
  {
    type: stringEnum(['screening.flagged'] as const),
    timestamp: timestamp('the screening was made (its screenedAt)'),
    data: Type.Object({
      screeningId: Type.String({ format: 'uuid' }),
      reference: Type.String(),
      decision: Decision,
      riskScore: Type.Integer(),
      ruleIds: Type.Array(Type.String(), { description: 'The rules that flagged it (info-level flags left out), each once' }),
      ruleset: RulesetRef,
      screenedAt: Type.String({ format: 'date-time' }),
      href: Type.String({ description: 'The screening: GET this path (`/v1/screenings/{id}`)' }),
    }),
  },
  {
    $id: 'WebhookScreeningFlagged',
    description:
      'The body of a `screening.flagged` delivery: a new screening whose decision is not CLEAR (not sent for an idempotent replay, nor for batch lines). No party names.',
  },
);

export const WebhookBatchCompleted = Type.Object(
  {
    type: stringEnum(['batch.completed'] as const),
    timestamp: timestamp('the batch finished'),
    data: Type.Object({
      batchId: Type.String({ format: 'uuid' }),
      state: stringEnum(['completed', 'failed'] as const, { description: '`failed`: some lines could not be screened (see `failure`)' }),
      total: Count,
      screened: Count,
      failed: Count,
      invalid: Count,
      counts: Type.Object({ CLEAR: Count, REVIEW: Count, LICENSE_REQUIRED: Count, BLOCK: Count }, { description: 'Screened lines by decision' }),
      failure: Type.Optional(
        Type.Object(
          { linesNotScreened: Count, reason: Type.String() },
          { description: 'Only for a `failed` batch: how many lines were not screened, and why' },
        ),
      ),
      href: Type.String({ description: 'The batch: `/v1/batches/{batchId}`' }),
      results: Type.String({ description: 'Its results: `/v1/batches/{batchId}/results`' }),
    }),
  },
  {
    $id: 'WebhookBatchCompleted',
    description: 'The body of a `batch.completed` delivery: a batch ended `completed` or `failed` (none for a cancelled batch). Fetch its results at `/v1/batches/{batchId}/results`.',
  },
);

export const WebhookScreeningChanged = Type.Object(
  {
    type: stringEnum(['screening.changed'] as const),
    timestamp: timestamp('the monitoring run re-screened it'),
    data: Type.Object({
      eventId: Type.String({ description: '`<monitoringRunId>:<screeningId>`: the same change is the same event' }),
      monitoringRunId: Type.String({ description: 'GET /v1/monitoring/runs/{id}' }),
      screeningId: Type.String({ format: 'uuid' }),
      reference: Type.String(),
      from: Decision,
      to: Decision,
      flagsAdded: Type.Array(Type.String(), { description: 'Flags the re-screen has that the screening had not (rule id and subject, e.g. "LIST-EL parties[0]")' }),
      flagsRemoved: Type.Array(Type.String()),
      ruleset: Type.Object({ version: Type.String(), hash: Type.String() }, { description: 'The ruleset the monitoring run re-screened with' }),
      href: Type.String({ description: 'The screening, with the change as `monitoring`: `/v1/screenings/{screeningId}`' }),
    }),
  },
  {
    $id: 'WebhookScreeningChanged',
    description:
      'The body of a `screening.changed` delivery: continuous monitoring re-screened a stored screening against a newer ruleset or list and its decision changed. The stored screening is unchanged; GET /v1/screenings/{id} shows the change as `monitoring`.',
  },
);

export const WEBHOOK_EVENT_SCHEMAS = [WebhookScreeningFlagged, WebhookBatchCompleted, WebhookScreeningChanged];

const HEADERS = [
  { name: 'webhook-id', description: '`msg_…`: the same on every attempt and redelivery of this message; drop duplicates by it' },
  { name: 'webhook-timestamp', description: 'Unix seconds of this attempt; reject messages older than 5 minutes' },
  {
    name: 'webhook-signature',
    description: '`v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">` with the endpoint secret; several, space-separated, during a secret rotation',
  },
];

const webhook = (event: string, component: string, operationId: string, description: string) => ({
  post: {
    operationId,
    tags: ['webhooks'],
    summary: `${event}: sent to each endpoint subscribed to it`,
    description: `${description} Signed per Standard Webhooks; deliveries are at least once. Answer any 2xx within WEBHOOK_TIMEOUT_MS to acknowledge; anything else is retried with back-off.`,
    parameters: HEADERS.map((h) => ({ in: 'header', name: h.name, required: true, description: h.description, schema: { type: 'string' } })),
    requestBody: { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${component}` } } } },
    responses: {
      '2XX': { description: 'Acknowledged' },
      default: { description: 'Not acknowledged: retried (a 429 or 503 Retry-After is honoured) up to WEBHOOK_MAX_ATTEMPTS' },
    },
    security: [],
  },
});

/** The OpenAPI 3.1 `webhooks` section: what the service POSTs to a registered endpoint, by event type. */
export function openapiWebhooks() {
  return {
    'screening.flagged': webhook('screening.flagged', 'WebhookScreeningFlagged', 'screeningFlaggedWebhook', 'A new screening was flagged (decision REVIEW, LICENSE_REQUIRED or BLOCK).'),
    'batch.completed': webhook('batch.completed', 'WebhookBatchCompleted', 'batchCompletedWebhook', 'A batch ended (completed, or failed with lines not screened).'),
    'screening.changed': webhook('screening.changed', 'WebhookScreeningChanged', 'screeningChangedWebhook', 'Continuous monitoring changed the decision of a stored screening.'),
  };
}
