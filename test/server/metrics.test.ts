// GET /metrics as Prometheus scrapes it, and a run's notifications as GET /api/runs/:id shows them, on a real server.
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openProjectStore } from '../../src/state/open-project-store.js';
import { startTestApi } from '../connectors/start-test-api.js';
import { readSse, SECRETS, startServerFixture, type ServerFixture } from './server-project.js';

const METRICS_TOKEN = 'metrics-token-2f8c61d0b4';
const OPERATOR_TOKEN = 'operator-token-a4e7915c3d';
const HOOK_SECRET = 'whsec-server-9a0b7c6d5e';

let f: ServerFixture;
let hook: Awaited<ReturnType<typeof startTestApi>>;
let base: string;

beforeAll(async () => {
  hook = await startTestApi();
  f = await startServerFixture({
    rows: 3,
    extra: `    notify:\n      - on: [succeeded]\n        webhook: { url: "${hook.url}/sluice", secret: "${'${env:HOOK_SECRET}'}" }\n`,
    server: {
      operatorToken: OPERATOR_TOKEN,
      env: { ...process.env, SLUICE_SECRET_KEY: '', SLUICE_ALLOWED_HOSTS: '127.0.0.1', SLUICE_METRICS_TOKEN: METRICS_TOKEN, HOOK_SECRET },
    },
  }).catch(async (e: unknown) => {
    await hook.close();
    throw e;
  });
  await f.server.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(f.server.app.server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await f?.close();
  await hook?.close();
});

/** The samples of an exposition text, each line read by the format's rules (label values unescaped). */
function samples(exposition: string): { name: string; labels: Record<string, string>; value: number }[] {
  return exposition
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [, name, labelText, value] = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$/.exec(line)!;
      const labels: Record<string, string> = {};
      for (const m of labelText!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
        labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      }
      return { name: name!, labels, value: value === '+Inf' ? Infinity : Number(value) };
    });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function send(method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const response = await fetch(base + path, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

// First: /metrics answers from a cache for a few seconds, and these tests read it after the runs.
describe('runs as metrics and notifications', () => {
  let families: Map<string, ParsedFamily>;
  let text: string;
  let runIds: string[];

  beforeAll(async () => {
    runIds = [];
    for (let i = 0; i < 2; i++) {
      const started = await send('POST', '/api/syncs/orders_to_sink/runs', bearer(OPERATOR_TOKEN), {});
      const runId = (JSON.parse(started.text) as { runId: string }).runId;
      const response = await fetch(`${base}/api/runs/${runId}/events`, { headers: bearer(OPERATOR_TOKEN) });
      await readSse(response);
      runIds.push(runId);
    }
    // A run of another process, named with the characters a label value escapes, still running.
    const store = await openProjectStore(`${f.dir}/sluice.yaml`, { env: { ...process.env, SLUICE_SECRET_KEY: '' } });
    await store.createRun({ kind: 'sync', name: 'odd "name"\\with\nlines', trigger: 'cli' });
    await store.close();
    const answer = await send('GET', '/metrics', bearer(METRICS_TOKEN));
    text = answer.text;
    families = new Map(parsePrometheusTextFormat(text).map((family) => [family.name, family]));
  });

  const sample = (family: string, labels: Record<string, string>) =>
    families.get(family)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));

  it('counts runs by sync and status, rows by outcome, and the running ones', () => {
    expect(families.get('sluice_runs_total')?.type).toBe('COUNTER');
    expect(sample('sluice_runs_total', { kind: 'sync', name: 'orders_to_sink', status: 'succeeded' })?.value).toBe('2');
    expect(families.get('sluice_rows_total')?.type).toBe('COUNTER');
    // The first run delivered the 3 orders; the second found them unchanged.
    expect(sample('sluice_rows_total', { name: 'orders_to_sink', outcome: 'delivered' })?.value).toBe('3');
    expect(sample('sluice_rows_total', { name: 'orders_to_sink', outcome: 'failed' })?.value).toBe('0');
    expect(families.get('sluice_runs_running')?.type).toBe('GAUGE');
    expect(sample('sluice_runs_running', { name: 'orders_to_sink' })?.value).toBe('0');
    expect(sample('sluice_runs_running', { name: 'odd "name"\\with\nlines' })?.value).toBe('1');
  });

  // parse-prometheus-text-format folds every series of a histogram into one, labels dropped: the histogram's lines are
  // read here, by the exposition format's rules, instead.
  it('keeps a duration histogram per sync, its buckets cumulative up to the count', () => {
    expect(families.get('sluice_run_duration_seconds')?.type).toBe('HISTOGRAM');
    const series = samples(text).filter((s) => s.labels.name === 'orders_to_sink' && s.name.startsWith('sluice_run_duration_seconds'));
    const buckets = series.filter((s) => s.name === 'sluice_run_duration_seconds_bucket');
    expect(buckets.map((b) => b.labels.le)).toEqual(['1', '5', '15', '30', '60', '120', '300', '600', '1800', '3600', '7200', '21600', '+Inf']);
    const counts = buckets.map((b) => b.value);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    const count = series.find((s) => s.name === 'sluice_run_duration_seconds_count')!.value;
    expect(count).toBe(2);
    expect(counts.at(-1)).toBe(count);
    const sum = series.find((s) => s.name === 'sluice_run_duration_seconds_sum')!.value;
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThan(60);
  });

  it('writes the text exposition format line by line', () => {
    expect(text.endsWith('\n')).toBe(true);
    const typed = new Set<string>();
    for (const line of text.slice(0, -1).split('\n')) {
      const comment = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
      if (comment) {
        if (comment[1] === 'TYPE') {
          expect(['counter', 'gauge', 'histogram']).toContain(comment[3]);
          typed.add(comment[2]!);
        }
        continue;
      }
      const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*)\} (-?[0-9.e+-]+|\+Inf)$/.exec(line);
      expect(sampleLine, line).not.toBeNull();
      const family = sampleLine![1]!.replace(/_(bucket|sum|count)$/, '');
      expect(typed.has(family) || typed.has(sampleLine![1]!), `a TYPE line before ${line}`).toBe(true);
    }
  });

  it('tells the run\'s notifications in GET /api/runs/:id, signed as the receiver checks', async () => {
    const signed = hook.requests.filter((r) => r.url === '/sluice');
    expect(signed).toHaveLength(2);
    for (const request of signed) {
      const expected = `sha256=${createHmac('sha256', HOOK_SECRET).update(`${String(request.headers['x-sluice-timestamp'])}.`).update(request.raw).digest('hex')}`;
      expect(request.headers['x-sluice-signature']).toBe(expected);
    }
    const detail = JSON.parse((await send('GET', `/api/runs/${runIds[0]}`, bearer(OPERATOR_TOKEN))).text) as { notifications: unknown[] };
    expect(detail.notifications).toEqual([
      expect.objectContaining({ runId: runIds[0], target: `notify[0] webhook ${hook.url}`, conditions: 'succeeded', attempt: 1, status: 'delivered', httpStatus: 200, error: null }),
    ]);
    expect(JSON.stringify(detail)).not.toContain(HOOK_SECRET);
  });
});

