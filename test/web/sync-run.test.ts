import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookSandbox, type WebhookSandbox } from '../../sandbox/webhook/webhook-sandbox.js';
import { ensureWebBuild } from './ensure-web-build.js';
import { eventually } from './eventually.js';
import { launchBrowser, type TestBrowser } from './launch-browser.js';
import { startUiServer, type UiServer } from './start-ui-server.js';

const HOOKS = `name: hooks
title: Contact hooks
base_url: http://127.0.0.1:9
rate_limit: { concurrency: 1 }
endpoints:
  add_contact:
    operation: create
    method: POST
    path: "/hooks/contacts/{{ row.id }}"
    headers: { Content-Type: application/json }
    body: '{ "name": {{ row.name | json }}, "email": "{{ row.email }}" }'
    response:
      record_id: "{{ response.body.id }}"
`;

let sandbox: WebhookSandbox;
let server: UiServer;
let browser: TestBrowser;

beforeAll(async () => {
  await ensureWebBuild();
  sandbox = await startWebhookSandbox();
  server = await startUiServer({
    'connectors/hooks.yaml': HOOKS,
    'sluice.yaml': [
      'version: 1',
      'connections:',
      '  warehouse: { type: sqlite, path: warehouse.db }',
      `  hooks: { type: http, connector: ./connectors/hooks.yaml, base_url: "${sandbox.url}" }`,
      'syncs:',
      '  # every contact, once',
      '  contacts_to_hooks:',
      '    from: { connection: warehouse, sql: "select id, name, email from contacts order by id" }',
      '    to: { connection: hooks, endpoint: add_contact }',
      '    mode: insert',
      '    key: id',
      '    on_error: { max_failed_rows: 5 }',
      '',
    ].join('\n'),
  });
  const db = new Database(join(server.dir, 'warehouse.db'));
  db.exec(`create table contacts (id integer primary key, name text, email text);
    insert into contacts values (1, 'Ada Lovelace', 'ada@example.com'), (2, 'Grace Hopper', 'grace@example.com'), (3, 'Mallory', 'mallory@blocked.test');`);
  db.close();
  // Row 3 is refused once by the API: the run rejects it, the retry delivers it.
  sandbox.faults({ status: 422, count: 1, path: '/hooks/contacts/3', body: { error: 'email domain is blocked' } });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await sandbox?.close();
});

