/**
 * QA round 16: what ERP exports and scripts really send to POST /v1/batches. A JSON array written on one line
 * (JSON.stringify, openapi-fetch) had every element on "line 1": the staging kept the first and dropped the rest
 * unscreened, and the batch stayed `running` for ever. Spreadsheet exports: semicolon-separated CSV (Excel where the
 * comma is the decimal mark, with its `sep=;` hint), trailing unnamed columns, `="00123"` text cells. A gzip body
 * without Content-Encoding and a UTF-16 file are refused saying what they are.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';

let t: KeyedTestApp;
beforeAll(async () => {
  t = await makeKeyedApp({ rateLimitPerMinute: 0, batch: { chunkSize: 2, workers: 2 } as never }, { loadRuleset: rulesOnly, sealIntervalMs: 0, queueTiming: { pollingIntervalSeconds: 0.5 } });
}, 300_000);
afterAll(async () => t?.close(), 120_000);

const upload = (body: string | Buffer, type: string, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url: '/v1/batches', headers: { ...bearer(t.keys.submitter.key), 'content-type': type, ...headers }, payload: body });

async function waitDone(id: string) {
  for (let i = 0; i < 400; i++) {
    const b = (await t.app.inject({ method: 'GET', url: `/v1/batches/${id}`, headers: bearer(t.keys.submitter.key) })).json();
    if (['completed', 'cancelled', 'failed'].includes(b.state)) return b;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`batch ${id} did not finish`);
}

type Line = { line: number; reference: string | null; status: string; errors: Array<{ field: string; message: string; line?: number }> };
async function results(id: string): Promise<Line[]> {
  const res = await t.app.inject({ method: 'GET', url: `/v1/batches/${id}/results`, headers: bearer(t.keys.submitter.key) });
  return res.body.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);
}

async function screenedInputs(id: string): Promise<Array<Record<string, unknown>>> {
  const out = [];
  for (const l of await results(id)) {
    if (l.status !== 'screened') continue;
    const s = await t.app.inject({ method: 'GET', url: `/v1/screenings/${(l as unknown as { screeningId: string }).screeningId}`, headers: bearer(t.keys.submitter.key) });
    out.push(s.json().shipment as Record<string, unknown>);
  }
  return out;
}

const shipment = (ref: string) => ({ reference: ref, shipDate: '2026-11-30', items: [{ model: 'NVIDIA L4', quantity: 1 }], route: { origin: 'US', destination: 'DE' } });

describe('a JSON array on one line', () => {
  it('screens every element, numbered on from the line (1, 2, 3 …), and the batch completes', async () => {
    const res = await upload(JSON.stringify([shipment('JC-1'), shipment('JC-2'), { reference: 'JC-BAD', items: [] }, shipment('JC-4')]), 'application/json');
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ total: 4, invalid: 1 });
    expect(res.json().lineErrors[0]).toMatchObject({ lineNo: 3 });
    const done = await waitDone(res.json().id);
    expect(done).toMatchObject({ state: 'completed', total: 4, screened: 3, invalid: 1, done: 4 });
    const lines = await results(done.id);
    expect(lines.map((l) => [l.line, l.reference, l.status])).toEqual([
      [1, 'JC-1', 'screened'],
      [2, 'JC-2', 'screened'],
      [3, 'JC-BAD', 'invalid'],
      [4, 'JC-4', 'screened'],
    ]);
    // Resuming a download after line 2 gives the rest, not nothing (or everything).
    const rest = await t.app.inject({ method: 'GET', url: `/v1/batches/${done.id}/results?afterLine=2`, headers: bearer(t.keys.submitter.key) });
    expect(rest.body.split('\n').filter(Boolean).map((l) => JSON.parse(l).reference)).toEqual(['JC-BAD', 'JC-4']);
  }, 60_000);

  it('an array partly on one line keeps physical lines where they are unique and numbers on where they are not', async () => {
    const body = `[${JSON.stringify(shipment('JM-1'))}, ${JSON.stringify(shipment('JM-2'))},\n${JSON.stringify(shipment('JM-3'))},\n\n\n${JSON.stringify(shipment('JM-4'))}]`;
    const res = await upload(body, 'application/json');
    expect(res.statusCode, res.body).toBe(202);
    const done = await waitDone(res.json().id);
    expect(done).toMatchObject({ state: 'completed', screened: 4 });
    expect((await results(done.id)).map((l) => [l.line, l.reference])).toEqual([
      [1, 'JM-1'],
      [2, 'JM-2'],
      [3, 'JM-3'], // physical line 2, after number 2
      [5, 'JM-4'],
    ]);
  }, 60_000);
});

describe('spreadsheet CSV exports', () => {
  it('reads a semicolon-separated export (Excel with a decimal comma), with or without its sep=; line', async () => {
    const rows = [
      'reference;route_origin;route_via;route_destination;item_model;item_quantity;item_unit_price_usd;buyer_name;buyer_country',
      'SC-1;US;"SG;MY";MY;NVIDIA L4;2;1234,56;"Example; Sdn Bhd";MY',
      'SC-2;US;;DE;NVIDIA L4;3;2500.50;Northwind GmbH;DE',
      ';;;;;;;;',
    ];
    for (const body of [rows.join('\r\n'), `sep=;\r\n${rows.join('\r\n')}`]) {
      const res = await upload(`\uFEFF${body}\r\n`, 'text/csv');
      expect(res.statusCode, res.body).toBe(202);
      expect(res.json()).toMatchObject({ total: 2, invalid: 0 });
      const done = await waitDone(res.json().id);
      expect(done).toMatchObject({ state: 'completed', screened: 2 });
      const inputs = await screenedInputs(done.id);
      expect(inputs[0]).toMatchObject({ reference: 'SC-1', route: { origin: 'US', via: ['SG', 'MY'], destination: 'MY' }, items: [{ quantity: 2, unitPriceUsd: 1234.56 }], parties: [{ name: 'Example; Sdn Bhd' }] });
      expect(inputs[1]).toMatchObject({ reference: 'SC-2', items: [{ quantity: 3, unitPriceUsd: 2500.5 }] });
    }
  }, 60_000);

  it('in a semicolon file, refuses a number whose point may group thousands instead of reading "1.000" as one', async () => {
    const body = ['reference;route_destination;item_model;item_quantity;item_unit_price_usd', 'SN-1;DE;NVIDIA L4;1.000;10', 'SN-2;DE;NVIDIA L4;1;1.234', 'SN-3;DE;NVIDIA L4;1;1.234,50'].join('\n');
    const res = await upload(body, 'text/csv');
    expect(res.statusCode, res.body).toBe(202);
    const done = await waitDone(res.json().id);
    const lines = await results(done.id);
    expect(lines.map((l) => [l.reference, l.status, l.errors[0]?.field])).toEqual([
      ['SN-1', 'invalid', 'item_quantity'],
      ['SN-2', 'invalid', 'item_unit_price_usd'],
      ['SN-3', 'invalid', 'item_unit_price_usd'],
    ]);
    expect(lines[0]!.errors[0]!.message).toMatch(/whole number.*"1\.000" may mean a thousand/);
  }, 60_000);

  it('ignores the unnamed columns Excel leaves after the last one, and refuses a row with a value under one', async () => {
    const body = [
      'reference,route_destination,item_model,item_quantity,,',
      'TE-1,DE,NVIDIA L4,1,,',
      'TE-2,DE,NVIDIA L4,1,,surprise',
    ].join('\r\n');
    const res = await upload(`${body}\r\n`, 'text/csv');
    expect(res.statusCode, res.body).toBe(202);
    const done = await waitDone(res.json().id);
    const lines = await results(done.id);
    expect(lines.map((l) => [l.reference, l.status])).toEqual([
      ['TE-1', 'screened'],
      ['TE-2', 'invalid'],
    ]);
    expect(lines[1]!.errors[0]!.message).toMatch(/column 6, which the header leaves without a name/);
    // Named columns are still checked: a duplicate or an unknown one is a 400.
    expect((await upload('reference,route_destination,item_quantity,,reference\nX,DE,1,,X\n', 'text/csv')).json().detail).toMatch(/"reference" appears twice/);
  }, 60_000);

  it('reads a ="…" text cell (leading zeros kept) as its text, quoted or not; a formula inside is still refused', async () => {
    const body = [
      'reference,route_destination,item_model,item_quantity,item_hs_code,buyer_name,buyer_country',
      '="00123",DE,NVIDIA L4,="2",="8473.30",Northwind GmbH,DE',
      '"=""00124""",DE,NVIDIA L4,1,,"=""Northwind, GmbH""",DE',
      '00125,DE,NVIDIA L4,1,,"=""=HYPERLINK(1)""",DE',
    ].join('\n');
    const res = await upload(body, 'text/csv');
    expect(res.statusCode, res.body).toBe(202);
    const done = await waitDone(res.json().id);
    const lines = await results(done.id);
    expect(lines.map((l) => [l.reference, l.status])).toEqual([
      ['00123', 'screened'],
      ['00124', 'screened'],
      ['00125', 'invalid'],
    ]);
    expect(lines[2]!.errors[0]).toMatchObject({ field: 'buyer_name', message: expect.stringMatching(/formula/) });
    const inputs = await screenedInputs(done.id);
    expect(inputs[0]).toMatchObject({ reference: '00123', items: [{ quantity: 2, hsCode: '8473.30' }] });
    expect(inputs[1]).toMatchObject({ reference: '00124', parties: [{ name: 'Northwind, GmbH' }] });
  }, 60_000);
});

describe('bodies that are not what their headers say', () => {
  it('a gzip body without Content-Encoding, and a UTF-16 file, are refused saying so', async () => {
    const csv = 'reference,route_destination,item_model,item_quantity\nGZ-1,DE,NVIDIA L4,1\n';
    const gz = await upload(gzipSync(csv), 'text/csv');
    expect(gz.statusCode).toBe(400);
    expect(gz.json().detail).toMatch(/gzip-compressed: send it with Content-Encoding: gzip/);
    const gzNd = await upload(gzipSync(`${JSON.stringify(shipment('GZ-2'))}\n`), 'application/x-ndjson');
    expect(gzNd.statusCode).toBe(400);
    expect(gzNd.json().detail).toMatch(/gzip-compressed/);
    const utf16 = await upload(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csv, 'utf16le')]), 'text/csv');
    expect(utf16.statusCode).toBe(400);
    expect(utf16.json().detail).toMatch(/UTF-16.*save it as UTF-8/);
    // Declared, it is read as before.
    const ok = await upload(gzipSync(csv), 'text/csv', { 'content-encoding': 'gzip' });
    expect(ok.statusCode, ok.body).toBe(202);
  }, 60_000);
});
