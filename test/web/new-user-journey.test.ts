import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIntercomSandbox } from '../../sandbox/intercom/intercom-sandbox.js';
import { ensureWebBuild } from './ensure-web-build.js';
import { eventually } from './eventually.js';
import { launchBrowser, type TestBrowser } from './launch-browser.js';
import { startUiServer } from './start-ui-server.js';

// What the functions run in the page see (the tests are type-checked without the DOM library).
declare const window: object;
declare const document: { body: unknown; documentElement: { scrollWidth: number } };

const shotDir = fileURLToPath(new URL('../../test-artifacts/journey/', import.meta.url));

// The warehouse the user already has: its columns are not named as the API's fields, and Grace's email is mistyped.
const WAREHOUSE = `create table people (person_id integer primary key, full_name text, mail text);
  insert into people values (1, 'Ada Lovelace', 'ada@example.com'), (2, 'Grace Hopper', 'grace@example'), (3, '宮本 武蔵', 'musashi@example.jp');`;
const SQL = 'select person_id, full_name, mail from people order by person_id';
// The request body the user types in the builder: an Intercom contact from a row.
const BODY = '{ "role": "user", "external_id": "{{ row.id }}", "name": {{ row.name | json }}, "email": {{ row.email | json }} }';
const TOKEN = 'sandbox-intercom-token';

/** The texts a user reads, in each language. */
const TEXT = {
  en: {
    newConnector: '+ New connector',
    newConnection: '+ New connection',
    newSync: '+ New sync',
    save: 'Save',
    savedConnection: 'Saved to sluice.yaml.',
    authOfConnector: 'The credentials crm_contacts takes: bearer.',
    words: 'Monday to Friday at 08:30',
    added: '3Added',
    saveSync: 'Save sync',
    created: 'saved to sluice.yaml',
    runNow: 'Run now',
    ranPartly: '2 delivered, 1 failed',
    partial: 'Partial',
    partialNote: '2 of 3 rows delivered; 1 failed or invalid.',
    schedules: 'Schedules',
    retry: 'Retry rejected',
    succeeded: 'Succeeded',
    retryOf: 'Retry of',
    history: 'Last 2 runs: 3 rows delivered, 1 failed, 0 invalid',
    active: 'Active',
    showRequest: 'Show request and response',
    noSyncs: 'No syncs in sluice.yaml yet.',
    legend: ['Delivered', 'Failed', 'Invalid'],
    menu: 'Menu',
  },
  ja: {
    newConnector: '+ 新規コネクタ',
    newConnection: '+ 新規接続',
    newSync: '+ 新しい同期',
    save: '保存',
    savedConnection: 'sluice.yaml に保存しました。',
    authOfConnector: 'crm_contacts で使える認証: bearer',
    words: '月曜〜金曜の 08:30',
    added: '3追加',
    saveSync: '同期を保存',
    created: 'sluice.yaml に保存しました',
    runNow: '今すぐ実行',
    ranPartly: '配信 2 件、失敗 1 件',
    partial: '一部失敗',
    partialNote: '3 行中 2 行を配信、1 行が失敗または無効。',
    schedules: 'スケジュール',
    retry: '拒否された行を再送',
    succeeded: '成功',
    retryOf: '再送元',
    history: '直近 2 回: 配信 3 行、失敗 1 行、無効 0 行',
    active: '有効',
    showRequest: 'リクエストとレスポンスを表示',
    noSyncs: 'sluice.yaml に同期がまだありません。',
    legend: ['配信', '失敗', '無効'],
    menu: 'メニュー',
  },
} as const;

type Lang = keyof typeof TEXT;
interface Variant {
  lang: Lang;
  width: number;
}

let browser: TestBrowser;
let axeSource: string | undefined;

beforeAll(async () => {
  await ensureWebBuild();
  browser = await launchBrowser();
  await mkdir(shotDir, { recursive: true });
}, 180_000);

afterAll(async () => {
  await browser?.close();
});

