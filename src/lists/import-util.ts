import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** gzip magic 1f 8b: the shipped lists are stored compressed. */
export function maybeGunzip(bytes: Uint8Array): Buffer {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return buf.length > 2 && buf[0] === 0x1f && buf[1] === 0x8b ? gunzipSync(buf) : buf;
}

/** A list file whose bytes are not text in an encoding we can read without guessing. */
export class ListEncodingError extends Error {
  override readonly name = 'ListEncodingError';
}

/**
 * The text of a list file: UTF-8 (a BOM is dropped), or UTF-16 when it starts with a UTF-16 BOM (a
 * spreadsheet's "Unicode text" export). Anything else that is not valid UTF-8 — a Latin-1 or Windows-1252
 * export — is refused, naming the first bad byte: decoded as UTF-8 its accented letters became U+FFFD, and
 * "ADRIÁN HERNÁNDEZ" was imported as "ADRI�N HERN�NDEZ", a name no query matches. Fail closed, never guess.
 */
export function toText(bytes: Uint8Array): string {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf16 = view[0] === 0xff && view[1] === 0xfe ? 'utf-16le' : view[0] === 0xfe && view[1] === 0xff ? 'utf-16be' : null;
  try {
    // TextDecoder drops the BOM of its own encoding (ignoreBOM false).
    return new TextDecoder(utf16 ?? 'utf-8', { fatal: true }).decode(view);
  } catch {
    if (utf16) throw new ListEncodingError(`the file starts with a ${utf16.toUpperCase()} byte-order mark but is not valid ${utf16.toUpperCase()}`);
    const at = firstInvalidUtf8(view);
    const line = view.subarray(0, at).reduce((n, b) => (b === 0x0a ? n + 1 : n), 1);
    throw new ListEncodingError(
      `the file is not UTF-8: invalid byte 0x${view[at]!.toString(16).padStart(2, '0')} at byte ${at} (line ${line}); ` +
        'a Latin-1 or Windows-1252 export must be converted first (e.g. iconv -f WINDOWS-1252 -t UTF-8)',
    );
  }
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    const len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (len === 0 || i + len > b.length) return i;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(i, i + len));
    } catch {
      return i;
    }
    i += len;
  }
  return Math.max(0, b.length - 1);
}

/** Multi-value CSL fields are separated by `; `. */
export function splitMulti(value: string | null | undefined): string[] {
  if (!value) return [];
  return value
    .split(/;\s+|;$/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function blankToNull(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const t = value.trim();
  return t.length > 0 && t !== '-0-' ? t : null;
}

/** A date as YYYY-MM-DD where it can be read (ISO or MM/DD/YYYY), else as published. */
export function isoDate(value: string | null | undefined): string | null {
  const v = blankToNull(value);
  if (!v) return null;
  if (/^\d{4}-\d{2}-\d{2}/.test(v)) return v.slice(0, 10);
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(v);
  if (m) return `${m[3]}-${m[1]!.padStart(2, '0')}-${m[2]!.padStart(2, '0')}`;
  return v;
}

/** A date in the file name (consolidated-2026-07-31.csv) is the best "generated at" the CSV offers. */
export function dateFromFileName(file: string): string | null {
  const m = /(\d{4}-\d{2}-\d{2})/.exec(file);
  return m?.[1] ?? null;
}

/** Stable id for rows that carry none: a hash of what identifies the row. */
export function contentId(...parts: string[]): string {
  return sha256Hex(parts.join('\u001f')).slice(0, 24);
}

/**
 * Largest CSV record (one row, in characters) a list parser reads: the longest row of the real lists is ~3,300
 * characters. A 50 MB field (a broken export, or hostile) is refused at once instead of being read, indexed and
 * searched on every screening.
 */
export const MAX_LIST_RECORD_CHARS = 1 << 20;

/**
 * A CSV header for csv-parse's `columns`: a column named twice is refused (fail closed) — with `columns: true` the
 * later one silently won, so a second `name` column replaced every party's name.
 */
export function uniqueHeader(what: string, onError: (msg: string) => Error): (header: string[]) => string[] {
  return (header) => {
    const seen = new Set<string>();
    for (const h of header) {
      if (seen.has(h)) throw onError(`${what} names the column ${JSON.stringify(h)} twice in its header`);
      seen.add(h);
    }
    return header;
  };
}
