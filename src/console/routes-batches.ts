/**
 * Batches in the console: upload a file of shipments (a multipart form, streamed into the same
 * BatchService as POST /v1/batches — never buffered), follow its progress, download the results,
 * see the lines that need a person, cancel.
 *
 * The form is read with @fastify/busboy. Its fields come in document order, so the CSRF token (the
 * first input of the form) is known before the file starts: the body handed on is the token, the
 * chosen format and the file as a stream, which the CSRF hook checks before the handler reads a byte.
 */
import type { Readable } from 'node:stream';
import { Busboy, type BusboyHeaders } from '@fastify/busboy';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ACCESS } from '../http/access.js';
import { sendBatchResults } from '../http/batch-results-reply.js';
import { AppError } from '../errors.js';
import type { BatchFormat } from '../services/batch-records.js';
import { displayName } from '../services/principal.js';
import type { BatchView } from '../schemas/batch.js';
import { findApiKeyById } from '../store/api-keys-repo.js';
import { findBatch } from '../store/batches-repo.js';
import { onceKey, onceToken } from './layout.js';
import { pageContext, type ConsoleDeps } from './index.js';
import { fieldErrorsOf, type FieldErrors } from './validate.js';
import { batchesPage, batchPage, isRunning, type ConsoleBatch } from './views/batches.js';

interface UploadBody {
  _csrf?: string;
  /** The form's once-token (layout.ts, onceField): sent on as the upload's Idempotency-Key. */
  _once?: string;
  format?: string;
  upload: { stream: Readable; filename: string; mimeType: string } | null;
  /** Discards what is left of the request (a refused or failed upload), so the connection is not left waiting. */
  drain: () => void;
  /** Why the form broke off mid-file (busboy's error), if it did. */
  broken: () => Error | null;
}

