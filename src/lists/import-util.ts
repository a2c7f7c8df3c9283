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

/** Text without a UTF-8 BOM. */
export function toText(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
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
