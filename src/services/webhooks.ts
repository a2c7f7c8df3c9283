/**
 * Webhook endpoints (an admin registers, rotates, disables) and the durable delivery queue they
 * are fed from. A domain event becomes one queued delivery per subscribed endpoint allowed to see
 * it, in the database, before anything is sent; the dispatcher (webhook-dispatcher.ts) sends them.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { WebhookConfig } from '../config.js';
import { badRequest, conflict, notFound } from '../errors.js';
import type { Principal } from './principal.js';
import type { ChokepointEvent } from './events.js';
import type { CachedRead, ChangeFeed } from './change-feed.js';
import { checkTargetUrl, TargetRefused } from './webhook-target.js';
import type {
  CreateWebhookEndpointBody,
  ListDeliveriesQuery,
  UpdateWebhookEndpointBody,
  WebhookDelivery,
  WebhookEndpoint,
} from '../schemas/webhooks.js';
import { canonicalJson } from '../canonical-json.js';
import { sha256Hex } from '../store/canonical.js';
import type { Db } from '../store/db.js';
import { findApiKeyById, findApiKeyByPrefix } from '../store/api-keys-repo.js';
import { withFormOnce, type FormOnce } from './form-once.js';
import { controlCharacterErrors } from './input-guards.js';
import {
  enabledEndpoints,
  endpointSees,
  endpointsFor,
  enqueueDeliveries,
  findDelivery,
  findEndpoint,
  insertEndpoint,
  insertRedelivery,
  listDeliveries,
  listEndpoints,
  previousSecrets,
  rotateEndpointSecret,
  updateEndpoint,
  type DeliveryRow,
  type EndpointRow,
} from '../store/webhooks-repo.js';

/** After a rotation, deliveries are signed with the old secret too for this long, so receivers can switch without losing any. */
export const ROTATION_GRACE_MS = 24 * 3_600_000;

/**
 * Retired secrets that keep signing, each until its own grace end: rotated again within the grace period, the
 * secret before keeps signing too (a receiver that has not switched yet still verifies). At most this many, the
 * newest: a delivery carries at most 1 + this many signatures, whatever a script rotating in a loop does.
 */
export const MAX_PREVIOUS_SECRETS = 3;

/** What an API key (`ck_<8 hex>_<secret>`) or its public prefix (`ck_<8 hex>`) starts with: not a key's id. */
const KEY_PREFIX_FORM = /^(ck_[0-9a-f]{8})(?:_|$)/;

/** A Standard Webhooks secret: whsec_ + base64 of 32 random bytes. */
export const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

/** The retired secrets still signing at `now`, newest first. */
function unexpiredPrevious(r: EndpointRow, now: Date) {
  return previousSecrets(r).filter((p) => Date.parse(p.expiresAt) > now.getTime() && p.secret !== r.secret);
}

export function toEndpoint(r: EndpointRow, now: Date): WebhookEndpoint {
  // Until the last retired secret stops signing.
  const ends = unexpiredPrevious(r, now).map((p) => Date.parse(p.expiresAt));
  const rotatedUntil = ends.length ? new Date(Math.max(...ends)).toISOString() : null;
  return {
    id: r.id,
    url: r.url,
    description: r.description,
    events: r.events as WebhookEndpoint['events'],
    ownerKeyId: r.ownerKeyId,
    allowHttp: r.allowHttp,
    enabled: r.enabled,
    secretRotatedUntil: rotatedUntil,
    createdAt: r.createdAt,
    createdBy: r.createdBy,
    updatedAt: r.updatedAt,
  };
}

export function toDelivery(r: DeliveryRow): WebhookDelivery {
  return {
    id: r.id,
    messageId: r.messageId,
    endpointId: r.endpointId,
    eventType: r.eventType as WebhookDelivery['eventType'],
    status: r.status as WebhookDelivery['status'],
    attempts: r.attempts,
    nextAttemptAt: r.status === 'pending' ? r.nextAttemptAt : null,
    lastAttemptAt: r.lastAttemptAt,
    lastStatusCode: r.lastStatusCode,
    lastError: r.lastError,
    deliveredAt: r.deliveredAt,
    redeliveryOf: r.redeliveryOf,
    subjectId: r.subjectId,
    createdAt: r.createdAt,
    payload: JSON.parse(r.payload) as unknown,
  };
}

/** The signing secrets in force: the current one, and each retired one until its own grace end (newest first). */
export function signingSecrets(r: EndpointRow, now: Date): string[] {
  return [...new Set([r.secret, ...unexpiredPrevious(r, now).map((p) => p.secret)])];
}

