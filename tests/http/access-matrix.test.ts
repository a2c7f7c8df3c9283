/**
 * Role × endpoint matrix over every route the app registers (read from the auth plugin's route
 * table, which sees each route as it is added), for every role and for callers with no key, a
 * malformed key, an unknown key, a revoked key and an expired key.
 *
 * The EXPECTED table is the access policy, written down once: a route missing from it fails the
 * test, and so does a route whose declared access differs from it. Adding a route = one line here.
 * Entries for routes that are not registered (yet) are simply not exercised.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { ACCESS, type Access } from '../../src/http/access.js';
import { ROLES, type Role } from '../../src/services/principal.js';
import { apiKeys } from '../../src/store/schema.js';
import { bearer, createKey, makeKeyedApp, TEST_ADMIN_KEY, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';

const EXPECTED: Record<string, Access> = {
  'GET /livez': ACCESS.public,
  'GET /readyz': ACCESS.public,
  'POST /v1/api-keys': ACCESS.admin,
  'GET /v1/api-keys': ACCESS.admin,
  'DELETE /v1/api-keys/:id': ACCESS.admin,
  'POST /v1/screenings': ACCESS.screen,
  'GET /v1/screenings': ACCESS.readScreenings,
  'GET /v1/screenings/:id': ACCESS.readScreenings,
  'POST /v1/classify': ACCESS.screen,
  'POST /v1/screenings/:id/replay': ACCESS.replay,
  'GET /v1/rules': ACCESS.rules,
  'POST /v1/rules/reload': ACCESS.admin,
  'GET /v1/parties/search': ACCESS.partySearch,
  'POST /v1/screenings/:id/dispositions': ACCESS.dispositions,
  'GET /v1/screenings/:id/dispositions': ACCESS.readScreenings,
  'GET /v1/audit/export': ACCESS.audit,
  'GET /v1/audit/verify': ACCESS.audit,
  // Sealing only adds tamper evidence over what is already stored; auditors may trigger it.
  'POST /v1/audit/seal': ACCESS.audit,
  // Operational data (volumes, decisions by kind, seal lag) is for auditors and operators, not submitters.
  'GET /metrics': ACCESS.audit,
  'POST /v1/batches': ACCESS.batches,
  'GET /v1/batches': ACCESS.readBatches,
  'GET /v1/batches/:id': ACCESS.readBatches,
  'GET /v1/batches/:id/results': ACCESS.readBatches,
  'POST /v1/batches/:id/cancel': ACCESS.batches,
  'POST /v1/webhooks/endpoints': ACCESS.admin,
  'GET /v1/webhooks/endpoints': ACCESS.admin,
  'GET /v1/webhooks/endpoints/:id': ACCESS.admin,
  'PATCH /v1/webhooks/endpoints/:id': ACCESS.admin,
  'POST /v1/webhooks/endpoints/:id/rotate-secret': ACCESS.admin,
  'GET /v1/webhooks/deliveries': ACCESS.admin,
  'GET /v1/webhooks/deliveries/:id': ACCESS.admin,
  'POST /v1/webhooks/deliveries/:id/redeliver': ACCESS.admin,
  'POST /v1/suppressions': ACCESS.suppress,
  'GET /v1/suppressions': ACCESS.readSuppressions,
  'GET /v1/suppressions/:id': ACCESS.readSuppressions,
  'POST /v1/suppressions/:id/withdrawal': ACCESS.suppress,
  'GET /v1/monitoring/runs': ACCESS.monitoring,
  'GET /v1/monitoring/runs/:id': ACCESS.monitoring,
  'GET /v1/monitoring/open-changes': ACCESS.monitoring,
  'POST /v1/licences': ACCESS.licencesWrite,
  'GET /v1/licences': ACCESS.licencesRead,
  'GET /v1/licences/:id': ACCESS.licencesRead,
  'POST /v1/licences/:id/amend': ACCESS.licencesWrite,
  'POST /v1/licences/:id/revoke': ACCESS.licencesWrite,
  // The console (src/console): the same policy, with a session cookie in place of the header.
  'GET /console/console.css': ACCESS.public,
  'GET /favicon.ico': ACCESS.public,
  'GET /login': ACCESS.public,
  'POST /login': ACCESS.public,
  'POST /logout': ACCESS.public,
  'GET /': ACCESS.readScreenings,
  'GET /queue': ACCESS.dispositions,
  'GET /mine': ACCESS.readScreenings,
  'GET /screenings/new': ACCESS.screen,
  'POST /screenings/new': ACCESS.screen,
  'GET /screenings/:id': ACCESS.readScreenings,
  'GET /screenings/:id/replay': ACCESS.replay,
  'POST /screenings/:id/dispositions': ACCESS.dispositions,
  'POST /screenings/:id/suppressions': ACCESS.suppress,
  'GET /suppressions': ACCESS.readSuppressions,
  'POST /suppressions/:id/withdraw': ACCESS.suppress,
  'GET /log': ACCESS.oversight,
  'GET /log/verify': ACCESS.audit,
  'GET /log/export': ACCESS.audit,
  'POST /log/seal': ACCESS.audit,
  'GET /dashboard': ACCESS.oversight,
  'GET /rules': ACCESS.rules,
  'GET /keys': ACCESS.admin,
  'POST /keys': ACCESS.admin,
  'GET /keys/:id/revoke': ACCESS.admin,
  'POST /keys/:id/revoke': ACCESS.admin,
  'GET /licences': ACCESS.licencesRead,
  'GET /licences/new': ACCESS.licencesWrite,
  'POST /licences/new': ACCESS.licencesWrite,
  'GET /licences/:id': ACCESS.licencesRead,
  'GET /licences/:id/amend': ACCESS.licencesWrite,
  'POST /licences/:id/amend': ACCESS.licencesWrite,
  'POST /licences/:id/revoke': ACCESS.licencesWrite,
  'GET /batches': ACCESS.readBatches,
  'POST /batches': ACCESS.batches,
  'GET /batches/:id': ACCESS.readBatches,
  'GET /batches/:id/results': ACCESS.readBatches,
  'POST /batches/:id/cancel': ACCESS.batches,
  'GET /monitoring': ACCESS.monitoring,
  'GET /monitoring/:id': ACCESS.monitoring,
  'GET /webhooks': ACCESS.admin,
  'POST /webhooks': ACCESS.admin,
  'GET /webhooks/:id/disable': ACCESS.admin,
  'POST /webhooks/:id/disable': ACCESS.admin,
  'POST /webhooks/:id/enable': ACCESS.admin,
  'GET /webhooks/:id/rotate': ACCESS.admin,
  'POST /webhooks/:id/rotate': ACCESS.admin,
  'GET /webhooks/deliveries': ACCESS.admin,
  'POST /webhooks/deliveries/:id/redeliver': ACCESS.admin,
};
/** Swagger UI and the OpenAPI document; CORS preflight when CORS is configured. */
const PUBLIC_PREFIXES = ['/docs'];

