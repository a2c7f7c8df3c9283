/**
 * QA 13, defect 1, in a real browser (Debian's Chromium via playwright-core, as tests/console/browser.test.ts):
 * submit *New screening*, press Back, submit again — and the same on *Record a disposition*. Chromium fetches
 * the `no-store` form again (a new once-token) and restores what was typed; the second submission must store
 * nothing and say what the first made, and "Screen it again anyway" must still make a second screening.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TIMEOUT = 30_000;

describe('Back, then submit, in a browser', { timeout: 120_000 }, () => {
  let t: KeyedTestApp;
  let base: string;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, timeout: 60_000 });
    t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: rulesOnly, sealIntervalMs: 0 });
    base = (await t.app.listen({ host: '127.0.0.1', port: 0 })).replace('localhost', '127.0.0.1');
  }, 180_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await t?.close();
  });

  async function signIn(key: string): Promise<Page> {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${base}/login`);
    await page.getByLabel('API key', { exact: true }).fill(key);
    await Promise.all([page.waitForNavigation({ timeout: TIMEOUT }), page.getByRole('button', { name: 'Sign in' }).click()]);
    return page;
  }
  const submit = (page: Page, name: string) => Promise.all([page.waitForNavigation({ timeout: TIMEOUT }), page.getByRole('button', { name, exact: true }).click({ timeout: TIMEOUT })]);
  const back = (page: Page) => page.goBack({ timeout: TIMEOUT, waitUntil: 'load' });
  const count = async (reference: string) =>
    ((await t.app.inject({ method: 'GET', url: `/v1/screenings?reference=${reference}`, headers: bearer(t.keys.admin.key) })).json().items as unknown[]).length;

  it('New screening: the second submission lands on the first screening; "Screen it again anyway" makes a second', async () => {
    const page = await signIn(t.keys.reviewer.key);
    await page.goto(`${base}/screenings/new`);
    const fill = async () => {
      await page.getByLabel('Reference (e.g. sales order)', { exact: true }).fill('QA13-BROWSER');
      await page.getByLabel('Item 1 model', { exact: true }).fill('NVIDIA L4');
      await page.getByLabel('Item 1 quantity', { exact: true }).fill('2');
      await page.getByLabel('Destination country', { exact: true }).fill('DE');
    };
    await fill();
    const firstToken = await page.locator('#shipment-form input[name="_once"]').inputValue();
    await submit(page, 'Screen shipment');
    const first = new URL(page.url()).pathname;
    expect(first).toMatch(/^\/screenings\/[0-9a-f-]{36}$/);
    expect(await count('QA13-BROWSER')).toBe(1);

    await back(page);
    expect(new URL(page.url()).pathname).toBe('/screenings/new');
    // The page was fetched again: a new token. Chromium restores what was typed; if it did not, type it again.
    expect(await page.locator('#shipment-form input[name="_once"]').inputValue()).not.toBe(firstToken);
    if ((await page.getByLabel('Reference (e.g. sales order)', { exact: true }).inputValue()) === '') await fill();
    await submit(page, 'Screen shipment');
    expect(new URL(page.url()).pathname).toBe('/screenings/new');
    expect(await page.getByRole('heading', { name: 'This shipment was already screened' }).count()).toBe(1);
    expect(await page.getByRole('link', { name: 'QA13-BROWSER' }).getAttribute('href')).toBe(first);
    expect(await count('QA13-BROWSER')).toBe(1);

    await submit(page, 'Screen it again anyway');
    const second = new URL(page.url()).pathname;
    expect(second).toMatch(/^\/screenings\/[0-9a-f-]{36}$/);
    expect(second).not.toBe(first);
    expect(await count('QA13-BROWSER')).toBe(2);
  });

  it('Record a disposition: the second submission records nothing and says it was already recorded', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/screenings',
      headers: bearer(t.keys.submitter.key),
      payload: { reference: 'QA13-BROWSER-DISP', items: [{ model: 'NVIDIA H800 SXM5 80GB', quantity: 100 }], route: { origin: 'US', destination: 'CN' } },
    });
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json().id as string;
    const history = async () => ((await t.app.inject({ method: 'GET', url: `/v1/screenings/${id}/dispositions`, headers: bearer(t.keys.admin.key) })).json().items as unknown[]).length;

    const page = await signIn(t.keys.reviewer.key);
    await page.goto(`${base}/screenings/${id}`);
    const fill = async () => {
      await page.getByLabel('escalated', { exact: true }).check();
      await page.getByLabel('Justification', { exact: true }).fill('Sent to the trade team for an end-use check');
    };
    await fill();
    await submit(page, 'Record disposition');
    expect(await history()).toBe(1);

    await back(page);
    expect(new URL(page.url()).pathname).toBe(`/screenings/${id}`);
    if ((await page.getByLabel('Justification', { exact: true }).inputValue()) === '') await fill();
    if (!(await page.getByLabel('escalated', { exact: true }).isChecked())) await fill();
    await submit(page, 'Record disposition');
    expect(await page.getByRole('status').filter({ hasText: 'This disposition was already recorded' }).count()).toBe(1);
    expect(await history()).toBe(1);
    expect(await page.locator('ol.history li').count()).toBe(1);
  });
});
