/**
 * Fastify compiles a response serializer (fast-json-stringify) for every route × status code at
 * start-up, and each compilation re-validates every shared component schema against the JSON
 * Schema meta-schema. This app declares 482 of them, 411 of which are the same `{ $ref: 'Problem' }`
 * and only 31 differ: that was ~1.3 s of CPU at every start and 482 generated functions kept for
 * the process's life. A serializer is a pure function of the response schema, the shared schemas
 * and the serializer options, so one compiled serializer is reused for every route whose schema is
 * the same JSON. Everything is still compiled before the app is ready: a schema fast-json-stringify
 * refuses still stops the start, as before.
 */
import { createRequire } from 'node:module';

type Serializer = (doc: unknown) => string;
type RouteDefinition = { schema?: unknown; method: string; url: string; httpStatus: string; contentType?: string };
type SerializerCompiler = (route: RouteDefinition) => Serializer;
type SerializerFactory = (externalSchemas?: unknown, options?: unknown) => SerializerCompiler;

// The compiler Fastify itself uses by default (its own dependency, resolved from Fastify's folder).
const fastifyRequire = createRequire(createRequire(import.meta.url).resolve('fastify'));
const defaultFactory = fastifyRequire('@fastify/fast-json-stringify-compiler') as { SerializerSelector: () => SerializerFactory };

/** A `compilersFactory.buildSerializer` that compiles each distinct response schema once per app. */
export function sharedSerializerFactory(): SerializerFactory {
  const build = defaultFactory.SerializerSelector();
  const compiled = new Map<string, Serializer>();
  return (externalSchemas, options) => {
    const compile = build(externalSchemas, options);
    const context = JSON.stringify([externalSchemas ?? null, options ?? null]);
    return (route) => {
      const key = `${context}\u0000${JSON.stringify(route.schema ?? null)}`;
      let fn = compiled.get(key);
      if (!fn) {
        fn = compile(route);
        compiled.set(key, fn);
      }
      return fn;
    };
  };
}
