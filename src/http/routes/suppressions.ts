/** Reviewed false positives: reviewers record and withdraw them; auditors list every one. */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ACCESS } from '../access.js';
import { problems } from '../schemas/problem.js';
import { jsonWithHeaders, locationHeader, RateLimitHeaders } from '../schemas/headers.js';
import { ListSuppressionsQuery, Suppression, SuppressionBody, SuppressionIdParams, SuppressionPage, WithdrawalBody } from '../../schemas/suppressions.js';

export default async function suppressionRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/v1/suppressions',
    {
      config: { access: ACCESS.suppress },
      schema: {
        operationId: 'createSuppression',
        tags: ['suppressions'],
        summary: 'Record that a party is NOT a given list entry (a reviewed false positive), with a justification and an expiry',
        description:
          'Name the party by `partyId` (as the ERP sends it in `parties[].partyId`) or by `name` + `country`. Later screenings list the candidate under `suppressed` instead of flagging it, until the record expires, is withdrawn, or the list entry changes (the record holds the entry’s content hash).',
        body: SuppressionBody,
        response: {
          201: jsonWithHeaders('The suppression, recorded', Suppression, { ...locationHeader('The recorded suppression: `/v1/suppressions/{id}`'), ...RateLimitHeaders }),
          ...problems(400, 401, 403, 413, 415, 429, 500, 503),
        },
      },
    },
    async (request, reply) => {
      const s = await app.suppressions.create(request.body, request.principal ?? null, new Date());
      request.log.info({ suppressionId: s.id, entryId: s.entry.id }, 'suppression recorded');
      return reply.code(201).header('location', `/v1/suppressions/${s.id}`).send(s);
    },
  );

  app.get(
    '/v1/suppressions',
    {
      config: { access: ACCESS.readSuppressions },
      schema: {
        operationId: 'listSuppressions',
        tags: ['suppressions'],
        summary: 'Every reviewed false positive, newest first — active, expired and withdrawn',
        querystring: ListSuppressionsQuery,
        response: { 200: SuppressionPage, ...problems(400, 401, 403, 429, 500, 503) },
      },
    },
    async (request) => app.suppressions.list(request.query, new Date()),
  );

  app.get(
    '/v1/suppressions/:id',
    {
      config: { access: ACCESS.readSuppressions },
      schema: {
        operationId: 'getSuppression',
        tags: ['suppressions'],
        summary: 'One reviewed false positive and its withdrawal, if any',
        params: SuppressionIdParams,
        response: { 200: Suppression, ...problems(400, 401, 403, 404, 429, 500, 503) },
      },
    },
    async (request) => app.suppressions.get(request.params.id, new Date()),
  );

  app.post(
    '/v1/suppressions/:id/withdrawal',
    {
      config: { access: ACCESS.suppress },
      schema: {
        operationId: 'withdrawSuppression',
        tags: ['suppressions'],
        summary: 'Withdraw a reviewed false positive (a new record; the original stays in the log)',
        description:
          'Already withdrawn: 409, saying by whom and when; nothing is recorded. The same withdrawal sent again by the key that recorded it, with the same justification (a retry whose answer was lost): 200, the suppression as withdrawn then.',
        params: SuppressionIdParams,
        body: WithdrawalBody,
        response: { 200: Suppression, ...problems(400, 401, 403, 404, 409, 413, 415, 429, 500, 503) },
      },
    },
    async (request) => {
      const s = await app.suppressions.withdraw(request.params.id, request.body, request.principal ?? null, new Date());
      request.log.info({ suppressionId: s.id }, 'suppression withdrawn');
      return s;
    },
  );
}
