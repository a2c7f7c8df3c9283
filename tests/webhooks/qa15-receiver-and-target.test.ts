/**
 * QA15: what a hostile or broken receiver can do to a delivery attempt, and IPv6 spellings of refused
 * addresses.
 *
 * - A receiver that answers 2xx and then streams a huge or never-ending body: the attempt used to wait for
 *   the body's end, so the acknowledgement became a timeout failure with no status (and the delivery was
 *   sent again, up to WEBHOOK_MAX_ATTEMPTS times) while every byte it sent was read. The status line decides
 *   now, at once, and the connection is closed.
 * - 6to4 (2002::/16) and NAT64 (64:ff9b::/96) addresses carrying a refused IPv4 address in a compressed or
 *   zero-padded spelling (`2002:a9fe::` = 169.254.0.0, `2002:7f00::1`, `64:ff9b:0:0:0:0:7f00:1`) passed.
 * - Sound already, kept here as probes: a 30x to a private address is not followed; decimal, octal and hex
 *   IPv4 and IPv6 forms of loopback, metadata, CGNAT, ULA and link-local are refused; a name resolving to a
 *   public and a private address is refused before any connection; a receiver or a resolver that never
 *   answers costs a timeout; Retry-After of ten years or a far date is capped at WEBHOOK_RETRY_MAX_MS.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LookupAddress } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockedAddressReason, checkTargetUrl } from '../../src/services/webhook-target.js';
import { retryAfterMs, sendWebhook } from '../../src/services/webhook-sender.js';
import { WebhookDispatcher } from '../../src/services/webhook-dispatcher.js';
import { testConfig } from '../../src/config.js';
import { startReceiver } from './receiver.js';

const msg = { messageId: 'msg_qa15', payload: '{"type":"screening.flagged"}', secrets: [`whsec_${Buffer.alloc(32, 7).toString('base64')}`] };
const send = (url: string, timeoutMs = 3_000, extra: { allowPrivate?: boolean; resolve?: (h: string) => Promise<LookupAddress[]> } = {}) =>
  sendWebhook(url, msg, { timeoutMs, allowPrivate: extra.allowPrivate ?? true, allowHttp: true, now: new Date(), ...(extra.resolve ? { resolve: extra.resolve } : {}) });

describe('a receiver that streams its answer', () => {
  let server: http.Server;
  let base: string;
  /** Bytes the streaming receiver managed to write per request path. */
  const written = new Map<string, number>();

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const status = req.url === '/stream-500' ? 500 : req.url === '/stream-503' ? 503 : 200;
        res.writeHead(status, status === 503 ? { 'retry-after': '7' } : {});
        const chunk = Buffer.alloc(64 * 1024, 120);
        const pump = setInterval(() => {
          if (res.destroyed || res.writableEnded) return clearInterval(pump);
          res.write(chunk);
          written.set(req.url!, (written.get(req.url!) ?? 0) + chunk.length);
        }, 1);
        res.on('close', () => clearInterval(pump));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('a 200 followed by a never-ending body is an acknowledgement, recorded at once — not a timeout to send again', async () => {
    const started = Date.now();
    const result = await send(`${base}/stream-200`, 3_000);
    expect(result).toEqual({ ok: true, statusCode: 200 });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('a 500 or 503 streaming a huge body is that status (Retry-After read), at once; the body is not read to its end', async () => {
    const started = Date.now();
    expect(await send(`${base}/stream-500`, 3_000)).toMatchObject({ ok: false, statusCode: 500, error: 'HTTP 500' });
    expect(await send(`${base}/stream-503`, 3_000)).toMatchObject({ ok: false, statusCode: 503, retryAfterMs: 7_000 });
    expect(Date.now() - started).toBeLessThan(2_000);
    // The connection is closed: the receiver stops being able to write (it would otherwise write ~3 s worth).
    await new Promise((r) => setTimeout(r, 300));
    const before = written.get('/stream-500') ?? 0;
    await new Promise((r) => setTimeout(r, 300));
    expect(written.get('/stream-500') ?? 0).toBe(before);
  });
});

