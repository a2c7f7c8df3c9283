/**
 * QA 18 in Chromium: the work queue's cursor pager (next page, previous page, first page) after the officer disposes
 * of screenings on page 1; and the licence pages — record, the same number again in another letter case, filter by
 * it in any case, revoke.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';

const FLAGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TIMEOUT = 30_000;
const go = (page: Page, l: Locator) => Promise.all([page.waitForNavigation({ timeout: TIMEOUT }), l.click({ timeout: TIMEOUT })]);
const toChina = (reference: string) => ({ reference, shipDate: '2030-01-15', items: [{ model: 'NVIDIA H800 SXM5 80GB', quantity: 10 }], route: { origin: 'US', destination: 'CN' } });

describe('QA 18 in a browser', { timeout: 240_000 }, () => {
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

  const signIn = async (key: string) => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${base}/login`);
    await page.getByLabel('API key', { exact: true }).fill(key);
    await go(page, page.getByRole('button', { name: 'Sign in' }));
    return { context, page };
  };
  const rows = (page: Page) => page.locator('table.list').last().locator('tbody tr td:first-child a').allTextContents();

  it('the queue: dispose of some on page 1, next page shows the rest — none skipped — and previous/first lead back', async () => {
    const refs: string[] = [];
    for (let i = 0; i < 55; i++) {
      const ref = `SO-QA18-B${String(i).padStart(2, '0')}`;
      const res = await t.app.inject({ method: 'POST', url: '/v1/screenings', headers: bearer(t.keys.submitter.key), payload: toChina(ref) });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json().decision).not.toBe('CLEAR');
      refs.push(ref);
    }
    const { context, page } = await signIn(t.keys.reviewer.key);
    await page.goto(`${base}/queue`);
    const first = await rows(page);
    expect(first).toEqual(refs.slice(0, 50));
    expect(await page.getByRole('link', { name: /previous page/ }).count()).toBe(0);

    // Dispose of three on page 1 (through the API: the queue reads the same store), then follow next page.
    const ids = (await t.app.inject({ method: 'GET', url: '/v1/screenings?open=true&limit=100', headers: bearer(t.keys.reviewer.key) })).json().items as Array<{ id: string; reference: string }>;
    const byRef = new Map(ids.map((s) => [s.reference, s.id]));
    for (const ref of [refs[1]!, refs[20]!, refs[49]!]) {
      const r = await t.app.inject({ method: 'POST', url: `/v1/screenings/${byRef.get(ref)}/dispositions`, headers: bearer(t.keys.reviewer.key), payload: { action: 'blocked', justification: 'QA 18' } });
      expect(r.statusCode, r.body).toBe(201);
    }
    await go(page, page.getByRole('link', { name: 'next page →' }));
    expect(await rows(page)).toEqual(refs.slice(50));
    expect(await page.getByRole('link', { name: /next page/ }).count()).toBe(0);

    await go(page, page.getByRole('link', { name: '← previous page' }));
    const remaining = refs.filter((r) => ![refs[1], refs[20], refs[49]].includes(r));
    expect(await rows(page)).toEqual(remaining.slice(0, 50));
    await go(page, page.getByRole('link', { name: 'next page →' }));
    expect(await rows(page)).toEqual(remaining.slice(50));
    await go(page, page.getByRole('link', { name: '← first page' }));
    expect(new URL(page.url()).search).toBe('');

    // Highest risk first keeps its order across pages.
    await page.goto(`${base}/queue?order=risk`);
    await go(page, page.getByRole('link', { name: 'next page →' }));
    expect(new URL(page.url()).searchParams.get('order')).toBe('risk');
    // A tampered cursor: a 400 page that says which parameter, with the way back.
    const res = await page.goto(`${base}/queue?cursor=tampered`);
    expect(res?.status()).toBe(400);
    await expect(page.getByRole('alert').textContent()).resolves.toContain('/cursor');
    await go(page, page.getByRole('link', { name: 'Go to the first page of the work queue' }));
    expect(await rows(page)).toEqual(remaining.slice(0, 50));
    await context.close();
  });

  it('licences: recorded, the same number in lower case refused as on record (not as other terms), found in any case, revoked', async () => {
    const { context, page } = await signIn(t.keys.reviewer.key);
    const fill = async (number: string) => {
      await page.goto(`${base}/licences/new`);
      await page.getByLabel('Licence number').fill(number);
      await page.getByLabel('Destination country').fill('VN');
      await page.getByLabel('ECCNs').fill('3A090');
      await page.getByLabel('Quantity ceiling (units)').fill('40');
      await page.getByLabel('Valid from').fill('2026-01-01');
      await page.getByLabel('Valid to (inclusive)').fill('2099-12-31');
      await page.getByLabel('Party 1 name').fill('Da Nang Compute JSC');
      await page.getByLabel('Party 1 country').fill('VN');
      await go(page, page.getByRole('button', { name: /Record|Save/ }));
    };
    await fill('BIS-QA18-7');
    expect(page.url()).toMatch(/\/licences\/[0-9a-f-]{36}$/);
    const id = page.url().split('/').pop();
    await expect(page.locator('h1').textContent()).resolves.toContain('BIS-QA18-7');

    await fill('bis-qa18-7');
    expect(page.url()).toMatch(/\/licences\/new$/);
    const error = await page.locator('.field-error').first().textContent();
    expect(error).toContain(`already on record as ${id}`);
    expect(error).not.toContain('other terms');

    await page.goto(`${base}/licences?number=bis-qa18-7`);
    expect(await page.locator('table.list tbody tr').count()).toBe(1);
    await expect(page.locator('table.list tbody tr td a').first().textContent()).resolves.toBe('BIS-QA18-7');

    await page.goto(`${base}/licences/${id}`);
    await page.getByLabel(/reason/i).first().fill('BIS letter of 2026-12-07');
    await go(page, page.getByRole('button', { name: /Revoke/ }));
    await expect(page.locator('.badge.l-revoked').first().textContent()).resolves.toBe('revoked');
    await context.close();
  });
});
