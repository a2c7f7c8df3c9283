/**
 * One delivery attempt: sign the body per the Standard Webhooks specification and POST it, with a
 * hard timeout, the outcome decided by the status line (the response body is never read), no redirects followed (a 3xx is a failed attempt: following it would let a
 * receiver bounce us to an address the guard never saw), and the resolved address checked by the
 * SSRF guard inside the socket's DNS lookup. Never throws: every outcome is a result.
 */
import http from 'node:http';
import https from 'node:https';
import { Webhook } from 'standardwebhooks';
import { TargetRefused, checkTargetUrl, guardedLookup, type Resolver } from './webhook-target.js';

export interface SignedMessage {
  /** webhook-id: the same on every attempt of this message. */
  messageId: string;
  /** The exact body; the signature covers it byte for byte. */
  payload: string;
  /** Secrets to sign with (the current one, and the previous one during a rotation's grace period). */
  secrets: string[];
}

export interface SendOptions {
  timeoutMs: number;
  allowPrivate: boolean;
  allowHttp: boolean;
  now: Date;
  /** Tests resolve names without DNS. */
  resolve?: Resolver;
  /**
   * The last word before anything is sent: called once the connection to the receiver is open (TLS included)
   * and before the request is written. It calls `send` to let the request go (the dispatcher does so while it
   * holds the endpoint's row, so a disable either came first or waits) and resolves true, or resolves false
   * and the attempt ends unsent (`notSent`); a rejection ends it unsent too.
   */
  gate?: (send: () => void) => Promise<boolean>;
}

export type SendResult =
  | { ok: true; statusCode: number }
  | {
      ok: false;
      statusCode: number | null;
      error: string;
      retryAfterMs: number | null;
      permanent: boolean;
      /** The gate kept the request from being written: the receiver got nothing. */
      notSent?: true;
    };

/** The three Standard Webhooks headers; several signatures are space-separated, receivers accept any. */
export function signatureHeaders(msg: SignedMessage, at: Date): Record<string, string> {
  const signatures = msg.secrets.map((s) => new Webhook(s).sign(msg.messageId, at, msg.payload));
  return {
    'webhook-id': msg.messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}

/** Retry-After as seconds or an HTTP date, in milliseconds from now; null if absent or unreadable. */
export function retryAfterMs(header: string | string[] | undefined, now: Date): number | null {
  const raw = Array.isArray(header) ? header[0] : header;
  if (!raw) return null;
  if (/^\d+$/.test(raw.trim())) return Number(raw.trim()) * 1000;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? null : Math.max(0, at - now.getTime());
}

export async function sendWebhook(url: string, msg: SignedMessage, opts: SendOptions): Promise<SendResult> {
  let target: URL;
  try {
    // An IP literal never goes through the lookup below: checkTargetUrl refuses a blocked one here.
    target = checkTargetUrl(url, { allowPrivate: opts.allowPrivate, allowHttp: opts.allowHttp });
  } catch (err) {
    return { ok: false, statusCode: null, error: `refused: ${(err as Error).message}`, retryAfterMs: null, permanent: err instanceof TargetRefused };
  }

  const body = Buffer.from(msg.payload, 'utf8');
  const headers = {
    ...signatureHeaders(msg, opts.now),
    'content-type': 'application/json',
    'content-length': String(body.length),
    'user-agent': 'Chokepoint-Webhooks/1',
  };
  const client = target.protocol === 'https:' ? https : http;

  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const finish = (r: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const req = client.request(
      target,
      { method: 'POST', headers, lookup: guardedLookup(opts.allowPrivate, opts.resolve) as never, agent: false },
      (res) => {
        const statusCode = res.statusCode ?? 0;
        // The status line decides (a 2xx acknowledges); the body is never needed. It used to be drained to its
        // end first, so a receiver that answered 200 and kept streaming (a huge or never-ending body) held the
        // attempt until the timeout, turned its acknowledgement into a failure with no status, and got the
        // delivery again — up to WEBHOOK_MAX_ATTEMPTS times — while we read whatever it sent. Now the outcome is
        // recorded at once and the connection closed (no keep-alive: `agent: false`), reading nothing more.
        res.on('error', () => {}); // destroyed below: a late error has nothing left to decide
        if (statusCode >= 200 && statusCode < 300) finish({ ok: true, statusCode });
        else {
          finish({
            ok: false,
            statusCode,
            error: statusCode >= 300 && statusCode < 400 ? `HTTP ${statusCode} (redirects are not followed)` : `HTTP ${statusCode}`,
            retryAfterMs: statusCode === 429 || statusCode === 503 ? retryAfterMs(res.headers['retry-after'], opts.now) : null,
            permanent: false,
          });
        }
        res.destroy();
        req.destroy();
      },
    );
    const timer = setTimeout(() => {
      finish({ ok: false, statusCode: null, error: `timeout after ${opts.timeoutMs} ms`, retryAfterMs: null, permanent: false });
      req.destroy();
    }, opts.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => {
      // A refused resolution is retried too: DNS may change back, and an admin may fix the endpoint.
      const refused = err instanceof TargetRefused;
      finish({ ok: false, statusCode: null, error: refused ? `refused: ${err.message}` : `${err.code ?? 'error'}: ${err.message}`, retryAfterMs: null, permanent: false });
    });
    const write = () => {
      if (!settled) req.end(body);
    };
    const gate = opts.gate;
    if (!gate) {
      req.end(body);
      return;
    }
    // Nothing is written until the request is ended (headers included): hold it until the gate has checked,
    // as late as it can be, with the connection open — DNS, connecting and a TLS handshake can take seconds.
    const unsent = (error: string) => {
      finish({ ok: false, statusCode: null, error, retryAfterMs: null, permanent: false, notSent: true });
      req.destroy();
    };
    req.once('socket', (socket) => {
      const check = () => {
        if (settled) return;
        gate(write).then(
          (sent) => {
            if (!sent) unsent('not sent');
          },
          (err: unknown) => unsent(`not sent: the endpoint could not be checked before sending (${(err as Error).message})`),
        );
      };
      if (target.protocol === 'https:') socket.once('secureConnect', check);
      else if (socket.connecting) socket.once('connect', check);
      else check();
    });
  });
}
