/** sha256 for request hashes and audit seals; the canonical JSON they hash is src/canonical-json.ts. */
import { createHash } from 'node:crypto';

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
