/**
 * A mistyped console address answers a person with a page and a way back (not problem+json); programs,
 * and anything under /v1/, keep the problem document.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';

let t: KeyedTestApp;
beforeAll(async () => {
  t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: rulesOnly });
}, 300_000);
afterAll(async () => t?.close(), 120_000);

it('a browser gets a console page for an unknown address, with the path escaped and a link home', async () => {
  const res = await t.app.inject({ method: 'GET', url: '/screening-list/%3Cscript%3Ex', headers: { accept: 'text/html,application/xhtml+xml' } });
  expect(res.statusCode).toBe(404);
  expect(res.headers['content-type']).toMatch(/^text\/html/);
  expect(res.body).toContain('Page not found');
  expect(res.body).toContain('<a href="/">Go to the console</a>');
  expect(res.body).not.toContain('<script>');
});

it('programs and API paths keep problem+json', async () => {
  const api = await t.app.inject({ method: 'GET', url: '/v1/nothing', headers: { accept: 'text/html' } });
  expect(api.statusCode).toBe(404);
  expect(api.headers['content-type']).toMatch(/application\/problem\+json/);
  const program = await t.app.inject({ method: 'GET', url: '/nonexistent', headers: { accept: 'application/json' } });
  expect(program.headers['content-type']).toMatch(/application\/problem\+json/);
});
