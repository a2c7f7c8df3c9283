/**
 * Reloading the rule table: an invalid table is refused and the active one stays (fail closed);
 * a valid change becomes active, is an audit event, and reaches the other replicas through
 * LISTEN/NOTIFY.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { testConfig } from '../../src/config.js';
import { eq } from 'drizzle-orm';
import { loadRuleset } from '../../src/rules/index.js';
import { auditEvents } from '../../src/store/schema.js';
import { bearer, makeKeyedApp, TEST_ADMIN_KEY, type KeyedTestApp } from '../helpers/keys.js';
import { RULES_DIR } from '../helpers/ruleset.js';

describe('POST /v1/rules/reload', () => {
  let dir: string;
  let a: KeyedTestApp;
  let b: App;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'chokepoint-rules-'));
    cpSync(RULES_DIR, dir, { recursive: true, filter: (src) => path.basename(src) !== 'lists' });
    const loader = () => loadRuleset(dir);
    a = await makeKeyedApp({}, { loadRuleset: loader, sealIntervalMs: 0 });
    // A second replica on the same database, with the same rules folder.
    b = await buildApp({ config: testConfig({ storage: a.app.config.storage, adminKey: TEST_ADMIN_KEY }), database: a.app.database, loadRuleset: loader, sealIntervalMs: 0 });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  const rulesOf = async (app: App) => (await app.inject({ method: 'GET', url: '/v1/rules', headers: bearer(TEST_ADMIN_KEY) })).json();
  const reload = () => a.app.inject({ method: 'POST', url: '/v1/rules/reload', headers: bearer(TEST_ADMIN_KEY) });

  it('refuses an invalid table with 422 naming the file, and keeps the active ruleset', async () => {
    const before = await rulesOf(a.app);
    const chips = path.join(dir, 'chips.yaml');
    const original = readFileSync(chips, 'utf8');
    writeFileSync(chips, original.replace(/^chips:/m, 'chipz:'));
    try {
      const res = await reload();
      expect(res.statusCode).toBe(422);
      expect(res.json().detail).toMatch(/chips\.yaml/);
      expect((await rulesOf(a.app)).hash).toBe(before.hash);
      const screen = await a.app.inject({ method: 'POST', url: '/v1/classify', headers: bearer(a.keys.reviewer.key), payload: { items: [{ model: 'NVIDIA H100 SXM5 80GB', quantity: 1 }] } });
      expect(screen.statusCode).toBe(200);
    } finally {
      writeFileSync(chips, original);
    }
  });

  it('activates a changed table, records it, and the other replica follows', async () => {
    const manifest = path.join(dir, 'ruleset.yaml');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(/^version: .*$/m, "version: '2099.1.1-test'"));
    const res = await reload();
    expect(res.statusCode, res.body).toBe(200);
    const active = res.json();
    expect(active.version).toBe('2099.1.1-test');
    const deadline = Date.now() + 10_000;
    let seen = (await rulesOf(b)).hash;
    while (seen !== active.hash && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      seen = (await rulesOf(b)).hash;
    }
    expect(seen).toBe(active.hash);
    const activations = await a.app.database.db.select().from(auditEvents).where(eq(auditEvents.type, 'ruleset.activated'));
    expect(activations.map((e) => (e.payload as { hash: string }).hash)).toContain(active.hash);
  });

  it('is for admins only', async () => {
    const res = await a.app.inject({ method: 'POST', url: '/v1/rules/reload', headers: bearer(a.keys.reviewer.key) });
    expect(res.statusCode).toBe(403);
  });
});
