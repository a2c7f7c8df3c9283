/**
 * Signing out of the console ends the session on the server, not only in the browser: a copy of the
 * cookie used after POST /logout is sent to the sign-in page (401 for a program), while another
 * session of the same key goes on. The end is stored (console_session_ends), so on Postgres a second
 * replica sharing the database refuses the cookie at once. Rows past their session's expiry (and a
 * grace for clock skew) are purged on sign-out. Fail closed: if the ended-session lookup cannot be
 * made, the session is not taken; if the end cannot be stored, sign-out says so and keeps the cookie.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sql } from 'drizzle-orm';
import { buildApp, type App } from '../../src/app.js';
import { ConsoleSessions, ENDED_SESSION_GRACE_MS, type SessionEnds } from '../../src/services/console-sessions.js';
import { endSession } from '../../src/store/console-sessions-repo.js';
import { PG_URL } from '../helpers/app.js';
import { makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { rulesOnly } from '../helpers/ruleset.js';

// The ended-session lookup and the sign-out write, passed through unless a test makes them fail like a lost database.
const fault = vi.hoisted(() => ({ lookup: false, write: false }));
vi.mock('../../src/store/console-sessions-repo.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/store/console-sessions-repo.js')>();
  const down = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  return {
    ...real,
    isSessionEnded: async (...args: Parameters<typeof real.isSessionEnded>) => {
      if (fault.lookup) throw down();
      return real.isSessionEnded(...args);
    },
    endSession: async (...args: Parameters<typeof real.endSession>) => {
      if (fault.write) throw down();
      return real.endSession(...args);
    },
  };
});

let t: KeyedTestApp;

beforeAll(async () => {
  t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: rulesOnly, sealIntervalMs: 0 });
}, 300_000);
afterAll(async () => {
  await t?.close();
}, 120_000);

const HTML = { accept: 'text/html' };
const FORM = { ...HTML, 'content-type': 'application/x-www-form-urlencoded' };

async function signIn(app: App, key: string): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/login', headers: FORM, payload: new URLSearchParams({ key }).toString() });
  expect(res.statusCode, res.body.slice(0, 300)).toBe(303);
  return String(res.headers['set-cookie']).split(';')[0]!;
}
const getQueue = (app: App, cookie: string, accept = 'text/html') => app.inject({ method: 'GET', url: '/queue', headers: { cookie, accept } });
const signOut = (app: App, cookie?: string) => app.inject({ method: 'POST', url: '/logout', headers: { ...FORM, ...(cookie ? { cookie } : {}) }, payload: '' });

const rows = async <T>(app: App, query: ReturnType<typeof sql>) => {
  const res = await app.database.db.execute(query);
  return (((res as { rows?: unknown[] }).rows ?? res) as T[]);
};
const endedIds = async (app: App) => (await rows<{ session_id: string }>(app, sql`SELECT session_id FROM console_session_ends ORDER BY session_id`)).map((r) => r.session_id);
/** The session id inside a cookie (the claim's `n`). */
const sessionIdOf = (cookie: string) => (JSON.parse(Buffer.from(cookie.split('=')[1]!.split('.')[0]!, 'base64url').toString('utf8')) as { n: string }).n;

