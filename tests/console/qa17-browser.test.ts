/**
 * QA 17 in Chromium (see qa17-console.test.ts for the same defects over HTTP):
 * - a refused "Not this entry" came back with the focus nowhere and said one refused field at a time (a blank
 *   justification, then — once that was fixed — the past review date);
 * - on a phone (390 px) a batch's page was wider than the screen: the facts grid's value column would not shrink
 *   below the file's sha256, so the whole page scrolled sideways;
 * - on a phone, a party's list candidates were squeezed to a letter or two a line once a "Not this entry" form was
 *   open beside them (the table wrapped its cells "anywhere" instead of scrolling in its box).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { withLists } from '../helpers/ruleset.js';

const FLAGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TIMEOUT = 30_000;
const go = (page: Page, l: Locator) => Promise.all([page.waitForNavigation({ timeout: TIMEOUT }), l.click({ timeout: TIMEOUT })]);
const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

describe('QA 17 in a browser', { timeout: 180_000 }, () => {
  let t: KeyedTestApp;
  let browser: Browser;
  let base: string;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: FLAGS, timeout: 60_000 });
    t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: withLists, sealIntervalMs: 0 });
    base = (await t.app.listen({ host: '127.0.0.1', port: 0 })).replace('localhost', '127.0.0.1');
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  }, 120_000);

  const signIn = async (key: string, viewport = { width: 1280, height: 800 }) => {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    await page.goto(`${base}/login`);
    await page.getByLabel('API key', { exact: true }).fill(key);
    await go(page, page.getByRole('button', { name: 'Sign in' }));
    return { context, page };
  };

  it('a refused Not this entry names both refused fields, opens focused on the first, and is corrected from the keyboard', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/screenings',
      headers: bearer(t.keys.submitter.key),
      payload: {
        reference: 'QA17-SUP-B',
        items: [{ model: 'Switches', quantity: 10, eccn: '5A991' }],
        parties: [{ role: 'buyer', name: 'Mate GmbH', country: 'DE' }],
        route: { origin: 'US', destination: 'GB' },
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    const id = (res.json() as { id: string }).id;

    const { context, page } = await signIn(t.keys.reviewer.key);
    await page.goto(`${base}/screenings/${id}`);
    const first = page.locator('details.suppress').first();
    await first.locator('summary').click();
    const formId = await first.locator('form').getAttribute('id');
    // The browser's date picker would keep a past date out (min); an officer typing or pasting one gets past it.
    await page.locator(`#${formId}-e`).evaluate((el, v) => ((el as unknown as { value: string }).value = v), day(-3));
    await go(page, first.getByRole('button', { name: 'Record: not this entry' }));

    const form = page.locator(`#${formId}`);
    expect(await form.isVisible()).toBe(true);
    const errors = await form.locator('.field-error').allInnerTexts();
    expect(errors).toEqual(['is required', 'must be in the future']);
    // Focused on the justification: the officer types straight into it.
    expect(await page.evaluate('document.activeElement?.id')).toBe(`${formId}-j`);
    await page.keyboard.type('Registry HRB 12345, a bakery in Bremen: not the listed firm');
    await page.locator(`#${formId}-e`).fill(day(90));
    await go(page, form.getByRole('button', { name: 'Record: not this entry' }));
    expect(new URL(page.url()).pathname).toBe(`/screenings/${id}`);
    expect(await page.locator('.suppressed').first().innerText()).toContain('Registry HRB 12345');
    await context.close();
  });

  it('on a phone, a party\'s list candidates stay readable with a Not this entry form open', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/screenings',
      headers: bearer(t.keys.submitter.key),
      payload: {
        reference: 'QA17-PHONE',
        items: [{ model: 'Switches', quantity: 10, eccn: '5A991' }],
        parties: [{ role: 'buyer', name: 'Sophgo Technologies', country: 'SG' }],
        route: { origin: 'US', destination: 'GB' },
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    const { context, page } = await signIn(t.keys.reviewer.key, { width: 390, height: 844 });
    await page.goto(`${base}/screenings/${(res.json() as { id: string }).id}`);
    await page.locator('details.suppress').first().locator('summary').click();
    // The listed name's cell: it was squeezed to a letter or two a line (about 30 px) beside the open form.
    const row = page.locator('#party-0 tbody tr').first();
    const name = (await row.locator('td').nth(1).boundingBox())!;
    expect(name.width).toBeGreaterThan(100);
    const widths = (await page.evaluate('({ scroll: document.documentElement.scrollWidth, view: window.innerWidth })')) as { scroll: number; view: number };
    expect(widths.scroll).toBeLessThanOrEqual(widths.view);
    await context.close();
  });

  it('a batch page fits a phone screen: nothing wider than the viewport', async () => {
    const { context, page } = await signIn(t.keys.reviewer.key, { width: 390, height: 844 });
    await page.goto(`${base}/batches`);
    const csv = 'reference,item_model,item_quantity,ultimate_consignee_name,ultimate_consignee_country,route_destination\nQA17-P1,NVIDIA H100,2,Bob GmbH,DE,DE\n';
    await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'phone.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await go(page, page.getByRole('button', { name: 'Upload and screen' }));
    expect(new URL(page.url()).pathname).toMatch(/^\/batches\/[0-9a-f-]{36}$/);
    await expect.poll(async () => (await page.reload(), await page.locator('main').innerText()), { timeout: 30_000 }).toContain('File sha256');
    const widths = (await page.evaluate('({ scroll: document.documentElement.scrollWidth, view: window.innerWidth })')) as { scroll: number; view: number };
    expect(widths.scroll).toBeLessThanOrEqual(widths.view);
    await context.close();
  });
});
