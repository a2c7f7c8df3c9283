/**
 * QA 13, defect 1: the browser's Back re-fetches a `no-store` form with a NEW once-token and restores what
 * was typed, so "Back, then submit" used to store a second screening (New screening) and a second identical
 * disposition (Record a disposition). The console now tells that form by what it asks for: the same key
 * sending the same request (canonical JSON hash) within minutes lands on a page naming the earlier screening,
 * with an explicit "Screen it again anyway"; the same key recording the same action and justification as the
 * screening's latest disposition within minutes records nothing and says it was already recorded. The exact
 * double click (same token) still answers with the first; other keys, other content and an older first
 * submission are stored as before.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { bearer, makeKeyedApp, TEST_ADMIN_KEY, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';
import { RESENT_WINDOW_MS } from '../../src/services/form-once.js';
import { DispositionService } from '../../src/services/dispositions.js';

let t: KeyedTestApp;
let otherReviewer: string;

beforeAll(async () => {
  t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: rulesOnly, sealIntervalMs: 0 });
  const res = await t.app.inject({ method: 'POST', url: '/v1/api-keys', headers: bearer(TEST_ADMIN_KEY), payload: { role: 'reviewer', name: 'laptop', holder: 'Officer Two' } });
  expect(res.statusCode, res.body).toBe(201);
  otherReviewer = res.json().key;
}, 300_000);
afterAll(async () => t?.close(), 120_000);
afterEach(() => {
  vi.useRealTimers();
});

const html = (key: string) => ({ ...bearer(key), accept: 'text/html' });
const formHeaders = (key: string) => ({ ...html(key), 'content-type': 'application/x-www-form-urlencoded' });
const tokensOf = (body: string) => [...body.matchAll(/name="_once" value="([0-9a-f-]{36})"/g)].map((m) => m[1]!);

async function drawForm(key = t.keys.reviewer.key): Promise<{ form: string; json: string }> {
  const page = await t.app.inject({ method: 'GET', url: '/screenings/new', headers: html(key) });
  expect(page.statusCode).toBe(200);
  const [form, json] = tokensOf(page.body);
  return { form: form!, json: json! };
}

const shipmentFields = (reference: string) => ({
  mode: 'form',
  '/reference': reference,
  '/items/0/model': 'NVIDIA L4',
  '/items/0/quantity': '2',
  '/parties/0/role': 'buyer',
  '/parties/0/name': 'Northwind GmbH',
  '/parties/0/country': 'DE',
  '/route/origin': 'US',
  '/route/destination': 'DE',
});

const postScreening = (fields: Record<string, string>, key = t.keys.reviewer.key) =>
  t.app.inject({ method: 'POST', url: '/screenings/new', headers: formHeaders(key), payload: new URLSearchParams(fields).toString() });

async function screeningsOf(reference: string): Promise<string[]> {
  const res = await t.app.inject({ method: 'GET', url: `/v1/screenings?reference=${encodeURIComponent(reference)}`, headers: bearer(t.keys.admin.key) });
  expect(res.statusCode).toBe(200);
  return (res.json().items as Array<{ id: string }>).map((s) => s.id);
}

describe('New screening sent again with a fresh token (Back, then submit)', () => {
  it('does not screen it again; names the earlier screening and offers to screen it again anyway', async () => {
    const first = await drawForm();
    const stored = await postScreening({ ...shipmentFields('QA13-BACK'), _once: first.form });
    expect(stored.statusCode, stored.body.slice(0, 300)).toBe(303);
    const s1 = String(stored.headers.location).replace('/screenings/', '');
    expect(await screeningsOf('QA13-BACK')).toEqual([s1]);

    // Back: the page is fetched again (no-store) with a new token, the browser restores the values.
    const back = await drawForm();
    expect(back.form).not.toBe(first.form);
    const resent = await postScreening({ ...shipmentFields('QA13-BACK'), _once: back.form });
    expect(resent.statusCode, resent.body.slice(0, 300)).toBe(200);
    expect(resent.body).toContain('This shipment was already screened');
    expect(resent.body).toContain(`href="/screenings/${s1}"`);
    expect(resent.body).toMatch(/<button type="submit" form="shipment-form" name="again" value="1">Screen it again anyway<\/button>/);
    // The values are kept, so "again" (or an edit) sends them.
    expect(resent.body).toContain('value="QA13-BACK"');
    expect(resent.body).toContain('value="Northwind GmbH"');
    expect(await screeningsOf('QA13-BACK')).toEqual([s1]);

    // The exact double click of the first form still lands on the first screening, storing nothing.
    const doubleClick = await postScreening({ ...shipmentFields('QA13-BACK'), _once: first.form });
    expect(doubleClick.statusCode).toBe(303);
    expect(doubleClick.headers.location).toBe(`/screenings/${s1}`);
    expect(await screeningsOf('QA13-BACK')).toEqual([s1]);

    // A deliberate second screening stays possible: "Screen it again anyway" with the page's token.
    const againToken = tokensOf(resent.body)[0]!;
    const again = await postScreening({ ...shipmentFields('QA13-BACK'), _once: againToken, again: '1' });
    expect(again.statusCode, again.body.slice(0, 300)).toBe(303);
    const s2 = String(again.headers.location).replace('/screenings/', '');
    expect(s2).not.toBe(s1);
    expect((await screeningsOf('QA13-BACK')).sort()).toEqual([s1, s2].sort());
    // ... and clicking that button twice stores it once.
    const againTwice = await postScreening({ ...shipmentFields('QA13-BACK'), _once: againToken, again: '1' });
    expect(againTwice.headers.location).toBe(`/screenings/${s2}`);
    expect(await screeningsOf('QA13-BACK')).toHaveLength(2);

    // After "again", a further Back + submit names the newest screening.
    const backAgain = await postScreening({ ...shipmentFields('QA13-BACK'), _once: (await drawForm()).form });
    expect(backAgain.statusCode).toBe(200);
    expect(backAgain.body).toContain(`href="/screenings/${s2}"`);
    expect(await screeningsOf('QA13-BACK')).toHaveLength(2);
  });

  it('two identical forms with different tokens sent at the same instant store one screening', async () => {
    const [a, b, c] = await Promise.all([drawForm(), drawForm(), drawForm()]);
    // Storing takes a while (a busy database): the other forms' checks run while the first is being stored.
    const screen = t.app.screenings.screen.bind(t.app.screenings);
    const slow = vi.spyOn(t.app.screenings, 'screen').mockImplementation(async (...args) => {
      await new Promise((r) => setTimeout(r, 300));
      return screen(...args);
    });
    const answers = await Promise.all([a, b, c].map((f) => postScreening({ ...shipmentFields('QA13-RACE'), _once: f.form })));
    slow.mockRestore();
    expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 200, 303]);
    const stored = await screeningsOf('QA13-RACE');
    expect(stored).toHaveLength(1);
    for (const r of answers.filter((x) => x.statusCode === 200)) expect(r.body).toContain(`href="/screenings/${stored[0]}"`);
    // "Screen it again anyway" is not held back by the check: a deliberate second screening.
    const again = await postScreening({ ...shipmentFields('QA13-RACE'), _once: (await drawForm()).form, again: '1' });
    expect(again.statusCode).toBe(303);
    expect(await screeningsOf('QA13-RACE')).toHaveLength(2);
  });

  it('knows the same shipment pasted as JSON, and answers at the JSON form', async () => {
    const first = await drawForm();
    expect((await postScreening({ ...shipmentFields('QA13-JSON'), _once: first.form })).statusCode).toBe(303);
    const [s1] = await screeningsOf('QA13-JSON');
    const json = JSON.stringify({
      reference: 'QA13-JSON',
      items: [{ model: 'NVIDIA L4', quantity: 2 }],
      parties: [{ role: 'buyer', name: 'Northwind GmbH', country: 'DE' }],
      route: { origin: 'US', destination: 'DE' },
    });
    const pasted = await postScreening({ mode: 'json', _once: (await drawForm()).json, json });
    expect(pasted.statusCode, pasted.body.slice(0, 300)).toBe(200);
    expect(pasted.body).toContain(`href="/screenings/${s1}"`);
    expect(pasted.body).toContain('form="json-form" name="again" value="1"');
    expect(await screeningsOf('QA13-JSON')).toEqual([s1]);
  });

  it('screens other content, the same content from another key, and the same content once the window has passed', async () => {
    const first = await drawForm();
    expect((await postScreening({ ...shipmentFields('QA13-OTHER'), _once: first.form })).statusCode).toBe(303);
    // Another shipment (the reference differs) from the same key: screened.
    expect((await postScreening({ ...shipmentFields('QA13-OTHER-2'), _once: (await drawForm()).form })).statusCode).toBe(303);
    // The same shipment from another person's key: theirs to screen.
    const theirs = await postScreening({ ...shipmentFields('QA13-OTHER'), _once: (await drawForm(otherReviewer)).form }, otherReviewer);
    expect(theirs.statusCode).toBe(303);
    expect(await screeningsOf('QA13-OTHER')).toHaveLength(2);
    // The same shipment from the same key, after the window: a new screening.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + RESENT_WINDOW_MS + 60_000 });
    const later = await postScreening({ ...shipmentFields('QA13-OTHER'), _once: (await drawForm()).form });
    expect(later.statusCode, later.body.slice(0, 300)).toBe(303);
    expect(await screeningsOf('QA13-OTHER')).toHaveLength(3);
  });
});

describe('Record a disposition sent again with a fresh token (Back, then submit)', () => {
  const screenFlagged = async (reference: string) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/screenings',
      headers: bearer(t.keys.submitter.key),
      payload: { reference, items: [{ model: 'NVIDIA H800 SXM5 80GB', quantity: 100 }], route: { origin: 'US', destination: 'CN' } },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().decision).not.toBe('CLEAR');
    return res.json().id as string;
  };
  const dispositionToken = async (id: string, key = t.keys.reviewer.key) => {
    const page = await t.app.inject({ method: 'GET', url: `/screenings/${id}`, headers: html(key) });
    expect(page.statusCode).toBe(200);
    const once = /<form method="post" action="\/screenings\/[^"]+\/dispositions"[^]*?name="_once" value="([0-9a-f-]{36})"/.exec(page.body)?.[1];
    expect(once).toBeDefined();
    return once!;
  };
  const dispose = (id: string, fields: Record<string, string>, key = t.keys.reviewer.key) =>
    t.app.inject({ method: 'POST', url: `/screenings/${id}/dispositions`, headers: formHeaders(key), payload: new URLSearchParams(fields).toString() });
  const history = async (id: string) => {
    const res = await t.app.inject({ method: 'GET', url: `/v1/screenings/${id}/dispositions`, headers: bearer(t.keys.admin.key) });
    expect(res.statusCode).toBe(200);
    return res.json().items as Array<{ action: string; justification: string; by: string }>;
  };

  it('records nothing the second time and says it was already recorded', async () => {
    const id = await screenFlagged('QA13-DISP');
    const first = await dispositionToken(id);
    const fields = { action: 'escalated', justification: 'to the <trade> team & legal' };
    expect((await dispose(id, { ...fields, _once: first })).statusCode).toBe(303);
    expect(await history(id)).toHaveLength(1);

    const back = await dispositionToken(id);
    expect(back).not.toBe(first);
    const resent = await dispose(id, { ...fields, _once: back });
    expect(resent.statusCode, resent.body.slice(0, 300)).toBe(200);
    expect(resent.body).toContain('This form was already sent');
    expect(resent.body).toContain('This disposition was already recorded');
    expect(resent.body).toContain('Nothing new was recorded');
    // The page's form is fresh: a new token, nothing typed in it.
    expect(resent.body).not.toContain(`value="${back}"`);
    expect(resent.body).toMatch(/<textarea id="justification"[^>]*><\/textarea>/);
    // The justification is shown as text in the history, once.
    expect(resent.body.split('to the &lt;trade&gt; team &amp; legal').length - 1).toBe(1);
    expect(await history(id)).toHaveLength(1);

    // The double click of the first form: still the first disposition, a redirect as before.
    expect((await dispose(id, { ...fields, _once: first })).statusCode).toBe(303);
    expect(await history(id)).toHaveLength(1);
  });

  it('two identical forms with different tokens sent at the same instant record one disposition', async () => {
    const id = await screenFlagged('QA13-DISP-RACE');
    const fields = { action: 'escalated', justification: 'two tabs at once' };
    const [a, b] = await Promise.all([dispositionToken(id), dispositionToken(id)]);
    expect(a).not.toBe(b);
    // Recording takes a while (a busy database): the second form's check runs while the first is being stored.
    const record = DispositionService.prototype.record;
    const slow = vi.spyOn(DispositionService.prototype, 'record').mockImplementation(async function (this: DispositionService, ...args) {
      await new Promise((r) => setTimeout(r, 300));
      return record.apply(this, args);
    });
    const answers = await Promise.all([dispose(id, { ...fields, _once: a }), dispose(id, { ...fields, _once: b })]);
    slow.mockRestore();
    expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 303]);
    expect(answers.find((r) => r.statusCode === 200)!.body).toContain('This disposition was already recorded');
    expect(await history(id)).toHaveLength(1);
  });

  it('records another action or justification, another reviewer, and the same disposition once the window has passed', async () => {
    const id = await screenFlagged('QA13-DISP-2');
    const fields = { action: 'escalated', justification: 'needs the end-user statement' };
    expect((await dispose(id, { ...fields, _once: await dispositionToken(id) })).statusCode).toBe(303);
    // Another justification: a new disposition.
    expect((await dispose(id, { ...fields, justification: 'statement received; still checking', _once: await dispositionToken(id) })).statusCode).toBe(303);
    // The first again: it is not the latest any more, so it is recorded.
    expect((await dispose(id, { ...fields, _once: await dispositionToken(id) })).statusCode).toBe(303);
    expect(await history(id)).toHaveLength(3);
    // The same disposition by another reviewer: theirs.
    expect((await dispose(id, { ...fields, _once: await dispositionToken(id, otherReviewer) }, otherReviewer)).statusCode).toBe(303);
    expect(await history(id)).toHaveLength(4);
    // The same as the latest, by the same reviewer, after the window.
    const token = await dispositionToken(id, otherReviewer);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + RESENT_WINDOW_MS + 60_000 });
    expect((await dispose(id, { ...fields, _once: token }, otherReviewer)).statusCode).toBe(303);
    expect(await history(id)).toHaveLength(5);
  });
});
