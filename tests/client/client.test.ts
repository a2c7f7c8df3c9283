/**
 * The typed client (clients/typescript): its committed types equal a fresh generation from the
 * committed OpenAPI document (drift fails CI), and it works against the running app over real
 * HTTP for a screening, an idempotent retry, a flag-log query and a 400, and for a batch: a CSV
 * upload typed by the document's requestBody, its results read as NDJSON lines typed BatchResultLine
 * and as CSV — the calls README "Integrating an ERP" shows. `npx tsc --noEmit -p tsconfig.json`
 * type-checks this file (tsconfig includes tests/).
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
    t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: rulesOnly, queueTiming: { pollingIntervalSeconds: 0.5 } });
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

  it('uploads a CSV batch, follows it, and reads its results as typed NDJSON lines and as CSV', async () => {
    const csv = [
      'reference,ship_date,route_origin,route_destination,item_model,item_quantity,buyer_name,buyer_country',
      'SO-CLIENT-1,2026-11-30,US,DE,NVIDIA L4,1,Northwind GmbH,DE',
      'SO-CLIENT-2,2026-11-30,US,CN,NVIDIA H100 SXM5 80GB,8,Bright Harbour Trading Company Limited,CN',
      'SO-CLIENT-3,2026-11-30,US,DE,NVIDIA L4,many,Northwind GmbH,DE',
    ].join('\n');
    // The body is the file as a string: sent as it is (openapi-fetch would JSON-encode it), with its content type.
    const upload = await api.POST('/v1/batches', {
      body: csv,
      bodySerializer: (body) => body,
      headers: { 'content-type': 'text/csv' },
      params: { header: { 'idempotency-key': 'nightly-client-test' } },
    });
    expect(upload.response.status, JSON.stringify(upload.error)).toBe(202);
    const batch = upload.data!;
    expect(batch).toMatchObject({ total: 3, invalid: 1, format: 'csv' });
    expect(upload.response.headers.get('location')).toBe(`/v1/batches/${batch.id}`);

    let state = batch.state;
    for (let i = 0; i < 600 && !['completed', 'failed', 'cancelled'].includes(state); i++) {
      await new Promise((r) => setTimeout(r, 100));
      const progress = await api.GET('/v1/batches/{id}', { params: { path: { id: batch.id } } });
      state = progress.data!.state;
    }
    expect(state).toBe('completed');

    // NDJSON: read as text (openapi-fetch's default would parse the whole body as one JSON document), one line each.
    const ndjson = await api.GET('/v1/batches/{id}/results', { params: { path: { id: batch.id } }, parseAs: 'text' });
    expect(ndjson.response.status).toBe(200);
    expect(ndjson.response.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const lines: Schemas['BatchResultLine'][] = ndjson.data!.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Schemas['BatchResultLine']);
    expect(lines.map((l) => [l.line, l.reference, l.status])).toEqual([
      [2, 'SO-CLIENT-1', 'screened'],
      [3, 'SO-CLIENT-2', 'screened'],
      [4, 'SO-CLIENT-3', 'invalid'],
    ]);
    const [plain, flagged, invalid] = lines as [Schemas['BatchResultLine'], Schemas['BatchResultLine'], Schemas['BatchResultLine']];
    expect(plain).toMatchObject({ errors: [], screeningId: expect.any(String), riskScore: expect.any(Number) });
    expect(plain.ruleset?.hash).toMatch(/\S/);
    // H100s to China: never CLEAR; a licence or worse, with the rule that says so.
    expect(['LICENSE_REQUIRED', 'BLOCK']).toContain(flagged.decision);
    expect(flagged.ruleIds.length).toBeGreaterThan(0);
    // Each screened line is a stored screening the client can read by id.
    const one = await api.GET('/v1/screenings/{id}', { params: { path: { id: flagged.screeningId! } } });
    expect(one.data).toMatchObject({ reference: 'SO-CLIENT-2', decision: flagged.decision, monitoring: null });
    expect(invalid).toMatchObject({ decision: null, screeningId: null, ruleset: null, errors: [expect.objectContaining({ field: 'item_quantity' })] });

    const csvResults = await api.GET('/v1/batches/{id}/results', { params: { path: { id: batch.id }, query: { format: 'csv' } }, parseAs: 'text' });
    const rows = csvResults.data!.trimEnd().split('\r\n');
    expect(rows[0]).toBe('line,reference,status,decision,risk_score,screening_id,rule_ids,ruleset_version,ruleset_hash,errors');
    expect(rows.slice(1).map((r) => r.split(',').slice(0, 3).join(','))).toEqual(['2,SO-CLIENT-1,screened', '3,SO-CLIENT-2,screened', '4,SO-CLIENT-3,invalid']);

    // The same file under the same key: the batch the first upload made.
    const again = await api.POST('/v1/batches', { body: csv, bodySerializer: (body) => body, headers: { 'content-type': 'text/csv' }, params: { header: { 'idempotency-key': 'nightly-client-test' } } });
    expect(again.response.status).toBe(202);
    expect(again.response.headers.get('idempotent-replayed')).toBe('true');
    expect(again.data!.id).toBe(batch.id);
  });
});
