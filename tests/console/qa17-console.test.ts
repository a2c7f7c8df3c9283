/**
 * QA 17 over HTTP (see qa17-browser.test.ts for the same in Chromium):
 * - a refused "Not this entry" said one thing at a time: a blank justification and a past review date were refused
 *   one after the other (the date only once the justification was fixed), and no refused field was focused;
 * - the licence filter took a control character (`?number=%00`), answered "No licence on record matches" and wrote
 *   the raw NUL back into its input; any page echoing a refused filter (`/log?country=%00`) did the same;
 * - the work queue's "Changed by monitoring" times and the flag log's "now" tooltip had no time zone;
 * - the error summaries of Not this entry, Record a disposition and the licence filter named fields by the API's
 *   pointer ("/expiresAt must be in the future") where the form says "Review again by".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { withLists } from '../helpers/ruleset.js';
import { queuePage } from '../../src/console/views/lists.js';
import { escapeHtml } from '../../src/console/html.js';

const form = (o: Record<string, string>) => new URLSearchParams(o).toString();
const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

let t: KeyedTestApp;
const page = (key = t.keys.reviewer.key) => ({ ...bearer(key), accept: 'text/html' });
const post = (key = t.keys.reviewer.key) => ({ ...page(key), 'content-type': 'application/x-www-form-urlencoded' });

beforeAll(async () => {
  t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: withLists, sealIntervalMs: 0 });
}, 300_000);
afterAll(async () => t?.close(), 120_000);

describe('QA 17: Not this entry, refused', () => {
  it('names every refused field at once and focuses the first; nothing is stored', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/screenings',
      headers: bearer(t.keys.submitter.key),
      payload: {
        reference: 'QA17-SUP',
        items: [{ model: 'Switches', quantity: 10, eccn: '5A991' }],
        parties: [{ role: 'buyer', name: 'Mate GmbH', country: 'DE' }],
        route: { origin: 'US', destination: 'GB' },
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    const s = res.json() as { id: string; flags: Array<{ ruleId: string; evidence: { entryId?: string } }> };
    const entryId = s.flags.find((f) => f.ruleId === 'LIST-POSSIBLE')?.evidence.entryId;
    expect(entryId).toBeDefined();
    const once = randomUUID();
    const send = (fields: Record<string, string>) =>
      t.app.inject({ method: 'POST', url: `/screenings/${s.id}/suppressions`, headers: post(), payload: form({ _once: once, party: '0', entryId: entryId!, ...fields }) });

    // Blank justification and a date in the past: both said in the one answer.
    const both = await send({ justification: '  ', expiresOn: day(-2) });
    expect(both.statusCode).toBe(400);
    expect(both.body).toMatch(/<p class="field-error" id="sup-0-\d+-j-error">is required<\/p>/);
    expect(both.body).toMatch(/<p class="field-error" id="sup-0-\d+-e-error">must be in the future<\/p>/);
    // The first refused field (the justification) is focused; only one element on the page has autofocus.
    expect(both.body).toMatch(/<textarea id="sup-0-\d+-j" name="justification"[^>]* aria-invalid="true"[^>]* autofocus>/);
    expect(both.body.match(/ autofocus/g)).toHaveLength(1);
    // The summary names the fields as the form does, linked to them — not "/justification", "/expiresAt".
    expect(both.body).toMatch(/<li><a href="#sup-0-\d+-j">Justification<\/a>: is required<\/li>/);
    expect(both.body).toMatch(/<li><a href="#sup-0-\d+-e">Review again by<\/a>: must be in the future<\/li>/);
    expect(both.body).not.toContain('<code>/expiresAt</code>');
    // The form posts to …/suppressions#party-0; a browser skips autofocus when that fragment names an element, so on
    // this answer the party is not its target (the plain page keeps the anchor the success redirect leads to).
    expect(both.body).not.toContain('id="party-0"');
    expect((await t.app.inject({ method: 'GET', url: `/screenings/${s.id}`, headers: page() })).body).toContain('id="party-0"');
    // Blank justification and a date too far ahead: the same.
    const far = await send({ justification: '', expiresOn: day(900) });
    expect(far.statusCode).toBe(400);
    expect(far.body).toContain('must be at most 730 days ahead');
    expect(far.body).toMatch(/<p class="field-error" id="sup-0-\d+-j-error">is required<\/p>/);
    // Only the date refused: the date field is focused, the justification kept as typed.
    const date = await send({ justification: 'Different registry number <HRB 1>', expiresOn: day(-1) });
    expect(date.statusCode).toBe(400);
    expect(date.body).toMatch(/<input id="sup-0-\d+-e" name="expiresOn" type="date"[^>]* aria-invalid="true" autofocus>/);
    expect(date.body).toContain('>Different registry number &lt;HRB 1&gt;</textarea>');
    // A valid date with a blank justification: only the justification is refused.
    const just = await send({ justification: '', expiresOn: day(30) });
    expect(just.statusCode).toBe(400);
    expect(just.body).not.toMatch(/id="sup-0-\d+-e-error"/);

    const stored = await t.app.inject({ method: 'GET', url: `/v1/suppressions?entryId=${encodeURIComponent(entryId!)}`, headers: bearer(t.keys.auditor.key) });
    expect((stored.json() as { items: unknown[] }).items).toEqual([]);
  });
});

describe('QA 17: control characters in filters', () => {
  it('the licence filter refuses one naming the field; no page writes a raw control character back', async () => {
    for (const [q, field] of [
      ['number=D1%0012', 'number'],
      ['destination=D%01E', 'destination'],
    ] as const) {
      const res = await t.app.inject({ method: 'GET', url: `/licences?${q}`, headers: page(t.keys.auditor.key) });
      expect(res.statusCode, q).toBe(400);
      expect(res.body).toContain(`<p class="field-error" id="lf-${field}-error">must not contain control characters</p>`);
      expect(res.body).not.toContain('No licence on record matches');
      expect(res.body).toContain(`<li><a href="#lf-${field}">${field === 'number' ? 'Licence number' : 'Destination'}</a>: must not contain control characters</li>`);
      expect(res.rawPayload.includes(0x00) || res.rawPayload.includes(0x01), q).toBe(false);
    }
    const log = await t.app.inject({ method: 'GET', url: '/log?country=%00', headers: page(t.keys.auditor.key) });
    expect(log.statusCode).toBe(400);
    expect(log.rawPayload.includes(0x00)).toBe(false);
    expect(escapeHtml('a\u0000b\u0007c\td\ne\r')).toBe('a\uFFFDb\uFFFDc\td\ne\r');
  });
});

describe('QA 17: a refused disposition names its fields as the form does', () => {
  it('"Action: is required", not "/action is required"', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/screenings',
      headers: bearer(t.keys.submitter.key),
      payload: { reference: 'QA17-DISP', items: [{ model: 'NVIDIA H100', quantity: 8 }], parties: [{ role: 'ultimate_consignee', name: 'Acme Compute', country: 'CN' }], route: { origin: 'US', destination: 'CN' } },
    });
    expect(res.statusCode, res.body).toBe(201);
    const id = (res.json() as { id: string }).id;
    const refused = await t.app.inject({ method: 'POST', url: `/screenings/${id}/dispositions`, headers: post(), payload: form({ _once: randomUUID(), justification: 'Checked the end user' }) });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('<li>Action: is required</li>');
    expect(refused.body).not.toContain('<code>/action</code>');
  });
});

describe('QA 17: times with their zone', () => {
  it('the queue says UTC beside a monitoring change, and in the "now" tooltip', () => {
    const at = '2026-12-07T09:21:33.000Z';
    const body = queuePage(
      {
        items: [
          {
            id: randomUUID(),
            reference: 'QA17-MON',
            decision: 'CLEAR',
            riskScore: 10,
            screenedAt: '2026-12-01T08:00:00.000Z',
            destination: 'DE',
            ruleIds: [],
            disposition: null,
            monitoring: { decision: 'BLOCK', at, runId: randomUUID() },
          } as unknown as Parameters<typeof queuePage>[0]['items'][number],
        ],
        stats: { total: 1, counts: { BLOCK: 1 }, oldest: at } as unknown as Parameters<typeof queuePage>[0]['stats'],
        order: 'age',
        first: true,
        prevCursor: null,
        nextCursor: null,
        changed: { total: 1, items: [{ screeningId: randomUUID(), reference: 'QA17-MON', from: 'CLEAR', to: 'BLOCK', runId: randomUUID(), changedAt: at }] },
      },
      Date.parse(at) + 60_000,
    ).text;
    expect(body).toContain('<td>2026-12-07 09:21 UTC (<a href="/monitoring/');
    expect(body).toContain('title="changed by monitoring 2026-12-07 09:21 UTC"');
  });
});
