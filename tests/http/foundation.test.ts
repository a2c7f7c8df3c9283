import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../helpers/app.js';
import { rulesOnly } from '../helpers/ruleset.js';

describe('foundation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeApp({}, { loadRuleset: rulesOnly });
  });
  afterAll(() => t.close());

  it('answers /livez', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/livez' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('is ready when the database answers and a ruleset is loaded', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('ready');
  });

  it('returns 404 problem+json for an unknown route, with the request id', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/nope', headers: { 'x-request-id': 'req-12345678' } });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['x-request-id']).toBe('req-12345678');
    expect(res.json()).toMatchObject({ status: 404, title: 'Not found', requestId: 'req-12345678', instance: '/nope' });
  });

  it('replaces an inbound request id that does not look like one', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/livez', headers: { 'x-request-id': 'bad id\u0007' } });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('returns 405 with Allow for a known path and the wrong method', async () => {
    const res = await t.app.inject({ method: 'DELETE', url: '/livez' });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toContain('GET');
    expect(res.json().type).toBe('urn:chokepoint:problem:method-not-allowed');
  });

  it('serves the OpenAPI document and Swagger UI', async () => {
    const json = await t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(json.statusCode).toBe(200);
    expect(json.json().openapi).toMatch(/^3\./);
    const ui = await t.app.inject({ method: 'GET', url: '/docs' });
    expect([200, 302]).toContain(ui.statusCode);
  });
});

describe('fail closed', () => {
  it('is not ready while no ruleset is loaded', async () => {
    const t = await makeApp({}, { loadRuleset: async () => { throw new Error('rules/chips.yaml: invalid'); } });
    try {
      const res = await t.app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.json().checks.ruleset).toEqual({ ok: false, detail: 'ruleset invalid' });
    } finally {
      await t.close();
    }
  });

  it('refuses to become ready when the database is unreachable', async () => {
    // Nothing listens on port 1: the pool fails to connect, migrations fail, readiness stays 503.
    const t = await makeApp(
      { storage: { kind: 'postgres', url: 'postgres://postgres@127.0.0.1:1/chokepoint' } },
      { loadRuleset: rulesOnly },
    );
    try {
      const res = await t.app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json().checks.database.ok).toBe(false);
      expect(res.json().checks.migrations.ok).toBe(false);
      expect(res.headers['retry-after']).toBe('5');
      const live = await t.app.inject({ method: 'GET', url: '/livez' });
      expect(live.statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});
