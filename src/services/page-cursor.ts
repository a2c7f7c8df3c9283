/** Opaque keyset cursors for listings ordered newest first by (created_at, id). */
import { badRequest } from '../errors.js';

export interface PageKey {
  createdAt: string;
  id: string;
}

export function encodePageCursor(key: PageKey): string {
  return Buffer.from(JSON.stringify([key.createdAt, key.id])).toString('base64url');
}

/** A cursor this service did not hand out is a 400 naming the parameter, never a 500. */
export function decodePageCursor(cursor: string): PageKey {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof createdAt === 'string' && typeof id === 'string' && !Number.isNaN(Date.parse(createdAt))) return { createdAt, id };
  } catch {
    /* not JSON: refused below */
  }
  throw badRequest('/cursor: is not a cursor returned by this listing', [{ field: '/cursor', in: 'query', message: 'is not a cursor returned by this listing' }]);
}
