/**
 * QA18: the API stored API-key names and holders, webhook URLs and descriptions carrying bidirectional controls
 * (U+202E makes "gnp.exe" read "exe.png" and reorders what follows) and C0 control characters — the console refused
 * them on its own forms but anything calling the API could store them. Now a 400 naming the field, nothing stored,
 * as for every other name the service stores (src/services/input-guards.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { testConfig } from '../../src/config.js';
import { openDatabase, type Database } from '../../src/store/db.js';
import { freshStorage, type TestStorage } from '../helpers/app.js';
import { bearer, TEST_ADMIN_KEY } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';

const admin = bearer(TEST_ADMIN_KEY);
let storage: TestStorage;
let database: Database;
let a: App;

beforeAll(async () => {
  storage = await freshStorage();
  database = await openDatabase(storage.storage);
  const config = testConfig({ storage: storage.storage, adminKey: TEST_ADMIN_KEY, rateLimitPerMinute: 0, webhooks: { allowPrivate: true } });
  a = await buildApp({ config, database, loadRuleset: rulesOnly, sealIntervalMs: 0 });
});
afterAll(async () => {
  await a?.close();
  await database?.close();
  await storage?.drop();
});

const count = async (url: string) => ((await a.inject({ method: 'GET', url, headers: admin })).json().items as unknown[]).length;

describe('POST /v1/api-keys and the webhook endpoints refuse control characters', () => {
  it('a key name or holder with a bidirectional or C0 control is a 400 naming it; no key is created', async () => {
    const before = await count('/v1/api-keys');
    for (const [payload, field] of [
      [{ role: 'submitter', name: 'ERP \u202Egnp.exe' }, '/name'],
      [{ role: 'submitter', name: 'ERP', holder: 'Ops \u2066team' }, '/holder'],
      [{ role: 'submitter', name: 'ERP\u0007bell' }, '/name'],
    ] as const) {
      const res = await a.inject({ method: 'POST', url: '/v1/api-keys', headers: admin, payload });
      expect(res.statusCode, res.body).toBe(400);
      expect((res.json().errors as Array<{ field: string }>).map((e) => e.field)).toContain(field);
    }
    expect(await count('/v1/api-keys')).toBe(before);
    // Right-to-left text itself is a name like any other.
    const ok = await a.inject({ method: 'POST', url: '/v1/api-keys', headers: admin, payload: { role: 'submitter', name: 'شركة الخليج ERP' } });
    expect(ok.statusCode, ok.body).toBe(201);
  });

  it('a webhook URL or description with a control is a 400 naming it, on registration and on PATCH; nothing changes', async () => {
    const reg = (payload: Record<string, unknown>) =>
      a.inject({ method: 'POST', url: '/v1/webhooks/endpoints', headers: admin, payload: { url: 'https://erp.example.com/hook', events: ['screening.flagged'], ...payload } });
    const bad = await reg({ description: 'Finance \u202Eliart' });
    expect(bad.statusCode, bad.body).toBe(400);
    expect((bad.json().errors as Array<{ field: string }>).map((e) => e.field)).toContain('/description');
    expect(await count('/v1/webhooks/endpoints')).toBe(0);
    const good = await reg({ description: 'Finance' });
    expect(good.statusCode, good.body).toBe(201);
    const id = good.json().id as string;
    const patch = await a.inject({ method: 'PATCH', url: `/v1/webhooks/endpoints/${id}`, headers: admin, payload: { description: 'x\u2067y' } });
    expect(patch.statusCode, patch.body).toBe(400);
    expect((patch.json().errors as Array<{ field: string }>).map((e) => e.field)).toContain('/description');
    const now = (await a.inject({ method: 'GET', url: `/v1/webhooks/endpoints/${id}`, headers: admin })).json();
    expect(now.description).toBe('Finance');
  });
});
