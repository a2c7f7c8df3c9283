import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../helpers/app.js';
import { bearer, createKey, TEST_ADMIN_KEY } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';

const isProblem = (res: { headers: Record<string, unknown> }) => /^application\/problem\+json/.test(String(res.headers['content-type']));

describe('security headers, content types and sizes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeApp({ adminKey: TEST_ADMIN_KEY, limits: { bodyLimitBytes: 2048 } as never }, { loadRuleset: rulesOnly });
  });
  afterAll(() => t.close());

  it('sends security headers on API responses and errors', async () => {
    for (const url of ['/livez', '/v1/api-keys', '/nope']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['x-frame-options']).toBeDefined();
      expect(res.headers['referrer-policy']).toBe('no-referrer');
    }
  });

  it('keeps Swagger UI working under the CSP: page, scripts and the document are public and same-origin', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toMatch(/<script>[^<]/); // no inline script the CSP would block
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    const scripts = [...page.body.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1] as string);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) {
      const url = new URL(src, 'http://localhost/docs/').pathname;
      expect((await t.app.inject({ method: 'GET', url })).statusCode).toBe(200);
    }
    expect((await t.app.inject({ method: 'GET', url: '/docs/json' })).statusCode).toBe(200);
  });

  it('sends no CORS headers when no origin is configured', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/livez', headers: { origin: 'https://evil.example' } });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const pre = await t.app.inject({ method: 'OPTIONS', url: '/v1/api-keys', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('accepts only JSON bodies: other content types are 415 problem+json', async () => {
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x']) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/api-keys', headers: { ...bearer(TEST_ADMIN_KEY), 'content-type': contentType }, payload: 'role=admin&name=x' });
      expect(res.statusCode, contentType).toBe(415);
      expect(isProblem(res)).toBe(true);
    }
  });

  it('answers malformed JSON with 400 and an oversize body with 413, both problem+json', async () => {
    const bad = await t.app.inject({ method: 'POST', url: '/v1/api-keys', headers: { ...bearer(TEST_ADMIN_KEY), 'content-type': 'application/json' }, payload: '{"role":' });
    expect(bad.statusCode).toBe(400);
    expect(isProblem(bad)).toBe(true);
    const big = await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: { ...bearer(TEST_ADMIN_KEY), 'content-type': 'application/json' },
      payload: JSON.stringify({ role: 'admin', name: 'x'.repeat(4096) }),
    });
    expect(big.statusCode).toBe(413);
    expect(isProblem(big)).toBe(true);
  });
});

describe('CORS when configured', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeApp({ adminKey: TEST_ADMIN_KEY, corsOrigins: ['https://erp.example.com'] }, { loadRuleset: rulesOnly });
  });
  afterAll(() => t.close());

  it('allows the configured origin only, and answers preflight without a key', async () => {
    const ok = await t.app.inject({ method: 'GET', url: '/livez', headers: { origin: 'https://erp.example.com' } });
    expect(ok.headers['access-control-allow-origin']).toBe('https://erp.example.com');
    const other = await t.app.inject({ method: 'GET', url: '/livez', headers: { origin: 'https://evil.example' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const pre = await t.app.inject({
      method: 'OPTIONS',
      url: '/v1/api-keys',
      headers: { origin: 'https://erp.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(pre.statusCode).toBe(204);
    expect(String(pre.headers['access-control-allow-headers'])).toContain('authorization');
  });
});

describe('rate limiting per key', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeApp({ adminKey: TEST_ADMIN_KEY, rateLimitPerMinute: 3 }, { loadRuleset: rulesOnly });
  });
  afterAll(() => t.close());

  it('answers 429 problem+json with Retry-After once a key exceeds its budget, without touching other keys', async () => {
    const list = (key: string) => t.app.inject({ method: 'GET', url: '/v1/api-keys', headers: bearer(key) });
    const other = await createKey(t, 'admin'); // admin-env's 1st request
    expect((await list(TEST_ADMIN_KEY)).statusCode).toBe(200);
    expect((await list(TEST_ADMIN_KEY)).statusCode).toBe(200);
    const limited = await list(TEST_ADMIN_KEY);
    expect(limited.statusCode).toBe(429);
    expect(isProblem(limited)).toBe(true);
    expect(limited.json()).toMatchObject({ status: 429, type: 'urn:chokepoint:problem:rate-limited' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await list(other.key)).statusCode).toBe(200);
  });

  it('refuses unauthenticated requests with 401 before counting them against anyone', async () => {
    for (let i = 0; i < 5; i++) expect((await t.app.inject({ method: 'GET', url: '/v1/api-keys' })).statusCode).toBe(401);
  });
});

describe('storage failure', () => {
  it('answers 503 problem+json (not 500) when the database is gone, with Retry-After', async () => {
    const t = await makeApp({ adminKey: TEST_ADMIN_KEY }, { loadRuleset: rulesOnly });
    try {
      expect((await t.app.inject({ method: 'GET', url: '/v1/api-keys', headers: bearer(TEST_ADMIN_KEY) })).statusCode).toBe(200); // key now cached
      await t.app.database.close();
      const res = await t.app.inject({ method: 'POST', url: '/v1/api-keys', headers: bearer(TEST_ADMIN_KEY), payload: { role: 'auditor', name: 'x' } });
      expect(res.statusCode).toBe(503);
      expect(isProblem(res)).toBe(true);
      expect(res.json().type).toBe('urn:chokepoint:problem:unavailable');
      expect(res.headers['retry-after']).toBeDefined();
    } finally {
      await t.close().catch(() => {});
    }
  });
});
