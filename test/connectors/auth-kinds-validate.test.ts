// What `sluice validate` says about hostile or wrong values of the session, jwt and api_key keys, at their line.
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, formatConfigIssue } from '../../src/config/config-error.js';
import { loadProject } from '../../src/config/load-project.js';
import { writeProject } from '../config/write-project.js';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

/** A connector file whose auth is `auth` (its lines start on line 6), used by one connection `api` with `connectionAuth`. */
async function issues(auth: string[], connectionAuth = '{ type: session }'): Promise<string[]> {
  const connector = [
    'name: kinds',
    'config:',
    '  user: { type: string }',
    '  password: { type: string, secret: true }',
    'base_url: "https://api.example.com/v1"',
    'auth:',
    ...auth.map((line) => `  ${line}`),
    '',
  ].join('\n');
  const project = ['version: 1', 'connections:', '  api:', '    type: http', '    connector: ./connectors/kinds.yaml', `    auth: ${connectionAuth}`, ''].join('\n');
  const written = await writeProject({ 'connectors/kinds.yaml': connector, 'sluice.yaml': project });
  cleanup = written.cleanup;
  const error = await loadProject({ cwd: written.dir, env: {}, connectorsDir: `${written.dir}/builtin` }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error === undefined) return [];
  if (!(error instanceof ConfigError)) throw error;
  return error.issues.map(formatConfigIssue);
}

const session = (path: string) => [
  'type: session',
  'login:',
  `  path: ${path}`,
  '  body: { username: "{{ config.user }}", password: "{{ config.password }}" }',
  '  token_path: $.token',
];

describe('validate: auth kinds', () => {
  it('accepts a session login on a path of the base URL', async () => {
    expect(await issues(session('/auth/login'))).toEqual([]);
  });

  it.each([
    ['https://evil.example/login', 'connectors/kinds.yaml:9:11: auth.login.path: the login path "https://evil.example/login" is a URL: a login is sent only to the connection\'s base URL, so give a path (e.g. /api/login)'],
    ['//evil.example/login', 'connectors/kinds.yaml:9:11: auth.login.path: the login path "//evil.example/login" is a URL: a login is sent only to the connection\'s base URL, so give a path (e.g. /api/login)'],
    ['"javascript:alert(1)"', 'connectors/kinds.yaml:9:11: auth.login.path: the login path "javascript:alert(1)" is a URL: a login is sent only to the connection\'s base URL, so give a path (e.g. /api/login)'],
  ])('refuses a login path pointing elsewhere: %s', async (path, issue) => {
    expect(await issues(session(path))).toEqual([issue]);
  });

  it('refuses a session token_path that is no JSONPath', async () => {
    const auth = [...session('/login').slice(0, 4), '  token_path: "$.[?("'];
    expect(await issues(auth)).toEqual(['connectors/kinds.yaml:11:17: auth.login.token_path: invalid JSONPath "$.[?(": a name or * must follow "." at character 3']);
  });

  it('refuses claims reading row or response: a token is signed once for many requests', async () => {
    const auth = ['type: jwt', 'claims:', '  iss: "{{ config.user }}"', '  sub: "{{ row.email }}"', '  jti: "{{ response.body.id }}"'];
    expect(await issues(auth, '{ type: jwt, private_key: "-----BEGIN PRIVATE KEY-----" }')).toEqual([
      'connectors/kinds.yaml:10:10: auth.claims.sub: claims see only config, now, exp: row is not available (a token is signed once for many requests)',
      'connectors/kinds.yaml:11:10: auth.claims.jti: claims see only config, now, exp: response is not available (a token is signed once for many requests)',
    ]);
  });

  it('refuses a jwt token_url over plain http to another host', async () => {
    const auth = ['type: jwt', 'token_url: "http://oauth.example.com/token"'];
    expect(await issues(auth, '{ type: jwt }')).toEqual([
      'connectors/kinds.yaml:8:14: auth.token_url: credentials would travel unencrypted to oauth.example.com: use https:// (http:// is allowed only for loopback and hosts listed in SLUICE_ALLOWED_HOSTS)',
    ]);
  });

  it('takes key or keys on an api_key connection, not both', async () => {
    const auth = ['type: api_key', 'name: X-Api-Key'];
    expect(await issues(auth, '{ type: api_key, keys: [a-key-0001, a-key-0002] }')).toEqual([]);
    expect(await issues(auth, '{ type: api_key, key: a-key-0001, keys: [a-key-0002] }')).toEqual([
      'sluice.yaml:6:28: connections.api.auth.key: give either key (one API key) or keys (a list)',
    ]);
  });
});
