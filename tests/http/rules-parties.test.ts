import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { withLists } from '../helpers/ruleset.js';

describe('GET /v1/rules and GET /v1/parties/search', () => {
  let t: KeyedTestApp;
  beforeAll(async () => {
    t = await makeKeyedApp({}, { loadRuleset: withLists });
  });
  afterAll(() => t.close());

  const get = (url: string) => t.app.inject({ method: 'GET', url, headers: bearer(t.keys.auditor.key) });

  it('describes the active ruleset with its hash, counts, lists and effective dates', async () => {
    const res = await get('/v1/rules');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(body.lists[0]).toMatchObject({ entryCount: 25921, format: 'csl-csv' });
    expect(body.counts.chips).toBeGreaterThanOrEqual(30);
    expect(body.effectiveDates.length).toBeGreaterThan(0);
    expect(Object.keys(body.sources).length).toBeGreaterThan(10);
  });

  it('finds PowerAir Pte. Ltd. on the Entity List with its licence requirement and notice', async () => {
    const res = await get('/v1/parties/search?name=POWERAIR%20PTE%20LTD&country=SG');
    expect(res.statusCode).toBe(200);
    const [top] = res.json().results;
    expect(top).toMatchObject({ name: 'PowerAir Pte. Ltd.', list: 'EL', match: true });
    expect(top.federalRegisterNotice).toContain('90 FR');
    expect(top.explanation.summary.length).toBeGreaterThan(0);
  });

  it('finds Inspur Taiwan through its alias Number Media Limited', async () => {
    const [top] = (await get('/v1/parties/search?name=Number%20Media%20Limited')).json().results;
    expect(top.name).toMatch(/Inspur/i);
    expect(top.matchedName).toMatch(/Number Media/i);
    expect(top.match).toBe(true);
  });

  it('restricts to a list and refuses an unknown country with a 400 naming it', async () => {
    const res = await get('/v1/parties/search?name=Huawei&list=SDN');
    expect(res.json().results.every((r: { list: string }) => r.list === 'SDN')).toBe(true);
    const bad = await get('/v1/parties/search?name=Huawei&country=Narnia');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0]).toMatchObject({ field: '/country', in: 'query' });
  });

  it('requires a name', async () => {
    const res = await get('/v1/parties/search');
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0]).toMatchObject({ field: '/name', in: 'query' });
  });
});
