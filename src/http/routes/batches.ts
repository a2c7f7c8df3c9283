/**
 * POST /v1/batches, GET /v1/batches (newest first), GET /v1/batches/{id}, GET /v1/batches/{id}/results, POST /v1/batches/{id}/cancel.
 * The upload is never buffered: this plugin's content-type parsers hand the raw request stream to
 * the batch service, which reads it record by record (the global JSON parser and body limit do not
 * apply here; BATCH_MAX_BYTES and BATCH_MAX_LINE_BYTES do). A gzipped upload (Content-Encoding: gzip)
 * is decompressed here as it arrives, so the service reads the file's own bytes; BATCH_MAX_BYTES
 * bounds the decompressed bytes as well as the bytes sent.
 *
 * The upload's request body is declared for the OpenAPI document only (swaggerTransform below): a
 * `schema.body` would make Fastify validate the stream the parsers hand over.
 */
import { pipeline, Transform, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ACCESS } from '../access.js';
import { sendBatchResults } from '../batch-results-reply.js';
import { problem, problems, problemWithHeaders } from '../schemas/problem.js';
import { BatchIdParams, BatchPage, BatchResultsQuery, BatchView, ListBatchesQuery } from '../../schemas/batch.js';
import { AppError, badRequest } from '../../errors.js';
import { UploadTooLarge, type BatchFormat } from '../../services/batch-records.js';
import { ref } from '../../schemas/named.js';
import { BatchResultLineSchema, ShipmentSchema } from '../schemas/components.js';
import { IdempotentReplayedHeader, jsonWithHeaders, locationHeader, RateLimitHeaders, RetryAfterHeader } from '../schemas/headers.js';
import { contentCodings, GzipContentEncodingHeader, refuseContentEncodings } from '../schemas/content-encoding.js';
import { declaredCharset, transcoded, uploadDecoder } from '../upload-charset.js';

const BatchUploadHeaders = Type.Object({
  ...GzipContentEncodingHeader,
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

const GZIP = ['gzip', 'x-gzip'];

/** The upload's body as the OpenAPI document declares it (by content type); never used to validate the stream. */
const NDJSON_BODY = Type.String({ description: 'One shipment per line, each the JSON of POST /v1/screenings (the Shipment schema)' });
const UPLOAD_BODY = {
  content: {
    'text/csv': {
      schema: Type.String({
        description:
          'The CSV layout in the README: a header row naming the columns (reference, route_destination, item_quantity required), one row per line item, the rows of a shipment adjacent and sharing its reference',
      }),
    },
    'application/x-ndjson': { schema: NDJSON_BODY },
    'application/jsonl': { schema: NDJSON_BODY },
    'application/json': { schema: Type.Array(ref(ShipmentSchema), { description: 'One JSON array of shipments' }) },
  },
};

/**
 * The upload as the service reads it: the request stream as sent, or (Content-Encoding: gzip) decompressed as
 * it arrives. With gzip, BATCH_MAX_BYTES bounds the bytes sent and the bytes they decompress to: a zip bomb is
 * a 413 once its output passes the limit, having held one zlib chunk at a time (zlib waits for its reader).
 */
function uploadBody(raw: Readable, codings: string[], maxBytes: number): AsyncIterable<Buffer | Uint8Array | string> {
  return codings.length === 0 ? raw : gunzipped(raw, maxBytes);
}

async function* gunzipped(raw: Readable, maxBytes: number): AsyncGenerator<Buffer> {
  let sent = 0;
  const limitSent = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sent += chunk.length;
      done(sent > maxBytes ? new UploadTooLarge(`the upload is larger than ${maxBytes} bytes (BATCH_MAX_BYTES)`) : null, chunk);
    },
  });
  const gunzip = createGunzip();
  // An error anywhere (the client went away, the limit, bad gzip) reaches the reader through `gunzip`.
  pipeline(raw, limitSent, gunzip, () => undefined);
  let decompressed = 0;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      decompressed += chunk.length;
      if (decompressed > maxBytes) throw new UploadTooLarge(`the upload decompresses to more than ${maxBytes} bytes (BATCH_MAX_BYTES)`);
      yield chunk;
    }
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('Z_')) {
      throw badRequest(`The body is not valid gzip (Content-Encoding: gzip): ${(err as Error).message}`, [{ field: '/', in: 'body', message: 'is not valid gzip' }]);
    }
    throw err;
  }
}

