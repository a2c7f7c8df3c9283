/**
 * Batches in the console, over HTTP with a signed-in session (cookie + CSRF token), as a browser
 * sends them: a multipart upload goes to the same batch service as POST /v1/batches, the batch page
 * shows progress, the lines to look at (refused, flagged) and the downloads; the upload form refuses
 * a missing token, a file it cannot read and a file of no shipments with the form and the problem,
 * never a 5xx and never a half-made batch; a submitter sees only its own batches.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';
import { uploadFormat } from '../../src/console/routes-batches.js';

let t: KeyedTestApp;

beforeAll(async () => {
  t = await makeKeyedApp({ rateLimitPerMinute: 0, batch: { chunkSize: 3, workers: 2 } as never }, { loadRuleset: rulesOnly, sealIntervalMs: 0, queueTiming: { pollingIntervalSeconds: 0.5 } });
}, 300_000);
afterAll(async () => t?.close(), 120_000);

interface Session {
  cookie: string;
  csrf: string;
}

async function signIn(key: string): Promise<Session> {
  const res = await t.app.inject({ method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: new URLSearchParams({ key, next: '/batches' }).toString() });
  expect(res.statusCode, res.body.slice(0, 300)).toBe(303);
  const cookie = String(res.headers['set-cookie']).split(';')[0]!;
  const page = await t.app.inject({ method: 'GET', url: '/batches', headers: { cookie, accept: 'text/html' } });
  expect(page.statusCode).toBe(200);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
  expect(csrf).toBeTruthy();
  return { cookie, csrf: csrf! };
}

/** A multipart body as a browser builds it: the fields in document order, then the file. */
function multipart(parts: Array<{ name: string; value: string; filename?: string; type?: string }>) {
  const boundary = `----chokepoint${Math.random().toString(16).slice(2)}`;
  const chunks = parts.map((p) =>
    p.filename === undefined
      ? `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"\r\n\r\n${p.value}\r\n`
      : `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"; filename="${p.filename}"\r\nContent-Type: ${p.type ?? 'application/octet-stream'}\r\n\r\n${p.value}\r\n`,
  );
  return { payload: `${chunks.join('')}--${boundary}--\r\n`, type: `multipart/form-data; boundary=${boundary}` };
}

async function upload(s: Session, file: { value: string; filename: string; type?: string }, fields: Record<string, string> = { _csrf: s.csrf }) {
  const body = multipart([...Object.entries(fields).map(([name, value]) => ({ name, value })), { name: 'file', ...file }]);
  return t.app.inject({ method: 'POST', url: '/batches', headers: { cookie: s.cookie, accept: 'text/html', 'content-type': body.type }, payload: body.payload });
}

async function batchCount(): Promise<number> {
  const res = await t.app.database.db.execute(sql`select count(*)::int as n from batches`);
  return Number((((res as { rows?: unknown[] }).rows ?? res) as Array<{ n: number }>)[0]!.n);
}

