/** Continuous monitoring in the console: the runs and the decisions each found changed (same service as /v1/monitoring). */
import type { FastifyInstance } from 'fastify';
import { ACCESS } from '../http/access.js';
import { AppError } from '../errors.js';
import type { ConsoleDeps } from './index.js';
import { fieldErrorsOf } from './validate.js';
import { errorList } from './layout.js';
import { html } from './html.js';
import { runPage, runsPage } from './views/monitoring.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PAGE = 100;

export default function monitoringPages(app: FastifyInstance, deps: ConsoleDeps) {
  app.get<{ Querystring: { cursor?: string } }>('/monitoring', deps.route(ACCESS.monitoring), async (request, reply) => {
    const cursor = typeof request.query.cursor === 'string' && request.query.cursor ? request.query.cursor : undefined;
    try {
      return deps.send(request, reply, 'Monitoring', runsPage({ ...(await app.monitoring.list({ limit: 50, cursor })), cursor }));
    } catch (err) {
      // A cursor this console did not hand out: the first page, with the problem named.
      const errors = fieldErrorsOf(err);
      return deps.send(request, reply, 'Monitoring', html`${errorList(errors, { '/cursor': { label: 'Page' } })}${runsPage(await app.monitoring.list({ limit: 50 }))}`, 400);
    }
  });

  app.get<{ Params: { id: string }; Querystring: { after?: string } }>('/monitoring/:id', deps.route(ACCESS.monitoring), async (request, reply) => {
    if (!UUID.test(request.params.id)) throw new AppError(404, 'not-found', 'Not found', 'No such monitoring run');
    const afterRaw = request.query.after ?? '0';
    if (!/^\d{1,15}$/.test(afterRaw)) throw new AppError(400, 'validation', 'Invalid request', 'after: a screening seq');
    const after = Number(afterRaw);
    const run = await app.monitoring.get(request.params.id, { after, limit: PAGE });
    return deps.send(request, reply, 'Monitoring run', runPage({ run, changes: run.changes, nextAfter: run.nextAfter, after }));
  });
}
