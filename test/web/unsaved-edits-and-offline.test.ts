import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Dialog, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuild } from './ensure-web-build.js';
import { eventually } from './eventually.js';
import { launchBrowser, type TestBrowser } from './launch-browser.js';
import { startRestartableUiServer, type RestartableUiServer } from './restartable-ui-server.js';

// A sync nothing is sent by here (no test runs it): a sample read from SQLite, and settings to edit and save.
const HOOKS = `name: hooks
base_url: http://127.0.0.1:9
endpoints:
  add_contact:
    operation: create
    method: POST
    path: /hooks/contacts
    body: '{{ row | json }}'
`;

let server: RestartableUiServer;
let browser: TestBrowser;

beforeAll(async () => {
  await ensureWebBuild();
  server = await startRestartableUiServer({
    'connectors/hooks.yaml': HOOKS,
    'sluice.yaml': [
      'version: 1',
      'connections:',
      '  warehouse: { type: sqlite, path: warehouse.db }',
      '  hooks: { type: http, connector: ./connectors/hooks.yaml }',
      'syncs:',
      '  contacts_out:',
      '    from: { connection: warehouse, sql: "select id, name from contacts" }',
      '    to: { connection: hooks, endpoint: add_contact }',
      '    mode: insert',
      '    key: id',
      '',
    ].join('\n'),
  });
  const db = new Database(join(server.dir, 'warehouse.db'));
  db.exec("create table contacts (id integer primary key, name text); insert into contacts values (1, 'Ada')");
  db.close();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Answers the next dialog the page opens (accept or dismiss) and returns it. */
function answerNextDialog(page: Page, answer: 'accept' | 'dismiss'): Promise<Dialog> {
  return new Promise((resolve) => {
    page.once('dialog', (dialog) => {
      void (answer === 'accept' ? dialog.accept() : dialog.dismiss()).then(() => resolve(dialog));
    });
  });
}

/** Opens a page of the UI signed in (the token in the address is kept, then removed from it). */
const open = (path: string) => browser.page.goto(`${server.url}${path}?token=${server.token}`);
const readProject = () => readFile(join(server.dir, 'sluice.yaml'), 'utf8');

describe('edits are never lost', () => {
  it('marks unsaved sync settings, previews them, says Run uses the saved ones, and saves with Ctrl+S', async () => {
    const { page } = browser;
    await open('/syncs/contacts_out');
    const schedule = page.locator('input[name=schedule]');
    await schedule.waitFor();
    expect(await page.getByTestId('unsaved').count()).toBe(0);
    expect(await page.getByTestId('preview-button').textContent()).toBe('Preview');

    await schedule.fill('0 9 * * *');
    await eventually(() => page.getByTestId('unsaved').textContent()).toContain('Unsaved changes');
    // Preview plans the settings on the page (the sync editor sends them); Run reads sluice.yaml, and says so.
    expect(await page.getByTestId('preview-button').textContent()).toBe('Preview');
    expect(await page.getByTestId('run-button').textContent()).toBe('Run without edits');
    expect(await page.getByTestId('uses-saved').textContent()).toContain('save first to run your edits');
    await browser.screenshot('sync-unsaved');

    // Typing the old value back is no edit at all.
    await schedule.fill('');
    await eventually(() => page.getByTestId('unsaved').count()).toBe(0);

    await schedule.fill('0 9 * * *');
    await page.keyboard.press('Control+s');
    await eventually(() => page.getByTestId('saved').textContent()).toBe('Saved to sluice.yaml.');
    expect(await page.getByTestId('unsaved').count()).toBe(0);
    expect(await page.getByTestId('preview-button').textContent()).toBe('Preview');
    expect(await readProject()).toContain('    schedule: 0 9 * * *\n');
  });

  it('asks before a link, the back button or a reload leaves unsaved edits, and stays when told to', async () => {
    const { page } = browser;
    await open('/connections');
    await page.getByTestId('nav-syncs').click();
    await page.getByRole('link', { name: 'contacts_out' }).click();
    await page.locator('input[name=key]').fill('id, name');
    await eventually(() => page.getByTestId('unsaved').count()).toBe(1);

    // A link in the sidebar: dismissed, the page and its edit stay.
    let asked = answerNextDialog(page, 'dismiss');
    await page.getByTestId('nav-connectors').click();
    const dialog = await asked;
    expect(dialog.type()).toBe('confirm');
    expect(dialog.message()).toBe('You have unsaved changes on this page. Leave and lose them?');
    expect(new URL(page.url()).pathname).toBe('/syncs/contacts_out');
    expect(await page.locator('input[name=key]').inputValue()).toBe('id, name');

    // The back button: dismissed, the address goes back to the sync and the edit stays.
    asked = answerNextDialog(page, 'dismiss');
    await page.goBack();
    await asked;
    await eventually(() => new URL(page.url()).pathname).toBe('/syncs/contacts_out');
    expect(await page.locator('input[name=key]').inputValue()).toBe('id, name');
    expect(await page.getByTestId('unsaved').count()).toBe(1);

    // Reloading the tab: the browser's own question (beforeunload); dismissed, nothing is reloaded.
    asked = answerNextDialog(page, 'dismiss');
    const reload = page.reload({ timeout: 3000 }).catch(() => 'stayed');
    expect((await asked).type()).toBe('beforeunload');
    expect(await reload).toBe('stayed');
    expect(await page.locator('input[name=key]').inputValue()).toBe('id, name');

    // Accepted: the page reloads and the edit is gone, unsaved.
    asked = answerNextDialog(page, 'accept');
    await page.reload();
    expect((await asked).type()).toBe('beforeunload');
    await eventually(() => page.locator('input[name=key]').inputValue()).toBe('id');
    expect(await page.getByTestId('unsaved').count()).toBe(0);

    // Accepted on a link: the link is followed and the edit is gone, unsaved.
    await page.locator('input[name=key]').fill('id, name');
    await eventually(() => page.getByTestId('unsaved').count()).toBe(1);
    asked = answerNextDialog(page, 'accept');
    await page.getByTestId('nav-connectors').click();
    await asked;
    await eventually(() => new URL(page.url()).pathname).toBe('/connectors');
    expect(await readProject()).not.toContain('key: [ id, name ]');
    expect(await readProject()).toContain('key: id');

    // Nothing unsaved: leaving asks nothing (a dialog would fail the wait for the address).
    await page.getByTestId('nav-syncs').click();
    await eventually(() => new URL(page.url()).pathname).toBe('/syncs');
  });

  it('marks unsaved connector YAML and saves it with Ctrl+S in the editor', async () => {
    const { page } = browser;
    await open('/connectors/hooks');
    // The form as it opens is no edit.
    await page.getByTestId('preview-panel').waitFor();
    await page.getByTestId('curl').first().waitFor();
    expect(await page.getByTestId('unsaved').count()).toBe(0);
    await page.getByRole('button', { name: 'YAML' }).click();
    const editor = page.getByTestId('yaml-editor').locator('.cm-content');
    await editor.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\ntitle: Hooks of the team');
    await eventually(() => page.getByTestId('unsaved').count()).toBe(1);
    await page.keyboard.press('Control+s');
    await eventually(() => page.getByTestId('saved').count()).toBe(1);
    expect(await page.getByTestId('unsaved').count()).toBe(0);
    expect(await readFile(join(server.dir, 'connectors/hooks.yaml'), 'utf8')).toContain('title: Hooks of the team');
  });

  it('marks an unsaved connection, says Test uses the saved one, and saves with Ctrl+S', async () => {
    const { page } = browser;
    await open('/connections/warehouse');
    const path = page.locator('input[name=path]');
    await eventually(() => path.inputValue()).toBe('warehouse.db');
    expect(await page.getByTestId('test-button').textContent()).toBe('Test');
    await path.fill('warehouse-copy.db');
    await eventually(() => page.getByTestId('unsaved').count()).toBe(1);
    expect(await page.getByTestId('test-button').textContent()).toBe('Test without edits');
    await page.keyboard.press('Meta+s');
    await eventually(() => page.getByTestId('saved').count()).toBe(1);
    expect(await page.getByTestId('test-button').textContent()).toBe('Test');
    expect(await readProject()).toContain('warehouse: { type: sqlite, path: warehouse-copy.db }');
    // Back as it was, for the other tests' sample reads.
    await path.fill('warehouse.db');
    await page.keyboard.press('Control+s');
    await eventually(() => page.getByTestId('unsaved').count()).toBe(0);
    expect(await readProject()).toContain('warehouse: { type: sqlite, path: warehouse.db }');
  });
});

describe('errors', () => {
  it('shows a configuration error once, not as the message and again as its issue', async () => {
    const { page } = browser;
    await open('/syncs/contacts_out');
    await page.locator('select[name=mode]').selectOption('mirror');
    await page.keyboard.press('Control+s');
    const error = page.getByTestId('save-error');
    await error.waitFor();
    // The server's message for one issue is that issue written out: the page says it once, as the issue.
    expect(await error.textContent()).toBe(
      'sluice.yaml:8:40 syncs.contacts_out.to.endpoint mode mirror needs endpoints that create, update and delete: ' +
        '{ upsert: ..., delete: ... } or { create: ..., update: ..., delete: ... }; endpoint "add_contact" of connector hooks is a create endpoint',
    );
    const body = (await page.locator('body').textContent()) ?? '';
    expect(body.split('mode mirror needs endpoints').length - 1).toBe(1);
    await browser.screenshot('sync-save-error');
    await page.locator('select[name=mode]').selectOption('insert');
    await eventually(() => page.getByTestId('unsaved').count()).toBe(0);
  });

  it('says the server is unreachable in a banner that retries, and clears it when the server answers', async () => {
    const { page } = browser;
    await open('/connections');
    await page.getByTestId('connection-warehouse').waitFor();
    await server.stop();
    try {
      await page.getByTestId('nav-syncs').click();
      const banner = page.getByTestId('offline-banner');
      await eventually(() => banner.textContent()).toContain('The server cannot be reached. Trying again every 3 seconds');
      const body = (await page.locator('body').textContent()) ?? '';
      expect(body).not.toMatch(/failed to fetch/i);
      expect(await page.getByTestId('error').textContent()).toBe('Not done: the server could not be reached. Try again once it answers.');
      await browser.screenshot('offline-banner');
    } finally {
      await server.start();
    }
    // The banner's own retry finds the server; the list that could not load loads.
    await eventually(() => page.getByTestId('offline-banner').count()).toBe(0);
    await eventually(() => page.getByTestId('sync-contacts_out').count()).toBe(1);
    expect(await page.getByTestId('error').count()).toBe(0);
  });

  it('shows the banner in Japanese too', async () => {
    const { page } = browser;
    await open('/syncs');
    await page.getByRole('button', { name: '日本語' }).click();
    await server.stop();
    try {
      await page.getByTestId('nav-connections').click();
      await eventually(() => page.getByTestId('offline-banner').textContent()).toContain('サーバーに接続できません');
      expect((await page.locator('body').textContent()) ?? '').not.toMatch(/failed to fetch/i);
    } finally {
      await server.start();
      await page.getByRole('button', { name: 'EN' }).click();
    }
    await eventually(() => page.getByTestId('offline-banner').count()).toBe(0);
  });
});