describe('who may read /metrics', () => {
  it('answers 401 without a token or with a wrong one', async () => {
    expect((await send('GET', '/metrics', {})).status).toBe(401);
    expect((await send('GET', '/metrics', bearer('not-a-token-of-this-server'))).status).toBe(401);
  });

  it('answers the metrics token, the operator token and the admin token', async () => {
    for (const token of [METRICS_TOKEN, OPERATOR_TOKEN, SECRETS.apiToken]) {
      const answer = await send('GET', '/metrics', bearer(token));
      expect(answer.status).toBe(200);
      expect(answer.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    }
  });

  it('refuses the metrics token everywhere else, and it starts no run', async () => {
    for (const [method, path] of [['GET', '/api/syncs'], ['GET', '/api/runs/run_x'], ['GET', '/api/connections/sink'], ['POST', '/api/syncs/orders_to_sink/runs']] as const) {
      const answer = await send(method, path, bearer(METRICS_TOKEN), method === 'POST' ? {} : undefined);
      expect(answer.status, `${method} ${path}`).toBe(403);
      expect(JSON.parse(answer.text)).toEqual({ error: 'the metrics token may read /metrics only', code: 'forbidden' });
    }
    expect((await send('GET', `/api/runs/run_x/events?access_token=${METRICS_TOKEN}`, {})).status).toBe(403);
    // The two runs of the tests above, no more.
    expect(JSON.parse((await send('GET', '/api/syncs/orders_to_sink/runs', bearer(OPERATOR_TOKEN))).text)).toHaveLength(2);
  });
});
