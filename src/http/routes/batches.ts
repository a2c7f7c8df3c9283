/**
 * POST /v1/batches, GET /v1/batches (newest first), GET /v1/batches/{id}, GET /v1/batches/{id}/results, POST /v1/batches/{id}/cancel.
 * The upload is never buffered: this plugin's content-type parsers hand the raw request stream to
 * the batch service, which reads it record by record (the global JSON parser and body limit do not
 * apply here; BATCH_MAX_BYTES and BATCH_MAX_LINE_BYTES do).
 */
import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ACCESS } from '../access.js';
import { sendBatchResults } from '../batch-results-reply.js';
import { problems } from '../schemas/problem.js';
import { BatchIdParams, BatchPage, BatchResultsQuery, BatchView, ListBatchesQuery } from '../../schemas/batch.js';
import { AppError } from '../../errors.js';
import type { BatchFormat } from '../../services/batch-records.js';

const BatchIdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      pattern: '^[\\x21-\\x7E]{1,255}$',
      description:
        'Retry token for the upload, 1–255 visible ASCII characters (e.g. "nightly-2026-12-07"): the same key with the same bytes answers with the batch the first upload made (202, `Idempotent-Replayed: true`, nothing screened again); the same key with another file is a 409, as is one whose upload is still arriving (with Retry-After). A key whose upload failed before it was complete is free again.',
      examples: ['nightly-2026-12-07'],
    }),
  ),
});

const FORMATS: Record<string, BatchFormat> = {
  'text/csv': 'csv',
  'application/x-ndjson': 'ndjson',
  'application/jsonl': 'ndjson',
  'application/json': 'json',
};

export default async function batchRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  // batch.completed is published only once every subscriber (the webhook queue) is registered.
  fastify.addHook('onReady', async () => {
    await fastify.batches.startEventWorker().catch((err: unknown) => fastify.log.error({ err: { message: (err as Error).message } }, 'the batch event worker could not start'));
  });

  // Encapsulated: these parsers (the raw stream) apply to this plugin's routes only.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(Object.keys(FORMATS), (_request, payload, done) => done(null, payload));

  app.post(
    '/v1/batches',
    {
      config: { access: ACCESS.batches },
      schema: {
        operationId: 'createBatch',
        tags: ['batches'],
        summary: 'Submit a batch of shipments (NDJSON, CSV or a JSON array, up to BATCH_MAX_SHIPMENTS) for screening',
        description:
          'The body is read as a stream. Send `Idempotency-Key` so that a retry after a lost answer does not screen the file twice. Content-Type `application/x-ndjson` (one shipment per line), `text/csv` (the CSV layout in the README) or `application/json` (an array of shipments). Each shipment is validated on its own: invalid lines are reported by line number and field (`lineErrors`, and in the results) and the others are screened as jobs. 202 once every line is stored.',
        consumes: Object.keys(FORMATS),
        headers: BatchIdempotencyHeaders,
        response: { 202: BatchView, ...problems(400, 401, 403, 409, 413, 415, 429, 500, 503) },
      },
    },
    async (request, reply) => {
      const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      const format = Object.hasOwn(FORMATS, type) ? FORMATS[type] : undefined;
      if (!format) throw new AppError(415, 'unsupported-media-type', 'Unsupported media type', `Send text/csv, application/x-ndjson or application/json`);
      const batch = await app.batches.submit({
        body: request.body as Readable,
        format,
        principal: request.principal ?? null,
        now: () => new Date(),
        idempotencyKey: request.headers['idempotency-key'] ?? null,
      });
      if (batch.replayed) reply.header('idempotent-replayed', 'true');
      request.log.info({ batchId: batch.id, format, total: batch.total, invalid: batch.invalid, replayed: batch.replayed === true }, batch.replayed ? 'batch upload replayed' : 'batch received');
      return reply.code(202).header('location', batch.links.self).send(batch);
    },
  );

  app.get(
    '/v1/batches',
    {
      config: { access: ACCESS.readBatches },
      schema: {
        operationId: 'listBatches',
        tags: ['batches'],
        summary: 'Batches newest first, with their state and progress (a submitter sees its own)',
        querystring: ListBatchesQuery,
        response: { 200: BatchPage, ...problems(400, 401, 403, 429, 500, 503) },
      },
    },
    async (request) => app.batches.list(request.principal ?? null, request.query),
  );

  app.get(
    '/v1/batches/:id',
    {
      config: { access: ACCESS.readBatches },
      schema: {
        operationId: 'getBatch',
        tags: ['batches'],
        summary: 'State and progress of a batch: total, done, failed, counts by decision, rate, ETA',
        params: BatchIdParams,
        response: { 200: BatchView, ...problems(400, 401, 403, 404, 429, 500, 503) },
      },
    },
    async (request) => app.batches.get(request.params.id, request.principal ?? null),
  );

  app.get(
    '/v1/batches/:id/results',
    {
      config: { access: ACCESS.readBatches },
      schema: {
        operationId: 'getBatchResults',
        tags: ['batches'],
        summary: 'Stream every line of a batch with its outcome (screened, failed, invalid, pending, or not-screened in a batch that ended without screening it), in line order',
        description: 'CSV cells starting with = + - @, tab or CR are prefixed with a single quote so a spreadsheet does not run them.',
        params: BatchIdParams,
        querystring: BatchResultsQuery,
        response: {
          200: { description: 'The results, streamed', content: { 'application/x-ndjson': { schema: Type.String() }, 'text/csv': { schema: Type.String() } } },
          ...problems(400, 401, 403, 404, 429, 500, 503),
        },
      },
    },
    async (request, reply) => {
      const format = request.query.format === 'csv' ? 'csv' : 'ndjson';
      return sendBatchResults(reply, await app.batches.results(request.params.id, request.principal ?? null, format, request.query.afterLine ?? 0), format);
    },
  );

  app.post(
    '/v1/batches/:id/cancel',
    {
      config: { access: ACCESS.batches },
      schema: {
        operationId: 'cancelBatch',
        tags: ['batches'],
        summary: 'Cancel a batch: lines not yet screened stay unscreened; screened ones stay in the audit log',
        params: BatchIdParams,
        response: { 200: BatchView, ...problems(400, 401, 403, 404, 429, 500, 503) },
      },
    },
    async (request) => app.batches.cancel(request.params.id, request.principal ?? null),
  );
}
