import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_RUN_END_PARAM_CHARS } from '../../web/src/server-messages.js';
import { contactsToHooks } from './contacts-to-hooks.js';
import { eventually } from './eventually.js';
import { openUiInBrowser } from './open-ui-in-browser.js';

const hooks = contactsToHooks({
  sync: 'contacts_strict',
  sql: 'select id, name, email from contacts order by id',
  contacts: [
    [1, 'Ada Lovelace', 'ada@example.com'],
    [2, 'Mallory', 'mallory@refused.test'],
    [3, 'Grace Hopper', 'grace@example.com'],
  ],
});

// The same project, but a run fails at its first failed row: its error is the engine's own sentence with its numbers.
const ui = openUiInBrowser({
  ...hooks,
  project: (sandbox) => {
    const files = hooks.project(sandbox);
    return {
      ...files,
      'sluice.yaml': `${files['sluice.yaml']!.replace('on_error: { max_failed_rows: 5 }', 'on_error: { max_failed_rows: 0 }')}pipelines:\n  hostile:\n    steps: [{ sql: queries/hostile.sql, connection: warehouse }]\n`,
      // The database's error quotes the table name: HTML, placeholders, quotes and a long text reach the run's error.
      'queries/hostile.sql': `select * from "${HOSTILE_TABLE.replaceAll('"', '""')}"`,
    };
  },
});

beforeAll(() => {
  ui.sandbox.faults({ status: 422, count: 1, path: '/hooks/contacts/2', body: { error: 'mailbox 7f3e refused' } });
});

const HOSTILE_TABLE = `<img src=x onerror="window.__pwned=1"> {{ row.x }} {detail} 'q' ${'x'.repeat(3000)}`;

const ENGLISH = '1 of 3 rows failed (on_error.max_failed_rows: 0)';
const JAPANESE = '3 行中 1 行が失敗しました（on_error.max_failed_rows: 0）';

describe("a run's end, in the user's language", () => {
  it('says why a partial run failed in Japanese, with its numbers, on the sync page and the run page, and in English once switched back', async () => {
    const { page } = ui.browser;
    await page.goto(`${ui.server.url}/syncs/contacts_strict?token=${ui.server.token}`);
    await page.getByRole('button', { name: '日本語' }).click();
    await page.getByRole('button', { name: '今すぐ実行' }).click();
    await eventually(() => page.getByTestId('run-error').textContent()).toBe(JAPANESE);

    await page.getByTestId('run-card').getByRole('link').click();
    await eventually(() => page.locator('h1 .badge').textContent()).toBe('一部失敗');
    expect(await page.getByTestId('run-error').textContent()).toBe(JAPANESE);
    expect(await page.locator('main').textContent()).not.toContain(ENGLISH);
    await ui.browser.screenshot('run-partial-ja');

    await page.getByRole('button', { name: 'EN' }).click();
    await eventually(() => page.getByTestId('run-error').textContent()).toBe(ENGLISH);
  });

  it('gives API clients the code and params beside the English text, on the run and in the runs list', async () => {
    const get = async (path: string) => (await fetch(`${ui.server.url}${path}`, { headers: { Authorization: `Bearer ${ui.server.token}` } })).json();
    const { runs } = (await get('/api/runs?name=contacts_strict')) as { runs: { id: string; error: string; errorCode: string; errorParams: unknown }[] };
    const coded = { error: ENGLISH, errorCode: 'failed_rows', errorParams: { failed: 1, planned: 3, limit: '0' } };
    expect(runs[0]).toMatchObject(coded);
    expect(await get(`/api/runs/${encodeURIComponent(runs[0]!.id)}`)).toMatchObject(coded);
  });

  it("shows a database's hostile error inside a translated sentence as text, cut to its bound", async () => {
    const { page } = ui.browser;
    const answer = await fetch(`${ui.server.url}/api/pipelines/hostile/runs`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ui.server.token}`, 'Content-Type': 'application/json' },
      body: '{}',
    });
    const { runId } = (await answer.json()) as { runId: string };
    await page.goto(`${ui.server.url}/runs/${encodeURIComponent(runId)}?token=${ui.server.token}`);
    await page.getByRole('button', { name: '日本語' }).click();
    const prefix = 'ステップ「sql queries/hostile.sql on warehouse」が失敗しました: ';
    await eventually(() => page.getByTestId('run-error').textContent()).toContain(prefix);
    const shown = (await page.getByTestId('run-error').textContent())!;
    expect(shown).toContain(`no such table: <img src=x onerror="window.__pwned=1"> {{ row.x }} {detail} 'q' xxx`);
    expect(shown.length).toBe(prefix.length + MAX_RUN_END_PARAM_CHARS + 1);
    expect(shown.endsWith('x…')).toBe(true);
    expect(await page.getByTestId('run-error').locator('img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
  });
});
