/**
 * Cancelling a batch leaves it consistent, whether it is still `receiving` or already `running`:
 * - while receiving (QA's reproduction: 50,000 NDJSON lines over a real connection, cancelled a moment
 *   in): the upload stops reading and staging and is answered 202 with the cancelled batch; its total is
 *   the lines received before the cancel, done never exceeds it, and no line of it is left `pending`;
 * - a stalled client's upload stops at once (cancel on this replica) or within a poll (another replica);
 * - while running: a chunk screening at the moment of the cancel stores nothing, queued chunks (also
 *   after a restart) do nothing, and the unscreened lines are `not-screened` in the results and the lines
 *   to look at;
 * - what was screened stays in the audit log once; the cancellation is an audit event naming who.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { cancelBatch, createBatch, stageLines } from '../../src/store/batches-repo.js';
import type { ScreeningEngine } from '../../src/services/active-ruleset.js';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';

let t: KeyedTestApp;
let base: string;

beforeAll(async () => {
  t = await makeKeyedApp(
    { rateLimitPerMinute: 0, batch: { chunkSize: 100, workers: 2, uploadHeartbeatMs: 200, uploadStatePollMs: 100 } as never },
    { loadRuleset: rulesOnly, sealIntervalMs: 0, queueTiming: { pollingIntervalSeconds: 0.5 } },
  );
  const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
  base = address;
}, 300_000);
afterAll(async () => t?.close(), 120_000);

const shipment = (ref: string, destination = 'SG') => ({
  reference: ref,
  shipDate: '2026-11-30',
  items: [{ model: 'NVIDIA H100 SXM5 80GB', quantity: 8 }],
  route: { origin: 'US', destination },
});
const line = (ref: string) => `${JSON.stringify(shipment(ref))}\n`;
const principal = () => ({ keyId: t.keys.submitter.id, prefix: 'test', role: 'submitter' as const, name: 'submitter' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Holds the engine's screening of every chunk after the first `free` until `release`: a batch with
 * chunks screening at the moment it is cancelled, and lines not screened yet.
 */
function holdScreening(free: number) {
  const engine = (t.app.batches as unknown as { engine: ScreeningEngine }).engine;
  const screenLines = engine.screenLines.bind(engine);
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const held = { calls: 0, waiting: 0, release: () => {
    open();
    engine.screenLines = screenLines;
  } };
  engine.screenLines = async (tasks, apiKeyId) => {
    if (held.calls++ >= free) {
      held.waiting++;
      await gate;
    }
    return screenLines(tasks, apiKeyId);
  };
  return held;
}

async function getBatch(id: string) {
  const res = await t.app.inject({ method: 'GET', url: `/v1/batches/${id}`, headers: bearer(t.keys.submitter.key) });
  expect(res.statusCode).toBe(200);
  return res.json();
}

async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  const r = await t.app.database.db.execute(query);
  return ((r as { rows?: T[] }).rows ?? r) as T[];
}

/** The batch whose first staged line has this reference (an upload still arriving has not answered with its id yet). */
async function batchOf(reference: string, timeoutMs = 20_000): Promise<string> {
  for (const until = Date.now() + timeoutMs; Date.now() < until; await sleep(25)) {
    const [row] = await rows<{ batch_id: string }>(sql`select batch_id from batch_lines where reference = ${reference} limit 1`);
    if (row) return row.batch_id;
  }
  throw new Error(`no batch staged ${reference}`);
}

async function results(id: string, format: 'ndjson' | 'csv' = 'ndjson') {
  const res = await t.app.inject({ method: 'GET', url: `/v1/batches/${id}/results?format=${format}`, headers: bearer(t.keys.submitter.key) });
  expect(res.statusCode).toBe(200);
  return format === 'csv' ? res.body : res.body.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { line: number; status: string; screeningId: string | null; errors: Array<{ code?: string; message: string }> });
}

/**
 * The invariants of a finished batch: done ≤ total; every staged line listed once, with an outcome (none
 * pending); each screened line one linked audit record, none stored twice; the not-screened ones are
 * total − done and say why.
 */
