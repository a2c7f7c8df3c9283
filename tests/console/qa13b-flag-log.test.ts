/**
 * QA round 13b on the flag log, its verify result and export, the dashboard's period and the page header:
 * - Verify shows a verdict, what was checked, how far the seals reach, the latest seal (number, time in UTC,
 *   whole hash) and every problem; Verify and Seal now keep the filter;
 * - a date `to` includes that day, as in the API (`from` = `to` lists that day; the export has the page's rows);
 * - no export link for a refused filter, and the export route answers a refused filter with the log page;
 * - the dashboard draws nothing for a refused period and names a date that is not one at its field;
 * - the rule id hint names a real rule, and a rule id the active ruleset lacks is warned about (not refused);
 * - the header names the key's holder; times say UTC; a count and a previous page.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, makeKeyedApp, TEST_ADMIN_KEY, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';
import { runPage, runsPage } from '../../src/console/views/monitoring.js';

let t: KeyedTestApp;
const page = (key = t.keys.auditor.key) => ({ ...bearer(key), accept: 'text/html' });
const get = (url: string, key?: string) => t.app.inject({ method: 'GET', url, headers: page(key) });
/** `&amp;` back to `&`: hrefs as a browser reads them. */
const unescape = (s: string) => s.replace(/&amp;/g, '&');
const hrefOf = (body: string, text: string) => {
  const m = new RegExp(`<a href="([^"]*)"[^>]*>${text}</a>`).exec(body);
  return m ? unescape(m[1]!) : null;
};
const refsIn = (body: string, prefix: string) => [...body.matchAll(new RegExp(`>(${prefix}[^<]*)</a>`, 'g'))].map((m) => m[1]!);

const shipment = (reference: string, party = 'Qa Thirteen Trading') => ({
  reference,
  shipDate: '2030-01-15',
  items: [{ model: 'NVIDIA H800 SXM5 80GB', quantity: 10 }],
  parties: [{ role: 'buyer', name: party, country: 'CN' }],
  route: { origin: 'US', destination: 'CN' },
});
const screen = async (reference: string, party?: string) => {
  const res = await t.app.inject({ method: 'POST', url: '/v1/screenings', headers: bearer(t.keys.submitter.key), payload: shipment(reference, party) });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; decision: string; screenedAt: string };
};

beforeAll(async () => {
  t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: rulesOnly, sealIntervalMs: 0 });
}, 300_000);
afterAll(async () => t?.close(), 120_000);

