/**
 * Tells a storage failure (connection refused or lost, server shutting down, read-only,
 * out of resources, statement timeout) from a programming error. Storage failures become 503:
 * the caller may retry; no decision was made.
 */
// 55000: object not in prerequisite state — e.g. a database set to refuse connections.
const PG_UNAVAILABLE = [/^08/, /^53/, /^57P0[1-4]$/, /^25006$/, /^57014$/, /^55P03$/, /^55000$/, /^40001$/, /^40P01$/];
const NET = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN']);
const MESSAGES = /(Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|database closed|PGlite is closed|Cannot use a pool after calling end|terminating connection|statement timeout|read-only transaction)/i;

export function isStorageFailure(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 4) return false;
  const e = err as { code?: unknown; message?: unknown; cause?: unknown };
  if (typeof e.code === 'string' && (PG_UNAVAILABLE.some((re) => re.test(e.code as string)) || NET.has(e.code))) return true;
  if (typeof e.message === 'string' && MESSAGES.test(e.message)) return true;
  return isStorageFailure(e.cause, depth + 1);
}
