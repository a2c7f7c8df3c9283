/**
 * QA16: the SSRF guard against the IANA special-purpose registries. It used to let through the IPv4-translated
 * (SIIT) ::ffff:0:0:0/96 (`::ffff:0:7f00:1` is 127.0.0.1 to a translator), Teredo 2001::/32 (an obfuscated
 * client IPv4 inside), the rest of the IETF protocol assignments 2001::/23 (benchmarking 2001:2::/48), the
 * 6to4 relay anycast 192.88.99.0/24, documentation 3fff::/20, the dummy prefix 100:0:0:1::/64, SRv6 SIDs
 * 5f00::/16 and every other address outside global unicast 2000::/3. Refused now in every spelling, as a
 * literal in the URL and as what a name resolves to at delivery; WEBHOOK_ALLOW_PRIVATE=true still allows them.
 */
import { describe, expect, it } from 'vitest';
import { blockedAddressReason, checkTargetUrl, guardedLookup, TargetRefused } from '../../src/services/webhook-target.js';

const REFUSED = /private, loopback, link-local or reserved/;

describe('blockedAddressReason against the special-purpose registries', () => {
  it.each([
    // IPv4-translated (SIIT), whatever IPv4 address it carries
    '::ffff:0:7f00:1',
    '::ffff:0:127.0.0.1',
    '0:0:0:0:ffff:0:a00:1',
    '::ffff:0:8.8.8.8',
    // Teredo and the rest of 2001::/23
    '2001::1',
    '2001:0:4136:e378:8000:63bf:3fff:fdd2',
    '2001:0000:53aa:064c:0000:0000:0000:0001',
    '2001:2::1',
    '2001:10::1',
    '2001:1ff:ffff::1',
    // documentation, discard, dummy, SRv6, local-use NAT64, unassigned outside 2000::/3
    '2001:db8:85a3::8a2e:370:7334',
    '3fff::1',
    '3fff:fff:ffff::1',
    '100::1',
    '100:0:0:1::1',
    '5f00::1',
    '64:ff9b:1::808:808',
    '4000::1',
    'e000::1',
    'ff02::1',
    'FE80::1',
    // IPv4 special-purpose
    '0.1.2.3',
    '100.127.255.254',
    '192.0.0.9',
    '192.0.2.1',
    '192.88.99.1',
    '198.18.0.1',
    '198.19.255.255',
    '198.51.100.7',
    '203.0.113.9',
    '239.255.255.250',
    '240.0.0.1',
    '255.255.255.255',
    // the same, IPv4-mapped, NAT64 and 6to4
    '::ffff:192.88.99.1',
    '64:ff9b::c0a8:1',
    '2002:c058:6301::1',
  ])('refuses %s', (address) => {
    expect(blockedAddressReason(address)).toMatch(REFUSED);
  });

  it.each(['8.8.8.8', '1.1.1.1', '192.0.1.1', '192.88.98.1', '198.20.0.1', '2001:4860:4860::8888', '2606:4700:4700::1111', '2a00:1450:4001:81c::200e', '2001:200::1', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1'])(
    'allows %s',
    (address) => {
      expect(blockedAddressReason(address)).toBeNull();
    },
  );
});

describe('where the guard applies', () => {
  const policy = { allowPrivate: false, allowHttp: false };

  it.each(['https://[::ffff:0:7f00:1]/hook', 'https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook', 'https://[3fff::1]/hook', 'https://192.88.99.1/hook'])('refuses the literal in %s', (url) => {
    expect(() => checkTargetUrl(url, policy)).toThrow(TargetRefused);
  });

  it('accepts them with WEBHOOK_ALLOW_PRIVATE', () => {
    expect(() => checkTargetUrl('https://[::ffff:0:7f00:1]/hook', { allowPrivate: true, allowHttp: false })).not.toThrow();
  });

  const lookup = (allowPrivate: boolean, address: string) =>
    new Promise<{ err: Error | null; address: unknown }>((resolve) => {
      guardedLookup(allowPrivate, async () => [{ address, family: 6 }])('hooks.example.com', { all: true }, (err, addr) => resolve({ err, address: addr }));
    });

  it.each(['::ffff:0:7f00:1', '2001:0:4136:e378:8000:63bf:3fff:fdd2'])('refuses a name that resolves to %s at delivery, unless WEBHOOK_ALLOW_PRIVATE', async (address) => {
    const refused = await lookup(false, address);
    expect(refused.err).toBeInstanceOf(TargetRefused);
    expect(refused.err!.message).toMatch(REFUSED);
    const allowed = await lookup(true, address);
    expect(allowed.err).toBeNull();
    expect(allowed.address).toEqual([{ address, family: 6 }]);
  });
});