describe('verify the log', () => {
  it('shows a verdict, counts, the latest seal in full and keeps the filter', async () => {
    await screen('QA13-VERIFY-1');
    // Seal now keeps the filter: the redirect leads back to the filtered log.
    const sealed = await t.app.inject({
      method: 'POST',
      url: '/log/seal?decision=LICENSE_REQUIRED&party=qa%20thirteen',
      headers: { ...bearer(t.keys.auditor.key), accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
      payload: '',
    });
    expect(sealed.statusCode).toBe(303);
    expect(sealed.headers.location).toMatch(/^\/log\?decision=LICENSE_REQUIRED&party=qa\+thirteen&sealed=\d+&sealedAt=\d{4}-\d\d-\d\dT\d\d%3A\d\d%3A\d\d$/);
    // The notice says when it sealed: a reload of that address shows the same fact, not a new sealing.
    const notice = await get(String(sealed.headers.location));
    expect(notice.body).toMatch(/<p class="notice" role="status">Sealed \d+ new records? at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\.<\/p>/);
    // Anything else in sealedAt is left out, never shown.
    expect((await get('/log?sealed=3&sealedAt=%3Cscript%3E')).body).toContain('<p class="notice" role="status">Sealed 3 new records.</p>');
    // The form on the filtered log posts to a URL carrying the filter, and Verify carries it as hidden inputs.
    const log = await get('/log?decision=LICENSE_REQUIRED&party=qa%20thirteen');
    expect(log.body).toContain('<form method="post" action="/log/seal?decision=LICENSE_REQUIRED&amp;party=qa+thirteen">');
    expect(log.body).toMatch(/<p>1 seal covers every record through seq \d+; every record is sealed\.<\/p>/);
    expect(log.body).toMatch(/<form method="get" action="\/log\/verify"><input type="hidden" name="decision" value="LICENSE_REQUIRED"><input type="hidden" name="party" value="qa thirteen">/);

    await screen('QA13-VERIFY-UNSEALED'); // written after the seal: not checked yet
    const api = (await t.app.inject({ method: 'GET', url: '/v1/audit/verify', headers: bearer(t.keys.auditor.key) })).json() as {
      checked: number;
      sealedThrough: number;
      unsealed: number;
      latestSeal: { sealNo: number; sealHash: string; sealedAt: string };
    };
    expect(api.latestSeal.sealHash).toMatch(/^[0-9a-f]{64}$/);
    const res = await get('/log/verify?decision=LICENSE_REQUIRED&party=qa%20thirteen');
    expect(res.statusCode).toBe(200);
    const b = res.body;
    expect(b).toContain(`Intact: every sealed record matches its seal (${api.checked.toLocaleString('en')} record`);
    expect(b).toContain('<dt>Records checked</dt>');
    expect(b).toContain(`<dt>Sealed through</dt><dd>seq ${api.sealedThrough.toLocaleString('en')} by`);
    expect(b).toMatch(new RegExp(`<dt>Not sealed yet</dt><dd>${api.unsealed} records? written after the last seal`));
    expect(api.unsealed).toBeGreaterThan(0);
    // The latest seal: its number, its time in UTC to the millisecond, its whole hash in a copyable monospace box.
    const at = api.latestSeal.sealedAt.slice(0, 23).replace('T', ' ');
    expect(b).toContain(`no. ${api.latestSeal.sealNo}, sealed <time datetime="${api.latestSeal.sealedAt}">${at} UTC</time>`);
    expect(b).toContain(`<code class="hash" aria-labelledby="seal-hash-label">${api.latestSeal.sealHash}</code>`);
    expect(b).toContain('kept outside the database');
    // The raw field names are only annotations, never the labels.
    expect(b).not.toContain('<dt>ok</dt>');
    expect(b).not.toContain('<dt>firstBroken</dt>');
    // The filter stays applied on the verify page.
    expect(b).toContain('<option value="LICENSE_REQUIRED" selected>');
    expect(b).toContain('id="f-party" name="party" value="qa thirteen"');
    expect(b).toContain('QA13-VERIFY-1</a>');
  });

  it('says why records checked is below sealed through', async () => {
    // A write that rolls back takes a sequence number that is never used: the shared sequence has a gap.
    await t.app.database.db.execute(sql`select nextval('audit_seq')`);
    await screen('QA13-GAP');
    await t.app.sealer.sealNow();
    const api = (await t.app.inject({ method: 'GET', url: '/v1/audit/verify', headers: bearer(t.keys.auditor.key) })).json() as { checked: number; sealedThrough: number };
    expect(api.checked).toBeLessThan(api.sealedThrough);
    const res = await get('/log/verify');
    expect(res.body).toContain(`so ${(api.sealedThrough - api.checked).toLocaleString('en')} fewer records than seq ${api.sealedThrough.toLocaleString('en')} is expected`);
  });
});

describe('dates mean what they mean in the API', () => {
  it('from = to lists that day, the labels say so, and the export has the same rows as the page', async () => {
    const a = await screen('QA13-DAY-A');
    const b = await screen('QA13-DAY-B');
    const day = a.screenedAt.slice(0, 10);
    const prev = new Date(Date.parse(day) - 86_400_000).toISOString().slice(0, 10);
    const res = await get(`/log?from=${day}&to=${day}&party=qa%20thirteen`);
    expect(res.statusCode, res.body.slice(0, 500)).toBe(200);
    expect(res.body).not.toContain('must be after from');
    expect(res.body).toContain(`href="/screenings/${a.id}"`);
    expect(res.body).toContain(`href="/screenings/${b.id}"`);
    expect(res.body).toContain('<label for="f-from">Screened from</label>');
    expect(res.body).toContain('<label for="f-to">to (inclusive)</label>');
    // The API agrees: to=<day> includes the day.
    const apiItems = (await t.app.inject({ method: 'GET', url: `/v1/screenings?from=${day}&to=${day}&party=qa%20thirteen&limit=200`, headers: bearer(t.keys.auditor.key) })).json()
      .items as Array<{ id: string }>;
    const pageIds = [...res.body.matchAll(/href="\/screenings\/([0-9a-f-]{36})"/g)].map((m) => m[1]);
    expect(new Set(pageIds)).toEqual(new Set(apiItems.map((i) => i.id)));
    // The export link of the page gives the same rows.
    const csvHref = hrefOf(res.body, 'CSV');
    expect(csvHref).toBe(`/log/export?from=${day}&to=${day}&party=qa+thirteen&format=csv`);
    const csv = await t.app.inject({ method: 'GET', url: csvHref!, headers: bearer(t.keys.auditor.key) });
    expect(csv.statusCode).toBe(200);
    const ids = csv.body.trim().split('\r\n').slice(1).map((r) => r.split(',')[0]);
    expect(new Set(ids)).toEqual(new Set(pageIds));
    // The day before excludes them: `to` is that day's end, not the start of the day after.
    const before = await get(`/log?to=${prev}&party=qa%20thirteen`);
    expect(before.body).not.toContain(`href="/screenings/${a.id}"`);
  });
});

describe('a refused filter offers no export', () => {
  it('hides the export links and the export route answers with the log page', async () => {
    const log = await get('/log?country=Narnia');
    expect(log.statusCode).toBe(400);
    expect(log.body).toContain('unknown country');
    expect(log.body).not.toContain('/log/export');
    expect(log.body).not.toContain('Export this filter');
    for (const headers of [page(), bearer(t.keys.auditor.key)]) {
      const res = await t.app.inject({ method: 'GET', url: '/log/export?country=Narnia&format=csv', headers });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['content-disposition']).toBeUndefined();
      expect(res.body).toContain('<h1>Flag log</h1>');
      expect(res.body).toMatch(/<a href="#f-country">Country<\/a>: unknown country/);
      expect(res.body).toContain('id="f-country" name="country" value="Narnia"');
    }
    // A schema failure too (a date that is not one).
    const bad = await get('/log/export?from=2026-13-45&format=ndjson');
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/^text\/html/);
    expect(bad.body).toContain('<a href="#f-from">Screened from</a>:');
    expect(bad.body).not.toContain('<code>/from</code>');
    // A good filter still downloads.
    const ok = await get('/log/export?country=CN&format=ndjson');
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-disposition']).toMatch(/^attachment/);
  });
});

