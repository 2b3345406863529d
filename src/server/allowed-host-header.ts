import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

/** What decides which `Host` headers the server answers. */
export interface HostHeaderOptions {
  /** The address the server listens on (`--host`); a wildcard (0.0.0.0, ::) admits this machine's own addresses. */
  bindHost?: string;
  /** The URL users reach the server at (`--public-url`): its host name is admitted. */
  publicUrl?: string;
  /** Further host names or addresses (`SLUICE_ALLOWED_HOSTS`, comma-separated; an entry may carry `:port` or be a CIDR). */
  allowedHosts?: string;
}

/** The host name of a `Host` header, lower-case, without port, brackets or a trailing dot; null when malformed. */
export function hostHeaderName(header: string | undefined): string | null {
  if (!header) return null;
  const text = header.trim().toLowerCase();
  const bracketed = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/.exec(text);
  if (bracketed) return bracketed[1]!;
  const plain = /^([a-z0-9.-]+)(?::\d{1,5})?$/.exec(text);
  return plain ? plain[1]!.replace(/\.$/, '') : null;
}

/** An entry of an allow-list with its optional port (and IPv6 brackets) removed. */
function entryHost(entry: string): string {
  const text = entry.trim().toLowerCase();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed) return bracketed[1]!;
  if (isIP(text) === 6 || text.includes('/')) return text;
  return text.replace(/:\d+$/, '').replace(/\.$/, '');
}

/** Whether an IP address lies in a CIDR range (IPv4 or IPv6). */
function inCidr(address: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  const a = ipBytes(address);
  const b = base === undefined ? null : ipBytes(base);
  if (!a || !b || a.length !== b.length || !Number.isInteger(bits) || bits < 0 || bits > a.length * 8) return false;
  for (let i = 0; i < bits; i++) {
    const mask = 0x80 >> i % 8;
    if ((a[i >> 3]! & mask) !== (b[i >> 3]! & mask)) return false;
  }
  return true;
}

/** The bytes of an IPv4 or IPv6 address, or null. */
function ipBytes(address: string): number[] | null {
  const kind = isIP(address);
  if (kind === 4) return address.split('.').map(Number);
  if (kind !== 6) return null;
  let text = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  let tail: number[] = [];
  if (v4) {
    tail = v4[1]!.split('.').map(Number);
    text = text.slice(0, -v4[1]!.length) + '0:0';
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = rest ? rest.split(':') : [];
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right].map((g) => parseInt(g || '0', 16));
  const bytes = groups.flatMap((g) => [g >> 8, g & 0xff]);
  if (v4) bytes.splice(12, 4, ...tail);
  return bytes;
}

/**
 * A check of the `Host` header against DNS rebinding: a page on another name that resolves to this server must
 * not reach it from a browser. Admitted: `localhost`, loopback addresses, the bind address (every local address
 * when it is a wildcard), the public URL's host, and what the operator lists.
 */
export function allowedHostHeader(options: HostHeaderOptions): (header: string | undefined) => boolean {
  const names = new Set(['localhost']);
  const ranges = ['127.0.0.0/8', '::1/128'];
  const bind = options.bindHost ? entryHost(options.bindHost) : undefined;
  if (bind === '0.0.0.0' || bind === '::' || bind === '') {
    for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) names.add(i.address.toLowerCase());
  } else if (bind) {
    names.add(bind);
  }
  if (options.publicUrl) names.add(new URL(options.publicUrl).hostname.replace(/^\[|\]$/g, '').toLowerCase());
  for (const entry of (options.allowedHosts ?? '').split(',')) {
    const host = entry.trim() ? entryHost(entry) : '';
    if (!host) continue;
    if (host.includes('/')) ranges.push(host);
    else names.add(host);
  }
  return (header) => {
    const name = hostHeaderName(header);
    if (name === null) return false;
    if (names.has(name)) return true;
    return isIP(name) !== 0 && ranges.some((r) => inCidr(name, r));
  };
}
