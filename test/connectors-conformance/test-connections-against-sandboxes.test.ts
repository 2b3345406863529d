import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinConnectorsDir, readConnectorSpec } from '../../src/config/load-connector-spec.js';
import { loadProject } from '../../src/config/load-project.js';
import { testConnection } from '../../src/connectors/test-connection.js';
import { SecretBox } from '../../src/state/secret-box.js';
import { SqliteStateStore } from '../../src/state/sqlite-state-store.js';
import { startBacklogSandbox } from '../../sandbox/backlog/backlog-sandbox.js';
import { startBigCommerceSandbox } from '../../sandbox/bigcommerce/bigcommerce-sandbox.js';
import { startHubSpotSandbox } from '../../sandbox/hubspot/hubspot-sandbox.js';
import { startIntercomSandbox } from '../../sandbox/intercom/intercom-sandbox.js';
import { startGoogleSheetsSandbox } from '../../sandbox/google-sheets/google-sheets-sandbox.js';
import { startMailchimpSandbox } from '../../sandbox/mailchimp/mailchimp-sandbox.js';
import { startZendeskSandbox } from '../../sandbox/zendesk/zendesk-sandbox.js';
import { startMarketoSandbox } from '../../sandbox/marketo/marketo-sandbox.js';
import { startKintoneSandbox } from '../../sandbox/kintone/kintone-sandbox.js';
import { startSalesforceSandbox } from '../../sandbox/salesforce/salesforce-sandbox.js';
import type { SandboxHandle } from '../../sandbox/sandbox-server.js';
import { startSlackSandbox } from '../../sandbox/slack/slack-sandbox.js';

// Every built-in connector's `test:`, as shipped, passes against its sandbox with the sandbox's credentials and fails
// with a wrong one, showing the API's own message.

/** Built-ins without `test:`, and why. */
const untested: Record<string, string> = { webhook: 'a generic receiver has no request that checks credentials without delivering' };

const WRONG = 'wrong-credential-4b7e';

/** The service account the Google Sheets sandbox trusts, and a key of another one (a wrong credential for a jwt). */
const pem = (k: KeyObject) => k.export({ type: 'pkcs8', format: 'pem' }).toString();
const serviceAccount = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherAccountKey = pem(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);

interface Case {
  start: () => Promise<SandboxHandle>;
  /** The connection's config; a function of the sandbox's URL for connectors whose URLs come from config. */
  config?: Record<string, string> | ((url: string) => Record<string, string>);
  auth: (secret: string) => Record<string, string>;
  secret: string;
  /** The path the test request goes to. */
  path: RegExp;
  /** What the API says to a wrong credential. */
  refusal: string;
}

const cases: Record<string, Case> = {
  backlog: {
    start: () => startBacklogSandbox(),
    config: { space_key: 'sandbox' },
    auth: (key) => ({ type: 'api_key', key }),
    secret: 'sandbox-api-key',
    path: /^\/api\/v2\/users\/myself$/,
    refusal: '401 Unauthorized): Authentication failure.',
  },
  salesforce: {
    start: () => startSalesforceSandbox(),
    auth: (token) => ({ type: 'bearer', token }),
    secret: 'sandbox-session-token',
    path: /^\/services\/data\/v59\.0\/limits$/,
    refusal: '401 Unauthorized): Session expired or invalid',
  },
  hubspot: {
    start: () => startHubSpotSandbox(),
    auth: (token) => ({ type: 'bearer', token }),
    secret: 'sandbox-private-app-token',
    path: /^\/account-info\/v3\/details$/,
    refusal: '401 Unauthorized): Authentication credentials not found.',
  },
  bigcommerce: {
    start: () => startBigCommerceSandbox(),
    config: { store_hash: 'sandbox' },
    auth: (key) => ({ type: 'api_key', key }),
    secret: 'sandbox-access-token',
    path: /^\/stores\/sandbox\/v2\/store$/,
    refusal: '401 Unauthorized): No valid credentials were supplied in the request.',
  },
  intercom: {
    start: () => startIntercomSandbox(),
    auth: (token) => ({ type: 'bearer', token }),
    secret: 'sandbox-intercom-token',
    path: /^\/me$/,
    refusal: '401 Unauthorized): unauthorized: Access Token Invalid',
  },
  'google-sheets': {
    start: () => startGoogleSheetsSandbox({ publicKey: serviceAccount.publicKey.export({ type: 'spki', format: 'pem' }).toString() }),
    config: (url) => ({ spreadsheet_id: 'sandbox-spreadsheet', client_email: 'sluice-sandbox@sandbox-project.iam.gserviceaccount.com', token_uri: `${url}/token` }),
    // A key of another account stands for the wrong credential: the sandbox refuses its signature.
    auth: (key) => ({ type: 'jwt', private_key: key === WRONG ? otherAccountKey : key }),
    secret: pem(serviceAccount.privateKey),
    path: /^\/v4\/spreadsheets\/sandbox-spreadsheet$/,
    refusal: 'Invalid JWT Signature.',
  },
  mailchimp: {
    start: () => startMailchimpSandbox(),
    config: { dc: 'us6', list_id: 'sandbox-list' },
    auth: (key) => ({ type: 'basic', username: 'anystring', password: key }),
    secret: 'sandbox-key-us6',
    path: /^\/3\.0\/ping$/,
    refusal: "401 Unauthorized): API Key Invalid: Your API key may be invalid, or you've attempted to access the wrong datacenter.",
  },
  zendesk: {
    start: () => startZendeskSandbox(),
    config: { subdomain: 'sandbox' },
    auth: (token) => ({ type: 'basic', username: 'agent@sandbox.example/token', password: token }),
    secret: 'sandbox-zendesk-token',
    path: /^\/api\/v2\/users\/me\.json$/,
    refusal: "401 Unauthorized): Couldn't authenticate you",
  },
  marketo: {
    start: () => startMarketoSandbox(),
    config: (url) => ({ instance_url: url }),
    auth: (secret) => ({ type: 'oauth2_client_credentials', client_id: 'sandbox-client', client_secret: secret }),
    secret: 'sandbox-secret',
    path: /^\/rest\/v1\/stats\/usage\.json$/,
    refusal: 'Bad client credentials',
  },
  kintone: {
    start: () => startKintoneSandbox(),
    config: { subdomain: 'sandbox', app: '1' },
    auth: (key) => ({ type: 'api_key', key }),
    secret: 'sandbox-api-token',
    path: /^\/k\/v1\/app\.json$/,
    refusal: '401 Unauthorized): GAIA_IA02: The API token is invalid.',
  },
  slack: {
    start: () => startSlackSandbox(),
    auth: (token) => ({ type: 'bearer', token }),
    secret: 'xoxb-sandbox-token',
    path: /^\/api\/auth\.test$/,
    // Slack refuses with HTTP 200 and ok:false: it is test.success that fails.
    refusal: 'with 200 OK but not test.success (response.status == 200 and response.body.ok == true): invalid_auth',
  },
};

