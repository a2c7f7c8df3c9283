/**
 * Idioms that make the OpenAPI document fit for client generators while keeping TypeBox the single
 * source of types: string enums as `{ type: 'string', enum: [...] }` (not an anyOf of constants,
 * which generators turn into clumsy unions and Ajv reports as "must be equal to constant"), and
 * named component schemas referenced by `$ref`, still typed.
 */
import { Type, type Static, type TSchema } from 'typebox';

/** `{ type: 'string', enum: values }`, typed as the union of the values. */
export function stringEnum<const T extends readonly string[]>(values: T, options: Record<string, unknown> = {}) {
  return Type.Unsafe<T[number]>({ ...options, type: 'string', enum: [...values] });
}

/**
 * A `$ref` to a named schema (one with an `$id`, registered with the app by the openapi plugin's
 * component list), typed as that schema. Fastify resolves it for validation and serialization,
 * and @fastify/swagger emits `#/components/schemas/<$id>`.
 */
export function ref<S extends TSchema & { $id?: string }>(schema: S) {
  const id = (schema as { $id?: unknown }).$id;
  if (typeof id !== 'string') throw new Error('ref(): the schema has no $id');
  return Type.Unsafe<Static<S>>(Type.Ref(id));
}