function expectedAccess(method: string, url: string): Access | undefined {
  if (PUBLIC_PREFIXES.some((p) => url === p || url.startsWith(`${p}/`))) return 'public';
  if (method === 'OPTIONS' && url === '*') return 'public';
  // Fastify adds HEAD for every GET; it has the GET's access.
  return EXPECTED[`${method} ${url}`] ?? (method === 'HEAD' ? EXPECTED[`GET ${url}`] : undefined);
}

const sameAccess = (a: Access, b: Access) => (a === 'public' || b === 'public' ? a === b : [...a].sort().join() === [...b].sort().join());

type Caller = { name: string; authorization?: string; role?: Role };

describe('access matrix', () => {
  let t: KeyedTestApp;
  let callers: Caller[];
  beforeAll(async () => {
    t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: rulesOnly });
    const revoked = await createKey(t, 'admin', { name: 'to revoke' });
    await t.app.inject({ method: 'DELETE', url: `/v1/api-keys/${revoked.id}`, headers: bearer(TEST_ADMIN_KEY) });
    const expired = await createKey(t, 'admin', { name: 'to expire', expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    await t.app.database.db.update(apiKeys).set({ expiresAt: new Date(Date.now() - 1_000).toISOString() }).where(eq(apiKeys.id, expired.id));
    const admin = t.keys.admin;
    callers = [
      { name: 'no key' },
      { name: 'malformed key', authorization: 'Bearer not a key' },
      { name: 'wrong scheme', authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` },
      { name: 'unknown key', authorization: `Bearer ${admin.prefix}_${'A'.repeat(43)}` },
      { name: 'revoked key', authorization: `Bearer ${revoked.key}` },
      { name: 'expired key', authorization: `Bearer ${expired.key}` },
      { name: 'env admin key', authorization: `Bearer ${TEST_ADMIN_KEY}`, role: 'admin' },
      ...ROLES.map((role) => ({ name: `${role} key`, authorization: `Bearer ${t.keys[role].key}`, role })),
    ];
  });
  afterAll(() => t.close());

  it('has an entry for every registered route, matching its declared access', () => {
    const routes = t.app.routeAccess();
    expect(routes.length).toBeGreaterThan(5);
    const missing = routes.filter((r) => expectedAccess(r.method, r.url) === undefined).map((r) => `${r.method} ${r.url}`);
    expect(missing, 'add these routes to EXPECTED in tests/http/access-matrix.test.ts').toEqual([]);
    const differing = routes
      .filter((r) => !sameAccess(r.access, expectedAccess(r.method, r.url) as Access))
      .map((r) => `${r.method} ${r.url}: declared ${JSON.stringify(r.access)}, expected ${JSON.stringify(expectedAccess(r.method, r.url))}`);
    expect(differing).toEqual([]);
    for (const r of routes) expect(t.app.hasRoute({ method: r.method as 'GET', url: r.url }), `${r.method} ${r.url}`).toBe(true);
  });

  it('lets in exactly the callers the table allows: 401 without a valid key, 403 for the wrong role', async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const route of t.app.routeAccess()) {
      const access = expectedAccess(route.method, route.url);
      if (!access) continue;
      const url = route.url.replace(/:[A-Za-z0-9_]+/g, '00000000-0000-4000-8000-000000000000').replace(/\*/g, 'x');
      const hasBody = ['POST', 'PUT', 'PATCH'].includes(route.method);
      for (const caller of callers) {
        const res = await t.app.inject({
          method: route.method as 'GET',
          url,
          headers: { ...(caller.authorization ? { authorization: caller.authorization } : {}), ...(hasBody ? { 'content-type': 'application/json' } : {}) },
          ...(hasBody ? { payload: '{}' } : {}),
        });
        checked++;
        const want = access === 'public' ? 'pass' : !caller.role ? 401 : access.includes(caller.role) ? 'pass' : 403;
        const got = res.statusCode === 401 || res.statusCode === 403 ? res.statusCode : 'pass';
        if (want !== got) failures.push(`${route.method} ${route.url} as ${caller.name}: expected ${want}, got ${res.statusCode}`);
        if (got !== 'pass' && !/^application\/problem\+json/.test(String(res.headers['content-type']))) {
          failures.push(`${route.method} ${route.url} as ${caller.name}: ${res.statusCode} is not problem+json`);
        }
        if (got === 401 && !String(res.headers['www-authenticate']).startsWith('Bearer')) failures.push(`${route.method} ${route.url}: 401 without WWW-Authenticate`);
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(50);
  });

  // The "done when", wherever the routes exist.
  it.each([
    ['submitter', 'POST /v1/screenings', true],
    ['submitter', 'GET /v1/audit/export', false],
    ['submitter', 'POST /v1/api-keys', false],
    ['auditor', 'GET /v1/audit/export', true],
    ['auditor', 'GET /v1/audit/verify', true],
    ['auditor', 'POST /v1/screenings', false],
    ['reviewer', 'POST /v1/screenings/:id/dispositions', true],
    ['auditor', 'POST /v1/screenings/:id/dispositions', false],
  ] as const)('%s → %s allowed: %s', (role, route, allowed) => {
    const access = EXPECTED[route] as Access;
    expect(access !== 'public' && access.includes(role)).toBe(allowed);
  });
});
