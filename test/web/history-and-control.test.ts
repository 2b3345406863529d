import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { contactsToHooks } from './contacts-to-hooks.js';
import { eventually } from './eventually.js';
import { openUiInBrowser } from './open-ui-in-browser.js';

const base = contactsToHooks({
  sync: 'hist_sync',
  sql: 'select id, name, email from contacts order by id',
  contacts: [
    [1, 'Ada Lovelace', 'ada@example.com'],
    [2, 'Grace Hopper', 'grace@example.com'],
    [3, 'Alan Turing', 'alan@example.com'],
    [4, 'Edsger Dijkstra', 'edsger@example.com'],
  ],
});
const ui = openUiInBrowser({
  ...base,
  project: (sandbox) => {
    const files = base.project(sandbox);
    files['sluice.yaml'] = files['sluice.yaml']!.replace('connections:\n', 'connections:\n  spare: { type: sqlite, path: spare.db }\n') +
      'pipelines:\n  nightly:\n    description: Contacts every night\n    schedule: "0 3 * * *"\n    steps: [hist_sync]\n';
    return files;
  },
});

let partialRun: string;

async function open(page: Page, path: string, ready: string) {
  await page.goto(`${ui.server.url}${path}${path.includes('?') ? '&' : '?'}token=${ui.server.token}`);
  await eventually(() => page.locator('main').textContent()).toContain(ready);
}

