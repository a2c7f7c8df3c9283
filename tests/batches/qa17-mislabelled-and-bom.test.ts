/**
 * QA17:
 * - A CSV export sent as application/x-ndjson (or application/json) was accepted (202) and every line came back
 *   "not valid JSON". The start of the body is read first now: plainly another format than its Content-Type says
 *   (a CSV header row; NDJSON or a JSON array sent as text/csv; a JSON array sent as NDJSON) is a 415 naming the
 *   format and the Content-Type to use, and nothing is stored. An NDJSON file with some unreadable lines (the first
 *   one included) keeps its per-line errors.
 * - A UTF-8 byte order mark split across the first two chunks of the body (a first chunk of the one byte 0xEF) was
 *   kept, read into the first header cell ("\uFEFFreference": an unknown column) or the first JSON line.
 */
import http from 'node:http';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readShipments, mislabelled } from '../../src/services/batch-input.js';
import { readRecords } from '../../src/services/batch-records.js';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';

let t: KeyedTestApp;
beforeAll(async () => {
  t = await makeKeyedApp({ rateLimitPerMinute: 0, batch: { chunkSize: 2, workers: 2 } as never }, { loadRuleset: rulesOnly, sealIntervalMs: 0, queueTiming: { pollingIntervalSeconds: 0.5 } });
}, 300_000);
afterAll(async () => t?.close(), 120_000);

const auth = () => bearer(t.keys.submitter.key);
const upload = (payload: Buffer | string | Readable, type: string) => t.app.inject({ method: 'POST', url: '/v1/batches', headers: { ...auth(), 'content-type': type }, payload });
const batchCount = async () => (await t.app.inject({ method: 'GET', url: '/v1/batches?limit=100', headers: auth() })).json().items.length as number;

async function waitDone(id: string) {
  for (let i = 0; i < 400; i++) {
    const b = (await t.app.inject({ method: 'GET', url: `/v1/batches/${id}`, headers: auth() })).json();
    if (['completed', 'cancelled', 'failed'].includes(b.state)) return b;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`batch ${id} did not finish`);
}

const CSV = 'reference,route_destination,item_model,item_quantity,buyer_name,buyer_country\r\nMB-1,DE,NVIDIA L4,1,Müller GmbH,DE\r\nMB-2,FR,NVIDIA L4,2,Société SARL,FR\r\n';
const SAP_CSV = 'sep=;\r\nreference;route_destination;item_model;item_quantity\r\nMB-3;DE;NVIDIA L4;1\r\n';
const ship = (ref: string) => ({ reference: ref, route: { destination: 'DE' }, items: [{ model: 'NVIDIA L4', quantity: 1 }] });
const NDJSON = `${JSON.stringify(ship('MB-N1'))}\n${JSON.stringify(ship('MB-N2'))}\n`;

