// The server sends requests on an API user's behalf (builder send, connection test, scheduled runs): with the
// server-mode network policy, none of them may reach the server's own machine or network.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connectorAuthSchema, connectorSpecSchema } from '../../src/config/connector-schema.js';
import { createAuth } from '../../src/connectors/auth/create-auth.js';
import { openHttpConnection } from '../../src/connectors/open-http-connection.js';
import { classifyResponse } from '../../src/http/classify-response.js';
import { HttpClient } from '../../src/http/http-client.js';
import type { HttpResponse } from '../../src/http/http-response.js';
import { networkPolicyFromEnv, type NetworkPolicy } from '../../src/http/network-policy.js';
import { Redactor } from '../../src/log/redactor.js';
import { json, startTestServer } from '../http/start-test-server.js';

const classify = (r: HttpResponse) => classifyResponse(r, [], () => false);
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const notAllowed = (host: string) =>
  `could not connect to ${host}: the address is not allowed (server mode refuses private, loopback and link-local addresses; allow it with SLUICE_ALLOWED_HOSTS)`;

function clientWith(policy: NetworkPolicy, maxAttempts = 1): HttpClient {
  const client = new HttpClient({
    rateLimit: { concurrency: 2 },
    retry: { max_attempts: maxAttempts, on_status: [], initial_delay_ms: 5, max_delay_ms: 10 },
    timeouts: { connect_ms: 1000, read_ms: 1000 },
    networkPolicy: policy,
  });
  cleanup.push(() => client.close());
  return client;
}

const get = (url: string) => ({ method: 'GET', url, headers: {} });
const serverMode = (allowed?: string) => networkPolicyFromEnv(allowed === undefined ? {} : { SLUICE_ALLOWED_HOSTS: allowed }, { serverMode: true });

