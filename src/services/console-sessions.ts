/**
 * Console sessions: an API key is exchanged once for a signed, expiring session token that names
 * the key (never holds it) and carries a random session id. Every request re-reads the key
 * (KeyVerifier.verifyId), so revoking a key ends its sessions at once, and looks the session id up
 * among the sessions ended by signing out (console_session_ends, shared by every replica), so
 * signing out ends that one session everywhere at once — the key's other sessions go on. The CSRF
 * token is derived from the session (HMAC), so it needs no storage and changes with every sign-in.
 *
 * The signing secret is CONSOLE_SESSION_SECRET, or one generated on first start and kept in the
 * database (service_secrets), so sessions survive restarts and work across replicas.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config.js';
import type { Db } from '../store/db.js';
import { endSession, isSessionEnded, purgeEndedSessions } from '../store/console-sessions-repo.js';
import { getOrCreateSecret } from '../store/service-secrets-repo.js';
import type { KeyVerifier, Verification } from './api-keys.js';

export const SESSION_SECRET_NAME = 'console-session';

/**
 * Rows of ended sessions are kept this long past the session's own expiry before a purge deletes
 * them: a replica whose clock is behind still takes the cookie for unexpired that long, and must
 * still find the row.
 */
export const ENDED_SESSION_GRACE_MS = 15 * 60_000;

/** Where ended sessions are kept (the database; a test may pass a failing one). */
export interface SessionEnds {
  isEnded(sessionId: string): Promise<boolean>;
  end(end: { sessionId: string; keyId: string; expiresAt: Date; endedAt: Date }): Promise<void>;
  /** Deletes the rows of sessions that expired before `before`; returns how many. */
  purge(before: Date): Promise<number>;
}

export const dbSessionEnds = (db: Db): SessionEnds => ({
  isEnded: (id) => isSessionEnded(db, id),
  end: (e) => endSession(db, e),
  purge: (before) => purgeEndedSessions(db, before),
});

interface SessionClaims {
  /** API key id. */
  k: string;
  /** Expiry, ms since the epoch. */
  e: number;
  /** Random session id (128 bits): a fresh session (and CSRF token) per sign-in; what signing out ends. */
  n: string;
}

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export class ConsoleSessions {
  private secret: Buffer | null = null;

  private constructor(
    private readonly loadSecret: () => Promise<string>,
    private readonly ttlMs: number,
    private readonly keys: KeyVerifier,
    private readonly ends: SessionEnds,
    private readonly now: () => number,
  ) {}

  /**
   * The generated secret is read (or written once) on first use, not at start-up: a database that is
   * down when the service starts makes it not ready (503), and sessions work once it is back.
   */
  static async open(
    db: Db,
    config: Pick<Config, 'consoleSessionSecret' | 'consoleSessionMinutes'>,
    keys: KeyVerifier,
    now = Date.now,
    ends: SessionEnds = dbSessionEnds(db),
  ): Promise<ConsoleSessions> {
    const configured = config.consoleSessionSecret;
    const load = configured ? async () => configured : () => getOrCreateSecret(db, SESSION_SECRET_NAME, () => randomBytes(32).toString('base64url'), new Date(now()));
    const sessions = new ConsoleSessions(load, config.consoleSessionMinutes * 60_000, keys, ends, now);
    await sessions.ready().catch(() => {});
    return sessions;
  }

  /** Loads the signing secret if it is not loaded yet; a storage failure propagates (503), never a guess. */
  private async ready(): Promise<Buffer> {
    if (!this.secret) this.secret = Buffer.from(await this.loadSecret(), 'utf8');
    return this.secret;
  }

  get maxAgeSeconds(): number {
    return Math.floor(this.ttlMs / 1000);
  }

  /** Exchange a presented API key for a session token. */
  async signIn(apiKey: string): Promise<{ ok: true; token: string; verification: Verification } | { ok: false; reason: string }> {
    await this.ready();
    const v = await this.keys.verify(apiKey);
    if (!v.ok) return { ok: false, reason: v.reason };
    const claims: SessionClaims = { k: v.principal.keyId, e: this.now() + this.ttlMs, n: randomBytes(16).toString('base64url') };
    const body = b64(JSON.stringify(claims));
    return { ok: true, token: `${body}.${this.mac(`session:${body}`)}`, verification: v };
  }

  /**
   * The principal behind a session token, or why there is none. A session signed out (on any
   * replica) is refused. Both lookups — the key row and the ended-session row, each by primary key —
   * run at once; if either cannot be made (database down) this rejects, so the session is never
   * taken on trust: the request fails as any request does while the database is down.
   */
  async verify(token: string): Promise<Verification | { ok: false; reason: 'session' }> {
    await this.ready();
    const claims = this.claims(token);
    if (!claims) return { ok: false, reason: 'session' };
    const [ended, key] = await Promise.all([this.ends.isEnded(claims.n), this.keys.verifyId(claims.k)]);
    if (ended) return { ok: false, reason: 'session' };
    return key;
  }

  /**
   * Signs a session out on the server: its id is recorded as ended, so the cookie is refused
   * everywhere from now on, whoever holds a copy. A token that is not a valid, unexpired session
   * records nothing (false). A storage failure propagates: the caller must not say the session ended.
   */
  async signOut(token: string): Promise<boolean> {
    await this.ready();
    const claims = this.claims(token);
    if (!claims) return false;
    await this.ends.end({ sessionId: claims.n, keyId: claims.k, expiresAt: new Date(claims.e), endedAt: new Date(this.now()) });
    return true;
  }

  /** Deletes the rows of ended sessions that expired more than the skew grace ago; returns how many. */
  purgeEnded(): Promise<number> {
    return this.ends.purge(new Date(this.now() - ENDED_SESSION_GRACE_MS));
  }

  /** The CSRF token of a session: forms carry it, state-changing requests must echo it. */
  csrfToken(sessionToken: string): string {
    return this.mac(`csrf:${sessionToken}`);
  }

  checkCsrf(sessionToken: string, presented: unknown): boolean {
    if (typeof presented !== 'string') return false;
    const want = Buffer.from(this.csrfToken(sessionToken));
    const got = Buffer.from(presented);
    return want.length === got.length && timingSafeEqual(want, got);
  }

  private claims(token: string): SessionClaims | null {
    const [body, mac, extra] = token.split('.');
    if (!body || !mac || extra !== undefined) return null;
    const want = Buffer.from(this.mac(`session:${body}`));
    const got = Buffer.from(mac);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return null;
    try {
      const c = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as SessionClaims;
      if (typeof c.k !== 'string' || typeof c.n !== 'string' || !c.n || typeof c.e !== 'number' || c.e <= this.now()) return null;
      return c;
    } catch {
      return null;
    }
  }

  private mac(text: string): string {
    // Only reached after signIn or verify, which loaded the secret.
    if (!this.secret) throw new Error('console session secret not loaded');
    return createHmac('sha256', this.secret).update(text).digest('base64url');
  }
}
