/**
 * The `Content-Encoding` of a request body: its contract (the header as documented) and its guard. A body
 * in a coding the route does not decode is refused with 415 naming the coding, and `Accept-Encoding` says
 * what would have been accepted (RFC 9110 §15.5.16) — instead of being read as if it were plain text (a
 * gzipped JSON body was a 400 "not valid UTF-8", a gzipped batch a 400 "header row is unreadable").
 * POST /v1/batches decodes gzip itself (src/http/routes/batches.ts); the screening routes take identity only.
 */
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../../errors.js';

/** The codings named by a Content-Encoding header, in the order applied, `identity` left out; [] when none. */
export function contentCodings(header: string | string[] | undefined): string[] {
  if (header === undefined) return [];
  return (Array.isArray(header) ? header.join(',') : header)
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
}

/**
 * A preParsing hook refusing a request whose Content-Encoding is not one of `accepted` (plus identity, always),
 * before a byte of the body is read. At most one coding is decoded (`gzip, gzip` is refused too).
 */
export function refuseContentEncodings(accepted: readonly string[]) {
  const acceptEncoding = [...accepted, 'identity'].join(', ');
  return async function contentEncodingGuard(request: FastifyRequest): Promise<void> {
    const codings = contentCodings(request.headers['content-encoding']);
    if (codings.length === 0) return;
    // A request without a body (GET, a replay) has nothing encoded, whatever its headers say.
    if (request.headers['transfer-encoding'] === undefined && !(Number(request.headers['content-length'] ?? 0) > 0)) return;
    if (codings.length === 1 && accepted.includes(codings[0]!)) return;
    const named = codings.join(', ').slice(0, 60);
    throw new AppError(
      415,
      'unsupported-media-type',
      'Unsupported media type',
      accepted.length === 0
        ? `Content-Encoding "${named}" is not accepted here: send the body uncompressed (identity)`
        : `Content-Encoding "${named}" is not accepted here: send ${accepted.map((a) => `"${a}"`).join(' or ')} (one coding) or the body uncompressed`,
      undefined,
      { 'accept-encoding': acceptEncoding },
    );
  };
}

/** The request header as documented on a route that decodes gzip. */
export const GzipContentEncodingHeader = {
  'content-encoding': Type.Optional(
    Type.String({
      description:
        '`gzip` (or `x-gzip`) to send the file compressed: it is decompressed as it arrives, and BATCH_MAX_BYTES applies to the decompressed bytes as well as to the bytes sent. Another coding is a 415. `uploadSha256` is the sha256 of the decompressed file.',
      examples: ['gzip'],
    }),
  ),
};
