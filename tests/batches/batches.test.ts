/**
 * Batch screening through the API: NDJSON, CSV and JSON uploads, per-line errors, results as
 * NDJSON and CSV, every screened line in the audit log exactly once, submitter isolation,
 * cancel, and batch.completed on the event bus.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { createBatch, stageLines } from '../../src/store/batches-repo.js';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';
import type { ChokepointEvent } from '../../src/services/events.js';

let t: KeyedTestApp;
const events: ChokepointEvent[] = [];

beforeAll(async () => {
  // Chunk retries shortened (the service default backs off for half an hour and more) so that a chunk failing every retry is given up in seconds.
  t = await makeKeyedApp({ rateLimitPerMinute: 0, batch: { chunkSize: 3, workers: 2, chunkRetry: { retryLimit: 2, retryDelay: 0, retryBackoff: false }, uploadHeartbeatMs: 50 } as never }, { loadRuleset: rulesOnly, sealIntervalMs: 0, queueTiming: { pollingIntervalSeconds: 0.5 } });
  t.app.events.subscribe((e) => void events.push(e));
}, 300_000);
afterAll(async () => t?.close(), 120_000);

const shipment = (ref: string, destination = 'SG', extra: Record<string, unknown> = {}) => ({
  reference: ref,
  shipDate: '2026-11-30',
  items: [{ model: 'NVIDIA H100 SXM5 80GB', quantity: 8 }],
  route: { origin: 'US', destination },
  ...extra,
});

async function submit(body: string | Buffer, type: string, key = t.keys.submitter.key) {
  return t.app.inject({ method: 'POST', url: '/v1/batches', headers: { ...bearer(key), 'content-type': type }, payload: body });
}

async function waitDone(id: string, key = t.keys.submitter.key) {
  for (let i = 0; i < 400; i++) {
    const res = await t.app.inject({ method: 'GET', url: `/v1/batches/${id}`, headers: bearer(key) });
    const b = res.json();
    if (['completed', 'cancelled', 'failed'].includes(b.state)) return b;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('batch did not finish');
}

/** batch.completed arrives through the job queued with the end of the batch: shortly after it ends. */
async function batchEvents(id: string, atLeast = 1) {
  for (let i = 0; i < 200; i++) {
    const found = events.filter((e) => e.type === 'batch.completed' && e.data.batchId === id);
    if (found.length >= atLeast) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  return events.filter((e) => e.type === 'batch.completed' && e.data.batchId === id);
}

async function results(id: string, format: 'csv' | 'ndjson', key = t.keys.submitter.key) {
  const res = await t.app.inject({ method: 'GET', url: `/v1/batches/${id}/results?format=${format}`, headers: bearer(key) });
  expect(res.statusCode).toBe(200);
  return res.body;
}

async function linkedScreenings(batchId: string) {
  const res = await t.app.database.db.execute(sql`
    select r.line_no, s.id, s.decision, s.ruleset_hash, s.api_key_id from batch_results r join screenings s on s.id = r.screening_id
    where r.batch_id = ${batchId} order by r.line_no`);
  return ((res as { rows?: unknown[] }).rows ?? res) as Array<{ line_no: number; id: string; decision: string; ruleset_hash: string; api_key_id: string }>;
}

describe('POST /v1/batches', () => {
  it('screens an NDJSON batch line by line; a bad line is reported with its line and field, the rest are screened and stored once', async () => {
    const lines = [
      JSON.stringify(shipment('B-1', 'SG')),
      JSON.stringify(shipment('B-2', 'CN')),
      '',
      '{"reference": "B-broken", ',
      JSON.stringify(shipment('B-3', 'CU')),
      JSON.stringify({ ...shipment('B-4'), items: [{ model: 'NVIDIA L4', quantity: 'many' }] }),
      JSON.stringify(shipment('B-5', 'Atlantis')),
      JSON.stringify(shipment('B-6', 'DE')),
    ];
    const res = await submit(lines.join('\n'), 'application/x-ndjson');
    expect(res.statusCode, res.body).toBe(202);
    const receipt = res.json();
    expect(res.headers.location).toBe(`/v1/batches/${receipt.id}`);
    expect(receipt).toMatchObject({ total: 7, invalid: 2, format: 'ndjson' });
    expect(receipt.lineErrors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ lineNo: 4, field: '/', message: expect.stringMatching(/not valid JSON/) }),
        expect.objectContaining({ lineNo: 6, field: '/items/0/quantity' }),
      ]),
    );

    const done = await waitDone(receipt.id);
    expect(done).toMatchObject({ state: 'completed', total: 7, received: 7, done: 7, screened: 4, failed: 1, invalid: 2, etaSeconds: 0 });
    expect(done.counts.BLOCK).toBe(1);
    expect(done.counts.CLEAR + done.counts.REVIEW + done.counts.LICENSE_REQUIRED + done.counts.BLOCK).toBe(4);

    const out = (await results(receipt.id, 'ndjson')).trim().split('\n').map((l) => JSON.parse(l));
    expect(out.map((r) => [r.line, r.status])).toEqual([
      [1, 'screened'],
      [2, 'screened'],
      [4, 'invalid'],
      [5, 'screened'],
      [6, 'invalid'],
      [7, 'failed'],
      [8, 'screened'],
    ]);
    expect(out.find((r) => r.line === 7).errors[0].field).toBe('/route/destination');
    expect(out.find((r) => r.line === 5).decision).toBe('BLOCK');

    // Every screened line is one audit record, owned by the submitter, with the ruleset hash.
    const linked = await linkedScreenings(receipt.id);
    expect(linked.map((l) => Number(l.line_no))).toEqual([1, 2, 5, 8]);
    expect(new Set(linked.map((l) => l.id)).size).toBe(4);
    expect(linked.every((l) => l.api_key_id === t.keys.submitter.id && l.ruleset_hash.startsWith('sha256:'))).toBe(true);
    const stored = await t.app.inject({ method: 'GET', url: `/v1/screenings/${out[0].screeningId}`, headers: bearer(t.keys.submitter.key) });
    expect(stored.json()).toMatchObject({ reference: 'B-1' });

    // The audit log's seals cover batch screenings like any other.
    await t.app.inject({ method: 'POST', url: '/v1/audit/seal', headers: bearer(t.keys.auditor.key) });
    const verify = await t.app.inject({ method: 'GET', url: '/v1/audit/verify', headers: bearer(t.keys.auditor.key) });
    expect(verify.json()).toMatchObject({ ok: true, firstBroken: null });

    const completed = await batchEvents(receipt.id);
    expect(completed).toHaveLength(1);
    expect(completed[0]).toMatchObject({ ownerKeyId: t.keys.submitter.id, data: { screened: 4, failed: 1, invalid: 2, href: `/v1/batches/${receipt.id}`, results: `/v1/batches/${receipt.id}/results` } });
  }, 60_000);

  it('reads the CSV layout: rows grouped by reference, parties by role, route via; formula names refused; results CSV defused', async () => {
    const csv = [
      'reference,ship_date,route_origin,route_via,route_destination,end_use,item_model,item_quantity,item_unit_price_usd,buyer_name,buyer_country,end_user_name,end_user_country,permit_type,permit_number',
      'SO-1,2026-11-30,US,SG;MY,MY,AI model training,NVIDIA H100 SXM5 80GB,8,30000,Example Cloud Pte. Ltd.,SG,Example DC Sdn Bhd,MY,MY_STP,STP-1',
      'SO-1,,,,,,NVIDIA L4,2,,,,,,,',
      'SO-2,2026-11-30,US,,DE,,NVIDIA L4,1,,"=cmd|\' /C calc\'!A0",DE,,,,',
      'SO-3,2026-11-30,US,,JP,,NVIDIA L4,x,,,,,,,',
      'SO-4,2026-11-30,US,,FR,,NVIDIA L4,4,,"-Dash, ""Quoted"" SA",FR,,,,',
    ].join('\r\n');
    const res = await submit(csv, 'text/csv');
    expect(res.statusCode, res.body).toBe(202);
    const receipt = res.json();
    expect(receipt).toMatchObject({ total: 4, invalid: 2 });
    expect(receipt.lineErrors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ lineNo: 4, field: 'buyer_name', message: expect.stringMatching(/formula/) }),
        expect.objectContaining({ lineNo: 5, field: 'item_quantity', message: 'must be a whole number' }),
      ]),
    );
    await waitDone(receipt.id);
    const linked = await linkedScreenings(receipt.id);
    expect(linked.map((l) => Number(l.line_no))).toEqual([2, 6]);
    const so1 = await t.app.inject({ method: 'GET', url: `/v1/screenings/${linked[0]!.id}`, headers: bearer(t.keys.reviewer.key) });
    const request = (await t.app.database.db.execute(sql`select request from screenings where id = ${linked[0]!.id}`)) as unknown as { rows: Array<{ request: unknown }> };
    expect(so1.statusCode).toBe(200);
    expect(request.rows[0]!.request).toMatchObject({
      reference: 'SO-1',
      items: [{ model: 'NVIDIA H100 SXM5 80GB', quantity: 8, unitPriceUsd: 30000 }, { model: 'NVIDIA L4', quantity: 2 }],
      parties: [
        { role: 'buyer', name: 'Example Cloud Pte. Ltd.', country: 'SG' },
        { role: 'end_user', name: 'Example DC Sdn Bhd', country: 'MY' },
      ],
      route: { origin: 'US', via: ['SG', 'MY'], destination: 'MY' },
      endUse: 'AI model training',
      permits: [{ type: 'MY_STP', number: 'STP-1' }],
    });

    const out = await results(receipt.id, 'csv');
    const rows = out.trim().split('\r\n');
    expect(rows[0]).toBe('line,reference,status,decision,risk_score,screening_id,rule_ids,ruleset_version,ruleset_hash,errors');
    expect(rows).toHaveLength(5);
    // No cell starts with a formula character unless defused by a leading quote.
    for (const row of rows.slice(1)) for (const cell of row.split(',')) expect(cell).not.toMatch(/^"?[=+\-@\t\r]/);
  }, 60_000);

  it('names the CSV column of a line the engine refuses (an unknown country), as it does for upload errors', async () => {
    const csv = [
      'reference,route_destination,item_model,item_quantity,buyer_name,buyer_country,payer_name,payer_country',
      'SO-A,DE,NVIDIA L4,1,Example GmbH,DE,Pay Ltd,Atlantis',
      'SO-B,DE,NVIDIA L4,1,Example GmbH,DE,,',
    ].join('\n');
    const res = await submit(csv, 'text/csv');
    expect(res.statusCode, res.body).toBe(202);
    await waitDone(res.json().id);
    const out = (await results(res.json().id, 'ndjson')).trim().split('\n').map((l) => JSON.parse(l));
    expect(out.map((r) => [r.line, r.status])).toEqual([
      [2, 'failed'],
      [3, 'screened'],
    ]);
    expect(out[0].errors).toEqual([expect.objectContaining({ field: 'payer_country' })]);
  }, 60_000);

  it('reads a JSON array, elements spanning lines, and reports the line where each starts', async () => {
    const body = `[\n${JSON.stringify(shipment('J-1'), null, 2)},\n  {"reference": "J-2", "items": [], "route": {"destination": "SG"}}\n]\n`;
    const res = await submit(body, 'application/json');
    expect(res.statusCode, res.body).toBe(202);
    const receipt = res.json();
    expect(receipt).toMatchObject({ total: 2, invalid: 1 });
    const j1Lines = JSON.stringify(shipment('J-1'), null, 2).split('\n').length;
    expect(receipt.lineErrors[0]).toMatchObject({ lineNo: 2 + j1Lines, field: '/items' });
    expect((await waitDone(receipt.id)).screened).toBe(1);
  }, 60_000);

  it('keeps one submitter’s batch invisible to another; reviewers and auditors see it', async () => {
    const res = await submit(JSON.stringify(shipment('ISO-1')), 'application/x-ndjson');
    const { id } = res.json();
    const other = await t.app.inject({ method: 'POST', url: '/v1/api-keys', headers: bearer(t.keys.admin.key), payload: { role: 'submitter', name: 'other ERP' } });
    const otherKey = other.json().key as string;
    for (const url of [`/v1/batches/${id}`, `/v1/batches/${id}/results`]) {
      expect((await t.app.inject({ method: 'GET', url, headers: bearer(otherKey) })).statusCode).toBe(404);
    }
    expect((await t.app.inject({ method: 'POST', url: `/v1/batches/${id}/cancel`, headers: bearer(otherKey) })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: `/v1/batches/${id}`, headers: bearer(t.keys.reviewer.key) })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: `/v1/batches/${id}/results`, headers: bearer(t.keys.auditor.key) })).statusCode).toBe(200);
    await waitDone(id);
  }, 60_000);
});

