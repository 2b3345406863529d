import { networkInterfaces } from 'node:os';
import { parseAddress, parseIpRange, rangeContains, type IpRange } from '../http/ip-range.js';
import { allowedHostsVariable, parseHostRule } from '../http/network-policy.js';

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

/**
 * A check of the `Host` header against DNS rebinding: a page on another name that resolves to this server must
 * not reach it from a browser. Admitted: `localhost`, loopback addresses, the bind address (every local address
 * when it is a wildcard), the public URL's host, and what the operator lists.
 */
export function allowedHostHeader(options: HostHeaderOptions): (header: string | undefined) => boolean {
  const names = new Set(['localhost']);
  const ranges: IpRange[] = [parseIpRange('127.0.0.0/8')!, parseIpRange('::1')!];
  const admit = (host: string) => {
    const range = parseIpRange(host);
    if (range) ranges.push(range);
    else names.add(host.toLowerCase().replace(/\.$/, ''));
  };
  const bind = options.bindHost?.replace(/^\[|\]$/g, '');
  if (bind === '0.0.0.0' || bind === '::' || bind === '') {
    for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) admit(i.address);
  } else if (bind) {
    admit(bind);
  }
  if (options.publicUrl) admit(new URL(options.publicUrl).hostname.replace(/^\[|\]$/g, ''));
  for (const entry of (options.allowedHosts ?? '').split(',')) {
    const text = entry.trim();
    if (!text) continue;
    const rule = parseHostRule(text);
    if (!rule) throw new Error(`${allowedHostsVariable}: "${text}" is not a host name, an IP address or a CIDR range (optionally with :port)`);
    if (rule.range) ranges.push(rule.range);
    else names.add(rule.name!);
  }
  return (header) => {
    const name = hostHeaderName(header);
    if (name === null) return false;
    if (names.has(name)) return true;
    const address = parseAddress(name);
    return address !== undefined && ranges.some((r) => rangeContains(r, address));
  };
}
