/** GET /v1/screenings (filtered, cursor-paged flag log) and dispositions on a screening. */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DispositionService } from '../../services/dispositions.js';
import { ScreeningQueryService } from '../../services/screenings-query.js';
import { ACCESS } from '../access.js';
import { countryResolver } from '../country-filter.js';
import { ListScreeningsQuery } from '../../schemas/audit.js';
import { ref } from '../../schemas/named.js';
import { DispositionHistorySchema, DispositionRequestSchema, DispositionSchema, ScreeningPageSchema } from '../schemas/components.js';
import { problems } from '../schemas/problem.js';
import { IdempotencyHeaders } from '../schemas/screenings.js';
import { IdempotentReplayedHeader, jsonWithHeaders, locationHeader, RateLimitHeaders } from '../schemas/headers.js';

const ScreeningIdParams = Type.Object({ id: Type.String({ format: 'uuid', description: 'Screening id' }) });

export default async function screeningQueryRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const query = new ScreeningQueryService(app.database.db, app.config, countryResolver(app));
  const dispositions = new DispositionService(app.database.db, app.config.fourEyesDecisions);

  app.get(
    '/v1/screenings',
    {
      config: { access: ACCESS.readScreenings },
      schema: {
        operationId: 'listScreenings',
        tags: ['audit'],
        summary: 'The flag log: stored screenings, newest first, filtered, with cursor pagination',
        description: 'Submitter keys see only their own screenings. Pages are stable under concurrent inserts.',
        querystring: ListScreeningsQuery,
        response: { 200: ref(ScreeningPageSchema), ...problems(400, 401, 403, 429, 500, 503) },
      },
    },
    async (request) => query.list(request.query, request.principal ?? null),
  );

  app.post(
    '/v1/screenings/:id/dispositions',
    {
      config: { access: ACCESS.dispositions },
      schema: {
        operationId: 'createDisposition',
        tags: ['audit'],
        summary: "Record a reviewer's disposition of a screening (kept as history, never overwritten)",
        description:
          'Send `Idempotency-Key` so that a retry (or a double click) records the disposition once: the same key and disposition return the one recorded (`Idempotent-Replayed: true`), the same key with another disposition is a 409. Four eyes: clearing a screening whose decision is in FOUR_EYES_DECISIONS (default LICENSE_REQUIRED, BLOCK) is `pending_approval` until another reviewer records `approved` right after it; the reviewer who cleared cannot approve (403); an approval with no clearance awaiting it is refused (409).',
        params: ScreeningIdParams,
        headers: IdempotencyHeaders,
        body: ref(DispositionRequestSchema),
        response: {
          201: jsonWithHeaders('The disposition, recorded (or, with `Idempotent-Replayed: true`, the one recorded under this Idempotency-Key)', ref(DispositionSchema), {
            ...locationHeader("The screening's dispositions: `/v1/screenings/{id}/dispositions`"),
            ...IdempotentReplayedHeader,
            ...RateLimitHeaders,
          }),
          ...problems(400, 401, 403, 404, 409, 413, 415, 429, 500, 503),
        },
      },
    },
    async (request, reply) => {
      const d = await dispositions.record(request.params.id, request.body, request.principal ?? null, new Date(), request.headers['idempotency-key'] ?? null);
      if (d.replayed) reply.header('idempotent-replayed', 'true');
      request.log.info({ screeningId: d.screeningId, dispositionId: d.id, action: d.action, replayed: d.replayed === true }, 'disposition');
      return reply.code(201).header('location', `/v1/screenings/${d.screeningId}/dispositions`).send(d);
    },
  );

  app.get(
    '/v1/screenings/:id/dispositions',
    {
      config: { access: ACCESS.readScreenings },
      schema: {
        operationId: 'listDispositions',
        tags: ['audit'],
        summary: 'Every disposition of a screening, oldest first',
        params: ScreeningIdParams,
        response: { 200: ref(DispositionHistorySchema), ...problems(400, 401, 403, 404, 429, 500, 503) },
      },
    },
    async (request) => ({ screeningId: request.params.id, items: await dispositions.history(request.params.id, request.principal ?? null) }),
  );
}