describe('dashboard period', () => {
  it('a date that is not one is named at its field; no figures are drawn', async () => {
    const res = await get('/dashboard?from=2026-13-45&to=2026-12-07');
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('<input id="d-from" type="date" name="from" value="2026-13-45" aria-invalid="true" aria-describedby="d-from-error">');
    expect(res.body).toContain('<p class="field-error" id="d-from-error">&quot;2026-13-45&quot; is not a date');
    expect(res.body).not.toContain('<svg');
    expect(res.body).toContain('No figures are shown');
    // 30 February is not a day either (Date.parse would take it as 2 March).
    expect((await get('/dashboard?to=2026-02-30')).body).toContain('id="d-to-error">&quot;2026-02-30&quot; is not a date');
  });

  it('a refused period draws nothing rather than another period', async () => {
    const long = await get('/dashboard?from=2025-01-01&to=2026-12-31');
    expect(long.statusCode).toBe(400);
    expect(long.body).toContain('the period is at most 366 days');
    expect(long.body).toContain('id="d-to-error"');
    expect(long.body).not.toContain('<svg');
    expect(long.body).not.toContain('Period:');
    const reversed = await get('/dashboard?from=2026-12-09&to=2026-12-01');
    expect(reversed.statusCode).toBe(400);
    expect(reversed.body).toContain('must be on or after From (2026-12-09)');
    expect(reversed.body).not.toContain('<svg');
  });

  it('a good period is named in words, UTC, both days included; one day is a period', async () => {
    const res = await get('/dashboard?from=2026-12-07&to=2026-12-07');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Period: <strong>7 Dec 2026 – 7 Dec 2026</strong> (UTC days, both included)');
    expect(res.body).toContain('Period 2026-12-07 00:00 UTC – 2026-12-08 00:00 UTC (end excluded)');
    expect(res.body).toContain('<svg');
  });
});

describe('rule id filter', () => {
  it('the hint names a rule that exists; an unknown id is warned about at the field, with the nearest ids, and still applied', async () => {
    expect(t.app.rules.get().ruleIds).toContain('LIST-EL');
    const plain = await get('/log');
    expect(plain.body).toContain('exact, e.g. LIST-EL (any case)');
    expect(plain.body).not.toContain('EL-MATCH');
    const typo = await get('/log?ruleId=list-ell');
    expect(typo.statusCode).toBe(200);
    expect(typo.body).toContain('aria-describedby="f-ruleId-note f-ruleId-hint"');
    expect(typo.body).toMatch(/<p class="field-note" id="f-ruleId-note">No rule <code>LIST-ELL<\/code> in the active ruleset \([^)]+\); did you mean <a href="\/log\?ruleId=LIST-EL"><code>LIST-EL<\/code><\/a>/);
    expect(typo.body).toContain('No screening matches.');
    const known = await get('/log?ruleId=list-el');
    expect(known.body).not.toContain('f-ruleId-note');
    // Escaped like everything else.
    const hostile = await get(`/log?ruleId=${encodeURIComponent('<img src=x>')}`);
    expect(hostile.body).not.toContain('<img src=x>');
    expect(hostile.body).toContain('No rule <code>&lt;IMG SRC=X&gt;</code>');
  });
});

