/**
 * Console sessions: an API key is exchanged once for a signed, expiring session token that names
 * the key (never holds it). Every request re-reads the key (KeyVerifier.verifyId), so revoking a
 * key ends its sessions at once. The CSRF token is derived from the session (HMAC), so it needs
 * no storage and changes with every sign-in.
 *
 * The signing secret is CONSOLE_SESSION_SECRET, or one generated on first start and kept in the
 * database (service_secrets), so sessions survive restarts and work across replicas.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config.js';
import type { Db } from '../store/db.js';
import { getOrCreateSecret } from '../store/service-secrets-repo.js';
import type { KeyVerifier, Verification } from './api-keys.js';

export const SESSION_SECRET_NAME = 'console-session';

interface SessionClaims {
  /** API key id. */
  k: string;
  /** Expiry, ms since the epoch. */
  e: number;
  /** Random nonce: a fresh session (and CSRF token) per sign-in. */
  n: string;
}

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export class ConsoleSessions {
  private secret: Buffer | null = null;

  private constructor(
    private readonly loadSecret: () => Promise<string>,
    private readonly ttlMs: number,
    private readonly keys: KeyVerifier,
    private readonly now: () => number,
  ) {}

  /**
   * The generated secret is read (or written once) on first use, not at start-up: a database that is
   * down when the service starts makes it not ready (503), and sessions work once it is back.
   */
  static async open(db: Db, config: Pick<Config, 'consoleSessionSecret' | 'consoleSessionMinutes'>, keys: KeyVerifier, now = Date.now): Promise<ConsoleSessions> {
    const configured = config.consoleSessionSecret;
    const load = configured ? async () => configured : () => getOrCreateSecret(db, SESSION_SECRET_NAME, () => randomBytes(32).toString('base64url'), new Date(now()));
    const sessions = new ConsoleSessions(load, config.consoleSessionMinutes * 60_000, keys, now);
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

  /** The principal behind a session token, or why there is none. */
  async verify(token: string): Promise<Verification | { ok: false; reason: 'session' }> {
    await this.ready();
    const claims = this.claims(token);
    if (!claims) return { ok: false, reason: 'session' };
    return this.keys.verifyId(claims.k);
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
      if (typeof c.k !== 'string' || typeof c.e !== 'number' || c.e <= this.now()) return null;
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
