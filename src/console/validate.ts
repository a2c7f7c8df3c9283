/**
 * The console validates form input against the same TypeBox schemas as the API, and reports
 * failures as the API does: one { field: JSON pointer, message } per failing field.
 */
import { Compile } from 'typebox/compile';
import type { TSchema } from 'typebox';
import { AppError } from '../errors.js';

export type FieldErrors = Array<{ field: string; message: string }>;

const compiled = new WeakMap<TSchema, ReturnType<typeof Compile>>();

/** The value at a JSON pointer of the validated value (undefined when absent). */
function at(value: unknown, pointer: string): unknown {
  let node = value;
  for (const part of pointer.split('/').slice(1)) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/**
 * A form's input left empty is reported as required (people do not read "must not have fewer than 8 characters"
 * or "must be string" as "fill this in"); every other failure keeps the schema's message.
 */
export function validate(schema: TSchema, value: unknown): FieldErrors {
  let c = compiled.get(schema);
  if (!c) {
    c = Compile(schema);
    compiled.set(schema, c);
  }
  if (c.Check(value)) return [];
  const out: FieldErrors = [];
  const seen = new Set<string>();
  for (const e of c.Errors(value)) {
    const params = (e.params ?? {}) as Record<string, unknown>;
    const fields: Array<[string, string]> =
      e.keyword === 'required' && Array.isArray(params.requiredProperties)
        ? (params.requiredProperties as string[]).map((p) => [`${e.instancePath}/${p}`, 'is required'])
        : e.keyword === 'additionalProperties' && Array.isArray(params.additionalProperties)
          ? (params.additionalProperties as string[]).map((p) => [`${e.instancePath}/${p}`, 'is not a known field'])
          : e.keyword === 'boolean'
            ? []
            : [[e.instancePath || '/', e.message]];
    for (const [field, schemaMessage] of fields) {
      if (seen.has(field)) continue;
      const v = field === '/' ? value : at(value, field);
      const message = field !== '/' && (v === '' || (typeof v === 'string' && v.trim() === '')) ? 'is required' : schemaMessage;
      seen.add(field);
      out.push({ field, message });
    }
  }
  return out.slice(0, 50);
}

/** Field errors of a 400 from a service (engine normalisation: unknown country, limits …), else rethrow. */
export function fieldErrorsOf(err: unknown): FieldErrors {
  if (err instanceof AppError && err.status === 400) {
    return err.errors?.length ? err.errors.map((e) => ({ field: e.field, message: e.message })) : [{ field: '/', message: err.message }];
  }
  throw err;
}
