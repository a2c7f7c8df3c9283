/**
 * QA 13, Content-Encoding and page sizes:
 * - POST /v1/batches takes a gzipped upload (Content-Encoding: gzip), decompressed as it arrives: the same
 *   batch as the plain file (same lines, same results, the plain file's sha256); BATCH_MAX_BYTES applies to
 *   the decompressed bytes (a zip bomb is a 413 and nothing is screened) and to the bytes sent (a stream of
 *   empty gzip members, which decompresses to nothing, is a 413 too); broken gzip is a 400 naming gzip;
 *   any other coding is a 415 naming it, with Accept-Encoding.
 * - A gzipped or deflated body on the JSON routes (POST /v1/screenings, POST /v1/classify) is a 415 naming the
 *   coding, not a 400 "not valid UTF-8"; identity is accepted; a bodyless request is not refused for the header.
 * - GET /v1/batches follows LIMIT_MAX_PAGE_SIZE, as the flag log does: 500 is accepted by default, above the
 *   configured cap is a 400 naming it.
 */
import { createHash } from 'node:crypto';
import { deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';

const MAX_BYTES = 256 * 1024;

const shipment = (reference: string, destination = 'DE') => ({
  reference,
  shipDate: '2026-11-30',
  items: [{ model: 'NVIDIA L4', quantity: 1 }],
  route: { origin: 'US', destination },
});

const CSV = [
  'reference,ship_date,route_origin,route_destination,item_model,item_quantity,buyer_name,buyer_country',
  'GZ-1,2026-11-30,US,DE,NVIDIA L4,1,Northwind GmbH,DE',
  'GZ-2,2026-11-30,US,CN,NVIDIA H100 SXM5 80GB,8,Bright Harbour Trading Company Limited,CN',
  'GZ-3,2026-11-30,US,DE,NVIDIA L4,many,Northwind GmbH,DE',
].join('\n');

describe('Content-Encoding on request bodies, and the batch listing page size', () => {
  let t: KeyedTestApp;
  beforeAll(async () => {
    t = await makeKeyedApp(
      { rateLimitPerMinute: 0, batch: { maxBytes: MAX_BYTES } as never },
      { loadRuleset: rulesOnly, sealIntervalMs: 0, queueTiming: { pollingIntervalSeconds: 0.5 } },
    );
  }, 300_000);
  afterAll(async () => t?.close(), 120_000);

  const upload = (payload: Buffer | string, headers: Record<string, string>) =>
    t.app.inject({ method: 'POST', url: '/v1/batches', headers: { ...bearer(t.keys.submitter.key), ...headers }, payload });

  async function waitDone(id: string) {
    for (let i = 0; i < 600; i++) {
      const b = (await t.app.inject({ method: 'GET', url: `/v1/batches/${id}`, headers: bearer(t.keys.submitter.key) })).json();
      if (['completed', 'cancelled', 'failed'].includes(b.state)) return b;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('batch did not finish');
  }

  const resultsOf = async (id: string) => {
    const res = await t.app.inject({ method: 'GET', url: `/v1/batches/${id}/results`, headers: bearer(t.keys.submitter.key) });
    return res.body
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { line: number; reference: string; status: string; decision: string | null; errors: unknown[] });
  };
  const outcome = (lines: Awaited<ReturnType<typeof resultsOf>>) => lines.map((l) => ({ line: l.line, reference: l.reference, status: l.status, decision: l.decision, errors: l.errors }));

  it('a gzipped CSV upload is the same batch as the plain file: same lines and outcomes, the plain file’s sha256', async () => {
    const plain = await upload(CSV, { 'content-type': 'text/csv' });
    expect(plain.statusCode, plain.body).toBe(202);
    const zipped = await upload(gzipSync(Buffer.from(CSV)), { 'content-type': 'text/csv', 'content-encoding': 'gzip' });
    expect(zipped.statusCode, zipped.body).toBe(202);
    expect(zipped.json()).toMatchObject({ total: 3, invalid: 1, lineErrors: [expect.objectContaining({ lineNo: 4, field: 'item_quantity' })] });

    const [a, b] = [await waitDone(plain.json().id), await waitDone(zipped.json().id)];
    expect(b.uploadSha256).toBe(createHash('sha256').update(CSV).digest('hex'));
    expect(b.uploadSha256).toBe(a.uploadSha256);
    expect(b.counts).toEqual(a.counts);
    expect(outcome(await resultsOf(b.id))).toEqual(outcome(await resultsOf(a.id)));
  });

  it('takes x-gzip and an NDJSON body too, and an explicit identity as no coding', async () => {
    const ndjson = [shipment('GZ-N1'), shipment('GZ-N2', 'SG')].map((s) => JSON.stringify(s)).join('\n');
    const xgzip = await upload(gzipSync(Buffer.from(ndjson)), { 'content-type': 'application/x-ndjson', 'content-encoding': 'x-gzip' });
    expect(xgzip.statusCode, xgzip.body).toBe(202);
    expect(xgzip.json()).toMatchObject({ total: 2, invalid: 0 });
    const identity = await upload(ndjson, { 'content-type': 'application/x-ndjson', 'content-encoding': 'identity' });
    expect(identity.statusCode, identity.body).toBe(202);
    expect(identity.json().total).toBe(2);
  });

  it('a zip bomb is a 413 once its decompressed bytes pass BATCH_MAX_BYTES, and nothing of it is screened', async () => {
    // One valid line, then 64 MB of newlines (blank lines, skipped by the reader): about 64 KB compressed.
    const bomb = gzipSync(Buffer.concat([Buffer.from(`${JSON.stringify(shipment('BOMB-1'))}\n`), Buffer.alloc(64 * 1024 * 1024, 0x0a)]), { level: 9 });
    expect(bomb.length).toBeLessThan(MAX_BYTES);
    const res = await upload(bomb, { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' });
    expect(res.statusCode, res.body).toBe(413);
    expect(res.json()).toMatchObject({ status: 413, detail: expect.stringContaining('BATCH_MAX_BYTES') });
    const list = (await t.app.inject({ method: 'GET', url: '/v1/batches?limit=100', headers: bearer(t.keys.submitter.key) })).json() as { items: Array<{ id: string; state: string; screened: number; total: number }> };
    // The batch its first line made is failed, with nothing screened.
    const bombed = list.items.filter((b) => b.state === 'failed');
    expect(bombed.length).toBe(1);
    expect(bombed[0]!.screened).toBe(0);
  });

  it('over a real connection too: the client that sent a zip bomb reads the 413', async () => {
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const bomb = gzipSync(Buffer.concat([Buffer.from(`${JSON.stringify(shipment('BOMB-2'))}\n`), Buffer.alloc(32 * 1024 * 1024, 0x0a)]), { level: 9 });
    const res = await fetch(`${address}/v1/batches`, {
      method: 'POST',
      headers: { ...bearer(t.keys.submitter.key), 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' },
      body: bomb,
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { detail: string }).detail).toContain('BATCH_MAX_BYTES');
  });

  it('the bytes sent count too: gzip that decompresses to nothing, past BATCH_MAX_BYTES, is a 413', async () => {
    const empty = gzipSync(Buffer.alloc(0));
    const members = Buffer.concat(Array.from({ length: Math.ceil((MAX_BYTES + 1) / empty.length) + 1 }, () => empty));
    expect(members.length).toBeGreaterThan(MAX_BYTES);
    const res = await upload(members, { 'content-type': 'text/csv', 'content-encoding': 'gzip' });
    expect(res.statusCode, res.body).toBe(413);
    expect(res.json().detail).toContain('BATCH_MAX_BYTES');
  });

  it('broken gzip is a 400 naming gzip; another coding is a 415 naming it, with Accept-Encoding', async () => {
    const broken = await upload(Buffer.from(CSV), { 'content-type': 'text/csv', 'content-encoding': 'gzip' });
    expect(broken.statusCode, broken.body).toBe(400);
    expect(broken.json()).toMatchObject({ type: 'urn:chokepoint:problem:validation', detail: expect.stringMatching(/not valid gzip/) });
    const cut = gzipSync(Buffer.from(CSV));
    const truncated = await upload(cut.subarray(0, cut.length - 12), { 'content-type': 'text/csv', 'content-encoding': 'gzip' });
    expect(truncated.statusCode, truncated.body).toBe(400);

    for (const coding of ['br', 'deflate', 'gzip, gzip']) {
      const res = await upload(Buffer.from(CSV), { 'content-type': 'text/csv', 'content-encoding': coding });
      expect(res.statusCode, `${coding}: ${res.body}`).toBe(415);
      expect(res.json()).toMatchObject({ status: 415, type: 'urn:chokepoint:problem:unsupported-media-type', detail: expect.stringContaining(`"${coding}"`) });
      expect(res.headers['accept-encoding']).toBe('gzip, x-gzip, identity');
    }
  });

  it('a compressed body on the JSON routes is a 415 naming the coding, not a 400 "not valid UTF-8"', async () => {
    const body = JSON.stringify(shipment('ENC-1'));
    for (const [coding, payload] of [
      ['gzip', gzipSync(Buffer.from(body))],
      ['deflate', deflateSync(Buffer.from(body))],
      ['br', Buffer.from(body)],
    ] as const) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/screenings',
        headers: { ...bearer(t.keys.submitter.key), 'content-type': 'application/json', 'content-encoding': coding },
        payload,
      });
      expect(res.statusCode, `${coding}: ${res.body}`).toBe(415);
      expect(res.json().detail).toContain(`"${coding}"`);
      expect(res.headers['accept-encoding']).toBe('identity');
    }
    const classify = await t.app.inject({
      method: 'POST',
      url: '/v1/classify',
      headers: { ...bearer(t.keys.submitter.key), 'content-type': 'application/json', 'content-encoding': 'gzip' },
      payload: gzipSync(Buffer.from(JSON.stringify({ items: [{ model: 'NVIDIA L4', quantity: 1 }] }))),
    });
    expect(classify.statusCode).toBe(415);
    // Every other route too (the guard is global; only the batch upload decodes gzip): an API key, a disposition.
    const key = await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: { ...bearer(t.keys.admin.key), 'content-type': 'application/json', 'content-encoding': 'gzip' },
      payload: gzipSync(Buffer.from(JSON.stringify({ name: 'gz', role: 'submitter' }))),
    });
    expect(key.statusCode, key.body).toBe(415);
    expect(key.json().detail).toContain('"gzip"');
    // Nothing was stored under that reference.
    const page = (await t.app.inject({ method: 'GET', url: '/v1/screenings?reference=ENC-1', headers: bearer(t.keys.submitter.key) })).json();
    expect(page.items).toEqual([]);

    const identity = await t.app.inject({
      method: 'POST',
      url: '/v1/screenings',
      headers: { ...bearer(t.keys.submitter.key), 'content-type': 'application/json', 'content-encoding': 'identity' },
      payload: body,
    });
    expect(identity.statusCode, identity.body).toBe(201);
    // A request without a body has nothing encoded: the header alone refuses nothing.
    const read = await t.app.inject({ method: 'GET', url: `/v1/screenings/${identity.json().id}`, headers: { ...bearer(t.keys.submitter.key), 'content-encoding': 'gzip' } });
    expect(read.statusCode).toBe(200);
  });

  it('GET /v1/batches takes a page of LIMIT_MAX_PAGE_SIZE (500), as the flag log does, and refuses more naming the cap', async () => {
    const at500 = await t.app.inject({ method: 'GET', url: '/v1/batches?limit=500', headers: bearer(t.keys.auditor.key) });
    expect(at500.statusCode, at500.body).toBe(200);
    const screenings500 = await t.app.inject({ method: 'GET', url: '/v1/screenings?limit=500', headers: bearer(t.keys.auditor.key) });
    expect(screenings500.statusCode).toBe(200);
    const over = await t.app.inject({ method: 'GET', url: '/v1/batches?limit=501', headers: bearer(t.keys.auditor.key) });
    expect(over.statusCode).toBe(400);
    expect(over.json().errors).toEqual([{ field: '/limit', in: 'query', message: 'must be at most 500 (LIMIT_MAX_PAGE_SIZE)' }]);
    // The same message as the flag log's.
    const screeningsOver = await t.app.inject({ method: 'GET', url: '/v1/screenings?limit=501', headers: bearer(t.keys.auditor.key) });
    expect(screeningsOver.json().errors).toEqual(over.json().errors);
  });
});