const limits = { maxLineBytes: 1 << 20, maxBytes: 1 << 26, check: () => [] };
async function* chunks(...parts: Buffer[]) {
  for (const p of parts) yield p;
}
async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('a body in another format than its Content-Type says', () => {
  const cases: Array<[string, string | Buffer, string, RegExp]> = [
    ['a CSV export sent as NDJSON', CSV, 'application/x-ndjson', /looks like CSV .*first line is a CSV header.*Content-Type: text\/csv/],
    ['a CSV export sent as application/jsonl', CSV, 'application/jsonl', /looks like CSV.*Content-Type: text\/csv/],
    ['a semicolon CSV with Excel\'s sep= line sent as NDJSON', SAP_CSV, 'application/x-ndjson', /looks like CSV.*Content-Type: text\/csv/],
    ['a CSV export with its own column names sent as NDJSON', 'Material;Menge;Zielland;Kunde\r\nL4;1;DE;Müller\r\n', 'application/x-ndjson', /looks like CSV.*text\/csv/],
    ['a CSV export sent as application/json', CSV, 'application/json', /looks like CSV.*Content-Type: text\/csv/],
    ['a gzip-less CSV with a BOM sent as NDJSON', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(CSV)]), 'application/x-ndjson', /looks like CSV.*text\/csv/],
    ['NDJSON sent as text/csv', NDJSON, 'text/csv', /looks like NDJSON.*Content-Type: application\/x-ndjson/],
    ['a JSON array sent as text/csv', JSON.stringify([ship('MB-A1')], null, 2), 'text/csv', /looks like a JSON array.*Content-Type: application\/json/],
    ['a JSON array sent as NDJSON', JSON.stringify([ship('MB-A2'), ship('MB-A3')]), 'application/x-ndjson', /looks like a JSON array.*Content-Type: application\/json/],
  ];
  for (const [name, body, type, detail] of cases) {
    it(`${name}: 415 naming the Content-Type to use, nothing stored`, async () => {
      const before = await batchCount();
      const res = await upload(typeof body === 'string' ? Buffer.from(body) : body, type);
      expect(res.statusCode, res.body).toBe(415);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.json().detail).toMatch(detail);
      expect(res.json().errors?.[0]).toMatchObject({ field: '/', in: 'body' });
      expect(await batchCount()).toBe(before);
    });
  }

  it('NDJSON sent as application/json stays a 400 (not an array), which names application/x-ndjson', async () => {
    const res = await upload(Buffer.from(NDJSON), 'application/json');
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().detail).toMatch(/expected "\[" \(the body starts with "\{": .*Content-Type: application\/x-ndjson\)/);
  });

  it('is found when the body arrives a byte at a time', async () => {
    const bytes = Buffer.from(CSV);
    const res = await upload(Readable.from([...bytes].map((b) => Buffer.from([b]))), 'application/x-ndjson');
    expect(res.statusCode, res.body).toBe(415);
  });

  it('the same CSV sent as text/csv is screened', async () => {
    const res = await upload(Buffer.from(CSV), 'text/csv');
    expect(res.statusCode, res.body).toBe(202);
    expect(await waitDone(res.json().id)).toMatchObject({ state: 'completed', screened: 2, invalid: 0 });
  });

  it('NDJSON with some lines that are not JSON (the first included) keeps its per-line errors', async () => {
    for (const body of [`this line is not json\n${NDJSON}`, `${JSON.stringify(ship('MB-P1'))}\nreference,route_destination,item_quantity\n${JSON.stringify(ship('MB-P2'))}\n`, `{"reference": "MB-cut", "route":\n${NDJSON}`]) {
      const res = await upload(Buffer.from(body), 'application/x-ndjson');
      expect(res.statusCode, res.body).toBe(202);
      expect(res.json()).toMatchObject({ total: 3, invalid: 1 });
      expect(res.json().lineErrors[0].message).toMatch(/not valid JSON/);
    }
  });

  it('mislabelled() leaves what may be what it says alone', () => {
    expect(mislabelled('csv', CSV)).toBeNull();
    expect(mislabelled('csv', SAP_CSV)).toBeNull();
    expect(mislabelled('ndjson', NDJSON)).toBeNull();
    expect(mislabelled('json', '[\n  {"reference": "x"}\n]')).toBeNull();
    // A one-line file that is neither: left to the per-line errors.
    expect(mislabelled('ndjson', 'hello world\n')).toBeNull();
  });
});

