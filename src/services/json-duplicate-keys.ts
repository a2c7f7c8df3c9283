/**
 * A JSON text that names one member twice in an object (`{"quantity": 1, "quantity": 5000}`). JSON.parse keeps the
 * last; another reader (a proxy, a WAF, the ERP's own log) may keep the first, so the shipment screened is not the
 * one everyone else saw. RFC 8259 §4 leaves such a text's meaning undefined (RFC 7493, I-JSON, forbids it): the
 * service refuses it, naming the member, instead of guessing.
 */

/**
 * The JSON pointer of the first member named twice in one object, or null. `text` must already have parsed
 * (JSON.parse succeeded): the scan trusts its syntax. Names are compared decoded (`"a"` and `"\u0061"` are one).
 */
export function duplicateKeyPointer(text: string): string | null {
  // One frame per open object or array: the names seen (objects), the index of the current element (arrays),
  // and the pointer segment by which the parent reached it.
  const stack: Array<{ keys: Set<string> | null; index: number; segment: string }> = [];
  let pendingKey: string | null = null;
  let expectKey = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // A string: find its closing quote (one not escaped by an odd run of backslashes).
      let end = i + 1;
      let escaped = false;
      for (;;) {
        end = text.indexOf('"', end);
        let bs = 0;
        for (let k = end - 1; text.charCodeAt(k) === 0x5c; k--) bs++;
        if (bs % 2 === 0) break;
        escaped = true;
        end++;
      }
      if (expectKey) {
        const raw = text.slice(i + 1, end);
        const key = escaped || raw.includes('\\') ? (JSON.parse(text.slice(i, end + 1)) as string) : raw;
        const frame = stack[stack.length - 1]!;
        if (frame.keys!.has(key)) return pointer(stack, key);
        frame.keys!.add(key);
        pendingKey = key;
        expectKey = false;
      }
      i = end;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const parent = stack[stack.length - 1];
      const segment = parent ? (parent.keys ? (pendingKey ?? '') : String(parent.index)) : '';
      stack.push({ keys: c === 0x7b ? new Set() : null, index: 0, segment });
      expectKey = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      const frame = stack[stack.length - 1]!;
      if (frame.keys) expectKey = true;
      else frame.index++;
    }
  }
  return null;
}

const escapeSegment = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

function pointer(stack: ReadonlyArray<{ segment: string }>, key: string): string {
  return `${stack
    .slice(1)
    .map((f) => `/${escapeSegment(f.segment)}`)
    .join('')}/${escapeSegment(key)}`;
}
