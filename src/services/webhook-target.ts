/**
 * Where a webhook may go (SSRF guard). A URL is checked when an endpoint is registered, and the
 * address it resolves to is checked again at every delivery, inside the socket's own DNS lookup:
 * the address checked is the address connected to, so a name that resolved to a public address at
 * registration and to 127.0.0.1 now (DNS rebinding) is refused. IP literals never reach a lookup
 * and are checked before connecting. Private, loopback, link-local, CGNAT, multicast and reserved
 * ranges are refused unless WEBHOOK_ALLOW_PRIVATE=true (OWASP SSRF Prevention Cheat Sheet).
 *
 * The ranges follow the IANA IPv4 and IPv6 Special-Purpose Address Registries: every block there that is
 * not globally reachable is refused, and so is all IPv6 outside global unicast 2000::/3 (nothing else is
 * a public receiver). An IPv6 address that carries an IPv4 one (IPv4-mapped, NAT64 64:ff9b::/96, 6to4)
 * is judged by the IPv4 address it carries; the IPv4-translated (SIIT) ::ffff:0:0:0/96 and Teredo
 * 2001::/32, whose embedded address is the client's or obfuscated, are refused whole. No address library
 * is used (node:net BlockList, the groups read below), so every spelling of an address is judged alike.
 */
import dns from 'node:dns';
import net from 'node:net';

const BLOCKED = new net.BlockList();
for (const [prefix, bits] of [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8], // RFC 1918
  ['100.64.0.0', 10], // carrier-grade NAT, RFC 6598
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12], // RFC 1918
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // TEST-NET-1
  ['192.88.99.0', 24], // 6to4 relay anycast (deprecated, RFC 7526)
  ['192.168.0.0', 16], // RFC 1918
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // TEST-NET-2
  ['203.0.113.0', 24], // TEST-NET-3
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and the limited broadcast 255.255.255.255
] as const) {
  BLOCKED.addSubnet(prefix, bits, 'ipv4');
}
for (const [prefix, bits] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['64:ff9b:1::', 48], // local-use NAT64 (RFC 8215)
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
  ['2001:db8::', 32], // documentation
  ['3fff::', 20], // documentation (RFC 9637)
  ['100::', 64], // discard-only
  ['100:0:0:1::', 64], // dummy prefix (RFC 9780)
  ['2001::', 23], // IETF protocol assignments: Teredo 2001::/32 (an obfuscated client IPv4), benchmarking 2001:2::/48, ORCHID; no receivers
  ['5f00::', 16], // SRv6 SIDs (RFC 9602)
  // Not here: IPv4-translated ::ffff:0:0:0/96 and all IPv6 outside 2000::/3, checked on the groups in blockedAddressReason.
  // (A BlockList matches an IPv4 address against IPv6 rules as ::ffff:a.b.c.d: an IPv6 rule covering that would refuse all of IPv4.)
] as const) {
  BLOCKED.addSubnet(prefix, bits, 'ipv6');
}

/** The eight 16-bit groups of an IPv6 address (any spelling: `::`, a dotted IPv4 tail), or null. */
function hextets(address: string): number[] | null {
  let text = address.toLowerCase();
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const part = (h: string) => (h === '' ? [] : h.split(':').map((x) => parseInt(x, 16)));
  const head = part(halves[0]!);
  const tail = halves.length === 2 ? part(halves[1]!) : [];
  const fill = 8 - head.length - tail.length;
  if (fill < 0 || (halves.length === 1 && fill !== 0)) return null;
  return [...head, ...new Array<number>(fill).fill(0), ...tail];
}

/**
 * The IPv4 address an IPv6 address carries (mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16), if any,
 * read from its eight groups, so every spelling counts: 6to4 used to be matched by a pattern that needed a third
 * group written out, so the compressed `2002:a9fe::` (169.254.0.0), `2002:7f00::1` (127.0.0.0) and `2002:a00::1`
 * (10.0.0.0) passed, as did NAT64 written with its zero groups (`64:ff9b:0:0:0:0:7f00:1`).
 */
function embeddedIpv4(address: string): string | null {
  const groups = hextets(address);
  if (!groups || groups.some((g) => !Number.isInteger(g) || g < 0 || g > 0xffff)) return null;
  const v4 = (hi: number, lo: number) => hexPairToIpv4(hi.toString(16), lo.toString(16));
  // IPv4-mapped in any spelling (0:0:0:0:0:ffff:a.b.c.d, ::ffff:7f00:1).
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return v4(groups[6]!, groups[7]!);
  // NAT64 well-known prefix 64:ff9b::/96 (RFC 6052).
  if (groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0)) return v4(groups[6]!, groups[7]!);
  // 6to4 2002:AABB:CCDD::/48 (RFC 3056): the IPv4 address is the second and third groups.
  if (groups[0] === 0x2002) return v4(groups[1]!, groups[2]!);
  return null;
}

