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