describe('signing out of the console', () => {
  it('ends that session on the server: the old cookie is sent to sign in (401 for a program); the key’s other session goes on', async () => {
    const first = await signIn(t.app, t.keys.reviewer.key);
    const second = await signIn(t.app, t.keys.reviewer.key);
    expect(sessionIdOf(first)).not.toBe(sessionIdOf(second));
    expect((await getQueue(t.app, first)).statusCode).toBe(200);

    const out = await signOut(t.app, first);
    expect(out.statusCode).toBe(303);
    expect(out.headers.location).toBe('/login');
    expect(String(out.headers['set-cookie'])).toMatch(/^chokepoint_session=; .*Max-Age=0/);
    expect(await endedIds(t.app)).toContain(sessionIdOf(first));

    // The copied cookie, after sign-out: a person is sent to the sign-in page, a program gets 401.
    const page = await getQueue(t.app, first);
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe('/login?next=%2Fqueue');
    const api = await getQueue(t.app, first, 'application/json');
    expect(api.statusCode).toBe(401);
    expect(api.json()).toMatchObject({ detail: expect.stringContaining('session has ended') });
    // Signing out twice is harmless.
    expect((await signOut(t.app, first)).statusCode).toBe(303);

    // The same key's other session, and the key itself, are untouched.
    expect((await getQueue(t.app, second)).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/queue', headers: { authorization: `Bearer ${t.keys.reviewer.key}`, accept: 'text/html' } })).statusCode).toBe(200);
    // Signing in again gives a fresh session that works.
    expect((await getQueue(t.app, await signIn(t.app, t.keys.reviewer.key))).statusCode).toBe(200);
  });

  it('records nothing for a missing or forged cookie, and still clears it', async () => {
    const before = await endedIds(t.app);
    expect((await signOut(t.app)).statusCode).toBe(303);
    const real = await signIn(t.app, t.keys.auditor.key);
    const [body, mac] = real.split('=')[1]!.split('.');
    const claims = JSON.parse(Buffer.from(body!, 'base64url').toString('utf8')) as { k: string; e: number; n: string };
    const forged = `chokepoint_session=${Buffer.from(JSON.stringify({ ...claims, n: 'someone-elses-session' })).toString('base64url')}.${mac}`;
    const out = await signOut(t.app, forged);
    expect(out.statusCode).toBe(303);
    expect(String(out.headers['set-cookie'])).toMatch(/Max-Age=0/);
    expect(await endedIds(t.app)).toEqual(before);
    expect((await t.app.inject({ method: 'GET', url: '/log', headers: { cookie: real, accept: 'text/html' } })).statusCode).toBe(200); // the real session works
  });

  it('purges ended sessions whose expiry (plus the clock-skew grace) has passed, on sign-out', async () => {
    const now = Date.now();
    const keyId = t.keys.admin.id;
    const ended = (id: string, expiresIn: number) => endSession(t.app.database.db, { sessionId: id, keyId, expiresAt: new Date(now + expiresIn), endedAt: new Date(now - 3_600_000) });
    await ended('purge-long-expired', -2 * 3_600_000);
    await ended('purge-just-past-grace', -ENDED_SESSION_GRACE_MS - 60_000);
    await ended('keep-within-grace', -ENDED_SESSION_GRACE_MS + 60_000);
    await ended('keep-unexpired', 3_600_000);

    const cookie = await signIn(t.app, t.keys.admin.key);
    expect((await signOut(t.app, cookie)).statusCode).toBe(303);
    const ids = await endedIds(t.app);
    expect(ids).not.toContain('purge-long-expired');
    expect(ids).not.toContain('purge-just-past-grace');
    expect(ids).toEqual(expect.arrayContaining(['keep-within-grace', 'keep-unexpired', sessionIdOf(cookie)]));
    expect((await getQueue(t.app, cookie)).statusCode).toBe(303);
  });

  it('fails closed: a session whose ended-check cannot be made is not taken; a sign-out that cannot be stored says so and keeps the cookie', async () => {
    const cookie = await signIn(t.app, t.keys.reviewer.key);
    fault.lookup = true;
    try {
      const api = await getQueue(t.app, cookie, 'application/json');
      expect(api.statusCode).toBe(503);
      expect(api.headers['retry-after']).toBe('5');
      const page = await getQueue(t.app, cookie);
      expect(page.statusCode).toBe(500); // the console's page for any storage failure
      expect(page.body).toContain('Something went wrong');
    } finally {
      fault.lookup = false;
    }
    expect((await getQueue(t.app, cookie)).statusCode).toBe(200);

    fault.write = true;
    try {
      const failed = await signOut(t.app, cookie);
      expect(failed.statusCode).toBe(503);
      expect(failed.headers['set-cookie']).toBeUndefined();
      expect(failed.body).toContain('Signing out failed');
      expect(failed.body).toContain('still active');
      const api = await t.app.inject({ method: 'POST', url: '/logout', headers: { cookie, accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' }, payload: '' });
      expect(api.statusCode).toBe(503);
    } finally {
      fault.write = false;
    }
    expect(await endedIds(t.app)).not.toContain(sessionIdOf(cookie));
    expect((await getQueue(t.app, cookie)).statusCode).toBe(200);
    expect((await signOut(t.app, cookie)).statusCode).toBe(303);
    expect((await getQueue(t.app, cookie)).statusCode).toBe(303);
  });

  it.skipIf(!PG_URL)('on Postgres, a session signed out on one replica is refused by another at once', async () => {
    const other = await buildApp({ config: t.app.config, loadRuleset: rulesOnly, sealIntervalMs: 0 });
    try {
      const cookie = await signIn(t.app, t.keys.reviewer.key);
      const keep = await signIn(other, t.keys.reviewer.key);
      expect((await getQueue(other, cookie)).statusCode).toBe(200);
      expect((await getQueue(t.app, keep)).statusCode).toBe(200);
      expect((await signOut(t.app, cookie)).statusCode).toBe(303);
      expect((await getQueue(other, cookie)).statusCode).toBe(303);
      expect((await getQueue(other, cookie, 'application/json')).statusCode).toBe(401);
      expect((await getQueue(other, keep)).statusCode).toBe(200);
      expect((await getQueue(t.app, keep)).statusCode).toBe(200);
    } finally {
      await other.close();
    }
  }, 120_000);
});

describe('ConsoleSessions', () => {
  const config = { consoleSessionSecret: 'a-test-secret-of-enough-length-0123456789', consoleSessionMinutes: 60 };

  it('verify rejects (never accepts) when the ended-session store cannot answer, even though the key verifies', async () => {
    const failing: SessionEnds = {
      isEnded: async () => {
        throw Object.assign(new Error('Connection terminated unexpectedly'), { code: '08006' });
      },
      end: async () => {},
      purge: async () => 0,
    };
    const sessions = await ConsoleSessions.open(t.app.database.db, config, t.app.keyVerifier, Date.now, failing);
    const signed = await sessions.signIn(t.keys.reviewer.key);
    if (!signed.ok) throw new Error(signed.reason);
    await expect(sessions.verify(signed.token)).rejects.toThrow('Connection terminated');
  });

  it('purgeEnded keeps a row until its session expired more than the grace ago', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    const sessions = await ConsoleSessions.open(t.app.database.db, config, t.app.keyVerifier, () => now);
    const signed = await sessions.signIn(t.keys.submitter.key);
    if (!signed.ok) throw new Error(signed.reason);
    const id = sessionIdOf(`c=${signed.token}`);
    expect(await sessions.signOut(signed.token)).toBe(true);
    expect(await sessions.verify(signed.token)).toEqual({ ok: false, reason: 'session' });
    now += 60 * 60_000 + ENDED_SESSION_GRACE_MS - 1_000; // expired, within the grace
    await sessions.purgeEnded();
    expect(await endedIds(t.app)).toContain(id);
    now += 2_000; // past the grace
    expect(await sessions.purgeEnded()).toBeGreaterThanOrEqual(1);
    expect(await endedIds(t.app)).not.toContain(id);
    // Gone from the table, and refused all the same: the claim itself has expired (signing it out again records nothing).
    expect(await sessions.verify(signed.token)).toEqual({ ok: false, reason: 'session' });
    expect(await sessions.signOut(signed.token)).toBe(false);
    expect(await endedIds(t.app)).not.toContain(id);
  });
});
