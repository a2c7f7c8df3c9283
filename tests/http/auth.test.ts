import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { eq } from 'drizzle-orm';
import { buildApp } from '../../src/app.js';
import { testConfig } from '../../src/config.js';
import { openDatabase } from '../../src/store/db.js';
import { apiKeys, auditEvents } from '../../src/store/schema.js';
import { freshStorage, type TestApp } from '../helpers/app.js';
import { bearer, createKey, makeKeyedApp, TEST_ADMIN_KEY, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';

// Every log line the app writes, through the real logger options (redaction, serializers).
const logged = vi.hoisted(() => ({ lines: [] as string[] }));
vi.mock('../../src/logger.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/logger.js')>();
  return {
    loggerOptions: (config: Parameters<typeof real.loggerOptions>[0]) => {
      const opts = real.loggerOptions(config);
      return opts && typeof opts === 'object' ? { ...opts, stream: { write: (s: string) => void logged.lines.push(s) } } : opts;
    },
  };
});

const KEY_SHAPE = /^ck_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/;

function expectProblem(res: { statusCode: number; headers: Record<string, unknown>; json: () => unknown }, status: number) {
  expect(res.statusCode).toBe(status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
  expect(res.json()).toMatchObject({ status });
}

describe('API keys and authentication', () => {
  let t: KeyedTestApp;
  beforeAll(async () => {
    t = await makeKeyedApp({ logLevel: 'trace' }, { loadRuleset: rulesOnly });
  });
  afterAll(() => t.close());

  it('refuses a request without a key: 401 problem+json with a Bearer challenge', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/api-keys' });
    expectProblem(res, 401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(res.json().type).toBe('urn:chokepoint:problem:unauthorized');
  });

  it.each([
    ['Basic dXNlcjpwYXNz'],
    ['Bearer'],
    ['Bearer '],
    ['Bearer a b'],
    ['bearer short'],
    [`Bearer ${'x'.repeat(600)}`],
    ['Bearer ck_zzzzzzzz_notakey'],
    [`Bearer ck_00000000_${'A'.repeat(43)}`],
    [`Bearer ${TEST_ADMIN_KEY}x`],
  ])('refuses a malformed or unknown key (%s) with 401', async (authorization) => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/api-keys', headers: { authorization } });
    expectProblem(res, 401);
    expect(res.headers['www-authenticate']).toContain('invalid_token');
  });

  it('creates keys of the documented shape, shown once', async () => {
    const k = t.keys.submitter;
    expect(k.key).toMatch(KEY_SHAPE);
    expect(k.key.startsWith(`${k.prefix}_`)).toBe(true);
    expect(k).toMatchObject({ role: 'submitter', name: 'test submitter', expiresAt: null });
    expect(Date.parse(k.createdAt)).not.toBeNaN();
    const list = await t.app.inject({ method: 'GET', url: '/v1/api-keys', headers: bearer(TEST_ADMIN_KEY) });
    expect(list.statusCode).toBe(200);
    const items = list.json().items as Array<Record<string, unknown>>;
    const listed = items.find((i) => i.id === k.id);
    expect(listed).toMatchObject({ id: k.id, prefix: k.prefix, role: 'submitter', createdBy: 'admin-env', revokedAt: null });
    expect(list.body).not.toContain(k.key);
    for (const i of items) expect(Object.keys(i).sort()).toEqual(['createdAt', 'createdBy', 'expiresAt', 'holder', 'id', 'name', 'prefix', 'rateLimitPerMinute', 'revokedAt', 'role']);
  });

  it('lets a created admin key manage keys and refuses other roles with 403', async () => {
    const ok = await t.app.inject({ method: 'GET', url: '/v1/api-keys', headers: bearer(t.keys.admin.key) });
    expect(ok.statusCode).toBe(200);
    for (const role of ['submitter', 'reviewer', 'auditor'] as const) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/api-keys', headers: bearer(t.keys[role].key), payload: { role: 'admin', name: 'escalate' } });
      expectProblem(res, 403);
      expect(res.json().type).toBe('urn:chokepoint:problem:forbidden');
    }
  });

  it('checks the key before the body: an unauthenticated caller learns nothing about input rules', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/api-keys', payload: { nonsense: true } });
    expectProblem(res, 401);
  });

  it('validates the create body and names the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ role: 'root', name: 'x' }, '/role'],
      [{ role: 'auditor' }, '/name'],
      [{ role: 'auditor', name: '' }, '/name'],
      [{ role: 'auditor', name: 'x', extra: 1 }, '/extra'],
      [{ role: 'auditor', name: 'x', expiresAt: 'tomorrow' }, '/expiresAt'],
      [{ role: 'auditor', name: 'x', expiresAt: '2001-01-01T00:00:00Z' }, '/expiresAt'],
      [{ role: 'auditor', name: 'bell\u0007' }, '/name'],
    ];
    for (const [payload, field] of cases) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/api-keys', headers: bearer(TEST_ADMIN_KEY), payload: payload as object });
      expectProblem(res, 400);
      expect((res.json().errors as Array<{ field: string }>).map((e) => e.field)).toContain(field);
    }
  });

  it('revokes a key: it stops working at once; unknown ids are 404; revoking twice is fine', async () => {
    const k = await createKey(t, 'reviewer');
    expect((await t.app.inject({ method: 'GET', url: '/livez', headers: bearer(k.key) })).statusCode).toBe(200);
    // Warm the verification cache, then revoke: the cache must not keep the key alive.
    expect((await t.app.inject({ method: 'GET', url: '/v1/api-keys', headers: bearer(k.key) })).statusCode).toBe(403);
    const del = await t.app.inject({ method: 'DELETE', url: `/v1/api-keys/${k.id}`, headers: bearer(TEST_ADMIN_KEY) });
    expect(del.statusCode).toBe(204);
    const after = await t.app.inject({ method: 'GET', url: '/v1/api-keys', headers: bearer(k.key) });
    expectProblem(after, 401);
    expect(after.json().detail).toMatch(/revoked/);
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/api-keys/${k.id}`, headers: bearer(TEST_ADMIN_KEY) })).statusCode).toBe(204);
    expectProblem(await t.app.inject({ method: 'DELETE', url: '/v1/api-keys/no-such-key', headers: bearer(TEST_ADMIN_KEY) }), 404);
    expectProblem(await t.app.inject({ method: 'DELETE', url: '/v1/api-keys/bad%20id', headers: bearer(TEST_ADMIN_KEY) }), 400);
    const listed = (await t.app.inject({ method: 'GET', url: '/v1/api-keys', headers: bearer(TEST_ADMIN_KEY) })).json().items.find((i: { id: string }) => i.id === k.id);
    expect(listed.revokedAt).not.toBeNull();
  });

  it('refuses an expired key', async () => {
    const k = await createKey(t, 'auditor', { expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    expect(k.expiresAt).not.toBeNull();
    await t.app.database.db.update(apiKeys).set({ expiresAt: new Date(Date.now() - 1000).toISOString() }).where(eq(apiKeys.id, k.id));
    const res = await t.app.inject({ method: 'GET', url: '/v1/api-keys', headers: bearer(k.key) });
    expectProblem(res, 401);
    expect(res.json().detail).toMatch(/expired/);
  });

  it('records key creation and revocation as audit events, with the acting key and no secret', async () => {
    const k = await createKey(t, 'submitter', { name: 'audited' });
    await t.app.inject({ method: 'DELETE', url: `/v1/api-keys/${k.id}`, headers: bearer(t.keys.admin.key) });
    const events = await t.app.database.db.select().from(auditEvents);
    const created = events.find((e) => e.type === 'api_key.created' && (e.payload as { keyId?: string }).keyId === k.id);
    const revoked = events.find((e) => e.type === 'api_key.revoked' && (e.payload as { keyId?: string }).keyId === k.id);
    expect(created).toMatchObject({ apiKeyId: 'admin-env', payload: { prefix: k.prefix, role: 'submitter' } });
    expect(revoked).toMatchObject({ apiKeyId: t.keys.admin.id });
    expect(JSON.stringify(events)).not.toContain(k.key.slice(k.prefix.length + 1));
  });

  it('never stores or logs a key in clear', async () => {
    const k = await createKey(t, 'reviewer', { name: 'secret-check' });
    await t.app.inject({ method: 'GET', url: '/v1/api-keys', headers: bearer(k.key) });
    await t.app.inject({ method: 'GET', url: '/v1/api-keys?x=1', headers: bearer(`${k.key}x`) });
    await t.app.inject({ method: 'DELETE', url: `/v1/api-keys/${k.id}`, headers: bearer(TEST_ADMIN_KEY) });
    const secret = k.key.slice(k.prefix.length + 1);
    const rows = JSON.stringify([await t.app.database.db.select().from(apiKeys), await t.app.database.db.select().from(auditEvents)]);
    const logs = logged.lines.join('');
    expect(logs).toContain('api key created'); // the capture works
    for (const haystack of [rows, logs]) {
      expect(haystack).not.toContain(secret);
      expect(haystack).not.toContain(TEST_ADMIN_KEY);
      for (const other of Object.values(t.keys)) expect(haystack).not.toContain(other.key.slice(other.prefix.length + 1));
    }
  });
});

describe('admin bootstrap', () => {
  let store: Awaited<ReturnType<typeof freshStorage>>;
  beforeAll(async () => {
    store = await freshStorage();
  });
  afterAll(() => store.drop());

  it('generates an admin key once when none is configured, hands it to the caller, and logs nothing of it', async () => {
    const database = await openDatabase(store.storage);
    const printed: string[] = [];
    const start = (adminKey: string | null) =>
      buildApp({ config: testConfig({ storage: store.storage, adminKey, logLevel: 'trace' }), database, loadRuleset: rulesOnly, onAdminKeyCreated: (k) => printed.push(k) });
    const apps: TestApp['app'][] = [];
    try {
      apps.push(await start(null));
      expect(printed).toHaveLength(1);
      const generated = printed[0] as string;
      expect(generated).toMatch(KEY_SHAPE);
      expect(logged.lines.join('')).not.toContain(generated.slice(12));
      const app1 = apps[0] as TestApp['app'];
      expect((await app1.inject({ method: 'GET', url: '/v1/api-keys', headers: bearer(generated) })).statusCode).toBe(200);

      // A restart with an active admin key creates nothing.
      apps.push(await start(null));
      expect(printed).toHaveLength(1);

      // CHOKEPOINT_ADMIN_KEY: the admin-env row holds its hash; a changed env key replaces it.
      const envA = 'env-admin-key-A-0123456789abcdefghijklmnopq';
      const envB = 'env-admin-key-B-0123456789abcdefghijklmnopq';
      const withA = await start(envA);
      apps.push(withA);
      expect((await withA.inject({ method: 'GET', url: '/v1/api-keys', headers: bearer(envA) })).statusCode).toBe(200);
      const withB = await start(envB);
      apps.push(withB);
      expect((await withB.inject({ method: 'GET', url: '/v1/api-keys', headers: bearer(envB) })).statusCode).toBe(200);
      expect((await withB.inject({ method: 'GET', url: '/v1/api-keys', headers: bearer(envA) })).statusCode).toBe(401);
      const rows = await database.db.select().from(apiKeys).where(eq(apiKeys.id, 'admin-env'));
      expect(rows).toHaveLength(1);
      expect(JSON.stringify(rows)).not.toContain(envB);
      const types = (await database.db.select().from(auditEvents)).map((e) => e.type);
      expect(types).toEqual(expect.arrayContaining(['api_key.created', 'api_key.rotated']));
      expect(printed).toHaveLength(1);
    } finally {
      for (const a of apps) await a.close();
      await database.close();
    }
  });
});
