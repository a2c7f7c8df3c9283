/** OpenAPI 3 document generated from the route schemas; Swagger UI at /docs, JSON at /docs/json. */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { COMPONENT_SCHEMAS } from '../schemas/components.js';
import { openapiWebhooks } from '../schemas/webhook-events.js';

export const OPENAPI_INFO = {
  title: 'Chokepoint API',
  version: '1.0.0',
  description:
    'Export-control screening for advanced AI chip shipments (US EAR, ECCN 3A090/4A090): one explained, cited decision per shipment, kept in a tamper-evident audit log. Errors are RFC 9457 application/problem+json.',
};

export default fp(
  async function openapiPlugin(app: FastifyInstance) {
    for (const schema of COMPONENT_SCHEMAS) app.addSchema(schema);
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: OPENAPI_INFO,
        // Relative first: the document is served by the service it describes, wherever that runs.
        servers: [
          { url: '/', description: 'The service that served this document' },
          { url: 'http://127.0.0.1:3000', description: 'Local development (npm start)' },
        ],
        components: {
          securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'API key: Authorization: Bearer <key>' } },
        },
        security: [{ bearerAuth: [] }],
        // The events a webhook endpoint receives (OpenAPI 3.1 `webhooks`): served and written alike.
        webhooks: openapiWebhooks() as unknown as Record<string, never>,
        tags: [
          { name: 'health', description: 'Liveness and readiness' },
          { name: 'screening', description: 'Screen shipments and classify items' },
          { name: 'rules', description: 'The active ruleset and party lists' },
          { name: 'audit', description: 'The flag log: query, export, verify, dispositions' },
          { name: 'keys', description: 'API keys (admin)' },
          { name: 'webhooks', description: 'Signed event callbacks (Standard Webhooks): endpoints and the delivery log (admin)' },
        ],
      },
      refResolver: { buildLocalReference: (json, _base, _frag, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    });
    await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: false } });
  },
  { name: 'openapi' },
);
