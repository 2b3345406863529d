import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { didYouMean } from '../../config/closest-match.js';
import { ConfigError } from '../../config/config-error.js';
import type { ConnectorSpec, Endpoint } from '../../config/connector-schema.js';
import { displayPath } from '../../config/display-path.js';
import { loadConnectorSpec, loadProject } from '../../config/load-project.js';
import { connectionSchema } from '../../config/project-schema.js';
import { openHttpConnection, type HttpConnection, type HttpConnectionConfig } from '../../connectors/open-http-connection.js';
import { compileEndpoint } from '../../connectors/endpoint/compile-endpoint.js';
import { endpointSample, sampleItem, type EndpointSample } from '../../connectors/endpoint/endpoint-sample.js';
import { loadTestCases, testCasesFile } from '../../connectors/test-cases/load-test-cases.js';
import { appendTestCase, recordedCase } from '../../connectors/test-cases/record-test-case.js';
import type { DeliveryResult } from '../../rows/delivery-item.js';
import { createHttpDestination } from '../../destinations/http-destination.js';
import type { HttpResponse } from '../../http/http-response.js';
import { Redactor } from '../../log/redactor.js';
import type { StateStore } from '../../state/state-store.js';
import { deliverItems } from '../../sync/deliver-items.js';
import { lookUpRemoteIds } from '../../sync/look-up-remote-ids.js';
import { ExitCode, type CommandContext } from '../command-context.js';

/**
 * Arguments of `sluice connector test SPEC ENDPOINT (--sample FILE | --row JSON) [--connection NAME] [--send | --record
 * [--name CASE]]`.
 */
export interface ConnectorTestArgs {
  spec: string;
  endpoint: string;
  /** A JSON file with the sample row(s). */
  sample?: string;
  /** The sample row(s) as JSON text, instead of a file. */
  row?: string;
  connection?: string;
  send: boolean;
  /** Send one request and append the exchange to the spec's cases file as a case (secrets redacted). */
  record?: boolean;
  /** The recorded case's name (default: the endpoint and the time). */
  name?: string;
  /** With --record: the row field holding each row's key (endpoints that match results to rows by it). */
  key?: string;
}

/** The most characters `--row` takes: a sample is a few rows. */
const MAX_ROW_CHARS = 1024 * 1024;

/** What the command prints with `--json`. */
interface TestReport {
  ok: boolean;
  endpoint: string;
  operation: Endpoint['operation'];
  requests: { keys: string[]; curl: string; error?: string }[];
  responses?: { keys: string[]; status: number; headers: Record<string, string>; body: unknown; ms: number }[];
  results?: { key: string; ok: boolean; remote_id?: string | null; error?: string }[];
}

const oauthKinds = new Set(['oauth2', 'oauth2_client_credentials']);

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The sample file (or `--row` text): one row, an array of rows, or wrappers `{ row, record: { id }, key }`. */
async function readSamples(file: string | undefined, row: string | undefined): Promise<{ samples: EndpointSample[]; entries: Record<string, unknown>[] }> {
  let data: unknown;
  if (row !== undefined) {
    if (row.length > MAX_ROW_CHARS) throw new ConfigError([{ file: '--row', path: '', message: `the row is ${row.length} characters, more than the ${MAX_ROW_CHARS} it may be` }]);
    try {
      data = JSON.parse(row) as unknown;
    } catch (e) {
      throw new ConfigError([{ file: '--row', path: '', message: `not JSON: ${(e as Error).message}` }]);
    }
    file = '--row';
  } else {
    try {
      data = JSON.parse(await readFile(file!, 'utf8')) as unknown;
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (e as Error).message;
      throw new ConfigError([{ file: displayPath(file!), path: '', message: `cannot read the sample: ${why}` }]);
    }
  }
  const list = Array.isArray(data) ? data : [data];
  const where = file === '--row' ? file : displayPath(file!);
  if (list.length === 0) throw new ConfigError([{ file: where, path: '', message: 'the sample holds no row' }]);
  const entries = list.map((entry, i) => {
    if (!isObject(entry)) throw new ConfigError([{ file: where, path: `[${i}]`, message: 'a sample row is a JSON object' }]);
    return entry;
  });
  return { samples: entries.map((entry, i) => endpointSample(entry, i)), entries };
}

