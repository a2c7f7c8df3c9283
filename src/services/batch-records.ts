/**
 * Splits an uploaded batch into records without ever holding more than one record: NDJSON lines,
 * CSV records (a newline inside a quoted field does not end one) or the elements of a top-level
 * JSON array. Works on bytes, so a record longer than the limit is skipped — not buffered — and
 * reported, and invalid UTF-8 is reported for its record alone. Each record carries the physical
 * line it starts on, which is what an ERP user looks up in the file.
 */
export type BatchFormat = 'ndjson' | 'csv' | 'json';

/**
 * A record, or why it could not be read. An unreadable record keeps `head`, its first bytes decoded leniently
 * (invalid UTF-8 as U+FFFD), so a CSV upload can still tell which shipment's rows it sits among.
 */
export type RawRecord = { lineNo: number; text: string } | { lineNo: number; error: string; head?: string };

/** Bytes of an unreadable record kept for `head`. */
const HEAD_BYTES = 512;
const lenient = new TextDecoder('utf-8');

const NL = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

/** Fails the whole upload (not one record): the file's structure is broken. */
export class MalformedUpload extends Error {
  constructor(
    readonly lineNo: number,
    message: string,
  ) {
    super(`line ${lineNo}: ${message}`);
  }
}

export class UploadTooLarge extends Error {}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === NL || b === CR;
}

const asBuffer = (piece: Buffer | Uint8Array | string): Buffer =>
  typeof piece === 'string' ? Buffer.from(piece) : Buffer.isBuffer(piece) ? piece : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);

/**
 * The body as Buffers, its first one holding at least `n` bytes (unless the body is shorter). What the start of a
 * file says — a UTF-8 byte order mark, gzip's or UTF-16's magic bytes — is read from the first chunk, and a body
 * can arrive in chunks of any size: a BOM split across the first two (a first chunk of the single byte 0xEF) was
 * kept — a JSON array was refused ("expected \"[\""), and a CSV or NDJSON file was read only because the fatal
 * TextDecoder happens to drop a BOM at the start of each record it decodes — and gzip's or UTF-16's bytes so split
 * went unnamed.
 */
export async function* leadingBytes(body: AsyncIterable<Buffer | Uint8Array | string>, n: number): AsyncGenerator<Buffer> {
  let head: Buffer[] = [];
  let size = 0;
  for await (const piece of body) {
    const chunk = asBuffer(piece);
    if (head.length === 0 && size === 0 && chunk.length >= n) {
      size = -1;
      yield chunk;
      continue;
    }
    if (size < 0) {
      yield chunk;
      continue;
    }
    head.push(chunk);
    size += chunk.length;
    if (size >= n) {
      const first = Buffer.concat(head);
      head = [];
      size = -1;
      yield first;
    }
  }
  if (size > 0) yield Buffer.concat(head);
}