async function expectConsistent(id: string, refPrefix: string) {
  const b = await getBatch(id);
  const [{ n: staged } = { n: -1 }] = await rows<{ n: number }>(sql`select count(*)::int as n from batch_lines where batch_id = ${id}`);
  expect(b.total).toBe(Number(staged));
  expect(b.received).toBe(b.total);
  expect(b.done).toBeLessThanOrEqual(b.total);
  expect(b.done).toBe(b.screened + b.failed + b.invalid);
  const out = (await results(id)) as Array<{ line: number; status: string; screeningId: string | null; errors: Array<{ code?: string; message: string }> }>;
  expect(out).toHaveLength(b.total);
  expect(out.filter((r) => r.status === 'pending')).toEqual([]);
  expect(out.filter((r) => r.status === 'screened')).toHaveLength(b.screened);
  const notScreened = out.filter((r) => r.status === 'not-screened');
  expect(notScreened).toHaveLength(b.total - b.done);
  for (const r of notScreened) expect(r.errors[0]).toMatchObject({ code: 'batch-cancelled', message: expect.stringMatching(/^not screened: the batch was cancelled/) });
  // Nothing lost, nothing twice: one linked screening per screened line, and no screening of the batch's lines outside them.
  const linked = await rows<{ id: string }>(sql`select s.id from batch_results r join screenings s on s.id = r.screening_id where r.batch_id = ${id}`);
  expect(linked).toHaveLength(b.screened);
  const [{ n: stored } = { n: -1 }] = await rows<{ n: number }>(sql`select count(*)::int as n from screenings where reference like ${`${refPrefix}%`}`);
  expect(Number(stored)).toBe(b.screened);
  return { batch: b, out, notScreened };
}

