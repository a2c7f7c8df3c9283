/**
 * The console in a real browser (Debian's Chromium driven by playwright-core) against the real
 * app listening on 127.0.0.1:0, on PGlite or — with TEST_DATABASE_URL — Postgres. The issue's
 * stories: an officer works the queue, an auditor filters, exports and verifies, a submitter sees
 * only its own, a wrong key is refused, hostile names stay inert. A screenshot of each page goes to
 * .artifacts/console/ (gitignored). If the browser cannot start, the suite fails: never skipped.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { withLists } from '../helpers/ruleset.js';
import { parseCsv } from '../helpers/csv.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.resolve('.artifacts/console');
const FLAGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** playwright-core has no assertion library: wait for the state, then assert with vitest. */
const TIMEOUT = 30_000;
async function visible(l: Locator): Promise<Locator> {
  await l.first().waitFor({ state: 'visible', timeout: TIMEOUT });
  return l;
}
const textOf = async (l: Locator) => (await (await visible(l)).first().textContent()) ?? '';
/** Click something that loads a new page (a link or a form submit) and wait for that page. */
async function go(page: Page, l: Locator): Promise<void> {
  await Promise.all([page.waitForNavigation({ timeout: TIMEOUT }), l.click({ timeout: TIMEOUT })]);
}

const HOSTILE_SCRIPT = '<script>window.__pwned="script";alert(1)</script> Trading';
const HOSTILE_IMG = '"><img src=x onerror="window.__pwned=\'img\';alert(2)"> Logistics';