describe('bad input', () => {
  it('refuses wrong CSV columns per request, naming them, and stores nothing', async () => {
    const count = async () => JSON.stringify(await t.app.database.db.execute(sql`select count(*)::int as n from batches`).then((r) => (r as { rows?: unknown[] }).rows ?? r));
    const before = await count();
    const res = await submit('reference,destination,qty\nA,SG,1\n', 'text/csv');
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toMatch(/unknown columns "destination", "qty"/);
    const missing = await submit('reference,item_model\nA,NVIDIA L4\n', 'text/csv');
    expect(missing.json().detail).toMatch(/missing required columns "route_destination", "item_quantity"/);
    expect(await count()).toBe(before);
  });

  it('a 10 MB line, invalid UTF-8 and a CSV row with the wrong field count are per-line errors; the other lines are screened', async () => {
    const big = JSON.stringify({ ...shipment('BIG'), endUse: 'x'.repeat(10 * 1024 * 1024) });
    const badUtf8 = Buffer.concat([Buffer.from('{"reference": "BAD-'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    const body = Buffer.concat([
      Buffer.from(`${JSON.stringify(shipment('OK-1'))}\n${big}\n`),
      badUtf8,
      Buffer.from(`\n${JSON.stringify(shipment('OK-2'))}\n`),
    ]);
    const res = await submit(body, 'application/x-ndjson');
    expect(res.statusCode, res.body).toBe(202);
    const receipt = res.json();
    expect(receipt).toMatchObject({ total: 4, invalid: 2 });
    expect(receipt.lineErrors).toEqual([
      expect.objectContaining({ lineNo: 2, message: expect.stringMatching(/longer than 1048576 bytes/) }),
      expect.objectContaining({ lineNo: 3, message: 'not valid UTF-8' }),
    ]);
    expect((await waitDone(receipt.id)).screened).toBe(2);

    const csv = await submit('reference,route_destination,item_model,item_quantity\nC-1,SG,NVIDIA L4,1\nC-2,SG\nC-3,SG,NVIDIA L4,1\n', 'text/csv');
    expect(csv.json().lineErrors).toEqual([expect.objectContaining({ lineNo: 3, message: 'has 2 fields; the header has 4' })]);
    await waitDone(csv.json().id);
  }, 60_000);

  it('a NUL or an unpaired surrogate (in a reference, in a line JSON cannot parse, in a party name) is that line\'s error, never a 500 for the upload', async () => {
    // Postgres stores neither: text refuses NUL (22P05), json refuses "\ud800" (22P02). Staging such a line's
    // reference or error message used to fail the whole upload with a 500, the screened lines' batch failed.
    const body = [
      JSON.stringify(shipment('NUL-1')),
      JSON.stringify(shipment('NUL-2\u0000')), // refused (control character); its reference is staged
      '\u0000\u0000', // not JSON: the parser's message quotes the NULs
      JSON.stringify(shipment('NUL-4\ud800')),
      JSON.stringify(shipment('NUL-5', 'SG', { parties: [{ role: 'buyer', name: 'Bad \udc00 name', country: 'SG' }] })),
      JSON.stringify(shipment('NUL-6')),
    ].join('\n');
    const res = await submit(body, 'application/x-ndjson');
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ total: 6, invalid: 4 });
    expect(res.json().lineErrors).toEqual([
      expect.objectContaining({ lineNo: 2, field: '/reference', message: 'must not contain control characters' }),
      expect.objectContaining({ lineNo: 3, field: '/', message: expect.stringMatching(/^not valid JSON: .*\uFFFD/) }),
      expect.objectContaining({ lineNo: 4, field: '/reference', message: expect.stringMatching(/unpaired UTF-16 surrogate/) }),
      expect.objectContaining({ lineNo: 5, field: '/parties/0/name', message: expect.stringMatching(/unpaired UTF-16 surrogate/) }),
    ]);
    expect(await waitDone(res.json().id)).toMatchObject({ state: 'completed', screened: 2 });
    const lines = (await t.app.inject({ method: 'GET', url: `/v1/batches/${res.json().id}/results`, headers: bearer(t.keys.submitter.key) })).body.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.reference, l.status])).toEqual([
      ['NUL-1', 'screened'],
      ['NUL-2\uFFFD', 'invalid'],
      [null, 'invalid'],
      ['NUL-4\uFFFD', 'invalid'],
      ['NUL-5', 'invalid'],
      ['NUL-6', 'screened'],
    ]);
  }, 60_000);

  it('a million empty lines is one clear 400, an unclosed JSON array too; an unknown content type is 415', async () => {
    const empty = await submit('\n'.repeat(1_000_000), 'application/x-ndjson');
    expect(empty.statusCode).toBe(400);
    expect(empty.json().detail).toMatch(/no shipments/);
    const cut = await submit(`[${JSON.stringify(shipment('CUT'))},`, 'application/json');
    expect(cut.statusCode).toBe(400);
    expect(cut.json().detail).toMatch(/not closed/);
    const notArray = await submit(JSON.stringify(shipment('OBJ')), 'application/json');
    expect(notArray.statusCode).toBe(400);
    const xml = await t.app.inject({ method: 'POST', url: '/v1/batches', headers: { ...bearer(t.keys.submitter.key), 'content-type': 'application/xml' }, payload: '<x/>' });
    expect(xml.statusCode).toBe(415);
  }, 60_000);

  it('a chunk failing every retry: its lines are failed with the reason, the other chunks screened, the batch ends failed and batch.completed says so', async () => {
    const runChunk = t.app.batches.runChunk.bind(t.app.batches);
    // The chunk of lines 4–6 fails on every attempt (as with a database down for hours, or a poison line).
    t.app.batches.runChunk = async (job, now) => {
      if (job.fromLine === 4) throw new Error('engine worker crashed (test)');
      return runChunk(job, now);
    };
    try {
      const res = await submit(Array.from({ length: 9 }, (_, i) => JSON.stringify(shipment(`GU-${i + 1}`))).join('\n'), 'application/x-ndjson');
      expect(res.statusCode, res.body).toBe(202);
      const { id } = res.json();
      const done = await waitDone(id);
      expect(done).toMatchObject({ state: 'failed', total: 9, done: 9, screened: 6, failed: 3, invalid: 0, etaSeconds: 0 });
      expect(done.failure.linesNotScreened).toBe(3);
      expect(done.failure.reason).toMatch(/lines 4–6 failed 3 attempts; last error: engine worker crashed \(test\)/);

      const out = (await results(id, 'ndjson')).trim().split('\n').map((l) => JSON.parse(l));
      expect(out.map((r) => r.status)).toEqual(['screened', 'screened', 'screened', 'failed', 'failed', 'failed', 'screened', 'screened', 'screened']);
      expect(out[3].errors).toEqual([expect.objectContaining({ field: '/', code: 'not-screened', message: done.failure.reason })]);
      expect(await results(id, 'csv')).toMatch(/\r\n4,GU-4,failed,,,,,,,\/: not screened: the chunk of lines 4–6 failed 3 attempts/);
      // What the other chunks screened is in the audit log, once.
      expect((await linkedScreenings(id)).map((l) => Number(l.line_no))).toEqual([1, 2, 3, 7, 8, 9]);

      const [event] = await batchEvents(id);
      expect(event).toMatchObject({ ownerKeyId: t.keys.submitter.id, data: { batchId: id, state: 'failed', screened: 6, failed: 3, failure: done.failure } });
    } finally {
      t.app.batches.runChunk = runChunk;
    }
  }, 120_000);

  it('an upload whose process died (it stays receiving) is ended failed once idle for BATCH_UPLOAD_IDLE_SECONDS', async () => {
    // What a process that died mid-upload leaves: a receiving batch, some lines staged, nobody reading the rest.
    const idle = t.app.config.batch.uploadIdleSeconds * 1000;
    const started = new Date('2026-12-07T10:00:00Z');
    const staged = new Date(started.getTime() + idle / 2);
    const id = randomUUID();
    const db = t.app.database.db;
    await createBatch(db, { id, apiKeyId: t.keys.submitter.id, format: 'ndjson', createdAt: started.toISOString() });
    await stageLines(db, id, [1, 2, 3].map((n) => ({ lineNo: n, reference: `AB-${n}`, input: shipment(`AB-${n}`) as never })), staged.toISOString());
    await stageLines(db, id, [{ lineNo: 4, reference: 'AB-BAD', errors: [{ field: '/items', message: 'must have at least 1 item' }] as never }], staged.toISOString());

    // Its progress while it is received: what arrived so far, through the API and on the console's pages.
    const receiving = (await t.app.inject({ method: 'GET', url: `/v1/batches/${id}`, headers: bearer(t.keys.submitter.key) })).json();
    expect(receiving).toMatchObject({ state: 'receiving', received: 4, total: 0 });
    const page = await t.app.inject({ method: 'GET', url: `/batches/${id}`, headers: { ...bearer(t.keys.submitter.key), accept: 'text/html' } });
    expect(page.body).toContain('0 lines done of 4 received so far');
    const list = await t.app.inject({ method: 'GET', url: '/batches', headers: { ...bearer(t.keys.submitter.key), accept: 'text/html' } });
    expect(list.body).toContain('<td>4 so far</td>');

    // Idle since its last staged lines, not since it began: past the limit counted from the start, it is left alone.
    expect(await t.app.batches.failAbandonedUploads(new Date(started.getTime() + idle + 1000))).toEqual([]);
    expect(await t.app.batches.failAbandonedUploads(new Date(staged.getTime() + idle - 1000))).toEqual([]);
    // Idle past the limit: failed, with what it staged as its total.
    expect(await t.app.batches.failAbandonedUploads(new Date(staged.getTime() + idle + 1000))).toEqual([id]);
    const b = (await t.app.inject({ method: 'GET', url: `/v1/batches/${id}`, headers: bearer(t.keys.submitter.key) })).json();
    expect(b).toMatchObject({ state: 'failed', total: 4, received: 4, invalid: 1, screened: 0, failure: { linesNotScreened: 3 } });
    expect(b.failure.reason).toMatch(/broke off/);
    expect(await t.app.batches.failAbandonedUploads(new Date(staged.getTime() + 10 * idle))).toEqual([]);
    expect(events.filter((e) => e.type === 'batch.completed' && e.data.batchId === id)).toEqual([]);
  });

  it('an upload whose client stalls while its process lives is not taken for abandoned: the process keeps saying it is alive', async () => {
    let release!: () => void;
    const stalled = new Promise<void>((r) => (release = r));
    const line = (ref: string) => `${JSON.stringify(shipment(ref))}\n`;
    async function* body() {
      for (let i = 1; i <= 3; i++) yield line(`AL-${i}`);
      await stalled;
      yield line('AL-4');
    }
    const idle = t.app.config.batch.uploadIdleSeconds * 1000;
    let clock = new Date('2026-12-07T12:00:00Z');
    const principal = { keyId: t.keys.submitter.id, prefix: 'test', role: 'submitter' as const, name: 'submitter' };
    const submitted = t.app.batches.submit({ body: body(), format: 'ndjson', principal, now: () => clock });
    const row = async () =>
      ((await t.app.database.db.execute(sql`select b.id, b.state, b.received_at from batches b where exists (select 1 from batch_lines l where l.batch_id = b.id and l.reference = 'AL-1')`)) as unknown as {
        rows: Array<{ id: string; state: string; received_at: string | null }>;
      }).rows[0];
    for (let i = 0; i < 100 && !(await row())?.received_at; i++) await new Promise((r) => setTimeout(r, 50));
    // Long after its last lines (the client is slow), the process still reads the upload: it is not ended.
    clock = new Date(clock.getTime() + 10 * idle);
    for (let i = 0; i < 100 && new Date((await row())!.received_at!).getTime() !== clock.getTime(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(new Date((await row())!.received_at!).toISOString()).toBe(clock.toISOString());
    expect(await t.app.batches.failAbandonedUploads(new Date(clock.getTime() + idle - 1000))).toEqual([]);
    release();
    const receipt = await submitted;
    expect(receipt).toMatchObject({ total: 4, received: 4 });
    expect(await waitDone(receipt.id)).toMatchObject({ state: 'completed', screened: 4 });
  }, 60_000);

  it('a results download that broke off resumes after the last line it got (afterLine), CSV without a second header', async () => {
    const res = await submit(['RS-1', 'RS-2', 'RS-3', 'RS-4'].map((r) => JSON.stringify(shipment(r))).join('\n'), 'application/x-ndjson');
    const { id } = res.json();
    await waitDone(id);
    const get = (query: string) => t.app.inject({ method: 'GET', url: `/v1/batches/${id}/results?${query}`, headers: bearer(t.keys.submitter.key) });
    const full = (await get('format=ndjson')).body.trim().split('\n');
    expect(full.map((l) => JSON.parse(l).line)).toEqual([1, 2, 3, 4]);
    expect((await get('format=ndjson&afterLine=2')).body.trim().split('\n')).toEqual(full.slice(2));
    expect((await get('format=ndjson&afterLine=4')).body).toBe('');
    const csv = (await get('format=csv')).body.split('\r\n');
    const tail = (await get('format=csv&afterLine=1')).body.split('\r\n');
    expect(tail).toEqual(csv.slice(2)); // no header: appended to the partial file, it makes the whole
    for (const bad of ['afterLine=-1', 'afterLine=x', 'afterLine=1.5']) {
      const r = await get(`format=csv&${bad}`);
      expect(r.statusCode, bad).toBe(400);
      expect(r.body, bad).toMatch(/afterLine/);
    }
  }, 60_000);

  it('cancel stops a batch; what was screened stays', async () => {
    const res = await submit(Array.from({ length: 30 }, (_, i) => JSON.stringify(shipment(`CX-${i}`))).join('\n'), 'application/x-ndjson');
    const { id } = res.json();
    const cancel = await t.app.inject({ method: 'POST', url: `/v1/batches/${id}/cancel`, headers: bearer(t.keys.submitter.key) });
    expect(cancel.statusCode).toBe(200);
    expect(['cancelled', 'completed']).toContain(cancel.json().state);
    await new Promise((r) => setTimeout(r, 1500));
    const b = (await t.app.inject({ method: 'GET', url: `/v1/batches/${id}`, headers: bearer(t.keys.submitter.key) })).json();
    expect((await linkedScreenings(id)).length).toBe(b.screened);
    expect(b.screened).toBeLessThanOrEqual(30);
  }, 60_000);
});
