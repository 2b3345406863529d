import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startOAuthProvider } from '../../sandbox/oauth-provider/oauth-provider.js';
import { oauthProviderConnector } from '../oauth/oauth-provider-connector.js';
import { eventually } from './eventually.js';
import { openUiInBrowser } from './open-ui-in-browser.js';

const TRACKER = oauthProviderConnector({
  name: 'tracker',
  title: 'Tracker',
  scopes: 'records.read, records.write',
  otherAuth: ['{ type: bearer }'],
  rest: ['endpoints:', '  add_record:', '    operation: create', '    path: /api/records', '    headers: { Content-Type: application/json }', "    body: '{{ row | json }}'"],
});

const SECRET_TOKEN = 'bearer-9d81f0c2a7';

const ui = openUiInBrowser({
  sandbox: startOAuthProvider,
  project: (provider) => ({
    'connectors/tracker.yaml': TRACKER,
    'sluice.yaml': [
      'version: 1',
      'connections:',
      '  # the team tracker, signed in with OAuth',
      '  tracker:',
      '    type: http',
      '    connector: ./connectors/tracker.yaml',
      `    config: { provider: "${provider.url}" }`,
      '    auth: { type: oauth2, client_id: sandbox-client, client_secret: sandbox-secret }',
      '  warehouse: { type: sqlite, path: warehouse.db }',
      '  tracker_token:',
      '    type: http',
      '    connector: ./connectors/tracker.yaml',
      `    config: { provider: "${provider.url}" }`,
      '    auth: { type: bearer, token: tracker-token-51c0 }',
      '',
    ].join('\n'),
  }),
  warehouse: 'create table t (id integer primary key)',
});

describe('connections', () => {
  it('authorizes an OAuth connection in a new window and shows it authorized', async () => {
    const { page, context } = ui.browser;
    await page.goto(`${ui.server.url}/connections?token=${ui.server.token}`);
    const row = page.getByTestId('connection-tracker');
    await eventually(() => row.getByTestId('auth-state').textContent()).toBe('Not authorized');
    await ui.browser.screenshot('connections');

    const popupOpened = context.waitForEvent('page');
    await row.getByRole('button', { name: 'Authorize' }).click();
    const popup = await popupOpened;
    // The sandbox provider approves at once and redirects to the server's /oauth/callback.
    await popup.waitForURL(/\/oauth\/callback/);
    await eventually(() => popup.locator('h1').textContent()).toBe('Connected tracker');
    await ui.browser.screenshot('oauth-callback', popup);

    await eventually(() => row.getByTestId('outcome').textContent()).toContain('Authorized: tokens stored.');
    expect(await row.getByTestId('auth-state').textContent()).toBe('Authorized');
    expect(ui.sandbox.requests.map((r) => r.endpoint)).toEqual(['authorize', 'token']);
    expect(ui.sandbox.requests[0]?.params.redirect_uri).toBe(`${ui.server.url}/oauth/callback`);
    await popup.close();
    await ui.browser.screenshot('connections-authorized');
  });

  it('tests a database connection and shows the outcome', async () => {
    const { page } = ui.browser;
    await page.goto(`${ui.server.url}/connections`);
    const row = page.getByTestId('connection-warehouse');
    await row.getByRole('button', { name: 'Test' }).click();
    await eventually(() => row.getByTestId('outcome').textContent()).toMatch(/^✓/);
  });

  it('shows an HTTP connection whose connector declares no test: in amber, saying its credentials were not verified', async () => {
    const { page } = ui.browser;
    await page.goto(`${ui.server.url}/connections?token=${ui.server.token}`);
    const row = page.getByTestId('connection-tracker_token');
    await row.getByRole('button', { name: 'Test' }).click();
    const outcome = row.getByTestId('outcome');
    await eventually(() => outcome.textContent()).toMatch(/^⚠ reachable; credentials not verified: connector tracker declares no test: request \(/);
    const shown = outcome.locator('[data-state]');
    expect(await shown.getAttribute('data-state')).toBe('unverified');
    // Amber (#92400e), not the green of a verified test.
    // (The root typecheck has no DOM names: the page's getComputedStyle is reached through globalThis.)
    const colour = await shown.evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(el).color);
    expect(colour).toBe('rgb(146, 64, 14)');
    await ui.browser.screenshot('connection-unverified');
  });

  it('creates a connection with the form; its secret goes to the encrypted state, never into sluice.yaml, and is never shown again', async () => {
    const { page } = ui.browser;
    await page.goto(`${ui.server.url}/connections`);
    await page.getByRole('button', { name: '+ New connection' }).click();
    await eventually(() => new URL(page.url()).pathname).toBe('/connections/new');
    await page.locator('input[name=connection_name]').fill('tracker_bot');
    await page.locator('select[name=connection_type]').selectOption('http');
    await page.locator('input[name=connector]').fill('./connectors/tracker.yaml');
    await page.getByRole('button', { name: '+ Add' }).click();
    await page.getByRole('textbox', { name: 'Key' }).fill('provider');
    await page.getByRole('textbox', { name: 'Value' }).fill(ui.sandbox.url);
    await page.locator('select[name=auth_type]').selectOption('bearer');
    await page.locator('input[name=token]').fill(SECRET_TOKEN);
    await page.getByRole('button', { name: 'Save' }).click();
    await eventually(() => page.getByTestId('saved').textContent()).toBe('Saved to sluice.yaml.');
    expect(page.url()).toBe(`${ui.server.url}/connections/tracker_bot`);

    const yaml = await readFile(join(ui.server.dir, 'sluice.yaml'), 'utf8');
    expect(yaml).toContain('# the team tracker, signed in with OAuth');
    expect(yaml).toContain('tracker_bot:');
    expect(yaml).toMatch(/token: "?\$\{secret:tracker_bot_auth_token\}"?/);
    expect(yaml).not.toContain(SECRET_TOKEN);

    // Reopened, the secret comes back masked; saving again keeps the stored value.
    await page.reload();
    await eventually(() => page.locator('input[name=token]').inputValue()).toBe('****');
    expect(await page.content()).not.toContain(SECRET_TOKEN);
    await page.getByRole('button', { name: 'Save' }).click();
    await eventually(() => page.getByTestId('saved').isVisible()).toBe(true);
    expect(await readFile(join(ui.server.dir, 'sluice.yaml'), 'utf8')).toMatch(/token: "?\$\{secret:tracker_bot_auth_token\}"?/);

    await ui.browser.screenshot('connection-form');

    await page.getByTestId('nav-connections').click();
    await eventually(() => page.getByTestId('connection-tracker_bot').textContent()).toContain('bearer');
  });
});
