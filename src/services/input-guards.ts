/**
 * Checks JSON Schema cannot express cheaply: NUL and other C0 control characters (Postgres text
 * and jsonb refuse NUL, and no legitimate shipment field carries them), numbers that coerced to
 * Infinity, and the configurable
 * item/party limits. Each failure names its field as a JSON pointer.
 */
import type { FieldError } from '../schemas/field-error.js';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/**
 * Control characters anywhere, and strings longer than `maxStringLength` (LIMIT_MAX_STRING: the
 * schema's per-field ceilings still apply; the configured limit can only tighten them).
 */
export function controlCharacterErrors(value: unknown, pointer = '', maxStringLength = Infinity): FieldError[] {
  const out: FieldError[] = [];
  const walk = (v: unknown, p: string) => {
    if (out.length >= 20) return;
    if (typeof v === 'string') {
      if (CONTROL.test(v)) out.push({ field: p || '/', in: 'body', message: 'must not contain control characters' });
      else if (v.length > maxStringLength) out.push({ field: p || '/', in: 'body', message: `must be at most ${maxStringLength} characters (LIMIT_MAX_STRING)` });
    } else if (typeof v === 'number' && !Number.isFinite(v)) {
      // "1e9999" passes JSON Schema's maximum once coerced (Infinity) and would break every sum after it.
      out.push({ field: p || '/', in: 'body', message: 'must be a finite number' });
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${p}/${i}`));
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (CONTROL.test(k)) out.push({ field: p || '/', in: 'body', message: 'property names must not contain control characters' });
        walk(x, `${p}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`);
      }
    }
  };
  walk(value, pointer);
  return out;
}

/**
 * Numbers that are not finite, anywhere in a parsed body or query string: with type coercion,
 * "1e9999" becomes Infinity, and Infinity passes JSON Schema's `integer` and `maximum` (Ajv
 * compares `Infinity % 1` and `Infinity > max` with NaN in between), then fails in the database
 * or in arithmetic. Every route gets this check (src/http/plugins/security.ts), not only the ones
 * that thought of it.
 */
export function nonFiniteNumberErrors(value: unknown, where: FieldError['in']): FieldError[] {
  const out: FieldError[] = [];
  const walk = (v: unknown, p: string, depth: number) => {
    if (out.length >= 20 || depth > 64) return;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) out.push({ field: p || '/', in: where, message: 'must be a finite number' });
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${p}/${i}`, depth + 1));
    else if (isPlainObject(v)) for (const [k, x] of Object.entries(v)) walk(x, `${p}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, depth + 1);
    // Anything else (a batch upload's stream, a Buffer) is not parsed JSON: not ours to walk.
  };
  walk(value, '', 0);
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