/** A full-page screenshot in test-artifacts/journey/, after axe-core finds no serious or critical violation on the page. */
async function shot(page: Page, variant: Variant, name: string): Promise<void> {
  axeSource ??= await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run: (el: unknown) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe.run(document.body);
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  expect(violations, name).toEqual([]);
  // Nothing runs off the side of the screen.
  expect(await page.evaluate(() => document.documentElement.scrollWidth), name).toBeLessThanOrEqual(variant.width);
  await page.screenshot({ path: join(shotDir, `${variant.lang}-${variant.width}-${name}.png`), fullPage: true });
}

/** Replaces the whole text of a CodeMirror editor the way typing would. */
async function fillEditor(page: Page, testId: string, text: string) {
  const content = page.getByTestId(testId).locator('.cm-content');
  await content.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await content.fill(text);
}

/** The next time "30 8 * * 1-5" in Asia/Tokyo (UTC+9, no summer time) comes after `now`: 23:30 UTC the day before a weekday. */
function nextWeekdayAt0830Tokyo(now: Date): Date {
  for (let day = 0; day < 8; day++) {
    const at = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + day - 1, 23, 30));
    const tokyoWeekday = new Date(at.getTime() + 9 * 3600_000).getUTCDay();
    if (at > now && tokyoWeekday >= 1 && tokyoWeekday <= 5) return at;
  }
  throw new Error('no weekday in a week');
}

