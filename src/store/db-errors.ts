/**
 * What may be logged about an error. drizzle wraps driver errors in DrizzleQueryError whose
 * message (and the first lines of its stack) carry the SQL parameters: party names, key hashes.
 * Those never reach a log: only the error's name, its SQLSTATE or Node code and the stack frames.
 * (Whether an error means "database unavailable" is services/storage-errors.ts's isStorageFailure.)
 */

function chain(err: unknown): object[] {
  const out: object[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur && typeof cur === 'object' && depth < 5; depth++) {
    out.push(cur);
    cur = (cur as { cause?: unknown }).cause;
  }
  return out;
}

/** The SQLSTATE or Node error code of the first error in the cause chain that has one. */
export function dbErrorCode(err: unknown): string | undefined {
  for (const e of chain(err)) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

// Only the "    at …" frames: the first lines of a stack repeat the message.
const frames = (stack: string | undefined) =>
  (stack ?? '')
    .split('\n')
    .filter((l) => /^\s+at /.test(l))
    .slice(0, 8)
    .join('\n');

export function loggableError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { type: typeof err };
  const fromDatabase = chain(err).some((e) => 'query' in e || 'params' in e || 'severity' in e);
  const code = dbErrorCode(err);
  if (fromDatabase) return { type: err.name, ...(code ? { code } : {}), stack: frames(err.stack) };
  return { type: err.name, ...(code ? { code } : {}), message: err.message, stack: err.stack };
}
