// A user keeps a sync's results in the warehouse and is told of its failed runs, all set in the sync page: write-back
// and run log to SQLite tables, a signed webhook on failed runs; saved (comments kept), run from the UI, then the
// tables' rows, the webhook's signature and the sync page's list of notifications checked.
import { createHmac } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { RESULT_TABLE_PATTERN } from '../../src/config/project-schema.js';
import { RESULT_TABLE_NAME } from '../../web/src/pages/sync-results/result-table-name.js';
import { startTestApi } from '../connectors/start-test-api.js';
import { contactsToHooks } from './contacts-to-hooks.js';
import { eventually } from './eventually.js';
import { openUiInBrowser } from './open-ui-in-browser.js';
import { seriousViolations } from './serious-violations.js';

const SYNC = 'contacts_results';
const COMMENT = 'contacts reach the CRM every hour';
// The server reads the webhook's signing secret from its environment: the UI and sluice.yaml only ever name it.
const HOOK_SECRET = 'whsec-ui-results-5d0c2b9e71a4';
process.env.SLUICE_UI_TEST_HOOK_SECRET = HOOK_SECRET;

let hook: Awaited<ReturnType<typeof startTestApi>>;
beforeAll(async () => {
  hook = await startTestApi(() => ({ status: 200, body: { ok: true } }));
});
afterAll(async () => {
  await hook?.close();
  delete process.env.SLUICE_UI_TEST_HOOK_SECRET;
});

const ui = openUiInBrowser(
  contactsToHooks({
    sync: SYNC,
    comment: COMMENT,
    sql: 'select id, name, email from contacts order by id',
    contacts: [
      [1, 'Ada Lovelace', 'ada@example.com'],
      [2, 'Mallory', 'mallory@refused.test'],
    ],
  }),
);

/** The sync as sluice.yaml holds it. */
const syncIn = (yaml: string) => (parse(yaml) as { syncs: Record<string, Record<string, unknown>> }).syncs[SYNC];

const signatureOf = (request: { headers: Record<string, unknown>; raw: Buffer }) =>
  `sha256=${createHmac('sha256', HOOK_SECRET).update(`${String(request.headers['x-sluice-timestamp'])}.`).update(request.raw).digest('hex')}`;