function hexPairToIpv4(hi: string, lo: string): string {
  const a = parseInt(hi, 16);
  const b = parseInt(lo, 16);
  return `${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`;
}

/** Why this address may not receive webhooks, or null if it may. */
export function blockedAddressReason(address: string): string | null {
  const family = net.isIP(address);
  if (family === 0) return `"${address}" is not an IP address`;
  if (family === 6) {
    const groups = hextets(address);
    // The deprecated IPv4-compatible ::a.b.c.d (RFC 4291 §2.5.5.1): no public use, and the kernel connected ::127.0.0.1 to loopback.
    if (groups && groups.slice(0, 6).every((g) => g === 0) && (groups[6] !== 0 || groups[7]! > 1)) return `${address} is an IPv4-compatible (deprecated) address, refused as a private, loopback, link-local or reserved address`;
    // IPv4-translated (SIIT, RFC 2765) ::ffff:0:a.b.c.d: refused whole (::ffff:0:7f00:1 is 127.0.0.1 to a translator).
    if (groups && groups.slice(0, 4).every((g) => g === 0) && groups[4] === 0xffff && groups[5] === 0) return `${address} is an IPv4-translated (SIIT) address, refused as a private, loopback, link-local or reserved address`;
    const v4 = embeddedIpv4(address);
    if (v4 !== null) return blockedAddressReason(v4);
    // Outside global unicast 2000::/3 (RFC 4291 §2.4): unique local, link-local, multicast, discard, SRv6 SIDs, unassigned.
    if (!groups || (groups[0]! & 0xe000) !== 0x2000) return `${address} is a private, loopback, link-local or reserved address (outside global unicast 2000::/3)`;
    return BLOCKED.check(address, 'ipv6') ? `${address} is a private, loopback, link-local or reserved address` : null;
  }
  return BLOCKED.check(address, 'ipv4') ? `${address} is a private, loopback, link-local or reserved address` : null;
}

export class TargetRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetRefused';
  }
}

export interface TargetPolicy {
  /** WEBHOOK_ALLOW_PRIVATE */
  allowPrivate: boolean;
  /** The endpoint's own permission to use plain http. */
  allowHttp: boolean;
}

/** Hostname without IPv6 brackets or the root label's trailing dot ("localhost." is localhost). */
const bareHost = (u: URL) => u.hostname.replace(/^\[|\]$/g, '').replace(/\.+$/, '');

/**
 * Checks what the URL says on its own: a parseable absolute http(s) URL, https unless the endpoint
 * allows http, no credentials in it, and no literal address in a refused range. Throws TargetRefused.
 */
export function checkTargetUrl(raw: string, policy: TargetPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TargetRefused('is not an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TargetRefused('must be an https URL');
  if (url.protocol === 'http:' && !policy.allowHttp) throw new TargetRefused('must be https (set allowHttp on the endpoint to allow plain http)');
  if (url.username || url.password) throw new TargetRefused('must not carry credentials; authenticate deliveries by their signature');
  if (url.hash) throw new TargetRefused('must not have a #fragment');
  const host = bareHost(url);
  if (net.isIP(host) && !policy.allowPrivate) {
    const reason = blockedAddressReason(host);
    if (reason) throw new TargetRefused(`${reason} (WEBHOOK_ALLOW_PRIVATE is off)`);
  }
  if (!policy.allowPrivate && /^(localhost|.*\.localhost|.*\.local|.*\.internal)$/i.test(host)) {
    throw new TargetRefused(`"${host}" names a local or internal host (WEBHOOK_ALLOW_PRIVATE is off)`);
  }
  return url;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;
export type Resolver = (hostname: string) => Promise<dns.LookupAddress[]>;

const systemResolver: Resolver = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/**
 * A `lookup` for http.request that resolves the name, refuses it if ANY address it resolves to is
 * in a refused range (an attacker controlling the zone could otherwise mix one public address with
 * a private one), and hands the socket only checked addresses.
 */
export function guardedLookup(allowPrivate: boolean, resolve: Resolver = systemResolver) {
  return (hostname: string, options: dns.LookupOptions | number, callback: LookupCallback): void => {
    const all = typeof options === 'object' && options.all === true;
    resolve(hostname)
      .then((addresses) => {
        if (addresses.length === 0) throw Object.assign(new Error(`${hostname} did not resolve`), { code: 'ENOTFOUND' });
        if (!allowPrivate) {
          for (const a of addresses) {
            const reason = blockedAddressReason(a.address);
            if (reason) throw new TargetRefused(`${hostname} resolves to ${reason} (WEBHOOK_ALLOW_PRIVATE is off)`);
          }
        }
        if (all) callback(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      })
      .catch((err: NodeJS.ErrnoException) => callback(err, '', 0));
  };
}
