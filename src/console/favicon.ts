/**
 * The console's icon, served at `/favicon.ico` (browsers ask for it on every site; it answered 404, one error
 * in the console log per page load). Drawn here rather than shipped as a binary file: a 32×32 PNG — the header's
 * navy with a white hourglass, a chokepoint — wrapped in an ICO container (PNG inside ICO: every current browser
 * reads it). Built once at start with node:zlib, no dependency; the bytes never change between starts, so the
 * ETag does not either and the long cache is safe.
 */
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';

const SIZE = 32;
const NAVY = [0x10, 0x2a, 0x43] as const; // header background in console.css
const WHITE = [0xff, 0xff, 0xff] as const;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** The RGBA pixel at (x, y): a rounded navy square, a white hourglass narrowing to a neck in the middle. */
function pixel(x: number, y: number): readonly [number, number, number, number] {
  const r = 6;
  const cx = Math.min(Math.max(x + 0.5, r), SIZE - r);
  const cy = Math.min(Math.max(y + 0.5, r), SIZE - r);
  if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 > r * r) return [0, 0, 0, 0];
  const mid = (SIZE - 1) / 2;
  const half = 1.5 + Math.abs(y - mid) * 0.75;
  const inGlass = y >= 5 && y <= SIZE - 6 && Math.abs(x - mid) <= half;
  return [...(inGlass ? WHITE : NAVY), 0xff];
}

function png(): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(SIZE, 0);
  header.writeUInt32BE(SIZE, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(6, 9); // RGBA
  const rows: number[] = [];
  for (let y = 0; y < SIZE; y++) {
    rows.push(0); // filter: none
    for (let x = 0; x < SIZE; x++) rows.push(...pixel(x, y));
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.from(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function ico(image: Buffer): Buffer {
  const dir = Buffer.alloc(6 + 16);
  dir.writeUInt16LE(0, 0); // reserved
  dir.writeUInt16LE(1, 2); // icon
  dir.writeUInt16LE(1, 4); // one image
  dir.writeUInt8(SIZE, 6);
  dir.writeUInt8(SIZE, 7);
  dir.writeUInt8(0, 8); // no palette
  dir.writeUInt8(0, 9);
  dir.writeUInt16LE(1, 10); // planes
  dir.writeUInt16LE(32, 12); // bits per pixel
  dir.writeUInt32LE(image.length, 14);
  dir.writeUInt32LE(dir.length, 18); // offset of the image
  return Buffer.concat([dir, image]);
}

export const FAVICON = ico(png());
export const FAVICON_ETAG = `"${createHash('sha256').update(FAVICON).digest('base64url').slice(0, 22)}"`;
/** A year: the icon is the same bytes on every start (and every replica), and a browser need not ask again. */
export const FAVICON_CACHE = 'public, max-age=31536000';
