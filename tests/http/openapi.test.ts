import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateOpenApi } from '../../src/openapi.js';

// Building the whole app (every route's schema) takes minutes on 2 busy cores, not the default 2.
describe('openapi/openapi.json', { timeout: 600_000 }, () => {
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

describe('the document is fit for client generators', () => {
  type Doc = { servers?: unknown[]; paths: Record<string, Record<string, { operationId?: string }>>; components: { schemas: Record<string, unknown> } };
  const committed = () => JSON.parse(readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8')) as Doc;

  it('gives every operation a unique camelCase operationId', () => {
    const ops = Object.entries(committed().paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ at: `${method.toUpperCase()} ${path}`, id: op.operationId })));
    expect(ops.length).toBeGreaterThan(20);
    expect(ops.filter((o) => !o.id || !/^[a-z][A-Za-z]+$/.test(o.id)).map((o) => o.at)).toEqual([]);
    expect(new Set(ops.map((o) => o.id)).size).toBe(ops.length);
  });

  it('names the main request and response schemas as components', () => {
    expect(Object.keys(committed().components.schemas)).toEqual(
      expect.arrayContaining(['Problem', 'Shipment', 'ScreeningResult', 'StoredScreening', 'ScreeningPage', 'Disposition', 'ApiKeyCreated', 'WebhookEndpoint', 'WebhookDelivery']),
    );
    const post = committed().paths['/v1/screenings']!.post as unknown as { requestBody: { content: Record<string, { schema: unknown }> } };
    expect(post.requestBody.content['application/json']!.schema).toEqual({ $ref: '#/components/schemas/Shipment' });
  });

  it('writes enums as { type: string, enum } and never as an anyOf of constants', () => {
    const anyOfConst: string[] = [];
    const walk = (node: unknown, at: string) => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${at}/${i}`));
      if (!node || typeof node !== 'object') return;
      const o = node as Record<string, unknown>;
      if (Array.isArray(o.anyOf) && o.anyOf.some((m) => m && typeof m === 'object' && 'const' in m)) anyOfConst.push(at);
      for (const [k, v] of Object.entries(o)) walk(v, `${at}/${k}`);
    };
    const doc = committed();
    walk(doc, '');
    expect(anyOfConst).toEqual([]);
    const decision = (doc.components.schemas.ScreeningResult as { properties: Record<string, unknown> }).properties.decision;
    expect(decision).toMatchObject({ type: 'string', enum: ['CLEAR', 'REVIEW', 'LICENSE_REQUIRED', 'BLOCK'] });
  });

  it('lists servers', () => {
    expect(committed().servers?.length).toBeGreaterThan(0);
  });
});