/** The connection to test with: the project's (config and credentials) or one made of the spec's defaults. */
async function openConnection(
  args: ConnectorTestArgs,
  ctx: CommandContext,
  spec: ConnectorSpec,
  specFile: string,
): Promise<{ http: HttpConnection; store?: StateStore; credentials: boolean }> {
  if (args.connection !== undefined) {
    const loaded = await loadProject({ project: ctx.project });
    const connection = loaded.project.connections[args.connection];
    if (!connection || connection.type !== 'http') {
      const names = Object.entries(loaded.project.connections).filter(([, c]) => c.type === 'http').map(([n]) => n);
      const why = connection ? `connection "${args.connection}" is a ${connection.type} connection, not http` : `no connection named "${args.connection}"${didYouMean(args.connection, names)}`;
      throw new ConfigError([{ file: displayPath(loaded.file), path: 'connections', message: `${why}${names.length ? ` (http connections: ${names.join(', ')})` : ''}` }]);
    }
    let store: StateStore | undefined;
    if (oauthKinds.has(connection.auth.type)) {
      const { openStateStore } = await import('../../state/open-state-store.js');
      store = await openStateStore({ state: loaded.project.state, projectDir: loaded.dir });
    }
    const http = await openHttpConnection({ name: args.connection, connection, spec, store, redactor: loaded.redactor, file: displayPath(loaded.file) });
    return { http, store, credentials: connection.auth.type !== 'none' };
  }
  // No connection: the spec's config defaults, and no credential (shown requests carry none).
  const connection = connectionSchema.parse({ type: 'http', connector: args.spec }) as HttpConnectionConfig;
  const needsAuth = !spec.auth.some((a) => a.type === 'none');
  if (needsAuth && args.send) {
    throw new ConfigError([
      {
        file: displayPath(specFile),
        path: 'auth',
        message: `connector ${spec.name} needs credentials (${spec.auth.map((a) => a.type).join(', ')}): give --connection NAME to send`,
      },
    ]);
  }
  const usable = needsAuth ? { ...spec, auth: [{ type: 'none' as const }] } : spec;
  try {
    const http = await openHttpConnection({ name: spec.name, connection, spec: usable, redactor: new Redactor(), file: displayPath(specFile) });
    return { http, credentials: false };
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const hint = ' (without --connection only the spec\'s config defaults are known: give --connection NAME)';
    throw new ConfigError(e.issues.map((i) => ({ ...i, path: 'config', message: i.message + hint })));
  }
}

function prettyBody(response: HttpResponse): string {
  if (typeof response.body !== 'string') return JSON.stringify(response.body, null, 2);
  return response.text;
}

/** `sluice connector test`: renders an endpoint's request from a sample row as curl (secrets masked); `--send` sends it. */
export async function runConnectorTest(args: ConnectorTestArgs, ctx: CommandContext): Promise<number> {
  const { file: specFile, spec } = await loadConnectorSpec(args.spec, process.cwd());
  const endpoint = spec.endpoints[args.endpoint];
  if (!endpoint) {
    const names = Object.keys(spec.endpoints);
    throw new ConfigError([
      {
        file: displayPath(specFile),
        path: 'endpoints',
        message: `no endpoint "${args.endpoint}" in connector ${spec.name}${didYouMean(args.endpoint, names)}${names.length ? ` (endpoints: ${names.join(', ')})` : ''}`,
      },
    ]);
  }
  const { samples, entries } = await readSamples(args.sample === undefined ? undefined : resolve(args.sample), args.row);
  const { http, store, credentials } = await openConnection({ ...args, send: args.send || Boolean(args.record) }, ctx, spec, specFile);
  const mask = (text: string): string => http.redactor.mask(text);
  try {
    if (args.record) return await recordCase({ args, ctx, spec, specFile, endpoint, http, samples, entries });
    const operation = endpoint.operation;
    const items = samples.map((s) => sampleItem(endpoint, s));
    const responses: NonNullable<TestReport['responses']> = [];
    const destination = createHttpDestination({
      connection: http,
      endpoints: { [operation]: args.endpoint },
      onResponse: (response, keys) =>
        responses.push({ keys, status: response.status, headers: http.redactor.maskValue(response.headers), body: http.redactor.maskValue(response.body), ms: Math.round(response.durationMs) }),
    });

    // The requests, rendered by the same code a run uses.
    const previews = await destination.preview(items, { lookup: operation === 'lookup' });
    const report: TestReport = {
      ok: previews.every((p) => !p.error),
      endpoint: args.endpoint,
      operation,
      requests: previews.map((p) => ({ keys: p.keys, curl: p.text, ...(p.error ? { error: p.error } : {}) })),
    };

    if (args.send) {
      let results: DeliveryResult[];
      if (operation === 'lookup') {
        const found = await lookUpRemoteIds(destination, items);
        results = items.map((i) => ({ key: i.key, ok: true, remoteId: found.get(i.key) ?? null }));
      } else {
        results = await deliverItems(destination, items);
      }
      report.responses = responses;
      report.results = results.map((r) => ({
        key: r.key,
        ok: r.ok,
        ...(r.remoteId !== undefined ? { remote_id: r.remoteId } : {}),
        ...(r.error ? { error: mask(r.error) } : {}),
      }));
      report.ok = results.every((r) => r.ok);
    }

    if (ctx.json) {
      ctx.stdout.write(JSON.stringify(report) + '\n');
    } else {
      const out: string[] = [];
      const shape = endpoint.request === 'batch' ? 'batch' : 'single';
      out.push(`# ${spec.name}.${args.endpoint} (${operation}, ${shape}) with ${samples.length} sample row${samples.length === 1 ? '' : 's'}`);
      if (!credentials) out.push('# no credentials: give --connection NAME to send with a connection\'s auth');
      for (const r of report.requests) {
        out.push('', `# ${r.keys.length === 1 ? 'row' : 'rows'} ${r.keys.join(', ')}`);
        out.push(r.error ? `# not sent: ${r.error}` : r.curl);
      }
      for (const r of report.responses ?? []) {
        out.push('', `# response for ${r.keys.join(', ')}: ${r.status} in ${r.ms} ms`);
        for (const [name, value] of Object.entries(r.headers)) out.push(`${name}: ${value}`);
        out.push('');
        const response = { body: r.body, text: typeof r.body === 'string' ? r.body : '' } as HttpResponse;
        out.push(prettyBody(response));
      }
      if (report.results) {
        out.push('');
        for (const r of report.results) {
          out.push(r.ok ? `ok ${r.key}${r.remote_id ? ` (remote id ${r.remote_id})` : ''}` : `rejected ${r.key}: ${r.error}`);
        }
      }
      ctx.stdout.write(mask(out.join('\n')) + '\n');
    }
    return report.ok ? ExitCode.ok : ExitCode.runFailed;
  } finally {
    await http.close();
    await store?.close();
  }
}

