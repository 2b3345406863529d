import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { JsonSchema, Schemas } from '../../src/api/schemas.js';
import { contactsToHooks } from './contacts-to-hooks.js';
import { eventually } from './eventually.js';
import { openUiInBrowser } from './open-ui-in-browser.js';
import { seriousViolations } from './serious-violations.js';

const ui = openUiInBrowser(
  contactsToHooks({
    sync: 'contacts_to_hooks',
    sql: 'SELECT id, name, email FROM contacts ORDER BY id',
    contacts: [
      [1, 'Ada Lovelace', 'ada@example.com'],
      [2, 'Grace Hopper', 'grace@example.com'],
    ],
  }),
);

async function get<T>(path: string): Promise<T> {
  const response = await fetch(`${ui.server.url}${path}`, { headers: { authorization: `Bearer ${ui.server.token}` } });
  return (await response.json()) as T;
}

/** Replaces the whole text of a CodeMirror editor the way typing would (select all, insert). */
async function fillEditor(page: Page, testId: string, text: string) {
  const content = page.getByTestId(testId).locator('.cm-content');
  await content.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await content.fill(text);
}

async function open(page: Page, path: string) {
  await page.goto(`${ui.server.url}${path}?token=${ui.server.token}`);
}

const yamlView = (page: Page) => page.getByRole('button', { name: 'YAML', exact: true }).click();
const formView = (page: Page) => page.getByRole('button', { name: 'Form', exact: true }).click();

/** A connector like the project's hooks, its base URL given. */
const spec = (baseUrl: string, method = 'POST') =>
  [
    'name: hooks',
    'title: Contact hooks',
    `base_url: ${baseUrl}`,
    'endpoints:',
    '  add_contact:',
    '    operation: create',
    `    method: ${method}`,
    '    path: "/hooks/contacts/{{ row.id }}"',
    '    headers: { Content-Type: application/json }',
    '    body: \'{ "name": {{ row.name | json }} }\'',
    '',
  ].join('\n');

