/**
 * Idempotency-Key on POST /v1/batches: an ERP whose 202 was lost after a long upload sends the file
 * again under the same key and gets the batch it already made — nothing screened or stored twice.
 * The key with another file is a 409; one whose upload is still arriving is a 409 with Retry-After;
 * one whose upload broke off is free again; keys are per submitter.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createBatch, stageLines } from '../../src/store/batches-repo.js';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';
import type { ChokepointEvent } from '../../src/services/events.js';

let t: KeyedTestApp;
const events: ChokepointEvent[] = [];

beforeAll(async () => {
  t = await makeKeyedApp({ rateLimitPerMinute: 0, batch: { chunkSize: 2, workers: 2 } as never }, { loadRuleset: rulesOnly, sealIntervalMs: 0, queueTiming: { pollingIntervalSeconds: 0.5 } });
  t.app.events.subscribe((e) => void events.push(e));
}, 300_000);
afterAll(async () => t?.close(), 120_000);

const shipment = (ref: string) => ({ reference: ref, shipDate: '2026-11-30', items: [{ model: 'NVIDIA H100 SXM5 80GB', quantity: 8 }], route: { origin: 'US', destination: 'SG' } });
const ndjson = (prefix: string, n: number, bad = true) =>
  [...Array.from({ length: n }, (_, i) => JSON.stringify(shipment(`${prefix}-${i + 1}`))), ...(bad ? ['{"reference": "' + prefix + '-BAD", "items": []}'] : [])].join('\n');

const upload = (body: string, key: string | null, apiKey = t.keys.submitter.key, type = 'application/x-ndjson') =>
  t.app.inject({ method: 'POST', url: '/v1/batches', headers: { ...bearer(apiKey), 'content-type': type, ...(key ? { 'idempotency-key': key } : {}) }, payload: body });

async function waitDone(id: string) {
  for (let i = 0; i < 400; i++) {
    const b = (await t.app.inject({ method: 'GET', url: `/v1/batches/${id}`, headers: bearer(t.keys.admin.key) })).json();
    if (['completed', 'cancelled', 'failed'].includes(b.state)) return b;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('batch did not finish');
}

const count = async (query: ReturnType<typeof sql>) => {
  const res = (await t.app.database.db.execute(query)) as unknown as { rows: Array<{ n: number }> };
  return Number(res.rows[0]!.n);
};
const linked = async (batchId: string) =>
  ((await t.app.database.db.execute(sql`select line_no, screening_id from batch_results where batch_id = ${batchId} order by line_no`)) as unknown as { rows: Array<{ line_no: number; screening_id: string }> }).rows.map((r) => ({
    line_no: Number(r.line_no),
    screening_id: r.screening_id,
  }));
const batchesOf = (prefix: string) => count(sql`select count(distinct batch_id)::int as n from batch_lines where reference like ${`${prefix}-%`}`);
const screeningsOf = (prefix: string) => count(sql`select count(*)::int as n from screenings where reference like ${`${prefix}-%`}`);

describe('POST /v1/batches with Idempotency-Key', () => {
  it('a retry with the same key and file gets the same batch and receipt; nothing is screened twice', async () => {
    const body = ndjson('IK', 5);
    const first = await upload(body, 'nightly-2026-12-07');
    expect(first.statusCode, first.body).toBe(202);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const receipt = first.json();
    expect(receipt.uploadSha256).toBe(createHash('sha256').update(body).digest('hex'));
    expect(receipt.lineErrors.length).toBeGreaterThan(0);
    expect(receipt.lineErrors.map((e: { lineNo: number }) => e.lineNo)).toEqual(receipt.lineErrors.map(() => 6));

    // The answer was lost; the ERP sends the file again — while it is screened, and after.
    const again = await upload(body, 'nightly-2026-12-07');
    expect(again.statusCode, again.body).toBe(202);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toMatchObject({ id: receipt.id, total: 6, invalid: 1, uploadSha256: receipt.uploadSha256, lineErrors: receipt.lineErrors });
    const done = await waitDone(receipt.id);
    expect(done).toMatchObject({ state: 'completed', screened: 5 });
    const page = await t.app.inject({ method: 'GET', url: `/batches/${receipt.id}`, headers: { ...bearer(t.keys.submitter.key), accept: 'text/html' } });
    expect(page.body).toContain(`<dt>File sha256</dt><dd><code>${receipt.uploadSha256}</code></dd>`);
    const late = await upload(body, 'nightly-2026-12-07');
    expect(late.json()).toMatchObject({ id: receipt.id, state: 'completed', screened: 5 });

    expect(await batchesOf('IK')).toBe(1);
    expect(await screeningsOf('IK')).toBe(5);
    await new Promise((r) => setTimeout(r, 500));
    expect(events.filter((e) => e.type === 'batch.completed' && e.data.batchId === receipt.id)).toHaveLength(1);
  }, 60_000);

  it('the same key with another file, or the same bytes as another format, is a 409 and stores nothing', async () => {
    const first = await upload(ndjson('IC', 2, false), 'order-file-7');
    expect(first.statusCode).toBe(202);
    const changed = await upload(ndjson('IC', 3, false), 'order-file-7');
    expect(changed.statusCode, changed.body).toBe(409);
    expect(changed.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(changed.json().detail).toMatch(/another upload .* new key/);
    const asJson = await upload(ndjson('IC', 2, false), 'order-file-7', t.keys.submitter.key, 'application/jsonl');
    expect(asJson.statusCode).toBe(202); // application/jsonl is NDJSON too: the same upload
    const otherFormat = await upload(`[${JSON.stringify(shipment('IC-1'))},${JSON.stringify(shipment('IC-2'))}]`, 'order-file-7', t.keys.submitter.key, 'application/json');
    expect(otherFormat.statusCode).toBe(409);
    await waitDone(first.json().id);
    expect(await batchesOf('IC')).toBe(1);
    expect(await screeningsOf('IC')).toBe(2);
  }, 60_000);

  it('keys are per submitter; without a key every upload is a new batch; a malformed key is a 400 naming the header', async () => {
    const body = ndjson('IS', 1, false);
    const mine = await upload(body, 'shared-key');
    const theirs = await upload(body, 'shared-key', t.keys.reviewer.key);
    expect(mine.statusCode).toBe(202);
    expect(theirs.statusCode).toBe(202);
    expect(theirs.json().id).not.toBe(mine.json().id);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    const noKey = [await upload(ndjson('IN', 1, false), null), await upload(ndjson('IN', 1, false), null)];
    expect(noKey[0]!.json().id).not.toBe(noKey[1]!.json().id);
    const bad = await upload(body, 'has space');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatch(/idempotency-key/i);
    for (const r of [mine, theirs, ...noKey]) await waitDone(r.json().id);
    expect(await batchesOf('IS')).toBe(2);
    expect(await batchesOf('IN')).toBe(2);
  }, 60_000);

  it('two uploads under one key at the same moment make one batch: the other is told the first is arriving', async () => {
    const gates: Array<() => void> = [];
    const principal = { keyId: t.keys.submitter.id, prefix: 'test', role: 'submitter' as const, name: 'submitter' };
    const start = () => {
      const gate = new Promise<void>((r) => gates.push(r));
      async function* body() {
        yield `${JSON.stringify(shipment('IR-1'))}\n`;
        await gate;
        yield `${JSON.stringify(shipment('IR-2'))}\n`;
      }
      return t.app.batches.submit({ body: body(), format: 'ndjson', principal, now: () => new Date(), idempotencyKey: 'race' }).then(
        (b) => ({ ok: true as const, id: b.id }),
        (e: { status?: number; code?: string }) => ({ ok: false as const, status: e.status, code: e.code }),
      );
    };
    // Both look the key up before either has read a line (and so before either has made its batch).
    const both = [start(), start()];
    for (let i = 0; i < 100 && gates.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    for (const open of gates) open();
    const outcomes = await Promise.all(both);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    expect(outcomes.filter((o) => !o.ok)).toEqual([{ ok: false, status: 409, code: 'idempotency-in-progress' }]);
    await waitDone(outcomes.find((o) => o.ok)!.id!);
    expect(await batchesOf('IR')).toBe(1);
    expect(await screeningsOf('IR')).toBe(2);
  }, 60_000);

  it('a key whose upload died with its process (idle past BATCH_UPLOAD_IDLE_SECONDS) is free to the retry at once, not when the reaper next runs', async () => {
    // What a process killed mid-upload leaves under the key: a receiving batch, staged lines, nobody reading the rest.
    const idle = t.app.config.batch.uploadIdleSeconds * 1000;
    const then = new Date(Date.now() - idle - 60_000).toISOString();
    const dead = '00000000-0000-4000-8000-0000000dead1';
    await createBatch(t.app.database.db, { id: dead, apiKeyId: t.keys.submitter.id, format: 'ndjson', createdAt: then, idempotencyKey: 'killed-mid-upload' });
    await stageLines(t.app.database.db, dead, [{ lineNo: 1, reference: 'ID-1', input: shipment('ID-1') }], then);
    const retry = await upload(ndjson('ID', 2, false), 'killed-mid-upload');
    expect(retry.statusCode, retry.body).toBe(202);
    expect(retry.json().id).not.toBe(dead);
    expect(await waitDone(retry.json().id)).toMatchObject({ state: 'completed', screened: 2 });
    const old = (await t.app.inject({ method: 'GET', url: `/v1/batches/${dead}`, headers: bearer(t.keys.admin.key) })).json();
    expect(old).toMatchObject({ state: 'failed', total: 1, failure: { linesNotScreened: 1 } });
  }, 60_000);

  it('the retry of uploads killed mid-way takes over the lines they screened (same line, same shipment): each shipment stored once', async () => {
    const db = t.app.database.db;
    const idle = t.app.config.batch.uploadIdleSeconds * 1000;
    const at = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();
    const line = (n: number, destination = 'SG') => ({ lineNo: n, reference: `TK-${n}`, input: JSON.parse(JSON.stringify({ ...shipment(`TK-${n}`), route: { origin: 'US', destination } })) });
    // A first upload, killed after its lines 1–2 were staged and line 1 screened (its chunk ran while it was received).
    const first = '00000000-0000-4000-8000-00000000dea1';
    await createBatch(db, { id: first, apiKeyId: t.keys.submitter.id, format: 'ndjson', createdAt: at(3 * idle), idempotencyKey: 'order-file-1207' });
    await stageLines(db, first, [line(1), line(2)], at(3 * idle));
    await t.app.batches.runChunk({ batchId: first, fromLine: 1, toLine: 1 });
    expect(await t.app.batches.failAbandonedUploads(new Date(Date.now() - idle))).toEqual([first]);
    // Its retry, killed in turn: lines 1–3 staged; line 2 screened, and line 3 — which differs from the file sent
    // next (the ERP changed the order in between) — screened too.
    const second = '00000000-0000-4000-8000-00000000dea2';
    await createBatch(db, { id: second, apiKeyId: t.keys.submitter.id, format: 'ndjson', createdAt: at(2 * idle), idempotencyKey: 'order-file-1207' });
    await stageLines(db, second, [line(1), line(2), line(3, 'DE')], at(2 * idle), [first]);
    await t.app.batches.runChunk({ batchId: second, fromLine: 1, toLine: 3 });
    const before = new Map((await linked(second)).map((r) => [r.line_no, r.screening_id]));
    expect(before.size).toBe(3);

    // The third try completes (the retry ends the idle second upload itself, as the reaper would).
    const res = await upload(ndjson('TK', 5, false), 'order-file-1207');
    expect(res.statusCode, res.body).toBe(202);
    const retry = res.json() as { id: string };
    const done = await waitDone(retry.id);
    expect(done).toMatchObject({ state: 'completed', total: 5, screened: 5, resumed: { from: [first, second], lines: 2 } });
    // The lines taken over count by their decisions like the lines screened now.
    expect(Object.values(done.counts as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(5);
    const after = new Map((await linked(retry.id)).map((r) => [r.line_no, r.screening_id]));
    // Lines 1 and 2 are the screenings made before (line 1 by the first upload, taken over by the second); line 3
    // changed, so it was screened again; 4 and 5 were never screened before.
    expect(after.get(1)).toBe(before.get(1));
    expect(after.get(2)).toBe(before.get(2));
    expect(after.get(3)).not.toBe(before.get(3));
    expect(await count(sql`select (count(*) - count(distinct reference))::int as n from screenings where reference in ('TK-1', 'TK-2', 'TK-4', 'TK-5')`)).toBe(0);
    expect(await screeningsOf('TK')).toBe(6); // five references once each, and line 3's earlier shipment (to DE)
    const results = (await t.app.inject({ method: 'GET', url: `/v1/batches/${retry.id}/results`, headers: bearer(t.keys.submitter.key) })).body.trim().split('\n').map((l) => JSON.parse(l));
    expect(results.map((r) => [r.line, r.status, r.screeningId])).toEqual([1, 2, 3, 4, 5].map((n) => [n, 'screened', after.get(n)]));
    // The console's batch page says so, with links to the uploads it resumed.
    const page = await t.app.inject({ method: 'GET', url: `/batches/${retry.id}`, headers: { ...bearer(t.keys.submitter.key), accept: 'text/html' } });
    expect(page.body).toContain('2 of them taken over from the failed uploads <a href="/batches/00000000-0000-4000-8000-00000000dea1">00000000</a>, <a href="/batches/00000000-0000-4000-8000-00000000dea2">00000000</a>');
    // The killed uploads stay failed; the key is the completed batch's, and the same file again replays it.
    const again = await upload(ndjson('TK', 5, false), 'order-file-1207');
    expect(again.json()).toMatchObject({ id: retry.id, resumed: { lines: 2 } });
    expect(again.headers['idempotent-replayed']).toBe('true');
  }, 60_000);

  it('an upload that broke off is resumed by its retry: the lines its chunks had screened are not screened again', async () => {
    let brokeOff!: () => void;
    const dropped = new Promise<void>((r) => (brokeOff = r));
    const file = ndjson('BO', 8, false).split('\n');
    async function* flaky() {
      for (const l of file.slice(0, 5)) yield `${l}\n`;
      await dropped;
      throw new Error('the connection dropped');
    }
    const principal = { keyId: t.keys.submitter.id, prefix: 'test', role: 'submitter' as const, name: 'submitter' };
    const first = t.app.batches.submit({ body: flaky(), format: 'ndjson', principal, now: () => new Date(), idempotencyKey: 'nightly-bo' }).catch((e: Error) => e);
    // Chunks of two run while the upload is received: wait until lines 1–4 are screened, then the link drops.
    for (let i = 0; i < 200 && (await count(sql`select count(*)::int as n from screenings where reference like 'BO-%'`)) < 4; i++) await new Promise((r) => setTimeout(r, 50));
    brokeOff();
    expect(await first).toBeInstanceOf(Error);
    const failed = await count(sql`select count(*)::int as n from batches where released_idempotency_key = 'nightly-bo' and state = 'failed'`);
    expect(failed).toBe(1);

    const retry = await upload(file.join('\n'), 'nightly-bo');
    expect(retry.statusCode, retry.body).toBe(202);
    const done = await waitDone(retry.json().id);
    expect(done).toMatchObject({ state: 'completed', total: 8, screened: 8, resumed: { lines: 4 } });
    // Every reference of the file is in the audit log once.
    expect(await screeningsOf('BO')).toBe(8);
    expect(await count(sql`select count(distinct reference)::int as n from screenings where reference like 'BO-%'`)).toBe(8);
  }, 60_000);

  it('while the first upload is still arriving the key is a 409 with Retry-After; a key whose upload broke off is free again', async () => {
    let release!: () => void;
    const stalled = new Promise<void>((r) => (release = r));
    async function* slow() {
      for (let i = 1; i <= 3; i++) yield `${JSON.stringify(shipment(`IP-${i}`))}\n`;
      await stalled;
      throw new Error('the connection dropped');
    }
    const principal = { keyId: t.keys.submitter.id, prefix: 'test', role: 'submitter' as const, name: 'submitter' };
    const first = t.app.batches.submit({ body: slow(), format: 'ndjson', principal, now: () => new Date(), idempotencyKey: 'flaky-link' }).catch((e: Error) => e);
    for (let i = 0; i < 100 && (await batchesOf('IP')) === 0; i++) await new Promise((r) => setTimeout(r, 50));
    const during = await upload(ndjson('IP', 3, false), 'flaky-link');
    expect(during.statusCode, during.body).toBe(409);
    expect(during.headers['retry-after']).toBe('5');
    expect(during.json().detail).toMatch(/still being received/);

    release();
    expect(await first).toBeInstanceOf(Error);
    const retry = await upload(ndjson('IP', 3, false), 'flaky-link');
    expect(retry.statusCode, retry.body).toBe(202);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    const done = await waitDone(retry.json().id);
    expect(done).toMatchObject({ state: 'completed', screened: 3 });
    // The broken one stays failed, without its key; the retry holds it now.
    const rows = (await t.app.database.db.execute(sql`select state, idempotency_key from batches where id in (select batch_id from batch_lines where reference like 'IP-%') order by created_at`)) as unknown as {
      rows: Array<{ state: string; idempotency_key: string | null }>;
    };
    expect(rows.rows).toEqual([
      { state: 'failed', idempotency_key: null },
      { state: 'completed', idempotency_key: 'flaky-link' },
    ]);
  }, 60_000);
});
