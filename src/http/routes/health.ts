/** Liveness (the process answers) is separate from readiness (database reachable, schema migrated, ruleset loaded). */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ACCESS } from '../access.js';
import { RetryAfterHeader } from '../schemas/headers.js';
import { problems } from '../schemas/problem.js';
import { stringEnum } from '../../schemas/named.js';

const Check = Type.Object({ ok: Type.Boolean(), detail: Type.Optional(Type.String()) });
const Readiness = Type.Object({
  status: stringEnum(['ready', 'not_ready'] as const),
  checks: Type.Object({ database: Check, migrations: Check, ruleset: Check }),
  ruleset: Type.Optional(Type.Object({ version: Type.String(), hash: Type.String() })),
});

export default async function healthRoutes(app: FastifyInstance) {
  app.get(
    '/livez',
    {
      // Polled every few seconds by orchestrators: their request lines stay below info.
      logLevel: 'warn',
      config: { access: ACCESS.public },
      schema: { operationId: 'getLiveness', tags: ['health'], summary: 'Process is up', security: [], response: { 200: Type.Object({ status: stringEnum(['ok'] as const) }) } },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      // Polled every few seconds by orchestrators: their request lines stay below info.
      logLevel: 'warn',
      config: { access: ACCESS.public },
      schema: {
        operationId: 'getReadiness',
        tags: ['health'],
        summary: 'Ready to screen: database reachable, migrations applied, ruleset loaded',
        security: [],
        response: { 200: Readiness, 503: { ...Readiness, headers: RetryAfterHeader }, ...problems(500) },
      },
    },
    async (_request, reply) => {
      let database: { ok: boolean; detail?: string } = { ok: true };
      try {
        await app.database.ping(2_000);
      } catch {
        database = { ok: false, detail: 'database unreachable' };
      }
      const migrations = app.storageReady() ? { ok: true } : { ok: false, detail: 'migrations not applied' };
      const rs = app.rules.peek();
      // Still ready after a refused reload (the last good ruleset stays active), but said: the files on disk do not load,
      // so a restart would not come up. The reason is in the reload's answer and the log, not on this public route.
      const ruleset = rs
        ? app.rules.error
          ? { ok: true, detail: 'the last reload was refused; the previous ruleset stays active' }
          : { ok: true }
        : { ok: false, detail: app.rules.error ? 'ruleset invalid' : 'ruleset not loaded' };
      const ready = database.ok && migrations.ok && ruleset.ok;
      // As every 503 of the service: when to ask again (a balancer or an ERP polling readiness before a run).
      if (!ready) reply.header('retry-after', '5');
      return reply.code(ready ? 200 : 503).send({
        status: ready ? 'ready' : 'not_ready',
        checks: { database, migrations, ruleset },
        ...(rs ? { ruleset: { version: rs.version, hash: rs.hash } } : {}),
      });
    },
  );
}
