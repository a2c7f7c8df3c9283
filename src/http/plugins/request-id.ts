/**
 * Request ids: an inbound x-request-id is trusted only when it looks like one (a strict
 * pattern, no spaces or control characters), otherwise a fresh UUID is generated. The id is
 * echoed back on every response and appears in every log line and problem body.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, RawRequestDefaultExpression } from 'fastify';
import fp from 'fastify-plugin';

export const REQUEST_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$/;

export function genReqId(req: RawRequestDefaultExpression): string {
  const inbound = req.headers['x-request-id'];
  if (typeof inbound === 'string' && REQUEST_ID_PATTERN.test(inbound)) return inbound;
  return randomUUID();
}

export default fp(
  async function requestIdPlugin(app: FastifyInstance) {
    app.addHook('onRequest', async (request, reply) => {
      reply.header('x-request-id', request.id);
    });
  },
  { name: 'request-id' },
);