describe('console in a browser', { timeout: 120_000 }, () => {
  let t: KeyedTestApp;
  let base: string;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const ids: Record<string, string> = {};

  const screen = async (key: string, payload: object) => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/screenings', headers: bearer(key), payload });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; decision: string; reference: string };
  };

  /** A fresh browser context (its own cookies), watching for dialogs: none may ever open. */
  async function signIn(key: string, width = 1280, height = 800): Promise<{ page: Page; dialogs: string[] }> {
    const context = await browser.newContext({ viewport: { width, height }, acceptDownloads: true });
    contexts.push(context);
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`${base}/`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.getByLabel('API key', { exact: true }).fill(key);
    await go(page, page.getByRole('button', { name: 'Sign in' }));
    return { page, dialogs };
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    // launch() starts Chromium on a fresh temporary profile (user-data-dir) of its own, removed on close.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, timeout: 60_000 });
    t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: withLists, sealIntervalMs: 0 });
    const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
    base = address.replace('localhost', '127.0.0.1');

    const flagged = await screen(t.keys.submitter.key, {
      reference: 'SO-HK-QUEUE',
      items: [{ model: 'NVIDIA H800 SXM5 80GB', quantity: 2000 }],
      parties: [{ role: 'buyer', name: 'Bright Harbour Trading Co., Ltd.', country: 'Hong Kong', businessType: 'trading' }],
      route: { origin: 'US', via: ['HK'], destination: 'CN' },
      endUse: 'AI model training',
    });
    ids.flagged = flagged.id;
    const sg = await screen(t.keys.reviewer.key, {
      reference: 'SO-SG-LOG',
      items: [{ model: 'NVIDIA H200 SXM 141GB', quantity: 16 }],
      parties: [{ role: 'buyer', name: 'Lion City Compute Pte. Ltd.', country: 'SG', headquartersCountry: 'CN', businessType: 'cloud' }],
      route: { origin: 'US', via: ['Malaysia'], destination: 'SG' },
      endUse: 'Cloud GPU rental',
    });
    ids.sg = sg.id;
    const fr = await screen(t.keys.reviewer.key, {
      reference: 'SO-FR-CLEAR',
      items: [{ model: 'NVIDIA H100 SXM5 80GB', quantity: 8 }],
      parties: [{ role: 'buyer', name: 'Nuage Calcul SAS', country: 'FR', businessType: 'cloud', incorporatedOn: '2012-01-01' }],
      route: { origin: 'US', destination: 'FR' },
      endUse: 'Public cloud GPU instances',
    });
    ids.fr = fr.id;
    expect([flagged.decision, sg.decision]).not.toContain('CLEAR');
  }, 180_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await t?.close();
  });

  it('refuses a wrong key and keeps no session', async () => {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${base}/login`);
    await page.getByLabel('API key', { exact: true }).fill(`${t.keys.admin.prefix}_${'A'.repeat(43)}`);
    await go(page, page.getByRole('button', { name: 'Sign in' }));
    expect(await textOf(page.getByRole('alert'))).toContain('not valid');
    await shot(page, '00-login-refused');
    expect((await context.cookies()).map((c) => c.name)).not.toContain('chokepoint_session');
    await page.goto(`${base}/queue`);
    expect(new URL(page.url()).pathname).toBe('/login');
  });

  it('an officer works the queue: opens a flagged screening, records a disposition, and it leaves the queue', async () => {
    const { page, dialogs } = await signIn(t.keys.reviewer.key);
    expect(new URL(page.url()).pathname).toBe('/queue');
    const cookie = (await page.context().cookies()).find((c) => c.name === 'chokepoint_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(await page.evaluate("document.cookie")).toBe(''); // HttpOnly: no script can read it
    await visible(page.getByRole('link', { name: 'SO-HK-QUEUE' }));
    await shot(page, '01-queue');

    await go(page, page.getByRole('link', { name: 'SO-HK-QUEUE' }));
    expect((await textOf(page.locator('.decision .badge'))).trim()).toMatch(/LICENSE REQUIRED|BLOCK|REVIEW/);
    await visible(page.getByRole('heading', { name: /Flags/ }));
    expect(await (await visible(page.locator('svg.route'))).first().getAttribute('aria-label')).toMatch(/HK \(hub\)/);
    await shot(page, '02-screening');

    // The server's field error appears at the field.
    await go(page, page.getByRole('button', { name: 'Record disposition' }));
    await visible(page.locator('#justification-error'));
    await page.getByLabel('license applied', { exact: true }).check();
    await page.getByLabel('Justification', { exact: true }).fill('Licence application filed with BIS; shipment held');
    await go(page, page.getByRole('button', { name: 'Record disposition' }));
    expect(await textOf(page.locator('ol.history'))).toContain('Licence application filed with BIS');

    await go(page, page.getByRole('link', { name: 'Replay against the active ruleset' }));
    expect(await textOf(page.locator('#replay'))).toContain('Identical');

    await go(page, page.getByRole('link', { name: 'Work queue' }));
    await visible(page.getByRole('link', { name: 'SO-SG-LOG' }));
    expect(await page.getByRole('link', { name: 'SO-HK-QUEUE' }).count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('an auditor filters the log, exports exactly that filter as CSV and verifies the log', async () => {
    const { page } = await signIn(t.keys.auditor.key);
    expect(new URL(page.url()).pathname).toBe('/log');
    await go(page, page.getByRole('button', { name: 'Seal now' }));
    expect(await textOf(page.getByRole('status').first())).toContain('Sealed');
    await page.getByLabel('Decision', { exact: true }).selectOption('LICENSE_REQUIRED');
    await page.getByLabel('Country (code or English name)', { exact: true }).fill('SG');
    await go(page, page.getByRole('button', { name: 'Apply filter' }));
    const rows = page.locator('table.list tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await textOf(rows.first())).toContain('SO-SG-LOG');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'CSV' }).click()]);
    // Cells may hold line breaks (flag messages): read the file as CSV.
    const [header = [], ...body] = parseCsv(readFileSync((await download.path())!, 'utf8'));
    expect(body).toHaveLength(1);
    expect(body[0]![header.indexOf('decision')]).toBe('LICENSE_REQUIRED');
    expect(body[0]![header.indexOf('id')]).toBe(ids.sg);
    expect(body[0]![header.indexOf('countries')]).toContain('SG');

    await go(page, page.getByRole('button', { name: 'Verify the log' }));
    const verify = page.locator('dl.verify');
    expect(await textOf(verify)).toContain('ok');
    expect((await textOf(verify.locator('dd').nth(0))).trim()).toMatch('true');
    expect((await textOf(verify.locator('dd').nth(2))).trim()).toMatch('null');
    await shot(page, '03-flag-log-verified');

    // The auditor has no queue and no disposition form.
    await page.goto(`${base}/screenings/${ids.sg}`);
    expect(await page.getByRole('button', { name: 'Record disposition' }).count()).toBe(0);
    const queue = await page.goto(`${base}/queue`);
    expect(queue?.status()).toBe(403);
  });

  it('a submitter sees only its own screenings and no disposition form', async () => {
    const { page } = await signIn(t.keys.submitter.key);
    expect(new URL(page.url()).pathname).toBe('/mine');
    await visible(page.getByRole('link', { name: 'SO-HK-QUEUE' }));
    expect(await page.getByRole('link', { name: 'SO-SG-LOG' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'SO-FR-CLEAR' }).count()).toBe(0);
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Work queue' }).count()).toBe(0);
    await shot(page, '04-submitter-mine');
    await go(page, page.getByRole('link', { name: 'SO-HK-QUEUE' }));
    await visible(page.getByRole('heading', { name: 'Dispositions' }));
    expect(await page.getByRole('button', { name: 'Record disposition' }).count()).toBe(0);
    expect((await page.goto(`${base}/screenings/${ids.sg}`))?.status()).toBe(404);
    expect((await page.goto(`${base}/queue`))?.status()).toBe(403);
    expect((await page.goto(`${base}/log`))?.status()).toBe(403);
  });

  it('renders hostile names inert everywhere, and shows server field errors at their fields', async () => {
    const { page, dialogs } = await signIn(t.keys.reviewer.key, 390, 800);
    await go(page, page.getByRole('link', { name: 'New screening' }));
    // First a refused form: an unknown country is named at its field.
    await page.getByLabel('Reference (e.g. sales order)', { exact: true }).fill('SO-HOSTILE');
    await page.getByLabel('Item 1 model', { exact: true }).fill('NVIDIA H800 SXM5 80GB');
    await page.getByLabel('Item 1 quantity', { exact: true }).fill('10');
    await page.getByLabel('Party 1 name', { exact: true }).fill(HOSTILE_SCRIPT);
    await page.getByLabel('Party 1 country', { exact: true }).fill('Atlantis');
    await page.getByLabel('Party 2 name', { exact: true }).fill(HOSTILE_IMG);
    await page.getByLabel('Party 2 country', { exact: true }).fill('SG');
    await page.getByLabel('Via (countries, comma-separated, in order)', { exact: true }).fill('SG');
    await page.getByLabel('Destination country', { exact: true }).fill('MY');
    await go(page, page.getByRole('button', { name: 'Screen shipment', exact: true }));
    await visible(page.locator('#in-parties-0-country-error'));
    expect(await page.getByLabel('Party 1 name', { exact: true }).inputValue()).toBe(HOSTILE_SCRIPT);
    await shot(page, '05-new-screening-field-error');
    await page.getByLabel('Party 1 country', { exact: true }).fill('Hong Kong');
    await go(page, page.getByRole('button', { name: 'Screen shipment', exact: true }));
    await visible(page.locator('.decision .badge'));
    const id = new URL(page.url()).pathname.split('/').pop()!;
    await visible(page.getByRole('heading', { name: /<script>/ }));
    await visible(page.getByRole('heading', { name: /onerror=/ }));
    await shot(page, '06-hostile-screening-narrow');
    for (const url of [`/screenings/${id}`, '/queue', '/log?reference=SO-HOSTILE', '/log?party=trading', '/dashboard']) {
      await page.goto(`${base}${url}`);
      expect(await page.evaluate("window.__pwned ?? null"), url).toBeNull();
      expect(await page.locator('main script, main img').count(), url).toBe(0);
    }
    expect(dialogs).toEqual([]);
  });

  it('a reviewer records a licence (field errors at the fields), a screening draws on it, the licence page shows the draw and balance; amend, revoke; hostile licence text stays inert', async () => {
    const { page, dialogs } = await signIn(t.keys.reviewer.key);
    await go(page, page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Licences' }));
    await go(page, page.getByRole('link', { name: 'Record a licence' }));
    const fill = async (label: string, value: string) => page.getByLabel(label, { exact: true }).fill(value);
    await fill('Licence number', 'D7400001');
    await fill('Destination country', 'Vietnam');
    await fill('ECCNs', '3A090, not-an-eccn');
    await fill('Quantity ceiling (units)', '40');
    await fill('Value ceiling (USD)', '1,200,000');
    await fill('Valid from', '2026-01-01');
    await fill('Valid to (inclusive)', '2025-12-31');
    await fill('Party 1 name', 'Saigon Compute JSC');
    await fill('Party 1 country', 'VN');
    await page.getByLabel('Party 2 role', { exact: true }).selectOption('intermediate_consignee');
    await fill('Party 2 name', HOSTILE_SCRIPT);
    await fill('Party 2 country', 'SG');
    await page.getByLabel('Conditions (riders, as printed on the licence)', { exact: true }).fill(`${HOSTILE_IMG}\nNo reexport without prior BIS authorisation.`);
    await go(page, page.getByRole('button', { name: 'Record licence' }));
    // The service's field errors, at their fields; what was typed is kept.
    expect(await textOf(page.locator('#lic-eccns-error'))).toContain('not-an-eccn');
    expect(await textOf(page.locator('#lic-validTo-error'))).toContain('validFrom');
    expect(await page.getByLabel('Party 2 name', { exact: true }).inputValue()).toBe(HOSTILE_SCRIPT);
    await shot(page, '10-licence-form-errors');
    await fill('ECCNs', '3A090');
    await fill('Valid to (inclusive)', '2031-12-31');
    await go(page, page.getByRole('button', { name: 'Record licence' }));
    expect(new URL(page.url()).pathname).toMatch(/^\/licences\/[0-9a-f-]{36}$/);
    const licenceUrl = page.url();
    expect(await textOf(page.locator('.remaining-quantity'))).toBe('40');
    expect(await textOf(page.locator('.conditions'))).toContain('onerror=');
    expect(await textOf(page.locator('ol.history'))).toContain('v1 issued');
    expect(await textOf(page.locator('ol.history'))).toContain('by test reviewer'); // named, not a key id

    // A screening that needs a licence, pasted as JSON, draws on it.
    await go(page, page.getByRole('link', { name: 'New screening' }));
    const vietnam = {
      reference: 'SO-VN-LICENCE',
      shipDate: '2027-03-15',
      items: [{ model: 'NVIDIA H100 SXM5 80GB', quantity: 4, unitPriceUsd: 30_000 }],
      parties: [
        { role: 'buyer', name: 'Saigon Compute JSC', country: 'VN', businessType: 'cloud', website: 'saigon-compute.example', incorporatedOn: '2015-03-01' },
        { role: 'ultimate_consignee', name: 'Saigon Compute JSC', country: 'VN' },
      ],
      route: { origin: 'US', destination: 'VN' },
      endUse: 'Cloud GPU instances for enterprise customers',
    };
    await page.locator('#in-json').fill(JSON.stringify(vietnam));
    await go(page, page.getByRole('button', { name: 'Screen JSON shipment' }));
    await shot(page, '11-screening-drew-licence');
    const auth = page.locator('section.authorisation');
    expect(await textOf(auth)).toContain('Covered by an export licence');
    expect(await textOf(auth.locator('.drew'))).toMatch(/Drew on licence D7400001: 4 units, \$120,000/);
    await go(page, auth.getByRole('link', { name: 'D7400001' }));
    expect(page.url()).toBe(licenceUrl);
    const draw = page.locator('table.draws tbody tr');
    expect(await draw.count()).toBe(1);
    expect(await textOf(draw.first())).toContain('SO-VN-LICENCE');
    expect(await textOf(draw.first())).toContain('−4');
    expect(await textOf(page.locator('.remaining-quantity'))).toBe('36');
    expect(await textOf(page.locator('.remaining-value'))).toBe('$1,080,000');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: path.join(ARTIFACTS, '11-licence-page.png') });
    await shot(page, '11-licence-page-full');

    // Amend (a new version), then revoke: the history keeps both, named.
    await go(page, page.getByRole('link', { name: 'Amend the terms' }));
    expect(await page.getByLabel('Party 2 name', { exact: true }).inputValue()).toBe(HOSTILE_SCRIPT);
    await fill('Quantity ceiling (units)', '60');
    await page.getByLabel('Reason for the amendment (e.g. the BIS amendment letter)', { exact: true }).fill('BIS amendment of 2026-11-30');
    await go(page, page.getByRole('button', { name: 'Record amendment' }));
    expect(await textOf(page.locator('.remaining-quantity'))).toBe('56');
    await go(page, page.getByRole('button', { name: 'Revoke licence' }));
    await visible(page.locator('#revoke-reason-error'));
    await page.getByLabel('Reason for revoking', { exact: true }).fill('Superseded by D7400002');
    await go(page, page.getByRole('button', { name: 'Revoke licence' }));
    expect(await textOf(page.locator('.summary .badge'))).toBe('revoked');
    const history = await textOf(page.locator('ol.history'));
    expect(history).toMatch(/v2 amended[\s\S]*BIS amendment of 2026-11-30[\s\S]*v3 revoked[\s\S]*Superseded by D7400002/);
    expect(await page.getByRole('button', { name: 'Revoke licence' }).count()).toBe(0);

    // The same shipment now finds no licence that fits, and its page says why.
    await go(page, page.getByRole('link', { name: 'New screening' }));
    await page.locator('#in-json').fill(JSON.stringify({ ...vietnam, reference: 'SO-VN-REVOKED' }));
    await go(page, page.getByRole('button', { name: 'Screen JSON shipment' }));
    expect((await textOf(page.locator('.decision .badge'))).trim()).toBe('LICENSE REQUIRED');
    expect(await textOf(page.locator('section.authorisation'))).toContain('Not authorised');
    expect(await textOf(page.locator('section.authorisation ul.why li').first())).toMatch(/D7400001: .*revoked/);
    await shot(page, '11-screening-licence-not-fitting');

    for (const url of [new URL(licenceUrl).pathname, '/licences', `${new URL(licenceUrl).pathname}/amend`]) {
      await page.goto(`${base}${url}`);
      expect(await page.evaluate("window.__pwned ?? null"), url).toBeNull();
      expect(await page.locator('main script, main img').count(), url).toBe(0);
    }
    expect(dialogs).toEqual([]);
    ids.licence = new URL(licenceUrl).pathname.split('/').pop()!;
  });

  it('an auditor reads licences and their draws but gets no form; a submitter gets no licence pages', async () => {
    const { page } = await signIn(t.keys.auditor.key);
    await go(page, page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Licences' }));
    const row = page.getByRole('row', { name: /D7400001/ });
    expect(await textOf(row)).toContain('revoked');
    expect(await page.getByRole('link', { name: 'Record a licence' }).count()).toBe(0);
    await page.getByLabel('Destination (code or name)', { exact: true }).fill('Atlantis');
    await go(page, page.getByRole('button', { name: 'Apply filter' }));
    expect(await textOf(page.locator('#lf-destination-error'))).toContain('Atlantis');
    await page.getByLabel('Destination (code or name)', { exact: true }).fill('Vietnam');
    await go(page, page.getByRole('button', { name: 'Apply filter' }));
    await shot(page, '12-licences-auditor');
    await go(page, page.getByRole('link', { name: 'D7400001' }));
    expect(await textOf(page.locator('table.draws'))).toContain('SO-VN-LICENCE');
    expect(await page.locator('main form').count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Amend the terms' }).count()).toBe(0);
    expect((await page.goto(`${base}/licences/new`))?.status()).toBe(403);
    expect((await page.goto(`${base}/licences/${ids.licence}/amend`))?.status()).toBe(403);

    const submitter = await signIn(t.keys.submitter.key);
    expect(await submitter.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Licences' }).count()).toBe(0);
    expect((await submitter.page.goto(`${base}/licences`))?.status()).toBe(403);
    expect((await submitter.page.goto(`${base}/licences/${ids.licence}`))?.status()).toBe(403);
  });

  it('an officer uploads a file of orders; the batch page follows it to the end by itself, lists the lines to look at and serves the results', async () => {
    const { page, dialogs } = await signIn(t.keys.reviewer.key);
    await go(page, page.getByRole('link', { name: 'Batches' }));
    const csv = [
      'reference,ship_date,item_model,item_quantity,buyer_name,buyer_country,route_origin,route_via,route_destination,end_use',
      ...Array.from({ length: 30 }, (_, i) => `NIGHT-${i + 1},2026-11-30,NVIDIA L4,2,Example Retail GmbH,DE,US,,DE,inference`),
      `NIGHT-BAD,2026-11-30,NVIDIA H100 SXM5 80GB,many,Example Retail GmbH,DE,US,,DE,inference`,
      `NIGHT-HK,2026-11-30,NVIDIA H800 SXM5 80GB,200,"${HOSTILE_SCRIPT.replace(/"/g, '""')}",HK,US,HK,CN,AI model training`,
    ].join('\r\n');
    // The format is left on "from the file name".
    await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'nightly.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await go(page, page.getByRole('button', { name: 'Upload and screen' }));
    expect(new URL(page.url()).pathname).toMatch(/^\/batches\/[0-9a-f-]{36}$/);
    // No script: the page reloads itself (Refresh header) until the batch is done.
    await page.getByText('32 of 32 lines done').waitFor({ timeout: 60_000 });
    expect(await textOf(page.locator('#state-h'))).toContain('completed');
    const rows = page.locator('table.list tbody tr');
    expect(await textOf(rows.filter({ hasText: 'NIGHT-BAD' }))).toMatch(/invalid.*item_quantity/s);
    const hk = rows.filter({ hasText: 'NIGHT-HK' });
    expect(await textOf(hk)).toMatch(/BLOCK|LICENSE REQUIRED|REVIEW/);
    await shot(page, '13-batch');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'CSV' }).click()]);
    const results = parseCsv(readFileSync((await download.path())!, 'utf8'));
    expect(results[0]).toEqual(['line', 'reference', 'status', 'decision', 'risk_score', 'screening_id', 'rule_ids', 'ruleset_version', 'ruleset_hash', 'errors']);
    expect(results.slice(1).map((r) => r[1])).toEqual([...Array.from({ length: 30 }, (_, i) => `NIGHT-${i + 1}`), 'NIGHT-BAD', 'NIGHT-HK']);
    expect(results.slice(1).filter((r) => r[2] === 'screened')).toHaveLength(31);

    // The flagged line opens its screening, where the hostile name is text.
    await go(page, hk.getByRole('link', { name: 'the screening' }));
    await visible(page.getByText(HOSTILE_SCRIPT).first());
    expect(await page.evaluate('window.__pwned ?? null')).toBeNull();
    expect(dialogs).toEqual([]);
  });

  it('shows the dashboard, rules with a party search, and lets an admin create and revoke a key (ending its session)', async () => {
    const { page } = await signIn(t.keys.admin.key);
    await page.goto(`${base}/dashboard`);
    await visible(page.locator('svg.chart').first());
    await visible(page.getByRole('img', { name: 'Decisions per day (UTC)' }));
    await shot(page, '07-dashboard');

    // Monitoring: the start-up run is listed and opens.
    await go(page, page.getByRole('link', { name: 'Monitoring' }));
    const runLink = page.locator('table.list tbody tr td a').first();
    await go(page, runLink);
    expect(await textOf(page.locator('#run-h'))).toMatch(/of \d+ re-screened shipments changed decision/);
    await shot(page, '14-monitoring-run');

    await go(page, page.getByRole('link', { name: 'Rules and lists' }));
    await page.getByLabel('Name', { exact: true }).fill('Huawei Technologies');
    await go(page, page.getByRole('button', { name: 'Search' }));
    await visible(page.locator('#search-h ~ div table tbody tr').first());
    await shot(page, '08-rules');

    await go(page, page.getByRole('link', { name: 'API keys' }));
    await page.getByLabel("Holder's name", { exact: true }).fill('Officer Ng');
    await page.getByLabel('Role', { exact: true }).selectOption('reviewer');
    await go(page, page.getByRole('button', { name: 'Create key' }));
    const key = await page.getByLabel('New key', { exact: true }).inputValue();
    expect(key).toMatch(/^ck_[0-9a-f]{8}_/);
    await shot(page, '09-keys-created');

    const officer = await signIn(key);
    expect(new URL(officer.page.url()).pathname).toBe('/queue');
    await page.goto(`${base}/keys`);
    // Revoking is confirmed on a page of its own.
    await go(page, page.getByRole('link', { name: 'Revoke the key of Officer Ng' }));
    expect(await textOf(page.locator('#confirm-h'))).toBe('Revoke the key of Officer Ng?');
    await go(page, page.getByRole('button', { name: 'Revoke this key' }));
    expect(await textOf(page.locator('.notice'))).toContain('Key revoked');
    expect(await textOf(page.getByRole('row', { name: /Officer Ng/ }))).toContain('revoked');
    await officer.page.reload();
    expect(new URL(officer.page.url()).pathname).toBe('/login');
  });

  it('lets an admin register a webhook endpoint (errors at the form, the secret shown once), disable it and open its delivery log', async () => {
    const { page, dialogs } = await signIn(t.keys.admin.key);
    await go(page, page.getByRole('link', { name: 'Webhooks' }));
    // No event ticked (screening.flagged is ticked to begin with): the server's field error, with what was typed kept.
    await page.getByLabel('URL', { exact: true }).fill('https://erp.example.com/hooks/chokepoint');
    await page.getByLabel('screening.flagged').uncheck();
    await page.getByLabel('Description (optional)').fill('<img src=x onerror=alert(1)> SAP prod');
    await go(page, page.getByRole('button', { name: 'Register' }));
    expect(await textOf(page.locator('.errors'))).toContain('Events: choose at least one event');
    expect(await page.getByLabel('URL', { exact: true }).inputValue()).toBe('https://erp.example.com/hooks/chokepoint');
    expect(await page.getByLabel('Description (optional)').inputValue()).toBe('<img src=x onerror=alert(1)> SAP prod');
    await page.getByLabel('batch.completed').check();
    await go(page, page.getByRole('button', { name: 'Register' }));
    const secret = await page.getByLabel(/^Secret for /).inputValue();
    expect(secret).toMatch(/^whsec_/);
    expect(await textOf(page.getByRole('row', { name: /erp\.example\.com/ }))).toContain('<img src=x onerror=alert(1)> SAP prod');
    await shot(page, '15-webhooks');
    await go(page, page.getByRole('link', { name: 'Disable https://erp.example.com/hooks/chokepoint' }));
    await go(page, page.getByRole('button', { name: 'Disable the endpoint' }));
    expect(await textOf(page.getByRole('row', { name: /erp\.example\.com/ }))).toContain('disabled');
    expect(await page.locator('#new-secret').count()).toBe(0); // shown once: not after a reload
    await go(page, page.getByRole('link', { name: 'Deliveries' }).first());
    expect(await textOf(page.locator('main'))).toContain('No delivery matches the filter.');
    expect(dialogs).toEqual([]);
  });
});
