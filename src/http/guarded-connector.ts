import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { buildConnector } from 'undici';
import { parseAddress } from './ip-range.js';
import { addressNotAllowedMessage, allowsAddress, allowsHostName, type NetworkPolicy } from './network-policy.js';

/** The code of the error a refused connection fails with (`describeNetworkError` knows it). */
export const addressNotAllowedCode = 'SLUICE_ADDRESS_NOT_ALLOWED';

function addressNotAllowed(host: string): Error {
  return Object.assign(new Error(addressNotAllowedMessage(host)), { code: addressNotAllowedCode });
}

/**
 * An undici connector that applies a network policy to the address it connects to. An IP literal is checked as
 * written; a host name is checked in the socket's own DNS lookup, on the addresses the socket then connects to, so a
 * name cannot resolve to a public address for the check and to a private one for the connection (DNS rebinding).
 * A host name an allow rule names skips the check.
 */
export function guardedConnector(policy: NetworkPolicy, options: buildConnector.BuildOptions): buildConnector.connector {
  const plain = buildConnector(options);
  if (!policy.denyPrivateAddresses) return plain;
  // The lookup needs the port for `host:port` rules, and net.connect gives it only the name: one connector per port.
  const byPort = new Map<number, buildConnector.connector>();
  return (connect, callback) => {
    const hostname = connect.hostname.startsWith('[') ? connect.hostname.slice(1, -1) : connect.hostname;
    const port = Number(connect.port) || (connect.protocol === 'https:' ? 443 : 80);
    const target = { hostname, port };
    const literal = parseAddress(hostname);
    if (literal) {
      if (allowsAddress(policy, target, literal)) plain(connect, callback);
      else process.nextTick(callback, addressNotAllowed(connect.host ?? hostname), null);
      return;
    }
    if (allowsHostName(policy, target)) {
      plain(connect, callback);
      return;
    }
    let guarded = byPort.get(port);
    if (!guarded) {
      guarded = buildConnector({ ...options, lookup: guardedLookup(policy, port) } as buildConnector.BuildOptions);
      byPort.set(port, guarded);
    }
    guarded(connect, callback);
  };
}

/** A DNS lookup that answers only the addresses the policy allows, and fails when there are none. */
function guardedLookup(policy: NetworkPolicy, port: number): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) {
        callback(error, '', 0);
        return;
      }
      const allowed = addresses.filter((a) => {
        const bytes = parseAddress(a.address);
        return bytes !== undefined && allowsAddress(policy, { hostname, port }, bytes);
      });
      if (allowed.length === 0) {
        callback(Object.assign(addressNotAllowed(hostname), { hostname }) as NodeJS.ErrnoException, '', 0);
        return;
      }
      // net.connect asks for every address when it races IPv4 and IPv6 (autoSelectFamily), else for one.
      if (options.all) (callback as unknown as (e: null, all: LookupAddress[]) => void)(null, allowed);
      else callback(null, allowed[0]!.address, allowed[0]!.family);
    });
  };
}
