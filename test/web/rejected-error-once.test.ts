import { beforeAll, describe, expect, it } from 'vitest';
import { contactsToHooks } from './contacts-to-hooks.js';
import { eventually } from './eventually.js';
import { openUiInBrowser } from './open-ui-in-browser.js';

const ui = openUiInBrowser(
  contactsToHooks({
    sync: 'contacts_once',
    sql: 'select id, name, email from contacts order by id',
    contacts: [
      [1, 'Ada Lovelace', 'ada@example.com'],
      [2, 'Mallory', 'mallory@refused.test'],
    ],
  }),
);

beforeAll(() => {
  ui.sandbox.faults({ status: 422, count: 1, path: '/hooks/contacts/2', body: { error: 'mailbox 7f3e refused' } });
});

/** How many times a text is in the page's main content. */
const timesShown = async (text: string) => ((await ui.browser.page.locator('main').textContent()) ?? '').split(text).length - 1;

describe('a rejected row', () => {
  it('shows its error once on the run page: in its rejected row, not again in the summary above', async () => {
    const { page } = ui.browser;
    await page.goto(`${ui.server.url}/syncs/contacts_once?token=${ui.server.token}`);
    await page.getByRole('button', { name: 'Run now' }).click();
    await eventually(() => page.getByTestId('run-summary').textContent()).toContain('1 delivered, 1 failed');
    // The sync page shows the run's sample of failed rows, once.
    expect(await timesShown('mailbox 7f3e refused')).toBe(1);

    await page.getByTestId('run-card').getByRole('link').click();
    await eventually(() => page.getByTestId('rejected-row').count()).toBe(1);
    expect(await page.getByTestId('rejected-error').textContent()).toContain('mailbox 7f3e refused');
    expect(await timesShown('mailbox 7f3e refused')).toBe(1);
  });
});