export default async function batchRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  // batch.completed is published only once every subscriber (the webhook queue) is registered.
  fastify.addHook('onReady', async () => {
    await fastify.batches.startEventWorker().catch((err: unknown) => fastify.log.error({ err: { message: (err as Error).message } }, 'the batch event worker could not start'));
  });

  // Before the body is read: gzip is decoded (POST /v1/batches), another coding is a 415 naming it.
  fastify.addHook('preParsing', refuseContentEncodings(GZIP));

  // Encapsulated: these parsers (the raw stream) apply to this plugin's routes only.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(Object.keys(FORMATS), (_request, payload, done) => done(null, payload));

  app.post(
    '/v1/batches',
    {
      config: {
        access: ACCESS.batches,
        // Documented, not validated: the body is the raw stream (see the file's comment).
        swaggerTransform: ({ schema, url }) => ({ schema: { ...schema, body: UPLOAD_BODY }, url }),
      },
      schema: {
        operationId: 'createBatch',
        tags: ['batches'],
        summary: 'Submit a batch of shipments (NDJSON, CSV or a JSON array, up to BATCH_MAX_SHIPMENTS) for screening',
        description:
          'The body is read as a stream. Send `Idempotency-Key` so that a retry after a lost answer does not screen the file twice. Content-Type `application/x-ndjson` (one shipment per line), `text/csv` (the CSV layout in the README) or `application/json` (an array of shipments), in UTF-8 — or declared `charset=windows-1252` (ISO-8859-1, ISO-8859-15), converted as it arrives; `Content-Encoding: gzip` to send it compressed. Each shipment is validated on its own: invalid lines are reported by line number and field (`lineErrors`, and in the results) and the others are screened as jobs. 202 once every line is stored. With openapi-fetch, pass the file as a string with `bodySerializer: (b) => b` and the content type in `headers`.',
        consumes: Object.keys(FORMATS),
        headers: BatchUploadHeaders,
        response: {
          202: jsonWithHeaders('The batch: every line is stored, valid ones are being screened (or, with `Idempotent-Replayed: true`, the batch the first upload under this Idempotency-Key made)', BatchView, {
            ...locationHeader('The batch: `/v1/batches/{id}`'),
            ...IdempotentReplayedHeader,
            ...RateLimitHeaders,
          }),
          ...problems(400, 401, 403),
          409: problemWithHeaders(
            'This Idempotency-Key was used for another file, or its batch ended before its upload was complete; with Retry-After (`idempotency-in-progress`): the first upload under the key is still arriving — retry after that many seconds',
            RetryAfterHeader,
          ),
          413: problem('More than BATCH_MAX_SHIPMENTS shipments, or more than BATCH_MAX_BYTES bytes (sent, or decompressed from gzip)'),
          415: problemWithHeaders('Content-Type other than CSV, NDJSON or JSON, a charset other than UTF-8, Windows-1252, ISO-8859-1 or ISO-8859-15, a Content-Encoding other than gzip (`Accept-Encoding` says which), or a body plainly in another format than its Content-Type says (a CSV file sent as NDJSON or JSON, NDJSON or a JSON array sent as CSV, a JSON array sent as NDJSON: the detail names the Content-Type to send it with; nothing is stored)', {
            'Accept-Encoding': Type.String({ description: 'The content codings accepted: `gzip, x-gzip, identity`' }),
          }),
          ...problems(429, 500, 503),
        },
      },
    },
    async (request, reply) => {
      const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      const format = Object.hasOwn(FORMATS, type) ? FORMATS[type] : undefined;
      if (!format) throw new AppError(415, 'unsupported-media-type', 'Unsupported media type', `Send text/csv, application/x-ndjson or application/json`);
      // A declared Windows-1252 / ISO-8859-1 / -15 body (a German ERP's CSV) is converted to UTF-8; another charset is a 415.
      const decode = uploadDecoder(declaredCharset(request.headers['content-type']));
      const raw = uploadBody(request.body as Readable, contentCodings(request.headers['content-encoding']), app.config.batch.maxBytes);
      const batch = await app.batches.submit({
        body: decode ? transcoded(raw, decode) : raw,
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
        response: { 200: jsonWithHeaders('A page of batches', BatchPage, RateLimitHeaders), ...problems(400, 401, 403, 429, 500, 503) },
      },
    },
    async (request) => {
      // The same configured cap as the flag log's and the other listings' (LIMIT_MAX_PAGE_SIZE).
      const max = app.config.limits.maxPageSize;
      const { limit, cursor } = request.query;
      if (limit !== undefined && limit > max) throw badRequest(`/limit: must be at most ${max}`, [{ field: '/limit', in: 'query', message: `must be at most ${max} (LIMIT_MAX_PAGE_SIZE)` }]);
      return app.batches.list(request.principal ?? null, { limit: limit ?? Math.min(20, max), cursor });
    },
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
        response: { 200: jsonWithHeaders('The batch', BatchView, RateLimitHeaders), ...problems(400, 401, 403, 404, 429, 500, 503) },
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
        description:
          'NDJSON (the default): one `BatchResultLine` JSON object per line. Read the body as text and split it into lines — with openapi-fetch, `parseAs: \'text\'` (its default parses the whole body as one JSON document). `format=csv`: the same fields as columns, after a header row (none when `afterLine` is given). CSV cells starting with = + - @, tab or CR are prefixed with a single quote so a spreadsheet does not run them.',
        params: BatchIdParams,
        querystring: BatchResultsQuery,
        response: {
          200: {
            description: 'The results, streamed in line order: NDJSON, one BatchResultLine per line; or CSV',
            content: {
              'application/x-ndjson': { schema: ref(BatchResultLineSchema) },
              'text/csv': {
                schema: Type.String({
                  description: 'Header row `line,reference,status,decision,risk_score,screening_id,rule_ids,ruleset_version,ruleset_hash,errors`, then one row per line (CRLF)',
                }),
              },
            },
            headers: RateLimitHeaders,
          },
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
        response: { 200: jsonWithHeaders('The batch, cancelled (or as it stood, if it had already ended)', BatchView, RateLimitHeaders), ...problems(400, 401, 403, 404, 429, 500, 503) },
      },
    },
    async (request) => app.batches.cancel(request.params.id, request.principal ?? null),
  );
}
