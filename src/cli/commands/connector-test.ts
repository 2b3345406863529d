import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { didYouMean } from '../../config/closest-match.js';
import { ConfigError } from '../../config/config-error.js';
import type { ConnectorSpec, Endpoint } from '../../config/connector-schema.js';
import { displayPath } from '../../config/display-path.js';
import { loadConnectorSpec, loadProject } from '../../config/load-project.js';
import { connectionSchema } from '../../config/project-schema.js';
import { openHttpConnection, type HttpConnection, type HttpConnectionConfig } from '../../connectors/open-http-connection.js';
import { endpointSample, sampleItem, type EndpointSample } from '../../connectors/endpoint/endpoint-sample.js';
import type { DeliveryResult } from '../../rows/delivery-item.js';
import { createHttpDestination } from '../../destinations/http-destination.js';
import type { HttpResponse } from '../../http/http-response.js';
import { Redactor } from '../../log/redactor.js';
import type { StateStore } from '../../state/state-store.js';
import { deliverItems } from '../../sync/deliver-items.js';
import { lookUpRemoteIds } from '../../sync/look-up-remote-ids.js';
import { ExitCode, type CommandContext } from '../command-context.js';

/** Arguments of `sluice connector test SPEC ENDPOINT --sample FILE [--connection NAME] [--send]`. */
export interface ConnectorTestArgs {
  spec: string;
  endpoint: string;
  sample: string;
  connection?: string;
  send: boolean;
}

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

/** The sample file: one row, an array of rows, or wrappers `{ row, record: { id }, key }`. */
async function readSamples(file: string): Promise<EndpointSample[]> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (e as Error).message;
    throw new ConfigError([{ file: displayPath(file), path: '', message: `cannot read the sample: ${why}` }]);
  }
  const list = Array.isArray(data) ? data : [data];
  if (list.length === 0) throw new ConfigError([{ file: displayPath(file), path: '', message: 'the sample holds no row' }]);
  return list.map((entry, i) => {
    if (!isObject(entry)) throw new ConfigError([{ file: displayPath(file), path: `[${i}]`, message: 'a sample row is a JSON object' }]);
    return endpointSample(entry, i);
  });
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
  const samples = await readSamples(resolve(args.sample));
  const { http, store, credentials } = await openConnection(args, ctx, spec, specFile);
  const mask = (text: string): string => http.redactor.mask(text);
  try {
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
