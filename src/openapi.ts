/** Builds the app on in-memory storage with the rule table (no party lists needed), only to read the generated OpenAPI document. */
import { buildApp } from './app.js';
import { testConfig } from './config.js';
import { loadRuleset } from './rules/index.js';

export async function generateOpenApi(): Promise<unknown> {
  const config = testConfig();
  const app = await buildApp({ config, loadRuleset: () => loadRuleset(config.rulesDir) });
  try {
    return app.swagger();
  } finally {
    await app.close();
  }
}
