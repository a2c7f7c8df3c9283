/**
 * A disposition sent twice is recorded once: the API's Idempotency-Key, and the console form's token
 * (a double click on "Record disposition"). The same key with another disposition records nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';

const shipment = (reference: string) => ({
  reference,
  shipDate: '2099-03-01',
  items: [{ model: 'NVIDIA H100 SXM5 80GB', quantity: 8 }],
  parties: [
    { role: 'buyer', name: 'Harmless Widgets Ltd', country: 'GB' },
    { role: 'end_user', name: 'Harmless Widgets Ltd', country: 'GB' },
  ],
  route: { origin: 'US', destination: 'GB' },
  endUse: 'commercial data centre for hosted inference',
});

describe('dispositions sent twice', () => {
  let t: KeyedTestApp;
  beforeAll(async () => {
    t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { sealIntervalMs: 0 });
  });
  afterAll(async () => t?.close());

  const screen = async (reference: string) => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/screenings', headers: bearer(t.keys.submitter.key), payload: shipment(reference) });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };
  const dispose = (id: string, payload: object, key: string | null, apiKey = t.keys.reviewer.key) =>
    t.app.inject({ method: 'POST', url: `/v1/screenings/${id}/dispositions`, headers: { ...bearer(apiKey), ...(key ? { 'idempotency-key': key } : {}) }, payload });
  const history = async (id: string) =>
    (await t.app.inject({ method: 'GET', url: `/v1/screenings/${id}/dispositions`, headers: bearer(t.keys.auditor.key) })).json().items as Array<{ id: string; action: string }>;

  it('through the API: the same key and disposition return the one recorded; another disposition under it is a 409', async () => {
    const id = await screen('DI-API');
    const body = { action: 'escalated', justification: 'needs the trade team' };
    const first = await dispose(id, body, 'ticket-4711');
    expect(first.statusCode, first.body).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await dispose(id, body, 'ticket-4711');
    expect(again.statusCode, again.body).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    const other = await dispose(id, { action: 'cleared', justification: 'needs the trade team' }, 'ticket-4711');
    expect(other.statusCode).toBe(409);
    expect(other.json().type).toBe('urn:chokepoint:problem:idempotency-conflict');
    // Another screening under the same key is another disposition too.
    const elsewhere = await dispose(await screen('DI-API-2'), body, 'ticket-4711');
    expect(elsewhere.statusCode).toBe(409);
    // Keys are per API key; without a key each request records one.
    expect((await dispose(id, body, 'ticket-4711', t.keys.admin.key)).headers['idempotent-replayed']).toBeUndefined();
    await dispose(id, body, null);
    await dispose(id, body, null);
    expect((await history(id)).map((d) => d.action)).toEqual(['escalated', 'escalated', 'escalated', 'escalated']);
    const bad = await dispose(id, body, 'has space');
    expect(bad.statusCode).toBe(400);
  });

  it('two requests with one key at the same moment record one disposition', async () => {
    const id = await screen('DI-RACE');
    const body = { action: 'escalated', justification: 'double click' };
    const both = await Promise.all([dispose(id, body, 'race-1'), dispose(id, body, 'race-1'), dispose(id, body, 'race-1')]);
    expect(both.map((r) => r.statusCode)).toEqual([201, 201, 201]);
    expect(new Set(both.map((r) => r.json().id)).size).toBe(1);
    expect(await history(id)).toHaveLength(1);
  });

  it('the console form: a double click records one disposition; the form reused for other values records nothing and says so', async () => {
    const id = await screen('DI-FORM');
    const headers = { ...bearer(t.keys.reviewer.key), accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' };
    const page = await t.app.inject({ method: 'GET', url: `/screenings/${id}`, headers });
    const once = /<form method="post" action="\/screenings\/[^"]+\/dispositions"[^]*?name="_once" value="([0-9a-f-]{36})"/.exec(page.body)?.[1];
    expect(once).toBeDefined();
    const post = (fields: Record<string, string>) => t.app.inject({ method: 'POST', url: `/screenings/${id}/dispositions`, headers, payload: new URLSearchParams(fields).toString() });
    const fields = { _once: once!, action: 'escalated', justification: 'to the trade team' };
    expect((await post(fields)).statusCode).toBe(303);
    expect((await post(fields)).statusCode).toBe(303);
    expect(await history(id)).toHaveLength(1);
    const reused = await post({ ...fields, action: 'cleared' });
    expect(reused.statusCode).toBe(400);
    expect(reused.body).toContain('this form was already used for another disposition');
    expect(reused.body).not.toContain(`value="${once}"`);
    expect(await history(id)).toHaveLength(1);
    // Refused fields: the form comes back with its token, nothing recorded.
    const blank = await t.app.inject({ method: 'GET', url: `/screenings/${id}`, headers });
    const next = /name="_once" value="([0-9a-f-]{36})"/.exec(blank.body)![1]!;
    const refused = await post({ _once: next, action: 'escalated', justification: '   ' });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain(`name="_once" value="${next}"`);
    expect(await history(id)).toHaveLength(1);
  });
});
