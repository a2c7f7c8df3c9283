/**
 * QA 18 in Chromium, at phone width (390 px) and from the keyboard only: an admin revokes a key through its
 * confirmation page (Back then says it is already revoked), and a refused webhook form
 * opens focused on its first refused field with every error named by label. Hostile names stay inert text and
 * the page never scrolls sideways.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';

const FLAGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TIMEOUT = 30_000;

describe('QA 18 in a browser', { timeout: 180_000 }, () => {
  let t: KeyedTestApp;
  let browser: Browser;
  let base: string;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: FLAGS, timeout: 60_000 });
    t = await makeKeyedApp({ rateLimitPerMinute: 0, webhooks: { allowPrivate: true } as never }, { loadRuleset: rulesOnly, sealIntervalMs: 0 });
    base = (await t.app.listen({ host: '127.0.0.1', port: 0 })).replace('localhost', '127.0.0.1');
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  }, 120_000);

  const enter = (page: Page) => Promise.all([page.waitForNavigation({ timeout: TIMEOUT }), page.keyboard.press('Enter')]);
  /** Tab until the focused element's accessible text matches. */
  const tabTo = async (page: Page, re: RegExp) => {
    for (let i = 0; i < 80; i++) {
      await page.keyboard.press('Tab');
      const label = (await page.evaluate('(() => { const a = document.activeElement; return (a.getAttribute("aria-label") || a.textContent || "").trim(); })()')) as string;
      if (re.test(label)) return;
    }
    throw new Error(`no focusable element matching ${re}`);
  };
  const noSideways = async (page: Page) => expect(await page.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth')).toBe(true);

  it('revokes a key from the keyboard on a phone, confirmed; Back says it is already revoked', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/v1/api-keys', headers: bearer(t.keys.admin.key), payload: { name: '<img src=x onerror=alert(1)> ERP', role: 'submitter' } });
    expect(created.statusCode).toBe(201);
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`${base}/login`);
    await page.getByLabel('API key', { exact: true }).fill(t.keys.admin.key);
    await enter(page);
    await page.goto(`${base}/keys`);
    await noSideways(page);
    await tabTo(page, /^Revoke the key of <img src=x onerror=alert\(1\)> ERP$/);
    await enter(page);
    expect(new URL(page.url()).pathname).toMatch(/^\/keys\/[^/]+\/revoke$/);
    expect(await page.locator('#confirm-h').innerText()).toBe('Revoke the key of <img src=x onerror=alert(1)> ERP?');
    await noSideways(page);
    await tabTo(page, /^Revoke this key$/);
    await enter(page);
    expect(await page.locator('.notice h2').innerText()).toBe('Key revoked');
    expect(await page.getByRole('row', { name: /onerror/ }).innerText()).toContain('revoked');
    // Back to the confirmation (no-store: drawn again) says the key is already revoked and offers no second revoke;
    // a resent confirmation is answered the same way (qa18-admin-forms.test.ts).
    await page.goBack();
    expect(await page.locator('.notice h2').innerText()).toBe('Already revoked');
    expect(await page.getByRole('button', { name: 'Revoke this key' }).count()).toBe(0);
    const events = (await t.app.database.db.execute(`select count(*)::int as n from audit_events where type = 'api_key.revoked' and payload->>'keyId' = '${(created.json() as { id: string }).id}'` as never)) as { rows: Array<{ n: number }> };
    expect(events.rows[0]!.n).toBe(1);
    expect(dialogs).toEqual([]);
    await context.close();
  });

  it('a refused webhook form opens focused on its first refused field, every error named by its label and linked', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto(`${base}/login`);
    await page.getByLabel('API key', { exact: true }).fill(t.keys.admin.key);
    await enter(page);
    await page.goto(`${base}/webhooks`);
    await page.getByLabel('URL', { exact: true }).fill('http://erp.example.com/hook');
    await page.getByLabel('screening.flagged').uncheck();
    await page.getByLabel('Description (optional)').fill('SAP\tprod');
    await Promise.all([page.waitForNavigation({ timeout: TIMEOUT }), page.getByRole('button', { name: 'Register' }).click()]);
    expect(await page.evaluate('document.activeElement.id')).toBe('wh-url');
    const items = await page.locator('.errors li').allInnerTexts();
    // In the form's order.
    expect(items).toHaveLength(3);
    expect(items[0]).toMatch(/^URL: must be https/);
    expect(items[1]).toBe('Events: choose at least one event');
    expect(items[2]).toMatch(/^Description: must not contain control characters/);
    expect(await page.locator('#wh-url-error').innerText()).toMatch(/must be https/);
    await noSideways(page);
    // The summary's link takes the keyboard to the field.
    await page.locator('.errors a', { hasText: 'Events' }).click();
    expect(await page.evaluate('document.activeElement.id')).toBe('wh-ev-screening-flagged');
    await context.close();
  });
});