/** A rotation found the secret changed since it read it (another rotation at the same moment): it is read again. */
class SecretChanged extends Error {}

/** The body sent: the Standard Webhooks payload structure { type, timestamp, data }. */
export function webhookPayload(event: ChokepointEvent): string {
  return JSON.stringify({ type: event.type, timestamp: event.occurredAt, data: event.data });
}

/** What an event is about: the screening (flagged, changed) or the batch (completed). */
export function subjectOf(event: ChokepointEvent): string | null {
  const id = event.type === 'batch.completed' ? event.data.batchId : event.data.screeningId;
  return typeof id === 'string' ? id : null;
}

interface Cursor {
  createdAt: string;
  id: string;
}
const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify([c.createdAt, c.id])).toString('base64url');
function decodeCursor(raw: string): Cursor {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown[];
    if (typeof createdAt === 'string' && typeof id === 'string' && !Number.isNaN(Date.parse(createdAt))) return { createdAt, id };
  } catch {
    // fall through
  }
  throw badRequest('cursor: is not a cursor this service issued', [{ field: '/cursor', in: 'query', message: 'is not a cursor this service issued' }]);
}

/**
 * A URL or description is shown in the console and the delivery log: no control or bidirectional control characters
 * (a U+202E reorders what follows it), as for every other text the service stores.
 */
function checkText(fields: { url?: string | undefined; description?: string | undefined }): void {
  const bad = controlCharacterErrors(fields);
  if (bad.length) throw badRequest(bad.map((e) => `${e.field} ${e.message}`).join('; '), bad);
}

export class WebhookService {
  constructor(
    private readonly db: Db,
    private readonly config: WebhookConfig,
    private readonly clock: () => Date = () => new Date(),
    /** Called after deliveries were queued, to wake the dispatcher. */
    private readonly onQueued: () => void = () => {},
    /** Keeps the enabled endpoints between events while it vouches for them; without it every event reads them. */
    private readonly feed?: ChangeFeed,
  ) {
    this.enabled = feed ? feed.cached('webhook_endpoints', () => enabledEndpoints(this.db)) : null;
  }

  private readonly enabled: CachedRead<EndpointRow[]> | null;

  /** Enabled endpoints subscribed to this event type that may see its owner's data. */
  private async endpointsFor(eventType: string, ownerKeyId: string | null): Promise<EndpointRow[]> {
    if (!this.enabled || !this.feed?.listening) return endpointsFor(this.db, eventType, ownerKeyId);
    return (await this.enabled.get()).filter((e) => endpointSees(e, eventType, ownerKeyId));
  }

  private checkUrl(url: string, allowHttp: boolean) {
    try {
      checkTargetUrl(url, { allowPrivate: this.config.allowPrivate, allowHttp });
    } catch (err) {
      if (!(err instanceof TargetRefused)) throw err;
      throw badRequest(`/url: ${err.message}`, [{ field: '/url', in: 'body', message: err.message }]);
    }
  }

  /**
   * An endpoint's owner, on registration or when it is changed, must be an API key that can still have
   * data announced: one that exists, is not revoked, has not expired and is not an auditor's (read-only: no
   * screening or batch is ever its own). An id of no key made an endpoint that silently received nothing; the
   * key's public prefix is the usual mistake. null: no owner (all events).
   */
  private async checkOwner(ownerKeyId: string | null | undefined): Promise<void> {
    if (ownerKeyId === undefined || ownerKeyId === null) return;
    const key = await findApiKeyById(this.db, ownerKeyId);
    let problem: string | null = null;
    if (!key) {
      const prefix = KEY_PREFIX_FORM.exec(ownerKeyId)?.[1];
      const byPrefix = prefix ? await findApiKeyByPrefix(this.db, prefix) : null;
      // Never echo the value: an admin may have pasted a whole key, secret included.
      problem = !prefix
        ? 'is not the id of any API key'
        : `is not an API key id: this looks like a key prefix (or a key); use the key's id${byPrefix ? ` (the key with that prefix has id ${byPrefix.id})` : ' (`id` in GET /v1/api-keys)'}`;
    } else if (key.revokedAt) {
      problem = 'names a revoked API key';
    } else if (key.expiresAt && Date.parse(key.expiresAt) <= this.clock().getTime()) {
      problem = 'names an expired API key';
    } else if (key.role === 'auditor') {
      // Read-only: it submits no screenings or batches, so no event is ever about its data.
      problem = 'names an auditor key, which submits no screenings or batches: the endpoint would receive nothing; name the key that submits them, or null for all events';
    }
    if (problem) throw badRequest(`/ownerKeyId: ${problem}`, [{ field: '/ownerKeyId', in: 'body', message: problem }]);
  }