export async function* readRecords(body: AsyncIterable<Buffer | Uint8Array | string>, format: BatchFormat, maxLineBytes: number, maxBytes = Infinity): AsyncGenerator<RawRecord> {
  let parts: Buffer[] = [];
  let size = 0;
  let overflow = false;
  let line = 1;
  let startLine = 1;
  let started = false; // a record has begun (non-empty)
  let inQuotes = false;
  let escaped = false;
  let depth = 0;
  let total = 0;
  let first = true;
  // JSON array: 'open' before '[', 'items' inside, 'closed' after ']'.
  let arrayState: 'open' | 'items' | 'closed' = 'open';
  /** The first bytes of a record skipped as too long (RawRecord `head`). */
  let overflowHead: string | undefined;
  /**
   * The number of the JSON element before (0: none yet). A record's number keys its line in the batch, so it must
   * be unique and rising: an element that starts on the line of the one before (a compact array, `[{…},{…}]` on one
   * line, as JSON.stringify writes it) takes the next number after it. Before, every element of a one-line array was
   * line 1, the staging kept the first and dropped the rest unscreened, and the batch stayed `running` for ever.
   */
  let lastJsonLine = 0;

  const finish = (): RawRecord | null => {
    if (!started) return null;
    const lineNo = startLine;
    const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    parts = [];
    size = 0;
    started = false;
    if (overflow) {
      overflow = false;
      const kept = overflowHead;
      overflowHead = undefined;
      return { lineNo, error: `longer than ${maxLineBytes} bytes (BATCH_MAX_LINE_BYTES); skipped`, ...(kept !== undefined ? { head: kept } : {}) };
    }
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      return { lineNo, error: 'not valid UTF-8', head: lenient.decode(bytes.subarray(0, HEAD_BYTES)) };
    }
    if (format === 'ndjson' && text.endsWith('\r')) text = text.slice(0, -1);
    if (format !== 'csv' && text.trim() === '') return null;
    return { lineNo, text };
  };

  const take = (chunk: Buffer, from: number, to: number) => {
    if (to <= from || overflow) return;
    if (size + (to - from) > maxLineBytes) {
      overflow = true;
      overflowHead = lenient.decode(Buffer.concat([...parts, chunk.subarray(from, to)]).subarray(0, HEAD_BYTES));
      parts = [];
      size = 0;
      return;
    }
    parts.push(chunk.subarray(from, to));
    size += to - from;
  };

  for await (const piece of leadingBytes(body, 3)) {
    let chunk = piece;
    total += chunk.length;
    if (total > maxBytes) throw new UploadTooLarge(`the upload is larger than ${maxBytes} bytes (BATCH_MAX_BYTES)`);
    if (first) {
      first = false;
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
      // What would otherwise be refused as "not valid UTF-8" line after line, said as what it is.
      if (chunk[0] === 0x1f && chunk[1] === 0x8b) throw new MalformedUpload(1, 'the body is gzip-compressed: send it with Content-Encoding: gzip');
      if ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff))
        throw new MalformedUpload(1, 'the file is UTF-16 (a spreadsheet\'s "Unicode text"): save it as UTF-8 (e.g. "CSV UTF-8")');
    }
    let from = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (format === 'json') {
        if (arrayState !== 'items') {
          if (b === NL) line++;
          if (isSpace(b)) continue;
          if (arrayState === 'open' && b === 0x5b) {
            arrayState = 'items';
            from = i + 1;
            continue;
          }
          throw new MalformedUpload(
            line,
            arrayState === 'open'
              ? `a JSON batch must be one array of shipments: expected "["${b === 0x7b ? ' (the body starts with "{": shipments one per line are sent as Content-Type: application/x-ndjson)' : ''}`
              : 'nothing may follow the closing "]"',
          );
        }
        if (!started) {
          if (b === NL) line++;
          if (isSpace(b)) {
            from = i + 1;
            continue;
          }
          if (b === 0x5d && depth === 0) {
            arrayState = 'closed';
            continue;
          }
          if (b === COMMA) throw new MalformedUpload(line, 'an empty element in the array');
          started = true;
          startLine = Math.max(line, lastJsonLine + 1);
          lastJsonLine = startLine;
          from = i;
        }
        if (b === NL) line++;
        if (inQuotes) {
          if (escaped) escaped = false;
          else if (b === BACKSLASH) escaped = true;
          else if (b === QUOTE) inQuotes = false;
          continue;
        }
        if (b === QUOTE) inQuotes = true;
        else if (b === 0x7b || b === 0x5b) depth++;
        else if ((b === 0x7d || b === 0x5d) && depth > 0) depth--;
        else if (depth === 0 && (b === COMMA || b === 0x5d)) {
          take(chunk, from, i);
          const rec = finish();
          if (rec) yield rec;
          from = i + 1;
          if (b === 0x5d) arrayState = 'closed';
        }
        continue;
      }
      if (!started && b !== NL) {
        started = true;
        startLine = line;
      }
      if (format === 'csv' && b === QUOTE) inQuotes = !inQuotes;
      if (b === NL) {
        line++;
        if (format === 'csv' && inQuotes) continue;
        take(chunk, from, format === 'csv' && i > from && chunk[i - 1] === CR ? i - 1 : i);
        const rec = finish();
        if (rec) yield rec;
        from = i + 1;
      }
    }
    if (started || format !== 'json') take(chunk, from, chunk.length);
  }
  if (format === 'json') {
    if (arrayState === 'open') throw new MalformedUpload(line, 'a JSON batch must be one array of shipments: the upload is empty');
    if (arrayState === 'items') throw new MalformedUpload(line, 'the JSON array is not closed (the upload was cut short?)');
    return;
  }
  if (format === 'csv' && inQuotes) {
    const rec = finish();
    if (rec) yield { lineNo: rec.lineNo, error: 'a quoted field is not closed before the end of the file', head: ('text' in rec ? rec.text : (rec.head ?? '')).slice(0, HEAD_BYTES) };
    return;
  }
  const rec = finish();
  if (rec) yield rec;
}

/** A cell an ERP or script wrote for a spreadsheet as `="00123"` (text kept as text, leading zeros and all): its text. */
const EXCEL_TEXT = /^="([^"]*)"$/;

/**
 * One CSV record (RFC 4180: quoted fields, doubled quotes) into its fields, split on `sep` (the header's: a comma, or
 * the semicolon of a spreadsheet in a locale whose decimal mark is the comma). A cell written as a spreadsheet text
 * formula, `="SO-00123"` (or, quoted, `"=""SO-00123"""`), is read as its text, as the spreadsheet shows it: before,
 * such a row was "malformed CSV" and its whole shipment refused.
 */
export function splitCsvRecord(record: string, sep = ','): string[] | null {
  const out: string[] = [];
  let i = 0;
  const n = record.length;
  for (;;) {
    if (record[i] === '"' || (record[i] === '=' && record[i + 1] === '"')) {
      const excel = record[i] === '=';
      let value = '';
      i += excel ? 2 : 1;
      for (;;) {
        const q = record.indexOf('"', i);
        if (q < 0) return null;
        value += record.slice(i, q);
        if (!excel && record[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(excel ? value : (EXCEL_TEXT.exec(value)?.[1] ?? value));
      if (i === n) return out;
      if (record[i] !== sep) return null;
      i++;
    } else {
      const c = record.indexOf(sep, i);
      const end = c < 0 ? n : c;
      const value = record.slice(i, end);
      if (value.includes('"')) return null;
      out.push(value);
      if (c < 0) return out;
      i = c + 1;
    }
  }
}
