/** GET /v1/rules: which ruleset is active — version, hash, counts, sources, lists and effective dates. */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ACCESS } from '../access.js';
import { problems } from '../schemas/problem.js';
import { ActivationNotRecorded, announceRuleset, describeRuleset, recordActivationIfNew } from '../../services/active-ruleset.js';
import type { Ruleset } from '../../rules/index.js';
import { AppError, unavailable } from '../../errors.js';
import { isStorageFailure } from '../../services/storage-errors.js';

const RulesInfo = Type.Object({
  name: Type.String(),
  version: Type.String(),
  hash: Type.String(),
  mode: Type.String({ description: 'enforced_baseline (default) or ecfr_letter' }),
  asOf: Type.String(),
  counts: Type.Record(Type.String(), Type.Integer()),
  files: Type.Array(Type.Object({ key: Type.String(), file: Type.String(), sha256: Type.String() })),
  lists: Type.Array(
    Type.Object({
      name: Type.String(),
      file: Type.String(),
      format: Type.String(),
      entryCount: Type.Integer(),
      sha256: Type.String(),
      generatedAt: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
  sources: Type.Record(Type.String(), Type.String()),
  effectiveDates: Type.Array(
    Type.Object({ ruleId: Type.String(), effectiveFrom: Type.Union([Type.String(), Type.Null()]), effectiveTo: Type.Union([Type.String(), Type.Null()]) }),
  ),
});

export default async function rulesRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1/rules',
    {
      config: { access: ACCESS.rules },
      schema: {
        operationId: 'getRules',
        tags: ['rules'],
        summary: 'The active ruleset: version, hash, counts, sources, party lists, effective dates',
        response: { 200: RulesInfo, ...problems(401, 403, 429, 500, 503) },
      },
    },
    async () => describeRuleset(app.rules.get()),
  );

  app.post(
    '/v1/rules/reload',
    {
      config: { access: ACCESS.admin },
      schema: {
        operationId: 'reloadRules',
        tags: ['rules'],
        summary: 'Reload the rule table and party lists from RULES_DIR (after `chokepoint lists import`); an invalid table is refused and the active one stays',
        response: { 200: RulesInfo, ...problems(401, 403, 422, 429, 500, 503) },
      },
    },
    async (request) => {
      const before = app.rules.peek()?.hash ?? null;
      // Recorded whether or not the hash changed here: when the database failed after the switch (the request got
      // 503), the ruleset was active but its activation never recorded, announced or monitored — and a retry, seeing
      // the same hash, did none of it. recordActivationIfNew compares with the last activation recorded, so a reload
      // that changes nothing records nothing. Recorded before the next reload may start: in the order they took effect.
      let recorded = false;
      let rs: Ruleset;
      try {
        rs = await app.rules.reload(async (active) => {
          recorded = await recordActivationIfNew(app.database.db, active, request.principal?.keyId ?? null);
          // Always announced: a replica already on this hash ignores it, one that missed an earlier announcement follows.
          await announceRuleset(app.database.db, active.hash);
        });
      } catch (err) {
        if (err instanceof ActivationNotRecorded) {
          const active = err.ruleset as Ruleset;
          if (!isStorageFailure(err.cause)) throw err.cause;
          request.log.warn({ rulesetHash: active.hash, err: { message: (err.cause as Error).message } }, 'ruleset active, but its activation could not be recorded');
          throw unavailable(
            `The ruleset ${active.version} (${active.hash}) is active on this replica, but the database is unavailable: its activation is not ` +
              'recorded in the audit log and other replicas were not told. Retry POST /v1/rules/reload; it records and announces it.',
          );
        }
        throw new AppError(422, 'ruleset-invalid', 'Ruleset refused', `The new ruleset was refused and the active one stays: ${(err as Error).message}`);
      }
      if (recorded || rs.hash !== before) {
        request.log.info({ rulesetVersion: rs.version, rulesetHash: rs.hash }, 'ruleset activated');
        // Continuous monitoring: re-screen open and recent screenings against it, in the background.
        if (app.config.monitorEnabled)
          await app.monitoring.onRulesetActive('activation').catch((err: Error) => request.log.error({ err: { message: err.message } }, 'could not start a monitoring run'));
      }
      return describeRuleset(rs);
    },
  );
}