  /** `once`: a console form's once-token, claimed with the endpoint (the form sent twice registers one). */
  async createEndpoint(body: CreateWebhookEndpointBody, principal: Principal | null, once?: FormOnce | null) {
    const allowHttp = body.allowHttp ?? false;
    checkText({ url: body.url, description: body.description });
    this.checkUrl(body.url, allowHttp);
    await this.checkOwner(body.ownerKeyId);
    const now = this.clock().toISOString();
    const secret = body.secret ?? newSecret();
    const id = randomUUID();
    const row = await withFormOnce(this.db, once, id, now, (db) => insertEndpoint(db, {
      id,
      url: body.url,
      description: body.description ?? '',
      events: [...new Set(body.events)],
      ownerKeyId: body.ownerKeyId ?? null,
      allowHttp,
      enabled: true,
      secret,
      createdAt: now,
      createdBy: principal?.keyId ?? null,
      updatedAt: now,
    }));
    this.feed?.changed('webhook_endpoints');
    return { ...toEndpoint(row, this.clock()), secret };
  }

  async listEndpoints(): Promise<WebhookEndpoint[]> {
    const now = this.clock();
    return (await listEndpoints(this.db)).map((r) => toEndpoint(r, now));
  }

  private async endpointRow(id: string): Promise<EndpointRow> {
    const row = await findEndpoint(this.db, id);
    if (!row) throw notFound(`No webhook endpoint ${id}`);
    return row;
  }

  async getEndpoint(id: string): Promise<WebhookEndpoint> {
    return toEndpoint(await this.endpointRow(id), this.clock());
  }

