/**
 * QA round 13b in Chromium (Debian's, driven by playwright-core, as tests/console/browser.test.ts): a party address
 * of 500 characters without a space stays inside its card and the page inside a 1280 px viewport; an export link
 * opened with a refused filter shows the flag log with the error instead of a silent failed download; the verify
 * result is readable. Signed in by an Authorization header (the console takes Bearer), to keep it fast.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const LONG = 'X'.repeat(500);

describe('console layout and links in a browser', { timeout: 120_000 }, () => {
  let t: KeyedTestApp;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let id: string;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, timeout: 60_000 });
    t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: rulesOnly, sealIntervalMs: 0 });
    base = (await t.app.listen({ host: '127.0.0.1', port: 0 })).replace('localhost', '127.0.0.1');
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/screenings',
      headers: bearer(t.keys.reviewer.key),
      payload: {
        reference: `R${'Y'.repeat(99)}`,
        shipDate: '2030-01-15',
        items: [{ model: 'NVIDIA H100 SXM5 80GB', quantity: 8 }],
        parties: [{ role: 'buyer', name: `N${'Z'.repeat(299)}`, country: 'FR', address: LONG }],
        route: { origin: 'US', destination: 'FR' },
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    id = res.json().id as string;
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, extraHTTPHeaders: bearer(t.keys.auditor.key), acceptDownloads: true });
  }, 180_000);

  afterAll(async () => {
    await context?.close().catch(() => {});
    await browser?.close();
    await t?.close();
  });

  it('a 500-character unbroken address stays inside its card and the page inside the viewport', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/screenings/${id}`);
    const card = page.locator('article.card.party').first();
    await card.waitFor({ state: 'visible', timeout: 30_000 });
    expect(await card.textContent()).toContain(LONG);
    // A string, as in browser.test.ts: the test files are type-checked without the DOM library.
    const sizes = (await page.evaluate(`(() => {
      const el = document.querySelector('article.card.party');
      return { page: document.documentElement.scrollWidth, viewport: window.innerWidth, card: el.getBoundingClientRect().right, cardScroll: el.scrollWidth, cardClient: el.clientWidth };
    })()`)) as { page: number; viewport: number; card: number; cardScroll: number; cardClient: number };
    expect(sizes.page).toBeLessThanOrEqual(sizes.viewport);
    expect(sizes.card).toBeLessThanOrEqual(sizes.viewport);
    expect(sizes.cardScroll).toBeLessThanOrEqual(sizes.cardClient);
    // The flag log with the long reference and party name stays inside too.
    await page.goto(`${base}/log`);
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    await page.close();
  });

  it('an export link opened with a refused filter shows the log and the error, not a failed download', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/log?country=Narnia`);
    expect(await page.getByRole('alert').first().textContent()).toContain('unknown country');
    expect(await page.getByRole('link', { name: 'CSV' }).count()).toBe(0);
    const res = await page.goto(`${base}/log/export?country=Narnia&format=csv`);
    expect(res?.status()).toBe(400);
    expect(await page.getByRole('heading', { name: 'Flag log', level: 1 }).count()).toBe(1);
    expect(await page.getByRole('alert').first().textContent()).toContain('unknown country');
    // A good filter still downloads from its link.
    await page.goto(`${base}/log?country=FR`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    await page.close();
  });

  it('verify reads as a verdict with the latest seal, and keeps the filter', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/log?country=FR`);
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Seal now' }).click()]);
    expect(new URL(page.url()).searchParams.get('country')).toBe('FR');
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Verify the log' }).click()]);
    expect(new URL(page.url()).pathname).toBe('/log/verify');
    expect(new URL(page.url()).searchParams.get('country')).toBe('FR');
    expect(await page.getByLabel('Country (code or English name)', { exact: true }).inputValue()).toBe('FR');
    expect(await page.getByRole('heading', { level: 3 }).first().textContent()).toMatch(/^Intact: every sealed record matches its seal/);
    const hash = (await page.locator('code.hash').textContent()) ?? '';
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    // The hash is selected whole with one click, ready to copy.
    await page.locator('code.hash').click();
    expect(await page.evaluate('String(window.getSelection())')).toBe(hash);
    await page.close();
  });
});
