import { isIPv4, isIPv6 } from 'node:net';

/** A range of IP addresses (`10.0.0.0/8`, `fc00::/7`, or one address), compared as bytes. */
export interface IpRange {
  /** 4 bytes for IPv4, 16 for IPv6. */
  bytes: Uint8Array;
  /** Leading bits that must match. */
  prefix: number;
}

/**
 * The addresses a server must not reach for an API user: loopback, link-local (cloud metadata at 169.254.169.254),
 * private, unspecified and "this network", carrier-grade NAT, and IPv6's equivalents. IPv4-mapped IPv6 addresses
 * are compared as the IPv4 address they carry (see `parseAddress`), so they need no entries of their own.
 */
export const privateRanges: readonly IpRange[] = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.168.0.0/16',
  // `::` and `::1`, and the deprecated IPv4-compatible form `::a.b.c.d` some stacks still route to the IPv4 address.
  '::/96',
  'fc00::/7',
  'fe80::/10',
].map((text) => parseIpRange(text)!);

/** An address (or `address/prefix`) as a range, or undefined when it is not one. Brackets around IPv6 are allowed. */
export function parseIpRange(text: string): IpRange | undefined {
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const address = parseAddress(addressText);
  if (!address) return undefined;
  if (slash === -1) return { bytes: address, prefix: address.length * 8 };
  const prefixText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  let prefix = Number(prefixText);
  // A mapped range (`::ffff:10.0.0.0/104`) is the IPv4 range it maps.
  if (address.length === 4 && isIPv6(unbracket(addressText))) {
    if (prefix < 96) return undefined;
    prefix -= 96;
  }
  if (prefix > address.length * 8) return undefined;
  return { bytes: address, prefix };
}

/**
 * The bytes of an IP address: 4 for IPv4 and for IPv4-mapped IPv6 (`::ffff:127.0.0.1`, `::ffff:7f00:1`), so one rule
 * covers both spellings; 16 for other IPv6. A zone (`fe80::1%eth0`) is ignored. Undefined when it is not an address.
 */
export function parseAddress(text: string): Uint8Array | undefined {
  const address = unbracket(text).replace(/%.*$/, '');
  if (isIPv4(address)) return Uint8Array.from(address.split('.').map(Number));
  if (!isIPv6(address)) return undefined;
  const bytes = ipv6Bytes(address);
  const mapped = bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? bytes.slice(12) : bytes;
}

/** Whether an address (as `parseAddress` gives it) is in the range; an IPv4 address is never in an IPv6 range. */
export function rangeContains(range: IpRange, address: Uint8Array): boolean {
  if (range.bytes.length !== address.length) return false;
  let bits = range.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((range.bytes[i]! & mask) !== (address[i]! & mask)) return false;
  }
  return true;
}

/** Whether an address is loopback, link-local, private, unspecified or CGNAT (`privateRanges`). */
export function isPrivateAddress(address: Uint8Array): boolean {
  return privateRanges.some((range) => rangeContains(range, address));
}

function unbracket(text: string): string {
  return text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
}

/** The 16 bytes of a valid IPv6 address (already checked by isIPv6): a dotted IPv4 tail as two groups, `::` expanded. */
function ipv6Bytes(address: string): Uint8Array {
  let text = address;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    const [a, b, c, d] = text.slice(lastColon + 1).split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const gap = text.indexOf('::');
  const head = gap === -1 ? text.split(':') : text.slice(0, gap).split(':').filter(Boolean);
  const tail = gap === -1 ? [] : text.slice(gap + 2).split(':').filter(Boolean);
  const groups = [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    const word = parseInt(group, 16);
    bytes[i * 2] = word >> 8;
    bytes[i * 2 + 1] = word & 0xff;
  });
  return bytes;
}