beforeAll(async () => {
  // The first two contacts are refused for the same reason: 2 delivered, 2 failed, a partial run.
  ui.sandbox.faults({ status: 422, count: 2, path: '/hooks/contacts/', body: { error: 'mailbox is full' } });
  const auth = { authorization: `Bearer ${ui.server.token}`, 'content-type': 'application/json' };
  const started = await fetch(`${ui.server.url}/api/syncs/hist_sync/runs`, { method: 'POST', headers: auth, body: '{}' });
  partialRun = ((await started.json()) as { runId: string }).runId;
  for (let waited = 0; waited < 10_000; waited += 100) {
    const run = (await (await fetch(`${ui.server.url}/api/runs/${partialRun}`, { headers: auth })).json()) as { finishedAt: string | null; counts: object };
    if (run.finishedAt) {
      expect(run.counts).toMatchObject({ delivered: 2, failed: 2 });
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the run did not finish');
});

describe('a run and its rejected rows', () => {
  it('shows 2 of 4 delivered as partial, the rejected rows grouped under their one error, searchable and expandable', async () => {
    const { page } = ui.browser;
    await open(page, `/runs/${partialRun}`, 'mailbox is full');
    expect(await page.locator('h1 .badge').textContent()).toBe('Partial');
    expect(await page.getByTestId('partial-note').textContent()).toBe('2 of 4 rows delivered; 2 failed or invalid.');
    // One group: the error once, over its two rows.
    expect(await page.getByTestId('rejected-group').count()).toBe(1);
    expect(await page.getByTestId('rejected-error').textContent()).toContain('mailbox is full');
    expect(await page.getByTestId('rejected-group').textContent()).toContain('2 rows');
    expect(await page.getByTestId('rejected-row').count()).toBe(2);
    expect(((await page.locator('main').textContent()) ?? '').split('mailbox is full').length - 1).toBe(1);

    await page.getByTestId('rejected-search').fill('grace');
    await eventually(() => page.getByTestId('rejected-row').count()).toBe(1);
    expect(await page.getByTestId('rejected-row').textContent()).toContain('2');
    await page.getByTestId('rejected-search').fill('nobody-at-all');
    await eventually(() => page.locator('main').textContent()).toContain('No rejected row matches.');
    await page.getByTestId('rejected-search').fill('');

    const first = page.getByTestId('rejected-row').first();
    await first.getByText('Show request and response').click();
    await eventually(() => first.getByTestId('rejected-detail').evaluate((d) => (d as unknown as { open: boolean }).open)).toBe(true);
    expect(await first.getByTestId('rejected-detail').textContent()).toContain(`${ui.sandbox.url}/hooks/contacts/1`);
    await ui.browser.screenshot('history-run-partial');
  });

  it('retries the rejected rows and links the retry and the run both ways', async () => {
    const { page } = ui.browser;
    await open(page, `/runs/${partialRun}`, 'mailbox is full');
    await page.getByRole('button', { name: 'Retry rejected' }).click();
    await eventually(() => page.url()).not.toContain(partialRun);
    await eventually(() => page.locator('h1 .badge').textContent()).toBe('Succeeded');
    await eventually(() => page.getByTestId('retry-links').textContent()).toContain(`Retry of ${partialRun}`);
    const retryId = new URL(page.url()).pathname.split('/').pop()!;
    await page.getByTestId('retry-links').getByRole('link').click();
    await eventually(() => page.getByTestId('retry-links').textContent()).toContain(`Retried by ${retryId}`);
  });
});

describe('history', () => {
  it('charts the sync’s runs: rows and duration, with the numbers as a table', async () => {
    const { page } = ui.browser;
    await open(page, '/syncs/hist_sync', 'History');
    await eventually(() => page.getByTestId('history-summary').textContent()).toContain('Last 2 runs: 4 rows delivered, 2 failed, 0 invalid');
    // uPlot draws each chart on a canvas.
    expect(await page.getByTestId('history-rows-chart').locator('canvas').count()).toBe(1);
    expect(await page.getByTestId('history-duration-chart').locator('canvas').count()).toBe(1);
    expect(await page.getByTestId('history-rows-chart').getAttribute('role')).toBe('img');
    const cells = await page.getByTestId('history-table').locator('tbody tr').allTextContents();
    expect(cells).toHaveLength(2);
    await ui.browser.screenshot('history-sync-chart');
  });

  it('filters runs by status, source and dates on the server, and searches them', async () => {
    const { page } = ui.browser;
    await open(page, '/runs', 'hist_sync');
    await eventually(() => page.getByTestId('runs-table').locator('tbody tr').count()).toBe(2);
    await page.getByTestId('runs-status').selectOption('partial');
    await eventually(() => page.getByTestId('runs-table').locator('tbody tr').count()).toBe(1);
    expect(await page.getByTestId('runs-table').textContent()).toContain(partialRun);
    await page.getByTestId('runs-status').selectOption('');
    await page.getByTestId('runs-source').selectOption('pipeline:nightly');
    await eventually(() => page.getByTestId('runs-table').textContent()).toContain('No runs yet.');
    await page.getByTestId('runs-source').selectOption('');
    // A day before any run: nothing.
    await page.getByTestId('runs-until').fill('2001-01-01');
    await eventually(() => page.getByTestId('runs-table').textContent()).toContain('No runs yet.');
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await eventually(() => page.getByTestId('runs-table').locator('tbody tr').count()).toBe(2);
    await page.getByTestId('runs-search').fill('retry');
    await eventually(() => page.getByTestId('runs-table').locator('tbody tr').count()).toBe(1);
  });
});

describe('pipelines and schedules', () => {
  it('lists the pipeline, opens it and runs it', async () => {
    const { page } = ui.browser;
    await open(page, '/pipelines', 'nightly');
    expect(await page.getByTestId('pipeline-nightly').textContent()).toContain('hist_sync');
    await page.getByTestId('pipeline-nightly').getByRole('link', { name: 'nightly' }).click();
    await eventually(() => page.getByTestId('pipeline-steps').textContent()).toBe('hist_sync');
    expect(await page.locator('main').textContent()).toContain('Contacts every night');
    await page.getByRole('button', { name: 'Run now' }).click();
    await eventually(() => new URL(page.url()).pathname).toMatch(/^\/runs\/run_/);
    await eventually(() => page.locator('h1 .badge').textContent()).toBe('Succeeded');
    await open(page, '/pipelines/nightly', 'Contacts every night');
    await eventually(() => page.getByTestId('runs-table').locator('tbody tr').count()).toBe(1);
  });

  it('shows each schedule with its zone and next runs, and pauses and resumes it', async () => {
    const { page } = ui.browser;
    await open(page, '/schedules', 'nightly');
    const row = page.getByTestId('schedule-pipeline-nightly');
    expect(await row.textContent()).toContain('0 3 * * *');
    expect(await row.textContent()).toContain('UTC');
    expect(await row.textContent()).toContain('Active');
    await row.getByRole('button', { name: 'Pause nightly' }).click();
    await eventually(() => row.textContent()).toContain('Paused since');
    // Kept by the server: a new page load still shows it paused.
    await open(page, '/schedules', 'nightly');
    expect(await page.getByTestId('schedule-pipeline-nightly').textContent()).toContain('Paused since');
    await ui.browser.screenshot('history-schedules-paused');
    await page.getByTestId('schedule-pipeline-nightly').getByRole('button', { name: 'Resume nightly' }).click();
    await eventually(() => page.getByTestId('schedule-pipeline-nightly').textContent()).toContain('Active');
  });
});

describe('delete and search', () => {
  it('shows what uses a connection and offers no Delete; deletes one nothing uses', async () => {
    const { page } = ui.browser;
    await open(page, '/connections', 'spare');
    await page.getByTestId('delete-hooks').click();
    const dialog = page.getByRole('dialog');
    await eventually(() => dialog.textContent()).toContain('cannot be deleted while these use it');
    expect(await dialog.getByTestId('dependents').textContent()).toContain('sync hist_sync');
    expect(await dialog.getByRole('button', { name: 'Delete' }).count()).toBe(0);
    await page.keyboard.press('Escape');
    await eventually(() => page.getByRole('dialog').count()).toBe(0);

    await page.getByTestId('delete-spare').click();
    await eventually(() => page.getByRole('dialog').textContent()).toContain('Nothing uses spare');
    await ui.browser.screenshot('history-delete-dialog');
    // Focus starts in the dialog and Tab keeps it there.
    const focused = () => page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } | null } }).document.activeElement?.textContent);
    await eventually(focused).toBe('Cancel');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Delete');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Cancel');
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await eventually(() => page.locator('main').textContent()).toContain('spare deleted.');
    expect(await page.getByTestId('connection-spare').count()).toBe(0);
    expect(await readFile(join(ui.server.dir, 'sluice.yaml'), 'utf8')).not.toContain('spare');
  });

  it('filters a list with its search box', async () => {
    const { page } = ui.browser;
    await open(page, '/connections', 'warehouse');
    await page.getByTestId('list-search').fill('sqlite');
    await eventually(() => page.getByTestId('connection-hooks').count()).toBe(0);
    expect(await page.getByTestId('connection-warehouse').count()).toBe(1);
    await page.getByTestId('list-search').fill('zzz-nothing');
    await eventually(() => page.locator('main').textContent()).toContain('Nothing matches “zzz-nothing”.');
  });
});

