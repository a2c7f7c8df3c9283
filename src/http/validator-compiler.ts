/**
 * Request validation with type coercion where HTTP carries only text, and none where the client sent
 * typed JSON. A query string or a path parameter is text: `?limit=50` must become the number 50. A
 * JSON body is typed: with coercion on (Fastify's default, for every part), `"quantity": "0x10"` was
 * stored as 16, `true` as 1, `"unitPriceUsd": null` as a price of $0 and `"newCustomer": 1` as true —
 * a shipment screened and sealed as something the ERP never sent, and not what a batch line with the
 * same values gets (it is refused). Bodies are therefore validated strictly: the wrong type is a 400
 * naming the field.
 */
import { createRequire } from 'node:module';

type Validator = ((data: unknown) => boolean) & { errors?: unknown };
type RouteDefinition = { schema: unknown; method: string; url: string; httpPart?: string };
type ValidatorCompiler = (route: RouteDefinition) => Validator;
type ValidatorFactory = (externalSchemas: unknown, options: { customOptions: Record<string, unknown> } & Record<string, unknown>) => ValidatorCompiler;

// The compiler Fastify itself uses by default (its own dependency, resolved from Fastify's folder).
const fastifyRequire = createRequire(createRequire(import.meta.url).resolve('fastify'));
const { AjvCompiler } = fastifyRequire('@fastify/ajv-compiler') as { AjvCompiler: () => ValidatorFactory };

/** A `compilersFactory.buildValidator`: the configured Ajv options for every part, with `coerceTypes: false` for bodies. */
export function partAwareValidatorFactory(): ValidatorFactory {
  const coercing = AjvCompiler();
  const strict = AjvCompiler();
  return (externalSchemas, options) => {
    const forText = coercing(externalSchemas, options);
    const forBody = strict(externalSchemas, { ...options, customOptions: { ...options.customOptions, coerceTypes: false } });
    return (route) => (route.httpPart === 'body' ? forBody(route) : forText(route));
  };
}
