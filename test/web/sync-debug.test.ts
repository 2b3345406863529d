import { beforeAll, describe, expect, it } from 'vitest';
import { contactsToHooks } from './contacts-to-hooks.js';
import { eventually } from './eventually.js';
import { openUiInBrowser } from './open-ui-in-browser.js';

const ui = openUiInBrowser(
  contactsToHooks({
    sync: 'contacts_debugged',
    sql: 'select id, name, email from contacts order by id',
    contacts: [
      [1, 'Ada Lovelace', 'ada@example.com'],
      [2, 'Mallory', 'mallory@refused.test'],
    ],
  }),
);

beforeAll(() => {
  ui.sandbox.faults({ status: 422, count: 1, path: '/hooks/contacts/2', body: { error: 'mailbox 9c1d refused' } });
});

describe('the debugger', () => {
  it('opens from a rejected row on the exchange that refused it, and finds another key by search', async () => {
    const { page } = ui.browser;
    await page.goto(`${ui.server.url}/syncs/contacts_debugged?token=${ui.server.token}`);
    await page.getByRole('button', { name: 'Run now' }).click();
    await eventually(() => page.getByTestId('run-summary').textContent()).toContain('1 delivered, 1 failed');
    await page.getByTestId('run-card').getByRole('link').click();
    await eventually(() => page.getByTestId('rejected-row').count()).toBe(1);

    await page.getByTestId('rejected-debug-link').click();
    await eventually(() => page.getByTestId('debug-exchange').count()).toBe(1);
    expect(await page.getByTestId('debug-key').inputValue()).toBe('2');
    expect(await page.getByTestId('debug-outcome').textContent()).toBe('rejected');
    const exchange = (await page.getByTestId('debug-exchange').textContent()) ?? '';
    expect(exchange).toContain('POST');
    expect(exchange).toContain('"email": "mallory@refused.test"');
    expect(exchange).toContain('HTTP 422');
    expect(exchange).toContain('{"error":"mailbox 9c1d refused"}');

    await page.getByTestId('debug-key').fill('1');
    await page.getByTestId('debug-run').fill('');
    await page.getByTestId('debug-search').click();
    await eventually(() => page.getByTestId('debug-outcome').first().textContent()).toBe('delivered');
    expect(page.url()).toContain('/syncs/contacts_debugged/debug?key=1');

    await page.getByTestId('debug-key').fill('99');
    await page.getByTestId('debug-search').click();
    await eventually(() => page.getByTestId('debug-note').textContent()).toContain('has sent nothing for key 99');
  });

  it('is linked from the sync page', async () => {
    const { page } = ui.browser;
    await page.goto(`${ui.server.url}/syncs/contacts_debugged?token=${ui.server.token}`);
    await page.getByTestId('debug-link').click();
    await eventually(() => page.getByTestId('sync-debug-page').count()).toBe(1);
    expect(new URL(page.url()).pathname).toBe('/syncs/contacts_debugged/debug');
  });
});
