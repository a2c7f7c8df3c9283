/**
 * GET /metrics in the Prometheus text format. Not public: on the main port it needs an auditor or
 * admin key; with METRICS_PORT set, the same text is also served without a key on 127.0.0.1 only
 * (for a Prometheus agent on the same host or pod). Every HTTP request is counted and timed here.
 */
import { createServer, type Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Type } from 'typebox';
import { ACCESS } from '../access.js';
import { problems } from '../schemas/problem.js';

/** Counts and times every request; registered before the routes so it covers all of them. */
export const requestMetrics = fp(
  async function requestMetrics(app: FastifyInstance) {
    app.addHook('onResponse', async (request, reply) => {
      // The route pattern, never the raw URL: ids in paths would make every request its own series.
      const route = request.routeOptions.url ?? 'unmatched';
      app.metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    });
  },
  { name: 'request-metrics', fastify: '5.x' },
);

export default fp(
  async function metricsRoutes(app: FastifyInstance) {
    const metrics = app.metrics;

    app.get(
      '/metrics',
      {
        config: { access: ACCESS.audit },
        schema: {
          operationId: 'getMetrics',
          tags: ['operations'],
          summary: 'Prometheus metrics (text exposition format); every metric is described in the README',
          produces: ['text/plain'],
          response: { 200: Type.String({ description: 'Prometheus text exposition format 0.0.4' }), ...problems(401, 403, 429, 500) },
        },
      },
      async (_request, reply) => reply.type(metrics.contentType).send(await metrics.render()),
    );

    const port = app.config.metricsPort;
    if (port === null) return;
    const server: Server = createServer((req, res) => {
      if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      metrics.render().then(
        (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    });
    // Bound to loopback only: without a key, the metrics must not leave the host.
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    app.addHook('onClose', async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
  },
  { name: 'metrics', fastify: '5.x' },
);
