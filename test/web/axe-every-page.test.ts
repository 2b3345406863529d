import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { contactsToHooks } from './contacts-to-hooks.js';
import { eventually } from './eventually.js';
import { openUiInBrowser } from './open-ui-in-browser.js';
import { seriousViolations } from './serious-violations.js';

// Screenshots of every page at both widths: artifacts of the run, never committed.
const shots = join(tmpdir(), 'sluice-axe-screenshots');

const base = contactsToHooks({
  sync: 'axe_sync',
  sql: 'select id, name, email from contacts order by id',
  contacts: [
    [1, 'Ada Lovelace', 'ada@example.com'],
    [2, 'Grace Hopper', 'grace@example.com'],
    [3, 'Alan Turing', 'alan@example.com'],
  ],
});
const ui = openUiInBrowser({
  ...base,
  project: (sandbox) => {
    const files = base.project(sandbox);
    files['sluice.yaml'] = files['sluice.yaml']!.replace('    mode: insert\n', '    mode: insert\n    schedule: "*/15 * * * *"\n') +
      'pipelines:\n  nightly:\n    schedule: "0 3 * * *"\n    steps: [axe_sync]\n';
    return files;
  },
});

let runId: string;
let retryId: string;

async function finish(id: string, auth: Record<string, string>) {
  for (let waited = 0; waited < 10_000; waited += 100) {
    const run = (await (await fetch(`${ui.server.url}/api/runs/${id}`, { headers: auth })).json()) as { finishedAt: string | null };
    if (run.finishedAt) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`run ${id} did not finish`);
}

beforeAll(async () => {
  await mkdir(shots, { recursive: true });
  // A partial run (one row refused) and its retry: the run page shows rejected rows and retry links.
  ui.sandbox.faults({ status: 422, count: 1, path: '/hooks/contacts/2', body: { error: 'email domain is blocked' } });
  const auth = { authorization: `Bearer ${ui.server.token}`, 'content-type': 'application/json' };
  runId = ((await (await fetch(`${ui.server.url}/api/syncs/axe_sync/runs`, { method: 'POST', headers: auth, body: '{}' })).json()) as { runId: string }).runId;
  await finish(runId, auth);
  ui.sandbox.faults({ status: 422, count: 1, path: '/hooks/contacts/2', body: { error: 'email domain is blocked' } });
  retryId = ((await (await fetch(`${ui.server.url}/api/syncs/axe_sync/rejected/retry`, { method: 'POST', headers: auth, body: '{}' })).json()) as { runId: string }).runId;
  await finish(retryId, auth);
});

/** Every page of the UI, what shows once it has loaded, and what to do on it before checking (open a detail, a dialog). */
const pages = () => [
  { name: 'connectors', path: '/connectors', ready: 'hooks' },
  { name: 'connector-builder', path: '/connectors/hooks', ready: 'update_contact' },
  { name: 'connector-new', path: '/connectors/new', ready: 'New connector' },
  { name: 'connections', path: '/connections', ready: 'warehouse' },
  { name: 'connection', path: '/connections/warehouse', ready: 'warehouse' },
  { name: 'connection-new', path: '/connections/new', ready: 'Name' },
  { name: 'syncs', path: '/syncs', ready: 'axe_sync' },
  { name: 'sync-wizard', path: '/syncs/new', ready: 'New sync' },
  { name: 'sync', path: '/syncs/axe_sync', ready: 'History' },
  { name: 'pipelines', path: '/pipelines', ready: 'nightly' },
  { name: 'pipeline', path: '/pipelines/nightly', ready: 'axe_sync' },
  { name: 'schedules', path: '/schedules', ready: 'nightly' },
  { name: 'runs', path: '/runs', ready: 'axe_sync' },
  { name: 'run', path: () => `/runs/${runId}`, ready: 'Retried by' },
  // The retry was refused again: its page holds the rejected row, opened to its request.
  { name: 'retry-run', path: () => `/runs/${retryId}`, ready: 'email domain is blocked', then: (page: Page) => page.getByTestId('rejected-row').first().getByText('Show request and response').click() },
  { name: 'delete-dialog', path: '/connections', ready: 'warehouse', then: async (page: Page) => {
    await page.getByTestId('delete-hooks').click();
    await eventually(() => page.getByRole('dialog').textContent()).toContain('sync axe_sync');
  } },
  { name: 'not-found', path: '/no/such/page', ready: 'Page not found' },
];

describe.each([
  { width: 1400, height: 900, scheme: 'light' as const },
  { width: 390, height: 844, scheme: 'light' as const },
  { width: 1400, height: 900, scheme: 'dark' as const },
])('axe-core at $width px ($scheme)', ({ width, height, scheme }) => {
  const setUp = async (page: Page) => {
    await page.setViewportSize({ width, height });
    await page.emulateMedia({ colorScheme: scheme });
  };

  it.each(pages())('finds no serious or critical violation on the $name page, and saves its screenshot', async (p) => {
    const { page } = ui.browser;
    await setUp(page);
    const path = typeof p.path === 'function' ? p.path() : p.path;
    await page.goto(`${ui.server.url}${path}?token=${ui.server.token}`);
    // A loaded machine (the whole suite in parallel) can take a while over the first render.
    await page.locator('main').waitFor({ timeout: 30_000 });
    await eventually(() => page.locator('main').textContent()).toContain(p.ready);
    await p.then?.(page);
    const found = await seriousViolations(page);
    await page.screenshot({ path: join(shots, `${p.name}-${width}-${scheme}.png`), fullPage: true });
    expect(found).toEqual([]);
  });

  it('finds no serious or critical violation on the sign-in page, and saves its screenshot', async () => {
    const { page } = ui.browser;
    await setUp(page);
    await page.evaluate(() => (globalThis as unknown as { localStorage: { clear(): void } }).localStorage.clear());
    await page.goto(`${ui.server.url}/syncs`);
    await eventually(() => page.locator('body').textContent()).toContain('API token');
    const found = await seriousViolations(page);
    await page.screenshot({ path: join(shots, `login-${width}-${scheme}.png`), fullPage: true });
    expect(found).toEqual([]);
  });
});
