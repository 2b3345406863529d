import { describe, expect, it } from 'vitest';
import { parseAddress } from './ip-range.js';
import { allowsAddress, networkPolicyFromEnv, parseHostRule } from './network-policy.js';

const server = (allowed = '') => networkPolicyFromEnv({ SLUICE_ALLOWED_HOSTS: allowed }, { serverMode: true });
const allows = (policy: ReturnType<typeof server>, address: string, hostname = 'api.example.com', port = 443) =>
  allowsAddress(policy, { hostname, port }, parseAddress(address)!);

describe('server mode refuses private addresses', () => {
  it.each([
    '127.0.0.1', '127.255.255.254', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254',
    '100.64.0.1', '100.127.255.255', '0.0.0.0', '0.1.2.3',
    '::1', '::', 'fe80::1', 'febf::1', 'fc00::1', 'fdff::1', '[::1]', 'fe80::1%eth0',
    '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:169.254.169.254', '::ffff:a00:1', '0:0:0:0:0:ffff:c0a8:101', '::127.0.0.1',
  ])('%s', (address) => {
    expect(allows(server(), address)).toBe(false);
  });

  it.each(['8.8.8.8', '1.1.1.1', '100.63.255.255', '100.128.0.0', '172.15.255.255', '172.32.0.0', '169.255.0.1', '2606:4700::1111', '::ffff:8.8.8.8', 'fec0::1'])(
    'lets the public address %s through',
    (address) => {
      expect(allows(server(), address)).toBe(true);
    },
  );

  it('restricts nothing outside server mode', () => {
    const cli = networkPolicyFromEnv({}, { serverMode: false });
    expect(allows(cli, '127.0.0.1')).toBe(true);
    expect(allows(cli, '169.254.169.254')).toBe(true);
  });
});

describe('SLUICE_ALLOWED_HOSTS', () => {
  it('an address, a range, a name, each optionally with a port', () => {
    const policy = server(' 127.0.0.1 , 10.0.0.0/8,localhost:8080, [::1]:9000, fd00::/8 ');
    expect(allows(policy, '127.0.0.1')).toBe(true);
    expect(allows(policy, '::ffff:127.0.0.1')).toBe(true);
    expect(allows(policy, '127.0.0.2')).toBe(false);
    expect(allows(policy, '10.20.30.40')).toBe(true);
    expect(allows(policy, '192.168.0.1')).toBe(false);
    expect(allows(policy, '::1', 'localhost', 8080)).toBe(true);
    expect(allows(policy, '::1', 'localhost', 8081)).toBe(false);
    expect(allows(policy, '::1', 'ip6.local', 9000)).toBe(true);
    expect(allows(policy, '::1', 'ip6.local', 9001)).toBe(false);
    expect(allows(policy, 'fd12::1')).toBe(true);
    expect(allows(policy, 'fc12::1')).toBe(false);
  });

  it('an IPv4-mapped range is the IPv4 range it maps', () => {
    const policy = server('::ffff:10.0.0.0/104');
    expect(allows(policy, '10.1.2.3')).toBe(true);
    expect(allows(policy, '::ffff:10.1.2.3')).toBe(true);
    expect(allows(policy, '11.0.0.1')).toBe(true); // public anyway
    expect(allows(policy, '192.168.0.1')).toBe(false);
    expect(parseHostRule('::ffff:10.0.0.0/95')).toBeUndefined();
  });

  it('a name rule does not cover another name resolving to the same address', () => {
    expect(allows(server('localhost'), '127.0.0.1', 'evil.example.com', 80)).toBe(false);
    expect(allows(server('LocalHost.'), '127.0.0.1', 'localhost', 80)).toBe(true);
  });

  it.each(['http://x', 'a b', '10.0.0.0/33', '1.2.3.4:70000', 'host:port', '::1/200', '-bad-.com'])('refuses the entry %s', (entry) => {
    expect(parseHostRule(entry)).toBeUndefined();
    expect(() => server(`127.0.0.1,${entry}`)).toThrow(
      `SLUICE_ALLOWED_HOSTS: "${entry}" is not a host name, an IP address or a CIDR range (optionally with :port)`,
    );
  });
});