describe('server mode refuses private, loopback and link-local addresses', () => {
  it('refuses every spelling of this machine and of private networks, and no connection reaches a listening server', async () => {
    const server = await startTestServer((_req, res) => json(res, 200, { secret: 'internal' }));
    cleanup.push(() => server.close());
    const client = clientWith(serverMode());
    const port = server.port;
    const targets: [string, string][] = [
      [`http://127.0.0.1:${port}/admin`, `127.0.0.1:${port}`],
      // A DNS name: checked on the address it resolves to, in the connection's own lookup.
      [`http://localhost:${port}/admin`, `localhost:${port}`],
      [`http://[::1]:${port}/admin`, `[::1]:${port}`],
      [`http://[::ffff:127.0.0.1]:${port}/admin`, `[::ffff:7f00:1]:${port}`],
      [`http://0.0.0.0:${port}/admin`, `0.0.0.0:${port}`],
      [`http://2130706433:${port}/admin`, `127.0.0.1:${port}`],
      ['http://169.254.169.254/latest/meta-data/', '169.254.169.254'],
      ['http://10.0.0.1/', '10.0.0.1'],
      ['https://192.168.1.1/', '192.168.1.1'],
      ['http://100.64.0.1/', '100.64.0.1'],
      ['http://[fd00::1]/', '[fd00::1]'],
    ];
    for (const [url, host] of targets) {
      const outcome = await client.send(get(url), { classify });
      expect(outcome, url).toEqual({ ok: false, action: 'fail', attempts: 1, error: notAllowed(host) });
    }
    expect(server.stats.sockets).toBe(0);
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a name that resolves to loopback even when a rule allows another address of it', async () => {
    const server = await startTestServer((_req, res) => json(res, 200, {}));
    cleanup.push(() => server.close());
    // 10.0.0.0/8 is allowed; localhost resolves to 127.0.0.1 / ::1, which no rule covers.
    const client = clientWith(serverMode('10.0.0.0/8'));
    const outcome = await client.send(get(`http://localhost:${server.port}/`), { classify });
    expect(outcome).toMatchObject({ ok: false, error: notAllowed(`localhost:${server.port}`) });
    expect(server.stats.sockets).toBe(0);
  });

  it('lets 127.0.0.1 through when SLUICE_ALLOWED_HOSTS lists it, by address, by name, or with its port', async () => {
    const server = await startTestServer((_req, res) => json(res, 200, { ok: true }));
    cleanup.push(() => server.close());
    for (const allowed of ['127.0.0.1', `127.0.0.1:${server.port}`, '127.0.0.0/8', `localhost,10.0.0.0/8`]) {
      const client = clientWith(serverMode(allowed));
      const host = allowed.startsWith('localhost') ? 'localhost' : '127.0.0.1';
      const outcome = await client.send(get(`http://${host}:${server.port}/ok`), { classify });
      expect(outcome.ok, allowed).toBe(true);
    }
    const otherPort = clientWith(serverMode(`127.0.0.1:${server.port + 1}`));
    expect(await otherPort.send(get(`${server.url}/ok`), { classify })).toMatchObject({ ok: false, error: notAllowed(`127.0.0.1:${server.port}`) });
  });

  it('outside server mode nothing is refused (the CLI on a user\'s own machine)', async () => {
    const server = await startTestServer((_req, res) => json(res, 200, { ok: true }));
    cleanup.push(() => server.close());
    const client = clientWith(networkPolicyFromEnv({}, { serverMode: false }));
    expect((await client.send(get(`http://localhost:${server.port}/`), { classify })).ok).toBe(true);
  });

  it('a refused port on an allowed host reads "could not connect", as a timeout would: no port-scan detail', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const closedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const client = clientWith(serverMode('127.0.0.1'), 2);
    const outcome = await client.send(get(`http://127.0.0.1:${closedPort}/`), { classify });
    expect(outcome).toMatchObject({ ok: false, error: `could not connect to 127.0.0.1:${closedPort} after 2 attempts` });
    // The CLI keeps the precise reason: the user owns the machine.
    const cli = clientWith(networkPolicyFromEnv({}, { serverMode: false }));
    expect(await cli.send(get(`http://127.0.0.1:${closedPort}/`), { classify })).toMatchObject({ error: `connection refused by 127.0.0.1:${closedPort} after 1 attempt` });
  });

  it('an HTTP connection opened with the policy refuses its own loopback base URL', async () => {
    const server = await startTestServer((_req, res) => json(res, 200, []));
    cleanup.push(() => server.close());
    const spec = connectorSpecSchema.parse({ name: 'internal', base_url: server.url });
    const http = await openHttpConnection({
      name: 'internal',
      connection: { type: 'http', connector: 'internal', config: {}, auth: { type: 'none' } },
      spec,
      redactor: new Redactor(),
      networkPolicy: serverMode(),
    });
    cleanup.push(() => http.close());
    const outcome = await http.client.send(get(`${http.baseUrl()}/users`), { classify: http.classifier() });
    expect(outcome).toMatchObject({ ok: false, action: 'fail', error: notAllowed(`127.0.0.1:${server.port}`) });
    expect(server.stats.sockets).toBe(0);
  });

  it('guards OAuth token requests too: a loopback token URL is never called', async () => {
    const tokenServer = await startTestServer((_req, res) => json(res, 200, { access_token: 'at-1', token_type: 'Bearer', expires_in: 3600 }));
    cleanup.push(() => tokenServer.close());
    const auth = await createAuth({
      kinds: [connectorAuthSchema.parse({ type: 'oauth2_client_credentials', token_url: `${tokenServer.url}/token` })],
      credentials: { type: 'oauth2_client_credentials', client_id: 'id', client_secret: 'secret-1' },
      connectionName: 'crm',
      render: (t) => t,
      networkPolicy: serverMode(),
    });
    await expect(auth.apply(get('https://api.example.com/x'))).rejects.toThrow(
      `could not get an OAuth token for connection "crm": could not reach the token endpoint: ${notAllowed(`127.0.0.1:${tokenServer.port}`)}`,
    );
    expect(tokenServer.stats.sockets).toBe(0);
    // The same auth without a policy reaches the token endpoint.
    const open = await createAuth({
      kinds: [connectorAuthSchema.parse({ type: 'oauth2_client_credentials', token_url: `${tokenServer.url}/token` })],
      credentials: { type: 'oauth2_client_credentials', client_id: 'id', client_secret: 'secret-1' },
      connectionName: 'crm',
      render: (t) => t,
    });
    expect((await open.apply(get('https://api.example.com/x'))).headers.Authorization).toBe('Bearer at-1');
  });
});