/** `--record`: sends one request live, reads it as a run would, and appends the exchange to the spec's cases file. */
async function recordCase(options: {
  args: ConnectorTestArgs;
  ctx: CommandContext;
  spec: ConnectorSpec;
  specFile: string;
  endpoint: Endpoint;
  http: HttpConnection;
  samples: EndpointSample[];
  entries: Record<string, unknown>[];
}): Promise<number> {
  const { args, ctx, spec, specFile, endpoint, http, samples, entries } = options;
  const file = testCasesFile(specFile);
  // A cases file that does not load now would not load after the append either: say so before sending anything.
  if (await stat(file).then(() => true, () => false)) await loadTestCases(file, spec);
  if (endpoint.job) {
    // A job is several requests (create, the batch, polls, results): one recorded exchange cannot replay it.
    throw new ConfigError([
      { file: '--record', path: '', message: `endpoint ${args.endpoint} writes through a job, and --record keeps one request: send it with --send, and write its case with responses (the answer to each of the job's requests)` },
    ]);
  }
  const compiled = compileEndpoint(http, args.endpoint, endpoint);
  if (samples.length > compiled.batchSize) {
    throw new ConfigError([
      { file: '--record', path: '', message: `a case records one request, and endpoint ${args.endpoint} takes ${compiled.batchSize} row${compiled.batchSize === 1 ? '' : 's'} a request: give at most ${compiled.batchSize}` },
    ]);
  }
  const keyOf = (s: EndpointSample): EndpointSample => {
    const value = args.key === undefined ? undefined : s.row[args.key];
    return value === undefined || value === null ? s : { ...s, key: String(value) };
  };
  const items = samples.map((s) => sampleItem(endpoint, keyOf(s)));
  const rendered = compiled.render(items);
  const fail = (message: string): number => {
    const text = http.redactor.mask(message);
    ctx.stdout.write(ctx.json ? JSON.stringify({ ok: false, error: text }) + '\n' : `nothing recorded: ${text}\n`);
    return ExitCode.runFailed;
  };
  if (!rendered.request) return fail([...(rendered.errors ?? [])].map(([i, e]) => `row ${items[i]!.key}: ${e}`).join('; ') || 'no row renders');
  const outcome = await compiled.send(rendered.request);
  if (!outcome.response) return fail(outcome.ok ? 'no response' : outcome.error);
  let results: DeliveryResult[];
  try {
    if (endpoint.operation === 'lookup') {
      const item = rendered.sent[0]!;
      results = [{ key: item.key, ok: true, remoteId: compiled.found(outcome, item) }];
    } else {
      results = await compiled.read(outcome, rendered);
    }
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    results = items.map((i) => ({ key: i.key, ok: false, error: `the run stops: ${message}` }));
  }
  // Config a case needs to render (a store hash in the base URL), never a secret one.
  const config: Record<string, string | number | boolean> = {};
  for (const [name, value] of Object.entries(http.config)) {
    const field = spec.config[name];
    if (field && !field.secret && value !== field.default) config[name] = value;
  }
  const name = args.name ?? `${args.endpoint} recorded ${new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')}`;
  const testCase = recordedCase(name, { endpoint: args.endpoint, key: args.key, rows: entries, config, request: rendered.request, response: outcome.response, results }, spec, http.redactor);
  const saved = await appendTestCase(file, testCase, http.redactor);
  const summary = `${outcome.response.status}, ${results.filter((r) => r.ok).length} of ${results.length} row${results.length === 1 ? '' : 's'} ok`;
  ctx.stdout.write(
    ctx.json
      ? JSON.stringify({ ok: true, file: displayPath(file), case: saved, status: outcome.response.status }) + '\n'
      : `recorded case "${saved}" in ${displayPath(file)} (${summary}); run the cases: sluice connector test ${args.spec} --cases\n`,
  );
  return ExitCode.ok;
}
