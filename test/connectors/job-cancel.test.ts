// A run cancelled while its job is polled gives the job up (job.abort) before the run ends, for a write through
// runSync (the engine call behind `sluice sync run`, the server's cancel and the scheduler) and for a stream's read.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectorSpecSchema } from '../../src/config/connector-schema.js';
import { loadProject } from '../../src/config/load-project.js';
import { openHttpConnection } from '../../src/connectors/open-http-connection.js';
import { Redactor } from '../../src/log/redactor.js';
import { createHttpStreamSource } from '../../src/sources/http-stream-source.js';
import { openStateStore } from '../../src/state/open-state-store.js';
import type { StateStore } from '../../src/state/state-store.js';
import { runSync } from '../../src/sync/run-sync.js';
import { writeSqlite } from '../support/sqlite-file.js';
import { startTestApi } from './start-test-api.js';

const jobApi = `name: bulk
base_url: "{{ config.url }}"
config: { url: { type: string, required: true } }
endpoints:
  upsert:
    operation: upsert
    request: batch
    method: PUT
    path: "/jobs/{{ job.id }}/batches"
    batch: { size: 100, item: "{{ row | json }}", body: "{ \\"rows\\": {{ items }} }" }
    job:
      create: { path: /jobs, body: "{}" }
      poll: { request: { path: "/jobs/{{ job.id }}" }, until: "response.body.state == 'done'", interval_ms: 20 }
      abort: { method: PATCH, path: "/jobs/{{ job.id }}", body: '{ "state": "Aborted" }' }
streams:
  exported:
    records: $.rows
    job:
      create: { path: /jobs, body: "{}" }
      poll: { request: { path: "/jobs/{{ job.id }}" }, until: "response.body.state == 'done'", interval_ms: 20 }
      abort: { method: PATCH, path: "/jobs/{{ job.id }}", body: '{ "state": "Aborted" }' }
      download: { path: "/jobs/{{ job.id }}/rows" }
`;

describe('a cancelled run gives its job up', () => {
  let dir: string;
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let store: StateStore;
  const events: string[] = [];
  let onPoll: () => void = () => {};

  beforeEach(async () => {
    events.length = 0;
    dir = await mkdtemp(join(tmpdir(), 'sluice-job-cancel-'));
    api = await startTestApi((request) => {
      const path = request.url.split('?')[0];
      if (request.method === 'POST' && path === '/jobs') return { body: { id: 'J1', state: 'open' } };
      if (request.method === 'PUT') return { body: { id: 'J1', state: 'queued' } };
      if (request.method === 'PATCH') {
        events.push(`abort ${JSON.stringify(request.json)}`);
        return { body: { id: 'J1', state: 'Aborted' } };
      }
      if (request.method === 'GET' && path === '/jobs/J1') {
        onPoll();
        return { body: { id: 'J1', state: 'running' } };
      }
      return { status: 404, body: {} };
    });
    await writeFile(join(dir, 'bulk.yaml'), jobApi);
    writeSqlite(join(dir, 'model.db'), "CREATE TABLE people (id TEXT PRIMARY KEY, name TEXT); INSERT INTO people VALUES ('1', 'Ada'), ('2', 'Alan')");
    await writeFile(join(dir, 'sluice.yaml'), [
      'version: 1',
      'state: .sluice',
      'connections:',
      '  model: { type: sqlite, path: model.db }',
      `  bulk: { type: http, connector: ./bulk.yaml, config: { url: "${api.url}" } }`,
      'syncs:',
      '  people:',
      '    from: { connection: model, table: people }',
      '    to: { connection: bulk, endpoint: upsert }',
      '    mode: upsert',
      '    key: id',
      '',
    ].join('\n'));
    store = await openStateStore({ state: join(dir, '.sluice'), projectDir: dir, env: { SLUICE_SECRET_KEY: '' } });
  });
  afterEach(async () => {
    await store.close();
    await api.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['while a poll is answered', (abort: () => void) => abort()],
    ['while it waits between polls', (abort: () => void) => setTimeout(abort, 30)],
  ])('aborts the write job %s, before runSync returns, and the run ends cancelled', async (_when, cancel) => {
    await writeFile(join(dir, 'bulk.yaml'), jobApi.replaceAll('interval_ms: 20', 'interval_ms: 300'));
    const loaded = await loadProject({ project: dir });
    const controller = new AbortController();
    let polls = 0;
    onPoll = () => {
      if (++polls === 2) cancel(() => controller.abort());
    };
    const ended = await runSync({ loaded, store, sync: 'people', signal: controller.signal }).then(
      (summary) => summary.run.status,
      (e: unknown) => `threw ${e instanceof Error ? e.message : String(e)}`,
    );
    events.push('run ended');
    expect(events).toEqual(['abort {"state":"Aborted"}', 'run ended']);
    expect(ended).toBe('cancelled');
    // Nothing was delivered: the job was given up, so its rows are sent again by the next run.
    expect(api.requests.filter((r) => r.method === 'PATCH').map((r) => r.url)).toEqual(['/jobs/J1']);
  });

  it('aborts a stream\'s job when its read is cancelled while polling', async () => {
    const spec = connectorSpecSchema.parse({ ...(await import('yaml')).parse(jobApi.replace('"{{ config.url }}"', `"${api.url}"`).replace(/^config:.*$/m, '')) });
    const http = await openHttpConnection({ name: 'bulk', connection: { type: 'http', connector: 'x', config: {}, auth: { type: 'none' } } as never, spec, redactor: new Redactor() });
    const controller = new AbortController();
    let polls = 0;
    onPoll = () => {
      if (++polls === 2) controller.abort();
    };
    const source = createHttpStreamSource({ http, stream: spec.streams.exported!, streamName: 'exported', store, cursorName: 'c' });
    try {
      await expect((async () => {
        for await (const _ of source.read({ signal: controller.signal })) { /* no page arrives */ }
      })()).rejects.toThrow();
      events.push('read ended');
      expect(events).toEqual(['abort {"state":"Aborted"}', 'read ended']);
    } finally {
      await source.close();
    }
  });
});
