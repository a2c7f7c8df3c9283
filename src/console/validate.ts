/**
 * The console validates form input against the same TypeBox schemas as the API, and reports
 * failures as the API does: one { field: JSON pointer, message } per failing field.
 */
import { Compile } from 'typebox/compile';
import type { TSchema } from 'typebox';
import { AppError } from '../errors.js';

export type FieldErrors = Array<{ field: string; message: string }>;

const compiled = new WeakMap<TSchema, ReturnType<typeof Compile>>();

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
    for (const [field, message] of fields) {
      if (seen.has(field)) continue;
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
