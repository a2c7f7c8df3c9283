/**
 * The charset an upload declares (`Content-Type: text/csv; charset=windows-1252`): a German or French ERP exports
 * its CSV in Windows-1252 (or ISO-8859-1/-15) and says so. Such a body was read as UTF-8, so every line with a name
 * like "Müller GmbH" was refused as invalid UTF-8 — most of the file. It is now converted to UTF-8 as it streams
 * (single-byte charsets: no character is ever split between chunks); a charset not listed here is a 415 naming it.
 *
 * Node 20's TextDecoder decodes "windows-1252" (and every label that means it, "iso-8859-1" and "us-ascii"
 * included, per the WHATWG Encoding standard) as plain Latin-1: bytes 0x80–0x9F come out as C1 control characters
 * instead of € „ “ ” – — Š Œ Ž š œ ž Ÿ… — so the table for those 32 bytes is here; the rest of Windows-1252 is
 * Latin-1. ISO-8859-15 (Latin-9, with €) is ICU's and decoded right.
 */
import { AppError } from '../errors.js';
import { leadingBytes } from '../services/batch-records.js';

/** Windows-1252 0x80–0x9F (WHATWG index; the five unassigned bytes keep their C1 code points). */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
].map((cp) => String.fromCodePoint(cp));
const C1 = /[\u0080-\u009f]/g;

export function decodeWindows1252(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1').replace(C1, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]!);
}

export type UploadDecoder = (bytes: Uint8Array) => string;

/** The declared charset of a Content-Type, lower-cased, or undefined. */
export function declaredCharset(contentType: string | undefined): string | undefined {
  return /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '')?.[1]?.toLowerCase();
}

/**
 * How to read a body declared in `charset`: null when it is UTF-8 already (or says nothing), a decoder for the
 * Western single-byte charsets, and a 415 for any other (Shift_JIS, UTF-16…: say UTF-8).
 */
export function uploadDecoder(charset: string | undefined): UploadDecoder | null {
  if (charset === undefined || charset === 'utf-8' || charset === 'utf8') return null;
  let encoding: string | undefined;
  try {
    encoding = new TextDecoder(charset).encoding;
  } catch {
    encoding = undefined;
  }
  if (encoding === 'windows-1252') return decodeWindows1252;
  if (encoding === 'iso-8859-15') {
    const decoder = new TextDecoder('iso-8859-15');
    return (bytes) => decoder.decode(bytes);
  }
  throw new AppError(
    415,
    'unsupported-media-type',
    'Unsupported media type',
    `charset=${charset.slice(0, 40)} is not accepted for a batch: send UTF-8 (no charset, or charset=utf-8), or Windows-1252 / ISO-8859-1 / ISO-8859-15 declared as such`,
  );
}

/**
 * The body, converted to UTF-8 chunk by chunk. A body that starts with a UTF-8 byte order mark is UTF-8 whatever
 * its charset parameter says (the BOM decides, as in WHATWG encoding sniffing): an Excel "CSV UTF-8" file sent
 * through a gateway configured to declare windows-1252 was converted byte by byte, and its header began with
 * "ï»¿" — refused as an unknown column "ï»¿reference", and every "Müller" turned into "MÃ¼ller".
 */
export async function* transcoded(body: AsyncIterable<Buffer | Uint8Array | string>, decode: UploadDecoder): AsyncGenerator<Buffer> {
  let first = true;
  let utf8 = false;
  for await (const chunk of leadingBytes(body, 3)) {
    if (first) {
      first = false;
      utf8 = chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf;
    }
    yield utf8 ? chunk : Buffer.from(decode(chunk), 'utf8');
  }
}
