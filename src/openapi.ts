/** Builds the app on in-memory storage with a placeholder ruleset, only to read the generated OpenAPI document. */
import { buildApp } from './app.js';
import { testConfig } from './config.js';

export async function generateOpenApi(): Promise<unknown> {
  const app = await buildApp({
    config: testConfig(),
    loadRuleset: async () => ({ version: 'openapi', hash: 'sha256:openapi' }),
  });
  try {
    return app.swagger();
  } finally {
    await app.close();
  }
}