describe('refused addresses in IPv6 spellings that carry IPv4', () => {
  it.each([
    ['2002:a9fe::', '169.254.0.0'],
    ['2002:a9fe::1', '169.254.0.0'],
    ['2002:7f00::1', '127.0.0.0'],
    ['2002:a00::1', '10.0.0.0'],
    ['2002:c0a8::', '192.168.0.0'],
    ['2002:a9fe:a9fe::', '169.254.169.254'],
    ['64:ff9b:0:0:0:0:7f00:1', '127.0.0.1'],
    ['64:ff9b:0::10.0.0.1', '10.0.0.1'],
    ['64:ff9b:0:0:0:0:a9fe:a9fe', '169.254.169.254'],
  ])('refuses %s (it carries %s)', (address, v4) => {
    expect(blockedAddressReason(address)).toBe(`${v4} is a private, loopback, link-local or reserved address`);
  });

  it('refuses them in a URL too, and a name resolving to one at delivery', async () => {
    expect(() => checkTargetUrl('https://[2002:a9fe::]/hook', { allowPrivate: false, allowHttp: false })).toThrow(/169\.254\.0\.0 is a private/);
    expect(() => checkTargetUrl('https://[2002:7f00::1]/hook', { allowPrivate: false, allowHttp: false })).toThrow(/127\.0\.0\.0 is a private/);
    const result = await send('https://hooks.erp.example.com/hook', 2_000, { allowPrivate: false, resolve: async () => [{ address: '64:ff9b:0:0:0:0:7f00:1', family: 6 }] });
    expect(result).toMatchObject({ ok: false, statusCode: null });
    expect(!result.ok && result.error).toMatch(/^refused: hooks\.erp\.example\.com resolves to 127\.0\.0\.1 is a private/);
  });

  it('still allows public addresses carried the same way', () => {
    for (const a of ['2002:808:808::1', '64:ff9b::808:808', '2002:5db8:d822::', '2606:4700:4700::1111']) expect(blockedAddressReason(a)).toBeNull();
  });
});

describe('probes of what was sound', () => {
  it('refuses decimal, octal, hex and IPv6 forms of loopback, metadata, CGNAT, ULA and link-local', () => {
    for (const url of [
      'http://2130706433/',
      'http://0177.0.0.1/',
      'http://0x7f.1/',
      'http://127.1/',
      'http://0/',
      'http://[::]/',
      'http://[::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://[0:0:0:0:0:ffff:a9fe:a9fe]/',
      'http://[fc00::1]/',
      'http://[fd00:ec2::254]/',
      'http://[fe80::1]/',
      'http://[febf::1]/',
      'http://100.64.0.1/',
      'http://100.127.255.254/',
      'http://169.254.169.254./',
    ]) {
      expect(() => checkTargetUrl(url, { allowPrivate: false, allowHttp: true }), url).toThrow(/private, loopback, link-local or reserved/);
    }
  });

  it('a 30x to a private address is a failed attempt; the Location is never requested', async () => {
    const inside = await startReceiver();
    const redirecting = await startReceiver(() => ({ status: 302, headers: { location: `${inside.url}?followed` } }));
    try {
      expect(await send(redirecting.url)).toMatchObject({ ok: false, statusCode: 302, error: 'HTTP 302 (redirects are not followed)' });
      await new Promise((r) => setTimeout(r, 100));
      expect(inside.received).toHaveLength(0);
    } finally {
      await redirecting.close();
      await inside.close();
    }
  });

  it('a name with one public and one private address is refused before any connection', async () => {
    const receiver = await startReceiver();
    try {
      const result = await send(`http://erp.example.com:${receiver.port}/hook`, 2_000, { allowPrivate: false, resolve: async () => [{ address: '93.184.216.34', family: 4 }, { address: '127.0.0.1', family: 4 }] });
      expect(result).toMatchObject({ ok: false, statusCode: null });
      expect(!result.ok && result.error).toMatch(/resolves to 127\.0\.0\.1 is a private/);
      expect(receiver.received).toHaveLength(0);
    } finally {
      await receiver.close();
    }
  });

  it('a receiver that never answers, or a name that never resolves, costs a timeout', async () => {
    const hanging = await startReceiver(() => 'hang');
    try {
      expect(await send(hanging.url, 300)).toMatchObject({ ok: false, statusCode: null, error: 'timeout after 300 ms' });
      expect(await send('http://never.example.com/hook', 300, { resolve: () => new Promise<LookupAddress[]>(() => {}) })).toMatchObject({ ok: false, error: 'timeout after 300 ms' });
    } finally {
      await hanging.close();
    }
  });

  it('Retry-After of ten years or a date far ahead waits at most WEBHOOK_RETRY_MAX_MS', async () => {
    const now = new Date('2026-12-07T00:00:00Z');
    expect(retryAfterMs('315360000', now)).toBe(315_360_000_000);
    expect(retryAfterMs('Wed, 01 Jan 2036 00:00:00 GMT', now)).toBeGreaterThan(9 * 365 * 86_400_000);
    expect(retryAfterMs('Thu, 01 Jan 1970 00:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeNull();
    const receiver = await startReceiver(() => ({ status: 503, headers: { 'retry-after': '315360000' } }));
    const config = testConfig({ webhooks: { allowPrivate: true, retryBaseMs: 1_000, retryMaxMs: 60_000, maxAttempts: 5 } }).webhooks;
    const d = new WebhookDispatcher(null as never, config, { log: { info() {}, warn() {}, error() {} }, jitter: 0 });
    const at = new Date('2026-12-07T00:00:00Z');
    const outcome = (d as unknown as { outcome(a: number, r: unknown, at: Date): { status: string; nextAttemptAt: string } }).outcome(1, await send(receiver.url), at);
    await receiver.close();
    expect(outcome).toMatchObject({ status: 'pending', nextAttemptAt: new Date(at.getTime() + 60_000).toISOString() });
  });
});
