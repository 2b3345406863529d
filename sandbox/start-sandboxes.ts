import { demoSeeds } from './demo-seeds.js';

/** A running simulator as the registry sees it. */
export interface RunningSandbox {
  url: string;
  close(): Promise<void>;
}

/** One simulator the registry can start. */
export interface SandboxEntry {
  description: string;
  /** How a connection authenticates against it with the defaults. */
  credentials: string;
  /** Starts it; `demo` seeds example records. Modules load lazily so the CLI starts fast. */
  start(options: { port?: number; demo: boolean }): Promise<RunningSandbox>;
}

/** Every simulator `sluice sandbox` knows, by name. */
export const sandboxRegistry: Record<string, SandboxEntry> = {
  webhook: {
    description: 'a generic webhook sink: stores any JSON sent under /hooks/...',
    credentials: 'none',
    start: async ({ port }) => (await import('./webhook/webhook-sandbox.js')).startWebhookSandbox({ port }),
  },
  backlog: {
    description: 'Backlog API v2 (issues)',
    credentials: 'apiKey=sandbox-api-key (query), or OAuth client sandbox-client / sandbox-secret',
    start: async ({ port }) => (await import('./backlog/backlog-sandbox.js')).startBacklogSandbox({ port }),
  },
  salesforce: {
    description: 'Salesforce REST API (sObjects, collections, SOQL)',
    credentials: 'Bearer sandbox-session-token, or OAuth client sandbox-client / sandbox-secret',
    start: async ({ port, demo }) =>
      (await import('./salesforce/salesforce-sandbox.js')).startSalesforceSandbox({ port, seed: demo ? demoSeeds.salesforce : undefined }),
  },
  hubspot: {
    description: 'HubSpot CRM v3 contacts (batch, 207 multi-status)',
    credentials: 'Bearer sandbox-private-app-token, or OAuth client sandbox-client / sandbox-secret',
    start: async ({ port, demo }) =>
      (await import('./hubspot/hubspot-sandbox.js')).startHubSpotSandbox({ port, seed: demo ? demoSeeds.hubspot : undefined }),
  },
  bigcommerce: {
    description: 'BigCommerce v3 customers (store hash "sandbox")',
    credentials: 'X-Auth-Token: sandbox-access-token',
    start: async ({ port, demo }) =>
      (await import('./bigcommerce/bigcommerce-sandbox.js')).startBigCommerceSandbox({ port, seed: demo ? demoSeeds.bigcommerce : undefined }),
  },
  slack: {
    description: 'Slack incoming webhooks and chat.postMessage',
    credentials: 'Bearer xoxb-sandbox-token; webhooks at /services/T000/B000/XXXX',
    start: async ({ port }) => (await import('./slack/slack-sandbox.js')).startSlackSandbox({ port }),
  },
  oauth: {
    description: 'a generic OAuth 2.0 provider (RFC 6749) with a protected API',
    credentials: 'client sandbox-client / sandbox-secret',
    start: async ({ port }) => (await import('./oauth-provider/oauth-provider.js')).startOAuthProvider({ port }),
  },
  bigquery: {
    description: 'BigQuery REST v2 (jobs.query over DuckDB, project sluice-test)',
    credentials: 'Bearer test-token',
    start: async ({ port }) => (await import('./bigquery/bigquery-simulator.js')).startBigQuerySimulator({ port }),
  },
  kintone: {
    description: 'kintone REST API records of app 1 (add, update, upsert; query and cursor reads)',
    credentials: 'X-Cybozu-API-Token: sandbox-api-token',
    start: async ({ port }) => (await import('./kintone/kintone-sandbox.js')).startKintoneSandbox({ port }),
  },
  intercom: {
    description: 'Intercom REST API contacts (create, update, delete, search, cursor lists)',
    credentials: 'Bearer sandbox-intercom-token',
    start: async ({ port }) => (await import('./intercom/intercom-sandbox.js')).startIntercomSandbox({ port }),
  },
  marketo: {
    description: 'Marketo REST API leads (identity tokens, push of 300 with per-lead status, static lists)',
    credentials: 'oauth2_client_credentials sandbox-client / sandbox-secret; instance_url is the sandbox URL',
    start: async ({ port }) => (await import('./marketo/marketo-sandbox.js')).startMarketoSandbox({ port }),
  },
  'google-sheets': {
    description: 'Google Sheets API v4 values (append, batchUpdate, get) and a service-account token endpoint',
    credentials: 'jwt: the service-account key file at GET /sandbox-service-account.json; spreadsheet sandbox-spreadsheet',
    start: async ({ port }) => (await import('./google-sheets/google-sheets-sandbox.js')).startGoogleSheetsSandbox({ port }),
  },
  mailchimp: {
    description: 'Mailchimp Marketing API 3.0 audience members (PUT by subscriber hash, batch subscribe, lists)',
    credentials: 'Basic any user name, password sandbox-key-us6; audience sandbox-list',
    start: async ({ port }) => (await import('./mailchimp/mailchimp-sandbox.js')).startMailchimpSandbox({ port }),
  },
  zendesk: {
    description: 'Zendesk Support users (create_or_update_many jobs, job_statuses, cursor-paged lists)',
    credentials: 'Basic agent@sandbox.example/token with sandbox-zendesk-token, or Bearer sandbox-zendesk-token',
    start: async ({ port }) => (await import('./zendesk/zendesk-sandbox.js')).startZendeskSandbox({ port }),
  },
  'graphql-crm': {
    description: 'a CRM with a GraphQL API (POST /graphql: contacts with Relay cursor paging, bulk upsert with per-input userErrors)',
    credentials: 'Bearer sandbox-graphql-token',
    start: async ({ port }) => (await import('./graphql-crm/graphql-crm-sandbox.js')).startGraphQLCrmSandbox({ port }),
  },
};

/** Simulators started together. */
export interface StartedSandboxes {
  /** Base URL of each simulator, by name, in start order. */
  urls: Record<string, string>;
  sandboxes: Record<string, RunningSandbox>;
  /** Stops every simulator. */
  close(): Promise<void>;
}

/** Starts the named simulators (all when none named) on loopback; `port` is the first port, the next ones follow. */
export async function startSandboxes(names: string[] = [], options: { port?: number; demo?: boolean } = {}): Promise<StartedSandboxes> {
  const wanted = names.length > 0 ? [...new Set(names)] : Object.keys(sandboxRegistry);
  const unknown = wanted.filter((n) => !Object.hasOwn(sandboxRegistry, n));
  if (unknown.length > 0) {
    throw new Error(`unknown sandbox ${unknown.map((n) => `"${n}"`).join(', ')}; known: ${Object.keys(sandboxRegistry).join(', ')}`);
  }
  const sandboxes: Record<string, RunningSandbox> = {};
  const close = async () => {
    await Promise.allSettled(Object.values(sandboxes).map((s) => s.close()));
  };
  try {
    for (const [i, name] of wanted.entries()) {
      sandboxes[name] = await sandboxRegistry[name]!.start({ port: options.port === undefined ? undefined : options.port + i, demo: options.demo ?? false });
    }
  } catch (e) {
    await close();
    throw e;
  }
  return { urls: Object.fromEntries(Object.entries(sandboxes).map(([n, s]) => [n, s.url])), sandboxes, close };
}
