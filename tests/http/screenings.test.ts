/**
 * The screening API end to end on the real app and the shipped rule table and lists: the issue's
 * "done when" shipments, persistence before reply, idempotent retries, and 4xx for bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { withLists } from '../helpers/ruleset.js';

const deepseek = {
  reference: 'SO-DS-1',
  shipDate: '2026-11-30',
  items: [{ model: 'NVIDIA H800 SXM5 80GB', quantity: 2000, unitPriceUsd: 30000 }],
  parties: [{ role: 'buyer', name: 'Bright Harbour Trading Company Limited', country: 'Hong Kong', businessType: 'trading' }],
  route: { origin: 'US', via: ['HK'], destination: 'CN' },
  endUse: 'AI model training',
};

const frenchCloud = {
  reference: 'SO-FR-1',
  shipDate: '2026-11-30',
  items: [{ model: 'NVIDIA H100 SXM5 80GB', quantity: 64 }],
  parties: [
    { role: 'buyer', name: 'Nuage Calcul SAS', country: 'FR', incorporatedOn: '2012-01-01', businessType: 'cloud' },
    { role: 'ultimate_consignee', name: 'Nuage Calcul SAS', country: 'FR' },
    { role: 'end_user', name: 'Nuage Calcul SAS', country: 'FR' },
  ],
  route: { origin: 'US', destination: 'FRA' },
  endUse: 'Public cloud GPU instances',
};

describe('POST /v1/screenings', () => {
  let t: KeyedTestApp;
  let auth: Record<string, string>;
  beforeAll(async () => {
    t = await makeKeyedApp({}, { loadRuleset: withLists });
    auth = bearer(t.keys.submitter.key);
  });
  afterAll(() => t.close());

  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: '/v1/screenings', headers: { ...auth, ...headers }, payload: payload as object });

  it('DeepSeek-style H800 order through Hong Kong to China needs a licence, with cited destination and route flags', async () => {
    const res = await post(deepseek);
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.decision).toBe('LICENSE_REQUIRED');
    expect(body.items[0]).toMatchObject({ eccn: '3A090.a', basis: 'catalog', licenseRequired: true });
    const destination = body.flags.filter((f: { category: string; severity: string }) => f.category === 'destination' && f.severity !== 'info');
    const route = body.flags.filter((f: { category: string; severity: string }) => f.category === 'route' && f.severity !== 'info');
    expect(destination.length).toBeGreaterThan(0);
    expect(route.length).toBeGreaterThan(0);
    for (const f of [...destination, ...route]) expect(f.citation).toMatch(/15 CFR/);
    expect(body.ruleset.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(res.headers.location).toBe(`/v1/screenings/${body.id}`);
  });

  it('an H100 order to a French cloud is CLEAR and still lists the checks performed', async () => {
    const res = await post(frenchCloud);
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.decision).toBe('CLEAR');
    expect(body.flags.length).toBeGreaterThan(0);
    expect(body.flags.every((f: { severity: string }) => f.severity === 'info')).toBe(true);
  });

  it('the flag log keeps the checks apart: the category filter finds what was raised, not what was checked', async () => {
    const log = async (qs: string) => {
      const res = await t.app.inject({ method: 'GET', url: `/v1/screenings?${qs}`, headers: bearer(t.keys.auditor.key) });
      expect(res.statusCode, res.body).toBe(200);
      return res.json().items as Array<{ reference: string; flagCategories: string[]; raisedCategories: string[] }>;
    };
    const [fr] = await log('reference=SO-FR-1');
    expect(fr?.flagCategories).toContain('party'); // its list check
    expect(fr?.raisedCategories).toEqual([]);
    const [ds] = await log('reference=SO-DS-1');
    expect(ds?.raisedCategories).toEqual(expect.arrayContaining(['destination', 'route']));
    expect(await log('reference=SO-FR-1&category=party')).toEqual([]);
    expect((await log('reference=SO-DS-1&category=route')).map((i) => i.reference)).toEqual(['SO-DS-1']);
  });

  it('anything to Cuba is BLOCK', async () => {
    const res = await post({ reference: 'SO-CU-1', items: [{ model: 'Dell Latitude laptop', quantity: 1 }], route: { destination: 'Cuba' } });
    expect(res.statusCode).toBe(201);
    expect(res.json().decision).toBe('BLOCK');
  });

  it('stores the screening before replying: GET returns the identical result', async () => {
    const created = (await post({ ...deepseek, reference: 'SO-DS-2' })).json();
    const fetched = await t.app.inject({ method: 'GET', url: `/v1/screenings/${created.id}`, headers: auth });
    expect(fetched.statusCode).toBe(200);
    const { dispositions, shipment, screenedBy, monitoring, ...stored } = fetched.json();
    expect(stored).toEqual(created);
    expect(monitoring).toBeNull(); // no monitoring run has changed it
    expect(dispositions).toEqual([]);
    // What was screened comes back with the result, as submitted.
    expect(shipment).toEqual({ ...deepseek, reference: 'SO-DS-2' });
    expect(screenedBy).toMatchObject({ keyId: t.keys.submitter.id });
    const d = await t.app.inject({
      method: 'POST',
      url: `/v1/screenings/${created.id}/dispositions`,
      headers: bearer(t.keys.reviewer.key),
      payload: { action: 'license_applied', justification: 'BIS licence application filed' },
    });
    expect(d.statusCode).toBe(201);
    const again = (await t.app.inject({ method: 'GET', url: `/v1/screenings/${created.id}`, headers: auth })).json();
    expect(again.dispositions).toEqual([expect.objectContaining({ action: 'license_applied', by: t.keys.reviewer.id })]);
  });

  it('sends the bytes it stored: the response is the stored result, serialised once, with nothing the schema does not name', async () => {
    const res = await post({ ...deepseek, reference: 'SO-DS-BYTES' });
    expect(res.statusCode).toBe(201);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const sent = JSON.parse(res.body);
    const { sql } = await import('drizzle-orm');
    const rows = (await t.app.database.db.execute(sql`select result, request from screenings where id = ${sent.id}`)) as unknown as { rows?: Array<{ result: unknown; request: unknown }> } & Array<{ result: unknown; request: unknown }>;
    const row = (rows.rows ?? rows)[0]!;
    expect(row.result).toEqual(sent);
    expect(row.request).toEqual({ ...deepseek, reference: 'SO-DS-BYTES' });
    // The same result through the response schema (what a replay sends) loses nothing and adds nothing.
    const replay = await post({ ...deepseek, reference: 'SO-DS-BYTES' }, { 'idempotency-key': 'bytes-1' });
    const replayed = await post({ ...deepseek, reference: 'SO-DS-BYTES' }, { 'idempotency-key': 'bytes-1' });
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.json()).toEqual(JSON.parse(replay.body));
  });

  it('an Idempotency-Key retry returns the stored result; another body with the same key is a 409', async () => {
    const key = { 'idempotency-key': 'erp-order-777-attempt' };
    const first = await post({ ...frenchCloud, reference: 'SO-IDEM' }, key);
    const again = await post({ ...frenchCloud, reference: 'SO-IDEM' }, key);
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    const other = await post({ ...frenchCloud, reference: 'SO-IDEM-OTHER' }, key);
    expect(other.statusCode).toBe(409);
    expect(other.headers['content-type']).toMatch(/problem\+json/);
  });

  it('concurrent retries with one Idempotency-Key store one screening', async () => {
    const key = { 'idempotency-key': 'erp-concurrent-1' };
    const results = await Promise.all(Array.from({ length: 8 }, () => post({ ...frenchCloud, reference: 'SO-CONC' }, key)));
    expect(results.map((r) => r.statusCode)).toEqual(Array(8).fill(201));
    expect(new Set(results.map((r) => r.json().id)).size).toBe(1);
  });

  it('is deterministic: the same request twice differs only in id and time', async () => {
    const a = (await post(deepseek)).json();
    const b = (await post(deepseek)).json();
    expect(a.id).not.toBe(b.id);
    const strip = ({ id: _i, screenedAt: _t, ...rest }: Record<string, unknown>) => rest;
    expect(strip(b)).toEqual(strip(a));
  });

  it('replays a stored screening to the identical result under the same ruleset, storing nothing', async () => {
    const created = (await post({ ...deepseek, reference: 'SO-REPLAY' })).json();
    const res = await t.app.inject({ method: 'POST', url: `/v1/screenings/${created.id}/replay`, headers: bearer(t.keys.auditor.key) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ screeningId: created.id, sameRuleset: true, identical: true, differences: { decision: null, flagsAdded: [], flagsRemoved: [] } });
    const submitter = await t.app.inject({ method: 'POST', url: `/v1/screenings/${created.id}/replay`, headers: auth });
    expect(submitter.statusCode).toBe(403);
  });

  it('a submitter cannot read another key\'s screening', async () => {
    const other = (await t.app.inject({ method: 'POST', url: '/v1/screenings', headers: bearer(t.keys.reviewer.key), payload: frenchCloud })).json();
    const res = await t.app.inject({ method: 'GET', url: `/v1/screenings/${other.id}`, headers: auth });
    expect(res.statusCode).toBe(404);
  });

  it('an unknown country is a 400 naming the field', async () => {
    const res = await post({ ...frenchCloud, parties: [{ role: 'buyer', name: 'X', country: 'Atlantis' }] });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([expect.objectContaining({ field: '/parties/0/country', in: 'body' })]);
  });

  it('a missing required field is a 400 naming it', async () => {
    const res = await post({ reference: 'x', items: [{ model: 'H100', quantity: 1 }] });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: '/route', message: 'is required' })]));
  });

  it('malformed JSON is a 400 problem', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/screenings', headers: { ...auth, 'content-type': 'application/json' }, payload: '{"reference":' });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
  });

  it('a body that is not JSON is a 415', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/screenings', headers: { ...auth, 'content-type': 'text/plain' }, payload: 'hello' });
    expect(res.statusCode).toBe(415);
  });

  it('control characters are refused, not half-stored', async () => {
    const res = await post({ ...frenchCloud, reference: 'SO-\u0000-NUL' });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].field).toBe('/reference');
  });

  it('half a surrogate pair ("\\udc00": valid JSON, no character) is a 400 naming the field, not a 500 from the database', async () => {
    // Sent as the raw JSON escape, as a client library writing a broken string would.
    const body = JSON.stringify({ ...frenchCloud, reference: 'SO-SURROGATE' }).replace('"Nuage Calcul SAS"', '"Nuage \\udc00 Calcul"');
    const res = await t.app.inject({ method: 'POST', url: '/v1/screenings', headers: { ...auth, 'content-type': 'application/json' }, payload: body });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().errors[0]).toMatchObject({ field: '/parties/0/name', message: expect.stringMatching(/unpaired UTF-16 surrogate/) });
    const stored = await t.app.inject({ method: 'GET', url: '/v1/screenings?reference=SO-SURROGATE', headers: bearer(t.keys.auditor.key) });
    expect(stored.json().items).toEqual([]);
  });

  it('LIMIT_MAX_STRING tightens string lengths: a longer end use is a 400 naming it', async () => {
    const tight = await makeKeyedApp({ limits: { maxStringLength: 40 } as never }, { loadRuleset: withLists });
    try {
      const res = await tight.app.inject({ method: 'POST', url: '/v1/screenings', headers: bearer(tight.keys.submitter.key), payload: { ...frenchCloud, endUse: 'x'.repeat(41) } });
      expect(res.statusCode).toBe(400);
      expect(res.json().errors[0]).toMatchObject({ field: '/endUse', in: 'body' });
    } finally {
      await tight.close();
    }
  });

  it('a specs table with more precisions than any chip has is a 400', async () => {
    const tops = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`p${i}x`, 1]));
    const res = await post({ ...frenchCloud, items: [{ model: 'Acme X', quantity: 1, specs: { tops } }] });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].field).toBe('/items/0/specs/tops');
  });

  it('more items than LIMIT_MAX_ITEMS is a 400 naming /items', async () => {
    const items = Array.from({ length: 101 }, () => ({ model: 'NVIDIA L4', quantity: 1 }));
    const res = await post({ ...frenchCloud, items });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].field).toBe('/items');
  });
});

describe('POST /v1/classify', () => {
  let t: KeyedTestApp;
  beforeAll(async () => {
    t = await makeKeyedApp({}, { loadRuleset: withLists });
  });
  afterAll(() => t.close());

  it('classifies an H20 below 3A090 by its own TPP and PD', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/classify', headers: bearer(t.keys.reviewer.key), payload: { items: [{ model: 'NVIDIA H20', quantity: 8 }] } });
    expect(res.statusCode).toBe(200);
    const [item] = res.json().items;
    expect(item.eccn).not.toMatch(/^3A090/);
    expect(item.tpp).toBeLessThan(4800);
    expect(item.performanceDensity).toBeLessThan(5.92);
  });

  it('refuses what it cannot classify and more items than LIMIT_MAX_ITEMS, naming the field', async () => {
    const classify = (payload: object) => t.app.inject({ method: 'POST', url: '/v1/classify', headers: bearer(t.keys.reviewer.key), payload });
    const precision = await classify({ items: [{ model: 'Acme X1', quantity: 1, specs: { tops: { fp7: 100 } } }] });
    expect(precision.statusCode).toBe(400);
    expect(precision.json().errors[0].field).toBe('/items/0/specs/tops/fp7');
    const nothing = await classify({ items: [{ quantity: 1 }] });
    expect(nothing.json().errors[0].field).toBe('/items/0/model');
    const many = await classify({ items: Array.from({ length: 101 }, () => ({ model: 'NVIDIA L4', quantity: 1 })) });
    expect(many.statusCode).toBe(400);
    expect(many.json().errors[0].field).toBe('/items');
  });

  it('names a precision called after an Object.prototype member as unknown, never a 500 (fuzz counterexample)', async () => {
    const classify = (payload: object) => t.app.inject({ method: 'POST', url: '/v1/classify', headers: bearer(t.keys.reviewer.key), payload });
    for (const key of ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'isPrototypeOf']) {
      // JSON text, not an object literal: `{ __proto__: 0 }` would set a prototype instead of a key
      const res = await t.app.inject({
        method: 'POST', url: '/v1/classify', headers: { ...bearer(t.keys.reviewer.key), 'content-type': 'application/json' },
        payload: `{"items":[{"model":"Acme X1","quantity":1,"specs":{"tops":{"fp16":148,"${key}":0}}}]}`,
      });
      expect(res.statusCode, `${key}: ${res.body}`).toBe(400);
      if (key === '__proto__') {
        expect(res.json().detail).toMatch(/__proto__/); // the JSON parser refuses the whole body
        continue;
      }
      expect(res.json().errors?.map((e: { field: string }) => e.field), `${key}: ${res.body}`).toContain(`/items/0/specs/tops/${key}`);
    }
    const fine = await classify({ items: [{ model: 'Acme X1', quantity: 1, specs: { tops: { fp16: 148 } } }] });
    expect(fine.statusCode).toBe(200);
  });

  it('classifies an unknown chip from its specs by TPP and PD', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/classify',
      headers: bearer(t.keys.reviewer.key),
      payload: { items: [{ model: 'Acme X1 accelerator', quantity: 1, specs: { tops: { fp16: 400 }, dieAreaMm2: 800, datacenter: true } }] },
    });
    const [item] = res.json().items;
    expect(item).toMatchObject({ basis: 'specs', tpp: 6400, eccn: '3A090.a' });
    expect(item.performanceDensity).toBeCloseTo(8, 5);
  });
});