/** That time as the schedules page writes it, on Tokyo's clock ("Wed, 9 Dec 2026, 08:30"). */
function nextRunText(now: Date, lang: Lang): string {
  const text = nextWeekdayAt0830Tokyo(now).toLocaleString(lang === 'ja' ? 'ja-JP' : 'en-GB', {
    timeZone: 'Asia/Tokyo',
    weekday: 'short',
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
  expect(text).toContain('08:30');
  return text;
}

/**
 * A new user, in the browser only: a connector built from scratch, the API and warehouse connections, a scheduled
 * sync from the wizard, a run where the API refuses one row, the row fixed upstream and retried, the history chart and
 * the schedules page. The only things done outside the UI: the empty project, the warehouse file, the sandbox API, and
 * the user's upstream fix of the row.
 */
async function walk(variant: Variant) {
  const { lang, width } = variant;
  const text = TEXT[lang];
  const phone = width < 768;
  const page = browser.page;
  const api = await startIntercomSandbox();
  const server = await startUiServer({ 'sluice.yaml': 'version: 1\n' });
  try {
    const db = new Database(join(server.dir, 'warehouse.db'));
    db.exec(WAREHOUSE);
    db.close();

    // Each page visited is saved as <lang>-<width>-<nn>-<page>.png, in the order of the walk.
    let visited = 0;
    const snap = (name: string) => shot(page, variant, `${String(++visited).padStart(2, '0')}-${name}`);

    /** Follows a link of the navigation, through the menu on a phone. */
    const go = async (section: string) => {
      if (phone) await page.getByRole('button', { name: text.menu }).click();
      await page.getByTestId(`nav-${section}`).click();
      await eventually(() => new URL(page.url()).pathname).toBe(`/${section}`);
    };

    await page.setViewportSize({ width, height: 900 });
    await page.goto(`${server.url}/connectors?token=${server.token}`);
    if (lang === 'ja') {
      if (phone) await page.getByRole('button', { name: TEXT.en.menu }).click();
      await page.getByRole('button', { name: '日本語' }).click();
      if (phone) await page.getByRole('button', { name: text.menu }).click();
    }
    await eventually(() => page.getByRole('button', { name: text.newConnector }).count()).toBe(1);
    await snap('connectors');

    // 1. A connector from scratch: name, base URL, bearer auth, the create endpoint's path and Liquid body.
    await page.getByRole('button', { name: text.newConnector }).click();
    await eventually(() => new URL(page.url()).pathname).toBe('/connectors/new');
    await page.locator('input[name=name]').fill('crm_contacts');
    await page.locator('input[name=title]').fill('CRM contacts');
    await page.locator('input[name=base_url]').fill(api.url);
    const form = page.locator('.connector-form');
    const authBox = form.locator(':scope > details', { has: page.locator(':scope > summary', { hasText: /^auth$/ }) });
    await authBox.locator('select[name=type]').first().selectOption('bearer');
    await page.getByTestId('endpoint-form').locator('input[name=path]').first().fill('/contacts');
    await fillEditor(page, 'body-editor', BODY);
    // How a connection checks its credentials: the API's current admin.
    const testBox = form.locator(':scope > details', { has: page.locator(':scope > summary', { hasText: /^test$/ }) });
    await testBox.locator(':scope > summary').click();
    await testBox.locator('input[name=path]').fill('/me');
    await page.locator('textarea[name=sample_rows]').fill('[{ "id": 1, "name": "Ada Lovelace", "email": "ada@example.com" }]');
    const curl = page.getByTestId('curl').first();
    await eventually(() => curl.textContent()).toContain(`curl -X POST '${api.url}/contacts'`);
    expect(await curl.textContent()).toContain('"external_id": "1", "name": "Ada Lovelace", "email": "ada@example.com"');
    await snap('connector-builder');
    await page.getByRole('button', { name: text.save, exact: true }).click();
    await eventually(() => new URL(page.url()).pathname).toBe('/connectors/crm_contacts');
    await eventually(() => page.getByTestId('saved').textContent()).toContain('crm_contacts');
    const connector = await readFile(join(server.dir, 'connectors', 'crm_contacts.yaml'), 'utf8');
    expect(connector).toContain('path: /contacts');
    expect(connector).toMatch(/\ntest:\n( {2}.*\n)* {2}path: \/me\n/);
    // The Liquid body is kept whole, on its line.
    expect(connector).toContain(`body: '${BODY}'`);

    // 2. The API's connection: the connector, the sandbox's address, the token (kept as a secret).
    await go('connections');
    await page.getByRole('button', { name: text.newConnection }).click();
    await page.locator('input[name=connection_name]').fill('crm');
    await page.locator('select[name=connection_type]').selectOption('http');
    await page.locator('input[name=connector]').fill('crm_contacts');
    await page.locator('input[name=base_url]').fill(api.url);
    // The connector takes a bearer token: the form asks for it without the user knowing the kinds of auth.
    await eventually(() => page.locator('select[name=auth_type]').inputValue()).toBe('bearer');
    expect(await page.locator('select[name=auth_type] > option').allTextContents()).toEqual(['bearer']);
    expect(await page.getByTestId('connector-auth').textContent()).toBe(text.authOfConnector);
    await page.locator('input[name=token]').fill(TOKEN);
    await snap('connection-api');
    await page.getByRole('button', { name: text.save, exact: true }).click();
    await eventually(() => page.getByTestId('saved').textContent()).toBe(text.savedConnection);
    expect(new URL(page.url()).pathname).toBe('/connections/crm');
    // The connector typed by its name is saved by its file, as sluice.yaml names a project's own connector.
    expect(await page.locator('input[name=connector]').inputValue()).toBe('./connectors/crm_contacts.yaml');
    // Its test signs in to the API with the stored token.
    await page.getByTestId('test-button').click();
    await eventually(() => page.getByTestId('test-result').getAttribute('data-state')).toBe('ok');

    // 3. The warehouse the user already has, a SQLite file beside sluice.yaml; its test connects.
    await go('connections');
    await eventually(() => page.getByTestId('connection-crm').textContent()).toContain('./connectors/crm_contacts.yaml');
    await snap('connections');
    await page.getByRole('button', { name: text.newConnection }).click();
    await page.locator('input[name=connection_name]').fill('warehouse');
    await page.locator('select[name=connection_type]').selectOption('sqlite');
    await page.locator('input[name=path]').fill('warehouse.db');
    await page.getByRole('button', { name: text.save, exact: true }).click();
    await eventually(() => page.getByTestId('saved').textContent()).toBe(text.savedConnection);
    await page.getByTestId('test-button').click();
    await eventually(() => page.getByTestId('test-result').getAttribute('data-state')).toBe('ok');
    await snap('connection-warehouse');
    const yaml = await readFile(join(server.dir, 'sluice.yaml'), 'utf8');
    expect(yaml).not.toContain(TOKEN);

    // 4. The sync wizard: the SQL and its first rows, the endpoint, mode, key, mapping, schedule, preview, save.
    await go('syncs');
    await eventually(() => page.locator('main').textContent()).toContain(text.noSyncs);
    await snap('syncs-empty');
    await page.getByRole('button', { name: text.newSync }).click();
    await page.getByTestId('sync-wizard').waitFor();
    await page.locator('input[name=sync-name]').fill('people_to_crm');
    await page.locator('select[name=source-connection]').selectOption('warehouse');
    await page.getByTestId('source-sql').locator('.cm-content').click();
    await page.keyboard.type(SQL);
    await page.getByTestId('sample-button').click();
    await eventually(() => page.getByTestId('sample-table').locator('tbody tr').count()).toBe(3);
    expect(await page.getByTestId('sample-table').locator('tbody tr').allTextContents()).toEqual(['1Ada Lovelaceada@example.com', '2Grace Hoppergrace@example', '3宮本 武蔵musashi@example.jp']);
    await snap('wizard-source');
    await page.getByTestId('wizard-next').click();

    await page.locator('select[name=destination-connection]').selectOption('crm');
    await page.locator('select[name=destination-endpoint]').selectOption('create_record');
    await eventually(() => page.getByTestId('endpoint-fields').textContent()).toContain('id, name, email');
    await snap('wizard-destination');
    await page.getByTestId('wizard-next').click();

    await page.locator('select[name=mode]').selectOption('insert');
    await page.getByTestId('key-column-person_id').click();
    await page.locator('select[name=mapping-id]').selectOption('person_id');
    await page.locator('select[name=mapping-name]').selectOption('full_name');
    await page.locator('select[name=mapping-email]').selectOption('mail');
    await snap('wizard-fields');
    await page.getByTestId('wizard-next').click();

    await page.locator('input[name=schedule]').fill('30 8 * * 1-5');
    await page.locator('select[name=timezone]').selectOption('Asia/Tokyo');
    await eventually(() => page.getByTestId('schedule-words').textContent()).toContain(text.words);
    expect(await page.getByTestId('schedule-words').textContent()).toContain('Asia/Tokyo');
    await snap('wizard-schedule');
    await page.getByTestId('wizard-next').click();

    // The preview sends nothing: three contacts to create, the first request with Ada's mapped fields.
    await page.getByTestId('preview-button').click();
    await eventually(() => page.getByTestId('count-added').textContent()).toBe(text.added);
    const first = (await page.getByTestId('preview-request').first().textContent()) ?? '';
    expect(first).toContain(`${api.url}/contacts`);
    expect(first).toContain('"email": "ada@example.com"');
    expect(api.state.contacts).toEqual([]);
    await snap('wizard-preview');
    await page.getByRole('button', { name: text.saveSync }).click();
    await eventually(() => new URL(page.url()).pathname).toBe('/syncs/people_to_crm');
    await eventually(() => page.getByTestId('flash').textContent()).toContain(text.created);

    // 5. Run: Ada and Musashi arrive; the API refuses Grace's mistyped email.
    await page.getByRole('button', { name: text.runNow }).click();
    await eventually(() => page.getByTestId('run-summary').textContent()).toContain(text.ranPartly);
    expect(api.state.contacts.map((c) => [c.external_id, c.name, c.email])).toEqual([
      ['1', 'Ada Lovelace', 'ada@example.com'],
      ['3', '宮本 武蔵', 'musashi@example.jp'],
    ]);
    await snap('sync-run');
    await page.getByTestId('run-card').getByRole('link').click();
    await eventually(() => page.locator('h1 .badge').textContent()).toBe(text.partial);
    const runId = new URL(page.url()).pathname.split('/').pop()!;
    expect(await page.getByTestId('partial-note').textContent()).toBe(text.partialNote);
    expect(await page.getByTestId('rejected-error').textContent()).toContain('Email address is invalid');
    expect(await page.getByTestId('rejected-row').count()).toBe(1);
    expect(await page.getByTestId('rejected-row').textContent()).toContain('2');
    // Opened: the row as read, the request as sent with its token masked, the API's answer.
    await page.getByTestId('rejected-row').getByText(text.showRequest).click();
    const detail = page.getByTestId('rejected-detail');
    await eventually(() => detail.getByTestId('rejected-response').textContent()).toContain('HTTP 400');
    expect(await detail.textContent()).toContain('"email": "grace@example"');
    expect(await detail.textContent()).toContain('Authorization: Bearer ****');
    expect(await detail.textContent()).not.toContain(TOKEN);
    await snap('run-rejected');

    // 6. The user fixes the email upstream, then retries the rejected row from the run's page.
    const fix = new Database(join(server.dir, 'warehouse.db'));
    fix.prepare("update people set mail = 'grace@example.com' where person_id = 2").run();
    fix.close();
    await page.getByRole('button', { name: text.retry }).click();
    await eventually(() => new URL(page.url()).pathname).not.toBe(`/runs/${runId}`);
    await eventually(() => page.locator('h1 .badge').textContent()).toBe(text.succeeded);
    expect(await page.getByTestId('retry-links').textContent()).toContain(`${text.retryOf} ${runId}`);
    const retryId = new URL(page.url()).pathname.split('/').pop()!;
    expect(api.state.contacts.map((c) => [c.external_id, c.email])).toEqual([
      ['1', 'ada@example.com'],
      ['3', 'musashi@example.jp'],
      ['2', 'grace@example.com'],
    ]);
    await snap('run-retried');

    // 7. The sync's history: both runs charted, the numbers in a table, the retry linked to its run.
    await page.locator('main').getByRole('link', { name: 'people_to_crm' }).click();
    await eventually(() => page.getByTestId('history-summary').textContent()).toContain(text.history);
    expect(await page.getByTestId('history-rows-chart').locator('canvas').count()).toBe(1);
    expect(await page.getByTestId('sync-history').locator('.legend-item').allTextContents()).toEqual(text.legend);
    expect(await page.getByTestId('history-duration-chart').locator('canvas').count()).toBe(1);
    await page.getByTestId('sync-history').locator('summary').click();
    const rows = page.getByTestId('history-table').locator('tbody tr');
    await eventually(() => rows.count()).toBe(2);
    expect(await rows.nth(0).textContent()).toContain(runId);
    expect(await rows.nth(1).textContent()).toContain(retryId);
    expect(await rows.nth(1).getByRole('link', { name: runId }).count()).toBe(1);
    await snap('sync-history');

    // 8. The schedules page: the sync, its cron, Tokyo time, active, its next run at 08:30 on Tokyo's clock.
    const before = nextRunText(new Date(), lang);
    await go('schedules');
    expect(await page.locator('h1').textContent()).toBe(text.schedules);
    const row = page.getByTestId('schedule-sync-people_to_crm');
    await eventually(() => row.textContent()).toContain('30 8 * * 1-5');
    expect(await row.textContent()).toContain('Asia/Tokyo');
    expect(await row.textContent()).toContain(text.active);
    const shown = ((await row.getByTestId('schedule-next').textContent()) ?? '').split(' · ');
    expect(shown).toHaveLength(3);
    // (Read before and after the page: 23:30 UTC may pass meanwhile.)
    expect([before, nextRunText(new Date(), lang)]).toContain(shown[0]);
    await snap('schedules');
  } catch (e) {
    // Where the walk stopped, to look at.
    await page.screenshot({ path: join(shotDir, `${lang}-${width}-failed.png`), fullPage: true });
    throw e;
  } finally {
    await server.close();
    await api.close();
  }
}

describe('a new user, from an empty project to a scheduled sync, in the browser only', () => {
  it.each<Variant>([
    { lang: 'en', width: 1400 },
    { lang: 'en', width: 390 },
    { lang: 'ja', width: 1400 },
    { lang: 'ja', width: 390 },
  ])('$lang at $width px', async (variant) => {
    await walk(variant);
  }, 120_000);
});
