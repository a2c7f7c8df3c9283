/**
 * QA 15, defect 1 in Chromium: a refused disposition used to answer with the screening page at its top —
 * the reasons sat at the foot of a long page, out of sight, under a header still showing the previous
 * disposition. The answer must open with the reasons in view; a recorded one opens at the list that shows it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';

const FLAGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TIMEOUT = 30_000;
const go = (page: Page, l: Locator) => Promise.all([page.waitForNavigation({ timeout: TIMEOUT }), l.click({ timeout: TIMEOUT })]);
/** Whether an element's box lies within the viewport (boundingBox is relative to it). */
async function inView(page: Page, l: Locator): Promise<boolean> {
  const box = await l.boundingBox();
  const height = page.viewportSize()?.height ?? 0;
  return box !== null && box.y >= 0 && box.y + box.height <= height;
}

describe('Record a disposition in a browser', { timeout: 120_000 }, () => {
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

  it('a refusal opens with its reason in view; a recorded one opens at the list showing it', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/screenings',
      headers: bearer(t.keys.submitter.key),
      payload: { reference: 'QA15-SCROLL', items: [{ model: 'NVIDIA H800 SXM5 80GB', quantity: 10 }], parties: [{ role: 'buyer', name: 'Bright Harbour Trading', country: 'HK' }], route: { origin: 'US', via: ['HK'], destination: 'CN' } },
    });
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json().id as string;

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${base}/login`);
    await page.getByLabel('API key', { exact: true }).fill(t.keys.reviewer.key);
    await go(page, page.getByRole('button', { name: 'Sign in' }));
    await page.goto(`${base}/screenings/${id}`);
    // The page is far taller than the window: the form is out of view until scrolled to.
    expect(await page.evaluate('document.body.scrollHeight')).toBeGreaterThan(1600);

    await page.locator('#justification').fill('checked with the customer');
    await go(page, page.getByRole('button', { name: 'Record disposition' }));
    const reason = page.locator('#action-error');
    await reason.waitFor({ state: 'visible', timeout: TIMEOUT });
    expect(await reason.textContent()).toBe('is required');
    expect(await inView(page, reason)).toBe(true);
    expect(await inView(page, page.locator('#record-disposition .errors'))).toBe(true);
    expect(await page.locator('#justification').inputValue()).toBe('checked with the customer');
    // Only the justification refused: the page opens at it.
    await page.getByLabel('escalated').check();
    await page.locator('#justification').fill('');
    await go(page, page.getByRole('button', { name: 'Record disposition' }));
    await page.locator('#justification-error').waitFor({ state: 'visible', timeout: TIMEOUT });
    expect(await inView(page, page.locator('#justification-error'))).toBe(true);
    expect(await page.getByLabel('escalated').isChecked()).toBe(true);
    await page.locator('#justification').fill('checked with the customer');

    await go(page, page.getByRole('button', { name: 'Record disposition' }));
    expect(new URL(page.url()).pathname).toBe(`/screenings/${id}`);
    const recorded = page.locator('ol.history li').last();
    expect(await recorded.textContent()).toContain('checked with the customer');
    expect(await inView(page, recorded)).toBe(true);
    await context.close();
  });
});
