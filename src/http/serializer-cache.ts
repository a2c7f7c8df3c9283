/**
 * Fastify compiles a response serializer (fast-json-stringify) for every route × status code at
 * start-up, and each compilation re-validates every shared component schema against the JSON
 * Schema meta-schema. This app declares 482 of them, 411 of which are the same `{ $ref: 'Problem' }`
 * and only 31 differ: that was ~1.3 s of CPU at every start and 482 generated functions kept for
 * the process's life. A serializer is a pure function of the response schema, the shared schemas
 * and the serializer options, so one compiled serializer is reused for every route whose schema is
 * the same JSON, and each build is given only the shared schemas its schema refers to. Everything
 * is still compiled before the app is ready: a schema fast-json-stringify refuses still stops the
 * start, as before.
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
    const shared = (externalSchemas ?? {}) as Record<string, unknown>;
    const context = JSON.stringify(options ?? null);
    const subsets = new Map<string, { compile: SerializerCompiler; json: string }>();
    return (route) => {
      // fast-json-stringify validates every shared schema it is given on every build: give it only
      // the ones this schema refers to (all of them when a reference is not a plain shared id).
      const needed = referencedSchemas(route.schema, shared);
      const subsetKey = needed ? [...needed].sort().join('\u0000') : '*';
      let subset = subsets.get(subsetKey);
      if (!subset) {
        const schemas = needed ? Object.fromEntries([...needed].sort().map((id) => [id, shared[id]])) : shared;
        subset = { compile: build(schemas, options), json: JSON.stringify(schemas) };
        subsets.set(subsetKey, subset);
      }
      const key = `${context}\u0000${subset.json}\u0000${JSON.stringify(route.schema ?? null)}`;
      let fn = compiled.get(key);
      if (!fn) {
        fn = subset.compile(route);
        compiled.set(key, fn);
      }
      return fn;
    };
  };
}

/** The ids of the shared schemas `schema` refers to, directly or through them; null if any `$ref` is not one. */
function referencedSchemas(schema: unknown, shared: Record<string, unknown>): Set<string> | null {
  const found = new Set<string>();
  const stack: unknown[] = [schema];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      stack.push(...node);
      continue;
    }
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') {
        const id = v.split('#')[0]!;
        if (id === '') continue; // within the same schema
        if (!Object.hasOwn(shared, id)) return null;
        if (!found.has(id)) {
          found.add(id);
          stack.push(shared[id]);
        }
      } else {
        stack.push(v);
      }
    }
  }
  return found;
}