describe('header and times', () => {
  it('names the key holder, not the key', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/v1/api-keys', headers: bearer(TEST_ADMIN_KEY), payload: { role: 'auditor', name: 'Auditor Ada key', holder: 'Ada <Lovelace>' } });
    expect(created.statusCode, created.body).toBe(201);
    const key = created.json().key as string;
    const login = await t.app.inject({ method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: new URLSearchParams({ key, next: '/log' }).toString() });
    expect(login.statusCode).toBe(303);
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    const res = await t.app.inject({ method: 'GET', url: '/log', headers: { cookie, accept: 'text/html' } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<span class="who" title="key: Auditor Ada key">Ada &lt;Lovelace&gt; · auditor</span>');
    // A key with no holder is named by its name.
    expect((await get('/log')).body).toContain('<span class="who">test auditor · auditor</span>');
  });

  it('the flag log says its times are UTC', async () => {
    const res = await get('/log?party=qa%20thirteen');
    expect(res.body).toMatch(/<p class="count-line">\d+ screenings match · newest first · times in UTC<\/p>/);
  });
});

describe('monitoring times say UTC', () => {
  it('in the list of runs and on a run', () => {
    const run = {
      id: '00000000-0000-4000-8000-000000000001',
      trigger: 'activation',
      status: 'completed',
      ruleset: { version: '2026.12.07-1', hash: 'ab'.repeat(32) },
      asOf: '2026-12-07',
      windowStart: '2026-11-07T09:00:00.000Z',
      total: 3,
      rescreened: 3,
      changed: 1,
      errors: 0,
      createdAt: '2026-12-07T09:21:05.123Z',
      finishedAt: '2026-12-07T09:21:07.456Z',
      lastError: null,
    };
    const list = runsPage({ items: [run], nextCursor: null }).text;
    expect(list).toContain('>2026-12-07 09:21:05 UTC</a>');
    expect(list).toContain('<td>2026-12-07 09:21:07 UTC</td>');
    const one = runPage({ run, changes: [], nextAfter: null, after: 0 }).text;
    expect(one).toContain('screened since 2026-11-07 09:00:00 UTC');
    expect(one).toContain('<dt>Started</dt><dd>2026-12-07 09:21:05 UTC</dd>');
    expect(one).not.toContain('Waiting because');
    // A run the runner stopped on says why on its page (escaped like every stored text).
    const waiting = runPage({ run: { ...run, status: 'running', finishedAt: null, lastError: '2026-12-07T09:21:06.000Z: <b>webhook queue</b> unavailable' }, changes: [], nextAfter: null, after: 0 }).text;
    expect(waiting).toContain('<dt>Waiting because</dt><dd role="status">2026-12-07T09:21:06.000Z: &lt;b&gt;webhook queue&lt;/b&gt; unavailable');
  });
});

describe('pages: a count and a previous page', () => {
  it('counts the whole filter (a bounded count) and leads back page by page', async () => {
    const N = 112;
    for (let i = 0; i < N; i++) await screen(`QA13-PG-${String(i).padStart(3, '0')}`, 'Pagination Probe Holdings');
    const base = '/log?party=pagination%20probe';
    const p1 = await get(base);
    expect(p1.body).toContain(`<p class="count-line">Screenings 1–50 of ${N} · newest first · times in UTC</p>`);
    expect(p1.body).not.toContain('previous page');
    expect(p1.body).not.toContain('first page');
    const next1 = hrefOf(p1.body, 'next page →')!;
    expect(next1).toMatch(/^\/log\?party=pagination\+probe&cursor=[A-Za-z0-9_-]+&page=2$/);

    const p2 = await get(next1);
    expect(p2.body).toContain(`Screenings 51–100 of ${N}`);
    expect(hrefOf(p2.body, '← previous page')).toBe('/log?party=pagination+probe');
    expect(p2.body).not.toContain('first page'); // page 2's previous page is the first
    const next2 = hrefOf(p2.body, 'next page →')!;
    expect(next2).toMatch(/&page=3&trail=[A-Za-z0-9_-]+$/);

    const p3 = await get(next2);
    expect(p3.body).toContain(`Screenings 101–${N} of ${N}`);
    expect(p3.body).not.toContain('next page');
    expect(hrefOf(p3.body, '← first page')).toBe('/log?party=pagination+probe');
    const back = await get(hrefOf(p3.body, '← previous page')!);
    // The previous page is page 2 again: same rows, same count, and its own way back.
    expect(refsIn(back.body, 'QA13-PG-')).toEqual(refsIn(p2.body, 'QA13-PG-'));
    expect(back.body).toContain(`Screenings 51–100 of ${N}`);
    expect(hrefOf(back.body, '← previous page')).toBe('/log?party=pagination+probe');

    const all = [...refsIn(p1.body, 'QA13-PG-'), ...refsIn(p2.body, 'QA13-PG-'), ...refsIn(p3.body, 'QA13-PG-')];
    expect(all).toHaveLength(N);
    expect(new Set(all).size).toBe(N);

    // A cursor from elsewhere (no page number): the rows and a way to the first page, no numbers, no previous page.
    const cursor = new URL(next2, 'http://x').searchParams.get('cursor')!;
    const loose = await get(`${base}&cursor=${cursor}`);
    expect(loose.body).toContain(`<p class="count-line">12 screenings on this page of ${N} matching`);
    expect(loose.body).not.toContain('previous page');
    expect(loose.body).toContain('← first page');
    // A trail that does not fit the page number is not followed.
    const forged = await get(`${base}&cursor=${cursor}&page=3&trail=${encodeURIComponent('<x>')}`);
    expect(forged.statusCode).toBe(200);
    expect(forged.body).not.toContain('previous page');
    expect(forged.body).not.toContain('<x>');
    // Parameters given twice are not a 500.
    for (const url of [`${base}&cursor=${cursor}&page=3&trail=a&trail=b`, `${base}&cursor=${cursor}&cursor=${cursor}`, '/log?decision=BLOCK&decision=REVIEW', '/dashboard?from=2026-12-01&from=2026-12-02']) {
      expect((await get(url)).statusCode, url).toBeLessThan(500);
    }
  }, 120_000);
});

describe('a broken log', () => {
  it('lists each problem, the screening linked', async () => {
    const victim = await screen('QA13-VICTIM');
    await t.app.sealer.sealNow();
    const db = t.app.database.db;
    await db.execute(sql.raw('alter table screenings disable trigger user'));
    try {
      await db.execute(sql.raw(`update screenings set decision = 'CLEAR' where id = '${victim.id}'`));
    } finally {
      await db.execute(sql.raw('alter table screenings enable trigger user'));
    }
    const res = await get('/log/verify');
    expect(res.body).toContain('<section class="verify-result broken"');
    expect(res.body).toContain('Broken: 1 problem found');
    expect(res.body).toMatch(new RegExp(`<dt>First broken</dt><dd><code>${victim.id}</code>: screenings record was altered after seal \\d+`));
    expect(res.body).toMatch(new RegExp(`<ol class="problems"><li><a href="/screenings/${victim.id}"><code>${victim.id}</code></a> \\(screenings, seq \\d+\\) · seal \\d+: screenings record was altered`));
  });
});

describe('the Rules raised column', () => {
  it('lists the rules a screening raised and counts the checks that passed apart (LIST-CLEAR is no rule fired)', async () => {
    const flagged = await screen('QA13-RULES-1');
    const log = await get('/log?reference=QA13-RULES-1');
    expect(log.body).toContain('<th>Rules raised</th>');
    const row = /QA13-RULES-1<\/a>[\s\S]*?<\/tr>/.exec(log.body)![0];
    const cell = /<td><small>([\s\S]*?)<\/small><\/td>/.exec(row)![1]!;
    const stored = (await t.app.inject({ method: 'GET', url: `/v1/screenings/${flagged.id}`, headers: bearer(t.keys.auditor.key) })).json() as { flags: Array<{ ruleId: string; severity: string }> };
    const raised = [...new Set(stored.flags.filter((f) => f.severity !== 'info').map((f) => f.ruleId))];
    expect(raised.length).toBeGreaterThan(0);
    expect(cell.startsWith(raised.slice(0, 4).join(', ')) || raised.slice(0, 4).every((r) => cell.includes(r))).toBe(true);
    expect(cell).not.toMatch(/^[^<]*LIST-CLEAR/); // a passed check is in the tooltip, not among the rules raised
    expect(cell).toMatch(/\d+ checks? passed/);
  });
});
