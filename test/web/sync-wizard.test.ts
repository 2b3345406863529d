import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { startWebhookSandbox, type WebhookSandbox } from '../../sandbox/webhook/webhook-sandbox.js';
import { eventually } from './eventually.js';
import { openUiInBrowser } from './open-ui-in-browser.js';

// An API whose create endpoint reads three row fields the warehouse names differently: the mapping must be picked.
const PEOPLE_API = `name: people_api
title: People API
base_url: http://127.0.0.1:9
endpoints:
  add_contact:
    operation: create
    method: POST
    path: "/hooks/contacts/{{ row.id }}"
    headers: { Content-Type: application/json }
    body: '{ "name": {{ row.name | json }}, "email": {{ row.email | json }} }'
    response:
      record_id: "{{ response.body.id }}"
  update_contact:
    operation: update
    method: PATCH
    path: "/hooks/contacts/{{ record.id }}"
    body: '{ "name": {{ row.name | json }} }'
`;

const SQL = 'select person_id, full_name, mail from people order by person_id';

const ui = openUiInBrowser<WebhookSandbox>({
  sandbox: startWebhookSandbox,
  project: (sandbox) => ({
    'connectors/people-api.yaml': PEOPLE_API,
    'queries/old.sql': 'select person_id as id, full_name as name, mail as email from people',
    'sluice.yaml': [
      'version: 1',
      '# the team keeps its SQL in queries/',
      'connections:',
      '  warehouse: { type: sqlite, path: warehouse.db }',
      `  people: { type: http, connector: ./connectors/people-api.yaml, base_url: "${sandbox.url}" }`,
      'syncs:',
      '  old_export:   # written by hand',
      '    from: { connection: warehouse, sql: queries/old.sql }',
      '    to: { connection: people, endpoint: add_contact }',
      '    mode: insert',
      '    key: id',
      '',
    ].join('\n'),
  }),
  warehouse: `create table people (person_id integer primary key, full_name text, mail text);
    insert into people values (1, 'Ada Lovelace', 'ada@example.com'), (2, 'Grace "Amazing" Hopper', 'grace@example.com'), (3, '宮本 武蔵', 'musashi@example.jp');`,
});

// What the functions run in the page see (the tests are type-checked without the DOM library).
declare const window: object & { localStorage: { setItem(key: string, value: string): void } };
declare const document: { body: unknown; documentElement: { scrollWidth: number } };

const shots = join(tmpdir(), 'sluice-sync-wizard-screenshots');

let axeSource: string | undefined;