describe('a UTF-8 byte order mark split across the first chunks', () => {
  const BOM = [0xef, 0xbb, 0xbf];
  const splits = [
    [[0xef], [0xbb, 0xbf]],
    [[0xef, 0xbb], [0xbf]],
    [[0xef], [0xbb], [0xbf]],
  ];
  for (const split of splits) {
    const label = split.map((p) => p.length).join('+');
    it(`is stripped for every format (BOM as ${label} bytes)`, async () => {
      const csv = await all(readShipments(chunks(...split.map((p) => Buffer.from(p)), Buffer.from(CSV)), 'csv', limits));
      expect(csv.map((l) => ('input' in l ? l.reference : l.errors))).toEqual(['MB-1', 'MB-2']);
      const nd = await all(readShipments(chunks(...split.map((p) => Buffer.from(p)), Buffer.from(NDJSON)), 'ndjson', limits));
      expect(nd.map((l) => ('input' in l ? l.reference : l.errors))).toEqual(['MB-N1', 'MB-N2']);
      const js = await all(readShipments(chunks(...split.map((p) => Buffer.from(p)), Buffer.from(JSON.stringify([ship('MB-J1')]))), 'json', limits));
      expect(js.map((l) => ('input' in l ? l.reference : l.errors))).toEqual(['MB-J1']);
    });
  }

  it('readRecords strips it on its own, for every format', async () => {
    for (const split of splits) {
      const parts = () => split.map((p) => Buffer.from(p));
      expect(await all(readRecords(chunks(...parts(), Buffer.from('reference,x\n')), 'csv', 1 << 20))).toEqual([{ lineNo: 1, text: 'reference,x' }]);
      expect(await all(readRecords(chunks(...parts(), Buffer.from('{"a":1}\n')), 'ndjson', 1 << 20))).toEqual([{ lineNo: 1, text: '{"a":1}' }]);
      expect(await all(readRecords(chunks(...parts(), Buffer.from('[{"a":1}]')), 'json', 1 << 20))).toEqual([{ lineNo: 1, text: '{"a":1}' }]);
    }
  });

  it('a BOM and the first bytes in one chunk, then the rest, and a body of the BOM alone', async () => {
    const recs = await all(readRecords(chunks(Buffer.from([...BOM, 0x72]), Buffer.from('eference,x\n')), 'csv', 1 << 20));
    expect(recs[0]).toEqual({ lineNo: 1, text: 'reference,x' });
    expect(await all(readRecords(chunks(Buffer.from([0xef]), Buffer.from([0xbb, 0xbf])), 'ndjson', 1 << 20))).toEqual([]);
  });

  // Quoted header cells, as SAP and many ERPs write them.
  const QUOTED_CSV = '"reference","route_destination","item_model","item_quantity"\r\n"MB-H1","DE","NVIDIA L4","1"\r\n"MB-H2","FR","NVIDIA L4","2"\r\n';
  const ARRAY = JSON.stringify([ship('MB-HJ1'), ship('MB-HJ2')], null, 2);
  for (const [format, type, file] of [
    ['CSV', 'text/csv', QUOTED_CSV],
    ['JSON array', 'application/json', ARRAY],
    ['NDJSON', 'application/x-ndjson', `${JSON.stringify(ship('MB-HN1'))}\n${JSON.stringify(ship('MB-HN2'))}\n`],
  ] as const) {
    it(`over a real connection: a ${format} upload whose BOM arrives split (0xEF, a pause, the rest) is screened`, async () => {
      const address = await t.app.listen({ port: 0, host: '127.0.0.1' }).catch(() => `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`);
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request(`${address}/v1/batches`, { method: 'POST', headers: { ...auth(), 'content-type': type, 'transfer-encoding': 'chunked' } }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        });
        req.on('error', reject);
        req.flushHeaders();
        req.write(Buffer.from([0xef]));
        // Long enough for the handler to have started reading the first byte alone.
        setTimeout(() => {
          req.write(Buffer.from([0xbb, 0xbf]));
          setTimeout(() => req.end(Buffer.from(file)), 300);
        }, 600);
      });
      expect(status, body).toBe(202);
      expect(await waitDone(JSON.parse(body).id)).toMatchObject({ state: 'completed', screened: 2, invalid: 0 });
    });
  }

  it('a UTF-8 file (BOM first) declared charset=windows-1252 is read as the UTF-8 its BOM says, not converted twice', async () => {
    const body = Buffer.concat([Buffer.from(BOM), Buffer.from(CSV.replaceAll('MB-', 'MB-W'), 'utf8')]);
    const res = await upload(Readable.from([body.subarray(0, 1), body.subarray(1)]), 'text/csv; charset=windows-1252');
    expect(res.statusCode, res.body).toBe(202);
    const done = await waitDone(res.json().id);
    expect(done).toMatchObject({ state: 'completed', screened: 2, invalid: 0 });
    const first = (await t.app.inject({ method: 'GET', url: `/v1/batches/${done.id}/results`, headers: auth() })).body.split('\n')[0]!;
    const s = (await t.app.inject({ method: 'GET', url: `/v1/screenings/${JSON.parse(first).screeningId}`, headers: auth() })).json();
    expect(s.shipment.parties[0].name).toBe('Müller GmbH');
  });

  it('gzip bytes split across chunks are still named as such', async () => {
    await expect(all(readRecords(chunks(Buffer.from([0x1f]), Buffer.from([0x8b, 0x08, 0x00])), 'csv', 1 << 20))).rejects.toThrow(/gzip/);
  });
});
