/**
 * The session cookie on the wire: HttpOnly, SameSite=Strict, Path=/, Max-Age from config, Secure
 * when the request came over https. It carries a signed session id naming the key, never the key;
 * clearing it on sign-out is only for the browser — the server refuses the session id from then on
 * (ConsoleSessions.signOut), so a copied cookie stops working too.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ConsoleSessions } from '../services/console-sessions.js';
import type { SessionAuth } from '../http/plugins/auth.js';

export const SESSION_COOKIE = 'chokepoint_session';

export function readCookie(request: FastifyRequest, name: string): string | null {
  const header = request.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || null;
  }
  return null;
}

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string, maxAgeSeconds: number) {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  reply.header('set-cookie', `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`);
}

export function clearSessionCookie(reply: FastifyReply) {
  reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
}

/** A console route's credential: the session cookie, verified (signature, expiry, key, not signed out) on every request. */
export const sessionAuth =
  (sessions: ConsoleSessions): SessionAuth =>
  async (request) => {
    const token = readCookie(request, SESSION_COOKIE);
    return token ? sessions.verify(token) : null;
  };
