/** Webhook endpoints and deliveries (admin): short handlers over the webhook service. */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ACCESS } from '../access.js';
import { problems } from '../schemas/problem.js';
import { ref } from '../../schemas/named.js';
import {
  CreateWebhookEndpointBody,
  ListDeliveriesQuery,
  UpdateWebhookEndpointBody,
  WebhookDelivery,
  WebhookDeliveryPage,
  WebhookEndpoint,
  WebhookEndpointList,
  WebhookEndpointWithSecret,
  WebhookIdParams,
} from '../../schemas/webhooks.js';

export default async function webhookRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['webhooks'];

  app.post(
    '/v1/webhooks/endpoints',
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: 'createWebhookEndpoint',
        tags,
        summary: 'Register a webhook endpoint; its signing secret is returned once',
        body: ref(CreateWebhookEndpointBody),
        response: { 201: ref(WebhookEndpointWithSecret), ...problems(400, 401, 403, 413, 415, 429, 500, 503) },
      },
    },
    async (request, reply) => {
      const created = await app.webhooks.createEndpoint(request.body, request.principal ?? null);
      request.log.info({ webhookEndpointId: created.id, events: created.events }, 'webhook endpoint registered');
      reply.header('cache-control', 'no-store');
      return reply.code(201).send(created);
    },
  );

  app.get(
    '/v1/webhooks/endpoints',
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: 'listWebhookEndpoints',
        tags,
        summary: 'List webhook endpoints (never their secrets)',
        response: { 200: ref(WebhookEndpointList), ...problems(401, 403, 429, 500, 503) },
      },
    },
    async () => ({ items: await app.webhooks.listEndpoints() }),
  );

  app.get(
    '/v1/webhooks/endpoints/:id',
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: 'getWebhookEndpoint',
        tags,
        summary: 'One webhook endpoint',
        params: WebhookIdParams,
        response: { 200: ref(WebhookEndpoint), ...problems(400, 401, 403, 404, 429, 500, 503) },
      },
    },
    async (request) => app.webhooks.getEndpoint(request.params.id),
  );

  app.patch(
    '/v1/webhooks/endpoints/:id',
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: 'updateWebhookEndpoint',
        tags,
        summary: 'Change an endpoint: URL, events, description, allowHttp, owner; disable or enable it',
        description:
          "`ownerKeyId` is checked as on registration: the `id` of an API key that exists, is neither revoked nor expired and is not an auditor's (read-only, it submits nothing: the endpoint would receive nothing) — not its `ck_…` prefix —, else 400 naming `/ownerKeyId` and nothing is changed; null makes it an endpoint for all events of its types. The owner chooses which events are queued for the endpoint from then on: deliveries already queued were chosen for the old owner and are still sent, and a delivery queued for another key than the new owner is not redelivered (409).",
        params: WebhookIdParams,
        body: ref(UpdateWebhookEndpointBody),
        response: { 200: ref(WebhookEndpoint), ...problems(400, 401, 403, 404, 413, 415, 429, 500, 503) },
      },
    },
    async (request) => {
      const updated = await app.webhooks.updateEndpoint(request.params.id, request.body);
      request.log.info({ webhookEndpointId: updated.id, enabled: updated.enabled, ...(request.body.ownerKeyId !== undefined ? { ownerKeyId: updated.ownerKeyId } : {}) }, 'webhook endpoint updated');
      return updated;
    },
  );

  app.post(
    '/v1/webhooks/endpoints/:id/rotate-secret',
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: 'rotateWebhookSecret',
        tags,
        summary: 'Issue a new signing secret (returned once); the one it replaces keeps signing alongside for 24 hours, as do earlier ones still within their own 24 hours (the newest 3)',
        params: WebhookIdParams,
        response: { 200: ref(WebhookEndpointWithSecret), ...problems(400, 401, 403, 404, 409, 429, 500, 503) },
      },
    },
    async (request, reply) => {
      const rotated = await app.webhooks.rotateSecret(request.params.id);
      request.log.info({ webhookEndpointId: rotated.id }, 'webhook secret rotated');
      reply.header('cache-control', 'no-store');
      return rotated;
    },
  );

  app.get(
    '/v1/webhooks/deliveries',
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: 'listWebhookDeliveries',
        tags,
        summary: 'The delivery log, newest first: status, attempts, last status code and error, next try',
        querystring: ListDeliveriesQuery,
        response: { 200: ref(WebhookDeliveryPage), ...problems(400, 401, 403, 429, 500, 503) },
      },
    },
    async (request) => app.webhooks.listDeliveries(request.query),
  );

  app.get(
    '/v1/webhooks/deliveries/:id',
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: 'getWebhookDelivery',
        tags,
        summary: 'One delivery',
        params: WebhookIdParams,
        response: { 200: ref(WebhookDelivery), ...problems(400, 401, 403, 404, 429, 500, 503) },
      },
    },
    async (request) => app.webhooks.getDelivery(request.params.id),
  );

  app.post(
    '/v1/webhooks/deliveries/:id/redeliver',
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: 'redeliverWebhook',
        tags,
        summary: 'Send a delivered or failed delivery again (same webhook-id, fresh attempts); 409 while it is still queued, while its endpoint is disabled, or when the endpoint no longer subscribes to its event type',
        params: WebhookIdParams,
        response: { 202: ref(WebhookDelivery), ...problems(400, 401, 403, 404, 409, 429, 500, 503) },
      },
    },
    async (request, reply) => {
      const queued = await app.webhooks.redeliver(request.params.id);
      request.log.info({ deliveryId: queued.id, redeliveryOf: queued.redeliveryOf }, 'webhook redelivery queued');
      return reply.code(202).send(queued);
    },
  );
}