describe('the connector builder, drawn from the server schema', () => {
  it('shows every top-level key group of the connector schema with its description, and every auth kind', async () => {
    const { page } = ui.browser;
    const schema = (await get<Schemas>('/api/schemas')).connector;
    await open(page, '/connectors/hooks');
    await eventually(() => page.getByTestId('endpoint-form').isVisible()).toBe(true);
    const form = page.locator('.connector-form');
    const text = (await form.textContent()) ?? '';
    const keys = Object.entries(schema.properties ?? {}).filter(([key]) => !key.startsWith('$'));
    for (const group of ['auth', 'endpoints', 'streams', 'retry', 'config']) expect(keys.map(([k]) => k)).toContain(group);
    for (const [key, property] of keys) {
      expect(await form.getByText(key, { exact: true }).count(), `a field named ${key}`).toBeGreaterThan(0);
      if (property.description) expect(text, `the help of ${key}`).toContain(property.description);
    }
    // The auth kinds are the schema's, offered in the kind select of a new auth item.
    // `auth` is one kind or a list of them: the one-kind alternative lists the kinds.
    const one = (schema.properties!.auth!.anyOf ?? []).find((s: JsonSchema) => s.type !== 'array');
    const authKinds = (one?.oneOf ?? one?.anyOf)?.map((s) => String(s.properties!.type!.const));
    expect(authKinds?.length).toBeGreaterThan(4);
    const authBox = form.locator('details', { has: page.locator('summary', { hasText: /^auth$/ }) });
    await authBox.locator('summary').click();
    await authBox.getByRole('button', { name: /Add/ }).click();
    const kinds = await authBox.locator('select[name=type]').first().locator('option').allTextContents();
    expect(kinds).toEqual(authKinds);
  });

  it('shows a method that is none of the options as itself, marked invalid, and marks a YAML error in the gutter at its line', async () => {
    const { page } = ui.browser;
    await open(page, '/connectors/new');
    await yamlView(page);
    await fillEditor(page, 'yaml-editor', spec(ui.sandbox.url, 'POSTT'));
    await formView(page);
    // The endpoint's own method is the form's first (its job's and lookup's requests have theirs below).
    const method = page.getByTestId('endpoint-form').locator('select[name=method]').first();
    expect(await method.inputValue()).toBe('POSTT');
    expect(await method.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByTestId('invalid-value').textContent()).toContain('“POSTT” is not a valid method');
    expect(await seriousViolations(page)).toEqual([]);
    // Choosing a real method writes it.
    await method.selectOption('PUT');
    await yamlView(page);
    await eventually(() => page.getByTestId('yaml-editor').locator('.cm-content').innerText()).toContain('method: PUT');

    // A YAML error: a key written twice, the second time on line 3.
    await fillEditor(page, 'yaml-editor', spec(ui.sandbox.url).replace('title: Contact hooks\n', 'title: Contact hooks\ntitle: again\n'));
    const marked = page.getByTestId('yaml-editor').locator('.cm-problem-line');
    await eventually(() => marked.allTextContents()).toEqual(['title: again']);
    const mark = page.getByTestId('yaml-editor').locator('.cm-problem-mark');
    expect(await mark.getAttribute('aria-label')).toContain('unique');
    // The spec's own issue (a bad operation) is marked at its line once the YAML parses.
    await fillEditor(page, 'yaml-editor', spec(ui.sandbox.url).replace('operation: create', 'operation: creat'));
    await eventually(() => marked.allTextContents()).toEqual(['    operation: creat']);
    await ui.browser.screenshot('builder-yaml-problem');
  });

  it("completes row fields from the sample rows and filter names from the server's list in a template field", async () => {
    const { page } = ui.browser;
    const filters = (await get<Schemas>('/api/schemas')).filters;
    expect(filters).toEqual(expect.arrayContaining(['json', 'url_encode', 'sha256', 'date']));
    await open(page, '/connectors/new');
    await page.locator('textarea[name=sample_rows]').fill('[{ "id": 1, "zip_code": "100-0001", "loyalty_tier": "gold" }]');
    const body = page.getByTestId('body-editor').locator('.cm-content');
    await fillEditor(page, 'body-editor', '{ "zip": ');
    await body.press('End');
    await page.keyboard.type('{{ row.');
    const options = page.locator('.cm-tooltip-autocomplete li');
    await eventually(() => options.allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('zip_code'), expect.stringContaining('loyalty_tier')]));
    // Typed once, as a user does: the list follows what is typed, and Enter picks the highlighted option.
    const typeAndSeeFirst = async (text: string, option: string) => {
      await page.keyboard.type(text);
      await eventually(async () => (await options.allTextContents())[0] ?? '').toContain(option);
    };
    await typeAndSeeFirst('zip', 'zip_code');
    await page.keyboard.press('Enter');
    expect(await body.innerText()).toBe('{ "zip": {{ row.zip_code');
    // After the pipe, the server's filter names, narrowed to what is typed.
    await typeAndSeeFirst(' | url_en', 'url_encode');
    expect((await options.allTextContents()).every((o) => o.includes('url_en'))).toBe(true);
    await page.keyboard.press('Enter');
    expect(await body.innerText()).toBe('{ "zip": {{ row.zip_code | url_encode');
  });

  it("loads sample rows from a sync (its source's first rows)", async () => {
    const { page } = ui.browser;
    await open(page, '/connectors/hooks');
    await page.locator('select[name=sample_sync]').selectOption('contacts_to_hooks');
    await page.getByRole('button', { name: 'Load sample rows' }).click();
    await eventually(() => page.getByTestId('sample-loaded').textContent()).toBe('2 rows of contacts_to_hooks loaded.');
    const rows = JSON.parse(await page.locator('textarea[name=sample_rows]').inputValue()) as unknown[];
    expect(rows).toEqual([
      { id: 1, name: 'Ada Lovelace', email: 'ada@example.com' },
      { id: 2, name: 'Grace Hopper', email: 'grace@example.com' },
    ]);
    // The preview renders them.
    await eventually(() => page.getByTestId('curl').first().textContent()).toContain('Ada Lovelace');
  });

  it('asks before a test send writes to a real API, and sends to a local one at once', async () => {
    const { page } = ui.browser;
    const before = ui.sandbox.state.hooks.length;
    await open(page, '/connectors/new');
    await yamlView(page);
    await fillEditor(page, 'yaml-editor', spec('https://api.example.com'));
    await eventually(() => page.getByTestId('curl').first().textContent()).toContain('https://api.example.com/hooks/contacts/1');
    await page.getByRole('button', { name: 'Send test request' }).click();
    const confirm = page.getByRole('alertdialog');
    await eventually(() => confirm.textContent()).toContain('This sends POST https://api.example.com/hooks/contacts/1 to api.example.com');
    await ui.browser.screenshot('builder-send-confirm');
    expect(await seriousViolations(page)).toEqual([]);
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    expect(await confirm.count()).toBe(0);
    expect(await page.getByTestId('sent-response').count()).toBe(0);

    await fillEditor(page, 'yaml-editor', spec(ui.sandbox.url));
    await eventually(() => page.getByTestId('curl').first().textContent()).toContain(`${ui.sandbox.url}/hooks/contacts/1`);
    await page.getByRole('button', { name: 'Send test request' }).click();
    await eventually(() => page.getByTestId('sent-response').textContent()).toContain('HTTP 200');
    expect(await confirm.count()).toBe(0);
    expect(ui.sandbox.state.hooks.length).toBe(before + 1);
  });
});

