/**
 * Export licences: record (reviewer, admin), amend and revoke as new versions, read with their draw-down
 * history (every role but submitter). Short handlers over src/services/licences.ts.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ACCESS } from '../access.js';
import { problems } from '../schemas/problem.js';
import { IdempotentReplayedHeader, jsonWithHeaders } from '../schemas/headers.js';
import { IdempotencyHeaders } from '../schemas/screenings.js';
import { Licence, LicenceDetail, LicenceInput, LicenceRevokeBody } from '../../schemas/licence.js';

const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });
const ListQuery = Type.Object(
  {
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('revoked')])),
    destination: Type.Optional(Type.String({ minLength: 2, maxLength: 64, description: 'ISO alpha-2/alpha-3 or English name' })),
    number: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
  },
  { additionalProperties: false },
);
const AmendBody = Type.Object(
  { ...LicenceInput.properties, reason: Type.Optional(Type.String({ maxLength: 2000, description: 'Why the licence was amended (e.g. BIS amendment letter)' })) },
  { additionalProperties: false },
);

export default async function licenceRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/v1/licences',
    {
      config: { access: ACCESS.licencesWrite },
      schema: {
        operationId: 'createLicence',
        tags: ['licences'],
        summary: 'Record an export licence the exporter holds (15 CFR 750.7); screenings that need a licence draw it down',
        description:
          'Send `Idempotency-Key` so that a retry records the licence once, as for POST /v1/screenings: the same key (of the same API key) with the same terms returns the licence it recorded, as it stands (201, `Idempotent-Replayed: true`); the same key with other terms is a 409. ' +
          'Without the header, a request sent again with the same terms by the same key (a retry whose answer was lost) is recognised by its terms: the licence the first request recorded, as it stands (201, `Idempotent-Replayed: true`); nothing new is recorded. ' +
          'Licence numbers are compared in any letter case (`bis-2026-001` is `BIS-2026-001`) and shown as first entered. ' +
          'The number of an active licence with other terms, or recorded by another key: 400 naming `/number` and the terms that differ — amend the licence instead.',
        headers: IdempotencyHeaders,
        body: LicenceInput,
        response: {
          201: jsonWithHeaders('The licence, recorded (or, with `Idempotent-Replayed: true`, the one an earlier request under this Idempotency-Key, or with these terms, recorded)', LicenceDetail, { ...IdempotentReplayedHeader }),
          ...problems(400, 401, 403, 409, 413, 415, 429, 500, 503),
        },
      },
    },
    async (request, reply) => {
      const created = await app.licences.issue(request.body, request.principal, new Date(), null, { replayRetry: true, idempotencyKey: request.headers['idempotency-key'] ?? null });
      request.log.info({ licenceId: created.id, replayed: created.replayed === true }, created.replayed ? 'licence retry answered with the one recorded' : 'licence recorded');
      if (created.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(201).send(await app.licences.get(created.id));
    },
  );

  app.get(
    '/v1/licences',
    {
      config: { access: ACCESS.licencesRead },
      schema: {
        operationId: 'listLicences',
        tags: ['licences'],
        summary: 'Licences on record with their balances',
        querystring: ListQuery,
        response: { 200: Type.Object({ items: Type.Array(Licence) }), ...problems(400, 401, 403, 429, 500, 503) },
      },
    },
    async (request) => ({ items: await app.licences.list(request.query) }),
  );

  app.get(
    '/v1/licences/:id',
    {
      config: { access: ACCESS.licencesRead },
      schema: {
        operationId: 'getLicence',
        tags: ['licences'],
        summary: 'One licence: its terms, every version, and the draw-down history its balance is derived from',
        params: IdParams,
        response: { 200: LicenceDetail, ...problems(400, 401, 403, 404, 429, 500, 503) },
      },
    },
    async (request) => app.licences.get(request.params.id),
  );

  app.post(
    '/v1/licences/:id/amend',
    {
      config: { access: ACCESS.licencesWrite },
      schema: {
        operationId: 'amendLicence',
        tags: ['licences'],
        summary: 'Amend a licence: its new terms become a new version; the earlier ones stay in the history',
        description:
          'New terms below what is already drawn are recorded (BIS can cut a licence): the answer\'s `balance.overdrawn` then says by how much, ' +
          'the licence covers no new shipment until draws are given back, and the screenings that drew on it are re-screened (continuous monitoring). ' +
          'A revoked licence cannot be amended: 409.',
        params: IdParams,
        body: AmendBody,
        response: { 200: LicenceDetail, ...problems(400, 401, 403, 404, 409, 413, 415, 429, 500, 503) },
      },
    },
    async (request) => {
      const { reason, ...terms } = request.body;
      await app.licences.amend(request.params.id, terms, reason ?? null, request.principal, new Date());
      return app.licences.get(request.params.id);
    },
  );

  app.post(
    '/v1/licences/:id/revoke',
    {
      config: { access: ACCESS.licencesWrite },
      schema: {
        operationId: 'revokeLicence',
        tags: ['licences'],
        summary: 'Revoke a licence (a new version): it never covers a shipment again',
        description:
          'A licence already revoked: 409, saying when it was revoked; nothing is recorded. The same revocation sent again by the key that recorded it, with the same reason (a retry whose answer was lost): 200, the licence as it stands; nothing is recorded.',
        params: IdParams,
        body: LicenceRevokeBody,
        response: { 200: LicenceDetail, ...problems(400, 401, 403, 404, 409, 413, 415, 429, 500, 503) },
      },
    },
    async (request) => {
      await app.licences.revoke(request.params.id, request.body.reason, request.principal, new Date(), null, { replayRetry: true });
      return app.licences.get(request.params.id);
    },
  );
}
