import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateOpenApi } from '../../src/openapi.js';

describe('openapi/openapi.json', () => {
  it('is what the app generates (run `npm run openapi` after changing a route schema)', async () => {
    const committed = JSON.parse(readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8'));
    const generated = JSON.parse(JSON.stringify(await generateOpenApi()));
    expect(generated).toEqual(committed);
  });

  it('declares problem+json error responses', async () => {
    const doc = (await generateOpenApi()) as { components: { schemas: Record<string, unknown> } };
    expect(doc.components.schemas).toHaveProperty('Problem');
  });
});