async function waitFinished(s: Session, id: string) {
  for (let i = 0; i < 400; i++) {
    const res = await t.app.inject({ method: 'GET', url: `/batches/${id}`, headers: { cookie: s.cookie, accept: 'text/html' } });
    expect(res.statusCode).toBe(200);
    if (!res.headers.refresh) return res;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('batch did not finish');
}

const CSV_HEADER = 'reference,ship_date,item_model,item_quantity,buyer_name,buyer_country,route_origin,route_via,route_destination,end_use';

describe('console batches', () => {
  it('uploads a CSV, follows it to the end, lists the lines to look at and serves the results', async () => {
    const s = await signIn(t.keys.submitter.key);
    const csv = [
      CSV_HEADER,
      'CB-1,2026-11-30,NVIDIA H100 SXM5 80GB,8,Acme GmbH,DE,US,,DE,cloud hosting',
      'CB-2,2026-11-30,NVIDIA H100 SXM5 80GB,8,Havana Compute,CU,US,,CU,research',
      'CB-3,2026-11-30,NVIDIA H100 SXM5 80GB,lots,Acme GmbH,DE,US,,DE,cloud hosting',
      'CB-4,2026-11-30,NVIDIA L4,2,"=HYPERLINK(""http://x"")",SG,US,,SG,inference',
    ].join('\r\n');
    const res = await upload(s, { value: csv, filename: 'orders.csv', type: 'text/csv' });
    expect(res.statusCode, res.body.slice(0, 500)).toBe(303);
    const id = /^\/batches\/([0-9a-f-]{36})$/.exec(String(res.headers.location))?.[1];
    expect(id).toBeTruthy();

    const page = await waitFinished(s, id!);
    expect(page.body).toContain('completed');
    expect(page.body).toMatch(/4 of 4 lines done/);
    // The lines to look at: the refused quantity (line 4, its column named), the formula-like party name
    // (line 5, refused) and the BLOCK to Cuba, linked to its screening.
    expect(page.body).toMatch(/<td>4<\/td><td>CB-3<\/td><td>invalid<\/td>\s*<td>[^]*?item_quantity/);
    expect(page.body).toMatch(/<td>5<\/td><td>CB-4<\/td><td>invalid<\/td>\s*<td>[^]*?starts like a spreadsheet formula/);
    expect(page.body).toMatch(/<td>3<\/td><td>CB-2<\/td><td><span class="badge d-block">BLOCK<\/span><\/td>\s*<td><a href="\/screenings\/[0-9a-f-]{36}">/);
    // Exactly the lines that are not CLEAR screenings, as the results say.
    const outcomes = (await t.app.inject({ method: 'GET', url: `/v1/batches/${id}/results`, headers: bearer(t.keys.submitter.key) })).body.trim().split('\n').map((l) => JSON.parse(l) as { line: number; status: string; decision: string | null });
    const listed = [...page.body.matchAll(/<tr><td>(\d+)<\/td><td>CB-/g)].map((m) => Number(m[1]));
    expect(listed).toEqual(outcomes.filter((o) => o.status !== 'screened' || o.decision !== 'CLEAR').map((o) => o.line));

    const csvOut = await t.app.inject({ method: 'GET', url: `/batches/${id}/results?format=csv`, headers: { cookie: s.cookie } });
    expect(csvOut.statusCode).toBe(200);
    expect(csvOut.headers['content-disposition']).toBe(`attachment; filename="batch-${id}.csv"`);
    const rows = csvOut.body.trim().split('\r\n');
    expect(rows[0]).toBe('line,reference,status,decision,risk_score,screening_id,rule_ids,ruleset_version,ruleset_hash,errors');
    expect(rows.slice(1).map((r) => r.split(',').slice(0, 3).join(','))).toEqual(['2,CB-1,screened', '3,CB-2,screened', '4,CB-3,invalid', '5,CB-4,invalid']);

    // The list shows it; the API agrees on the numbers.
    const list = await t.app.inject({ method: 'GET', url: '/batches', headers: { cookie: s.cookie, accept: 'text/html' } });
    expect(list.body).toContain(`href="/batches/${id}"`);
    const api = await t.app.inject({ method: 'GET', url: `/v1/batches/${id}`, headers: bearer(t.keys.submitter.key) });
    expect(api.json()).toMatchObject({ state: 'completed', total: 4, screened: 2, invalid: 2 });
  });

  it('the same form sent twice (a double click, a resend) makes one batch; the form with another file is refused', async () => {
    const s = await signIn(t.keys.submitter.key);
    const form = await t.app.inject({ method: 'GET', url: '/batches', headers: { cookie: s.cookie, accept: 'text/html' } });
    const once = /name="_once" value="([0-9a-f-]{36})"/.exec(form.body)?.[1];
    expect(once).toBeDefined();
    const ship = (ref: string) => JSON.stringify({ reference: ref, shipDate: '2026-11-30', items: [{ model: 'NVIDIA L4', quantity: 1 }], route: { origin: 'US', destination: 'DE' } });
    const file = { value: `${ship('TW-1')}\n${ship('TW-2')}\n`, filename: 'twice.ndjson' };
    const before = await batchCount();
    const first = await upload(s, file, { _csrf: s.csrf, _once: once! });
    const second = await upload(s, file, { _csrf: s.csrf, _once: once! });
    expect(first.statusCode, first.body.slice(0, 300)).toBe(303);
    expect(second.statusCode, second.body.slice(0, 300)).toBe(303);
    expect(second.headers.location).toBe(first.headers.location);
    expect(await batchCount()).toBe(before + 1);
    const other = await upload(s, { value: `${ship('TW-3')}\n`, filename: 'other.ndjson' }, { _csrf: s.csrf, _once: once! });
    expect(other.statusCode).toBe(409);
    expect(other.body).toContain('this form was already used to upload another file');
    const fresh = /name="_once" value="([0-9a-f-]{36})"/.exec(other.body)?.[1];
    expect(fresh).toBeDefined();
    expect(fresh).not.toBe(once);
    expect(await batchCount()).toBe(before + 1);
    // Without a token (an older page), or with one that is not a token, each upload is its own batch.
    await upload(s, file, { _csrf: s.csrf, _once: 'not-a-token' });
    await upload(s, file);
    expect(await batchCount()).toBe(before + 3);
  });

  it('takes NDJSON by its file name and JSON when chosen in the form', async () => {
    const s = await signIn(t.keys.reviewer.key);
    const ship = (ref: string) => ({ reference: ref, shipDate: '2026-11-30', items: [{ model: 'NVIDIA H100 SXM5 80GB', quantity: 8 }], route: { origin: 'US', destination: 'JP' } });
    const a = await upload(s, { value: `${JSON.stringify(ship('N-1'))}\n${JSON.stringify(ship('N-2'))}\n`, filename: 'night.jsonl' });
    expect(a.statusCode, a.body.slice(0, 300)).toBe(303);
    const b = await upload(s, { value: JSON.stringify([ship('J-1')]), filename: 'export.txt' }, { _csrf: s.csrf, format: 'json' });
    expect(b.statusCode, b.body.slice(0, 300)).toBe(303);
    for (const res of [a, b]) {
      const id = String(res.headers.location).split('/').pop()!;
      const api = await t.app.inject({ method: 'GET', url: `/v1/batches/${id}`, headers: bearer(t.keys.reviewer.key) });
      expect(api.json().format).toBe(res === a ? 'ndjson' : 'json');
    }
  });

  it('refuses without the CSRF token, an unreadable file and an empty one with the form and the problem, storing no batch', async () => {
    const s = await signIn(t.keys.submitter.key);
    const before = await batchCount();
    const noToken = await upload(s, { value: `${CSV_HEADER}\r\nX-1,2026-11-30,NVIDIA L4,1,A,DE,US,,DE,x`, filename: 'a.csv' }, {});
    expect(noToken.statusCode).toBe(403);
    const wrongToken = await upload(s, { value: `${CSV_HEADER}\r\nX-1,2026-11-30,NVIDIA L4,1,A,DE,US,,DE,x`, filename: 'a.csv' }, { _csrf: 'forged' });
    expect(wrongToken.statusCode).toBe(403);

    const cases: Array<[string, { value: string; filename: string; type?: string }, number, RegExp]> = [
      ['no file chosen', { value: '', filename: '' }, 400, /choose a file/],
      ['a file of unknown kind', { value: 'hello', filename: 'notes.docx', type: 'application/msword' }, 400, /cannot tell the format/],
      ['a CSV with the wrong columns', { value: 'order,qty\r\n1,2', filename: 'x.csv' }, 400, /unknown columns/],
      ['a file with no shipments', { value: '\n\n\n', filename: 'x.ndjson' }, 400, /no shipments/],
      ['a JSON file that is not an array', { value: '{"a": 1}', filename: 'x.json' }, 400, /array/i],
    ];
    for (const [what, file, status, message] of cases) {
      const res = await upload(s, file);
      expect(res.statusCode, `${what}: ${res.body.slice(0, 300)}`).toBe(status);
      expect(res.body, what).toContain('<form method="post" action="/batches" enctype="multipart/form-data"');
      expect(res.body, what).toMatch(message);
      expect(res.body, what).toContain('aria-invalid="true"');
    }
    // A form that is not multipart at all.
    const plain = await t.app.inject({ method: 'POST', url: '/batches', headers: { cookie: s.cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, payload: `_csrf=${encodeURIComponent(s.csrf)}` });
    expect(plain.statusCode).toBe(415);
    // A broken multipart body (no closing boundary, a missing header line).
    const broken = await t.app.inject({ method: 'POST', url: '/batches', headers: { cookie: s.cookie, accept: 'text/html', 'content-type': 'multipart/form-data' }, payload: 'garbage' });
    expect(broken.statusCode).toBe(400);
    expect(await batchCount()).toBe(before);
  });

  it('a CSV saved as .ndjson is the form again with what the file looks like (415), not an error page; no batch', async () => {
    const s = await signIn(t.keys.submitter.key);
    const before = await batchCount();
    const csv = [CSV_HEADER, 'CB-M1,2026-11-30,NVIDIA L4,2,Acme GmbH,DE,US,,DE,inference'].join('\r\n');
    const res = await upload(s, { value: csv, filename: 'orders.ndjson', type: 'application/octet-stream' });
    expect(res.statusCode).toBe(415);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toMatch(/looks like CSV/);
    expect(res.body).toMatch(/<form[^>]+action="\/batches"/);
    expect(await batchCount()).toBe(before);
  });

  it('a form cut off inside the file, or multipart sent to another console form, is a 4xx page; the service carries on', async () => {
    const s = await signIn(t.keys.submitter.key);
    const post = (url: string, payload: string) =>
      t.app.inject({ method: 'POST', url, headers: { cookie: s.cookie, accept: 'text/html', 'content-type': 'multipart/form-data; boundary=xyz' }, payload });
    const head = `--xyz\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${s.csrf}\r\n--xyz\r\nContent-Disposition: form-data; name="file"; filename="cut.csv"\r\nContent-Type: text/csv\r\n\r\n`;
    // No closing boundary: busboy reports the part cut short while the batch service reads it.
    const cut = await post('/batches', `${head}${CSV_HEADER}\r\nCUT-1,2026-11-30,NVIDIA L4,1,Acme GmbH,DE,US,,DE,inference\r\n`);
    expect(cut.statusCode, cut.body.slice(0, 300)).toBe(400);
    expect(cut.body).toContain('the upload broke off');
    // The form's end alone, a field cut short, and bytes after the end.
    for (const payload of ['--xyz--\r\n', '--xyz\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\nabc', `${head}x\r\n--xyz--\r\nepilogue`, 'garbage']) {
      const res = await post('/batches', payload);
      expect(res.statusCode, JSON.stringify(payload)).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, JSON.stringify(payload)).toBeLessThan(500);
    }
    const admin = await signIn(t.keys.admin.key);
    for (const url of ['/keys', '/screenings/new', '/licences/new', '/logout']) {
      const res = await t.app.inject({ method: 'POST', url, headers: { cookie: admin.cookie, accept: 'text/html', 'content-type': 'multipart/form-data; boundary=xyz' }, payload: `${head}x\r\n` });
      expect(res.statusCode, url).toBe(415);
    }
    // Still serving: a whole upload goes through.
    const ok = await upload(s, { value: `${CSV_HEADER}\r\nAFTER-1,2026-11-30,NVIDIA L4,1,Acme GmbH,DE,US,,DE,inference`, filename: 'after.csv' });
    expect(ok.statusCode, ok.body.slice(0, 300)).toBe(303);
  });

  it('a submitter sees only its own batches; an auditor sees them all but gets no upload form and cannot cancel', async () => {
    const mine = await signIn(t.keys.submitter.key);
    const res = await upload(mine, { value: `${CSV_HEADER}\r\nOWN-1,2026-11-30,NVIDIA L4,1,Acme GmbH,DE,US,,DE,inference`, filename: 'own.csv' });
    const id = String(res.headers.location).split('/').pop()!;
    await waitFinished(mine, id);
    // Another submitter: not in its list, and the page is a 404 (as with screenings).
    const other = await t.app.inject({ method: 'POST', url: '/v1/api-keys', headers: bearer(t.keys.admin.key), payload: { role: 'submitter', name: 'other erp' } });
    const otherSession = await signIn(other.json().key);
    const otherList = await t.app.inject({ method: 'GET', url: '/batches', headers: { cookie: otherSession.cookie, accept: 'text/html' } });
    expect(otherList.body).not.toContain(id);
    expect((await t.app.inject({ method: 'GET', url: `/batches/${id}`, headers: { cookie: otherSession.cookie, accept: 'text/html' } })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: `/batches/${id}/results`, headers: { cookie: otherSession.cookie, accept: 'text/html' } })).statusCode).toBe(404);

    const auditor = await signIn(t.keys.auditor.key);
    const list = await t.app.inject({ method: 'GET', url: '/batches', headers: { cookie: auditor.cookie, accept: 'text/html' } });
    expect(list.body).toContain(id);
    expect(list.body).not.toContain('enctype="multipart/form-data"');
    const cancel = await t.app.inject({ method: 'POST', url: `/batches/${id}/cancel`, headers: { cookie: auditor.cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, payload: `_csrf=${encodeURIComponent(auditor.csrf)}` });
    expect(cancel.statusCode).toBe(403);
  });

  it('a running batch\'s page asks the browser to reload it and offers cancel; a cancelled one stops asking', async () => {
    const s = await signIn(t.keys.submitter.key);
    const res = await upload(s, { value: `${CSV_HEADER}\r\nRUN-1,2026-11-30,NVIDIA L4,1,Acme GmbH,DE,US,,DE,inference`, filename: 'run.csv' });
    const id = String(res.headers.location).split('/').pop()!;
    await waitFinished(s, id);
    // Put it back to running, as a batch whose chunks are still queued is (the workers are fast here).
    await t.app.database.db.execute(sql`update batches set state = 'running', finished_at = null, total = total + 5 where id = ${id}`);
    const running = await t.app.inject({ method: 'GET', url: `/batches/${id}`, headers: { cookie: s.cookie, accept: 'text/html' } });
    expect(running.headers.refresh).toBe('3');
    expect(running.body).toContain('Still running');
    expect(running.body).toMatch(/<progress max="6" value="1"/);
    const cancel = await t.app.inject({ method: 'POST', url: `/batches/${id}/cancel`, headers: { cookie: s.cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, payload: `_csrf=${encodeURIComponent(s.csrf)}` });
    expect(cancel.statusCode).toBe(303);
    const after = await t.app.inject({ method: 'GET', url: `/batches/${id}`, headers: { cookie: s.cookie, accept: 'text/html' } });
    expect(after.headers.refresh).toBeUndefined();
    expect(after.body).toContain('st-cancelled');
    expect(after.body).not.toContain('Cancel the batch');
  });

  it('a bad page cursor or line number is a 400 page, an unknown batch a 404', async () => {
    const s = await signIn(t.keys.reviewer.key);
    const get = (url: string) => t.app.inject({ method: 'GET', url, headers: { cookie: s.cookie, accept: 'text/html' } });
    const badCursor = await get('/batches?cursor=not-a-cursor');
    expect(badCursor.statusCode).toBe(400);
    expect(badCursor.body).toContain('is not a cursor returned by this listing');
    expect((await get('/batches/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    expect((await get('/batches/not-a-uuid')).statusCode).toBe(404);
    expect((await get('/batches/00000000-0000-4000-8000-000000000000?after=-1')).statusCode).toBe(400);
    expect((await get('/batches/00000000-0000-4000-8000-000000000000/results?format=xlsx')).statusCode).toBe(400);
  });

  it('GET /v1/batches pages newest first', async () => {
    const first = await t.app.inject({ method: 'GET', url: '/v1/batches?limit=2', headers: bearer(t.keys.admin.key) });
    expect(first.statusCode).toBe(200);
    const page1 = first.json() as { items: Array<{ id: string; createdAt: string }>; nextCursor: string | null };
    expect(page1.items).toHaveLength(2);
    expect(page1.nextCursor).toBeTruthy();
    const second = await t.app.inject({ method: 'GET', url: `/v1/batches?limit=2&cursor=${page1.nextCursor}`, headers: bearer(t.keys.admin.key) });
    const page2 = second.json() as typeof page1;
    expect(page2.items.length).toBeGreaterThan(0);
    const all = [...page1.items, ...page2.items];
    expect(new Set(all.map((b) => b.id)).size).toBe(all.length);
    expect(all.map((b) => b.createdAt)).toEqual([...all.map((b) => b.createdAt)].sort().reverse());
    expect((await t.app.inject({ method: 'GET', url: '/v1/batches?limit=0', headers: bearer(t.keys.admin.key) })).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'GET', url: '/v1/batches?cursor=zzz', headers: bearer(t.keys.admin.key) })).statusCode).toBe(400);
  });
});

describe('console batches over the size limits', () => {
  let small: KeyedTestApp;
  beforeAll(async () => {
    small = await makeKeyedApp({ rateLimitPerMinute: 0, batch: { maxBytes: 2_000, maxLineBytes: 600, workers: 1 } as never }, { loadRuleset: rulesOnly, sealIntervalMs: 0 });
  }, 300_000);
  afterAll(async () => small?.close(), 120_000);

  it('a file over BATCH_MAX_BYTES is a 413 page with the form; a line over BATCH_MAX_LINE_BYTES is that line refused', async () => {
    const key = small.keys.submitter.key;
    const send = (value: string, filename: string) => {
      const body = multipart([{ name: 'file', value, filename }]);
      return small.app.inject({ method: 'POST', url: '/batches', headers: { ...bearer(key), accept: 'text/html', 'content-type': body.type }, payload: body.payload });
    };
    const row = (i: number) => `BIG-${i},2026-11-30,NVIDIA L4,1,Acme GmbH,DE,US,,DE,inference`;
    const tooBig = await send([CSV_HEADER, ...Array.from({ length: 60 }, (_, i) => row(i))].join('\r\n'), 'big.csv');
    expect(tooBig.statusCode, tooBig.body.slice(0, 300)).toBe(413);
    expect(tooBig.body).toContain('enctype="multipart/form-data"');
    expect(tooBig.body).toMatch(/BATCH_MAX_BYTES/);

    const longLine = await send([CSV_HEADER, row(1), `LONG,2026-11-30,NVIDIA L4,1,${'A'.repeat(800)},DE,US,,DE,inference`, row(2)].join('\r\n'), 'long.csv');
    expect(longLine.statusCode, longLine.body.slice(0, 300)).toBe(303);
    const id = String(longLine.headers.location).split('/').pop()!;
    const batch = await small.app.inject({ method: 'GET', url: `/v1/batches/${id}`, headers: bearer(key) });
    expect(batch.json()).toMatchObject({ total: 3, invalid: 1 });
  });
});

describe('uploadFormat', () => {
  it('takes the choice, else the extension, else the declared type', () => {
    expect(uploadFormat('csv', 'x.json', 'application/json')).toBe('csv');
    expect(uploadFormat('auto', 'Orders.CSV', '')).toBe('csv');
    expect(uploadFormat(undefined, 'a.jsonl', '')).toBe('ndjson');
    expect(uploadFormat('auto', 'export', 'text/csv; charset=utf-8')).toBe('csv');
    expect(uploadFormat('auto', 'export.xlsx', 'application/vnd.ms-excel')).toBeNull();
    expect(uploadFormat('constructor', 'x.constructor', 'constructor')).toBeNull();
  });
});