describe('cancelling a batch that is still receiving', () => {
  it('QA: 50,000 NDJSON lines over a connection, cancelled a moment in — the upload stops and is answered 202 with the cancelled batch, counts consistent, nothing pending', async () => {
    const N = 50_000;
    const url = new URL('/v1/batches', base);
    // Screening falls behind the upload (as with QA's 9,500 of 50,000): the chunks after the first five are held.
    const held = holdScreening(5);
    let sent = 0;
    let sentAtAnswer = -1;
    let clientError: Error | null = null;
    const req = http.request(url, { method: 'POST', headers: { ...bearer(t.keys.submitter.key), 'content-type': 'application/x-ndjson' } });
    const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on('response', (res) => {
        sentAtAnswer = sent;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      });
      req.on('error', (err) => {
        clientError = err;
        reject(err);
      });
    });
    // A client sending at about 10,000 lines a second (the whole file takes ~5 s).
    const sending = (async () => {
      while (sent < N) {
        let ok = true;
        for (let i = 0; i < 100 && sent < N; i++) ok = req.write(line(`QA-${++sent}`)) && ok;
        if (!ok) await new Promise((r) => req.once('drain', r));
        await sleep(10);
      }
      await new Promise<void>((r) => req.end(r));
    })();

    const id = await batchOf('QA-1');
    let cancel;
    try {
      for (let i = 0; i < 400 && ((await getBatch(id)).received < 1000 || held.waiting === 0); i++) await sleep(25);
      cancel = await t.app.inject({ method: 'POST', url: `/v1/batches/${id}/cancel`, headers: bearer(t.keys.submitter.key) });
    } finally {
      held.release();
    }
    expect(cancel.statusCode).toBe(200);
    expect(cancel.json().screened).toBe(500);
    expect(cancel.json()).toMatchObject({ state: 'cancelled', uploadSha256: null, etaSeconds: 0 });
    expect(cancel.json().total).toBeGreaterThanOrEqual(1000);
    expect(cancel.json().done).toBeLessThanOrEqual(cancel.json().total);

    // The upload is answered at once with the cancelled batch, while the client is still sending.
    const answer = await answered;
    expect(answer.status, answer.body).toBe(202);
    const receipt = JSON.parse(answer.body);
    expect(receipt).toMatchObject({ id, state: 'cancelled', uploadSha256: null, total: cancel.json().total, received: cancel.json().total });
    expect(sentAtAnswer).toBeLessThan(N);
    // The rest of the body is read and discarded: the client finishes sending without an error.
    await sending;
    expect(clientError).toBeNull();

    await sleep(1500); // chunks queued before the cancel run, and do nothing
    const { batch, notScreened } = await expectConsistent(id, 'QA-');
    expect(batch).toMatchObject({ state: 'cancelled', total: cancel.json().total, uploadSha256: null });
    expect(batch.total).toBeLessThan(N);
    expect(batch.screened).toBe(cancel.json().screened);
    expect(notScreened.length).toBeGreaterThan(0);

    // The cancellation is in the sealed log, naming who cancelled and what was left unscreened.
    const [event] = await rows<{ payload: Record<string, unknown>; api_key_id: string }>(sql`select payload, api_key_id from audit_events where type = 'batch.cancelled' and payload->>'batchId' = ${id}`);
    expect(event?.api_key_id).toBe(t.keys.submitter.id);
    expect(event?.payload).toMatchObject({ from: 'receiving', total: batch.total, screened: batch.screened, notScreened: batch.total - batch.done, actor: { keyId: t.keys.submitter.id } });

    // The console's lines to look at list them too (no decision exists for them).
    const attention = await t.app.batches.attention(id, null, 0, 100_000);
    expect(attention.lines.filter((l) => l.status === 'not-screened')).toHaveLength(batch.total - batch.done);
    const first = attention.lines.find((l) => l.status === 'not-screened')!;
    const page = await t.app.inject({ method: 'GET', url: `/batches/${id}?after=${first.lineNo - 1}`, headers: { ...bearer(t.keys.submitter.key), accept: 'text/html' } });
    expect(page.body).toContain('not-screened');
    expect(page.body).toContain('not screened: the batch was cancelled');
    // The CSV says the same.
    expect(await results(id, 'csv')).toMatch(/\r\n\d+,QA-\d+,not-screened,,,,,,,\/: not screened: the batch was cancelled at /);
  }, 120_000);

  it('a stalled client: cancelled on this replica, the upload is answered at once; the same Idempotency-Key is then a 409', async () => {
    const key = `cancel-${randomUUID()}`;
    async function* body() {
      for (let i = 1; i <= 250; i++) yield line(`ST-${i}`);
      await new Promise(() => undefined); // the client sends nothing more, ever
    }
    const submitted = t.app.batches.submit({ body: body(), format: 'ndjson', principal: principal(), now: () => new Date(), idempotencyKey: key });
    const id = await batchOf('ST-1');
    for (let i = 0; i < 200 && (await getBatch(id)).received < 200; i++) await sleep(25);
    const cancel = await t.app.inject({ method: 'POST', url: `/v1/batches/${id}/cancel`, headers: bearer(t.keys.submitter.key) });
    expect(cancel.json()).toMatchObject({ state: 'cancelled', total: 200, received: 200 });
    const receipt = await Promise.race([submitted, sleep(5000).then(() => 'still waiting for the client' as const)]);
    expect(receipt).toMatchObject({ id, state: 'cancelled', total: 200, received: 200, uploadSha256: null });
    await sleep(1000);
    await expectConsistent(id, 'ST-');

    const again = await t.app.inject({ method: 'POST', url: '/v1/batches', headers: { ...bearer(t.keys.submitter.key), 'content-type': 'application/x-ndjson', 'idempotency-key': key }, payload: line('ST-1') });
    expect(again.statusCode).toBe(409);
    expect(again.json().detail).toMatch(/cancelled before its upload was complete/);
  }, 60_000);

  it('cancelled on another replica: the upload sees it within a poll and stops', async () => {
    async function* body() {
      for (let i = 1; i <= 150; i++) yield line(`RP-${i}`);
      await new Promise(() => undefined);
    }
    const submitted = t.app.batches.submit({ body: body(), format: 'ndjson', principal: principal(), now: () => new Date() });
    const id = await batchOf('RP-1');
    // What POST /cancel does on the other replica: this process's upload is not told directly.
    expect(await cancelBatch(t.app.database.db, id, new Date().toISOString(), t.keys.reviewer.id)).toMatchObject({ state: 'cancelled', total: 100 });
    const receipt = await Promise.race([submitted, sleep(5000).then(() => 'still waiting for the client' as const)]);
    expect(receipt).toMatchObject({ id, state: 'cancelled', total: 100, received: 100 });
    await sleep(1000);
    await expectConsistent(id, 'RP-');
  }, 60_000);
});

