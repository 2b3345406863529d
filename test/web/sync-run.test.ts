import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { contactsToHooks } from './contacts-to-hooks.js';
import { eventually } from './eventually.js';
import { openUiInBrowser } from './open-ui-in-browser.js';

const ui = openUiInBrowser(
  contactsToHooks({
    comment: 'every contact, once',
    sync: 'contacts_to_hooks',
    sql: 'select id, name, email from contacts order by id',
    contacts: [
      [1, 'Ada Lovelace', 'ada@example.com'],
      [2, 'Grace Hopper', 'grace@example.com'],
      [3, 'Mallory', 'mallory@blocked.test'],
    ],
  }),
);

beforeAll(() => {
  // Row 3 is refused once by the API: the run rejects it, the retry delivers it.
  ui.sandbox.faults({ status: 422, count: 1, path: '/hooks/contacts/3', body: { error: 'email domain is blocked' } });
});

describe('syncs and runs', () => {
  it('previews a sync, runs it with live progress, shows the rejected row and retries it', async () => {
    const { page } = ui.browser;
    await page.goto(`${ui.server.url}/?token=${ui.server.token}`);
    // `/` opens the syncs list.
    const row = page.getByTestId('sync-contacts_to_hooks');
    await eventually(() => row.textContent()).toContain('warehouse');
    expect(await row.textContent()).toContain('hooks · add_contact');
    expect(await row.textContent()).toContain('never run');
    await ui.browser.screenshot('syncs');

    await row.getByRole('link', { name: 'contacts_to_hooks' }).click();
    await eventually(() => page.getByTestId('source-sql').textContent()).toContain('select id, name, email from contacts');
    await eventually(() => page.getByTestId('sample-table').locator('tbody tr').count()).toBe(3);
    expect(await page.getByTestId('sample-table').textContent()).toContain('grace@example.com');

    // Preview: counts per change and operation, and the first requests; nothing is sent.
    await page.getByRole('button', { name: 'Preview' }).click();
    await eventually(() => page.getByTestId('count-added').textContent()).toBe('3Added');
    expect(await page.getByTestId('operation-create').textContent()).toBe('create3');
    expect(await page.getByTestId('preview-request').first().textContent()).toContain(`${ui.sandbox.url}/hooks/contacts/1`);
    expect(ui.sandbox.state.hooks).toHaveLength(0);
    await ui.browser.screenshot('sync-preview');

    // Run now: progress streams in over SSE until the summary (a slow API, one request at a time, to watch it).
    ui.sandbox.faults({ latency_ms: 300 });
    await page.getByRole('button', { name: 'Run now' }).click();
    const progress = page.locator('[data-testid=run-progress][data-phase=sending]');
    await eventually(() => progress.textContent()).toMatch(/Sent \d of 3/);
    await ui.browser.screenshot('sync-run-progress');
    await eventually(() => page.getByTestId('run-summary').textContent()).toContain('2 delivered, 1 failed');
    // 2 of 3 delivered (within on_error.max_failed_rows): partial, not a plain success.
    expect(await page.getByTestId('run-summary').textContent()).toContain('Partial');
    expect(ui.sandbox.state.hooks.map((h) => h.path).sort()).toEqual(['/hooks/contacts/1', '/hooks/contacts/2']);
    ui.sandbox.faults({ latency_ms: 0 });
    await eventually(() => page.getByTestId('runs-table').locator('tbody tr').count()).toBe(1);
    await ui.browser.screenshot('sync-run');

    // The run page lists the rejected row: the API's error and the request that was refused.
    await page.getByTestId('run-card').getByRole('link').click();
    const rejected = page.getByTestId('rejected-row');
    await eventually(() => rejected.count()).toBe(1);
    // Rejected rows are grouped by error: the error heads its group, once.
    const group = page.getByTestId('rejected-group');
    expect(await group.getByTestId('rejected-error').textContent()).toContain('422');
    expect(await group.getByTestId('rejected-error').textContent()).toContain('email domain is blocked');
    expect(await rejected.textContent()).toContain(`${ui.sandbox.url}/hooks/contacts/3`);
    expect(await page.getByTestId('count-failed').textContent()).toBe('1Failed');
    // Rows caught before sending are counted apart: this run had none.
    expect(await page.getByTestId('count-invalid').textContent()).toBe('0Invalid');
    await ui.browser.screenshot('run-rejected');

    // Retry rejected: a new run delivers row 3.
    const firstRun = page.url();
    await page.getByRole('button', { name: 'Retry rejected' }).click();
    await eventually(() => page.url()).not.toBe(firstRun);
    await eventually(() => page.getByTestId('count-delivered').textContent()).toBe('1Delivered');
    await eventually(() => page.locator('h1 .badge').textContent()).toBe('Succeeded');
    expect(await page.getByTestId('rejected').textContent()).toContain('No rejected rows.');
    expect(ui.sandbox.state.hooks.map((h) => h.path).sort()).toEqual(['/hooks/contacts/1', '/hooks/contacts/2', '/hooks/contacts/3']);

    // The runs page has both runs.
    await page.getByTestId('nav-runs').click();
    await eventually(() => page.getByTestId('runs-table').locator('tbody tr').count()).toBe(2);
    expect(await page.getByTestId('runs-table').textContent()).toContain('Retry');
    await ui.browser.screenshot('runs');
  });

  it('edits the schedule and mapping of a sync and writes them to sluice.yaml, keeping comments', async () => {
    const { page } = ui.browser;
    await page.goto(`${ui.server.url}/syncs/contacts_to_hooks?token=${ui.server.token}`);
    await page.locator('input[name=schedule]').fill('0 9 * * *');
    await page.getByRole('button', { name: 'Save' }).click();
    await eventually(() => page.getByTestId('saved').textContent()).toBe('Saved to sluice.yaml.');
    const yaml = await readFile(join(ui.server.dir, 'sluice.yaml'), 'utf8');
    expect(yaml).toContain('# every contact, once');
    expect(yaml).toMatch(/schedule: ["']?0 9 \* \* \*/);
    await page.getByTestId('nav-syncs').click();
    await eventually(() => page.getByTestId('sync-contacts_to_hooks').textContent()).toContain('0 9 * * *');
  });

  it('switches to Japanese and keeps the choice', async () => {
    const { page } = ui.browser;
    await page.goto(`${ui.server.url}/syncs/contacts_to_hooks?token=${ui.server.token}`);
    await page.getByRole('button', { name: '日本語' }).click();
    await eventually(() => page.getByRole('button', { name: '今すぐ実行' }).isVisible()).toBe(true);
    expect(await page.locator('nav').textContent()).toContain('同期');
    await page.reload();
    await eventually(() => page.getByRole('heading', { name: '転送元の行のサンプル' }).isVisible()).toBe(true);
    await page.getByTestId('nav-runs').click();
    await eventually(() => page.getByTestId('runs-table').textContent()).toContain('再送');
    await ui.browser.screenshot('runs-ja');
    await page.getByRole('button', { name: 'EN' }).click();
  });
});
