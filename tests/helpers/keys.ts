/**
 * API keys for tests: an app whose CHOKEPOINT_ADMIN_KEY is known, and one key per role created
 * through the real API (so tests exercise the same path as callers).
 */
import type { AppOptions } from '../../src/app.js';
import type { Config } from '../../src/config.js';
import { ROLES, type Role } from '../../src/services/principal.js';
import { makeApp, type TestApp } from './app.js';

export const TEST_ADMIN_KEY = 'test-admin-key-0123456789abcdefghijklmnop';

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

export interface CreatedKey {
  id: string;
  key: string;
  role: Role;
  name: string;
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
}

export async function createKey(t: TestApp, role: Role, extra: { name?: string; expiresAt?: string } = {}): Promise<CreatedKey> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/api-keys',
    headers: bearer(TEST_ADMIN_KEY),
    payload: { role, name: extra.name ?? `test ${role}`, ...(extra.expiresAt ? { expiresAt: extra.expiresAt } : {}) },
  });
  if (res.statusCode !== 201) throw new Error(`creating a ${role} key failed: ${res.statusCode} ${res.body}`);
  return res.json() as CreatedKey;
}

export interface KeyedTestApp extends TestApp {
  /** One key per role (admin is a created key, not the env key). */
  keys: Record<Role, CreatedKey>;
}

export async function makeKeyedApp(overrides: Partial<Config> = {}, opts: Omit<AppOptions, 'config'> = {}): Promise<KeyedTestApp> {
  const t = await makeApp({ adminKey: TEST_ADMIN_KEY, ...overrides }, opts);
  const keys = {} as Record<Role, CreatedKey>;
  for (const role of ROLES) keys[role] = await createKey(t, role);
  return { ...t, keys };
}