describe('a lower LIMIT_MAX_PAGE_SIZE caps the batch listing too', () => {
  let t: KeyedTestApp;
  beforeAll(async () => {
    t = await makeKeyedApp({ rateLimitPerMinute: 0, limits: { maxPageSize: 10 } as never }, { loadRuleset: rulesOnly, sealIntervalMs: 0 });
  }, 300_000);
  afterAll(async () => t?.close(), 120_000);

  it('refuses a page above it, and pages at most that many by default', async () => {
    const over = await t.app.inject({ method: 'GET', url: '/v1/batches?limit=11', headers: bearer(t.keys.auditor.key) });
    expect(over.statusCode).toBe(400);
    expect(over.json().detail).toContain('at most 10');
    const at = await t.app.inject({ method: 'GET', url: '/v1/batches?limit=10', headers: bearer(t.keys.auditor.key) });
    expect(at.statusCode).toBe(200);
    const byDefault = await t.app.inject({ method: 'GET', url: '/v1/batches', headers: bearer(t.keys.auditor.key) });
    expect(byDefault.statusCode).toBe(200);
    // The screening listing too: no `limit` pages at the cap instead of refusing a default of 50.
    const screenings = await t.app.inject({ method: 'GET', url: '/v1/screenings', headers: bearer(t.keys.auditor.key) });
    expect(screenings.statusCode, screenings.body).toBe(200);
  });
});
