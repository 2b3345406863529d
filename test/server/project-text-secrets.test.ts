import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { maskProjectSecrets, restoreProjectSecrets } from '../../src/server/project-text-secrets.js';

const PROJECT = `version: 1
connections:
  sink:
    type: http
    connector: webhook
    auth: { type: bearer, token: "sink-token-1" }   # literal on purpose
  crm:
    type: http
    connector: hubspot
    auth:
      type: oauth2
      client_id: public-id
      client_secret: 'client-secret-2'
      refresh_token: plain-refresh-3
    config: { region: eu, api_key: cfg-key-4 }
  one_line: { type: http, connector: x, auth: { type: basic, username: u, password: "pw-5" } }
  db: { type: postgres, url: "postgres://app:db-pass-6@127.0.0.1:5432/test" }
  tunnel:
    type: mysql
    url: mysql://root@127.0.0.1/test?password=db-pass-7
    ssh:
      host: bastion
      private_key: |
        -----BEGIN KEY-----
        key-body-8
        -----END KEY-----
  env_ref:
    type: http
    connector: webhook
    auth: { type: bearer, token: "\${env:SINK_TOKEN}" }
syncs:
  s:
    from: { connection: db, sql: "SELECT 1 AS token" }
    to: { connection: sink, endpoint: post }
    mode: insert
    key: token
`;
const SECRETS = ['sink-token-1', 'client-secret-2', 'plain-refresh-3', 'cfg-key-4', 'pw-5', 'db-pass-6', 'db-pass-7', 'key-body-8'];

describe('sluice.yaml as the project editor shows it', () => {
  it('masks every literal credential of a connection, keeps references, comments and everything else', () => {
    const masked = maskProjectSecrets(PROJECT);
    for (const secret of SECRETS) expect(masked, secret).not.toContain(secret);
    expect(masked).toContain('auth: { type: bearer, token: "****" }   # literal on purpose');
    expect(masked).toContain('client_id: public-id');
    expect(masked).toContain('postgres://app:****@127.0.0.1');
    expect(masked).toContain('token: "${env:SINK_TOKEN}"');
    expect(masked).toContain('key: token');
    // Still YAML, every key where it was.
    const data = parse(masked) as { connections: Record<string, any> };
    expect(data.connections.crm.auth).toEqual({ type: 'oauth2', client_id: 'public-id', client_secret: '****', refresh_token: '****' });
    expect(data.connections.tunnel.ssh).toEqual({ host: 'bastion', private_key: '****' });
    expect(data.connections.one_line.auth.password).toBe('****');
  });

  it('masks what it can of a file that does not parse', () => {
    const broken = PROJECT.replace('    connector: hubspot\n', '    connector: hubspot\n  bad indent: [\n');
    const masked = maskProjectSecrets(broken);
    for (const secret of SECRETS) expect(masked, secret).not.toContain(secret);
  });

  it('masks the credentials of a CRLF file and of an auth written as a flow list', () => {
    const crlf = PROJECT.replaceAll('\n', '\r\n');
    const masked = maskProjectSecrets(crlf);
    for (const secret of SECRETS) expect(masked, secret).not.toContain(secret);
    expect(restoreProjectSecrets(masked, crlf)).toEqual({ text: crlf });
    const list = 'connections:\n  a: { type: http, connector: x, auth: [{ type: bearer, token: list-token-9 }] }\n  b:\n    type: http\n    auth: [{ type: basic, username: u, password: list-pass-10 }]\n';
    const maskedList = maskProjectSecrets(list);
    expect(maskedList).not.toContain('list-token-9');
    expect(maskedList).not.toContain('list-pass-10');
    expect(restoreProjectSecrets(maskedList, list)).toEqual({ text: list });
  });

  it('puts the credentials back where the edited text keeps the mask, and takes a typed one as typed', () => {
    const masked = maskProjectSecrets(PROJECT);
    const edited = masked.replace('mode: insert', 'mode: upsert').replace("refresh_token: \"****\"", 'refresh_token: new-refresh');
    const restored = restoreProjectSecrets(edited, PROJECT);
    expect(restored).toEqual({ text: PROJECT.replace('mode: insert', 'mode: upsert').replace('refresh_token: plain-refresh-3', 'refresh_token: new-refresh') });
  });

  it('refuses a mask where the file holds no credential, naming the place (a hostile copy of a mask to another connection)', () => {
    const masked = maskProjectSecrets(PROJECT);
    const moved = masked.replace('connections:\n', 'connections:\n  evil:\n    type: http\n    connector: webhook\n    auth: { type: bearer, token: "****" }\n');
    // The first sink-like mask is now evil's: it must not receive sink's token.
    expect(restoreProjectSecrets(moved, PROJECT)).toEqual({ missing: 'connections.evil.auth.token' });
  });
});
