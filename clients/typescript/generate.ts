/**
 * Generates the client's types (schema.d.ts) from the OpenAPI document with openapi-typescript.
 * `npm run client:generate` writes them; tests/client/client.test.ts fails when the committed file
 * differs from a fresh generation, so a route change without a regenerated client fails CI.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';

export const OPENAPI_FILE = fileURLToPath(new URL('../../openapi/openapi.json', import.meta.url));
export const TYPES_FILE = fileURLToPath(new URL('./schema.d.ts', import.meta.url));

export async function generateClientTypes(document: unknown): Promise<string> {
  const ast = await openapiTS(document as Parameters<typeof openapiTS>[0], { alphabetize: false });
  return COMMENT_HEADER + astToString(ast);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const doc = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as unknown;
  writeFileSync(TYPES_FILE, await generateClientTypes(doc));
  console.log(`wrote ${TYPES_FILE}`);
}