describe('in Japanese', () => {
  it('shows the partial status, schedules and history in Japanese', async () => {
    const { page } = ui.browser;
    await open(page, '/schedules', 'nightly');
    await page.getByRole('button', { name: '日本語' }).click();
    await eventually(() => page.locator('h1').textContent()).toBe('スケジュール');
    expect(await page.getByTestId('schedule-pipeline-nightly').textContent()).toContain('有効');
    await open(page, `/runs/${partialRun}`, 'mailbox is full');
    expect(await page.locator('h1 .badge').textContent()).toBe('一部失敗');
    expect(await page.getByTestId('retry-links').textContent()).toContain('再送');
    await open(page, '/syncs/hist_sync', '履歴');
    // The pipeline's run ran the sync once more.
    await eventually(() => page.getByTestId('history-summary').textContent()).toContain('直近 3 回');
    await page.getByRole('button', { name: 'EN' }).click();
  });
});

describe('cancel', () => {
  it('cancels a running run from its page, after asking', async () => {
    const { page } = ui.browser;
    // Every request waits: a full run of four rows, one at a time, takes seconds.
    ui.sandbox.faults({ latency_ms: 1500 });
    const auth = { authorization: `Bearer ${ui.server.token}`, 'content-type': 'application/json' };
    const started = await fetch(`${ui.server.url}/api/syncs/hist_sync/runs`, { method: 'POST', headers: auth, body: '{"full":true}' });
    const runId = ((await started.json()) as { runId: string }).runId;
    try {
      await open(page, `/runs/${runId}`, 'hist_sync');
      const asked: string[] = [];
      page.once('dialog', (dialog) => {
        asked.push(dialog.message());
        void dialog.accept();
      });
      await page.getByTestId('cancel-run').click();
      await eventually(() => page.locator('h1 .badge').textContent()).toBe('Cancelled');
      expect(asked).toEqual(['Stop this run? Rows already sent stay delivered; the rest wait for the next run.']);
      expect(await page.getByTestId('cancel-run').count()).toBe(0);
    } finally {
      ui.sandbox.faults({ latency_ms: 0 });
    }
  });
});

describe('paging', () => {
  it('shows 50 runs a page and loads the next page on Load more', async () => {
    const { page } = ui.browser;
    // 60 finished runs of an old sync, written as an earlier Sluice left them in the state.
    const db = new Database(join(ui.server.dir, '.sluice', 'state.db'));
    const insert = db.prepare(
      "INSERT INTO runs (id, kind, name, status, triggered_by, started_at, finished_at, delivered) VALUES (?, 'sync', 'old_sync', 'succeeded', 'schedule', ?, ?, 1)",
    );
    for (let i = 0; i < 60; i++) {
      const at = new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString();
      insert.run(`run_old_${String(i).padStart(2, '0')}`, at, at);
    }
    db.close();
    await open(page, '/runs', 'hist_sync');
    const total = await (await fetch(`${ui.server.url}/api/runs?limit=500`, { headers: { authorization: `Bearer ${ui.server.token}` } })).json() as { runs: unknown[] };
    await eventually(() => page.getByTestId('runs-table').locator('tbody tr').count()).toBe(50);
    await page.getByTestId('runs-more').click();
    await eventually(() => page.getByTestId('runs-table').locator('tbody tr').count()).toBe(total.runs.length);
    expect(await page.getByTestId('runs-more').count()).toBe(0);
    // The oldest run comes last.
    expect(await page.getByTestId('runs-table').locator('tbody tr').last().textContent()).toContain('run_old_00');
  });
});
