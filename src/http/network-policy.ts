import { isPrivateAddress, parseIpRange, rangeContains, type IpRange } from './ip-range.js';

/** One entry of `SLUICE_ALLOWED_HOSTS`: a host name, or an address or CIDR range, optionally limited to one port. */
export interface HostRule {
  /** The entry as written, for messages. */
  text: string;
  /** A host name (lower case): every address it resolves to is allowed. */
  name?: string;
  /** An address or CIDR range: connecting to an address in it is allowed, whatever name led there. */
  range?: IpRange;
  /** Only this port, when given. */
  port?: number;
}

/**
 * Where the HTTP client may connect. The CLI runs with no restriction (a user's own machine and network); the server
 * sends requests on an API user's behalf (builder send, connection test, scheduled runs) and must not become a way into
 * its own network: with `denyPrivateAddresses` it refuses loopback, link-local, private, unspecified and CGNAT
 * addresses — checked on the address actually connected to, after DNS — unless a rule in `allowedHosts` lets one through.
 */
export interface NetworkPolicy {
  /** Refuse connections to private, loopback, link-local, unspecified and CGNAT addresses (server mode). */
  denyPrivateAddresses: boolean;
  /** Exceptions to `denyPrivateAddresses`, from `SLUICE_ALLOWED_HOSTS`. */
  allowedHosts: HostRule[];
}

/** The environment variable listing the hosts a server may reach although they are private. */
export const allowedHostsVariable = 'SLUICE_ALLOWED_HOSTS';

/** The message of a refused connection: the same whatever the address was, so it tells nothing of the network. */
export function addressNotAllowedMessage(host: string): string {
  return `could not connect to ${host}: the address is not allowed (server mode refuses private, loopback and link-local addresses; allow it with ${allowedHostsVariable})`;
}

/**
 * The policy for this process: private addresses refused in server mode, with `SLUICE_ALLOWED_HOSTS`
 * (comma-separated host names, addresses or CIDR ranges, each optionally with `:port`; e.g.
 * `127.0.0.1,localhost,10.0.0.0/8,[::1]:8080`) as exceptions. Throws on an entry that is none of those.
 */
export function networkPolicyFromEnv(env: Record<string, string | undefined>, options: { serverMode: boolean }): NetworkPolicy {
  const list = env[allowedHostsVariable] ?? '';
  const allowedHosts: HostRule[] = [];
  for (const entry of list.split(',')) {
    const text = entry.trim();
    if (text === '') continue;
    const rule = parseHostRule(text);
    if (!rule) {
      throw new Error(`${allowedHostsVariable}: "${text}" is not a host name, an IP address or a CIDR range (optionally with :port)`);
    }
    allowedHosts.push(rule);
  }
  return { denyPrivateAddresses: options.serverMode, allowedHosts };
}

/** One `SLUICE_ALLOWED_HOSTS` entry, or undefined when it is not valid. */
export function parseHostRule(text: string): HostRule | undefined {
  let host = text;
  let port: number | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1]!;
    if (bracketed[2] !== undefined) port = Number(bracketed[2]);
  } else if (text.indexOf(':') === text.lastIndexOf(':') && text.includes(':')) {
    // One colon: `host:port` (an IPv6 address has several and takes brackets to carry a port).
    const colon = text.lastIndexOf(':');
    if (!/^\d+$/.test(text.slice(colon + 1))) return undefined;
    host = text.slice(0, colon);
    port = Number(text.slice(colon + 1));
  }
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  const range = parseIpRange(host);
  if (range) return port === undefined ? { text, range } : { text, range, port };
  const name = host.toLowerCase().replace(/\.$/, '');
  if (!/^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/.test(name)) return undefined;
  return port === undefined ? { text, name } : { text, name, port };
}

/**
 * Whether the policy lets a connection to `address` through, reached by the name `hostname` on `port`: always without
 * `denyPrivateAddresses`; else when the address is public, or a rule names the host or covers the address.
 */
export function allowsAddress(policy: NetworkPolicy, target: { hostname: string; port: number }, address: Uint8Array): boolean {
  if (!policy.denyPrivateAddresses || !isPrivateAddress(address)) return true;
  return listsHost(policy.allowedHosts, target, address);
}

/** Whether a rule names the host, or covers its address when it has one (each rule on its port, when it gives one). */
export function listsHost(rules: readonly HostRule[], target: { hostname: string; port: number }, address?: Uint8Array): boolean {
  const hostname = target.hostname.toLowerCase();
  return rules.some(
    (rule) =>
      (rule.port === undefined || rule.port === target.port) &&
      (rule.name !== undefined ? rule.name === hostname : address !== undefined && rangeContains(rule.range!, address)),
  );
}

/** Whether a rule names this host (and port): every address it resolves to is then allowed. */
export function allowsHostName(policy: NetworkPolicy, target: { hostname: string; port: number }): boolean {
  const hostname = target.hostname.toLowerCase();
  return policy.allowedHosts.some((rule) => rule.name === hostname && (rule.port === undefined || rule.port === target.port));
}