describe('syncs and runs', () => {
  it('previews a sync, runs it with live progress, shows the rejected row and retries it', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/?token=${server.token}`);
    // `/` opens the syncs list.
    const row = page.getByTestId('sync-contacts_to_hooks');
    await eventually(() => row.textContent()).toContain('warehouse');
    expect(await row.textContent()).toContain('hooks · add_contact');
    expect(await row.textContent()).toContain('never run');
    await browser.screenshot('syncs');

    await row.getByRole('link', { name: 'contacts_to_hooks' }).click();
    await eventually(() => page.getByTestId('source-sql').textContent()).toContain('select id, name, email from contacts');
    await eventually(() => page.getByTestId('sample-table').locator('tbody tr').count()).toBe(3);
    expect(await page.getByTestId('sample-table').textContent()).toContain('grace@example.com');

    // Preview: counts per change and operation, and the first requests; nothing is sent.
    await page.getByRole('button', { name: 'Preview' }).click();
    await eventually(() => page.getByTestId('count-added').textContent()).toBe('3Added');
    expect(await page.getByTestId('operation-create').textContent()).toBe('create3');
    expect(await page.getByTestId('preview-request').first().textContent()).toContain(`${sandbox.url}/hooks/contacts/1`);
    expect(sandbox.state.hooks).toHaveLength(0);
    await browser.screenshot('sync-preview');

    // Run now: progress streams in over SSE until the summary (a slow API, one request at a time, to watch it).
    sandbox.faults({ latency_ms: 300 });
    await page.getByRole('button', { name: 'Run now' }).click();
    const progress = page.locator('[data-testid=run-progress][data-phase=sending]');
    await eventually(() => progress.textContent()).toMatch(/Sent \d of 3/);
    await browser.screenshot('sync-run-progress');
    await eventually(() => page.getByTestId('run-summary').textContent()).toContain('2 delivered, 1 failed');
    expect(await page.getByTestId('run-summary').textContent()).toContain('Succeeded');
    expect(sandbox.state.hooks.map((h) => h.path).sort()).toEqual(['/hooks/contacts/1', '/hooks/contacts/2']);
    sandbox.faults({ latency_ms: 0 });
    await eventually(() => page.getByTestId('runs-table').locator('tbody tr').count()).toBe(1);
    await browser.screenshot('sync-run');

    // The run page lists the rejected row: the API's error and the request that was refused.
    await page.getByTestId('run-card').getByRole('link').click();
    const rejected = page.getByTestId('rejected-row');
    await eventually(() => rejected.count()).toBe(1);
    expect(await rejected.getByTestId('rejected-error').textContent()).toContain('422');
    expect(await rejected.textContent()).toContain('email domain is blocked');
    expect(await rejected.textContent()).toContain(`${sandbox.url}/hooks/contacts/3`);
    expect(await page.getByTestId('count-failed').textContent()).toBe('1Failed');
    await browser.screenshot('run-rejected');

    // Retry rejected: a new run delivers row 3.
    const firstRun = page.url();
    await page.getByRole('button', { name: 'Retry rejected' }).click();
    await eventually(() => page.url()).not.toBe(firstRun);
    await eventually(() => page.getByTestId('count-delivered').textContent()).toBe('1Delivered');
    await eventually(() => page.locator('h1 .badge').textContent()).toBe('Succeeded');
    expect(await page.getByTestId('rejected').textContent()).toContain('No rejected rows.');
    expect(sandbox.state.hooks.map((h) => h.path).sort()).toEqual(['/hooks/contacts/1', '/hooks/contacts/2', '/hooks/contacts/3']);

    // The runs page has both runs.
    await page.getByTestId('nav-runs').click();
    await eventually(() => page.getByTestId('runs-table').locator('tbody tr').count()).toBe(2);
    expect(await page.getByTestId('runs-table').textContent()).toContain('Retry');
    await browser.screenshot('runs');
  });

  it('edits the schedule and mapping of a sync and writes them to sluice.yaml, keeping comments', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/syncs/contacts_to_hooks?token=${server.token}`);
    await page.locator('input[name=schedule]').fill('0 9 * * *');
    await page.getByRole('button', { name: 'Save' }).click();
    await eventually(() => page.getByTestId('saved').textContent()).toBe('Saved to sluice.yaml.');
    const yaml = await readFile(join(server.dir, 'sluice.yaml'), 'utf8');
    expect(yaml).toContain('# every contact, once');
    expect(yaml).toMatch(/schedule: ["']?0 9 \* \* \*/);
    await page.getByTestId('nav-syncs').click();
    await eventually(() => page.getByTestId('sync-contacts_to_hooks').textContent()).toContain('0 9 * * *');
  });

  it('switches to Japanese and keeps the choice', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/syncs/contacts_to_hooks?token=${server.token}`);
    await page.getByRole('button', { name: '日本語' }).click();
    await eventually(() => page.getByRole('button', { name: '今すぐ実行' }).isVisible()).toBe(true);
    expect(await page.locator('nav').textContent()).toContain('同期');
    await page.reload();
    await eventually(() => page.getByRole('heading', { name: '転送元の行のサンプル' }).isVisible()).toBe(true);
    await page.getByTestId('nav-runs').click();
    await eventually(() => page.getByTestId('runs-table').textContent()).toContain('再送');
    await browser.screenshot('runs-ja');
    await page.getByRole('button', { name: 'EN' }).click();
  });
});