const FORMATS = new Set(['csv', 'ndjson', 'json']);
const BY_EXTENSION: Record<string, BatchFormat> = { csv: 'csv', ndjson: 'ndjson', jsonl: 'ndjson', json: 'json' };
const BY_TYPE: Record<string, BatchFormat> = { 'text/csv': 'csv', 'application/x-ndjson': 'ndjson', 'application/jsonl': 'ndjson', 'application/json': 'json' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The format chosen in the form, else the file name's extension, else its declared type. */
export function uploadFormat(choice: string | undefined, filename: string, mimeType: string): BatchFormat | null {
  if (choice && FORMATS.has(choice)) return choice as BatchFormat;
  const ext = /\.([A-Za-z]+)$/.exec(filename)?.[1]?.toLowerCase();
  if (ext && Object.hasOwn(BY_EXTENSION, ext)) return BY_EXTENSION[ext]!;
  const type = mimeType.split(';')[0]!.trim().toLowerCase();
  return Object.hasOwn(BY_TYPE, type) ? BY_TYPE[type]! : null;
}

const fieldError = (status: number, field: string, message: string) => new AppError(status, 'validation', 'Invalid upload', message, [{ field, message, in: 'body' }]);

export default function batchPages(app: FastifyInstance, deps: ConsoleDeps) {
  // Only this scope's (the console's) routes, and of them only the upload: the API takes batches as raw
  // CSV/NDJSON/JSON bodies, and every other console form is url-encoded.
  app.addContentTypeParser('multipart/form-data', (request, payload, done) => {
    if (request.routeOptions.url !== '/batches') {
      done(new AppError(415, 'unsupported-media-type', 'Unsupported media type', 'Only the batch upload form is sent as multipart/form-data'), undefined);
      return;
    }
    let settled = false;
    let bb: InstanceType<typeof Busboy>;
    let file: Readable | null = null;
    let broken: Error | null = null;
    const drain = () => {
      payload.unpipe(bb);
      payload.resume();
    };
    const settle = (err: Error | null, body?: UploadBody) => {
      if (settled) return;
      settled = true;
      if (err) drain();
      done(err, body);
    };
    try {
      bb = new Busboy({ headers: request.headers as BusboyHeaders, limits: { files: 1, fields: 8, parts: 9, fieldSize: 1024, fieldNameSize: 64 } });
    } catch (err) {
      done(fieldError(400, 'file', `not a readable multipart form: ${(err as Error).message}`), undefined);
      return;
    }
    const fields: { _csrf?: string; _once?: string; format?: string } = {};
    bb.on('field', (name, value) => {
      if (name === '_csrf') fields._csrf = value;
      else if (name === '_once') fields._once = value;
      else if (name === 'format') fields.format = value;
    });
    bb.on('file', (name, stream, filename, _encoding, mimeType) => {
      // A form cut off inside a part makes busboy emit an error on that part's stream: never unheard (it would
      // end the process), and for the file it ends the reader's loop with the error.
      stream.on('error', (err: Error) => {
        if (stream !== file) return;
        broken ??= err;
        if (!stream.destroyed) stream.destroy(err);
      });
      if (settled || name !== 'file') {
        stream.resume();
        return;
      }
      file = stream;
      settle(null, { ...fields, upload: { stream, filename, mimeType }, drain, broken: () => broken });
    });
    bb.on('finish', () => settle(null, { ...fields, upload: null, drain, broken: () => broken }));
    bb.on('error', (err: Error) => {
      if (!settled) settle(fieldError(400, 'file', `the form could not be read: ${err.message}`));
      else if (file && !file.destroyed) {
        broken ??= err;
        file.destroy(err);
      }
    });
    payload.pipe(bb);
  });

  // Whatever the outcome (refused CSRF, bad format, an upload refused half-way), nothing of the request is left unread.
  app.addHook('onResponse', async (request) => {
    const body = request.body as UploadBody | undefined;
    if (body && typeof body.drain === 'function' && body.upload && !body.upload.stream.readableEnded) body.drain();
  });

  const canSubmit = (request: FastifyRequest) => (ACCESS.batches as readonly string[]).includes(request.principal!.role);
  const db = app.database.db;

  /**
   * Who uploaded each batch, as the console names people: the key's holder, else its name (null: no key, as
   * from the CLI, or a key no longer on record). The batch's view does not carry its key, so the rows of the
   * batches already listed (and so visible to the caller) are read by id, and each distinct key once.
   */
  const withUploaders = async (views: BatchView[]): Promise<ConsoleBatch[]> => {
    const rows = await Promise.all(views.map((b) => findBatch(db, b.id)));
    const keyIds = [...new Set(rows.map((r) => r?.apiKeyId).filter((k): k is string => typeof k === 'string' && k !== ''))];
    const keys = await Promise.all(keyIds.map((k) => findApiKeyById(db, k)));
    const names = new Map(keys.filter((k) => k !== null).map((k) => [k.id, displayName(k)]));
    return views.map((b, i) => {
      const keyId = rows[i]?.apiKeyId;
      return { ...b, uploadedBy: keyId ? (names.get(keyId) ?? null) : null };
    });
  };

  const listPage = async (request: FastifyRequest, errors: FieldErrors, format: string, cursor?: string, once?: string) => {
    const { items, nextCursor } = await app.batches.list(request.principal ?? null, { limit: 20, cursor });
    return batchesPage(
      { items: await withUploaders(items), nextCursor, canSubmit: canSubmit(request), errors, format, ...(once ? { once } : {}) },
      pageContext(request, deps.sessions),
    );
  };

  app.get<{ Querystring: { cursor?: string } }>('/batches', deps.route(ACCESS.readBatches), async (request, reply) => {
    const cursor = typeof request.query.cursor === 'string' && request.query.cursor ? request.query.cursor : undefined;
    try {
      return deps.send(request, reply, 'Batches', await listPage(request, [], 'auto', cursor));
    } catch (err) {
      // A cursor this console did not hand out: the first page, with the problem named.
      const errors = fieldErrorsOf(err);
      return deps.send(request, reply, 'Batches', await listPage(request, errors, 'auto'), 400);
    }
  });

  app.post('/batches', deps.route(ACCESS.batches), async (request, reply) => {
    const body = request.body as UploadBody | undefined;
    const format = typeof body?.format === 'string' ? body.format : 'auto';
    // Refused before anything was stored under the form's token: the form comes back with it.
    // null: the token was used for another upload, so the form comes back with a fresh one.
    const refuse = async (status: number, errors: FieldErrors, once: string | null = onceToken(body?._once)) => {
      body?.drain?.();
      return deps.send(request, reply, 'Batches', await listPage(request, errors, format, undefined, once ?? undefined), status);
    };
    if (!body || typeof body.drain !== 'function') return refuse(415, [{ field: 'file', message: 'send the upload form (multipart/form-data)' }]);
    if (!body.upload || body.upload.filename === '') return refuse(400, [{ field: 'file', message: 'choose a file to upload' }]);
    const chosen = uploadFormat(body.format, body.upload.filename, body.upload.mimeType);
    if (!chosen) return refuse(400, [{ field: 'file', message: 'cannot tell the format from the file name: choose CSV, NDJSON or JSON array' }]);
    try {
      // The form's token as the Idempotency-Key: the same form sent twice (a double click, a resend) makes one batch.
      const batch = await app.batches.submit({ body: body.upload.stream, format: chosen, principal: request.principal ?? null, now: () => new Date(), idempotencyKey: onceKey(body._once) });
      request.log.info({ batchId: batch.id, format: chosen, total: batch.total, invalid: batch.invalid, via: 'console', replayed: batch.replayed === true }, 'batch received');
      return reply.redirect(`/batches/${batch.id}`, 303);
    } catch (err) {
      // The form itself was cut short (a dropped connection, a body without its closing boundary).
      const cut = body.broken();
      if (cut) return refuse(400, [{ field: 'file', message: `the upload broke off before the end of the form (${cut.message}); the batch is marked failed — upload the file again` }]);
      if (err instanceof AppError && err.code === 'idempotency-in-progress') {
        return refuse(409, [{ field: 'file', message: 'this form’s upload is still being received: it is in the list below' }]);
      }
      if (err instanceof AppError && err.status === 409) {
        return refuse(409, [{ field: 'file', message: 'this form was already used to upload another file; upload it again with the form below' }], null);
      }
      if (err instanceof AppError && (err.status === 400 || err.status === 413 || err.status === 415)) {
        // The service points API callers at the README; a person here has the column list on this page.
        const here = (m: string) => m.replace(/;\s*see the CSV layout in the README\s*$/, '; the columns it takes are listed under CSV columns below');
        const errors = err.errors?.length
          ? err.errors.map((e) => ({ field: e.field === '/' ? 'file' : e.field, message: here(e.message) }))
          : [{ field: 'file', message: here(err.message) }];
        return refuse(err.status, errors);
      }
      throw err;
    }
  });

  app.get<{ Params: { id: string }; Querystring: { after?: string } }>('/batches/:id', deps.route(ACCESS.readBatches), async (request, reply) => {
    if (!UUID.test(request.params.id)) throw new AppError(404, 'not-found', 'Not found', 'No such batch');
    const afterRaw = request.query.after ?? '0';
    if (!/^\d{1,9}$/.test(afterRaw)) throw new AppError(400, 'validation', 'Invalid request', 'after: a line number');
    const after = Number(afterRaw);
    const { batch, lines, nextAfter } = await app.batches.attention(request.params.id, request.principal ?? null, after);
    // No client script: a running batch's page asks the browser to reload it.
    if (isRunning(batch)) reply.header('refresh', '3');
    const [named] = await withUploaders([batch]);
    return deps.send(request, reply, 'Batch', batchPage({ batch: named!, lines, nextAfter, after, canCancel: canSubmit(request) }, pageContext(request, deps.sessions)));
  });

  app.get<{ Params: { id: string }; Querystring: { format?: string } }>('/batches/:id/results', deps.route(ACCESS.readBatches), async (request, reply) => {
    if (!UUID.test(request.params.id)) throw new AppError(404, 'not-found', 'Not found', 'No such batch');
    const format = request.query.format ?? 'csv';
    if (format !== 'csv' && format !== 'ndjson') throw new AppError(400, 'validation', 'Invalid request', 'format: csv or ndjson');
    return sendBatchResults(reply, await app.batches.results(request.params.id, request.principal ?? null, format), format);
  });

  app.post<{ Params: { id: string } }>('/batches/:id/cancel', deps.route(ACCESS.batches), async (request, reply) => {
    if (!UUID.test(request.params.id)) throw new AppError(404, 'not-found', 'Not found', 'No such batch');
    await app.batches.cancel(request.params.id, request.principal ?? null);
    return reply.redirect(`/batches/${request.params.id}`, 303);
  });
}