  async updateEndpoint(id: string, patch: UpdateWebhookEndpointBody): Promise<WebhookEndpoint> {
    const current = await this.endpointRow(id);
    const url = patch.url ?? current.url;
    const allowHttp = patch.allowHttp ?? current.allowHttp;
    checkText({ url: patch.url, description: patch.description });
    this.checkUrl(url, allowHttp);
    // A new owner is checked as on registration. Deliveries already queued were chosen for the old owner
    // when their events were queued, and are still sent; events from now on are chosen for the new one.
    await this.checkOwner(patch.ownerKeyId);
    const row = await updateEndpoint(this.db, id, {
      url,
      allowHttp,
      ...(patch.ownerKeyId !== undefined ? { ownerKeyId: patch.ownerKeyId } : {}),
      ...(patch.events ? { events: [...new Set(patch.events)] } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
      updatedAt: this.clock().toISOString(),
    });
    if (!row) throw notFound(`No webhook endpoint ${id}`);
    this.feed?.changed('webhook_endpoints');
    if (patch.enabled) this.onQueued();
    return toEndpoint(row, this.clock());
  }

  /**
   * A new secret, returned once. The one it replaces keeps signing alongside for ROTATION_GRACE_MS, and so does
   * every secret retired before whose own grace has not ended (at most MAX_PREVIOUS_SECRETS, the newest): rotated
   * twice within the grace period, the original secret used to stop signing at the second rotation, and a
   * receiver that had not yet switched to the first new secret failed every delivery.
   *
   * `once`: a console form's once-token, claimed with the rotation (the form sent twice rotates once).
   */
  async rotateSecret(id: string, once?: FormOnce | null) {
    for (let attempt = 1; ; attempt++) {
      const current = await this.endpointRow(id);
      const now = this.clock();
      const secret = newSecret();
      const previous = [{ secret: current.secret, expiresAt: new Date(now.getTime() + ROTATION_GRACE_MS).toISOString() }, ...unexpiredPrevious(current, now)].slice(0, MAX_PREVIOUS_SECRETS);
      try {
        const row = await withFormOnce(this.db, once, id, now.toISOString(), async (db) => {
          const updated = await rotateEndpointSecret(db, id, current.secret, { secret, previous, updatedAt: now.toISOString() });
          // Thrown inside the transaction: the once-token's claim is undone with it.
          if (!updated) throw new SecretChanged();
          return updated;
        });
        this.feed?.changed('webhook_endpoints');
        return { ...toEndpoint(row, now), secret };
      } catch (err) {
        if (!(err instanceof SecretChanged)) throw err;
        if (attempt >= 3) throw conflict(`The secret of endpoint ${id} is being rotated by another request; try again`);
      }
    }
  }

  /**
   * The event bus subscriber: one durable delivery per endpoint that subscribed and may see it.
   * `onlyTo` narrows that to the given endpoints (the event relay queues for the ones it found missing).
   */
  async enqueue(event: ChokepointEvent, onlyTo?: ReadonlySet<string>): Promise<number> {
    let endpoints = await this.endpointsFor(event.type, event.ownerKeyId);
    if (onlyTo) endpoints = endpoints.filter((e) => onlyTo.has(e.id));
    if (endpoints.length === 0) return 0;
    const now = this.clock().toISOString();
    const payload = webhookPayload(event);
    const eventKey = sha256Hex(canonicalJson({ type: event.type, ownerKeyId: event.ownerKeyId, data: event.data }));
    const queued = await enqueueDeliveries(
      this.db,
      endpoints.map((e) => ({
        id: randomUUID(),
        messageId: `msg_${randomUUID().replaceAll('-', '')}`,
        endpointId: e.id,
        eventType: event.type,
        eventKey,
        payload,
        ownerKeyId: event.ownerKeyId,
        subjectId: subjectOf(event),
        status: 'pending',
        attempts: 0,
        nextAttemptAt: now,
        createdAt: now,
      })),
    );
    if (queued > 0) this.onQueued();
    return queued;
  }

  async listDeliveries(q: ListDeliveriesQuery) {
    const limit = q.limit ?? 50;
    const rows = await listDeliveries(this.db, {
      endpointId: q.endpointId,
      status: q.status,
      eventType: q.eventType,
      subjectId: q.subjectId,
      before: q.cursor ? decodeCursor(q.cursor) : undefined,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map(toDelivery), nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
  }

  async getDelivery(id: string): Promise<WebhookDelivery> {
    const row = await findDelivery(this.db, id);
    if (!row) throw notFound(`No webhook delivery ${id}`);
    return toDelivery(row);
  }

  /**
   * Sends a delivery again as a new delivery with the same webhook-id (the receiver's duplicate
   * check still applies) and a fresh attempt budget. Not while a delivery of the same event to the
   * same endpoint — this one, the original or another redelivery — is still pending or being
   * delivered (409): asking twice queues it once, even when both requests come at once.
   */
  async redeliver(id: string): Promise<WebhookDelivery> {
    const original = await findDelivery(this.db, id);
    if (!original) throw notFound(`No webhook delivery ${id}`);
    if (original.status === 'pending' || original.status === 'delivering') {
      throw conflict(`Delivery ${id} is still ${original.status}; it will be attempted without a redelivery`);
    }
    // The endpoint's owner may have changed since the event was queued: a redelivery is a new sending, and
    // sends only what the endpoint may see now (another key's data never goes to its new owner's receiver).
    const endpoint = await findEndpoint(this.db, original.endpointId);
    // A disabled endpoint is sent nothing: the redelivery used to be accepted (202) and then waited, unsent and
    // unsaid, until someone enabled the endpoint — when it went out with whatever else had queued up.
    if (endpoint && !endpoint.enabled) {
      throw conflict(`Endpoint ${endpoint.id} is disabled; enable it (PATCH enabled: true) before redelivering — deliveries already queued for it wait and go out then`);
    }
    // Nor an event type the endpoint no longer subscribes to: its events were changed since the delivery was queued,
    // and a redelivery is a new sending, of what the endpoint asks for now (it used to go out regardless).
    if (endpoint && !endpoint.events.includes(original.eventType)) {
      throw conflict(`Endpoint ${endpoint.id} no longer subscribes to ${original.eventType} (its events were changed after the event was queued); add ${original.eventType} to its events (PATCH events) before redelivering`);
    }
    if (endpoint && endpoint.ownerKeyId !== null && endpoint.ownerKeyId !== original.ownerKeyId) {
      throw conflict(`Delivery ${id} is about the data of an API key other than endpoint ${endpoint.id}'s owner (its ownerKeyId was changed after the event was queued); it is not sent again`);
    }
    const now = this.clock().toISOString();
    const result = await insertRedelivery(this.db, {
      id: randomUUID(),
      messageId: original.messageId,
      endpointId: original.endpointId,
      eventType: original.eventType,
      eventKey: original.eventKey,
      payload: original.payload,
      ownerKeyId: original.ownerKeyId,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      redeliveryOf: original.id,
      subjectId: original.subjectId,
      createdAt: now,
    });
    if ('queuedAlready' in result) {
      const q = result.queuedAlready;
      throw conflict(`A delivery of this event to this endpoint is still ${q.status} (${q.id}); it will be attempted without another redelivery`);
    }
    this.onQueued();
    return toDelivery(result.queued);
  }
}
