// How a run's end reaches its `notify:` targets, through the engine's one end of a run (finishRun) and the state store
// it records into: webhooks on loopback that check the signature, and the Slack simulator through the built-in connector.
import { createHmac } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startSlackSandbox, type SlackSandbox } from '../../sandbox/slack/slack-sandbox.js';
import { loadProject, type LoadedProject } from '../../src/config/load-project.js';
import { notifyRun } from '../../src/notify/notify-run.js';
import { conditionMet, readCondition } from '../../src/notify/run-conditions.js';
import { openProjectStore } from '../../src/state/open-project-store.js';
import type { RunCounts, StateStore } from '../../src/state/state-store.js';
import { finishRun } from '../../src/sync/finish-run.js';
import { runPipeline } from '../../src/sync/run-pipeline.js';
import { startTestApi, type ReceivedRequest, type TestReply } from '../connectors/start-test-api.js';
import { writeSqlite } from '../support/sqlite-file.js';

const SECRET = 'whsec-notify-run-0c4e9b1a55';
const SLACK_TOKEN = 'xoxb-sandbox-token';

const signatureOf = (request: ReceivedRequest, secret = SECRET) =>
  `sha256=${createHmac('sha256', secret).update(`${String(request.headers['x-sluice-timestamp'])}.`).update(request.raw).digest('hex')}`;

