import { getGlobalDispatcher, MockAgent, setGlobalDispatcher } from 'undici';
import type { ConnectorSpec, Endpoint } from '../../config/connector-schema.js';
import { connectionSchema } from '../../config/project-schema.js';
import { Redactor } from '../../log/redactor.js';
import type { DeliveryResult } from '../../rows/delivery-item.js';
import { createHttpStreamSource } from '../../sources/http-stream-source.js';
import type { StateStore } from '../../state/state-store.js';
import { compileEndpoint } from '../endpoint/compile-endpoint.js';
import { writeJob } from '../job/write-job.js';
import { endpointSample, sampleItem } from '../endpoint/endpoint-sample.js';
import { openHttpConnection, type HttpConnection, type HttpConnectionConfig } from '../open-http-connection.js';
import { childPath, compareValues, formatDifferences, type Difference } from './compare-values.js';
import { ReplayClient, ReplayExhausted, type ReplayedRequest } from './replay-client.js';
import type { ConnectorTests, EndpointCase, ExpectedRequest, RecordedResponse, StreamCase, TestCase } from './test-cases-schema.js';

/** The outcome of one case: passed, or the differences found (one readable line each). */
export interface CaseOutcome {
  name: string;
  ok: boolean;
  /** `path: expected X, got Y` lines, or why the case could not run. */
  differences: string[];
}

/** The run every case renders with: fixed, so templates reading run.id or run.started_at give the same text each time. */
export const TEST_RUN = { id: 'test', started_at: '2026-01-01T00:00:00.000Z' };

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Runs a connector's cases offline: requests are rendered by the code a run renders with, recorded responses are read
 * by the code a run reads results with, and stream pages go through the paginator a run uses. Nothing is sent: the
 * connection's client is a replay of the recorded responses, and any other request (a token call) meets a dispatcher
 * that refuses every connection.
 */
export async function runTestCases(options: { spec: ConnectorSpec; specRef: string; tests: ConnectorTests }): Promise<CaseOutcome[]> {
  const previous = getGlobalDispatcher();
  const refusing = new MockAgent();
  refusing.disableNetConnect();
  setGlobalDispatcher(refusing);
  try {
    const outcomes: CaseOutcome[] = [];
    for (const c of options.tests.cases) outcomes.push(await runCase(options.spec, options.specRef, options.tests.config, c));
    return outcomes;
  } finally {
    setGlobalDispatcher(previous);
    await refusing.close();
  }
}

async function runCase(spec: ConnectorSpec, specRef: string, config: ConnectorTests['config'], c: TestCase): Promise<CaseOutcome> {
  const responses = 'stream' in c ? c.pages : c.responses ?? (c.response ? [c.response] : []);
  let opened: { http: HttpConnection; replay: ReplayClient; close: () => Promise<void> };
  try {
    opened = await openReplayConnection(spec, specRef, { ...config, ...c.config }, responses);
  } catch (e) {
    return { name: c.name, ok: false, differences: [`cannot open the connector: ${messageOf(e)}`] };
  }
  try {
    const differences = 'stream' in c ? await runStreamCase(opened.http, opened.replay, spec, c) : await runEndpointCase(opened.http, spec, c);
    return { name: c.name, ok: differences.length === 0, differences };
  } catch (e) {
    return { name: c.name, ok: false, differences: [messageOf(e)] };
  } finally {
    await opened.close();
  }
}

/** The connector bound to a connection made of the case's config, without credentials, whose client replays `responses`. */
async function openReplayConnection(
  spec: ConnectorSpec,
  specRef: string,
  config: Record<string, string | number | boolean>,
  responses: readonly RecordedResponse[],
): Promise<{ http: HttpConnection; replay: ReplayClient; close: () => Promise<void> }> {
  const connection = connectionSchema.parse({ type: 'http', connector: specRef, config }) as HttpConnectionConfig;
  const redactor = new Redactor();
  // Cases carry no credentials: the auth is none, so nothing (a token call included) is ever fetched.
  const http = await openHttpConnection({ name: spec.name, connection, spec: { ...spec, auth: [{ type: 'none' }] }, redactor, run: TEST_RUN });
  const replay = new ReplayClient(spec, responses, redactor);
  return {
    http: { ...http, client: replay },
    replay,
    close: async () => {
      await replay.close();
      await http.close();
    },
  };
}

