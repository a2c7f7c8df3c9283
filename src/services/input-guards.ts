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
 * Bidirectional embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069): they make a name
 * display as something other than what it is ("Trojan Source"), in a page or an export. Right-to-left
 * scripts need none of them; the marks U+200E/U+200F are left alone.
 */
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/;
/**
 * Half of a UTF-16 surrogate pair with no other half ("\ud800" in JSON): not a character. Postgres refuses it in
 * json and text (22P02), so a body carrying one was a 500 when it was stored.
 */
export const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Nesting depth the walks below go to: a shipment is at most 5 levels deep (items → specs → tops → value). */
const MAX_DEPTH = 32;

/**
 * Control characters anywhere, and strings longer than `maxStringLength` (LIMIT_MAX_STRING: the
 * schema's per-field ceilings still apply; the configured limit can only tighten them).
 */
export function controlCharacterErrors(value: unknown, pointer = '', maxStringLength = Infinity): FieldError[] {
  const out: FieldError[] = [];
  const walk = (v: unknown, p: string, depth = 0) => {
    if (out.length >= 20) return;
    // No shipment is nested this deep; a hostile body that got past its schema must be a 400 here, not a
    // stack overflow (RangeError → 500).
    if (depth > MAX_DEPTH) {
      out.push({ field: p || '/', in: 'body', message: `must not be nested more than ${MAX_DEPTH} levels deep` });
      return;
    }
    if (typeof v === 'string') {
      if (CONTROL.test(v)) out.push({ field: p || '/', in: 'body', message: 'must not contain control characters' });
      else if (UNPAIRED_SURROGATE.test(v)) out.push({ field: p || '/', in: 'body', message: 'must not contain an unpaired UTF-16 surrogate (not a character)' });
      else if (BIDI_CONTROL.test(v)) out.push({ field: p || '/', in: 'body', message: 'must not contain bidirectional control characters (U+202A–U+202E, U+2066–U+2069)' });
      else if (v.length > maxStringLength) out.push({ field: p || '/', in: 'body', message: `must be at most ${maxStringLength} characters (LIMIT_MAX_STRING)` });
    } else if (typeof v === 'number' && !Number.isFinite(v)) {
      // "1e9999" passes JSON Schema's maximum once coerced (Infinity) and would break every sum after it.
      out.push({ field: p || '/', in: 'body', message: 'must be a finite number' });
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${p}/${i}`, depth + 1));
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (CONTROL.test(k) || UNPAIRED_SURROGATE.test(k)) out.push({ field: p || '/', in: 'body', message: 'property names must not contain control characters or unpaired surrogates' });
        walk(x, `${p}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, depth + 1);
      }
    }
  };
  walk(value, pointer);
  return out;
}

/**
 * Names no legal entity starts with, but a spreadsheet runs as a formula (=cmd|' /C calc'!A0, @SUM…): also after
 * leading whitespace, zero-width characters or double quotes (` =…`, `"=…`), and in the fullwidth forms ＝ ＋ ＠
 * that spreadsheets in East Asian locales take as = + @ — `＝HYPERLINK(…)` passed and reached the CSVs as it was.
 */
const FORMULA_START = /^[\s"\u200B-\u200D\u2060]*[=+@\uFF1D\uFF0B\uFF20]/;
const HAS_LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
/**
 * The ship dates a shipment may carry: 2000-01-01 to 2099-12-31. ERPs write 9999-12-31 (or 0001-01-01) for "no
 * date"; screened as a date, it kept the shipment under monitoring for ever or read it under rules of a year
 * no control existed in. Without a date, send none: the screening date is used and flagged as vague.
 */
export const SHIP_DATE_RANGE = { from: '2000-01-01', to: '2099-12-31' } as const;

/**
 * What a shipment's schema cannot say, checked the same way for a single request and a batch line: a
 * reference or party name or address that starts like a spreadsheet formula, a party name with no letter or
 * digit (blank: nothing to screen against the lists), a ship date outside SHIP_DATE_RANGE, a company
 * incorporated after `today` (UTC, YYYY-MM-DD).
 */
export function shipmentFieldErrors(
  input: { reference?: string; shipDate?: string; parties?: ReadonlyArray<{ name?: string; address?: string; incorporatedOn?: string }> },
  today: string,
): FieldError[] {
  const out: FieldError[] = [];
  const formula = (field: string, v: string | undefined) => {
    if (v && FORMULA_START.test(v)) out.push({ field, in: 'body', message: 'starts like a spreadsheet formula (=, +, @, or ＝ ＋ ＠, also after spaces or quotes); refused' });
  };
  formula('/reference', input.reference);
  if (input.shipDate !== undefined && (input.shipDate < SHIP_DATE_RANGE.from || input.shipDate > SHIP_DATE_RANGE.to)) {
    out.push({ field: '/shipDate', in: 'body', message: `must lie between ${SHIP_DATE_RANGE.from} and ${SHIP_DATE_RANGE.to}; leave it out when it is not known` });
  }
  (input.parties ?? []).forEach((p, i) => {
    formula(`/parties/${i}/name`, p.name);
    formula(`/parties/${i}/address`, p.address);
    if (typeof p.name === 'string' && !HAS_LETTER_OR_DIGIT.test(p.name)) out.push({ field: `/parties/${i}/name`, in: 'body', message: 'must contain a letter or digit' });
    if (p.incorporatedOn !== undefined && p.incorporatedOn > today) out.push({ field: `/parties/${i}/incorporatedOn`, in: 'body', message: 'must not be in the future' });
  });
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