describe('notifications of a run', () => {
  let dir: string;
  let hook: Awaited<ReturnType<typeof startTestApi>>;
  let slack: SlackSandbox;
  let answers: TestReply[];
  let store: StateStore;
  let loaded: LoadedProject;
  const env = () => ({ ...process.env, HOOK_SECRET: SECRET, SLACK_URL: slack.url, SLACK_TOKEN, SLUICE_SECRET_KEY: '' });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-notify-run-'));
    answers = [];
    hook = await startTestApi(() => answers.shift() ?? { status: 200, body: { ok: true } });
    slack = await startSlackSandbox();
    writeSqlite(join(dir, 'model.db'), 'CREATE TABLE orders (id INTEGER PRIMARY KEY)');
  });
  afterEach(async () => {
    await store?.close();
    await hook.close();
    await slack.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Loads a project whose sync `orders` and pipeline `nightly` have these `notify:` lines. */
  async function open(syncNotify: string[], pipelineNotify: string[] = []): Promise<void> {
    const indent = (lines: string[]) => lines.map((l) => `      ${l}`).join('\n');
    await writeFile(
      join(dir, 'sluice.yaml'),
      `version: 1
connections:
  model: { type: sqlite, path: model.db }
  slack: { type: http, connector: slack, base_url: "\${env:SLACK_URL}", auth: { type: bearer, token: "\${env:SLACK_TOKEN}" } }
syncs:
  orders:
    from: { connection: model, table: orders }
    to: { connection: model, table: orders_copy }
    mode: insert
    key: id
${syncNotify.length ? `    notify:\n${indent(syncNotify)}\n` : ''}pipelines:
  nightly:
    steps: [{ sql: "SELECT 1", connection: model }]
${pipelineNotify.length ? `    notify:\n${indent(pipelineNotify)}\n` : ''}`,
    );
    loaded = await loadProject({ project: dir, env: env() });
    store = await openProjectStore(loaded.file, { env: env() });
  }

  const webhook = (on = '[failed]') => [`- on: ${on}`, `  webhook: { url: "${hook.url}/runs", secret: "\${env:HOOK_SECRET}" }`];
  const counts = (planned: number, delivered: number, failed: number): RunCounts => ({ planned, added: planned, changed: 0, removed: 0, unchanged: 0, delivered, failed, invalid: 0 });

  /** Ends a recorded run of `orders` through finishRun, as every run ends. */
  async function endRun(end: { counts?: RunCounts; error?: unknown; maxFailedRows?: number }) {
    const run = await store.createRun({ kind: 'sync', name: 'orders', trigger: 'test' });
    const opened = { run, store, redactor: loaded.redactor, loaded, openedAt: Date.now() - 5, close: async () => undefined };
    return finishRun(opened, { counts: end.counts, error: end.error, maxFailedRows: end.maxFailedRows });
  }

  it('retries a 503, then delivers, each attempt signed anew and recorded with the run', async () => {
    await open(webhook());
    answers = [{ status: 503, body: { message: 'receiver restarting' } }];
    const summary = await endRun({ counts: counts(10, 0, 10), error: 'the API is unavailable' });
    expect(summary.run.status).toBe('failed');
    expect(hook.requests).toHaveLength(2);
    for (const request of hook.requests) expect(request.headers['x-sluice-signature']).toBe(signatureOf(request));
    // One delivery, whatever its attempts: a receiver drops what it has seen.
    expect(hook.requests[0]!.headers['x-sluice-delivery']).toMatch(/^[0-9a-f-]{36}$/);
    expect(hook.requests[1]!.headers['x-sluice-delivery']).toBe(hook.requests[0]!.headers['x-sluice-delivery']);
    expect(hook.requests[1]!.text).toBe(hook.requests[0]!.text);
    expect(await store.listNotifications([summary.run.id])).toEqual([
      expect.objectContaining({ target: `notify[0] webhook ${hook.url}`, conditions: 'failed', attempt: 1, status: 'retrying', httpStatus: 503, error: '503 Service Unavailable: receiver restarting' }),
      expect.objectContaining({ attempt: 2, status: 'delivered', httpStatus: 200, error: null }),
    ]);
    // The run is as it ended, notifications aside.
    expect(await store.getRun(summary.run.id)).toMatchObject({ status: 'failed', error: 'the API is unavailable' });
  });

  it('gives up after a few attempts on an outage, and the run keeps its status', async () => {
    await open(webhook('[succeeded]'));
    const run = await store.createRun({ kind: 'sync', name: 'orders', trigger: 'test' });
    await store.updateRun(run.id, { status: 'succeeded', counts: counts(3, 3, 0), finishedAt: new Date().toISOString() });
    answers = Array.from({ length: 10 }, () => ({ status: 500, body: 'down' }));
    const logged: string[] = [];
    const summary = { run: { ...run, status: 'succeeded' as const, counts: counts(3, 3, 0), finishedAt: new Date().toISOString() }, plan: null, delivered: 3, failed: 0, invalid: 0, durationMs: 20, sampleErrors: [] };
    const attempts = await notifyRun({ loaded, store, summary, webhookRetry: { initialDelayMs: 10, maxDelayMs: 20 }, log: (l) => logged.push(l) });
    expect(hook.requests).toHaveLength(4);
    expect(attempts.map((a) => [a.attempt, a.status, a.httpStatus])).toEqual([[1, 'retrying', 500], [2, 'retrying', 500], [3, 'retrying', 500], [4, 'failed', 500]]);
    expect(logged).toEqual([`sluice: notify[0] webhook ${hook.url} for run ${run.id} failed (attempt 4): 500 Internal Server Error: down`]);
    expect((await store.getRun(run.id))!.status).toBe('succeeded');
  });

  it('cuts a 10 MB error to a few thousand characters, and never puts the secret in the payload, the records or the logs', async () => {
    await open(webhook());
    // A hostile receiver repeats the secret it was never sent, hoping to see it come back in a log.
    answers = [{ status: 401, body: { error: `signature does not match ${SECRET}` } }];
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true));
    const error = `the API answered: ${'<p>down</p>'.repeat(900_000)}`;
    let summary;
    try {
      summary = await endRun({ counts: counts(1, 0, 1), error: new Error(error) });
    } finally {
      spy.mockRestore();
    }
    const [request] = hook.requests;
    expect(request!.raw.length).toBeLessThan(5000);
    const payload = request!.json as { run: { error: string } };
    expect(payload.run.error).toBe(`${error.slice(0, 2000)}… (${error.length - 2000} more characters)`);
    expect(payload.run.error.length).toBeLessThan(2100);
    expect(request!.text).not.toContain(SECRET);
    const [attempt] = await store.listNotifications([summary.run.id]);
    expect(attempt).toMatchObject({ status: 'failed', httpStatus: 401, error: '401 Unauthorized: signature does not match ****' });
    expect(written.join('')).toContain('failed (attempt 1): 401 Unauthorized: signature does not match ****');
    expect(written.join('')).not.toContain(SECRET);
  });

  it('posts to Slack through the built-in connector, the row made of the run and the row: templates', async () => {
    await open([
      '- on: [failed]',
      '  connection: slack',
      '  endpoint: post_message',
      '  row: { channel: C0000000001, text: ":red_circle: {{ run.name }} {{ run.status }}: {{ run.failed }} of {{ row.planned }} rows failed ({{ row.conditions | join: \', \' }})" }',
      '- on: ["rejected_over: 5%"]',
      '  connection: slack',
      '  endpoint: post_message',
      '  row: { channel: C0000000002 }',
    ]);
    const summary = await endRun({ counts: counts(50, 47, 3), maxFailedRows: 0 });
    expect(summary.run.status).toBe('failed');
    expect(slack.state.messages.map((m) => [m.channel, m.text])).toEqual(
      expect.arrayContaining([
        ['C0000000001', ':red_circle: orders failed: 3 of 50 rows failed (failed)'],
        // Without a text of its own, the row's text is the run's line.
        ['C0000000002', `sync orders failed in ${summary.durationMs}ms, 3 of 50 rows failed: 3 of 50 rows failed (on_error.max_failed_rows: 0) (run ${summary.run.id})`],
      ]),
    );
    const attempts = await store.listNotifications([summary.run.id]);
    expect(attempts.map((a) => [a.target, a.conditions, a.status, a.httpStatus]).sort()).toEqual([
      ['notify[0] slack.post_message', 'failed', 'delivered', 200],
      ['notify[1] slack.post_message', 'rejected_over: 5%', 'delivered', 200],
    ]);
  });

  it('records what Slack refused', async () => {
    await open(['- { on: [failed], connection: slack, endpoint: post_message, row: { channel: C0000000009 } }']);
    const summary = await endRun({ error: 'boom' });
    expect(slack.state.messages).toHaveLength(0);
    expect(await store.listNotifications([summary.run.id])).toEqual([expect.objectContaining({ status: 'failed', httpStatus: 200, error: '200 OK: channel_not_found' })]);
  });

  it('tells a pipeline\'s end to the pipeline\'s targets', async () => {
    await open([], webhook('[succeeded]'));
    const result = await runPipeline({ loaded, store, pipeline: 'nightly', trigger: 'test' });
    expect(result.run.status).toBe('succeeded');
    expect(hook.requests).toHaveLength(1);
    expect(hook.requests[0]!.json).toMatchObject({ event: 'run.finished', conditions: ['succeeded'], run: { kind: 'pipeline', name: 'nightly', status: 'succeeded', id: result.run.id } });
    expect(hook.requests[0]!.headers['x-sluice-signature']).toBe(signatureOf(hook.requests[0]!));
  });
});

