/**
 * A shipment is screened as the ERP sent it, or refused naming the field — the same for a single request and
 * a batch line:
 * - JSON bodies are not type-coerced (query strings still are: they are text). "0x10" was stored as 16,
 *   `true` as 1, a `null` price as $0.
 * - JSON bodies are strict UTF-8: a Latin-1 "Müller" was screened and sealed as "M\uFFFDller".
 * - Fields the schema cannot judge (input-guards.ts, shipmentFieldErrors): formula-leading names, blank
 *   names, bidirectional overrides, ship dates outside 2000–2099, incorporation dates in the future.
 * - Date filters at the ends of the calendar (year 0000, 9999-12-31) answer, not 500.
 * - A batch sent with the wrong Content-Type is told which types the route takes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';

let t: KeyedTestApp;
beforeAll(async () => {
  t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: rulesOnly, sealIntervalMs: 0 });
}, 300_000);
afterAll(async () => t?.close(), 120_000);

const base = (over: Record<string, unknown> = {}) => ({
  reference: 'SI-1',
  items: [{ model: 'NVIDIA L4', quantity: 1 }],
  parties: [{ role: 'buyer', name: 'Müller Technik GmbH', country: 'DE' }],
  route: { origin: 'US', destination: 'DE' },
  ...over,
});
const screen = (payload: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url: '/v1/screenings', headers: { ...bearer(t.keys.submitter.key), 'content-type': 'application/json', ...headers }, payload: payload as string });
const fields = (body: string) => (JSON.parse(body) as { errors?: Array<{ field: string; message: string }> }).errors?.map((e) => e.field) ?? [];

describe('JSON bodies are taken as typed', () => {
  it.each([
    ['quantity "0x10"', { items: [{ model: 'NVIDIA L4', quantity: '0x10' }] }, '/items/0/quantity'],
    ['quantity true', { items: [{ model: 'NVIDIA L4', quantity: true }] }, '/items/0/quantity'],
    ['quantity "8 "', { items: [{ model: 'NVIDIA L4', quantity: '8 ' }] }, '/items/0/quantity'],
    ['unitPriceUsd null', { items: [{ model: 'NVIDIA L4', quantity: 1, unitPriceUsd: null }] }, '/items/0/unitPriceUsd'],
    ['reference 123', { reference: 123 }, '/reference'],
  ])('%s is a 400 naming the field, nothing stored', async (_name, over, field) => {
    const res = await screen(JSON.stringify(base(over)));
    expect(res.statusCode, res.body.slice(0, 300)).toBe(400);
    expect(fields(res.body)).toContain(field);
  });

  it('query strings are still read as numbers', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/screenings?limit=3', headers: bearer(t.keys.reviewer.key) });
    expect(res.statusCode).toBe(200);
  });
});

describe('JSON bodies are strict UTF-8', () => {
  const latin1 = Buffer.from(JSON.stringify(base()).replace('Müller', 'M\u00fcller'), 'latin1');

  it('refuses Latin-1 bytes with a 400 naming the body, and another declared charset with a 415', async () => {
    const bad = await screen(latin1);
    expect(bad.statusCode, bad.body.slice(0, 300)).toBe(400);
    expect(bad.body).toContain('not valid UTF-8');
    const declared = await screen(latin1, { 'content-type': 'application/json; charset=iso-8859-1' });
    expect(declared.statusCode).toBe(415);
    expect(declared.body).toContain('charset=iso-8859-1');
  });

  it('takes UTF-8 (with or without a byte-order mark, charset=utf-8 or none) and stores the name as sent', async () => {
    const utf8 = Buffer.from(JSON.stringify(base({ reference: 'SI-UTF8' })), 'utf8');
    for (const [payload, type] of [
      [utf8, 'application/json'],
      [Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8]), 'application/json; charset=UTF-8'],
    ] as const) {
      const res = await screen(payload, { 'content-type': type });
      expect(res.statusCode, res.body.slice(0, 300)).toBe(201);
      const stored = await t.app.inject({ method: 'GET', url: `/v1/screenings/${res.json().id}`, headers: bearer(t.keys.reviewer.key) });
      expect(stored.json().shipment.parties[0].name).toBe('Müller Technik GmbH');
    }
  });

  it('still refuses prototype-poisoning keys and an empty body', async () => {
    expect((await screen('{"__proto__":{"x":1},"reference":"P"}')).statusCode).toBe(400);
    expect((await screen('')).statusCode).toBe(400);
  });
});

describe('fields the schema cannot judge, the same for a request and a batch line', () => {
  const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['a formula-leading party name', { parties: [{ role: 'buyer', name: "=cmd|' /C calc'!A0", country: 'DE' }] }, '/parties/0/name', /spreadsheet formula/],
    ['a formula-leading reference', { reference: '@SUM(A1)' }, '/reference', /spreadsheet formula/],
    ['a blank party name', { parties: [{ role: 'buyer', name: '   ', country: 'DE' }] }, '/parties/0/name', /letter or digit/],
    ['a punctuation-only party name', { parties: [{ role: 'buyer', name: '-- . --', country: 'DE' }] }, '/parties/0/name', /letter or digit/],
    ['a right-to-left override in a name', { parties: [{ role: 'buyer', name: 'Acme \u202eGmbH', country: 'DE' }] }, '/parties/0/name', /bidirectional/],
    ['ship date 9999-12-31', { shipDate: '9999-12-31' }, '/shipDate', /between 2000-01-01 and 2099-12-31/],
    ['ship date 0001-01-01', { shipDate: '0001-01-01' }, '/shipDate', /between/],
    ['incorporated in the future', { parties: [{ role: 'buyer', name: 'Acme GmbH', country: 'DE', incorporatedOn: '2999-01-01' }] }, '/parties/0/incorporatedOn', /future/],
  ];

  it.each(cases)('%s: 400 naming the field', async (_name, over, field, message) => {
    const res = await screen(JSON.stringify(base(over)));
    expect(res.statusCode, res.body.slice(0, 300)).toBe(400);
    const errors = (res.json() as { errors: Array<{ field: string; message: string }> }).errors;
    expect(errors.find((e) => e.field === field)?.message).toMatch(message);
  });

  it('a batch refuses the same lines with the same field and message, and screens the clean one', async () => {
    const lines = [...cases.map(([, over], i) => JSON.stringify(base({ reference: `SI-B${i}`, ...over }))), JSON.stringify(base({ reference: 'SI-CLEAN', parties: [{ role: 'buyer', name: 'Al-Noor Trading (فرع)', country: 'DE' }] }))];
    const res = await t.app.inject({
      method: 'POST', url: '/v1/batches',
      headers: { ...bearer(t.keys.submitter.key), 'content-type': 'application/x-ndjson' },
      payload: lines.join('\n'),
    });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(202);
    const batch = res.json() as { total: number; invalid: number; lineErrors: Array<{ lineNo: number; field: string; message: string }> };
    expect(batch.total).toBe(cases.length + 1);
    expect(batch.invalid).toBe(cases.length);
    cases.forEach(([, , field, message], i) => {
      expect(batch.lineErrors.find((e) => e.lineNo === i + 1 && e.field === field)?.message, `line ${i + 1}`).toMatch(message);
    });
  });
});

describe('date filters at the ends of the calendar', () => {
  it.each([
    '/v1/screenings?from=0000-01-01',
    '/v1/screenings?from=0000-01-01T00:00:00Z',
    '/v1/screenings?to=9999-12-31',
    '/v1/screenings?from=0001-01-01&to=9999-12-31',
    '/v1/audit/export?from=0000-01-01',
    '/v1/audit/export?format=ndjson&to=0000-01-01',
  ])('%s answers 200', async (url) => {
    const res = await t.app.inject({ method: 'GET', url, headers: bearer(t.keys.admin.key) });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
  });

  it('a range ending before year 1 holds nothing; one reaching 9999 holds everything', async () => {
    const all = (await t.app.inject({ method: 'GET', url: '/v1/screenings?limit=200', headers: bearer(t.keys.admin.key) })).json().items.length;
    expect(all).toBeGreaterThan(0);
    expect((await t.app.inject({ method: 'GET', url: '/v1/screenings?to=0000-06-01', headers: bearer(t.keys.admin.key) })).json().items).toHaveLength(0);
    expect((await t.app.inject({ method: 'GET', url: '/v1/screenings?limit=200&to=9999-12-31', headers: bearer(t.keys.admin.key) })).json().items).toHaveLength(all);
  });
});

describe('unsupported content types', () => {
  it('a batch sent as text/plain is told the types POST /v1/batches takes', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/batches', headers: { ...bearer(t.keys.submitter.key), 'content-type': 'text/plain' }, payload: 'reference\nX' });
    expect(res.statusCode).toBe(415);
    expect(res.json().detail).toMatch(/text\/csv/);
    expect(res.json().detail).toMatch(/application\/x-ndjson/);
  });

  it('a screening sent as text/plain is told to send JSON', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/screenings', headers: { ...bearer(t.keys.submitter.key), 'content-type': 'text/plain' }, payload: '{}' });
    expect(res.statusCode).toBe(415);
    expect(res.json().detail).toBe('Content-Type must be application/json');
  });
});

describe('licence dates', () => {
  it('a licence valid from year 0000 or to 9999 is refused naming the field; a real one is recorded', async () => {
    const licence = (validFrom: string, validTo: string, number: string) => ({
      number, destination: 'VN', eccns: ['3A090'], quantity: 10, validFrom, validTo,
      parties: [{ role: 'ultimate_consignee', name: 'Saigon Compute JSC', country: 'VN' }],
    });
    const post = (body: unknown) => t.app.inject({ method: 'POST', url: '/v1/licences', headers: bearer(t.keys.reviewer.key), payload: body as object });
    const early = await post(licence('0000-01-01', '2027-12-31', 'D7700001'));
    expect(early.statusCode, early.body.slice(0, 300)).toBe(400);
    expect(fields(early.body)).toContain('/validFrom');
    const late = await post(licence('2026-01-01', '9999-12-31', 'D7700002'));
    expect(late.statusCode).toBe(400);
    expect(fields(late.body)).toContain('/validTo');
    expect((await post(licence('2026-01-01', '2027-12-31', 'D7700003'))).statusCode).toBe(201);
  });
});