describe('resilience', () => {
  it('opens sluice.yaml in an editor at its error instead of empty lists, and the lists come back once it is saved valid', async () => {
    const { page } = ui.browser;
    const file = join(ui.server.dir, 'sluice.yaml');
    const good = await readFile(file, 'utf8');
    const broken = good.replace('    mode: insert\n', '    mode: insrt\n');
    const line = broken.split('\n').findIndex((l) => l.includes('mode: insrt')) + 1;
    await writeFile(file, broken);
    try {
      await open(page, '/syncs');
      const editor = page.getByTestId('project-editor');
      await eventually(() => editor.isVisible()).toBe(true);
      expect(await page.locator('h1').textContent()).toBe('sluice.yaml does not load');
      expect(await page.getByTestId('project-issues').textContent()).toContain(`sluice.yaml:${line}`);
      expect(await page.getByTestId('project-issues').textContent()).toContain('syncs.contacts_to_hooks.mode');
      // The cursor is on the line of the error, which is marked.
      const yaml = page.getByTestId('project-yaml');
      await eventually(() => yaml.locator('.cm-activeLine').textContent()).toContain('mode: insrt');
      expect(await yaml.locator('.cm-problem-line').textContent()).toContain('mode: insrt');
      await ui.browser.screenshot('project-editor');
      expect(await seriousViolations(page)).toEqual([]);
      // On a phone the editor fits the page: nothing scrolls it sideways.
      await page.setViewportSize({ width: 390, height: 844 });
      try {
        const scrollWidth = () => page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth);
        await eventually(scrollWidth).toBe(390);
        await ui.browser.screenshot('phone-project-editor');
      } finally {
        await page.setViewportSize({ width: 1440, height: 900 });
      }

      // A save that is still invalid writes nothing and says why.
      await fillEditor(page, 'project-yaml', broken.replace('mode: insrt', 'mode: sideways'));
      await page.getByRole('button', { name: 'Save and check' }).click();
      await eventually(() => page.getByTestId('project-issues').textContent()).toContain('sideways');
      expect(await readFile(file, 'utf8')).toBe(broken);

      await fillEditor(page, 'project-yaml', good);
      await page.getByRole('button', { name: 'Save and check' }).click();
      await eventually(() => page.getByTestId('project-editor').count()).toBe(0);
      await eventually(() => page.locator('main').textContent()).toContain('contacts_to_hooks');
      expect(await readFile(file, 'utf8')).toBe(good);
    } finally {
      await writeFile(file, good);
    }
  });

  it('links a broken connector spec the project uses to its builder, which opens while the project does not load', async () => {
    const { page } = ui.browser;
    const file = join(ui.server.dir, 'connectors', 'hooks.yaml');
    const good = await readFile(file, 'utf8');
    await writeFile(file, good.replace('operation: update', 'operation: updat'));
    try {
      await open(page, '/syncs');
      const issues = page.getByTestId('project-issues');
      await eventually(() => issues.textContent()).toContain('hooks.yaml');
      await issues.getByRole('link', { name: /hooks\.yaml/ }).click();
      await eventually(() => page.getByTestId('endpoint-form').isVisible()).toBe(true);
      expect(new URL(page.url()).pathname).toBe('/connectors/hooks');
      expect(await page.getByTestId('project-editor').count()).toBe(0);
    } finally {
      await writeFile(file, good);
    }
  });

  it("shows the server's errors in Japanese", async () => {
    const { page } = ui.browser;
    await open(page, '/syncs/no_such_sync');
    await page.getByRole('button', { name: '日本語' }).click();
    try {
      await eventually(() => page.locator('main').textContent()).toContain('同期「no_such_sync」はありません。');
      // An invalid project: the headline in Japanese.
      const file = join(ui.server.dir, 'sluice.yaml');
      const good = await readFile(file, 'utf8');
      await writeFile(file, good.replace('    mode: insert\n', '    mode: insrt\n'));
      try {
        await open(page, '/syncs');
        await eventually(() => page.getByTestId('project-issues').textContent()).toContain('sluice.yaml に 1 件の問題があり、プロジェクトを読み込めません。');
        expect(await page.locator('h1').textContent()).toBe('sluice.yaml を読み込めません');
        await ui.browser.screenshot('project-editor-ja');
      } finally {
        await writeFile(file, good);
      }
    } finally {
      await page.getByRole('button', { name: 'EN' }).click();
    }
  });
});
