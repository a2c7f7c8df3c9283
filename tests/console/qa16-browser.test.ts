/**
 * QA 16 in Chromium (see qa16-console.test.ts for the same defects over HTTP):
 * - every page load asked for /favicon.ico and got a 404 (an error in the browser's console each time);
 * - a refused New screening form opened at the top of the page with the focus nowhere, the refused party 3
 *   country and permit line below the fold; the first refused field is now focused and in view, and the
 *   summary's links lead to each.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';

const FLAGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TIMEOUT = 30_000;
const go = (page: Page, l: Locator) => Promise.all([page.waitForNavigation({ timeout: TIMEOUT }), l.click({ timeout: TIMEOUT })]);
async function inView(page: Page, l: Locator): Promise<boolean> {
  const box = await l.boundingBox();
  const height = page.viewportSize()?.height ?? 0;
  return box !== null && box.y >= 0 && box.y + box.height <= height;
}

describe('QA 16 in a browser', { timeout: 120_000 }, () => {
  let t: KeyedTestApp;
  let browser: Browser;
  let base: string;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: FLAGS, timeout: 60_000 });
    t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: rulesOnly, sealIntervalMs: 0 });
    base = (await t.app.listen({ host: '127.0.0.1', port: 0 })).replace('localhost', '127.0.0.1');
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  }, 120_000);

  it('the browser gets its icon; a refused New screening opens at the first refused field, focused', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    // Chromium fetches the icon itself (Playwright reports no response for it); a 404 shows as an error in the
    // page's console: "Failed to load resource: … 404". The refused form's own 400 is expected.
    const failed: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of 400/.test(m.text())) failed.push(`${m.location().url}: ${m.text()}`);
    });

    await page.goto(`${base}/login`);
    await page.getByLabel('API key', { exact: true }).fill(t.keys.reviewer.key);
    await go(page, page.getByRole('button', { name: 'Sign in' }));
    await go(page, page.getByRole('link', { name: 'New screening' }));
    // Time for the browser's own request for the icon; it must not have failed.
    await page.waitForTimeout(1_000);
    expect(failed).toEqual([]);

    await page.getByLabel('Reference (e.g. sales order)').fill('QA16-BROWSER');
    await page.getByLabel('Item 1 model').fill('NVIDIA H100 SXM5 80GB');
    await page.getByLabel('Item 1 quantity').fill('10');
    await page.getByLabel('Party 3 name').fill('Some Co');
    await page.getByLabel('Party 3 country').fill('Narnia');
    await page.getByLabel('Destination country').fill('DE');
    await page.locator('#in-permits').fill('NOT_A_PERMIT 123');
    await go(page, page.getByRole('button', { name: 'Screen shipment' }));

    // Focused, and the browser scrolled it into view; typing goes straight into it.
    const country = page.locator('#in-parties-2-country');
    expect(await page.evaluate('document.activeElement?.id')).toBe('in-parties-2-country');
    expect(await inView(page, country)).toBe(true);
    await page.keyboard.press('Control+A');
    await page.keyboard.type('Germany');
    expect(await country.inputValue()).toBe('Germany');
    // The summary's link to the permit line leads there.
    await page.locator('.error-links').getByRole('link', { name: 'Permits' }).click();
    await expect.poll(() => new URL(page.url()).hash).toBe('#in-permits');
    expect(await inView(page, page.locator('#in-permits'))).toBe(true);

    // Fix both and submit: the screening is stored, the page is its own.
    await page.locator('#in-permits').fill('');
    await go(page, page.getByRole('button', { name: 'Screen shipment' }));
    expect(new URL(page.url()).pathname).toMatch(/^\/screenings\/[0-9a-f-]{36}$/);
    expect(failed).toEqual([]);
    // And the icon is an image the browser can draw.
    const icon = await page.goto(`${base}/favicon.ico`);
    expect(icon?.status()).toBe(200);
    // (a string: the test's TypeScript has no DOM types)
    const size = await page.evaluate(`(async () => { const img = new Image(); img.src = '/favicon.ico'; await img.decode(); return [img.naturalWidth, img.naturalHeight]; })()`);
    expect(size).toEqual([32, 32]);
    await context.close();
  });
});
