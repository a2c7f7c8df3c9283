/**
 * QA 13, defects 4 and 5. The batches list and a batch's page say who uploaded it (the key's holder, else
 * its name, else "—"), escaped; the upload form lists the CSV columns with the required ones marked (and a
 * refused header points at that list, not at a README the person may not have); the lines to look at say
 * "send again" only for refused and never-screened lines, while flagged lines wait for a decision — in the
 * work queue for those who have one, by a compliance officer for a submitter.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, makeKeyedApp, TEST_ADMIN_KEY, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';
import { CSV_COLUMNS } from '../../src/services/batch-input.js';
import { createBatch, stageLines } from '../../src/store/batches-repo.js';
import { REQUIRED_CSV_COLUMNS } from '../../src/console/views/batches.js';

let t: KeyedTestApp;
let holderKey: string;
beforeAll(async () => {
  t = await makeKeyedApp({ rateLimitPerMinute: 0, batch: { chunkSize: 3, workers: 2 } as never }, { loadRuleset: rulesOnly, sealIntervalMs: 0, queueTiming: { pollingIntervalSeconds: 0.5 } });
  const res = await t.app.inject({ method: 'POST', url: '/v1/api-keys', headers: bearer(TEST_ADMIN_KEY), payload: { role: 'submitter', name: 'sap <prod>', holder: 'Nightly <ERP> & Co' } });
  expect(res.statusCode, res.body).toBe(201);
  holderKey = res.json().key;
}, 300_000);
afterAll(async () => t?.close(), 120_000);

const page = (url: string, key: string) => t.app.inject({ method: 'GET', url, headers: { ...bearer(key), accept: 'text/html' } });
const apiUpload = async (key: string, csv: string) => {
  const res = await t.app.inject({ method: 'POST', url: '/v1/batches', headers: { ...bearer(key), 'content-type': 'text/csv' }, payload: csv });
  expect(res.statusCode, res.body).toBe(202);
  return res.json().id as string;
};
async function finished(id: string, key: string) {
  for (let i = 0; i < 400; i++) {
    const res = await page(`/batches/${id}`, key);
    expect(res.statusCode).toBe(200);
    if (!res.headers.refresh) return res;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('batch did not finish');
}
/** A multipart upload as the console's form sends it. */
function multipart(fields: Record<string, string>, file: { value: string; filename: string }) {
  const boundary = `----qa13${Math.random().toString(16).slice(2)}`;
  const parts = Object.entries(fields).map(([n, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${n}"\r\n\r\n${v}\r\n`);
  parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.filename}"\r\nContent-Type: text/csv\r\n\r\n${file.value}\r\n`);
  return { payload: `${parts.join('')}--${boundary}--\r\n`, type: `multipart/form-data; boundary=${boundary}` };
}
const consoleUpload = (key: string, csv: string) => {
  const body = multipart({ format: 'csv' }, { value: csv, filename: 'orders.csv' });
  return t.app.inject({ method: 'POST', url: '/batches', headers: { ...bearer(key), accept: 'text/html', 'content-type': body.type }, payload: body.payload });
};

const HEADER = 'reference,ship_date,item_model,item_quantity,buyer_name,buyer_country,route_origin,route_destination';

describe('who uploaded a batch', () => {
  it('the list and the batch page name the holder, else the key name, else —, escaped', async () => {
    const byHolder = await apiUpload(holderKey, `${HEADER}\r\nUB-1,2026-11-30,NVIDIA L4,1,Northwind GmbH,DE,US,DE`);
    const byName = await apiUpload(t.keys.reviewer.key, `${HEADER}\r\nUB-2,2026-11-30,NVIDIA L4,1,Northwind GmbH,DE,US,DE`);
    // No key at all (as the CLI submits): nobody to name.
    const noKey = await t.app.batches.submit({
      body: (async function* () {
        yield `${HEADER}\r\nUB-3,2026-11-30,NVIDIA L4,1,Northwind GmbH,DE,US,DE\r\n`;
      })(),
      format: 'csv',
      principal: null,
      now: () => new Date(),
    });

    const list = await page('/batches', t.keys.admin.key);
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('<th>Uploaded by</th>');
    const cellOf = (id: string) => new RegExp(`<a href="/batches/${id}">[^<]*</a></td><td>([^<]*)</td>`).exec(list.body)?.[1];
    expect(cellOf(byHolder)).toBe('Nightly &lt;ERP&gt; &amp; Co');
    expect(cellOf(byName)).toBe(t.keys.reviewer.name);
    expect(cellOf(noKey.id)).toBe('—');
    expect(list.body).not.toContain('<ERP>');

    const one = await finished(byHolder, holderKey);
    expect(one.body).toContain('<dt>Uploaded by</dt><dd>Nightly &lt;ERP&gt; &amp; Co</dd>');
    expect((await finished(noKey.id, t.keys.admin.key)).body).toContain('<dt>Uploaded by</dt><dd>—</dd>');
    // A submitter sees its own batches, with its own name on them.
    const own = await page('/batches', holderKey);
    expect(own.body).toContain('Nightly &lt;ERP&gt; &amp; Co');
    expect(own.body).not.toContain(`href="/batches/${byName}"`);
  });
});

describe('the upload form and its CSV layout', () => {
  it('lists the CSV columns the service takes, the required ones marked', async () => {
    const res = await page('/batches', t.keys.submitter.key);
    const section = /<details class="csv-columns" id="csv-columns">([^]*?)<\/details>/.exec(res.body)?.[1];
    expect(section).toBeDefined();
    expect(res.body).toContain('<a href="#csv-columns">CSV columns</a>');
    expect(res.body).not.toContain('README');
    const required = [...section!.matchAll(/<code>([a-z_]+)<\/code> <strong class="required">\(required\)<\/strong>/g)].map((m) => m[1]);
    expect(required.sort()).toEqual([...REQUIRED_CSV_COLUMNS].sort());
    // Every column named exists, and every column the service knows is named (party columns by role and field).
    const named = new Set([...section!.matchAll(/<code>([a-z_]+)<\/code>/g)].map((m) => m[1]!));
    const roleOf = (c: string) => ['buyer', 'intermediate_consignee', 'ultimate_consignee', 'end_user', 'freight_forwarder', 'payer', 'exporter'].find((r) => c.startsWith(`${r}_`));
    for (const c of CSV_COLUMNS) {
      const role = roleOf(c);
      if (role) {
        expect(named.has(role), c).toBe(true);
        expect(named.has(c.slice(role.length + 1)), c).toBe(true);
      } else expect(named.has(c), c).toBe(true);
    }
  });

  it('the required marks are what the service refuses a file without; an unknown column points at the list', async () => {
    const full = ['reference', 'route_destination', 'item_quantity', 'item_model'];
    const row = { reference: 'RQ-1', route_destination: 'DE', item_quantity: '1', item_model: 'NVIDIA L4' } as Record<string, string>;
    for (const missing of REQUIRED_CSV_COLUMNS) {
      const cols = full.filter((c) => c !== missing);
      const res = await consoleUpload(t.keys.submitter.key, `${cols.join(',')}\r\n${cols.map((c) => row[c]).join(',')}`);
      expect(res.statusCode, missing).toBe(400);
      expect(res.body).toContain(`missing required column &quot;${missing}&quot;`);
      expect(res.body).toContain('<details class="csv-columns" id="csv-columns" open>');
    }
    // A column that is not required may be left out.
    const ok = await consoleUpload(t.keys.submitter.key, `${full.join(',')}\r\n${full.map((c) => row[c]).join(',')}`);
    expect(ok.statusCode, ok.body.slice(0, 300)).toBe(303);

    const unknown = await consoleUpload(t.keys.submitter.key, `reference,route_destination,item_quantity,colour\r\nRQ-2,DE,1,red`);
    expect(unknown.statusCode).toBe(400);
    expect(unknown.body).toContain('unknown column &quot;colour&quot;; the columns it takes are listed under CSV columns below');
    expect(unknown.body).not.toContain('README');
    expect(unknown.body).toContain('<details class="csv-columns" id="csv-columns" open>');
  });
});

describe('the lines to look at', () => {
  const csv = [
    HEADER,
    'LL-1,2026-11-30,NVIDIA L4,1,Northwind GmbH,DE,US,DE',
    'LL-2,2026-11-30,NVIDIA H100 SXM5 80GB,8,Havana Compute,CU,US,CU',
    'LL-3,2026-11-30,NVIDIA H100 SXM5 80GB,lots,Northwind GmbH,DE,US,DE',
  ].join('\r\n');
  const rowOf = (body: string, line: number) => new RegExp(`<tr><td>${line}</td>[^]*?</tr>`).exec(body)?.[0] ?? '';

  it('say "send again" only for refused lines; a flagged line waits for a decision in the work queue', async () => {
    const id = await apiUpload(t.keys.reviewer.key, csv);
    const res = await finished(id, t.keys.reviewer.key);
    const flagged = rowOf(res.body, 3);
    const refused = rowOf(res.body, 4);
    expect(flagged).toContain('BLOCK');
    expect(flagged).toContain('wait for a decision in the <a href="/queue">work queue</a>');
    expect(flagged).not.toMatch(/send/i);
    expect(refused).toContain('invalid');
    expect(refused).toContain('correct it and send it again');
    expect(res.body).toContain('they wait for a decision in the <a href="/queue">work queue</a>.');
    expect(res.body).not.toContain('send those again.</p>'); // the old advice covered flagged lines too
    expect(res.body).not.toContain('a compliance officer reviews');
  });

  it('a submitter, who has no work queue, is told a compliance officer reviews flagged lines', async () => {
    const id = await apiUpload(t.keys.submitter.key, csv);
    const res = await finished(id, t.keys.submitter.key);
    const flagged = rowOf(res.body, 3);
    expect(flagged).toContain('a compliance officer reviews it');
    expect(flagged).not.toMatch(/send/i);
    expect(res.body).toContain('a compliance officer reviews them.');
    expect(res.body).not.toContain('href="/queue"');
    expect(rowOf(res.body, 4)).toContain('correct it and send it again');
  });

  it('the lines of an upload that broke off, never screened, are to be sent again', async () => {
    const id = randomUUID();
    const db = t.app.database.db;
    const at = new Date('2026-12-07T10:00:00Z');
    await createBatch(db, { id, apiKeyId: t.keys.reviewer.id, format: 'ndjson', createdAt: at.toISOString() });
    const input = { reference: 'NS-1', items: [{ model: 'NVIDIA L4', quantity: 1 }], route: { destination: 'DE' } };
    await stageLines(db, id, [{ lineNo: 1, reference: 'NS-1', input: input as never }], at.toISOString());
    expect(await t.app.batches.failAbandonedUploads(new Date(at.getTime() + 10 * t.app.config.batch.uploadIdleSeconds * 1000))).toContain(id);
    const res = await page(`/batches/${id}`, t.keys.reviewer.key);
    expect(res.statusCode).toBe(200);
    const row = rowOf(res.body, 1);
    expect(row).toContain('not-screened');
    expect(row).toContain('send it again');
    expect(row).not.toContain('correct it');
    expect(res.body).toContain(`<dt>Uploaded by</dt><dd>${t.keys.reviewer.name}</dd>`);
  });
});
