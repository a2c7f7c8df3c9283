/** GET /v1/screenings (filtered, cursor-paged flag log) and dispositions on a screening. */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DispositionService } from '../../services/dispositions.js';
import { ScreeningQueryService } from '../../services/screenings-query.js';
import { ACCESS } from '../access.js';
import { Disposition, DispositionBody, DispositionHistory, ListScreeningsQuery, ScreeningPage } from '../../schemas/audit.js';
import { problems } from '../schemas/problem.js';

const ScreeningIdParams = Type.Object({ id: Type.String({ format: 'uuid', description: 'Screening id' }) });

export default async function screeningQueryRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const query = new ScreeningQueryService(app.database.db, app.config);
  const dispositions = new DispositionService(app.database.db, app.licences);

  app.get(
    '/v1/screenings',
    {
      config: { access: ACCESS.readScreenings },
      schema: {
        tags: ['audit'],
        summary: 'The flag log: stored screenings, newest first, filtered, with cursor pagination',
        description: 'Submitter keys see only their own screenings. Pages are stable under concurrent inserts.',
        querystring: ListScreeningsQuery,
        response: { 200: ScreeningPage, ...problems(400, 401, 403, 429, 500, 503) },
      },
    },
    async (request) => query.list(request.query, request.principal ?? null),
  );

  app.post(
    '/v1/screenings/:id/dispositions',
    {
      config: { access: ACCESS.dispositions },
      schema: {
        tags: ['audit'],
        summary: "Record a reviewer's disposition of a screening (kept as history, never overwritten)",
        params: ScreeningIdParams,
        body: DispositionBody,
        response: { 201: Disposition, ...problems(400, 401, 403, 404, 413, 415, 429, 500, 503) },
      },
    },
    async (request, reply) => {
      const d = await dispositions.record(request.params.id, request.body, request.principal ?? null, new Date());
      request.log.info({ screeningId: d.screeningId, dispositionId: d.id, action: d.action }, 'disposition');
      return reply.code(201).header('location', `/v1/screenings/${d.screeningId}/dispositions`).send(d);
    },
  );

  app.get(
    '/v1/screenings/:id/dispositions',
    {
      config: { access: ACCESS.readScreenings },
      schema: {
        tags: ['audit'],
        summary: 'Every disposition of a screening, oldest first',
        params: ScreeningIdParams,
        response: { 200: DispositionHistory, ...problems(400, 401, 403, 404, 429, 500, 503) },
      },
    },
    async (request) => ({ screeningId: request.params.id, items: await dispositions.history(request.params.id, request.principal ?? null) }),
  );
}
