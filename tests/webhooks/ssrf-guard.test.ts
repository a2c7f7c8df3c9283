/**
 * The SSRF guard: literal addresses in refused ranges, names that resolve to them, and a name that
 * passed registration but resolves to a private address at delivery time (DNS rebinding) — the
 * receiver must never see a request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LookupAddress } from 'node:dns';
import { blockedAddressReason, checkTargetUrl, TargetRefused } from '../../src/services/webhook-target.js';
import { sendWebhook } from '../../src/services/webhook-sender.js';
import { startReceiver, type Receiver } from './receiver.js';

const policy = { allowPrivate: false, allowHttp: false };

describe('blockedAddressReason', () => {
  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.0.0.1',
    '10.255.255.255',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '::1',
    '::',
    'fc00::1',
    'fd12:3456:789a::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '2002:7f00:1::1',
    // IPv4-compatible (deprecated) forms: the kernel connects ::127.0.0.1 to loopback
    '::127.0.0.1',
    '::7f00:1',
    '::10.0.0.1',
    '::8.8.8.8',
    '0:0:0:0:0:ffff:127.0.0.1',
    '64:ff9b:1::a00:1',
  ])('refuses %s', (address) => {
    expect(blockedAddressReason(address)).toMatch(/private, loopback, link-local or reserved/);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows %s', (address) => {
    expect(blockedAddressReason(address)).toBeNull();
  });
});

describe('checkTargetUrl', () => {
  it.each([
    ['https://127.0.0.1/hook', /private, loopback/],
    ['https://10.1.2.3/hook', /private, loopback/],
    ['https://169.254.169.254/latest/meta-data', /private, loopback/],
    ['https://[::1]:8443/hook', /private, loopback/],
    ['https://[fc00::5]/hook', /private, loopback/],
    ['https://localhost/hook', /local or internal host/],
    ['https://localhost./hook', /local or internal host/],
    ['https://metadata.internal../hook', /local or internal host/],
    ['https://127.0.0.1./hook', /private, loopback/],
    ['https://[::127.0.0.1]/hook', /private, loopback/],
    ['http://erp.example.com/hook', /must be https/],
    ['ftp://erp.example.com/hook', /https URL/],
    ['https://user:pw@erp.example.com/hook', /credentials/],
    ['not a url', /absolute URL/],
  ])('refuses %s', (url, reason) => {
    expect(() => checkTargetUrl(url, policy)).toThrow(reason);
  });

  it('accepts a public https URL, and http only when the endpoint allows it', () => {
    expect(checkTargetUrl('https://erp.example.com/hooks/chokepoint', policy).hostname).toBe('erp.example.com');
    expect(checkTargetUrl('http://erp.example.com/hook', { allowPrivate: false, allowHttp: true }).protocol).toBe('http:');
  });

  it('accepts private addresses only with WEBHOOK_ALLOW_PRIVATE', () => {
    expect(() => checkTargetUrl('https://127.0.0.1/hook', { allowPrivate: true, allowHttp: false })).not.toThrow();
  });
});

describe('the resolved address is checked at delivery time', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(() => receiver.close());

  const msg = { messageId: 'msg_test', payload: '{"type":"screening.flagged"}', secrets: [`whsec_${Buffer.alloc(32, 7).toString('base64')}`] };
  const resolvingTo =
    (...addresses: string[]) =>
    async (): Promise<LookupAddress[]> =>
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

  it.each([
    ['127.0.0.1', ['127.0.0.1']],
    ['10.x', ['10.0.0.7']],
    ['169.254.x', ['169.254.169.254']],
    ['::1', ['::1']],
    ['fc00::/7', ['fd00::1']],
    ['one public and one private address', ['93.184.216.34', '127.0.0.1']],
  ])('refuses a hostname resolving to %s, and sends nothing', async (_label, addresses) => {
    // The URL names a host that passes the registration check; DNS now points it inside (rebinding).
    const url = `http://hooks.erp.example.com:${receiver.port}/hook`;
    expect(() => checkTargetUrl(url, { allowPrivate: false, allowHttp: true })).not.toThrow();
    const before = receiver.received.length;
    const result = await sendWebhook(url, msg, { timeoutMs: 2_000, allowPrivate: false, allowHttp: true, now: new Date(), resolve: resolvingTo(...addresses) });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/^refused: hooks\.erp\.example\.com resolves to .*private, loopback/);
    expect(receiver.received.length).toBe(before);
  });

  it('refuses a literal private address at delivery even if it was stored earlier', async () => {
    const result = await sendWebhook(receiver.url, msg, { timeoutMs: 2_000, allowPrivate: false, allowHttp: true, now: new Date() });
    expect(result).toMatchObject({ ok: false, permanent: true });
    expect(receiver.received.length).toBe(0);
  });

  it('delivers to the same name when it resolves to an allowed address (here: private allowed, as tests do)', async () => {
    const url = `http://hooks.erp.example.com:${receiver.port}/hook`;
    const result = await sendWebhook(url, msg, { timeoutMs: 2_000, allowPrivate: true, allowHttp: true, now: new Date(), resolve: resolvingTo('127.0.0.1') });
    expect(result).toEqual({ ok: true, statusCode: 204 });
    expect(receiver.received.at(-1)!.headers['webhook-id']).toBe('msg_test');
  });

  it('does not follow redirects', async () => {
    const redirecting = await startReceiver(() => ({ status: 307, headers: { location: 'http://169.254.169.254/latest/meta-data' } }));
    try {
      const result = await sendWebhook(redirecting.url, msg, { timeoutMs: 2_000, allowPrivate: true, allowHttp: true, now: new Date() });
      expect(result).toMatchObject({ ok: false, statusCode: 307, error: 'HTTP 307 (redirects are not followed)' });
      expect(redirecting.received.length).toBe(1);
    } finally {
      await redirecting.close();
    }
  });

  it('TargetRefused is what the guard throws', () => {
    expect(() => checkTargetUrl('https://10.0.0.1/', policy)).toThrow(TargetRefused);
  });
});