describe('notify conditions', () => {
  const facts = (failed: number, durationMs = 10) => ({ status: 'succeeded', planned: 200, failed, durationMs });
  it.each([
    ['rejected_over: 5%', facts(10), false],
    ['rejected_over: 5%', facts(11), true],
    ['rejected_over: 2.5%', facts(6), true],
    ['rejected_over:10', facts(10), false],
    ['rejected_over:10', facts(11), true],
    ['longer_than: 1s', facts(0, 1000), false],
    ['longer_than: 1s', facts(0, 1001), true],
    ['longer_than: 2h', facts(0, 7_200_001), true],
    ['succeeded', facts(3), true],
    ['failed', facts(3), false],
  ] as const)('%s on %o: %s', (condition, run, met) => {
    expect(conditionMet(readCondition(condition), run)).toBe(met);
  });

  it('reads the YAML mapping forms as the strings', () => {
    expect(readCondition({ rejected_over: '5%' })).toEqual(readCondition('rejected_over: 5%'));
    expect(readCondition({ rejected_over: 10 })).toEqual(readCondition('rejected_over: 10'));
    expect(readCondition({ longer_than: '30m' })).toEqual({ kind: 'longer_than', ms: 1_800_000, label: 'longer_than: 30m' });
    expect(conditionMet(readCondition('rejected_over: 5%'), { status: 'succeeded', planned: 0, failed: 0, durationMs: 1 })).toBe(false);
  });
});
