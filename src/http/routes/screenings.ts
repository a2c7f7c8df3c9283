/**
 * POST /v1/screenings, GET /v1/screenings/{id}, POST /v1/classify: short handlers over the screening service.
 * Bodies are identity-coded JSON: a Content-Encoding other than identity is a 415 naming it (not a 400 "not valid UTF-8").
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Decision, EngineResult, RulesetRef } from '../../schemas/screening-result.js';
import { Type } from 'typebox';
import { ACCESS } from '../access.js';
import { ref } from '../../schemas/named.js';
import { ClassifyRequestSchema, ClassifyResultSchema, ScreeningResultSchema, ShipmentSchema, StoredScreeningSchema } from '../schemas/components.js';
import { problems } from '../schemas/problem.js';
import { IdempotencyHeaders, ScreeningIdParams } from '../schemas/screenings.js';
import { IdempotentReplayedHeader, jsonWithHeaders, locationHeader, RateLimitHeaders } from '../schemas/headers.js';
import { refuseContentEncodings } from '../schemas/content-encoding.js';

export default async function screeningRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  // Before the JSON parser reads a byte: a compressed body is refused as such (415), not misread as text.
  fastify.addHook('preParsing', refuseContentEncodings([]));

  app.post(
    '/v1/screenings',
    {
      config: { access: ACCESS.screen },
      schema: {
        operationId: 'createScreening',
        tags: ['screening'],
        summary: 'Screen one shipment; the result is stored before it is returned',
        headers: IdempotencyHeaders,
        body: ref(ShipmentSchema),
        response: {
          201: jsonWithHeaders('The screening, stored (or, with `Idempotent-Replayed: true`, the one stored under this Idempotency-Key)', ref(ScreeningResultSchema), {
            ...locationHeader('The stored screening: `/v1/screenings/{id}`'),
            ...IdempotentReplayedHeader,
            ...RateLimitHeaders,
          }),
          ...problems(400, 401, 403, 409, 413, 415, 429, 500, 503),
        },
      },
    },
    async (request, reply) => {
      const started = process.hrtime.bigint();
      const { result, replayed, body } = await app.screenings.screen({
        input: request.body,
        principal: request.principal ?? null,
        idempotencyKey: request.headers['idempotency-key'] ?? null,
        now: new Date(),
      });
      app.metrics.observeDecision(result.decision, replayed);
      if (replayed) reply.header('idempotent-replayed', 'true');
      reply.header('location', `/v1/screenings/${result.id}`);
      // One info line per screening: ids, decision and rule ids; never party names or the body.
      request.log.info(
        {
          screeningId: result.id,
          decision: result.decision,
          ruleIds: [...new Set(result.flags.filter((f) => f.severity !== 'info').map((f) => f.ruleId))],
          rulesetHash: result.ruleset.hash,
          replayed,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'screening',
      );
      // A new screening's result was serialised once, and those bytes were stored: send the same bytes.
      if (body !== undefined) return reply.code(201).type('application/json; charset=utf-8').send(body);
      return reply.code(201).send(result);
    },
  );

  app.get(
    '/v1/screenings/:id',
    {
      config: { access: ACCESS.readScreenings },
      schema: {
        operationId: 'getScreening',
        tags: ['screening'],
        summary: 'One stored screening, with its dispositions (oldest first) and the decision continuous monitoring last changed it to',
        description:
          '`monitoring` is set when a monitoring run re-screened the shipment against a newer ruleset or list and its decision changed: `decision` stays what was decided at screening, `monitoring.decision` is where it stands now. Re-read before shipping and act on the latter.',
        params: ScreeningIdParams,
        response: {
          200: jsonWithHeaders('The stored screening', ref(StoredScreeningSchema), RateLimitHeaders),
          ...problems(400, 401, 403, 404, 429, 500, 503),
        },
      },
    },
    async (request) => app.screenings.view(request.params.id, request.principal ?? null),
  );

  app.post(
    '/v1/classify',
    {
      config: { access: ACCESS.screen },
      schema: {
        operationId: 'classifyItems',
        tags: ['screening'],
        summary: 'Classify items (ECCN, TPP, performance density) without screening or storing anything',
        body: ref(ClassifyRequestSchema),
        response: { 200: jsonWithHeaders('The classification', ref(ClassifyResultSchema), RateLimitHeaders), ...problems(400, 401, 403, 413, 415, 429, 500, 503) },
      },
    },
    async (request) => {
      const { items, flags, ruleset } = await app.screenings.classify(request.body.items, request.body.shipDate ?? new Date().toISOString().slice(0, 10));
      return { items, flags, ruleset };
    },
  );

  app.post(
    '/v1/screenings/:id/replay',
    {
      config: { access: ACCESS.replay },
      schema: {
        operationId: 'replayScreening',
        tags: ['screening'],
        summary: 'Re-run a stored screening at its original time against the active ruleset; nothing is stored',
        params: ScreeningIdParams,
        response: {
          200: jsonWithHeaders(
            'The replay: the stored result against the one the active ruleset gives',
            Type.Object({
              screeningId: Type.String(),
              sameRuleset: Type.Boolean(),
              identical: Type.Boolean({ description: 'The replayed result equals the stored one (always true when sameRuleset)' }),
              stored: Type.Object({ decision: Decision, riskScore: Type.Integer(), ruleset: RulesetRef }),
              replayed: EngineResult,
              differences: Type.Object({
                decision: Type.Union([Type.Null(), Type.Object({ from: Decision, to: Decision })]),
                flagsAdded: Type.Array(Type.String()),
                flagsRemoved: Type.Array(Type.String()),
              }),
            }),
            RateLimitHeaders,
          ),
          ...problems(400, 401, 403, 404, 429, 500, 503),
        },
      },
    },
    async (request) => app.screenings.rescreen(request.params.id, request.principal ?? null),
  );
}
