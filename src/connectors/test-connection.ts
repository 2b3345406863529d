import type { ConnectionTestResult } from '../api/connections.js';
import { endpointSchema, type ConnectorSpec } from '../config/connector-schema.js';
import type { LoadedProject } from '../config/load-project.js';
import { apiMessage } from '../http/api-message.js';
import { statusLine } from '../http/status-line.js';
import type { Classification } from '../http/classification.js';
import type { HttpResponse } from '../http/http-response.js';
import { openHttpConnection, responseVariable, type HttpConnection, type HttpConnectionConfig } from './open-http-connection.js';
import { sendRequest } from './endpoint/send-request.js';
import { renderRequest } from './render-request.js';
import { openSqlDatabase } from '../databases/open-sql-database.js';
import type { StateStore } from '../state/state-store.js';

/**
 * The outcome of testing a connection, in three states: verified (`ok` and `verified`), reachable with its
 * credentials not verified (`ok`, not `verified`: the connector declares no `test:`, or there are no credentials),
 * and failed (not `ok`).
 */
export type { ConnectionTestResult };

/** The text that opens the message of a connection that answered but whose credentials were not checked. */
export const UNVERIFIED = 'reachable; credentials not verified';

type ConnectorTest = NonNullable<ConnectorSpec['test']>;
type Verdict = Pick<ConnectionTestResult, 'ok' | 'verified' | 'message'>;

const DEFAULT_SUCCESS = 'response.status >= 200 and response.status < 300';

/**
 * Tests a connection: a database answers its version (its login checks the credentials); an HTTP connection sends
 * its connector's `test:` request with its credentials (an OAuth token is obtained or refreshed on the way) and
 * checks `test.success`; without `test:` (or without credentials to check) a GET on the base URL only shows it is
 * reachable.
 */
export async function testConnection(loaded: LoadedProject, store: StateStore, name: string): Promise<ConnectionTestResult> {
  const connection = loaded.project.connections[name]!;
  const started = performance.now();
  const done = ({ ok, verified, message }: Verdict): ConnectionTestResult => ({
    ok,
    verified,
    message: loaded.redactor.mask(message),
    ms: Math.round(performance.now() - started),
  });
  try {
    if (connection.type !== 'http') {
      const db = await openSqlDatabase(connection, { projectDir: loaded.dir, redactor: loaded.redactor });
      try {
        return done({ ok: true, verified: true, message: await db.test() });
      } finally {
        await db.close();
      }
    }
    const spec = loaded.connectors[name]!.spec;
    const http = await openHttpConnection({ name, connection, spec, store, redactor: loaded.redactor, networkPolicy: loaded.networkPolicy });
    try {
      // With auth none there is nothing to verify, and the test request may not even exist (a Slack webhook's URL).
      if (spec.test && connection.auth.type !== 'none') return done(await sendTest(http, spec.test, connection));
      const why = spec.test ? 'the connection sends no credentials' : `connector ${spec.name} declares no test: request`;
      return done(await reach(http, connection, why));
    } finally {
      await http.close();
    }
  } catch (e) {
    return done({ ok: false, verified: false, message: e instanceof Error ? e.message : String(e) });
  }
}

/** The connector's `test:` request: an error status or a false `success` fails, with the API's message. */
async function sendTest(http: HttpConnection, test: ConnectorTest, connection: HttpConnectionConfig): Promise<Verdict> {
  const failed = (message: string): Verdict => ({ ok: false, verified: false, message });
  // The request renders like an endpoint's, so query, headers, body and the connector headers behave the same.
  const endpoint = endpointSchema.parse({ operation: 'lookup', method: test.method, path: test.path, query: test.query, headers: test.headers, body: test.body });
  let request;
  try {
    request = renderRequest(endpoint, http.context(), http.renderOptions());
  } catch (e) {
    return failed(`test: ${e instanceof Error ? e.message : String(e)}`);
  }
  const url = new URL(request.url);
  const what = `${request.method} ${url.pathname}`;
  const classify = http.classifier();
  // A test answers at once: a rate limit or a 5xx is reported, not waited out. A 401 still renews an OAuth token.
  const outcome = await sendRequest(http, request, (response): Classification => {
    const c = classify(response);
    return c.action === 'retry' || c.action === 'rate_limited' ? { ...c, action: 'reject' } : c;
  });
  if (!outcome.ok) {
    const refusal = outcome.response && (outcome.response.status === 401 || outcome.response.status === 403) ? outcome.response : undefined;
    if (!refusal) return failed(`${url.host} failed the test request (${what}): ${outcome.error}`);
    const said = apiMessage(refusal, http.errorMessage);
    return failed(`${url.host} refused the credentials (${what}: ${statusLine(refusal.status)})${said ? `: ${said}` : ''}`);
  }
  const { response } = outcome;
  const success = test.success ?? DEFAULT_SUCCESS;
  let passed: boolean;
  try {
    passed = http.templates.evaluate(success, http.context({ response: responseVariable(response) }), 'test.success');
  } catch (e) {
    return failed(`test.success ${JSON.stringify(success)}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!passed) {
    const said = apiMessage(response, http.errorMessage);
    return failed(`${url.host} answered ${what} with ${statusLine(response.status)} but not test.success (${success})${said ? `: ${said}` : ''}`);
  }
  return { ok: true, verified: true, message: `${url.host} accepted the ${connection.auth.type} credentials (${what}: ${statusLine(response.status)})` };
}

/** A GET on the base URL: it answers, so it is reachable; what it says of the credentials proves nothing but a refusal. */
async function reach(http: HttpConnection, connection: HttpConnectionConfig, why: string): Promise<Verdict> {
  const url = http.baseUrl();
  const outcome = await sendRequest(http, { method: 'GET', url, headers: {} }, () => ({ action: 'success' }));
  if (!outcome.ok) return { ok: false, verified: false, message: outcome.error };
  const response: HttpResponse = outcome.response;
  const { status } = response;
  const host = new URL(url).host;
  if (status === 401 || status === 403) {
    const said = apiMessage(response, http.errorMessage);
    return { ok: false, verified: false, message: `${host} refused the credentials (HTTP ${status})${said ? `: ${said}` : ''}` };
  }
  if (status >= 500) return { ok: false, verified: false, message: `${host} answered ${statusLine(status)}` };
  const via = connection.auth.type === 'none' ? 'without credentials' : `with ${connection.auth.type} credentials`;
  return { ok: true, verified: false, message: `${UNVERIFIED}: ${why} (${host} answered HTTP ${status} ${via})` };
}
