/** GET /v1/audit/verify, GET /v1/audit/export, POST /v1/audit/seal: what auditors use to trust the log. */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { verifyAuditLog } from '../../services/audit.js';
import { prepareExport } from '../../services/audit-export.js';
import { ACCESS } from '../access.js';
import { countryResolver } from '../country-filter.js';
import { ExportQuery } from '../../schemas/audit.js';
import { ref } from '../../schemas/named.js';
import { AuditVerifyReportSchema, SealRunSchema } from '../schemas/components.js';
import { problems } from '../schemas/problem.js';

export default async function auditRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = app.database.db;
  const countryOf = countryResolver(app);

  app.get(
    '/v1/audit/verify',
    {
      config: { access: ACCESS.audit },
      schema: {
        operationId: 'verifyAudit',
        tags: ['audit'],
        summary: 'Recompute every seal from the stored records and name any record altered, removed or added',
        response: { 200: ref(AuditVerifyReportSchema), ...problems(401, 403, 429, 500, 503) },
      },
    },
    async (request) => {
      const report = await verifyAuditLog(db);
      request.log.info({ ok: report.ok, checked: report.checked, sealedThrough: report.sealedThrough, firstBroken: report.firstBroken?.id ?? null }, 'audit verify');
      return report;
    },
  );

  app.get(
    '/v1/audit/export',
    {
      config: { access: ACCESS.audit },
      schema: {
        operationId: 'exportAudit',
        tags: ['audit'],
        summary: 'Stream the flag log matching the filters as CSV (with a header row) or NDJSON',
        description:
          'Each row: screening id, seq, time, reference, decision, flags (rule ids), ruleset version and hash, seal number (or "unsealed") and dispositions (latest, count and all as JSON).',
        querystring: ExportQuery,
        response: {
          200: {
            description: 'The export, streamed',
            content: { 'text/csv': { schema: Type.String() }, 'application/x-ndjson': { schema: Type.String() } },
          },
          ...problems(400, 401, 403, 429, 500, 503),
        },
      },
    },
    async (request, reply) => {
      const out = await prepareExport(db, request.query, request.principal ?? null, new Date(), countryOf, undefined, app.config.fourEyesDecisions);
      request.log.info({ format: out.format }, 'audit export');
      return reply
        .header('content-type', out.contentType)
        .header('content-disposition', `attachment; filename="${out.filename}"`)
        .header('cache-control', 'no-store')
        .send(Readable.from(out.lines, { objectMode: false }));
    },
  );

  app.post(
    '/v1/audit/seal',
    {
      config: { access: ACCESS.audit },
      schema: {
        operationId: 'sealAudit',
        tags: ['audit'],
        summary: 'Seal every committed record now (the sealer also runs on an interval)',
        response: { 200: ref(SealRunSchema), ...problems(401, 403, 429, 500, 503) },
      },
    },
    async () => app.sealer.sealNow(),
  );
}
