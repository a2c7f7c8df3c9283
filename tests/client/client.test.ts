/**
 * The typed client (clients/typescript): its committed types equal a fresh generation from the
 * committed OpenAPI document (drift fails CI), and it works against the running app over real
 * HTTP for a screening, an idempotent retry, a flag-log query and a 400.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChokepointClient, type ChokepointClient, type Schemas } from '../../clients/typescript/index.js';
import { generateClientTypes, OPENAPI_FILE, TYPES_FILE } from '../../clients/typescript/generate.js';
import { makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';

describe('clients/typescript/schema.d.ts', () => {
  it('is what openapi-typescript generates from openapi/openapi.json (run `npm run openapi`)', async () => {
    const fresh = await generateClientTypes(JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')));
    expect(readFileSync(TYPES_FILE, 'utf8')).toBe(fresh);
  });
});

describe('the typed client against the running app', () => {
  let t: KeyedTestApp;
  let api: ChokepointClient;
  beforeAll(async () => {
    t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: rulesOnly });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as AddressInfo;
    api = createChokepointClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: t.keys.submitter.key });
  });
  afterAll(() => t.close());

  const shipment: Schemas['Shipment'] = {
    reference: 'PO-4500012345',
    shipDate: '2026-11-30',
    items: [{ model: 'NVIDIA H800 SXM5 80GB', quantity: 16 }],
    parties: [{ role: 'buyer', name: 'Bright Harbour Trading Company Limited', country: 'HK' }],
    route: { origin: 'US', via: ['HK'], destination: 'CN' },
  };

  it('screens, retries with the same Idempotency-Key, finds it in the flag log', async () => {
    const key = 'PO-4500012345-10';
    const first = await api.POST('/v1/screenings', { body: shipment, params: { header: { 'idempotency-key': key } } });
    expect(first.response.status).toBe(201);
    const screening = first.data!;
    expect(['REVIEW', 'LICENSE_REQUIRED', 'BLOCK']).toContain(screening.decision);
    expect(screening.flags.every((f) => typeof f.citation === 'string')).toBe(true);

    const retry = await api.POST('/v1/screenings', { body: shipment, params: { header: { 'idempotency-key': key } } });
    expect(retry.response.status).toBe(201);
    expect(retry.response.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.data!.id).toBe(screening.id);

    const page = await api.GET('/v1/screenings', { params: { query: { reference: 'PO-4500012345', decision: [screening.decision] } } });
    expect(page.response.status).toBe(200);
    expect(page.data!.items.map((i) => i.id)).toEqual([screening.id]);

    const one = await api.GET('/v1/screenings/{id}', { params: { path: { id: screening.id } } });
    expect(one.data!.dispositions).toEqual([]);
  });

  it('returns the problem+json of a 400, naming the field', async () => {
    const bad = await api.POST('/v1/screenings', { body: { ...shipment, route: { destination: 'Atlantis' } } });
    expect(bad.response.status).toBe(400);
    expect(bad.data).toBeUndefined();
    expect(bad.error).toMatchObject({ status: 400, type: 'urn:chokepoint:problem:validation' });
    expect(bad.error!.errors?.[0]).toMatchObject({ field: '/route/destination', in: 'body' });
  });
});