async function runEndpointCase(http: HttpConnection, spec: ConnectorSpec, c: EndpointCase): Promise<string[]> {
  const endpoint: Endpoint = spec.endpoints[c.endpoint]!;
  const compiled = compileEndpoint(http, c.endpoint, endpoint);
  const entries = c.rows ?? [c.row!];
  const items = entries.map((entry, i) => {
    const sample = endpointSample(entry, i);
    const keyed = c.key !== undefined && sample.row[c.key] !== undefined && sample.row[c.key] !== null;
    return sampleItem(endpoint, keyed ? { ...sample, key: String(sample.row[c.key!]) } : sample);
  });
  if ((c.response || c.responses) && items.length > compiled.batchSize) {
    const what = compiled.batchSize === 1 ? 'sends one row a request' : `sends ${compiled.batchSize} rows a request (batch.size)`;
    return [`rows: a response case replays one request, and endpoint ${c.endpoint} ${what}: give at most ${compiled.batchSize} row${compiled.batchSize === 1 ? '' : 's'}`];
  }
  const rendered = compiled.render(items.slice(0, compiled.batchSize));
  const differences: Difference[] = [];
  const notRendered = [...(rendered.errors ?? [])].map(([i, error]) => `row ${items[i]!.key}: ${error}`);
  if (c.request) {
    if (!rendered.request) return [`request: expected a request, got none (${notRendered.join('; ') || 'no row renders'})`];
    compareRequest(c.request, asReplayed(rendered.request), '', differences);
  }
  if (endpoint.job && c.responses && c.results) {
    // A job's requests replay the recorded answers in turn; its polls are not waited for.
    let actual: DeliveryResult[];
    try {
      actual = await writeJob({ connection: http, name: c.endpoint, endpoint, items: items.slice(0, compiled.batchSize), sleep: () => Promise.resolve() });
    } catch (e) {
      if (e instanceof ReplayExhausted) return [`responses: the job sent another request: ${e.message}`];
      actual = items.map((i) => ({ key: i.key, ok: false, error: `the run stops: ${messageOf(e)}` }));
    }
    compareResults(c.results, actual, differences);
  } else if (c.response && c.results) {
    let actual: DeliveryResult[];
    if (!rendered.request) {
      actual = await compiled.read(undefined, rendered);
    } else {
      const outcome = await compiled.send(rendered.request);
      try {
        if (endpoint.operation === 'lookup') {
          const item = rendered.sent[0]!;
          actual = [{ key: item.key, ok: true, remoteId: compiled.found(outcome, item) }];
        } else {
          actual = await compiled.read(outcome, rendered);
        }
      } catch (e) {
        // The run would stop here (a `fail` answer, a response template that cannot run): every row says so.
        actual = items.map((i) => ({ key: i.key, ok: false, error: `the run stops: ${messageOf(e)}` }));
      }
    }
    compareResults(c.results, actual, differences);
  }
  return formatDifferences(differences);
}

function compareResults(expected: NonNullable<EndpointCase['results']>, actual: readonly DeliveryResult[], out: Difference[]): void {
  const shown = (r: DeliveryResult | undefined, e: (typeof expected)[number] | undefined): Record<string, unknown> | undefined => {
    if (!r) return undefined;
    return {
      key: r.key,
      ok: r.ok,
      ...(e?.remote_id !== undefined ? { remote_id: r.remoteId ?? null } : {}),
      ...(r.error !== undefined ? { error: r.error } : {}),
    };
  };
  const want = expected.map((e, i) => ({
    key: e.key ?? actual[i]?.key ?? String(i + 1),
    ok: e.ok ?? e.error === undefined,
    ...(e.remote_id !== undefined ? { remote_id: e.remote_id } : {}),
    ...(e.error !== undefined ? { error: e.error } : {}),
  }));
  compareValues(want, actual.map((r, i) => shown(r, expected[i])), 'results', out);
}