let dir: string;
let store: SqliteStateStore;
const sandboxes: Record<string, SandboxHandle> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-connection-tests-'));
  store = new SqliteStateStore({ dir, secretBox: async () => new SecretBox(Buffer.alloc(32, 7)) });
  await store.migrate();
  const connections: Record<string, object> = {};
  for (const [name, c] of Object.entries(cases)) {
    const sandbox = (sandboxes[name] = await c.start());
    const config = typeof c.config === 'function' ? c.config(sandbox.url) : c.config;
    const base = { type: 'http', connector: name, base_url: sandbox.url, ...(config ? { config } : {}) };
    connections[`${name}_good`] = { ...base, auth: c.auth(c.secret) };
    connections[`${name}_wrong`] = { ...base, auth: c.auth(WRONG) };
  }
  await writeFile(join(dir, 'sluice.yaml'), `version: 1\nstate: .sluice\nconnections: ${JSON.stringify(connections)}\n`);
});

afterAll(async () => {
  await store.close();
  await Promise.all(Object.values(sandboxes).map((s) => s.close()));
  await rm(dir, { recursive: true, force: true });
});

describe('built-in connectors test the credentials', () => {
  it('every built-in declares test:, but the ones that say why not', async () => {
    const { readdir } = await import('node:fs/promises');
    const names = (await readdir(builtinConnectorsDir())).filter((f) => f.endsWith('.yaml') && !f.endsWith('.test.yaml')).map((f) => f.slice(0, -'.yaml'.length));
    for (const name of names) {
      const { connector } = await readConnectorSpec(join(builtinConnectorsDir(), `${name}.yaml`));
      if (name in untested) expect(connector!.spec.test, name).toBeUndefined();
      else expect(connector!.spec.test, name).toBeDefined();
    }
    expect(names.filter((n) => !(n in untested)).sort()).toEqual(Object.keys(cases).sort());
  });

  it.each(Object.keys(cases))('%s: the sandbox credential passes its test request', async (name) => {
    const loaded = await loadProject({ project: dir });
    const result = await testConnection(loaded, store, `${name}_good`);
    expect(result).toMatchObject({ ok: true, verified: true, message: expect.stringContaining('accepted the') });
    expect(sandboxes[name]!.requests().some((r) => cases[name]!.path.test(r.path))).toBe(true);
  });

  it.each(Object.keys(cases))('%s: a wrong credential fails with the API\'s message', async (name) => {
    const loaded = await loadProject({ project: dir });
    const result = await testConnection(loaded, store, `${name}_wrong`);
    expect(result).toMatchObject({ ok: false, verified: false });
    expect(result.message).toContain(cases[name]!.refusal);
    expect(result.message).not.toContain(WRONG);
  });
});