describe('results and alerts in the sync page', () => {
  it('checks a table name as the schema of sluice.yaml does', () => {
    expect(RESULT_TABLE_NAME.source).toBe(RESULT_TABLE_PATTERN.source);
  });

  it('sets write-back, run log and a webhook on failed runs, saves them, runs, and shows the delivered notification', async () => {
    ui.sandbox.faults({ status: 422, count: 1, path: '/hooks/contacts/2', body: { error: 'mailbox 4e1 refused' } });
    const { page } = ui.browser;
    await page.goto(`${ui.server.url}/syncs/${SYNC}?token=${ui.server.token}`);
    const section = page.getByTestId('results-and-alerts');
    await section.waitFor();

    // A rejected row fails the run, so that "failed" is met.
    await page.locator('input[name=max_failed_rows]').fill('0');

    // Write-back into the warehouse: a table name is checked as it is typed.
    await page.locator('select[name=write_back-connection]').selectOption('warehouse');
    expect(await page.locator('input[name=write_back-table]').inputValue()).toBe('contacts_results_results');
    await page.locator('input[name=write_back-table]').fill('1st results');
    await eventually(() => page.getByTestId('write_back-table-invalid').count()).toBe(1);
    await page.locator('input[name=write_back-table]').fill('contact_results');
    await eventually(() => page.getByTestId('write_back-table-invalid').count()).toBe(0);
    await page.locator('select[name=run_log-connection]').selectOption('warehouse');
    await page.locator('input[name=run_log-table]').fill('contact_runs');

    // A webhook on failed runs (the condition a new notification starts with), its secret named, never typed.
    await page.getByTestId('notify-add').click();
    expect(await page.locator('input[name=notify-0-on-failed]').isChecked()).toBe(true);
    expect(await page.locator('input[name=notify-0-on-succeeded]').isChecked()).toBe(false);
    await page.locator('input[name=notify-0-url]').fill('http://hooks.example.com/sluice');
    await page.locator('select[name=notify-0-secret-kind]').selectOption('env');
    await page.locator('input[name=notify-0-secret-name]').fill('SLUICE_UI_TEST_HOOK_SECRET');

    // The server refuses plain http to another host: its message shows at the URL field, and nothing is written.
    const before = await readFile(join(ui.server.dir, 'sluice.yaml'), 'utf8');
    await page.getByTestId('save-button').click();
    await eventually(() => page.getByTestId('notify-0-url-issue').textContent()).toContain('webhook url:');
    expect(await readFile(join(ui.server.dir, 'sluice.yaml'), 'utf8')).toBe(before);

    await page.locator('input[name=notify-0-url]').fill(`${hook.url}/sluice`);
    await page.getByTestId('save-button').click();
    await eventually(() => page.getByTestId('saved').count()).toBe(1);
    expect(await page.getByTestId('notify-0-url-issue').count()).toBe(0);

    const yaml = await readFile(join(ui.server.dir, 'sluice.yaml'), 'utf8');
    expect(yaml).toContain(`# ${COMMENT}`);
    expect(yaml).not.toContain(HOOK_SECRET);
    expect(syncIn(yaml)).toMatchObject({
      on_error: { max_failed_rows: 0 },
      write_back: { connection: 'warehouse', table: 'contact_results' },
      run_log: { connection: 'warehouse', table: 'contact_runs' },
      notify: [{ on: ['failed'], webhook: { url: `${hook.url}/sluice`, secret: '${env:SLUICE_UI_TEST_HOOK_SECRET}' } }],
    });

    // Run from the UI: Ada is delivered, Mallory refused, and the run fails.
    await page.getByTestId('run-button').click();
    await eventually(() => page.getByTestId('run-summary').textContent()).toContain('1 delivered, 1 failed');

    // The webhook got one call, signed with the secret the server read from its environment.
    await eventually(() => hook.requests.filter((r) => r.url === '/sluice').length).toBe(1);
    const call = hook.requests.find((r) => r.url === '/sluice')!;
    expect(call.headers['x-sluice-signature']).toBe(signatureOf(call));
    expect(call.json).toMatchObject({ event: 'run.finished', conditions: ['failed'], run: { name: SYNC, status: 'failed', delivered: 1, failed: 1 } });

    // The sync page lists the notification as delivered.
    const row = page.getByTestId('notification');
    await eventually(() => row.count()).toBe(1);
    expect(await row.getByTestId('notification-target').textContent()).toBe(`notify[0] webhook ${hook.url}`);
    expect(await row.getByTestId('notification-conditions').textContent()).toBe('failed');
    expect(await row.getByTestId('notification-status').textContent()).toBe('delivered');
    expect(await row.getByTestId('notification-attempts').textContent()).toBe('1');
    expect(await row.getByTestId('notification-http-status').textContent()).toBe('200');
    expect(await row.getByTestId('notification-error').textContent()).toBe('');

    // The warehouse holds each record's result and the run.
    const db = new Database(join(ui.server.dir, 'warehouse.db'), { readonly: true });
    try {
      const results = db.prepare('select id, remote_id, status, last_error, run_id from contact_results order by id').all() as Record<string, unknown>[];
      const runId = (await page.getByTestId('run-card').getByRole('link').textContent())!;
      expect(results).toEqual([
        { id: 1, remote_id: '1', status: 'delivered', last_error: null, run_id: runId },
        { id: 2, remote_id: null, status: 'failed', last_error: expect.stringContaining('mailbox 4e1 refused'), run_id: runId },
      ]);
      const runs = db.prepare('select run_id, sync, status, planned, delivered, failed from contact_runs').all();
      expect(runs).toEqual([{ run_id: runId, sync: SYNC, status: 'failed', planned: 2, delivered: 1, failed: 1 }]);
    } finally {
      db.close();
    }

    // Loaded again, in Japanese, the page shows what sluice.yaml now holds, and the notification.
    await page.evaluate(() => (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('sluice.lang', 'ja'));
    await page.reload();
    await section.waitFor();
    expect(await page.getByRole('heading', { name: '結果と通知' }).count()).toBe(1);
    expect(await page.locator('select[name=write_back-connection]').inputValue()).toBe('warehouse');
    expect(await page.locator('input[name=write_back-table]').inputValue()).toBe('contact_results');
    expect(await page.locator('input[name=notify-0-secret-name]').inputValue()).toBe('SLUICE_UI_TEST_HOOK_SECRET');
    expect(await page.locator('input[name=notify-0-url]').inputValue()).toBe(`${hook.url}/sluice`);
    await eventually(() => page.getByTestId('notification-status').textContent()).toBe('配信済み');
    expect(await page.content()).not.toContain(HOOK_SECRET);
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('sends to a connection\'s endpoint when more rows are rejected or a run is long, and removes a notification', async () => {
    const { page } = ui.browser;
    await page.evaluate(() => (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('sluice.lang', 'en'));
    await page.goto(`${ui.server.url}/syncs/${SYNC}?token=${ui.server.token}`);
    await page.getByTestId('results-and-alerts').waitFor();
    await eventually(() => page.getByTestId('notify-rule').count()).toBe(1);

    await page.getByTestId('notify-add').click();
    await page.locator('select[name=notify-1-target]').selectOption('endpoint');
    await page.locator('select[name=notify-1-connection]').selectOption('hooks');
    // Only the endpoints that create a record are offered: a notification is a new record.
    await eventually(() => page.locator('select[name=notify-1-endpoint] > option').allTextContents()).toEqual(['Choose a create endpoint…', 'add_contact (create)']);
    await page.locator('select[name=notify-1-endpoint]').selectOption('add_contact');
    await page.locator('input[name=notify-1-on-failed]').uncheck();
    await page.locator('input[name=notify-1-rejected-over-on]').check();
    expect(await page.locator('input[name=notify-1-rejected-over]').inputValue()).toBe('5%');
    await page.locator('input[name=notify-1-rejected-over]').fill('2.5%');
    await page.locator('input[name=notify-1-longer-than-on]').check();
    await page.locator('input[name=notify-1-longer-than]').fill('45 minutes');
    await eventually(() => page.getByTestId('notify-rule').nth(1).textContent()).toContain('Write a duration such as 90s, 30m or 2h.');
    await page.locator('input[name=notify-1-longer-than]').fill('45m');
    expect(await page.getByTestId('notify-rule').nth(1).textContent()).not.toContain('Write a duration');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByTestId('save-button').click();
    await eventually(() => page.getByTestId('saved').count()).toBe(1);
    let yaml = await readFile(join(ui.server.dir, 'sluice.yaml'), 'utf8');
    expect(yaml).toContain(`# ${COMMENT}`);
    expect(syncIn(yaml)!.notify).toEqual([
      { on: ['failed'], webhook: { url: `${hook.url}/sluice`, secret: '${env:SLUICE_UI_TEST_HOOK_SECRET}' } },
      { on: [{ rejected_over: '2.5%' }, { longer_than: '45m' }], connection: 'hooks', endpoint: 'add_contact' },
    ]);

    // Row fields written by hand for the endpoint are not in the form: they stay as written through an edit.
    const doc = parseDocument(yaml);
    doc.setIn(['syncs', SYNC, 'notify', 1, 'row'], { email: '{{ run.name }}@alerts.test' });
    await writeFile(join(ui.server.dir, 'sluice.yaml'), doc.toString());
    await page.reload();
    await eventually(() => page.getByTestId('notify-rule').nth(1).textContent()).toContain('Its row fields (email) are kept as written in sluice.yaml.');

    // Write-back off, the webhook removed and the run length changed: sluice.yaml loses those keys, and keeps the rest.
    await page.locator('input[name=notify-1-longer-than]').fill('2h');
    await page.locator('select[name=write_back-connection]').selectOption('');
    await page.getByTestId('notify-0-remove').click();
    await page.getByTestId('save-button').click();
    await eventually(() => page.getByTestId('saved').count()).toBe(1);
    yaml = await readFile(join(ui.server.dir, 'sluice.yaml'), 'utf8');
    expect(yaml).toContain(`# ${COMMENT}`);
    const sync = syncIn(yaml)!;
    expect(sync.write_back).toBeUndefined();
    expect(sync.run_log).toEqual({ connection: 'warehouse', table: 'contact_runs' });
    expect(sync.notify).toEqual([
      { on: [{ rejected_over: '2.5%' }, { longer_than: '2h' }], connection: 'hooks', endpoint: 'add_contact', row: { email: '{{ run.name }}@alerts.test' } },
    ]);
  });

  it('are the wizard\'s last step too: a new sync saved with its write-back table', async () => {
    const { page } = ui.browser;
    await page.goto(`${ui.server.url}/syncs?token=${ui.server.token}`);
    await page.getByRole('button', { name: 'New sync' }).click();
    await page.locator('input[name=sync-name]').fill('contacts_again');
    await page.locator('select[name=source-connection]').selectOption('warehouse');
    await page.getByTestId('source-sql').locator('.cm-content').click();
    await page.keyboard.type('select id, name, email from contacts');
    await page.getByTestId('wizard-next').click();
    await page.locator('select[name=destination-connection]').selectOption('hooks');
    await page.locator('select[name=destination-endpoint]').selectOption('add_contact');
    await page.getByTestId('wizard-next').click();
    await page.getByTestId('key-column-id').click();
    await page.getByTestId('wizard-next').click();
    await page.getByTestId('wizard-next').click();

    await page.locator('select[name=write_back-connection]').selectOption('warehouse');
    expect(await page.locator('input[name=write_back-table]').inputValue()).toBe('contacts_again_results');
    await eventually(() => page.getByTestId('review-yaml').textContent()).toContain('table: contacts_again_results');
    await page.getByTestId('save-button').click();
    await eventually(() => new URL(page.url()).pathname).toBe('/syncs/contacts_again');
    const yaml = await readFile(join(ui.server.dir, 'sluice.yaml'), 'utf8');
    expect(yaml).toContain(`# ${COMMENT}`);
    expect((parse(yaml) as { syncs: Record<string, Record<string, unknown>> }).syncs.contacts_again!.write_back).toEqual({ connection: 'warehouse', table: 'contacts_again_results' });
  });
});
