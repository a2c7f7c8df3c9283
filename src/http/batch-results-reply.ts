/** A batch's results as a download, streamed: the API's GET /v1/batches/{id}/results and the console's link send the same. */
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { ResultFormat } from '../services/batch-results.js';

export function sendBatchResults(reply: FastifyReply, results: { batch: { id: string }; lines: AsyncIterable<string> }, format: ResultFormat): FastifyReply {
  return reply
    .header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
    .header('content-disposition', `attachment; filename="batch-${results.batch.id}.${format}"`)
    .header('cache-control', 'no-store')
    .send(Readable.from(results.lines, { objectMode: false }));
}
