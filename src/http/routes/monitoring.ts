/** Continuous monitoring: the runs and the decisions they found changed. */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ACCESS } from '../access.js';
import { problems } from '../schemas/problem.js';
import { ListMonitoringRunsQuery, MonitoringRun, MonitoringRunPage, MonitoringRunParams, MonitoringRunQuery, OpenChangesPage, OpenChangesQuery } from '../../schemas/monitoring.js';

export default async function monitoringRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/v1/monitoring/runs',
    {
      config: { access: ACCESS.monitoring },
      schema: {
        operationId: 'listMonitoringRuns',
        tags: ['monitoring'],
        summary: 'Monitoring runs, newest first: how many screenings each re-screened and how many changed decision',
        querystring: ListMonitoringRunsQuery,
        response: { 200: MonitoringRunPage, ...problems(400, 401, 403, 429, 500, 503) },
      },
    },
    async (request) => app.monitoring.list(request.query),
  );

  app.get(
    '/v1/monitoring/open-changes',
    {
      config: { access: ACCESS.monitoring },
      schema: {
        operationId: 'listOpenMonitoringChanges',
        tags: ['monitoring'],
        summary: 'Screenings monitoring changed to a decision that needs a person, not closed by a final disposition since (the console queue\'s "Changed by monitoring")',
        querystring: OpenChangesQuery,
        response: { 200: OpenChangesPage, ...problems(400, 401, 403, 429, 500, 503) },
      },
    },
    async (request) => app.monitoring.awaitingDisposition(request.query.limit ?? 50),
  );

  app.get(
    '/v1/monitoring/runs/:id',
    {
      config: { access: ACCESS.monitoring },
      schema: {
        operationId: 'getMonitoringRun',
        tags: ['monitoring'],
        summary: 'One monitoring run and the decisions it found changed: from what to what, which flags appeared or went away',
        params: MonitoringRunParams,
        querystring: MonitoringRunQuery,
        response: { 200: MonitoringRun, ...problems(400, 401, 403, 404, 429, 500, 503) },
      },
    },
    async (request) => app.monitoring.get(request.params.id, request.query),
  );
}
