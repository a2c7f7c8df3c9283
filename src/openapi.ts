/**
 * Builds the app on in-memory storage with the rule table (no party lists needed), only to read the generated
 * OpenAPI document (`npm run openapi` writes it to openapi/openapi.json; tests/http/openapi.test.ts fails when
 * the committed one drifts). Adds what no route declares: the OpenAPI 3.1 `webhooks` section — the messages the
 * service POSTs to registered endpoints, whose bodies are the named components WebhookScreeningFlagged,
 * WebhookBatchCompleted and WebhookScreeningChanged (src/http/schemas/webhook-events.ts).
 */
import { buildApp } from './app.js';
import { testConfig } from './config.js';
import { loadRuleset } from './rules/index.js';
import { openapiWebhooks } from './http/schemas/webhook-events.js';

/** The generated document with the `webhooks` section (a new object: the app's cached document is left as it is). */
export function completeOpenApi(doc: unknown): Record<string, unknown> {
  return { ...(doc as Record<string, unknown>), webhooks: openapiWebhooks() };
}

export async function generateOpenApi(): Promise<unknown> {
  const config = testConfig();
  const app = await buildApp({ config, loadRuleset: () => loadRuleset(config.rulesDir) });
  try {
    return completeOpenApi(app.swagger());
  } finally {
    await app.close();
  }
}
