/** Webhook endpoints and deliveries: what an admin sends and sees. Secrets appear only when issued. */
import { Type, type Static } from 'typebox';
import { ref, stringEnum } from './named.js';

export const WEBHOOK_EVENT_TYPES = ['screening.flagged', 'screening.changed', 'batch.completed'] as const;
export const WebhookEventType = stringEnum(WEBHOOK_EVENT_TYPES, { description: 'Event types an endpoint can subscribe to' });

export const DELIVERY_STATUSES = ['pending', 'delivering', 'succeeded', 'failed'] as const;
export const DeliveryStatus = stringEnum(DELIVERY_STATUSES, {
  description: 'pending: waiting for its next try; delivering: an attempt is under way; succeeded: a 2xx came back; failed: attempts exhausted or target refused (redeliver to try again)',
});

const Timestamp = Type.String({ format: 'date-time' });
const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);
const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });

/** Standard Webhooks secret: "whsec_" + base64 of 24 to 64 random bytes. */
const Secret = Type.String({
  pattern: '^whsec_[A-Za-z0-9+/]{32,88}={0,2}$',
  description: 'Signing secret, "whsec_" + base64 of 24–64 random bytes; omit to have one generated',
});

export const CreateWebhookEndpointBody = Type.Object(
  {
    url: Type.String({ minLength: 8, maxLength: 2000, description: 'https URL (http only with allowHttp); must not resolve to a private, loopback or link-local address', examples: ['https://erp.example.com/hooks/chokepoint'] }),
    events: Type.Array(WebhookEventType, { minItems: 1, maxItems: WEBHOOK_EVENT_TYPES.length, uniqueItems: true }),
    description: Type.Optional(Type.String({ maxLength: 200, pattern: '^[^\\u0000-\\u001F\\u007F]*$' })),
    ownerKeyId: Type.Optional(Type.Union([Id, Type.Null()], {
        description:
          "Deliver only events about this API key's screenings and batches; null: all. The id of a key that exists, is neither revoked nor expired, and is not an auditor's (read-only: it submits nothing), else 400 naming /ownerKeyId",
      })),
    allowHttp: Type.Optional(Type.Boolean({ default: false, description: 'Allow a plain http URL for this endpoint' })),
    secret: Type.Optional(Secret),
  },
  {
    $id: 'CreateWebhookEndpoint',
    additionalProperties: false,
    examples: [{ url: 'https://erp.example.com/hooks/chokepoint', events: ['screening.flagged', 'batch.completed'], description: 'SAP production' }],
  },
);
export type CreateWebhookEndpointBody = Static<typeof CreateWebhookEndpointBody>;

export const UpdateWebhookEndpointBody = Type.Object(
  {
    url: Type.Optional(CreateWebhookEndpointBody.properties.url),
    events: Type.Optional(CreateWebhookEndpointBody.properties.events),
    description: Type.Optional(Type.String({ maxLength: 200, pattern: '^[^\\u0000-\\u001F\\u007F]*$' })),
    ownerKeyId: Type.Optional(
      Type.Union([Id, Type.Null()], {
        description:
          "A new owner: the id of an active API key that is not an auditor's, as on registration (only events about that key's screenings and batches are queued for it from now on); null: all events. Deliveries queued before the change were chosen for the old owner and are still sent",
      }),
    ),
    allowHttp: Type.Optional(Type.Boolean()),
    enabled: Type.Optional(Type.Boolean({ description: 'false: no new events are queued for it and queued deliveries wait; true: they resume' })),
  },
  { $id: 'UpdateWebhookEndpoint', additionalProperties: false, minProperties: 1 },
);
export type UpdateWebhookEndpointBody = Static<typeof UpdateWebhookEndpointBody>;

export const WebhookEndpoint = Type.Object(
  {
    id: Type.String(),
    url: Type.String(),
    description: Type.String(),
    events: Type.Array(WebhookEventType),
    ownerKeyId: Type.Union([Type.String(), Type.Null()]),
    allowHttp: Type.Boolean(),
    enabled: Type.Boolean(),
    secretRotatedUntil: Type.Union([Timestamp, Type.Null()], { description: 'Until then deliveries also carry a signature with the previous secret' }),
    createdAt: Timestamp,
    createdBy: Type.Union([Type.String(), Type.Null()]),
    updatedAt: Timestamp,
  },
  { $id: 'WebhookEndpoint' },
);
export type WebhookEndpoint = Static<typeof WebhookEndpoint>;

export const WebhookEndpointWithSecret = Type.Object(
  { ...WebhookEndpoint.properties, secret: Type.String({ description: 'The signing secret. Shown only here; store it now.' }) },
  { $id: 'WebhookEndpointWithSecret' },
);

export const WebhookEndpointList = Type.Object({ items: Type.Array(ref(WebhookEndpoint)) }, { $id: 'WebhookEndpointList' });

export const WebhookDelivery = Type.Object(
  {
    id: Type.String(),
    messageId: Type.String({ description: 'The webhook-id header: the same on every attempt and redelivery, for the receiver to drop duplicates' }),
    endpointId: Type.String(),
    eventType: WebhookEventType,
    status: DeliveryStatus,
    attempts: Type.Integer(),
    nextAttemptAt: Type.Union([Timestamp, Type.Null()], { description: 'Next try (pending only)' }),
    lastAttemptAt: NullableTimestamp,
    lastStatusCode: Type.Union([Type.Integer(), Type.Null()]),
    lastError: Type.Union([Type.String(), Type.Null()]),
    deliveredAt: NullableTimestamp,
    redeliveryOf: Type.Union([Type.String(), Type.Null()]),
    subjectId: Type.Union([Type.String(), Type.Null()], {
      description: 'What the event is about: the screening (screening.flagged, screening.changed) or the batch (batch.completed); null on deliveries queued before this field existed',
    }),
    createdAt: Timestamp,
    payload: Type.Unknown({ description: 'The body sent: { type, timestamp, data }' }),
  },
  { $id: 'WebhookDelivery' },
);
export type WebhookDelivery = Static<typeof WebhookDelivery>;

export const WebhookDeliveryPage = Type.Object(
  {
    items: Type.Array(ref(WebhookDelivery)),
    nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next (older) page; null on the last page' }),
  },
  { $id: 'WebhookDeliveryPage' },
);

export const ListDeliveriesQuery = Type.Object(
  {
    endpointId: Type.Optional(Id),
    status: Type.Optional(Type.Array(DeliveryStatus, { maxItems: 4, description: 'One or more statuses' })),
    eventType: Type.Optional(WebhookEventType),
    subjectId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description: 'Only deliveries about this screening or batch (its id)' })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  },
  { additionalProperties: false },
);
export type ListDeliveriesQuery = Static<typeof ListDeliveriesQuery>;

export const WebhookIdParams = Type.Object({ id: Id });
