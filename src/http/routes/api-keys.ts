/** POST/GET /v1/api-keys, DELETE /v1/api-keys/{id}: admin only; short handlers over the api-keys service. */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { createApiKey, listKeys, revokeKey } from '../../services/api-keys.js';
import { ACCESS } from '../access.js';
import { ref } from '../../schemas/named.js';
import { ApiKeyCreatedSchema, ApiKeyListSchema, CreateApiKeySchema } from '../schemas/components.js';
import { problems } from '../schemas/problem.js';
import { ApiKeyIdParams } from '../schemas/api-keys.js';

export default async function apiKeyRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/v1/api-keys',
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: 'createApiKey',
        tags: ['keys'],
        summary: 'Create an API key; the key is returned once and stored only as a hash',
        body: ref(CreateApiKeySchema),
        response: { 201: ref(ApiKeyCreatedSchema), ...problems(400, 401, 403, 413, 415, 429, 500, 503) },
      },
    },
    async (request, reply) => {
      const created = await createApiKey(app.database.db, request.body, { keyId: request.principal?.keyId ?? null });
      request.log.info({ apiKeyId: created.id, prefix: created.prefix, role: created.role }, 'api key created');
      reply.header('cache-control', 'no-store');
      return reply.code(201).send({
        id: created.id,
        key: created.key,
        role: created.role,
        name: created.name,
        prefix: created.prefix,
        createdAt: created.createdAt,
        expiresAt: created.expiresAt,
        holder: created.holder,
        rateLimitPerMinute: created.rateLimitPerMinute,
      });
    },
  );

  app.get(
    '/v1/api-keys',
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: 'listApiKeys',
        tags: ['keys'],
        summary: 'List API keys (prefixes and metadata, never secrets)',
        response: { 200: ref(ApiKeyListSchema), ...problems(401, 403, 429, 500, 503) },
      },
    },
    async () => ({ items: await listKeys(app.database.db) }),
  );

  app.delete(
    '/v1/api-keys/:id',
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: 'revokeApiKey',
        tags: ['keys'],
        summary: 'Revoke an API key (idempotent); it stops working at once on this replica, within 10 s on others',
        params: ApiKeyIdParams,
        response: { 204: { description: 'Revoked', type: 'null' }, ...problems(400, 401, 403, 404, 429, 500, 503) },
      },
    },
    async (request, reply) => {
      const revoked = await revokeKey(app.database.db, request.params.id, { keyId: request.principal?.keyId ?? null });
      app.keyVerifier.clear();
      request.log.info({ apiKeyId: revoked.id, prefix: revoked.prefix }, 'api key revoked');
      return reply.code(204).send(null);
    },
  );
}
