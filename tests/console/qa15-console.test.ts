/**
 * QA 15 (the officer's daily journey, walked in Chromium).
 * 1. A refused disposition (no action, no justification) answered with the screening page scrolled to the
 *    top: the reasons were at the foot of a ~5,000 px page, below the flags, and the top still showed the
 *    previous disposition — the officer saw no sign it was refused. The refused form now comes back with
 *    the field to correct autofocused (the browser opens the page there), and a recorded one lands at the
 *    Dispositions list (`#disp-h`) where it is listed.
 * 2. A batch's page and the batches list gave "Uploaded"/"Finished" times with no zone; they now say UTC.
 * 3. An auditor (no upload form) given a batches cursor the console did not hand out got a 400 page with no
 *    reason: the errors were shown only inside the upload form.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';

let t: KeyedTestApp;
let screeningId: string;
beforeAll(async () => {
  t = await makeKeyedApp({ rateLimitPerMinute: 0, batch: { chunkSize: 3, workers: 2 } as never }, { loadRuleset: rulesOnly, sealIntervalMs: 0, queueTiming: { pollingIntervalSeconds: 0.5 } });
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/screenings',
    headers: bearer(t.keys.submitter.key),
    payload: {
      reference: 'QA15-DISP',
      items: [{ model: 'NVIDIA H800 SXM5 80GB', quantity: 10 }],
      parties: [{ role: 'buyer', name: 'Bright Harbour Trading', country: 'HK' }],
      route: { origin: 'US', destination: 'CN' },
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  screeningId = res.json().id;
}, 300_000);
afterAll(async () => t?.close(), 120_000);

const html = (key: string) => ({ ...bearer(key), accept: 'text/html' });
const formHeaders = (key: string) => ({ ...html(key), 'content-type': 'application/x-www-form-urlencoded' });
const page = (url: string, key: string) => t.app.inject({ method: 'GET', url, headers: html(key) });
const dispose = (fields: Record<string, string>) =>
  t.app.inject({ method: 'POST', url: `/screenings/${screeningId}/dispositions`, headers: formHeaders(t.keys.reviewer.key), payload: new URLSearchParams(fields).toString() });

describe('Record a disposition: the answer opens where the officer needs to look', () => {
  it('a refused form is answered with the field to correct focused (autofocus), what was typed kept', async () => {
    const res = await page(`/screenings/${screeningId}`, t.keys.reviewer.key);
    expect(res.statusCode).toBe(200);
    // Nothing refused yet: nothing grabs the focus (the page opens at its top, at the decision).
    expect(res.body).not.toContain('autofocus');

    const noAction = await dispose({ justification: 'typed before the action was chosen' });
    expect(noAction.statusCode).toBe(400);
    expect(noAction.body).toMatch(/id="action-error" role="alert">is required</);
    expect(noAction.body).toContain('>typed before the action was chosen</textarea>');
    // No action chosen: the first action offered is focused; it is the page's only autofocus.
    expect(noAction.body).toContain('<input type="radio" name="action" value="cleared" autofocus required>');
    expect(noAction.body.match(/autofocus/g)).toHaveLength(1);

    const noText = await dispose({ action: 'blocked', justification: '   ' });
    expect(noText.statusCode).toBe(400);
    expect(noText.body).toMatch(/<textarea id="justification" name="justification" rows="3" maxlength="2000" required aria-invalid="true" aria-describedby="justification-error" autofocus>\s*<\/textarea>/);
    expect(noText.body).toContain('<input type="radio" name="action" value="blocked" checked required>');
    expect(noText.body.match(/autofocus/g)).toHaveLength(1);
  });

  it('a recorded disposition lands at the Dispositions list, which lists it', async () => {
    const ok = await dispose({ action: 'escalated', justification: 'QA15 escalate to legal' });
    expect(ok.statusCode, ok.body.slice(0, 300)).toBe(303);
    expect(ok.headers.location).toBe(`/screenings/${screeningId}#disp-h`);
    const after = await page(`/screenings/${screeningId}`, t.keys.reviewer.key);
    expect(after.body).toContain('<h2 id="disp-h">Dispositions</h2>');
    expect(after.body).toMatch(/<ol class="history"><li><strong>escalated<\/strong>[^<]*<br>QA15 escalate to legal<\/li>/);
  });
});

describe('Batches: times say UTC; a refused listing says why to every role', () => {
  it('the batch page and the list give Uploaded and Finished in UTC', async () => {
    const up = await t.app.inject({
      method: 'POST',
      url: '/v1/batches',
      headers: { ...bearer(t.keys.reviewer.key), 'content-type': 'text/csv' },
      payload: 'reference,ship_date,item_model,item_quantity,buyer_name,buyer_country,route_origin,route_destination\r\nQA15-B1,2026-12-20,NVIDIA L4,1,Northwind GmbH,DE,US,DE',
    });
    expect(up.statusCode, up.body).toBe(202);
    const id = up.json().id as string;
    let one = await page(`/batches/${id}`, t.keys.reviewer.key);
    for (let i = 0; i < 400 && one.headers.refresh; i++) {
      await new Promise((r) => setTimeout(r, 100));
      one = await page(`/batches/${id}`, t.keys.reviewer.key);
    }
    expect(one.statusCode).toBe(200);
    expect(one.headers.refresh).toBeUndefined();
    expect(one.body).toMatch(/<dt>Uploaded<\/dt><dd>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(csv\)<\/dd>/);
    expect(one.body).toMatch(/<dt>Finished<\/dt><dd>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC<\/dd>/);
    const list = await page('/batches', t.keys.auditor.key);
    expect(list.statusCode).toBe(200);
    expect(list.body).toMatch(new RegExp(`<a href="/batches/${id}">\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC</a>`));
  });

  it('an auditor (no upload form) is told why a cursor is refused', async () => {
    for (const key of [t.keys.auditor.key, t.keys.reviewer.key]) {
      const res = await page('/batches?cursor=not-a-cursor', key);
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain('<div class="errors" role="alert">');
      expect(res.body).toMatch(/<code>\/cursor<\/code> is not a cursor returned by this listing/);
    }
  });
});

describe('Every time on an admin page says its zone', () => {
  it('the API keys list gives each key its creation time in UTC', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/keys', headers: { ...bearer(t.keys.admin.key), accept: 'text/html' } });
    expect(res.statusCode).toBe(200);
    const created = [...res.body.matchAll(/<td>(\d{4}-\d{2}-\d{2} \d{2}:\d{2}[^<]*)<\/td>/g)].map((m) => m[1]);
    expect(created.length).toBeGreaterThan(0);
    for (const c of created) expect(c).toMatch(/ UTC$/);
  });
});

describe('The flag-log export takes only the formats there are', () => {
  it('format=xml is refused with the reason on the flag log, not answered with CSV', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/log/export?format=xml', headers: { ...bearer(t.keys.auditor.key), accept: 'text/html' } });
    expect(res.headers['content-disposition']).toBeUndefined();
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toMatch(/format/);
    const csv = await t.app.inject({ method: 'GET', url: '/log/export?format=csv', headers: { ...bearer(t.keys.auditor.key), accept: 'text/html' } });
    expect(csv.headers['content-disposition']).toMatch(/attachment; filename=".*\.csv"/);
  });
});