/** A full-page screenshot under the OS temp folder, after axe-core finds no serious or critical violation on the page. */
async function shot(page: Page, name: string): Promise<void> {
  axeSource ??= await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run: (el: unknown) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe.run(document.body);
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  expect(violations, name).toEqual([]);
  await mkdir(shots, { recursive: true });
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

/** The texts a variant of the walk sees (English or Japanese). */
const TEXT = {
  en: { newSync: 'New sync', next: 'Next', save: 'Save sync', words: 'Monday to Friday at 08:30', added: '3Added', runNow: 'Run now', created: 'saved to sluice.yaml', delivered: '3 delivered' },
  ja: { newSync: '新しい同期', next: '次へ', save: '同期を保存', words: '月曜〜金曜の 08:30', added: '3追加', runNow: '今すぐ実行', created: 'sluice.yaml に保存しました', delivered: '配信 3 件' },
};

/**
 * A user creates a scheduled sync in the UI: SQL typed and its first rows seen, the endpoint picked, key and mapping
 * picked, a schedule in a time zone, a preview of the unsaved settings, Save, Run; the records reach the API.
 */
async function walk(page: Page, variant: { name: string; width: number; lang: 'en' | 'ja' }) {
  const text = TEXT[variant.lang];
  const sync = `people_${variant.name}`;
  await page.setViewportSize({ width: variant.width, height: 900 });
  await page.goto(`${ui.server.url}/syncs?token=${ui.server.token}`);
  await page.getByRole('button', { name: text.newSync }).click();
  await page.getByTestId('sync-wizard').waitFor();

  // 1. Source: the name, the warehouse, the SQL typed into the editor, and its first rows.
  await page.locator('input[name=sync-name]').fill(sync);
  await page.locator('select[name=source-connection]').selectOption('warehouse');
  await page.getByTestId('source-sql').locator('.cm-content').click();
  await page.keyboard.type(SQL);
  await page.getByTestId('sample-button').click();
  await eventually(() => page.getByTestId('sample-table').locator('tbody tr').count()).toBe(3);
  expect(await page.getByTestId('sample-table').textContent()).toContain('Grace "Amazing" Hopper');
  await shot(page, `${variant.name}-1-source`);
  await page.getByTestId('wizard-next').click();

  // 2. Destination: the API's create endpoint, and the row fields its request reads.
  await page.locator('select[name=destination-connection]').selectOption('people');
  await page.locator('select[name=destination-endpoint]').selectOption('add_contact');
  await eventually(() => page.getByTestId('endpoint-fields').textContent()).toContain('id, name, email');
  await shot(page, `${variant.name}-2-destination`);
  await page.getByTestId('wizard-next').click();

  // 3. Key and mapping from the sample's columns; the endpoint serves insert (not update, which is in "other modes").
  expect(await page.locator('select[name=mode] > option').allTextContents()).toEqual(['insert', 'append']);
  await page.getByTestId('key-column-person_id').click();
  await page.locator('select[name=mapping-id]').selectOption('person_id');
  await page.locator('select[name=mapping-name]').selectOption('full_name');
  await page.locator('select[name=mapping-email]').selectOption('mail');
  // A field rule: a null email is left out of the request.
  if (variant.name === 'wide') await page.getByTestId('field-rules').locator('select').last().selectOption('email');
  await shot(page, `${variant.name}-3-fields`);
  await page.getByTestId('wizard-next').click();

  // 4. Schedule: weekdays at 08:30 in Tokyo, said in words, with its next times.
  await page.locator('input[name=schedule]').fill('30 8 * * 1-5');
  await page.locator('select[name=timezone]').selectOption('Asia/Tokyo');
  await eventually(() => page.getByTestId('schedule-words').textContent()).toContain(text.words);
  expect(await page.getByTestId('schedule-words').textContent()).toContain('Asia/Tokyo');
  expect((await page.getByTestId('schedule-next').textContent())?.split(' · ')).toHaveLength(3);
  // On the phone the sync is created paused: the scheduler skips it until resumed.
  if (variant.name === 'phone') await page.locator('input[name=paused]').check();
  await shot(page, `${variant.name}-4-schedule`);
  await page.getByTestId('wizard-next').click();

  // 5. Preview with these (unsaved) settings: three creates, the mapped fields in the first request, nothing sent.
  const sentBefore = ui.sandbox.state.hooks.length;
  await page.getByTestId('preview-button').click();
  await eventually(() => page.getByTestId('count-added').textContent()).toBe(text.added);
  const first = await page.getByTestId('preview-request').first().textContent();
  expect(first).toContain(`${ui.sandbox.url}/hooks/contacts/1`);
  expect(first).toContain('ada@example.com');
  expect(ui.sandbox.state.hooks.length).toBe(sentBefore);
  await shot(page, `${variant.name}-5-preview`);

  // Save: sluice.yaml keeps its comments and gains the sync; the SQL goes to queries/ as the project's other SQL does.
  await page.getByRole('button', { name: text.save }).click();
  await eventually(() => new URL(page.url()).pathname).toBe(`/syncs/${sync}`);
  await eventually(() => page.getByTestId('flash').textContent()).toContain(text.created);
  const yaml = await readFile(join(ui.server.dir, 'sluice.yaml'), 'utf8');
  expect(yaml).toContain('# the team keeps its SQL in queries/');
  expect(yaml).toContain('old_export:   # written by hand');
  expect(yaml).toContain(`  ${sync}:\n    from:\n      connection: warehouse\n      sql: queries/${sync}.sql\n`);
  expect(yaml).toMatch(new RegExp(`${sync}:[\\s\\S]*schedule: 30 8 \\* \\* 1-5\\n    timezone: Asia/Tokyo`));
  expect(yaml).toContain('mapping:\n      id: person_id\n      name: full_name\n      email: mail\n');
  expect(await readFile(join(ui.server.dir, `queries/${sync}.sql`), 'utf8')).toBe(SQL);
  if (variant.name === 'wide') expect(yaml).toContain('    fields:\n      email:\n        skip_null: true\n');

  // The editor opens on the saved sync: its SQL from the file, its schedule and zone.
  await eventually(() => page.getByTestId('source-sql').textContent()).toContain('full_name, mail from people');
  expect(await page.locator('select[name=timezone]').inputValue()).toBe('Asia/Tokyo');
  const schedules = await fetch(`${ui.server.url}/api/schedules`, { headers: { authorization: `Bearer ${ui.server.token}` } });
  const entry = ((await schedules.json()) as { kind: string; name: string; timezone: string; pausedAt: string | null }[]).find((e) => e.kind === 'sync' && e.name === sync);
  expect(entry?.pausedAt ?? null).toEqual(variant.name === 'phone' ? expect.any(String) : null);
  expect(entry?.timezone).toBe('Asia/Tokyo');
  await eventually(() => page.locator('input[name=paused]').isChecked()).toBe(variant.name === 'phone');

  // Run: the three people arrive at the API with the mapped fields.
  await page.getByRole('button', { name: text.runNow }).click();
  await eventually(() => page.getByTestId('run-summary').textContent()).toContain(text.delivered);
  const arrived = ui.sandbox.state.hooks.slice(sentBefore);
  expect(arrived.map((h) => [h.path, h.body])).toEqual([
    ['/hooks/contacts/1', { name: 'Ada Lovelace', email: 'ada@example.com' }],
    ['/hooks/contacts/2', { name: 'Grace "Amazing" Hopper', email: 'grace@example.com' }],
    ['/hooks/contacts/3', { name: '宮本 武蔵', email: 'musashi@example.jp' }],
  ]);
  await shot(page, `${variant.name}-6-run`);
}

describe('the sync wizard', () => {
  it('creates a scheduled sync that delivers, at 1,400 px', async () => {
    await walk(ui.browser.page, { name: 'wide', width: 1400, lang: 'en' });
  });

  it('does the same on a phone, 390 px wide', async () => {
    await walk(ui.browser.page, { name: 'phone', width: 390, lang: 'en' });
    // Nothing overflows the screen sideways.
    expect(await ui.browser.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  });

  it('does the same in Japanese', async () => {
    const { page } = ui.browser;
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.goto(`${ui.server.url}/syncs?token=${ui.server.token}`);
    await page.getByRole('button', { name: '日本語' }).click();
    try {
      await walk(page, { name: 'ja', width: 1400, lang: 'ja' });
    } finally {
      await page.evaluate(() => window.localStorage.setItem('sluice.lang', 'en'));
    }
  });

  it('names one endpoint per operation, which opens upsert and mirror', async () => {
    const { page } = ui.browser;
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.goto(`${ui.server.url}/syncs/new?token=${ui.server.token}`);
    await page.locator('input[name=sync-name]').fill('people_upsert');
    await page.locator('select[name=source-connection]').selectOption('warehouse');
    await page.getByTestId('source-sql').locator('.cm-content').click();
    await page.keyboard.type('select person_id as id, full_name as name, mail as email from people');
    await page.getByTestId('sample-button').click();
    await eventually(() => page.getByTestId('sample-table').locator('tbody tr').count()).toBe(3);
    await page.getByTestId('wizard-next').click();
    await page.locator('select[name=destination-connection]').selectOption('people');
    await page.locator('input[name=per-operation]').check();
    await page.locator('select[name=endpoint-create]').selectOption('add_contact');
    await page.locator('select[name=endpoint-update]').selectOption('update_contact');
    // Only endpoints of the slot's operation are offered.
    expect(await page.locator('select[name=endpoint-delete] > option').allTextContents()).toEqual(['(none)']);
    await page.getByTestId('wizard-next').click();
    expect(await page.locator('select[name=mode] > option').allTextContents()).toEqual(['insert', 'update', 'upsert', 'mirror', 'append']);
    await page.locator('select[name=mode]').selectOption('upsert');
    await page.getByTestId('key-column-id').click();
    await page.getByTestId('wizard-next').click();
    await page.getByTestId('wizard-next').click();
    await page.getByTestId('preview-button').click();
    await eventually(() => page.getByTestId('operation-create').textContent()).toBe('create3');
    await page.getByTestId('save-button').click();
    await eventually(() => new URL(page.url()).pathname).toBe('/syncs/people_upsert');
    const yaml = await readFile(join(ui.server.dir, 'sluice.yaml'), 'utf8');
    expect(yaml).toContain('    to:\n      connection: people\n      endpoints:\n        create: add_contact\n        update: update_contact\n    mode: upsert\n');
  });

  it('says why a step is not done, and refuses a name with path characters', async () => {
    const { page } = ui.browser;
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.goto(`${ui.server.url}/syncs/new?token=${ui.server.token}`);
    await page.getByTestId('wizard-next').click();
    expect(await page.getByTestId('step-error').textContent()).toBe('Give the sync a name first.');
    await page.locator('input[name=sync-name]').fill('../../etc/x');
    await page.getByTestId('wizard-next').click();
    expect(await page.getByTestId('step-error').textContent()).toBe('Give the sync a name first.');
    // A query that writes is refused by the server, which says why; the table is untouched.
    await page.locator('input[name=sync-name]').fill('careful');
    await page.locator('select[name=source-connection]').selectOption('warehouse');
    await page.getByTestId('source-sql').locator('.cm-content').click();
    await page.keyboard.type('delete from people');
    await page.getByTestId('sample-button').click();
    await eventually(() => page.getByTestId('sample-error').textContent()).toContain('this one starts with DELETE');
    await page.getByTestId('source-sql').locator('.cm-content').click();
    await page.keyboard.press('Control+a');
    await page.keyboard.type(SQL);
    await page.getByTestId('sample-button').click();
    await eventually(() => page.getByTestId('sample-table').locator('tbody tr').count()).toBe(3);
  });
});
