/**
 * A large JSON document (a batch of rows for jsonb_to_recordset) as one statement parameter, built
 * from the JSON texts the caller already has without joining them into one JavaScript string.
 *
 * Measured on a chunk of 256 screenings (~9 KB each, 2.3 MB): `parts.join(',')` of those strings cost
 * ~60 µs a row (V8 flattens each concatenated part into a new 2.3-million-character string, two bytes
 * a character as soon as one character is outside Latin-1, e.g. a "→" in a flag message), and
 * node-postgres then encoded that string to UTF-8 again (~25–35 µs a row). Written straight into one
 * Buffer it costs ~15–20 µs a row, and no multi-megabyte string reaches the old generation.
 *
 * node-postgres sends a Buffer in binary format: json's binary input is the UTF-8 text, jsonb's a
 * version byte (1) followed by it — the server parses either exactly as it parses the text form. PGlite
 * serialises a binary parameter as hex text (1.6 s for 3 MB, measured), so it keeps the string.
 */
import { entityKind, sql, type SQL } from 'drizzle-orm';
import type { Db } from './db.js';

/** True when the database (or transaction) goes through node-postgres, which passes a Buffer as binary. */
export function sendsBinaryParams(db: Db): boolean {
  const session = (db as unknown as { session?: { constructor?: Record<symbol, unknown> } }).session;
  return session?.constructor?.[entityKind] === 'NodePgSession';
}

/**
 * The pieces as one UTF-8 byte array of its own (not a slice of Node's shared pool, so it can be
 * posted from a worker thread without dragging the pool along). Used to encode a batch line's row
 * where it is built: the row's JSON strings then die young instead of waiting, in the young
 * generation, for their group's commit (and being promoted: bench:batch, README).
 */
export function utf8Bytes(pieces: readonly string[]): Buffer {
  let bytes = 0;
  for (const p of pieces) bytes += Buffer.byteLength(p, 'utf8');
  const buf = Buffer.allocUnsafeSlow(bytes);
  let at = 0;
  for (const p of pieces) at += buf.write(p, at, 'utf8');
  if (at !== bytes) throw new Error(`utf8Bytes: wrote ${at} of ${bytes} bytes`);
  return buf;
}

/**
 * `[piece0 piece1 …]`: the pieces (JSON text, or JSON text already encoded as UTF-8) are
 * concatenated as they are (the caller puts the commas), inside brackets, as one json or jsonb
 * parameter of the statement.
 */
export function jsonArrayParam(db: Db, pieces: readonly (string | Uint8Array)[], type: 'json' | 'jsonb'): SQL {
  const cast = sql.raw(`::${type}`);
  if (!sendsBinaryParams(db)) {
    const text = pieces.map((p) => (typeof p === 'string' ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('utf8')));
    return sql`${`[${text.join('')}]`}${cast}`;
  }
  // jsonb's binary form is a version byte (1) and the text; json's is the text.
  const head = type === 'jsonb' ? 1 : 0;
  let bytes = head + 2; // brackets
  for (const p of pieces) bytes += typeof p === 'string' ? Buffer.byteLength(p, 'utf8') : p.byteLength;
  const buf = Buffer.allocUnsafe(bytes);
  if (head) buf[0] = 1;
  buf[head] = 0x5b; // [
  let at = head + 1;
  for (const p of pieces) {
    if (typeof p === 'string') at += buf.write(p, at, 'utf8');
    else {
      buf.set(p, at);
      at += p.byteLength;
    }
  }
  buf[at] = 0x5d; // ]
  if (at + 1 !== bytes) throw new Error(`jsonArrayParam: wrote ${at + 1} of ${bytes} bytes`);
  return sql`${buf}${cast}`;
}

/** jsonArrayParam as jsonb. */
export const jsonbArrayParam = (db: Db, pieces: readonly (string | Uint8Array)[]): SQL => jsonArrayParam(db, pieces, 'jsonb');