describe('cancelling a running batch', () => {
  it('a chunk screening at the moment of the cancel stores nothing; queued chunks — also after a restart — do nothing; unscreened lines are not-screened', async () => {
    // The first chunk is screened; the others are held mid-screening until the batch is cancelled.
    const held = holdScreening(1);
    let id: string;
    try {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/batches',
        headers: { ...bearer(t.keys.submitter.key), 'content-type': 'application/x-ndjson' },
        payload: Array.from({ length: 300 }, (_, i) => line(`RU-${i + 1}`)).join(''),
      });
      expect(res.statusCode, res.body).toBe(202);
      id = res.json().id;
      for (let i = 0; i < 400 && ((await getBatch(id)).screened < 100 || held.waiting === 0); i++) await sleep(25);
      expect(held.waiting).toBeGreaterThan(0);
      const cancel = await t.app.inject({ method: 'POST', url: `/v1/batches/${id}/cancel`, headers: bearer(t.keys.reviewer.key) });
      expect(cancel.json()).toMatchObject({ state: 'cancelled', total: 300, screened: 100, done: 100 });
    } finally {
      held.release();
    }
    await sleep(2000); // the held chunks finish screening and try to commit; the queued one runs
    const { batch, notScreened } = await expectConsistent(id, 'RU-');
    expect(batch).toMatchObject({ state: 'cancelled', total: 300, screened: 100, done: 100 });
    expect(notScreened).toHaveLength(200);

    // A restart runs what the queue still holds for it: the chunk jobs, a dead letter, the abandoned-upload reaper.
    for (const fromLine of [1, 101, 201]) await t.app.batches.runChunk({ batchId: id, fromLine, toLine: fromLine + 99 });
    await t.app.batches.giveUpChunk({ batchId: id, fromLine: 101, toLine: 200 }, { output: { message: 'test' } });
    await t.app.batches.failAbandonedUploads(new Date(Date.now() + 10 * 86_400_000));
    await t.app.batches.publishFinished({ batchId: id });
    const after = await expectConsistent(id, 'RU-');
    expect(after.batch).toMatchObject({ state: 'cancelled', total: 300, screened: 100, finishedAt: batch.finishedAt });
    // Cancelling again changes nothing.
    const again = await t.app.inject({ method: 'POST', url: `/v1/batches/${id}/cancel`, headers: bearer(t.keys.submitter.key) });
    expect(again.json()).toMatchObject({ state: 'cancelled', total: 300, screened: 100, finishedAt: batch.finishedAt });
    const events = await rows<{ payload: Record<string, unknown> }>(sql`select payload from audit_events where type = 'batch.cancelled' and payload->>'batchId' = ${id}`);
    expect(events.map((e) => e.payload)).toEqual([expect.objectContaining({ from: 'running', total: 300, screened: 100, notScreened: 200, actor: expect.objectContaining({ keyId: t.keys.reviewer.id }) })]);
  }, 120_000);
});

describe('an upload that broke off', () => {
  it('lists its lines never screened as not-screened (the upload was incomplete), not pending', async () => {
    const id = randomUUID();
    const db = t.app.database.db;
    const at = new Date('2026-12-07T10:00:00Z');
    await createBatch(db, { id, apiKeyId: t.keys.submitter.id, format: 'ndjson', createdAt: at.toISOString() });
    await stageLines(db, id, [1, 2].map((n) => ({ lineNo: n, reference: `BO-${n}`, input: shipment(`BO-${n}`) as never })), at.toISOString());
    expect(await t.app.batches.failAbandonedUploads(new Date(at.getTime() + 10 * t.app.config.batch.uploadIdleSeconds * 1000))).toContain(id);
    const out = (await results(id)) as Array<{ status: string; errors: Array<{ code?: string }> }>;
    expect(out.map((r) => [r.status, r.errors[0]?.code])).toEqual([
      ['not-screened', 'upload-incomplete'],
      ['not-screened', 'upload-incomplete'],
    ]);
    // A batch that no longer takes lines stages nothing more.
    expect(await stageLines(db, id, [{ lineNo: 3, reference: 'BO-3', input: shipment('BO-3') as never }], at.toISOString())).toBe(false);
    expect((await getBatch(id)).total).toBe(2);
  });
});