async function runStreamCase(http: HttpConnection, replay: ReplayClient, spec: ConnectorSpec, c: StreamCase): Promise<string[]> {
  const values = new Map<string, string>();
  const cursorName = 'cursor';
  if (c.cursor !== undefined) values.set(cursorName, String(c.cursor));
  // The stream reads and keeps only its cursor: a map stands for the state store.
  const store = {
    getValue: (name: string) => Promise.resolve(values.get(name) ?? null),
    setValue: (name: string, value: string) => Promise.resolve(void values.set(name, value)),
  } as unknown as StateStore;
  const source = createHttpStreamSource({
    http, stream: spec.streams[c.stream]!, streamName: c.stream, store, cursorName, full: c.cursor === undefined, sleep: () => Promise.resolve(),
  });
  const records: unknown[] = [];
  let error: string | undefined;
  try {
    for await (const page of source.read()) records.push(...page);
  } catch (e) {
    if (e instanceof ReplayExhausted) return [`pages: the stream asked for another page: ${e.message}`];
    error = messageOf(e);
  }
  const differences: Difference[] = [];
  if (c.error !== undefined || error !== undefined) compareValues(c.error, error, 'error', differences);
  if (c.records !== undefined && error === undefined) compareValues(c.records, records, 'records', differences);
  if (c.requests !== undefined) {
    c.requests.forEach((expected, i) => {
      const actual = replay.requests[i];
      if (!actual) differences.push({ path: `requests[${i}]`, expected: describeExpected(expected), actual: undefined });
      else compareRequest(expected, actual, `requests[${i}]`, differences);
    });
    for (let i = c.requests.length; i < replay.requests.length; i++) {
      differences.push({ path: `requests[${i}]`, expected: undefined, actual: `${replay.requests[i]!.method} ${replay.requests[i]!.url}` });
    }
  }
  if (error === undefined && replay.answered < c.pages.length) {
    differences.push({ path: 'pages', expected: `${c.pages.length} pages read`, actual: `the read stopped after page ${replay.answered}` });
  }
  return formatDifferences(differences);
}

function describeExpected(expected: ExpectedRequest): string {
  return [expected.method, expected.url ?? expected.path].filter(Boolean).join(' ') || 'a request';
}

function asReplayed(request: { method: string; url: string; headers: Record<string, string>; body?: string | Uint8Array | null }): ReplayedRequest {
  const body = request.body === undefined || request.body === null ? null : typeof request.body === 'string' ? request.body : Buffer.from(request.body).toString('utf8');
  return { method: request.method.toUpperCase(), url: request.url, headers: request.headers, body };
}

/** Compares the parts of a request a case gives: method, url or path and query, the headers listed, the body. */
export function compareRequest(expected: ExpectedRequest, actual: ReplayedRequest, path: string, out: Difference[]): void {
  const at = (key: string) => childPath(path, key);
  if (expected.method !== undefined && expected.method.toUpperCase() !== actual.method) out.push({ path: at('method'), expected: expected.method.toUpperCase(), actual: actual.method });
  if (expected.url !== undefined && expected.url !== actual.url) out.push({ path: at('url'), expected: expected.url, actual: actual.url });
  let url: URL | undefined;
  try {
    url = new URL(actual.url);
  } catch {
    url = undefined;
  }
  if (expected.path !== undefined && expected.path !== url?.pathname) out.push({ path: at('path'), expected: expected.path, actual: url?.pathname ?? actual.url });
  if (expected.query !== undefined) {
    const want = Object.fromEntries(Object.entries(expected.query).map(([k, v]) => [k, String(v)]));
    const got: Record<string, string | string[]> = {};
    for (const [k, v] of url?.searchParams ?? []) {
      const before = got[k];
      got[k] = before === undefined ? v : Array.isArray(before) ? [...before, v] : [before, v];
    }
    compareValues(want, got, at('query'), out);
  }
  if (expected.headers !== undefined) {
    const lower = new Map(Object.entries(actual.headers).map(([k, v]) => [k.toLowerCase(), v]));
    for (const [name, value] of Object.entries(expected.headers)) {
      const got = lower.get(name.toLowerCase());
      const where = `${at('headers')}[${JSON.stringify(name)}]`;
      if (value === '****' ? got === undefined : got !== value) out.push({ path: where, expected: value, actual: got });
    }
  }
  if (expected.body !== undefined) compareBody(expected.body, actual.body, at('body'), out);
}

function compareBody(expected: unknown, actual: string | null, path: string, out: Difference[]): void {
  if (expected === null || typeof expected === 'string') {
    if (expected !== actual) out.push({ path, expected, actual: actual ?? null });
    return;
  }
  if (actual === null) {
    out.push({ path, expected, actual: null });
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(actual) as unknown;
  } catch {
    out.push({ path, expected, actual: `${actual.length > 80 ? actual.slice(0, 80) + '...' : actual} (not JSON)` });
    return;
  }
  if (isObject(expected) || Array.isArray(expected)) compareValues(expected, parsed, path, out);
  else if (expected !== parsed) out.push({ path, expected, actual: parsed });
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
